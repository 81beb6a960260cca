"""The schedule views in real builds: critical path, slack, impact, changes, drift.

One small project whose answers are worked out by hand:

* LDM-503-01 due 2020-01-01; DM-X-1 (catalog only) forecast 2020-02-01;
* LDM-503-02 due 2020-03-01 requires LDM-503-01 (slack 60) and DM-X-1 (slack 29);
* LDM-503-03 due 2020-03-11 requires LDM-503-02 (slack 10).

Critical path of LDM-503-03: DM-X-1 -> LDM-503-02 -> LDM-503-03 (ends 2020-03-11).
DM-X-1 +40d moves LDM-503-02 by 11 days and LDM-503-03 by 1.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from textwrap import dedent

import pytest
from bs4 import BeautifulSoup

CONF = ('extensions = ["sphinxext_ldm503"]\nldm503_catalog = "now.csv"\n'
        'graphviz_output_format = "svg"\n')

PLAN = """\
Plan
====

.. milestone:: LDM-503-01: First
   :due: 2020-01-01

.. milestone:: LDM-503-02: Second
   :due: 2020-03-01
   :requires: LDM-503-01, DM-X-1

.. milestone:: LDM-503-03: Third
   :due: 2020-03-11
   :requires: LDM-503-02
"""

NOW = """\
id,title,due,forecast,completed,status,wbs,prerequisites
DM-X-1,Pipeline one,2020-01-15,2020-02-01,,planned,1.2,
LDM-503-01,First,2020-01-01,,,planned,1.1,
LDM-503-02,Second,2020-03-01,,,planned,1.1,LDM-503-01;DMTC-9
LDM-503-03,Third,2020-03-11,,,planned,1.1,LDM-503-02
"""

BEFORE = """\
id,title,due,forecast,completed,status,wbs,prerequisites
DM-X-1,Pipeline,2020-01-15,,,planned,1.2,
LDM-503-01,First,2019-12-01,,,planned,1.1,
LDM-503-02,Second,2020-03-01,,,planned,1.1,LDM-503-01;DM-X-1
LDM-503-04,Gone,2020-05-01,,,planned,1.1,
"""

VIEWS = """\
Views
=====

.. milestone-graph::
   :critical-path: LDM-503-03

.. milestone-table::
   :columns: id, due, slack

.. milestone-impact:: DM-X-1 +40d

.. milestone-impact::

   LDM-503-01 +3d
   nonsense here

.. milestone-changes::
   :sort: slip

.. milestone-changes::
   :include: LDM-503-04
   :kinds: removed, bogus

.. milestone-report::
   :checks: schedule-drift
