"""Issue 25's class for items 1-4: date arithmetic and renderers are total on the author's data.

Hypothesis draws small plans whose dates come from the whole ``datetime.date``
range (0001-01-01 to 9999-12-31, the ends and the schedule exports' "no date"
placeholders among them) and whose titles are arbitrary Unicode, and sends
them through every computation on dates (checks, critical paths, slack, slip
impact, catalog diffs, lateness) and every renderer: DOT (and ``dot`` itself),
the inlined SVG, matplotlib's timeline (SVG and PDF), the text the checks and
the CLI print, JSON, and LaTeX escaping. Each either answers or raises the one
exception its caller turns into a located warning (``ValueError``), never
anything else. The last test builds such plans with Sphinx (HTML, LaTeX, text),
every directive that computes on dates among them, under any ``SOURCE_DATE_EPOCH``;
``tests/test_hostile.py`` fuzzes the same directives with hostile text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from defusedxml import ElementTree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_hostile import build, check_warnings  # the fuzz's build and warning checks

from sphinxext_ldm503.core.checks import CheckConfig, run_checks
from sphinxext_ldm503.core.export import dumps, plan_from_json, to_json_document
from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite
from sphinxext_ldm503.core.schedule import (
    Slip,
    critical_path,
    diff_catalogs,
    impact,
    impact_to_json,
    min_slack,
    schedule_drift,
)
from sphinxext_ldm503.features.report import lateness
from sphinxext_ldm503.render import chart as T
from sphinxext_ldm503.render.graph import GraphOptions, build_dot
from sphinxext_ldm503.render.svgtext import inline_svg

DOT = shutil.which("dot")

#: The ends of the calendar and the dates that once stopped a build (issue 25).
EDGE_DATES = (date.min, date.max, date(9990, 6, 1), date(2, 1, 1), date(1, 1, 2),
              date(9999, 12, 30), date(100, 1, 1), date(9899, 12, 31))
dates = st.one_of(st.dates(), st.sampled_from(EDGE_DATES))
maybe_date = st.one_of(st.none(), dates)
#: Any Unicode but surrogates (no source file can hold one), mathtext and TeX included.
MATH = ("Price: $x^{2$", "Budget $\\foo$ review", "Costs $5M and $3M", "$", "\\", "{", "%")
titles = st.one_of(st.text(max_size=40), st.sampled_from(MATH),
                   st.lists(st.sampled_from(MATH), max_size=4).map(" ".join))
IDS = ("LDM-503-01", "LDM-503-02", "DM-AP-3", "T&SC-1150", "Caf\u00e9-1", "A4369.9")


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    ids = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=5, unique=True))
    milestones = []
    for index, ms_id in enumerate(ids):
        others = [i for i in ids if i != ms_id]
        pres = draw(st.lists(st.sampled_from(others), unique=True, max_size=2)) if others else []
        milestones.append(Milestone(
            ms_id, draw(titles), Location(draw(st.sampled_from(["one", "two"])), index + 1),
            due=draw(maybe_date), forecast=draw(maybe_date), completed=draw(maybe_date),
            status=draw(st.sampled_from([None, "planned", "completed", "at-risk", "descoped"])),
            prerequisites=tuple(Prerequisite(p, draw(titles)) for p in pres),
            schedule_predecessors=tuple(pres) if draw(st.booleans()) else None,
        ))
    return Plan(milestones)


slips = st.one_of(
    st.builds(lambda days: days, st.one_of(st.integers(0, 4_000_000),
                                           st.sampled_from([1, 10**9, 10**30]))),
    dates,
)

TOTAL = settings(max_examples=300, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RENDER = settings(max_examples=25, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _slip(ms_id: str, amount: int | date) -> Slip:
    return Slip(ms_id, to=amount) if isinstance(amount, date) else Slip(ms_id, days=amount)


@TOTAL
@given(plan=plans(), today=dates, amount=slips)
@example(plan=Plan([Milestone("X", due=date.max), Milestone(
    "Y", due=date(2020, 1, 1), prerequisites=(Prerequisite("X"),))]), today=date.max, amount=1)
def test_date_arithmetic_is_total(plan: Plan, today: date, amount: int | date) -> None:
    """Checks, critical paths, slack, impact, diffs and lateness answer for every date."""
    config = CheckConfig(today=today)
    findings = run_checks(plan, config)
    assert all(isinstance(f.message, str) and f.message for f in findings)
    for ms in plan:
        path = critical_path(plan, ms.id)
        assert path is not None and path.ids[-1] == ms.id and isinstance(path.text(), str)
        min_slack(plan, ms.id)
        assert lateness(ms, today) in (None, "overdue", "forecast late", "completed late")
    schedule_drift(plan)
    shifted = [Milestone(ms.id, ms.title, due=ms.forecast, forecast=ms.due) for ms in plan]
    for change in diff_catalogs(list(plan), shifted):
        assert all(isinstance(line, str) for line in change.describe())
        json.dumps(change.to_json())
    first = next(iter(plan))
    try:
        result = impact(plan, [_slip(first.id, amount)])
    except ValueError as exc:
        assert str(exc)
        return
    for move in result.moves:
        assert move.days > 0
        if move.old is not None:
            assert move.new == move.old + timedelta(days=move.days)
    json.loads(dumps(impact_to_json(result)))


@TOTAL
@given(plan=plans(), today=dates)
def test_json_is_total_and_round_trips(plan: Plan, today: date) -> None:
    config = CheckConfig(today=today)
    text = dumps(to_json_document(plan, run_checks(plan, config), config))
    again = plan_from_json(json.loads(text))
    assert [(m.id, m.title, m.due, m.forecast, m.completed) for m in again.declared] == [
        (m.id, m.title, m.due, m.forecast, m.completed) for m in plan.declared]


@TOTAL
@given(plan=plans(), layout=st.sampled_from(["dependency", "timeline"]),
       cluster=st.sampled_from(["none", "prefix", "document"]))
def test_dot_text_is_total(plan: Plan, layout: str, cluster: str) -> None:
    code = build_dot(plan, GraphOptions(layout=layout, cluster=cluster, labels="title"),
                     url_for=lambda ms: f"page.html#{ms.anchor}")
    assert code.startswith(("digraph", "strict digraph")) and code.rstrip().endswith("}")
    # A timeline of the whole calendar stays a few hundred ranks (one per quarter
    # near the milestones, gaps marked), not 40,000 quarters.
    assert code.count("axis_") < 200


@pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed")
@RENDER
@given(plan=plans(), layout=st.sampled_from(["dependency", "timeline"]))
def test_dot_and_inline_svg_are_total(plan: Plan, layout: str) -> None:
    """dot draws what build_dot writes, and the page can inline what dot draws."""
    code = build_dot(plan, GraphOptions(layout=layout, labels="title"),
                     url_for=lambda ms: f"page.html#{ms.anchor}")
    proc = subprocess.run([DOT or "dot", "-Tsvg"], input=code.encode("utf-8"),
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    svg = inline_svg(proc.stdout.decode("utf-8"), "_images", "g1")
    ElementTree.fromstring(svg)
    assert "<script" not in svg.lower()


@pytest.mark.requires_extra("matplotlib")
@RENDER
@given(plan=plans(), today=dates, group=st.sampled_from(T.GROUPS), arrows=st.booleans(),
       start=maybe_date, end=maybe_date, head=titles)
@example(plan=Plan([Milestone("A-1", "Costs $5M and $3M", Location("one", 1), due=date.max,
                              forecast=date(2020, 1, 1)),
                    Milestone("A-2", "Price: $x^{2$", Location("one", 2), due=date.min)]),
         today=date.max, group="campaign", arrows=True, start=None, end=None,
         head="Budget $\\foo$ review")
@example(plan=Plan([Milestone("A-1", "x\x00y\x07\x1b\ufffe\uffff", Location("one", 1),
                              due=date(2020, 1, 1))]),
         today=date(2020, 1, 1), group="campaign", arrows=False, start=None, end=None,
         head="\x00head\x0b")
def test_timeline_render_is_total(plan: Plan, today: date, group: str, arrows: bool,
                                  start: date | None, end: date | None, head: str) -> None:
    """matplotlib draws every plan: far-off dates are left out, titles are plain text."""
    if start and end and start > end:
        start, end = end, start
    options = T.TimelineOptions(today=today, group=group, arrows=arrows,  # type: ignore[arg-type]
                                start=start, end=end, group_labels={"one": head, "two": head})
    rows, _undated = T.select_rows(plan, options)
    drawn, far_off = T.split_drawable(rows)
    assert all(T.drawable(r.when) for r in drawn) and not any(T.drawable(r.when) for r in far_off)
    svg = T.render(plan, options, "svg").decode("utf-8")
    root = ElementTree.fromstring(svg)
    texts = "".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))
    for row in drawn:
        assert row.milestone.id in texts  # each drawn row is labelled with its ID
    assert T.render(plan, options, "pdf").startswith(b"%PDF")


@TOTAL
@given(text=titles)
def test_latex_escaping_is_total(text: str) -> None:
    """Titles reach LaTeX through Sphinx's escaping: every character comes out as text."""
    from sphinx.util.texescape import escape, init

    init()
    out = escape(text, "pdflatex")
    assert "\\foo" not in out or "\\foo" not in text  # a control sequence is never passed on
    assert "$" not in out.replace("\\$", "")


