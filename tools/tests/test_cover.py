"""make cover's pieces without a kernel: the guest's dump read back out of
a console (a lost line is named, never merged), and the counters of a
small program built with gcc --coverage, as the cover kernel's are, read
by gcov and tabled per function, branch by branch."""

import base64
import hashlib
import io
import subprocess
import sys
import tarfile
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TOOLS))

from plan import steps  # noqa: E402
from report import cover  # noqa: E402

PROGRAM = """int attach(int deferred)
{
    if (deferred)
        return 1;
    return 0;
}

int never(void)
{
    return 7;
}

int main(void)
{
    return attach(1) - 1;
}
"""


def console(label: str, data: bytes, drop: int | None = None, noise: bool = False) -> str:
    b64 = base64.encodebytes(data).decode().splitlines()
    if drop is not None:
        del b64[drop]
    if noise:
        b64.insert(1, "fake_iommu: registered with 0 client(s)")
    return "\n".join(["@@lockcheck: gcov begin %s" % label] + b64 +
                     ["@@lockcheck: gcov end %s %s" % (label, hashlib.md5(data).hexdigest())])


def test_a_dump_comes_back_whole_between_kernel_lines():
    data = bytes(range(256)) * 4
    found, problems = cover.dumps(console("boot", data, noise=True))
    assert problems == [] and found == [("boot", data)]


def test_a_lost_line_is_named_not_merged():
    found, problems = cover.dumps(console("capture", bytes(range(256)) * 4, drop=2))
    assert found == [] and "md5 differs" in problems[0]


def test_a_damaged_line_is_named_not_raised():
    text = console("boot", bytes(range(256)) * 4).replace("\n", "\nA", 1)
    found, problems = cover.dumps(text.replace("@@lockcheck: gcov begin boot\nA",
                                               "@@lockcheck: gcov begin boot\nAAA"))
    assert found == [] and problems


def test_a_dump_without_its_end_is_named():
    text = console("first", b"x" * 300).rsplit("\n", 1)[0]
    found, problems = cover.dumps(text)
    assert found == [] and problems == ["gcov dump first has no end"]


def test_cover_boots_dump_each_kernel():
    s, _ = steps.scenario("probe_first_map", {}, gcov=True)
    assert s.index("down\n") < s.index("gcov_dump boot") < s.index("exit $failures")
    s, _ = steps.capture("map_vs_attach", "x", "vtd", gcov=True)
    assert s.index("gcov_dump capture") < s.index("kexec -p")
    assert s.index("gcov_dump first") < s.index("sysrq-trigger")
    assert "gcov_dump" not in steps.scenario("probe_first_map", {})[0]


def test_counters_of_a_program_tabled_per_function(tmp_path):
    build = tmp_path / "build"
    obj = build / "drivers" / "t"
    obj.mkdir(parents=True)
    src = tmp_path / "src" / "drivers" / "t" / "t.c"
    src.parent.mkdir(parents=True)
    src.write_text(PROGRAM)
    subprocess.run(["gcc", "--coverage", "-O0", "-c", str(src), "-o", str(obj / "t.o")],
                   check=True)
    subprocess.run(["gcc", "--coverage", str(obj / "t.o"), "-o", str(tmp_path / "t")],
                   check=True)
    subprocess.run([str(tmp_path / "t")], check=True)
    kout = tmp_path / "kout"
    (kout / "cover" / "drivers" / "t").mkdir(parents=True)
    (kout / "builddir").write_text(str(build) + "\n")
    (kout / "cover" / "drivers" / "t" / "t.gcno").write_bytes((obj / "t.gcno").read_bytes())
    (kout / "cover" / "drivers" / "t" / "t.c").write_text(PROGRAM)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(str(obj / "t.gcda"), arcname="./%s/drivers/t/t.gcda" % str(build).lstrip("/"))
    cov = cover.Coverage(kout)
    assert cov.add(buf.getvalue(), tmp_path / "work", tmp_path / "gcov.log") == []
    assert cov.add(buf.getvalue(), tmp_path / "work", tmp_path / "gcov.log") == []
    row = cov.row("attach", "")
    assert (row["calls"], row["lines"], row["lines_hit"]) == (2, 4, 3)
    assert (row["branches"], row["branches_hit"]) == (2, 1)
    assert [u["text"] for u in row["unreached"]] == ["return 0;"]
    assert cov.row("never", "")["lines_hit"] == 0
    assert cov.row("absent_function", "").get("absent")
    info = cov.lcov(tmp_path / "src")
    assert "FNDA:2,attach" in info and "FNDA:0,never" in info and "BRH:1" in info
