#!/bin/sh
# boot.sh KERNEL_OUT INITRAMFS STEPS OUT: the one way every mode boots a
# guest. Runs STEPS in QEMU (tools/vm.sh), keeps the console in OUT.log
# and writes OUT.record.json with tools/record.sh. Never fails because
# the guest did: the record says what happened and tools/judge.jq
# decides. Fails only when it cannot write a record.
#
# Environment: BOOT_CAPTURE=1 (records from the capture kernel's part of
# the console: the second "Linux version" on), record.sh's BOOT_META,
# KTAP_PARSER and LC_RUN_ID, and vm.sh's VM_TIMEOUT, KDUMP, VM_APPEND,
# VM_EXPECT_PANIC.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

kout=${1:?usage: boot.sh KERNEL_OUT INITRAMFS STEPS OUT}
initrd=${2:?usage: boot.sh KERNEL_OUT INITRAMFS STEPS OUT}
steps=${3:?usage: boot.sh KERNEL_OUT INITRAMFS STEPS OUT}
out=${4:?usage: boot.sh KERNEL_OUT INITRAMFS STEPS OUT}
[ -f "$steps" ] || die "steps file $steps does not exist"
mkdir -p "$(dirname "$out")"
rm -f "$out.log" "$out.early.log" "$out.full.log" "$out.record.json"

# VM_DESCRIBE (tools/vm.sh): the boot is described for another runner,
# which records it (tools/lava/record.sh)
if [ -n "${VM_DESCRIBE:-}" ]; then
	"$here/vm.sh" "$kout" "$initrd" "$steps" "$out.log"
	printf 'CAPTURE=%s\n' "${BOOT_CAPTURE:-0}" >>"$VM_DESCRIBE/boot.env"
	exit 0
fi
vmerr=
vmerr=$("$here/vm.sh" "$kout" "$initrd" "$steps" "$out.log" 2>&1 | tail -n 1 | tr -d '\r') || true
[ -f "$out.log" ] || : >"$out.log"
# TCG's "Oops: int3" before the guest's init ran (in a capture boot: in
# the first kernel) boots once more, the first log kept and the record
# saying so; any other early death is the cell's result.
if [ -n "$vmerr" ] && died_before_init "$out.log"; then
	mv "$out.log" "$out.early.log"
	# printf, not echo: dash's echo turns a "\r" in the JSON into a control character
	BOOT_META=$(printf '%s\n' "${BOOT_META:-"{}"}" | jq -c --arg why "${vmerr#error: }" --arg log "$out.early.log" \
		'. + {boot_retry: "before init: \($why) (log \($log))"}')
	export BOOT_META
	stage "boot again: the kernel died before init (${vmerr#error: })" >&2
	vmerr=
	vmerr=$("$here/vm.sh" "$kout" "$initrd" "$steps" "$out.log" 2>&1 | tail -n 1 | tr -d '\r') || true
	[ -f "$out.log" ] || : >"$out.log"
fi
if [ "${BOOT_CAPTURE:-0}" = 1 ]; then
	mv "$out.log" "$out.full.log"
	capture_part "$out.full.log" >"$out.log"
	grep -q '@@lockcheck: boot' "$out.log" || vmerr=${vmerr:-"the capture kernel never ran the steps"}
fi
vmerr=${vmerr#error: }

"$here/record.sh" "$out.log" "$steps" "$vmerr" >"$out.record.json.tmp" ||
	die "could not build the record of $out.log"
mv "$out.record.json.tmp" "$out.record.json"
