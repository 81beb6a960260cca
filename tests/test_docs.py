"""The user guide (docs/, ``make docs``) builds cleanly and documents everything in the code."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from sphinx.application import Sphinx

from sphinxext_ldm503.checks import REGISTRY
from sphinxext_ldm503.config import CONFIG_VALUES
from sphinxext_ldm503.directives import MilestoneDirective
from sphinxext_ldm503.graph import GRAPH_OPTIONS

DOCS = Path(__file__).parent.parent / "docs"


def test_user_guide_builds_and_covers_the_code(tmp_path) -> None:
    from io import StringIO

    warnings = StringIO()
    app = Sphinx(str(DOCS), str(DOCS), str(tmp_path / "html"), str(tmp_path / "doctrees"),
                 "html", status=None, warning=warnings, freshenv=True)
    app.build()
    assert warnings.getvalue() == ""
    reference = BeautifulSoup((tmp_path / "html" / "reference.html").read_text("utf-8"),
                              "html.parser").get_text(" ")
    for value in CONFIG_VALUES:
        assert value.name in reference
    for option in GRAPH_OPTIONS:
        assert f":{option.name}:" in reference
    for option in MilestoneDirective.known_options:
        assert f":{option}:" in reference
    for check in REGISTRY:
        assert check.name in reference
    theming = (tmp_path / "html" / "theming.html").read_text("utf-8")
    assert "--ldm503-header-bg" in theming and "prefers-color-scheme" in theming
    tutorial = (tmp_path / "html" / "tutorial.html").read_text("utf-8")
    assert "ldm503-explorable" in tutorial  # the tutorial's plan is drawn by the extension
