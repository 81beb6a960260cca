"""The environment loaded for a build is kept out of full garbage collections, and
given back afterwards (gcfreeze.py)."""

from __future__ import annotations

import gc
import shutil

import pytest


@pytest.fixture
def counts_while_reading(monkeypatch):
    """The collector's frozen-object count each time a document is read."""
    from sphinxext_ldm503 import gcfreeze

    seen: list[int] = []
    real = gcfreeze.setup

    def setup(app):
        real(app)
        app.connect("doctree-read", lambda app, doctree: seen.append(gc.get_freeze_count()))

    monkeypatch.setattr(gcfreeze, "setup", setup)
    return seen


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
