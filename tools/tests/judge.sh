#!/bin/sh
# The judge's own tests, no VM, seconds: for every way a run could say
# "passed" without having done what it claims, a console log (the guest's
# markers around kernel text) is recorded with tools/record/records.py and
# judged with tools/judge/verdicts.py, and the judge must fail naming the
# hole. A clean log must pass, so the tests can tell. Ends with "N passed,
# N failed".
#
# ONLY="NAME<newline>NAME..." runs only the cases of those names (the
# mutation check, tools/tests/mutations.py, runs the cases that can kill a
# mutation): exit 2, never a pass, when a name is no case's or a case it
# names needs one it leaves out.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tools=$(dirname "$here")
fixtures=$here/judge-fixtures
py=/usr/bin/python3
stage() { printf '[test] %s\n' "$*"; }
# cell CELLS KVER VARIANT FLAVOUR BOOT JUDGE ASKED: one promised cell (as
# tools/engine/model.py writes them); LC_CELL_KNOBS, LC_IOMMU as the run's.
cell() {
	jq -cn --arg kver "$2" --arg variant "$3" --arg flavour "$4" --arg boot "$5" \
		--arg judge "$6" --arg asked "$7" --arg knobs "${LC_CELL_KNOBS:-}" --arg iommu "${LC_IOMMU:-fake}" \
		'{kver: $kver, variant: $variant, iommu: $iommu, flavour: $flavour, boot: $boot,
		  judge: $judge, asked: $asked, nth: 0, rep: 0}
		 + if $knobs == "" then {} else {knobs: ([$knobs | splits(" +") | select(. != "")
			| split("=") | {(.[0]): (.[1] | tonumber)}] | add)} end' >>"$1"
}
# judge_dir NAME CELLS DIR: the judge on every record under DIR, rows in
# DIR/NAME.json (and DIR/judged.json, as a run keeps them)
judge_dir() {
	"$py" "$tools/judge/verdicts.py" "$1" "$2" "$3" "$3" && _jrc=0 || _jrc=$?
	[ ! -f "$3/$1.json" ] || cp "$3/$1.json" "$3/judged.json"
	return $_jrc
}
passed=0
failed=0
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
export LC_RUN_ID=judge-test
export EXPECTED=$tmp/expected FINDINGS=$tools/judge/expected-findings
cat >"$EXPECTED" <<'LINES'
6.12 vanilla probe_first_map clean - fixture
6.12 vanilla map_vs_map clean - fixture
6.12 vanilla lock_order splat report+^possible.deadlock.in.fi_attach_dev$ fixture: a lockdep cycle expected, nothing else
6.12 vanilla fault_first_map clean stale_attach>=1 fixture: a malformed condition
6.12 vanilla owner_misuse unlocked core_assertions>0 fixture: the core's assertion required
6.12 stock probe_first_map unlocked - fixture: a distribution kernel, no lockdep
6.12 stock fault_first_map skip reason+^CONFIG_FAULT_INJECTION.is.not.set fixture: skipped for its reason
6.12 vanilla:vtd probe_first_map unlocked unlocked_attach>0,deferred_attach>0 fixture: a vtd column's own line
LINES
# Stand-ins for kunit.py: one content, one that finds the KTAP malformed.
printf 'import sys\nsys.stdin.read()\n' >"$tmp/kunit-ok.py"
printf 'import sys\nsys.stdin.read()\nprint("[ERROR] Test: missing plan")\n' >"$tmp/kunit-error.py"
printf '#!/bin/sh\nexit 139\n' >"$tmp/splatscan-crash"
chmod +x "$tmp/splatscan-crash"

ok() { passed=$((passed + 1)); echo "ok - $1"; }
ko() { failed=$((failed + 1)); echo "not ok - $1${2:+: $2}"; }
# want NAME: whether case NAME runs (ONLY); needs NAME: a case run earlier
# whose results directory (or a file under it) this one reads.
_nl='
'
_wanted=$_nl
want() {
	[ -z "${ONLY:-}" ] && return 0
	case "$_nl$ONLY$_nl" in
	*"$_nl$1$_nl"*) _wanted="$_wanted$1$_nl"; return 0 ;;
	esac
	return 1
}
needs() {
	[ -e "$tmp/$1" ] && return 0
	echo "error: ONLY='$ONLY' leaves out '$1', which a case it selects needs" >&2
	exit 2
}

