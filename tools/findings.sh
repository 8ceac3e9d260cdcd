#!/bin/sh
# findings.sh: the core's reports from the stress runs (the "findings"
# of each row tools/judge.sh wrote in results/stress-<mode>.json) as results/findings.md
# and results/findings.json, one row per (mode, run, title) with its
# count, and the same table as the last section of results/matrix.md.
# They are findings, not failures: the report points into the core only.
# Each mode's row set is from its latest run (make clean removes them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
results=${RESULTS:-$(dirname "$here")/results}
marker='## Core findings under stress'

for f in "$results"/stress-*.json; do
	[ -f "$f" ] || continue
	mode=${f##*/stress-}
	jq -r --arg mode "${mode%.json}" '.[] | . as $c | (.findings // [])[]
		| [$mode, ([$c.variant, $c.flavour, ($c.asked | split(" ")[0])] | map(select(. != "")) | join(" ")), .title]
		| @tsv' "$f"
done | sort | uniq -c | awk -v md="$results/findings.md" -v json="$results/findings.json" -v marker="$marker" '
function jstr(s) {
	gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s)
	return "\"" s "\""
}
BEGIN {
	print marker "\n" > md
	print "| mode | run | report | count |" > md
	print "|---|---|---|---|" > md
	printf "[" > json
}
{
	n = $1
	sub(/^ *[0-9]+ /, "")
	split($0, f, "\t")
	printf "| %s | %s | %s | %d |\n", f[1], f[2], f[3], n > md
	printf "%s\n  {\"mode\": %s, \"run\": %s, \"report\": %s, \"count\": %d}", \
		(NR > 1 ? "," : ""), jstr(f[1]), jstr(f[2]), jstr(f[3]), n > json
}
END {
	if (NR == 0)
		print "| - | - | none | 0 |" > md
	print "\nReports whose culprit is in the core; a report in fake_iommu or harness code fails its run instead. KCSAN samples accesses, so its rows vary between runs." > md
	printf "%s]\n", (NR > 0 ? "\n" : "") > json
}'

# Replace the section in matrix.md, keeping the matrix above it.
if [ -f "$results/matrix.md" ]; then
	awk -v marker="$marker" '
		$0 == marker { exit }
		/^$/ { blank++; next }
		{ for (; blank > 0; blank--) print ""; print }
		END { print "" }' "$results/matrix.md" >"$results/matrix.md.new"
	cat "$results/findings.md" >>"$results/matrix.md.new"
	mv "$results/matrix.md.new" "$results/matrix.md"
fi
