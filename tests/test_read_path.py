"""One-line prerequisites run without docutils' nested parser; the result is the same.

``MilestoneDirective.parse_body`` runs ``.. prerequisite:: ID Title`` lines itself
when that is all the directives a milestone's content has. Each case here is built
as written and with a trailing comment, which sends the milestone down docutils'
own path: pages, warnings and the JSON must not tell the two apart.
"""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

CASES = {
    "plain": """\
   Prose first, with :ms:`LDM-503-01`.

   .. prerequisite:: LDM-503-01 First one

   .. prerequisite:: DM-X-1 Something of DM's

   More prose after them.
""",
    "no title, no argument, namespaced": """\
   .. prerequisite:: LDM-503-01

   .. ldm503:prerequisite:: DM-X-2 Namespaced

   .. prerequisite::
""",
    "repeated and external": """\
   .. prerequisite:: LDM-503-01 Twice

   .. prerequisite:: LDM-503-01 Twice

   .. prerequisite:: CAMM8040 Camera
""",
    "paragraph running into it": """\
   A paragraph line
   .. prerequisite:: LDM-503-01 is paragraph text here
""",
    "no blank line after": """\
   .. prerequisite:: LDM-503-01 First
   Unexpected unindent.
""",
    "with a discussion": """\
   .. prerequisite:: LDM-503-01 First

      Because it says so.

   .. prerequisite:: DM-X-3 Second
""",
    "inside a list": """\
   - an item

     .. prerequisite:: DM-X-4 Nested in a list

   .. prerequisite:: LDM-503-01 First
""",
}


def build(tmp: Path, body: str) -> tuple[str, str, dict]:
    src = tmp / "src"
    src.mkdir(parents=True)
    (src / "conf.py").write_text('extensions = ["sphinxext_ldm503"]\n'
                                 "ldm503_milestone_graphs = False\n", encoding="utf-8")
    (src / "index.rst").write_text(
        "Plan\n====\n\n.. milestone:: LDM-503-01: First one\n   :due: 2019-01-01\n\n"
        ".. milestone:: LDM-503-02: Second one\n   :due: 2019-02-01\n\n" + body,
        encoding="utf-8")
    warning = StringIO()
    app = SphinxTestApp("html", srcdir=src, builddir=tmp / "out", status=StringIO(),
                        warning=warning)
    try:
        app.build()
    finally:
        app.cleanup()
    html = (Path(app.outdir) / "index.html").read_text(encoding="utf-8")
    blocks = "".join(re.findall(r'<dl class="ldm503 milestone">.*?</dd></dl>', html, re.S))
    doc = json.loads((Path(app.outdir) / "ldm503.json").read_text(encoding="utf-8"))
    warnings = re.sub(r"^.*/index\.rst", "index.rst", warning.getvalue(), flags=re.M)
    return blocks, warnings, doc


@pytest.mark.parametrize("case", sorted(CASES))
def test_both_read_paths_give_the_same_milestone(tmp_path: Path, case: str) -> None:
    fast = build(tmp_path / "fast", CASES[case])
    slow = build(tmp_path / "slow", CASES[case] + "\n   .. a comment: docutils' path\n")
    assert fast == slow
    assert "LDM-503-01" in fast[0]


@pytest.mark.parametrize(("case", "fast"), [
    ("plain", True), ("no title, no argument, namespaced", True),
    ("repeated and external", True), ("paragraph running into it", False),
    ("no blank line after", False), ("with a discussion", False), ("inside a list", False),
])
def test_which_milestones_take_the_short_path(tmp_path: Path, monkeypatch, case: str,
                                              fast: bool) -> None:
    from sphinxext_ldm503.framework.directives import MilestoneDirective

    taken: list[bool] = []
    original = MilestoneDirective._simple_prerequisites

    def spy(self):
        found = original(self)
        if self.arguments and self.arguments[0].startswith("LDM-503-02"):
            taken.append(found is not None)
        return found

    monkeypatch.setattr(MilestoneDirective, "_simple_prerequisites", spy)
    build(tmp_path, CASES[case])
    assert taken == [fast]
