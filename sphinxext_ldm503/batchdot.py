"""Many diagrams through a few ``dot`` processes.

Starting ``dot`` costs about 25 ms; laying out one of our small diagrams takes
well under 1 ms. One process per diagram, as ``sphinx.ext.graphviz`` does, made a
plan with a diagram under each of its 2,000 milestones build several times slower
than without them. ``dot -O`` lays out every file named on its command line in
one process, so the diagrams of a build are split into one batch per core and
run side by side. Nothing here knows Sphinx: the caller says where each output
goes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

#: Files per ``dot`` invocation: keeps the command line far below ARG_MAX.
MAX_FILES_PER_RUN = 500


@dataclass(frozen=True, slots=True)
class Job:
    """One diagram: its DOT source and the file(s) it must end up in.

    ``image_map`` also asks for the client-side image map (``-Tcmapx``) that
    HTML needs for clickable PNG images, written next to the image as
    ``<target>.map``. ``layout`` asks for the laid-out graph (``-Tjson``), from
    which the PDF places its links over the nodes, written as ``<target>.json``.
    """

    code: str
    target: Path
    image_map: bool = False
    layout: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    rendered: int
    failed: int
    processes: int


def render(
    jobs: Sequence[Job], fmt: str, *, dot: str = "dot", args: Sequence[str] = (),
    workers: int | None = None, timeout: float = 60.0,
) -> Outcome:
    """Render every job whose target is missing, in at most ``workers`` parallel batches.

    A batch that fails or runs out of time renders nothing of its own: its
    targets stay missing, and whoever asked for them later (sphinx.ext.graphviz)
    renders them one by one and reports the problem as it always does. So this
    is purely a speed-up; it never turns a working build into a broken one.
    ``timeout`` is per batch.
    """
    todo = _unique_missing(jobs)
    if not todo:
        return Outcome(0, 0, 0)
    program = shutil.which(dot)
    if program is None:
        return Outcome(0, len(todo), 0)
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    with tempfile.TemporaryDirectory(prefix="ldm503-dot-") as tmp:
        sources: list[tuple[Path, Job]] = []
        for number, job in enumerate(todo):
            source = Path(tmp) / f"d{number}.gv"
            source.write_text(job.code, encoding="utf-8")
            sources.append((source, job))
        batches = _batches(sources, workers)

        def run(batch: list[tuple[Path, Job]]) -> tuple[int, int]:
            command = [program, *args, f"-T{fmt}"]
            if any(job.image_map for _source, job in batch):
                command.append("-Tcmapx")
            if any(job.layout for _source, job in batch):
                command.append("-Tjson")
            command += ["-O", *(str(source) for source, _job in batch)]
            try:
                proc = subprocess.run(command, capture_output=True, cwd=tmp, check=False,
                                      timeout=timeout)
                ok = proc.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                ok = False
            return _collect(batch, fmt, ok=ok)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(run, batches))
    return Outcome(sum(r[0] for r in results), sum(r[1] for r in results), len(batches))


def _unique_missing(jobs: Sequence[Job]) -> list[Job]:
    seen: set[Path] = set()
    out = []
    for job in jobs:
        if job.target in seen or job.target.is_file():
            continue
        seen.add(job.target)
        out.append(job)
    return out


def _batches(sources: list[tuple[Path, Job]], workers: int) -> list[list[tuple[Path, Job]]]:
    """About ``workers`` batches of similar size, none over MAX_FILES_PER_RUN files."""
    size = max(1, min(MAX_FILES_PER_RUN, -(-len(sources) // workers)))
    return [sources[i : i + size] for i in range(0, len(sources), size)]


def _collect(batch: list[tuple[Path, Job]], fmt: str, *, ok: bool) -> tuple[int, int]:
    """Move a batch's outputs into place; anything incomplete is left for the fallback."""
    done = missing = 0
    for source, job in batch:
        output = source.with_name(f"{source.name}.{fmt}")
        image_map = source.with_name(f"{source.name}.cmapx")
        layout = source.with_name(f"{source.name}.json")
        complete = ok and output.is_file() and output.stat().st_size > 0
        if job.image_map:
            complete = complete and image_map.is_file()
        if job.layout:
            complete = complete and layout.is_file()
        if not complete:
            missing += 1
            continue
        job.target.parent.mkdir(parents=True, exist_ok=True)
        if job.image_map:
            shutil.move(image_map, f"{job.target}.map")
        if job.layout:
            shutil.move(layout, f"{job.target}.json")
        # The image last: its existence is what tells Sphinx the diagram is done.
        shutil.move(output, job.target)
        done += 1
    return done, missing
