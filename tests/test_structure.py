"""The shape of the code: a Sphinx-free core, one registry, one classifier, one config.

These tests guard the promises the rest of the code relies on: the checks, the
diagrams and the command line share a core that imports neither Sphinx nor
docutils; every list of check names, options and defaults is derived from one
place; and every output classifies a milestone the same way.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sphinxext_ldm503.core import config as ldm_config
from sphinxext_ldm503.core.checks import (
    CHECK_NAMES,
    DEFAULT_SEVERITY,
    REGISTRY,
    CheckConfig,
    run_checks,
)
from sphinxext_ldm503.core.classify import Classifier
from sphinxext_ldm503.core.export import to_json_document
from sphinxext_ldm503.core.model import CheckName, Location, Milestone, Plan, Prerequisite
from sphinxext_ldm503.framework.diagnostics import SUBTYPES
from sphinxext_ldm503.render.graph import GRAPH_OPTIONS, GraphOptions, build_dot, node_style
from sphinxext_ldm503.render.graph.style import KIND_STYLES

ROOT = Path(__file__).parent.parent

#: Modules that must work without Sphinx and docutils: the command line's
#: ``check``/``export`` read JSON with them, and the checks are unit-tested bare.
PURE_MODULES = (
    "sphinxext_ldm503.core.model",
    "sphinxext_ldm503.core.classify",
    "sphinxext_ldm503.core.config",
    "sphinxext_ldm503.core.titles",
    "sphinxext_ldm503.core.reachability",
    "sphinxext_ldm503.core.parsing",
    "sphinxext_ldm503.core.catalog",
    "sphinxext_ldm503.core.checks",
    "sphinxext_ldm503.core.export",
    "sphinxext_ldm503.core.ciformats",
    "sphinxext_ldm503.core.needsdata",
    "sphinxext_ldm503.core.needfilter",
    "sphinxext_ldm503.speed.batchdot",
    "sphinxext_ldm503.render.svgtext",
    "sphinxext_ldm503.render.graph",
    "sphinxext_ldm503.render.graph.dot",
    "sphinxext_ldm503.render.graph.legend",
    "sphinxext_ldm503.render.graph.timeline",
    "sphinxext_ldm503.core.schedule",
    "sphinxext_ldm503.render.schedule_dot",
    "sphinxext_ldm503.render.chart",
)

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("sphinx", "docutils"):
            raise ImportError(f"the pure core imported {name}")
        return None
sys.meta_path.insert(0, Block())
import importlib
for module in sys.argv[1:]:
    importlib.import_module(module)
print("ok")
"""


