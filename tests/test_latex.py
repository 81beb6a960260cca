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
    # An ID in a finding's message is one box too, made by the style.
    assert re.search(r"\\DUrole\{ldm503-whole\}\{LDM\\sphinxhyphen\{\}503\\sphinxhyphen\{\}0\d\}",
                     tex)
    sty = (Path(app.outdir) / "sphinxext-ldm503.sty").read_text(encoding="utf-8")
    assert "\\@namedef{DUroleldm503-whole}#1{\\mbox{#1}}" in sty
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


# -- long IDs (issue 25 #15) -----------------------------------------------------------

LONG = "LDM-503-INTEGRATION-TESTS-FOR-THE-PROMPT-SVC-1"
LONG_PIECES = ("LDM-", "503-", "INTEGRATION-", "TESTS-", "FOR-", "THE-", "PROMPT-", "SVC-", "1")


def _boxes(pieces) -> str:
    return "\\allowbreak{}".join("\\DUrole{ldm503-id}{\\sphinxcode{\\sphinxupquote{%s}}}"
                                 % escape(piece) for piece in pieces)


def test_id_parts() -> None:
    from sphinxext_ldm503.features.latex import MAX_ID_CHARS, id_parts

    assert id_parts("LDM-503-01") == (["LDM-503-01"], False)
    assert id_parts("A" * MAX_ID_CHARS) == (["A" * MAX_ID_CHARS], False)
    assert id_parts(LONG) == (list(LONG_PIECES), False)
    parts, forced = id_parts("LDM-503-" + "A" * 60)
    assert forced and "".join(parts) == "LDM-503-" + "A" * 60
    assert max(map(len, parts)) == MAX_ID_CHARS
    assert id_parts("X--" + "Y" * 30)[0][0] == "X--"


@pytest.mark.sphinx("latex", testroot="latex-long-ids", freshenv=True)
def test_long_ids_wrap_after_their_hyphens(app, warning) -> None:
    app.build()
    tex = tex_of(app)
    # The schedule and the report: one box per piece, a break allowed between them.
    assert tex.count(_boxes(LONG_PIECES)) >= 2
    backbone = ("DM-", "NCSA-", "INTEGRATION-", "OF-", "THE-", "DATA-", "BACKBONE-", "AND-",
                "ARCHIVE-", "2")
    assert _boxes(backbone) in tex  # the report's Related column
    # Short IDs stay one box.
    assert "\\DUrole{ldm503-id}{\\sphinxcode{\\sphinxupquote{%s}}}" % escape("LDM-503-01") in tex
    # Columns are measured from the widest piece, never from the whole long ID
    # (it was measured from its first 24 characters, and ran into the next column).
    samples = re.findall(r"\\ldmsetcol\{(\w+)\}\{(.*?)\}(?=\\ldmsetcol|\n)", tex)
    assert samples
    assert not [s for _, s in samples if escape(LONG[:24]) in s]
    id_column = dict(samples)["t0ca"]
    assert id_column.endswith("\\sphinxcode{\\sphinxupquote{%s}}" % escape("INTEGRATION-"))
    # The milestone's heading wraps the same way; its contents line too.
    assert "\\sphinxbfcode{\\sphinxupquote{\\DUrole{ldm503-heading}{%s}}}" % "\\allowbreak{}".join(
        escape(p) for p in LONG_PIECES) in tex
    assert "{chapter}{%s: Forty" % "\\texorpdfstring{\\allowbreak}{}".join(
        escape(p) for p in LONG_PIECES) in tex
    # Nothing here is too long to print: no warning.
    assert "[ldm503.pdf]" not in warning.getvalue()


def test_an_id_no_page_can_hold_warns_once_at_its_declaration(make_app, tmp_path) -> None:
    src = tmp_path / "src"
    shutil.copytree(Path(__file__).parent / "roots" / "test-latex-long-ids", src)
    hostile = "LDM-503-" + "A" * 192  # 200 characters, 192 without a hyphen
    with (src / "index.rst").open("a", encoding="utf-8") as rst:
        rst.write("\n\nMore\n----\n\n.. milestone:: %s: Very long\n   :due: 2019-01-01\n"
                  "   :requires: LDM-503-01\n" % hostile)
    line = (src / "index.rst").read_text(encoding="utf-8").splitlines().index(
        ".. milestone:: %s: Very long" % hostile) + 1
    app = make_app("latex", srcdir=src, freshenv=True)
    app.build()
    from sphinx.util.console import strip_escape_sequences

    warnings = [w for w in strip_escape_sequences(app._warning.getvalue()).splitlines()
                if "[ldm503.pdf]" in w]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("%s:%d: WARNING: " % (src / "index.rst", line))
    assert "192 characters without a hyphen" in warnings[0]
    # It stays on the page: broken every 24 characters, every character kept.
    tex = tex_of(app)
    chunk = "\\DUrole{ldm503-id}{\\sphinxcode{\\sphinxupquote{%s}}}" % ("A" * 24)
    assert tex.count(chunk + "\\allowbreak{}") >= 7


# -- the PDF a project manager signs (issue 27, items 7 and 8) ------------------------


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True,
                    confoverrides={"ldm503_document_handle": "T&SC_#1 {x}",
                                   "ldm503_plan_date": "2019-04-30", "release": "1.0"})
