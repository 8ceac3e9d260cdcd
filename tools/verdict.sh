#!/bin/sh
# verdict.sh RESULT_DIR...: gather every column's summary into
# results/matrix.json and results/matrix.md (scenarios down, columns
# across), compare each cell with its line in tools/expected, print the
# table and the cells that differ, and exit non-zero if any does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
expected=${EXPECTED:-$here/expected}
out=${RESULTS:-$top/results}
[ -f "$expected" ] || { echo "error: EXPECTED=$expected does not exist" >&2; exit 1; }
[ $# -gt 0 ] || { echo "error: no result directories given" >&2; exit 1; }

for d in "$@"; do
	[ -f "$d/summary" ] || { echo "error: $d has no summary (the run did not finish)" >&2; exit 1; }
	awk -F'\t' -v k="$(cat "$d/kernel")" -v v="$(cat "$d/variant")" \
		'{print k "\t" v "\t" $0}' "$d/summary"
done >"$out/cells.tsv"

awk -F'\t' -v expfile="$expected" -v json="$out/matrix.json" -v md="$out/matrix.md" \
	-v verdict="$out/verdict.txt" '
function jstr(s) {
	gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s)
	return "\"" s "\""
}
BEGIN {
	while ((getline l < expfile) > 0) {
		if (l ~ /^[[:space:]]*(#|$)/)
			continue
		split(l, f, /[[:space:]]+/)
		reason = l
		for (i = 1; i <= 5; i++)
			sub(/^[^ \t]+[ \t]*/, "", reason)
		k = f[1] SUBSEP f[2] SUBSEP f[3]
		wanted[k] = f[4]
		conds[k] = f[5]
		why[k] = reason
	}
	bad = 0
	printf "[\n" > json
}
# Detector conditions "name=0" or "name>0", comma-separated, or "-".
function conds_fail(c, dets,    n, i, m, j, cs, d, kv, have, name, want) {
	if (c == "-" || c == "")
		return ""
	m = split(dets, d, ",")
	for (j = 1; j <= m; j++) {
		split(d[j], kv, "=")
		have[kv[1]] = kv[2] + 0
	}
	n = split(c, cs, ",")
	for (i = 1; i <= n; i++) {
		if (cs[i] ~ />0$/) {
			name = cs[i]; sub(/>0$/, "", name)
			if (!(have[name] > 0))
				return cs[i]
		} else {
			name = cs[i]; sub(/=0$/, "", name)
			if (have[name] != 0)
				return cs[i]
		}
	}
	return ""
}
# kernel variant scenario verdict rounds detectors reports note
{
	match($1, /^[0-9]+\.[0-9]+/)
	key = substr($1, RSTART, RLENGTH) SUBSEP $2 SUBSEP $3
	col = $1 " " $2
	if (!(col in seen)) { seen[col] = 1; cols[++ncol] = col }
	if (!($3 in seensc)) { seensc[$3] = 1; scs[++nsc] = $3 }
	want = (key in wanted) ? wanted[key] : ""
	ok = want != "" && ("|" want "|") ~ ("\\|" $4 "\\|")
	broken = (want != "") ? conds_fail(conds[key], $6) : ""
	if (broken != "") {
		ok = 0
		want = want " with " conds[key] " (" broken " fails)"
	}
	if (!ok) {
		bad++
		diffs[bad] = sprintf("%s %s %s: got %s, expected %s%s%s", $1, $2, $3, $4,
			(want == "" ? "(no expectation line)" : want),
			(want == "" ? "" : " because "), why[key])
	}
	# the cell: verdict, fired detectors, reports
	cell = (ok ? "" : "**") $4 (ok ? "" : "** (want " (want == "" ? "?" : want) ")")
	n = split($6, d, ",")
	dets = ""
	for (i = 1; i <= n; i++) {
		split(d[i], kv, "=")
		dets = dets (i > 1 ? ", " : "") jstr(kv[1]) ": " (kv[2] + 0)
		if (kv[2] + 0 > 0)
			cell = cell "<br>" kv[1] "=" kv[2]
	}
	m = ($7 == "-" || $7 == "") ? 0 : split($7, r, "; ")
	splats = ""
	for (i = 1; i <= m; i++) {
		kind = r[i]; sub(/:.*/, "", kind)
		title = r[i]; sub(/^[^:]*:/, "", title)
		cnt = title; sub(/.* x/, "", cnt); sub(/ x[0-9]+$/, "", title)
		splats = splats (i > 1 ? ", " : "") "{\"kind\": " jstr(kind) ", \"title\": " jstr(title) ", \"count\": " (cnt + 0) "}"
		cell = cell "<br>" title " x" cnt
	}
	if ($8 != "")
		cell = cell "<br>" $8
	cells[col SUBSEP $3] = cell
	printf("%s  {\"kernel\": %s, \"variant\": %s, \"scenario\": %s, \"rounds\": %d, \"detectors\": {%s}, \"splats\": [%s], \"verdict\": %s, \"expected\": %s, \"ok\": %s, \"note\": %s}",
		(NR > 1 ? ",\n" : ""), jstr($1), jstr($2), jstr($3), $5, dets, splats, jstr($4),
		jstr(want), (ok ? "true" : "false"), jstr($8)) > json
}
END {
	printf "\n]\n" > json
	printf "| scenario |" > md
	for (c = 1; c <= ncol; c++) printf " %s |", cols[c] > md
	printf "\n|---|" > md
	for (c = 1; c <= ncol; c++) printf "---|" > md
	printf "\n" > md
	for (s = 1; s <= nsc; s++) {
		printf "| %s |", scs[s] > md
		for (c = 1; c <= ncol; c++) {
			k = cols[c] SUBSEP scs[s]
			printf(" %s |", ((k in cells) ? cells[k] : "")) > md
		}
		printf "\n" > md
	}
	printf "\nVerdicts: error > splat (a kernel report other than the core lock assertion) > race (a fake_iommu race detector) > unlocked (attach without group->mutex only) > clean. **bold**: differs from tools/expected.\n" > md
	close(md)
	for (i = 1; i <= bad; i++)
		print "UNEXPECTED: " diffs[i] > verdict
	printf "matrix: %d passed, %d failed\n", NR - bad, bad > verdict
	exit bad > 0
}' "$out/cells.tsv" && rc=0 || rc=$?
# The table for a terminal: one row per scenario, <br> as " / ".
sed 's/<br>/ \/ /g; s/\*\*//g' "$out/matrix.md"
echo "results: $out/matrix.md $out/matrix.json"
cat "$out/verdict.txt"
exit $rc
