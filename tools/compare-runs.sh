#!/bin/sh
# compare-runs.sh [--counts] A.json B.json: do two judged runs (tools/judge.sh
# output) agree, cell by cell? A cell is kernel, variant, IOMMU, flavour,
# boot and trigger line; it agrees when both runs have it with the same
# verdict, pass or fail, rounds, KTAP result, guest status and the titles
# of its reports, and with --counts also every detector and counter value
# and how many reports of each title (for cells whose counts do not
# depend on timing). One line per cell, then
# "compare: N agree, N differ"; exit 1 if any differs or is in one run only.
set -eu
counts=false
[ "${1:-}" != --counts ] || { counts=true; shift; }
a=${1:?usage: compare-runs.sh [--counts] A.json B.json}
b=${2:?usage: compare-runs.sh [--counts] A.json B.json}
for f in "$a" "$b"; do
	jq -e 'type == "array" and all(.[]; has("verdict"))' "$f" >/dev/null 2>&1 ||
		{ echo "error: compare-runs: $f is not a judged run" >&2; exit 2; }
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
out=$(mktemp)
trap 'rm -f "$out"' EXIT
jq -n -r --slurpfile a "$a" --slurpfile b "$b" --argjson counts "$counts" '
	def key: "\(.kver) \(.variant) \(.iommu // "fake") \(.flavour // "") \(.boot) \(.asked) #\(.nth // 0).\(.rep // 0)";
	# reports by title; how many of each is a count like the others
	def outcome: {verdict, ok, rounds, ktap: .ktap.result, guest: .guest.status}
		+ if $counts then {detectors, counts,
				   reports: ([(.reports // [])[] | .title] | group_by(.) | map({(.[0]): length}) | add // {})}
		  else {reports: ([(.reports // [])[] | .title] | unique)} end;
	($a[0] | map({(key): outcome}) | add // {}) as $x
	| ($b[0] | map({(key): outcome}) | add // {}) as $y
	| ([$x, $y] | map(keys) | add | unique) as $keys
	| ($keys[] as $k
	   | if $x[$k] == $y[$k] then "ok - \($k): \($x[$k].verdict)"
	     elif $x[$k] == null or $y[$k] == null then "not ok - \($k): only in \(if $x[$k] then "the first" else "the second" end) run"
	     else "not ok - \($k): " + ([$x[$k] | keys[] as $f | select($x[$k][$f] != $y[$k][$f])
			| "\($f) \($x[$k][$f] | tojson) / \($y[$k][$f] | tojson)"] | join(", ")) end),
	  ([$keys[] | select($x[.] == $y[.])] | length) as $n
	  | "compare: \($n) agree, \(($keys | length) - $n) differ"' >"$out"
cat "$out"
! grep -q '^not ok' "$out"
