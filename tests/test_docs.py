"""The user guide (docs/, ``make docs``) builds cleanly and documents everything in the code."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.application import Sphinx

from sphinxext_ldm503.checks import REGISTRY, run_checks
from sphinxext_ldm503.cli import make_parser
from sphinxext_ldm503.config import CONFIG_VALUES
from sphinxext_ldm503.directives import MilestoneDirective
from sphinxext_ldm503.graph import GRAPH_OPTIONS

DOCS = Path(__file__).parent.parent / "docs"


def _text(html: Path) -> str:
    """The page's text, every run of white space one space."""
    return " ".join(BeautifulSoup(html.read_text("utf-8"), "html.parser").get_text(" ").split())


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = make_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The guide built once for this module's tests (one Sphinx app per process is
    all docutils' global registries allow without warnings); its HTML directory."""
    from io import StringIO

    tmp_path = tmp_path_factory.mktemp("guide")
    warnings = StringIO()
    app = Sphinx(str(DOCS), str(DOCS), str(tmp_path / "html"), str(tmp_path / "doctrees"),
                 "html", status=None, warning=warnings, freshenv=True)
    app.build()
    assert warnings.getvalue() == ""
    return tmp_path / "html"


def test_user_guide_builds_and_covers_the_code(guide: Path) -> None:
    tmp_path = guide.parent
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


def test_generated_pages_follow_the_code(guide: Path) -> None:
    """checks.rst, cli.rst and json.rst: their generated parts match the code."""
    html = guide

    # Every check has a section with a real finding of its own, as `ldm503 check` prints it.
    checks = BeautifulSoup((html / "checks.html").read_text("utf-8"), "html.parser")
    for spec in REGISTRY:
        section = checks.find(id=f"check-{spec.name}")
        assert section is not None, spec.name
        example = section.find("pre")
        assert example is not None, spec.name
        assert f"{spec.severity}: {spec.name}: " in example.get_text() or (
            spec.name == "invalid" and "[ldm503.invalid]" in example.get_text())
    assert ":waive:" in checks.get_text() and "suppress_warnings" in checks.get_text()

    # Every subcommand and every option appears in the CLI page, with its --help.
    cli = _text(html / "cli.html")
    assert make_parser().format_usage().split()[1] in cli
    for name, sub in _subcommands().items():
        assert f"ldm503 {name} --help" in cli
        assert f"usage: ldm503 {name}" in cli
        for action in sub._actions:
            for option in action.option_strings:
                assert option in cli, (name, option)

    # Every key the exporter writes is documented in the JSON page.
    import sys

    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from ldm503_generated import sample_document
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    document = sample_document()
    # Documented in the prose (the terms of its lists), not only shown in the sample.
    soup = BeautifulSoup((html / "json.html").read_text("utf-8"), "html.parser")
    terms = {code.get_text() for dt in soup.find_all("dt") for code in dt.find_all("code")}
    page = _text(html / "json.html")
    keys = {
        *document, *document["milestones"][0], *document["milestones"][1]["requires"][0],
        *document["findings"][0], *document["checks"][0],
    }
    for key in keys:
        assert key in terms, key
    assert json.dumps(document["version"]) in page

    # The other new pages are in the guide.
    for name in ("pdf", "sphinx-needs"):
        assert (html / f"{name}.html").is_file()
    index = _text(html / "index.html")
    assert "3.11" in index and "sphinx-needs" in index


def test_check_examples_find_what_they_show() -> None:
    """Each example plan of checks.rst gives its own check's finding, and only the one
    situation it describes (so the guide's example is not someone else's)."""
    import sys

    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from ldm503_generated import EXAMPLES, INVALID_CONFIG, example_findings
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    assert set(EXAMPLES) == {spec.name for spec in REGISTRY} - {"invalid"}
    for name, (make, config, _) in EXAMPLES.items():
        assert example_findings(name), name
        found = {f.check for f in run_checks(make(), config)}
        # An external-only prerequisite is necessarily an external one too.
        assert found - {name} <= {"external-prerequisite"}, (name, found)
    assert "cylce" in INVALID_CONFIG.problems()[0]


def test_make_pdf_ends_naming_the_one_pdf() -> None:
    """Issue 27 #9: ``make pdf`` ended by listing 44 files (every diagram is a PDF too)."""
    import re
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is missing")
    root = DOCS.parent
    # The name conf.py gives the document, which latexmk turns into the PDF.
    (tex,) = re.findall(r'"([\w.-]+)\.tex"', (root / "conf.py").read_text(encoding="utf-8"))
    result = subprocess.run(["make", "-n", "pdf"], cwd=root, capture_output=True, text=True,
                            check=True, timeout=60)
    lines = result.stdout.strip().splitlines()
    assert not [line for line in lines if "*.pdf" in line or line.startswith("ls ")]
    assert lines[-1].endswith(f'echo "The PDF is _build/latex/{tex}.pdf"')
    assert re.findall(r"\S+\.pdf", lines[-1]) == [f"_build/latex/{tex}.pdf"] * 2
