"""The consistency checks on small hand-built plans, without Sphinx."""

from __future__ import annotations

import itertools
import re
from datetime import date

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinxext_ldm503.core.checks import (
    CHECK_NAMES,
    CHECKS,
    DEFAULT_SEVERITY,
    CheckConfig,
    apply_severity,
    at_risk_keys,
    check_cycle,
    normalised_cycles,
    plain_text,
    run_checks,
)
from sphinxext_ldm503.core.model import (
    Finding,
    Location,
    Milestone,
    Plan,
    Prerequisite,
    Query,
    Reference,
    Waiver,
)
from sphinxext_ldm503.core.titles import catalog_title_agrees, looks_truncated, normalise_title

DOC = "plan"


def pre(ms_id: str, line: int, title: str = "", **kw) -> Prerequisite:
    return Prerequisite(id=ms_id, title=title, location=Location(DOC, line), **kw)


def ms(ms_id: str, line: int, *prerequisites: Prerequisite, **kw) -> Milestone:
    kw.setdefault("title", f"Title of {ms_id}")
    return Milestone(id=ms_id, location=Location(DOC, line), prerequisites=prerequisites, **kw)


def row(ms_id: str, title: str = "", **kw) -> Milestone:
    return Milestone(id=ms_id, title=title, declared=False, in_catalog=True, **kw)


def only(findings: list[Finding], check: str) -> list[Finding]:
    return [f for f in findings if f.check == check]


def summary(findings: list[Finding]) -> list[tuple]:
    return [
        (f.check, f.milestone, f.related, f.location.line if f.location else None, f.severity)
        for f in findings
    ]


# -- the registry ------------------------------------------------------------------


def test_every_check_has_a_default_severity_and_a_function():
    assert list(DEFAULT_SEVERITY) == list(CHECK_NAMES)
    assert list(CHECKS) == [name for name in CHECK_NAMES if name != "invalid"]
    assert set(DEFAULT_SEVERITY.values()) <= {"error", "warning", "info"}
    assert DEFAULT_SEVERITY["cycle"] == "error"
    assert DEFAULT_SEVERITY["duplicate-id"] == "error"
    assert DEFAULT_SEVERITY["invalid"] == "error"
    assert DEFAULT_SEVERITY["open-query"] == "info"


def test_empty_plan_has_no_findings():
    assert run_checks(Plan()) == []


# -- one test per check --------------------------------------------------------------


def test_duplicate_id_names_both_places():
    first = Milestone(id="LDM-503-01", title="One", location=Location("a", 3))
    second = Milestone(id="ldm-503-01", title="Again", location=Location("b", 7))
    findings = run_checks(Plan([second, first]))
    assert summary(findings) == [("duplicate-id", "LDM-503-01", (), 7, "error")]
    assert findings[0].location == Location("b", 7)
    assert findings[0].message == (
        "LDM-503-01 is declared twice: first at a:3, again at b:7; the first declaration is used."
    )


def test_undefined_reference_for_a_plan_id_prerequisite():
    plan = Plan([ms("LDM-503-09", 1, pre("LDM-503-08b", 4, "Small Scale CCOB"),
                    pre("DM-NCSA-1", 5, "A DM milestone"))])
    findings = only(run_checks(plan), "undefined-reference")
    assert summary(findings) == [
        ("undefined-reference", "LDM-503-09", ("LDM-503-08b",), 4, "warning")
    ]
    assert "LDM-503-08b" in findings[0].message
    assert "not declared" in findings[0].message


def test_undefined_reference_for_ms_roles():
    plan = Plan(
        [ms("LDM-503-01", 1, pre("DM-X-1", 2), pre("LDM-503-99", 3))],
        references=[
            Reference("ldm-503-01", Location("other", 1)),  # declared, any case
            Reference("DM-X-1", Location("other", 2)),  # known by reference: fine
            Reference("LDM-503-99", Location("other", 3)),  # plan ID, undeclared
            Reference("NOPE-1", Location("other", 4)),  # not in the plan at all
        ],
    )
    findings = [f for f in only(run_checks(plan), "undefined-reference") if f.milestone is None]
    assert [(f.related, f.location) for f in findings] == [
        (("LDM-503-99",), Location("other", 3)),
        (("NOPE-1",), Location("other", 4)),
    ]
    assert "not a milestone of the plan" in findings[1].message


def test_undefined_reference_pattern_is_configurable():
    plan = Plan([ms("TP-1", 1, pre("TP-2", 2))])
    assert only(run_checks(plan), "undefined-reference") == []
    config = CheckConfig(plan_id_pattern=r"^TP-\d+$")
    assert summary(only(run_checks(plan, config), "undefined-reference")) == [
        ("undefined-reference", "TP-1", ("TP-2",), 2, "warning")
    ]


def test_cycle_reported_once_from_its_smallest_id():
    plan = Plan([
        ms("C", 30, pre("A", 31)),
        ms("A", 10, pre("B", 11)),
        ms("B", 20, pre("C", 21)),
        ms("D", 40, pre("D", 41)),
    ])
    findings = only(run_checks(plan), "cycle")
    assert summary(findings) == [
        ("cycle", "A", ("B", "C", "A"), 11, "error"),
        ("cycle", "D", ("D",), 41, "error"),
    ]
    assert findings[0].message == (
        "Dependency cycle: A, which requires B, which requires C, which requires A."
    )
    assert findings[1].message == "D requires itself."


