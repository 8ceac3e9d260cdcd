"""Every mode as a plan: which columns, which scenario lines, which knobs and
which kind of boot. Nothing here builds or boots; tools/engine does, the
same way for every mode. Settings come from the environment (the Makefile
exports them) and are all checked before a run directory exists."""

import os
from pathlib import Path

from engine.engine import Plan
from engine.model import VM, Boot, parse_column
from engine.util import TOOLS, Refused, positive
from judge.verdicts import EXPECTED, FINDINGS
from boot import launch
from plan import steps
from report import findings as findings_report
from report import races as races_report
from report import bench as bench_report
from report import cover as cover_report

SCENARIOS = TOOLS / "plan" / "scenarios"
JUDGE = TOOLS / "judge"
# the capture kernel's command line (kexec -p --append)
CAPTURE_APPEND = "console=ttyS0 panic=-1 loglevel=7 irqpoll reset_devices"


def env(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


def scenario_lines(path: str) -> list:
    p = Path(path)
    if not p.is_file():
        raise Refused("scenario list %s does not exist" % path)
    out = []
    for line in p.read_text().splitlines():
        line = line.split("#", 1)[0].rstrip()
        if line.strip():
            out.append(line)
    if not out:
        raise Refused("scenario list %s has no scenario line" % path)
    return out


def parse_knobs(text: str) -> dict:
    out = {}
    for kv in text.split():
        k, _, v = kv.partition("=")
        if not (k and k[0].isalpha() and k.replace("_", "").isalnum() and v.isdigit()):
            raise Refused("KNOBS: '%s' is not KNOB=NUMBER" % kv)
        out[k] = int(v)
    return out


def vm_settings() -> VM:
    """The VM settings a person may give every mode."""
    t = env("VM_TIMEOUT", "300")
    if not t.isdigit() or int(t) == 0:
        raise Refused("VM_TIMEOUT=%s is not a number of seconds" % t)
    kdump = env("KDUMP", "1")
    if kdump not in ("0", "1"):
        raise Refused("KDUMP=%s must be 0 or 1" % kdump)
    smp = env("VM_SMP", "2")
    if smp not in [str(i) for i in range(1, 9)]:
        raise Refused("VM_SMP=%s must be 1 to 8 vCPUs" % smp)
    return VM(timeout=int(t), kdump=kdump == "1", smp=int(smp), append=env("VM_APPEND"))


def boot_names(lines: list) -> list:
    """A boot's files are named after its scenario; the same scenario again
    gets a number."""
    seen: dict = {}
    out = []
    for line in lines:
        sc = line.split(" ")[0]
        seen[sc] = seen.get(sc, 0) + 1
        out.append(sc if seen[sc] == 1 else "%s-%d" % (sc, seen[sc]))
    return out


def column_boots(columns: list, lines: list, judge: str, knobs: dict, flavour: str) -> list:
    """One boot per column and scenario line: the elfcorehdr= shortcut (or
    a normal boot, KDUMP=0) behind fake_iommu, or a real capture kernel
    behind QEMU's VT-d or AMD-Vi. The cover flavour's boots print each
    kernel's gcov counters before it ends."""
    gcov = flavour == "cover"
    base = vm_settings()
    boots = []
    for text in columns:
        col = parse_column(text)
        if knobs and col.iommu != "fake":
            raise Refused("column %s: KNOBS are fake_iommu's, not the real IOMMU driver's" % text)
        for name, line in zip(boot_names(lines), lines):
            iso = steps.isolation(line)
            if iso.sm and col.iommu != "vtd":
                raise Refused("column %s: %s needs VT-d (scalable mode is QEMU's intel-iommu's)"
                              % (text, line.split(" ")[0]))
            vtd = dict(ats=col.iommu == "vtd" and steps.needs_ats(line),
                       group=col.iommu != "fake" and steps.needs_group(line),
                       sm=col.iommu == "vtd" and iso.sm, iommu=col.iommu,
                       append=(base.append + " " + iso.first_append).strip())
            if col.capture and not iso.capture:
                script, asked = steps.first_kernel(line, col.iommu, gcov)
                vm = VM(**dict(vars(base), kdump=False, **vtd))
                label = "normal"
            elif col.capture:
                append = CAPTURE_APPEND + (" " + launch.intel_iommu(vtd["sm"])
                                           if col.iommu == "vtd" else "")
                script, asked = steps.capture(line, append, col.iommu, gcov)
                vm = VM(**dict(vars(base), kdump=False, capture=True, **vtd))
                label = "kdump"
            else:
                script, asked = steps.scenario(line, knobs, gcov=gcov)
                vm = base
                label = "elfcorehdr" if base.kdump else "normal"
            boots.append(Boot(name, col, flavour, ("initramfs",), script, asked, label, judge,
                              vm, 0, dict(knobs)))
    return boots


def _columns(args: list, default: str) -> list:
    cols = args or env("COLUMNS", default).split()
    if not cols:
        raise Refused("no columns given")
    return cols


def columns_mode(name: str, args: list, default_cols: str, default_scenarios: str,
                 expected: Path = EXPECTED, knobs: str = "", policy: str = "expected") -> Plan:
    """run, matrix, stock, vtd, amd, splats and lava: columns x lines."""
    flavour = env("FLAVOUR")
    if flavour == "perf":
        raise Refused("FLAVOUR=perf is make bench's kernel, without lockdep; the verdicts of "
                      "%s need it" % name)
    knobs = parse_knobs(env("KNOBS", knobs))
    policy = env("POLICY", policy)
    if policy == "expected" and knobs:
        raise Refused("KNOBS=%s needs a POLICY of its own" % env("KNOBS"))
    if policy == "stress" or not policy.isalpha() or not policy.islower():
        raise Refused("POLICY=%s is not a lower-case name other than stress" % policy)
    lines = scenario_lines(env("SCENARIOS", str(SCENARIOS / default_scenarios)))
    boots = column_boots(_columns(args, default_cols), lines, policy, knobs, flavour)
    return Plan(env("RUN_NAME", name), boots, Path(env("EXPECTED", str(expected))), mode=name)


def _stress_column() -> str:
    return "%s:%s" % (env("KVER", "6.12"), env("VARIANT", "seed-v3"))


def _stress_flavour() -> str:
    """fuzz's and soak's kernel (STRESS_FLAVOUR): sanitize (KASAN and
    kmemleak, the default), kcsan, or base (the lockdep kernel the matrix
    boots: make check's, with no sanitizer build of its own)."""
    fl = env("STRESS_FLAVOUR", "sanitize")
    if fl not in ("sanitize", "kcsan", "base"):
        raise Refused("STRESS_FLAVOUR=%s is not sanitize, kcsan or base" % fl)
    return "" if fl == "base" else fl


def _stress_boot(name, col, flavour, image, script_asked, timeout, append="", rep=0,
                 label="elfcorehdr") -> Boot:
    script, asked = script_asked
    vm = VM(timeout=timeout, kdump=True, append=append)
    return Boot(name, col, flavour, image, script, asked, label, "stress", vm, rep)


def sanitize(args: list) -> Plan:
    """Every sanitize scenario under KASAN, kmemleak and debug objects, and
    under KCSAN (SANITIZE_FLAVOURS)."""
    flavours = env("SANITIZE_FLAVOURS", "sanitize kcsan").split()
    for fl in flavours:
        if fl not in ("sanitize", "kcsan"):
            raise Refused("SANITIZE_FLAVOURS: '%s' is not sanitize or kcsan" % fl)
    col = parse_column(_stress_column())
    lines = scenario_lines(env("SCENARIOS", str(SCENARIOS / "sanitize")))
    boots = []
    for fl in flavours:
        # KCSAN samples accesses; watch one in 100 rather than 4000
        append = "kcsan.skip_watch=100" if fl == "kcsan" else ""
        for name, line in zip(boot_names(lines), lines):
            boots.append(_stress_boot("%s-%s" % (fl, name), col, fl, ("initramfs",),
                                      steps.sanitize(line), 600, append))
    return Plan(env("RUN_NAME", "sanitize"), mode="sanitize", boots=boots,
                reports=[findings_report.write])


def fuzz(args: list) -> Plan:
    """10,000 random and mutated lines from 2 processes into every writable
    debugfs file of both modules, then a normal scenario must still pass."""
    from build.artefacts import static_tool
    fuzzer = static_tool("debugfs_fuzz", TOOLS / "fuzz" / "debugfs_fuzz.c",
                         ["-Wall", "-Wextra", "-Werror"])
    col = parse_column(_stress_column())
    boot = _stress_boot("fuzz", col, _stress_flavour(), ("initramfs-fuzz", str(fuzzer)),
                        steps.fuzz(), 900)
    return Plan(env("RUN_NAME", "fuzz"), mode="fuzz", boots=[boot],
                reports=[findings_report.write, findings_report.guest_lines("^debugfs_fuzz")])


def soak(args: list) -> Plan:
    """5,000 rounds of map_vs_attach and 100 load/unload cycles, memory back."""
    col = parse_column(_stress_column())
    boot = _stress_boot("soak", col, _stress_flavour(), ("initramfs",), steps.soak(), 3600)
    return Plan(env("RUN_NAME", "soak"), mode="soak", boots=[boot],
                reports=[findings_report.write,
                         findings_report.guest_lines("^@@lockcheck: MemAvailable")])


def kdump(args: list) -> Plan:
    """Each scenario in a real kdump capture kernel, judged against
    tools/judge/expected like the elfcorehdr= shortcut."""
    col = parse_column(_stress_column())
    lines = scenario_lines(env("SCENARIOS", str(SCENARIOS / "default")))
    base = vm_settings()
    boots = []
    for name, line in zip(boot_names(lines), lines):
        script, asked = steps.capture(line, CAPTURE_APPEND)
        vm = VM(**dict(vars(base), kdump=False, capture=True))
        boots.append(Boot(name, col, "", ("initramfs",), script, asked, "kdump", "expected", vm))
    return Plan(env("RUN_NAME", "kdump"), mode="kdump", boots=boots,
                reports=[findings_report.write])


def races(args: list) -> Plan:
    """KCSAN on attach_deferred itself, REPS boots per variant and scenario.
    Boot watching one access in 100 (a tighter watch makes the boot itself
    take minutes), tightened to RACE_SKIP_WATCH just before the scenario."""
    rounds = positive("RACE_ROUNDS", env("RACE_ROUNDS", "200"))
    skip = positive("RACE_SKIP_WATCH", env("RACE_SKIP_WATCH", "10"))
    reps = positive("REPS", env("REPS", "3"))
    boots = []
    for variant in env("RACE_VARIANTS", "seed-v3 recheck-under-lock").split():
        col = parse_column("%s:%s" % (env("KVER", "6.12"), variant))
        for sc in ("owner_misuse", "map_vs_attach"):
            for rep in range(1, reps + 1):
                line = "%s rounds=%d delay_us=1000 timeout_s=1800" % (sc, rounds)
                boots.append(_stress_boot("%s-%s-%d" % (variant, sc, rep), col, "kcsan",
                                          ("initramfs",), steps.races(line, skip), 2000,
                                          "kcsan.skip_watch=100", rep))
    return Plan(env("RUN_NAME", "races"), mode="races", boots=boots,
                reports=[findings_report.write, races_report.write])


def bench(args: list) -> Plan:
    """What the lock costs on the map path, per variant, on the perf flavour:
    BENCH_BOOTS boots of each set under -icount (one vCPU: a guest ns is one
    instruction), and one 4-vCPU boot of contention (KVM where it works)."""
    from build.artefacts import dma_map_benchmark
    from engine.util import kvm_works
    reps = positive("REPS", env("REPS", "5"))
    iters = positive("BENCH_ITERS", env("BENCH_ITERS", "2000"))
    nboots = positive("BENCH_BOOTS", env("BENCH_BOOTS", "3"))
    if env("FLAVOUR") not in ("", "perf"):
        raise Refused("make bench measures the perf flavour; FLAVOUR=%s does not apply"
                      % env("FLAVOUR"))
    kvm = kvm_works()
    timeout = vm_settings().timeout
    boots = []
    for text in _columns(args, ""):
        col = parse_column(text)
        image = ("initramfs-bench", str(dma_map_benchmark(col.kver)))
        kinds = []
        for b in range(nboots):
            kinds.append(("off", VM(timeout, kdump=False, smp=1, icount=True), "normal-icount", b))
            kinds.append(("deferred", VM(timeout, kdump=True, smp=1, icount=True),
                          "elfcorehdr-icount", b))
        kinds.append(("threads", VM(timeout, kdump=True, smp=4, kvm=kvm), "elfcorehdr-smp4", 0))
        for bset, vm, label, b in kinds:
            script, asked = steps.bench(iters, reps, bset)
            boots.append(Boot("bench-%s-%d" % (label, b), col, "perf", image, script, asked,
                              label, "stress", vm, b))
    return Plan(env("RUN_NAME", "bench"), boots, reports=[bench_report.write], mode="bench",
                settings={"boots": nboots, "reps": reps})


def cover(args: list) -> Plan:
    """make cover: the cover flavour (gcov on tools/build/config/cover.files)
    running the fake scenario lists COVER_LISTS on the fake columns and
    COVER_VTD_LISTS on the real IOMMU's; every boot's counters merged per kernel
    (tools/report/cover.py). Judged as every other run of those lines."""
    if env("FLAVOUR") not in ("", "cover"):
        raise Refused("make cover builds the cover flavour; FLAVOUR=%s does not apply"
                      % env("FLAVOUR"))
    cols = [parse_column(c) for c in _columns(args, "")]
    fake = [c.text for c in cols if c.iommu == "fake"]
    real = [c.text for c in cols if c.iommu != "fake"]
    if env("SCENARIOS"):
        lines = newer = scenario_lines(env("SCENARIOS"))
    else:
        lines = []
        for name in env("COVER_LISTS", "default groups api sweep").split():
            lines += scenario_lines(str(SCENARIOS / name))
        # what only 7.x has: the IOVA-link API's entry
        newer = lines + scenario_lines(str(SCENARIOS / "api-iova"))
    boots = []
    for text in fake:
        col_lines = lines if parse_column(text).kver == "6.12" else newer
        boots += column_boots([text], col_lines, "expected", {}, "cover")
    if real:
        # the reset list reaches 7.x's reset functions (an ATS device)
        vtd = []
        for name in env("COVER_VTD_LISTS", "vtd reset").split():
            vtd += scenario_lines(str(SCENARIOS / name))
        boots += column_boots(real, vtd, "expected", {}, "cover")
    return Plan(env("RUN_NAME", "cover"), boots, Path(env("EXPECTED", str(EXPECTED))),
                mode="cover", reports=[cover_report.write])


def _lava_plan(args: list) -> Plan:
    return columns_mode("lava", args, "", "default")


MODES = {
    "run": lambda a: columns_mode("run", a, "6.12:vanilla 6.12:seed-v3", "default"),
    "matrix": lambda a: columns_mode("matrix", a, "", "default"),
    # splat evidence from runs of its own: printing inside attach_dev skews counts
    "splats": lambda a: columns_mode("splats", a, "", "splats", JUDGE / "expected-splats",
                                     "core_assert=1 warn=1", "splats"),
    "stock": lambda a: columns_mode("stock", a, "6.12:stock 7.3:stock", "stock"),
    "vtd": lambda a: columns_mode("vtd", a, "", "vtd"),
    "sweep": lambda a: columns_mode("sweep", a, "", "sweep"),
    "api": lambda a: columns_mode("api", a, "", "api"),
    "groups": lambda a: columns_mode("groups", a, "", "groups"),
    "reset": lambda a: columns_mode("reset", a, "", "reset"),
    "amd": lambda a: columns_mode("amd", a, "6.12:stock:amd 7.3:stock:amd", "amd"),
    "lava": _lava_plan,
    "lava-check": lambda a: columns_mode("lava-check", a, "", "lava-check"),
    "sanitize": sanitize,
    "fuzz": fuzz,
    "soak": soak,
    "kdump": kdump,
    "races": races,
    "bench": bench,
    "cover": cover,
}

# what a stored run of each mode is reported with when it is judged again
REPORTS = {
    "sanitize": [findings_report.write], "fuzz": [findings_report.write],
    "soak": [findings_report.write], "kdump": [findings_report.write],
    "races": [findings_report.write, races_report.write], "bench": [bench_report.write],
    "cover": [cover_report.write],
}

__all__ = ["MODES", "REPORTS", "FINDINGS"]
