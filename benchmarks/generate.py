"""One generated test plan, written as plain Sphinx, with sphinxext-ldm503, and with sphinx-needs.

The same milestones, titles, dates, prerequisites and prose go into every
variant, so build times compare like with like:

- ``plain``: a labelled section per milestone, a field list for its date and a
  bullet list of prerequisites linked with ``:ref:``;
- ``floor``: the same pages, with ``floor_ext.py`` (copied into the project) doing
  what the extension does to every build's process (the garbage collector's
  freeze) and nothing else: plain Sphinx at its best, the honest floor;
- ``ours``: ``milestone`` directives with titled ``prerequisite`` directives
  (``report`` adds a page with ``milestone-report`` and ``milestone-table``;
  ``diagrams`` draws a neighbourhood diagram under every milestone; ``needs``
  loads sphinx-needs too, so every milestone is also a need: the cost of that
  registration);
- ``needs``: a sphinx-needs need type ``milestone`` with a ``requires`` link
  type (``needtable`` adds a page with a ``needtable`` and writes needs.json).

Milestones come in layers; each requires about 3 milestones of the layer
before (so the plan is acyclic and dated consistently), 10% also require an
external milestone (``CAMM...``), and every milestone's prose refers to the one
before it. A fixed seed makes the plan the same on every run. Imported by
``bench.py`` and by the test suite (``tests/test_scale.py``, ``tests/test_bench.py``).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SEED = 503
#: Milestones per document: a chapter of a real plan, not one huge file.
PER_DOCUMENT = 50

VARIANTS: tuple[str, ...] = ("plain", "floor", "ours", "ours+report", "ours+diagrams",
                             "ours+needs", "needs", "needs+needtable")
#: Asked for by name (``--variants``): the same diagrams without the forked copy, and
#: without the whole speed layer (``ldm503_speed = False``), to weigh each against
#: ``ours+diagrams``.
EXTRA_VARIANTS: tuple[str, ...] = ("ours+diagrams-nofork", "ours+diagrams-nospeed")

#: The stand-alone extension of the ``floor`` variant, copied into its project.
FLOOR_EXTENSION = Path(__file__).with_name("floor_ext.py")


@dataclass(frozen=True)
class PlanMilestone:
    index: int
    title: str
    due: date
    prerequisites: tuple[int, ...]
    external: str | None


def ms_id(index: int) -> str:
    return f"LDM-503-{index:05d}"


def need_id(index: int) -> str:
    return f"LDM_503_{index:05d}"  # sphinx-needs' default ID pattern: [A-Z0-9_]


def title_of(index: int) -> str:
    return f"Integration test {index} of the data release pipeline"


def plan(size: int, seed: int = SEED) -> list[PlanMilestone]:
    rng = random.Random(seed)
    start = date(2018, 1, 1)
    width = max(5, min(200, size // 20))
    out = []
    for i in range(size):
        layer = i // width
        lo, hi = (layer - 1) * width, min(layer * width, size)
        count = min(hi - lo, rng.choice((2, 3, 3, 4))) if layer else 0
        prereqs = tuple(sorted(rng.sample(range(lo, hi), count))) if count else ()
        external = f"CAMM{8000 + i}" if rng.random() < 0.10 else None
        out.append(PlanMilestone(i, title_of(i), start + timedelta(days=7 * layer), prereqs,
                                 external))
    return out


# -- one milestone in each variant -------------------------------------------------


def ours_rst(ms: PlanMilestone) -> list[str]:
    lines = [f".. milestone:: {ms_id(ms.index)}: {ms.title}", f"   :due: {ms.due}", "",
             f"   Verifies step {ms.index}; see :ms:`{ms_id(max(ms.index - 1, 0))}`.", ""]
    for p in ms.prerequisites:
        lines += [f"   .. prerequisite:: {ms_id(p)} {title_of(p)}", ""]
    if ms.external:
        lines += [f"   .. prerequisite:: {ms.external} Camera delivery {ms.index}", ""]
    return lines


def label(index: int) -> str:
    return f"ms-{ms_id(index).lower()}"


def plain_rst(ms: PlanMilestone) -> list[str]:
    heading = f"{ms_id(ms.index)}: {ms.title}"
    lines = [f".. _{label(ms.index)}:", "", heading, "-" * len(heading), "",
             f":Due: {ms.due}", "",
             f"Verifies step {ms.index}; see :ref:`{ms_id(max(ms.index - 1, 0))} "
             f"<{label(max(ms.index - 1, 0))}>`.", "", "Prerequisites:", ""]
    for p in ms.prerequisites:
        lines.append(f"- :ref:`{ms_id(p)} <{label(p)}>` {title_of(p)}")
    if ms.external:
        lines.append(f"- {ms.external} Camera delivery {ms.index}")
    return [*lines, ""]


def needs_rst(ms: PlanMilestone) -> list[str]:
    lines = [f".. milestone:: {ms.title}", f"   :id: {need_id(ms.index)}",
             f"   :due: {ms.due}"]
    if ms.prerequisites:
        lines.append("   :requires: " + ", ".join(need_id(p) for p in ms.prerequisites))
    lines += ["", f"   Verifies step {ms.index}; see :need:`{need_id(max(ms.index - 1, 0))}`.",
              ""]
    if ms.external:
        lines += [f"   External prerequisite: {ms.external} Camera delivery {ms.index}.", ""]
    return lines


RENDER = {"plain": plain_rst, "ours": ours_rst, "needs": needs_rst}


def family(variant: str) -> str:
    """How a variant writes its pages: the floor writes plain Sphinx's."""
    name = variant.partition("+")[0]
    return "plain" if name == "floor" else name

