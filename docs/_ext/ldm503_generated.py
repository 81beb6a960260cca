"""The guide's generated examples: check findings, ``--help`` texts, JSON keys.

Each check runs on a small plan of its own (:data:`EXAMPLES`), built here from the
model, so the finding the guide shows is what the code says today; the ``invalid``
example is a configuration problem reported by :meth:`CheckConfig.problems`. The
command line's help comes from :func:`sphinxext_ldm503.cli.main.make_parser`, and the
JSON keys from :func:`sphinxext_ldm503.core.export.to_json_document` run on a plan.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinxext_ldm503.cli.main import format_finding, make_parser
from sphinxext_ldm503.core.checks import REGISTRY, CheckConfig, run_checks
from sphinxext_ldm503.core.export import dumps, to_json_document
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


def _loc(line: int) -> Location:
    return Location("plan", line)


def _ms(ms_id: str, line: int, *requires: str | Prerequisite, **kw: Any) -> Milestone:
    pres = tuple(p if isinstance(p, Prerequisite) else Prerequisite(p, location=_loc(line + 5))
                 for p in requires)
    return Milestone(ms_id, kw.pop("title", f"Test of {ms_id[-2:]}"), location=_loc(line),
                     prerequisites=pres, **kw)


def _plan(*milestones: Milestone, catalog: tuple[Milestone, ...] = ()) -> Plan:
    return Plan(declarations=list(milestones), catalog=list(catalog))


#: check name -> (the plan it runs on, the configuration, what the plan does wrong).
EXAMPLES: dict[str, tuple[Callable[[], Plan], CheckConfig, str]] = {
    "duplicate-id": (
        lambda: _plan(_ms("LDM-503-01", 10), _ms("LDM-503-01", 40)), CheckConfig(),
        "LDM-503-01 is declared twice."),
    "undefined-reference": (
        lambda: _plan(_ms("LDM-503-02", 10, "LDM-503-99")), CheckConfig(),
        "LDM-503-02 requires LDM-503-99, which matches the plan's ID pattern but is "
        "declared nowhere."),
    "cycle": (
        lambda: _plan(_ms("LDM-503-01", 10, "LDM-503-02"), _ms("LDM-503-02", 40, "LDM-503-01")),
        CheckConfig(), "LDM-503-01 and LDM-503-02 require each other."),
    "schedule-inversion": (
        lambda: _plan(_ms("LDM-503-01", 10, due=date(2019, 6, 1)),
                      _ms("LDM-503-02", 40, "LDM-503-01", due=date(2019, 3, 1))),
        CheckConfig(), "LDM-503-02 is due on 2019-03-01, before its prerequisite "
        "LDM-503-01 (2019-06-01)."),
    "status-inversion": (
        lambda: _plan(_ms("LDM-503-01", 10, status="planned"),
                      _ms("LDM-503-02", 40, "LDM-503-01", completed=date(2019, 3, 1))),
        CheckConfig(), "LDM-503-02 is completed, its prerequisite LDM-503-01 only planned."),
    "title-mismatch": (
        lambda: _plan(_ms("LDM-503-01", 10, title="HSC reprocessing"),
                      _ms("LDM-503-02", 40, Prerequisite("LDM-503-01", title="HSC processing",
                                                         location=_loc(45)))),
        CheckConfig(), "LDM-503-02 cites LDM-503-01 under another title."),
    "redundant-prerequisite": (
        lambda: _plan(_ms("LDM-503-01", 10), _ms("LDM-503-02", 40, "LDM-503-01"),
                      _ms("LDM-503-03", 70, "LDM-503-02", "LDM-503-01")),
        CheckConfig(), "LDM-503-03 requires LDM-503-01 directly and through LDM-503-02."),
    "external-prerequisite": (
        lambda: _plan(_ms("LDM-503-01", 10), _ms("LDM-503-02", 40, "LDM-503-01", "OPS-7")),
        CheckConfig(), "LDM-503-02 requires OPS-7, outside the internal patterns "
        "(default ``^LDM-503-``, ``^DM-``)."),
    "no-internal-prerequisites": (
        lambda: _plan(_ms("LDM-503-02", 40, "OPS-7")),
        CheckConfig(), "LDM-503-02's only prerequisite is external."),
    "at-risk": (
        lambda: _plan(_ms("LDM-503-01", 10, status="at-risk"),
                      _ms("LDM-503-02", 40, "LDM-503-01")),
        CheckConfig(), "LDM-503-02 requires LDM-503-01, whose status is at-risk "
        "(``ldm503_at_risk_patterns`` can mark milestones at risk by ID too)."),
    "open-query": (
        lambda: _plan(_ms("LDM-503-02", 40, Prerequisite(
            "LDM-503-01", query="open", discussion="Is the camera needed here?",
            location=_loc(45))), _ms("LDM-503-01", 10)),
        CheckConfig(), "LDM-503-02's prerequisite LDM-503-01 carries an open query."),
    "schedule-drift": (
        lambda: _plan(_ms("LDM-503-01", 10), _ms("LDM-503-03", 30),
                      _ms("LDM-503-02", 40, "LDM-503-01"),
                      catalog=(Milestone("LDM-503-02", "Test of 02", declared=False,
                                         in_catalog=True,
                                         schedule_predecessors=("LDM-503-03",)),)),
        CheckConfig(), "the catalog says LDM-503-02 follows LDM-503-03; the plan says it "
        "requires LDM-503-01."),
}

#: The ``invalid`` example: a misspelled check name in ``ldm503_check_severity``.
INVALID_CONFIG = CheckConfig(severity={"cylce": "error"})


def example_findings(name: str) -> list[Finding]:
    """The example findings of one check (for ``invalid``: none, see :func:`invalid_example`)."""
    if name not in EXAMPLES:
        return []
    make, config, _ = EXAMPLES[name]
    return [f for f in run_checks(make(), config) if f.check == name]


def invalid_example() -> str:
    return INVALID_CONFIG.problems()[0]


def _literal(text: str, language: str = "text") -> nodes.literal_block:
    block = nodes.literal_block(text, text)
    block["language"] = language
    return block


def _para(text: str) -> nodes.paragraph:
    return nodes.paragraph(text, text)


class CheckExamples(SphinxDirective):
    """``.. ldm503-check-examples::``: per check, what it finds and a real finding."""

    def run(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for spec in REGISTRY:
            section = nodes.section(ids=[f"check-{spec.name}"], names=[f"check-{spec.name}"])
            section += nodes.title(spec.name, "", nodes.literal(spec.name, spec.name))
            finds = spec.description.replace("``", "")
            section += _para(f"Default severity {spec.severity}; finds {finds}.")
            if spec.name == "invalid":
                setting = "ldm503_check_severity = {'cylce': 'error'}"
                intro = nodes.paragraph("", "Example: a misspelled check name on line 3 of "
                                        "conf.py, ")
                intro += nodes.literal(setting, setting)
                intro += nodes.Text(" (reported where the configuration is read; the "
                                    "build goes on):")
                section += intro
                text = f"conf.py:3: WARNING: {invalid_example()} [ldm503.invalid]"
            else:
                _, _, situation = EXAMPLES[spec.name]
                section += _para(f"Example: {situation.replace('``', '')}")
                found = example_findings(spec.name)
                if not found:
                    raise self.error(f"the example plan of {spec.name} finds nothing")
                text = "\n".join(format_finding("plan.rst", f) for f in found)
            section += _literal(text)
            out.append(section)
        return out


def _help(parser: argparse.ArgumentParser) -> str:
    # A fixed width, so the page does not depend on the terminal of whoever builds it.
    import os

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        return parser.format_help()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = make_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


class CliHelp(SphinxDirective):
    """``.. ldm503-cli-help:: [SUBCOMMAND]``: ``ldm503 [SUBCOMMAND] --help``, generated."""

    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        if not self.arguments:
            return [_literal(_help(make_parser()))]
        commands = subcommands()
        name = self.arguments[0]
        if name not in commands:
            raise self.error(f"no subcommand {name!r}; there are {', '.join(commands)}")
        return [_literal(_help(commands[name]))]


def sample_document() -> dict[str, Any]:
    """``ldm503.json`` of a two-milestone plan: a waived finding, an open query, a reference."""
    plan = _plan(
        _ms("LDM-503-01", 10, title="HSC reprocessing", due=date(2019, 6, 1),
            queries=(Query("Which data set?", location=_loc(20)),)),
        _ms("LDM-503-02", 40, Prerequisite(
            "LDM-503-01", title="HSC reprocessing", location=_loc(45),
            waivers=(Waiver("schedule-inversion", "agreed in review"),)),
            title="Pipelines on the new camera", due=date(2019, 3, 1), level=2),
    )
    plan.references.append(Reference("LDM-503-01", location=_loc(60)))
    return to_json_document(plan, run_checks(plan))


class JsonSample(SphinxDirective):
    """``.. ldm503-json-sample::``: the ``ldm503.json`` of a small plan, generated."""

    def run(self) -> list[nodes.Node]:
        doc = sample_document()
        # One check entry is enough to show its keys.
        doc["checks"] = doc["checks"][:1]
        return [_literal(dumps(doc), "json")]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("ldm503-check-examples", CheckExamples)
    app.add_directive("ldm503-cli-help", CliHelp)
    app.add_directive("ldm503-json-sample", JsonSample)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