# log SCENARIO [EDIT]: the console the next judged case reads: one clean
# boot of SCENARIO (20 of 20 rounds, KTAP ok, lockdep on, steps exit 0),
# then sed EDIT applied, written when that case runs (ONLY). (No pipes
# into the checks: their tallies stay here.)
log() {
	_log_sc=$1 _log_edit=${2:-}
}

# judged NAME JUDGE [ENV...]: record the console `log` set as the one boot of
# cell (6.12, VARIANT or vanilla, SCENARIO from the log) under a fresh results
# directory, judge it, and leave judge.sh's output in $tmp/out.
judged() {
	_name=$1 _judge=$2
	shift 2
	_r=$tmp/$_name
	rm -rf "$_r"
	mkdir -p "$_r/cell"
	sed -e "s/@SC@/$_log_sc/g" "$fixtures/clean.log" | sed -e "$_log_edit" >"$_r/cell/x.log"
	_sc=$(sed -n 's/^@@lockcheck: scenario \([a-z_]*\).*/\1/p' "$_r/cell/x.log" | head -n 1)
	_line=$(sed -n 's/^@@lockcheck: scenario //p' "$_r/cell/x.log" | head -n 1)
	printf '. /lib/lockcheck/lib.sh\nup && scenario "%s"\ndown\n' "${_line:-${_sc:-probe_first_map rounds=20}}" >"$_r/x.steps"
	env KTAP_PARSER="$tmp/kunit-ok.py" "$@" \
		BOOT_META="$(jq -cn --arg j "$_judge" --arg v "${VARIANT:-vanilla}" --arg f "${FLAVOUR:-}" --arg i "${LC_IOMMU:-fake}" '{kernel: "6.12.117", kver: "6.12", variant: $v, iommu: $i, flavour: $f, boot: "elfcorehdr", judge: $j}')" \
		"$py" "$tools/record/records.py" "$_r/cell/x.log" "$_r/x.steps" "${VMERR:-}" >"$_r/cell/x.record.json" 2>"$tmp/rec.err" ||
		{ echo "records.py failed: $(cat "$tmp/rec.err")" >"$tmp/out"; return 1; }
	: >"$_r/t.cells"
	cell "$_r/t.cells" 6.12 "${VARIANT:-vanilla}" "${FLAVOUR:-}" elfcorehdr "$_judge" "${_line:-probe_first_map rounds=20}"
	judge_dir t "$_r/t.cells" "$_r" >"$tmp/out" 2>&1
}

# passes NAME ... / fails NAME PATTERN ...: judged, then the verdict.
passes() {
	_n=$1
	shift
	want "$_n" || return 0
	if judged "$_n" "$@"; then ok "$_n"; else ko "$_n" "$(grep -m1 FAIL "$tmp/out")"; fi
}
fails() {
	_n=$1 _pat=$2
	shift 2
	want "$_n" || return 0
	if judged "$_n" "$@"; then
		ko "$_n" "judged a pass"
	elif grep -q "^FAIL: .*$_pat" "$tmp/out"; then
		ok "$_n ($(grep '^FAIL: ' "$tmp/out" | grep -m1 -o "$_pat.*" | cut -c1-90))"
	else
		ko "$_n" "no FAIL line matching '$_pat': $(grep -m1 'FAIL\|error' "$tmp/out")"
	fi
}

