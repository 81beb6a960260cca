"""Many diagrams through a few ``dot`` processes, beside the build rather than in it.

Starting ``dot`` costs about 25 ms; laying out one of our small diagrams takes
well under 1 ms. One process per diagram, as ``sphinx.ext.graphviz`` does, made a
plan with a diagram under each of its 2,000 milestones build several times slower
than without them. So the diagrams of a build go in batches, a few per core,
drawn in page order while the pages are written, at most one batch per core at a
time. Nothing here knows Sphinx: the caller says where each output goes.

An SVG batch is one helper process (this module run with ``python -m``): it gives
``dot`` the batch's graphs one after the other on its input, cuts the SVGs out
of its output, makes each file's links relative to ``_images/`` and writes the
inlined form each page shows (:mod:`.svgtext`). None of that runs in the build's
own process, where a background thread would hold up the writing of pages (the
interpreter runs one thread's Python at a time) and be held up by it. PNG (with
its image map) and PDF (with the JSON layout the PDF's links need) batches run
``dot -O`` over files, whose outputs the build moves into place.

Every file appears whole (written aside, then renamed), the image last: its
existence is what tells Sphinx the diagram is drawn. A batch that fails or runs
out of time leaves its diagrams to ``sphinx.ext.graphviz``, which draws them one
by one and reports the problem its way: this is purely a speed-up.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ..render.dotrun import (
    complete,
    kill,
    launch,
    move_whole,
    place_whole,
    run,
)

_T = TypeVar("_T")

#: Files per ``dot`` invocation: keeps the command line far below ARG_MAX.
MAX_FILES_PER_RUN = 500
#: A large build's diagrams go in batches of at least this many (a helper costs
#: about 50 ms to start) ...
MIN_BATCH = 125
#: ... and at most this many batches per worker, drawn one after the other. Each
#: batch is a helper process, and starting one (Python, its imports) costs about
#: 60 ms of CPU: at 2,000 diagrams on two cores, 8 per worker started 15 helpers
#: (0.9 s of CPU, a quarter of what the diagrams cost beyond ``dot``), 3 start 7.
#: The first batch is cut smaller anyway (:func:`start`), so the first pages still
#: wait for a small one.
MAX_BATCHES_PER_WORKER = 3


@dataclass(frozen=True, slots=True)
class Job:
    """One diagram: its DOT source and the file(s) it must end up in.

    ``image_map`` also asks for the client-side image map (``-Tcmapx``) that
    HTML needs for clickable PNG images, written next to the image as
    ``<target>.map``. ``layout`` asks for the laid-out graph (``-Tjson``), from
    which the PDF places its links over the nodes, written as ``<target>.json``.

    SVG only: ``relink`` is (page directory, images directory): the links dot
    wrote for a page in that directory are made relative to the images directory
    in the file, as sphinx.ext.graphviz does. ``inline`` lists the inlined forms
    pages need, as (image path from the page, id prefix); see
    :meth:`Pending.fragment`.
    """

    code: str
    target: Path
    image_map: bool = False
    layout: bool = False
    relink: tuple[str, str] | None = None
    inline: tuple[tuple[str, str], ...] = ()


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

    ``timeout`` is per batch.
    """
    return start(jobs, fmt, dot=dot, args=args, workers=workers, timeout=timeout,
                 batches_per_worker=1).wait_all()


