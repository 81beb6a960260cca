"""Issue 25 items 11-12 (and issue 24 item 4): a build interrupted at any phase, in this
process (Ctrl-C as a real SIGINT) or as a subprocess (SIGINT, SIGTERM), leaves the
process as it was: the collector unfrozen with its callbacks as before, no helper,
``dot`` or forked copy running, no temporary folder, and a next build whose pages
equal a clean build's.
"""

from __future__ import annotations

import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_reliability_dot import recorded_pids, still_running

DOT = shutil.which("dot")
pytestmark = [
    pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed"),
    pytest.mark.skipif(not sys.platform.startswith("linux") or not hasattr(signal, "SIGTERM"),
                       reason="reads /proc, sends POSIX signals"),
]

#: Where an interrupt lands: (event, priority). After our own handlers of the event, so
#: that what they start (the collector frozen, the forked copy, the batches) is under way.
PHASES = {
    "reading": ("env-before-read-docs", 950),
    "read": ("doctree-read", 950),
    "updated": ("env-updated", 950),
    "writing-starts": ("write-started", 950),
    "writing": ("html-page-context", 500),
}


def slow_dot(tmp_path: Path) -> Path:
    """The real dot, after a pause (so that batches are still drawing when interrupted);
    each process records its PID and its parent's."""
    script = tmp_path / "slowdot"
    script.write_text(f"""#!/bin/sh
echo "$$ $PPID" >> {tmp_path / "slowdot.pids"}
input=$(cat)
case "$input" in
  *"digraph probe"*) ;;
  *) sleep 2 ;;
esac
printf '%s' "$input" | exec {DOT} "$@"
""")
    script.chmod(0o755)
    return script


