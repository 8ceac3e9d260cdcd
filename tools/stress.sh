#!/bin/sh
# stress.sh MODE: the harness checked under stress, each mode ending in one
# pass/fail line.
#   sanitize  every default scenario on seed-v3 under FLAVOUR=sanitize
#             (KASAN, kmemleak, debug objects) and FLAVOUR=kcsan
#   fuzz      10,000 random and mutated lines from 2 processes into every
#             writable debugfs file of both modules (sanitize flavour),
#             then a normal scenario must still pass
#   soak      5,000 rounds of map_vs_attach and 100 load/unload cycles
#             (sanitize flavour), memory back to where it started
#   kdump     each scenario in a real capture kernel (kexec -p, then a
#             sysrq crash), judged against tools/expected like the
#             elfcorehdr= shortcut
#   races     KCSAN on attach_deferred itself: owner_misuse and
#             map_vs_attach, REPS boots per variant in RACE_VARIANTS;
#             counts against tools/expected-races
# Every boot is recorded by tools/boot.sh and judged by tools/judge.sh: a
# report blaming our code, or touching our frames without a line in
# tools/expected-findings, fails the mode; other reports are findings.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

mode=${1:?usage: stress.sh sanitize|fuzz|soak|kdump|races}
case $mode in
sanitize | fuzz | soak | kdump | races) ;;
*) die "stress.sh: unknown mode '$mode' (sanitize, fuzz, soak, kdump, races)" ;;
esac
results=${RESULTS:-$top/results}
variant=${VARIANT:-seed-v3}
kver=${KVER:-6.12}
# lock_order is left out: its lockdep report names fake_iommu's lock by design.
scenarios=${SCENARIOS:-$here/scenarios/sanitize}
race_variants=${RACE_VARIANTS:-seed-v3 recheck-under-lock}
race_rounds=${RACE_ROUNDS:-200}
race_skip=${RACE_SKIP_WATCH:-10}
reps=${REPS:-3}
# SANITIZE_FLAVOURS: both by default; one of them to save a kernel build
# (each is about 5 minutes from cold).
flavours=${SANITIZE_FLAVOURS:-sanitize kcsan}
# Checked before anything is written: a bad value keeps the last results.
for fl in $flavours; do
	case $fl in
	sanitize | kcsan) ;;
	*) die "SANITIZE_FLAVOURS: '$fl' is not sanitize or kcsan" ;;
	esac
done
if [ "$mode" = races ]; then
	for n in "RACE_ROUNDS=$race_rounds" "RACE_SKIP_WATCH=$race_skip" "REPS=$reps"; do
		case ${n#*=} in
		'' | *[!0-9]* | 0*) die "$n must be a positive whole number" ;;
		esac
	done
	for v in $race_variants; do
		[ -f "$top/patches/$v/series" ] ||
			die "RACE_VARIANTS: no patches/$v/series (have: $(cd "$top/patches" && echo */ | tr -d /))"
	done
fi
# guest FLAVOUR [IMAGE [EXTRA]]: kernel, modules and initramfs for FLAVOUR
# (tools/guest.sh); sets kout, mod, initrd and KTAP_PARSER.
guest() {
	flavour=$1
	# Assigned first: eval of a failed build's empty output would succeed.
	_env=$(FLAVOUR=$1 "$here/guest.sh" "$kver:$variant" ${2:-initramfs.cpio.gz} ${3:-})
	eval "$_env"
}

# run_boot NAME TIMEOUT STEPS-KIND [ARGS]: promise the boot's scenarios to
# the judge as stress cells (reports in our code fail, core reports are
# findings), boot it, record it. REP (default 0) tells boots of the same
# lines apart.
run_boot() {
	_name=$1 _timeout=$2 _rep=${REP_OF_BOOT:-0}
	shift 2
	_dir=$results/stress-$mode
	mkdir -p "$_dir"
	"$here/steps.sh" "$@" >"$_dir/$_name.steps"
	_asked=$(grep -o 'scenario "[^"]*"' "$_dir/$_name.steps" | sed 's/^scenario "//; s/"$//' || true)
	[ -n "$_asked" ] || cell "$cells" "$kver" "$variant" "$flavour" "$bootmode" stress "" 0 "$_rep"
	echo "$_asked" | awk 'NF {print $0 "\t" n[$0]++}' | while IFS='	' read -r _l _nth; do
		cell "$cells" "$kver" "$variant" "$flavour" "$bootmode" stress "$_l" "$_nth" "$_rep"
	done
	stage "$mode $flavour: $_name" >&2
	VM_TIMEOUT=$_timeout BOOT_META=$(boot_meta "$kver" "$variant" "$flavour" "$bootmode" stress "$kout" "$_rep") \
		"$here/boot.sh" "$kout" "$initrd" "$_dir/$_name.steps" "$_dir/$_name"
}

