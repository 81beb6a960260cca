"""The published page without a browser (issue 15): ids, text output, legends, dates, inline SVG."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path

import graphviz
import pytest
from bs4 import BeautifulSoup

from sphinxext_ldm503.core.model import Milestone, Plan, Prerequisite
from sphinxext_ldm503.features.report import lateness
from sphinxext_ldm503.render.graph import (
    GraphOptions,
    build_legend_dot,
    parse_graph_options,
    select,
)
from sphinxext_ldm503.render.graph.legend import legend_keys
from sphinxext_ldm503.render.svgtext import inline_svg

REPO = Path(__file__).parent.parent
DOT = shutil.which("dot")


def _example(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(REPO / "example-docs", src)
    shutil.copy(REPO / "conf.py", src / "conf.py")
    return src


def test_singlehtml_has_no_duplicate_ids(make_app, tmp_path) -> None:
    app = make_app("singlehtml", srcdir=_example(tmp_path), freshenv=True)
    app.build()
    page = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert not {i: n for i, n in ids.items() if n > 1}
    assert "ldm503-pre-ldm-503-11-dm-dax-10" in ids  # named after both milestones


def test_text_output_reads_cleanly(make_app, tmp_path) -> None:
    app = make_app("text", srcdir=_example(tmp_path), freshenv=True)
    app.build()
    text = (Path(app.outdir) / "early-integration.txt").read_text(encoding="utf-8")
    assert "Required by: **" not in text and "Required by: LDM-503-07" in text
    # The diagram's words end their own paragraph; the caption starts a new one.
    assert re.search(r"\(\d+ milestones\)\]\n\n\s+The early integration milestones", text)
    assert "][graph" not in text  # no legend run into the diagram in text
    assert ("[graph: Dependency diagram of milestones LDM-503-01, LDM-503-02,"
            in text.replace("\n   ", " "))


def test_navigation_shows_id_and_title(make_app, tmp_path) -> None:
    app = make_app("html", srcdir=_example(tmp_path), freshenv=True,
                   confoverrides={"html_theme": "alabaster", "html_theme_options": {},
                                  "html_sidebars": {"**": ["localtoc.html"]}})
    app.build()
    page = BeautifulSoup((Path(app.outdir) / "early-integration.html").read_text("utf-8"),
                         "html.parser")
    toc = page.find("div", class_="sphinxsidebarwrapper").get_text(" ", strip=True)
    assert "LDM-503-01: Science Platform w/ WISE data in PDAC" in toc


def _plan() -> Plan:
    return Plan(declarations=[
        Milestone("LDM-503-1", prerequisites=(Prerequisite("DM-AP-1"),
                                              Prerequisite("CAMM8040", query="open"))),
        Milestone("DM-AP-1", completed=date(2019, 1, 1)),
    ])


def test_legend_shows_only_what_the_diagram_uses() -> None:
    plan = _plan()
    options = GraphOptions()
    used = legend_keys(select(plan, options), options)
    assert used == {"test", "dm", "external", "completed", "undeclared", "plain", "open"}
    source = build_legend_dot(options, used=used)
    for absent in ("descoped", "at risk", "dropped", "resolved query", "too late"):
        assert absent not in source
    for present in ("test milestone", "completed", "open review query"):
        assert present in source


def test_the_key_shows_a_root_as_the_diagram_draws_it() -> None:
    """A root's thick outline is keyed on the roots' own kind of box: a test milestone's
    blue square, not a DM milestone's grey rounded one (which matched no box of a
    campaign's overview rooted at its test milestones)."""
    plan = Plan(declarations=[
        Milestone("LDM-503-1", prerequisites=(Prerequisite("DM-AP-1"),
                                              Prerequisite("LDM-503-2"))),
        Milestone("LDM-503-2", prerequisites=(Prerequisite("DM-AP-2"),)),
        Milestone("DM-AP-1", prerequisites=(Prerequisite("DM-AP-2"),)),
    ])

    def keys(roots: str) -> frozenset[str]:
        options = parse_graph_options({"root": roots})
        return legend_keys(select(plan, options), options)

    assert "root-test" in keys("LDM-503-1") and "root" not in keys("LDM-503-1")
    assert "root-test" in keys("LDM-503-1, LDM-503-2")
    assert "root" in keys("DM-AP-1, LDM-503-1") and "root-test" not in keys("DM-AP-1")
    source = build_legend_dot(GraphOptions(), used={"test", "root-test"})
    test_sample, root_sample = re.findall(r'\t"?n_(?:test|root-test)"? \[(.*)\]', source)
    # The same box as the test milestone's, its outline thicker.
    assert re.search(r'color="(#[0-9a-f]+)"', root_sample)[1] == \
        re.search(r'color="(#[0-9a-f]+)"', test_sample)[1]
    assert "penwidth=2.2" in root_sample and "rounded" not in root_sample


def test_alt_text_names_every_root() -> None:
    from sphinxext_ldm503.features.diagrams import _alt_text

    several = parse_graph_options({"root": "LDM-503-1, DM-AP-1", "depth": "1"})
    assert _alt_text(several, 5) == (
        "Dependency diagram of milestones LDM-503-1, DM-AP-1 (5 milestones)")
    assert _alt_text(GraphOptions(), 26) == "Dependency diagram of the plan (26 milestones)"


