#!/bin/sh
# bench-report.sh RAW OUTDIR: tools/report/bench.py's raw lines (one per repetition:
# kernel kver variant state threads tool op mode boot rep value) into
# bench.json, bench.md and bench.png. Per row: each boot's median over
# its repetitions, then the median over boots; spread_pct is
# (max - min) / median of the boot medians (of the repetitions where a
# row has one boot: the contention runs). icount rows are guest
# instructions per op (-icount shift=0: 1 ns = 1 instruction). Whether
# the numbers hold (boots, spread, the off control) is decided in
# tools/judge/judge.jq (bench_failures), like every other verdict.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
raw=${1:?usage: bench-report.sh RAW OUTDIR}
out=${2:?usage: bench-report.sh RAW OUTDIR}
[ -s "$raw" ] || { echo "error: $raw is empty: no benchmark produced a number" >&2; exit 1; }

jq -R -s -L "$here/../judge" --argjson boots "${BENCH_BOOTS:-3}" --argjson reps "${REPS:-5}" \
	'include "judge"; bench_rows($boots; $reps)' "$raw" >"$out/bench.json"

jq -r '
	def num: if . == null then "-" elif . >= 100 then (. | round | tostring) else (. * 10 | round / 10 | tostring) end;
	def pct: if . == null then "-" elif . < 1 then (. * 100 | round / 100 | tostring) else (. * 10 | round / 10 | tostring) end;
	def val: .instructions_per_op // .ns_per_op_median;
	"# What the lock costs on the DMA-map path",
	"",
	"`make bench` on the perf flavour (no lock debugging). icount rows: QEMU `-icount shift=0`, one vCPU: guest **instructions per op**, median over \(map(select(.mode == "icount") | .boots) | max) boots of each boot'"'"'s median over its repetitions; spread = (max - min) / median of the boot medians. Contention rows: 4 vCPUs, \([.[] | select(.mode | startswith("contention")) | .mode | ltrimstr("contention-")] | unique | join(", ") | if . == "tcg" then "multi-threaded TCG (no usable KVM)" else . end), ns per op (under TCG emulated time: compare variants, not hardware), spread over the repetitions of one boot.",
	"",
	"States: off = normal boot (static key off, every variant runs the same code: the control); attached = kdump mode, device attached (the fast path); atomic = attached, bottom halves off; first = the first map of a deferred device (the attach itself).",
	"",
	(group_by(.kernel)[] | . as $k
	 | "## \($k[0].kernel) (icount)", "",
	   "| state | op | tool | " + ([$k[] | select(.mode == "icount") | .variant] | unique | sort_by(if . == "vanilla" then "" else . end) | join(" | ")) + " |",
	   "|---|---|---|" + ([$k[] | select(.mode == "icount") | .variant] | unique | map("---|") | join("")),
	   ([$k[] | select(.mode == "icount")] | group_by([({off: 0, attached: 1, atomic: 2, first: 3}[.state]), .op, .tool])[] | . as $r
	    | ([$k[] | select(.mode == "icount") | .variant] | unique | sort_by(if . == "vanilla" then "" else . end)) as $vs
	    | ([$r[] | select(.variant == "vanilla")][0] | val) as $base
	    | "| \($r[0].state) | \($r[0].op) | \($r[0].tool) | "
	      + ([$vs[] as $v | ($r[] | select(.variant == $v)) // null
		  | if . == null then "-" else "\(val | num) ±\(.spread_pct | pct)%" + (if $base and .variant != "vanilla" then " (\(if val >= $base then "+" else "" end)\(val - $base | num))" else "" end) end]
		 | join(" | ")) + " |"),
	   "",
	   "## \($k[0].kernel) (contention, ns per op)", "",
	   "| threads (devices) | " + ([$k[] | select(.mode | startswith("contention")) | .variant] | unique | sort_by(if . == "vanilla" then "" else . end) | join(" | ")) + " |",
	   "|---|" + ([$k[] | select(.mode | startswith("contention")) | .variant] | unique | map("---|") | join("")),
	   # one device, then the threads over two devices of one group (path=group)
	   ([$k[] | select((.mode | startswith("contention")) and .tool == "harness")] | group_by([.state, .threads])[] | . as $r
	    | ([$k[] | select(.mode | startswith("contention")) | .variant] | unique | sort_by(if . == "vanilla" then "" else . end)) as $vs
	    | "| \($r[0].threads) (\(if $r[0].state == "group" then "two of one group" else "one" end)) | " + ([$vs[] as $v | ($r[] | select(.variant == $v)) // null
		  | if . == null then "-" else "\(val | num) ±\(.spread_pct | pct)%" end] | join(" | ")) + " |"),
	   "")
' "$out/bench.json" >"$out/bench.md"

if ! command -v gnuplot >/dev/null 2>&1; then
	echo "warning: gnuplot not installed; no bench.png" >&2
else
	# Per kernel and state, per map: what each variant adds to vanilla's
	# instructions (vanilla's own count in the label), bar = the spread.
	jq -r '[.[] | select(.mode == "icount" and .tool == "harness" and .op == "map")]
		| group_by([.kernel, ({off: 0, attached: 1, atomic: 2, first: 3}[.state])])[]
		| ([.[] | select(.variant == "vanilla")][0].instructions_per_op) as $b
		| select($b != null) | .[] | select(.variant != "vanilla")
		| "\(.kernel | sub("\\.[0-9]+$"; ""))/\(.state)(\($b)) \(.variant) \(.instructions_per_op - $b) \(.instructions_per_op * .spread_pct / 200)"' \
		"$out/bench.json" >"$out/bench.plot"
	variants=$(awk '{print $2}' "$out/bench.plot" | sort -u | tr '\n' ' ')
	if [ ! -s "$out/bench.plot" ]; then
		echo "note: no kernel has vanilla and another variant: no bench.png" >&2
		rm -f "$out/bench.png"
	else
	gnuplot <<GP
set terminal pngcairo size 1400,650 font ",10"
set output "$out/bench.png"
set title "Guest instructions each variant adds per DMA map over vanilla of the same kernel (vanilla's count in brackets)\nQEMU -icount shift=0, perf kernels, median of boots; error bar = spread across boots"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.6 border -1
set xtics rotate by -30
set ylabel "instructions per map added"
stats "$out/bench.plot" using 3 nooutput
set yrange [0:STATS_max * 1.15 + 1]
set grid ytics
set key top left
plot for [v in "$variants"] "< awk -v v=" . v . " '\\\$2 == v' $out/bench.plot" using 3:4:xtic(1) title v
GP
	fi
fi
cat "$out/bench.md"
