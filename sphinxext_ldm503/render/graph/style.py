"""How milestones and edges look: shapes, colours and tooltips.

Kind (test, DM-like, external) comes from the one classifier the checks use and
sets the outline; state (planned, completed, at risk, descoped) sets the fill; a
milestone not declared in the plan is dashed. Two channels, so neither hides the other.
The legend is drawn from these same functions, so it cannot drift from them.
"""

from __future__ import annotations

import textwrap

import graphviz

from ...core.model import Edge, Milestone
from .escape import clean_text, tooltip_text
from .options import GraphOptions, kind_of

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_SIZE = 12

#: Kind is the outline: its shape, colour and number of lines. Fill is left to state.
KIND_STYLES: dict[str, dict[str, str]] = {
    # The plan's own test milestones: square corners, blue outline, bold label.
    "test": {
        "shape": "box", "style": "filled", "color": "#1f5fa8", "fontcolor": "#0d2a47",
        "fontname": FONT_BOLD, "penwidth": "1.5",
    },
    # DM milestones: rounded, grey outline.
    "dm": {"shape": "box", "style": "rounded,filled", "color": "#6b7280", "fontcolor": "#1f2937"},
    # Milestones owned outside DM (Camera, integration, ...): rounded, purple double outline.
    "external": {
        "shape": "box", "style": "rounded,filled", "color": "#7e3fb0", "fontcolor": "#2e1a47",
        "peripheries": "2",
    },
}
#: State is the fill (and, for descoped, a greyed label): it never hides the kind.
STATE_FILLS: dict[str, str] = {
    "planned": "#ffffff",
    "in-progress": "#dbeafe",
    "completed": "#c9e7c1",
    "at-risk": "#ffd3a8",
    "descoped": "#e5e5e5",
}
COMPLETED_FILL = STATE_FILLS["completed"]
AT_RISK_FILL = STATE_FILLS["at-risk"]
AT_RISK_COLOR = "#d9480f"
DESCOPED = {"fillcolor": STATE_FILLS["descoped"], "fontcolor": "#525252"}
ROOT_PENWIDTH = "2.8"
#: A diagram's roots (``:root:``) are outlined at least this thick (the key shows it).
ROOT_MIN_PENWIDTH = 2.2

EDGE_PLAIN = {"color": "#5b6470"}
EDGE_STYLES: dict[str, dict[str, str]] = {
    "none": {},
    "open": {"style": "dashed", "color": "#c2410c", "penwidth": "1.6"},
    "resolved": {"dir": "both", "arrowtail": "odot"},
    "dropped": {"style": "dotted", "color": "#a3a3a3", "constraint": "false"},
}
LATE_COLOR = "#b91c1c"
TIMELINE_EDGE_COLOR = "#9ca3af"

#: A critical path (``milestone-graph :critical-path:``): its milestones and edges in
#: thick blue, the rest dimmed. Here, not in schedule_dot, so that the key draws them
#: from the same table as the diagram. Dimmed, a label still reads: #5b6470 on the
#: dimmed fill is 5.6:1 (WCAG asks 4.5), where the grey it replaces (#9ca3af) was 2.5:1.
PATH_COLOR = "#1d4ed8"
DIM_COLOR = "#d1d5db"
DIM_TEXT = "#5b6470"
DIM_FILL = "#f9fafb"
CRITICAL_NODE: dict[str, str] = {"color": PATH_COLOR, "penwidth": "2.6"}
CRITICAL_EDGE: dict[str, str] = {"color": PATH_COLOR, "penwidth": "2.4", "style": "solid"}
DIMMED_NODE: dict[str, str] = {"color": DIM_COLOR, "fontcolor": DIM_TEXT, "fillcolor": DIM_FILL}
#: Dimmed, an edge still shows: 3.3:1 on the panel (WCAG's 3:1 for graphics; #d1d5db
#: was 1.5:1 and the key's sample of it all but vanished).
DIM_EDGE_COLOR = "#868e99"
DIMMED_EDGE: dict[str, str] = {"color": DIM_EDGE_COLOR}


def node_state(ms: Milestone, *, at_risk: bool = False) -> str:
    """The state a node's fill shows: completed and descoped win over at risk."""
    status = ms.effective_status
    if status in ("completed", "descoped"):
        return status
    if at_risk or status == "at-risk":
        return "at-risk"
    return status if status in STATE_FILLS else "planned"


def node_style(
    ms: Milestone, options: GraphOptions | None = None, *, at_risk: bool = False
) -> dict[str, str]:
    """Graphviz attributes for a milestone: two independent channels.

    Kind sets the outline (shape, colour, single or double line), state sets the
    fill, so an external milestone that is completed still reads as external.
    Not declared in this plan: a dashed outline.
    """
    style = dict(KIND_STYLES[kind_of(ms, options)])
    state = node_state(ms, at_risk=at_risk)
    style["fillcolor"] = STATE_FILLS[state]
    if state == "descoped":
        style.update(DESCOPED)
    styles = style["style"].split(",")
    if not ms.declared:
        styles.append("dashed")
    style["style"] = ",".join(styles)
    return style


def edge_style(edge: Edge) -> dict[str, str]:
    attrs = dict(EDGE_PLAIN)
    attrs.update(EDGE_STYLES[edge.prerequisite.query or "none"])
    return attrs


def is_late(edge: Edge) -> bool:
    """The prerequisite finishes after the milestone that needs it."""
    before, after = edge.target.finish, edge.source.finish
    return before is not None and after is not None and before > after


def _status_words(ms: Milestone, at_risk: bool) -> str:
    words: str = ms.effective_status
    if at_risk and words != "at-risk":
        words += ", at risk"
    return words


def node_tooltip(ms: Milestone, *, at_risk: bool = False) -> str:
    """ID and title, dates, status: what a reader hovering over a node wants."""
    lines = [ms.label]
    dates = []
    if ms.due:
        dates.append(f"due {ms.due.isoformat()}")
    if ms.forecast and ms.forecast != ms.due:
        dates.append(f"forecast {ms.forecast.isoformat()}")
    if ms.completed:
        dates.append(f"completed {ms.completed.isoformat()}")
    lines.append(", ".join(dates) if dates else "no date")
    lines.append(f"status: {_status_words(ms, at_risk)}")
    if not ms.declared:
        lines.append("not declared in this plan")
    # nohtml: a tooltip such as "<x> requires <y>" is not an HTML-like string.
    return graphviz.nohtml("\\n".join(tooltip_text(line) for line in lines))


def edge_tooltip(edge: Edge) -> str:
    pre = edge.prerequisite
    head = f"{edge.source.id} requires {edge.target.id}"
    if pre.query:
        head += f" ({pre.query} query)"
    lines = [head]
    if pre.title:
        lines.append(f"as: {pre.title}")
    if pre.discussion:
        lines.append(textwrap.shorten(clean_text(pre.discussion), 300, placeholder=" \u2026"))
    # nohtml: a tooltip such as "<x> requires <y>" is not an HTML-like string.
    return graphviz.nohtml("\\n".join(tooltip_text(line) for line in lines))