NEEDS_CONF = """\
extensions = ["sphinx_needs"]
needs_types = [dict(directive="milestone", title="Milestone", prefix="MS_",
                    color="#BFD8D2", style="node")]
needs_extra_links = [dict(option="requires", incoming="required by", outgoing="requires")]
needs_extra_options = ["due"]
suppress_warnings = ["needs.beta"]
"""


def conf_py(variant: str) -> str:
    kind, _, extra = variant.partition("+")
    lines = ['project = "Generated plan"', 'exclude_patterns = ["_build"]']
    if kind == "floor":
        # floor_ext.py sits beside conf.py (write_project copies it): the project needs
        # nothing of the benchmark's or the extension's on its path.
        lines += ["import os", "import sys", "",
                  "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))",
                  'extensions = ["floor_ext"]']
    elif kind == "ours":
        loaded = '["sphinx_needs", "sphinxext_ldm503"]' if extra == "needs" else \
            '["sphinxext_ldm503"]'
        lines += [f"extensions = {loaded}", 'graphviz_output_format = "svg"',
                  f"ldm503_milestone_graphs = {extra.startswith('diagrams')}",
                  'ldm503_today = "2020-01-01"']
        if extra == "diagrams-nofork":
            lines += ["ldm503_fork_diagrams = False"]
        if extra == "diagrams-nospeed":
            lines += ["ldm503_speed = False"]
    elif kind == "needs":
        lines += [NEEDS_CONF]
        if extra == "needtable":
            lines += ["needs_build_json = True"]
    return "\n".join(lines) + "\n"


def extra_page(variant: str) -> list[str]:
    if variant == "ours+report":
        return ["Report", "======", "", ".. milestone-report::", "", ".. milestone-table::", ""]
    if variant == "needs+needtable":
        return ["Report", "======", "", ".. needtable::",
                "   :filter: type == 'milestone'",
                "   :columns: id, title, due, requires, required_by", ""]
    return []


def document_name(number: int) -> str:
    return f"part{number:03d}"


def write_project(src: Path, milestones: list[PlanMilestone], variant: str,
                  per_document: int = PER_DOCUMENT) -> list[str]:
    """Write one variant of the plan into ``src``; returns the documents' names."""
    src.mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text(conf_py(variant), encoding="utf-8")
    if variant.partition("+")[0] == "floor":  # its extension beside its conf.py
        shutil.copyfile(FLOOR_EXTENSION, src / FLOOR_EXTENSION.name)
    chunks = [milestones[i:i + per_document] for i in range(0, len(milestones), per_document)]
    names = [document_name(n) for n in range(len(chunks))]
    extra = extra_page(variant)
    toc = [*names, *(["report"] if extra else [])]
    index = ["Plan", "====", "", ".. toctree::", "   :maxdepth: 1", "", *(f"   {n}" for n in toc),
             ""]
    (src / "index.rst").write_text("\n".join(index), encoding="utf-8")
    if extra:
        (src / "report.rst").write_text("\n".join(extra), encoding="utf-8")
    render = RENDER[family(variant)]
    for name, chunk in zip(names, chunks, strict=True):
        lines = [name, "=" * len(name), ""]
        for ms in chunk:
            lines += render(ms)
        (src / f"{name}.rst").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return names


# -- the edits of an incremental rebuild -------------------------------------------


def edit_prose(src: Path, names: list[str], round_: int) -> None:
    """Add a sentence to the middle document: nothing about the plan changes."""
    path = src / f"{names[len(names) // 2]}.rst"
    with path.open("a", encoding="utf-8") as doc:
        doc.write(f"\nA note added in edit {round_}, about nothing in the plan.\n")


def edit_prerequisite(src: Path, names: list[str], milestones: list[PlanMilestone],
                      variant: str) -> None:
    """Point one prerequisite of a milestone in the middle document somewhere else."""
    kind = family(variant)
    path = src / f"{names[len(names) // 2]}.rst"
    text = path.read_text(encoding="utf-8")
    first = (len(names) // 2) * PER_DOCUMENT
    for ms in milestones[first:first + PER_DOCUMENT]:
        if ms.prerequisites and ms.prerequisites[0] > 0:
            old, new = ms.prerequisites[0], ms.prerequisites[0] - 1
            if new in ms.prerequisites:
                continue
            ident = need_id if kind == "needs" else ms_id
            before = {"plain": f"<{label(old)}>`", "ours": f"prerequisite:: {ms_id(old)} ",
                      "needs": f"{need_id(old)}"}[kind]
            after = {"plain": f"<{label(new)}>`", "ours": f"prerequisite:: {ms_id(new)} ",
                     "needs": f"{need_id(new)}"}[kind]
            block_start = text.index(ident(ms.index))
            block_end = text.find("\n.. ", block_start)
            block_end = len(text) if block_end < 0 else block_end
            block = text[block_start:block_end].replace(before, after, 1)
            path.write_text(text[:block_start] + block + text[block_end:], encoding="utf-8")
            return
    raise ValueError("no prerequisite to edit in the middle document")


def variants(names: Iterable[str] | None = None) -> tuple[str, ...]:
    return tuple(names) if names else VARIANTS
