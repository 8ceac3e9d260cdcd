#!/usr/bin/python3
"""iommu-lockcheck's host pipeline, one command (the Makefile's targets call it):

  lockcheck.py run MODE [COLUMN...]   a mode's plan through the one engine
  lockcheck.py judge RUN              a stored run recorded and judged again, no VM
  lockcheck.py lava-judge RUN         a `make lava` run whose jobs a lab ran
  lockcheck.py compare [--counts] A B two judged runs, cell by cell
  lockcheck.py count-reports RUN...   splatscan against a count of report headers
  lockcheck.py shell COLUMN           the VM with the modules and a shell here

Modes: run matrix splats stock vtd amd kdump sanitize fuzz soak races bench
lava (jobs only) lava-check (each cell by the project and by LAVA here).
Every error is one line naming the problem; nothing is written before the
settings are checked."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine.util import Refused, stage  # noqa: E402


def _jobs() -> int:
    j = os.environ.get("JOBS") or "1"
    if not j.isdigit() or not 1 <= int(j) <= 99:
        raise Refused("JOBS=%s is not a number of boots at once (1-99)" % j)
    return int(j)


def cmd_run(args: list) -> int:
    from engine import engine
    from plan import repeat
    from plan.modes import MODES
    if not args or args[0] not in MODES:
        raise Refused("run: mode '%s' is not one of %s" % (args[0] if args else "",
                                                           " ".join(MODES)))
    mode, cols = args[0], args[1:]
    jobs = _jobs()
    plan = repeat.apply(MODES[mode](cols), os.environ.get("REPEAT", ""),
                        os.environ.get("HOST_LOAD", ""))
    if mode == "lava":
        return engine.execute(plan, jobs, "describe")
    if mode == "lava-check":
        return lava_check(plan, jobs)
    return engine.execute(plan, jobs)


def lava_check(plan, jobs: int) -> int:
    """Do LAVA and the project agree on a cell? The same plan by the
    project's own launcher and as LAVA jobs run by Debian's lava-dispatcher
    here, each judged, then compared with every counter."""
    from engine import engine
    from export.lava import lava
    from report.compare import compare
    lava.ensure_dispatcher()
    own = engine.Plan(plan.name + "-own", plan.boots, plan.expected, plan.findings,
                      mode=plan.mode)
    rc = engine.execute(own, jobs)
    # the dispatcher's QEMU runs one job at a time
    rc |= engine.execute(engine.Plan(plan.name + "-lava", plan.boots, plan.expected,
                                     plan.findings, mode=plan.mode), 1, "lava")
    top = engine.Run(plan.name, create=False).top
    a = (top / (plan.name + "-own") / "judged.json")
    b = (top / (plan.name + "-lava") / "judged.json")
    from report.compare import load
    lines, differ = compare(load(a), load(b), counts=True)
    print("\n".join(lines))
    return 1 if rc or differ else 0


def _open_runs(path: str) -> list:
    from engine.engine import Run
    p = Path(path)
    if (p / "run.json").is_file():
        return [Run.open(p)]
    runs = sorted(x.parent for x in p.glob("*/run.json"))
    if not runs:
        raise Refused("judge: %s is no run directory (results/<id> or results/<id>/<mode>)" % path)
    return [Run.open(r) for r in runs]


def cmd_judge(args: list) -> int:
    """Each run of RUN recorded again from its consoles, manifests and
    outcomes, and judged, into a new run named <mode>-rejudged: the stored
    run is never written."""
    from engine import engine
    from plan.modes import REPORTS
    from report import flake
    if len(args) != 1:
        raise Refused("judge: give one RUN (a results/<id> or results/<id>/<mode> directory)")
    rc = 0
    for src in _open_runs(args[0]):
        meta = src.read("run.json")
        if meta.get("launcher") == "describe" and not list(src.dir.rglob("*.outcome.json")):
            raise Refused("judge: %s is LAVA jobs no one has recorded (lava-judge)" % src.dir)
        new = engine.copy_run(src, src.name + "-rejudged")
        new.write("run.json", dict(meta, run_id=new.id, source=str(src.dir)))
        stage("judge %s again as %s" % (src.dir, new.dir))
        recs = [r for m in sorted(new.dir.rglob("*.manifest.json"))
                if Path(str(m)[:-len(".manifest.json")] + ".outcome.json").is_file()
                for r in engine.record_boot(new, Path(str(m)[:-len(".manifest.json")]))]
        reports = REPORTS.get(meta.get("mode", ""), [])
        if meta.get("settings", {}).get("repeat", 1) > 1:
            reports = reports + [flake.write]
        plan = engine.Plan(new.name, [], Path(meta["expected"]), Path(meta["findings"]),
                           reports, meta.get("mode", ""), meta.get("settings", {}))
        rc |= engine.judge_run(new, plan, recs)
        new.mark_latest()
    return rc


def cmd_lava_judge(args: list) -> int:
    """A `make lava` run whose jobs a lab ran: each job's log (CELL/lava/
    output.log or output.yaml) recorded, every promised cell judged (a cell
    LAVA has not run is missing, never skipped), in a new run."""
    from engine import engine
    from export.lava import lava
    if len(args) != 1:
        raise Refused("lava-judge: give the RUN of make lava (results/<id>/lava)")
    src = _open_runs(args[0])
    if len(src) != 1 or src[0].read("run.json").get("launcher") != "describe":
        raise Refused("lava-judge: %s is not one run of make lava" % args[0])
    src = src[0]
    new = engine.copy_run(src, src.name + "-judged")
    meta = src.read("run.json")
    new.write("run.json", dict(meta, run_id=new.id, source=str(src.dir)))
    recs, n = [], 0
    for job in sorted(new.dir.glob("*/*/job.yaml")):
        out = job.parent
        if not any((out / "lava" / f).is_file() for f in ("output.log", "output.yaml")):
            continue
        try:
            lava.record_log(out)
            recs += engine.record_boot(new, out)
            n += 1
        except Refused as e:
            stage("lava judge: no record of %s: %s" % (out, e))
    stage("lava judge: %d cells with a LAVA log under %s" % (n, new.dir))
    plan = engine.Plan(new.name, [], Path(meta["expected"]), Path(meta["findings"]))
    new.mark_latest()
    return engine.judge_run(new, plan, recs)


def cmd_compare(args: list) -> int:
    from report.compare import compare, load, NotJudged
    counts = bool(args) and args[0] == "--counts"
    args = args[1:] if counts else args
    if len(args) != 2:
        raise Refused("compare: usage: compare [--counts] A B (judged runs)")
    try:
        lines, differ = compare(load(Path(args[0])), load(Path(args[1])), counts)
    except NotJudged as e:
        raise Refused(str(e))
    print("\n".join(lines))
    return 1 if differ else 0


def cmd_count_reports(args: list) -> int:
    from tests.count_reports import main
    return main(args)


def cmd_shell(args: list) -> int:
    from build.artefacts import build
    from boot import launch
    from engine.model import parse_column
    from plan.modes import vm_settings
    if len(args) != 1:
        raise Refused("shell: give one COLUMN")
    col = parse_column(args[0])
    bld = build(col, os.environ.get("FLAVOUR", ""), ("initramfs",), Path("."))
    vm = vm_settings()
    common, machine, append = launch.qemu_options(vm)
    os.execvp("qemu-system-x86_64", ["qemu-system-x86_64"] + common + machine +
              ["-kernel", bld.bzimage, "-initrd", bld.initrd, "-append", append, "-nographic"])


COMMANDS = {"run": cmd_run, "judge": cmd_judge, "lava-judge": cmd_lava_judge,
            "compare": cmd_compare, "count-reports": cmd_count_reports, "shell": cmd_shell}


def main(argv: list) -> int:
    from export.kcidb.kcidb import KcidbError
    from judge.verdicts import JudgeError
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        print("error: command '%s' is not one of %s"
              % (argv[0] if argv else "", " ".join(COMMANDS)), file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except (Refused, KcidbError, JudgeError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