def test_title_page_has_handle_and_plan_date_escaped(app) -> None:
    app.build()
    tex = tex_of(app)
    assert "\\ldmmaketitle{%s}{%s}" % (escape("T&SC_#1 {x}"), escape("2019-04-30")) in tex
    assert "\\sphinxmaketitle" not in tex.split("\\begin{document}", 1)[1]
    assert "\\release{1.0}" in tex


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True,
                    confoverrides={"latex_elements": {"maketitle": "\\mytitle"}})
def test_a_projects_own_title_page_is_kept(app) -> None:
    app.build()
    tex = tex_of(app)
    assert "\\mytitle" in tex and "\\ldmmaketitle" not in tex


def test_a_title_that_opens_with_the_handle_is_not_given_it_twice(make_app, tmp_path) -> None:
    src = tmp_path / "src"
    shutil.copytree(Path(__file__).parent / "roots" / "test-latex", src)
    app = make_app("latex", srcdir=src, freshenv=True, confoverrides={
        "ldm503_document_handle": "LDM-503", "ldm503_plan_date": "2019-04-30",
        "latex_documents": [("index", "plan.tex", "LDM-503: Test milestones", "Someone",
                             "manual")]})
    app.build()
    tex = (Path(app.outdir) / "plan.tex").read_text(encoding="utf-8")
    assert "\\ldmmaketitle{}{%s}" % escape("2019-04-30") in tex


def test_title_names_the_handle_only_as_a_word_of_its_own() -> None:
    from sphinxext_ldm503.features.latex import title_names

    assert title_names("LDM-503: Test milestones", "LDM-503")
    assert title_names("LDM-503 test plan", " LDM-503 ")
    assert title_names("  LDM-503  ", "LDM-503")
    assert not title_names("LDM-503-2: Another plan", "LDM-503")
    assert not title_names("LDM-5030 plan", "LDM-503")
    assert not title_names("Test milestones (LDM-503)", "LDM-503")
    assert not title_names("LDM-503", "")


def test_maketitle_without_handle_or_date() -> None:
    from sphinxext_ldm503.features.latex import maketitle

    # Empty arguments: the style prints Sphinx's date and no handle.
    assert maketitle(None, None) == "\\ldmmaketitle{}{}"
    assert maketitle(" LDM-503 \n", "2019-04-30") == "\\ldmmaketitle{%s}{%s}" % (
        escape("LDM-503"), escape("2019-04-30"))


def test_plan_date_is_validated() -> None:
    from datetime import date

    from sphinxext_ldm503.core.config import validate

    fixed, problems = validate({"ldm503_plan_date": "30/04/2019"})
    assert fixed["ldm503_plan_date"] is None
    assert problems == [("ldm503_plan_date", "invalid date '30/04/2019': use YYYY-MM-DD; "
                         "the title page shows the build date")]
    fixed, problems = validate({"ldm503_plan_date": date(2019, 4, 30)})
    assert fixed["ldm503_plan_date"] == "2019-04-30" and not problems


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True)
def test_milestone_heading_and_one_line_facts(app) -> None:
    app.build()
    tex = tex_of(app)
    # A rule before every milestone; its ID and title a size up.
    assert tex.count("\\ldmmilestonehead\n") == tex.count("\\pysigstartsignatures") >= 2
    assert "\\DUrole{ldm503-heading}{LDM\\sphinxhyphen{}503\\sphinxhyphen{}02}" in tex
    # Dates and status: one paragraph of facts, no field list; a date one box (words.py).
    assert ("\\ldmfact{Due}{\\DUrole{ldm503-whole}{2017\\sphinxhyphen{}11\\sphinxhyphen{}30}}"
            "\\ldmfactsep{}\\ldmfact{Completed}{\\DUrole{ldm503-whole}{2018\\sphinxhyphen{}01"
            "\\sphinxhyphen{}02}}\\ldmfactsep{}"
            "\\ldmfact{Status}{\\DUrole{ldm503-badge}{\\DUrole{ldm503-status-completed}"
            "{completed}}}") in tex
    assert "\\sphinxlineitem{Due}" not in tex


@pytest.mark.sphinx("html", testroot="latex", freshenv=True)
def test_html_keeps_its_field_list(app) -> None:
    app.build()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "ldm503-meta" in html and "ldmfact" not in html and "ldmmilestonehead" not in html


@pytest.mark.sphinx("latex", testroot="latex", freshenv=True,
                    confoverrides={"ldm503_milestone_graphs": True})
def test_milestone_diagrams_are_captioned(app) -> None:
    if shutil.which(app.config.graphviz_dot) is None and not os.environ.get("CI"):
        pytest.skip("Graphviz's dot is missing")
    app.build()
    tex = tex_of(app)
    assert "\\ldmcaption{Dependencies of %s}" % escape("LDM-503-02") in tex
    # The caption follows the diagram and its key, inside the diagram's group.
    diagram = tex.index("{neighbourhood}", tex.index("ms-ldm-503-02"))
    assert tex.index("Arrows point from", diagram) < tex.index(
        "\\ldmcaption{Dependencies of %s}" % escape("LDM-503-02"), diagram)


def test_print_attributes_leave_room_around_labels() -> None:
    from sphinxext_ldm503.features.latex import print_graph_attrs

    graph, node = print_graph_attrs("dependencies")
    assert graph["ratio"] == "compress"
    x, y = (float(v) for v in node["margin"].split(","))
    assert x >= 0.1 and y >= 0.05  # 0.04 and 0.01 let labels cross rounded outlines
    assert print_graph_attrs("timeline")[1] == {}
    assert print_graph_attrs("dependencies", "neighbourhood") == ({}, {"margin": "0.16,0.08"})
