#!/bin/sh
# lava/judge.sh [DIR]: record every cell of DIR (default RESULTS/lava,
# as make lava wrote it) whose LAVA log is there (CELL/lava/output.log or
# output.yaml: tools/lava/record.sh), then judge all of DIR's cells with
# tools/judge.sh: DIR/lava.md, lava.json and kcidb.json. A cell LAVA has
# not run is judged missing, never skipped.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tools=$(dirname "$here")
top=$(dirname "$tools")
. "$tools/lib.sh"

dir=${1:-${RESULTS:-$top/results}/lava}
[ -f "$dir/lava.cells" ] || die "lava judge: $dir/lava.cells does not exist (make lava writes it)"
dir=$(cd "$dir" && pwd)
hold_lock 7 "$dir/.lock" "the LAVA results directory"
n=0
for job in "$dir"/*/*/job.yaml; do
	cell=$(dirname "$job")
	[ -f "$cell/lava/output.log" ] || [ -f "$cell/lava/output.yaml" ] || continue
	# a log that cannot be read leaves its cell without a record: missing
	if "$here/record.sh" "$cell"; then
		n=$((n + 1))
	else
		stage "lava judge: no record of $cell (above)" >&2
	fi
done
stage "lava judge: $n cells with a LAVA log under $dir" >&2
rc=0
RESULTS=$dir "$tools/judge.sh" lava "$dir/lava.cells" || rc=$?
"$tools/kcidb/write.sh" "$dir"
exit "$rc"
