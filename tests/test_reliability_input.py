"""Issue 25, items 1-5, 13 and 14: the author's input never stops a build or reaches a page raw.

Each test builds the smallest project that failed before the fix (or calls the
pure function that raised) and asserts on what the reader and the author get:
the page, and a warning of type ``ldm503`` with a subtype, a file and a line.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite
from sphinxext_ldm503.core.schedule import impact, parse_slip
from sphinxext_ldm503.render import chart as T

DOT = shutil.which("dot")

CONF = """\
extensions = ["sphinxext_ldm503"]
ldm503_milestone_graphs = False
ldm503_today = "2020-02-01"
"""


def write_project(tmp_path: Path, index: str, conf: str = CONF, **docs: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(conf, encoding="utf-8")
    (src / "index.rst").write_text(index, encoding="utf-8")
    for name, text in docs.items():
        (src / f"{name}.rst").write_text(text, encoding="utf-8")
    return src


def build(make_app, src: Path, builder: str = "html") -> tuple[object, str]:
    app = make_app(builder, srcdir=src, freshenv=True)
    app.build()
    return app, re.sub(r"\x1b\[[0-9;]*m", "", app._warning.getvalue())


def page(app, name: str = "index") -> str:
    return (Path(app.outdir) / f"{name}.html").read_text(encoding="utf-8")


# -- 1. far-off dates on the timeline ------------------------------------------------------

FAR_OFF = ("9999-12-31", "9990-06-01", "0001-01-01", "0002-01-01")


@pytest.mark.requires_extra("matplotlib")
@pytest.mark.parametrize("when", FAR_OFF)
def test_timeline_render_with_a_far_off_date(when: str) -> None:
    """matplotlib's date range (0001-9999) once stopped ``tight_layout``."""
    plan = Plan([
        Milestone("LDM-503-01", "Near", Location("one", 1), due=date(2020, 1, 1)),
        Milestone("LDM-503-02", "Far", Location("one", 5), due=date.fromisoformat(when),
                  forecast=date(2020, 3, 1)),
        Milestone("LDM-503-03", "Far too", Location("one", 9), due=date.fromisoformat(when)),
    ])
    svg = T.render(plan, T.TimelineOptions(arrows=True, today=date.fromisoformat(when)), "svg")
    assert b"LDM-503-01" in svg and b"LDM-503-02" in svg  # the forecast is drawn
    assert b"LDM-503-03" not in svg  # the far-off one is not
    assert T.render(plan, T.TimelineOptions(start=date(1, 1, 1), end=date(9999, 12, 31)),
                    "pdf").startswith(b"%PDF")


@pytest.mark.requires_extra("matplotlib")
@pytest.mark.parametrize("when", FAR_OFF)
def test_timeline_build_with_a_far_off_date_warns_and_draws_the_rest(make_app, tmp_path,
                                                                     when: str) -> None:
    src = write_project(tmp_path, f"""\
Plan
====

.. milestone:: LDM-503-01: First
   :due: 2020-01-01

.. milestone:: LDM-503-02: Placeholder
   :due: {when}

.. milestone-timeline::
""")
    app, warnings = build(make_app, src)
    assert (f"index.rst:10: WARNING: milestone-timeline: LDM-503-02 ({when}) not drawn: "
            "a chart places dates from 0100-01-01 to 9899-12-31") in warnings
    assert "[ldm503.graph]" in warnings
    html = page(app)
    assert '<object data="_images/ldm503-timeline-' in html
    assert f"Not drawn (too far off): LDM-503-02 ({when})." in html
    (svg,) = Path(app.outdir, "_images").glob("ldm503-timeline-*.svg")
    assert "LDM-503-01" in svg.read_text(encoding="utf-8")