stage "judge fixtures"
log probe_first_map
passes "a clean boot of a clean cell passes" expected
log probe_first_map 's/^# rounds_requested: 20/# rounds_requested: 200/; s/^# rounds_run: 20/# rounds_run: 150/'
fails "a scenario that ran fewer rounds than asked fails" "ran 150 of 200 rounds" expected
log probe_first_map 's/^ok 1 probe_first_map/# reason: timed out before all rounds ran\nnot ok 1 probe_first_map/'
fails "a KTAP not ok (the harness's timeout) fails with its reason" "KTAP not ok: timed out" expected
log probe_first_map '/^@@lockcheck: results begin/,/^@@lockcheck: results end/d'
fails "a scenario with no KTAP results fails" "no KTAP results" expected
log probe_first_map
fails "a KTAP the kernel's parser finds malformed fails" \
	"KTAP parser error: Test: missing plan" expected KTAP_PARSER="$tmp/kunit-error.py"
log probe_first_map
fails "no KTAP parser (KTAP_PARSER unset) fails" \
	"KTAP parser missing" expected KTAP_PARSER=
log probe_first_map
fails "a missing splatscan fails, never reads as no reports" \
	"splatscan missing" expected SPLATSCAN=/nonexistent/splatscan
log probe_first_map
fails "a crashing splatscan fails, never reads as no reports" \
	"splatscan failed: exit 139" expected SPLATSCAN="$tmp/splatscan-crash"
log probe_first_map 's/^@@lockcheck: done rc=0/@@lockcheck: not ok unload: harness did not unload\n@@lockcheck: done rc=1/'
fails "a guest not ok line (rmmod failed) fails" "guest not ok: unload: harness did not unload" expected
log probe_first_map 's/^@@lockcheck: done rc=0/@@lockcheck: done rc=3/'
fails "a guest exit status other than 0 fails" "guest steps exited 3" expected
log probe_first_map 's/^@@lockcheck: lockdep debug_locks=1/@@lockcheck: lockdep debug_locks=0/'
fails "lockdep switched off with no report fails" "lockdep was switched off and no report says why" expected
log probe_first_map '/^@@lockcheck: lockdep/d'
fails "a boot that never printed lockdep's state fails" "lockdep state not printed" expected
# Real text lockdep prints for a lock with no static key (bench.c had one
# on its stack), a splatscan fixture: lockdep turns itself off after it.
log probe_first_map "/harness: END/r $tools/splatscan/tests/fixtures/lockdep-non-static-key-7x.log
s/^@@lockcheck: lockdep debug_locks=1/@@lockcheck: lockdep debug_locks=0/"
fails "lockdep's non-static key message is a report: a clean cell fails" "got splat, expected clean" expected
log probe_first_map
VMERR="guest hung: killed after 300s; console log x" \
	fails "a hung guest fails, named as such" "guest hang: guest hung: killed after 300s" expected
log probe_first_map 's/^# count map_unbound: 0/# count map_unbound: 20/'
fails "a legal scenario mapping on a client with no driver bound fails" "20 pages mapped on a client with no driver bound" expected
log probe_first_map '/^# class:/d'
fails "a scenario that does not say its class fails" "scenario class not reported" expected
# The real interleaving of a serial console: kernel text before and after
# a marker on one line.
log probe_first_map 's/^@@lockcheck: scenario \(.*\)$/[    1.772606] platform fake_iommu_client.0: Adding@@lockcheck: scenario \1[    1.77] to iommu group 0/; s/^@@lockcheck: results begin$/[    1.9] harness: x@@lockcheck: results begin/'
passes "markers that share a line with kernel text are still found" expected
log probe_first_map '/^@@lockcheck: scenario/,$d'
fails "a scenario that never started fails" "the scenario never started" expected
log probe_first_map '/^# detector stale_attach:/d'
fails "a detector missing from the KTAP is never read as 0" "detector stale_attach not reported" expected
log probe_first_map 's/^@@lockcheck: lockdep debug_locks=1/@@lockcheck: lockdep absent/'
fails "a kernel without lockdep fails" "lockdep is not in this kernel" expected
log lock_order "/harness: END/r $fixtures/bug-listed-core-finding.txt"
fails "an expected splat cell with another report instead fails" \
	"no report matching ^possible.deadlock.in.fi_attach_dev\\$; unexpected report: BUG: sleeping function" expected
