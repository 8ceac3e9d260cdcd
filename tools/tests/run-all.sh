#!/bin/sh
# The pipeline's own tests: each failure path ends non-zero with a one-line
# reason naming the culprit, and the modules' in-VM tests pass. Ends with
# "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
tools=$(dirname "$here")
. "$tools/lib.sh"
passed=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); echo "ok - $1"; }
ko() { failed=$((failed + 1)); echo "not ok - $1${2:+: $2}"; }

# must_fail NAME PATTERN CMD...: CMD exits non-zero and its last line of
# stderr matches PATTERN.
must_fail() {
	_name=$1 _pat=$2
	shift 2
	if "$@" >"$tmp/out" 2>"$tmp/err"; then
		ko "$_name" "exited 0"
	elif tail -n 1 "$tmp/err" | grep -Eq "$_pat"; then
		ok "$_name ($(tail -n 1 "$tmp/err"))"
	else
		ko "$_name" "last line: $(tail -n 1 "$tmp/err")"
	fi
}

stage "pipeline failure paths"
mkdir -p "$tmp/badpatch"
cat >"$tmp/badpatch/0001-bad.patch" <<'PATCH'
--- a/drivers/iommu/iommu.c
+++ b/drivers/iommu/iommu.c
@@ -1,3 +1,3 @@
-this line is not in iommu.c
+nor is this one
 nor this
PATCH
echo 0001-bad.patch >"$tmp/badpatch/series"
must_fail "a patch that does not apply names the patch" "patch .*0001-bad.patch does not apply" \
	env -u VARIANT PATCHES="$tmp/badpatch" sh "$tools/kernel.sh"
must_fail "a missing KSRC is named" "KSRC=/nonexistent/linux does not exist" \
	env -u VARIANT KSRC=/nonexistent/linux sh "$tools/kernel.sh"
must_fail "an unknown VARIANT is named" "VARIANT=no-such-variant" \
	env VARIANT=no-such-variant sh "$tools/kernel.sh"
must_fail "an unknown KVER is named" "KVER=4.4 is not a known kernel" \
	env KVER=4.4 sh "$tools/kernel.sh"
must_fail "a bad KDUMP is named" "KDUMP=2 must be 0 or 1" \
	env KDUMP=2 sh "$tools/vm.sh" /nonexistent /nonexistent /nonexistent "$tmp/log"
must_fail "a bad VM_SMP is named" "VM_SMP=0 must be 1 to 8 vCPUs" \
	env VM_SMP=0 sh "$tools/vm.sh" /nonexistent /nonexistent /nonexistent "$tmp/log"
must_fail "a bad VM_ICOUNT is named" "VM_ICOUNT=yes must be 0 or 1" \
	env VM_ICOUNT=yes sh "$tools/vm.sh" /nonexistent /nonexistent /nonexistent "$tmp/log"
must_fail "a bad VM_IOMMU is named" "VM_IOMMU=arm must be fake, vtd or amd" \
	env VM_IOMMU=arm sh "$tools/vm.sh" /nonexistent /nonexistent /nonexistent "$tmp/log"
must_fail "a bad VM_EDU is named" "VM_EDU=9 must be 1 to 4 edu devices" \
	env VM_IOMMU=vtd VM_EDU=9 sh "$tools/vm.sh" /nonexistent /nonexistent /nonexistent "$tmp/log"
must_fail "a column's unknown IOMMU is named" "column '6.12:seed-v3:arm': 'arm' is not an IOMMU \(fake, vtd or amd\)" \
	env RESULTS="$tmp/results" sh "$tools/run.sh" t 6.12:seed-v3:arm
must_fail "an amd column of a kernel without AMD_IOMMU is refused" "column 6.12:seed-v3:amd: amd columns need Debian's kernel" \
	env RESULTS="$tmp/results" sh "$tools/run.sh" t 6.12:seed-v3:amd
must_fail "fake_iommu's KNOBS on a vtd column are refused" "column 6.12:seed-v3:vtd: KNOBS are fake_iommu's, not the real IOMMU driver's" \
	env RESULTS="$tmp/results" KNOBS=warn=1 POLICY=splats sh "$tools/run.sh" t 6.12:seed-v3:vtd
must_fail "a bad STEPS_IOMMU is named" "STEPS_IOMMU=arm is not fake, vtd or amd" \
	env STEPS_IOMMU=arm sh "$tools/steps.sh" scenario "probe_first_map"
