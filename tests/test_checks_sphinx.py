"""The checks inside real builds: one small project per check with an injected fault.

Each case asserts the exact finding in ``ldm503.json`` (check, milestone, related,
line) and the located, typed Sphinx warning; then severities, waivers, the catalog,
the report and table directives, and the JSON schema.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from textwrap import dedent

import pytest
from bs4 import BeautifulSoup

CONF = 'extensions = ["sphinxext_ldm503"]\nldm503_milestone_graphs = False\n'


def project(tmp_path: Path, docs: dict[str, str], conf: str = "") -> Path:
    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "conf.py").write_text(CONF + conf, encoding="utf-8")
    names = [n for n in docs if n != "index"]
    index = docs.get("index", "Plan\n====\n")
    if names:
        index += "\n.. toctree::\n\n" + "".join(f"   {n}\n" for n in names)
    (src / "index.rst").write_text(index, encoding="utf-8")
    for name, text in docs.items():
        if name != "index":
            (src / f"{name}.rst").write_text(dedent(text), encoding="utf-8")
    return src


def build(make_app, src: Path, **kwargs):
    app = make_app("html", srcdir=src, **kwargs)
    app.build()
    report = json.loads((Path(app.outdir) / "ldm503.json").read_text(encoding="utf-8"))
    return app, report


def only(report: dict, check: str) -> list[dict]:
    return [f for f in report["findings"] if f["check"] == check]


CASES = {
    "duplicate-id": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-01 First
            """,
         "b": """\
            B
            =

            .. milestone:: LDM-503-01 Again
            """},
        ("LDM-503-01", [], "b", 4),
    ),
    "undefined-reference": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-09 Rehearsal

               .. prerequisite:: LDM-503-08b Small Scale CCOB Data Access
            """},
        ("LDM-503-09", ["LDM-503-08b"], "a", 6),
    ),
    "cycle": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-01 One
               :requires: LDM-503-02

            .. milestone:: LDM-503-02 Two
               :requires: LDM-503-01
            """},
        ("LDM-503-01", ["LDM-503-02", "LDM-503-01"], "a", 4),
    ),
    "schedule-inversion": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-04b Verification
               :completed: 2018-06-29

               .. prerequisite:: DM-NCSA-6 Transfer files

            .. milestone:: DM-NCSA-6 Transfer files
               :external:
               :completed: 2018-10-31
            """},
        ("LDM-503-04b", ["DM-NCSA-6"], "a", 7),
    ),
    "status-inversion": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-07 Camera Data Processing
               :completed: 2019-01-17

               .. prerequisite:: LDM-503-06 Readiness

            .. milestone:: LDM-503-06 Readiness
               :status: planned
               :due: 2019-11-11
            """},
        ("LDM-503-07", ["LDM-503-06"], "a", 7),
    ),
    "title-mismatch": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-04b AuxTel DAQ interface verification

            .. milestone:: LDM-503-08 Spectrograph Data Acquisition

               .. prerequisite:: LDM-503-04b LONG_TITLE
            """.replace("LONG_TITLE", "Test report: Aux Tel DAQ interface Integration "
                        "Verification and Spectrograph Operations Rehearsal")},
        ("LDM-503-08", ["LDM-503-04b"], "a", 8),
    ),
    "redundant-prerequisite": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-12 Three

            .. milestone:: LDM-503-13 DRP one
               :requires: LDM-503-12

            .. milestone:: LDM-503-14 Readiness

               .. prerequisite:: LDM-503-12 Ops rehearsal for commissioning #3

               .. prerequisite:: LDM-503-13 Ops rehearsal for data release processing #1
            """},
        ("LDM-503-14", ["LDM-503-12", "LDM-503-13"], "a", 11),
    ),
    "external-prerequisite": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-12a LSSTCam Ops Readiness

               .. prerequisite:: LDM-503-11a ComCam Ops Readiness

               .. prerequisite:: CAMM8090 COMP: Camera Pre-Ship Review at SLAC

            .. milestone:: LDM-503-11a ComCam Ops Readiness
            """},
        ("LDM-503-12a", ["CAMM8090"], "a", 8),
    ),
    "no-internal-prerequisites": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-10b Large Scale CCOB Data Access

               .. prerequisite:: CAMM8040 COMP: DAQ V4

               .. prerequisite:: EIA-200 Main Camera 24-Hour Cycle
            """},
        ("LDM-503-10b", ["CAMM8040", "EIA-200"], "a", 4),
    ),
    "at-risk": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-12 Rehearsal

               .. prerequisite:: LDM-503-11a ComCam Ops Readiness

            .. milestone:: LDM-503-11a ComCam Ops Readiness

               .. prerequisite:: DM-SUIT-10 SUIT deployment procedure
            """},
        ("LDM-503-12", ["LDM-503-11a", "DM-SUIT-10"], "a", 6),
    ),
    "open-query": (
        {"a": """\
            A
            =

            .. milestone:: LDM-503-11 Rehearsal

               .. prerequisite:: DM-NET-4 Base LAN installed
                  :query:

                  Would we block the rehearsal on this?
            """},
        ("LDM-503-11", ["DM-NET-4"], "a", 6),
    ),
}
CONF_FOR = {"at-risk": 'ldm503_at_risk_patterns = ["^DM-SUIT-"]\n'}


@pytest.mark.parametrize("check", sorted(CASES))
def test_each_check_in_a_build(make_app, tmp_path, check) -> None:
    docs, (milestone, related, docname, line) = CASES[check]
    src = project(tmp_path, docs, CONF_FOR.get(check, ""))
    app, report = build(make_app, src)
    found = only(report, check)
    got = [(f["milestone"], f["related"], f["docname"], f["line"]) for f in found]
    assert (milestone, related, docname, line) in got, got
    severity = next(f["severity"] for f in found if f["milestone"] == milestone)
    warnings = app._warning.getvalue()
    if severity == "info":
        assert f"[ldm503.{check}]" not in warnings
    else:
        assert re.search(rf"{re.escape(docname)}\.rst:{line}: (WARNING|ERROR): .*"
                         rf"\[ldm503\.{re.escape(check)}\]", warnings), warnings


def test_severity_overrides_and_off(make_app, tmp_path) -> None:
    docs, _ = CASES["external-prerequisite"]
    conf = ('ldm503_check_severity = {"external-prerequisite": "info", '
            '"title-mismatch": "off", "open-query": "warning"}\n')
    app, report = build(make_app, project(tmp_path, docs, conf))
    assert {f["severity"] for f in only(report, "external-prerequisite")} == {"info"}
    assert only(report, "title-mismatch") == []
    assert "[ldm503.external-prerequisite]" not in app._warning.getvalue()


def test_open_query_as_warning_and_suppressed(make_app, tmp_path) -> None:
    docs, _ = CASES["open-query"]
    conf = 'ldm503_check_severity = {"open-query": "warning"}\n'
    app, _report = build(make_app, project(tmp_path / "w", docs, conf))
    assert "Would we block the rehearsal on this?" in app._warning.getvalue()
    conf += 'suppress_warnings = ["ldm503.open-query"]\n'
    app, report = build(make_app, project(tmp_path / "s", docs, conf))
    assert "[ldm503.open-query]" not in app._warning.getvalue()
    assert only(report, "open-query")  # still in the report


def test_waivers_silence_one_finding_visibly(make_app, tmp_path) -> None:
    docs = {"a": """\
        A
        =

        .. milestone:: LDM-503-11b Pipelines Release Fall 2019
           :due: 2019-08-30

           .. prerequisite:: LDM-503-10b Large Scale CCOB Data Access
              :waive: schedule-inversion -- agreed in review

        .. milestone:: LDM-503-10b Large Scale CCOB Data Access
           :due: 2019-12-23
           :waive: no-internal-prerequisites -- owned by Camera

           .. prerequisite:: CAMM8040 COMP: DAQ V4
        """}
    app, report = build(make_app, project(tmp_path, docs))
    inversion = only(report, "schedule-inversion")
    assert [(f["milestone"], f["waived"], f["waiver_reason"]) for f in inversion] == [
        ("LDM-503-11b", True, "agreed in review")]
    lone = only(report, "no-internal-prerequisites")
    assert [(f["milestone"], f["waived"]) for f in lone] == [("LDM-503-10b", True)]
    warnings = app._warning.getvalue()
    assert "[ldm503.schedule-inversion]" not in warnings
    assert "[ldm503.no-internal-prerequisites]" not in warnings
    requires = next(m for m in report["milestones"] if m["id"] == "LDM-503-11b")["requires"]
    assert requires[0]["waived"] is True
    page = BeautifulSoup((Path(app.outdir) / "a.html").read_text(encoding="utf-8"),
                         "html.parser")
    badge = page.find(class_="ldm503-waived")
    assert badge.get_text() == "waived: schedule-inversion (agreed in review)"


def test_dropped_edges_and_descoped_milestones_take_no_part(make_app, tmp_path) -> None:
    docs = {"a": """\
        A
        =

        .. milestone:: LDM-503-07 Camera Data Processing
           :completed: 2019-01-17

           .. prerequisite:: LDM-503-06 Readiness
              :query: dropped

           .. prerequisite:: LDM-503-05 Alerts

        .. milestone:: LDM-503-06 Readiness
           :due: 2019-11-11

        .. milestone:: LDM-503-05 Alerts
           :status: descoped
        """}
    _app, report = build(make_app, project(tmp_path, docs))
    assert only(report, "status-inversion") == []
    assert only(report, "schedule-inversion") == []


def test_warnings_as_errors(make_app, tmp_path) -> None:
    docs, _ = CASES["status-inversion"]
    src = project(tmp_path, docs)
    app = make_app("html", srcdir=src, warningiserror=True)
    app.build()
    assert app.statuscode == 1
    assert "[ldm503.status-inversion]" in app._warning.getvalue()


CATALOG = """\
id,title,due,forecast,completed,status,level,wbs
LDM-503-06,Readiness,2019-06-28,2019-11-11,,planned,2,LSST ME
LDM-503-07,Camera Data Processing,2019-08-30,2019-01-17,2019-01-17,completed,2,LSST ME
DM-NCSA-9,SFM9: Test instance of alert distribution,2018-10-31,not-a-date,,planned,,
,missing id,,,,,,
"""


def test_catalog_supplies_dates_and_rst_wins(make_app, tmp_path) -> None:
    docs = {"a": """\
        A
        =

        .. milestone:: LDM-503-07 Camera Data Processing

           .. prerequisite:: LDM-503-06 Readiness

           .. prerequisite:: DM-NCSA-9 Test instance of alert distribution

        .. milestone:: LDM-503-06 Readiness
           :due: 2019-07-31
        """}
    src = project(tmp_path, docs, 'ldm503_catalog = "milestones.csv"\n')
    (src / "milestones.csv").write_text(CATALOG, encoding="utf-8")
    app, report = build(make_app, src)
    by_id = {m["id"]: m for m in report["milestones"]}
    assert by_id["LDM-503-07"]["completed"] == "2019-01-17"  # from the catalog
    assert by_id["LDM-503-07"]["status"] == "completed"
    assert by_id["LDM-503-06"]["due"] == "2019-07-31"  # the RST wins
    assert by_id["LDM-503-06"]["forecast"] == "2019-11-11"  # the catalog fills the rest
    assert ("LDM-503-07", ["LDM-503-06"]) in [
        (f["milestone"], f["related"][:1]) for f in only(report, "status-inversion")]
    # "SFM9: ..." differs from the plan's title only by the code prefix: no mismatch.
    assert not [f for f in only(report, "title-mismatch") if "DM-NCSA-9" in f["related"]]
    warnings = app._warning.getvalue()
    assert re.search(r"milestones\.csv:4: WARNING: .*not-a-date.*\[ldm503\.invalid\]", warnings)
    assert re.search(r"milestones\.csv:5: WARNING: .*\[ldm503\.invalid\]", warnings)
    page = BeautifulSoup((Path(app.outdir) / "a.html").read_text(encoding="utf-8"),
                         "html.parser")
    meta = page.find("dt", id="ms-ldm-503-07").find_next_sibling("dd").find(class_="ldm503-meta")
    assert "2019-01-17" in meta.get_text()


def test_missing_catalog_is_one_warning(make_app, tmp_path) -> None:
    docs, _ = CASES["status-inversion"]
    src = project(tmp_path, docs, 'ldm503_catalog = "nowhere.csv"\n')
    app, _report = build(make_app, src)
    warnings = app._warning.getvalue()
    assert warnings.count("nowhere.csv") == 1 and "[ldm503.invalid]" in warnings
    assert "Traceback" not in warnings


REPORT_DOCS = {
    "index": dedent("""\
        Plan
        ====

        .. milestone-report::
           :checks: status-inversion, open-query

        .. milestone-report::
           :severity: info

        .. milestone-table::
           :sort: due
           :columns: id, title, due, forecast, status, queries, findings

        .. milestone-table::
           :include: DM-*
        """),
    "a": CASES["status-inversion"][0]["a"] + dedent("""\

        .. milestone:: LDM-503-11 Rehearsal
           :due: 2019-01-31
           :forecast: 2019-03-01

           .. prerequisite:: DM-NET-4 Base LAN installed
              :query:

              Would we block the rehearsal on this?
        """),
}


def test_report_and_table_directives(make_app, tmp_path) -> None:
    app, report = build(make_app, project(tmp_path, REPORT_DOCS, 'ldm503_today = "2019-04-30"\n'))
    page = BeautifulSoup((Path(app.outdir) / "index.html").read_text(encoding="utf-8"),
                         "html.parser")
    reports = page.find_all("table", class_="ldm503-report")
    first = [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
             for tr in reports[0].find("tbody").find_all("tr")]
    assert {row[1] for row in first} == {"status-inversion", "open-query"}
    inversion = next(row for row in first if row[1] == "status-inversion")
    assert inversion[2] == "LDM-503-07" and inversion[3] == "LDM-503-06"
    # As a reader sees it (get_text(" ") spaces the line number's box of its own apart).
    row = reports[0].find("tbody").find_all("tr")[first.index(inversion)]
    assert row.find("td", class_="ldm503-col-source").get_text() == "a.rst:7"
    assert reports[0].find("a", href="a.html#ms-ldm-503-07") is not None
    second = reports[1].find("tbody").find_all("tr")
    assert {tr.find_all("td")[0].get_text(strip=True) for tr in second} == {"info"}
    summary = page.find("table", class_="ldm503-summary")
    assert "status-inversion" in summary.get_text()

    tables = page.find_all("table", class_="ldm503-table")
    rows = tables[0].find("tbody").find_all("tr")
    ids = [tr.find_all("td")[0].get_text(strip=True) for tr in rows]
    assert ids == ["LDM-503-11", "LDM-503-06", "LDM-503-07"]  # by due date
    overdue = {tr.find_all("td")[0].get_text(strip=True) for tr in rows
               if "ldm503-overdue" in tr.get("class", [])}
    assert overdue == {"LDM-503-11"}  # forecast after due, and due passed
    headers = [th.get_text(strip=True) for th in tables[0].find("thead").find_all("th")]
    assert headers == ["ID", "Title", "Due", "Forecast", "Status", "Open queries", "Findings"]
    dm_rows = tables[1].find("tbody").find_all("tr")
    assert [tr.find_all("td")[0].get_text(strip=True) for tr in dm_rows] == ["DM-NET-4"]
    assert len(report["findings"]) >= 2


def test_json_schema(make_app, tmp_path) -> None:
    _app, report = build(make_app, project(tmp_path, REPORT_DOCS))
    assert list(report)[:3] == ["version", "milestones", "findings"]
    assert report["version"] == 1
    ids = [m["id"] for m in report["milestones"]]
    assert ids == sorted(ids, key=str.casefold)
    for ms in report["milestones"]:
        assert list(ms)[:12] == ["id", "title", "docname", "line", "due", "forecast",
                                 "completed", "status", "level", "external", "declared",
                                 "requires"]
        for req in ms["requires"]:
            assert list(req)[:4] == ["id", "title", "query", "waived"]
    for finding in report["findings"]:
        assert list(finding)[:8] == ["check", "severity", "milestone", "related", "docname",
                                     "line", "message", "waived"]
    ms07 = next(m for m in report["milestones"] if m["id"] == "LDM-503-07")
    assert ms07["completed"] == "2019-01-17" and ms07["declared"] is True
    net = next(m for m in report["milestones"] if m["id"] == "DM-NET-4")
    assert net["declared"] is False and net["docname"] is None and net["line"] is None


def test_today_honours_config_and_source_date_epoch(monkeypatch) -> None:
    from datetime import date

    from sphinxext_ldm503.framework.domain import today

    assert today("2019-04-30") == date(2019, 4, 30)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1556582400")  # 2019-04-30T00:00:00Z
    assert today(None) == date(2019, 4, 30)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert today(None) == date.today()


def test_bad_configuration_values_are_warnings(make_app, tmp_path) -> None:
    docs, _ = CASES["status-inversion"]
    conf = ('ldm503_today = "yesterday"\nldm503_at_risk_patterns = ["^DM-(SUIT"]\n'
            'ldm503_plan_id_pattern = "[unclosed"\n'
            'ldm503_check_severity = {"cycle": "fatal", "no-such-check": "off"}\n')
    app, report = build(make_app, project(tmp_path, docs, conf))
    warnings = app._warning.getvalue()
    for fragment in ("ldm503_today: invalid date 'yesterday'",
                     "ldm503_at_risk_patterns: invalid regular expression",
                     "ldm503_plan_id_pattern: invalid regular expression",
                     "invalid severity 'fatal'", "unknown check 'no-such-check'"):
        assert fragment in warnings
    assert "Traceback" not in warnings
    assert only(report, "status-inversion")  # the checks still ran