def test_pure_modules_import_without_sphinx_or_docutils():
    proc = subprocess.run([sys.executable, "-c", BLOCKER, *PURE_MODULES],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_the_blocker_really_blocks():
    proc = subprocess.run([sys.executable, "-c", BLOCKER, "sphinxext_ldm503.framework.domain"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode != 0
    assert "the pure core imported" in proc.stderr


# -- one registry ------------------------------------------------------------------


def test_check_names_come_from_the_registry():
    assert tuple(spec.name for spec in REGISTRY) == CHECK_NAMES
    assert get_args(CheckName) == CHECK_NAMES
    assert {spec.name: spec.severity for spec in REGISTRY} == DEFAULT_SEVERITY
    assert not set(SUBTYPES) & set(CHECK_NAMES)
    assert all(spec.description for spec in REGISTRY)


def readme_table(text: str, first_column: str) -> list[tuple[str, str]]:
    """The rows of a simple RST table whose header starts with ``first_column``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [first_column])
    rows: list[tuple[str, str]] = []
    for line in lines[start + 2:]:
        if re.fullmatch(r"=+( +=+)*", line.strip()):
            break
        if line[:1].strip():
            name, _, rest = line.partition(" ")
            rows.append((name, " ".join(rest.split())))
        elif rows:  # continuation of the previous row's last column
            rows[-1] = (rows[-1][0], f"{rows[-1][1]} {' '.join(line.split())}")
    return rows


def test_readme_check_table_matches_the_registry():
    rows = readme_table((ROOT / "README.rst").read_text(encoding="utf-8"), "check")
    expected = [(spec.name, f"{spec.severity} {spec.description}") for spec in REGISTRY]
    assert rows == expected


def test_cli_help_lists_every_check():
    proc = subprocess.run([sys.executable, "-m", "sphinxext_ldm503", "check", "--help"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0
    for spec in REGISTRY:
        assert re.search(rf"^  {re.escape(spec.name)} +{spec.severity} ", proc.stdout, re.M)


def test_severity_validation_uses_the_registry():
    problems = CheckConfig(severity={"cylce": "off", "cycle": "loud"}).problems()
    assert any("unknown check 'cylce'" in p and "duplicate-id" in p for p in problems)
    assert any("invalid severity 'loud'" in p for p in problems)


def test_graph_options_are_declared_once():
    from sphinxext_ldm503.cli.main import make_parser
    from sphinxext_ldm503.features.diagrams import MilestoneGraphDirective

    assert MilestoneGraphDirective.known_options == tuple(s.name for s in GRAPH_OPTIONS)
    export = make_parser()._subparsers._group_actions[0].choices["export"]
    flags = {a.dest for a in export._actions}
    assert {s.name for s in GRAPH_OPTIONS if s.cli} <= flags
    for spec in GRAPH_OPTIONS:
        if spec.cli and spec.choices:
            action = next(a for a in export._actions if a.dest == spec.name)
            assert tuple(action.choices) == spec.choices


def test_defaults_are_defined_once():
    defaults = {value.name: value.default for value in ldm_config.CONFIG_VALUES}
    assert CheckConfig().plan_id_pattern == defaults["ldm503_plan_id_pattern"]
    assert CheckConfig().internal_patterns == defaults["ldm503_internal_patterns"]
    assert Classifier() == CheckConfig().classifier
    assert GraphOptions().classifier == Classifier()


# -- one classifier ------------------------------------------------------------------

IDS = ("LDM-503-1", "LDM-503-2", "DM-AP-1", "FOO-1", "CAMM8040", "EIA-200", "X-9")
PATTERNS = ("^DM-", "^FOO-", "^LDM-503-", "^CAMM", "^X-")


@st.composite
def plans(draw: st.DrawFn) -> tuple[Plan, CheckConfig]:
    declared = draw(st.lists(st.sampled_from(IDS), unique=True, min_size=1, max_size=5))
    milestones = []
    for line, ms_id in enumerate(declared, 1):
        pres = draw(st.lists(st.sampled_from(IDS), max_size=3, unique=True))
        milestones.append(Milestone(
            ms_id, location=Location("doc", line * 10), external=draw(st.booleans()),
            prerequisites=tuple(Prerequisite(p, location=Location("doc", line * 10 + i))
                                for i, p in enumerate(pres) if p != ms_id)))
    config = CheckConfig(
        plan_id_pattern=draw(st.sampled_from((r"^LDM-503-\w+$", "^FOO-", "^X-"))),
        internal_patterns=tuple(draw(st.lists(st.sampled_from(PATTERNS), max_size=3))),
    )
    return Plan(milestones), config


@settings(max_examples=80, deadline=None)
@given(plans())
def test_checks_diagrams_and_json_classify_alike(plan_and_config):
    plan, config = plan_and_config
    classifier = config.classifier
    doc = to_json_document(plan, run_checks(plan, config), config)
    by_id = {m["id"]: m for m in doc["milestones"]}
    options = GraphOptions(classifier=classifier)
    dot = build_dot(plan, options)
    assert [c["name"] for c in doc["checks"]] == list(CHECK_NAMES)
    for ms in plan:
        kind = classifier.kind(ms)
        assert by_id[ms.id]["external"] == classifier.is_external(ms)
        assert by_id[ms.id]["kind"] == kind
        style = node_style(ms, options)
        # Kind is the outline, whatever the state (the fill) says.
        assert style["shape"] == KIND_STYLES[kind]["shape"]
        assert style["color"] == KIND_STYLES[kind]["color"]
        assert style.get("peripheries") == KIND_STYLES[kind].get("peripheries")
        assert f'color="{KIND_STYLES[kind]["color"]}"' in dot
    external_findings = {
        (f.milestone, f.related[0]) for f in run_checks(plan, config)
        if f.check == "external-prerequisite"
    }
    for edge in plan.edges:
        if edge.source.declared and not edge.source.external:
            expected = classifier.is_external(edge.target)
            assert ((edge.source.id, edge.target.id) in external_findings) == expected


def test_declared_non_dm_milestone_is_internal_everywhere():
    plan = Plan([Milestone("LDM-503-1", location=Location("a", 1),
                           prerequisites=(Prerequisite("CAMM8040", location=Location("a", 2)),
                                          Prerequisite("FOO-1", location=Location("a", 3)))),
                 Milestone("CAMM8040", location=Location("a", 5))])
    config = CheckConfig(internal_patterns=("^LDM-503-", "^DM-", "^FOO-"))
    doc = to_json_document(plan, run_checks(plan, config), config)
    kinds = {m["id"]: m["kind"] for m in doc["milestones"]}
    assert kinds == {"CAMM8040": "dm", "FOO-1": "dm", "LDM-503-1": "test"}
    assert not [f for f in run_checks(plan, config) if f.check == "external-prerequisite"]
    dot = build_dot(plan, GraphOptions(classifier=config.classifier))
    assert KIND_STYLES["external"]["color"] not in dot


# -- configuration -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [
    ("ldm503_check_severity", "off"),
    ("ldm503_internal_patterns", None),
    ("ldm503_internal_patterns", [1, 2]),
    ("ldm503_at_risk_patterns", [None]),
    ("ldm503_plan_id_pattern", None),
    ("ldm503_graph_max_nodes", "abc"),
    ("ldm503_dot_timeout", "abc"),
    ("ldm503_dot_timeout", -1),
    ("ldm503_catalog", 42),
    ("ldm503_today", "30/04/2019"),
    ("ldm503_json", "yes"),
    ("ldm503_fork_diagrams", "no"),
    ("ldm503_title_prefixes", 7),
])
def test_bad_config_values_fall_back_with_a_problem(name, value):
    fixed, problems = ldm_config.validate({name: value})
    assert [n for n, _ in problems] == [name] * len(problems) and problems
    good, again = ldm_config.validate(fixed)
    assert again == []
    json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in good.items()})


def test_good_config_values_pass_unchanged():
    values = {"ldm503_internal_patterns": ["^A-"], "ldm503_dot_timeout": 2.5,
              "ldm503_today": "2019-04-30", "ldm503_graph_max_nodes": 0}
    fixed, problems = ldm_config.validate(values)
    assert problems == []
    assert fixed["ldm503_internal_patterns"] == ("^A-",)
    assert fixed["ldm503_dot_timeout"] == 2.5
