"""Placeholder nodes, replaced by the resolver once every document has been read.

Each carries only plain, picklable attributes (IDs, option dicts): the doctree
is pickled between reading and writing, and the plan they render is assembled
from the domain at resolve time, so a change elsewhere in the project shows up
without re-reading this document.
"""

from __future__ import annotations

from docutils import nodes


class ldm503_placeholder(nodes.General, nodes.Element):
    """Base class: never reaches a writer, the resolver replaces it."""


class milestone_meta(ldm503_placeholder):
    """Due/forecast/completed/status of a milestone (the catalog may supply them)."""


class required_by(ldm503_placeholder):
    """The "Required by" list of a milestone, which other documents determine."""


class milestone_graph(ldm503_placeholder):
    """A dependency diagram; ``options`` holds the directive's raw options."""


class milestone_report(ldm503_placeholder):
    """The findings table of ``milestone-report``."""


class milestone_table(ldm503_placeholder):
    """The schedule table of ``milestone-table``."""


PLACEHOLDERS = (milestone_meta, required_by, milestone_graph, milestone_report, milestone_table)


def visit_placeholder(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    """A placeholder that survived (a builder without post-transforms) renders as nothing."""
    raise nodes.SkipNode
