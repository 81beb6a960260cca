"""What a build changes in its process and leaves behind, undone however it ends.

A build can freeze the garbage collector (:mod:`.gcfreeze`), start helper
processes and ``dot`` runs (:mod:`.batchdot`), fork a copy of itself
(:mod:`.prefork`) and keep files in temporary folders. Sphinx's ``build-finished``
event undoes all that when a build ends or fails with an ``Exception``, but not
when it is interrupted: ``KeyboardInterrupt`` (Ctrl-C) is no ``Exception``, and
SIGTERM ends the process without running any Python at all. A host that builds
again in the same process (a test suite, sphinx-autobuild, a language server)
then kept a frozen collector and its callback, and every interrupted build left
processes running and files in ``$TMPDIR``.

So each step registers its undoing with the build's :class:`Guard`, which runs it:

- at ``build-finished`` (any ending Sphinx reports);
- on SIGINT or SIGTERM while the build runs: the guard's handlers (installed for
  the build only, in the main thread, and only over the default handler or a
  Python one) undo everything, put the previous handler back and pass the signal
  on: SIGINT still raises ``KeyboardInterrupt``, SIGTERM still ends the process
  with the signal's status;
- when anything else stopped a build before ``build-finished`` (an exception that
  is no ``Exception``, raised by code, not by a signal): at the start of the next
  build in the process, or when the process exits (``atexit``).

An interrupted build that got as far as its environment's update also removes
the saved environment, as Sphinx does after an error: pages it meant to rewrite,
but did not, are then written by the next build instead of being taken for up to date.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import FrameType

    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

#: The signals whose arrival ends a build: the guard undoes its changes first.
SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


@dataclass(eq=False)
class Guard:
    """One build's undoings, run once, last registered first."""

    app: weakref.ReferenceType[Sphinx]
    undo: list[tuple[str, Callable[[bool], None]]] = field(default_factory=list)
    #: signal -> the handler the guard replaced (to put back)
    previous: dict[int, Any] = field(default_factory=dict)
    #: the environment was updated, so it is about to be saved, or saved already
    env_updated: bool = False
    doctreedir: Path | None = None
    #: the build's process: a process forked from it (Sphinx's parallel workers, which
    #: inherit the handlers) has nothing of the build's to undo
    pid: int = field(default_factory=os.getpid)

    def add(self, name: str, undo: Callable[[bool], None]) -> None:
        """Register ``undo(interrupted)`` under ``name`` (again: replaces it)."""
        self.undo = [(n, u) for n, u in self.undo if n != name]
        self.undo.append((name, undo))

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self.undo)

    def discard(self, name: str) -> None:
        """``name`` was undone by its owner already."""
        self.undo = [(n, u) for n, u in self.undo if n != name]

    def close(self, *, interrupted: bool) -> None:
        """Undo everything (each step on its own: one failing does not stop the rest)
        and put the signal handlers back."""
        if self in _GUARDS:
            _GUARDS.remove(self)
        undo, self.undo = self.undo, []
        if os.getpid() != self.pid:
            return  # a forked copy: the processes, files and handlers are the build's
        for _name, step in reversed(undo):
            with contextlib.suppress(Exception):
                step(interrupted)
        self._restore_handlers()
        if interrupted and self.env_updated and self.doctreedir is not None:
            from sphinx.application import ENV_PICKLE_FILENAME

            with contextlib.suppress(OSError):
                (self.doctreedir / ENV_PICKLE_FILENAME).unlink()

    # -- signals ------------------------------------------------------------------

    def install_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for signum in SIGNALS:
            try:
                current = signal.getsignal(signum)
            except (OSError, ValueError):
                continue
            # Not over SIG_IGN (the host wants the signal ignored) or a handler set
            # outside Python (None), which could not be passed on.
            if current is None or current == signal.SIG_IGN:
                continue
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, self._on_signal)
                self.previous[signum] = current

    def _restore_handlers(self) -> None:
        previous, self.previous = self.previous, {}
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, handler in previous.items():
            with contextlib.suppress(OSError, ValueError):
                if signal.getsignal(signum) == self._on_signal:
                    signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        handler = self.previous.get(signum, signal.SIG_DFL)
        if os.getpid() == self.pid:
            self.close(interrupted=True)
        else:  # a process forked from the build (a parallel worker): as before the build
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, handler)
        if callable(handler):
            handler(signum, frame)  # SIGINT's default raises KeyboardInterrupt
        elif handler == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)  # ends the process as the signal would have


#: Builds of this process that have not finished (normally one).
_GUARDS: list[Guard] = []


def guard_of(app: Sphinx) -> Guard | None:
    """The guard of ``app``'s build under way, if any."""
    return next((g for g in _GUARDS if g.app() is app), None)


def begin(app: Sphinx) -> Guard:
    """The guard of ``app``'s build, made (with its signal handlers) on first use.

    Builds that stopped without ``build-finished`` and are not running any more
    (no ``Sphinx.build`` of theirs on the stack) are undone first.
    """
    found = guard_of(app)
    if found is not None:
        return found
    for stale in list(_GUARDS):
        if not _building(stale.app()):
            stale.close(interrupted=True)
    guard = Guard(weakref.ref(app), doctreedir=Path(app.doctreedir))
    _GUARDS.append(guard)
    guard.install_handlers()
    _at_exit()
    return guard


def add(app: Sphinx, name: str, undo: Callable[[bool], None]) -> None:
    """Register ``undo(interrupted)`` with ``app``'s build (begun if need be)."""
    begin(app).add(name, undo)


def discard(app: Sphinx, name: str) -> None:
    found = guard_of(app)
    if found is not None:
        found.discard(name)


def _building(app: Sphinx | None) -> bool:
    """Whether ``app.build()`` is on the current thread's stack."""
    if app is None:
        return False
    from sphinx.application import Sphinx

    code = Sphinx.build.__code__
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        if frame.f_code is code and frame.f_locals.get("self") is app:
            return True
        frame = frame.f_back
    return False


_EXIT_HOOKED: list[bool] = []


def _at_exit() -> None:
    """Undo what builds that never finished left, when the process exits (once)."""
    if not _EXIT_HOOKED:
        _EXIT_HOOKED.append(True)
        atexit.register(close_all)


def close_all() -> None:
    """Undo every build of this process that has not finished."""
    for guard in list(_GUARDS):
        guard.close(interrupted=True)


def forget_in_child() -> None:
    """In a forked copy of the build: the builds, their processes and handlers are the
    parent's, never to be undone from here; signals act as by default."""
    for guard in _GUARDS:
        for signum in guard.previous:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(signum, signal.SIG_DFL)
    _GUARDS.clear()


# -- build events ------------------------------------------------------------------


def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    begin(app)


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    guard = guard_of(app)
    if guard is not None:
        guard.env_updated = True


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    guard = guard_of(app)
    if guard is not None:
        guard.close(interrupted=False)


def setup(app: Sphinx) -> None:
    # First before reading, so that every later step has a guard; last at the end.
    app.connect("env-before-read-docs", on_env_before_read_docs, priority=1)
    app.connect("env-updated", on_env_updated, priority=1)
    app.connect("build-finished", on_build_finished, priority=1000)
