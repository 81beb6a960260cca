"""Placeholder nodes, replaced by the resolver once every document has been read.

Each carries only plain, picklable attributes (IDs, option dicts): the doctree
is pickled between reading and writing, and the plan they render is assembled
from the domain at resolve time, so a change elsewhere in the project shows up
without re-reading this document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docutils import nodes

if TYPE_CHECKING:
    from sphinx.application import Sphinx


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


class copied_prerequisites(ldm503_placeholder):
    """The prerequisites list of a ``:no-index:`` copy: those of the declaration."""


#: Every builder family our placeholders need a visitor for (as sphinx-design does).
FORMATS: tuple[str, ...] = ("html", "latex", "text", "man", "texinfo")


def visit_placeholder(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    """A placeholder that survived (a builder without post-transforms) renders as nothing."""
    raise nodes.SkipNode


def add_placeholder(app: Sphinx, node_class: type[ldm503_placeholder]) -> None:
    """Register a placeholder node with a do-nothing visitor for every builder."""
    visitors = (visit_placeholder, None)
    app.add_node(node_class, html=visitors, latex=visitors, text=visitors, man=visitors,
                 texinfo=visitors)
