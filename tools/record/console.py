"""A console log as the guest wrote its lines: nbcon takeover replays
undone (splatscan --log, as the records read it), no carriage returns, no
printk time prefix (the guest writes through /dev/kmsg)."""

import re
import subprocess
from pathlib import Path

SPLATSCAN = Path(__file__).resolve().parent.parent / "splatscan" / "splatscan"
PREFIX = re.compile(r"^\[ *[0-9]*\.[0-9]*\](\[ *[TC][0-9]*\])? ?", re.M)


def guest_text(log: Path) -> str:
    p = subprocess.run([str(SPLATSCAN), "--log", str(log)], stdout=subprocess.PIPE)
    data = p.stdout if p.returncode == 0 else Path(log).read_bytes()
    return PREFIX.sub("", data.decode(errors="replace").replace("\r", ""))
