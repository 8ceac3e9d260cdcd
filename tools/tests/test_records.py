"""tools/record/records.py: a console into records, its edge cases.

It replaced tools/record.sh + record.jq, and gave the same JSON as they
did on every console at hand when it did (the judge's fixtures, splatscan's
and a real make check's); tools/tests/judge.sh's fixtures go through it.
"""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))
from record import records as rec  # noqa: E402

JUDGE_FIXTURES = TOOLS / "tests" / "judge-fixtures"
SPLAT_FIXTURES = TOOLS / "splatscan" / "tests" / "fixtures"
SPLATSCAN = TOOLS / "splatscan" / "splatscan"
PYTHON = "/usr/bin/python3"
OK = {"status": "ok", "message": ""}


# --- helpers ------------------------------------------------------------------

@pytest.fixture(scope="session")
def tools_dir(tmp_path_factory) -> Path:
    """Stand-ins and a PATH whose python3 is Debian's; splatscan built."""
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (apt-get install -y jq)")
    subprocess.run(["make", "-s", "-C", str(TOOLS / "splatscan")], check=True)
    d = tmp_path_factory.mktemp("stand-ins")
    (d / "bin").mkdir()
    (d / "bin" / "python3").symlink_to(PYTHON)
    stubs = {
        "kunit-ok.py": "import sys\nsys.stdin.read()\n",
        "kunit-error.py": 'import sys\nsys.stdin.read()\nprint("[ERROR] Test: missing plan")\n',
        "kunit-crash.py": "import sys\nsys.stdin.read()\nraise SystemExit(3)\n",
        "kunit-traceback.py": "import sys\nsys.stdin.read()\nraise ValueError('bad KTAP')\n",
        "splatscan-crash": "#!/bin/sh\necho 'segfault here' >&2\nexit 139\n",
        "splatscan-garbage": "#!/bin/sh\necho not json\nexit 1\n",
    }
    for name, text in stubs.items():
        (d / name).write_text(text)
        (d / name).chmod(0o755)
    return d


def sed(text: str, edit: str) -> str:
    return subprocess.run(["sed", "-e", edit], input=text.encode(), check=True,
                          capture_output=True).stdout.decode()


def clean_log(scenario: str, edit: str = "") -> str:
    """judge.sh's `log SCENARIO [EDIT]`: one clean boot of SCENARIO."""
    return sed((JUDGE_FIXTURES / "clean.log").read_text().replace("@SC@", scenario), edit)


def insert_after(text: str, marker: str, extra: str, nth: int = 0) -> str:
    """Lines EXTRA after the nth line that contains MARKER."""
    lines = text.split("\n")
    at = [i for i, line in enumerate(lines) if marker in line][nth]
    return "\n".join(lines[:at + 1] + extra.rstrip("\n").split("\n") + lines[at + 1:])


def parts(log: str) -> tuple[str, str, str]:
    """A clean log as its boot, its scenario block and its end."""
    start = log.index("@@lockcheck: scenario ")
    end = log.index("@@lockcheck: done")
    return log[:start], log[start:end], log[end:]


def two_scenarios(first: str, second: str, first_extra: str = "", second_extra: str = "") -> str:
    """A boot that ran two scenarios, each block with its own extra text
    after its harness END line."""
    head, block1, tail = parts(clean_log(first))
    _, block2, _ = parts(clean_log(second))
    if first_extra:
        block1 = insert_after(block1, "harness: END", first_extra)
    if second_extra:
        block2 = insert_after(block2, "harness: END", second_extra)
    return head + block1 + block2 + tail


def fixture(name: str) -> str:
    path = JUDGE_FIXTURES / name
    return path.read_text() if path.exists() else (SPLAT_FIXTURES / name).read_text()


# --- fixtures -----------------------------------------------------------------------

WARNING = "warning-core-title-our-frames.txt"
KCSAN = "kcsan-timer-over-our-code.txt"
BUG = "bug-listed-core-finding.txt"


# --- the command line ---------------------------------------------------------------

def test_asked_in_steps(tmp_path):
    steps = tmp_path / "s"
    steps.write_bytes(b'up && scenario "a b=1"\n# scenario "c" scenario "d"\nscenario "x\xffy"\nscenario ""\n')
    assert rec.asked_in_steps(str(steps)) == ["a b=1", "c", "d", ""]
    steps.write_bytes(b'scenario "a"\0\n')
    assert rec.asked_in_steps(str(steps)) == []


