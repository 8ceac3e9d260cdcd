#!/bin/sh
# judge.sh NAME CELLS: judge the cells a run promised (CELLS, one JSON
# object a line, written with tools/lib.sh's cell) against every record
# under RESULTS, with tools/judge.jq. Writes RESULTS/NAME.json (one row a
# cell) and RESULTS/NAME.md (scenarios down, columns across), prints the
# table, one line per failed cell naming it and why, and
# "NAME: N passed, N failed"; exits non-zero if any cell failed.
#
# Environment: RESULTS, EXPECTED (default tools/expected), FINDINGS
# (default tools/expected-findings), LC_RUN_ID.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

name=${1:?usage: judge.sh NAME CELLS}
cells=${2:?usage: judge.sh NAME CELLS}
results=${RESULTS:-$top/results}
expected=${EXPECTED:-$here/expected}
findings=${FINDINGS:-$here/expected-findings}
for f in "$cells" "$expected" "$findings"; do
	[ -f "$f" ] || die "judge $name: $f does not exist"
done
[ -s "$cells" ] || die "judge $name: $cells lists no cell"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
find "$results" -name '*.record.json' -type f | sort >"$tmp/files"
: >"$tmp/records"
while IFS= read -r f; do
	jq -c '.[]' "$f" >>"$tmp/records" 2>/dev/null || die "judge $name: $f is not a record file"
done <"$tmp/files"

jq -n -L "$here" --slurpfile cells "$cells" --slurpfile records "$tmp/records" \
	--rawfile expected "$expected" --rawfile findings "$findings" --arg run_id "$LC_RUN_ID" \
	'include "judge";
	judge($cells; $records; $expected | parse_expected; $findings | parse_findings; $run_id)' \
	>"$results/$name.json"

# The table: a column per kernel/variant/flavour/boot, a row per scenario.
jq -r '
	def col: [.kver, .variant, (.iommu // "fake" | select(. != "fake")), (.flavour | select(. != "")),
		  (.boot | select(. != "elfcorehdr"))] | join(" ");
	def cell: (if .ok then .verdict else "**\(.verdict)** (want \(.expected // "a pass"))" end)
		+ ([.detectors // {} | to_entries[] | select(.value > 0) | "<br>\(.key)=\(.value)"] | join(""))
		+ ([(.reports // []) | group_by(.title)[] | "<br>\(.[0].title) x\(length)"] | join(""))
		+ ([.failures[] | "<br>\(.)"] | join(""));
	(reduce (.[] | col) as $c ([]; if index([$c]) then . else . + [$c] end)) as $cols
	| (reduce .[].scenario as $s ([]; if index([$s]) then . else . + [$s] end)) as $scs
	| (map({(.scenario): (.class // "?")}) | add) as $class
	| (map({(.scenario + "\u0000" + col): cell}) | add) as $cells
	| "| scenario | " + ($cols | join(" | ")) + " |",
	  "|---|" + ($cols | map("---|") | join("")),
	  ($scs[] as $s | "| \($s) (\($class[$s])) | " + ([$cols[] | $cells[$s + "\u0000" + .] // ""] | join(" | ")) + " |"),
	  "",
	  "Verdicts: error > splat (a kernel report other than the core lock assertion) > race (a fake_iommu race detector) > unlocked (attach without group->mutex only) > skip (the kernel cannot run the scenario; the reason is checked) > clean. **bold**: the cell failed (tools/judge.jq says why).",
	  "",
	  ([.[] | select(.boot_retry) | "Booted twice: \(.kver) \(.variant) \(.scenario): the first kernel died \(.boot_retry)."]
	   | if length == 0 then empty else (.[], "") end),
	  ([.[] | select(.variant == "stock")] | if length == 0 then empty
	   else "stock: the distribution kernel, built without lockdep, DEBUG_ATOMIC_SLEEP and fault injection: no lockdep or sleeping-in-atomic report can appear there; fake_iommu'"'"'s counters work; what cannot run is skipped with its reason.", "" end),
	  # which run the numbers come from: printing inside attach_dev skews counts
	  "fake_iommu knobs of these cells: " + ([.[] | .knobs // empty | to_entries
		| map("\(.key)=\(.value)") | join(" ")] | unique | if length == 0 then "not reported" else join("; ") end)
		+ " (warn=0 core_assert=0: a counting run, nothing printed inside attach_dev; the kernel'"'"'s own splats come from make splats)."
' "$results/$name.json" >"$results/$name.md"

sed 's/<br>/ \/ /g; s/\*\*//g' "$results/$name.md"
echo "results: $results/$name.md $results/$name.json"
jq -r '.[] | select(.ok | not) | "FAIL: \(.kernel // .kver) \(.variant)\(if .flavour != "" then " " + .flavour else "" end) \(.boot) \(.asked | if . == "" then "(boot)" else . end): \(.failures | join("; "))"' \
	"$results/$name.json"
jq -r --arg n "$name" '"\($n): \(map(select(.ok)) | length) passed, \(map(select(.ok | not)) | length) failed"' \
	"$results/$name.json"
jq -e 'all(.ok)' "$results/$name.json" >/dev/null