must_fail "a stock column of an unknown kernel is named" "KVER=6.1 has no stock kernel \(have: 6.12 7.3 \)" \
	sh "$tools/stock.sh" 6.1
must_fail "a FLAVOUR on a stock column is refused" "column 6.12:stock is Debian's kernel as built: FLAVOUR=kcsan does not apply" \
	env FLAVOUR=kcsan CACHE="$tmp/cache" sh "$tools/guest.sh" 6.12:stock
for v in BENCH_BOOTS=0 REPS=x BENCH_ITERS=-1; do
	must_fail "a bad $v is named" "${v%%=*}=${v#*=} must be a positive number" \
		env RESULTS="$tmp/bench" "$v" sh "$tools/bench.sh" 6.12:vanilla
done
must_fail "make bench refuses another flavour" "make bench measures the perf flavour; FLAVOUR=kasan does not apply" \
	env RESULTS="$tmp/bench" FLAVOUR=kasan sh "$tools/bench.sh" 6.12:vanilla
[ ! -e "$tmp/bench" ] && ok "bad bench variables write no results" || ko "bad bench variables write no results"
must_fail "FLAVOUR=perf is refused where verdicts need lockdep" "FLAVOUR=perf is make bench's kernel, without lockdep" \
	env RESULTS="$tmp/perf" FLAVOUR=perf sh "$tools/run.sh" run 6.12:vanilla
must_fail "a bad JOBS is named" "JOBS=0 is not a number of boots at once \(1-99\)" \
	env RESULTS="$tmp/jobs" JOBS=0 sh "$tools/run.sh" run 6.12:vanilla
printf 'probe_first_map rounds=2\nmap_vs_map\nprobe_first_map rounds=3\n' >"$tmp/twice"
must_fail "a scenario listed twice is refused (its boot's files are named after it)" "lists scenario probe_first_map twice" \
	env RESULTS="$tmp/twice.r" SCENARIOS="$tmp/twice" sh "$tools/run.sh" run 6.12:vanilla
[ ! -e "$tmp/jobs" ] && [ ! -e "$tmp/twice.r" ] && ok "refused runs write no results" || ko "refused runs write no results"
must_fail "a bad LAVA_WRITE is named" "LAVA_WRITE=yes must be 0 or 1" \
	env RESULTS="$tmp/lw" LAVA_WRITE=yes sh "$tools/run.sh" run 6.12:vanilla
printf 'probe_first_map rounds=20\n' >"$tmp/one"
must_fail "a LAVA job with QEMU options the device does not give is refused" \
	"QEMU options '.*-smp 4 .*' are not the device's" \
	env RESULTS="$tmp/lw4" LAVA_WRITE=1 VM_SMP=4 SCENARIOS="$tmp/one" sh "$tools/run.sh" lava 6.12:vanilla
must_fail "a bad LAVA_URL_BASE is named" "LAVA_URL_BASE=ftp://x is not an http:// or https:// URL" \
	env RESULTS="$tmp/lwu" LAVA_WRITE=1 LAVA_URL_BASE=ftp://x SCENARIOS="$tmp/one" sh "$tools/run.sh" lava 6.12:vanilla
must_fail "lava judge without make lava's cells is named" "lava judge: $tmp/nolava/lava.cells does not exist" \
	sh "$tools/lava/judge.sh" "$tmp/nolava"
if LAVA_WRITE=1 RESULTS="$tmp/lj" SCENARIOS="$tmp/one" sh "$tools/run.sh" lava 6.12:vanilla >"$tmp/out" 2>&1 &&
	[ -f "$tmp/lj/6.12.117-vanilla/probe_first_map/job.yaml" ] &&
	grep -q 'append \\"console=ttyS0 panic=-1 loglevel=7 *elfcorehdr=0x80000000\\""$' "$tmp/lj/6.12.117-vanilla/probe_first_map/job.yaml" &&
	[ ! -e "$tmp/lj/6.12.117-vanilla/probe_first_map.log" ]; then
	ok "LAVA_WRITE=1 writes the cell's job and boots nothing"
else
	ko "LAVA_WRITE=1 writes the cell's job and boots nothing" "$(tail -n 1 "$tmp/out")"
fi
must_fail "a LAVA cell with no LAVA log is named" "lava record: no LAVA log in $tmp/lj/6.12.117-vanilla/probe_first_map/lava" \
	sh "$tools/lava/record.sh" "$tmp/lj/6.12.117-vanilla/probe_first_map"
