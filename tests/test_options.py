"""Every option of every directive, and every config value, as a hostile user writes them.

One grammar for list options (commas, spaces or both), unknown names warned with
the known ones, ``:class:`` honoured and sanitised like Sphinx's own directives,
fixed choices for ``:align:``, and no option value ever reaching the HTML as
markup. Config values of the wrong type are located warnings, never a traceback.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from defusedxml import ElementTree
from sphinx.testing.util import SphinxTestApp

DOT = shutil.which("dot")

#: Payloads that break out of an attribute or inject an element if passed raw.
PAYLOADS = (
    'x"><script>alert(1)</script>',
    "x'><img src=x onerror=alert(2)>",
    "</div><iframe src=javascript:alert(3)>",
    "center\"><script>alert(4)</script>",
)

#: (directive, option) pairs of every directive: the argument or content the
#: directive needs, then each of its options.
DIRECTIVE_OPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "milestone": ("LDM-503-{n}: Title {n}", (
        "due", "forecast", "completed", "status", "level", "tags", "requires", "external",
        "waive", "no-graph", "class")),
    "milestone-graph": ("", (
        "root", "depth", "direction", "include", "exclude", "layout", "cluster", "rankdir",
        "transitive", "labels", "caption", "name", "class", "align", "alt", "legend")),
    "milestone-report": ("", ("checks", "severity", "class")),
    "milestone-table": ("", ("include", "exclude", "columns", "sort", "class")),
}


def build(src: Path, files: dict[str, str], conf: str = "", **kwargs) -> tuple[Path, str, str]:
    src.mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text(
        'extensions = ["sphinxext_ldm503"]\nexclude_patterns = ["_build"]\n'
        'graphviz_output_format = "svg"\nldm503_milestone_graphs = False\n' + conf,
        encoding="utf-8")
    for name, text in files.items():
        (src / name).write_text(text, encoding="utf-8")
    status, warning = StringIO(), StringIO()
    app = SphinxTestApp("html", srcdir=src, status=status, warning=warning, **kwargs)
    try:
        app.build()
    finally:
        app.cleanup()
    return Path(app.outdir), status.getvalue(), warning.getvalue()


def _injection_project() -> str:
    lines = ["Hostile options", "===============", "",
             ".. milestone:: LDM-503-00: Anchor", "", "   Body.", ""]
    n = 0
    for directive, (argument, options) in DIRECTIVE_OPTIONS.items():
        for option in options:
            for payload in PAYLOADS:
                n += 1
                lines.append(f".. {directive}:: {argument.format(n=n)}".rstrip())
                lines.append(f"   :{option}: {payload}")
                if directive == "milestone-graph" and option != "root":
                    lines.append("   :root: LDM-503-00")
                lines.append("")
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(DOT is None, reason="Graphviz dot is not installed")
def test_no_option_value_reaches_the_html_as_markup(tmp_path):
    out, _status, warnings = build(tmp_path / "src", {"index.rst": _injection_project()})
    html = (out / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all(["iframe", "img"], src=re.compile("javascript|^x$"))
    scripts = [s for s in soup.find_all("script") if "alert(" in (s.string or "")]
    assert scripts == []
    for tag in soup.find_all(True):
        for name in tag.attrs:
            assert not name.startswith("onerror"), tag
    assert "<script>alert" not in html
    # The bad values are reported, located, as invalid input.
    assert re.search(r"index\.rst:\d+: WARNING: milestone-graph: :align: must be one of "
                     r"left, center, right", warnings)
    svgs = list((out / "_images").glob("*.svg"))
    assert svgs
    for svg in svgs:
        for element in ElementTree.parse(svg).iter():
            assert not element.tag.endswith(("script", "iframe", "foreignObject")), svg
            assert not [a for a in element.attrib if a.lower().startswith("on")], svg


def test_graph_class_is_sanitised_and_align_is_a_fixed_choice(tmp_path):
    out, _status, warnings = build(tmp_path / "src", {"index.rst": """\
Plan
====

.. milestone:: LDM-503-01: One
   :requires: DM-A-1

.. milestone-graph::
   :class: Wide  narrow-one
   :align: Center

.. milestone-graph::
   :align: middle
"""})
    soup = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    images = soup.select(".ldm503-graph-image")
    assert images and {"wide", "narrow-one"} <= set(images[0]["class"])
    assert images[0].find_parent("div", class_="align-center")  # sphinx.ext.graphviz's wrapper
    assert "index.rst:11: WARNING: milestone-graph: :align: must be one of left, center, " \
           "right, not 'middle' [ldm503.invalid]" in warnings
    assert len(images) == 1  # the bad one is not drawn


def test_report_and_table_share_the_list_grammar(tmp_path):
    out, _status, warnings = build(tmp_path / "src", {"index.rst": """\
Plan
====

.. milestone:: LDM-503-01: One
   :requires: LDM-503-99, DM-A-1

.. milestone:: DM-A-1: A

.. milestone-report::
   :checks: undefined-refrence cycle
   :class: my-report