def test_schedule_inversion_compares_completion_then_forecast_then_due():
    plan = Plan([
        ms("LDM-503-04b", 1, pre("DM-NCSA-6", 2), pre("DM-OK-1", 3),
           completed=date(2018, 6, 29)),
        ms("DM-NCSA-6", 10, completed=date(2018, 10, 31)),
        ms("DM-OK-1", 20, completed=date(2018, 6, 29)),  # same day: fine
        ms("LDM-503-05", 30, pre("DM-LATE-1", 31), pre("DM-UNDATED-1", 32),
           forecast=date(2019, 1, 1), due=date(2020, 1, 1)),
        ms("DM-LATE-1", 40, due=date(2019, 6, 1)),
    ])
    findings = only(run_checks(plan), "schedule-inversion")
    assert summary(findings) == [
        ("schedule-inversion", "LDM-503-04b", ("DM-NCSA-6",), 2, "warning"),
        ("schedule-inversion", "LDM-503-05", ("DM-LATE-1",), 31, "warning"),
    ]
    assert findings[0].message == (
        "LDM-503-04b (completed on 2018-06-29) finishes before its prerequisite "
        "DM-NCSA-6 (completed on 2018-10-31)."
    )
    assert "forecast for 2019-01-01" in findings[1].message
    assert "due on 2019-06-01" in findings[1].message


def test_status_inversion_needs_a_known_status():
    plan = Plan(
        [
            ms("LDM-503-07", 1, pre("LDM-503-06", 2), pre("F18S", 3), pre("DM-NCSA-8", 4),
               pre("DM-DONE-1", 5), completed=date(2019, 1, 17)),
            ms("LDM-503-06", 10, forecast=date(2019, 11, 11)),
        ],
        catalog=[row("DM-NCSA-8", status="planned"), row("DM-DONE-1", status="completed")],
    )
    findings = only(run_checks(plan), "status-inversion")
    assert summary(findings) == [
        ("status-inversion", "LDM-503-07", ("LDM-503-06",), 2, "warning"),
        ("status-inversion", "LDM-503-07", ("DM-NCSA-8",), 4, "warning"),
    ]
    assert findings[0].message == (
        "LDM-503-07 is completed (2019-01-17) but its prerequisite LDM-503-06 is "
        "planned (forecast for 2019-11-11)."
    )


def test_title_mismatch_against_the_declared_title():
    plan = Plan([
        ms("LDM-503-04b", 1, title="AuxTel DAQ interface verification"),
        ms("LDM-503-02", 5, title="HSC reprocessing"),
        ms("LDM-503-08", 10,
           pre("LDM-503-04b", 11, "Test report: Aux Tel DAQ interface Integration Verification"),
           pre("LDM-503-02", 12, "Test report:  hsc Reprocessing."),
           title="Spectrograph data acquisition"),
        ms("LDM-503-11", 20, pre("LDM-503-08", 21, "Spectrograph data"), title="Eleven"),
    ])
    findings = only(run_checks(plan), "title-mismatch")
    assert summary(findings) == [
        ("title-mismatch", "LDM-503-08", ("LDM-503-04b",), 11, "warning"),
        ("title-mismatch", "LDM-503-11", ("LDM-503-08",), 21, "warning"),
    ]
    assert findings[0].message == (
        'LDM-503-08 refers to LDM-503-04b as "Test report: Aux Tel DAQ interface Integration '
        'Verification", which does not match: LDM-503-04b\'s own title is '
        '"AuxTel DAQ interface verification".'
    )
    assert "looks cut off" in findings[1].message


def test_title_mismatch_between_users_of_an_undeclared_id():
    plan = Plan([
        ms("LDM-503-03", 1, pre("DM-AP-2", 2, "Alard & Lupton-style image differencing.")),
        ms("LDM-503-09a", 10, pre("DM-AP-2", 11, "alard lupton style image differencing")),
        ms("LDM-503-09b", 20, pre("DM-AP-2", 21, "Alard and Lupton-style image differencing")),
    ])
    findings = only(run_checks(plan), "title-mismatch")
    assert summary(findings) == [("title-mismatch", "LDM-503-09a", ("DM-AP-2",), 11, "warning")]
    assert 'while LDM-503-03 calls it "Alard & Lupton-style image differencing."' in (
        findings[0].message
    )


def test_catalog_title_with_code_prefix_or_added_words_is_no_mismatch():
    plan = Plan(
        [
            ms("LDM-503-10b", 1, pre("DM-AP-1", 2, "Basic single frame measurement pipeline."),
               pre("LDM-503-08b", 3, "Small Scale CCOB Data Access"),
               title="Large Scale CCOB Data Access"),
            ms("LDM-503-04", 10, title="AuxTel DAQ integration"),
        ],
        catalog=[
            row("LDM-503-10b", "Test report: Verification Tests for Large Scale CCOB Data Access"),
            row("DM-AP-1", "SFM1: Basic single frame measurement pipeline for Alert Production"),
            row("LDM-503-08b", "Test report: Verification Tests for Small Scale CCOB Data Access"),
            row("LDM-503-04", "Test report: Aux Tel DAQ integration functionality test"),
        ],
    )
    assert only(run_checks(plan), "title-mismatch") == []