# lava judge: a cell LAVA never ran is missing; a LAVA log (the judge
# tests' clean console as lava-run logs it) is recorded and judged like
# the project's own boot; a job LAVA calls incomplete fails, named.
printf '6.12 vanilla probe_first_map clean - fixture: the judge tests'"'"' clean console\n' >"$tmp/lava.expected"
lava_judged() { # NAME PATTERN: judge $tmp/lj, want a pass (PATTERN "") or a FAIL line matching
	if EXPECTED="$tmp/lava.expected" sh "$tools/lava/judge.sh" "$tmp/lj" >"$tmp/out" 2>&1; then
		[ -z "$2" ] && ok "$1" || ko "$1" "exited 0"
	elif [ -n "$2" ] && grep -q "FAIL: .*$2" "$tmp/out"; then
		ok "$1"
	else
		ko "$1" "$(grep -m1 'FAIL\|error' "$tmp/out")"
	fi
}
lava_judged "a cell LAVA never ran fails the LAVA judge" "no record"
lcell=$tmp/lj/6.12.117-vanilla/probe_first_map
mkdir -p "$lcell/lava"
lava_log() { # QEMU-OPTIONS: the clean console as lava-run logs it, booted with them
	echo "{\"dt\": \"2026-11-25T00:00:00\", \"lvl\": \"debug\", \"msg\": \"Boot command: /usr/bin/qemu-system-x86_64 $1 -display none -kernel k\"}"
	sed 's/@SC@/probe_first_map/g' "$here/judge-fixtures/clean.log" |
		jq -R -c '{dt: "2026-11-25T00:00:00", lvl: "target", msg: .}'
}
lava_log "-accel tcg,thread=multi -cpu max -smp 2 -m 1024 -no-reboot" >"$lcell/lava/output.log"
printf 'case: job\ndefinition: lava\nresult: pass\n' >"$lcell/lava/result.yaml"
lava_judged "a cell's LAVA log is recorded and judged as the project's own boot" ""
lava_log "-cpu host -enable-kvm -smp 1 -m 512" >"$lcell/lava/output.log"
lava_judged "a cell LAVA booted in another VM (a lab's KVM defaults) fails, named" "LAVA's QEMU is not the cell's VM: no '-accel tcg,thread=multi'"
lava_log "-accel tcg,thread=multi -cpu max -smp 2 -m 1G -no-reboot" >"$lcell/lava/output.log"
printf 'case: job\ndefinition: lava\nerror_msg: Connection closed\nresult: fail\n' >"$lcell/lava/result.yaml"
lava_judged "a LAVA job LAVA calls incomplete fails, named" "LAVA job incomplete: Connection closed"
{
	sed 's/^/- /' "$lcell/lava/output.log"
	echo '- {"dt": "2026-11-25T00:00:01", "lvl": "results", "msg": {"case": "job", "definition": "lava", "result": "pass"}}'
} >"$lcell/lava/output.yaml"
rm -f "$lcell/lava/output.log" "$lcell/lava/result.yaml"
lava_judged "a LAVA log as a lab serves it (lavacli jobs logs --raw) is read too" ""
sed -i '$d' "$lcell/lava/output.yaml"
lava_judged "a lab's LAVA log with no job result fails, named" "LAVA's log has no job result"
# compare-runs: a run agrees with itself; one changed verdict is named.
if [ -f "$tmp/lj/lava.json" ]; then
	sh "$tools/compare-runs.sh" "$tmp/lj/lava.json" "$tmp/lj/lava.json" >/dev/null &&
		ok "compare-runs: a run agrees with itself" || ko "compare-runs: a run agrees with itself"
	jq '.[0].verdict = "race"' "$tmp/lj/lava.json" >"$tmp/changed.json"
	must_fail "compare-runs names a cell whose verdict differs" "compare: 0 agree, 1 differ" \
		sh -c 'sh "$1" "$2" "$3" >&2' sh "$tools/compare-runs.sh" "$tmp/lj/lava.json" "$tmp/changed.json"
else
	ko "compare-runs: the LAVA judge wrote no lava.json to compare"
fi
must_fail "compare-runs refuses a file that is no judged run" "compare-runs: $tmp/one is not a judged run" \
	sh "$tools/compare-runs.sh" "$tmp/one" "$tmp/one"
