"""Build time of generated plans with the extension against plain Sphinx.

For each size, the same plan is written twice: once with the extension's
directives, once as plain reStructuredText of the same text volume (a section
per milestone with a field list for its metadata and a bullet list of
prerequisites linked with ``:ref:``). Both are built with ``sphinx-build -b html``
in a fresh process; the table gives wall-clock seconds, peak memory and the
ratio extension / plain. Diagrams are drawn only for the smallest size (one
neighbourhood diagram per milestone plus a whole-plan diagram); larger sizes set
``ldm503_milestone_graphs = False``.

Run with ``make bench`` or ``.venv/bin/python benchmarks/bench_build.py
[--sizes 100,1000,5000] [--keep DIR]``. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

#: Milestones per layer (at most; a twentieth of a small plan): each milestone
#: requires 3-6 of the previous layer, so the plan is acyclic, dated consistently
#: and free of redundant prerequisites, like a healthy real plan (a build of it
#: reports almost nothing), while late milestones depend on nearly all earlier ones.
LAYER = 200
PER_DOCUMENT = 1000


@dataclass(frozen=True)
class PlanMilestone:
    index: int
    title: str
    due: date
    level: int
    prerequisites: tuple[int, ...]
    compact: tuple[int, ...]
    dm: str | None


def ms_id(index: int) -> str:
    return f"LDM-503-{index:05d}"


def title_of(index: int) -> str:
    return f"Integration test {index} of the data release pipeline"


def plan(size: int, seed: int = 503) -> list[PlanMilestone]:
    rng = random.Random(seed)
    start = date(2018, 1, 1)
    width = max(10, min(LAYER, size // 20))
    out = []
    for i in range(size):
        layer = i // width
        lo, hi = (layer - 1) * width, min(layer * width, size)
        prereqs = tuple(sorted(rng.sample(range(lo, hi), rng.randint(3, 6)))) if layer else ()
        compact = tuple(p for p in prereqs if rng.random() < 0.3)
        dm = f"DM-AP-{i}" if rng.random() < 0.02 else None
        out.append(PlanMilestone(i, title_of(i), start + timedelta(days=7 * layer),
                                 1 + i % 3, prereqs, compact, dm))
    return out


def extension_rst(ms: PlanMilestone) -> list[str]:
    lines = [f".. milestone:: {ms_id(ms.index)}: {ms.title}", f"   :due: {ms.due}",
             f"   :level: {ms.level}"]
    if ms.compact:
        lines.append("   :requires: " + ", ".join(ms_id(p) for p in ms.compact))
    lines += ["", f"   Verifies step {ms.index}; see :ms:`{ms_id(max(ms.index - 1, 0))}`.", ""]
    for p in ms.prerequisites:
        if p not in ms.compact:
            lines += [f"   .. prerequisite:: {ms_id(p)} {title_of(p)}", ""]
    if ms.dm:
        lines += [f"   .. prerequisite:: {ms.dm} Alert production release {ms.index}", ""]
    return lines


def label(index: int) -> str:
    return f"ms-{ms_id(index).lower()}"


def plain_rst(ms: PlanMilestone) -> list[str]:
    heading = f"{ms_id(ms.index)}: {ms.title}"
    lines = [f".. _{label(ms.index)}:", "", heading, "-" * len(heading), "",
             f":Due: {ms.due}", f":Level: {ms.level}", "",
             f"Verifies step {ms.index}; see :ref:`{ms_id(max(ms.index - 1, 0))} "
             f"<{label(max(ms.index - 1, 0))}>`.", "", "Prerequisites:", ""]
    for p in ms.prerequisites:
        lines.append(f"- :ref:`{ms_id(p)} <{label(p)}>` {title_of(p)}")
    if ms.dm:
        lines.append(f"- {ms.dm} Alert production release {ms.index}")
    return [*lines, ""]


def write_project(src: Path, milestones: list[PlanMilestone], *, extension: bool,
                  graphs: bool) -> None:
    src.mkdir(parents=True, exist_ok=True)
    conf = ['exclude_patterns = ["_build"]']
    if extension:
        conf += ['extensions = ["sphinxext_ldm503"]', 'graphviz_output_format = "svg"',
                 f"ldm503_milestone_graphs = {graphs}", 'ldm503_today = "2020-01-01"']
    (src / "conf.py").write_text("\n".join(conf) + "\n", encoding="utf-8")
    chunks = [milestones[i:i + PER_DOCUMENT] for i in range(0, len(milestones), PER_DOCUMENT)]
    names = [f"part{n:02d}" for n in range(len(chunks))]
    index = ["Plan", "====", "", ".. toctree::", "", *(f"   {name}" for name in names), ""]
    if extension and graphs:
        index += [".. milestone-graph::", "   :caption: The whole plan", ""]
    (src / "index.rst").write_text("\n".join(index), encoding="utf-8")
    render = extension_rst if extension else plain_rst
    for name, chunk in zip(names, chunks, strict=True):
        lines = [name, "=" * len(name), ""]
        for ms in chunk:
            lines += render(ms)
        (src / f"{name}.rst").write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Result:
    seconds: float
    peak_mib: float
    warnings: int


def build(src: Path) -> Result:
    """``sphinx-build -b html`` in a fresh process: wall clock and its peak RSS."""
    out = src / "_build" / "html"
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        stderr = log.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"build of {src} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return Result(elapsed, usage.ru_maxrss / 1024, stderr.count("WARNING"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000",
                        help="comma-separated numbers of milestones (default: %(default)s)")
    parser.add_argument("--keep", type=Path, help="write the projects here and keep them")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    root = args.keep or Path(tempfile.mkdtemp(prefix="ldm503-bench-"))
    rows = []
    try:
        for size in sizes:
            graphs = size == min(sizes)
            milestones = plan(size)
            results = {}
            for kind in ("plain", "ext"):
                src = root / f"{kind}-{size}"
                shutil.rmtree(src, ignore_errors=True)
                write_project(src, milestones, extension=kind == "ext", graphs=graphs)
                results[kind] = build(src)
                print(f"  {size:>6} {kind:<5} {results[kind].seconds:7.1f} s", file=sys.stderr,
                      flush=True)
            rows.append((size, graphs, results["plain"], results["ext"]))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"sphinx-build -b html (serial), fresh environment")
    header = ("milestones", "graphs", "plain s", "ext s", "ext/plain", "plain MiB", "ext MiB",
              "ext warnings")
    print("  ".join(f"{h:>10}" for h in header))
    for size, graphs, plain_result, ext_result in rows:
        cells = (f"{size:,}", "on" if graphs else "off", f"{plain_result.seconds:.1f}",
                 f"{ext_result.seconds:.1f}", f"{ext_result.seconds / plain_result.seconds:.2f}",
                 f"{plain_result.peak_mib:.0f}", f"{ext_result.peak_mib:.0f}",
                 str(ext_result.warnings))
        print("  ".join(f"{c:>10}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
