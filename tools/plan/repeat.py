"""REPEAT=N: every boot of a plan N times (rep 1..N, round-robin so a run
stopped early still has every cell), to measure how often a verdict flips
by chance; HOST_LOAD=N: N busy host processes while the boots run, the
second load the flake table is read under (tools/report/flake.py)."""

from dataclasses import replace

from engine.util import Refused, positive
from report import flake

# modes whose boots already repeat on their own (REPS) or are not booted here
OWN_REPS = ("bench", "races", "lava", "lava-check")
MAX_LOAD = 16


def host_load(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_LOAD:
        raise Refused("HOST_LOAD=%s must be a number of busy host processes, 0 to %d"
                      % (text, MAX_LOAD))
    return int(text)


def apply(plan, repeat: str, load: str):
    """PLAN with each boot REPEAT times and the flake report, or PLAN as it is."""
    n = positive("REPEAT", repeat or "1", 1000)
    busy = host_load(load or "0")
    if n == 1 and busy == 0:
        return plan
    if plan.mode in OWN_REPS:
        raise Refused("REPEAT/HOST_LOAD: make %s has repetitions of its own (REPS) or boots "
                      "nothing here" % plan.mode)
    if any(b.rep for b in plan.boots):
        raise Refused("REPEAT: plan %s already numbers its boots' repetitions" % plan.name)
    plan.boots = [replace(b, name="%s-rep%d" % (b.name, k), rep=k)
                  for k in range(1, n + 1) for b in plan.boots]
    plan.settings = dict(plan.settings, repeat=n, host_load=busy)
    if n > 1:
        plan.reports = plan.reports + [flake.write]
    return plan