def test_declared_title_taken_from_the_catalog_is_matched_leniently():
    plan = Plan(
        [
            ms("LDM-503-10b", 1, title=""),
            ms("LDM-503-11b", 10, pre("LDM-503-10b", 11, "Large Scale CCOB Data Access"),
               pre("LDM-503-12", 12, "Something else")),
            ms("LDM-503-12", 20, title=""),
        ],
        catalog=[
            row("LDM-503-10b", "Test report: Verification Tests for Large Scale CCOB Data Access"),
            row("LDM-503-12", "Ops rehearsal for commissioning #3"),
        ],
    )
    findings = only(run_checks(plan), "title-mismatch")
    assert summary(findings) == [("title-mismatch", "LDM-503-11b", ("LDM-503-12",), 12, "warning")]
    assert findings[0].message == (
        'LDM-503-11b refers to LDM-503-12 as "Something else", which does not match the '
        'catalog title "Ops rehearsal for commissioning #3".'
    )


def test_catalog_title_that_really_differs_is_a_mismatch():
    plan = Plan(
        [
            ms("LDM-503-08", 1, pre("LDM-503-08b", 2, "Large Scale CCOB"),
               pre("DM-DRP-16", 3, "Global photometric fitting (e.g. Burke et al.)"),
               title="Spectrograph Data Acquisiion"),
        ],
        catalog=[
            row("LDM-503-08", "Test report: Spectrograph data acquisition"),
            row("LDM-503-08b", "Test report: Verification Tests for Small Scale CCOB Data Access"),
            # Other teams' milestones are paraphrased freely: no finding.
            row("DM-DRP-16", "DRP-MS-IMCHAR-1: Global Photometric Fitting"),
        ],
    )
    findings = only(run_checks(plan), "title-mismatch")
    assert summary(findings) == [
        ("title-mismatch", "LDM-503-08", (), 1, "warning"),
        ("title-mismatch", "LDM-503-08", ("LDM-503-08b",), 2, "warning"),
    ]
    assert findings[0].message == (
        'LDM-503-08 is titled "Spectrograph Data Acquisiion" here, which does not match the '
        'catalog title "Test report: Spectrograph data acquisition".'
    )


NCSA_4 = (
    "Minimal support for the small operational schema including file metadata and "
    "provenance for every file, and record of in"
)
NCSA_14 = (
    "Data Backbone endpoints in Chile for ingestion and access, distribution over WAN, "
    "ingest at NCSA into custodial file sto"
)


def test_title_that_looks_cut_off():
    plan = Plan(
        [
            ms("LDM-503-04", 1, pre("DM-NCSA-4", 2, NCSA_4), pre("DM-NCSA-14", 3, NCSA_14),
               pre("DM-CUT-1", 4, "Calibration product gener"),
               pre("DM-FINE-1", 5, "Calibration products")),
        ],
        catalog=[
            row("DM-NCSA-4", NCSA_4),
            row("DM-CUT-1", "Calibration product generation for the Auxiliary Telescope"),
            row("DM-FINE-1", "Calibration products include an optical ghost model"),
        ],
    )
    findings = only(run_checks(plan), "title-mismatch")
    # DM-NCSA-4's title is cut exactly as the schedule cut it: copied faithfully, no
    # finding. DM-NCSA-14 (no catalog row) and DM-CUT-1 (cut shorter) are real.
    assert summary(findings) == [
        ("title-mismatch", "LDM-503-04", ("DM-NCSA-14",), 3, "warning"),
        ("title-mismatch", "LDM-503-04", ("DM-CUT-1",), 4, "warning"),
    ]
    assert all("looks cut off" in f.message for f in findings)
    assert 'the catalog title is "Calibration product generation for' in findings[1].message


def test_a_capital_a_names_something_and_does_not_dangle():
    assert not looks_truncated("Commissioning Camera Test Plan A")
    assert not looks_truncated("Option A")
    assert looks_truncated("Commissioning of a")
    assert looks_truncated("Data products for the")


def test_title_conventions_are_ignored():
    from sphinxext_ldm503.core.titles import same_title, strip_conventions

    assert same_title("DM ComCam interface verification readiness (LDM-503-06)",
                      "Test report: DM ComCam interface verification readiness")
    assert same_title("Science Platform w/ WISE data", "science platform with WISE data")
    assert same_title("Point source & dipole", "Point source and dipole")
    assert not same_title("Spectrograph Data Acquisiion", "Spectrograph data acquisition")
    assert strip_conventions("Report: X", ("Report:",)) == "X"
    assert not same_title("Report: X", "X", ())
    assert same_title("Report: X", "X", ("Report",))


