"""One diagram pipeline (issue 24): the speed layer is an implementation detail.

With ``ldm503_speed = False`` every diagram goes directive -> placeholder -> DOT ->
one ``dot`` run as its page is written; with it on, the same diagrams are made
ahead of their pages and drawn in batches (or in a forked copy). A reader must not
be able to tell: the pages, the images and the LaTeX are the same.
"""

from __future__ import annotations

import gc
import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from test_interrupts import page_bodies

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def build(src: Path, out: Path, builder: str, **overrides: object):
    from sphinx.testing.util import SphinxTestApp

    app = SphinxTestApp(builder, srcdir=src, builddir=out, freshenv=True, status=StringIO(),
                        warning=StringIO(), confoverrides=overrides)
    try:
        app.build()
    finally:
        app.cleanup()
    return app


@pytest.mark.parametrize("fork", [False, True], ids=["batches", "forked-copy"])
def test_speed_layer_off_gives_the_same_html(rootdir, tmp_path, monkeypatch, fork) -> None:
    from sphinxext_ldm503.speed import prefork

    if fork:
        if not prefork.can_fork():
            pytest.skip("fork is unavailable here")
        monkeypatch.setattr(prefork, "MIN_DIAGRAMS", 1)  # test-graphs is small
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    on = build(src, tmp_path / "on", "html", ldm503_fork_diagrams=fork)
    off = build(src, tmp_path / "off", "html", ldm503_speed=False)
    assert on._warning.getvalue() == off._warning.getvalue()
    pages_on, pages_off = page_bodies(Path(on.outdir)), page_bodies(Path(off.outdir))
    assert pages_on == pages_off
    assert any("<svg" in page for page in pages_on.values())  # diagrams were drawn
    images_on = sorted(p.name for p in (Path(on.outdir) / "_images").iterdir())
    images_off = sorted(p.name for p in (Path(off.outdir) / "_images").iterdir())
    assert images_on == images_off and images_on


def test_without_fork_the_speed_layer_draws_in_batches(rootdir, tmp_path, monkeypatch) -> None:
    """A machine that cannot fork (or a host with threads) gets the same pages: the
    forked copy is an implementation of the dry run, never a requirement."""
    from sphinxext_ldm503.speed import prefork

    monkeypatch.setattr(prefork, "MIN_DIAGRAMS", 1)
    monkeypatch.setattr(prefork, "can_fork", lambda: False)
    forks: list[int] = []

    def no_fork() -> int:
        forks.append(1)
        raise OSError("fork is unavailable here")

    monkeypatch.setattr(os, "fork", no_fork)
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    without = build(src, tmp_path / "without", "html", ldm503_fork_diagrams=True)
    off = build(src, tmp_path / "off", "html", ldm503_speed=False)
    assert page_bodies(Path(without.outdir)) == page_bodies(Path(off.outdir))
    assert forks == []


def test_speed_layer_off_gives_the_same_latex(rootdir, tmp_path) -> None:
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-latex", src)
    on = build(src, tmp_path / "on", "latex")
    off = build(src, tmp_path / "off", "latex", ldm503_speed=False)
    tex_on = sorted(Path(on.outdir).glob("*.tex"))
    assert tex_on
    for tex in tex_on:
        assert tex.read_text(encoding="utf-8") == (Path(off.outdir) / tex.name).read_text(
            encoding="utf-8")
    assert sorted(p.name for p in Path(on.outdir).glob("graphviz-*.pdf")) == sorted(
        p.name for p in Path(off.outdir).glob("graphviz-*.pdf"))


def test_speed_layer_off_touches_nothing_process_wide(rootdir, tmp_path, monkeypatch) -> None:
    """Off, the build neither freezes the collector nor forks: a host process sees no
    difference at any point of the build."""
    from sphinxext_ldm503.speed import gcfreeze

    forks: list[int] = []
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or -1)
    seen: list[int] = []

    def look(app, *args) -> None:
        seen.append(gc.get_freeze_count())

    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    before = gc.get_freeze_count()
    from sphinx.testing.util import SphinxTestApp

    app = SphinxTestApp("html", srcdir=src, builddir=tmp_path / "out", freshenv=True,
                        status=StringIO(), warning=StringIO(),
                        confoverrides={"ldm503_speed": False})
    for event in ("env-updated", "write-started", "build-finished"):
        app.connect(event, look, priority=999)
    try:
        app.build()
    finally:
        app.cleanup()
    assert seen and set(seen) == {before}
    assert forks == []
    assert not any(isinstance(cb, gcfreeze._Freezer) for cb in gc.callbacks)


