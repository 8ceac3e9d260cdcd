#!/bin/sh
# run.sh NAME COLUMN...: for each column (KVER:VARIANT, KVER:@PATCHDIR or
# ksrc, each with an optional :IOMMU) build the kernel, modules and
# initramfs, boot one VM per scenario line (tools/boot.sh records each in
# results/<kernel>-<variant>/), then judge every promised cell
# (tools/judge.sh NAME): NAME.md and NAME.json. A :vtd (or :amd) column
# runs each line in a real kdump capture kernel behind QEMU's VT-d (or
# AMD-Vi), on QEMU's edu device (tools/capture.sh; README, "Ground truth
# on VT-d").
#
# Environment: SCENARIOS (a scenario list file), KSRC, FLAVOUR, CACHE,
# KDUMP, VM_TIMEOUT, RESULTS; JOBS (boots at once, default 1: each guest
# has its own 2 vCPUs, so more than cores/2 only queues on the host);
# LAVA_WRITE=1 (write each cell as a LAVA job under RESULTS, boot nothing);
# KNOBS (fake_iommu knobs set before each scenario, "core_assert=1
# warn=1") with POLICY, the name of such a run (its cells, directories
# and EXPECTED file are its own).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

name=${1:?usage: run.sh NAME COLUMN...}
shift
[ $# -gt 0 ] || die "run.sh $name: no columns given"
scenarios=${SCENARIOS:-$here/scenarios/default}
results=${RESULTS:-$top/results}
flavour=${FLAVOUR:-}
[ "$flavour" != perf ] ||
	die "run.sh $name: FLAVOUR=perf is make bench's kernel, without lockdep; the verdicts of $name need it"
[ "${KDUMP:-1}" = 1 ] && bootmode=elfcorehdr || bootmode=normal
knobs=${KNOBS:-}
policy=${POLICY:-expected}
case $policy in
expected) [ -z "$knobs" ] || die "run.sh $name: KNOBS=$knobs needs a POLICY of its own" ;;
stress | *[!a-z]*) die "run.sh $name: POLICY=$policy is not a lower-case name other than stress" ;;
esac
for kv in $knobs; do
	case $kv in
	[a-z]*=[0-9]*) ;;
	*) die "run.sh $name: KNOBS: '$kv' is not KNOB=NUMBER" ;;
	esac
done
jobs=${JOBS:-1}
case $jobs in
[1-9] | [1-9][0-9]) ;;
*) die "run.sh $name: JOBS=$jobs is not a number of boots at once (1-99)" ;;
esac
case ${LAVA_WRITE:-0} in
0 | 1) ;;
*) die "run.sh $name: LAVA_WRITE=$LAVA_WRITE must be 0 or 1" ;;
esac
scenario_lines "$scenarios" >/dev/null
# a boot's files are named after its scenario
dup=$(scenario_lines "$scenarios" | awk '{print $1}' | sort | uniq -d | head -n 1)
[ -z "$dup" ] || die "run.sh $name: $scenarios lists scenario $dup twice (one boot a scenario per column)"
for col in "$@"; do
	column_kver "$col" >/dev/null
	column_name "$col" >/dev/null
	case $(column_iommu "$col") in
	fake) continue ;;
	vtd) case $col in *:stock:*) die "run.sh $name: column $col: vtd columns boot kernels this project builds" ;; esac ;;
	# our kernels have no AMD_IOMMU; Debian's do
	amd) case $col in *:stock:*) ;; *) die "run.sh $name: column $col: amd columns need Debian's kernel (KVER:stock:amd)" ;; esac ;;
	esac
	[ -z "$knobs" ] || die "run.sh $name: column $col: KNOBS are fake_iommu's, not the real IOMMU driver's"
done
# the boot of a column: the elfcorehdr= shortcut, or a real capture kernel
col_boot() {
	if [ "$(column_iommu "$1")" = fake ]; then echo "$bootmode"; else echo kdump; fi
}

# The cells promised to the judge, before anything is booted, with the
# knobs they must run with.
LC_CELL_KNOBS=$knobs
export LC_CELL_KNOBS
mkdir -p "$results"
results=$(cd "$results" && pwd)	# records name their logs by this path
hold_lock 7 "$results/.lock" "the results directory"
cells=$results/$name.cells
: >"$cells"
for col in "$@"; do
	scenario_lines "$scenarios" >"$results/.lines"
	LC_IOMMU=$(column_iommu "$col")
	while IFS= read -r line; do
		cell "$cells" "$(column_kver "$col")" "$(column_name "$col")" "$flavour" \
			"$(col_boot "$col")" "$policy" "$line"
	done <"$results/.lines"