"""


def project(tmp_path: Path, conf: str = "", views: str = VIEWS) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF + conf, encoding="utf-8")
    (src / "index.rst").write_text("Index\n=====\n\n.. toctree::\n\n   plan\n   views\n",
                                   encoding="utf-8")
    (src / "plan.rst").write_text(PLAN, encoding="utf-8")
    (src / "views.rst").write_text(dedent(views), encoding="utf-8")
    (src / "now.csv").write_text(NOW, encoding="utf-8")
    (src / "before.csv").write_text(BEFORE, encoding="utf-8")
    return src


def build(make_app, src: Path, **kwargs):
    app = make_app("html", srcdir=src, freshenv=True, **kwargs)
    app.build()
    return app


def page(app, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / f"{name}.html").read_text(encoding="utf-8"),
                         "html.parser")


@pytest.fixture
def built(make_app, tmp_path):
    src = project(tmp_path, 'ldm503_catalog_previous = "before.csv"\n'
                            'ldm503_check_severity = {"schedule-drift": "warning"}\n')
    return build(make_app, src)


def test_critical_path_in_milestone_block(built):
    soup = page(built, "plan")
    paths = [p.get_text("", strip=False) for p in soup.select("p.ldm503-critical-path")]
    # LDM-503-01 waits on nothing dated: no critical path line.
    assert paths == [
        "Critical path: DM-X-1 -> LDM-503-02 (ends 2020-03-01)",
        "Critical path: DM-X-1 -> LDM-503-02 -> LDM-503-03 (ends 2020-03-11)",
    ]
    links = soup.select("p.ldm503-critical-path a")
    # DM-X-1 is declared nowhere: plain text, not a link; nor is the milestone itself.
    assert [a.get_text() for a in links] == ["LDM-503-02"]


def test_graph_highlights_critical_path_with_slack_tooltips(built):
    dots = [p.read_text(encoding="utf-8") for p in Path(built.outdir, "_images").glob("*.svg")]
    views = page(built, "views").decode()
    assert "slack 10 days" in views or any("slack 10 days" in d for d in dots)
    assert any("#1d4ed8" in d for d in dots)  # the path's colour
    assert any("#d1d5db" in d for d in dots)  # the rest, dimmed


def test_table_slack_column(built):
    soup = page(built, "views")
    table = soup.select_one("table.ldm503-table")
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    assert headers == ["ID", "Due", "Slack"]
    rows = {tr.select("td")[0].get_text(strip=True): tr.select("td")[2].get_text(strip=True)
            for tr in table.select("tbody tr")}
    assert rows == {"LDM-503-01": "", "LDM-503-02": "29", "LDM-503-03": "10"}


def test_impact_directive(built):
    soup = page(built, "views")
    first, second = soup.select("div.ldm503-impact")
    assert "If DM-X-1 slips 40 days: 3 milestones would move." in first.get_text(" ")
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")]
            for tr in first.select("table tbody tr")]
    assert [(r[0], r[2]) for r in rows] == [
        ("DM-X-1", "+40 days"), ("LDM-503-02", "+11 days"), ("LDM-503-03", "+1 day")]
    assert rows[1][3] == "2020-03-01 \u2192 2020-03-12"
    # The diagram says what its red boxes and arrows mean, right under it.
    graph = first.select_one("div.ldm503-graph")
    parts = [child for child in graph.children if child.name]
    assert len(parts) == 2
    # Written into the page as every milestone diagram is (not an <object>, which
    # neither the page's colours nor its link styles reach): ids prefixed with the
    # page's name, links relative to the page, tooltips as <title>.
    assert not graph.select("object")
    explorer = parts[0]
    assert explorer["data-ldm503-graph"] == "ldm503-views-impact-1"
    svg = explorer.select_one("div.ldm503-graph-frame > svg")
    assert svg is not None and svg.get("style", "").startswith("min-width:")
    assert "ldm503-explorable" not in explorer["class"]  # three boxes need no zoom
    assert "ldm503-wide" not in graph["class"]
    nodes = {n["id"] for n in svg.select("g.node")}
    assert nodes == {"ldm503-views-impact-1-ms-dm-x-1", "ldm503-views-impact-1-ms-ldm-503-02",
                     "ldm503-views-impact-1-ms-ldm-503-03"}
    # DM-X-1 is in the catalog only: its box has a tooltip and no link.
    links = {a["href"] for a in svg.select("g.node a[href]")}
    assert links == {"plan.html#ms-ldm-503-02", "plan.html#ms-ldm-503-03"}
    assert "not declared in this plan" in svg.select_one("g.node a title").get_text()
    assert parts[-1].name == "p" and "ldm503-graph-key" in parts[-1]["class"]
    assert "a red arrow runs from the prerequisite that pushes a milestone" \
        in parts[-1].get_text()
    assert "If LDM-503-01 slips 3 days: 1 milestone would move." in second.get_text(" ")
    warnings = built._warning.getvalue()
    assert "views.rst:15: WARNING: milestone-impact: cannot read slip 'nonsense here'" \
        in warnings


def test_impact_of_many_moves_gets_the_explorer(make_app, tmp_path):
    """A slip that moves more than a dozen milestones: the explorer's zoom, search and
    full size, and an overview's room; on a second page, ids of its own."""
    chain = "".join(f".. milestone:: LDM-503-{n:02d}: Step {n}\n   :due: 2020-{1 + n % 12:02d}-01\n"
                    + (f"   :requires: LDM-503-{n - 1:02d}\n" if n > 10 else "") + "\n"
                    for n in range(10, 25))
    src = project(tmp_path, views="Views\n=====\n\n.. milestone-impact:: LDM-503-10 +400d\n")
    (src / "plan.rst").write_text("Plan\n====\n\n" + chain
                                  + ".. milestone-impact:: LDM-503-20 +1d\n", encoding="utf-8")
    app = build(make_app, src)
    soup = page(app, "views")
    explorer = soup.select_one("div.ldm503-impact div.ldm503-explorer")
    assert "ldm503-explorable" in explorer["class"]
    assert "ldm503-wide" in explorer.parent["class"]
    assert len(explorer.select("svg g.node")) == 15
    # Each page's impact diagrams are numbered apart: singlehtml puts both in one page.
    small = page(app, "plan").select_one("div.ldm503-impact div.ldm503-explorer")
    assert small["data-ldm503-graph"] == "ldm503-plan-impact-1"
    assert "ldm503-explorable" not in small["class"]
    assert len(small.select("svg g.node")) == 1  # a month's slack takes the day


