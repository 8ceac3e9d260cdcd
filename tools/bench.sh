#!/bin/sh
# bench.sh COLUMN...: what the lock costs on the DMA-map path, per variant,
# on the perf flavour (tools/config/perf.config: no lock debugging). For
# each column:
#   - BENCH_BOOTS boots (default 3) of each of two kinds under QEMU's
#     -icount shift=0 with one vCPU, where a guest nanosecond is one guest
#     instruction: a normal boot (state off: static key off, every variant
#     runs the same code, the control) and a kdump-mode boot (states
#     attached, atomic: attached with bottom halves off, first: the attach
#     itself); each line REPS+1 times, repetition 0 a warm-up;
#   - one kdump-mode boot with 4 vCPUs, KVM where /dev/kvm works, else
#     multi-threaded TCG: 1, 2 and 4 threads mapping on one device,
#     interleaved (contention, in ns).
# dma_map_benchmark runs beside the harness in the contention boots. Writes
# results/bench.json, bench.md and bench.png (tools/bench-report.sh).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

reps=${REPS:-5}
iters=${BENCH_ITERS:-2000}
boots=${BENCH_BOOTS:-3}
out=${RESULTS:-$top/results}
case $reps in ''|*[!0-9]*|0) die "REPS=$reps must be a positive number" ;; esac
case $iters in ''|*[!0-9]*|0) die "BENCH_ITERS=$iters must be a positive number" ;; esac
case $boots in ''|*[!0-9]*|0) die "BENCH_BOOTS=$boots must be a positive number" ;; esac
[ -z "${FLAVOUR:-}" ] || [ "$FLAVOUR" = perf ] ||
	die "make bench measures the perf flavour; FLAVOUR=$FLAVOUR does not apply"
FLAVOUR=perf
export FLAVOUR
mkdir -p "$out"

# The kernel's benchmark tool, static, from the tree being tested.
build_dmabench() {
	tree=$1 dst=$2
	hdr=$tree/include/uapi/linux/map_benchmark.h
	[ -f "$hdr" ] || hdr=$tree/include/linux/map_benchmark.h
	inc=$(mktemp -d)
	mkdir -p "$inc/linux"
	cp "$hdr" "$inc/linux/"
	# tools/testing/selftests/dma/ until 6.x, tools/dma/ in 7.x
	src=$tree/tools/dma/dma_map_benchmark.c
	[ -f "$src" ] || src=$tree/tools/testing/selftests/dma/dma_map_benchmark.c
	gcc -static -O2 -I"$inc" -o "$dst" "$src" ||
		die "could not build dma_map_benchmark from $tree"
	rm -rf "$inc"
}

# The boots of a column: "SET KDUMP ICOUNT SMP BOOTLABEL REP", one a line.
boot_plan() {
	b=0
	while [ "$b" -lt "$boots" ]; do
		echo "off 0 1 1 normal-icount $b"
		echo "deferred 1 1 1 elfcorehdr-icount $b"
		b=$((b + 1))
	done
	echo "threads 1 0 4 elfcorehdr-smp4 0"
}

# Contention under KVM only where it really works (not here: TCG).
if kvm_works; then
	contention=contention-kvm
	stage "contention boots: KVM, 4 vCPUs" >&2
else
	contention=contention-tcg
	stage "contention boots: TCG, 4 vCPUs (no usable /dev/kvm)" >&2
fi

hold_lock 7 "$out/.lock" "the results directory"
cells=$out/bench.cells
: >"$cells"
for col in "$@"; do
	kver=$(column_kver "$col") variant=$(column_name "$col")
	boot_plan | while read -r set kdump icount smp label b; do
		"$here/steps.sh" bench "$iters" "$reps" "$set" >"$out/bench-$set.steps"
		grep -o 'scenario "[^"]*"' "$out/bench-$set.steps" | sed 's/^scenario "//; s/"$//' |
			awk '{print $0 "\t" n[$0]++}' | while IFS='	' read -r line nth; do
			cell "$cells" "$kver" "$variant" perf "$label" stress "$line" "$nth" "$b"
		done
	done
