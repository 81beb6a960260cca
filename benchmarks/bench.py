"""``make bench``: build times of one generated plan as plain Sphinx, with us, with sphinx-needs.

Every build is ``python -m sphinx -b html`` in a fresh process. For each plan
size, each round builds every variant in turn, a metric at a time (all clean
builds, then all prose edits, then all prerequisite edits), in an order that turns
by one variant each round: a machine that gets busier slows all variants alike,
and none is always built first; the variants are ``generate.py``'s, among
them ``plain`` (plain Sphinx) and ``floor``: plain Sphinx with the process-wide
speed-ups the extension gives every build it is loaded in (today the garbage
collector's freeze), done by ``floor_ext.py`` without importing the extension. What
the extension gains against ``floor`` is its own doing; what it gains only against
``plain``, any project could have without it. Each round measures:

- ``clean``: a clean serial build (fresh output and doctrees), and its peak RSS;
- ``clean -j2``: the same with ``-j 2``;
- ``prose edit``: after the clean build, one sentence added to one document;
- ``prereq edit``: then one prerequisite of one milestone changed;
- for ``ours+diagrams``, ``clean`` is the cold build (every diagram drawn) and
  ``prose edit`` the warm one (every image reused); after its clean build, ``dot
  alone``: one ``dot -Tsvg`` over the DOT of every diagram of that build, in one
  batch, which with plain Sphinx's clean build is the floor a diagrammed build is
  compared with.

At N = 20,000 (``--large``) only the clean serial builds of plain Sphinx, the
floor and ``ours+diagrams`` (with ``dot alone``) are run: what the scale target
compares.

Every build is timed twice: wall seconds, and CPU seconds (user + system) of the
build's process and of every process it waited for: Sphinx's ``-j`` workers, the
extension's forked copy, its ``dot`` runs and helper processes (``os.wait4`` of
the build; a process left running or killed without being waited for is not
counted). On a shared machine CPU time varies far less than the wall clock; a
build that works in parallel shows more CPU than wall time.

``--busy``: a second process (a Python busy loop) keeps one core loaded from
before the first round until the run ends, however it ends (finished, failed,
Ctrl-C, SIGTERM; the loop also stops by itself when this process is gone): how
the builds fare on a machine that something else uses too. Quiet and busy runs
are written to sections of their own in ``results.md``; a run replaces only its
own mode's section, and the hand-written notes below ``NOTES_MARKER`` stay.

Medians of the rounds are written to ``benchmarks/results.md``: per size, a row
of wall seconds and a row of CPU seconds per variant, each with its ratios to
plain Sphinx and to the floor ("1.10x plain / 1.32x floor"), and the peak memory;
with the machine, the versions and the mode, plus a plot of clean build time
against plan size (``results.png``, ``results-busy.png`` for ``--busy``, when
matplotlib is installed: ``pip install '.[bench]'``). ``plain`` and ``floor`` are
built whatever ``--variants`` says: every ratio is to both. Timing never appears in
the unit tests; the test suite only runs a smoke round at N = 50 and a busy one at
N = 20.

    .venv/bin/python benchmarks/bench.py                  # N = 500, 1000, 2000, 4000
    .venv/bin/python benchmarks/bench.py --sizes 2000 --rounds 3
    .venv/bin/python benchmarks/bench.py --large          # adds N = 20,000
    .venv/bin/python benchmarks/bench.py --busy           # with one core kept loaded
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).parent))

import generate

HERE = Path(__file__).parent
T = TypeVar("T")
METRICS: tuple[str, ...] = ("clean", "clean -j2", "prose edit", "prereq edit")
NOTES_MARKER = "<!-- notes: kept by bench.py -->"
#: ``--large``: the size, and the variants built at it (clean serial builds only).
LARGE = 20_000
LARGE_VARIANTS = ("plain", "floor", "ours+diagrams")
#: The two modes a run measures in, and their sections' headings in ``results.md``.
MODES = {"quiet": "Quiet machine",
         "busy": "Busy machine: one core kept loaded by another process"}
#: ``--busy``'s load: a loop that also ends once its parent (this script) is gone, so
#: not even a SIGKILL of the benchmark leaves it spinning.
BUSY_LOOP = """\
import os
parent = os.getppid()
while os.getppid() == parent:
    for _ in range(100_000):
        pass
