"""IDs and dates kept whole when a line wraps (framework/words.py)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from bs4 import BeautifulSoup
from docutils import nodes
from hypothesis import given
from hypothesis import strategies as st

from sphinxext_ldm503.framework.words import (
    HYPHENATED,
    KEPT_WHOLE,
    WHOLE,
    split_words,
    whole_words,
)


def test_ids_and_dates_are_boxed_and_the_text_kept() -> None:
    text = "See LDM-503-11, T&SC-7900-2430 and DM-1.2-3; due 2019-11-11 - at-risk."
    pieces = split_words(text)
    assert [p for p, whole in pieces if whole] == [
        "LDM-503-11", "T&SC-7900-2430", "DM-1.2-3", "2019-11-11", "at-risk"]
    made = whole_words(text)
    assert "".join(n.astext() for n in made) == text
    assert all(n["classes"] == [WHOLE] for n in made if isinstance(n, nodes.inline))
    assert whole_words("CAMM8040 only") == [nodes.Text("CAMM8040 only")]
    long = "a-" * 20 + "b"  # longer than a narrow column: left to break
    assert split_words(long) == ((long, False),)


@given(st.text(alphabet="AB1-2 .:&_\n", max_size=60))
def test_split_words_loses_nothing(text: str) -> None:
    pieces = split_words(text)
    assert "".join(p for p, _ in pieces) == text
    assert all(p for p, _ in pieces)
    for piece, whole in pieces:
        if whole:
            assert HYPHENATED.fullmatch(piece) and len(piece) <= KEPT_WHOLE
    # Plain pieces never follow each other: each is all the text between two words.
    assert not any(not a[1] and not b[1] for a, b in pairwise(pieces))


DOC = """\
Plan
====

.. milestone:: LDM-503-01: First
   :due: 2020-01-01

.. milestone:: LDM-503-02: Second, after LDM-503-01
   :due: 2020-03-01

   .. prerequisite:: LDM-503-01 First

      The reviewer asks whether LSST-1200 is needed; ``DM-X-1`` is code.

   .. query::

      Is DM-NCSA-10 due 2019-11-11?

See :ms:`LDM-503-02`.
"""


def test_running_text_boxes_ids_and_dates(make_app, tmp_path: Path) -> None:
    (tmp_path / "conf.py").write_text('extensions = ["sphinxext_ldm503"]\n', encoding="utf-8")
    (tmp_path / "index.rst").write_text(DOC, encoding="utf-8")
    app = make_app("html", srcdir=tmp_path, freshenv=True)
    app.build()
    soup = BeautifulSoup((Path(app.outdir) / "index.html").read_text(encoding="utf-8"),
                         "html.parser")

    def boxed(selector: str) -> list[str]:
        return [s.get_text() for el in soup.select(selector)
                for s in el.select(f"span.{WHOLE}")]

    # A reviewer's prose: IDs and dates boxed, code left as code.
    assert boxed("div.ldm503-discussion") == ["LSST-1200"]
    assert soup.select_one("div.ldm503-discussion code").get_text() == "DM-X-1"
    assert boxed("div.ldm503-query") == ["DM-NCSA-10", "2019-11-11"]
    # A link that shows the milestone's title: its IDs boxed, the words free to wrap.
    link = soup.select_one("span.ldm503-ms")
    assert link.get_text() == "LDM-503-02: Second, after LDM-503-01"
    assert [s.get_text() for s in link.select(f"span.{WHOLE}")] == ["LDM-503-02", "LDM-503-01"]
    # "Required by" and the critical-path line (written straight to HTML, as the nodes
    # would be): IDs in code need no box, the date gets one.
    assert boxed("p.ldm503-required-by") == ["LDM-503-02", "LDM-503-01"]
    assert boxed("p.ldm503-critical-path") == ["2020-03-01"]
