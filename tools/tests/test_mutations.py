"""The mutation check (tools/tests/mutations.py): every one-line mutation
of the judge, the recorder, the exporters and the report checks in its
table is killed by the tests, each applied to a copy of tools/. The
score is printed; a survivor fails, named with what it breaks."""

import shutil
import subprocess

import pytest

from tests import mutations


def test_every_mutation_is_killed(capsys):
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (apt-get install -y jq)")
    subprocess.run(["make", "-s", "-C", str(mutations.TOOLS / "splatscan")], check=True)
    results = mutations.run()
    bad = [mutations.line(r) for r in results if not r.killed_by or r.error]
    with capsys.disabled():
        print("\n" + "\n".join(bad + [mutations.score(results)]))
    assert not bad, "\n".join(bad)
