"""The example plan: the whole seed, linked both ways, and the reviewer's problems found.

One build of ``example-docs/`` (with the root conf.py) is shared by the tests of this
module; it is the same build ``make html`` publishes.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from sphinxext_ldm503.core.importer import model_from_review, parse_review

REPO = Path(__file__).parent.parent
SEED = Path(__file__).parent / "data" / "seed-review.txt"


@pytest.fixture(scope="module")
def example(tmp_path_factory, make_app_module):
    src = tmp_path_factory.mktemp("example") / "src"
    shutil.copytree(REPO / "example-docs", src)
    shutil.copy(REPO / "conf.py", src / "conf.py")
    app = make_app_module("html", srcdir=src, freshenv=True)
    app.build()
    return app


@pytest.fixture(scope="module")
def make_app_module(request):
    """``make_app`` for a module-scoped build (the example takes seconds to build)."""
    from io import StringIO

    from sphinx.testing.util import SphinxTestApp

    apps = []

    def make(*args, **kwargs):
        kwargs.setdefault("status", StringIO())
        kwargs.setdefault("warning", StringIO())
        app = SphinxTestApp(*args, **kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.cleanup()


@pytest.fixture(scope="module")
def report(example) -> dict:
    return json.loads((Path(example.outdir) / "ldm503.json").read_text(encoding="utf-8"))


def findings(report: dict, check: str) -> list[dict]:
    return [f for f in report["findings"] if f["check"] == check]


def test_every_seed_milestone_edge_and_query(report) -> None:
    seed = model_from_review(parse_review(SEED.read_text(encoding="utf-8"), "seed"))
    declared = {m["id"]: m for m in report["milestones"] if m["declared"]}
    assert len(seed) == 26
    assert set(declared) == {m.id for m in seed}
    for ms in seed:
        got = [(r["id"], r["title"], r["query"]) for r in declared[ms.id]["requires"]]
        want = [(p.id, p.title, p.query) for p in ms.prerequisites]
        assert got == want, ms.id
    # 26 test milestones and the 116 milestones they refer to: 142 in all.
    assert len(report["milestones"]) == 142
    assert sum(len(m["requires"]) for m in declared.values()) == sum(
        len(m.prerequisites) for m in seed)


def test_links_both_ways(example) -> None:
    out = Path(example.outdir)
    page = BeautifulSoup((out / "camera-and-daq.html").read_text(encoding="utf-8"), "html.parser")
    dd = page.find("dt", id="ms-ldm-503-07").find_next_sibling("dd")
    hrefs = [a["href"] for a in dd.find("ul", class_="ldm503-prerequisites").find_all("a")]
    assert "early-integration.html#ms-ldm-503-01" in hrefs
    assert any(h.endswith("#ms-ldm-503-06") for h in hrefs)
    required = page.find("dt", id="ms-ldm-503-06").find_next_sibling("dd").find(
        class_="ldm503-required-by")
    assert {a.get_text() for a in required.find_all("a")} >= {
        "LDM-503-07: Camera Data Processing", "LDM-503-10: DAQ validation"}


def test_acceptance_findings(report) -> None:
    def pairs(check: str) -> set[tuple[str, str | None]]:
        return {(f["milestone"], f["related"][0] if f["related"] else None)
                for f in findings(report, check)}

    assert {("LDM-503-07", "LDM-503-06"), ("LDM-503-05", "DM-NCSA-8"),
            ("LDM-503-05", "DM-NCSA-9")} <= pairs("status-inversion")
    assert ("LDM-503-04b", "DM-NCSA-6") in pairs("schedule-inversion")
    assert ("LDM-503-09", "LDM-503-08b") in pairs("undefined-reference")
    assert "LDM-503-10b" in {m for m, _ in pairs("no-internal-prerequisites")}
    assert {("LDM-503-12a", "CAMM8090"), ("LDM-503-12a", "COMC-0030")} <= pairs(
        "external-prerequisite")
    assert ("LDM-503-14", "LDM-503-12") in pairs("redundant-prerequisite")
    at_risk = findings(report, "at-risk")
    assert any(f["related"][-1].startswith("DM-SUIT-") for f in at_risk)
    assert ("LDM-503-08", "LDM-503-04b") in pairs("title-mismatch")
    open_queries = findings(report, "open-query")
    on_edges = [f for f in open_queries if f["related"]]
    assert len(on_edges) == 29
    assert len(open_queries) - len(on_edges) == 3


def test_warnings_carry_file_and_line(example) -> None:
    text = example._warning.getvalue()
    assert "Traceback" not in text
    line = next(w for w in text.splitlines() if "[ldm503.undefined-reference]" in w)
    assert "ops-rehearsals.rst:" in line and "LDM-503-08b" in line
    counts = Counter(re.findall(r"\[ldm503\.([a-z-]+)\]", text))
    assert counts["status-inversion"] >= 3
    assert "open-query" not in counts  # info: in the report, not a warning


def test_report_table_and_diagram_pages(example) -> None:
    out = Path(example.outdir)
    report = BeautifulSoup((out / "report.html").read_text(encoding="utf-8"), "html.parser")
    table = report.find("table", class_="ldm503-report")
    assert table is not None
    assert "status-inversion" in table.get_text()
    schedule = BeautifulSoup((out / "schedule.html").read_text(encoding="utf-8"), "html.parser")
    rows = schedule.find("table", class_="ldm503-table").find("tbody").find_all("tr")
    assert len(rows) == 27  # 26 test milestones and LDM-503-08b, known by reference
    graphs = (out / "dependency-graph.html").read_text(encoding="utf-8")
    assert graphs.count('class="graphviz') >= 3


def _milestone_blocks(outdir: Path) -> dict[str, list[str]]:
    return {page.name: re.findall(r'<dl class="ldm503 milestone">.*?</dd></dl>',
                                  page.read_text(encoding="utf-8"), re.S)
            for page in sorted(outdir.glob("*.html"))}


def test_parallel_and_repeated_builds_are_identical(example, make_app_module,
                                                    tmp_path_factory) -> None:
    """-j 2 and a second clean build give the same JSON, diagrams and milestone HTML."""
    serial_out = Path(example.outdir)
    for parallel in (2, 0):
        src = tmp_path_factory.mktemp(f"example-j{parallel}") / "src"
        shutil.copytree(REPO / "example-docs", src)
        shutil.copy(REPO / "conf.py", src / "conf.py")
        app = make_app_module("html", srcdir=src, freshenv=True, parallel=parallel)
        app.build()
        out = Path(app.outdir)
        assert (out / "ldm503.json").read_bytes() == (serial_out / "ldm503.json").read_bytes()
        # Diagram files are named by a hash of their DOT source and options.
        assert sorted(p.name for p in (out / "_images").glob("*.svg")) == sorted(
            p.name for p in (serial_out / "_images").glob("*.svg"))
        assert _milestone_blocks(out) == _milestone_blocks(serial_out)


def test_schedule_insight_pages(example, report) -> None:
    """Issue 14's acceptance: critical path of LDM-503-17, changes since the March 2018
    baseline, the drift table (and, in the milestone blocks, each critical path)."""
    out = Path(example.outdir)
    critical = BeautifulSoup((out / "critical-path.html").read_text(encoding="utf-8"),
                             "html.parser")
    assert critical.select("div.ldm503-graph img, div.ldm503-graph object")
    slack_headers = [th.get_text(strip=True) for th in critical.select("table.ldm503-table th")]
    assert slack_headers[-1] == "Slack"
    assert "would move" in critical.select_one("div.ldm503-impact").get_text()
    ops = BeautifulSoup((out / "ops-rehearsals.html").read_text(encoding="utf-8"), "html.parser")
    paths = [p.get_text() for p in ops.select("p.ldm503-critical-path")]
    assert "Critical path: DM-AP-16 -> LDM-503-15a -> LDM-503-17a -> LDM-503-17 " \
           "(ends 2022-09-30)" in paths
    changes = BeautifulSoup((out / "changes.html").read_text(encoding="utf-8"), "html.parser")
    # The rows, folded under the summary; each ID in a cell is a link or code of its own.
    rows = {tr.select("td")[0].get_text(strip=True): " ".join(tr.select("td")[2].get_text().split())
            for tr in changes.select_one("details table.ldm503-changes-table").select("tbody tr")}
    assert "slipped 346 days: 2018-11-30 -> 2019-11-11 (due 2018-11-30 -> 2019-08-30, " \
           "forecast 2019-11-11)" in rows["LDM-503-06"]
    assert "gained DM-DRP-4; lost CAMM6995, DM-DRP-5" in rows["LDM-503-07"]
    drift = {f["milestone"]: f["related"] for f in findings(report, "schedule-drift")}
    assert drift["LDM-503-10b"] == ["EIA-200", "CAMM8300", "DMTC-5500-0200", "DMTC-6300-0700",
                                    "LDM-503-10a"]
    # The message as the reader sees it (its IDs are boxes of their own in the HTML).
    page = BeautifulSoup((out / "drift.html").read_text(encoding="utf-8"), "html.parser")
    assert "only the plan requires EIA-200" in page.get_text()
