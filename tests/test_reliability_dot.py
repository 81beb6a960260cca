"""Issue 25 (Reliability III), items 6-10: diagrams when ``dot`` misbehaves, and every builder.

Each test builds a small project with a fake ``dot`` (a shell script given as
``graphviz_dot``) that does what a broken Graphviz was seen doing, and asserts what
the pages show, what the warnings say and where, and what is left on disk or
running afterwards.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sphinxext_ldm503.render import dotrun

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed")
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def fake_dot(tmp_path: Path, body: str, name: str = "dot") -> Path:
    """A ``dot`` that answers the probe (``digraph probe``) with the real one and runs
    ``body`` (sh) for anything else, its input in ``$input``. Every process it runs as
    records its PID, and its parent's, in ``<name>.pids``."""
    script = tmp_path / name
    pids = tmp_path / f"{name}.pids"
    script.write_text(f"""#!/bin/sh
echo "$$ $PPID" >> {pids}
input=$(cat)
case "$input" in
  *"digraph probe"*) printf "%s" "$input" | {DOT} "$@"; exit $? ;;
esac
{body}
""")
    script.chmod(0o755)
    return script


def recorded_pids(script: Path) -> set[int]:
    pids = script.with_name(f"{script.name}.pids")
    if not pids.is_file():
        return set()
    return {int(p) for line in pids.read_text().splitlines() for p in line.split()}


def running(pid: int) -> bool:
    """``pid`` is a live process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def still_running(pids: set[int], *, within: float = 10.0) -> list[int]:
    """Those of ``pids`` still alive after up to ``within`` seconds.

    A process of a killed group is sent SIGKILL but dies when the kernel next schedules
    it (later still if it is in uninterruptible I/O); on a loaded machine that is after
    the build has returned. A leak stays alive; a killed process is gone in moments.
    """
    deadline = time.monotonic() + within
    while True:
        alive = sorted(pid for pid in pids if running(pid))
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def copy_root(rootdir: Path, tmp_path: Path, name: str = "test-graphs") -> Path:
    src = tmp_path / "src"
    shutil.copytree(rootdir / name, src)
    return src


def inline_svgs_balanced(html: str) -> bool:
    return html.count("<svg") == html.count("</svg>")


# -- 6: a dot that writes part of a file and dies ---------------------------------------

#: Writes the first 300 bytes of what the real dot draws (to -o, or to its output) and
#: then dies by SIGKILL.
DIES_WRITING = f"""out=""
for arg in "$@"; do case "$arg" in -o*) out="${{arg#-o}}" ;; esac; done
if [ -n "$out" ]; then
  printf '%s' "$input" | {DOT} "$@"
  head -c 300 "$out" > "$out.cut" && mv "$out.cut" "$out"
else
  printf '%s' "$input" | {DOT} "$@" | head -c 300
