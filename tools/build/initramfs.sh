#!/bin/sh
# initramfs.sh OUT MODDIR: build the base initramfs (busybox, init, guest
# helpers and tests, our modules) as a gzip'ed newc cpio in OUT.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
guest=$(dirname "$here")/guest
. "$here/lib.sh"

out=${1:?usage: initramfs.sh OUT MODDIR}
moddir=${2:?usage: initramfs.sh OUT MODDIR}
bb=$(command -v busybox || echo /bin/busybox)
[ -x "$bb" ] || die "busybox not found (apt-get install busybox-static)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
	"$root/lib/lockcheck" "$root/etc"
cp "$bb" "$root/bin/busybox"
cp "$guest/init" "$root/init"
cp "$guest/lib.sh" "$root/lib/lockcheck/lib.sh"
cp -r "$guest/tests" "$root/lib/lockcheck/tests" 2>/dev/null || true
for ko in $(find "$moddir" -name '*.ko'); do
	cp "$ko" "$root/lib/lockcheck/"
done
# Extra programs go to /bin with the shared libraries they need (ldd);
# INITRAMFS_BOOT files (a kernel and initrd for kexec) go to /boot.
for extra in ${INITRAMFS_EXTRA:-}; do
	[ -f "$extra" ] || die "INITRAMFS_EXTRA: $extra does not exist"
	cp "$extra" "$root/bin/"
	ldd "$extra" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
for f in ${INITRAMFS_BOOT:-}; do
	[ -f "$f" ] || die "INITRAMFS_BOOT: $f does not exist"
	mkdir -p "$root/boot"
	cp "$f" "$root/boot/"
done
chmod +x "$root/init"
(cd "$root" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
