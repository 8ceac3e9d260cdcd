"""The report checks beside the judge: `make races`' verdict
(tools/report/races.py) and the independent count of report headers
(tools/tests/count_reports.py). Each check takes a tools directory (this
one, or a mutated copy: tools/tests/mutations.py) and returns what is
wrong with it."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
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


# splatscan's kinds besides WARNING, BUG, oops, lockdep and UBSAN, as our
# consoles print them (printk's time prefix; kmemleak's objects through
# /dev/kmsg)
KINDS = ["hung-task-io-wait-arm64", "rcu-self-detected-stall-arm64", "rcu-stall-old-irq-frames",
         "soft-lockup-after-rcu-stall", "kmemleak-debugfs"]


def count_reports_kinds(tools: Path) -> list:
    """Hung tasks, RCU stalls, soft lockups and kmemleak's objects are
    report headers, as splatscan lists them."""
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


def count_reports_own_run(tools: Path, tmp: Path) -> list:
    """count-reports reads the run directory it is given: not a run beside
    it, not a file another run's directory holds that a link points to."""
    a, b = tmp / "results" / "run-a" / "check", tmp / "results" / "run-b" / "check"
    for d in (a, b):
        (d / "6.12-vanilla").mkdir(parents=True)
    good = CLEAN.replace("@SC@", "probe_first_map")
    (a / "6.12-vanilla" / "probe_first_map.log").write_text(good)
    # two header lines splatscan rightly lists as no report: a mismatch
    bad = b / "6.12-vanilla" / "probe_first_map.log"
    shutil.copyfile(SPLAT_FIXTURES / "no-report-warning-lookalikes.log", bad)
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


CHECKS = {"races: a variant with no expectation line fails": races_no_line,
          "races: 0 fails on a flag report, any passes": races_zero,
          "count-reports: hung tasks, RCU stalls, soft lockups, leaks are reports":
          count_reports_kinds}
# checks that need a directory of their own
CHECKS_TMP = {"count-reports: only the run given is read": count_reports_own_run,
              "count-reports: a run with every kind passes": count_reports_kinds_in_a_run}


@pytest.fixture(scope="module")
def splatscan():
    subprocess.run(["make", "-s", "-C", str(TOOLS / "splatscan")], check=True)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check(name):
    assert CHECKS[name](TOOLS) == []


@pytest.mark.parametrize("name", sorted(CHECKS_TMP))
def test_check_tmp(splatscan, tmp_path, name):
    assert CHECKS_TMP[name](TOOLS, tmp_path) == []
