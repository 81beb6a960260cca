"""Issue 10 (Reliability II): faults an adversarial pass found, each as a class of input.

Every test builds a small project and asserts a located, typed warning (or its
absence) and what the output shows; the unit-level parts live next to their modules'
tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_checks_sphinx import build, only, project

from sphinxext_ldm503.core.parsing import check_id, invisible_characters

# -- invisible characters in IDs -------------------------------------------------

INVISIBLE = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\x07"]


@pytest.mark.parametrize("char", INVISIBLE)
def test_check_id_rejects_invisible_characters(char: str) -> None:
    with pytest.raises(ValueError, match=r"invisible character \(U\+"):
        check_id(f"LDM-503-0{char}2")
    assert invisible_characters("LDM-503-02 with spaces\t") == []


ID = "LDM-503-0\u200b2"

#: Each way an ID enters the plan, with the line the warning must point at.
ID_INPUTS = {
    "argument": (f".. milestone:: {ID} Second\n", 6),
    "requires": (f".. milestone:: LDM-503-03 Third\n   :requires: LDM-503-01, {ID}\n", 6),
    "prerequisite": (f".. milestone:: LDM-503-03 Third\n\n   .. prerequisite:: {ID} Second\n", 8),
    "ms": (f"See :ms:`{ID}`.\n", 6),
}


@pytest.mark.parametrize("where", sorted(ID_INPUTS))
def test_invisible_characters_in_every_id_input_are_located_warnings(
    make_app, tmp_path, where
) -> None:
    text, line = ID_INPUTS[where]
    docs = {"a": "A\n=\n\n.. milestone:: LDM-503-01 First\n\n" + text}
    app, report = build(make_app, project(tmp_path, docs))
    warnings = app._warning.getvalue()
    assert re.search(rf"a\.rst:{line}: WARNING: .*invisible character \(U\+200B ZERO WIDTH "
                     r"SPACE\).*\[ldm503\.invalid\]", warnings), warnings
    # No edge or milestone with the poisoned ID slips into the plan.
    ids = [m["id"] for m in report["milestones"]]
    ids += [r["id"] for m in report["milestones"] for r in m["requires"]]
    assert ID not in ids


def test_invisible_characters_in_the_catalog(make_app, tmp_path) -> None:
    docs = {"a": "A\n=\n\n.. milestone:: LDM-503-01 First\n"}
    src = project(tmp_path, docs, 'ldm503_catalog = "cat.csv"\n')
    (src / "cat.csv").write_text(f"id,title\nLDM-503-01,First\n{ID},Second\n", encoding="utf-8")
    app, report = build(make_app, src)
    assert re.search(r"cat\.csv:3: WARNING: .*invisible character.*\[ldm503\.invalid\]",
                     app._warning.getvalue())
    assert ID not in [m["id"] for m in report["milestones"]]


# -- flags and :no-index: copies ---------------------------------------------------

DECLARED = """\
A
=

.. milestone:: LDM-503-01 First
   :due: 2019-01-01
   :requires: LDM-503-02

.. milestone:: LDM-503-02 Second
   :due: 2018-01-01
"""


@pytest.mark.parametrize("flag", ["no-index", "no-graph"])
@pytest.mark.parametrize("value", ["no", "false", "0", "No"])
def test_flags_written_no_are_not_set(make_app, tmp_path, flag, value) -> None:
    option = f"   :due: 2019-01-01\n   :{flag}: {value}\n"
    docs = {"a": DECLARED.replace("   :due: 2019-01-01\n", option)}
    app, report = build(make_app, project(tmp_path, docs, "ldm503_milestone_graphs = True\n"))
    first = next(m for m in report["milestones"] if m["id"] == "LDM-503-01")
    assert first["declared"] and first["docname"] == "a"
    page = BeautifulSoup((Path(app.outdir) / "a.html").read_text(encoding="utf-8"), "html.parser")
    block = page.find("dt", id="ms-ldm-503-01").find_next_sibling("dd")
    assert block.find(class_="ldm503-graph") is not None  # "no" draws the diagram
    assert "[ldm503.invalid]" not in app._warning.getvalue()


def test_no_index_copy_shows_the_declaration_and_warns_about_its_own_data(
    make_app, tmp_path
) -> None:
    copy = """\
