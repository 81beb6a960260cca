"""The LaTeX our PDF support emits: contents lines, page references, table specs, badges.

No TeX needed: these read the ``.tex`` file Sphinx writes (test_pdf.py compiles it).
HTML builds of the same project must not change.
"""

# LaTeX is all braces: %-formatting keeps the expected strings readable.
# ruff: noqa: UP031

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from sphinx.util.texescape import escape

HOSTILE = r"Costs 100% & $5 #1 {x} \relax ~ ^ _under <a>"


def tex_of(app) -> str:
    (path,) = Path(app.outdir).glob("*.tex")
    return path.read_text(encoding="utf-8")


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True)
def test_contents_lines_escape_hostile_titles(app) -> None:
    app.build()
    tex = tex_of(app)
    # One contents line per milestone, one level below its section (here the root
    # document's title, which is the PDF's title: so a chapter-level line), escaped.
    expected = ("\\phantomsection\\addcontentsline{toc}{chapter}{%s: %s}"
                % (escape("LDM-503-01"), escape(HOSTILE)))
    assert expected in tex
    assert "\\addcontentsline{toc}{chapter}{%s: Plain title}" % escape("LDM-503-02") in tex
    # Nothing of the title reaches LaTeX unescaped.
    assert "\\relax ~" not in tex and "100% &" not in tex


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True)
def test_ms_references_get_page_numbers_and_whole_ids(app) -> None:
    app.build()
    tex = tex_of(app)
    assert re.search(r"\(\\autopageref\*\{\\detokenize\{index:ms-ldm-503-02\}\}\)", tex)
    assert "\\DUrole{ldm503-id}{LDM\\sphinxhyphen{}503\\sphinxhyphen{}02}" in tex


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True,
                    confoverrides={"latex_show_pagerefs": True})
def test_no_second_page_number_when_sphinx_gives_them(app) -> None:
    app.build()
    # Diagram links (one line per diagram) carry no page number.
    tex = "\n".join(line for line in tex_of(app).splitlines()
                    if "ldmlinkedgraphics" not in line)
    assert tex.count("\\autopageref*{\\detokenize{index:ms-ldm-503-02}}") == tex.count(
        "\\hyperref[\\detokenize{index:ms-ldm-503-02}]")


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True)
def test_tables_have_measured_columns_and_landscape_pages(app) -> None:
    app.build()
    tex = tex_of(app)
    # The schedule: ID column as wide as the widest ID, title takes the rest.
    assert "\\ldmsetcol{t0ca}{{\\sphinxstyletheadfamily ID}\\\\\\sphinxcode{\\sphinxupquote{" in tex
    assert re.search(r"\\begin\{longtable\}\{\\ldmP\{\\ldmcol\{t0ca\}\}\\ldmP\{\\dimexpr", tex)
    assert tex.count("\\begin{landscape}") == tex.count("\\end{landscape}") >= 1
    # IDs in tables are unbreakable boxes; badges use the style's \DUrole hook.
    assert "\\DUrole{ldm503-id}{\\sphinxcode{\\sphinxupquote{LDM\\sphinxhyphen{}503" in tex
    assert "\\DUrole{ldm503-badge}{\\DUrole{ldm503-status-completed}{completed}}" in tex
    assert "\\DUrole{ldm503-badge}{\\DUrole{ldm503-query-open}{open query}}" in tex
    assert "\\usepackage{sphinxext-ldm503}" in tex
    assert (Path(app.outdir) / "sphinxext-ldm503.sty").is_file()


@pytest.mark.sphinx("html", testroot="latex", freshenv=True)
def test_html_is_untouched(app) -> None:
    app.build()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "ldm503-id" not in html
    assert "addcontentsline" not in html and "autopageref" not in html
    assert not (Path(app.outdir) / "sphinxext-ldm503.sty").exists()


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True)
def test_diagram_nodes_are_links(app) -> None:
    if shutil.which(app.config.graphviz_dot) is None and not os.environ.get("CI"):
        pytest.skip("Graphviz's dot is missing")
    app.build()
    tex = tex_of(app)
    # The whole plan, small here: an upright figure (large ones turn sideways), its
    # milestones linked, the odd ID's anchor escaped.
    assert "\\begin{sidewaysfigure}" not in tex
    match = re.search(
        r"\\ldmlinkedgraphics\{(graphviz-\w+\.pdf)\}\{\d+\}\{\d+\}\{(.*)\}\{plan\}", tex)
    assert match is not None
    links = match.group(2)
    for anchor in ("ms-ldm-503-01", "ms-ldm-503-02", "ms-t-sc--1--1150-0600"):
        assert "\\hyperref[\\detokenize{index:%s}]" % anchor in links, anchor
    assert (Path(app.outdir) / match.group(1)).is_file()