def test_title_helpers():
    assert normalise_title("Test report: HSC re-processing.") == normalise_title("hsc reprocessing")
    assert catalog_title_agrees("AuxTel DAQ integration",
                                "Test report: Aux Tel DAQ integration functionality test")
    # "w/" and "with", "&" and "and" say the same thing.
    assert catalog_title_agrees("Science Platform w/ WISE", "Science Platform with WISE")
    assert catalog_title_agrees("Alard & Lupton", "Alard and Lupton")
    assert looks_truncated("assemble FITS image,")
    assert looks_truncated(NCSA_14)
    assert not looks_truncated("Provide access to results (NB the form depends on DAX)")


def test_redundant_prerequisite_names_the_longer_path():
    plan = Plan([
        ms("LDM-503-14", 1, pre("LDM-503-12", 2), pre("LDM-503-13", 3)),
        ms("LDM-503-13", 10, pre("LDM-503-12", 11)),
        ms("LDM-503-12", 20),
    ])
    findings = only(run_checks(plan), "redundant-prerequisite")
    assert summary(findings) == [
        ("redundant-prerequisite", "LDM-503-14", ("LDM-503-12", "LDM-503-13"), 2, "warning")
    ]
    assert findings[0].message == (
        "LDM-503-14 lists LDM-503-12 as a prerequisite, but already depends on it through "
        "LDM-503-13 (LDM-503-14 -> LDM-503-13 -> LDM-503-12)."
    )


def test_redundant_prerequisite_is_not_fooled_by_a_cycle_through_the_source():
    # A -> B directly; A -> C -> A is a cycle, but no path reaches B without A -> B.
    plan = Plan([ms("A", 1, pre("B", 2), pre("C", 3)), ms("C", 10, pre("A", 11))])
    assert only(run_checks(plan), "redundant-prerequisite") == []


def test_external_prerequisite():
    plan = Plan([
        ms("LDM-503-12a", 1, pre("CAMM8090", 2), pre("DM-NCSA-20", 3), pre("TP-1", 4),
           pre("DM-EXT-1", 5)),
        ms("TP-1", 10),  # declared here: part of the plan whatever its ID
        ms("DM-EXT-1", 20, external=True),  # declared for its metadata, owned elsewhere
        ms("CAMM1", 30, pre("CAMM2", 31), external=True),  # not a plan milestone
    ])
    findings = only(run_checks(plan), "external-prerequisite")
    assert summary(findings) == [
        ("external-prerequisite", "LDM-503-12a", ("CAMM8090",), 2, "warning"),
        ("external-prerequisite", "LDM-503-12a", ("DM-EXT-1",), 5, "warning"),
    ]
    assert "CAMM8090" in findings[0].message and "^LDM-503-, ^DM-" in findings[0].message
    assert "declared external" in findings[1].message


def test_no_internal_prerequisites():
    plan = Plan([
        ms("LDM-503-10b", 1, pre("CAMM8040", 2), pre("EIA-200", 3)),
        ms("LDM-503-11", 10, pre("CAMM8040", 11), pre("DM-NET-4", 12)),
        ms("LDM-503-17a", 20),
    ])
    findings = only(run_checks(plan), "no-internal-prerequisites")
    assert summary(findings) == [
        ("no-internal-prerequisites", "LDM-503-10b", ("CAMM8040", "EIA-200"), 1, "warning")
    ]
    assert findings[0].location == Location(DOC, 1)


def test_at_risk_follows_the_path():
    plan = Plan([
        ms("LDM-503-12", 1, pre("LDM-503-11a", 2)),
        ms("LDM-503-11a", 10, pre("DM-SUIT-10", 11), pre("DM-SUIT-1", 12)),
        ms("LDM-503-15", 20, pre("LDM-503-16", 21)),
        ms("LDM-503-16", 30, status="at-risk"),
    ], catalog=[row("DM-SUIT-1", status="completed"), row("DM-SUIT-10", status="planned")])
    config = CheckConfig(at_risk_patterns=("^DM-SUIT-",))
    findings = only(run_checks(plan, config), "at-risk")
    assert summary(findings) == [
        ("at-risk", "LDM-503-12", ("LDM-503-11a", "DM-SUIT-10"), 2, "warning"),
        ("at-risk", "LDM-503-11a", ("DM-SUIT-10",), 11, "warning"),
        ("at-risk", "LDM-503-15", ("LDM-503-16",), 21, "warning"),
    ]
    assert findings[0].message == (
        "LDM-503-12 requires LDM-503-11a, which depends on the at-risk milestone DM-SUIT-10 "
        "(its ID matches ^DM-SUIT-): LDM-503-12 -> LDM-503-11a -> DM-SUIT-10."
    )
    assert "its status is at-risk" in findings[2].message
    # A completed DM-SUIT milestone has happened: it puts nothing at risk.
    assert at_risk_keys(plan, config) == {
        "ldm-503-12", "ldm-503-11a", "dm-suit-10", "ldm-503-15", "ldm-503-16"
    }
    assert only(run_checks(plan), "at-risk")[0].milestone == "LDM-503-15"