B
=

.. milestone:: LDM-503-01 Copy
   :no-index:
   :due: 2030-01-01
   :requires: LDM-503-07

   .. prerequisite:: LDM-503-08 Also ignored
"""
    app, report = build(make_app, project(tmp_path, {"a": DECLARED, "b": copy}))
    warnings = app._warning.getvalue()
    assert re.search(r"b\.rst:4: WARNING: milestone LDM-503-01: :due:, :requires: ignored on "
                     r"a :no-index: copy.*\[ldm503\.invalid\]", warnings), warnings
    assert re.search(r"b\.rst:4: WARNING: .*prerequisites and queries of a :no-index: copy "
                     r"are ignored.*\[ldm503\.invalid\]", warnings), warnings
    first = next(m for m in report["milestones"] if m["id"] == "LDM-503-01")
    assert [r["id"] for r in first["requires"]] == ["LDM-503-02"]
    page = BeautifulSoup((Path(app.outdir) / "b.html").read_text(encoding="utf-8"), "html.parser")
    text = page.find("dl", class_="milestone").get_text(" ", strip=True)
    assert "LDM-503-02" in text and "2019-01-01" in text  # the declaration's data
    assert "LDM-503-07" not in text and "LDM-503-08" not in text and "2030" not in text


@pytest.mark.parametrize("ms_id", ["LDM-503-09", "DM-AP-2", "NOWHERE-1"])
def test_no_index_copy_of_an_undeclared_id_is_reported(make_app, tmp_path, ms_id) -> None:
    copy = f"B\n=\n\n.. milestone:: {ms_id} Copy\n   :no-index:\n"
    docs = {"a": DECLARED + "   :requires: DM-AP-2\n", "b": copy}
    app, report = build(make_app, project(tmp_path, docs))
    found = [f for f in only(report, "undefined-reference") if f["docname"] == "b"]
    assert [(f["related"], f["line"]) for f in found] == [([ms_id], 4)]
    assert "declared nowhere" in found[0]["message"]
    assert re.search(r"b\.rst:4: WARNING: .*declared nowhere.*\[ldm503\.undefined-reference\]",
                     app._warning.getvalue())


# -- the same prerequisite listed several times ---------------------------------------


def test_repeated_prerequisite_is_reported_and_required_by_lists_it_once(
    make_app, tmp_path
) -> None:
    docs = {"a": """\
A
=

.. milestone:: LDM-503-01 First
   :requires: LDM-503-02, ldm-503-02

   .. prerequisite:: LDM-503-02 Second

.. milestone:: LDM-503-02 Second

.. milestone:: LDM-503-03 Third
   :requires: LDM-503-02
