#!/bin/sh
# stress-kdump.sh CELLS: run each scenario in a real kdump capture kernel.
# The first kernel boots with crashkernel=, loads the same kernel with
# kexec -p, and is crashed with sysrq on the boot CPU; the capture kernel
# (is_kdump_kernel() true, as on a real machine) runs the scenario. Each
# cell is promised in CELLS with judge "expected": tools/judge.jq holds it
# to the same tools/expected line as the elfcorehdr= shortcut.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

cells=${1:?usage: stress-kdump.sh CELLS}
results=${RESULTS:-$top/results}
variant=${VARIANT:-seed-v3}
kver=${KVER:-6.12}
scenarios=${SCENARIOS:-$here/scenarios/default}
kexec=$(command -v kexec || echo /usr/sbin/kexec)
[ -x "$kexec" ] || die "kexec not found (apt-get install kexec-tools)"
dir=$results/stress-kdump
mkdir -p "$dir"
scenario_lines "$scenarios" >"$dir/lines"
while IFS= read -r line; do
	cell "$cells" "$kver" "$variant" "" kdump expected "$line"
done <"$dir/lines"

genv=$(env -u FLAVOUR "$here/guest.sh" "$kver:$variant")
eval "$genv"
meta=$(boot_meta "$kver" "$variant" "" kdump expected "$kout")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while IFS= read -r line; do
	sc=${line%% *}
	"$here/steps.sh" capture "$line" "console=ttyS0 panic=-1 loglevel=7 irqpoll reset_devices" \
		>"$dir/$sc.steps"
	# The capture kernel's initrd: the base image plus these steps; the
	# first kernel's: kexec, the kernel and that initrd.
	mkdir -p "$tmp/s"
	cp "$dir/$sc.steps" "$tmp/s/steps"
	(cd "$tmp/s" && echo steps | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$tmp/steps.img"
	cat "$initrd" "$tmp/steps.img" >"$tmp/capture.img"
	INITRAMFS_EXTRA=$kexec INITRAMFS_BOOT="$kout/bzImage $tmp/capture.img" \
		"$here/initramfs.sh" "$tmp/first.img" "$mod"
	stage "kdump $(cat "$kout/kernelrelease") $variant: $line" >&2
	KDUMP=0 VM_EXPECT_PANIC=1 VM_APPEND="crashkernel=384M" BOOT_CAPTURE=1 BOOT_META=$meta \
		"$here/boot.sh" "$kout" "$tmp/first.img" "$dir/$sc.steps" "$dir/$sc"
done <"$dir/lines"
