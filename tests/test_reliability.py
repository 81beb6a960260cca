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

from sphinxext_ldm503.parsing import check_id, invisible_characters

from test_checks_sphinx import build, only, project

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
