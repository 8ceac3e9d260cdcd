"""The pipeline's data model: columns, boots, cells and outcomes as types,
parsed once from what a person writes and passed on as data."""

import os
from dataclasses import dataclass, field, asdict
from pathlib import Path

from engine.util import BUILD, TOP, Refused

IOMMUS = ("fake", "vtd", "amd")
COLUMN_FORMS = "KVER:VARIANT, KVER:@DIR or ksrc (each may end in :fake, :vtd or :amd)"


def conf_kernels(name: str) -> list[str]:
    """The KVERs a pin file (kernels.conf, stock.conf) knows."""
    out = []
    for line in (BUILD / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            out.append(line.split()[0])
    return out


@dataclass(frozen=True)
class Column:
    """One kernel under test and the IOMMU it boots behind."""
    text: str
    kver: str            # "6.12", "7.3", or "ksrc"
    kind: str            # variant, dir, stock or ksrc
    variant: str         # the name the column's cells carry
    iommu: str           # fake, vtd or amd
    patches: str = ""    # the patch set directory (variant, dir)
    ksrc: str = ""       # the tree (ksrc)

    @property
    def kernel(self) -> str:
        """The column without its IOMMU: what is built."""
        if self.kind == "ksrc":
            return "ksrc"
        if self.kind == "dir":
            return "%s:@%s" % (self.kver, self.patches)
        return "%s:%s" % (self.kver, self.variant)

    @property
    def slug(self) -> str:
        """A file name for the column's directory in a run."""
        s = "%s-%s" % (self.kver, self.variant)
        return s if self.iommu == "fake" else "%s-%s" % (s, self.iommu)

    @property
    def capture(self) -> bool:
        """A real IOMMU's columns run in a real kdump capture kernel."""
        return self.iommu != "fake"


def parse_column(text: str, ksrc: str | None = None) -> Column:
    """A column as a person writes it, checked against the patch sets and
    pinned kernels there are."""
    ksrc = os.environ.get("KSRC", "") if ksrc is None else ksrc
    body, iommu = text, "fake"
    for i in IOMMUS:
        if text.endswith(":" + i):
            body, iommu = text[: -len(i) - 1], i
    if body == "ksrc":
        if not ksrc:
            raise Refused("column ksrc needs KSRC=")
        col = Column(text, "ksrc", "ksrc", "ksrc-" + Path(ksrc).name, iommu, ksrc=ksrc)
    elif ":" in body:
        kver, rest = body.split(":", 1)
        if rest.startswith("@"):
            d = rest[1:]
            if not Path(d, "series").is_file():
                raise Refused("column '%s': patch set %s has no series file" % (text, d))
            col = Column(text, kver, "dir", Path(d).name, iommu, patches=str(Path(d).resolve()))
        elif ":" in rest:
            raise Refused("column '%s': '%s' is not an IOMMU (fake, vtd or amd)"
                          % (text, rest.rsplit(":", 1)[1]))
        elif rest == "stock":
            col = Column(text, kver, "stock", "stock", iommu)
        else:
            pdir = TOP / "patches" / rest
            if not (pdir / "series").is_file():
                have = " ".join(sorted(p.name for p in (TOP / "patches").iterdir() if p.is_dir()))
                raise Refused("VARIANT=%s: no patches/%s/ (have: %s)" % (rest, rest, have))
            col = Column(text, kver, "variant", rest, iommu, patches=str(pdir))
        known = conf_kernels("stock.conf" if col.kind == "stock" else "kernels.conf")
        if kver not in known:
            raise Refused("KVER=%s is not a known kernel (known: %s)" % (kver, " ".join(known)))
    else:
        raise Refused("column '%s' is not %s" % (text, COLUMN_FORMS))
    if col.iommu == "vtd" and col.kind == "stock":
        raise Refused("column %s: vtd columns boot kernels this project builds" % text)
    # our kernels have no AMD_IOMMU; Debian's do
    if col.iommu == "amd" and col.kind != "stock":
        raise Refused("column %s: amd columns need Debian's kernel (KVER:stock:amd)" % text)
    return col


@dataclass
class VM:
    """How one boot's QEMU runs (tools/boot/launch.py)."""
    timeout: int = 300
    kdump: bool = True        # elfcorehdr=: is_kdump_kernel() without a crash
    capture: bool = False     # a real kdump capture kernel (tools/boot/capture.py)
    append: str = ""
    smp: int = 2
    icount: bool = False
    kvm: bool = False
    iommu: str = "fake"
    edu: int = 1
    ats: bool = False         # vtd: a PCIe device with ATS (the reset scenarios)
    sm: bool = False          # vtd: scalable mode (blocked_dma's _sm cases)
    group: bool = False       # two edu functions in one IOMMU group (make groups)


@dataclass
class Boot:
    """One VM boot a plan asks for: what it boots, what it runs, what it asked."""
    name: str                 # file name in its column's directory
    column: Column
    flavour: str
    image: tuple              # (initramfs name, extra programs...)
    steps: str                # the guest's step script
    asked: list               # the scenario lines the steps run, in order
    label: str                # the boot kind the cells carry (elfcorehdr, kdump, ...)
    judge: str                # expected, splats or stress
    vm: VM
    rep: int = 0
    knobs: dict = field(default_factory=dict)

    def cells(self) -> list:
        """The cells this boot promises: one per asked line (the same line
        again in one boot counts from 0), or the boot itself."""
        lines = self.asked or [""]
        seen: dict = {}
        out = []
        for line in lines:
            nth = seen.get(line, 0)
            seen[line] = nth + 1
            out.append(Cell(self.column.kver, self.column.variant, self.column.iommu,
                            self.flavour, self.label, self.judge, line, nth, self.rep,
                            dict(self.knobs)))
        return out


@dataclass
class Cell:
    """What the judge is promised: a cell with no record is a failure."""
    kver: str
    variant: str
    iommu: str
    flavour: str
    boot: str
    judge: str
    asked: str
    nth: int = 0
    rep: int = 0
    knobs: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        if not self.knobs:
            del d["knobs"]
        return d


# How a boot ended, as the launcher saw it; guest.status in a record.
STATUSES = ("ok", "hang", "panic", "oops", "incomplete", "error")


@dataclass
class Outcome:
    status: str               # one of STATUSES
    message: str = ""         # one line for a person, "" when ok
    kind: str = "exit"        # exit, timeout, qemu-error, panic, oops, incomplete, no-capture
    qemu_rc: int | None = None
    retried: str = ""         # why the boot was booted again, "" if not
    guest_rc: int | None = None   # the steps' exit status, where they ended

    def to_json(self) -> dict:
        return asdict(self)