mkdir -p "$results"
hold_lock 7 "$results/.lock" "the results directory"
rm -rf "$results/stress-$mode"
mkdir -p "$results/stress-$mode"
cells=$results/stress-$mode.cells
: >"$cells"
bootmode=elfcorehdr
flavour=
case $mode in
sanitize)
	for fl in $flavours; do
		# KCSAN samples accesses; watch one in 100 rather than 4000.
		[ "$fl" = kcsan ] && export VM_APPEND="kcsan.skip_watch=100"
		guest "$fl"
		scenario_lines "$scenarios" >"$results/stress-$mode/lines"
		while IFS= read -r line; do
			run_boot "$fl-${line%% *}" 600 sanitize "$line"
		done <"$results/stress-$mode/lines"
	done
	;;
fuzz)
	fuzzer=$(cache_root)/debugfs_fuzz
	mkdir -p "$(cache_root)"
	gcc -static -O2 -Wall -Wextra -Werror -o "$fuzzer" "$here/fuzz/debugfs_fuzz.c" ||
		die "could not build tools/fuzz/debugfs_fuzz.c"
	guest sanitize initramfs-fuzz.cpio.gz "$fuzzer"
	run_boot fuzz 900 fuzz
	guest_lines "$results/stress-$mode/fuzz.log" | grep '^debugfs_fuzz' >&2 || true
	;;
soak)
	guest sanitize
	run_boot soak 3600 soak
	guest_lines "$results/stress-$mode/soak.log" | grep '^@@lockcheck: MemAvailable' >&2 || true
	;;
kdump)
	"$here/stress-kdump.sh" "$cells"
	;;
races)
	# KCSAN on the flag itself, variant by variant, REPS boots each. Boot
	# watching one access in 100 (a tighter watch makes the boot itself
	# take minutes), tighten it to RACE_SKIP_WATCH just before the scenario.
	export VM_APPEND="kcsan.skip_watch=100"
	for variant in $race_variants; do
		guest kcsan
		for sc in owner_misuse map_vs_attach; do
			rep=1
			while [ "$rep" -le "$reps" ]; do
				REP_OF_BOOT=$rep run_boot "$variant-$sc-$rep" 2000 races \
					"$sc rounds=$race_rounds delay_us=1000 timeout_s=1800" "$race_skip"
				rep=$((rep + 1))
			done
		done
	done
	;;
esac

# One judge for every mode; races add their per-variant KCSAN table.
rc=0
"$here/judge.sh" "stress-$mode" "$cells" || rc=$?
if [ "$mode" = races ]; then
	# Per boot: KCSAN reports naming the map path's reader of the flag, and
	# another reader of the same bit-field word (iommu_dma_alloc_iova).
	jq -r '.[] | [.variant, (.asked | split(" ")[0]), .log,
		([.reports // [] | .[] | select(.title | test("^KCSAN: data-race in .*iommu_deferred_attach"))] | length),
		([.reports // [] | .[] | select(.title | test("^KCSAN: data-race in .*iommu_dma_alloc_iova"))] | length)]
		| @tsv' "$results/stress-races.json" >"$results/races.tsv"
	"$here/races-report.sh" "$results/races.tsv" "$here/expected-races" >"$results/races.fail"
	sed 's/^fail	/FAIL: /' "$results/races.fail"
	[ -s "$results/races.fail" ] && rc=1
fi
"$here/findings.sh" && echo "findings: $results/findings.md (also in matrix.md)"
exit $rc
