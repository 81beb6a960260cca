"""The ``floor`` variant of ``make bench``: plain Sphinx with the process-wide speed-ups
sphinxext-ldm503 applies to every build it is loaded in, and nothing else.

Comparing with plain Sphinx alone flatters the extension: part of what it gains
is not about milestones at all, but about how the build's process runs, and any
project could have that without us. The honest floor is plain Sphinx with those
speed-ups. Today there is one, the garbage collector's freeze of
``sphinxext_ldm503/speed/gcfreeze.py`` (``ldm503_gc_freeze``, on by default), done
here the same way, at the same events and priorities, with public :mod:`gc`
calls:

- ``env-before-read-docs`` (priority 900, last before reading): when the
  collector is on and nothing is frozen yet, freeze what is alive (the loaded
  environment, every extension) and register a ``gc.callbacks`` hook that
  freezes the survivors of every full (generation 2) collection, after it;
- ``write-started`` (priority 100, early): one collection of what is not frozen
  yet, then freeze what is alive (the environment, the doctrees to write);
- ``build-finished`` (priority 1000, late, as the extension's guard): remove the
  hook and unfreeze. The gc thresholds are never changed, by us or here.

This file deliberately does not import ``sphinxext_ldm503``: the floor must not
pay for loading the extension, and must not break when the extension's modules
move. When ``gcfreeze.py`` changes what it does, or the extension gains another
process-wide speed-up, this file follows: ``tests/test_bench.py`` builds a project
with each and checks that they make the same collector calls at the same events,
that the floor freezes, and that it stays free of the extension.

What the extension's guard adds is not copied: undoing the freeze on SIGINT,
SIGTERM or at exit matters to a process that builds again, not to the
one-build ``python -m sphinx`` processes the benchmark times.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx.application import Sphinx

#: The generation of a full collection, as ``gc.callbacks`` report it.
OLDEST = 2

#: Where the build that froze the collector is remembered (an attribute of its app).
_MARK = "_bench_floor_frozen"


def freeze_survivors(phase: str, info: dict[str, int]) -> None:
    """After a full collection, freeze what survived it: the next walks only the new."""
    if phase == "stop" and info.get("generation") == OLDEST:
        gc.freeze()


def on_env_before_read_docs(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Freeze what is alive before reading, once per build, as gcfreeze.py does.

    Left alone, like the extension does: a collector turned off, or one a host
    froze already (its frozen objects are not ours to give back).
    """
    if getattr(app, _MARK, False) or not gc.isenabled() or gc.get_freeze_count():
        return
    setattr(app, _MARK, True)
    gc.freeze()
    gc.callbacks.append(freeze_survivors)


def on_write_started(app: Sphinx, builder: Any) -> None:
    """Collect what is not frozen yet (the reading's garbage), then freeze the rest."""
    if getattr(app, _MARK, False):
        gc.collect()
        gc.freeze()


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    """Give the collector back as it was."""
    if getattr(app, _MARK, False):
        setattr(app, _MARK, False)
        if freeze_survivors in gc.callbacks:
            gc.callbacks.remove(freeze_survivors)
        gc.unfreeze()


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-before-read-docs", on_env_before_read_docs, priority=900)
    app.connect("write-started", on_write_started, priority=100)
    app.connect("build-finished", on_build_finished, priority=1000)
    # Safe in parallel builds (nothing of the environment's), so -j 2 stays parallel,
    # as it does with the extension.
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