@pytest.mark.requires_extra("matplotlib")
def test_timeline_matplotlib_failure_is_a_located_warning(make_app, tmp_path, monkeypatch
                                                           ) -> None:
    """Whatever else matplotlib cannot draw costs the chart (a list), not the build."""
    def fail(*args, **kwargs):
        raise ValueError("cannot draw this")

    monkeypatch.setattr(T, "render", fail)
    src = write_project(tmp_path, "Plan\n====\n\n.. milestone:: A-1: First\n   :due: 2020-01-01"
                                  "\n\n.. milestone-timeline::\n")
    app, warnings = build(make_app, src)
    assert ("index.rst:7: WARNING: milestone-timeline: matplotlib could not draw the chart "
            "(cannot draw this), so it is shown as a list [ldm503.graph]") in warnings
    assert "2020-01-01  A-1: First" in page(app)


# -- 2. titles are text, never mathtext ------------------------------------------------------

MATH_TITLES = ("Price: $x^{2$", "Budget $\\foo$ review", "Costs $5M and $3M", "$$", "\\$ $\\$",
               "50% of $ & _ ^ {x}")


@pytest.mark.requires_extra("matplotlib")
@pytest.mark.parametrize("title", MATH_TITLES)
def test_timeline_titles_are_drawn_as_written(title: str) -> None:
    plan = Plan([Milestone("A-1", title, Location("one", 1), due=date(2020, 1, 1))])
    from xml.sax.saxutils import escape

    svg = T.render(plan, T.TimelineOptions(group_labels={"one": title}), "svg").decode()
    # svg.fonttype "none": the label is one <text> holding the title as written.
    assert f">A-1  {escape(title)}</text>" in svg
    assert f">{escape(title)}</text>" in svg  # the group heading (a document's title)
    assert T.render(plan, T.TimelineOptions(), "pdf").startswith(b"%PDF")


@pytest.mark.requires_extra("matplotlib")
def test_timeline_titles_ignore_the_hosts_mathtext_settings() -> None:
    """A project's conf.py (or matplotlibrc) may turn TeX on: titles still are text."""
    import matplotlib

    plan = Plan([Milestone("A-1", "Costs $5M and $3M", Location("one", 1), due=date(2020, 1, 1))])
    with matplotlib.rc_context({"text.usetex": True}):
        svg = T.render(plan, T.TimelineOptions(), "svg").decode()
    assert ">A-1  Costs $5M and $3M</text>" in svg


@pytest.mark.requires_extra("matplotlib")
def test_timeline_build_with_mathtext_titles(make_app, tmp_path) -> None:
    src = write_project(tmp_path, """\
Plan $x^{2$
===========

.. milestone:: A-1: Price: $x^{2$
   :due: 2020-01-01

.. milestone:: A-2: Budget $\\foo$ review
   :due: 2020-02-01

.. milestone:: A-3: Costs $5M and $3M
   :due: 2020-03-01

.. milestone-timeline::
""")
    app, warnings = build(make_app, src)
    assert "Traceback" not in warnings and "matplotlib could not draw" not in warnings
    (svg,) = Path(app.outdir, "_images").glob("ldm503-timeline-*.svg")
    text = svg.read_text(encoding="utf-8")
    for label in ("A-1  Price: $x^{2$", "A-2  Budget $\\foo$ review", "A-3  Costs $5M and $3M",
                  "Plan $x^{2$"):
        assert f">{label}</text>" in text


# -- 3. slip arithmetic past 9999-12-31 ------------------------------------------------------

def test_add_days_is_total() -> None:
    from sphinxext_ldm503.core.schedule import add_days

    assert add_days(date(2020, 1, 1), 31) == date(2020, 2, 1)
    assert add_days(date.max, 1) is None
    assert add_days(date(2020, 1, 1), 3_000_000) is None
    assert add_days(date.min, 10**30) is None


