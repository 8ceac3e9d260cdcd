#!/bin/sh
# fetch-source.sh KVER: download and unpack Debian's linux-source package
# for KVER (pinned in kernels.conf) into the cache; print the tree's path.
#
# A suite the system does not list (trixie-backports for 7.3) is fetched
# with a private apt configuration under the cache, using the mirror URI
# of the machine's own Debian sources, so the system's apt state is never
# touched.
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
	if [ "$suite" = system ]; then
		set --
	else
		# The machine's own Debian mirror, from deb822 or one-line sources.
		mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
			awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}')
		[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' \
			/etc/apt/sources.list 2>/dev/null)
		[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources* to fetch $suite from"
		apt=$cache/apt
		mkdir -p "$apt/lists/partial" "$apt/archives/partial"
		printf 'deb %s %s main\n' "$mirror" "$suite" >"$apt/sources.list"
		set -- -o Dir::Etc::SourceList="$apt/sources.list" \
			-o Dir::Etc::SourceParts=/dev/null \
			-o Dir::State::Lists="$apt/lists" \
			-o Dir::Cache="$apt" \
			-o APT::Sandbox::User=root
		run_logged "$log" apt-get "$@" update
	fi
	(cd "$dl" && run_logged "$log" apt-get "$@" -o APT::Sandbox::User=root download "$pkg=$ver")
	[ -s "$deb" ] || die "apt-get download left no $deb (see $log)"
fi

stage "unpack $pkg=$ver" >&2
rm -rf "$tree.tmp"
mkdir -p "$tree.tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
	xz -dc -T0 | tar -x -C "$tree.tmp" --strip-components=1 ||
	die "could not unpack $deb"
touch "$tree.tmp/.lockcheck-unpacked"
rm -rf "$tree"
mv "$tree.tmp" "$tree"
echo "$tree"
