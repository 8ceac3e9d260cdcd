"""The guest's own checks (tools/guest/lib.sh) run on the host against a
fake /sys and /proc (LC_ROOT): each can fail, and says why."""

import subprocess
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "guest" / "lib.sh"
SMTS = 1 << 43
# QEMU's intel-iommu ecap without and with x-scalable-mode=on
LEGACY_ECAP = "f00f4e"
SM_ECAP = "%x" % (0xf00f4e | SMTS)


def scalable_mode(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", '. "%s"; scalable_mode; echo "rc=$?"' % LIB],
                          env={"LC_ROOT": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, check=True)


def fake_root(tmp_path: Path, ecap, cmdline: str) -> Path:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "cmdline").write_text(cmdline + "\n")
    if ecap is not None:
        d = tmp_path / "sys" / "class" / "iommu" / "dmar0" / "intel-iommu"
        d.mkdir(parents=True)
        (d / "ecap").write_text(ecap + "\n")
    return tmp_path


@pytest.mark.parametrize("ecap,cmdline,why", [
    (None, "intel_iommu=on,sm_on", "no /sys/class/iommu/dmar0"),
    (LEGACY_ECAP, "intel_iommu=on,sm_on", "dmar0 has no scalable mode (ecap f00f4e)"),
    (SM_ECAP, "console=ttyS0 intel_iommu=on", "no intel_iommu=sm_on on the command line"),
    (SM_ECAP, "intel_iommu=on sm_on", "no intel_iommu=sm_on on the command line"),
])
def test_scalable_mode_fails_saying_why(tmp_path, ecap, cmdline, why):
    out = scalable_mode(fake_root(tmp_path, ecap, cmdline)).stdout
    assert out == "@@lockcheck: not ok scalable_mode: %s\nrc=1\n" % why


def test_scalable_mode_passes_on_smts_and_sm_on(tmp_path):
    out = scalable_mode(fake_root(tmp_path, SM_ECAP, "console=ttyS0 intel_iommu=on,sm_on")).stdout
    assert out == "rc=0\n"