def test_open_query_on_edges_and_milestones():
    plan = Plan([
        ms("LDM-503-07", 1,
           pre("LDM-503-06", 2, query="open",
               discussion="LDM-503-07 has already been completed\nso this makes no sense."),
           pre("DM-DRP-4", 5, query="resolved", discussion="fine"),
           pre("DM-DRP-5", 6, query="open"),
           queries=(Query("Is this needed at all?", location=Location(DOC, 8)),
                    Query("Settled.", status="resolved", location=Location(DOC, 9)))),
    ])
    findings = only(run_checks(plan), "open-query")
    assert summary(findings) == [
        ("open-query", "LDM-503-07", ("LDM-503-06",), 2, "info"),
        ("open-query", "LDM-503-07", ("DM-DRP-5",), 6, "info"),
        ("open-query", "LDM-503-07", (), 8, "info"),
    ]
    assert findings[0].message == (
        "Open query on LDM-503-07's prerequisite LDM-503-06: LDM-503-07 has already been "
        "completed so this makes no sense."
    )
    assert findings[2].message == "Open query on LDM-503-07: Is this needed at all?"


def test_open_query_discussion_is_shortened():
    plan = Plan([ms("A-1", 1, pre("B-1", 2, query="open", discussion="word " * 200))])
    (finding,) = only(run_checks(plan), "open-query")
    assert len(finding.message) < 260 and finding.message.endswith("[...]")


def test_open_query_discussion_reads_as_the_page_shows_it():
    """A discussion is written in reStructuredText (a list, emphasis): the one line of a
    warning, the report and ldm503.json shows its text, not its markup."""
    plan = Plan([ms(
        "LDM-503-08", 1,
        pre("DM-SUIT-9", 2, query="open", discussion=(
            "- All SUIT miletones at risk.\n"
            "- Not obvious that visualization is necessary to complete LDM-503-08.")),
        pre("LDM-503-05", 4, query="open",
            discussion="I *don't* think we want to tie it to ``butler`` details."),
        queries=(Query("Is :ms:`LDM-503-05` **really** needed?", location=Location(DOC, 8)),),
    )])
    messages = [f.message for f in only(run_checks(plan), "open-query")]
    assert messages == [
        "Open query on LDM-503-08's prerequisite DM-SUIT-9: All SUIT miletones at risk; "
        "Not obvious that visualization is necessary to complete LDM-503-08.",
        "Open query on LDM-503-08's prerequisite LDM-503-05: I don't think we want to tie "
        "it to butler details.",
        "Open query on LDM-503-08: Is LDM-503-05 really needed?",
    ]


@pytest.mark.parametrize(("source", "plain"), [
    ("one\ntwo", "one two"),
    ("First.\n\nSecond.", "First. Second."),
    ("1. one\n   more\n2. two\n\nAfter.", "one more; two; After."),
    ("* starred item\n+ plus item", "starred item; plus item"),
    ("2 * 3 * 4 and a*b*c stay", "2 * 3 * 4 and a*b*c stay"),
    ("`interpreted` and `a link`_ and ``lit``", "interpreted and a link and lit"),
    ("", ""),
])
def test_plain_text_of_a_discussion(source: str, plain: str) -> None:
    assert plain_text(source) == plain


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_plain_text_is_one_line_and_total(source: str) -> None:
    text = plain_text(source)
    assert "\n" not in text and "\r" not in text
    words = " ".join(source.split())
    if not any(c in source for c in "*`:-+#()\u2022") and not any(
            c.isdigit() for c in source) and "\n" not in source:
        assert text == words.strip()


# -- exclusions, severities, waivers --------------------------------------------------


def _faulty_edge_plan(**edge: object) -> Plan:
    """A plan where one edge LDM-503-05 -> X would trip nearly every check."""
    target = Prerequisite(id="LDM-503-99", title="Wrong", location=Location(DOC, 2), **edge)
    return Plan([
        ms("LDM-503-05", 1, target, pre("LDM-503-06", 3), completed=date(2018, 1, 1)),
        ms("LDM-503-06", 10, pre("LDM-503-05", 11), completed=date(2017, 1, 1)),
    ])


def test_dropped_edges_take_part_in_no_check():
    plan = _faulty_edge_plan(query="dropped", discussion="gone")
    findings = run_checks(plan, CheckConfig(at_risk_patterns=("^LDM-503-99$",)))
    assert [f for f in findings if "LDM-503-99" in f.related] == []
    # The live cycle 05 <-> 06 is still found.
    assert summary(only(findings, "cycle")) == [
        ("cycle", "LDM-503-05", ("LDM-503-06", "LDM-503-05"), 3, "error")
    ]


def test_descoped_milestones_take_part_in_no_check():
    plan = Plan([
        ms("LDM-503-05", 1, pre("LDM-503-06", 2, query="open"), completed=date(2018, 1, 1)),
        ms("LDM-503-06", 10, pre("LDM-503-05", 11), pre("LDM-503-99", 12), pre("CAMM1", 13),
           status="descoped", queries=(Query("Why?"),)),
    ])
    findings = run_checks(plan, CheckConfig(at_risk_patterns=("^LDM-503-06$",)))
    assert findings == []
    assert at_risk_keys(plan, CheckConfig(at_risk_patterns=("^LDM-503-06$",))) == set()