.. milestone-report::
   :checks: undefined-reference
   :severity: Warning

.. milestone-table::
   :include: LDM-503-* DM-*
   :columns: id title bogus
   :sort: due
   :class: my-table
"""})
    assert ("index.rst:9: WARNING: milestone-report: :checks: unknown undefined-refrence; "
            "known: duplicate-id, undefined-reference") in warnings
    assert "index.rst:17: WARNING: milestone-table: :columns: unknown bogus" in warnings
    soup = BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "html.parser")
    reports = soup.select("div.ldm503-report")
    assert "my-report" in reports[0]["class"]
    assert "LDM-503-99" in reports[1].get_text()  # the correctly spelled filter works
    table = soup.select_one("table.ldm503-table")
    assert "my-table" in table["class"]
    ids = [td.get_text(strip=True) for td in table.select("td.ldm503-col-id")]
    assert ids == ["DM-A-1", "LDM-503-01", "LDM-503-99"]  # space-separated globs work
    headers = [th.get_text(strip=True) for th in table.select("th")]
    assert headers == ["ID", "Title"]


def test_misspelled_waiver_is_warned_and_waives_nothing(tmp_path):
    out, _status, warnings = build(tmp_path / "src", {"index.rst": """\
Plan
====

.. milestone:: LDM-503-01: One
   :requires: LDM-503-01b

   .. prerequisite:: LDM-503-02 Two
      :waive: cylce -- agreed in review
"""})
    assert re.search(r"index\.rst:7: WARNING: prerequisite LDM-503-02 of LDM-503-01: :waive: "
                     r"unknown check 'cylce'; known checks: duplicate-id, .*open-query, "
                     r"invalid, schedule-drift \[ldm503\.invalid\]", warnings)
    doc = read_json_at(out)
    assert [r["waivers"] for r in doc["milestones"][0]["requires"] if r["id"] == "LDM-503-02"] \
        == [[]]


def read_json_at(out: Path) -> dict:
    return json.loads((out / "ldm503.json").read_text(encoding="utf-8"))


CONF_BAD = """\
ldm503_check_severity = "off"
ldm503_internal_patterns = None
ldm503_at_risk_patterns = [None, "^DM-SUIT-"]
ldm503_plan_id_pattern = None
ldm503_graph_max_nodes = "abc"
ldm503_dot_timeout = -1
ldm503_catalog = 42
ldm503_json = "yes"
"""


def test_config_values_of_the_wrong_type_are_located_warnings(tmp_path):
    src = tmp_path / "src"
    out, _status, warnings = build(src, {"index.rst": """\
Plan
====

.. milestone:: LDM-503-01: One
   :requires: DM-SUIT-1
"""}, conf=CONF_BAD)
    conf_lines = (src / "conf.py").read_text(encoding="utf-8").splitlines()
    for name in ("ldm503_check_severity", "ldm503_internal_patterns", "ldm503_at_risk_patterns",
                 "ldm503_plan_id_pattern", "ldm503_graph_max_nodes", "ldm503_dot_timeout",
                 "ldm503_catalog", "ldm503_json"):
        line = next(i for i, text in enumerate(conf_lines, 1) if text.startswith(name))
        assert re.search(rf"conf\.py:{line}: WARNING: {name}: .*\[ldm503\.invalid\]", warnings), \
            name
    assert "Traceback" not in warnings and "Exception" not in warnings
    doc = read_json_at(out)  # defaults were used: the JSON is written, checks ran
    assert any(f["check"] == "at-risk" for f in doc["findings"])


def test_bad_values_given_with_d_are_warnings_too(tmp_path):
    """-D values have no line in conf.py; the warning names the setting instead."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinxext_ldm503"]\n', encoding="utf-8")
    (src / "index.rst").write_text("Plan\n====\n\n.. milestone:: LDM-503-01: One\n",
                                   encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-D", "ldm503_today=someday",
         str(src), str(tmp_path / "out")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert re.search(r"WARNING: ldm503_today: .*\[ldm503\.invalid\]", run.stderr)
    assert "Traceback" not in run.stderr and "Exception" not in run.stderr


def test_rebuild_without_changes_summarises_and_keeps_the_config(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["sphinxext_ldm503"]\n', encoding="utf-8")
    (src / "index.rst").write_text(
        "Plan\n====\n\n.. milestone:: LDM-503-01: One\n   :requires: DM-X-1, X-1\n",
        encoding="utf-8")

    def sphinx_build() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sphinx", "-b", "html", str(src), str(tmp_path / "out")],
            capture_output=True, text=True, check=True)

    first = sphinx_build()
    assert "[ldm503.external-prerequisite]" in first.stderr
    second = sphinx_build()
    # The stylesheet is added without changing a config value.
    assert "The configuration has changed" not in second.stdout
    assert "[ldm503." not in second.stderr  # nothing re-read, nothing re-reported...
    # ...but the user still learns where the plan stands.
    assert re.search(r"^ldm503: 1 finding \(1 warning\); see .*ldm503\.json$", second.stdout,
                     re.M)
