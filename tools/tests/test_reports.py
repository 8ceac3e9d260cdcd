"""The report checks beside the judge: `make races`' verdict
(tools/report/races.py) and the independent count of report headers
(tools/tests/count_reports.py). Each check takes a tools directory (this
one, or a mutated copy: tools/tests/mutations.py) and returns what is
wrong with it."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))
from tests.test_judge import CLEAN, load  # noqa: E402

SPLAT_FIXTURES = TOOLS / "splatscan" / "tests" / "fixtures"
FLAG = "KCSAN: data-race in __iommu_device_set_domain / iommu_deferred_attach"


# --- make races -----------------------------------------------------------------

def _races(tools: Path):
    races = load(tools / "report" / "races.py", "races_under_test")
    return races, races.expectations(tools / "judge" / "expected-races")


def _row(variant: str, scenario: str, titles: list) -> dict:
    return {"variant": variant, "asked": scenario + " rounds=1",
            "reports": [{"title": t} for t in titles]}


def races_no_line(tools: Path) -> list:
    """A variant with no line in expected-races fails, flag reports or
    none: nothing would be checked."""
    races, want = _races(tools)
    out = []
    for titles in ([], [FLAG]):
        v = races.verdicts(races.tally([_row("double-check", "map_vs_attach", titles)]), want)
        if not any("no line in expected-races" in x for x in v):
            out.append("a variant with no line and %d flag reports: %s" % (len(titles), v))
    return out


def races_zero(tools: Path) -> list:
    """A variant expected to have no flag report fails on one; one whose
    races are sampled ("any") passes with or without."""
    races, want = _races(tools)
    out = []
    v = races.verdicts(races.tally([_row("recheck-under-lock", "map_vs_owner", [FLAG]),
                                    _row("recheck-under-lock", "map_vs_map", [])]), want)
    if len(v) != 1 or not v[0].startswith("races recheck-under-lock: 1 KCSAN reports"):
        out.append("recheck-under-lock with one flag report: %s" % v)
    for titles in ([], [FLAG, FLAG]):
        v = races.verdicts(races.tally([_row("seed-v3", "map_vs_owner", titles)]), want)
        if v:
            out.append("seed-v3 (any) with %d flag reports: %s" % (len(titles), v))
    return out


# --- count-reports --------------------------------------------------------------

def _count(tools: Path, paths: list) -> tuple:
    cr = load(tools / "tests" / "count_reports.py", "count_reports_under_test")
    out = io.StringIO()
    with redirect_stdout(out):
        rc = cr.main([str(p) for p in paths])
    return rc, out.getvalue()


# splatscan's kinds besides WARNING, BUG, oops and lockdep's common reports,
# as our consoles print them (printk's time prefix, caller ids; kmemleak's
# objects through /dev/kmsg): hangs, stalls, lockups, leaks and kmemleak's
# own warnings, UBSAN traps, lockdep's stackless and pre-4.11 reports
KINDS = ["hung-task-io-wait-arm64", "rcu-self-detected-stall-arm64", "rcu-stall-old-irq-frames",
         "soft-lockup-after-rcu-stall", "kmemleak-debugfs", "hard-lockup-6.12-callerid",
         "hard-lockup-buddy-7.3-hand", "lockdep-left-hardirqs-7.3-hand",
         "kmemleak-percpu-and-misuse-7.3-hand", "ubsan-trap-x86-6.12-hand",
         "rcu-stall-kinds-6.12-hand", "lockdep-key-not-registered-callerid",
         "lockdep-bracket-forms-excerpts", "warning-odebug-7x-at-0x0"]


def count_reports_kinds(tools: Path) -> list:
    """Every kind splatscan knows is a report header here too: the count
    reads splatscan's own header rows."""
    cr = load(tools / "tests" / "count_reports.py", "count_reports_under_test")
    out = []
    for name in KINDS:
        text = (SPLAT_FIXTURES / (name + ".log")).read_text()
        if not text.startswith("["):
            text = "".join("[    9.%06d] %s\n" % (i, ln) for i, ln in enumerate(text.splitlines()))
        want = len(json.loads((SPLAT_FIXTURES / (name + ".json")).read_text()))
        got = cr.headers(text)
        if got != want:
            out.append("%s: %d header lines, splatscan lists %d" % (name, got, want))
    return out


