"""``ldm503.json``: its published schema, determinism, and reading it back."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from test_checks import CONFIGS, plans

from sphinxext_ldm503.core.checks import CheckConfig, run_checks
from sphinxext_ldm503.core.export import (
    dump,
    dumps,
    findings_from_json,
    plan_from_json,
    to_json_document,
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

MILESTONE_KEYS = ["id", "title", "docname", "line", "due", "forecast", "completed", "status",
                  "level", "external", "declared", "requires"]
REQUIRES_KEYS = ["id", "title", "query", "waived"]
FINDING_KEYS = ["check", "severity", "milestone", "related", "docname", "line", "message",
                "waived"]


def example_plan() -> Plan:
    return Plan(
        [
            Milestone(
                "LDM-503-07", "Camera Data Processing", Location("campaigns/2019", 12),
                due=date(2019, 8, 30), level=2, tags=("camera",),
                prerequisites=(
                    Prerequisite("LDM-503-06", "Test report: DM ComCam", query="open",
                                 discussion="Makes no sense.",
                                 location=Location("campaigns/2019", 15)),
                    Prerequisite("DM-DRP-4", "Calibration product générations",
                                 waivers=(Waiver("title-mismatch", "agreed"),),
                                 location=Location("campaigns/2019", 19)),
                ),
                queries=(Query("Why?", location=Location("campaigns/2019", 22)),),
            ),
            Milestone("LDM-503-06", "DM ComCam interface", Location("campaigns/2019", 1)),
        ],
        references=[Reference("LDM-503-99", Location("index", 4))],
        catalog=[
            Milestone("LDM-503-07", "Test report: Camera data processing",
                      completed=date(2019, 1, 17), status="completed", declared=False,
                      in_catalog=True),
            Milestone("LDM-503-06", "Test report: DM ComCam interface", status="planned",
                      forecast=date(2019, 11, 11), declared=False, in_catalog=True),
        ],
    )


def test_document_follows_the_schema():
    plan = example_plan()
    doc = to_json_document(plan, run_checks(plan))
    assert list(doc)[:3] == ["version", "milestones", "findings"]
    assert doc["version"] == 1
    assert [m["id"] for m in doc["milestones"]] == ["DM-DRP-4", "LDM-503-06", "LDM-503-07"]
    for item in doc["milestones"]:
        assert list(item)[: len(MILESTONE_KEYS)] == MILESTONE_KEYS
        for req in item["requires"]:
            assert list(req)[: len(REQUIRES_KEYS)] == REQUIRES_KEYS
    for item in doc["findings"]:
        assert list(item)[: len(FINDING_KEYS)] == FINDING_KEYS
        assert item["severity"] in ("error", "warning", "info")

    ms07 = doc["milestones"][2]
    assert {k: ms07[k] for k in MILESTONE_KEYS if k != "requires"} == {
        "id": "LDM-503-07", "title": "Camera Data Processing", "docname": "campaigns/2019",
        "line": 12, "due": "2019-08-30", "forecast": None, "completed": "2019-01-17",
        "status": "completed", "level": 2, "external": False, "declared": True,
    }
    assert ms07["requires"] == [
        {"id": "LDM-503-06", "title": "Test report: DM ComCam", "query": "open",
         "waived": False, "waivers": [], "discussion": "Makes no sense.",
         "docname": "campaigns/2019", "line": 15,
         "compact": False},
        {"id": "DM-DRP-4", "title": "Calibration product générations", "query": None,
         "waived": True, "waivers": [{"check": "title-mismatch", "reason": "agreed"}],
         "discussion": "", "docname": "campaigns/2019", "line": 19, "compact": False},
    ]
    assert ms07["queries"] == [
        {"text": "Why?", "status": "open", "docname": "campaigns/2019", "line": 22}
    ]
    assert ms07["catalog_title"] == "Test report: Camera data processing"
    drp = doc["milestones"][0]
    assert (drp["docname"], drp["line"], drp["declared"], drp["status"]) == (
        None, None, False, None
    )
    assert doc["references"] == [{"id": "LDM-503-99", "docname": "index", "line": 4}]


def test_findings_in_json():
    finding = Finding("schedule-inversion", "warning", "LDM-503-04b", "Too early.",
                      related=("DM-NCSA-6",), location=Location("plan", 41), waived=True,
                      waiver_reason="agreed in review")
    unlocated = Finding("undefined-reference", "warning", None, "Nope.", related=("X",))
    doc = to_json_document(Plan(), [finding, unlocated])
    assert doc["findings"] == [
        {"check": "undefined-reference", "severity": "warning", "milestone": None,
         "related": ["X"], "docname": None, "line": None, "message": "Nope.",
         "waived": False, "waiver_reason": ""},
        {"check": "schedule-inversion", "severity": "warning", "milestone": "LDM-503-04b",
         "related": ["DM-NCSA-6"], "docname": "plan", "line": 41, "message": "Too early.",
         "waived": True, "waiver_reason": "agreed in review"},
    ]
    assert findings_from_json(doc) == [unlocated, finding]


def test_external_follows_the_internal_patterns():
    plan = Plan([Milestone("LDM-503-12a", "x", prerequisites=(Prerequisite("CAMM8090"),
                                                               Prerequisite("DM-X-1")))])
    external = {m["id"]: m["external"] for m in to_json_document(plan, [])["milestones"]}
    assert external == {"CAMM8090": True, "DM-X-1": False, "LDM-503-12a": False}
    config = CheckConfig(internal_patterns=("^LDM-",))
    external = {m["id"]: m["external"] for m in to_json_document(plan, [], config)["milestones"]}
    assert external["DM-X-1"] is True


def test_dumps_is_deterministic_text():
    plan = example_plan()
    text = dumps(to_json_document(plan, run_checks(plan)))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert '  "version": 1,' in text.splitlines()[1]
    assert "générations" in text  # ensure_ascii=False
    shuffled = Plan(list(reversed(plan.declarations)), plan.references,
                    list(reversed(plan.catalog)))
    assert dumps(to_json_document(shuffled, reversed(run_checks(shuffled)))) == text
    assert json.loads(text) == to_json_document(plan, run_checks(plan))
    # The build streams the same text to the file (dump), a few thousand pieces at a time.
    streamed = io.StringIO()
    dump(to_json_document(plan, run_checks(plan)), streamed)
    assert streamed.getvalue() == text


@settings(max_examples=50, deadline=None)
@given(plan=plans())
def test_dumps_writes_the_json_modules_text(plan):
    """The hand-written encoder gives ``json.dumps(indent=2, ensure_ascii=False)``'s bytes."""
    doc = to_json_document(plan, run_checks(plan))
    assert dumps(doc) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def test_dumps_writes_every_json_value_as_the_json_module_does():
    odd = {"empty": [], "none": {}, "": [[[]]], 1: "int key", 2.5: "float key", None: "null",
           False: "false", "values": [0, -7, 10**30, 2.5, -0.0, 1e300, float("nan"),
                                    float("inf"), -float("inf"), True, False, None,
                                    "é\"\\\n\u2028\x00\U0001f600", (1, [2, {"k": ()}])],
           # Flat values of a dict are written in its own loop: 1 and 0 are no booleans.
           "flags": {"t": True, "f": False, "n": None, "one": 1, "zero": 0, "s": "x"}}
    assert dumps(odd) == json.dumps(odd, indent=2, ensure_ascii=False) + "\n"
    # Long enough to be written in several pieces.
    many = {"items": [{"n": i, "s": str(i)} for i in range(5000)]}
    streamed = io.StringIO()
    dump(many, streamed)
    assert streamed.getvalue() == json.dumps(many, indent=2, ensure_ascii=False) + "\n"
    with pytest.raises(TypeError):
        dumps({"when": date(2020, 1, 1)})


