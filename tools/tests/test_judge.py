"""The judge's cases that tools/tests/judge.sh's one-scenario shell cases do
not hold: two scenario blocks in one boot (each its own reports, knobs
and lockdep state), a negative control's name=0, a verdict among
alternatives, optional reports, the core's assertion in a splat run, a
cell of another variant, each cell's KCIDB test; and variants of
judge.sh's cases, fast enough for the mutation check to run often.

A case is a console (tools/tests/judge-fixtures/clean.log, its scenario
block edited), the lines of tools/judge/expected it is judged by and what
must come out. Every case is recorded by tools/record/records.py, judged
by tools/judge/judge.jq (all of them in one jq call) and, where it says
so, exported by tools/export/kcidb/kcidb.py, all of one tools directory:
this one, or a mutated copy (tools/tests/mutations.py runs the cases that
can kill a mutation against the copy it applied the mutation to).
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent
CLEAN = (TOOLS / "tests" / "judge-fixtures" / "clean.log").read_text()
FIXTURES = TOOLS / "tests" / "judge-fixtures"
# "WARNING in iommu_group_mutex_assert" (the core's lock assertion)
WARNING = (FIXTURES / "warning-core-title-our-frames.txt").read_text()
# "BUG: sleeping function called from invalid context in iommu_deferred_attach"
BUG = (FIXTURES / "bug-listed-core-finding.txt").read_text()
# a leak kmemleak found after rmmod: our frames are bare module addresses
LEAK = ("[    9.100000] unreferenced object 0xffff89862ca702e8 (size 32):\n"
        '[    9.100001]   comm "rmmod", pid 2088, jiffies 4294680594 (age 375.486s)\n'
        "[    9.100002]   backtrace (crc 0):\n"
        "[    9.100003]     0xffffffffa01d2036\n"
        "[    9.100004]     do_one_initcall+0x41/0x1df\n")
NON_STATIC_KEY = (TOOLS / "splatscan" / "tests" / "fixtures" /
                  "lockdep-non-static-key-7x.log").read_text()
URL_BASE = "https://lab.example/r7"
# stand-ins for kunit.py and splatscan
STUBS = {"kunit-ok.py": "import sys\nsys.stdin.read()\n",
         "kunit-crash.py": "import sys\nsys.stdin.read()\nraise SystemExit(3)\n",
         "splatscan-garbage": "#!/bin/sh\necho not json\nexit 1\n"}


def load(path: Path, name: str) -> types.ModuleType:
    """A module of a tools directory, from its source (no bytecode cache:
    a mutated copy is rewritten within the same second)."""
    mod = types.ModuleType(name)
    mod.__file__ = str(path)
    exec(compile(path.read_text(), str(path), "exec"), mod.__dict__)
    return mod


# --- the consoles ---------------------------------------------------------------

def _split(text: str) -> tuple[str, str, str]:
    start = text.index("@@lockcheck: scenario ")
    end = text.index("@@lockcheck: done")
    return text[:start], text[start:end], text[end:]


HEAD, BLOCK, TAIL = _split(CLEAN)


def det(name: str, n: int) -> tuple[str, str]:
    return rf"^# detector {name}: \d+$", f"# detector {name}: {n}"


def cnt(name: str, n: int) -> tuple[str, str]:
    return rf"^# count {name}: \d+$", f"# count {name}: {n}"


def drop(prefix: str) -> tuple[str, str]:
    return rf"^{re.escape(prefix)}.*\n", ""


def cls(c: str) -> tuple[str, str]:
    return r"^# class: .*$", f"# class: {c}"


def knobs_line(core_assert: int, warn: int) -> tuple[str, str]:
    return (r"^@@lockcheck: knobs core_assert=0 warn=0",
            f"@@lockcheck: knobs core_assert={core_assert} warn={warn}")


LOCKDEP_ABSENT = (r"^@@lockcheck: lockdep debug_locks=1$", "@@lockcheck: lockdep absent")


@dataclass(frozen=True)
class Block:
    """One scenario's block: clean.log's, for SCENARIO, with EDITS
    (regex, replacement; each must match) and EXTRA text after its
    harness END line."""
    scenario: str
    edits: tuple = ()
    extra: str = ""


def block_text(b: Block) -> str:
    text = BLOCK.replace("@SC@", b.scenario)
    for rx, new in b.edits:
        text, n = re.subn(rx, new, text, flags=re.M)
        if n == 0:
            raise ValueError("edit %r matches nothing in %s's block" % (rx, b.scenario))
    if b.extra:
        at = text.index("\n", text.index("harness: END")) + 1
        text = text[:at] + b.extra.rstrip("\n") + "\n" + text[at:]
    return text


@dataclass(frozen=True)
class Case:
    """BLOCKS, one boot's console, recorded as the steps asked ASKED (by
    default each block's own line) and judged by EXPECTED; WANT, per cell:
    None (it passes) or a text one of its failures holds. CELLS: more
    cells promised, (variant, asked). ERROR: the judge must stop, naming
    it. KCIDB: each cell's test status. OUTSIDE: the console is not
    under the results (its test gets no URL). VMERR: how the launcher
    says the boot ended; DONE: the guest's last line is there; PARSER,
    SPLATSCAN: stand-ins (STUBS) for kunit.py and splatscan."""
    name: str
    blocks: tuple
    expected: str
    want: tuple = (None,)
    asked: tuple | None = None
    variant: str = "vanilla"
    judge: str = "expected"
    knobs: tuple = ()
    cells: tuple = ()
    verdicts: tuple = ()
    kcidb: tuple = ()
    findings: str | None = None
    error: str | None = None
    tail: str = ""
    outside: bool = False
    vmerr: str = ""
    done: bool = True
    parser: str = "kunit-ok.py"
    splatscan: str | None = None
    kcidb_check: bool = False

    def console(self) -> str:
        tail = TAIL if self.done else TAIL.replace("@@lockcheck: done rc=0\n", "")
        return HEAD + "".join(block_text(b) for b in self.blocks) + tail + self.tail

    def asked_lines(self) -> list:
        if self.asked is not None:
            return list(self.asked)
        return [b.scenario + " rounds=20" for b in self.blocks]

    def cell_list(self) -> list:
        out, seen = [], {}
        for variant, line in [(self.variant, a) for a in self.asked_lines()] + list(self.cells):
            nth = seen.get((variant, line), 0)
            seen[(variant, line)] = nth + 1
            c = {"kver": "6.12", "variant": variant, "iommu": "fake", "flavour": "",
                 "boot": "elfcorehdr", "judge": self.judge, "asked": line, "nth": nth, "rep": 0}
            if self.knobs:
                c["knobs"] = dict(self.knobs)
            out.append(c)
        return out


SPLAT_KNOBS = (("core_assert", 1), ("warn", 1))
SEED_RACE = "6.12 seed-v3 map_vs_attach race unlocked_attach=0,stale_attach>0 driver-bug: a negative control"
BUG_RE = "^BUG:.sleeping.function.called.from.invalid.context.in.iommu_deferred_attach$"
ASSERT_RE = "^WARNING.in.iommu_group_mutex_assert$"
REF = "6.12 vanilla probe_first_map clean unlocked_attach=0 legal: the control's reference"

CASES = [
    # name=0: every negative control of tools/judge/expected is one
    Case("a counter a =0 condition forbids, fired, fails",
         (Block("map_vs_attach", (det("unlocked_attach", 5), det("stale_attach", 3))),),
         SEED_RACE, want=("unlocked_attach=0 fails (unlocked_attach=5)",), variant="seed-v3",
         verdicts=("race",), kcidb=("FAIL",)),
    Case("a counter a =0 condition forbids, silent, passes",
         (Block("map_vs_attach", (det("stale_attach", 3),)),),
         SEED_RACE, variant="seed-v3", verdicts=("race",), kcidb=("FAIL",)),
    Case("a counter a >0 condition requires, silent, fails",
         (Block("map_vs_attach", (det("overlapping_attach", 2),)),),
         SEED_RACE, want=("stale_attach>0 fails (stale_attach=0)",), variant="seed-v3",
         verdicts=("race",)),
    Case("core_assertions=0 with the core's assertion fired fails",
         (Block("map_vs_map", (knobs_line(1, 1), det("stale_attach", 2)), WARNING),),
         "6.12 seed-v3 map_vs_map race core_assertions=0 driver-bug: the assertion stays silent",
         want=("core_assertions=0 fails (core_assertions=1)",), variant="seed-v3",
         judge="splats", knobs=SPLAT_KNOBS, verdicts=("race",)),
    Case("an unlocked attach alone is unlocked",
         (Block("probe_first_map", (det("unlocked_attach", 20),)),),
         "6.12 vanilla probe_first_map unlocked unlocked_attach>0,overlapping_attach=0,stale_attach=0,"
         "repeat_attach=0 legal: the lock-policy point", verdicts=("unlocked",), kcidb=("FAIL",)),
    # verdict[|verdict]
    Case("a verdict among the expected alternatives passes",
         (Block("map_vs_map", (det("unlocked_attach", 20), det("overlapping_attach", 2))),),
         "6.12 vanilla map_vs_map splat|race unlocked_attach>0 driver-bug: either", verdicts=("race",)),
    Case("a verdict none of the alternatives names fails",
         (Block("map_vs_map"),),
         "6.12 vanilla map_vs_map splat|race - driver-bug: either",
         want=("got clean, expected splat|race",)),
    # two scenario blocks in one boot: each its own reports
    Case("a report in the first of two scenario blocks is the first's",
         (Block("probe_first_map", extra=WARNING), Block("map_vs_map")),
         "6.12 vanilla probe_first_map splat report+%s legal: case\n"
         "6.12 vanilla map_vs_map clean - legal: case" % ASSERT_RE,
         want=(None, None), verdicts=("splat", "clean")),
    Case("a report in the second of two scenario blocks is the second's",
         (Block("probe_first_map"), Block("map_vs_map", extra=WARNING)),
         "6.12 vanilla probe_first_map clean - legal: case\n"
         "6.12 vanilla map_vs_map splat report+%s legal: case" % ASSERT_RE,
         want=(None, None), verdicts=("clean", "splat")),
    Case("the same line twice in one boot is two cells",
         (Block("probe_first_map"), Block("probe_first_map")),
         "6.12 vanilla probe_first_map clean - legal: case", want=(None, None)),
    Case("a block that ran another line than the one asked never started",
         (Block("probe_first_map"),), "6.12 vanilla probe_first_map clean - legal: case",
         asked=("probe_first_map rounds=200",), want=("the scenario never started",)),
    # the record must hold what it is judged on
    Case("a hung guest fails", (Block("probe_first_map"),), "6.12 vanilla probe_first_map clean - legal: case",
         vmerr="guest hung: killed after 300s; console log x",
         want=("guest hang: guest hung: killed after 300s",), verdicts=("error",), kcidb=("ERROR",)),
    Case("a boot whose steps never finished fails", (Block("probe_first_map"),),
         "6.12 vanilla probe_first_map clean - legal: case", done=False,
         want=("guest steps exited without a status",)),
    Case("a guest not ok line fails, the steps' status 0 or not",
         (Block("probe_first_map", extra="@@lockcheck: not ok unload: harness did not unload"),),
         "6.12 vanilla probe_first_map clean - legal: case",
         want=("guest not ok: unload: harness did not unload",)),
    Case("a splatscan that prints no JSON fails, never reads as no reports",
         (Block("probe_first_map", extra=WARNING),), "6.12 vanilla probe_first_map clean - legal: case",
         splatscan="splatscan-garbage", want=("splatscan failed: exit 1",)),
    Case("a KTAP parser that crashes fails", (Block("probe_first_map"),),
         "6.12 vanilla probe_first_map clean - legal: case", parser="kunit-crash.py",
         want=("KTAP parser failed: exit 3",)),
    Case("a KTAP with no result line fails", (Block("probe_first_map", (drop("ok 1 "),)),),
         "6.12 vanilla probe_first_map clean - legal: case",
         want=("KTAP result missing: no reason given",)),
    Case("a scenario that ran 0 of 20 rounds, not skipped, fails",
         (Block("probe_first_map", ((r"^# rounds_run: 20", "# rounds_run: 0"),)),),
         "6.12 vanilla probe_first_map clean - legal: case", want=("ran 0 of 20 rounds",)),
    Case("lockdep switched off by its own report is that report's splat",
         (Block("probe_first_map", ((r"^@@lockcheck: lockdep debug_locks=1$",
                                     "@@lockcheck: lockdep debug_locks=0"),), NON_STATIC_KEY),),
         "6.12 vanilla probe_first_map splat report+^INFO:.trying.to.register.non-static.key legal: case",
         verdicts=("splat",)),
    Case("a KTAP whose end marker is lost is no KTAP",
         (Block("probe_first_map", (drop("@@lockcheck: results end"),)),),
         "6.12 vanilla probe_first_map clean - legal: case", want=("no KTAP results",)),
    Case("a detector whose value is no number is not reported",
         (Block("probe_first_map", ((r"^# detector stale_attach: 0$", "# detector stale_attach: lots"),)),),
         "6.12 vanilla probe_first_map clean - legal: case", want=("detector stale_attach not reported",)),
    Case("lockdep switched off in the second of two blocks fails that cell alone",
         (Block("probe_first_map"),
          Block("map_vs_map", ((r"^@@lockcheck: lockdep debug_locks=1$", "@@lockcheck: lockdep debug_locks=0"),))),
         "6.12 vanilla probe_first_map clean - legal: case\n6.12 vanilla map_vs_map clean - legal: case",
         want=(None, "lockdep was switched off and no report says why")),
    Case("knobs not printed in the second of two blocks fail that cell alone",
         (Block("probe_first_map"), Block("map_vs_map", (drop("@@lockcheck: knobs"),))),
         "6.12 vanilla probe_first_map clean - legal: case\n6.12 vanilla map_vs_map clean - legal: case",
         want=(None, "fake_iommu knobs not printed")),
    Case("a count missing from the KTAP is never read as 0",
         (Block("probe_first_map", (drop("# count map_unbound:"),)),),
         "6.12 vanilla probe_first_map clean - legal: case", want=("count map_unbound not reported",)),
    Case("rounds not reported fail",
         (Block("probe_first_map", (drop("# rounds_run:"),)),),
         "6.12 vanilla probe_first_map clean - legal: case", want=("rounds not reported",)),
    Case("a driver-bug scenario mapping with no driver bound is an error",
         (Block("map_vs_map", (cls("driver-bug"), cnt("map_unbound", 20))),),
         "6.12 vanilla map_vs_map clean - driver-bug: case",
         want=("20 pages mapped on a client with no driver bound, in a driver-bug scenario",),
         verdicts=("error",), kcidb=("ERROR",)),
    # api-misuse: a negative control says nothing about the kernel
    Case("an api-misuse cell maps with no driver bound and is DONE in KCIDB",
         (Block("owner_misuse", (cls("api-misuse"), det("unlocked_attach", 20),
                                 det("stale_attach", 3), cnt("map_unbound", 20))),),
         "6.12 vanilla owner_misuse race unlocked_attach>0,map_unbound>0 api-misuse: case",
         verdicts=("race",), kcidb=("DONE",)),
    Case("an api-misuse cell that is not as expected is still DONE in KCIDB",
         (Block("owner_misuse", (cls("api-misuse"),)),),
         "6.12 vanilla owner_misuse race unlocked_attach>0 api-misuse: case",
         want=("got clean, expected race",), kcidb=("DONE",)),
    Case("an api-misuse cell with no usable evidence is ERROR in KCIDB",
         (Block("owner_misuse", (cls("api-misuse"), drop("@@lockcheck: lockdep"))),),
         "6.12 vanilla owner_misuse clean - api-misuse: case",
         want=("lockdep state not printed",), kcidb=("ERROR",)),
    Case("a skipped cell is SKIP in KCIDB",
         (Block("fault_first_map", (LOCKDEP_ABSENT, (r"^# rounds_run: 20", "# rounds_run: 0"),
                                    (r"^ok 1 fault_first_map$",
                                     "ok 1 fault_first_map # SKIP CONFIG_FAULT_INJECTION is not set"))),),
         "6.12 stock fault_first_map skip reason+^CONFIG_FAULT_INJECTION.is.not.set stock: case",
         variant="stock", verdicts=("skip",), kcidb=("SKIP",)),
    Case("two lines of one scenario in one boot are two KCIDB tests (make soak's warm-up)",
         (Block("probe_first_map"),
          Block("probe_first_map", ((r"^@@lockcheck: scenario probe_first_map rounds=20$",
                                     "@@lockcheck: scenario probe_first_map rounds=20 timeout_s=60"),))),
         "6.12 vanilla probe_first_map clean - legal: case",
         asked=("probe_first_map rounds=20", "probe_first_map rounds=20 timeout_s=60"),
         want=(None, None), kcidb=("PASS", "PASS")),
    Case("a clean cell is PASS in KCIDB, a console outside the results has no URL",
         (Block("probe_first_map"),), "6.12 vanilla probe_first_map clean - legal: case",
         kcidb=("PASS",), outside=True, kcidb_check=True),
    # report+ and report~
    Case("an optional report that did not appear passes",
         (Block("atomic_first_map", extra=BUG),),
         "6.12 vanilla atomic_first_map splat report+%s,report~%s driver-bug: case" % (BUG_RE, ASSERT_RE),
         verdicts=("splat",)),
    Case("an optional report that appeared passes",
         (Block("atomic_first_map", extra=BUG + WARNING),),
         "6.12 vanilla atomic_first_map splat report+%s,report~%s driver-bug: case" % (BUG_RE, ASSERT_RE),
         verdicts=("splat",)),
    Case("a report the line does not name fails",
         (Block("atomic_first_map", extra=BUG + WARNING),),
         "6.12 vanilla atomic_first_map splat report+%s driver-bug: case" % BUG_RE,
         want=("unexpected report: WARNING in iommu_group_mutex_assert",)),
    Case("a required report missing fails, an optional one there or not",
         (Block("atomic_first_map", extra=WARNING),),
         "6.12 vanilla atomic_first_map splat report+%s,report~%s driver-bug: case" % (BUG_RE, ASSERT_RE),
         want=("no report matching %s" % BUG_RE,)),
    Case("the core's assertion in a splat run is no report the line must list",
         (Block("atomic_first_map", (knobs_line(1, 1), det("unlocked_attach", 20)), BUG + WARNING),),
         "6.12 vanilla atomic_first_map splat core_assertions>0,report+%s driver-bug: case" % BUG_RE,
         judge="splats", knobs=SPLAT_KNOBS, verdicts=("splat",)),
    # the cell a record is
    Case("a cell of another variant never takes this variant's record",
         (Block("probe_first_map"),),
         "6.12 vanilla probe_first_map clean - legal: case\n6.12 seed-v3 probe_first_map clean - legal: case",
         cells=(("seed-v3", "probe_first_map rounds=20"),),
         want=(None, "no record: the run never got to this cell"), verdicts=("clean", "missing"),
         kcidb=("PASS", "MISS")),
    # controls (make fix-controls): judged by another column's line
    Case("a control its reference line fails, on the evidence named, is caught",
         (Block("probe_first_map", (det("unlocked_attach", 3),)),),
         REF + "\n6.12 ctl probe_first_map caught against+vanilla,failure+^unlocked_attach=0.fails ctl",
         variant="ctl", verdicts=("unlocked",)),
    Case("a control its reference line passes is not caught",
         (Block("probe_first_map"),),
         REF + "\n6.12 ctl probe_first_map caught against+vanilla,failure+^unlocked_attach=0.fails ctl",
         variant="ctl", want=("not caught: judged by vanilla's line the cell passes",)),
    Case("a control caught on other evidence than its line names fails",
         (Block("probe_first_map", extra=WARNING),),
         REF + "\n6.12 ctl probe_first_map caught against+vanilla,failure+^unlocked_attach=0.fails ctl",
         variant="ctl", want=("caught, but nothing matches ^unlocked_attach=0.fails",)),
    Case("a control's report title is evidence, and a run it cut short is caught",
         (Block("probe_first_map", ((r"^# rounds_run: 20", "# rounds_run: 3"),), WARNING),),
         REF + "\n6.12 ctl probe_first_map caught against+vanilla,"
         "failure+^report:.WARNING.in.iommu_group_mutex_assert$,failure+ran.3.of.20 ctl",
         variant="ctl", verdicts=("error",)),
    Case("a control whose guest hung is not caught, its reference line failed or not",
         (Block("probe_first_map", (det("unlocked_attach", 3),)),),
         REF + "\n6.12 ctl probe_first_map caught against+vanilla,failure+^unlocked_attach=0.fails ctl",
         variant="ctl", vmerr="guest hung: killed after 300s; console log x",
         want=("not caught: the run did not do what it claims: guest hang",)),
    Case("a control's count not reported is no evidence",
         (Block("probe_first_map", (drop("# count deferred_attach:"),)),),
         "6.12 vanilla probe_first_map clean deferred_attach>0 legal: a reference on a count\n"
         "6.12 ctl probe_first_map caught against+vanilla,failure+^deferred_attach>0.fails ctl",
         variant="ctl", want=("not caught: judged by vanilla's line the cell passes",)),
    Case("a control's line naming a control's line stops the judge, named",
         (Block("probe_first_map"),),
         "6.12 other probe_first_map as against+vanilla ctl\n"
         "6.12 ctl probe_first_map caught against+other,failure+x ctl", variant="ctl",
         error="a control's line names a control's line: 6.12 other probe_first_map"),
    Case("an as line naming a control's line stops the judge, named",
         (Block("probe_first_map"),),
         "6.12 other probe_first_map caught against+vanilla,failure+x ctl\n"
         "6.12 ctl probe_first_map as against+other ctl", variant="ctl",
         error="a control's line names a control's line: 6.12 other probe_first_map"),
    Case("a control with no line to be judged by fails",
         (Block("probe_first_map", (det("unlocked_attach", 3),)),),
         "6.12 ctl probe_first_map caught against+seed-v3,failure+unlocked ctl", variant="ctl",
         want=("no expected line for 6.12 seed-v3 probe_first_map to judge the control by",)),
    Case("a caught line without failure+ stops the judge, named",
         (Block("probe_first_map"),), REF + "\n6.12 ctl probe_first_map caught against+vanilla ctl",
         variant="ctl", error="a caught line needs one against+VARIANT and failure+REGEX"),
    Case("an as line passes where the line it names does",
         (Block("probe_first_map"),), REF + "\n6.12 ctl probe_first_map as against+vanilla ctl",
         variant="ctl"),
    Case("an as line fails where the line it names does",
         (Block("probe_first_map", (det("unlocked_attach", 3),)),),
         REF + "\n6.12 ctl probe_first_map as against+vanilla ctl", variant="ctl",
         want=("unlocked_attach=0 fails (unlocked_attach=3)",)),
    Case("an as line naming no line fails",
         (Block("probe_first_map"),), "6.12 ctl probe_first_map as against+seed-v3 ctl",
         variant="ctl", want=("expected no-line because no expected line for 6.12 seed-v3",)),
    # stress modes: a leak of ours, found after rmmod, is ours
    Case("a leak of our module's memory fails a stress run",
         (Block("map_vs_map"),), "", judge="stress", tail=LEAK,
         want=("report in our code: memory leak in do_one_initcall",)),
    # the judge's own inputs
    Case("a malformed line of tools/judge/expected stops the judge, named",
         (Block("probe_first_map"),), "6.12 vanilla probe_first_map clean\n",
         error="tools/judge/expected: malformed line: 6.12 vanilla probe_first_map clean"),
    Case("conditions run together with ; stop the judge, named",
         (Block("probe_first_map"),), "6.12 vanilla probe_first_map clean stale_attach=0;repeat_attach=0 legal",
         error="tools/judge/expected: malformed condition stale_attach=0;repeat_attach=0"),
    Case("a malformed line of tools/judge/expected-findings stops the judge, named",
         (Block("probe_first_map"),), "6.12 vanilla probe_first_map clean - legal: case",
         findings="bug\t^BUG: sleeping\n",
         error="tools/judge/expected-findings: malformed line: bug ^BUG: sleeping"),
]


# --- running them ---------------------------------------------------------------

def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]


class Runner:
    """The cases against one tools directory, in WORK. A cache (records
    keyed by the recorder's source and the case) is shared by runners of
    copies whose recorder is the same."""

    def __init__(self, tools: Path, work: Path, cache: dict | None = None):
        self.tools, self.work = Path(tools), Path(work)
        self.cache = {} if cache is None else cache
        self.run_dir = self.work / "run"
        self.stubs = self.work / "stubs"
        self.stubs.mkdir(parents=True, exist_ok=True)
        for name, text in STUBS.items():
            (self.stubs / name).write_text(text)
            (self.stubs / name).chmod(0o755)

    def log_path(self, case: Case) -> Path:
        top = self.work / "outside" if case.outside else self.run_dir / "cases"
        return top / _slug(case.name) / "x.log"

    def record(self, cases: list) -> dict:
        """Each case's records, by name."""
        src = (self.tools / "record" / "records.py").read_text()
        rec = None
        out = {}
        for i, case in enumerate(cases):
            key = (src, case.name)
            if key not in self.cache:
                if rec is None:
                    rec = load(self.tools / "record" / "records.py", "records_under_test")
                log = self.log_path(case)
                log.parent.mkdir(parents=True, exist_ok=True)
                log.write_text(case.console())
                meta = {"kernel": "6.12.117", "kver": "6.12", "variant": case.variant,
                        "iommu": "fake", "flavour": "", "boot": "elfcorehdr", "judge": case.judge}
                outcome = {"status": rec.status_of_message(case.vmerr), "message": case.vmerr}
                self.cache[key] = rec.records(
                    str(log), case.asked_lines(), meta, outcome,
                    ktap_parser=str(self.stubs / case.parser),
                    splatscan=str(self.stubs / case.splatscan) if case.splatscan else None,
                    run_id="case-%d" % i)
            out[case.name] = self.cache[key]
        return out

    def judge(self, cases: list, recs: dict) -> dict:
        """Each case's rows (or the judge's error), by name."""
        findings = (self.tools / "judge" / "expected-findings").read_text()
        items = [{"cells": c.cell_list(), "records": recs[c.name], "expected": c.expected,
                  "findings": c.findings if c.findings is not None else findings,
                  "run_id": recs[c.name][0]["run_id"]} for c in cases]
        out = {}
        batch = [(c, it) for c, it in zip(cases, items) if c.error is None]
        if batch:
            rc, rows, err = self._jq([it for _, it in batch])
            for c, r in zip([c for c, _ in batch], rows if rc == 0 else [None] * len(batch)):
                out[c.name] = r if rc == 0 else "judge failed: " + err
        for c, it in zip(cases, items):
            if c.error is not None:
                rc, rows, err = self._jq([it])
                out[c.name] = rows[0] if rc == 0 else "error: " + err
        return out

    def _jq(self, items: list) -> tuple:
        f = self.work / "cases.json"
        f.write_text("".join(json.dumps(it) + "\n" for it in items))
        p = subprocess.run(
            ["jq", "-c", "-n", "-L", str(self.tools / "judge"), "--slurpfile", "cases", str(f),
             'include "judge"; [$cases[] | judge(.cells; .records; .expected | parse_expected;'
             ' .findings | parse_findings; .run_id)]'],
            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            return p.returncode, None, p.stderr.strip()
        return 0, json.loads(p.stdout), ""

    def kcidb(self, case: Case, rows: list) -> list:
        """Problems with the case's KCIDB tests."""
        kc = load(self.tools / "export" / "kcidb" / "kcidb.py", "kcidb_under_test")
        builds = []
        for v in ("vanilla", "seed-v3", "stock"):
            kout = self.work / ("out-6.12-" + v)
            kout.mkdir(parents=True, exist_ok=True)
            (kout / ".config").write_text("CONFIG_LOCKDEP=y\n")
            builds.append({"column": "6.12:" + v, "kernel": "6.12:" + v, "kver": "6.12",
                           "variant": v, "flavour": "", "release": "6.12.117", "kout": str(kout),
                           "config": str(kout / ".config"), "patches": [],
                           "bzimage_sha256": "00", "modules_sha256": "01",
                           "package": "linux-source-6.12", "version": "6.12.117-1~deb12u1",
                           "git": ""})
        saved = {k: os.environ.pop(k, None) for k in ("KCIDB_ORIGIN", "KCIDB_URL_BASE")}
        os.environ["KCIDB_URL_BASE"] = URL_BASE
        try:
            doc = kc.document(self.run_dir, "t", rows, builds, [], "", 0)
        except Exception as e:  # a broken exporter is a failed case
            return ["kcidb.py: %s: %s" % (type(e).__name__, e)]
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None)
                if v is not None:
                    os.environ[k] = v
        problems = ["check: " + p for p in kc.check(doc)]
        # the counters: measurements with units, DONE
        problems += ["counter %s: %s %r" % (t["id"], t["status"], t["number"].get("unit"))
                     for t in doc["tests"] if "number" in t
                     and (t["status"] != "DONE" or not t["number"].get("unit"))]
        if case.kcidb_check:
            # the check refuses what a KCIDB database would
            t0 = doc["tests"][0]
            for edit, why in ((lambda d: d["tests"].append(dict(t0)), "duplicate test id"),
                              (lambda d: d["tests"][0].update(build_id="iommu_lockcheck:nope"),
                               "is not in the document")):
                bad = json.loads(json.dumps(doc))
                edit(bad)
                if not any(why in p for p in kc.check(bad)):
                    problems.append("kcidb check passes a document with %r" % why)
        tests = [t for t in doc["tests"] if "number" not in t]
        got = [t["status"] for t in tests]
        if case.kcidb and got != list(case.kcidb):
            problems.append("KCIDB statuses %s, not %s" % (got, list(case.kcidb)))
        for r, t in zip(rows, tests):
            if t.get("misc", {}).get("as_expected") != r["ok"]:
                problems.append("misc.as_expected %s, the cell ok %s"
                                % (t.get("misc", {}).get("as_expected"), r["ok"]))
            log = r.get("log")
            want_url = None
            if log and Path(log).is_relative_to(self.run_dir):
                want_url = URL_BASE + "/" + str(Path(log).relative_to(self.run_dir))
            if t.get("log_url") != want_url:
                problems.append("log_url %s, not %s" % (t.get("log_url"), want_url))
        return problems

    def run(self, names: list | None = None) -> dict:
        """Case name -> the problems found (none: it holds)."""
        cases = [c for c in CASES if names is None or c.name in names]
        if names is not None and len(cases) != len(set(names)):
            raise KeyError("no case named %s" % sorted(set(names) - {c.name for c in CASES}))
        recs = self.record(cases)
        judged = self.judge(cases, recs)
        return {c.name: problems(c, judged[c.name], self) for c in cases}


_SHARED: dict = {}


def shared(tools: Path) -> Runner:
    """A runner over TOOLS with the work directory and record cache every
    shared runner of this process has: the mutation check reuses the
    records these tests made (the recorder's source is in the key)."""
    if not _SHARED:
        _SHARED["work"] = Path(tempfile.mkdtemp(prefix="judge-cases-"))
        _SHARED["cache"] = {}
        atexit.register(shutil.rmtree, _SHARED["work"], True)
    return Runner(tools, _SHARED["work"], _SHARED["cache"])


def problems(case: Case, rows, runner: Runner) -> list:
    """What is wrong with CASE's rows (the judge's error text instead)."""
    if case.error is not None:
        if isinstance(rows, str) and case.error in rows:
            return []
        return ["the judge did not stop with %r: %s" % (case.error, str(rows)[:300])]
    if isinstance(rows, str):
        return [rows]
    out = []
    if len(rows) != len(case.want):
        return ["%d rows for %d cells" % (len(rows), len(case.want))]
    for i, (r, want) in enumerate(zip(rows, case.want)):
        failures = "; ".join(r.get("failures") or [])
        if want is None and not r["ok"]:
            out.append("cell %d fails: %s" % (i, failures))
        elif want is not None and (r["ok"] or want not in failures):
            out.append("cell %d: ok %s, failures %r, not %r" % (i, r["ok"], failures, want))
        if case.verdicts and r["verdict"] != case.verdicts[i]:
            out.append("cell %d: verdict %s, not %s" % (i, r["verdict"], case.verdicts[i]))
    if case.kcidb or case.outside:
        out += runner.kcidb(case, rows)
    return out


def verdicts_without_cells(tools: Path) -> list:
    """verdicts.judge: a run that promised no cell is an error, never a pass."""
    v = load(tools / "judge" / "verdicts.py", "verdicts_under_test")
    try:
        rows = v.judge([], [], "r")
    except v.JudgeError:
        return []
    return ["a run that promised no cell judged as %r" % rows]


def verdicts_command(tools: Path) -> list:
    """verdicts.py's command: the records of the run LC_RUN_ID names are
    judged, an earlier run's are not; a failed cell is exit 1."""
    v = load(tools / "judge" / "verdicts.py", "verdicts_under_test")
    rec = load(tools / "record" / "records.py", "records_under_test")
    out = []
    with tempfile.TemporaryDirectory() as t:
        d = Path(t)
        (d / "x.log").write_text(CLEAN.replace("@SC@", "probe_first_map"))
        (d / "k.py").write_text(STUBS["kunit-ok.py"])
        (d / "expected").write_text(
            "6.12 vanilla probe_first_map unlocked unlocked_attach>0 legal: case\n")
        cell = {"kver": "6.12", "variant": "vanilla", "iommu": "fake", "flavour": "",
                "boot": "elfcorehdr", "judge": "expected", "asked": "probe_first_map rounds=20",
                "nth": 0, "rep": 0}
        (d / "cells").write_text(json.dumps(cell) + "\n")
        meta = {k: cell[k] for k in ("kver", "variant", "iommu", "flavour", "boot", "judge")}
        recs = rec.records(str(d / "x.log"), [cell["asked"]], meta,
                           {"status": "ok", "message": ""}, ktap_parser=str(d / "k.py"),
                           run_id="run-2")
        (d / "x.record.json").write_text(json.dumps(recs))
        saved = {k: os.environ.get(k) for k in ("LC_RUN_ID", "EXPECTED", "FINDINGS")}
        path = list(sys.path)  # main() puts its tools directory first
        os.environ.update(LC_RUN_ID="run-2", EXPECTED=str(d / "expected"))
        os.environ.pop("FINDINGS", None)
        try:
            with open(os.devnull, "w") as null, redirect_stdout(null):
                rc = v.main(["t", str(d / "cells"), str(d / "out"), str(d / "x.record.json")])
        finally:
            sys.path[:] = path
            for k, val in saved.items():
                os.environ.pop(k, None)
                if val is not None:
                    os.environ[k] = val
        t_json = d / "out" / "t.json"
        failures = [r.get("failures") for r in json.loads(t_json.read_text())] \
            if t_json.exists() else None
        if rc != 1:
            out.append("a failed cell: exit %s" % rc)
        if failures != [["got clean, expected unlocked because legal: case",
                         "unlocked_attach>0 fails (unlocked_attach=0)"]]:
            out.append("the run's own record not judged as such: %s" % failures)
    return out


def kcidb_origin(tools: Path) -> list:
    """KCIDB_ORIGIN outside KCIDB's pattern is refused, named."""
    kc = load(tools / "export" / "kcidb" / "kcidb.py", "kcidb_under_test")
    saved = os.environ.get("KCIDB_ORIGIN")
    os.environ["KCIDB_ORIGIN"] = "Bad"
    try:
        kc.settings()
    except kc.KcidbError as e:
        return [] if "KCIDB_ORIGIN=Bad is not" in str(e) else ["refused as %s" % e]
    finally:
        os.environ.pop("KCIDB_ORIGIN")
        if saved is not None:
            os.environ["KCIDB_ORIGIN"] = saved
    return ["KCIDB_ORIGIN=Bad taken"]


CHECKS = {"verdicts.judge: a run that promised no cell is an error": verdicts_without_cells,
          "verdicts.py: the run's own records judged, a failed cell exit 1": verdicts_command,
          "kcidb: a KCIDB_ORIGIN KCIDB refuses is named": kcidb_origin}


# --- the tests --------------------------------------------------------------------

@pytest.fixture(scope="module")
def outcome() -> dict:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (apt-get install -y jq)")
    subprocess.run(["make", "-s", "-C", str(TOOLS / "splatscan")], check=True)
    return shared(TOOLS).run()


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_case(outcome, name):
    assert outcome[name] == []


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check(name):
    assert CHECKS[name](TOOLS) == []


def test_every_case_is_named_once():
    names = [c.name for c in CASES] + list(CHECKS)
    assert len(names) == len(set(names))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as t:
        for n, p in Runner(TOOLS, Path(t)).run().items():
            print("%s - %s%s" % ("not ok" if p else "ok", n, ": " + "; ".join(p) if p else ""))
    sys.exit(0)
