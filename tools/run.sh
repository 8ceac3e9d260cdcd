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
# KDUMP, VM_TIMEOUT, RESULTS; KNOBS (fake_iommu knobs set before each
# scenario, "core_assert=1 warn=1") with POLICY, the name of such a run
# (its cells, directories and EXPECTED file are its own).
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
scenario_lines "$scenarios" >/dev/null
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

for col in "$@"; do
	# kernel, modules, initramfs for the column: tools/guest.sh
	guest_env=$("$here/guest.sh" "$col")
	eval "$guest_env"
	LC_IOMMU=$(column_iommu "$col")
	dir=$results/$(cat "$kout/kernelrelease")-$(column_name "$col")${flavour:+-$flavour}
	[ "$LC_IOMMU" = fake ] || dir=$dir-$LC_IOMMU
	[ "$policy" = expected ] || dir=$dir-$policy
	rm -rf "$dir"
	mkdir -p "$dir"
	meta=$(boot_meta "$(column_kver "$col")" "$(column_name "$col")" "$flavour" \
		"$(col_boot "$col")" "$policy" "$kout")
	scenario_lines "$scenarios" >"$dir/lines"
	while IFS= read -r line; do
		sc=${line%% *}
		stage "boot $(cat "$kout/kernelrelease") $(column_name "$col") ($LC_IOMMU): $line" >&2
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
		cat "$dir/$sc.log" >>"$dir/console.log"
	done <"$dir/lines"
done
"$here/judge.sh" "$name" "$cells"
