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
	awk '$4 == "harness" && $6 == "attached" {print $2 "-k" $3, $5, $7, $7 * $10 / 200}' \
		"$out/bench.cells" >"$out/bench.plot"
	gnuplot <<GP
set terminal pngcairo size 1100,650 font ",11"
set output "$out/bench.png"
set title "DMA map+unmap on an attached device (harness bench; QEMU TCG: compare variants, not absolute ns)"
set xlabel "threads (2 vCPUs: 4 oversubscribes)"
set ylabel "ns per map+unmap (median, bar = spread)"
set key outside right
set logscale x 2
set xtics (1, 2, 4)
set grid ytics
plot for [v in "$(awk '{print $1}' "$out/bench.plot" | sort -u | tr '\n' ' ')"] \
	"$out/bench.plot" using (\$2):(strcol(1) eq v ? \$3 : 1/0):(\$4) with yerrorlines title v
GP
else
	echo "warning: gnuplot not installed; no bench.png" >&2
fi
cat "$out/bench.md"