# --- the library: edge cases ------------------------------------------------------------

def records_of(tmp_path, text: str, asked: list[str], **kw) -> list[dict]:
    log = tmp_path / "x.log"
    log.write_text(text)
    kw.setdefault("splatscan", str(SPLATSCAN))
    return rec.records(str(log), asked, {"kernel": "k"}, kw.pop("outcome", OK), **kw)


def titles(r: dict) -> list[str]:
    return [x["title"] for x in r["reports"]]


def test_no_scenario_asked_is_one_boot_record(tools_dir, tmp_path):
    out = records_of(tmp_path, clean_log("probe_first_map", f"/harness: END/r {JUDGE_FIXTURES}/{WARNING}"), [])
    assert len(out) == 1
    r = out[0]
    assert (r["asked"], r["scenario"], r["nth"], r["ran"]) == ("", None, 0, False)
    assert r["ktap"]["parser"] == "no KTAP" and r["ktap"]["present"] is True
    assert titles(r) == ["WARNING in iommu_group_mutex_assert"]
    assert (r["kernel"], r["run_id"], r["log"]) == ("k", "", str(tmp_path / "x.log"))


def test_record_fields(tools_dir, tmp_path):
    r = records_of(tmp_path, clean_log("probe_first_map"), ["probe_first_map rounds=20"],
                   ktap_parser=str(tools_dir / "kunit-ok.py"), run_id="r1")[0]
    assert r["ran"] is True and r["scenario"] == "probe_first_map" and r["class"] == "legal"
    assert r["guest"] == {"status": "ok", "message": "", "exit": 0, "not_ok": []}
    assert r["ktap"]["result"] == "ok" and r["ktap"]["parser"] == "ok" and r["ktap"]["reason"] is None
    assert r["rounds"] == {"requested": 20, "run": 20}
    assert r["detectors"]["unlocked_attach"] == 0 and r["counts"]["attach"] == 40
    assert r["knobs"] == {"core_assert": 0, "warn": 0, "attach_may_sleep": 1, "attach_drops": 0,
                          "attach_delay_us": 0}
    assert r["lockdep"] == "on" and r["splatscan"] == "ok" and r["reports"] == []
    assert r["run_id"] == "r1"


def test_outcome_is_taken_as_given(tools_dir, tmp_path):
    outcome = {"status": "panic", "message": "guest hung, or so it says"}
    r = records_of(tmp_path, clean_log("probe_first_map"), ["probe_first_map rounds=20"], outcome=outcome)[0]
    assert (r["guest"]["status"], r["guest"]["message"]) == ("panic", "guest hung, or so it says")


def test_status_of_message():
    vmerrs = ["", "guest hung: killed after 20s; console log x", "guest panicked: y",
              "guest stopped before the end of its steps", "guest oopsed: z",
              "the guest never ran", "qemu: x"]
    assert [rec.status_of_message(m) for m in vmerrs] == \
        ["ok", "hang", "panic", "incomplete", "oops", "incomplete", "error"]


def test_splatscan_missing(tools_dir, tmp_path):
    text = clean_log("probe_first_map", f"/harness: END/r {JUDGE_FIXTURES}/{WARNING}")
    r = records_of(tmp_path, text, ["probe_first_map rounds=20"], splatscan="/nonexistent/splatscan")[0]
    assert r["splatscan"] == "missing: /nonexistent/splatscan" and r["reports"] == []
    assert r["ran"] is True  # the log is still read, without splatscan


def test_splatscan_crashing(tools_dir, tmp_path):
    text = clean_log("probe_first_map", f"/harness: END/r {JUDGE_FIXTURES}/{WARNING}")
    r = records_of(tmp_path, text, ["probe_first_map rounds=20"], splatscan=str(tools_dir / "splatscan-crash"))[0]
    assert r["splatscan"] == "failed: exit 139 segfault here" and r["reports"] == []


