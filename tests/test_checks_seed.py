"""The checks find the reviewer's problems in the seed plan with the April 2019 catalog.

The plan is read from the reviewer's list by tests/seedplan.py, without Sphinx;
the catalog is read by the real catalog reader. These are the findings the
reviewer's comments ask for (the Sphinx build of example-docs/ is tested elsewhere).
"""

from __future__ import annotations

import pytest
from seedplan import CATALOG, read_seed

from sphinxext_ldm503.core.catalog import load_catalog
from sphinxext_ldm503.core.checks import CheckConfig, at_risk_keys, run_checks
from sphinxext_ldm503.core.export import dumps, plan_from_json, to_json_document
from sphinxext_ldm503.core.model import Finding, Plan

CONFIG = CheckConfig(at_risk_patterns=("^DM-SUIT-",))


@pytest.fixture(scope="module")
def plan() -> Plan:
    rows, problems = load_catalog(CATALOG)
    assert problems == []
    return Plan(declarations=read_seed(), catalog=rows)


@pytest.fixture(scope="module")
def findings(plan: Plan) -> list[Finding]:
    return run_checks(plan, CONFIG)


def pairs(findings: list[Finding], check: str) -> set[tuple[str | None, str | None]]:
    return {(f.milestone, f.related[0] if f.related else None)
            for f in findings if f.check == check}


def test_the_seed_is_read(plan):
    assert len(plan.declared) == 26
    assert len(plan) == 142


def test_status_inversions(findings):
    assert {("LDM-503-07", "LDM-503-06"), ("LDM-503-05", "DM-NCSA-8"),
            ("LDM-503-05", "DM-NCSA-9")} <= pairs(findings, "status-inversion")
    (f,) = [f for f in findings
            if f.check == "status-inversion" and f.milestone == "LDM-503-07"]
    assert "2019-01-17" in f.message and "LDM-503-06 is planned" in f.message


def test_schedule_inversion_of_04b(findings):
    assert ("LDM-503-04b", "DM-NCSA-6") in pairs(findings, "schedule-inversion")
    (f,) = [f for f in findings if f.check == "schedule-inversion"
            and (f.milestone, f.related) == ("LDM-503-04b", ("DM-NCSA-6",))]
    assert "2018-06-29" in f.message and "2018-10-31" in f.message
    assert f.location.line == 41


def test_undefined_reference_08b(findings):
    assert pairs(findings, "undefined-reference") == {("LDM-503-09", "LDM-503-08b")}


def test_no_internal_prerequisites_10b(findings):
    found = [f for f in findings if f.check == "no-internal-prerequisites"]
    assert ("LDM-503-10b", ("CAMM8040", "EIA-200")) in [(f.milestone, f.related) for f in found]


def test_external_prerequisites_of_12a(findings):
    assert {("LDM-503-12a", "CAMM8090"), ("LDM-503-12a", "COMC-0030")} <= pairs(
        findings, "external-prerequisite"
    )


def test_redundant_14_on_12(findings):
    found = [(f.milestone, f.related) for f in findings if f.check == "redundant-prerequisite"]
    assert ("LDM-503-14", ("LDM-503-12", "LDM-503-13")) in found


def test_at_risk_for_dm_suit_dependants(plan, findings):
    found = [f for f in findings if f.check == "at-risk"]
    assert found
    assert all(f.related[-1].startswith("DM-SUIT-") for f in found)
    assert {("LDM-503-11a", "DM-SUIT-10"), ("LDM-503-08", "DM-SUIT-9"),
            ("LDM-503-09", "DM-SUIT-5")} <= pairs(findings, "at-risk")
    keys = at_risk_keys(plan, CONFIG)
    assert {"ldm-503-17", "ldm-503-12", "dm-suit-16"} <= keys
    assert "dm-suit-1" not in keys  # completed in 2017
    assert {f.milestone.casefold() for f in found} <= keys


def test_title_mismatch_04b_as_referenced_by_08(findings):
    found = [f for f in findings if f.check == "title-mismatch"
             and (f.milestone, f.related) == ("LDM-503-08", ("LDM-503-04b",))]
    assert len(found) == 1
    assert "AuxTel DAQ interface verification" in found[0].message
    found_pairs = pairs(findings, "title-mismatch")
    assert ("LDM-503-08", None) in found_pairs  # the "Acquisiion" typo
    # Cut at the schedule's 120 characters exactly as the catalog has them: the plan
    # copied the schedule faithfully, which is not a finding.
    assert not {("LDM-503-04", "DM-NCSA-4"), ("LDM-503-08", "DM-NCSA-14")} & found_pairs
    # "w/" for "with", a trailing "(LDM-503-06)": conventions, not differences.
    assert not {("LDM-503-01", None), ("LDM-503-06", None)} & found_pairs


def test_open_queries(findings):
    queries = [f for f in findings if f.check == "open-query"]
    assert len([f for f in queries if f.related]) == 29
    assert len([f for f in queries if not f.related]) == 3
    assert all(f.severity == "info" for f in queries)


def test_no_errors_and_stable_output(plan, findings):
    assert not [f for f in findings if f.severity == "error"]
    text = dumps(to_json_document(plan, findings, CONFIG))
    rebuilt = plan_from_json(to_json_document(plan, findings, CONFIG))
    assert run_checks(rebuilt, CONFIG) == findings
    assert dumps(to_json_document(rebuilt, run_checks(rebuilt, CONFIG), CONFIG)) == text
