"""The one engine: a plan (boots of columns, each with its steps, knobs and
boot kind) becomes builds, then boots (JOBS at once), then records, then
the judge, then reports and exports, all in the run's own directory."""

import json
import os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from boot import launch
from build.artefacts import Build, build
from engine.model import Boot
from engine.util import TOOLS, Refused, host_load, stage
from judge.verdicts import EXPECTED, FINDINGS, judge, present
from record.records import records as make_records

SPLATSCAN = TOOLS / "splatscan" / "splatscan"


@dataclass
class Plan:
    """What a mode asks for, as data: the engine does the rest."""
    name: str
    boots: list
    expected: Path = EXPECTED
    findings: Path = FINDINGS
    # after the judge: each gets (Run, rows) and returns failure lines
    reports: list = field(default_factory=list)
    mode: str = ""            # the mode this plan describes (a stored run is reported as it)
    settings: dict = field(default_factory=dict)   # what its reports need again


def results_root() -> Path:
    return Path(os.environ.get("RESULTS") or TOOLS.parent / "results").resolve()


def run_id() -> str:
    """One id for everything one make runs (the Makefile exports it)."""
    if not os.environ.get("LC_RUN_ID"):
        os.environ["LC_RUN_ID"] = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + \
            "-%d" % os.getpid()
    return os.environ["LC_RUN_ID"]


class Run:
    """A run's directory: everything it built, booted, recorded, judged and
    exported, and nothing else; never written again once it is done."""

    def __init__(self, name: str, root: Path | None = None, create: bool = True):
        self.name = name
        self.root = root or results_root()
        self.top = self.root / run_id()
        self.dir = self.top / name
        self.id = "%s/%s" % (run_id(), name)
        if create:
            if self.dir.exists():
                raise Refused("run %s already exists: a run's results are never rewritten "
                              "(give it another name)" % self.dir)
            self.dir.mkdir(parents=True)

    @classmethod
    def open(cls, path: Path) -> "Run":
        r = cls.__new__(cls)
        r.dir = path.resolve()
        r.name = r.dir.name
        r.top = r.dir.parent
        r.root = r.top.parent
        meta = json.loads((r.dir / "run.json").read_text())
        r.id = meta["run_id"]
        return r

    def write(self, rel: str, data) -> Path:
        p = self.dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(data if isinstance(data, str) else json.dumps(data, indent=1) + "\n")
        os.replace(tmp, p)
        return p

    def read(self, rel: str):
        return json.loads((self.dir / rel).read_text())

    def mark_latest(self) -> None:
        link = self.root / "latest"
        tmp = self.root / (".latest.%d" % os.getpid())
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(self.top.name)
        os.replace(tmp, link)


def boot_path(run: Run, b: Boot) -> Path:
    d = b.column.slug + ("-" + b.flavour if b.flavour else "")
    return run.dir / d / b.name


def _manifest(run: Run, b: Boot, bld: Build) -> dict:
    """What a boot asked for, written before it runs: enough to record and
    judge it again later without the plan or a VM."""
    return {"run_id": run.id, "boot": b.name, "column": b.column.text, "asked": b.asked,
            "vm": vars(b.vm), "accel": launch.accelerator(b.vm), "image": list(b.image),
            "ktap_parser": bld.ktap_parser, "meta": record_meta(b, bld)}


def record_meta(b: Boot, bld: Build) -> dict:
    """What every record of a boot carries besides what the console says."""
    return {"kernel": bld.release, "kver": b.column.kver, "variant": b.column.variant,
            "iommu": b.column.iommu, "flavour": b.flavour, "boot": b.label, "judge": b.judge,
            "rep": b.rep, "kout": bld.kout, "accel": launch.accelerator(b.vm),
            "artefacts": bld.hashes}


def record_boot(run: Run, out: Path) -> list:
    """OUT.record.json from OUT's console, manifest and outcome."""
    man = json.loads(Path(str(out) + ".manifest.json").read_text())
    outcome = json.loads(Path(str(out) + ".outcome.json").read_text())
    meta = dict(man["meta"])
    if outcome.get("retried"):
        meta["boot_retry"] = outcome["retried"]
    recs = make_records(str(out) + ".log", man["asked"], meta, outcome, man["ktap_parser"],
                        str(SPLATSCAN), run.id)
    Path(str(out) + ".record.json").write_text(json.dumps(recs, indent=1) + "\n")
    return recs


