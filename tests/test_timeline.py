"""The timeline chart: selection and options without Sphinx, then SVG, PDF and fallbacks in builds.

The hand-made plan: A (completed 2020-01-10, due 2020-01-01), B (due 2020-03-01,
forecast 2020-04-01) requiring A, and C with no date; A and B in document "one".
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite
from sphinxext_ldm503.render import chart as T


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def plan() -> Plan:
    return Plan([
        Milestone("LDM-503-01", "First", Location("one", 1), due=d("2020-01-01"),
                  completed=d("2020-01-10")),
        Milestone("LDM-503-02", "Second", Location("one", 5), due=d("2020-03-01"),
                  forecast=d("2020-04-01"), prerequisites=(Prerequisite("LDM-503-01"),)),
        Milestone("DM-X-1", "Other", Location("two", 1), due=d("2019-06-01")),
        Milestone("LDM-503-03", "Undated", Location("two", 3)),
    ])


def test_select_rows_groups_and_filters(plan):
    rows, undated = T.select_rows(plan, T.TimelineOptions())
    # Groups in order of their first date: "two" (2019-06-01) before "one".
    assert [(r.milestone.id, r.group, r.when) for r in rows] == [
        ("DM-X-1", "two", d("2019-06-01")),
        ("LDM-503-01", "one", d("2020-01-10")),
        ("LDM-503-02", "one", d("2020-04-01")),
    ]
    assert [m.id for m in undated] == ["LDM-503-03"]
    rows, _ = T.select_rows(plan, T.TimelineOptions(include=("ldm-503-*",), group="prefix",
                                                    start=d("2020-02-01")))
    assert [(r.milestone.id, r.group) for r in rows] == [("LDM-503-02", "LDM-503")]
    rows, _ = T.select_rows(plan, T.TimelineOptions(exclude=("DM-*",), end=d("2020-02-01")))
    assert [r.milestone.id for r in rows] == ["LDM-503-01"]


def test_prefix():
    assert T._prefix("LDM-503-10b") == "LDM-503"
    assert T._prefix("DM-DRP-4") == "DM-DRP"
    assert T._prefix("CAMM8040") == "CAMM"


def test_parse_options():
    opts = T.parse_timeline_options({"include": "LDM-503-*, DM-*", "start": "2019-01-01",
                                     "group": "Prefix", "arrows": None})
    assert opts.include == ("LDM-503-*", "DM-*") and opts.group == "prefix" and opts.arrows
    assert T.parse_timeline_options({"arrows": "no"}).arrows is False
    for raw, message in [({"start": "soon"}, ":start:"), ({"group": "x"}, ":group:"),
                         ({"include": ""}, ":include:"),
                         ({"start": "2020-02-01", "end": "2020-01-01"}, "after")]:
        with pytest.raises(ValueError, match=message):
            T.parse_timeline_options(raw)


def test_render_svg_pdf_deterministic_with_links(plan):
    opts = T.TimelineOptions(today=d("2020-02-01"), arrows=True,
                             group_labels={"one": "Chapter one"})
    svg = T.render(plan, opts, "svg", url_for=lambda ms: f"page.html#{ms.anchor}")
    assert svg == T.render(plan, opts, "svg", url_for=lambda ms: f"page.html#{ms.anchor}")
    text = svg.decode()
    assert "LDM-503-02" in text and "Chapter one" in text and "today 2020-02-01" in text
    assert 'xlink:href="page.html#ms-ldm-503-02"' in text
    assert "<dc:date>" not in text
    pdf = T.render(plan, opts, "pdf")
    assert pdf.startswith(b"%PDF") and pdf == T.render(plan, opts, "pdf")


def test_render_empty_plan():
    assert T.render(Plan([]), T.TimelineOptions(), "svg").startswith(b"<?xml")


# -- in builds ----------------------------------------------------------------------

CONF = 'extensions = ["sphinxext_ldm503"]\nldm503_milestone_graphs = False\n' \
       'ldm503_today = "2020-02-01"\n'
DOC = """\
Plan
====

.. milestone:: LDM-503-01: First
   :due: 2020-01-01
   :completed: 2020-01-10

.. milestone:: LDM-503-02: Second
   :due: 2020-03-01
   :forecast: 2020-04-01
   :requires: LDM-503-01

.. milestone:: LDM-503-03: Undated

.. milestone-timeline::
   :arrows: yes

.. milestone-timeline::
   :group: bogus

.. milestone-timeline::
   :include: NOTHING-*
"""


def project(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    (src / "index.rst").write_text(DOC, encoding="utf-8")
    return src


@pytest.mark.requires_extra("matplotlib")
def test_html_build(make_app, tmp_path):
    app = make_app("html", srcdir=project(tmp_path), freshenv=True)
    app.build()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert '<object data="_images/ldm503-timeline-' in html
    (svg,) = Path(app.outdir, "_images").glob("ldm503-timeline-*.svg")
    assert 'xlink:href="../index.html#ms-ldm-503-02"' in svg.read_text(encoding="utf-8")
    assert "Not drawn (no date): LDM-503-03." in html
    assert "No dated milestone to draw." in html
    warnings = app._warning.getvalue()
    assert "index.rst:18: WARNING: milestone-timeline: :group: must be one of" in warnings


@pytest.mark.requires_extra("matplotlib")
def test_latex_and_text_builds(make_app, tmp_path):
    src = project(tmp_path)
    app = make_app("latex", srcdir=src, freshenv=True)
    app.build()
    out = Path(app.outdir)
    (pdf,) = out.glob("ldm503-charts/ldm503-timeline-*.pdf")
    assert not list(out.glob("ldm503-timeline-*.pdf"))  # the document is the only PDF there
    tex = next(out.glob("*.tex")).read_text(encoding="utf-8")
    assert f"\\includegraphics[width=\\linewidth]{{ldm503-charts/{pdf.name}}}" in tex
    app = make_app("text", srcdir=src, freshenv=True)
    app.build()
    text = (Path(app.outdir) / "index.txt").read_text(encoding="utf-8")
    assert "2020-04-01  LDM-503-02: Second" in text


def test_without_matplotlib_a_list_and_one_warning(make_app, tmp_path, monkeypatch):
    monkeypatch.setattr(T, "available", lambda: False)
    app = make_app("html", srcdir=project(tmp_path), freshenv=True)
    app.build()
    warnings = app._warning.getvalue()
    assert warnings.count("matplotlib is not installed") == 1
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    assert "2020-01-10  LDM-503-01: First" in html