def start(
    jobs: Sequence[Job], fmt: str, *, dot: str = "dot", args: Sequence[str] = (),
    workers: int | None = None, timeout: float = 60.0, batches_per_worker: int | None = None,
    here: bool = False, keep_inlined: bool = True,
) -> Pending:
    """Like :func:`render`, but returns at once: the batches run in the background.

    Batches follow the order of ``jobs``. A large build gets several smaller ones
    per worker (up to :data:`MAX_BATCHES_PER_WORKER`, none under
    :data:`MIN_BATCH` diagrams), run one after the other: the first pages' images
    are ready first, and a caller writing pages in that order rarely waits
    (:meth:`Pending.wait`) while the later ones are drawn on the other cores.
    A small build (the example plan) stays at one batch per core.

    ``here``: SVG batches run ``dot`` alone and are finished in this process when
    they are collected (:func:`begin_here`'s way), with no helper process: less CPU
    in all (no interpreter to start per batch, no files of DOT and inlined forms to
    pass), more of it on the caller's thread. For a machine with no core to spare,
    where the helpers' work would take turns with the build's anyway.
    ``keep_inlined`` as for :func:`begin_here`.
    """
    todo = _unique_missing(jobs)
    program = shutil.which(dot)
    if not todo or program is None:
        return Pending(1, failed=len(todo))
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    if batches_per_worker is None:
        batches_per_worker = max(1, min(MAX_BATCHES_PER_WORKER,
                                        len(todo) // (workers * MIN_BATCH)))
    chunks = _batches(todo, workers * batches_per_worker)
    if len(chunks) > workers and len(chunks[0]) >= 4:
        # A large build: the first pages wait for the first batch, so it is a small one.
        first = chunks.pop(0)
        chunks[:0] = [first[: len(first) // 4], first[len(first) // 4 :]]
    pending = Pending(workers)
    for chunk in chunks:
        pending.add(chunk, fmt, program=program, args=args, timeout=timeout, here=here,
                    keep_inlined=keep_inlined)
    pending.poll()
    return pending


class Pending:
    """Batches of :func:`start` under way: at most ``workers`` at a time, in order.

    Batches are started and collected whenever the caller asks (:meth:`poll`,
    :meth:`wait`): no thread runs in the caller's process.
    """

    def __init__(self, workers: int, failed: int = 0) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None  # made with the first batch
        self._batches: list[Batch] = []
        self._workers = workers
        self._failed = failed
        self._batch_of: dict[Path, Batch] = {}

    def add(self, jobs: Sequence[Job], fmt: str, *, program: str, args: Sequence[str] = (),
            timeout: float = 60.0, here: bool = False, keep_inlined: bool = True) -> None:
        """Queue one more batch (after those queued already); ``program`` is dot's path.

        For a caller that learns of diagrams while earlier ones are drawn (see
        :mod:`.prefork`): it skips what is drawn or queued already. ``here`` and
        ``keep_inlined`` as for :func:`start`.
        """
        todo = [job for job in _unique_missing(jobs) if job.target not in self._batch_of]
        if todo:
            batch = _batch(len(self._batches), todo, self.directory(), fmt, program,
                           args, timeout, here=here)
            if isinstance(batch, _StreamBatch):
                batch.keep_inlined = keep_inlined
            self.adopt(batch)

    def directory(self) -> Path:
        """Where this build's batches keep their files (removed by :meth:`wait_all`)."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ldm503-dot-")
        return Path(self._tmp.name)

    def adopt(self, batch: Batch) -> None:
        """Take a batch made elsewhere (drawn already by :func:`begin_here`, say) as one
        of these: :meth:`wait` and :meth:`fragment` serve its diagrams."""
        batch.number = len(self._batches)  # waited for in this order
        self._batches.append(batch)
        for job in batch.jobs:
            self._batch_of.setdefault(job.target, batch)

    def poll(self) -> None:
        """Collect the batches that are done and start queued ones on the free cores."""
        running = 0
        for batch in self._batches:
            if batch.running:
                batch.check()
                running += batch.running
        for batch in self._batches:
            if running >= self._workers:
                break
            if not batch.launched:
                batch.launch()
                running += batch.running

    def wait(self, targets: Iterable[Path]) -> None:
        """Return once the batches drawing any of ``targets`` are done."""
        needed = sorted({self._batch_of[t] for t in targets if t in self._batch_of},
                        key=lambda batch: batch.number)
        for batch in needed:
            self._until_done(batch)
        self.poll()

    def _until_done(self, batch: Batch) -> None:
        while not batch.done:
            self.poll()
            # The earliest batch running is this one or one before it.
            first = next((b for b in self._batches if b.running), None)
            if first is not None:
                first.finish()

    def fragment(self, target: Path, imgpath: str, prefix: str) -> str | None:
        """The inlined SVG of ``target`` for a page at ``imgpath`` with id ``prefix``,
        if its batch made it (None: the caller inlines the file itself). Each is
        handed out once: a page is written once."""
        batch = self._batch_of.get(target)
        return batch.take_fragment((target, imgpath, prefix)) if batch is not None else None

    def abort(self) -> None:
        """Kill every batch still running, start no other, and remove the batches'
        files: what an interrupted build does instead of :meth:`wait_all`."""
        for batch in self._batches:
            if not batch.done:
                batch.abort()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def wait_all(self) -> Outcome:
        """Wait for every batch, clean up, and say how it went."""
        for batch in self._batches:
            self._until_done(batch)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        return Outcome(sum(b.rendered for b in self._batches),
                       self._failed + sum(len(b.jobs) - b.rendered for b in self._batches),
                       len(self._batches))


class Batch:
    """One process drawing some jobs; started, checked and finished by :class:`Pending`."""

    def __init__(self, number: int, jobs: list[Job], directory: Path, timeout: float,
                 name: str = "") -> None:
        self.number = number
        #: what its files in ``directory`` are named after
        self.name = name or f"b{number}"
        self.jobs = jobs
        self.directory = directory
        self.timeout = timeout
        #: (target, imgpath, prefix) -> the inlined form's place in the batch's fragments
        self.fragments: dict[tuple[Path, str, str], int] = {}
        self._inlined: list[str | None] | None = None
        self.launched = self.done = False
        self.rendered = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._deadline = 0.0
        #: Started in a process group of its own, which is killed as a whole: a helper
        #: killed before the ``dot`` it started would leave that ``dot`` running. A
        #: batch of the forked copy (:mod:`.prefork`) shares the copy's group instead,
        #: which the build kills with the copy.
        self.own_group = True

    @property
    def running(self) -> bool:
        return self.launched and not self.done

    def __getstate__(self) -> dict[str, Any]:
        """A finished batch travels (from a forked copy, :mod:`.prefork`) without its
        jobs' DOT: who adopts it only asks which files it drew, and the DOT was half
        of what the copy pickled and the build unpickled."""
        state = dict(self.__dict__)
        if self.done:
            state["jobs"] = [replace(job, code="") for job in self.jobs]
        return state

    def command(self) -> list[str] | None:
        """The command line (None: the batch was drawn in this process instead)."""
        raise NotImplementedError

    def streams(self) -> tuple[Path | None, Path | None]:
        """The files the command reads as its input and writes as its output (None:
        nothing, nowhere)."""
        return None, None

    def launch(self) -> None:
        self.launched = True
        try:
            command = self.command()
            if command is None:
                self._end(ok=True)
                return
            source, output = self.streams()
            with (source.open("rb") if source is not None
                  else contextlib.nullcontext(subprocess.DEVNULL)) as stdin, \
                 (output.open("wb") if output is not None
                  else contextlib.nullcontext(subprocess.DEVNULL)) as stdout:
                self._proc = launch(command, stdin=stdin, stdout=stdout,
                                    cwd=self.directory, env=_helper_env(),
                                    group=self.own_group)
        except (OSError, ValueError):
            self._end(ok=False)
            return
        self._deadline = time.monotonic() + self.timeout

    def check(self) -> None:
        """Finish the batch if its process is over (or out of time); never blocks."""
        assert self._proc is not None
        if self._proc.poll() is not None:
            self._end(ok=self._proc.returncode == 0)
        elif time.monotonic() > self._deadline:
            self._kill()

    def complete(self) -> None:
        """Return once the batch is done (drawn, failed or out of time)."""
        if self.running:
            self.finish()

    def finish(self) -> None:
        """Block until the process is over (or out of time), then finish the batch."""
        assert self._proc is not None
        try:
            self._proc.wait(timeout=max(0.0, self._deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._kill()
            return
        self._end(ok=self._proc.returncode == 0)

    def _kill(self) -> None:
        assert self._proc is not None
        kill(self._proc, group=self.own_group)
        self._end(ok=False)

    def abort(self) -> None:
        """Stop the batch now (its process and what that started), drawing nothing more:
        the build is being interrupted. Files it placed whole stay; nothing else is
        collected."""
        self.launched = True
        if self._proc is not None:
            kill(self._proc, group=self.own_group)
            self._proc = None
        self.done = True

    def _end(self, *, ok: bool) -> None:
        self.done = True
        self.rendered = self.collect(ok=ok)
        self._proc = None  # over: what is left of the batch can be pickled

    def collect(self, *, ok: bool) -> int:
        """Put the outputs in place; how many diagrams were drawn."""
        raise NotImplementedError

    def take_fragment(self, key: tuple[Path, str, str]) -> str | None:
        """An inlined form the finished batch made, handed out once (then forgotten)."""
        return None


class _StreamBatch(Batch):
    """SVGs: a helper process runs ``dot`` on a stream of graphs and finishes each SVG."""

    def __init__(self, number: int, jobs: list[Job], directory: Path, program: str,
                 args: Sequence[str], timeout: float, name: str = "",
                 here: bool = False) -> None:
        super().__init__(number, jobs, directory, timeout, name)
        self.program, self.args = program, list(args)
        #: drawn from this process (no helper to start), as :func:`begin_here` asks
        self.here = here
        #: (drawn here) the inlined forms kept in memory, not written to a file
        self.keep_inlined = False
        for job in jobs:
            for imgpath, prefix in job.inline:
                self.fragments[job.target, imgpath, prefix] = len(self.fragments)
        self.fragments_file = directory / f"{self.name}-inlined.json"

    def _spec(self) -> dict[str, Any]:
        return {
            "dot": self.program, "args": self.args, "timeout": self.timeout,
            "jobs": [job_spec(job) for job in self.jobs],
            "inlined": str(self.fragments_file),
        }

    def command(self) -> list[str] | None:
        spec = self._spec()
        if self.here:
            # dot alone in the background, its standard streams on files (nothing to
            # pump meanwhile; with -o it would keep only the last graph's SVG); the
            # SVGs are finished here once it is over (collect).
            self._source.write_bytes(stream_source(spec["jobs"]))
            return [self.program, *self.args, "-Tsvg"]
        path = self.directory / f"{self.name}.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        python = _python()
        if python is None:  # no interpreter to start (embedded): draw it here and now
            draw_stream(spec)
            return None
        return [python, "-m", "sphinxext_ldm503.speed.batchdot", str(path)]

    def streams(self) -> tuple[Path | None, Path | None]:
        return (self._source, self._output) if self.here else (None, None)

    @property
    def _source(self) -> Path:
        return self.directory / f"{self.name}.gv"

    @property
    def _output(self) -> Path:
        return self.directory / f"{self.name}.svg"

    def collect(self, *, ok: bool) -> int:
        if self.here:
            # Asked to keep them, the inlined forms stay in memory (and travel with the
            # batch when it is pickled): no JSON written here and decoded by the build.
            kept: list[str | None] = []
            if ok:
                try:
                    output = self._output.read_bytes()
                except OSError:
                    output = b""
                finish_stream(self._spec(), output, kept if self.keep_inlined else None)
            if self.keep_inlined:  # else take_fragment reads the file, if there is one
                count = len(self.fragments)
                self._inlined = kept if len(kept) == count else [None] * count
            for leftover in (self._source, self._output):
                leftover.unlink(missing_ok=True)
        # The helper (or finish_stream) placed what it drew; anything missing is left
        # to Sphinx.
        return sum(1 for job in self.jobs if job.target.is_file())

    def take_fragment(self, key: tuple[Path, str, str]) -> str | None:
        index = self.fragments.get(key)
        if index is None or not self.done:
            return None
        if self._inlined is None:
            try:
                loaded = json.loads(self.fragments_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = None
            valid = isinstance(loaded, list) and len(loaded) == len(self.fragments)
            self._inlined = loaded if valid else [None] * len(self.fragments)
        text, self._inlined[index] = self._inlined[index], None
        return text if isinstance(text, str) else None


class _FileBatch(Batch):
    """PNG or PDF: ``dot -O`` over one file per graph; outputs moved into place here."""

    def __init__(self, number: int, jobs: list[Job], directory: Path, program: str,
                 args: Sequence[str], timeout: float, fmt: str, name: str = "") -> None:
        super().__init__(number, jobs, directory, timeout, name)
        self.program, self.args, self.fmt = program, list(args), fmt
        self.sources = [directory / f"{self.name}-{index}.gv" for index in range(len(jobs))]

    def command(self) -> list[str] | None:
        for source, job in zip(self.sources, self.jobs, strict=True):
            source.write_text(job.code, encoding="utf-8")
        command = [self.program, *self.args, f"-T{self.fmt}"]
        if any(job.image_map for job in self.jobs):
            command.append("-Tcmapx")
        if any(job.layout for job in self.jobs):
            command.append("-Tjson")
        return [*command, "-O", *(str(source) for source in self.sources)]

    def collect(self, *, ok: bool) -> int:
        done = 0
        for source, job in zip(self.sources, self.jobs, strict=True):
            output = source.with_name(f"{source.name}.{self.fmt}")
            image_map = source.with_name(f"{source.name}.cmapx")
            layout = source.with_name(f"{source.name}.json")
            # Only whole files: a dot that died while writing one is no drawing.
            whole = ok and complete(output, self.fmt)
            if job.image_map:
                whole = whole and complete(image_map, "cmapx")
            if job.layout:
                whole = whole and complete(layout, "json")
            if not whole:
                continue
            job.target.parent.mkdir(parents=True, exist_ok=True)
            if job.image_map:
                move_whole(image_map, Path(f"{job.target}.map"))
            if job.layout:
                move_whole(layout, Path(f"{job.target}.json"))
            move_whole(output, job.target)  # the image last: it says "drawn"
            done += 1
        return done


def _batch(number: int, jobs: list[Job], directory: Path, fmt: str, program: str,
           args: Sequence[str], timeout: float, name: str = "", here: bool = False) -> Batch:
    if fmt == "svg" and not any(job.image_map or job.layout for job in jobs):
        return _StreamBatch(number, jobs, directory, program, args, timeout, name, here)
    return _FileBatch(number, jobs, directory, program, args, timeout, fmt, name)


def begin_here(jobs: Sequence[Job], fmt: str, *, program: str, directory: Path, name: str,
               args: Sequence[str] = (), timeout: float = 60.0,
               keep_inlined: bool = True) -> Batch | None:
    """Start drawing ``jobs`` from this process (a background one: :mod:`.prefork`) and
    return as soon as ``dot`` runs: the caller goes on with other work, calls
    :meth:`Batch.complete` when it needs the drawings (SVGs are finished then, here,
    with no helper to start), and hands the finished batch to a :class:`Pending` to
    :meth:`~Pending.adopt`. None when all are drawn already. ``name`` keeps its files
    in ``directory`` apart from other batches'. ``keep_inlined``: an SVG batch keeps
    the forms pages inline in memory (they travel with it when it is pickled) rather
    than in a file read when a page asks."""
    todo = _unique_missing(jobs)
    if not todo:
        return None
    batch = _batch(0, todo, directory, fmt, program, args, timeout, name, here=True)
    batch.own_group = False  # the forked copy's own group: killed with the copy
    if isinstance(batch, _StreamBatch):
        batch.keep_inlined = keep_inlined
    batch.launch()
    return batch


def _unique_missing(jobs: Sequence[Job]) -> list[Job]:
    seen: set[Path] = set()
    out = []
    for job in jobs:
        if job.target in seen or job.target.is_file():
            continue
        seen.add(job.target)
        out.append(job)
    return out


def _batches(items: list[_T], workers: int) -> list[list[_T]]:
    """About ``workers`` batches of similar size, none over MAX_FILES_PER_RUN items."""
    size = max(1, min(MAX_FILES_PER_RUN, -(-len(items) // workers)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _python() -> str | None:
    """The interpreter to run helpers with (None when this one cannot be started)."""
    return sys.executable if sys.executable and os.path.isfile(sys.executable) else None


def _helper_env() -> dict[str, str]:
    """The environment of a helper: this very package first on its import path."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
    return env


# -- the helper process ------------------------------------------------------------

#: Where one SVG of dot's output stream ends: its text is XML-escaped, so the
#: closing tag appears nowhere else.
_SVG_END = "</svg>\n"
#: The page prefix dot (2.43 at least) gives the id of every graph but the first
#: in one run, as if each were a further page of the first: its ``id`` attribute
#: and the SVG a run of its own writes lack it, and a page's explorer looks the
#: graph up by that id.
_PAGE_PREFIX = re.compile(r'(<g id=")page\d+,\d+_(?=[^"]*" class="graph")')


def job_spec(job: Job) -> dict[str, Any]:
    """A job as a batch's spec (JSON for a helper) lists it: :func:`finish_stream` reads it."""
    return {"code": job.code, "target": str(job.target), "relink": job.relink,
            "inline": [[imgpath, prefix] for imgpath, prefix in job.inline]}


def stream_source(jobs: Sequence[dict[str, Any]]) -> bytes:
    """The DOT of a batch's graphs, one after the other: one ``dot`` run draws them all."""
    return "".join(f"{job['code'].rstrip()}\n" for job in jobs).encode()


def draw_stream(spec: dict[str, Any]) -> int:
    """Draw a batch described by ``spec`` (see :class:`_StreamBatch`): 0 when all went well.

    One ``dot -Tsvg`` over the graphs, one after the other on its input, then
    :func:`finish_stream` over its output.
    """
    try:
        # In the helper's own group (which the build kills as a whole), not one of its own.
        proc = run([spec["dot"], *spec["args"], "-Tsvg"], input=stream_source(spec["jobs"]),
                   timeout=spec["timeout"], group=False)
    except (OSError, subprocess.TimeoutExpired):
        return 1
    return finish_stream(spec, proc.stdout if proc.returncode == 0 else b"")


def finish_stream(spec: dict[str, Any], output: bytes,
                  kept: list[str | None] | None = None) -> int:
    """``dot``'s SVGs for a batch (``output``, empty if it failed) cut apart, relinked
    for ``_images/`` and placed, and the forms inlined for the pages that need them
    written to one file (``spec["inlined"]``), read by the build once the batch is
    over, or added to ``kept``: 0 when all went well.
    """
    from ..render.svgtext import inline_svg, relink_for_images

    jobs = spec["jobs"]
    svgs = output.decode("utf-8", "replace").split(_SVG_END)[:-1]
    if len(svgs) != len(jobs):
        return 1  # which output is which is unknowable: all to the fallback
    failed = 0
    inlined: list[str | None] = []
    made: set[Path] = set()  # directories known to exist
    for job, svg in zip(jobs, svgs, strict=True):
        try:
            text = _PAGE_PREFIX.sub(r"\1", svg.lstrip("\n") + _SVG_END, count=1)
            if job["relink"]:
                text = relink_for_images(text, *job["relink"])
            forms = [inline_svg(text, imgpath, prefix) for imgpath, prefix in job["inline"]]
            target = Path(job["target"])
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            place_whole(target, text)
            # Only once the file is in place: one form (or None) per variant, in order,
            # or every form of the batch after a failure would be taken as the next's.
            inlined += forms
        except Exception:  # this one is left to Sphinx, which reports what is wrong
            failed += 1
            inlined += [None] * len(job["inline"])
    # One file for the batch's inlined forms (read once the batch is over); a job
    # without its image is inlined from nothing, so None stands in for it.
    if kept is not None:
        kept += inlined
    else:
        Path(spec["inlined"]).write_text(json.dumps(inlined), encoding="utf-8")
    return 1 if failed else 0


#: How much lower than the build's the helpers' (and so dot's) priority is: on a
#: machine with few cores the build's own process, which writes the pages, keeps its
#: core, and the drawing takes what the others leave.
NICENESS = 15


def lower_priority() -> None:
    """Run this process (and what it starts) at :data:`NICENESS` below its parent."""
    with contextlib.suppress(AttributeError, OSError):  # os.nice is POSIX-only
        os.nice(NICENESS)


def main(argv: Sequence[str] | None = None) -> int:
    lower_priority()
    args = sys.argv[1:] if argv is None else list(argv)
    spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    return draw_stream(spec)


if __name__ == "__main__":
    sys.exit(main())