@pytest.mark.parametrize("slip", ["X +1d", "Y +3000000d", "Y +99999999999999999999d"])
def test_impact_past_the_calendar_is_a_value_error(slip: str) -> None:
    plan = Plan([Milestone("X", due=date(9999, 12, 31)),
                 Milestone("Y", due=date(2020, 1, 1), prerequisites=(Prerequisite("X"),))])
    with pytest.raises(ValueError, match="past 9999-12-31"):
        impact(plan, [parse_slip(slip)])


def test_impact_build_past_the_calendar_warns(make_app, tmp_path) -> None:
    src = write_project(tmp_path, """\
Plan
====

.. milestone:: X-1: Placeholder date
   :due: 9999-12-31

.. milestone:: Y-1: Real
   :due: 2020-01-01

.. milestone-impact:: X-1 +1d

.. milestone-impact:: Y-1 +3000000d

.. milestone-impact:: Y-1 +30d
""")
    app, warnings = build(make_app, src)
    assert ("index.rst:10: WARNING: milestone-impact: X-1 +1d would move X-1 from 9999-12-31 by "
            "1 day, past 9999-12-31") in warnings
    assert "index.rst:12: WARNING: milestone-impact: Y-1 +3000000d would move Y-1" in warnings
    assert warnings.count("[ldm503.invalid]") == 2
    assert "2020-01-01 \u2192 2020-01-31" in page(app)  # the good one is still drawn


def test_impact_cli_past_the_calendar_is_bad_input(tmp_path, capsys) -> None:
    from sphinxext_ldm503.cli.main import main

    src = write_project(tmp_path, "Plan\n====\n\n.. milestone:: X-1: Placeholder\n"
                                  "   :due: 9999-12-31\n")
    status = main(["impact", str(src), "X-1", "+1d"])
    err = capsys.readouterr().err
    assert status == 2
    assert "past 9999-12-31" in err and "internal error" not in err


# -- 4. SOURCE_DATE_EPOCH past 9999 ----------------------------------------------------------

@pytest.mark.parametrize("epoch", ["300000000000", "253402300800"])
def test_source_date_epoch_past_9999_falls_back(make_app, tmp_path, monkeypatch, epoch) -> None:
    from sphinxext_ldm503.framework.domain import today

    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert today(None) == date.today()
    assert today("2020-01-01") == date(2020, 1, 1)
    src = write_project(tmp_path, "Plan\n====\n\n.. milestone:: A-1: First\n   :due: 2020-01-01\n",
                        conf='extensions = ["sphinxext_ldm503"]\n')
    app, warnings = build(make_app, src)
    assert "is not a date this extension can use" in warnings
    assert "[ldm503.invalid]" in warnings
    assert "A-1" in page(app)


def test_source_date_epoch_still_used(monkeypatch) -> None:
    from sphinxext_ldm503.framework.domain import epoch_problem, today

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1577836800")
    assert today(None) == date(2020, 1, 1) and epoch_problem() is None


# -- 5. IDs and alt text that would break out of the page ------------------------------------

HOSTILE_IDS = ("A<script>alert(1)</script>", 'B"/onload="alert(1)', "C'x", "D`x`", "E>x")


@pytest.mark.parametrize("ms_id", HOSTILE_IDS)
def test_ids_with_markup_characters_are_refused(ms_id: str) -> None:
    from sphinxext_ldm503.core import parsing

    with pytest.raises(ValueError, match="IDs cannot contain"):
        parsing.check_id(ms_id)
    with pytest.raises(ValueError, match="IDs cannot contain"):
        parsing.split_argument(f"{ms_id}: Title")
    ids, problems = parsing.split_id_list(f"LDM-1, {ms_id}")
    assert ids == ("LDM-1",) and "IDs cannot contain" in problems[0]


def test_graphviz_alt_is_escaped_for_html_only() -> None:
    from types import SimpleNamespace

    from sphinxext_ldm503.features.diagrams import graphviz_alt

    text = 'What moves: T&SC-1, B"/onload="x, <script>'
    assert graphviz_alt(text, SimpleNamespace(format="html")) == (
        "What moves: T&amp;SC-1, B&quot;/onload=&quot;x, &lt;script&gt;")
    assert graphviz_alt(text, SimpleNamespace(format="latex")) == text


