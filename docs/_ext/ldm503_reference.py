"""The user guide's reference tables, generated from the code at build time.

Config values, ``milestone-graph`` options, the options of the other directives
and the checks come from the same tables the extension itself uses
(``CONFIG_VALUES``, ``GRAPH_OPTIONS``, each directive's ``known_options``, the
check ``REGISTRY``), so the guide cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinxext_ldm503.core.checks import REGISTRY
from sphinxext_ldm503.core.config import CONFIG_VALUES
from sphinxext_ldm503.features.report import MilestoneReportDirective, MilestoneTableDirective
from sphinxext_ldm503.framework.directives import (
    MilestoneDirective,
    PrerequisiteDirective,
    QueryDirective,
)
from sphinxext_ldm503.render.graph import GRAPH_OPTIONS


def _table(headers: list[str], rows: list[list[str]], classes: str) -> nodes.table:
    table = nodes.table(classes=["ldm503-reference", classes])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)
    head = nodes.row()
    for header in headers:
        head += nodes.entry("", nodes.paragraph(header, header))
    group += nodes.thead("", head)
    body = nodes.tbody()
    for cells in rows:
        row = nodes.row()
        for i, text in enumerate(cells):
            inner: nodes.Node = nodes.literal(text, text) if i == 0 else nodes.Text(text)
            row += nodes.entry("", nodes.paragraph("", "", inner))
        body += row
    group += body
    return table


class ReferenceTable(SphinxDirective):
    """``.. ldm503-reference:: config|graph-options|directive-options|checks``."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        kind = self.arguments[0]
        if kind == "config":
            rows = [[v.name, repr(v.default), v.description] for v in CONFIG_VALUES]
            return [_table(["value", "default", "meaning"], rows, "ldm503-ref-config")]
        if kind == "graph-options":
            rows = [[f":{o.name}:", ", ".join(o.choices) or o.metavar, o.help]
                    for o in GRAPH_OPTIONS]
            return [_table(["option", "values", "meaning"], rows, "ldm503-ref-graph")]
        if kind == "directive-options":
            directives: list[tuple[str, Any]] = [
                ("milestone", MilestoneDirective), ("prerequisite", PrerequisiteDirective),
                ("query", QueryDirective), ("milestone-report", MilestoneReportDirective),
                ("milestone-table", MilestoneTableDirective),
            ]
            rows = [[name, ", ".join(f":{o}:" for o in cls.known_options)]
                    for name, cls in directives]
            return [_table(["directive", "options"], rows, "ldm503-ref-directives")]
        if kind == "checks":
            rows = [[c.name, c.severity, c.description.replace("``", "")] for c in REGISTRY]
            return [_table(["check", "default", "finds"], rows, "ldm503-ref-checks")]
        raise self.error(f"unknown reference table {kind!r}")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("ldm503-reference", ReferenceTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