done
rm -f "$results/.lines"

# Build, then boot. Every column's kernel, modules and initramfs first
# (tools/guest.sh; builds of one source tree wait for each other), then
# the boots, which share nothing: up to JOBS at once (tools/boot-cell.sh).
tasks=$results/$name.tasks
: >"$tasks"
: >"$results/$name.dirs"
for col in "$@"; do
	guest_env=$("$here/guest.sh" "$col")
	kout= initrd= mod= KTAP_PARSER=
	eval "$guest_env"
	LC_IOMMU=$(column_iommu "$col")
	dir=$results/$(cat "$kout/kernelrelease")-$(column_name "$col")${flavour:+-$flavour}
	[ "$LC_IOMMU" = fake ] || dir=$dir-$LC_IOMMU
	[ "$policy" = expected ] || dir=$dir-$policy
	# two columns that boot one kernel the same way would share files
	! grep -Fqx "$dir" "$results/$name.dirs" ||
		die "run.sh $name: column $col boots what an earlier column boots (both in $dir)"
	rm -rf "$dir"
	mkdir -p "$dir"
	meta=$(boot_meta "$(column_kver "$col")" "$(column_name "$col")" "$flavour" \
		"$(col_boot "$col")" "$policy" "$kout")
	{
		printf 'kout=%s\ninitrd=%s\nmod=%s\n' "$(quoted "$kout")" "$(quoted "$initrd")" "$(quoted "$mod")"
		printf 'KTAP_PARSER=%s\nLC_IOMMU=%s\n' "$(quoted "$KTAP_PARSER")" "$(quoted "$LC_IOMMU")"
		printf 'meta=%s\nknobs=%s\n' "$(quoted "$meta")" "$(quoted "$knobs")"
		printf 'label=%s\n' "$(quoted "$(cat "$kout/kernelrelease") $(column_name "$col") ($LC_IOMMU)")"
		printf 'column=%s\nksrc=%s\n' "$(quoted "$col")" "$(quoted "${KSRC:-}")"
	} >"$dir/column.env"
	scenario_lines "$scenarios" >"$dir/lines"
	awk -v d="$dir" '{ print d "\t" $0 }' "$dir/lines" >>"$tasks"
	echo "$dir" >>"$results/$name.dirs"
done
boot_cells() {
	seq 1 "$(wc -l <"$tasks")" | xargs -r -P "$jobs" -n 1 sh "$here/boot-cell.sh" "$tasks"
}
boots=0
if [ "${LAVA_WRITE:-0}" != 1 ]; then
	boot_cells || boots=$?
else
	# LAVA_WRITE=1: the cells are LAVA jobs now, for a lab (or
	# tools/lava/run-local.sh); writing one takes a second
	boot_cells 2>"$results/$name.err" || boots=$?
	cat "$results/$name.err" >&2
	rm -f "$tasks" "$results/$name.dirs"
	[ "$boots" = 0 ] ||
		die "run.sh $name: a LAVA job could not be written: $(sed -n 's/^error: //p' "$results/$name.err" | head -n 1)"
	rm -f "$results/$name.err"
	stage "lava: $(find "$results" -name job.yaml | wc -l) jobs under $results (*/*/job.yaml), cells in $cells" >&2
	exit 0
fi
# Each column's whole console, in the order of its scenario list.
while IFS= read -r dir; do
	while IFS= read -r line; do
		[ ! -f "$dir/${line%% *}.log" ] || cat "$dir/${line%% *}.log"
	done <"$dir/lines" >"$dir/console.log"
done <"$results/$name.dirs"
rm -f "$tasks" "$results/$name.dirs"
# A boot that could not even write its record is no cell's result: the
# judge names those cells (no record); this says why.
[ "$boots" = 0 ] || stage "a boot could not write its record (xargs exit $boots); the judge names the cells" >&2
judged=0
"$here/judge.sh" "$name" "$cells" || judged=$?
# results/kcidb.json: every judged run in RESULTS, failed cells included
"$here/kcidb/write.sh" "$results"
[ "$boots" = 0 ] && exit "$judged"
exit 1