IMPACT_DOC = """\
Plan
====

.. milestone:: A<script>alert(1)</script>: Hostile
   :due: 2020-01-01

.. milestone:: B"/onload="alert(1): Hostile too
   :due: 2020-01-01

.. milestone:: T&SC-1: Ampersand
   :due: 2020-01-01

.. milestone:: T&SC-2: Later
   :due: 2020-01-02
   :requires: T&SC-1, B"/onload="x

See :ms:`A<script>x</script>`.

.. milestone-impact:: T&SC-1 +30d

.. milestone-impact:: A<script>alert(1)</script> +3d
"""


@pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_impact_diagram_alt_text_is_escaped(make_app, tmp_path, fmt: str) -> None:
    src = write_project(tmp_path, IMPACT_DOC,
                        conf=CONF + f'graphviz_output_format = "{fmt}"\n')
    app, warnings = build(make_app, src)
    html = page(app)
    assert "<script>alert" not in html and 'onload="' not in html
    assert "alert(1)" not in html  # neither declared nor drawn
    # The ampersand ID is drawn, its alt text escaped once.
    alt = ("What moves: T&amp;SC-1, T&amp;SC-2" if fmt == "png"
           else '<p class="warning">What moves: T&amp;SC-1, T&amp;SC-2</p>')
    if fmt == "png":
        assert f'alt="{alt}"' in html
    else:
        assert alt in html or 'aria-label="What moves: T&amp;SC-1, T&amp;SC-2"' in html
    for line in (4, 7):
        assert re.search(rf"index\.rst:{line}: WARNING: milestone: milestone ID .* IDs cannot "
                         r"contain .*\[ldm503\.invalid\]", warnings), warnings
    assert re.search(r"index\.rst:13: WARNING: milestone T&SC-2: :requires: milestone ID "
                     r"'B\"/onload=\"x' contains \": IDs cannot contain .*\[ldm503\.invalid\]",
                     warnings)
    assert re.search(r"index\.rst:17: WARNING: ms: milestone ID .*IDs cannot contain",
                     warnings)


def test_impact_diagram_alt_escaped_on_the_node(make_app, tmp_path) -> None:
    """The node Sphinx's own visitor writes raw carries escaped text (no dot needed)."""
    from sphinx.ext.graphviz import graphviz

    src = write_project(tmp_path, IMPACT_DOC)
    app = make_app("html", srcdir=src, freshenv=True)
    alts: list[str] = []
    app.connect("doctree-resolved", lambda app, doctree, docname: alts.extend(
        n["alt"] for n in doctree.findall(graphviz)))
    app.build()
    if DOT is not None:
        assert "What moves: T&amp;SC-1, T&amp;SC-2" in alts
    assert not any("<" in alt or '"' in alt for alt in alts)


# -- 13. IDs in another Unicode normalisation form ---------------------------------------------

COMPOSED, DECOMPOSED = "Caf\u00e9-1", "Cafe\u0301-1"


def test_id_key_and_anchor_compare_in_nfc() -> None:
    from sphinxext_ldm503.core.model import anchor_for, id_key
    from sphinxext_ldm503.core.parsing import check_id, nfc_message

    assert COMPOSED != DECOMPOSED
    assert id_key(COMPOSED) == id_key(DECOMPOSED) == id_key("CAF\u00c9-1")
    assert anchor_for(COMPOSED) == anchor_for(DECOMPOSED)
    assert check_id(DECOMPOSED) == COMPOSED
    assert nfc_message(COMPOSED) is None
    message = nfc_message(DECOMPOSED)
    assert message and "U+0301 COMBINING ACUTE ACCENT" in message and repr(COMPOSED) in message


