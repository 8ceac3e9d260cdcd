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
#             sysrq crash); its verdicts must equal the elfcorehdr= ones
#   races     KCSAN on attach_deferred itself: map_vs_owner and
#             map_vs_attach, REPS boots per variant in RACE_VARIANTS;
#             counts against tools/expected-races
# A report whose stack holds fake_iommu or harness code fails the mode;
# reports only in the core are listed as findings.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

mode=${1:?usage: stress.sh sanitize|fuzz|soak|kdump|races}
results=${RESULTS:-$top/results}
variant=${VARIANT:-seed-v3}
kver=${KVER:-6.12}
# lock_order is left out: its lockdep report names fake_iommu's lock by design.
scenarios=${SCENARIOS:-$here/scenarios/sanitize}
race_variants=${RACE_VARIANTS:-seed-v3 recheck-under-lock}
race_rounds=${RACE_ROUNDS:-200}
race_skip=${RACE_SKIP_WATCH:-10}
reps=${REPS:-3}
# Checked before anything is written: a bad value keeps the last results.
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
splatscan=$here/splatscan/splatscan
failures=0
findings=0

# guest FLAVOUR [IMAGE [EXTRA]]: build the kernel for FLAVOUR, the modules
# against it and the initramfs $kout/IMAGE (default initramfs.cpio.gz)
# with the EXTRA files; sets kout and initrd.
guest() {
	kout=$(env -u PATCHES -u KSRC KVER="$kver" VARIANT="$variant" FLAVOUR="$1" "$here/kernel.sh")
	mod=$("$here/modules.sh" "$kout")
	initrd=$kout/${2:-initramfs.cpio.gz}
	INITRAMFS_EXTRA=${3:-} "$here/initramfs.sh" "$initrd" "$mod"
}

# ended_ok LOG PATTERN WHAT WHY: a failure unless LOG has a line matching
# PATTERN (the scenario's KTAP result).
ended_ok() {
	tr -d '\r' <"$1" | grep -q "$2" ||
		echo "fail	$3	$4" >>"$results/stress-$mode.reports"
}

# judge LOG WHAT: a report whose culprit (the function in its title: the
# first frame outside the locking and debugging machinery) is ours fails;
# one in the core is a finding. Every harness-made report has harness
# frames further down its stack: that alone does not make it ours.
judge() {
	"$splatscan" --json "$1" | awk -v what="$2" '
		/"title":/ {
			t = $0; sub(/.*"title": "/, "", t); sub(/",?$/, "", t)
			print ((t ~ / in (fi_|hr_|fake_iommu|debugfs_fuzz)/) ? "ours" : "core") "\t" what "\t" t
		}' >>"$results/stress-$mode.reports"
	# A leak found after rmmod has our frames as bare module addresses:
	# only our modules are ever loaded in the guest.
	tr -d '\r' <"$1" | awk -v what="$2" '
		/^unreferenced object/ { on = 1 }
		on && /^ *0xffffffffa[0-9a-f]+$/ { print "ours\t" what "\tmemory leak allocated by an unloaded module"; on = 0 }
		/^$/ { on = 0 }' >>"$results/stress-$mode.reports"
}

# boot WHAT TIMEOUT KOUT INITRD LOG: run results/stress.steps in a VM; a
# VM that fails is a failure; then judge its reports.
boot() {
	if ! err=$(VM_TIMEOUT=$2 "$here/vm.sh" "$3" "$4" "$results/stress.steps" "$5" 2>&1); then
		echo "fail	$1	$err" >>"$results/stress-$mode.reports"
	fi
	judge "$5" "$1"
}

# race_counts LOG: KCSAN reports naming iommu_deferred_attach, and those
# naming another reader of the same bit-field word (iommu_dma_alloc_iova
# reads pci_32bit_workaround beside attach_deferred).
race_counts() {
	"$splatscan" --json "$1" | awk '
		/"title": "KCSAN: data-race in / {
			if ($0 ~ /iommu_deferred_attach/) flag++
			else if ($0 ~ /iommu_dma_alloc_iova/) word++
		}
		END { printf "%d\t%d", flag, word }'
}

steps_header() {
	cat <<'STEPS'
. /lib/lockcheck/lib.sh
# kmemleak reports objects older than 5 s only, and prints their stacks
# when read: scan while the modules are loaded so their frames have names,
# clear, and scan again after unloading for what the unload leaked.
kmemleak_scan() {
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
}
STEPS
}

mkdir -p "$results"
: >"$results/stress-$mode.reports"
case $mode in
sanitize)
	for flavour in sanitize kcsan; do
		# KCSAN samples accesses; watch one in 100 rather than 4000.
		[ "$flavour" = kcsan ] && export VM_APPEND="kcsan.skip_watch=100"
		guest "$flavour"
		sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$scenarios" | while read -r line; do
			sc=${line%% *}
			log=$results/stress-$flavour-$sc.log
			stage "$flavour: $line" >&2
			{
				steps_header
				echo 'load fake_iommu clients=0 && load harness'
				echo "scenario \"$line\""
				echo 'kmemleak_scan'
				echo 'rmmod harness && rmmod fake_iommu'
				echo 'kmemleak_scan'
			} >"$results/stress.steps"
			boot "$flavour $sc" 600 "$kout" "$initrd" "$log"
			ended_ok "$log" '^ok 1 ' "$flavour $sc" "scenario did not end ok"
		done
	done
	;;