def test_plan_from_json_rebuilds_the_plan():
    plan = example_plan()
    doc = json.loads(dumps(to_json_document(plan, run_checks(plan))))
    rebuilt = plan_from_json(doc)
    assert [ms.id for ms in rebuilt] == [ms.id for ms in plan]
    assert rebuilt.get("LDM-503-07") == replace(plan.get("LDM-503-07"), status="completed")
    assert rebuilt.get("DM-DRP-4") == plan.get("DM-DRP-4")
    assert rebuilt.references == plan.references
    assert run_checks(rebuilt) == run_checks(plan)


@pytest.mark.parametrize("doc", [{}, {"version": 2, "milestones": []}, [], {"version": 1},
                                 {"version": 1, "milestones": [{"title": "no id"}]}])
def test_plan_from_json_rejects_other_documents(doc):
    with pytest.raises(ValueError, match=r"ldm503\.json"):
        plan_from_json(doc)


@settings(max_examples=100, deadline=None)
@given(plans(), CONFIGS)
def test_round_trip_gives_the_same_findings(plan, config):
    findings = run_checks(plan, config)
    text = dumps(to_json_document(plan, findings, config))
    rebuilt = plan_from_json(json.loads(text))
    # Only the declaration in use is exported, so duplicates cannot come back.
    expected = [f for f in findings if f.check != "duplicate-id"]
    assert [f for f in run_checks(rebuilt, config) if f.check != "duplicate-id"] == expected
    assert findings_from_json(json.loads(text)) == findings
