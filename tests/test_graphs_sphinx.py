"""Diagrams in real builds: SVG links, escaping, LaTeX figures, fallback without dot."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup


def _copy(rootdir: Path, tmp_path: Path, name: str = "test-graphs") -> Path:
    dest = tmp_path / name
    shutil.copytree(rootdir / name, dest)
    return dest


def _svgs(app) -> dict[str, str]:
    images = Path(app.outdir) / "_images"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(images.glob("*.svg"))}


@pytest.mark.sphinx("html", testroot="graphs", freshenv=True)
def test_svg_diagrams_are_clickable_and_escaped(app, warning) -> None:
    app.build()
    svgs = _svgs(app)
    assert svgs, "no diagram rendered"
    whole = [s for s in svgs.values() if "LDM-503-03" in s and "CAMM8040" in s and "DM-SUIT-1" in s]
    assert whole
    # Links are rewritten relative to _images/ and open in the whole window.
    assert re.search(r'(?:xlink|ns\d):href="\.\./plan\.html#ms-ldm-503-01"', whole[0])
    assert 'target="_top"' in whole[0]
    for svg in svgs.values():
        assert "<script" not in svg
        assert "<b>" not in svg
    tooltips = " ".join(svgs.values())
    assert "&lt;script&gt;" in tooltips or "&lt;b&gt;" in tooltips
    page = BeautifulSoup((Path(app.outdir) / "index.html").read_text(encoding="utf-8"),
                         "html.parser")
    figure = page.find(id="fig-whole-plan")
    assert figure is not None and "The whole plan" in figure.get_text()
    # Inlined (issue 15), so the page's CSS and script reach it; its links are the
    # page's own, and the file in _images/ opens it at full size.
    svg = figure.find("div", class_="ldm503-graph-frame").find("svg")
    assert svg is not None and svg.find("a", href="plan.html#ms-ldm-503-01") is not None
    assert not svg.find_all("script") and 'target="_top"' not in str(svg)
    assert figure.find("a", class_="ldm503-open-full")["href"].startswith("_images/graphviz-")
    assert "[ldm503.graph]" not in warning.getvalue()


@pytest.mark.sphinx("html", testroot="graphs", freshenv=True)
def test_neighbourhood_diagram_beside_each_milestone(app) -> None:
    app.build()
    page = BeautifulSoup((Path(app.outdir) / "plan.html").read_text(encoding="utf-8"),
                         "html.parser")
    for anchor in ("ms-ldm-503-01", "ms-ldm-503-02", "ms-ldm-503-03"):
        dd = page.find("dt", id=anchor).find_next_sibling("dd")
        assert dd.find("div", class_="ldm503-graph").find("svg") is not None, anchor


def test_latex_includes_the_diagrams(make_app, rootdir, tmp_path) -> None:
    app = make_app("latex", srcdir=_copy(rootdir, tmp_path))
    app.build()
    tex = next(Path(app.outdir).glob("*.tex")).read_text(encoding="utf-8")
    assert re.search(r"\\sphinxincludegraphics\[\]\{graphviz-[0-9a-f]+\.pdf\}", tex)
    assert r"\caption{The whole plan}" in tex
    assert list(Path(app.outdir).glob("graphviz-*.pdf"))


def test_missing_dot_falls_back_to_text_with_one_warning(make_app, rootdir, tmp_path) -> None:
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(tmp_path / "no-such-dot")})
    app.build()
    warnings = app._warning.getvalue()
    assert warnings.count("[ldm503.graph]") == 1
    assert "apt-get install graphviz" in warnings
    assert "Traceback" not in warnings
    page = BeautifulSoup((Path(app.outdir) / "index.html").read_text(encoding="utf-8"),
                         "html.parser")
    outline = page.find("ul", class_="ldm503-graph-outline")
    assert outline is not None
    text = outline.get_text(" ", strip=True)
    assert "LDM-503-02" in text and "requires" in text and "CAMM8040" in text
    assert outline.find("a", href="plan.html#ms-ldm-503-01") is not None
    assert not list((Path(app.outdir) / "_images").glob("*.svg"))


def test_failing_dot_falls_back_too(make_app, rootdir, tmp_path) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    fake.chmod(0o755)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(fake)})
    app.build()
    warnings = app._warning.getvalue()
    assert warnings.count("[ldm503.graph]") == 1 and "does not work" in warnings


def test_hanging_dot_times_out(make_app, rootdir, tmp_path) -> None:
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"graphviz_dot": str(fake), "ldm503_dot_timeout": 1})
    app.build()
    assert "did not answer within 1 s" in app._warning.getvalue()


def test_large_diagram_warns_with_advice(make_app, rootdir, tmp_path) -> None:
    app = make_app("html", srcdir=_copy(rootdir, tmp_path),
                   confoverrides={"ldm503_graph_max_nodes": 3})
    app.build()
    warnings = app._warning.getvalue()
    assert re.search(r"index\.rst:\d+: WARNING: milestone-graph draws 5 milestones.*:root:.*"
                     r"\[ldm503\.graph\]", warnings)


def test_diagrams_are_deterministic(make_app, rootdir, tmp_path) -> None:
    first = make_app("html", srcdir=_copy(rootdir, tmp_path / "a"))
    first.build()
    second = make_app("html", srcdir=_copy(rootdir, tmp_path / "b"))
    second.build()
    assert _svgs(first).keys() == _svgs(second).keys()  # names hash the DOT source
    assert (Path(first.outdir) / "ldm503.json").read_bytes() == (
        Path(second.outdir) / "ldm503.json").read_bytes()


@pytest.mark.sphinx("html", testroot="invalid", freshenv=True)
def test_bad_graph_option_is_an_invalid_warning(app, warning) -> None:
    app.build()
    assert re.search(r"index\.rst:3[34]: WARNING: milestone-graph: .*sideways.*\[ldm503\.invalid\]",
                     warning.getvalue())


@pytest.mark.parametrize(("builder", "expected"), [
    ("html", "plan.html#ms-ldm-503-01"),
    ("dirhtml", "plan/index.html#ms-ldm-503-01"),
    ("singlehtml", "index.html#ms-ldm-503-01"),
])
def test_svg_links_resolve_from_the_images_directory(make_app, rootdir, tmp_path, builder,
                                                     expected) -> None:
    """Links inside SVG files resolve against _images/: they must reach the milestone."""
    app = make_app(builder, srcdir=_copy(rootdir, tmp_path))
    app.build()
    out = Path(app.outdir)
    links = set()
    for svg in (out / "_images").glob("*.svg"):
        links |= set(re.findall(r':href="([^"]+)"', svg.read_text(encoding="utf-8")))
    assert links
    resolved = {os.path.normpath(out / "_images" / link.split("#")[0]) + "#" + link.split("#")[1]
                for link in links}
    assert str(out / expected) in resolved
    for link in resolved:
        path, anchor = link.split("#")
        assert Path(path).is_file(), link
        assert f'id="{anchor}"' in Path(path).read_text(encoding="utf-8"), link