done
: >"$out/bench.raw"
for col in "$@"; do
	kver=$(column_kver "$col") variant=$(column_name "$col")
	tree=$("$here/fetch-source.sh" "$kver")
	kdir=$(env -u PATCHES -u KSRC KVER="$kver" VARIANT="$variant" "$here/kernel.sh")
	[ -x "$kdir/dma_map_benchmark" ] || build_dmabench "$tree" "$kdir/dma_map_benchmark"
	genv=$("$here/guest.sh" "$col" initramfs-bench.cpio.gz "$kdir/dma_map_benchmark")
	eval "$genv"
	release=$(cat "$kout/kernelrelease")
	boot_plan >"$out/bench.plan"
	while read -r set kdump icount smp label b; do
		stage "bench $release $variant $label boot $b" >&2
		log=$out/bench-$release-$variant-$label-$b
		kvm=0
		[ "$icount$contention" = 0contention-kvm ] && kvm=1
		KDUMP=$kdump VM_ICOUNT=$icount VM_SMP=$smp VM_KVM=$kvm \
			BOOT_META=$(boot_meta "$kver" "$variant" perf "$label" stress "$kout" "$b") \
			"$here/boot.sh" "$kout" "$initrd" "$out/bench-$set.steps" "$log"
		# kernel kver variant state threads tool op mode boot rep value:
		# the harness's medians from the records (repetition 0 is the
		# warm-up), dma_map_benchmark's from its own lines.
		mode=$contention
		[ "$icount" = 1 ] && mode=icount
		jq -r --arg k "$release" --arg kv "$kver" --arg v "$variant" --arg m "$mode" \
			--arg b "$b" --arg set "$set" '.[]
			| select(.nth > 0 and .ktap.diag.ns_per_op_median != null)
			| (.asked | capture("threads=(?<t>[0-9]+) path=(?<p>[a-z]+) op=(?<o>[a-z]+)")) as $a
			| (if $set == "off" then "off" else $a.p end) as $state
			| [$k, $kv, $v, $state, $a.t, "harness", $a.o, $m, $b, .nth, .ktap.diag.ns_per_op_median]
			| join(" ")' "$log.record.json" >>"$out/bench.raw"
		guest_lines "$log.log" | awk -v k="$release" -v kv="$kver" -v v="$variant" -v m="$mode" \
			-v b="$b" -v set="$set" '/^@@bench / && $5 > 0 {
				print k, kv, v, (set == "off" ? "off" : "attached"), $3, $2, "pair", m, b, $5, $6
			}' >>"$out/bench.raw"
	done <"$out/bench.plan"
done
"$here/judge.sh" bench "$cells" >"$out/bench.judged" ||
	{ grep '^FAIL\|^bench:' "$out/bench.judged" >&2; exit 1; }
BENCH_BOOTS=$boots REPS=$reps "$here/bench-report.sh" "$out/bench.raw" "$out"
plan=$(for col in "$@"; do echo "$(column_kver "$col"):$(column_name "$col")"; done)
jq -r -L "$here" --arg plan "$plan" 'include "judge"; bench_failures($plan | split("\n"))[]
	| "FAIL: bench: \(.)"' "$out/bench.json" >"$out/bench.failures"
[ ! -s "$out/bench.failures" ] || cat "$out/bench.failures" >&2
# results/kcidb.json with the figures and this verdict, failed or not
"$here/kcidb/write.sh" "$out"
[ ! -s "$out/bench.failures" ] ||
	die "bench: $(wc -l <"$out/bench.failures") failed; the numbers above do not hold"
echo "bench: every row has its boots and repetitions, icount spread <= 0.5%, the off control agrees"
# From the matrix's vanilla logs, if there: trigger to first detection.
for log in "$out"/*-vanilla/*_*.log; do
	case $log in *.full.log) continue ;; esac
	[ -f "$log" ] || continue
	guest_lines "$log" | awk -v f="$log" '
		/^# scenario:/ { sc = $3 }
		/^# first_unlocked_attach_us:/ { printf "| %s | %s | %.1f ms |\n", f, sc, $3 / 1000 }'
done >"$out/bench.first"
if [ -s "$out/bench.first" ]; then
	{
		echo
		echo "Trigger to the first unlocked_attach (vanilla kernels, from make matrix):"
		echo
		echo "| log | scenario | time |"
		echo "|---|---|---|"
		sed "s|$out/||" "$out/bench.first"
	} >>"$out/bench.md"
fi
