"""``make bench``: build times of one generated plan as plain Sphinx, with us, with sphinx-needs.

Every build is ``python -m sphinx -b html`` in a fresh process. For each plan
size, each round builds every variant in turn (interleaved, so a machine that
gets busier slows all variants alike) and measures:

- ``clean``: a clean serial build (fresh output and doctrees), and its peak RSS;
- ``clean -j2``: the same with ``-j 2``;
- ``prose edit``: after the clean build, one sentence added to one document;
- ``prereq edit``: then one prerequisite of one milestone changed;
- for ``ours+diagrams``, ``clean`` is the cold build (every diagram drawn) and
  ``prose edit`` the warm one (every image reused); after its clean build, ``dot
  alone``: one ``dot -Tsvg`` over the DOT of every diagram of that build, in one
  batch, which with plain Sphinx's clean build is the floor a diagrammed build is
  compared with.

At N = 20,000 (``--large``) only the clean serial builds of plain Sphinx and
``ours+diagrams`` (with ``dot alone``) are run: what the scale target compares.

Medians of the rounds are written to ``benchmarks/results.md`` as seconds and as
ratios to plain Sphinx, with the machine and the versions, plus a plot of clean
build time against plan size (``results.png``, when matplotlib is installed:
``pip install '.[bench]'``). Timing never appears in the unit tests; the test
suite only runs a smoke round at N = 50.

    .venv/bin/python benchmarks/bench.py                  # N = 500, 1000, 2000, 4000
    .venv/bin/python benchmarks/bench.py --sizes 2000 --rounds 3
    .venv/bin/python benchmarks/bench.py --large          # adds N = 20,000
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import generate

HERE = Path(__file__).parent
METRICS: tuple[str, ...] = ("clean", "clean -j2", "prose edit", "prereq edit")
NOTES_MARKER = "<!-- notes: kept by bench.py -->"
#: ``--large``: the size, and the variants built at it (clean serial builds only).
LARGE = 20_000
LARGE_VARIANTS = ("plain", "ours+diagrams")


@dataclass
class Timing:
    seconds: float
    peak_mib: float
    returncode: int
    #: User + system CPU seconds of the build and the helpers it waited for (``dot``):
    #: on a shared machine it varies far less between rounds than the wall clock.
    cpu: float = 0.0


@dataclass
class Results:
    """Every measurement: (size, variant, metric) -> list of seconds; peak MiB likewise."""

    seconds: dict[tuple[int, str, str], list[float]] = field(default_factory=dict)
    peak: dict[tuple[int, str], list[float]] = field(default_factory=dict)
    cpu: dict[tuple[int, str], list[float]] = field(default_factory=dict)

    def add(self, size: int, variant: str, metric: str, timing: Timing) -> None:
        self.seconds.setdefault((size, variant, metric), []).append(timing.seconds)
        if metric == "clean":
            self.peak.setdefault((size, variant), []).append(timing.peak_mib)
            self.cpu.setdefault((size, variant), []).append(timing.cpu)

    def median_cpu(self, size: int, variant: str) -> float | None:
        values = self.cpu.get((size, variant))
        return statistics.median(values) if values else None

    def median(self, size: int, variant: str, metric: str) -> float | None:
        values = self.seconds.get((size, variant, metric))
        return statistics.median(values) if values else None

    def median_peak(self, size: int, variant: str) -> float | None:
        values = self.peak.get((size, variant))
        return statistics.median(values) if values else None


def sphinx_build(src: Path, out: Path, *, jobs: int = 1) -> Timing:
    """One build in a fresh process: wall-clock seconds and the child's peak RSS."""
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", str(src), str(out),
               "-d", str(out / ".doctrees")]
    if jobs > 1:
        command += ["-j", str(jobs)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        _pid, status, usage = os.wait4(proc.pid, 0)
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


def dot_alone(sources: list[str]) -> Timing:
    """One ``dot -Tsvg`` over every graph, one after the other on its input."""
    dot = shutil.which("dot") or "dot"
    text = "".join(f"{source.rstrip()}\n" for source in sources).encode()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([dot, "-Tsvg"], input=text, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Timing(elapsed, 0.0, proc.returncode, cpu)


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


def measure(size: int, variant: str, work: Path, results: Results, *, quick: bool,
            log: list[str], trash: Trash, clean_only: bool = False) -> None:
    """The builds of one variant at one size, one round."""
    milestones = generate.plan(size)
    src = work / f"{variant.replace('+', '-')}-{size}"
    trash.discard(src)
    names = generate.write_project(src, milestones, variant)
    out = src / "_build"

    def run(metric: str, jobs: int = 1) -> None:
        timing = sphinx_build(src, out, jobs=jobs)
        if timing.returncode != 0:
            raise SystemExit(f"{variant} at {size}: {metric} build failed")
        results.add(size, variant, metric, timing)
        log.append(f"  {size:>6} {variant:<16} {metric:<12} {timing.seconds:7.2f} s "
                   f"{timing.peak_mib:6.0f} MiB  cpu {timing.cpu:7.2f} s")
        print(log[-1], flush=True)

    if not quick and not clean_only:
        run("clean -j2", jobs=2)
        trash.discard(out)
    run("clean")
    if variant == "ours+diagrams" and shutil.which("dot"):
        timing = dot_alone(diagram_sources(out / ".doctrees"))
        results.add(size, "dot alone", "clean", timing)
        log.append(f"  {size:>6} {'dot alone':<16} {'clean':<12} {timing.seconds:7.2f} s")
        print(log[-1], flush=True)
    if clean_only:
        trash.discard(src)
        return
    generate.edit_prose(src, names, 1)
    run("prose edit")
    if not quick:
        generate.edit_prerequisite(src, names, milestones, variant)
        run("prereq edit")
    trash.discard(src)


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


def ratio(value: float | None, base: float | None) -> str:
    if value is None:
        return "-"
    if not base:
        return f"{value:.2f} s"
    return f"{value:.2f} s ({value / base:.2f}x)"


def report(results: Results, sizes: list[int], variants: tuple[str, ...], rounds: int) -> str:
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`benchmarks/bench.py`): medians of "
             f"{rounds} interleaved round(s); ratios are to plain Sphinx at the same size.", "",
             "Machine and versions: " + "; ".join(versions()) + ".", ""]
    for size in sizes:
        lines += [f"## N = {size:,} milestones in {-(-size // generate.PER_DOCUMENT)} documents",
                  "", "| variant | " + " | ".join(METRICS) + " | peak memory |",
                  "|---" * (len(METRICS) + 2) + "|"]
        base = {m: results.median(size, "plain", m) for m in METRICS}
        base_peak = results.median_peak(size, "plain")
        for variant in variants:
            cells = [ratio(results.median(size, variant, m), base[m] if variant != "plain"
                           else None) for m in METRICS]
            peak = results.median_peak(size, variant)
            if peak is None and set(cells) == {"-"}:
                continue  # not built at this size (--large builds only a few)
            if peak is None:
                memory = "-"
            elif variant == "plain" or not base_peak:
                memory = f"{peak:.0f} MiB"
            else:
                memory = f"{peak:.0f} MiB ({peak / base_peak:.2f}x)"
            lines.append(f"| {variant} | " + " | ".join(cells) + f" | {memory} |")
        lines.append("")
    floor = [(size, results.median(size, "plain", "clean"),
              results.median(size, "dot alone", "clean"),
              results.median(size, "ours+diagrams", "clean"),
              results.median_peak(size, "ours+diagrams")) for size in sizes]
    floor = [row for row in floor if None not in row[1:4]]
    if floor:
        lines += ["## A diagram under every milestone, against plain Sphinx + dot alone", "",
                  "`dot alone`: one `dot -Tsvg` over the DOT of every diagram of the build, "
                  "in one batch.", "",
                  "| N | plain | dot alone | plain + dot alone | ours+diagrams | ratio | "
                  "peak memory |", "|---|---|---|---|---|---|---|"]
        for size, plain, dot, ours, peak in floor:
            assert plain is not None and dot is not None and ours is not None
            lines.append(f"| {size:,} | {plain:.2f} s | {dot:.2f} s | {plain + dot:.2f} s | "
                         f"{ours:.2f} s | {ours / (plain + dot):.2f}x | "
                         f"{peak or 0:.0f} MiB |")
        lines.append("")
    cpu_rows = [(size, variant, results.cpu.get((size, variant)))
                for size in sizes for variant in (*variants, "dot alone")]
    cpu_rows = [row for row in cpu_rows if row[2]]
    if cpu_rows:
        lines += ["## CPU time of the clean serial builds", "",
                  "User + system seconds of the build process and the helpers it waited for "
                  "(`dot`, our batch helpers), each round and the median; ratios to plain "
                  "Sphinx's median. CPU time varies far less than wall time on a shared "
                  "machine; a build that draws in parallel uses more CPU than wall time.",
                  "", "| N | variant | rounds | median |", "|---|---|---|---|"]
        for size, variant, values in cpu_rows:
            assert values
            median = statistics.median(values)
            plain_cpu = results.median_cpu(size, "plain")
            shown = (f"{median:.2f} s" if variant in ("plain", "dot alone") or not plain_cpu
                     else f"{median:.2f} s ({median / plain_cpu:.2f}x)")
            lines.append(f"| {size:,} | {variant} | "
                         + ", ".join(f"{v:.2f}" for v in values) + f" | {shown} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def plot(results: Results, sizes: list[int], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for variant in ("plain", "ours", "ours+diagrams", "needs"):
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
    parser.add_argument("--rounds", type=int, default=3, help="rounds to take medians of")
    parser.add_argument("--variants", help="comma-separated subset of " +
                        ", ".join(generate.VARIANTS))
    parser.add_argument("--quick", action="store_true",
                        help="only the clean serial build and the prose edit (smoke test)")
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--work", type=Path, help="where to generate the projects")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.large:
        sizes.append(LARGE)
    chosen = generate.variants(v.strip() for v in args.variants.split(",")
                               ) if args.variants else generate.VARIANTS
    if "plain" not in chosen:
        chosen = ("plain", *chosen)
    compile_package()
    results = Results()
    log: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ldm503-bench-") as tmp:
        work = args.work or Path(tmp)
        trash = Trash(work)
        trash.empty()  # a run stopped early leaves its trash behind
        for size in sizes:
            for round_ in range(1, args.rounds + 1):
                print(f"N = {size:,}, round {round_} of {args.rounds}", flush=True)
                for variant in chosen:
                    if size >= LARGE and variant not in LARGE_VARIANTS:
                        continue
                    measure(size, variant, work, results, quick=args.quick, log=log,
                            trash=trash, clean_only=size >= LARGE)
        trash.empty()
    text = report(results, sizes, chosen, args.rounds)
    # Hand-written analysis below the marker survives a new run.
    if args.output.exists():
        previous = args.output.read_text(encoding="utf-8")
        if NOTES_MARKER in previous:
            text += "\n" + NOTES_MARKER + previous.split(NOTES_MARKER, 1)[1]
    args.output.write_text(text, encoding="utf-8")
    if plot(results, sizes, args.output.with_suffix(".png")):
        print(f"plot: {args.output.with_suffix('.png')}")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
