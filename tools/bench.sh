#!/bin/sh
# bench.sh COLUMN...: for each column boot twice (kdump mode: the deferred
# attach static key on; normal: off) and time DMA map+unmap with the
# harness's bench scenario and with the kernel's own dma_map_benchmark on
# a fake_iommu client, REPS repetitions interleaved inside each boot.
# Writes results/bench.json, results/bench.md and results/bench.png.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

reps=${REPS:-5}
iters=${BENCH_ITERS:-20000}
out=${RESULTS:-$top/results}
case $reps in ''|*[!0-9]*|0) die "REPS=$reps must be a positive number" ;; esac
case $iters in ''|*[!0-9]*|0) die "BENCH_ITERS=$iters must be a positive number" ;; esac
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

hold_lock 7 "$out/.lock" "the results directory"
cells=$out/bench.cells
: >"$cells"
for col in "$@"; do
	kver=$(column_kver "$col") variant=$(column_name "$col")
	for kdump in 1 0; do
		[ "$kdump" = 1 ] && bootmode=elfcorehdr || bootmode=normal
		"$here/steps.sh" bench "$iters" "$reps" >"$out/bench.steps"
		grep -o 'scenario "[^"]*"' "$out/bench.steps" | sed 's/^scenario "//; s/"$//' |
			awk '{print $0 "\t" n[$0]++}' | while IFS='	' read -r line nth; do
			cell "$cells" "$kver" "$variant" "" "$bootmode" stress "$line" "$nth"
		done
	done
done
for col in "$@"; do
	kver=$(column_kver "$col") variant=$(column_name "$col")
	tree=$("$here/fetch-source.sh" "$kver")
	kdir=$(env -u PATCHES -u KSRC KVER="$kver" VARIANT="$variant" "$here/kernel.sh")
	[ -x "$kdir/dma_map_benchmark" ] || build_dmabench "$tree" "$kdir/dma_map_benchmark"
	genv=$("$here/guest.sh" "$col" initramfs-bench.cpio.gz "$kdir/dma_map_benchmark")
	eval "$genv"
	release=$(cat "$kout/kernelrelease")
	for kdump in 1 0; do
		[ "$kdump" = 1 ] && bootmode=elfcorehdr || bootmode=normal
		stage "bench $release $variant kdump=$kdump" >&2
		log=$out/bench-$release-$variant-kdump$kdump
		KDUMP=$kdump BOOT_META=$(boot_meta "$kver" "$variant" "" "$bootmode" stress "$kout") \
			"$here/boot.sh" "$kout" "$initrd" "$out/bench.steps" "$log"
		# The harness's medians from the records (repetition 0 is the
		# warm-up), dma_map_benchmark's from its own lines.
		jq -r --arg k "$release" --arg v "$variant" --arg d "$kdump" '.[]
			| select(.nth > 0 and .ktap.diag.ns_per_op_median != null)
			| (.asked | capture("threads=(?<t>[0-9]+) path=(?<p>[a-z]+)")) as $a
			| [$k, $v, $d, "harness", $a.t, $a.p, .nth, .ktap.diag.ns_per_op_median, .ktap.diag.ns_per_op_p99]
			| join(" ")' "$log.record.json"
		guest_lines "$log.log" | awk -v k="$release" -v v="$variant" -v d="$kdump" \
			'/^@@bench / && $5 > 0 {print k, v, d, $2, $3, $4, $5, $6, $7}'
	done
done >"$out/bench.raw"
"$here/judge.sh" bench "$cells" >"$out/bench.judged" ||
	{ grep '^FAIL\|^bench:' "$out/bench.judged" >&2; exit 1; }
"$here/bench-report.sh" "$out/bench.raw" "$out"
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
