#!/bin/sh
# modules.sh KERNEL_OUT: build fake_iommu and harness against the kernel in
# KERNEL_OUT with W=1, in a copy under KERNEL_OUT (the checkout stays
# clean), and print the directory holding the .ko files. Any compiler
# warning fails the build.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
. "$here/lib.sh"

kout=${1:?usage: modules.sh KERNEL_OUT}
build=$(cat "$kout/builddir")
# A distribution kernel's headers live in a build root of its own release
# (tools/build/stock.sh): the build runs there, chrooted, as on that release.
root=$(cat "$kout/buildroot" 2>/dev/null || true)
if [ -n "$root" ]; then
	# one root may serve several kernels of its release
	mod=$root/lockcheck-mod-$(cat "$kout/kernelrelease")
	kmake() {
		# objtool reads /proc; the mount ends with the namespace
		unshare -m chroot "$root" sh -c 'mount -t proc proc /proc && exec make "$@"' make "$@"
	}
	mdir=/${mod##*/}
else
	mod=$kout/mod
	kmake() { make "$@"; }
	mdir=$mod
fi
key=$( (cat "$kout/kernelrelease" "$kout/.config"
	cd "$top" && find Kbuild fake_iommu harness -type f \( -name '*.[ch]' -o -name Kbuild \) |
	sort | xargs cat) | content_key)
if [ "$(cat "$mod/.key" 2>/dev/null)" = "$key" ]; then
	echo "$mod"
	exit 0
fi
hold_lock 9 "$(cache_root)/lock/$(cat "$kout/locktag")" "the source and build trees of $(cat "$kout/kernelrelease")"
log=$kout/modules.log
stage "modules W=1 against $(cat "$kout/kernelrelease"), log $log" >&2
rm -rf "$mod"
mkdir -p "$mod"
(cd "$top" && cp -r Kbuild fake_iommu harness "$mod/")
: >"$log"
run_logged "$log" kmake -C "$build" M="$mdir" W=1 modules
if grep -E 'warning:|error:' "$log" >/dev/null; then
	grep -E 'warning:|error:' "$log" | head -5 | sed 's/^/    /' >&2
	die "module build has warnings; log $log"
fi
echo "$key" >"$mod/.key"
echo "$mod"