"""}
    app, _report = build(make_app, project(tmp_path, docs))
    warnings = app._warning.getvalue()
    assert re.search(r"a\.rst:4: WARNING: milestone LDM-503-01 lists LDM-503-02 as a "
                     r"prerequisite 3 times: .*\[ldm503\.invalid\]", warnings), warnings
    assert len(re.findall(r"lists .* as a prerequisite", warnings)) == 1
    page = BeautifulSoup((Path(app.outdir) / "a.html").read_text(encoding="utf-8"), "html.parser")
    required = page.find("dt", id="ms-ldm-503-02").find_next_sibling("dd").find(
        class_="ldm503-required-by")
    text = required.get_text()
    assert text.count("LDM-503-01") == 1 and text.count("LDM-503-03") == 1, text


# -- incremental builds equal clean ones -----------------------------------------------


def _build(src: Path, out: Path, fresh: bool, **kwargs) -> tuple[Path, str, int]:
    from io import StringIO

    from sphinx.testing.util import SphinxTestApp

    warning = StringIO()
    app = SphinxTestApp("html", srcdir=src, builddir=out, freshenv=fresh, status=StringIO(),
                        warning=warning, **kwargs)
    try:
        app.build()
    finally:
        app.cleanup()
    return Path(app.outdir), warning.getvalue(), app.statuscode


def whole_output(outdir: Path) -> dict[str, str]:
    """Every page's body, every diagram referenced (its file name hashes its DOT) and the JSON."""
    out = {"ldm503.json": (outdir / "ldm503.json").read_text(encoding="utf-8")}
    for page in sorted(outdir.glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        body = soup.find("div", class_="body") or soup.body
        out[page.name] = str(body)
    return out


def ours(warnings: str) -> list[str]:
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", w) for w in warnings.splitlines() if "[ldm503." in w]
    return sorted(re.sub(r"^.*/(?=[^/]+\.(rst|csv):)", "", w) for w in lines)


def assert_incremental_equals_clean(tmp_path: Path, before: dict[str, str],
                                    after: dict[str, str], conf: str = "") -> None:
    """Build ``before``, edit to ``after``, build incrementally under -W; compare with clean."""
    src = tmp_path / "src"
    src.mkdir()

    def write(files: dict[str, str]) -> None:
        # Only what changed: Sphinx re-reads a document whose file is newer.
        files = {"conf.py": 'extensions = ["sphinxext_ldm503"]\n' + conf, **files}
        for name, text in files.items():
            path = src / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")

    write(before)
    _build(src, tmp_path / "incr", False, warningiserror=False)
    write(after)
    incr, incr_warnings, incr_status = _build(src, tmp_path / "incr", False, warningiserror=True)
    clean, clean_warnings, clean_status = _build(src, tmp_path / "clean", True,
                                                 warningiserror=True)
    assert incr_status == clean_status
    assert ours(incr_warnings) == ours(clean_warnings)
    assert whole_output(incr) == whole_output(clean)


INDEX = "Plan\n====\n\n.. toctree::\n\n   a\n   b\n"
A = "A\n=\n\n.. milestone:: LDM-503-01 First\n   :due: 2019-01-01\n"
B = """\
B
=

.. milestone:: LDM-503-02 Second
   :due: 2019-06-01

   .. prerequisite:: LDM-503-01 First as B calls it
      :query: open

      Why B waits for the first.

.. milestone:: LDM-503-03 Third
   :requires: LDM-503-02
"""

EDITS = {
    "prerequisite discussion": B.replace("Why B waits", "Why B really waits"),
    "prerequisite title": B.replace("First as B calls it", "First renamed"),
    "neighbour becomes external": B.replace("   :due: 2019-06-01\n",
                                            "   :due: 2019-06-01\n   :external:\n"),
    "neighbour of a neighbour's edge": B.replace("   :requires: LDM-503-02\n",
                                                 "   :requires: LDM-503-02, LDM-503-01\n"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_neighbourhood_diagram_follows_edits_in_other_documents(tmp_path, edit) -> None:
    before = {"index.rst": INDEX, "a.rst": A, "b.rst": B}
    assert_incremental_equals_clean(tmp_path, before, {**before, "b.rst": EDITS[edit]})


CATALOG = "id,title,due\nLDM-503-01,First in the schedule,2019-01-01\n"


@pytest.mark.parametrize("catalog", [
    CATALOG.replace("First in the schedule", "First, renamed in the schedule"),  # item 4
    CATALOG + "LDM-503-09,Bad row,not-a-date\n",  # item 5: fails -W like a clean build
    CATALOG + "\u200bLDM-503-09,Invisible,2019-01-01\n",
    "id,title\n",
])
def test_catalog_only_changes_reach_incremental_builds(tmp_path, catalog) -> None:
    before = {"index.rst": INDEX, "a.rst": A, "b.rst": B, "cat.csv": CATALOG}
    assert_incremental_equals_clean(tmp_path, before, {**before, "cat.csv": catalog},
                                    conf='ldm503_catalog = "cat.csv"\n')


# -- every diagram in png and svg ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_every_diagram_works_in_png_and_svg(make_app, rootdir, tmp_path, fmt) -> None:
    import shutil

    src = tmp_path / "graphs"
    shutil.copytree(rootdir / "test-graphs", src)
    app = make_app("html", srcdir=src, confoverrides={"graphviz_output_format": fmt})
    app.build()
    assert "[ldm503.graph]" not in app._warning.getvalue()
    images = 0
    for page in sorted(Path(app.outdir).glob("*.html")):
        html = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        for container in soup.find_all("div", class_="ldm503-graph"):
            if fmt == "svg":
                # Diagrams are inlined as <svg> (web.py), legends stay <object>s.
                found = container.find_all("object", type="image/svg+xml")
                inline = [svg for svg in container.find_all("svg")
                          if svg.find("g", class_="node")]
                found += inline
            else:
                found = container.find_all("img", src=re.compile(r"\.png$"))
                for img in found:  # clickable, except the legend, which links nowhere
                    assert img.get("usemap") or "ldm503-legend" in img["class"], img
            images += len(found)
            assert found, page.name
        # Image maps: each <area> whole on its line, with coordinates and a link, and
        # no quote left open to swallow the markup after the map.
        for area_map in re.findall(r"<map\b.*?</map>", html, re.S):
            for line in area_map.splitlines()[1:-1]:
                assert re.fullmatch(r'\s*<area [^<>]*\bcoords="[\d,. ]+"[^<>]*/>\s*', line), line
                assert " href=" in line
            assert area_map.count("<area") == len(area_map.splitlines()) - 2
    assert images >= 4
    if fmt == "png":
        maps = re.findall(r"<map\b.*?</map>", (Path(app.outdir) / "plan.html").read_text(
            encoding="utf-8"), re.S)
        assert maps and any(" | " in m for m in maps)  # tooltip lines kept, on one line


# -- outputs that cannot be written ---------------------------------------------------


def test_json_target_being_a_directory_is_a_warning(make_app, tmp_path) -> None:
    src = project(tmp_path, {"a": "A\n=\n\n.. milestone:: LDM-503-01 First\n"})
    app = make_app("html", srcdir=src)
    (Path(app.outdir) / "ldm503.json").mkdir(parents=True)
    app.build()
    warnings = app._warning.getvalue()
    assert re.search(r"WARNING: cannot write .*ldm503\.json: it is a directory.*"
                     r"\[ldm503\.output\]", warnings), warnings
    assert list((Path(app.outdir) / "ldm503.json").iterdir()) == []


# -- locations inside included files ---------------------------------------------------


def test_findings_inside_an_included_file_point_at_it(make_app, tmp_path) -> None:
    docs = {"a": """\
A
=

Some text.

.. include:: part.inc

.. milestone:: LDM-503-05 After the include
   :requires: LDM-503-02
"""}
    src = project(tmp_path, docs)
    (src / "part.inc").write_text("""\
.. milestone:: LDM-503-01 First
   :due: 2019-01-01
   :status: bogus

   .. prerequisite:: LDM-503-09 Undeclared

.. milestone:: LDM-503-02 Second
   :requires: LDM-503-01

See :ms:`LDM-503-77`.
""", encoding="utf-8")
    app, report = build(make_app, src)
    warnings = re.sub(r"\x1b\[[0-9;]*m", "", app._warning.getvalue())
    part, a = re.escape(str(src / "part.inc")), re.escape(str(src / "a.rst"))
    for line, fragment, subtype in [
        (1, "unknown status 'bogus'", "invalid"),
        (5, "requires LDM-503-09, which looks like a milestone", "undefined-reference"),
        (10, "Reference to LDM-503-77", "undefined-reference"),
    ]:
        assert re.search(rf"{part}:{line}: WARNING: .*{re.escape(fragment)}.*\[ldm503\.{subtype}\]",
                         warnings), (line, warnings)
    # The milestones still belong to (and link into) the document that includes them.
    by_id = {m["id"]: m for m in report["milestones"]}
    assert by_id["LDM-503-01"]["docname"] == "a" and by_id["LDM-503-01"]["line"] == 1
    assert by_id["LDM-503-05"]["docname"] == "a" and by_id["LDM-503-05"]["line"] == 8
    page = BeautifulSoup((Path(app.outdir) / "a.html").read_text(encoding="utf-8"), "html.parser")
    assert page.find("dt", id="ms-ldm-503-01") is not None
    # Outside the include, locations are the document's own.
    assert not re.search(rf"{a}:\d+: WARNING: .*LDM-503-09", warnings)


# -- repeated options ------------------------------------------------------------------


def test_mark_repeated_options_keeps_lines_and_touches_only_our_directives() -> None:
    from sphinxext_ldm503.framework.directives import mark_repeated_options

    text = """\
.. milestone:: A
   :requires: B
   :due: 2019-01-01
   :requires: C,
      D
   :Requires: E

   Body :requires: F

.. note::
   :class: x
   :class: y
""".splitlines()
    out = mark_repeated_options(text)
    assert len(out) == len(text)
    assert out[3] == "   :requires~2: C," and out[5] == "   :requires~3: E"
    assert out[7] == text[7] and out[10:] == text[10:]


def test_repeated_options_are_warnings_and_keep_the_milestone(make_app, tmp_path) -> None:
    docs = {"a": """\
A
=

.. milestone:: LDM-503-01 First
   :requires: LDM-503-02
   :due: 2019-01-01
   :requires: LDM-503-03
   :due: 2030-01-01

   .. prerequisite:: LDM-503-04 Fourth
      :query: open
      :query: resolved

.. milestone:: LDM-503-02 Second
"""}
    app, report = build(make_app, project(tmp_path, docs))
    warnings = app._warning.getvalue()
    assert "duplicate option" not in warnings and "[docutils]" not in warnings, warnings
    assert re.search(r"a\.rst:4: WARNING: milestone: option :requires: is given more than once;"
                     r" its IDs are added.*\[ldm503\.invalid\]", warnings), warnings
    assert re.search(r"a\.rst:4: WARNING: milestone: option :due: is given more than once; "
                     r"the first one is used.*\[ldm503\.invalid\]", warnings), warnings
    assert re.search(r"a\.rst:10: WARNING: prerequisite: option :query: .*\[ldm503\.invalid\]",
                     warnings), warnings
    first = next(m for m in report["milestones"] if m["id"] == "LDM-503-01")
    assert first["due"] == "2019-01-01"
    assert [(r["id"], r["query"]) for r in first["requires"]] == [
        ("LDM-503-02", None), ("LDM-503-03", None), ("LDM-503-04", "open")]


# -- a dot that answers the probe but hangs on real diagrams -----------------------------


def test_dot_hanging_on_a_diagram_times_out_per_render(make_app, rootdir, tmp_path) -> None:
    import shutil
    import time

    src = tmp_path / "graphs"
    shutil.copytree(rootdir / "test-graphs", src)
    fake = tmp_path / "dot"
    # Draws the probe's tiny graph, hangs on anything bigger (exec: no child keeps pipes open).
    fake.write_text(f"""#!/bin/sh
input=$(cat)
case "$input" in
  *"digraph probe"*) printf '%s' "$input" | exec {shutil.which("dot")} "$@" ;;
  *) exec sleep 60 ;;
esac
""")
    fake.chmod(0o755)
    app = make_app("html", srcdir=src, confoverrides={
        "graphviz_dot": str(fake), "ldm503_dot_render_timeout": 0.5,
        "graphviz_output_format": "svg"})
    start = time.monotonic()
    app.build()
    assert time.monotonic() - start < 45
    warnings = app._warning.getvalue()
    assert re.search(r"index\.rst:\d+: WARNING: Graphviz's dot did not draw this diagram within "
                     r"0\.5 s .*\[ldm503\.graph\]", warnings), warnings
    page = BeautifulSoup((Path(app.outdir) / "index.html").read_text(encoding="utf-8"),
                         "html.parser")
    outline = page.find("ul", class_="ldm503-graph-outline")
    assert outline is not None and "requires" in outline.get_text()
    assert outline.find("a", href="plan.html#ms-ldm-503-01") is not None
