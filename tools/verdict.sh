#!/bin/sh
# verdict.sh RESULT_DIR...: print the scenarios-by-columns table of
# verdicts from each column's summary, compare every cell with its line in
# tools/expected, and exit non-zero when any cell differs or is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
expected=${EXPECTED:-$here/expected}
[ -f "$expected" ] || { echo "error: EXPECTED=$expected does not exist" >&2; exit 1; }

for d in "$@"; do
	[ -f "$d/summary" ] || { echo "error: $d has no summary (the run did not finish)" >&2; exit 1; }
	# kernel variant scenario verdict rounds detectors splats note
	awk -F'\t' -v k="$(cat "$d/kernel")" -v v="$(cat "$d/variant")" \
		'{printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k, v, $1, $2, $3, $4, $5, $6}' "$d/summary"
done | awk -F'\t' -v expfile="$expected" '
BEGIN {
	while ((getline l < expfile) > 0) {
		if (l ~ /^[[:space:]]*(#|$)/)
			continue
		n = split(l, f, /[[:space:]]+/)
		reason = l
		sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", reason)
		# kernel prefix: "6.12" matches every 6.12.x release
		exp[f[1] SUBSEP f[2] SUBSEP f[3]] = f[4]
		why[f[1] SUBSEP f[2] SUBSEP f[3]] = reason
	}
	bad = 0
}
{
	match($1, /^[0-9]+\.[0-9]+/)
	kmaj = substr($1, RSTART, RLENGTH)
	key = kmaj SUBSEP $2 SUBSEP $3
	col = $1 " " $2
	if (!(col in seen)) { seen[col] = 1; cols[++ncol] = col }
	if (!($3 in seensc)) { seensc[$3] = 1; scs[++nsc] = $3 }
	cell = $4
	if ($6 != "-") cell = cell " (" $6 ")"
	mark = "ok"
	if (!(key in exp)) {
		mark = "NO EXPECTATION"
		bad++
	} else if (("|" exp[key] "|") !~ ("\\|" $4 "\\|")) {
		mark = "UNEXPECTED: want " exp[key] " because " why[key]
		bad++
	}
	cells[col SUBSEP $3] = cell
	marks[col SUBSEP $3] = mark
	splat[col SUBSEP $3] = $7
	note[col SUBSEP $3] = $8
}
END {
	for (c = 1; c <= ncol; c++) {
		printf "\n== %s\n", cols[c]
		for (s = 1; s <= nsc; s++) {
			k = cols[c] SUBSEP scs[s]
			if (!(k in cells))
				continue
			printf "  %-18s %-60s %s\n", scs[s], cells[k], marks[k]
			if (splat[k] != "-" && splat[k] != "")
				printf "  %-18s   reports: %s\n", "", splat[k]
			if (note[k] != "")
				printf "  %-18s   note: %s\n", "", note[k]
		}
	}
	printf "\nverdict: %d cell(s) as expected, %d unexpected\n", NR - bad, bad
	exit bad > 0
}'