def test_splatscan_killed_by_a_signal(tools_dir, tmp_path):
    killed = tools_dir / "splatscan-killed"
    killed.write_text("#!/bin/sh\nkill -SEGV $$\n")
    killed.chmod(0o755)
    r = records_of(tmp_path, clean_log("x"), ["x rounds=20"], splatscan=str(killed))[0]
    assert r["splatscan"] == "failed: exit 139 "


def test_ktap_without_end_marker(tools_dir, tmp_path):
    r = records_of(tmp_path, clean_log("probe_first_map", "/^@@lockcheck: results end/d"),
                   ["probe_first_map rounds=20"], ktap_parser=str(tools_dir / "kunit-ok.py"))[0]
    assert r["ktap"] == {"present": False, "result": None, "reason": None, "parser": "no KTAP", "diag": {}}
    assert r["class"] is None and r["rounds"] == {"requested": None, "run": None}
    assert r["detectors"] == {} and r["lockdep"] == "on"


def test_ktap_parser_statuses(tools_dir, tmp_path):
    text, asked = clean_log("probe_first_map"), ["probe_first_map rounds=20"]

    def parser(p):
        return records_of(tmp_path, text, asked, ktap_parser=p)[0]["ktap"]["parser"]
    assert parser(None) == "missing: KTAP_PARSER=unset"
    assert parser("/nonexistent/kunit.py") == "missing: KTAP_PARSER=/nonexistent/kunit.py"
    assert parser(str(tools_dir / "kunit-error.py")) == "error: Test: missing plan"
    assert parser(str(tools_dir / "kunit-crash.py")) == "failed: exit 3 "
    assert parser(str(tools_dir / "kunit-traceback.py")) == "failed: exit 1 ValueError: bad KTAP"


def test_scenario_that_never_started(tools_dir, tmp_path):
    text = clean_log("probe_first_map", "/^@@lockcheck: scenario/,$d")
    text += fixture(WARNING)
    first, second = records_of(tmp_path, text, ["probe_first_map rounds=20", "map_vs_map rounds=20"])
    for r in first, second:
        assert r["ran"] is False and r["ktap"]["present"] is False
        assert r["knobs"] is None and r["lockdep"] is None
    # with no block at all, the boot's reports are the first asked line's
    assert titles(first) == ["WARNING in iommu_group_mutex_assert"] and second["reports"] == []


def test_report_before_the_first_scenario(tools_dir, tmp_path):
    text = two_scenarios("probe_first_map", "map_vs_map")
    text = insert_after(text, "Run /init as init process", fixture(BUG))
    first, second = records_of(tmp_path, text, ["probe_first_map rounds=20", "map_vs_map rounds=20"])
    assert titles(first) == ["BUG: sleeping function called from invalid context in iommu_deferred_attach"]
    assert second["reports"] == []


def test_irq_frame_over_our_code(tools_dir, tmp_path):
    r = records_of(tmp_path, clean_log("map_vs_map", f"/harness: END/r {JUDGE_FIXTURES}/{KCSAN}"),
                   ["map_vs_map rounds=20"])[0]
    [report] = r["reports"]
    assert report["kind"] == "kcsan" and report["ours_title"] is False
    assert report["ours_stack"] is False  # our frames are only under the timer interrupt


def test_our_frames_under_a_core_title(tools_dir, tmp_path):
    r = records_of(tmp_path, clean_log("map_vs_map", f"/harness: END/r {JUDGE_FIXTURES}/{WARNING}"),
                   ["map_vs_map rounds=20"])[0]
    [report] = r["reports"]
    assert (report["ours_title"], report["ours_stack"]) == (False, True)


def test_ours_in_stack_rules():
    irq = ["Call Trace:", " <IRQ>", " core_fn+0x1/0x2", " </IRQ>", " hr_map+0x1/0x2 [harness]"]
    assert rec.ours_in_stack(irq) is False
    assert rec.ours_in_stack(irq + ["write to 0xff by task 1 on cpu 0:", " fi_attach_dev+0x1/0x2"]) is True
    assert rec.ours_in_stack([" x+0x1/0x2", " asm_sysvec_apic_timer_interrupt+0x1f/0x30",
                              " hr_hold+0x74/0xb8 [harness]"]) is False
    assert rec.ours_in_stack([" fake_iommu_check+0x12d/0x191"]) is True
    assert rec.ours_in_stack(["at: x+0x1 [harness 0123abcd]"]) is True
    assert rec.ours_in_stack(["hr_map+0x1/0x2"]) is False  # a name needs the space a frame line has


