"""The environment loaded for a build is kept out of full garbage collections, and
given back afterwards (gcfreeze.py)."""

from __future__ import annotations

import gc
import shutil

import pytest

#: A process that froze objects itself is left alone (see conftest.unfrozen_process).
freezes_here = pytest.mark.usefixtures("unfrozen_process")


@pytest.fixture
def counts_while_reading(monkeypatch):
    """The collector's frozen-object count each time a document is read."""
    from sphinxext_ldm503.speed import gcfreeze

    seen: list[int] = []
    real = gcfreeze.setup

    def setup(app):
        real(app)
        app.connect("doctree-read", lambda app, doctree: seen.append(gc.get_freeze_count()))

    monkeypatch.setattr(gcfreeze, "setup", setup)
    return seen


@freezes_here
def test_objects_alive_before_reading_are_frozen_for_the_build_only(
        make_app, rootdir, tmp_path, counts_while_reading):
    assert gc.get_freeze_count() == 0
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-basic", src)
    app = make_app("html", srcdir=src)
    app.build()
    assert counts_while_reading and min(counts_while_reading) > 0
    assert gc.get_freeze_count() == 0  # given back when the build is over
    # An incremental build: the unpickled environment is frozen too.
    counts_while_reading.clear()
    first = next(src.glob("*.rst"))
    first.write_text(first.read_text() + "\nMore prose.\n")
    again = make_app("html", srcdir=src)
    again.build()
    assert counts_while_reading and min(counts_while_reading) > 0
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_objects_itself_is_left_alone(
        make_app, rootdir, tmp_path, counts_while_reading):
    keep = [object() for _ in range(10)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        app = make_app("html", srcdir=rootdir / "test-basic", builddir=tmp_path / "out")
        app.build()
        # Nothing more frozen (frozen objects freed meanwhile leave the count), and
        # the process's own frozen objects are still frozen after the build.
        assert counts_while_reading and max(counts_while_reading) <= frozen
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
    assert keep


def _frozen(obj: object) -> bool:
    """``obj`` is in the collector's permanent generation (which ``get_objects`` leaves out)."""
    return gc.is_tracked(obj) and not any(o is obj for o in gc.get_objects())


class _Marker:
    """A tracked object that can be weakly referenced."""


@freezes_here
def test_survivors_of_full_collections_and_what_is_alive_when_writing_starts_are_frozen(
        make_app, rootdir, tmp_path):
    import weakref

    from sphinxext_ldm503.speed import gcfreeze

    seen: dict[str, object] = {}
    kept = _Marker()  # alive through the build

    def on_doctree_read(app, doctree):
        if "read" in seen:
            return
        survivor = _Marker()
        gc.collect()  # a full collection while reading: what survives it is frozen
        seen["read"] = _frozen(survivor)
        seen["survivor"] = survivor

    def on_env_updated(app, env):
        seen["alive"] = _Marker()
        cycle = _Marker()
        cycle.self = cycle  # garbage by the time writing starts
        seen["garbage"] = weakref.ref(cycle)

    def on_write_started(app, builder):  # after gcfreeze's own handler
        seen["write"] = _frozen(seen["alive"])
        seen["collected"] = seen["garbage"]() is None

    app = make_app("html", srcdir=rootdir / "test-basic", builddir=tmp_path / "out")
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-updated", on_env_updated)
    app.connect("write-started", on_write_started, priority=500)
    app.build()
    assert seen["read"] is True
    assert seen["write"] is True
    # Garbage alive only until then is collected, not frozen.
    assert seen["collected"] is True
    # All given back, and the collector's callback gone, once the build is over.
    assert gc.get_freeze_count() == 0
    assert not _frozen(seen["survivor"]) and not _frozen(kept)
    assert not any(isinstance(cb, gcfreeze._Freezer) for cb in gc.callbacks)


def test_nothing_is_frozen_with_the_collector_off(make_app, rootdir, tmp_path):
    from sphinxext_ldm503.speed import gcfreeze

    counts: list[int] = []
    before = gc.get_freeze_count()
    gc.disable()
    try:
        app = make_app("html", srcdir=rootdir / "test-basic", builddir=tmp_path / "out")
        app.connect("write-started", lambda app, builder: counts.append(gc.get_freeze_count()),
                    priority=500)
        app.build()
    finally:
        gc.enable()
    assert counts == [before]
    assert not any(isinstance(cb, gcfreeze._Freezer) for cb in gc.callbacks)
