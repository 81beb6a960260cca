"""The diagrams' dry run in a forked copy of the build, while it writes its first pages.

Drawing a large plan's diagrams in batches (:mod:`.prerender`, :mod:`.batchdot`)
first needs the DOT of every one of them, and working that out took about a
second of the build's own process at 2,000 diagrams, before the first page was
written: the largest part of what diagrams still added to a build. The DOT only
depends on the environment, which a forked copy of the process holds as it is.
So the copy does the dry run, page by page in page order, draws each chunk of it
(:func:`.batchdot.begin_here`: ``dot`` and the SVGs' finishing, with no helper
process to start) and hands it over (a pickled file, announced by one byte on a
pipe): what each placeholder rendered, and the finished batch. The build takes a
chunk when a page needs it, or sooner when it looks in passing; meanwhile it
writes pages.

Purely a speed-up, like the batches: where ``fork`` is missing or unsafe (other
threads running), or the copy fails or falls silent, the dry run happens in the
build's process as before. The copy runs at a lower priority and holds memory of
its own while it runs (what it allocates, and the pages of the build's memory it
touches), so ``ldm503_fork_diagrams`` can turn it off; and it is not started when
no core is free for it (:func:`core_free`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..framework import guard
from .batchdot import lower_priority

#: Below this many diagrams the dry run costs less than forking and the copy-on-write
#: page faults a fork brings.
MIN_DIAGRAMS = 200

#: The copy runs beside the build only when this many cores are free of other work
#: (the 1-minute load average, less the build's own share, below the cores this
#: process may use, by at least this much).
FREE_CORES = 1.0


def core_free() -> bool:
    """Whether a core is free for the copy. On a busy machine (another build, CI
    neighbours) the copy, at a lower priority, starves, and the build waits for it:
    measured at N = 2,000 with one core busy, the forked build took 24.0 s against
    14.8 s without the copy (benchmarks/results.md). The build then does the dry run
    itself. The 1-minute load average includes this build for the seconds it has run:
    at most one process of its own is taken off."""
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
        load = os.getloadavg()[0]
    except OSError:
        return False
    return cores - max(0.0, load - 1.0) - 1.0 >= FREE_CORES


#: Seconds the build waits for the copy's next chunk before doing the rest itself.
SILENCE_LIMIT = 120.0

_CHUNK, _END, _FAILED = b"c", b"e", b"x"


def can_fork() -> bool:
    """Forking is safe here: no other thread holds a lock the copy would need, and not
    macOS, whose system libraries do not survive a fork without an exec."""
    return (hasattr(os, "fork") and sys.platform != "darwin"
            and threading.active_count() == 1)


class Forked:
    """The forked dry run, as the build sees it: chunks to take, then the end.

    Nothing runs in the build's process unless it asks (:meth:`take`). A copy that
    stays silent for :data:`SILENCE_LIMIT` seconds while the build waits is taken
    for failed (and stopped): the build never hangs on it.
    """

    def __init__(self, pid: int, fd: int, directory: str) -> None:
        self.pid, self._fd, self._directory = pid, fd, directory
        self._announced = self._taken = 0
        self.finished = self.failed = False

    @property
    def over(self) -> bool:
        """Every chunk the copy made is taken, and it made its last one (or failed)."""
        return (self.finished or self.failed) and self._taken == self._announced

    def take(self, *, block: bool) -> list[Any]:
        """The chunks ready now, in order; with ``block``, wait for at least one
        more unless the copy is over."""
        if not (self.finished or self.failed):
            self._read(block=block and self._taken == self._announced)
        chunks = []
        while self._taken < self._announced:
            path = Path(self._directory, f"c{self._taken}.pickle")
            try:
                with path.open("rb") as file:
                    chunks.append(pickle.load(file))  # our own child's output
            except Exception:  # damaged: what is left is done in the build's process
                self.failed, self._announced = True, self._taken
                break
            path.unlink(missing_ok=True)
            self._taken += 1
        if self.finished or self.failed:
            self._end()
        return chunks

    def _read(self, *, block: bool) -> None:
        if block and not select.select([self._fd], [], [], SILENCE_LIMIT)[0]:
            self.failed = True  # hung, or starved for minutes: the build goes on without it
            return
        os.set_blocking(self._fd, False)
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the copy is gone without saying so
            self.failed = True
            return
        self._announced += data.count(_CHUNK)
        if _FAILED in data:
            self.failed = True
        elif _END in data:
            self.finished = True

    def _end(self) -> None:
        """Reap the copy (stopped first unless it said it had finished); once."""
        if self.pid > 0:
            if not self.finished:
                # Its group: the copy and the dot it runs (batchdot.begin_here).
                with contextlib.suppress(OSError):
                    os.killpg(self.pid, signal.SIGKILL)
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def close(self) -> None:
        """Stop the copy if it still runs, and leave nothing behind."""
        if not self.finished:
            self.failed = True
        self._end()
        shutil.rmtree(self._directory, ignore_errors=True)


def start(chunks: Callable[[], Iterable[Any]]) -> Forked | None:
    """Run ``chunks()`` in a forked copy of this process; None when it cannot be forked.

    The copy pickles each chunk to a file of its own and announces it; it never
    writes to the build's output streams and ends with ``os._exit``, so nothing of
    the build (buffers, exit handlers) runs twice.
    """
    if not can_fork():
        return None
    directory = tempfile.mkdtemp(prefix="ldm503-fork-")
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        shutil.rmtree(directory, ignore_errors=True)
        return None
    if pid == 0:  # the copy
        os.close(read_end)
        _run_child(chunks, directory, write_end)
    # A process group of its own (set here and in the copy, whichever runs first), so
    # that stopping the copy stops the dot it runs too.
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)
    os.close(write_end)
    return Forked(pid, read_end, directory)


def _run_child(chunks: Callable[[], Iterable[Any]], directory: str, fd: int) -> None:
    status = 1
    try:
        with contextlib.suppress(OSError):
            os.setpgid(0, 0)
        # The build's processes, handlers and temporary folders are its own.
        guard.forget_in_child()
        # The build's objects are only read here: a collection would touch (and so
        # copy) every page of them.
        gc.freeze()
        lower_priority()  # the build's own process goes on writing pages first
        for number, chunk in enumerate(chunks()):
            path = Path(directory, f"c{number}.pickle")
            partial = path.with_suffix(".part")
            with partial.open("wb") as file:
                pickle.dump(chunk, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, path)
            os.write(fd, _CHUNK)
        os.write(fd, _END)
        status = 0
    except BaseException:
        with contextlib.suppress(OSError):
            os.write(fd, _FAILED)
    finally:
        os._exit(status)


def grouped(items: Iterable[Any], size: Callable[[Any], int], first: int,
            then: int) -> Iterator[list[Any]]:
    """``items`` in runs whose ``size`` adds up to at least ``first`` (the first run),
    then ``then``: small first, so the first page waits little for its images."""
    run: list[Any] = []
    total, limit = 0, first
    for item in items:
        run.append(item)
        total += size(item)
        if total >= limit:
            yield run
            run, total, limit = [], 0, then
    if run:
        yield run