def test_impact_diagram_takes_a_rankdir(make_app, tmp_path):
    """``:rankdir: TB`` draws a long chain of moves as tall as it is long, not wider than
    any column; a wrong value is a located warning and the default, LR."""
    chain = "".join(f".. milestone:: LDM-503-{n:02d}: Step {n}\n   :due: 2020-01-{n:02d}\n"
                    + (f"   :requires: LDM-503-{n - 1:02d}\n" if n > 10 else "") + "\n"
                    for n in range(10, 18))
    views = ("Views\n=====\n\n.. milestone-impact:: LDM-503-10 +30d\n   :rankdir: tb\n\n"
             ".. milestone-impact:: LDM-503-10 +30d\n\n"
             ".. milestone-impact:: LDM-503-10 +30d\n   :rankdir: sideways\n")
    src = project(tmp_path, views=views)
    (src / "plan.rst").write_text("Plan\n====\n\n" + chain, encoding="utf-8")
    app = build(make_app, src)
    svgs = page(app, "views").select("div.ldm503-impact div.ldm503-graph-frame > svg")
    sizes = [(float(svg["data-width"][:-2]), float(svg["data-height"][:-2])) for svg in svgs]
    assert len(sizes) == 3 and all(len(svg.select("g.node")) == 8 for svg in svgs)
    (tall_w, tall_h), (wide_w, wide_h), default = sizes
    assert tall_h > tall_w and wide_w > wide_h and default == (wide_w, wide_h)
    assert re.search(r"views\.rst:9: WARNING: milestone-impact: :rankdir: must be one of "
                     r"LR, TB, RL, BT, not 'sideways' \[ldm503\.invalid\]",
                     app._warning.getvalue()), app._warning.getvalue()


def test_changes_directive(built):
    soup = page(built, "views")
    first, second = soup.select("div.ldm503-changes")
    # IDs in a cell are links or code of their own: the cell's text, spaces normalised.
    rows = [[" ".join(td.get_text().split()) for td in tr.select("td")]
            for tr in first.select("table tbody tr")]
    ids = [r[0] for r in rows]
    # Sorted by slip: LDM-503-01 slipped 31 days first, DM-X-1 17 days next.
    assert ids[:2] == ["LDM-503-01", "DM-X-1"]
    assert set(ids) == {"LDM-503-01", "DM-X-1", "LDM-503-02", "LDM-503-03", "LDM-503-04"}
    by_id = dict(zip(ids, rows, strict=True))
    assert "slipped 31 days" in by_id["LDM-503-01"][2]
    assert "renamed" in by_id["DM-X-1"][2]
    assert "gained DMTC-9; lost DM-X-1" in by_id["LDM-503-02"][2]
    assert by_id["LDM-503-01"][3] == "+31"
    assert "new" in by_id["LDM-503-03"][2] and "removed" in by_id["LDM-503-04"][2]
    assert [tr.select("td")[0].get_text(strip=True) for tr in second.select("tbody tr")] == [
        "LDM-503-04"]
    assert "milestone-changes: :kinds: unknown ['bogus']" in built._warning.getvalue()