def test_severity_overrides_including_off():
    plan = _faulty_edge_plan(query="open")
    config = CheckConfig(severity={"open-query": "off", "cycle": "warning",
                                   "undefined-reference": "error"})
    findings = run_checks(plan, config)
    assert only(findings, "open-query") == []
    assert {f.severity for f in only(findings, "cycle")} == {"warning"}
    assert {f.severity for f in only(findings, "undefined-reference")} == {"error"}
    assert {f.severity for f in only(findings, "schedule-inversion")} == {"warning"}


def test_bad_settings_are_reported_not_fatal():
    config = CheckConfig(
        internal_patterns=("^DM-", "(unclosed"),
        severity={"cycle": "fatal", "no-such-check": "off"},
    )
    problems = config.problems()
    assert len(problems) == 3
    assert any("(unclosed" in p for p in problems)
    assert any("'fatal'" in p for p in problems)
    assert any("no-such-check" in p for p in problems)
    findings = run_checks(_faulty_edge_plan(), config)
    assert {f.severity for f in only(findings, "cycle")} == {"error"}
    assert CheckConfig().problems() == []


def test_apply_severity_serves_invalid_findings_too():
    invalid = Finding("invalid", "error", "A", "bad date", location=Location(DOC, 3))
    assert apply_severity([invalid], CheckConfig(severity={"invalid": "warning"}))[0].severity == (
        "warning"
    )
    assert apply_severity([invalid], CheckConfig(severity={"invalid": "off"})) == []


def test_waiver_on_the_prerequisite_marks_the_edge_finding():
    waiver = Waiver("schedule-inversion", "agreed in review")
    plan = Plan([
        ms("LDM-503-04b", 1, pre("DM-NCSA-6", 2, waivers=(waiver,)), pre("DM-NCSA-7", 3),
           completed=date(2018, 6, 29)),
    ], catalog=[row("DM-NCSA-6", completed=date(2018, 10, 31)),
                row("DM-NCSA-7", completed=date(2018, 10, 31))])
    findings = only(run_checks(plan), "schedule-inversion")
    assert [(f.related, f.waived, f.waiver_reason) for f in findings] == [
        (("DM-NCSA-6",), True, "agreed in review"),
        (("DM-NCSA-7",), False, ""),
    ]


def test_waiver_on_the_milestone():
    plan = Plan([
        ms("LDM-503-10b", 1, pre("CAMM8040", 2), pre("EIA-200", 3),
           waivers=(Waiver("no-internal-prerequisites", "camera-driven"),
                    Waiver("external-prerequisite", "accepted"))),
    ])
    findings = run_checks(plan)
    assert [(f.check, f.waived, f.waiver_reason) for f in findings] == [
        ("no-internal-prerequisites", True, "camera-driven"),
        ("external-prerequisite", True, "accepted"),
        ("external-prerequisite", True, "accepted"),
    ]


def test_findings_are_sorted_and_independent_of_declaration_order():
    decls = [
        ms("LDM-503-14", 1, pre("LDM-503-12", 2), pre("LDM-503-13", 3), pre("CAMM1", 4)),
        ms("LDM-503-13", 10, pre("LDM-503-12", 11), pre("LDM-503-99", 12, query="open")),
        ms("LDM-503-12", 20, pre("LDM-503-14", 21)),
    ]
    findings = run_checks(Plan(decls))
    assert findings == sorted(findings, key=lambda f: f.sort_key)
    assert run_checks(Plan(list(reversed(decls)))) == findings


# -- properties ------------------------------------------------------------------------

IDS = ["LDM-503-01", "LDM-503-02", "ldm-503-02", "LDM-503-03", "DM-SUIT-1", "DM-AP-1",
       "CAMM8040", "X", "LDM-503-08b"]
DATES = st.one_of(st.none(), st.dates(date(2017, 1, 1), date(2017, 1, 10)))
TEXT = st.text(alphabet="ab ,:.-Test report", max_size=20)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    def location(docname: str | None) -> Location | None:
        # Sphinx locates a prerequisite or query in its milestone's document.
        if docname is None:
            return None
        return draw(st.one_of(st.none(), st.builds(Location, st.just(docname),
                                                   st.one_of(st.none(), st.integers(1, 50)))))

    waivers = st.lists(st.builds(Waiver, st.sampled_from(CHECK_NAMES), TEXT), max_size=2)
    declarations = []
    for ms_id in draw(st.lists(st.sampled_from(IDS), max_size=7)):
        ms_location = location(draw(st.sampled_from(["a", "b"])))
        docname = ms_location.docname if ms_location else None
        prerequisites = tuple(
            Prerequisite(
                id=pid,
                title=draw(TEXT),
                query=draw(st.sampled_from([None, "open", "resolved", "dropped"])),
                discussion=draw(TEXT),
                waivers=tuple(draw(waivers)),
                location=location(docname),
            )
            for pid in draw(st.lists(st.sampled_from(IDS), max_size=4))
        )
        declarations.append(Milestone(
            id=ms_id,
            title=draw(TEXT),
            location=ms_location,
            due=draw(DATES),
            forecast=draw(DATES),
            completed=draw(DATES),
            status=draw(st.sampled_from([None, "planned", "in-progress", "completed",
                                         "at-risk", "descoped"])),
            level=draw(st.one_of(st.none(), st.integers(0, 3))),
            external=draw(st.booleans()),
            prerequisites=prerequisites,
            queries=tuple(draw(st.lists(
                st.builds(Query, TEXT, st.sampled_from(["open", "resolved"]),
                          st.just(location(docname))), max_size=2))),
            waivers=tuple(draw(waivers)),
        ))
    catalog = [
        Milestone(id=cid, title=draw(TEXT), due=draw(DATES), forecast=draw(DATES),
                  completed=draw(DATES),
                  status=draw(st.sampled_from([None, "planned", "completed", "at-risk"])),
                  declared=False, in_catalog=True)
        for cid in draw(st.lists(st.sampled_from(IDS), max_size=4, unique=True))
    ]
    references = [Reference(rid, location("c"))
                  for rid in draw(st.lists(st.sampled_from([*IDS, "NOPE"]), max_size=3))]
    return Plan(declarations, references, catalog)