def test_latex_diagrams_are_drawn_under_the_time_limit_too(rootdir, tmp_path) -> None:
    """Without the speed layer's batches, a PDF diagram is drawn when its page is
    written, under ``ldm503_dot_render_timeout`` as in HTML: a dot that answers the
    probe but hangs on a real diagram costs a warning and a list, never a stuck build."""
    dot = shutil.which("dot")
    hanging = tmp_path / "hangingdot"
    hanging.write_text(f"""#!/bin/sh
input=$(cat)
case "$input" in
  *"digraph probe"*) printf '%s' "$input" | exec {dot} "$@" ;;
  *) exec sleep 60 ;;
esac
""")
    hanging.chmod(0o755)
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-latex", src)
    app = build(src, tmp_path / "out", "latex", ldm503_speed=False,
                graphviz_dot=str(hanging), ldm503_dot_render_timeout=1)
    warnings = app._warning.getvalue()
    assert "did not draw this diagram within 1 s" in warnings
    tex = next(Path(app.outdir).glob("*.tex")).read_text(encoding="utf-8")
    assert "requires" in tex  # the diagram's dependencies, as a list
    assert not list(Path(app.outdir).glob("graphviz-*.pdf"))


def test_a_plan_changed_after_the_fork_is_drawn_as_it_ends_up(rootdir, tmp_path,
                                                              monkeypatch) -> None:
    """The forked copy starts at env-updated (priority 450); another extension's later
    handler may still change the plan. Then the copy's diagrams are stale, and the
    pages show the plan as it ended up, as a build without the speed layer does."""
    from sphinx.testing.util import SphinxTestApp

    from sphinxext_ldm503.core.model import Location, Milestone
    from sphinxext_ldm503.framework.domain import get_domain
    from sphinxext_ldm503.speed import prefork

    if not prefork.can_fork():
        pytest.skip("fork is unavailable here")
    monkeypatch.setattr(prefork, "MIN_DIAGRAMS", 1)
    started: list[object] = []
    real_start = prefork.start
    monkeypatch.setattr(prefork, "start", lambda chunks: started.append(1) or real_start(chunks))

    forked_before: list[int] = []

    def late_extension(app, env) -> None:
        forked_before.append(len(started))
        late = Milestone("LDM-503-99", "Added late", location=Location("plan", 1))
        get_domain(env).set_extra_declarations([late])

    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    pages = {}
    for name, speed in (("forked", True), ("off", False)):
        app = SphinxTestApp("html", srcdir=src, builddir=tmp_path / name, freshenv=True,
                            status=StringIO(), warning=StringIO(),
                            confoverrides={"ldm503_speed": speed})
        app.connect("env-updated", late_extension, priority=900)
        try:
            app.build()
        finally:
            app.cleanup()
        pages[name] = page_bodies(Path(app.outdir))
    assert forked_before[0] == 1  # the copy was forked before the late change
    assert "LDM-503-99" in pages["off"]["index.html"]
    assert pages["forked"] == pages["off"]


@pytest.mark.parametrize(("cores", "load", "free"), [
    (2, 0.3, True),   # a quiet machine, this build just started
    (2, 1.0, True),   # the build's own share of the load is not counted against it
    (2, 1.8, False),  # another job keeps a core busy
    (1, 0.0, False),  # one core: the copy would only take turns with the build
    (8, 5.0, True),
])
def test_prefork_waits_for_a_free_core(monkeypatch, cores, load, free) -> None:
    from sphinxext_ldm503.speed import prefork

    monkeypatch.undo()  # conftest's stand-in: the rule itself is under test here
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert prefork.core_free() is free


def test_no_free_core_no_fork(rootdir, tmp_path, monkeypatch) -> None:
    """On a busy machine the build does the dry run itself: same pages, no copy."""
    from sphinxext_ldm503.speed import prefork

    monkeypatch.setattr(prefork, "MIN_DIAGRAMS", 1)
    monkeypatch.setattr(prefork, "core_free", lambda: False)
    forks: list[int] = []
    real_start = prefork.start
    monkeypatch.setattr(prefork, "start", lambda chunks: forks.append(1) or real_start(chunks))
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    busy = build(src, tmp_path / "busy", "html", ldm503_fork_diagrams=True)
    off = build(src, tmp_path / "off", "html", ldm503_speed=False)
    assert forks == []
    assert page_bodies(Path(busy.outdir)) == page_bodies(Path(off.outdir))