def test_nfc_lookalikes_are_one_milestone(make_app, tmp_path) -> None:
    src = write_project(tmp_path, f"""\
Plan
====

.. milestone:: {COMPOSED}: Composed
   :due: 2020-01-01

.. milestone:: LDM-2: Needs it
   :due: 2020-02-01
   :requires: {DECOMPOSED}

.. milestone:: LDM-3: Needs it too

   .. prerequisite:: {DECOMPOSED} The cafe

See :ms:`{DECOMPOSED}`.

.. milestone:: {DECOMPOSED}: Decomposed twin
""")
    app, warnings = build(make_app, src)
    plan = app.env.get_domain("ldm503").plan
    assert [e.target.id for e in plan.edges] == [COMPOSED, COMPOSED]
    assert plan.get(DECOMPOSED).declared
    assert "undefined-reference" not in warnings
    for line, what in ((7, "milestone LDM-2: :requires:"), (13, "prerequisite of LDM-3"),
                       (15, "ms"), (17, f"milestone {COMPOSED}")):
        assert re.search(rf"index\.rst:{line}: WARNING: {re.escape(what)}: milestone ID "
                         r".* is written in decomposed Unicode .*\[ldm503\.invalid\]",
                         warnings), (line, warnings)
    # The twin is the duplicate it looks like, not a second milestone.
    assert re.search(r"index\.rst:17: WARNING: .*\[ldm503\.duplicate-id\]", warnings), warnings
    html = page(app)
    assert html.count('id="ms-caf--1"') == 1
    assert 'href="#ms-caf--1"' in html


def test_nfc_catalog_row_is_warned(tmp_path) -> None:
    from sphinxext_ldm503.core.catalog import load_catalog

    path = tmp_path / "ms.csv"
    path.write_text(f"id,title,due\n{DECOMPOSED},Cafe,2020-01-01\n", encoding="utf-8")
    rows, problems = load_catalog(path)
    assert [r.id for r in rows] == [COMPOSED]
    assert [(p.row, "decomposed" in p.message) for p in problems] == [(2, True)]


# -- 14. milestones inside ``.. only::`` -------------------------------------------------------

ONLY_DOC = """\
Plan
====

.. only:: latex

   .. milestone:: LDM-9: Only on paper
      :due: 2020-01-01

.. only:: html

   .. container::

      .. only:: not text

         .. milestone:: LDM-8: Web but not text
            :due: 2020-01-01

.. milestone:: LDM-1: Everywhere
   :requires: LDM-9, LDM-8

See :ms:`LDM-9`.
"""


def test_milestone_inside_only_is_warned_where_dropped(make_app, tmp_path) -> None:
    src = write_project(tmp_path, ONLY_DOC)
    app, warnings = build(make_app, src)
    assert re.search(r"index\.rst:6: WARNING: milestone LDM-9 is declared inside '\.\. only::' "
                     r"\('latex'\), which the html builder leaves out: .*\[ldm503\.invalid\]",
                     warnings), warnings
    assert "LDM-8 is declared inside" not in warnings  # html and not text: kept
    assert 'id="ms-ldm-8"' in page(app) and 'id="ms-ldm-9"' not in page(app)
    app, warnings = build(make_app, src, "text")
    assert re.search(r"index\.rst:15: WARNING: milestone LDM-8 is declared inside "
                     r"'\.\. only::' \('html' and 'not text'\), which the text builder",
                     warnings), warnings
    assert re.search(r"index\.rst:6: WARNING: milestone LDM-9 .* the text builder", warnings)
    app, warnings = build(make_app, src, "latex")
    assert "LDM-9 is declared inside" not in warnings
    assert "LDM-8 is declared inside '.. only::' ('html' and 'not text'), which the latex" \
        in warnings