def count_reports_rows(tools: Path) -> list:
    """splatscan --headers prints its rows, every one of which Python
    compiles and which together match each header line of the fixtures
    where splatscan's reports start (and no line of a clean console)."""
    cr = load(tools / "tests" / "count_reports.py", "count_reports_under_test")
    out = []
    rows = cr.header_rows()
    for r in rows:
        try:
            re.compile(r)
        except re.error as e:
            out.append("row %r: %s" % (r, e))
    if len(rows) < 100:
        out.append("only %d header rows" % len(rows))
    for log in sorted(SPLAT_FIXTURES.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        for rep in json.loads(log.with_suffix(".json").read_text()):
            first = lines[rep["first_line"] - 1:rep["first_line"] + 3]
            if not any(cr.is_header(ln) for ln in first):
                out.append("%s:%d: no header row matches near %r"
                           % (log.name, rep["first_line"], first[0][:60]))
    clean = [ln for ln in CLEAN.splitlines() if cr.is_header(ln)]
    if clean:
        out.append("header rows match a clean console: %s" % clean[:2])
    return out


def count_reports_no_splatscan(tools: Path, tmp: Path) -> list:
    """A missing splatscan, one that fails and one that prints no row are
    errors, never "no header to count"."""
    cr = load(tools / "tests" / "count_reports.py", "count_reports_under_test")
    out = []
    empty = tmp / "splatscan-empty"
    empty.write_text("#!/bin/sh\nexit 0\n")
    empty.chmod(0o755)
    for fake in (tmp / "no-such-splatscan", empty, Path("/bin/false")):
        try:
            cr.header_rows(fake)
            out.append("%s --headers taken for header rows" % fake.name)
        except cr.NoHeaders:
            pass
    cr.SPLATSCAN = tmp / "no-such-splatscan"
    d = tmp / "run" / "check" / "6.12-vanilla"
    d.mkdir(parents=True)
    (d / "probe_first_map.log").write_text(CLEAN.replace("@SC@", "probe_first_map"))
    rc, text = 0, io.StringIO()
    with redirect_stdout(text):
        rc = cr.main([str(tmp / "run")])
    if rc == 0 or "no header rows" not in text.getvalue():
        out.append("count-reports without splatscan: exit %d: %s" % (rc, text.getvalue().strip()))
    return out


def count_reports_own_run(tools: Path, tmp: Path) -> list:
    """count-reports reads the run directory it is given: not a run beside
    it, not a file another run's directory holds that a link points to."""
    a, b = tmp / "results" / "run-a" / "check", tmp / "results" / "run-b" / "check"
    for d in (a, b):
        (d / "6.12-vanilla").mkdir(parents=True)
    good = CLEAN.replace("@SC@", "probe_first_map")
    (a / "6.12-vanilla" / "probe_first_map.log").write_text(good)
    # an oops whose two header lines splatscan lists as one report: a mismatch
    bad = b / "6.12-vanilla" / "probe_first_map.log"
    shutil.copyfile(SPLAT_FIXTURES / "oops-null-deref-old.log", bad)
    (a / "6.12-vanilla" / "linked.log").symlink_to(bad)
    out = []
    rc, text = _count(tools, [a.parent])
    if rc != 0 or "reports: 1 passed, 0 failed" not in text or "run-b" in text:
        out.append("count-reports on run-a: exit %d: %s" % (rc, text.strip()[-300:]))
    rc, text = _count(tools, [b.parent])
    if rc == 0:
        out.append("count-reports on run-b passed a console whose counts differ")
    rc, text = _count(tools, [tmp / "results" / "no-such-run"])
    if rc == 0:
        out.append("count-reports with no console passed")
    return out


def count_reports_kinds_in_a_run(tools: Path, tmp: Path) -> list:
    """The whole check on a run whose consoles hold those kinds: it passes."""
    d = tmp / "kinds" / "check" / "6.12-vanilla"
    d.mkdir(parents=True)
    for name in KINDS:
        text = (SPLAT_FIXTURES / (name + ".log")).read_text()
        if not text.startswith("["):
            text = "".join("[    9.%06d] %s\n" % (i, ln) for i, ln in enumerate(text.splitlines()))
        (d / (name + ".log")).write_text(CLEAN.replace("@SC@", "x") + text)
    rc, text = _count(tools, [d.parent.parent])
    return [] if rc == 0 else ["count-reports on consoles of every kind: %s" % text.strip()[-400:]]


# --- make cover ------------------------------------------------------------------

class _Run:
    """The part of a run make cover's report uses."""

    def __init__(self, d: Path):
        self.dir = d

    def write(self, rel: str, data) -> None:
        (self.dir / rel).write_text(data if isinstance(data, str) else json.dumps(data))


def _cover_boot(run: Path, kout: Path, name: str, console: str, capture: bool = False) -> None:
    meta = {"flavour": "cover", "kout": str(kout), "kver": "6.12", "variant": "seed-v3",
            "iommu": "vtd" if capture else "fake"}
    d = run / "6.12-seed-v3-cover"
    d.mkdir(parents=True, exist_ok=True)
    (d / (name + ".manifest.json")).write_text(json.dumps(
        {"column": "6.12:seed-v3", "boot": name, "meta": meta, "vm": {"capture": capture}}))
    (d / (name + ".log")).write_text(console)


def cover_missing_or_damaged(tools: Path, tmp: Path) -> list:
    """A cover boot whose console has no dump, or a dump whose md5 differs,
    fails make cover's report: a figure is never made of what printed."""
    cover = load(tools / "report" / "cover.py", "cover_under_test")
    kout = tmp / "kout"
    (kout / "cover").mkdir(parents=True)
    (kout / "builddir").write_text(str(tmp / "build") + "\n")
    # a dump that reads well (an empty tar) under a checksum it does not have
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz"):
        pass
    data = buf.getvalue()
    damaged = ("@@lockcheck: gcov begin boot\n%s@@lockcheck: gcov end boot %s\n"
               % (base64.encodebytes(data).decode(), hashlib.md5(b"other").hexdigest()))
    good = ("@@lockcheck: gcov begin boot\n%s@@lockcheck: gcov end boot %s\n"
            % (base64.encodebytes(data).decode(), hashlib.md5(data).hexdigest()))
    out = []
    for what, console, capture in (("no dump", "@@lockcheck: boot\n", False),
                                   ("a damaged dump", damaged, False),
                                   ("one kernel's dump of a capture boot", good, True)):
        run = tmp / what.replace(" ", "-").replace("'", "")
        _cover_boot(run, kout, "probe_first_map", console, capture)
        with redirect_stdout(io.StringIO()):
            failures = cover.write(_Run(run), [])
        if not any("probe_first_map" in f for f in failures):
            out.append("make cover passed a boot with %s: %s" % (what, failures))
    return out


CHECKS = {"races: a variant with no expectation line fails": races_no_line,
          "races: 0 fails on a flag report, any passes": races_zero,
          "count-reports: every kind splatscan knows is a report": count_reports_kinds,
          "count-reports: splatscan's header rows, compiled in Python, find its reports":
          count_reports_rows}
# checks that need a directory of their own
CHECKS_TMP = {"count-reports: only the run given is read": count_reports_own_run,
              "count-reports: a run with every kind passes": count_reports_kinds_in_a_run,
              "count-reports: no splatscan header rows is a failure": count_reports_no_splatscan,
              "cover: a boot without its dump, or with a damaged one, fails":
              cover_missing_or_damaged}


@pytest.fixture(scope="module")
def splatscan():
    subprocess.run(["make", "-s", "-C", str(TOOLS / "splatscan")], check=True)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check(splatscan, name):
    assert CHECKS[name](TOOLS) == []


@pytest.mark.parametrize("name", sorted(CHECKS_TMP))
def test_check_tmp(splatscan, tmp_path, name):
    assert CHECKS_TMP[name](TOOLS, tmp_path) == []
