#!/bin/sh
# boot-cell.sh TASKS N: boot task N (1-based) of a run's TASKS file, one
# task a line: "COLUMN_DIR<TAB>SCENARIO LINE". COLUMN_DIR/column.env
# (written by tools/run.sh once the column's kernel is built) says which
# kernel, initramfs and modules, which IOMMU, the knobs and the boot meta.
# Writes COLUMN_DIR/<scenario>.{steps,log,record.json} (LAVA_WRITE=1: the LAVA
# job in COLUMN_DIR/<scenario>/); tools/run.sh runs up to JOBS of these
# at once, and nothing here is shared between tasks.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

tasks=${1:?usage: boot-cell.sh TASKS N}
n=${2:?usage: boot-cell.sh TASKS N}
task=$(sed -n "${n}p" "$tasks")
[ -n "$task" ] || die "boot-cell: $tasks has no task $n"
tab=$(printf '\t')
dir=${task%%"$tab"*}
line=${task#*"$tab"}
sc=${line%% *}
[ -f "$dir/column.env" ] || die "boot-cell: $dir/column.env does not exist"
kout= initrd= mod= meta= knobs= label= LC_IOMMU= KTAP_PARSER=
. "$dir/column.env"
export KTAP_PARSER

# LAVA_WRITE=1: describe the boot as a LAVA job in DIR/<scenario>/ instead
# (tools/vm.sh VM_DESCRIBE, tools/lava/job.sh); tools/lava/record.sh
# records it once a LAVA dispatcher has run it.
if [ "${LAVA_WRITE:-0}" = 1 ]; then
	VM_DESCRIBE=$dir/$sc
	export VM_DESCRIBE
	rm -rf "$VM_DESCRIBE"
	stage "lava job $label: $line [$n/$(wc -l <"$tasks")]" >&2
else
	stage "boot $label: $line [$n/$(wc -l <"$tasks")]" >&2
fi
if [ "$LC_IOMMU" != fake ]; then
	STEPS_IOMMU=$LC_IOMMU "$here/steps.sh" capture "$line" \
		"console=ttyS0 panic=-1 loglevel=7 irqpoll reset_devices$([ "$LC_IOMMU" = vtd ] && echo " intel_iommu=on")" \
		>"$dir/$sc.steps"
	BOOT_META=$meta VM_IOMMU=$LC_IOMMU "$here/capture.sh" "$kout" "$initrd" "$mod" \
		"$dir/$sc.steps" "$dir/$sc"
else
	# shellcheck disable=SC2086 # one word per knob
	"$here/steps.sh" scenario "$line" $knobs >"$dir/$sc.steps"
	BOOT_META=$meta "$here/boot.sh" "$kout" "$initrd" "$dir/$sc.steps" "$dir/$sc"
fi
if [ "${LAVA_WRITE:-0}" = 1 ]; then
	{
		printf 'NAME=%s\nMETA=%s\n' "$(quoted "$label: $line")" "$(quoted "$meta")"
	} >>"$VM_DESCRIBE/boot.env"
	"$here/lava/job.sh" "$VM_DESCRIBE"
fi
