#!/bin/sh
# vm.sh KERNEL_OUT INITRAMFS STEPS LOG: boot the kernel in QEMU (TCG, 2
# vCPUs or VM_SMP, 1 GiB), run the STEPS script inside, capture the serial console in
# LOG. Exits non-zero, naming what happened, when the guest hangs (killed
# at VM_TIMEOUT seconds), panics, oopses, or never reaches the end of its
# steps. STEPS "-" boots an interactive shell on this terminal instead.
#
# KDUMP=1 (default) boots with elfcorehdr= so is_kdump_kernel() is true and
# the DMA path's deferred-attach static key is on, as in a capture kernel.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

kout=${1:?usage: vm.sh KERNEL_OUT INITRAMFS STEPS LOG}
base=$2
steps=$3
log=$4
timeout=${VM_TIMEOUT:-600}
kdump=${KDUMP:-1}

case $timeout in
''|*[!0-9]*) die "VM_TIMEOUT=$timeout is not a number of seconds" ;;
esac
case $kdump in
0|1) ;;
*) die "KDUMP=$kdump must be 0 or 1" ;;
esac
# VM_ICOUNT=1: deterministic time for make bench. -icount shift=0 makes a
# guest nanosecond one guest instruction (sleep=off: idle time jumps to
# the next timer instead of following the host's clock); QEMU runs the
# vCPUs in one thread then. VM_KVM=1: hardware virtualisation, where
# /dev/kvm works (tools/lib.sh kvm_works).
smp=${VM_SMP:-2}
case $smp in [1-8]) ;; *) die "VM_SMP=$smp must be 1 to 8 vCPUs" ;; esac
accel="-accel tcg,thread=multi -cpu max"
case ${VM_ICOUNT:-0} in
0) ;;
1) accel="-accel tcg,thread=single -icount shift=0,sleep=off -cpu max" ;;
*) die "VM_ICOUNT=${VM_ICOUNT} must be 0 or 1" ;;
esac
case ${VM_KVM:-0} in
0) ;;
1)
	[ "${VM_ICOUNT:-0}" = 0 ] || die "VM_KVM=1 and VM_ICOUNT=1 exclude each other"
	accel="-accel kvm -cpu host"
	;;
*) die "VM_KVM=${VM_KVM} must be 0 or 1" ;;
esac
# VM_IOMMU=vtd or amd: QEMU's VT-d (legacy mode, the default) or AMD-Vi on
# a q35 machine, listed before the PCI devices, and VM_EDU edu devices
# behind it (1).
machine=
case ${VM_IOMMU:-fake} in
fake) ;;
vtd | amd)
	edu=${VM_EDU:-1}
	case $edu in [1-4]) ;; *) die "VM_EDU=$edu must be 1 to 4 edu devices" ;; esac
	[ "$VM_IOMMU" = vtd ] && iommu=intel-iommu || iommu=amd-iommu
	machine="-machine q35 -device $iommu -nic none"
	i=0
	while [ "$i" -lt "$edu" ]; do
		machine="$machine -device edu"
		i=$((i + 1))
	done
	;;
*) die "VM_IOMMU=${VM_IOMMU} must be fake, vtd or amd" ;;
esac
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"

append="console=ttyS0 panic=-1 loglevel=7 ${VM_APPEND:-}"
[ "${VM_IOMMU:-fake}" = vtd ] && append="$append intel_iommu=on"
# is_kdump_kernel() only asks whether an address was given; this one is
# outside the guest's RAM so vmcore_init() reads nothing that matters.
[ "$kdump" = 1 ] && append="$append elfcorehdr=0x80000000"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
initrd=$tmp/initrd
if [ "$steps" = - ]; then
	cp "$base" "$initrd"
else
	mkdir "$tmp/steps"
	cp "$steps" "$tmp/steps/steps"
	# A second archive appended to the first: the kernel unpacks both.
	(cd "$tmp/steps" && echo steps | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$tmp/steps.cpio.gz"
	cat "$base" "$tmp/steps.cpio.gz" >"$initrd"
fi

# VM_DESCRIBE=DIR: describe this boot for another runner (tools/lava)
# instead of booting it: DIR/bzImage, DIR/initrd.cpio.gz (with the steps),
# DIR/boot.env (the QEMU options of this boot beyond the common ones:
# QEMU_COMMON, QEMU_MACHINE, and the kernel command line, APPEND).
if [ -n "${VM_DESCRIBE:-}" ]; then
	[ "$steps" != - ] || die "VM_DESCRIBE describes a boot with steps, not a shell"
	mkdir -p "$VM_DESCRIBE"
	# a hard link where it can be: every cell of a column boots one kernel
	ln -f "$kout/bzImage" "$VM_DESCRIBE/bzImage" 2>/dev/null || cp "$kout/bzImage" "$VM_DESCRIBE/bzImage"
	cp "$initrd" "$VM_DESCRIBE/initrd.cpio.gz"
	{
		printf 'QEMU_COMMON=%s\n' "$(quoted "$accel -smp $smp -m 1G -no-reboot")"
		printf 'QEMU_MACHINE=%s\nAPPEND=%s\n' "$(quoted "$machine")" "$(quoted "$append")"
		printf 'TIMEOUT=%s\nEXPECT_PANIC=%s\n' "$timeout" "${VM_EXPECT_PANIC:-0}"
	} >"$VM_DESCRIBE/boot.env"
	exit 0
fi

# shellcheck disable=SC2086 # the accelerator and machine options are words
set -- qemu-system-x86_64 $accel $machine -smp "$smp" -m 1G \
	-no-reboot -kernel "$kout/bzImage" -initrd "$initrd" -append "$append"

if [ "$steps" = - ]; then
	exec "$@" -nographic
fi

mkdir -p "$(dirname "$log")"
rc=0
timeout -k 5 "$timeout" "$@" -display none -monitor none -serial "file:$log" \
	</dev/null >"$tmp/qemu.out" 2>&1 || rc=$?
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	die "guest hung: killed after ${timeout}s; console log $log"
fi
[ "$rc" = 0 ] || die "qemu exited with status $rc: $(head -c 300 "$tmp/qemu.out"); console log $log"
# A kdump run panics the first kernel on purpose: VM_EXPECT_PANIC=1.
why=$(console_end "$log" "${VM_EXPECT_PANIC:-0}")
[ -z "$why" ] || die "$why; console log $log"
