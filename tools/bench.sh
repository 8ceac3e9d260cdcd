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

steps() {
	cat <<STEPS
. /lib/lockcheck/lib.sh
load fake_iommu clients=0
load harness
# Nothing printed from the timed paths: a serial console is slow under TCG.
echo 0 > \$FI/core_assert
echo 0 > \$FI/warn
hb() {
	wr \$HR/trigger "bench rounds=\$1 threads=\$2 path=\$3 iters=$iters" || return
	while grep -q '^# running' \$HR/results; do sleep 0.2; done
	echo "@@bench harness \$2 \$3 \$4 \$(awk -F': ' '/^# ns_per_op_median/ {m = \$2} /^# ns_per_op_p99/ {p = \$2} END {print m, p}' \$HR/results)"
}
# A client for the kernel's benchmark: bound through driver_override.
echo 0 > \$FI/deferred
echo 1 > \$FI/add_clients
c=\$(awk 'END {print \$2}' \$FI/clients)
echo dma_map_benchmark > /sys/bus/platform/devices/\$c/driver_override
echo \$c > /sys/bus/platform/drivers/dma_map_benchmark/bind
echo 1 > \$FI/deferred
db() {
	/bin/dma_map_benchmark -t \$1 -s 1 -b 64 | awk -v t=\$1 -v r=\$2 -F'[:( ]+' \
		'/average map latency/ {printf "@@bench dma_map_benchmark %s attached %s %d 0\n", t, r, \$5 * 1000}'
}
# Repetition 0 warms caches up and is not reported.
rep=0
while [ \$rep -le $reps ]; do
	for t in 1 2 4; do
		hb 1 \$t attached \$rep
		db \$t \$rep
	done
	hb 20 1 first \$rep
	rep=\$((rep + 1))
done
STEPS
}

for col in "$@"; do
	kver=${col%%:*} variant=${col#*:}
	kout=$(env -u PATCHES -u KSRC KVER="$kver" VARIANT="$variant" "$here/kernel.sh")
	mod=$("$here/modules.sh" "$kout")
	tree=$("$here/fetch-source.sh" "$kver")
	[ -x "$kout/dma_map_benchmark" ] || build_dmabench "$tree" "$kout/dma_map_benchmark"
	INITRAMFS_EXTRA=$kout/dma_map_benchmark "$here/initramfs.sh" "$kout/initramfs-bench.cpio.gz" "$mod"
	release=$(cat "$kout/kernelrelease")
	steps >"$out/bench.steps"
	for kdump in 1 0; do
		stage "bench $release $variant kdump=$kdump" >&2
		log=$out/bench-$release-$variant-kdump$kdump.log
		KDUMP=$kdump "$here/vm.sh" "$kout" "$kout/initramfs-bench.cpio.gz" "$out/bench.steps" "$log"
		tr -d '\r' <"$log" | awk -v k="$release" -v v="$variant" -v d="$kdump" \
			'/^@@bench / && $5 > 0 {print k, v, d, $2, $3, $4, $5, $6, $7}'
	done
done >"$out/bench.raw"
"$here/bench-report.sh" "$out/bench.raw" "$out"
# From the matrix's vanilla logs, if there: trigger to first detection.
for log in "$out"/*-vanilla/*_*.log; do
	[ -f "$log" ] || continue
	tr -d '\r' <"$log" | awk -v f="$log" '
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