def test_milestone_inside_only_warned_in_incremental_builds(make_app, tmp_path) -> None:
    """Recorded with the document, so a build that reads nothing still warns."""
    src = write_project(tmp_path, ONLY_DOC)
    make_app("html", srcdir=src, freshenv=True).build()
    app = make_app("html", srcdir=src)
    app.build()
    # Once: when writing starts, or (Sphinx 8.1, nothing to write) when the build ends.
    assert app._warning.getvalue().count("LDM-9 is declared inside") == 1


def test_documents_without_only_are_not_walked(make_app, tmp_path, monkeypatch) -> None:
    from sphinxext_ldm503.framework import conditional

    walked: list[str] = []
    real = conditional.declared_inside_only
    monkeypatch.setattr(conditional, "declared_inside_only",
                        lambda doctree, docname, path: walked.append(docname)
                        or real(doctree, docname, path))
    src = write_project(tmp_path, ONLY_DOC + "\n.. toctree::\n\n   other\n",
                        other="Other\n=====\n\n.. milestone:: LDM-2: Plain\n")
    build(make_app, src)
    assert walked == ["index"]


# -- 5, the class: one escaping helper for every HTML sink -------------------------------------

PACKAGE = Path(__file__).parent.parent / "sphinxext_ldm503"


def _modules() -> list[tuple[Path, object]]:
    import ast

    return [(path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for path in sorted(PACKAGE.rglob("*.py"))]


def test_html_is_escaped_by_one_helper() -> None:
    """``html.escape`` is called in render/htmltext.py's ``html_text`` only: every other
    module (our visitors, the inlined SVG, the timeline) goes through that helper."""
    import ast

    offenders = []
    for path, tree in _modules():
        for node in ast.walk(tree):  # type: ignore[arg-type]
            if isinstance(node, ast.ImportFrom) and node.module == "html" and any(
                    alias.name == "escape" for alias in node.names):
                offenders.append(f"{path.name}:{node.lineno}")
            if (isinstance(node, ast.Attribute) and node.attr == "escape"
                    and isinstance(node.value, ast.Name) and node.value.id == "html"
                    and path.name != "htmltext.py"):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_every_alt_text_goes_through_graphviz_alt() -> None:
    """sphinx.ext.graphviz writes a node's ``alt`` raw: each one the extension sets on a
    node comes from ``diagrams.graphviz_alt`` (escaped for HTML builders)."""
    import ast

    assignments = []
    for path, tree in _modules():
        for node in ast.walk(tree):  # type: ignore[arg-type]
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
                        and target.slice.value == "alt"):
                    call = node.value
                    name = (call.func.id if isinstance(call, ast.Call)
                            and isinstance(call.func, ast.Name) else None)
                    assignments.append((f"{path.name}:{node.lineno}", name))
    assert len(assignments) >= 3  # the diagram, its legend, the impact diagram
    assert [where for where, name in assignments if name != "graphviz_alt"] == []


@pytest.mark.requires_extra("sphinx_needs")
def test_a_need_whose_id_carries_markup_is_no_milestone(make_app, tmp_path) -> None:
    """sphinx-needs accepts any ID its ``needs_id_regex`` allows: ours still refuses them."""
    src = write_project(
        tmp_path, "Index\n=====\n\n.. req:: Hostile\n   :id: R<script>1\n\n"
                  ".. req:: Fine\n   :id: R_OK_1\n",
        conf='extensions = ["sphinx_needs", "sphinxext_ldm503"]\nldm503_milestone_graphs = False\n'
             'needs_id_regex = ".*"\nldm503_needs_as_milestones = {"types": ["req"]}\n'
             'suppress_warnings = ["ldm503.no-internal-prerequisites"]\n')
    app, warnings = build(make_app, src)
    assert re.search(r"index\.rst:4: WARNING: need R<script>1: milestone ID 'R<script>1' "
                     r"contains < >: IDs cannot contain .*it is no milestone \[ldm503\.invalid\]",
                     warnings), warnings
    ids = {m.id for m in app.env.get_domain("ldm503").plan.declared}
    assert "R_OK_1" in ids and "R<script>1" not in ids