def test_kmemleak_bare_module_address(tools_dir, tmp_path):
    leak = ("unreferenced object 0xffff89862ca702e8 (size 32):\n"
            '  comm "rmmod", pid 2088, jiffies 4294680594 (age 375.486s)\n'
            "  backtrace (crc 0):\n"
            "    0xffffffffa01d2036\n"
            "    do_one_initcall+0x41/0x1df\n")
    r = records_of(tmp_path, clean_log("probe_first_map") + leak, ["probe_first_map rounds=20"])[0]
    [report] = r["reports"]
    assert report["kind"] == "kmemleak" and report["ours_stack"] is True


def test_two_scenarios_each_get_their_own_reports(tools_dir, tmp_path):
    text = two_scenarios("probe_first_map", "map_vs_map", fixture(WARNING), fixture(BUG))
    first, second = records_of(tmp_path, text, ["probe_first_map rounds=20", "map_vs_map rounds=20"])
    assert titles(first) == ["WARNING in iommu_group_mutex_assert"]
    assert titles(second) == ["BUG: sleeping function called from invalid context in iommu_deferred_attach"]
    assert (first["ran"], second["ran"], second["scenario"]) == (True, True, "map_vs_map")
    assert first["reports"][0]["first_line"] < second["reports"][0]["first_line"]


def test_the_same_line_twice_counts_nth(tools_dir, tmp_path):
    text = two_scenarios("probe_first_map", "probe_first_map")
    out = records_of(tmp_path, text, ["probe_first_map rounds=20"] * 2)
    assert [r["nth"] for r in out] == [0, 1] and all(r["ran"] for r in out)


def test_glued_markers_and_prefixes():
    assert rec.guest_line("[    1.77] x: Adding@@lockcheck: scenario a b[    1.77] to") == \
        "@@lockcheck: scenario a b[    1.77] to"
    assert rec.guest_line("[    2.500000][  T42] @@lockcheck: done rc=0") == "@@lockcheck: done rc=0"
    assert rec.guest_line("[    2.5] [T42] text") == "[T42] text"
    assert rec.ran("a b", ["@@lockcheck: scenario a b[    1.77] to"]) is True
    assert rec.ran("a b", ["@@lockcheck: scenario a bc"]) is False


def test_knobs_and_lockdep():
    assert rec.knobs(["@@lockcheck: knobs  warn=1   x=y core_assert=02 "]) == {"warn": 1, "core_assert": 2}
    assert rec.knobs(["@@lockcheck: knobs "]) == {}
    assert rec.knobs(["no knobs"]) is None
    states = ["@@lockcheck: lockdep debug_locks=1", "@@lockcheck: lockdep debug_locks=0"]
    assert rec.lockdep(states) == "off" and rec.lockdep(states[:1]) == "on"
    assert rec.lockdep(["@@lockcheck: lockdep absent"]) == "absent"


def test_jq_numbers():
    assert [rec.jq_tonumber(s) for s in ["20", " 020\n", "+5", "1e3", "1.5", "-3"]] == [20, 20, 5, 1000, 1.5, -3]
    for bad in ["", "abc", "0x10", "1_0", "nan", "2 0"]:
        with pytest.raises(ValueError):
            rec.jq_tonumber(bad)


def test_jq_text_matches_jq(tmp_path):
    """Invalid UTF-8 becomes U+FFFD as jq 1.6 replaces it."""
    if shutil.which("jq") is None:
        pytest.skip("no jq")
    rnd = random.Random(7)
    pieces = [b"a", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\x80", b"\xbf", b"\xc0", b"\xc1",
              b"\xe0\x80", b"\xed\xa0\x80", b"\xf4\x90", b"\xf5", b"\xff", b"\xe2\x82", b"\n"]
    for n in range(20):
        data = b"".join(rnd.choice(pieces) for _ in range(60))
        f = tmp_path / f"t{n}"
        f.write_bytes(data)
        out = subprocess.run(["jq", "-n", "--rawfile", "l", str(f), "$l"], capture_output=True, check=True)
        assert rec.jq_text(data) == json.loads(out.stdout), data
