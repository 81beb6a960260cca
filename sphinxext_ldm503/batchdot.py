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
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

#: Files per ``dot`` invocation: keeps the command line far below ARG_MAX.
MAX_FILES_PER_RUN = 500
#: A large build's diagrams go in batches of at least this many (a run of ``dot``
#: costs about 25 ms to start) ...
MIN_BATCH = 125
#: ... and at most this many batches per worker, drawn one after the other.
MAX_BATCHES_PER_WORKER = 8


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
    finish: Callable[[Job, Path], None] | None = None,
) -> Outcome:
    """Render every job whose target is missing, in at most ``workers`` parallel batches.

    A batch that fails or runs out of time renders nothing of its own: its
    targets stay missing, and whoever asked for them later (sphinx.ext.graphviz)
    renders them one by one and reports the problem as it always does. So this
    is purely a speed-up; it never turns a working build into a broken one.
    ``timeout`` is per batch. ``finish(job, output)`` may rewrite an output before
    it is moved into place.
    """
    return start(jobs, fmt, dot=dot, args=args, workers=workers, timeout=timeout,
                 finish=finish, batches_per_worker=1).wait_all()


def start(
    jobs: Sequence[Job], fmt: str, *, dot: str = "dot", args: Sequence[str] = (),
    workers: int | None = None, timeout: float = 60.0,
    finish: Callable[[Job, Path], None] | None = None, batches_per_worker: int | None = None,
) -> Pending:
    """Like :func:`render`, but returns at once: the batches run in the background.

    Batches follow the order of ``jobs``. A large build gets several smaller ones
    per worker (up to :data:`MAX_BATCHES_PER_WORKER`, none under
    :data:`MIN_BATCH` diagrams), run one after the other: the first pages' images
    are ready first, and a caller writing pages in that order rarely waits
    (:meth:`Pending.wait`) while ``dot`` draws the later ones on the other cores.
    A small build (the example plan) stays at one batch per core.
    """
    todo = _unique_missing(jobs)
    program = shutil.which(dot)
    if not todo or program is None:
        return Pending(None, {}, [], failed=len(todo))
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    if batches_per_worker is None:
        batches_per_worker = max(1, min(MAX_BATCHES_PER_WORKER,
                                        len(todo) // (workers * MIN_BATCH)))
    tmp = tempfile.TemporaryDirectory(prefix="ldm503-dot-")
    sources: list[tuple[Path, Job]] = []
    for number, job in enumerate(todo):
        source = Path(tmp.name) / f"d{number}.gv"
        source.write_text(job.code, encoding="utf-8")
        sources.append((source, job))
    batches = _batches(sources, workers * batches_per_worker)

    def run(batch: list[tuple[Path, Job]]) -> tuple[int, int]:
        command = [program, *args, f"-T{fmt}"]
        if any(job.image_map for _source, job in batch):
            command.append("-Tcmapx")
        if any(job.layout for _source, job in batch):
            command.append("-Tjson")
        command += ["-O", *(str(source) for source, _job in batch)]
        try:
            proc = subprocess.run(command, capture_output=True, cwd=tmp.name, check=False,
                                  timeout=timeout)
            ok = proc.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        return _collect(batch, fmt, ok=ok, finish=finish)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ldm503-dot")
    futures: dict[Path, Future[tuple[int, int]]] = {}
    submitted = []
    for batch in batches:
        future = pool.submit(run, batch)
        submitted.append(future)
        for _source, job in batch:
            futures[job.target] = future
    pool.shutdown(wait=False)  # the threads finish the queue; nothing more is submitted
    return Pending(tmp, futures, submitted)


class Pending:
    """Batches of :func:`start` under way."""

    def __init__(self, tmp: tempfile.TemporaryDirectory[str] | None,
                 futures: dict[Path, Future[tuple[int, int]]],
                 submitted: list[Future[tuple[int, int]]], failed: int = 0) -> None:
        self._tmp = tmp
        self._futures = futures
        self._submitted = submitted
        self._failed = failed

    def wait(self, targets: Iterable[Path]) -> None:
        """Return once the batches drawing any of ``targets`` are done."""
        for future in {self._futures[t] for t in targets if t in self._futures}:
            future.result()

    def wait_all(self) -> Outcome:
        """Wait for every batch, clean up, and say how it went."""
        results = [future.result() for future in self._submitted]
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        return Outcome(sum(r[0] for r in results), self._failed + sum(r[1] for r in results),
                       len(self._submitted))


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


def _collect(batch: list[tuple[Path, Job]], fmt: str, *, ok: bool,
             finish: Callable[[Job, Path], None] | None = None) -> tuple[int, int]:
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
        if finish is not None:
            try:
                finish(job, output)
            except Exception:  # the fallback draws it, and reports what is wrong
                missing += 1
                continue
        # The image last: its existence is what tells Sphinx the diagram is done. Pages
        # may be written meanwhile, so it appears whole (replace, in its own directory).
        partial = job.target.with_name(f".{job.target.name}.{os.getpid()}.part")
        shutil.move(output, partial)
        os.replace(partial, job.target)
        done += 1
    return done, missing