CONFIGS = st.builds(
    CheckConfig,
    at_risk_patterns=st.sampled_from([(), ("^DM-SUIT-",), ("^LDM-503-0[12]$",)]),
    severity=st.dictionaries(st.sampled_from(CHECK_NAMES),
                             st.sampled_from(["error", "warning", "info", "off"]), max_size=3),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans(), CONFIGS)
def test_random_plans_never_crash_the_checks(plan, config):
    findings = run_checks(plan, config)
    assert findings == sorted(findings, key=lambda f: f.sort_key)
    for finding in findings:
        assert finding.check in CHECK_NAMES
        assert finding.severity == config.severity_of(finding.check) != "off"
        assert finding.waived or not finding.waiver_reason
    assert at_risk_keys(plan, config) <= set(plan.milestones)


def _assert_cycle_findings_are_components(plan: Plan, findings: list[Finding]) -> None:
    """One finding per cyclic component, each path a real cycle inside it."""
    graph = plan.digraph()
    cyclic = [c for c in nx.strongly_connected_components(graph)
              if len(c) > 1 or any(graph.has_edge(n, n) for n in c)]
    assert len(findings) == len(cyclic)
    covered = []
    for finding in findings:
        path = [plan.get(i).key for i in (finding.milestone, *finding.related)]
        assert path[-1] == path[0] and len(path) >= 2
        for u, v in itertools.pairwise(path):
            assert graph.has_edge(u, v), (u, v)
        assert len(set(path[:-1])) == len(path) - 1  # elementary: no node twice
        component = next(c for c in cyclic if path[0] in c)
        assert path[0] == min(component)
        covered.append(frozenset(component))
    assert set(covered) == {frozenset(c) for c in cyclic}


@settings(max_examples=200, deadline=None)
@given(plans())
def test_cycle_check_reports_each_cyclic_component_once_with_a_real_cycle(plan):
    findings = check_cycle(plan, CheckConfig())
    _assert_cycle_findings_are_components(plan, findings)
    # Every elementary cycle lies inside a reported component.
    reported = {plan.get(f.milestone).key for f in findings}
    graph = plan.digraph()
    component_of = {n: min(c) for c in nx.strongly_connected_components(graph) for n in c}
    for cycle in normalised_cycles(plan):
        assert component_of[cycle[0]] in reported


@st.composite
def cyclic_graphs(draw: st.DrawFn) -> Plan:
    """Random dense plans with many cycles, several components, self-loops."""
    n = draw(st.integers(1, 14))
    ids = [f"M{i:02d}" for i in range(n)]
    edges = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)),
                          min_size=1, max_size=40))
    targets: dict[str, list[str]] = {}
    for u, v in edges:
        targets.setdefault(u, []).append(v)
    return Plan([ms(i, k + 1, *(pre(t, k + 1) for t in targets.get(i, [])))
                 for k, i in enumerate(ids)])


@settings(max_examples=300, deadline=None)
@given(cyclic_graphs())
def test_cycle_findings_on_random_cyclic_plans_are_bounded_by_components(plan):
    findings = check_cycle(plan, CheckConfig())
    components = list(nx.strongly_connected_components(plan.digraph()))
    assert len(findings) <= len(components)
    _assert_cycle_findings_are_components(plan, findings)
    # The prerequisites the message says would break the cycles really do.
    graph = plan.digraph()
    for finding in findings:
        named = re.findall(r"(M\d\d) -> (M\d\d)", finding.message.partition("would break")[2])
        if named:
            broken = graph.copy()
            broken.remove_edges_from((plan.get(u).key, plan.get(v).key) for u, v in named)
            component = next(c for c in components if plan.get(finding.milestone).key in c)
            assert nx.is_directed_acyclic_graph(broken.subgraph(component))


