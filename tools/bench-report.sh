#!/bin/sh
# bench-report.sh RAW OUTDIR: aggregate bench.sh's raw lines (one per
# repetition) into bench.json, bench.md and bench.png. Per cell: the
# median over repetitions of each repetition's median and p99, and the
# spread (max - min) / median of the repetition medians.
set -eu
raw=${1:?usage: bench-report.sh RAW OUTDIR}
out=${2:?usage: bench-report.sh RAW OUTDIR}
[ -s "$raw" ] || { echo "error: $raw is empty: no benchmark produced a number" >&2; exit 1; }

# kernel variant kdump tool threads path rep median p99
sort -k1,1 -k2,2 -k3,3 -k4,4 -k6,6 -k5,5n -k8,8n "$raw" | awk '
function flush() {
	if (n == 0) return
	med = v[int((n + 1) / 2)]
	asort_p()
	pm = p[int((n + 1) / 2)]
	spread = med ? (v[n] - v[1]) * 100 / med : 0
	print key, med, pm, n, spread
	n = 0
}
function asort_p(  i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && p[j - 1] > p[j]; j--) { t = p[j]; p[j] = p[j - 1]; p[j - 1] = t }
}
{
	k = $1 " " $2 " " $3 " " $4 " " $5 " " $6
	if (k != key) { flush(); key = k }
	v[++n] = $8; p[n] = $9
}
END { flush() }' >"$out/bench.cells"

# kernel variant kdump tool threads path median p99 runs spread
awk '
BEGIN { printf "[\n" }
{
	printf "%s  {\"kernel\": \"%s\", \"variant\": \"%s\", \"tool\": \"%s\", \"threads\": %d, \"path\": \"%s\", \"kdump_mode\": %s, \"ns_per_op_median\": %d, \"ns_per_op_p99\": %d, \"runs\": %d, \"spread_pct\": %.1f}",
		(NR > 1 ? ",\n" : ""), $1, $2, $4, $5, $6, ($3 == 1 ? "true" : "false"), $7, $8, $9, $10
}
END { printf "\n]\n" }' "$out/bench.cells" >"$out/bench.json"

{
	echo "# DMA map cost per variant"
	echo
	echo "QEMU TCG emulates the CPU: absolute times are not hardware times;"
	echo "compare variants with each other (ratios), measured in one boot each."
	echo "ns/op: median over repetitions of each repetition's median; spread:"
	echo "(max - min) / median of the repetition medians. dma_map_benchmark"
	echo "reports a mean in 100 ns units (p99 not available: 0)."
	echo
	echo "| kernel | variant | kdump | tool | path | threads | ns/op median | p99 | runs | spread % | vs vanilla |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	awk '
	NR == FNR { if ($2 == "vanilla") base[$1 " " $3 " " $4 " " $5 " " $6] = $7; next }
	{
		b = base[$1 " " $3 " " $4 " " $5 " " $6]
		printf "| %s | %s | %s | %s | %s | %d | %d | %d | %d | %.1f | %s |\n", $1, $2,
			($3 == 1 ? "on" : "off"), $4, $6, $5, $7, $8, $9, $10,
			(b ? sprintf("%.2f", $7 / b) : "-")
	}' "$out/bench.cells" "$out/bench.cells"
} >"$out/bench.md"

if command -v gnuplot >/dev/null 2>&1; then
	# series label, kdump, threads, median, half the spread
	awk '$4 == "harness" && $6 == "attached" {
		k = $1; sub(/\.[0-9]+$/, "", k)
		print k "-" $2, $3, $5, $7, $7 * $10 / 200
	}' "$out/bench.cells" >"$out/bench.plot"
	series=$(awk '{print $1}' "$out/bench.plot" | sort -u | tr '\n' ' ')
	gnuplot <<GP
set terminal pngcairo size 1400,600 font ",11"
set output "$out/bench.png"
set multiplot layout 1,2 title "DMA map+unmap on an attached device, harness bench: median of 5 repetitions, bar = spread\nQEMU TCG emulates the CPU: compare variants with each other, not with hardware"
set xlabel "threads (2 vCPUs: 4 oversubscribes)"
set ylabel "ns per map+unmap"
set logscale x 2
set xtics (1, 2, 4)
set xrange [0.8:5]
set yrange [0:*]
set grid ytics
set key bottom right
do for [kd in "1 0"] {
	set title (kd eq "1" ? "kdump mode: deferred-attach check on the map path" : "normal boot: static key off, check skipped")
	plot for [v in "$series"] "$out/bench.plot" \
		using 3:((strcol(1) eq v && strcol(2) eq kd) ? \$4 : 1/0):5 with yerrorlines title v
}
unset multiplot
GP
else
	echo "warning: gnuplot not installed; no bench.png" >&2
fi
cat "$out/bench.md"
