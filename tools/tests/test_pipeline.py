"""The host pipeline's own tests: no kernel build, no boot. Every input a
person gives is refused with a line naming it and leaves nothing behind;
the engine keeps each run's results its own (the provenance bugs of the
old pipeline each have a test here); the launcher, LAVA and KCIDB pieces
read what they read as they should."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))

from boot import launch  # noqa: E402
from build import artefacts  # noqa: E402
from engine import engine  # noqa: E402
from engine.model import VM, Boot, Outcome, parse_column  # noqa: E402
from engine.util import Refused  # noqa: E402
from export.kcidb import kcidb  # noqa: E402
from export.lava import lava  # noqa: E402
from plan import modes, steps  # noqa: E402
from report import compare, races  # noqa: E402

FIXTURE = TOOLS / "tests" / "judge-fixtures" / "clean.log"
LC = [sys.executable, str(TOOLS / "lockcheck.py")]


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A results tree and cache of the test's own, and no settings."""
    for k in list(os.environ):
        if k in ("KSRC", "VARIANT", "PATCHES", "FLAVOUR", "KNOBS", "POLICY", "SCENARIOS",
                 "JOBS", "RUN_NAME", "EXPECTED", "KDUMP", "VM_SMP", "VM_TIMEOUT",
                 "SANITIZE_FLAVOURS", "STRESS_FLAVOUR", "RACE_ROUNDS", "RACE_VARIANTS", "KCIDB_ORIGIN",
                 "KCIDB_URL_BASE", "LC_RUN_ID", "COLUMNS", "REPEAT", "HOST_LOAD", "COVER_LISTS",
                 "COVER_VTD_LISTS"):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LC_RUN_ID", "20261202T000000Z-1")
    return tmp_path


