#!/bin/sh
# capture.sh KERNEL_OUT INITRAMFS MODDIR STEPS OUT: boot STEPS (written by
# `steps.sh capture`) in a real kdump capture kernel: the first kernel
# boots with crashkernel=, loads the same kernel with kexec -p and an
# initrd of INITRAMFS plus STEPS, and is crashed on its boot CPU; the
# capture kernel runs STEPS. tools/boot.sh records the capture kernel's
# part of the console in OUT.log and OUT.record.json.
#
# Environment: boot.sh's (BOOT_META, KTAP_PARSER, LC_RUN_ID) and vm.sh's
# (VM_TIMEOUT, VM_IOMMU: vtd puts both kernels behind QEMU's VT-d).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

kout=${1:?usage: capture.sh KERNEL_OUT INITRAMFS MODDIR STEPS OUT}
initrd=${2:?usage: capture.sh KERNEL_OUT INITRAMFS MODDIR STEPS OUT}
mod=${3:?usage: capture.sh KERNEL_OUT INITRAMFS MODDIR STEPS OUT}
steps=${4:?usage: capture.sh KERNEL_OUT INITRAMFS MODDIR STEPS OUT}
out=${5:?usage: capture.sh KERNEL_OUT INITRAMFS MODDIR STEPS OUT}
[ -f "$steps" ] || die "steps file $steps does not exist"
kexec=$(command -v kexec || echo /usr/sbin/kexec)
[ -x "$kexec" ] || die "kexec not found (apt-get install kexec-tools)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The capture kernel's initrd: the base image plus the steps; the first
# kernel's: kexec, the kernel and that initrd.
mkdir "$tmp/s"
cp "$steps" "$tmp/s/steps"
(cd "$tmp/s" && echo steps | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$tmp/steps.img"
cat "$initrd" "$tmp/steps.img" >"$tmp/capture.img"
INITRAMFS_EXTRA=$kexec INITRAMFS_BOOT="$kout/bzImage $tmp/capture.img" \
	"$here/initramfs.sh" "$tmp/first.img" "$mod"
KDUMP=0 VM_EXPECT_PANIC=1 VM_APPEND="crashkernel=384M" BOOT_CAPTURE=1 \
	"$here/boot.sh" "$kout" "$tmp/first.img" "$steps" "$out"