def page_bodies(outdir: Path) -> dict[str, str]:
    out = {}
    for page in sorted(outdir.glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        out[page.name] = str(soup.find("div", class_="body") or soup.body)
    return out


def build(src: Path, out: Path, *, fresh: bool = False, connect=None, **overrides):
    from sphinx.testing.util import SphinxTestApp

    app = SphinxTestApp("html", srcdir=src, builddir=out, freshenv=fresh,
                        status=StringIO(), warning=StringIO(), confoverrides=overrides)
    try:
        if connect is not None:
            connect(app)
        app.build()
    finally:
        app.cleanup()
    return app


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The process's temporary folder, for this test alone."""
    tmp = tmp_path / "TMPDIR"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("TMPDIR", str(tmp))
    return tmp


def _clean_reference(rootdir: Path, tmp_path: Path, dot: Path) -> dict[str, str]:
    """A clean build's pages (the same dot: image names hash its path)."""
    src = tmp_path / "ref-src"
    shutil.copytree(rootdir / "test-graphs", src)
    return page_bodies(build(src, tmp_path / "ref", fresh=True, graphviz_dot=str(dot)).outdir)


@pytest.mark.parametrize(("fork", "core_free"), [(False, True), (True, True), (False, False)],
                         ids=["in-process-dry-run", "forked-copy", "no-free-core"])
@pytest.mark.parametrize("phase", sorted(PHASES))
def test_ctrl_c_at_any_phase_leaves_this_process_as_it_was(
        rootdir, tmp_path, private_tmp, monkeypatch, phase, fork, core_free) -> None:
    """``no-free-core``: dot drawn by the build's own batches, no helper (batchdot's
    ``here``), the SVGs finished in this process."""
    from sphinxext_ldm503.framework import guard
    from sphinxext_ldm503.speed import gcfreeze, prefork

    monkeypatch.setattr(prefork, "core_free", lambda: core_free)
    if not core_free:
        from sphinxext_ldm503.speed import batchdot

        monkeypatch.setattr(batchdot, "_python", lambda: pytest.fail("a helper was started"))
    if fork:
        if not prefork.can_fork():
            pytest.skip("fork is unavailable here")
        monkeypatch.setattr(prefork, "MIN_DIAGRAMS", 1)  # test-graphs is small
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    out = tmp_path / "out"
    dot = slow_dot(tmp_path)
    event, priority = PHASES[phase]
    enabled, frozen, callbacks = gc.isenabled(), gc.get_freeze_count(), list(gc.callbacks)
    handler = signal.getsignal(signal.SIGINT)
    interrupted = []

    def interrupt(app, *args):
        if not interrupted:
            interrupted.append(True)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
            time.sleep(1)  # the handler runs at once; never reached

    with pytest.raises(KeyboardInterrupt):
        build(src, out, connect=lambda app: app.connect(event, interrupt, priority=priority),
              graphviz_dot=str(dot), ldm503_fork_diagrams=fork)
    assert interrupted
    # The collector as it was, and no callback of ours left.
    assert gc.isenabled() is enabled
    assert gc.get_freeze_count() == frozen
    assert gc.callbacks == callbacks
    assert not any(isinstance(cb, gcfreeze._Freezer) for cb in gc.callbacks)
    assert signal.getsignal(signal.SIGINT) == handler
    assert not guard._GUARDS
    # Nothing left running: every dot and helper was stopped with the build.
    assert still_running(recorded_pids(dot) - {os.getpid()}) == []
    # Nothing left in the temporary folder.
    assert sorted(p.name for p in private_tmp.iterdir()) == []
    # The next build (incremental, as a user would run it) equals a clean one.
    again = build(src, out, graphviz_dot=str(dot), ldm503_fork_diagrams=fork)
    assert page_bodies(again.outdir) == _clean_reference(rootdir, tmp_path, dot)
    assert gc.get_freeze_count() == frozen and gc.callbacks == callbacks


def test_a_build_stopped_by_a_raised_interrupt_is_undone_by_the_next_one(
        rootdir, tmp_path, private_tmp, unfrozen_process) -> None:
    """A ``KeyboardInterrupt`` raised by code, not by a signal: no handler of ours sees it,
    so the next build in the process undoes what the stopped one left."""
    from sphinxext_ldm503.framework import guard
    from sphinxext_ldm503.speed import gcfreeze

    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    frozen, callbacks = gc.get_freeze_count(), list(gc.callbacks)

    def interrupt(app, builder):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build(src, tmp_path / "out",
              connect=lambda app: app.connect("write-started", interrupt, priority=950))
    other = tmp_path / "other"
    shutil.copytree(rootdir / "test-basic", other)
    seen = []
    build(other, tmp_path / "out2", connect=lambda app: app.connect(
        "doctree-read", lambda app, doctree: seen.append(
            sum(isinstance(cb, gcfreeze._Freezer) for cb in gc.callbacks))))
    assert seen and max(seen) == 1  # the stopped build's callback was gone by then
    assert gc.get_freeze_count() == frozen and gc.callbacks == callbacks
    assert not guard._GUARDS
    assert sorted(p.name for p in private_tmp.iterdir()) == []


def test_ldm503_gc_freeze_off_leaves_the_collector_alone(make_app, rootdir, tmp_path) -> None:
    counts: list[int] = []
    before = gc.get_freeze_count()
    app = make_app("html", srcdir=rootdir / "test-basic", builddir=tmp_path / "out",
                   confoverrides={"ldm503_gc_freeze": False})
    app.connect("doctree-read", lambda app, doctree: counts.append(gc.get_freeze_count()))
    app.connect("write-started", lambda app, builder: counts.append(gc.get_freeze_count()),
                priority=500)
    app.build()
    assert counts and set(counts) == {before}


# -- as a subprocess: sphinx-build stopped by SIGINT or SIGTERM ---------------------------

INTERRUPT_EXT = """\
import os, time
from pathlib import Path

import sphinxext_ldm503.speed.prefork

sphinxext_ldm503.speed.prefork.MIN_DIAGRAMS = 1  # the forked copy, for this small project


def setup(app):
    event, priority = os.environ["LDM503_TEST_EVENT"], int(os.environ["LDM503_TEST_PRIORITY"])
    marker = Path(os.environ["LDM503_TEST_MARKER"])

    def wait_here(app, *args):
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            time.sleep(60)  # the test signals the build meanwhile

    app.connect(event, wait_here, priority=priority)
    return {"parallel_read_safe": True}
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", ["reading", "updated", "writing-starts", "writing"])
def test_sphinx_build_stopped_by_a_signal_leaves_nothing_behind(
        rootdir, tmp_path, phase, signum) -> None:
    if phase in ("reading", "writing") and signum == signal.SIGINT:
        pytest.skip("covered in-process")  # keeps the matrix short
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    (src / "interrupt_ext.py").write_text(INTERRUPT_EXT)
    conf = src / "conf.py"
    conf.write_text(conf.read_text() + textwrap.dedent("""
        import sys, os
        sys.path.insert(0, os.path.dirname(__file__))
        extensions.append("interrupt_ext")
    """))
    tmp = tmp_path / "TMPDIR"
    tmp.mkdir()
    dot = slow_dot(tmp_path)
    event, priority = PHASES[phase]
    marker = tmp_path / "marker"
    env = dict(os.environ, TMPDIR=str(tmp), LDM503_TEST_EVENT=event,
               LDM503_TEST_PRIORITY=str(priority), LDM503_TEST_MARKER=str(marker))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-D",
               f"graphviz_dot={dot}", str(src), str(out)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), proc.stderr.read().decode() if proc.poll() is not None else ""
        proc.send_signal(signum)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert sorted(p.name for p in tmp.iterdir()) == []
    assert still_running(recorded_pids(dot) - {proc.pid}) == []
    # The next build, incremental, equals a clean one.
    marker.write_text("done")  # no more waiting
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120)
    clean = tmp_path / "clean"
    subprocess.run([*command[:-1], str(clean), "-E"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    assert page_bodies(out) == page_bodies(clean)
    assert sorted(p.name for p in tmp.iterdir()) == []


def test_an_edit_reaches_every_page_after_a_build_interrupted_while_writing(
        rootdir, tmp_path, private_tmp) -> None:
    """Pages that show another document's data are rewritten when it changes (their
    fingerprints, saved with the environment). A build interrupted before writing
    them must not leave them taken for up to date."""
    src = tmp_path / "src"
    shutil.copytree(rootdir / "test-graphs", src)
    out = tmp_path / "out"
    build(src, out)
    plan = src / "plan.rst"
    plan.write_text(plan.read_text().replace("LDM-503-03: Third", "LDM-503-03: Renamed third"))

    def interrupt(app, pagename, *args):
        if pagename == "index":  # written first; it shows plan.rst's milestones
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)

    with pytest.raises(KeyboardInterrupt):
        build(src, out, connect=lambda app: app.connect("html-page-context", interrupt))
    again = build(src, out)
    index = (Path(again.outdir) / "index.html").read_text(encoding="utf-8")
    assert "Renamed third" in index
    assert page_bodies(Path(again.outdir)) == page_bodies(
        build(src, tmp_path / "clean", fresh=True).outdir)


# -- no process-wide change: matplotlib's backend, ElementTree's prefixes -----------------


def test_drawing_a_timeline_leaves_matplotlib_s_backend_alone() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    from datetime import date

    from sphinxext_ldm503.core.model import Milestone, Plan
    from sphinxext_ldm503.render import chart as timeline

    plan = Plan([Milestone("LDM-503-01", "First", due=date(2019, 1, 1))])
    before = matplotlib.rcParams._get("backend")  # not resolved: no backend is loaded
    try:
        matplotlib.rcParams["backend"] = "svg"  # the host's choice
        for fmt in ("svg", "pdf", "png"):
            assert timeline.render(plan, timeline.parse_timeline_options({}), fmt)
            assert matplotlib.rcParams._get("backend") == "svg"
    finally:
        matplotlib.rcParams["backend"] = before


def test_inlining_an_svg_through_elementtree_leaves_its_prefixes_alone() -> None:
    import copy
    import xml.etree.ElementTree as ET

    from sphinxext_ldm503.render.svgtext import _inline_parsed_svg

    prefixes = copy.copy(ET._namespace_map)
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
           ' width="10pt" height="10pt"><g id="n1"><a xlink:href="p.html#a" xlink:title="A">'
           '<text>A</text></a><image xlink:href="x.png"/></g></svg>')
    out = _inline_parsed_svg(svg, "_images", "d")
    assert ET._namespace_map == prefixes
    assert out.startswith("<svg ") and "ns0:" not in out and "ns1:" not in out
    assert 'href="_images/p.html#a"' in out  # made relative to the page again
    assert 'xlink:href="x.png"' in out and 'xmlns:xlink="http://www.w3.org/1999/xlink"' in out
    assert "<title>A</title>" in out