# -- the same through Sphinx's builders ---------------------------------------------------------

one_line_title = st.text(st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85"
                                                            "\u2028\u2029"), max_size=30)


@st.composite
def projects(draw: st.DrawFn) -> tuple[str, list[str]]:
    """An index.rst declaring milestones with whole-range dates and any titles, and
    using every directive that computes on dates or draws the plan."""
    lines = ["Plan", "====", ""]
    ids = draw(st.lists(st.sampled_from(IDS[:4]), min_size=1, max_size=4, unique=True))
    for index, ms_id in enumerate(ids):
        lines.append(f".. milestone:: {ms_id}: {draw(one_line_title)}")
        for option in ("due", "forecast", "completed"):
            when = draw(maybe_date)
            if when is not None:
                lines.append(f"   :{option}: {when.isoformat()}")
        if index:
            lines.append(f"   :requires: {ids[index - 1]}")
        lines.append("")
    amount = draw(st.one_of(st.sampled_from(["+1d", "+3000000d", "+99999999999999999999d"]),
                            dates.map(date.isoformat)))
    lines += [f".. milestone-impact:: {ids[0]} {amount}", "",
              ".. milestone-timeline::", "   :arrows: yes", "",
              ".. milestone-table::", "   :columns: id, title, due, status, slack", "",
              ".. milestone-report::", "", ".. milestone-graph::", "   :layout: timeline", ""]
    return "\n".join(lines) + "\n", ids


