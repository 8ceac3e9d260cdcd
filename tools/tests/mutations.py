"""The mutation check: one-line mutations of the judge, the recorder, the
exporters and the report checks, each of which the tests must kill.

Each row of TABLE is a file (relative to the repository), its exact
original text (it must occur there exactly once: a refactor that moves
it fails this check, never retires the mutation silently), the
replacement, what the mutation breaks, and the tests that can kill it:
case(NAME), a case of tools/tests/test_judge.py (CASES or CHECKS); check(NAME), a
check of tools/tests/test_reports.py; sh(NAME), a case of
tools/tests/judge.sh (run with ONLY=NAME...). run() copies tools/ once,
applies each mutation to the copy alone (never to the working tree), runs
its killers against the copy, cheapest first, and puts the file back.

    /usr/bin/python3 tools/tests/mutations.py [-v] [--table] [TEXT]

prints the survivors (-v: every mutation, with what killed it) of the
mutations whose file, text or line holds TEXT, and the score; exit 1 on a
survivor. tools/tests/test_mutations.py runs it in presubmit. Before the
mutations, the killers run on the unmutated copy and must pass, but for
judge.sh's cases, which presubmit runs anyway (a case a selection leaves
out but needs is judge.sh's exit 2, an error here, never a kill);
--table runs each row's killers, judge.sh's too, on the unmutated copy
alone: after editing the table, that each passes run apart from the rest.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))
from tests import test_judge, test_reports  # noqa: E402

JQ = "tools/judge/judge.jq"
REC = "tools/record/records.py"
KJQ = "tools/export/kcidb/kcidb.jq"
KPY = "tools/export/kcidb/kcidb.py"
VPY = "tools/judge/verdicts.py"
RACES = "tools/report/races.py"
COUNT = "tools/tests/count_reports.py"
COVER = "tools/report/cover.py"
COVER_CHECK = "cover: a boot without its dump, or with a damaged one, fails"


@dataclass(frozen=True)
class Killer:
    kind: str  # "case", "check" or "sh": the order they are tried in
    name: str


def case(name: str) -> Killer:
    return Killer("case", name)


def check(name: str) -> Killer:
    return Killer("check", name)


def sh(name: str) -> Killer:
    return Killer("sh", name)


@dataclass(frozen=True)
class Mutation:
    file: str
    old: str
    new: str
    breaks: str
    killers: tuple = field(default=())


def M(file: str, old: str, new: str, breaks: str, *killers: Killer) -> Mutation:
    return Mutation(file, old, new, breaks, killers)


CLEAN = "a clean boot of a clean cell passes"
KCIDB_CLEAN = "kcidb: a clean boot of a clean cell passes gives PASS"

TABLE = [
    # --- tools/judge/judge.jq: the conditions of tools/judge/expected ---
    M(JQ, 'or ($c.op == "=0" and $v != 0))', 'or ($c.op == "=0" and false))',
      "every name=0 condition vacuous (every negative control)",
      case("a counter a =0 condition forbids, fired, fails"),
      case("core_assertions=0 with the core's assertion fired fails")),
    M(JQ, '($c.op == ">0" and $v <= 0)', '($c.op == ">0" and false)',
      "every name>0 condition vacuous",
      case("a counter a >0 condition requires, silent, fails"),
      sh("a required core assertion that did not fire fails")),
    M(JQ, '(capture("^(?<n>[a-z_]+)(?<op>>0|=0)$")', '(capture("^(?<n>[a-z_]+)(?<op>>0|=0)")',
      "a condition with text after >0/=0 read as the condition",
      case("conditions run together with ; stop the judge, named"),
      sh("a malformed condition in tools/judge/expected is an error naming it, not skipped")),
    M(JQ, '// error("tools/judge/expected: malformed condition \\(.)")) as $c', '// empty) as $c',
      "a malformed condition skipped, not an error",
      case("conditions run together with ; stop the judge, named"),
      sh("a malformed condition in tools/judge/expected is an error naming it, not skipped")),
    M(JQ, '// error("tools/judge/expected: malformed line: \\(.)"))', '// empty)',
      "a malformed line of expected skipped, not an error",
      case("a malformed line of tools/judge/expected stops the judge, named")),
    M(JQ, 'if length < 3 then error(', 'if false then error(',
      "a malformed line of expected-findings read, not an error",
      case("a malformed line of tools/judge/expected-findings stops the judge, named")),
    M(JQ, 'if ("|" + $l.want + "|") | contains("|" + $v + "|") | not', 'if $l.want != $v',
      "a verdict alternative a|b read as one string",
      case("a verdict among the expected alternatives passes")),
    M(JQ, 'then ["got \\($v), expected \\($l.want) because \\($l.why)"] else [] end)',
      'then [] else [] end)', "a verdict other than the expected one ignored",
      case("a verdict none of the alternatives names fails")),
    M(JQ, '| select(($reason // "") | test($re) | not)', '| select(false)',
      "reason+ (a skip's reason) not checked", sh("a skip for another reason fails")),
    M(JQ, '[$res[] | select(.op == "+") | .re as $re', '[$res[] | select(.op == "-") | .re as $re',
      "report+ (a required report) not required",
      case("a required report missing fails, an optional one there or not")),
    M(JQ, 'select(.op == "+")', 'select(.op != "")',
      "report~ (an optional report) made required",
      case("an optional report that did not appear passes")),
    M(JQ, 'select(any($res[]; .re as $re | $t | test($re)) | not)',
      'select(any($res[] | select(.op == "+"); .re as $re | $t | test($re)) | not)',
      "report~ ignored: an optional report that appears fails the cell",
      case("an optional report that appeared passes")),
    M(JQ, 'select(any($res[]; .re as $re | $t | test($re)) | not)', 'select(false)',
      "a report no report+/report~ names allowed",
      case("a report the line does not name fails"),
      sh("an expected splat cell with another report instead fails")),
    M(JQ, '[$reports[] | select(assertion | not) | .title] as $titles',
      '[$reports[] | .title] as $titles',
      "the core's asked-for assertion taken for a report a line must list",
      case("the core's assertion in a splat run is no report the line must list")),
    M(JQ, '{core_assertions: ([.reports[] | select(assertion)] | length)}',
      '{core_assertions: 0}', "core_assertions always 0",
      case("the core's assertion in a splat run is no report the line must list"),
      sh("a required core assertion that fired passes (a splat run)")),
    # --- judge.jq: which assertion is the core's, lockdep's switch ---
    M(JQ, '.assertion = ($ca == 1 and .kind == "warning" and', '.assertion = (.kind == "warning" and',
      "an unasked lock assertion (core_assert=0) not a splat",
      case("a report in the first of two scenario blocks is the first's"),
      sh("an unasked lock assertion (core_assert=0) is a splat")),
    M(JQ, '["lockdep", "oops", "kasan", "ubsan"] | index($k)', '[] | index($k)',
      "no report explains lockdep switching off",
      case("lockdep switched off by its own report is that report's splat"),
      sh("lockdep's non-static key message is a report: a clean cell fails")),
    # --- judge.jq: invalid, what a record must hold ---
    M(JQ, '(if .guest.status != "ok" then', '(if false then', "a hung or panicked guest passes",
      case("a hung guest fails"), sh("a hung guest fails, named as such")),
    M(JQ, '(.guest.not_ok[] | "guest not ok: \\(.)"),', 'empty,', "the guest's not ok lines ignored",
      case("a guest not ok line fails, the steps' status 0 or not"), sh("a guest not ok line (rmmod failed) fails")),
    M(JQ, '(if .guest.status == "ok" and .guest.exit != 0 then', '(if false then',
      "the guest steps' exit status ignored", case("a boot whose steps never finished fails"), sh("a guest exit status other than 0 fails")),
    M(JQ, '(if .splatscan != "ok" then "splatscan \\(.splatscan)"',
      '(if false then "splatscan \\(.splatscan)"', "a missing or failed splatscan read as no report",
      case("a splatscan that prints no JSON fails, never reads as no reports"), sh("a missing splatscan fails, never reads as no reports")),
    M(JQ, 'elif .ran | not then "the scenario never started"', 'elif false then "x"',
      "a scenario that never started judged on nothing",
      case("a block that ran another line than the one asked never started")),
    M(JQ, '(if .ktap.present | not then "no KTAP results"', '(if false then "no KTAP results"',
      "no KTAP results not named as such", case("a KTAP whose end marker is lost is no KTAP"), sh("a scenario with no KTAP results fails")),
    M(JQ, '(if .ktap.parser != "ok" then "KTAP parser \\(.ktap.parser)" else empty end),', 'empty,',
      "KTAP the kernel's parser refuses passes", case("a KTAP parser that crashes fails"),
      sh("a KTAP the kernel's parser finds malformed fails")),
    M(JQ, '(if .ktap.result == "ok" or .ktap.result == "skip" then empty', '(if true then empty',
      "a KTAP not ok passes", case("a KTAP with no result line fails"), sh("a KTAP not ok (the harness's timeout) fails with its reason")),
    M(JQ, '(if .class == null then "scenario class not reported" else empty end),', 'empty,',
      "a scenario with no class passes", sh("a scenario that does not say its class fails")),
    M(JQ, '(if (.class == "legal" or .class == "driver-bug") and (.counts.map_unbound // 0) > 0',
      '(if .class == "legal" and (.counts.map_unbound // 0) > 0',
      "a driver-bug scenario may map with no driver bound",
      case("a driver-bug scenario mapping with no driver bound is an error")),
    M(JQ, '(if .rounds.requested == null or .rounds.run == null then "rounds not reported"',
      '(if false then "rounds not reported"', "rounds not reported pass",
      case("rounds not reported fail")),
    M(JQ, 'elif .rounds.run < .rounds.requested then', 'elif false then',
      "fewer rounds run than requested pass",
      case("a scenario that ran 0 of 20 rounds, not skipped, fails"), sh("a scenario that ran fewer rounds than asked fails")),
    M(JQ, 'elif .ktap.result == "skip" then empty', 'elif false then empty',
      "a skip's 0 rounds run an error", case("a skipped cell is SKIP in KCIDB"),
      sh("a scenario skipped for the expected reason passes")),
    M(JQ, 'select($r.detectors[.] == null)', 'select(false)',
      "a missing detector read as 0",
      case("a detector whose value is no number is not reported"), sh("a detector missing from the KTAP is never read as 0")),
    M(JQ, 'select($r.counts[.] == null)', 'select(false)', "a missing count read as 0",
      case("a count missing from the KTAP is never read as 0")),
    M(JQ, '(if .knobs == null then "fake_iommu knobs not printed"',
      '(if false then "fake_iommu knobs not printed"', "knobs not printed not named",
      case("knobs not printed in the second of two blocks fail that cell alone"), sh("a run that does not print fake_iommu's knobs fails")),
    M(JQ, '((.knobs.warn // 1) != 0 or (.knobs.core_assert // 1) != 0)',
      '((.knobs.core_assert // 1) != 0)', "a counting run may print inside attach_dev (warn=1)",
      sh("a counting run with fake_iommu printing fails")),
    M(JQ, '(if .lockdep == null then "lockdep state not printed"',
      '(if false then "lockdep state not printed"', "lockdep's state not printed passes",
      case("an api-misuse cell with no usable evidence is ERROR in KCIDB"), sh("a boot that never printed lockdep's state fails")),
    M(JQ, '(if .lockdep != "absent" then "lockdep \\(.lockdep) in a',
      '(if false then "lockdep \\(.lockdep) in a', "a stock column whose kernel has lockdep passes",
      sh("a stock column whose kernel has lockdep is not the stock kernel")),
    M(JQ, 'elif .lockdep == "absent" then "lockdep is not in this kernel (PROVE_LOCKING off)"',
      'elif false then "x"', "a built kernel without lockdep passes",
      sh("a built kernel without lockdep fails")),
    M(JQ, 'elif .lockdep == "off" and ([.reports[] | select(stops_lockdep)] | length == 0)',
      'elif false', "lockdep switched off unexplained passes",
      case("lockdep switched off in the second of two blocks fails that cell alone"), sh("lockdep switched off with no report fails")),
    # --- judge.jq: the verdict ---
    M(JQ, 'if (invalid | length > 0) then "error"', 'if false then "error"',
      "an invalid record's verdict not error (KCIDB: not ERROR)",
      case("a driver-bug scenario mapping with no driver bound is an error")),
    M(JQ, 'elif any(.reports[]; assertion | not) then "splat"', 'elif any(.reports[]; true) then "splat"',
      "the core's asked-for assertion a splat",
      case("core_assertions=0 with the core's assertion fired fails"), sh("a required core assertion that fired passes (a splat run)")),
    M(JQ, 'any(.detectors | to_entries[]; .key != "unlocked_attach" and .value > 0)',
      'any(.detectors | to_entries[]; .value > 0)', "an unlocked attach a race",
      case("an unlocked attach alone is unlocked"),
      sh("a stock kernel without lockdep passes, its verdicts say so")),
    M(JQ, 'elif (.detectors.unlocked_attach // 0) > 0 or any(.reports[]; assertion) then "unlocked"',
      'elif any(.reports[]; assertion) then "unlocked"', "an unlocked attach clean",
      case("an unlocked attach alone is unlocked"), sh("a vtd cell with its deferred attaches passes")),
    M(JQ, 'elif .ktap.result == "skip" then "skip"', 'elif false then "skip"', "a skip clean",
      case("a skipped cell is SKIP in KCIDB")),
    # --- judge.jq: which record is a cell's, and its line ---
    M(JQ, 'def key: [.kver, .variant, (.iommu // "fake")', 'def key: [.kver, (.iommu // "fake")',
      "a cell takes another variant's record",
      case("a cell of another variant never takes this variant's record")),
    M(JQ, '($records | map(select(.run_id == $run_id))) as $ours', '$records as $ours',
      "an earlier run's record taken as this run's",
      sh("a results directory left from an earlier run fails")),
    M(JQ, 'map(select(length > 1) | {(.[0] | key): length})', 'map(select(length > 2) | {(.[0] | key): length})',
      "two records of one run for one cell pass", sh("two records of this run for one cell fail")),
    M(JQ, '$c + {verdict: "missing", ok: false,', '$c + {verdict: "missing", ok: true,',
      "a cell with no record passes",
      case("a cell of another variant never takes this variant's record")),
    M(JQ, 'select($r.knobs[.key] != .value)', 'select(false)',
      "knobs the run set but the guest did not have pass", sh("a run whose knobs did not take fails")),
    M(JQ, '($r.variant + (($r.iommu // "fake") | if . == "fake" then "" else ":" + . end)) as $vname',
      '$r.variant as $vname', "a vtd cell judged by the fake_iommu line",
      sh("a vtd cell is judged by its vtd line, not the fake_iommu one")),
    M(JQ, 'if $e == null then ["no expected line (\\($c.judge) run) for \\($r.kver) \\($vname) \\($r.scenario)"]',
      'if $e == null then []', "a cell with no expected line passes",
      sh("a vtd cell with no vtd line fails, never takes the fake_iommu one")),
    M(JQ, 'ok: (($bad + $policy) | length == 0)', 'ok: ($policy | length == 0)',
      "a record that did not do what it claims passes",
      case("a count missing from the KTAP is never read as 0"), sh("a scenario that ran fewer rounds than asked fails")),
    # --- judge.jq: the controls' lines (caught, as) ---
    M(JQ, 'elif $e.want == "caught" then caught_failures($e; $r; $bad; $v; $expected)',
      'elif false then []', "a control's line judged as a verdict named caught",
      case("a control its reference line fails, on the evidence named, is caught")),
    M(JQ, 'elif ($caught | length) == 0 then ["not caught: judged by \\($against[0])\'s line the cell passes"]',
      'elif false then []', "a control its reference line passes counted as caught",
      case("a control its reference line passes is not caught")),
    M(JQ, 'else [$res[] | . as $re | select(any($evidence[]; test($re)) | not)',
      'else [$res[] | . as $re | select(false)', "a control caught on any evidence",
      case("a control caught on other evidence than its line names fails")),
    M(JQ, '| ($caught + [$r.reports[] | "report: \\(.title)"]) as $evidence', '| $caught as $evidence',
      "a control's report titles not evidence",
      case("a control's report title is evidence, and a run it cut short is caught")),
    M(JQ, '| (if $control then [] else $bad end) as $bad', '| $bad as $bad',
      "a control's own failing run fails it",
      case("a control's report title is evidence, and a run it cut short is caught")),
    M(JQ, '| (if ($bad | length) > 0 and ($control | not) then [] else $policy end) as $policy',
      '| (if ($bad | length) > 0 then [] else $policy end) as $policy',
      "a control whose run failed passes whatever its line says",
      case("a control whose guest hung is not caught, its reference line failed or not")),
    M(JQ, '| if ($unnamed | length) > 0 then', '| if false then',
      "a control caught by a hang no REGEX names",
      case("a control whose guest hung is not caught, its reference line failed or not")),
    M(JQ, '| select(test("not reported") | not)]) as $caught', ']) as $caught',
      "a count not reported taken as a control's evidence",
      case("a control's count not reported is no evidence")),
    M(JQ, '| if .want == "as" or .want == "caught"\n', '| if false\n',
      "an as line judged by a control's line",
      case("an as line naming a control's line stops the judge, named")),
    M(JQ, 'elif $ref.want == "as" or $ref.want == "caught"', 'elif false',
      "a control judged by another control's line",
      case("a control's line naming a control's line stops the judge, named")),
    M(JQ, 'if ($against | length) != 1 or ($res | length) == 0', 'if ($against | length) != 1',
      "a caught line without failure+ taken as caught on nothing",
      case("a caught line without failure+ stops the judge, named")),
    M(JQ, '| ($expected[[$r.kver, $a.v, $r.scenario] | join("|")]', '| ($expected[[$r.kver, $vname, $r.scenario] | join("|")]',
      "an as line judged by itself",
      case("an as line passes where the line it names does")),
    M(JQ, '// {want: "no-line", conds: "-", why:', '// {want: "clean", conds: "-", why:',
      "an as line naming no line passes a clean cell",
      case("an as line naming no line fails")),
    # --- judge.jq: the stress modes ---
    M(JQ, '| "report in our code: \\(.title)"]', '| empty]', "a report in our code passes a stress run",
      case("a leak of our module's memory fails a stress run")),
    M(JQ, 'select((.ours_title or .ours_stack) and (known($findings) | not))\n',
      'select(.ours_title and (known($findings) | not))\n',
      "a report with our frames (not in its title) passes a stress run",
      sh("a core-titled report with our frames fails a stress run")),
    M(JQ, 'def known($findings): . as $r | any($findings[];', 'def known($findings): . as $r | any([][];',
      "tools/judge/expected-findings ignored", sh("a listed core finding with our frames is a finding")),
    M(JQ, 'else [$r.reports[] | select((.ours_title or .ours_stack) and (known($findings) | not) | not)]',
      'else []', "a stress run's findings not kept",
      sh("a listed core finding with our frames is a finding"),
      sh("the listed core finding is counted as a finding")),
    # --- judge.jq: make bench ---
    M(JQ, 'and .tool == "harness" and .state == "group" and .threads == $t)] | length == 0)',
      'and .tool == "harness" and .state == "group" and .threads == $t)] | length < 0)',
      "a contention run over one group with no numbers passes",
      sh("bench: a state or run of the plan with no numbers fails")),
    M(JQ, '.spread_pct > 0.5))', '.spread_pct > 5))', "an icount spread up to 5% passes",
      sh("bench: an icount row spread over 0.5% across boots fails")),
    M(JQ, 'select(.boots < .boots_asked or .reps < .reps_asked)', 'select(.reps < .reps_asked)',
      "fewer boots than asked pass", sh("bench: fewer boots than asked fails")),
    M(JQ, 'select((map(.min) | max) - 1 > (map(.max) | min) + 1)',
      'select((map(.min) | max) - 1 > (map(.max) | min) + 100)',
      "an off control that differs across variants passes",
      sh("bench: an off control that differs across variants fails")),
    M(JQ, '.tool == "harness" and .state == $st and .op == $op)] | length == 0)',
      '.tool == "harness" and .state == $st and .op == $op)] | length < 0)',
      "a state of the plan with no numbers passes",
      sh("bench: a state or run of the plan with no numbers fails")),
    # --- tools/judge/verdicts.py ---
    M(VPY, 'return all(r.get("ok") for r in rows) and not failures', 'return True',
      "the judge's command exits 0 on a failed cell",
      case("verdicts.py: the run's own records judged, a failed cell exit 1"), sh("a scenario that ran fewer rounds than asked fails")),
    M(VPY, '    if not cells:\n', '    if False:\n', "a run that promised no cell passes",
      case("verdicts.judge: a run that promised no cell is an error")),
    M(VPY, 'rows = judge(cells, records, os.environ.get("LC_RUN_ID", ""),',
      'rows = judge(cells, records, "judge-test",', "the run's id ignored (any run's records are this run's)",
      case("verdicts.py: the run's own records judged, a failed cell exit 1"), sh("a results directory left from an earlier run fails")),
    # --- tools/record/records.py ---
    M(REC, 'return report["first_line"] < r[1] and (report["first_line"] >= r[0] or k == 0)',
      'return True', "every report attributed to every scenario block of a boot",
      case("a report in the first of two scenario blocks is the first's")),
    M(REC, 'return report["first_line"] < r[1] and (report["first_line"] >= r[0] or k == 0)',
      'return k == 0', "every report attributed to a boot's first scenario block",
      case("a report in the second of two scenario blocks is the second's")),
    M(REC, '"nth": asked_lines[:k].count(asked),', '"nth": 0,',
      "the same line asked twice in one boot: one cell twice",
      case("the same line twice in one boot is two cells")),
    M(REC, 'return b[0] == M_SCENARIO + asked or b[0].startswith(M_SCENARIO + asked + "[")',
      'return True', "a block that ran another line taken for the one asked",
      case("a block that ran another line than the one asked never started")),
    M(REC, '        return "hang"', '        return "ok"', "a hung guest's status ok", case("a hung guest fails"),
      sh("a hung guest fails, named as such")),
    M(REC, '"requested": optional_number(d.get("rounds_requested"))',
      '"requested": optional_number(d.get("rounds_run"))', "rounds requested read from rounds run",
      case("a scenario that ran 0 of 20 rounds, not skipped, fails"), sh("a scenario that ran fewer rounds than asked fails")),
    M(REC, 'return m["r"] if m else d.get("reason")', 'return d.get("reason")',
      "a skip's reason (its SKIP directive) lost", case("a skipped cell is SKIP in KCIDB"),
      sh("a scenario skipped for the expected reason passes")),
    M(REC, 'return "skip" if " # SKIP" in res else "ok"', 'return "ok"', "a KTAP SKIP read as ok",
      case("a skipped cell is SKIP in KCIDB")),
    M(REC, 'return "on" if state == "debug_locks=1" else "off"', 'return "on"',
      "lockdep switched off read as on",
      case("lockdep switched off in the second of two blocks fails that cell alone"), sh("lockdep switched off with no report fails")),
    M(REC, '"class": d.get("class"),', '"class": "legal",', "a scenario's class assumed legal",
      case("an api-misuse cell maps with no driver bound and is DONE in KCIDB")),
    M(REC, '"ktap": {"present": len(kt) > 0,', '"ktap": {"present": True,',
      "no KTAP read as KTAP", case("a KTAP whose end marker is lost is no KTAP"), sh("a scenario with no KTAP results fails")),
    M(REC, 'return f"missing: KTAP_PARSER={jq_arg(parser) if parser else \'unset\'}"', 'return "ok"',
      "no KTAP parser read as a KTAP it accepts", sh("no KTAP parser (KTAP_PARSER unset) fails")),
    M(REC, 'return without_cr(log_path), [], f"missing: {jq_arg(splatscan)}"',
      'return without_cr(log_path), [], "ok"', "no splatscan read as no report",
      sh("a missing splatscan fails, never reads as no reports")),
    M(REC, '"not_ok": captures(lines, NOT_OK, "w")}', '"not_ok": []}', "the guest's not ok lines lost",
      case("a guest not ok line fails, the steps' status 0 or not"), sh("a guest not ok line (rmmod failed) fails")),
    M(REC, '"exit": jq_tonumber(rcs[-1]) if rcs else None,', '"exit": 0 if rcs else None,',
      "the guest steps' exit status read as 0", sh("a guest exit status other than 0 fails")),
    M(REC, 'found = captures(b or [], KNOBS, "s")', 'found = []', "fake_iommu's knobs lost",
      case("the core's assertion in a splat run is no report the line must list")),
    M(REC, '            skip = True', '            skip = False',
      "our frames under a timer interrupt blamed on us",
      sh("a timer race that interrupted our code is the core's, not ours")),
    M(REC, '"ours_stack": ours_in_stack(text) or leak_of_ours}', '"ours_stack": leak_of_ours}',
      "our frames on a report's stack ignored",
      sh("a core-titled report with our frames fails a stress run")),
    M(REC, 'leak_of_ours = (report.get("kind") == "kmemleak" and', 'leak_of_ours = (False and',
      "a leak of our memory found after rmmod not ours",
      case("a leak of our module's memory fails a stress run")),
    M(REC, 'return line[at:] if at > 0 else line', 'return line',
      "a marker kernel text preceded on its line lost",
      sh("markers that share a line with kernel text are still found")),
    M(REC, 'line = PRINTK_PREFIX.sub("", line.removesuffix("\\r"), count=1)',
      'line = line.removesuffix("\\r")', "guest lines with printk's prefix not read",
      sh("a log whose guest lines carry printk's prefix is read")),
    # --- tools/export/kcidb ---
    M(KJQ, 'elif .class == "api-misuse" then "DONE"', 'elif .class == "api-misuse" then "PASS"',
      "an api-misuse cell's KCIDB status DONE turned PASS",
      case("an api-misuse cell maps with no driver bound and is DONE in KCIDB")),
    M(KJQ, 'elif .verdict == "skip" then "SKIP"', 'elif .verdict == "skip" then "PASS"',
      "a skipped cell PASS", case("a skipped cell is SKIP in KCIDB")),
    M(KJQ, 'if .verdict == "missing" then "MISS"', 'if .verdict == "missing" then "ERROR"',
      "a cell with no record ERROR, not MISS",
      case("a cell of another variant never takes this variant's record")),
    M(KJQ, 'elif .verdict == "error" then "ERROR"', 'elif .verdict == "error" then "FAIL"',
      "a cell with no usable evidence FAIL (the kernel blamed)",
      case("a driver-bug scenario mapping with no driver bound is an error")),
    M(KJQ, 'elif .verdict == "clean" then "PASS"', 'elif .verdict == "clean" then "DONE"',
      "a clean cell not PASS", case("a clean cell is PASS in KCIDB, a console outside the results has no URL")),
    M(KJQ, 'else "FAIL" end;', 'else "PASS" end;', "a race, splat or unlocked cell PASS",
      case("a counter a =0 condition forbids, silent, passes")),
    M(KJQ, 'status: "DONE", number: {value: .value, unit: (.key | unit)}}',
      'status: "PASS", number: {value: .value, unit: (.key | unit)}}', "a counter a PASS",
      case("a clean cell is PASS in KCIDB, a console outside the results has no URL"), sh(CLEAN), sh(KCIDB_CLEAN), sh("kcidb: a cell with no record gives MISS"),
      sh("kcidb: counters are numbers with units, none without a record")),
    M(KJQ, 'as_expected: .ok,', 'as_expected: true,', "misc.as_expected always true",
      case("an api-misuse cell that is not as expected is still DONE in KCIDB")),
    M(KJQ, 'if $base != "" and ($p | startswith($results + "/"))', 'if $base != ""',
      "a URL for a file outside the results (the log URL)",
      case("a clean cell is PASS in KCIDB, a console outside the results has no URL")),
    M(KJQ, 'then $base + ($p | ltrimstr($results)', 'then ($p | ltrimstr($results)',
      "the log URL without KCIDB_URL_BASE",
      case("a clean cell is PASS in KCIDB, a console outside the results has no URL")),
    M(KPY, 'for i in sorted({i for i in ids if ids.count(i) > 1})]',
      'for i in sorted({i for i in ids if ids.count(i) > 2})]', "duplicate test ids pass the check",
      case("a clean cell is PASS in KCIDB, a console outside the results has no URL"), sh(CLEAN), sh(KCIDB_CLEAN), sh("kcidb check refuses .tests += [.tests[0]]")),
    M(KPY, 'for t in objs["tests"] if t["build_id"] not in builds]', 'for t in objs["tests"] if False]',
      "a test of a build not in the document passes the check",
      case("a clean cell is PASS in KCIDB, a console outside the results has no URL"), sh(CLEAN), sh(KCIDB_CLEAN), sh('kcidb check refuses .tests[0].build_id = "iommu_lockcheck:nope"')),
    M(KPY, 'if not re.fullmatch(r"[a-z0-9_]+", origin):', 'if False:',
      "a KCIDB_ORIGIN KCIDB refuses taken",
      case("kcidb: a KCIDB_ORIGIN KCIDB refuses is named"), sh(CLEAN), sh("a bad KCIDB_ORIGIN is named")),
    # --- tools/report/races.py (make races) ---
    M(RACES, 'for variant in sorted({k[0] for k in t}):',
      'for variant in sorted({k[0] for k in t} & set(want)):',
      "a variant with no line in expected-races unchecked",
      check("races: a variant with no expectation line fails")),
    M(RACES, 'elif want[variant][0] == "0" and n > 0:', 'elif want[variant][0] == "0" and n > 1:',
      "one flag report where none is expected passes",
      check("races: 0 fails on a flag report, any passes")),
    # --- tools/report/cover.py (make cover) ---
    M(COVER, 'for w in sorted(want - got)]', 'for w in sorted(want - got) if False]',
      "a cover boot with no dump passes", check(COVER_CHECK)),
    M(COVER, 'elif hashlib.md5(data).hexdigest() != m.group(2):', 'elif False:',
      "a dump that lost a line on the console merged", check(COVER_CHECK)),
    # --- tools/tests/count_reports.py (make check's count-reports) ---
    M(COUNT, 'rows = [r for r in p.stdout.splitlines() if r]',
      'rows = [r for r in p.stdout.splitlines() if r.startswith(("^WARNING", "^BUG"))]',
      "only WARNING and BUG headers counted, not the other kinds splatscan knows",
      check("count-reports: every kind splatscan knows is a report")),
    M(COUNT, 'if p.returncode != 0 or not rows:', 'if p.returncode != 0:',
      "a splatscan that prints no header row read as nothing to count",
      check("count-reports: no splatscan header rows is a failure")),
    M(COUNT, 'return _HEADER.match(line[PREFIX.match(line).end():]) is not None',
      'return _HEADER.match(line) is not None',
      "the console prefix (time stamp, caller id) not skipped before the header",
      check("count-reports: every kind splatscan knows is a report")),
    M(COUNT, 'if x.resolve().is_relative_to(p.resolve())]', 'if True]',
      "a link to another run's console read", check("count-reports: only the run given is read")),
    M(COUNT, 'found = [x for x in sorted(p.rglob("*.log")) if x.resolve().is_relative_to(p.resolve())]',
      'found = sorted(p.parent.rglob("*.log"))', "the runs beside the one given read",
      check("count-reports: only the run given is read")),
    M(COUNT, 'if passed + failed == 0:', 'if False:', "no console at all passes",
      check("count-reports: only the run given is read"), sh("count-reports fails when no log matches")),
]


class TableError(Exception):
    """A row of the table that cannot be applied or run as written."""


@dataclass
class Result:
    mutation: Mutation
    killed_by: str = ""   # "" : survived
    error: str = ""
    seconds: float = 0.0


def _env(**extra) -> dict:
    e = {k: v for k, v in os.environ.items()
         if k not in ("ONLY", "KEEP", "VARIANT", "FLAVOUR", "LC_IOMMU", "LC_CELL_KNOBS", "VMERR",
                      "SPLATSCAN", "KTAP_PARSER", "KCIDB_ORIGIN", "KCIDB_URL_BASE", "EXPECTED",
                      "FINDINGS", "LC_RUN_ID", "BOOT_META")}
    e["PYTHONDONTWRITEBYTECODE"] = "1"
    e.update(extra)
    return e


class Lab:
    """A copy of tools/ (in WORK/repo) the mutations are applied to, one
    at a time, and the killers run against."""

    def __init__(self, tools: Path, work: Path):
        self.repo = Path(work) / "repo"
        self.tools = self.repo / "tools"
        shutil.copytree(tools, self.tools, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        self.work = Path(work)
        self.cases = test_judge.shared(self.tools)
        self.checks = dict(test_judge.CHECKS)
        self.checks.update(test_reports.CHECKS)
        self.checks_tmp = dict(test_reports.CHECKS_TMP)
        self.n = 0

    def validate(self, table: list) -> None:
        names = {c.name for c in test_judge.CASES}
        for m in table:
            where = "%s: %r" % (m.file, m.old[:60])
            p = self.repo / m.file
            if not p.is_file():
                raise TableError("%s: no such file" % where)
            n = p.read_text().count(m.old)
            if n != 1:
                raise TableError("%s occurs %d times, not once: the table is out of date" % (where, n))
            if not m.killers:
                raise TableError("%s: no test to kill it" % where)
            for k in m.killers:
                if k.kind == "case" and k.name not in names | set(test_judge.CHECKS):
                    raise TableError("%s: no case named %r in test_judge.py" % (where, k.name))
                if k.kind == "check" and k.name not in set(self.checks) | set(self.checks_tmp):
                    raise TableError("%s: no check named %r in test_reports.py" % (where, k.name))

    def baseline(self, table: list) -> None:
        """The in-process killers pass on the unmutated copy (judge.sh's
        cases: presubmit runs them all); the cases' records are kept."""
        bad = self._killers([k for m in table for k in m.killers if k.kind != "sh"])
        if bad:
            raise TableError("a killer fails on the unmutated code: %s" % bad)

    def _killers(self, killers: list) -> str:
        """What the first failing killer says ("" : none failed)."""
        cases = sorted({k.name for k in killers if k.kind == "case"})
        if cases:
            judge_cases = [n for n in cases if n not in test_judge.CHECKS]
            try:
                found = self.cases.run(judge_cases) if judge_cases else {}
                for n in cases:
                    if n in test_judge.CHECKS:
                        found[n] = test_judge.CHECKS[n](self.tools)
            except Exception as e:  # the code under test broke: the case fails
                return "case %s: %s: %s" % (cases[0], type(e).__name__, str(e)[:200])
            for n in cases:
                if found[n]:
                    return "case %r: %s" % (n, "; ".join(found[n])[:200])
        for k in killers:
            if k.kind != "check":
                continue
            try:
                if k.name in self.checks:
                    got = self.checks[k.name](self.tools)
                else:
                    self.n += 1
                    d = self.work / ("check-%d" % self.n)
                    d.mkdir()
                    got = self.checks_tmp[k.name](self.tools, d)
            except Exception as e:
                return "check %r: %s: %s" % (k.name, type(e).__name__, str(e)[:200])
            if got:
                return "check %r: %s" % (k.name, "; ".join(got)[:200])
        names = [k.name for k in killers if k.kind == "sh"]
        if names:
            p = subprocess.run(["sh", str(self.tools / "tests" / "judge.sh")],
                               env=_env(ONLY="\n".join(dict.fromkeys(names))),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if p.returncode == 1:
                first = [ln for ln in p.stdout.splitlines() if ln.startswith("not ok - ")]
                return "judge.sh %s" % (first[0][len("not ok - "):][:200] if first else p.stdout[-200:])
            if p.returncode != 0:
                raise TableError("judge.sh exited %d (ONLY=%s): %s"
                                 % (p.returncode, names, p.stdout.strip()[-300:]))
        return ""

    def run(self, m: Mutation) -> Result:
        p = self.repo / m.file
        text = p.read_text()
        t0 = time.monotonic()
        p.write_text(text.replace(m.old, m.new, 1))
        try:
            killed = self._killers(sorted(m.killers, key=lambda k: ("case", "check", "sh").index(k.kind)))
            return Result(m, killed_by=killed, seconds=time.monotonic() - t0)
        except TableError as e:
            return Result(m, error=str(e), seconds=time.monotonic() - t0)
        finally:
            p.write_text(text)


def run(tools: Path = TOOLS, table: list = TABLE, work: Path | None = None, progress=None) -> list:
    """Every mutation of TABLE, applied to a copy of TOOLS: the results."""
    with tempfile.TemporaryDirectory(prefix="mutations-") as t:
        lab = Lab(tools, Path(work or t))
        lab.validate(table)
        lab.baseline(table)
        out = []
        for m in table:
            r = lab.run(m)
            out.append(r)
            if progress:
                progress(line(r))
        return out


def line(r: Result) -> str:
    m = r.mutation
    what = "%s: %s" % (m.file.removeprefix("tools/"), m.breaks)
    if r.error:
        return "ERROR    %s: %s" % (what, r.error)
    if r.killed_by:
        return "killed   %s (%.1fs, by %s)" % (what, r.seconds, r.killed_by)
    return "SURVIVED %s: %s -> %s" % (what, m.old.strip()[:70], m.new.strip()[:70])


def score(results: list) -> str:
    killed = sum(1 for r in results if r.killed_by and not r.error)
    return "mutations: %d killed of %d" % (killed, len(results))


def check_table(table: list) -> list:
    """Each row's killers on the unmutated copy: what fails (nothing may)."""
    with tempfile.TemporaryDirectory(prefix="mutations-") as t:
        lab = Lab(TOOLS, Path(t))
        lab.validate(table)
        out = []
        for m in table:
            try:
                bad = lab._killers(list(m.killers))
            except TableError as e:
                bad = str(e)
            if bad:
                out.append("%s: %s: %s" % (m.file, m.breaks, bad))
        return out


def main(argv: list) -> int:
    verbose = "-v" in argv
    words = [a for a in argv if a not in ("-v", "--table")]
    table = [m for m in TABLE
             if not words or any(w in m.file or w in m.old or w in m.breaks for w in words)]
    if "--table" in argv:
        bad = check_table(table)
        tally = "table: %d rows, %d whose killers fail unmutated" % (len(table), len(bad))
        print("\n".join(bad + [tally]))
        return 1 if bad else 0
    results = run(table=table, progress=print if verbose else None)
    if not verbose:
        for r in results:
            if not r.killed_by or r.error:
                print(line(r))
    print(score(results))
    return 0 if all(r.killed_by and not r.error for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