if want "a malformed condition in tools/judge/expected is an error naming it, not skipped"; then
log fault_first_map
if ! judged malformed expected && grep -q 'tools/judge/expected: malformed condition stale_attach>=1' "$tmp/out"; then
	ok "a malformed condition in tools/judge/expected is an error naming it, not skipped"
else
	ko "a malformed condition in tools/judge/expected is an error naming it, not skipped" "$(tail -n 1 "$tmp/out")"
fi
fi
# Two boots recorded for one cell in one run: which is the cell? Neither.
if want "two records of this run for one cell fail"; then
log probe_first_map
judged twice expected
cp "$tmp/twice/cell/x.record.json" "$tmp/twice/cell/y.record.json"
if ! judge_dir t "$tmp/twice/t.cells" "$tmp/twice" >"$tmp/out" 2>&1 &&
	grep -q '^FAIL: .*2 records of this run for one cell' "$tmp/out"; then
	ok "two records of this run for one cell fail"
else
	ko "two records of this run for one cell fail" "$(grep -m1 'FAIL\|passed' "$tmp/out")"
fi
fi
# A column that ran one of two scenarios: the judge knows both were promised.
if want "a column that ran 1 of 2 promised scenarios fails on the missing one"; then
log probe_first_map
judged partial expected
cell "$tmp/partial/t.cells" 6.12 vanilla "" elfcorehdr expected "map_vs_map rounds=20"
if ! judge_dir t "$tmp/partial/t.cells" "$tmp/partial" >"$tmp/out" 2>&1 &&
	grep -q '^FAIL: .*map_vs_map rounds=20: no record' "$tmp/out" && grep -q 't: 1 passed, 1 failed' "$tmp/out"; then
	ok "a column that ran 1 of 2 promised scenarios fails on the missing one"
else
	ko "a column that ran 1 of 2 promised scenarios fails on the missing one" "$(tail -n 1 "$tmp/out")"
fi
fi
# A record from an earlier run is never this run's.
if want "a results directory left from an earlier run fails"; then
log probe_first_map
judged stale expected
if ! LC_RUN_ID=a-later-run judge_dir t "$tmp/stale/t.cells" "$tmp/stale" >"$tmp/out" 2>&1 &&
	grep -q '^FAIL: .*only a record left from an earlier run (judge-test)' "$tmp/out"; then
	ok "a results directory left from an earlier run fails"
else
	ko "a results directory left from an earlier run fails" "$(grep -m1 FAIL "$tmp/out")"
fi
fi
# Stress modes: a report blamed on the core but with our frames fails
# unless tools/expected-findings says why it is the core's.
log map_vs_map "/harness: END/r $fixtures/warning-core-title-our-frames.txt"
fails "a core-titled report with our frames fails a stress run" \
		"report in our code: WARNING in iommu_group_mutex_assert" stress
log map_vs_map "/harness: END/r $fixtures/kcsan-timer-over-our-code.txt"
passes "a timer race that interrupted our code is the core's, not ours" stress
log map_vs_map "/harness: END/r $fixtures/bug-listed-core-finding.txt"
passes "a listed core finding with our frames is a finding" stress
want "the listed core finding is counted as a finding" &&
	needs "a listed core finding with our frames is a finding" &&
	if jq -e '.[0].findings | length == 1' "$tmp/a listed core finding with our frames is a finding/t.json" >/dev/null 2>&1; then
	ok "the listed core finding is counted as a finding"
else
	ko "the listed core finding is counted as a finding"
fi
# A 7.x console (nbcon 8250) whose report header a takeover cut and
# printed again: one report, with its whole title (the make check failure
# of 2026-11-25 had "BUG: sleeping function called from invalid co").
if want "a report header an nbcon takeover cut and replayed is one report"; then
sed -n '6,45p' "$tools/splatscan/tests/fixtures/nbcon-takeover-replay.log" >"$tmp/replayed"
log probe_first_map "/harness: END/r $tmp/replayed"
judged "a replayed console line" expected || true
if jq -e '[.[0].reports[].title] == ["BUG: sleeping function called from invalid context in iommu_deferred_attach"]' \
	"$tmp/a replayed console line/cell/x.record.json" >/dev/null 2>&1; then
	ok "a report header an nbcon takeover cut and replayed is one report"
