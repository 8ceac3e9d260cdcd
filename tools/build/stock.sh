#!/bin/sh
# stock.sh KVER: Debian's own kernel for KVER (tools/build/stock.conf), no kernel
# build: download its image and headers packages, unpack the headers into
# a build root of the kernel's Debian release (debootstrap, with the
# compiler the kernel was built with), and print a directory shaped like
# tools/build/kernel.sh's: bzImage, .config, kernelrelease, builddir (inside the
# build root), buildroot, locktag. tools/build/modules.sh builds in the root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

kver=${1:?usage: stock.sh KVER}
line=$(awk -v k="$kver" '$1 == k' "$here/stock.conf")
[ -n "$line" ] || die "KVER=$kver has no stock kernel (have: $(awk '!/^#/ {printf "%s ", $1}' "$here/stock.conf"))"
set -- $line
[ $# -ge 9 ] || die "tools/build/stock.conf: the $kver line has $# fields, not 9 or more: $line"
[ "$(id -u)" = 0 ] || die "stock columns need root: debootstrap, chroot and unshare build the modules"
ver=$2 suite=$3 release=$4 cc=$5 image=$6
shift 6
headers=$*
krel=${1#linux-headers-}
cache=$(cache_root)
key=$(echo "$line" | content_key)
out=$cache/out/stock-$kver-$key
# What W=1 module builds run: the compiler, make, pahole for BTF, and
# kernel-doc (perl on 6.12, python on 7.x).
tools="$cc make libc6-dev dwarves perl python3"
root=$cache/stock/$release-$(printf '%s\n' "$release" "$tools" | content_key)
dl=$cache/dl/stock-$kver
log=$cache/log/stock-$kver.log
# the pinned version's package files only, as apt-get download names them
debof() { echo "$dl/${1}_$(echo "$ver" | sed 's/:/%3a/')_"*.deb; }

hold_lock 9 "$cache/lock/stock-$kver" "Debian's $krel kernel"
if [ -f "$out/.lockcheck-ready" ] && [ -f "$root/.lockcheck-headers-$krel" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$dl" "$cache/stock"
: >"$log"

stage "fetch Debian's $krel image and headers ($ver, $suite), log $log" >&2
pkgs=
for p in $image $headers; do
	pkgs="$pkgs $p=$ver"
done
# shellcheck disable=SC2086 # one word per package
apt_download "$dl" "$suite" "$log" $pkgs
for p in $image $headers; do
	[ -f "$(debof "$p")" ] || die "apt-get download left no $p=$ver in $dl (see $log)"
done

hold_lock 8 "$cache/lock/stock-root-$release" "the $release build root"
if [ ! -f "$root/.lockcheck-ready" ]; then
	command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"
	stage "build root: debootstrap $release with $tools, log $log" >&2
	rm -rf "$root.tmp"
	run_logged "$log" debootstrap --variant=minbase --include="$(echo "$tools" | tr ' ' ,)" \
		"$release" "$root.tmp" "$(debian_mirror)"
	rm -rf "$root"
	mv "$root.tmp" "$root"
	touch "$root/.lockcheck-ready"
fi
stage "unpack $krel headers into the $release build root" >&2
for p in $headers; do
	# a merged-/usr root: /lib stays the symlink it is
	# a file between the two, not a pipe: each one's failure is seen
	dpkg-deb --fsys-tarfile $(debof "$p") >"$dl/unpack.tar" &&
		tar -x --keep-directory-symlink -C "$root" -f "$dl/unpack.tar" ||
		die "could not unpack $p"
done
hdir=/usr/src/linux-headers-$krel
[ -f "$root$hdir/.config" ] || die "$hdir/.config is not in the unpacked headers"
touch "$root/.lockcheck-headers-$krel"

rm -rf "$out"
mkdir -p "$out.tmp"
dpkg-deb --fsys-tarfile $(debof "$image") >"$dl/unpack.tar" &&
	tar -x -C "$out.tmp" --wildcards '*vmlinuz*' -f "$dl/unpack.tar" ||
	die "no vmlinuz in $image"
rm -f "$dl/unpack.tar"
find "$out.tmp" -name 'vmlinuz*' -type f -exec mv {} "$out.tmp/bzImage" \;
[ -s "$out.tmp/bzImage" ] || die "no vmlinuz in $image"
cp "$root$hdir/.config" "$out.tmp/.config"
echo "$krel" >"$out.tmp/kernelrelease"
echo "$hdir" >"$out.tmp/builddir"
echo "$root" >"$out.tmp/buildroot"
echo "stock-$kver" >"$out.tmp/locktag"
rm -rf "$out.tmp/boot" "$out.tmp/usr"
touch "$out.tmp/.lockcheck-ready"
mv "$out.tmp" "$out"
echo "$out"