def _boot_one(run: Run, b: Boot, bld: Build, n: int, total: int, launcher: str):
    out = boot_path(run, b)
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(str(out) + ".steps").write_text(b.steps)
    man = _manifest(run, b, bld)
    Path(str(out) + ".manifest.json").write_text(json.dumps(man, indent=1) + "\n")
    what = "%s %s (%s): %s" % (bld.release, b.column.variant, b.column.iommu,
                               " | ".join(b.asked) or b.name)
    if launcher != "qemu":
        from export.lava import lava
        stage("lava job %s [%d/%d]" % (what, n, total))
        launch.describe(b.vm, bld.bzimage, bld.initrd, bld.modules, b.steps, out)
        lava.write_job(out, "%s: %s" % (what, b.name), man["meta"])
        if launcher == "describe":
            return None
        lava.run_local(out)
        lava.record_log(out)
        return record_boot(run, out)
    stage("boot %s [%d/%d]" % (what, n, total))
    outcome = launch.boot(b.vm, bld.bzimage, bld.initrd, bld.modules, b.steps, out).to_json()
    Path(str(out) + ".outcome.json").write_text(json.dumps(outcome, indent=1) + "\n")
    return record_boot(run, out)


def execute(plan: Plan, jobs: int, launcher: str = "qemu") -> int:
    """Build, boot, record, judge, report, export. Non-zero when any cell or
    report failed; a run's verdict never passes on missing data. LAUNCHER:
    qemu (the project's own boots), describe (each boot a LAVA job, for a
    lab; nothing booted or judged) or lava (the jobs run here by Debian's
    lava-dispatcher, recorded from LAVA's logs)."""
    if not plan.boots:
        raise Refused("plan %s asks for no boot" % plan.name)
    for b in plan.boots:
        launch.validate(b.vm)
    run = Run(plan.name)
    stage("run %s: %d boots, results %s" % (plan.name, len(plan.boots), run.dir))
    cells = [c.to_json() for b in plan.boots for c in b.cells()]
    run.write("cells.json", cells)
    run.write("run.json", {"run_id": run.id, "name": plan.name, "mode": plan.mode or plan.name,
                           "settings": plan.settings, "argv": sys.argv,
                           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                           "jobs": jobs, "expected": str(plan.expected),
                           "findings": str(plan.findings), "launcher": launcher,
                           "boots": len(plan.boots)})
    run.mark_latest()
    builds: dict = {}
    for b in plan.boots:
        key = (b.column.kernel, b.flavour, b.image)
        if key not in builds:
            builds[key] = build(b.column, b.flavour, b.image, run.dir)
    run.write("builds.json", [x.to_json() for x in builds.values()])

    def one(i_b):
        i, b = i_b
        bld = builds[(b.column.kernel, b.flavour, b.image)]
        try:
            return _boot_one(run, b, bld, i + 1, len(plan.boots), launcher)
        except Exception as e:  # noqa: BLE001 - one boot's failure is its cells', not the run's
            # no record: the judge names the cells (no record); this says why
            stage("boot %s could not write its record: %s: %s" % (b.name, type(e).__name__, e))
            return []

    with host_load(plan.settings.get("host_load", 0)), \
            ThreadPoolExecutor(max_workers=jobs) as ex:
        recs = list(ex.map(one, enumerate(plan.boots)))
    if launcher == "describe":
        stage("lava: %d jobs under %s (*/*/job.yaml), cells in %s"
              % (len(plan.boots), run.dir, run.dir / "cells.json"))
        return 0
    return judge_run(run, plan, [r for rs in recs for r in (rs or [])])


def judge_run(run: Run, plan: Plan, records: list, export: bool = True) -> int:
    """The judge over this run's records only, then reports and exports."""
    rows = judge(run.read("cells.json"), records, run.id, plan.expected, plan.findings)
    failures = []
    for report in plan.reports:
        failures += report(run, rows)
    ok = present(plan.name, rows, run.write, tuple(failures))
    if export:
        from export.kcidb import kcidb
        kcidb.export(run, rows)
    return 0 if ok else 1


def stored_records(run: Run) -> list:
    recs = []
    for f in sorted(run.dir.rglob("*.record.json")):
        recs += json.loads(f.read_text())
    return recs


# a run's own outputs, made again when it is judged again
OUTPUTS = ("run.json", "judged.json", "table.md", "kcidb.json", "kcidb-files", "findings.md",
           "findings.json", "races.md", "bench.raw", "bench.json", "bench.md", "bench.png",
           "bench.failures", "flake.md", "flake.json", "coverage.md", "coverage.json",
           "cover.log", "cover-work", "cover-src", "lcov", "html")


def copy_run(src: Run, name: str) -> Run:
    """A new run holding a stored run's cells, builds and boots (hard links:
    the same bytes, never written), to be recorded and judged again
    without a VM."""
    new = Run(name)
    for p in sorted(src.dir.rglob("*")):
        rel = p.relative_to(src.dir)
        if p.is_dir() or rel.parts[0] in OUTPUTS or p.name.endswith(".record.json"):
            continue
        dst = new.dir / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(p, dst)
        except OSError:
            shutil.copyfile(p, dst)
    return new