else
	ko "a report header an nbcon takeover cut and replayed is one report" \
		"$(jq -c '[.[0].reports[].title]' "$tmp/a replayed console line/cell/x.record.json" 2>&1)"
fi
fi
# The guest writes through /dev/kmsg: every line of its own has printk's
# time prefix, as the kernel's have.
log probe_first_map 's/^\([^[]\)/[    2.500000] \1/'
passes "a log whose guest lines carry printk's prefix is read" expected
# A counting run must print nothing inside attach_dev, and say so.
log probe_first_map 's/^@@lockcheck: knobs core_assert=0 warn=0/@@lockcheck: knobs core_assert=0 warn=1/'
fails "a counting run with fake_iommu printing fails" "a counting run with fake_iommu printing inside attach_dev (warn=1" expected
log probe_first_map '/^@@lockcheck: knobs/d'
fails "a run that does not print fake_iommu's knobs fails" "fake_iommu knobs not printed" expected
# core_assertions: the splat runs' condition on the core's own assertion.
log owner_misuse "/harness: END/r $fixtures/warning-core-title-our-frames.txt
s/^@@lockcheck: knobs core_assert=0 warn=0/@@lockcheck: knobs core_assert=1 warn=0/"
fails "a core assertion is the core's only when core_assert=1: a counting run fails" "a counting run with fake_iommu printing inside attach_dev (warn=0, core_assert=1)" expected
log owner_misuse "/harness: END/r $fixtures/warning-core-title-our-frames.txt"
fails "an unasked lock assertion (core_assert=0) is a splat" "got splat, expected unlocked" expected
log owner_misuse "/harness: END/r $fixtures/warning-core-title-our-frames.txt
s/^@@lockcheck: knobs core_assert=0 warn=0/@@lockcheck: knobs core_assert=1 warn=1/"
export LC_CELL_KNOBS="core_assert=1 warn=1"
passes "a required core assertion that fired passes (a splat run)" splats
log owner_misuse
fails "a run whose knobs did not take fails" "fake_iommu knob core_assert was 0, the run set 1" splats
unset LC_CELL_KNOBS
log owner_misuse
fails "a required core assertion that did not fire fails" "core_assertions>0 fails (core_assertions=0)" expected
# Stock columns: a distribution kernel has no lockdep and no fault
# injection; what it cannot run is skipped, for the reason expected.
export VARIANT=stock
log probe_first_map 's/^@@lockcheck: lockdep debug_locks=1/@@lockcheck: lockdep absent/; s/^# detector unlocked_attach: 0/# detector unlocked_attach: 20/'
passes "a stock kernel without lockdep passes, its verdicts say so" expected
log probe_first_map 's/^# detector unlocked_attach: 0/# detector unlocked_attach: 20/'
fails "a stock column whose kernel has lockdep is not the stock kernel" "lockdep on in a stock column: not the kernel" expected
skipped='s/^@@lockcheck: lockdep debug_locks=1/@@lockcheck: lockdep absent/; s/^# rounds_run: 20/# rounds_run: 0/'
log fault_first_map "$skipped; s/^ok 1 fault_first_map/ok 1 fault_first_map # SKIP CONFIG_FAULT_INJECTION is not set: no attach failure can be injected/"
passes "a scenario skipped for the expected reason passes" expected
log fault_first_map "$skipped; s/^ok 1 fault_first_map/ok 1 fault_first_map # SKIP no clients/"
fails "a skip for another reason fails" "reason does not match ^CONFIG_FAULT_INJECTION.is.not.set (reason: no clients)" expected
log fault_first_map "$skipped; s/^ok 1 fault_first_map/ok 1 fault_first_map # SKIP CONFIG_FAULT_INJECTION is not set/
/harness: END/r $fixtures/warning-core-title-our-frames.txt"
fails "a report during a skipped scenario is not hidden by the skip" "got splat, expected skip" expected
log probe_first_map "$skipped; s/^ok 1 probe_first_map/ok 1 probe_first_map # SKIP CONFIG_FAULT_INJECTION is not set/"
fails "a skip where a result is expected fails" "got skip, expected unlocked" expected
unset VARIANT
log probe_first_map 's/^@@lockcheck: lockdep debug_locks=1/@@lockcheck: lockdep absent/'
fails "a built kernel without lockdep fails" "lockdep is not in this kernel" expected
# make bench's perf flavour has no lock debugging, by design.
export FLAVOUR=perf
log probe_first_map 's/^@@lockcheck: lockdep debug_locks=1/@@lockcheck: lockdep absent/'
passes "a perf kernel without lockdep passes (make bench)" stress
log probe_first_map
fails "a perf kernel with lockdep is not the perf kernel" "lockdep on in a perf kernel" stress
unset FLAVOUR
# vtd columns (make vtd): lines of their own, "VARIANT:vtd".
export LC_IOMMU=vtd
log probe_first_map
fails "a vtd cell is judged by its vtd line, not the fake_iommu one" "got clean, expected unlocked because fixture: a vtd column" expected
log probe_first_map 's/^# detector unlocked_attach: 0/# detector unlocked_attach: 20/; s/^# count deferred_attach: 20/# count deferred_attach: 0/'
fails "a vtd cell with no attach from the DMA-map path fails" "deferred_attach>0 fails (deferred_attach=0)" expected
log probe_first_map 's/^# detector unlocked_attach: 0/# detector unlocked_attach: 20/'
passes "a vtd cell with its deferred attaches passes" expected
log map_vs_map
fails "a vtd cell with no vtd line fails, never takes the fake_iommu one" "no expected line (expected run) for 6.12 vanilla:vtd map_vs_map" expected
unset LC_IOMMU
# make bench's numbers: bench_rows aggregates, bench_failures decides.
bench() { # RAW-LINES...: the failures, one a line
	printf '%s\n' "$@" | jq -R -s -L "$tools/judge" --argjson boots 2 --argjson reps 1 \
		'include "judge"; bench_rows($boots; $reps) | bench_failures([])[]' -r
}
b="6.12.117 6.12"
want "bench: deterministic rows whose off control agrees pass" &&
	out=$(bench "$b vanilla off 1 harness pair icount 0 1 5557" "$b vanilla off 1 harness pair icount 1 1 5558" \
	"$b seed-v3 off 1 harness pair icount 0 1 5557" "$b seed-v3 off 1 harness pair icount 1 1 5557")
