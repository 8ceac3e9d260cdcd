"""The host pipeline's Python reads one way: flake8 (Debian's), 100 columns.
The guest's step scripts inside tools/plan/steps.py are sh with tabs, and
the tables of cases in the tests read best one case a line."""

import subprocess
import sys
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parent.parent.parent
IGNORE = ("tools/plan/steps.py:W191,E101,E501 tools/tests/test_pipeline.py:E501 "
          "tools/tests/test_records.py:E501 tools/tests/test_judge.py:E501 "
          "tools/tests/mutations.py:E501")


def test_flake8():
    pytest.importorskip("flake8")
    files = sorted(str(p.relative_to(TOP)) for p in (TOP / "tools").rglob("*.py"))
    p = subprocess.run([sys.executable, "-m", "flake8", "--max-line-length", "100",
                        "--per-file-ignores", IGNORE] + files,
                       cwd=TOP, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert p.returncode == 0, p.stdout