fuzz)
	fuzzer=$(cache_root)/debugfs_fuzz
	mkdir -p "$(cache_root)"
	gcc -static -O2 -Wall -Wextra -Werror -o "$fuzzer" "$here/fuzz/debugfs_fuzz.c" ||
		die "could not build tools/fuzz/debugfs_fuzz.c"
	guest sanitize initramfs-fuzz.cpio.gz "$fuzzer"
	{
		steps_header
		cat <<'STEPS'
load fake_iommu clients=2 && load harness
files=$(find $FI $HR -type f -perm -200 | sort)
echo "@@lockcheck: fuzzing $(echo $files | wc -w) files"
debugfs_fuzz -n 10000 -p 2 $files
echo 1 > $HR/abort
while grep -q '^# running' $HR/results; do sleep 0.2; done
rmmod harness && rmmod fake_iommu && pass "both modules unload after fuzzing" || fail unload "rmmod failed"
kmemleak_scan
load fake_iommu clients=0 && load harness
scenario "map_vs_map rounds=20"
STEPS
	} >"$results/stress.steps"
	log=$results/stress-fuzz.log
	stage "fuzz: 2 x 10000 lines into every writable file of both modules" >&2
	boot fuzz 900 "$kout" "$initrd" "$log"
	tr -d '\r' <"$log" | grep '^debugfs_fuzz' >&2 || true
	ended_ok "$log" '^ok 1 map_vs_map' fuzz "the scenario after fuzzing did not end ok"
	;;
soak)
	guest sanitize
	{
		steps_header
		cat <<'STEPS'
# KASAN's quarantine keeps freed memory for a while: the baseline is taken
# after a warm-up, so only growth that goes on (a leak) counts.
load fake_iommu clients=0 && load harness
scenario "map_vs_attach rounds=1000 timeout_s=3000 delay_us=100 hold_us=200" >/dev/null
rmmod harness && rmmod fake_iommu
free0=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
load fake_iommu clients=0 && load harness
scenario "map_vs_attach rounds=5000 timeout_s=3000 delay_us=100 hold_us=200"
rmmod harness && rmmod fake_iommu
i=0
while [ $i -lt 100 ]; do
	load fake_iommu clients=4 && load harness && rmmod harness && rmmod fake_iommu || break
	i=$((i + 1))
done
expect "100 load/unload cycles" [ $i -eq 100 ]
kmemleak_scan
free1=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
echo "@@lockcheck: MemAvailable before $free0 kB, after $free1 kB"
expect "memory back within 2 MiB" [ $((free0 - free1)) -lt 2048 ]
STEPS
	} >"$results/stress.steps"
	log=$results/stress-soak.log
	stage "soak: 5000 rounds of map_vs_attach, 100 load/unload cycles" >&2
	boot soak 3600 "$kout" "$initrd" "$log"
	tr -d '\r' <"$log" | grep '^@@lockcheck: \(not ok\|MemAvailable\)' >&2 || true
	tr -d '\r' <"$log" | grep -q '^@@lockcheck: not ok' &&
		echo "fail	soak	$(tr -d '\r' <"$log" | grep -m1 '^@@lockcheck: not ok')" >>"$results/stress-$mode.reports"
	;;
kdump)
	"$here/stress-kdump.sh"
	;;
races)
	# KCSAN on the flag itself, variant by variant, REPS boots each: a
	# report naming iommu_deferred_attach is the map path reading
	# attach_deferred while an attacher clears it under group->mutex. One
	# access in RACE_SKIP_WATCH is watched, so counts vary between boots.
	# Boot watching one access in 100 (a tighter watch makes the boot
	# itself take minutes), tighten it just before the scenario.
	export VM_APPEND="kcsan.skip_watch=100"
	: >"$results/races.tsv"
	for variant in $race_variants; do
		guest kcsan
		for sc in map_vs_owner map_vs_attach; do
			rep=1
			while [ "$rep" -le "$reps" ]; do
				line="$sc rounds=$race_rounds delay_us=1000 timeout_s=1800"
				log=$results/races-$variant-$sc-$rep.log
				stage "races $variant: $line (boot $rep of $reps)" >&2
				{
					steps_header
					echo 'load fake_iommu clients=0 && load harness'
					echo "echo $race_skip > /sys/module/kcsan/parameters/skip_watch"
					echo "scenario \"$line\""
					echo 'rmmod harness && rmmod fake_iommu'
				} >"$results/stress.steps"
				boot "races $variant $sc" 2000 "$kout" "$initrd" "$log"
				ended_ok "$log" '^ok 1 ' "races $variant $sc" "scenario did not end ok"
				printf '%s\t%s\t%s\t%s\n' "$variant" "$sc" "$rep" "$(race_counts "$log")" >>"$results/races.tsv"
				rep=$((rep + 1))
			done
		done
	done
	"$here/races-report.sh" "$results/races.tsv" "$here/expected-races" >>"$results/stress-$mode.reports"
	;;
*)
	die "stress.sh: unknown mode '$mode' (sanitize, fuzz, soak, kdump, races)"
	;;
esac

failures=$(grep -c '^\(fail\|ours\)' "$results/stress-$mode.reports" || true)
findings=$(grep -c '^core' "$results/stress-$mode.reports" || true)
grep '^\(fail\|ours\)' "$results/stress-$mode.reports" | sed 's/^/  /' || true
[ "$findings" -gt 0 ] && grep '^core' "$results/stress-$mode.reports" | sort | uniq -c | sed 's/^/  finding: /'
echo "$mode: $failures problem(s) in our code or runs, $findings finding(s) in the core"
"$here/findings.sh" && echo "findings: $results/findings.md (also in matrix.md)"
echo "$mode: $((failures == 0)) passed, $((failures != 0)) failed"
[ "$failures" = 0 ]