fi
kill -9 $$
"""


@needs_dot
def test_a_dot_dying_while_writing_leaves_no_file_and_a_located_warning(
        make_app, rootdir, tmp_path) -> None:
    src = copy_root(rootdir, tmp_path)
    fake = fake_dot(tmp_path, DIES_WRITING)
    out = tmp_path / "out"
    app = make_app("html", srcdir=src, builddir=out, confoverrides={"graphviz_dot": str(fake)})
    app.build()
    warnings = app._warning.getvalue()
    assert re.search(r"(index|plan)\.rst:\d+: WARNING: dot could not draw a diagram \(dot "
                     r"exited with status -9.*\[ldm503\.graph\]", warnings), warnings
    assert "<unknown>" not in warnings
    images = Path(app.outdir) / "_images"
    # Nothing the dying runs left is kept, under any name.
    assert not [p for p in images.glob("*")] if images.is_dir() else True
    for page in ("index.html", "plan.html"):
        html = (Path(app.outdir) / page).read_text(encoding="utf-8")
        assert inline_svgs_balanced(html), page
        assert "ldm503-graph-outline" in html  # shown as lists instead
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find("footer") or soup.find("div", class_="footer")  # not swallowed

    # The next build, with a dot that works: every diagram drawn whole, none a list.
    again = make_app("html", srcdir=src, builddir=out, freshenv=True)
    again.build()
    for page in ("index.html", "plan.html"):
        html = (Path(again.outdir) / page).read_text(encoding="utf-8")
        assert "ldm503-graph-outline" not in html
        assert html.count("<svg") >= 1 and inline_svgs_balanced(html)
    for image in (Path(again.outdir) / "_images").glob("*.svg"):
        assert dotrun.parseable_svg(image.read_bytes()), image


@needs_dot
def test_a_truncated_image_left_by_an_earlier_run_is_drawn_again(make_app, rootdir,
                                                                  tmp_path) -> None:
    src = copy_root(rootdir, tmp_path)
    out = tmp_path / "out"
    make_app("html", srcdir=src, builddir=out).build()
    images = sorted((out / "html" / "_images").glob("graphviz-*.svg"))
    assert images
    for image in images:  # as a dot killed while writing leaves them
        image.write_bytes(image.read_bytes()[:300])
    again = make_app("html", srcdir=src, builddir=out, freshenv=True)
    again.build()
    for image in images:
        assert dotrun.parseable_svg(image.read_bytes()), image
    for page in ("index.html", "plan.html"):
        html = (out / "html" / page).read_text(encoding="utf-8")
        assert inline_svgs_balanced(html) and "ldm503-graph-outline" not in html


@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_draw_places_only_a_complete_file(tmp_path, fmt) -> None:
    fake = fake_dot(tmp_path, DIES_WRITING)
    target = tmp_path / "img" / f"graph.{fmt}"
    problem = dotrun.draw("digraph g { a -> b }", target, fmt, program=str(fake),
                            timeout=30, image_map=fmt == "png")
    assert problem is not None and "status -9" in problem
    assert not target.exists() and list(target.parent.iterdir()) == []
    assert dotrun.draw("digraph g { a -> b }", target, fmt, program=DOT, timeout=30,
                         image_map=fmt == "png") is None
    assert dotrun.complete(target, fmt)
    cut = target.read_bytes()[: target.stat().st_size // 2]
    target.write_bytes(cut)
    assert not dotrun.complete(target, fmt)


# -- 7: a dot that hangs is killed with whatever started it --------------------------------


@needs_dot
@linux
@pytest.mark.parametrize("fork", [False, True])
def test_no_dot_is_left_running_after_a_build_with_a_hanging_dot(
        make_app, rootdir, tmp_path, monkeypatch, fork) -> None:
    from sphinxext_ldm503.speed import prefork

    if fork:
        if not prefork.can_fork():
            pytest.skip("fork is unavailable here")
        monkeypatch.setattr(prefork, "MIN_DIAGRAMS", 1)  # test-graphs is small
    src = copy_root(rootdir, tmp_path)
    fake = fake_dot(tmp_path, "exec sleep 120")
    overrides = {"graphviz_dot": str(fake), "ldm503_dot_timeout": 1,
                 "ldm503_dot_render_timeout": 1, "ldm503_fork_diagrams": fork}
    app = make_app("html", srcdir=src, builddir=tmp_path / "out", confoverrides=overrides)
    app.build()
    pids = recorded_pids(fake) - {os.getpid()}
    assert pids  # dot was asked for drawings
    assert still_running(pids) == []
    warnings = app._warning.getvalue()
    assert re.search(r"(index|plan)\.rst:\d+: WARNING: Graphviz's dot did not draw this "
                     r"diagram within 1 s", warnings), warnings


# -- 8: warnings about diagrams point at their document ------------------------------------


@needs_dot
def test_dot_errors_are_located_in_the_document(make_app, rootdir, tmp_path) -> None:
    src = copy_root(rootdir, tmp_path)
    fake = fake_dot(tmp_path, 'echo "Error: syntax error in line 1" >&2\nexit 1')
    app = make_app("html", srcdir=src, builddir=tmp_path / "out",
                   confoverrides={"graphviz_dot": str(fake)})
    app.build()
    warnings = app._warning.getvalue()
    ours = [w for w in warnings.splitlines() if "dot could not draw" in w]
    assert ours, warnings
    for line in ours:
        assert re.match(r".*(index|plan)\.rst:\d+: WARNING: dot could not draw a diagram "
                        r"\(dot exited with status 1: Error: syntax error", line), line
    assert "<unknown>" not in warnings


# -- 9: installing Graphviz (or matplotlib) brings the diagrams back without -E -----------


@needs_dot
def test_installing_dot_outdates_the_pages_with_diagrams(make_app, rootdir, tmp_path) -> None:
    src = copy_root(rootdir, tmp_path)
    out = tmp_path / "out"
    place = tmp_path / "bin" / "dot"  # where Graphviz will be installed
    overrides = {"graphviz_dot": str(place)}
    first = make_app("html", srcdir=src, builddir=out, confoverrides=overrides)
    first.build()
    assert "dependency diagrams are shown as lists" in first._warning.getvalue()
    html = (Path(first.outdir) / "plan.html").read_text(encoding="utf-8")
    assert "ldm503-graph-outline" in html and "<svg" not in html

    place.parent.mkdir()
    place.symlink_to(DOT)  # "apt-get install graphviz"
    again = make_app("html", srcdir=src, builddir=out, confoverrides=overrides)
    again.build()  # incremental: no source changed
    assert "shown as lists" not in again._warning.getvalue()
    for page in ("index.html", "plan.html"):
        html = (Path(again.outdir) / page).read_text(encoding="utf-8")
        assert "ldm503-graph-outline" not in html and "<svg" in html, page

    # And back: a dot that breaks is noticed the same way.
    place.unlink()
    place.write_text("#!/bin/sh\nexit 3\n")
    place.chmod(0o755)
    broken = make_app("html", srcdir=src, builddir=out, confoverrides=overrides)
    broken.build()
    assert "does not work" in broken._warning.getvalue()
    html = (Path(broken.outdir) / "plan.html").read_text(encoding="utf-8")
    assert "ldm503-graph-outline" in html and "<svg" not in html


def test_installing_matplotlib_outdates_the_pages_with_timelines(
        make_app, tmp_path, monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinxext_ldm503"]\n'
                                 'ldm503_milestone_graphs = False\n')
    (src / "index.rst").write_text("Plan\n====\n\n.. milestone:: LDM-503-01 First\n"
                                   "   :due: 2019-01-01\n\n.. milestone-timeline::\n")
    out = tmp_path / "out"
    with monkeypatch.context() as patched:
        patched.setitem(sys.modules, "matplotlib", None)  # not installed
        first = make_app("html", srcdir=src, builddir=out)
        first.build()
    assert "matplotlib is not installed" in first._warning.getvalue()
    assert "ldm503-timeline-image" not in (Path(first.outdir) / "index.html").read_text()
    again = make_app("html", srcdir=src, builddir=out)
    again.build()
    assert "ldm503-timeline-image" in (Path(again.outdir) / "index.html").read_text()


# -- 10: every builder Sphinx ships: each diagram drawn once, shown as one where it can -----

COUNTING_DOT = """#!{python}
import hashlib, os, re, sys
data = sys.stdin.buffer.read()
sources = [a for a in sys.argv[1:] if not a.startswith("-")]  # dot -O over files
graphs = [open(s, "rb").read() for s in sources] or [
    g for g in re.split(rb"\\n(?=(?:strict )?(?:di)?graph )", data) if g.strip()]