def lc(*args, **extra):
    e = dict(os.environ, **extra)
    return subprocess.run(LC + list(args), env=e, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


# Columns ------------------------------------------------------------------

@pytest.mark.parametrize("text,kind,variant,iommu", [
    ("6.12:seed-v3", "variant", "seed-v3", "fake"),
    ("6.12:seed-v3:vtd", "variant", "seed-v3", "vtd"),
    ("7.3:vanilla:fake", "variant", "vanilla", "fake"),
    ("6.12:stock", "stock", "stock", "fake"),
    ("7.3:stock:amd", "stock", "stock", "amd"),
])
def test_columns_parse(env, text, kind, variant, iommu):
    c = parse_column(text)
    assert (c.kind, c.variant, c.iommu) == (kind, variant, iommu)
    assert c.capture == (iommu != "fake")


@pytest.mark.parametrize("text,why", [
    ("6.12:seed-v3:arm", "column '6.12:seed-v3:arm': 'arm' is not an IOMMU (fake, vtd or amd)"),
    ("6.12:seed-v3:amd", "column 6.12:seed-v3:amd: amd columns need Debian's kernel"),
    ("6.12:stock:vtd", "column 6.12:stock:vtd: vtd columns boot kernels this project builds"),
    ("6.12:no-such-variant", "VARIANT=no-such-variant: no patches/no-such-variant/"),
    ("4.4:vanilla", "KVER=4.4 is not a known kernel (known: 6.12 7.3)"),
    ("6.1:stock", "KVER=6.1 is not a known kernel (known: 6.12 7.3)"),
    ("seed-v3", "column 'seed-v3' is not KVER:VARIANT"),
    ("ksrc", "column ksrc needs KSRC="),
    ("6.12:@/nonexistent", "patch set /nonexistent has no series file"),
])
def test_columns_refused(env, text, why):
    with pytest.raises(Refused, match=None) as e:
        parse_column(text)
    assert why in str(e.value)


# Settings -----------------------------------------------------------------

@pytest.mark.parametrize("args,extra,why", [
    (["run", "run", "6.12:vanilla"], {"FLAVOUR": "perf"}, "FLAVOUR=perf is make bench's kernel"),
    (["run", "run", "6.12:vanilla"], {"JOBS": "0"}, "JOBS=0 is not a number of boots at once"),
    (["run", "run", "6.12:vanilla"], {"KDUMP": "2"}, "KDUMP=2 must be 0 or 1"),
    (["run", "run", "6.12:vanilla"], {"VM_SMP": "0"}, "VM_SMP=0 must be 1 to 8 vCPUs"),
    (["run", "run", "6.12:vanilla"], {"VM_TIMEOUT": "x"}, "VM_TIMEOUT=x is not a number"),
    (["run", "run", "6.12:vanilla"], {"KNOBS": "warn=1"}, "KNOBS=warn=1 needs a POLICY of its own"),
    (["run", "run", "6.12:vanilla"], {"KNOBS": "warn", "POLICY": "s"}, "KNOBS: 'warn' is not KNOB=NUMBER"),
    (["run", "run", "6.12:vanilla"], {"POLICY": "stress"}, "POLICY=stress is not a lower-case name"),
    (["run", "run", "6.12:seed-v3:vtd"], {"KNOBS": "warn=1", "POLICY": "splats"},
     "column 6.12:seed-v3:vtd: KNOBS are fake_iommu's"),
    (["run", "run", "6.12:vanilla"], {"SCENARIOS": "/nonexistent"}, "scenario list /nonexistent does not exist"),
    (["run", "sanitize"], {"SANITIZE_FLAVOURS": "kasan"}, "SANITIZE_FLAVOURS: 'kasan' is not sanitize or kcsan"),
    (["run", "soak"], {"STRESS_FLAVOUR": "kasan"}, "STRESS_FLAVOUR=kasan is not sanitize, kcsan or base"),
    (["run", "races"], {"RACE_ROUNDS": "12x"}, "RACE_ROUNDS=12x must be a positive number"),
    (["run", "races"], {"RACE_VARIANTS": "seed-v3 no-such"}, "VARIANT=no-such: no patches/no-such/"),
    (["run", "bench", "6.12:vanilla"], {"BENCH_BOOTS": "0"}, "BENCH_BOOTS=0 must be a positive number"),
    (["run", "bench", "6.12:vanilla"], {"REPS": "x"}, "REPS=x must be a positive number"),
    (["run", "bench", "6.12:vanilla"], {"FLAVOUR": "kasan"}, "FLAVOUR=kasan does not apply"),
    (["run", "cover", "6.12:vanilla"], {"FLAVOUR": "sanitize"}, "FLAVOUR=sanitize does not apply"),
    (["run", "cover"], {}, "no columns given"),
    (["run", "groups", "6.12:vanilla"], {"SCENARIOS": "/nonexistent"},
     "scenario list /nonexistent does not exist"),
    (["run", "run", "6.12:vanilla"], {"REPEAT": "0"}, "REPEAT=0 must be a positive number"),
    (["run", "run", "6.12:vanilla"], {"HOST_LOAD": "x"}, "HOST_LOAD=x must be a number of busy"),
    (["run", "races"], {"REPEAT": "2"}, "make races has repetitions of its own"),
    (["run", "nosuchmode"], {}, "mode 'nosuchmode' is not one of"),
    (["judge"], {}, "judge: give one RUN"),
    (["judge", "/nonexistent"], {}, "/nonexistent is no run directory"),
    (["compare", "/nonexistent", "/nonexistent"], {}, "is not a judged run"),
])
def test_settings_refused_with_one_line_and_nothing_written(env, args, extra, why):
    p = lc(*args, **extra)
    assert p.returncode != 0
    assert p.stderr.strip().splitlines()[-1].startswith("error: ")
    assert why in p.stderr.strip().splitlines()[-1], p.stderr
    assert not (env / "results").exists()


def test_vm_settings_refused():
    for vm, why in [(VM(icount=True, kvm=True), "VM_KVM=1 and VM_ICOUNT=1 exclude each other"),
                    (VM(iommu="arm"), "VM_IOMMU=arm must be fake, vtd or amd"),
                    (VM(iommu="vtd", edu=9), "VM_EDU=9 must be 1 to 4 edu devices"),
                    (VM(iommu="amd", ats=True), "an ATS device needs VM_IOMMU=vtd")]:
        with pytest.raises(Refused) as e:
            launch.validate(vm)
        assert why in str(e.value)


# Steps and cells ------------------------------------------------------------

def test_steps_say_what_they_ask():
    s, asked = steps.capture("blocked_dma", "console=ttyS0 intel_iommu=on", "vtd")
    assert asked == ["blocked_dma"]
    assert 'HR_ARGS="${HR_ARGS:-}$(planted_args)" up && scenario "blocked_dma"' in s
    assert "FI_ARGS=watch=intel_iommu_attach_device" in s
    s, asked = steps.bench(100, 2, "threads")
    # 3 repetitions of 5 lines; dma_map_benchmark after the one-device pairs
    assert len(asked) == 3 * 5 and s.count("\ndb ") == 3 * 3
    assert sum("path=group" in a for a in asked) == 3 * 2
    # the sweeps open the kernel's fault filters first; nothing else does
    s, _ = steps.scenario("attach_fault_sweep max_n=9", {})
    assert 'up && knobs && fault_filters && scenario "attach_fault_sweep max_n=9"' in s
    assert "fault_filters" not in steps.scenario("map_vs_map", {})[0]
    with pytest.raises(Refused):
        steps.scenario('x "y"', {})
    with pytest.raises(Refused):
        steps.bench(1, 1, "nope")


def test_isolation_boots_where_the_case_claims(env, tmp_path, monkeypatch):
    """blocked_dma's cases: the first kernel's command line and the kernel
    the claim is made in come from the case, on vtd columns only."""
    lst = tmp_path / "iso"
    lst.write_text("blocked_dma\nblocked_dma_pt\nblocked_dma_first_pt\n")
    monkeypatch.setenv("SCENARIOS", str(lst))
    copied, pt, first = modes.MODES["vtd"](["6.12:vanilla:vtd"]).boots
    assert copied.vm.capture and "iommu=pt" not in copied.vm.append
    assert pt.vm.capture and "iommu=pt" in pt.vm.append and "$(planted)" in pt.steps
    assert not first.vm.capture and first.vm.iommu == "vtd" and "iommu=pt" in first.vm.append
    assert first.label == "normal" and "kexec" not in first.steps
    assert 'planted >/dev/null\nscenario "blocked_dma_first_pt"' in first.steps
    # scalable mode: QEMU's and both kernels', checked in the guest; VT-d's only
    lst.write_text("blocked_dma_pt_sm\n")
    sm, = modes.MODES["vtd"](["7.3:vanilla:vtd"]).boots
    with pytest.raises(Refused) as e:
        modes.MODES["amd"](["7.3:stock:amd"])
    assert "needs VT-d" in str(e.value)
    assert sm.vm.sm and "iommu=pt" in sm.vm.append
    assert 'scalable_mode && scenario "blocked_dma_pt_sm"' in sm.steps
    assert "--append=\"console=ttyS0" in sm.steps and "intel_iommu=on,sm_on$(planted)" in sm.steps
    _, machine, append = launch.qemu_options(sm.vm)
    assert "intel-iommu,x-scalable-mode=on" in machine and "intel_iommu=on,sm_on" in append


def test_cells_count_the_same_line_again():
    col = parse_column("6.12:vanilla")
    b = Boot("b", col, "", ("initramfs",), "", ["a", "b", "a"], "elfcorehdr", "stress", VM())
    assert [(c.asked, c.nth) for c in b.cells()] == [("a", 0), ("b", 0), ("a", 1)]
    b.asked = []
    assert [c.asked for c in b.cells()] == [""]


def test_same_scenario_twice_gets_two_boots(env, tmp_path):
    lst = tmp_path / "twice"
    lst.write_text("probe_first_map rounds=2\nmap_vs_map\nprobe_first_map rounds=3\n")
    os.environ["SCENARIOS"] = str(lst)
    try:
        plan = modes.MODES["run"](["6.12:vanilla"])
    finally:
        del os.environ["SCENARIOS"]
    assert [b.name for b in plan.boots] == ["probe_first_map", "map_vs_map", "probe_first_map-2"]


# The store ------------------------------------------------------------------

def test_store_is_content_addressed(env, tmp_path):
    src = tmp_path / "bzImage"
    src.write_bytes(b"one")
    p1, h1 = artefacts.store_file(src, "bzImage")
    # a second checkout rebuilds the tree in place under queued boots
    src.write_bytes(b"two")
    p2, h2 = artefacts.store_file(src, "bzImage")
    assert h1 != h2 and p1 != p2
    assert p1.read_bytes() == b"one" and p2.read_bytes() == b"two"
    assert h1 in str(p1)


# The engine, with builds and boots faked -----------------------------------

@pytest.fixture
def fake_vm(env, tmp_path, monkeypatch):
    """Builds that make no kernel and boots that print the judge fixtures'
    clean console for the scenario asked."""
    kout = tmp_path / "kout"
    kout.mkdir()
    (kout / ".config").write_text("CONFIG_LOCKDEP=y\n")
    parser = tmp_path / "kunit.py"
    parser.write_text("import sys\nsys.stdin.read()\n")
    expected = tmp_path / "expected"
    expected.write_text("6.12 vanilla probe_first_map clean - fixture\n"
                        "6.12 seed-v3 probe_first_map clean - fixture\n")
    monkeypatch.setenv("EXPECTED", str(expected))
    lst = tmp_path / "scenarios"
    lst.write_text("probe_first_map rounds=20\n")
    monkeypatch.setenv("SCENARIOS", str(lst))

    def build(col, flavour, image, _):
        return artefacts.Build(col.text, col.kernel, col.kver, col.variant, flavour, image[0],
                               "6.12.117", str(kout), "bz", "aa" * 32, str(kout / ".config"),
                               "mods", "bb" * 32, "initrd", "cc" * 32, str(parser),
                               artefacts.series(col.patches, col.kver), "linux-source-6.12",
                               "6.12.117-1~deb12u1")

    booted = []

    def boot(vm, bz, initrd, mods, script, out):
        sc = script.split('scenario "')[1].split(" ")[0]
        booted.append(out)
        Path(str(out) + ".log").write_text(FIXTURE.read_text().replace("@SC@", sc))
        return Outcome("ok")

    monkeypatch.setattr(engine, "build", build)
    monkeypatch.setattr(engine.launch, "boot", boot)
    return booted


def test_two_runs_in_one_results_tree_keep_their_own_files(fake_vm, env, monkeypatch):
    assert engine.execute(modes.MODES["matrix"](["6.12:vanilla"]), 1) == 0
    monkeypatch.setenv("LC_RUN_ID", "20261202T000001Z-2")
    assert engine.execute(modes.MODES["run"](["6.12:vanilla", "6.12:seed-v3"]), 2) == 0
    root = env / "results"
    first, second = root / "20261202T000000Z-1" / "matrix", root / "20261202T000001Z-2" / "run"
    for run in (first, second):
        doc = json.loads((run / "kcidb.json").read_text())
        logs = [t["misc"]["run_id"] for t in doc["tests"] if "misc" in t and "run_id" in t["misc"]]
        assert logs and all(r.endswith("/" + run.name) for r in logs)
        rows = json.loads((run / "judged.json").read_text())
        assert all(r["log"].startswith(str(run) + "/") for r in rows)
        assert all(r["artefacts"]["bzimage"] == "aa" * 32 for r in rows)
    # the first run's console is still the first run's
    assert len(json.loads((first / "judged.json").read_text())) == 1
    assert os.readlink(root / "latest") == "20261202T000001Z-2"


def test_the_same_mode_twice_in_one_check_is_two_runs(fake_vm, env, monkeypatch):
    assert engine.execute(modes.MODES["run"](["6.12:seed-v3"]), 1) == 0
    # a second run under the same name never overwrites the first
    with pytest.raises(Refused, match="already exists"):
        engine.execute(modes.MODES["run"](["6.12:vanilla"]), 1)
    monkeypatch.setenv("RUN_NAME", "run-oracle")
    assert engine.execute(modes.MODES["run"](["6.12:vanilla"]), 1) == 0
    top = env / "results" / "20261202T000000Z-1"
    a = json.loads((top / "run" / "judged.json").read_text())
    b = json.loads((top / "run-oracle" / "judged.json").read_text())
    assert {r["variant"] for r in a} == {"seed-v3"} and {r["variant"] for r in b} == {"vanilla"}


def test_a_boot_that_leaves_no_record_is_a_missing_cell(fake_vm, env, monkeypatch):
    def broken(*a):
        raise Refused("kexec not found")
    monkeypatch.setattr(engine.launch, "boot", broken)
    assert engine.execute(modes.MODES["run"](["6.12:vanilla"]), 1) == 1
    rows = json.loads((env / "results" / "20261202T000000Z-1" / "run" / "judged.json").read_text())
    assert rows[0]["verdict"] == "missing"
    assert "no record" in rows[0]["failures"][0]


def test_a_stored_run_is_judged_again_without_a_vm_and_left_alone(fake_vm, env, monkeypatch):
    assert engine.execute(modes.MODES["run"](["6.12:vanilla"]), 1) == 0
    run = env / "results" / "20261202T000000Z-1" / "run"
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    monkeypatch.setenv("LC_RUN_ID", "20261202T000002Z-3")
    p = lc("judge", str(run))
    assert p.returncode == 0, p.stderr
    again = env / "results" / "20261202T000002Z-3" / "run-rejudged"
    a = json.loads((run / "judged.json").read_text())
    b = json.loads((again / "judged.json").read_text())
    assert [(r["verdict"], r["ok"]) for r in a] == [(r["verdict"], r["ok"]) for r in b]
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before
    lines, differ = compare.compare(a, b, counts=True)
    assert differ == 0, lines


# Reports ----------------------------------------------------------------

def _row(variant, sc, titles):
    return {"variant": variant, "asked": sc + " rounds=1", "reports": [{"title": t} for t in titles]}


def test_repeat_runs_each_boot_n_times_and_tables_the_flips(fake_vm, env, monkeypatch):
    from plan import repeat
    plan = repeat.apply(modes.MODES["run"](["6.12:vanilla", "6.12:seed-v3"]), "3", "1")
    assert [b.rep for b in plan.boots] == [1, 1, 2, 2, 3, 3]
    assert engine.execute(plan, 2) == 0
    run = env / "results" / "20261202T000000Z-1" / "run"
    flk = json.loads((run / "flake.json").read_text())
    assert flk["repeat"] == 3 and flk["host_load"] == 1
    assert [(c["variant"], c["repeats"], c["passed"]) for c in flk["cells"]] == \
        [("vanilla", 3, 3), ("seed-v3", 3, 3)]
    doc = json.loads((run / "kcidb.json").read_text())
    cells = [t for t in doc["tests"] if "misc" in t and "repeats" in t["misc"]]
    assert len(cells) == 6 and {t["misc"]["repeats"] for t in cells} == {3}
    assert sorted(t["misc"]["rep"] for t in cells) == [1, 1, 2, 2, 3, 3]
    # judged again without a VM: the same table
    monkeypatch.setenv("LC_RUN_ID", "20261202T000003Z-4")
    assert lc("judge", str(run)).returncode == 0
    again = env / "results" / "20261202T000003Z-4" / "run-rejudged" / "flake.json"
    assert json.loads(again.read_text())["cells"] == flk["cells"]


@pytest.mark.parametrize("values,low,high", [
    ([0, 0, 0], 1.0, 1.0),                 # never fired: always fails
    ([20] * 10, 0, 1e-8),                  # no spread: fixed by construction
    ([1] * 10, 0, 0),                      # one planted event per run: never 0
    ([5, 4, 5, 5, 6, 5, 4, 5, 5, 6], 1e-7, 1e-3),   # under-dispersed: binomial
    ([4, 21, 25, 11, 24, 34, 19, 8, 30, 15], 1e-4, 0.05),   # over-dispersed: far above exp(-19)
])
def test_flake_chance_of_a_zero(values, low, high):
    from report import flake
    assert low <= flake.p_zero(values) <= high
    if values[0]:
        # more rounds are asked for exactly when the chance is too high
        need = flake.rounds_for(values, 200)
        assert (need is None or need > 200) == (flake.p_zero(values) >= flake.SAFE)


def test_flake_rounds_never_overflow():
    from report import flake
    # a tiny dispersion shape: no OverflowError, and "no number" past the cap
    assert flake.rounds_for([0] * 999 + [50], 200) is None
    assert flake.bound(0, 10) == pytest.approx(0.259, abs=1e-3)
    assert flake.bound(10, 10) == 1.0


def test_flake_counts_a_failed_condition():
    from report import flake
    rows = [{"kver": "6.12", "variant": "seed-v3", "boot": "elfcorehdr", "asked": "a", "ok": v > 0,
             "verdict": "race" if v else "clean", "conds": "stale_attach>0,unlocked_attach=0",
             "detectors": {"stale_attach": v, "unlocked_attach": 0},
             "rounds": {"requested": 200}} for v in (5, 0, 7)]
    (cell,) = flake.cells(rows)
    stale, unlocked = cell["conditions"]
    assert (cell["passed"], cell["verdicts"]) == (2, {"race": 2, "clean": 1})
    assert (stale["failed"], stale["min"], stale["max"], stale["safe"]) == (1, 0, 7, False)
    # with 3 repetitions no condition is a gate candidate, even with no failure
    steady = [dict(r, detectors={"stale_attach": 40, "unlocked_attach": 0}) for r in rows]
    assert unlocked["safe"] and not flake.cells(steady)[0]["conditions"][0]["safe"]
    assert (unlocked["failed"], "p_zero" in unlocked) == (0, False)


def test_races_verdicts():
    want = races.expectations()
    flag = "KCSAN: data-race in __iommu_device_set_domain / iommu_deferred_attach"
    t = races.tally([_row("recheck-under-lock", "map_vs_owner", [flag]),
                     _row("seed-v3", "map_vs_owner", [flag, flag])])
    v = races.verdicts(t, want)
    assert len(v) == 1 and v[0].startswith("races recheck-under-lock: 1 KCSAN reports")
    # a variant with no expectation line is not "any"
    v = races.verdicts(races.tally([_row("double-check", "map_vs_attach", [])]), want)
    assert v and "no line in expected-races" in v[0]


def test_compare_names_a_changed_verdict():
    a = [{"kver": "6.12", "variant": "v", "boot": "b", "asked": "x", "verdict": "clean", "ok": True}]
    b = [dict(a[0], verdict="race")]
    assert compare.compare(a, a)[1] == 0
    lines, differ = compare.compare(a, b)
    assert differ == 1 and "verdict" in lines[0]


# The launcher -------------------------------------------------------------

def test_console_end(tmp_path):
    log = tmp_path / "c.log"
    cases = [("@@lockcheck: done rc=0\n", False, "ok"),
             ("[ 1.0] Kernel panic - not syncing: sysrq\n", False, "panic"),
             ("[ 1.0] Kernel panic - not syncing: sysrq\n@@lockcheck: done rc=0\n", True, "ok"),
             ("[ 1.0] Oops: 0000 [#1]\n@@lockcheck: done rc=0\n", False, "oops"),
             ("@@lockcheck: boot\n", False, "incomplete")]
    for text, panic, status in cases:
        log.write_text(text)
        assert launch.console_end(log, panic)[0] == status, text
    log.write_text("[ 0.1] Oops: int3\n")
    assert launch.died_before_init(log)
    log.write_text("@@lockcheck: boot\n[ 0.1] Oops: int3\n")
    assert not launch.died_before_init(log)
    hang = Outcome("hang", "guest hung: killed after 300s", "timeout")
    log.write_text("[ 1.0] PCI: Using ACPI for IRQ routing\n")
    assert launch.died_before_init(log, hang)
    assert not launch.died_before_init(log, Outcome("panic", "x", "panic"))
    log.write_text("[ 1.0] PCI: Using ACPI for IRQ routing\n@@lockcheck: boot\n")
    assert not launch.died_before_init(log, hang)
    # QEMU killed by a signal of its own is booted again, unless the guest
    # reported something first; a failed exit and our timeout's kill are not
    segv = Outcome("error", "x", "qemu-error", -11)
    log.write_text("@@lockcheck: boot\n[ 5.0] harness: BEGIN reset_vs_probe_map\n")
    assert launch.qemu_crashed(segv, log)
    assert not launch.qemu_crashed(Outcome("error", "x", "qemu-error", 1), log)
    assert not launch.qemu_crashed(hang, log)
    log.write_text("@@lockcheck: boot\n[ 5.0] ------------[ cut here ]------------\n"
                   "[ 5.0] WARNING: CPU: 1 PID: 9 at drivers/iommu/iommu.c:2255 "
                   "iommu_deferred_attach+0x1/0x2\n[ 5.0] Call Trace:\n[ 5.0]  <TASK>\n"
                   "[ 5.0]  iommu_deferred_attach+0x1/0x2\n[ 5.0]  </TASK>\n"
                   "[ 5.0] ---[ end trace 0000000000000000 ]---\n")
    assert not launch.qemu_crashed(segv, log)


def test_capture_part_and_steps_archive(tmp_path):
    full = tmp_path / "full.log"
    full.write_text("Linux version 1\r\nfirst\nLinux version 2\nsecond\n")
    assert launch.capture_part(full) == "Linux version 2\nsecond\n"
    arc = tmp_path / "a.cpio"
    import gzip
    arc.write_bytes(gzip.decompress(launch.steps_archive("echo hi\n")))
    out = subprocess.run(["cpio", "-i", "--to-stdout", "steps"], stdin=open(arc, "rb"),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    assert out == b"echo hi\n"


def test_qemu_options():
    common, machine, append = launch.qemu_options(VM(iommu="vtd", edu=2, kdump=False))
    assert machine == ["-machine", "q35", "-device", "intel-iommu", "-nic", "none",
                       "-device", "edu,dma_mask=0xffffffff", "-device", "edu,dma_mask=0xffffffff"]
    assert "intel_iommu=on" in append and "elfcorehdr" not in append
    assert " ".join(common) == "-accel tcg,thread=multi -cpu max -smp 2 -m 1G -no-reboot"
    assert launch.accelerator(VM(icount=True)) == "tcg-icount"
    _, machine, _ = launch.qemu_options(VM(iommu="vtd", ats=True, kdump=False))
    assert machine[:4] == ["-machine", "q35", "-device", "intel-iommu,device-iotlb=on"]
    assert machine[-1].startswith("virtio-rng-pci,") and "ats=on" in machine[-1]


# LAVA and KCIDB -----------------------------------------------------------

def _lava_cell(tmp_path, boot_cmd, result):
    out = tmp_path / "cell"
    (out / "lava").mkdir(parents=True)
    (out / "boot.env").write_text(
        "QEMU_COMMON='-accel tcg,thread=multi -cpu max -smp 2 -m 1G -no-reboot'\n"
        "QEMU_MACHINE=''\nAPPEND='x'\nTIMEOUT=300\nEXPECT_PANIC=0\nCAPTURE=0\n")
    lines = ['{"dt": "x", "lvl": "debug", "msg": "Boot command: %s"}' % boot_cmd]
    lines += [json.dumps({"dt": "x", "lvl": "target", "msg": ln})
              for ln in FIXTURE.read_text().replace("@SC@", "probe_first_map").splitlines()]
    (out / "lava" / "output.log").write_text("\n".join(lines) + "\n")
    (out / "lava" / "result.yaml").write_text(result)
    return out


def test_lava_log_back_into_an_outcome(tmp_path):
    good = "/usr/bin/qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 1024 -no-reboot -k"
    out = _lava_cell(tmp_path, good, "result: pass\n")
    assert lava.record_log(out).status == "ok"
    assert "@@lockcheck: done rc=0" in Path(str(out) + ".log").read_text()
    out = _lava_cell(tmp_path / "b", "-cpu host -enable-kvm -smp 1 -m 512", "result: pass\n")
    o = lava.record_log(out)
    assert o.status == "error" and "no '-accel tcg,thread=multi'" in o.message
    out = _lava_cell(tmp_path / "c", good, "result: fail\nerror_msg: Connection closed\n")
    o = lava.record_log(out)
    assert o.message == "LAVA job incomplete: Connection closed"


def test_kcidb_settings(monkeypatch):
    monkeypatch.setenv("KCIDB_ORIGIN", "Bad")
    with pytest.raises(kcidb.KcidbError, match="KCIDB_ORIGIN=Bad is not"):
        kcidb.settings()
    monkeypatch.setenv("KCIDB_ORIGIN", "ok")
    monkeypatch.setenv("KCIDB_URL_BASE", "ftp://x")
    with pytest.raises(kcidb.KcidbError, match="KCIDB_URL_BASE=ftp://x is not"):
        kcidb.settings()


# The guest tests' plans (make selftest) -------------------------------------

def test_guest_test_plans_and_exit_status():
    from tests.vm_selftest import guest_results
    M = "@@lockcheck: "

    def failing(text, rc):
        return [name for name, good, _ in guest_results(text, rc) if not good]
    whole = "\n".join([M + "plan 2", M + "ok a", M + "ok b"])
    assert failing(whole, 0) == []
    assert failing("\n".join([M + "plan 3", M + "ok a", M + "ok b"]), 0) == \
        ["2 results, as its plan says"]
    assert failing("\n".join([M + "ok a"]), 0) == ["1 results, as its plan says"]
    assert failing("\n".join([M + "plan 1", M + "not ok a: why"]), 0) == \
        ["a: why", "the guest's exit status counts its failures"]
    assert failing(whole, None) == ["the guest's exit status counts its failures"]