must_fail "a bad KCIDB_URL_BASE is named" "KCIDB_URL_BASE=ftp://x is not an http:// or https:// URL" \
	env KCIDB_URL_BASE=ftp://x sh "$tools/kcidb/write.sh" "$tmp/lj"

# Core findings of stress runs: counted per run from the judged rows, our
# reports and failures left out, the matrix above the section kept, a
# second pass replaces it.
mkdir -p "$tmp/find"
cat >"$tmp/find/stress-sanitize.json" <<'ROWS'
[{"variant": "seed-v3", "flavour": "kcsan", "asked": "a rounds=1", "ok": true,
  "findings": [{"title": "KCSAN: data-race in x / y"}, {"title": "KCSAN: data-race in x / y"}]},
 {"variant": "seed-v3", "flavour": "kcsan", "asked": "b rounds=1", "ok": false,
  "failures": ["report in our code: KASAN: in fi_x"], "findings": []}]
ROWS
printf '| scenario |\n|---|\n\nVerdicts: ...\n' >"$tmp/find/matrix.md"
RESULTS=$tmp/find sh "$tools/findings.sh" && RESULTS=$tmp/find sh "$tools/findings.sh"
if grep -qx '| sanitize | seed-v3 kcsan a | KCSAN: data-race in x / y | 2 |' "$tmp/find/findings.md" &&
	! grep -q 'fi_x' "$tmp/find/findings.md" &&
	[ "$(grep -c '^## Core findings' "$tmp/find/matrix.md")" = 1 ] &&
	grep -q '^Verdicts' "$tmp/find/matrix.md" &&
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[0]["count"] == 2' "$tmp/find/findings.json"; then
	ok "core findings are counted into findings.md, .json and matrix.md"
else
	ko "core findings are counted into findings.md, .json and matrix.md"
fi

# make races' verdict: a report in a variant expected to have none fails,
# the same count where any is allowed does not, a bad expectation is named.
printf 'recheck-under-lock\tmap_vs_owner\t1\t0\t2\nrecheck-under-lock\tmap_vs_attach\t1\t1\t0\nseed-v3\tmap_vs_owner\t1\t3\t0\n' \
	>"$tmp/find/races.tsv"
out=$(sh "$tools/races-report.sh" "$tmp/find/races.tsv" "$tools/expected-races" 2>/dev/null)
if [ "$(echo "$out" | grep -c '^fail')" = 1 ] &&
	echo "$out" | grep -q '^fail	races recheck-under-lock	1 KCSAN reports' &&
	grep -q '^| seed-v3 | map_vs_owner | 1 | 1 | 3 | 0 | any |$' "$tmp/find/races.md"; then
	ok "races: a report where none is expected fails, elsewhere it is counted"
else
	ko "races: a report where none is expected fails, elsewhere it is counted" "$out"
fi
printf 'seed-v3  sometimes  reason\n' >"$tmp/find/bad-races"
must_fail "a bad races expectation is named" "want for seed-v3 must be 0 or any, not sometimes" \
	sh "$tools/races-report.sh" "$tmp/find/races.tsv" "$tmp/find/bad-races"
echo keep >"$tmp/find/stress-races.cells"
must_fail "a bad SANITIZE_FLAVOURS is named" "SANITIZE_FLAVOURS: 'kasan' is not sanitize or kcsan" \
	env RESULTS="$tmp/find" SANITIZE_FLAVOURS=kasan sh "$tools/stress.sh" sanitize
must_fail "a bad RACE_ROUNDS is named" "RACE_ROUNDS=12x must be a positive whole number" \
	env RESULTS="$tmp/find" RACE_ROUNDS=12x sh "$tools/stress.sh" races
must_fail "an unknown race variant is named" "RACE_VARIANTS: no patches/no-such/series" \
	env RESULTS="$tmp/find" RACE_VARIANTS="seed-v3 no-such" sh "$tools/stress.sh" races
if [ "$(cat "$tmp/find/stress-races.cells")" = keep ]; then
	ok "bad races variables leave the last races reports alone"
else
	ko "bad races variables leave the last races reports alone"
fi

