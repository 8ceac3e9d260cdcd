#!/bin/sh
# races-report.sh TSV EXPECTED: sum the KCSAN counts of `make races` (TSV
# lines: variant scenario boot flag-reports word-reports) per variant and
# scenario, write races.md beside TSV, print the table on stderr, and print
# a "fail" line (stress.sh's reports format) for each variant whose
# flag-report count breaks its line in EXPECTED.
set -eu
tsv=${1:?usage: races-report.sh TSV EXPECTED}
expected=${2:?usage: races-report.sh TSV EXPECTED}
[ -f "$tsv" ] || { echo "error: $tsv does not exist" >&2; exit 1; }
[ -f "$expected" ] || { echo "error: $expected does not exist" >&2; exit 1; }
md=$(dirname "$tsv")/races.md

awk -F'\t' -v expfile="$expected" -v md="$md" '
BEGIN {
	while ((getline l < expfile) > 0) {
		if (l ~ /^[[:space:]]*(#|$)/)
			continue
		split(l, f, /[[:space:]]+/)
		if (f[2] != "0" && f[2] != "any") {
			print "error: " expfile ": want for " f[1] " must be 0 or any, not " f[2] > "/dev/stderr"
			bad = 1
			exit 2
		}
		want[f[1]] = f[2]
		why = l
		sub(/^[^ \t]+[ \t]+[^ \t]+[ \t]*/, "", why)
		reason[f[1]] = why
	}
	print "| variant | scenario | boots | boots with a flag report | flag reports | same-word reports | expected |" > md
	print "|---|---|---|---|---|---|---|" > md
	fmt = "  %-20s %-14s %5s %10s %6s %9s  %s\n"
	printf fmt, "variant", "scenario", "boots", "with flag", "flag", "same-word", "expected" > "/dev/stderr"
}
{
	k = $1 SUBSEP $2
	if (!(k in boots)) order[++n] = k
	boots[k]++
	flag[k] += $4
	hit[k] += ($4 > 0)
	word[k] += $5
	vflag[$1] += $4
}
END {
	if (bad)
		exit 2
	if (n == 0) {
		print "error: no KCSAN race counts in the table" > "/dev/stderr"
		exit 2
	}
	for (i = 1; i <= n; i++) {
		split(order[i], kv, SUBSEP)
		w = (kv[1] in want) ? want[kv[1]] : "any (no expectation line)"
		k = order[i]
		printf "| %s | %s | %d | %d | %d | %d | %s |\n", kv[1], kv[2],
			boots[k], hit[k], flag[k], word[k], w > md
		printf fmt, kv[1], kv[2], boots[k], hit[k], flag[k], word[k], w > "/dev/stderr"
	}
	print "\nflag reports: KCSAN reports naming iommu_deferred_attach (the map path reads attach_deferred); same-word reports: another reader of the bit-field word that holds attach_deferred, against the same writer." > md
	for (v in vflag)
		if (want[v] == "0" && vflag[v] > 0)
			printf "fail\traces %s\t%d KCSAN reports name iommu_deferred_attach, expected none because %s\n", v, vflag[v], reason[v]
}' "$tsv"
