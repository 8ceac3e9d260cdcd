#!/usr/bin/python3
"""The pipeline's tests that need a kernel (make selftest): the config check
names options that did not survive the merge; the modules and the upstream
patch pass checkpatch --strict of both kernels; the launcher names a guest
that hangs and one that panics; the modules' own tests pass in the guest
with no kernel report but the core's lock assertion. Ends with
"selftest: N passed, N failed"."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))

from boot import launch  # noqa: E402
from build.artefacts import build  # noqa: E402
from engine.model import VM, parse_column  # noqa: E402
from engine.util import BUILD, TOP, Refused, cache_root, stage  # noqa: E402
from plan import steps  # noqa: E402
from record.console import guest_text  # noqa: E402

passed = failed = 0


def ok(name: str) -> None:
    global passed
    passed += 1
    print("ok - " + name)


def ko(name: str, why: str = "") -> None:
    global failed
    failed += 1
    print("not ok - %s%s" % (name, ": " + why if why else ""))


def check(name: str, cond: bool, why: str = "") -> None:
    ok(name) if cond else ko(name, why)


def guest_results(text: str, rc) -> list:
    """A guest test file's console as (name, passed, why) rows: each result
    it printed, then whether their number is its plan's and whether the
    steps' exit status counts the failures."""
    lines = text.splitlines()
    res = [ln for ln in lines if ln.startswith(("@@lockcheck: ok ", "@@lockcheck: not ok "))]
    rows = [(ln.split(" ", 2)[2] if ln.startswith("@@lockcheck: ok ") else ln.split(" ", 3)[3],
             ln.startswith("@@lockcheck: ok "), "") for ln in res]
    plan = [ln.split()[-1] for ln in lines if ln.startswith("@@lockcheck: plan ")]
    rows.append(("%d results, as its plan says" % len(res), plan == [str(len(res))],
                 "plan %s" % (plan or "missing")))
    failed = sum(not r[1] for r in rows[:-1])
    rows.append(("the guest's exit status counts its failures", rc == failed,
                 "exit %s, %d not ok" % (rc, failed)))
    return rows


def tree(kver: str) -> Path:
    env = dict(os.environ, CACHE=str(cache_root()))
    return Path(subprocess.run(["sh", str(BUILD / "fetch-source.sh"), kver], env=env, text=True,
                               stdout=subprocess.PIPE, check=True).stdout.strip())


def config_check(tmp: Path) -> None:
    """One option that does not exist, one whose dependencies (USB, SCSI)
    the fragments never enable."""
    bogus = tmp / "bogus.config"
    bogus.write_text("CONFIG_LOCKCHECK_NO_SUCH_OPTION=y\nCONFIG_USB_STORAGE=y\n")
    stage("config check on a scratch build dir")
    p = subprocess.run(["sh", str(BUILD / "config.sh"), str(tree("6.12")), str(tmp / "build"),
                        str(tmp / "config.log"), str(BUILD / "config" / "base.config"), str(bogus)],
                       text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    last = (p.stderr.strip().splitlines() or [""])[-1]
    want = "did not survive the merge: CONFIG_LOCKCHECK_NO_SUCH_OPTION=y CONFIG_USB_STORAGE=y"
    check("fragment options that did not survive are named", p.returncode != 0 and want in last,
          last)


def checkpatch() -> None:
    """coding-style.rst as each supported kernel's checkpatch reads it.
    Modules, two narrow version differences and nothing else:
    LINUX_VERSION_CODE for attach_dev's signature (6.18), and 7.x's advice
    to use kzalloc_obj(), which older 6.12 kernels lack."""
    stage("checkpatch --strict")
    # the sources, not what a `make modules` left beside them (*.mod.c)
    srcs = sorted(str(p.relative_to(TOP)) for d in ("fake_iommu", "harness")
                  for p in (TOP / d).glob("*.[ch]") if not p.name.endswith(".mod.c"))
    for kv in ("6.12", "7.3"):
        cp = tree(kv) / "scripts" / "checkpatch.pl"
        ignore = "LINUX_VERSION_CODE,CONSTANT_COMPARISON,ALLOC_WITH_SIZEOF"
        p = subprocess.run(["perl", str(cp), "--strict", "--no-tree", "--terse", "--ignore",
                            ignore, "-f"] + srcs,
                           cwd=TOP, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        first = next((ln for ln in p.stdout.splitlines() if not ln.startswith("total")), "")
        check("modules pass %s's checkpatch --strict" % kv, p.returncode == 0, first)
        # the patches written to a submission's standard
        for name, glob in (("upstream", "upstream/*.patch"),
                           ("keep-deferral", "keep-deferral/7.3/*.patch"),
                           ("vtd-block-copied", "vtd-block-copied/**/*.patch")):
            # no kernel git tree here to look commit ids up in: a Fixes: id
            # is checked against the lists' pages instead (the patch says so)
            p = subprocess.run(["perl", str(cp), "--strict", "--ignore", "UNKNOWN_COMMIT_ID"] +
                               sorted(str(x) for x in (TOP / "patches").glob(glob)),
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            check("the %s patch passes %s's checkpatch --strict" % (name, kv),
                  p.returncode == 0 and "total: 0 errors, 0 warnings, 0 checks" in p.stdout,
                  next((ln for ln in p.stdout.splitlines()
                        if ln.startswith(("ERROR", "WARNING", "CHECK"))), ""))


def guests(tmp: Path) -> None:
    bld = build(parse_column("6.12:vanilla"), "", ("initramfs",), tmp)
    stage("guest that hangs, guest that panics")
    o = launch.boot(VM(timeout=20, kdump=True), bld.bzimage, bld.initrd, bld.modules,
                    "sleep 1000\n", tmp / "hang")
    check("a hung guest is killed at the timeout", o.status == "hang" and o.kind == "timeout" and
          o.message.startswith("guest hung: killed after 20s"), o.message)
    o = launch.boot(VM(timeout=120, append="oops=panic"), bld.bzimage, bld.initrd, bld.modules,
                    "echo c > /proc/sysrq-trigger\n", tmp / "panic")
    check("a panicking guest is named", o.status == "panic" and
          o.message.startswith("guest panicked"), o.message)
    stage("modules' tests in the guest")
    splatscan = TOOLS / "splatscan" / "splatscan"
    for t in ("first_map", "knobs", "triggers", "unload"):
        script, _ = steps.module_test(t)
        out = tmp / t
        o = launch.boot(VM(timeout=300), bld.bzimage, bld.initrd, bld.modules, script, out)
        if o.status != "ok":
            ko("guest test %s" % t, o.message)
            continue
        for name, good, why in guest_results(guest_text(Path(str(out) + ".log")), o.guest_rc):
            check("%s: %s" % (t, name), good, why)
        # vanilla: the core's lock assertion is expected, nothing else
        p = subprocess.run([str(splatscan), "--json", str(out) + ".log"], stdout=subprocess.PIPE)
        reps = json.loads(p.stdout) if p.returncode in (0, 1) else None
        core = "WARNING in iommu_group_mutex_assert"
        other = None if reps is None else [r["title"] for r in reps if core not in r["title"]]
        check("%s: no kernel report but the core lock assertion" % t, other == [],
              "splatscan failed" if other is None else other[0] if other else "")


def main() -> int:
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        try:
            config_check(tmp)
            checkpatch()
            guests(tmp)
        except Refused as e:
            ko("selftest", str(e))
    print("selftest: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