# Build everything once for the guest tests (vanilla 6.12).
kout=$(env -u KSRC -u PATCHES VARIANT=vanilla KVER=6.12 sh "$tools/kernel.sh") || { ko "kernel build"; kout=; }
if [ -n "$kout" ]; then
	tree=$(sh "$tools/fetch-source.sh" 6.12)
	# One option that does not exist, one whose dependencies (USB, SCSI)
	# the fragments never enable.
	printf 'CONFIG_LOCKCHECK_NO_SUCH_OPTION=y\nCONFIG_USB_STORAGE=y\n' >"$tmp/bogus.config"
	stage "config check on a scratch build dir"
	must_fail "fragment options that did not survive are named" \
		"did not survive the merge: CONFIG_LOCKCHECK_NO_SUCH_OPTION=y CONFIG_USB_STORAGE=y" \
		sh "$tools/config.sh" "$tree" "$tmp/build" "$tmp/config.log" \
		"$tools/config/base.config" "$tmp/bogus.config"

	# coding-style.rst as each supported kernel's checkpatch reads it.
	# Modules, two narrow version differences and nothing else:
	# LINUX_VERSION_CODE for attach_dev's signature (6.18), and 7.x's
	# advice to use kzalloc_obj(), which older 6.12 kernels lack.
	stage "checkpatch --strict"
	top=$(dirname "$tools")
	for kv in 6.12 7.3; do
		cp=$(sh "$tools/fetch-source.sh" "$kv")/scripts/checkpatch.pl
		if (cd "$top" && perl "$cp" --strict --no-tree --terse \
			--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON,ALLOC_WITH_SIZEOF \
			-f fake_iommu/*.[ch] harness/*.[ch]) >"$tmp/cp.out" 2>&1; then
			ok "modules pass $kv's checkpatch --strict"
		else
			ko "modules pass $kv's checkpatch --strict" "$(grep -m1 -v '^total' "$tmp/cp.out")"
		fi
		if perl "$cp" --strict "$top"/patches/upstream/*.patch >"$tmp/cp.out" 2>&1 &&
			grep -q 'total: 0 errors, 0 warnings, 0 checks' "$tmp/cp.out"; then
			ok "the upstream patch passes $kv's checkpatch --strict"
		else
			ko "the upstream patch passes $kv's checkpatch --strict" "$(grep -m1 'ERROR\|WARNING\|CHECK' "$tmp/cp.out")"
		fi
	done

	mod=$(sh "$tools/modules.sh" "$kout")
	sh "$tools/initramfs.sh" "$tmp/initrd" "$mod"

	stage "guest that hangs, guest that panics"
	echo 'sleep 1000' >"$tmp/hang.steps"
	must_fail "a hung guest is killed at the timeout" "guest hung: killed after 20s" \
		env VM_TIMEOUT=20 sh "$tools/vm.sh" "$kout" "$tmp/initrd" "$tmp/hang.steps" "$tmp/hang.log"
	echo 'echo c > /proc/sysrq-trigger' >"$tmp/panic.steps"
	must_fail "a panicking guest is named" "guest panicked" \
		env VM_APPEND=oops=panic sh "$tools/vm.sh" "$kout" "$tmp/initrd" "$tmp/panic.steps" "$tmp/panic.log"

	stage "modules' tests in the guest"
	for t in first_map knobs triggers unload; do
		{
			echo '. /lib/lockcheck/lib.sh'
			echo 'load fake_iommu clients=1'
			echo 'load harness'
			echo ". /lib/lockcheck/tests/$t.sh"
		} >"$tmp/$t.steps"
		if ! sh "$tools/vm.sh" "$kout" "$tmp/initrd" "$tmp/$t.steps" "$tmp/$t.log" 2>"$tmp/err"; then
			ko "guest test $t" "$(tail -n 1 "$tmp/err")"
			continue
		fi
		guest_lines "$tmp/$t.log" | grep '^@@lockcheck: \(not \)\?ok ' >"$tmp/$t.res"
		while IFS= read -r l; do
			case $l in
			"@@lockcheck: ok "*) ok "$t: ${l#@@lockcheck: ok }" ;;
			*) ko "$t: ${l#@@lockcheck: not ok }" ;;
			esac
		done <"$tmp/$t.res"
		[ -s "$tmp/$t.res" ] || ko "guest test $t" "printed no results"
		# vanilla: the core's lock assertion is expected, nothing else.
		other=$("$tools/splatscan/splatscan" "$tmp/$t.log" | sed 1d |
			grep -v 'WARNING in iommu_group_mutex_assert' || true)
		if [ -n "$other" ]; then
			ko "$t: no kernel report but the core lock assertion" "$(echo "$other" | head -n 1)"
		else
			ok "$t: no kernel report but the core lock assertion"
		fi
	done
fi
echo "pipeline: $passed passed, $failed failed"
[ "$failed" = 0 ]