def test_cycle_check_is_linear_on_a_fibonacci_of_cycles():
    # Each milestone requires the previous two, and one mistaken edge closes the chain:
    # fib(N) elementary cycles (317,811 findings at N = 28 before), one component now.
    n = 2000
    ids = [f"LDM-503-{i:04d}" for i in range(n)]
    milestones = [ms(ids[0], 1, pre(ids[-1], 2))]
    milestones += [ms(ids[i], 10 * i, *(pre(ids[j], 10 * i + 1) for j in (i - 1, i - 2) if j >= 0))
                   for i in range(1, n)]
    plan = Plan(milestones)
    findings = check_cycle(plan, CheckConfig())
    assert len(findings) == 1
    finding = findings[0]
    assert finding.milestone == ids[0] and finding.related[-1] == ids[0]
    assert f"{n} milestones are caught in cycles" in finding.message
    assert f"this prerequisite would break every one of them: {ids[0]} -> {ids[-1]}." in (
        finding.message)


def _plan_tripping_every_check() -> Plan:
    """One plan with at least one finding of every check."""
    return Plan([
        # cycle, status-inversion (06 not completed), open-query, title-mismatch
        ms("LDM-503-05", 1, pre("LDM-503-06", 2, "Wrong title", query="open"),
           completed=date(2018, 1, 1)),
        ms("LDM-503-06", 10, pre("LDM-503-05", 11)),
        # duplicate-id
        ms("LDM-503-07", 20, pre("DM-A-1", 21)),
        ms("LDM-503-07", 30),
        # undefined-reference, external-prerequisite, redundant (08 -> DM-B-1 via 09),
        # schedule-inversion (08 due before 09), at-risk (DM-RISK-1)
        ms("LDM-503-08", 40, pre("LDM-503-99", 41), pre("CAMM1", 42), pre("DM-B-1", 43),
           pre("LDM-503-09", 44), pre("DM-RISK-1", 45), due=date(2019, 1, 1)),
        ms("LDM-503-09", 50, pre("DM-B-1", 51), due=date(2020, 1, 1)),
        # no-internal-prerequisites; schedule-drift (the schedule has CAMM3 instead)
        ms("LDM-503-10", 60, pre("CAMM2", 61)),
    ], catalog=[Milestone("LDM-503-10", declared=False, in_catalog=True,
                          schedule_predecessors=("CAMM3",))])


@pytest.mark.parametrize("check", list(CHECKS))
def test_each_check_runs_alone(check):
    found = CHECKS[check](_plan_tripping_every_check(), CheckConfig(
        at_risk_patterns=("^DM-RISK-",)))
    assert found, f"the plan trips no {check} finding"
    assert {f.check for f in found} == {check}


def test_duplicate_id_reports_ids_sharing_an_anchor():
    from sphinxext_ldm503.core.checks import check_duplicate_id

    plan = Plan([
        Milestone("A.1", "dotted", location=Location("a", 3)),
        Milestone("A-1", "dashed", location=Location("b", 5)),
    ])
    findings = check_duplicate_id(plan, CheckConfig())
    assert [(f.milestone, f.related, f.location) for f in findings] == [
        ("A-1", ("A.1",), Location("b", 5))]
    assert "#ms-a-1" in findings[0].message


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=60))
def test_implied_edges_match_networkx_transitive_reduction(pairs):
    import networkx as nx

    from sphinxext_ldm503.core.reachability import implied_edges

    # Edges only from a lower to a higher number: always acyclic.
    graph = nx.DiGraph((f"n{a}", f"n{b}") for a, b in pairs if a < b)
    expected = set(graph.edges) - set(nx.transitive_reduction(graph).edges)
    assert implied_edges(graph.edges) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=40))
def test_implied_edges_on_cyclic_graphs_have_a_longer_path(pairs):
    import networkx as nx

    from sphinxext_ldm503.core.reachability import implied_edges

    graph = nx.DiGraph((f"n{a}", f"n{b}") for a, b in pairs if a != b)
    implied = implied_edges(graph.edges)
    condensed = nx.condensation(graph)
    member = condensed.graph["mapping"]
    reduced = nx.transitive_reduction(condensed)
    for u, v in graph.edges:
        between = member[u] != member[v]
        assert ((u, v) in implied) == (between and not reduced.has_edge(member[u], member[v]))
        if (u, v) in implied:
            without = graph.copy()
            without.remove_edge(u, v)
            assert nx.has_path(without, u, v)


@settings(max_examples=200, deadline=None)
@given(plan=plans())
def test_checks_graph_without_networkx_agrees_with_networkx(plan: Plan) -> None:
    """The sets-of-successors graph the checks use on acyclic plans (no networkx
    import) finds the cycles, the order and the implied edges networkx finds."""
    from sphinxext_ldm503.core.checks import SuccessorGraph
    from sphinxext_ldm503.core.reachability import implied_edges

    graph = plan.digraph()
    succ = SuccessorGraph(plan)
    assert {(u, v) for u in succ.succ for v in succ.successors(u)} == set(graph.edges)
    assert set(succ.succ) == set(graph.nodes)
    order = succ.topological_order()
    assert (order is not None) == nx.is_directed_acyclic_graph(graph)
    if order is not None:
        position = {node: i for i, node in enumerate(order)}
        assert all(position[u] < position[v] for u, v in graph.edges)
        assert succ.implied_edges(order) == implied_edges(graph.edges)
