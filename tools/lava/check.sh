#!/bin/sh
# lava/check.sh COLUMN...: do LAVA and the project agree on a cell? Each
# column's SCENARIOS (default tools/scenarios/lava-check) run twice: by the
# project itself (tools/run.sh: QEMU from tools/vm.sh) and as LAVA jobs
# (tools/run.sh LAVA_WRITE=1) run by Debian's lava-dispatcher on this machine
# (tools/lava/run-local.sh), recorded from LAVA's log (tools/lava/record.sh)
# and judged by the same judge. Passes when every cell's judged outcome —
# verdict, pass or fail, rounds, KTAP result, guest status, counters and
# report titles — is the same both ways. Installs lava-dispatcher (as
# root) when it is missing. Results under RESULTS/lava-check/{own,lava}.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tools=$(dirname "$here")
top=$(dirname "$tools")
. "$tools/lib.sh"

[ $# -gt 0 ] || die "lava-check: no columns given"
results=${RESULTS:-$top/results}/lava-check
SCENARIOS=${SCENARIOS:-$tools/scenarios/lava-check}
export SCENARIOS

if ! command -v lava-run >/dev/null; then
	[ "$(id -u)" = 0 ] || die "lava-check: lava-dispatcher is not installed; run: sudo apt-get install --no-install-recommends lava-dispatcher"
	stage "installing Debian's lava-dispatcher" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	mkdir -p "$(cache_root)/log"
	apt-get install -y -q --no-install-recommends lava-dispatcher >"$(cache_root)/log/lava-install.log" 2>&1 ||
		die "lava-check: apt-get install lava-dispatcher failed; log $(cache_root)/log/lava-install.log"
fi
stage "lava-check: $(lava-run --version 2>/dev/null || dpkg-query -W -f='lava-dispatcher ${Version}' lava-dispatcher)" >&2

rm -rf "$results"
mkdir -p "$results"
rc=0
stage "lava-check: the project's own run of $*, log $results/own.out" >&2
RESULTS=$results/own "$tools/run.sh" own "$@" >"$results/own.out" 2>&1 || rc=$?
[ -f "$results/own/own.json" ] || { cat "$results/own.out" >&2; die "lava-check: the project's own run judged nothing"; }
LAVA_WRITE=1 RESULTS=$results/lava "$tools/run.sh" lava "$@" >&2
for job in "$results"/lava/*/*/job.yaml; do
	[ -f "$job" ] || die "lava-check: no LAVA job was written"
	cell=$(dirname "$job")
	stage "lava-run $(sed -n 's/^job_name: "\(.*\)"$/\1/p' "$job")" >&2
	"$here/run-local.sh" "$cell"
	# as tools/boot.sh does: TCG's int3 artefact before init boots again
	"$here/record.sh" "$cell" || true
	for log in "$cell.full.log" "$cell.log"; do
		[ -f "$log" ] || continue
		if died_before_init "$log"; then
			stage "lava-run again: the kernel died before init (Oops: int3)" >&2
			mv "$cell/lava" "$cell/lava.early"
			"$here/run-local.sh" "$cell"
		fi
		break
	done
done
stage "lava-check: recording and judging what LAVA ran, log $results/lava.out" >&2
"$here/judge.sh" "$results/lava" >"$results/lava.out" 2>&1 || rc=$?

# The same cell both ways: what was judged, every counter included.
"$tools/compare-runs.sh" --counts "$results/own/own.json" "$results/lava/lava.json" >"$results/compare" || rc=1
cat "$results/compare"
[ "$rc" = 0 ] || tail -n 5 "$results/own.out" "$results/lava.out" >&2
exit "$rc"