want "bench: deterministic rows whose off control agrees pass" && { [ -z "$out" ] && ok "bench: deterministic rows whose off control agrees pass" || ko "bench: deterministic rows whose off control agrees pass" "$out"; }
if want "bench: an icount row spread over 0.5% across boots fails"; then
out=$(bench "$b vanilla attached 1 harness pair icount 0 1 5557" "$b vanilla attached 1 harness pair icount 1 1 5600")
case $out in *"spread 0.7"*"exceeds 0.5%"*) ok "bench: an icount row spread over 0.5% across boots fails" ;;
*) ko "bench: an icount row spread over 0.5% across boots fails" "$out" ;; esac
fi
if want "bench: fewer boots than asked fails"; then
out=$(bench "$b vanilla attached 1 harness pair icount 0 1 5557")
case $out in *"1 of 2 boots"*) ok "bench: fewer boots than asked fails" ;;
*) ko "bench: fewer boots than asked fails" "$out" ;; esac
fi
if want "bench: an off control that differs across variants fails"; then
out=$(bench "$b vanilla off 1 harness map icount 0 1 1251" "$b vanilla off 1 harness map icount 1 1 1251" \
	"$b seed-v3 off 1 harness map icount 0 1 1260" "$b seed-v3 off 1 harness map icount 1 1 1260")