CHURN_BEFORE = """\
id,title,due,forecast,completed,status,wbs,prerequisites
DM-X-1,Pipeline,2020-01-15,,,planned,1.2,
LDM-503-01,First,2019-12-01,,,planned,1.1,
LDM-503-02,Second,2020-03-01,,,planned,1.1,DM-X-1
LDM-503-03,Third,2020-03-11,,,planned,1.1,LDM-503-02;DMTC-1
"""


@pytest.fixture
def churn(make_app, tmp_path):
    """The drift filter set, and predecessor churn among ignored ticket keys: LDM-503-02
    gained LDM-503-01 (declared) and DMTC-9 (a ticket), lost DM-X-1 (declared nowhere);
    LDM-503-03 only lost the ticket DMTC-1."""
    src = project(tmp_path, 'ldm503_catalog_previous = "before.csv"\n'
                            'ldm503_drift_ignore_patterns = ["^DMTC-"]\n',
                  views="Views\n=====\n\n.. milestone-changes::\n")
    (src / "before.csv").write_text(CHURN_BEFORE, encoding="utf-8")
    return src


def test_changes_summary_first_then_folded_rows(make_app, churn):
    app = build(make_app, churn)
    changes = page(app, "views").select_one("div.ldm503-changes")
    parts = [child for child in changes.children if getattr(child, "name", None)]
    # Counts per kind first, then the slips ranked by size, then the rows, folded.
    assert [p.name for p in parts] == ["p", "p", "details"]
    assert parts[0].get_text() == (
        "2 slipped (the largest slip: 31 days); 1 renamed; 1 changed predecessors.")
    assert " ".join(parts[1].get_text().split()) == (
        "Largest slips: LDM-503-01 +31 days, DM-X-1 +17 days.")
    # A declared ID is a link to its block; an undeclared one is code, unbroken.
    assert [a["href"] for a in parts[1].select("a")] == ["plan.html#ms-ldm-503-01"]
    assert [c.get_text() for c in parts[1].select("code")] == ["LDM-503-01", "DM-X-1"]
    details = parts[2]
    assert "ldm503-changes-details" in details["class"] and not details.has_attr("open")
    assert details.select_one("summary").get_text() == "All 3 changes, one row per milestone"
    cells = {tr.select("td")[0].get_text(strip=True): tr.select("td")[2]
             for tr in details.select("table.ldm503-changes-table tbody tr")}
    # LDM-503-03 changed only a ticket among its predecessors: no change at all.
    assert sorted(cells) == ["DM-X-1", "LDM-503-01", "LDM-503-02"]
    cell = cells["LDM-503-02"]
    assert " ".join(cell.get_text().split()) == (
        "schedule predecessors gained LDM-503-01; lost DM-X-1")
    assert [a["href"] for a in cell.select("a")] == ["plan.html#ms-ldm-503-01"]
    assert "DMTC" not in page(app, "views").get_text()
    # Dates are spans that CSS keeps on one line, like the IDs.
    assert [d.get_text() for d in cells["LDM-503-01"].select("span.ldm503-date")][:2] == [
        "2019-12-01", "2020-01-01"]
    # A move from one date to another is one span too: "->" never ends a line.
    assert cells["LDM-503-01"].select_one("span.ldm503-move").get_text() == (
        "2019-12-01 -> 2020-01-01")


def test_changes_open_option(make_app, churn):
    (churn / "views.rst").write_text("Views\n=====\n\n.. milestone-changes::\n   :open:\n",
                                     encoding="utf-8")
    app = build(make_app, churn)
    assert page(app, "views").select_one("details.ldm503-changes-details").has_attr("open")
    assert "unknown option" not in app._warning.getvalue()


