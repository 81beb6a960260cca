"""Keep the loaded environment out of the garbage collector's full collections.

An incremental build unpickles the whole environment first: with a plan's
milestones, prerequisites and locations it holds some 20,000 more objects at
2,000 milestones than plain Sphinx's. Every full collection of Python's cyclic
garbage collector then walks all of them again, though none can become garbage
while the build runs (the environment keeps them), and those collections were a
tenth of the time of rebuilding after a prose edit.

So once the environment is loaded (``env-before-read-docs``), what is alive is
moved to the collector's permanent generation (:func:`gc.freeze`), and given back
when the build is over. Reference counting still frees anything dropped meanwhile
(a re-read document's old records); only cycles among objects alive at that point
wait for the end of the build. A clean build has little to freeze at that point,
and is unchanged.

A process that froze objects itself (a server forking workers, say) is left alone:
its frozen objects are not ours to give back.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

_FROZE = "_ldm503_gc_frozen"


def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if gc.isenabled() and gc.get_freeze_count() == 0:
        gc.freeze()
        setattr(app, _FROZE, True)


def on_build_finished(app: Sphinx, exception: Any) -> None:
    if getattr(app, _FROZE, False):
        gc.unfreeze()
        setattr(app, _FROZE, False)


def setup(app: Sphinx) -> None:
    # Last: what other extensions load before reading is frozen too.
    app.connect("env-before-read-docs", on_env_before_read_docs, priority=900)
    app.connect("build-finished", on_build_finished, priority=900)