@pytest.mark.parametrize(("due", "forecast", "completed", "expected"), [
    (date(2019, 1, 1), None, None, "overdue"),                      # due passed, not done
    (date(2019, 1, 1), date(2020, 1, 1), None, "overdue"),          # even if re-forecast
    (date(2020, 1, 1), date(2021, 1, 1), None, "forecast late"),    # due ahead, forecast after
    (date(2020, 1, 1), date(2019, 12, 1), None, None),
    (date(2019, 1, 1), None, date(2019, 2, 1), "completed late"),
    (date(2019, 1, 1), None, date(2018, 12, 1), None),
    (None, date(2021, 1, 1), None, None),
])
def test_overdue_only_for_a_past_due_date(due, forecast, completed, expected) -> None:
    ms = Milestone("LDM-503-1", due=due, forecast=forecast, completed=completed)
    assert lateness(ms, date(2019, 4, 30)) == expected


def test_inline_svg_links_tooltips_and_ids() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10pt" height="5pt"><g id="plan-1" class="graph"><g id="clust1">'
        '<g id="plan-1-ms-a"><a xlink:href="../chapter.html#ms-a" xlink:title="A: tip" '
        'target="_top"><text>A</text></a></g></g></g></svg>')
    out = inline_svg(svg, "_images", "plan-1")
    assert out.startswith("<svg ")
    assert 'href="chapter.html#ms-a"' in out and "_top" not in out
    assert "<title>A: tip</title>" in out
    assert 'id="plan-1-clust1"' in out and 'id="plan-1-ms-a"' in out
    assert 'data-width="10pt"' in out
    nested = inline_svg(svg, "../_images", "plan-1")
    assert 'href="../chapter.html#ms-a"' in nested


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_inlining_dot_output_as_text_equals_inlining_it_parsed() -> None:
    """The fast path (text of dot's own SVG) and the general one (ElementTree) agree,
    with hostile tooltips and links."""
    import xml.etree.ElementTree as ET

    from sphinxext_ldm503.render.graph.escape import add_link, tooltip_text
    from sphinxext_ldm503.render.svgtext import _inline_parsed_svg

    graph = graphviz.Digraph(name="g", graph_attr={"id": "plan-1"})
    first = {"tooltip": tooltip_text('Tip "quoted" & <tagged> \u2013 \u00e9'),
             "id": "plan-1-ms-a"}
    add_link(first, "../ch.html#ms-a?x=1&y=2")
    graph.node("m_a", graphviz.nohtml("A"), **first)
    graph.node("m_b", graphviz.nohtml("B"), tooltip="no link")
    edge = {"tooltip": tooltip_text("line\nbreak")}
    add_link(edge, "ch.html#b")
    graph.edge("m_a", "m_b", **edge)
    svg = subprocess.run(["dot", "-Tsvg"], input=graph.source, capture_output=True, text=True,
                         check=True).stdout

    def tree(text: str) -> tuple:
        text = text.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        if "xlink:" in text and "xmlns:xlink" not in text.split(">", 1)[0]:
            text = text.replace("<svg", '<svg xmlns:xlink="http://www.w3.org/1999/xlink"', 1)

        def walk(e: ET.Element) -> tuple:
            return (e.tag, sorted(e.attrib.items()), (e.text or "").strip(),
                    [walk(c) for c in e])
        return walk(ET.fromstring(text))

    for imgpath in ("_images", "../_images"):
        fast = inline_svg(svg, imgpath, "plan-1")
        assert tree(fast) == tree(_inline_parsed_svg(svg, imgpath, "plan-1"))
        assert "<title>Tip" in fast and "xlink:" not in fast and "_top" not in fast


def test_a_findings_source_keeps_its_line_number_in_a_box_of_its_own() -> None:
    from docutils import nodes

    from sphinxext_ldm503.features.report import source_cell

    path, line = source_cell("camera-and-daq.rst:18")
    assert isinstance(path, nodes.Text) and path.astext() == "camera-and-daq.rst"
    assert line.astext() == ":18" and line["classes"] == ["ldm503-line"]
    assert [n.astext() for n in source_cell("milestones.csv")] == ["milestones.csv"]
    assert [n.astext() for n in source_cell("odd:name.rst")] == ["odd:name.rst"]


def test_a_findings_message_keeps_ids_and_dates_whole() -> None:
    from docutils import nodes

    from sphinxext_ldm503.framework.words import whole_words as message_cell

    message = ("LDM-503-11: only the schedule has T&SC-7900-2430 (plan: DM-DAX-10, "
               "DM-NET-4; due 2019-11-11) and a very-long-hyphenated-name-that-may-break-anywhere.")
    cell = message_cell(message)
    assert "".join(n.astext() for n in cell) == message
    whole = [n.astext() for n in cell if isinstance(n, nodes.inline)]
    assert whole == ["LDM-503-11", "T&SC-7900-2430", "DM-DAX-10", "DM-NET-4", "2019-11-11"]
    assert all(n["classes"] == ["ldm503-whole"] for n in cell if isinstance(n, nodes.inline))
    assert message_cell("No hyphen here.") == [nodes.Text("No hyphen here.")]
    assert message_cell("") == []


def test_a_milestones_diagram_keeps_its_labels_readable_on_a_phone() -> None:
    """No zoom for a milestone's own diagram: it is never shown below 70% of its natural
    size (its frame scrolls sideways instead), so its labels stay about 11 px high."""
    from sphinxext_ldm503.features.web import readable_svg

    svg = '<svg width="320pt" height="151pt" data-width="320pt" data-height="151pt"><g/></svg>'
    assert readable_svg(svg) == (
        '<svg style="min-width: 299px" width="320pt" height="151pt" data-width="320pt" '
        'data-height="151pt"><g/></svg>')
    assert readable_svg("<svg><g/></svg>") == "<svg><g/></svg>"  # no natural size: as it is
