#!/bin/sh
# guest.sh COLUMN [IMAGE [EXTRA...]]: build what one column boots — the
# kernel (tools/kernel.sh, FLAVOUR from the environment), our modules
# against it (tools/modules.sh) and the initramfs IMAGE (default
# initramfs.cpio.gz) with the EXTRA programs (and INITRAMFS_BOOT files) — and print shell assignments
# for kout, mod, initrd and KTAP_PARSER (exported), to eval. The one place
# that turns a column into bootable files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# the IOMMU a column boots behind does not change what it boots
col=$(column_kernel "${1:?usage: guest.sh COLUMN [IMAGE [EXTRA...]]}")
image=${2:-initramfs.cpio.gz}
[ $# -ge 2 ] && shift 2 || shift $#
# The tree stays locked from the kernel build to the modules built against
# it: another run's variant cannot be patched in between.
case $col in
ksrc) tag=ksrc-$(cd "${KSRC:?column ksrc needs KSRC=}" && pwd | content_key) ;;
*:stock) tag=stock-${col%%:*} ;;
*) tag=${col%%:*} ;;
esac
hold_lock 6 "$(cache_root)/lock/src-$tag" "the $tag source and build trees"
case $col in
ksrc)
	kout=$(env -u VARIANT -u PATCHES "$here/kernel.sh")
	parser=$KSRC/tools/testing/kunit/kunit.py
	;;
*:stock)
	# Debian's own kernel, no build (tools/stock.sh)
	[ -z "${FLAVOUR:-}" ] || die "column $col is Debian's kernel as built: FLAVOUR=$FLAVOUR does not apply"
	kout=$("$here/stock.sh" "${col%%:*}")
	parser=$("$here/fetch-source.sh" "${col%%:*}")/tools/testing/kunit/kunit.py
	;;
*:@*)
	kout=$(env -u VARIANT -u KSRC KVER="${col%%:*}" PATCHES="${col#*:@}" "$here/kernel.sh")
	parser=$("$here/fetch-source.sh" "${col%%:*}")/tools/testing/kunit/kunit.py
	;;
*:*)
	kout=$(env -u PATCHES -u KSRC KVER="${col%%:*}" VARIANT="${col#*:}" "$here/kernel.sh")
	parser=$("$here/fetch-source.sh" "${col%%:*}")/tools/testing/kunit/kunit.py
	;;
*) die "column '$col' is not KVER:VARIANT, KVER:@DIR or ksrc" ;;
esac
mod=$("$here/modules.sh" "$kout")
initrd=$kout/$image
ikey=$( (cat "$mod/.key" "$here/guest/init" "$here/guest/lib.sh" "$here/initramfs.sh"
	find "$here/guest/tests" -type f | sort | xargs cat
	for f in "$@" ${INITRAMFS_BOOT:-}; do echo "$f"; cat "$f"; done) | content_key)
if [ "$(cat "$initrd.key" 2>/dev/null)" != "$ikey" ]; then
	stage "initramfs $image for $(cat "$kout/kernelrelease")" >&2
	INITRAMFS_EXTRA="$*" "$here/initramfs.sh" "$initrd" "$mod"
	echo "$ikey" >"$initrd.key"
fi
printf "kout='%s'; mod='%s'; initrd='%s'; KTAP_PARSER='%s'; export KTAP_PARSER\n" \
	"$kout" "$mod" "$initrd" "$parser"