"""


@dataclass
class Timing:
    seconds: float
    peak_mib: float
    returncode: int
    #: User + system CPU seconds of the build and every process it waited for (its
    #: ``-j`` workers, forked copy, ``dot`` runs and helpers): on a shared machine it
    #: varies far less between rounds than the wall clock.
    cpu: float = 0.0


@dataclass
class Results:
    """Every measurement: (size, variant, metric) -> list of wall seconds, and of CPU
    seconds; (size, variant) -> peak MiB of the clean serial builds."""

    seconds: dict[tuple[int, str, str], list[float]] = field(default_factory=dict)
    peak: dict[tuple[int, str], list[float]] = field(default_factory=dict)
    cpu: dict[tuple[int, str, str], list[float]] = field(default_factory=dict)

    def add(self, size: int, variant: str, metric: str, timing: Timing) -> None:
        self.seconds.setdefault((size, variant, metric), []).append(timing.seconds)
        self.cpu.setdefault((size, variant, metric), []).append(timing.cpu)
        if metric == "clean":
            self.peak.setdefault((size, variant), []).append(timing.peak_mib)

    def median_cpu(self, size: int, variant: str, metric: str = "clean") -> float | None:
        values = self.cpu.get((size, variant, metric))
        return statistics.median(values) if values else None

    def median(self, size: int, variant: str, metric: str) -> float | None:
        values = self.seconds.get((size, variant, metric))
        return statistics.median(values) if values else None

    def paired(self, size: int, variant: str, base: str, metric: str, *,
               cpu: bool = False) -> float | None:
        """The median of each round's own ratio of ``variant`` to ``base``.

        Every round measures each metric of every variant once and within seconds of
        the others, so a round's ratio compares builds made at the same speed of the
        machine; the ratio of two medians may take them from different rounds.
        """
        table = self.cpu if cpu else self.seconds
        values, bases = table.get((size, variant, metric)), table.get((size, base, metric))
        if not values or not bases or len(values) != len(bases):
            return None
        pairs = zip(values, bases, strict=True)
        return statistics.median(value / reference for value, reference in pairs)

    def median_peak(self, size: int, variant: str) -> float | None:
        values = self.peak.get((size, variant))
        return statistics.median(values) if values else None


def sphinx_build(src: Path, out: Path, *, jobs: int = 1) -> Timing:
    """One build in a fresh process: wall seconds, CPU seconds and peak RSS.

    ``os.wait4`` of the build's process gives its usage together with that of every
    process it waited for (on Linux, what ``RUSAGE_CHILDREN`` would add up in it):
    its workers, forked copy and ``dot`` runs count, and nothing else of ours (the
    ``--busy`` loop is this script's child, not the build's).
    """
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out),
               "-d", str(out / ".doctrees")]
    if jobs > 1:
        command += ["-j", str(jobs)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            # Stopped meanwhile (Ctrl-C, SIGTERM): the build stops too, rather than
            # running on, unwatched, into the work directory being deleted.
            proc.kill()
            proc.wait()
            raise
        elapsed = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            log.seek(0)
            sys.stderr.write(log.read().decode("utf-8", "replace")[-3000:])
    return Timing(elapsed, usage.ru_maxrss / 1024, code, usage.ru_utime + usage.ru_stime)


def diagram_sources(doctrees: Path) -> list[str]:
    """The DOT of every per-milestone diagram of a built ``ours+diagrams`` project.

    Made with the extension's own pure functions from the plan the build stored
    (links written as from a page beside the milestone's own), so ``dot`` gets the
    graphs the build gave it.
    """
    import pickle

    from sphinxext_ldm503.core.model import Plan
    from sphinxext_ldm503.render.graph import GraphOptions, build_dot, select
    from sphinxext_ldm503.render.graph.dot import Statements
    from sphinxext_ldm503.render.schedule_dot import critical_path_styles

    with (doctrees / "environment.pickle").open("rb") as stored:
        env = pickle.load(stored)
    data = env.domaindata["ldm503"]["milestones"]
    plan = Plan([ms for docname in sorted(data) for ms in data[docname]])
    node_extra, edge_extra = critical_path_styles(None)
    statements = Statements()
    sources = []
    for ms in plan:
        options = GraphOptions.for_neighbourhood(ms.id)
        subplan = select(plan, options)
        if not ms.declared or not subplan.edges:
            continue  # the build draws none for these either
        sources.append(build_dot(
            plan, options, subplan=subplan, name=f"ldm503-{ms.docname}-{ms.anchor}",
            url_for=lambda m: f"{m.docname}.html#{m.anchor}" if m.declared else None,
            node_extra=node_extra, edge_extra=edge_extra, statements=statements))
    return sources


def dot_alone(graphs: Path) -> Timing:
    """One ``dot -Tsvg`` over every graph of the file ``graphs``, one after the other on
    its input (read by dot, not by this process)."""
    dot = shutil.which("dot") or "dot"
    with graphs.open("rb") as stdin:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run([dot, "-Tsvg"], stdin=stdin, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, check=False)
        elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Timing(elapsed, 0.0, proc.returncode, cpu)


def diagram_sources_apart(doctrees: Path, target: Path) -> Path:
    """:func:`diagram_sources` worked out in a process of its own, written to ``target``.

    Not in this one: loading a build's environment would grow this process by some
    100 MiB for the rest of the run, and every build it starts afterwards would report
    that as its own peak memory (a child's peak RSS counts the memory it was forked
    with, before it ran ``python -m sphinx``).
    """
    script = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
              "import bench; Path(sys.argv[3]).write_text(''.join("
              "s.rstrip() + '\\n' for s in bench.diagram_sources(Path(sys.argv[2]))), "
              "encoding='utf-8')")
    subprocess.run([sys.executable, "-c", script, str(HERE), str(doctrees), str(target)],
                   check=True)
    return target


class Trash:
    """Where the projects and outputs of finished builds go until the run ends.

    Not deleted between builds: on ext4 without a journal (this machine's disk),
    creating a file passes over every inode freed in the last minute, one by one
    (``recently_deleted`` in the kernel's inode allocator). Deleting the previous
    build's 2,000 images just before a timed build made each of that build's
    2,000 new images cost that scan: ~1.3 s of kernel time, in the build, for
    the harness's own cleaning (measured with ``perf``: ``find_inode_bit``,
    ``recently_deleted``). A first build, or one on a journaled ext4, pays none.
    """

    def __init__(self, work: Path) -> None:
        self.root = work / ".discarded"

    def discard(self, path: Path) -> None:
        if path.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            # A directory of its own (what an earlier run failed to delete stays apart).
            path.rename(Path(tempfile.mkdtemp(dir=self.root)) / path.name)

    def empty(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Project:
    """One variant's generated project at one size, kept from its clean builds until
    the round's edits are measured."""

    size: int
    variant: str
    src: Path
    names: list[str]
    milestones: list[generate.PlanMilestone]


def timed_build(project: Project, metric: str, results: Results, log: list[str],
                jobs: int = 1) -> None:
    """One build of ``project``, recorded under ``metric``."""
    size, variant = project.size, project.variant
    timing = sphinx_build(project.src, project.src / "_build", jobs=jobs)
    if timing.returncode != 0:
        raise SystemExit(f"{variant} at {size}: {metric} build failed")
    results.add(size, variant, metric, timing)
    log.append(f"  {size:>6} {variant:<16} {metric:<12} {timing.seconds:7.2f} s "
               f"{timing.peak_mib:6.0f} MiB  cpu {timing.cpu:7.2f} s")
    print(log[-1], flush=True)


def clean_builds(size: int, variant: str, work: Path, results: Results, *, quick: bool,
                 log: list[str], trash: Trash, clean_only: bool = False) -> Project | None:
    """A variant's clean builds at one size, one round; the project, for its edits
    (None with ``clean_only``: it is discarded at once)."""
    milestones = generate.plan(size)
    src = work / f"{variant.replace('+', '-')}-{size}"
    trash.discard(src)
    project = Project(size, variant, src, generate.write_project(src, milestones, variant),
                      milestones)
    out = src / "_build"
    if not quick and not clean_only:
        timed_build(project, "clean -j2", results, log, jobs=2)
        trash.discard(out)
    timed_build(project, "clean", results, log)
    if variant == "ours+diagrams" and shutil.which("dot"):
        graphs = diagram_sources_apart(out / ".doctrees", src.with_suffix(".gv"))
        timing = dot_alone(graphs)
        graphs.unlink()
        results.add(size, "dot alone", "clean", timing)
        log.append(f"  {size:>6} {'dot alone':<16} {'clean':<12} {timing.seconds:7.2f} s "
                   f"{'':>10}  cpu {timing.cpu:7.2f} s")
        print(log[-1], flush=True)
    if clean_only:
        trash.discard(src)
        return None
    return project


def edit_build(project: Project, metric: str, results: Results, log: list[str]) -> None:
    """``metric``'s edit of ``project`` ("prose edit" or "prereq edit"), and its build."""
    if metric == "prose edit":
        generate.edit_prose(project.src, project.names, 1)
    else:
        generate.edit_prerequisite(project.src, project.names, project.milestones,
                                   project.variant)
    timed_build(project, metric, results, log)


def rotated(items: Sequence[T], round_: int) -> list[T]:
    """``items`` starting at the ``round_``-th (1-based), wrapping round: over as many
    rounds as items, each is built first, second, ... once."""
    if not items:
        return []
    start = (round_ - 1) % len(items)
    return [*items[start:], *items[:start]]


def measure_round(size: int, variants: Sequence[str], round_: int, work: Path,
                  results: Results, *, quick: bool, log: list[str], trash: Trash) -> None:
    """One round at one size: every variant's clean builds, then every variant's prose
    edit, then every prerequisite edit.

    Each metric of all the variants is measured within seconds of the others (an edit's
    build takes one or two): a machine whose speed drifts over the minutes a round takes
    (seen here: the same build at 1.3 s and 2.1 s of CPU a minute apart) then shifts the
    variants alike, and the ratios of a round stay fair. The order turns by one variant
    each round, so no variant is always built first, or always after the slowest.
    """
    clean_only = size >= LARGE
    order = [v for v in rotated(variants, round_) if not clean_only or v in LARGE_VARIANTS]
    projects = [project for variant in order
                if (project := clean_builds(size, variant, work, results, quick=quick,
                                            log=log, trash=trash, clean_only=clean_only))]
    for metric in ("prose edit",) if quick else ("prose edit", "prereq edit"):
        for project in projects:
            edit_build(project, metric, results, log)
    for project in projects:
        trash.discard(project.src)


def versions() -> list[str]:
    import docutils
    import sphinx

    lines = [f"Python {platform.python_version()}", f"Sphinx {sphinx.__version__}",
             f"docutils {docutils.__version__}"]
    try:
        from importlib.metadata import version

        lines.append(f"sphinx-needs {version('sphinx-needs')}")
    except Exception:  # not installed: say so
        lines.append("sphinx-needs (not installed)")
    dot = shutil.which("dot")
    if dot:
        proc = subprocess.run([dot, "-V"], capture_output=True, text=True, check=False)
        lines.append(proc.stderr.strip())
    lines.append(f"{os.cpu_count()} CPUs, {platform.machine()}, {platform.system()}")
    return lines


def ratios(value: float, plain: float | None, floor: float | None) -> str:
    """``value``'s ratios to plain Sphinx's and to the floor's, those measured."""
    parts = [f"{value / base:.2f}x {name}" for name, base in (("plain", plain),
                                                             ("floor", floor)) if base]
    return f" ({' / '.join(parts)})" if parts else ""


def cell(value: float | None, plain: float | None, floor: float | None,
         unit: str = "s") -> str:
    """One measurement with its ratios ("1.21 s (1.10x plain / 1.32x floor)")."""
    if value is None:
        return "-"
    digits = 0 if unit == "MiB" else 2
    return f"{value:.{digits}f} {unit}" + ratios(value, plain, floor)


def variant_rows(results: Results, size: int, variant: str) -> list[str]:
    """A variant's wall row and CPU row at one size; none if it was not built there.

    Plain Sphinx's rows give its ratios to the floor, the floor's its ratios to
    plain Sphinx, the others both.
    """
    def bases(read: Callable[[int, str, str], float | None],
              metric: str) -> tuple[float | None, float | None]:
        plain = read(size, "plain", metric) if variant != "plain" else None
        floor = read(size, "floor", metric) if variant != "floor" else None
        return plain, floor

    wall = [cell(results.median(size, variant, m), *bases(results.median, m)) for m in METRICS]
    cpu = [cell(results.median_cpu(size, variant, m), *bases(results.median_cpu, m))
           for m in METRICS]
    peak = results.median_peak(size, variant)
    if peak is None and set(wall) == {"-"}:
        return []  # not built at this size (--large builds only a few)
    memory = cell(peak, results.median_peak(size, "plain") if variant != "plain" else None,
                  results.median_peak(size, "floor") if variant != "floor" else None, "MiB")
    return [f"| {variant} | wall | " + " | ".join(wall) + f" | {memory} |",
            f"| {variant} | cpu | " + " | ".join(cpu) + " | |"]


def diagram_rows(results: Results, size: int) -> list[str]:
    """ours+diagrams against plain Sphinx + dot alone and the floor + dot alone."""
    rows = []
    for label, read in (("wall", results.median), ("cpu", results.median_cpu)):
        plain, floor, dot, ours = (read(size, v, "clean") for v in
                                   ("plain", "floor", "dot alone", "ours+diagrams"))
        if plain is None or dot is None or ours is None:
            return []
        with_dot = [None if base is None else base + dot for base in (plain, floor)]
        peak = results.median_peak(size, "ours+diagrams") if label == "wall" else None
        shown = [cell(v, None, None) for v in (plain, floor, dot, *with_dot, ours)]
        ratio = ratios(ours, *with_dot).strip(" ()") or "-"
        rows.append(f"| {size:,} | {label} | " + " | ".join(shown) + f" | {ratio} | "
                    + (f"{peak:.0f} MiB" if peak else "") + " |")
    return rows


#: Issue 26's targets at N = 2,000: (what, variant, metric, base variant, limit on the
#: wall ratio, limit on the CPU ratio). A base of "ours" weighs the diagrams alone.
TARGET_SIZE = 2_000
TARGETS: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("prerequisite edit <= 1.5x plain", "ours", "prereq edit", "plain", 1.5, 1.5),
    ("... with the report page <= 2x plain", "ours+report", "prereq edit", "plain", 2.0, 2.0),
    ("... with diagrams <= 2x plain", "ours+diagrams", "prereq edit", "plain", 2.0, 2.0),
    ("clean build <= 1.15x the floor", "ours", "clean", "floor", 1.15, 1.15),
    ("... with the report page <= 1.3x the floor", "ours+report", "clean", "floor", 1.3, 1.3),
    ("prose edit <= 1.2x plain", "ours", "prose edit", "plain", 1.2, 1.2),
    ("diagrams add <= 25% wall and <= 40% CPU to ours", "ours+diagrams", "clean", "ours",
     1.25, 1.40),
)
#: Peak memory of the clean build, at most this many times plain Sphinx's.
MEMORY_LIMIT = 1.3
#: ``--large``: ours+diagrams within this many times (floor + dot alone), and memory.
LARGE_LIMIT, LARGE_MEMORY_MIB = 1.3, 4096


def _verdict(checks: list[bool]) -> str:
    return "yes" if all(checks) else "no"


def target_rows(results: Results) -> list[str]:
    """Issue 26's targets as this run measured them: the ratios (wall / CPU) and met or not."""
    rows = []
    size = TARGET_SIZE
    for what, variant, metric, base, wall_limit, cpu_limit in TARGETS:
        measured = [(read(size, variant, metric), read(size, base, metric), limit)
                    for read, limit in ((results.median, wall_limit),
                                        (results.median_cpu, cpu_limit))]
        if any(value is None or not reference for value, reference, _ in measured):
            continue
        shown = " / ".join(f"{value / reference:.2f}x" for value, reference, _ in measured)
        met = _verdict([value / reference <= limit for value, reference, limit in measured])
        per_round = [results.paired(size, variant, base, metric, cpu=cpu) for cpu in (False, True)]
        paired = " / ".join(f"{r:.2f}x" for r in per_round if r is not None) or "-"
        rows.append(f"| {what} | {size:,} | {shown} | {paired} | {met} |")
    for variant in ("ours", "ours+report"):
        peak, plain = results.median_peak(size, variant), results.median_peak(size, "plain")
        if peak and plain:
            rows.append(f"| peak memory of {variant} <= {MEMORY_LIMIT}x plain | {size:,} | "
                        f"{peak / plain:.2f}x | | {_verdict([peak / plain <= MEMORY_LIMIT])} |")
    ratios_large = []
    for read in (results.median, results.median_cpu):
        floor, dot, ours = (read(LARGE, v, "clean") for v in ("floor", "dot alone",
                                                             "ours+diagrams"))
        if floor and dot and ours:
            ratios_large.append(ours / (floor + dot))
    peak = results.median_peak(LARGE, "ours+diagrams")
    if ratios_large and peak:
        rows.append(f"| ours+diagrams <= {LARGE_LIMIT}x (floor + dot alone), <= 4 GiB | "
                    f"{LARGE:,} | " + " / ".join(f"{r:.2f}x" for r in ratios_large)
                    + f", {peak:.0f} MiB | | "
                    + _verdict([*(r <= LARGE_LIMIT for r in ratios_large),
                                peak <= LARGE_MEMORY_MIB]) + " |")
    if not rows:
        return []
    return ["### Targets (issue 26)", "",
            "Ratios of medians from this run, wall / CPU (memory: peak of the clean build). "
            "Met means both are within the limit. Per round: the median of each round's "
            "own ratio (the builds a round compares are made within seconds of each other), "
            "shown beside; the verdict is the ratio of medians'.", "",
            "| target | N | measured | per round | met |", "|---|---|---|---|---|", *rows,
            ""]


def report(results: Results, sizes: list[int], variants: tuple[str, ...], rounds: int,
           *, busy: bool = False, large_rounds: int | None = None) -> str:
    """The run's section of ``results.md``: its mode's heading, between its markers."""
    mode = "busy" if busy else "quiet"
    load = ("While every build ran, another process kept one core busy (`--busy`: a Python "
            "busy loop, started before the first round).") if busy else \
        "Nothing but the builds ran on behalf of the benchmark (no `--busy` load)."
    lines = [begin_marker(mode), f"## {MODES[mode]}", "",
             f"Medians of {rounds} interleaved round(s)"
             + (f" ({large_rounds} at N = {LARGE:,})" if large_rounds is not None else "")
             + f". {load} Each variant has a wall row "
             "(seconds) and a cpu row (user + system seconds of the build and every process "
             "it waited for); ratios are to plain Sphinx and to the floor (plain Sphinx "
             "with the extension's process-wide speed-ups) at the same size and metric.", "",
             "Machine and versions: " + "; ".join(versions()) + ".", ""]
    for size in sizes:
        lines += [f"### N = {size:,} milestones in {-(-size // generate.PER_DOCUMENT)} documents",
                  "", "| variant | time | " + " | ".join(METRICS) + " | peak memory |",
                  "|---" * (len(METRICS) + 3) + "|"]
        for variant in variants:
            lines += variant_rows(results, size, variant)
        lines.append("")
    lines += target_rows(results)
    diagrams = [row for size in sizes for row in diagram_rows(results, size)]
    if diagrams:
        lines += ["### A diagram under every milestone, against plain Sphinx or the floor "
                  "+ dot alone", "",
                  "`dot alone`: one `dot -Tsvg` over the DOT of every diagram of the build, "
                  "in one batch; the ratio is ours+diagrams' to plain + dot alone and to "
                  "floor + dot alone.", "",
                  "| N | time | plain | floor | dot alone | plain + dot alone | "
                  "floor + dot alone | ours+diagrams | ratio | peak memory |",
                  "|---" * 10 + "|", *diagrams, ""]
    cpu_rows = [(size, variant, results.cpu.get((size, variant, "clean")))
                for size in sizes for variant in (*variants, "dot alone")]
    cpu_rows = [row for row in cpu_rows if row[2]]
    if cpu_rows:
        lines += ["### CPU time of the clean serial builds, round by round", "",
                  "User + system seconds of the build process and every process it waited "
                  "for (Sphinx's workers, our forked copy, `dot`, our batch helpers), each "
                  "round and the median, with its ratios to plain Sphinx's and the floor's "
                  "medians. CPU time varies far less than wall time on a shared machine; a "
                  "build that draws in parallel uses more CPU than wall time.",
                  "", "| N | variant | rounds | median |", "|---|---|---|---|"]
        for size, variant, values in cpu_rows:
            assert values
            median = statistics.median(values)
            baseline = variant not in ("plain", "floor", "dot alone")
            shown = cell(median,
                         results.median_cpu(size, "plain") if baseline or variant == "floor"
                         else None,
                         results.median_cpu(size, "floor") if baseline or variant == "plain"
                         else None)
            lines.append(f"| {size:,} | {variant} | "
                         + ", ".join(f"{v:.2f}" for v in values) + f" | {shown} |")
        lines.append("")
    lines.append(end_marker(mode))
    return "\n".join(lines) + "\n"


def begin_marker(mode: str) -> str:
    return f"<!-- bench mode: {mode} -->"


def end_marker(mode: str) -> str:
    return f"<!-- end of bench mode: {mode} -->"


def legacy_section(above: str) -> str:
    """A results.md written before the modes: its tables, as the quiet section.

    Those runs had no load of their own; kept (headings one level down) so that a
    first ``--busy`` run does not throw the last quiet results away.
    """
    body = above.replace("# Benchmark results\n", "", 1).strip().splitlines()
    body = ["#" + line if line.startswith("## ") else line for line in body]
    return "\n".join([begin_marker("quiet"),
                      f"## {MODES['quiet']} (an earlier run, before busy mode)", "", *body,
                      end_marker("quiet")]) + "\n"


def compose(section: str, mode: str, previous: str | None) -> str:
    """``results.md``: this run's section, the other mode's as it was, then the notes.

    A quiet run and a busy run are different measurements, and both are worth
    keeping: each run replaces only its own mode's section. Hand-written analysis
    below ``NOTES_MARKER`` survives every run.
    """
    sections = {mode: section}
    notes = ""
    if previous:
        above, marker, below = previous.partition(NOTES_MARKER)
        notes = marker + below
        for other in MODES:
            start, end = begin_marker(other), end_marker(other)
            if other != mode and start in above and end in above.split(start, 1)[1]:
                sections[other] = start + above.split(start, 1)[1].split(end, 1)[0] + end + "\n"
        if mode == "busy" and "quiet" not in sections and begin_marker("quiet") not in above \
                and "| variant |" in above:
            sections["quiet"] = legacy_section(above)
    text = "\n".join(["# Benchmark results", "",
                      "Written by `make bench` (`benchmarks/bench.py`). A quiet run and a busy "
                      "run (`--busy`) each keep a section of their own; a run replaces only "
                      "its own.", "", *(sections[m] for m in MODES if m in sections)])
    return text + ("\n" + notes if notes else "")


def plot(results: Results, sizes: list[int], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for variant in ("plain", "floor", "ours", "ours+diagrams", "needs"):
        points = [(n, results.median(n, variant, "clean")) for n in sizes]
        points = [(n, s) for n, s in points if s is not None]
        if points:
            ax.plot([n for n, _ in points], [s for _, s in points], marker="o", label=variant)
    ax.set_xlabel("milestones")
    ax.set_ylabel("clean serial build (s)")
    ax.set_title("Build time against plan size")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


@contextmanager
def busy_core(enabled: bool) -> Iterator[subprocess.Popen[bytes] | None]:
    """``--busy``: one core kept loaded by another process until the block is left.

    Stopped however the run ends: the ``finally`` runs on an exception, on Ctrl-C
    (KeyboardInterrupt) and on SIGTERM (turned into SystemExit meanwhile, which a
    default SIGTERM would not be: the process would end without running it). The
    loop runs in a session of its own, so Ctrl-C reaches it only through us, and it
    ends by itself if this process dies without a chance to stop it (SIGKILL).
    """
    if not enabled:
        yield None
        return

    def terminated(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    # Only the main thread may set handlers; elsewhere SIGTERM keeps its own.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, terminated) if main_thread else None
    loop = subprocess.Popen([sys.executable, "-c", BUSY_LOOP], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        yield loop
    finally:
        loop.kill()
        loop.wait()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def compile_package() -> None:
    """Byte-compile the extension as installing it would: a source checkout run with
    PYTHONDONTWRITEBYTECODE would otherwise compile it again in every build."""
    import compileall

    import sphinxext_ldm503

    compileall.compile_dir(Path(sphinxext_ldm503.__file__).parent, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000,4000",
                        help="comma-separated plan sizes (default: 500,1000,2000,4000)")
    parser.add_argument("--large", action="store_true", help="also N = 20,000")
    parser.add_argument("--large-rounds", type=int, default=1,
                        help="rounds at N = 20,000 (default 1: some five minutes each)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds to take medians of")
    parser.add_argument("--variants", help="comma-separated subset of " +
                        ", ".join(generate.VARIANTS + generate.EXTRA_VARIANTS))
    parser.add_argument("--quick", action="store_true",
                        help="only the clean serial build and the prose edit (smoke test)")
    parser.add_argument("--busy", action="store_true",
                        help="keep one core loaded by another process while the builds run")
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--work", type=Path, help="where to generate the projects")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.large:
        sizes.append(LARGE)
    chosen = generate.variants(v.strip() for v in args.variants.split(",")
                               ) if args.variants else generate.VARIANTS
    unknown = sorted(set(chosen) - set(generate.VARIANTS + generate.EXTRA_VARIANTS))
    if unknown:
        parser.error(f"unknown variants: {', '.join(unknown)}")
    # The two baselines every ratio is to, built first in each round.
    chosen = ("plain", "floor", *(v for v in chosen if v not in ("plain", "floor")))
    compile_package()
    results = Results()
    log: list[str] = []
    mode = "busy" if args.busy else "quiet"
    with tempfile.TemporaryDirectory(prefix="ldm503-bench-") as tmp, busy_core(args.busy):
        print(f"mode: {MODES[mode]}", flush=True)
        work = args.work or Path(tmp)
        trash = Trash(work)
        trash.empty()  # a run stopped early leaves its trash behind
        for size in sizes:
            rounds = args.large_rounds if size >= LARGE else args.rounds
            for round_ in range(1, rounds + 1):
                print(f"N = {size:,}, round {round_} of {rounds}", flush=True)
                measure_round(size, chosen, round_, work, results, quick=args.quick,
                              log=log, trash=trash)
        trash.empty()
    section = report(results, sizes, chosen, args.rounds, busy=args.busy,
                     large_rounds=args.large_rounds if args.large else None)
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    args.output.write_text(compose(section, mode, previous), encoding="utf-8")
    picture = args.output.with_name(args.output.stem + ("-busy" if args.busy else "") + ".png")
    if plot(results, sizes, picture):
        print(f"plot: {picture}")
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