def test_changes_in_other_builders_summary_and_compact_table(make_app, churn):
    """Text and LaTeX: no folding there, so the rows are a compact table instead, a few
    words per change and predecessors counted."""
    app = make_app("text", srcdir=churn, freshenv=True)
    app.build()
    text = (Path(app.outdir) / "views.txt").read_text(encoding="utf-8")
    flat = " ".join(text.split())  # the slips' days are joined by no-break spaces
    summary = flat.index("2 slipped (the largest slip: 31 days)")
    assert summary < flat.index('Largest slips: "LDM-503-01" +31 days') < flat.index("+---")
    assert "predecessors: 1 gained, 1 lost" in text
    assert "slipped 31 days: 2019-12-01 -> 2020-01-01" in text
    assert "gained LDM-503-01" not in text and "DMTC" not in text and "All 3 changes" not in text
    app = make_app("latex", srcdir=churn, freshenv=True)
    app.build()
    tex = next(Path(app.outdir).glob("*.tex")).read_text(encoding="utf-8")
    assert "Largest slips" in tex and "predecessors: 1 gained, 1 lost" in tex and "DMTC" not in tex
    assert "Traceback" not in app._warning.getvalue()


def test_changes_print_rows(make_app, churn):
    """Beyond ``:print-rows:`` a printed table keeps the changes that matter most (the
    larger slip here) and says how many it left out; a bad value is a located warning."""
    (churn / "views.rst").write_text(
        "Views\n=====\n\n.. milestone-changes::\n   :print-rows: 1\n\n"
        ".. milestone-changes::\n   :print-rows: many\n", encoding="utf-8")
    app = make_app("text", srcdir=churn, freshenv=True)
    app.build()
    first, second = (Path(app.outdir) / "views.txt").read_text(encoding="utf-8").split(
        "2 slipped")[1:]
    assert "LDM-503-01" in first.split("+---", 1)[1] and "DM-X-1" not in first.split(
        "+---", 1)[1].split("not printed")[0]
    assert "2 smaller changes not printed" in " ".join(first.split())
    assert "not printed" not in second
    warnings = app._warning.getvalue()
    assert warnings.count(":print-rows:") == 1
    assert "views.rst:7: WARNING: milestone-changes: :print-rows: 'many'" in warnings


def test_drift_check_in_report_json_and_warnings(built):
    report = json.loads((Path(built.outdir) / "ldm503.json").read_text(encoding="utf-8"))
    drift = [f for f in report["findings"] if f["check"] == "schedule-drift"]
    assert [(f["milestone"], f["related"], f["docname"], f["line"]) for f in drift] == [
        ("LDM-503-02", ["DM-X-1", "DMTC-9"], "plan", 7)]
    warnings = built._warning.getvalue()
    assert "plan.rst:7: WARNING: LDM-503-02: the plan's prerequisites differ" in warnings
    assert "[ldm503.schedule-drift]" in warnings
    soup = page(built, "views")
    assert "only the schedule has DMTC-9" in soup.select_one("table.ldm503-report").get_text()


def test_drift_default_info_and_ignore_patterns(make_app, tmp_path):
    src = project(tmp_path, 'ldm503_drift_ignore_patterns = ["^DMTC-", "(bad"]\n'
                            'ldm503_catalog_previous = "before.csv"\n')
    app = build(make_app, src)
    warnings = app._warning.getvalue()
    assert "[ldm503.schedule-drift]" not in warnings  # info: report only
    assert "ldm503_drift_ignore_patterns: invalid regular expression '(bad'" in warnings
    report = json.loads((Path(app.outdir) / "ldm503.json").read_text(encoding="utf-8"))
    drift = [f for f in report["findings"] if f["check"] == "schedule-drift"]
    assert [(f["severity"], f["related"]) for f in drift] == [("info", ["DM-X-1"])]


