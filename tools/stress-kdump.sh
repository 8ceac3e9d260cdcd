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
dir=$results/stress-kdump
mkdir -p "$dir"
scenario_lines "$scenarios" >"$dir/lines"
while IFS= read -r line; do
	cell "$cells" "$kver" "$variant" "" kdump expected "$line"
done <"$dir/lines"

genv=$(env -u FLAVOUR "$here/guest.sh" "$kver:$variant")
eval "$genv"
meta=$(boot_meta "$kver" "$variant" "" kdump expected "$kout")
while IFS= read -r line; do
	sc=${line%% *}
	"$here/steps.sh" capture "$line" "console=ttyS0 panic=-1 loglevel=7 irqpoll reset_devices" \
		>"$dir/$sc.steps"
	stage "kdump $(cat "$kout/kernelrelease") $variant: $line" >&2
	BOOT_META=$meta "$here/capture.sh" "$kout" "$initrd" "$mod" "$dir/$sc.steps" "$dir/$sc"
done <"$dir/lines"
