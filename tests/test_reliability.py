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

from sphinxext_ldm503.parsing import check_id, invisible_characters

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