def test_bad_input_warns_never_breaks(make_app, tmp_path):
    views = """\
    Views
    =====

    .. milestone-graph::
       :critical-path: NOPE

    .. milestone-impact:: NOPE +3d

    .. milestone-impact::

    .. milestone-changes::
    """
    app = build(make_app, project(tmp_path, views=views))
    warnings = app._warning.getvalue()
    assert "views.rst:4: WARNING: milestone-graph: :critical-path: NOPE is not a milestone" \
        in warnings
    assert "views.rst:7: WARNING: milestone-impact: unknown milestone 'NOPE'" in warnings
    assert "views.rst:9: WARNING: milestone-impact needs at least one slip" in warnings
    assert "views.rst:11: WARNING: milestone-changes: set ldm503_catalog_previous" in warnings
    assert "Traceback" not in warnings


def test_other_builders(make_app, tmp_path):
    src = project(tmp_path, 'ldm503_catalog_previous = "before.csv"\n')
    for builder in ("text", "latex"):
        app = make_app(builder, srcdir=src, freshenv=True)
        app.build()
        assert "Traceback" not in app._warning.getvalue()
    text = (Path(app.outdir).parent / "text" / "views.txt")
    if text.exists():
        assert "would move" in text.read_text(encoding="utf-8")


def test_critical_path_defaults_to_root_and_missing_previous_catalog(make_app, tmp_path):
    views = """\
    Views
    =====

    .. milestone-graph::
       :root: LDM-503-03
       :critical-path:

    .. milestone-changes::
    """
    src = project(tmp_path, 'ldm503_catalog_previous = "gone.csv"\n', views=views)
    app = build(make_app, src)
    warnings = app._warning.getvalue()
    assert "ldm503_catalog_previous: catalog file" in warnings and "does not exist" in warnings
    assert "views.rst:8: WARNING" in warnings
    assert "Traceback" not in warnings
    svgs = [p.read_text(encoding="utf-8") for p in Path(app.outdir, "_images").glob("*.svg")]
    assert any("#1d4ed8" in s for s in svgs)
    # Without the previous export every current row is new.
    assert page(app, "views").select_one("div.ldm503-changes p").get_text() == "4 new."


def test_critical_path_option():
    from sphinxext_ldm503.render.graph import parse_graph_options

    assert parse_graph_options({}).critical_path is None
    assert parse_graph_options({"critical-path": None, "root": "A, B"}).critical_path == ""
    assert parse_graph_options({"critical-path": " X "}).critical_path == "X"


def test_long_critical_paths_are_shown_shortened():
    from datetime import date, timedelta

    from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite
    from sphinxext_ldm503.core.schedule import critical_path_summary

    chain = [Milestone(f"M{i}", location=Location("p", i + 1),
                       due=date(2020, 1, 1) + timedelta(days=i),
                       prerequisites=(Prerequisite(f"M{i - 1}"),) if i else ())
             for i in range(10)]
    plan = Plan(chain)
    ids, end = critical_path_summary(plan, "M9")
    # The root cause, how many are left out, the prerequisite that fixes the date, itself.
    assert ids == ("M0", 7, "M8", "M9")
    assert end == date(2020, 1, 10)
    assert critical_path_summary(plan, "M4")[0] == ("M0", 2, "M3", "M4")
    assert critical_path_summary(plan, "M3")[0] == ("M0", "M1", "M2", "M3")
    assert critical_path_summary(plan, "M0") == ((), None)
    # "near": the last links only, none counted (what depends on the chain far upstream).
    assert critical_path_summary(plan, "M9", "near") == ((None, "M7", "M8", "M9"), end)
    assert critical_path_summary(plan, "M3", "near")[0] == ("M0", "M1", "M2", "M3")
    assert critical_path_summary(plan, "M9", "off") == ((), None)


def test_critical_path_line_setting_is_validated() -> None:
    from sphinxext_ldm503.core.config import validate

    fixed, problems = validate({"ldm503_critical_path_line": "full"})
    assert fixed["ldm503_critical_path_line"] == "full" and problems == []
    fixed, problems = validate({"ldm503_critical_path_line": "all"})
    assert fixed["ldm503_critical_path_line"] == "near"
    assert problems == [("ldm503_critical_path_line",
                         "expected one of 'near', 'full', 'off', not 'all'; "
                         "using the default 'near'")]