case $out in *"off map: the control differs across variants"*) ok "bench: an off control that differs across variants fails" ;;
*) ko "bench: an off control that differs across variants fails" "$out" ;; esac
fi
if want "bench: a state or run of the plan with no numbers fails"; then
out=$(printf '%s\n' "$b vanilla off 1 harness pair icount 0 1 2411" | jq -R -s -r -L "$tools/judge" --argjson boots 1 \
	--argjson reps 1 'include "judge"; bench_rows($boots; $reps) | bench_failures(["6.12:vanilla"])[]')
case $out in *"6.12 vanilla first map: no numbers"*"contention dma_map_benchmark threads=4: no numbers"*"contention group threads=4: no numbers"*)
	ok "bench: a state or run of the plan with no numbers fails" ;;
*) ko "bench: a state or run of the plan with no numbers fails" "$out" ;; esac
fi
# count-reports with no log is no pass.
if want "count-reports fails when no log matches"; then
if "$py" "$here/count_reports.py" "$tmp/no-such-dir" >"$tmp/out" 2>&1; then
	ko "count-reports fails when no log matches" "exited 0: $(tail -n 1 "$tmp/out")"
else
	ok "count-reports fails when no log matches"
fi
fi

stage "kcidb"
# tools/export/kcidb/kcidb.py on judged directories from above: a cell's
# test status is its judged outcome. Each directory gets the build a run
# would have recorded (builds.json).
kout=$tmp/out-6.12-vanilla
mkdir -p "$kout"
echo 'CONFIG_LOCKDEP=y' >"$kout/.config"
builds() { # DIR: the one build the fixture cells booted
	jq -n --arg kout "$kout" '[{column: "6.12:vanilla", kernel: "6.12:vanilla", kver: "6.12",
		variant: "vanilla", flavour: "", image: "initramfs", release: "6.12.117", kout: $kout,
		bzimage: "", bzimage_sha256: "00", config: ($kout + "/.config"), modules: "",
		modules_sha256: "01", initrd: "", initrd_sha256: "02", ktap_parser: "", patches: [],
		package: "linux-source-6.12", version: "6.12.117-1~deb12u1", git: ""}]' >"$1/builds.json"
}
kcidb_write() { # DIR
	builds "$1"
	"$py" "$tools/export/kcidb/kcidb.py" write "$1"
}
kcidb_status() { # NAME WANT: the status of the cell's test in NAME's kcidb.json
	want "kcidb: $1 gives $2" || return 0
	needs "$1"
	if ! kcidb_write "$tmp/$1" >"$tmp/kcidb.out" 2>&1; then
		ko "kcidb: $1 gives $2" "kcidb.py failed: $(tail -n 1 "$tmp/kcidb.out")"
	elif [ "$(jq -r '[.tests[] | select(.number | not)] | map(.status) | join(" ")' "$tmp/$1/kcidb.json")" = "$2" ]; then
		ok "kcidb: $1 gives $2"
	else
		ko "kcidb: $1 gives $2" "got $(jq -c '[.tests[] | select(.number | not) | .status]' "$tmp/$1/kcidb.json")"
	fi
}
kcidb_status "a clean boot of a clean cell passes" PASS
kcidb_status "a scenario that ran fewer rounds than asked fails" ERROR
kcidb_status "lockdep's non-static key message is a report: a clean cell fails" FAIL
kcidb_status "a hung guest fails, named as such" ERROR
if want "kcidb: a cell with no record gives MISS"; then
needs "a clean boot of a clean cell passes"
cp -r "$tmp/a clean boot of a clean cell passes" "$tmp/a cell with no record"
rm -f "$tmp/a cell with no record"/cell/*.record.json "$tmp/a cell with no record"/kcidb.json
judge_dir t "$tmp/a cell with no record/t.cells" "$tmp/a cell with no record" >/dev/null 2>&1 || true
kcidb_status "a cell with no record" MISS
fi
# The counters as numbers with units, only where there is a record.
if want "kcidb: counters are numbers with units, none without a record"; then
needs "a clean boot of a clean cell passes"
needs "a cell with no record"
if jq -e '[.tests[] | select(.number)] | length > 0 and all(.number.unit != "" and .status == "DONE")' \
	"$tmp/a clean boot of a clean cell passes/kcidb.json" >/dev/null &&
	jq -e '[.tests[] | select(.number)] | length == 0' "$tmp/a cell with no record/kcidb.json" >/dev/null; then
	ok "kcidb: counters are numbers with units, none without a record"
else
	ko "kcidb: counters are numbers with units, none without a record"
fi
fi
# The check fails what KCIDB would refuse (each a one-field edit of a good
# document), and names it.
good="$tmp/a clean boot of a clean cell passes/kcidb.json"
for edit in '.version.major = 4|version/major' \
	'.tests[0].status = "OK"|status' \
	'del(.tests[0].build_id)|build_id' \
	'.tests[0].origin = "Upper"|origin' \
	'.tests[0].path = "a..b"|path' \
	'.builds[0].valid = true|valid' \
	'.tests[0].number = {unit: "x"}|value' \
	'.tests[0].log_url = "not a url"|uri' \
	'.checkouts[0].patchset_hash = "abc"|patchset_hash' \
	'.tests[0].build_id = "iommu_lockcheck:nope"|not in the document' \
	'.tests += [.tests[0]]|duplicate test id' \
	'.tests[0].id = "other:1"|not in origin'; do
	want "kcidb check refuses ${edit%|*}" || continue
	needs "a clean boot of a clean cell passes/kcidb.json"
	jq "${edit%|*}" "$good" >"$tmp/bad.json"
	if "$py" "$tools/export/kcidb/kcidb.py" check "$tmp/bad.json" >"$tmp/out" 2>&1; then
		ko "kcidb check refuses ${edit%|*}" "passed"
	elif grep -q "${edit#*|}" "$tmp/out"; then
		ok "kcidb check refuses ${edit%|*}"
	else
		ko "kcidb check refuses ${edit%|*}" "$(head -n 1 "$tmp/out")"
	fi
done
if want "kcidb check passes the document the export made"; then
	needs "a clean boot of a clean cell passes/kcidb.json"
	"$py" "$tools/export/kcidb/kcidb.py" check "$good" >"$tmp/out" 2>&1 && ok "kcidb check passes the document the export made" ||
		ko "kcidb check passes the document the export made" "$(head -n 1 "$tmp/out")"
fi
if want "a bad KCIDB_ORIGIN is named"; then
	needs "a clean boot of a clean cell passes"
	KCIDB_ORIGIN=Bad kcidb_write "$tmp/a clean boot of a clean cell passes" >"$tmp/out" 2>&1 &&
		ko "a bad KCIDB_ORIGIN is named" "exited 0" ||
		{ grep -q "KCIDB_ORIGIN=Bad is not" "$tmp/out" && ok "a bad KCIDB_ORIGIN is named" || ko "a bad KCIDB_ORIGIN is named" "$(tail -n 1 "$tmp/out")"; }
fi
if want "KCIDB_URL_BASE: files under the results get URLs below it"; then
	needs "a clean boot of a clean cell passes"
	KCIDB_URL_BASE=https://lab.example/r42 kcidb_write "$tmp/a clean boot of a clean cell passes" >/dev/null 2>&1 &&
		jq -e '[.tests[] | select(.log_url) | .log_url | startswith("https://lab.example/r42/")] | length > 0 and all' "$good" >/dev/null &&
		ok "KCIDB_URL_BASE: files under the results get URLs below it" ||
		ko "KCIDB_URL_BASE: files under the results get URLs below it"
fi

echo "judge: $passed passed, $failed failed"
if [ -n "${ONLY:-}" ]; then
	printf '%s\n' "$ONLY" | while IFS= read -r _n; do
		case $_wanted in *"$_nl$_n$_nl"*) ;; *) echo "error: ONLY: no case is named '$_n'" >&2; exit 2 ;; esac
	done || exit 2
fi
[ "$failed" = 0 ]
