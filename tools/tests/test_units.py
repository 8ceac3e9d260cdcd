"""fake_iommu's units depend on each other in one direction only: a unit
(x.c with its x.h) uses another when it includes that one's header, and
the graph has no cycle. The counters, knobs, fault requests, the lock
probe, the core's view and the feature report are leaves; the watch mode
(kretprobes on another driver) uses nothing of the driver's own."""

import re
from pathlib import Path

TOP = Path(__file__).resolve().parent.parent.parent
FI = TOP / "fake_iommu"
INCLUDE = re.compile(r'^#include "([a-z_]+)\.h"', re.M)
LEAVES = {"counters", "knobs", "faults", "lockprobe", "core_view", "features"}
# Headers of no unit of their own: the public interface and the parser.
SHARED = {"fake_iommu", "kparse"}
DRIVER = {"client", "domain", "attach", "consistency", "debugfs", "main"}


def includes(unit: str, top: Path) -> set[str]:
    """The other units whose headers UNIT's .c and .h include."""
    found: set[str] = set()
    for f in (top / (unit + ".c"), top / (unit + ".h")):
        if f.exists():
            found |= set(INCLUDE.findall(f.read_text()))
    return found - SHARED - {unit}


def uses(unit: str, top: Path | None = None) -> set[str]:
    """Every unit UNIT reaches through includes: UNIT itself if on a cycle."""
    top = top or FI
    seen: set[str] = set()
    todo = list(includes(unit, top))
    while todo:
        u = todo.pop()
        if u not in seen:
            seen.add(u)
            todo += includes(u, top)
    return seen


def units() -> list[str]:
    return sorted(p.stem for p in FI.glob("*.c") if not p.name.endswith(".mod.c"))


def test_no_cycle():
    cyclic = [u for u in units() if u in uses(u)]
    assert not cyclic, "units on a cycle of includes: %s" % cyclic


def test_leaves_use_only_leaves():
    for u in sorted(LEAVES):
        assert uses(u) <= LEAVES, "%s uses %s" % (u, sorted(uses(u) - LEAVES))


def test_watch_is_apart_from_the_driver():
    assert not uses("watch") & DRIVER, "watch uses %s" % sorted(uses("watch") & DRIVER)


def test_every_unit_is_built():
    kbuild = (FI / "Kbuild").read_text()
    built = set(re.findall(r"([a-z_]+)\.o", kbuild)) - {"fake_iommu"}
    assert built == set(units()), "Kbuild %s, sources %s" % (sorted(built), units())


def test_the_check_can_fail(tmp_path):
    """The positive control: a cycle planted in a copy is found."""
    for f in FI.glob("*.[ch]"):
        (tmp_path / f.name).write_text(f.read_text())
    (tmp_path / "counters.c").write_text((tmp_path / "counters.c").read_text()
                                         + '#include "client.h"\n')
    assert "counters" in uses("counters", top=tmp_path)
