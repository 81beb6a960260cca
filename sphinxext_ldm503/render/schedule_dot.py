"""Diagram styling for the schedule views: critical path, slack tooltips, a slip's reach.

Pure (no Sphinx): functions that give :func:`.graph.build_dot` per-node and
per-edge attributes on top of the house style, so the diagrams of
``milestone-graph :critical-path:`` and ``milestone-impact`` look like every
other diagram of the plan and the tests can read the DOT without a build.
"""

from __future__ import annotations

from collections.abc import Callable

import graphviz

from ..core.model import Edge, Milestone, id_key
from ..core.schedule import CriticalPath, Impact, days_text, edge_slack
from .graph import edge_tooltip
from .graph.dot import LABEL_LINE
from .graph.style import CRITICAL_EDGE, CRITICAL_NODE, DIMMED_EDGE, DIMMED_NODE

# The critical path's and the dimmed colours are in graph.style: the key draws them too.
SLIP_COLOR = "#b91c1c"
SLIP_FILL = "#fee2e2"

NodeExtra = Callable[[Milestone], dict[str, str]]
EdgeExtra = Callable[[Edge], dict[str, str]]


def slack_words(slack: int | None) -> str:
    """How a reader is told an edge's slack, in tooltips and tables."""
    if slack is None:
        return "slack unknown (a date is missing)"
    if slack < 0:
        return f"slack {slack} days: the prerequisite finishes {days_text(-slack)} late"
    return f"slack {days_text(slack)}"


def slack_tooltip(edge: Edge) -> dict[str, str]:
    """The usual edge tooltip plus the edge's slack (for every diagram)."""
    text = f"{edge_tooltip(edge)}\\n{slack_words(edge_slack(edge))}"
    return {"tooltip": graphviz.nohtml(text)}


def no_node_extra(ms: Milestone) -> dict[str, str]:
    return {}


def critical_path_styles(path: CriticalPath | None) -> tuple[NodeExtra, EdgeExtra]:
    """Highlight the path's milestones and edges, dim the rest; slack in edge tooltips.

    Without a path (no ``:critical-path:``) only the slack tooltips are added.
    """
    if path is None:
        # Module-level functions: diagrams of a build share statements only when they
        # share these (see graph.dot.Statements).
        return no_node_extra, slack_tooltip
    on_path = {id_key(i) for i in path.ids}
    path_edges = path.edges

    def node_extra(ms: Milestone) -> dict[str, str]:
        return dict(CRITICAL_NODE if ms.key in on_path else DIMMED_NODE)

    def edge_extra(edge: Edge) -> dict[str, str]:
        attrs = slack_tooltip(edge)
        on = (edge.source.key, edge.target.key) in path_edges
        attrs.update(CRITICAL_EDGE if on else DIMMED_EDGE)
        return attrs

    return node_extra, edge_extra


def impact_styles(result: Impact) -> tuple[NodeExtra, EdgeExtra]:
    """Moved milestones in red with their shift under their ID; the push in red."""
    moves = {id_key(m.id): m for m in result.moves}

    def node_extra(ms: Milestone) -> dict[str, str]:
        move = moves.get(ms.key)
        if move is None:
            return dict(DIMMED_NODE)
        return {"color": SLIP_COLOR, "fillcolor": SLIP_FILL, "penwidth": "2.0",
                LABEL_LINE: f"+{move.days}d", "fontcolor": "#111827"}

    def edge_extra(edge: Edge) -> dict[str, str]:
        attrs = slack_tooltip(edge)
        move = moves.get(edge.source.key)
        if move is not None and move.via is not None and id_key(move.via) == edge.target.key:
            attrs.update(color=SLIP_COLOR, penwidth="2.0")
        else:
            attrs.update(DIMMED_EDGE)
        return attrs

    return node_extra, edge_extra