@pytest.mark.slow
@pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed")
@settings(max_examples=8, deadline=None,
          # monkeypatch sets or deletes the variable anew for every example
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(project=projects(), epoch=st.one_of(st.none(), st.sampled_from(
    ["300000000000", "253402300800", "1577836800"])))
def test_builds_are_total_on_dates_and_titles(tmp_path_factory, monkeypatch, project,
                                              epoch) -> None:
    """HTML (SVG), LaTeX and text builds of such plans finish, with located warnings,
    the JSON report readable, whatever SOURCE_DATE_EPOCH says."""
    index, _ids = project
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    src = tmp_path_factory.mktemp("total") / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinxext_ldm503"]\n'
                                 'graphviz_output_format = "svg"\n', encoding="utf-8")
    (src / "index.rst").write_text(index, encoding="utf-8")
    # Sphinx's own LaTeX builder cannot date a document past 9999 (sphinx.util.i18n's
    # format_date): not ours to fix, so that pair is left out.
    past_9999 = epoch is not None and int(epoch) >= 253402300800
    for builder in ("html", "text") if past_9999 else ("html", "latex", "text"):
        app, warnings = build(src, builder)
        # The SOURCE_DATE_EPOCH warning names no file: there is none to point at.
        warnings = "\n".join(line for line in warnings.splitlines()
                             if "SOURCE_DATE_EPOCH" not in line)
        check_warnings(src, warnings)
        json.loads((Path(app.outdir) / "ldm503.json").read_text(encoding="utf-8"))
