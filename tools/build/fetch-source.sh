#!/bin/sh
# fetch-source.sh KVER: download and unpack Debian's linux-source package
# for KVER (pinned in kernels.conf) into the cache; print the tree's path.
#
# A suite the system does not list (trixie-backports for 7.3) is fetched
# with a private apt configuration (tools/build/lib.sh apt_download).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

kver=${1:?usage: fetch-source.sh KVER}
line=$(awk -v k="$kver" '$1 == k' "$here/kernels.conf")
[ -n "$line" ] || die "KVER=$kver is not a known kernel (known: $(awk '!/^#/ {printf "%s ", $1}' "$here/kernels.conf"))"
set -- $line
pkg=$2 ver=$3 suite=$4
cache=$(cache_root)
dl=$cache/dl
src=$cache/src
tree=$src/linux-$ver

if [ -f "$tree/.lockcheck-unpacked" ]; then
	echo "$tree"
	exit 0
fi
# One fetch at a time; a run that waited finds the tree there.
hold_lock 8 "$cache/lock/fetch-$kver" "the download of $pkg=$ver"
if [ -f "$tree/.lockcheck-unpacked" ]; then
	echo "$tree"
	exit 0
fi
mkdir -p "$dl" "$src"

deb=$dl/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_all.deb
if [ ! -s "$deb" ]; then
	stage "fetch $pkg=$ver" >&2
	log=$cache/log/fetch-$kver.log
	apt_download "$dl" "$suite" "$log" "$pkg=$ver"
	[ -s "$deb" ] || die "apt-get download left no $deb (see $log)"
fi

stage "unpack $pkg=$ver" >&2
rm -rf "$tree.tmp" "$tree.deb"
mkdir -p "$tree.tmp" "$tree.deb"
# no pipes: a POSIX sh pipeline's status is its last command's
dpkg-deb -x "$deb" "$tree.deb" || die "could not unpack $deb"
set -- "$tree.deb"/usr/src/linux-source-*.tar.xz
[ -f "$1" ] || die "$deb holds no usr/src/linux-source-*.tar.xz"
tar -x -I 'xz -T0' -f "$1" -C "$tree.tmp" --strip-components=1 || die "could not unpack $1"
rm -rf "$tree.deb"
touch "$tree.tmp/.lockcheck-unpacked"
rm -rf "$tree"
mv "$tree.tmp" "$tree"
echo "$tree"