with open({log!r}, "a") as log:
    for graph in graphs:
        if b"digraph probe" not in graph:
            name = re.search(rb"graph (\\S+)", graph)
            log.write(hashlib.sha1(graph.strip()).hexdigest() + " "
                      + (name.group(1).decode() if name else "?") + "\\n")
os.execv({dot!r}, [{dot!r}, *sys.argv[1:]]) if not data else None
import subprocess
sys.exit(subprocess.run([{dot!r}, *sys.argv[1:]], input=data).returncode)
"""

BUILDERS = ["html", "dirhtml", "singlehtml", "epub", "latex", "text", "man", "texinfo", "xml"]


def drawn(log: Path) -> list[str]:
    return log.read_text().split("\n")[:-1] if log.is_file() else []


@needs_dot
@pytest.mark.parametrize("builder", BUILDERS)
def test_every_builder_draws_each_diagram_once_and_shows_it(
        make_app, rootdir, tmp_path, builder) -> None:
    src = copy_root(rootdir, tmp_path)
    log = tmp_path / "drawn.log"
    counting = tmp_path / "dot"
    counting.write_text(COUNTING_DOT.format(python=sys.executable, log=str(log), dot=DOT))
    counting.chmod(0o755)
    app = make_app(builder, srcdir=src, builddir=tmp_path / "out",
                   confoverrides={"graphviz_dot": str(counting)})
    app.build()
    outdir = Path(app.outdir)
    warnings = app._warning.getvalue()
    assert "could not draw" not in warnings and "shown as lists" not in warnings, warnings
    graphs = drawn(log)
    # Each DOT source drawn once (a batch, or one dot run): never for a page not written.
    assert len(graphs) == len(set(graphs)), sorted(graphs)
    images = sorted(p for p in outdir.rglob("graphviz-*") if p.suffix in (".svg", ".png",
                                                                          ".pdf"))
    texts = "".join(p.read_text(encoding="utf-8", errors="replace")
                    for p in outdir.rglob("*")
                    if p.is_file() and p.suffix in (".html", ".xhtml", ".tex", ".texi", ".opf"))
    # Every image made is shown somewhere (none drawn for nothing).
    assert [p.name for p in images if p.stem not in texts] == []  # texinfo: no suffix
    if builder in ("html", "dirhtml", "singlehtml", "epub"):
        assert graphs
        pages = [p for p in outdir.rglob("*") if p.suffix in (".html", ".xhtml")
                 and "genindex" not in p.name and "search" not in p.name]
        shown = "".join(p.read_text(encoding="utf-8") for p in pages)
        assert shown.count('class="ldm503-graph-frame"') >= 3
        assert "ldm503-graph-outline" not in shown
        assert shown.count("<svg") == shown.count("</svg>")
    if builder == "epub":
        import xml.etree.ElementTree as ET

        svg = "{http://www.w3.org/2000/svg}svg"
        found = 0
        for page in outdir.glob("*.xhtml"):
            found += len(ET.parse(page).getroot().findall(f".//{svg}"))
        assert found >= 3  # in the SVG namespace: drawn, not shown as text
        # The EPUB theme adds a colon after each field name (CSS): the label has none.
        assert "dl.field-list > dt:after" in (outdir / "_static" / "epub.css").read_text()
        plan = (outdir / "plan.xhtml").read_text(encoding="utf-8")
        labels = re.findall(r'<dt class="field-[a-z]+">(.*?)</dt>', plan)
        assert not [label for label in labels if ":" in label]
        # A milestone's facts are lines there, as on HTML pages (issue 27 #7): no labels.
        assert 'class="ldm503-meta ldm503-dates"' in plan
    if builder == "latex":
        tex = next(outdir.glob("*.tex")).read_text(encoding="utf-8")
        assert len(re.findall(r"graphviz-[0-9a-f]+\.pdf", tex)) >= 3
    if builder == "texinfo":
        texi = next(outdir.glob("*.texi")).read_text(encoding="utf-8")
        assert len(re.findall(r"@image\{[^}]*graphviz-[0-9a-f]+", texi)) >= 3
    if builder in ("text", "man"):
        assert not graphs  # nothing to draw for plain text
        out = "".join(p.read_text(encoding="utf-8") for p in outdir.rglob("*") if p.is_file())
        assert "Dependency diagram of the plan" in out
    if builder == "xml":
        out = "".join(p.read_text(encoding="utf-8") for p in outdir.rglob("*.xml"))
        assert "ldm503_diagram" in out and "digraph" in out


# -- a file placed whole leaves nothing behind when its writing is interrupted ---------


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, OSError])
@pytest.mark.parametrize("place", ["place_whole", "move_whole"])
def test_an_interrupted_placement_leaves_no_partial_file(
        tmp_path, monkeypatch, interruption, place) -> None:
    """Ctrl-C (or a full disk) between writing a file aside and renaming it into place:
    no ``.part`` file stays in the images directory, and no target appears."""
    images = tmp_path / "_images"
    images.mkdir()
    target = images / "graphviz-1.svg"
    source = tmp_path / "drawn.svg"
    source.write_text("<svg/>", encoding="utf-8")

    def interrupted(src: object, dst: object) -> None:
        raise interruption()

    monkeypatch.setattr(dotrun.os, "replace", interrupted)
    with pytest.raises(interruption):
        if place == "place_whole":
            dotrun.place_whole(target, "<svg/>")
        else:
            dotrun.move_whole(source, target)
    assert list(images.iterdir()) == []
    monkeypatch.undo()
    # Placed whole the next time: what was drawn for it is not taken for done meanwhile.
    if place == "place_whole":
        dotrun.place_whole(target, "<svg/>")
    else:
        source.write_text("<svg/>", encoding="utf-8")  # moved aside, then dropped
        dotrun.move_whole(source, target)
    assert [p.name for p in images.iterdir()] == ["graphviz-1.svg"]
