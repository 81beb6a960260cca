"""The legend: a small diagram of every node and edge style the diagrams use."""

from __future__ import annotations

import graphviz

from ..model import Milestone
from .dot import _edge_defaults, _node_defaults
from .escape import _html_id, _label_text, _tooltip_text
from .options import GraphOptions
from .style import EDGE_PLAIN, EDGE_STYLES, FONT, FONT_BOLD, LATE_COLOR, node_style

_SAMPLES = (
    ("test", Milestone("LDM-503-01"), "test milestone"),
    ("dm", Milestone("DM-AP-1"), "DM milestone"),
    ("external", Milestone("CAMM8040", external=True), "external milestone"),
    ("completed", Milestone("LDM-503-02", status="completed"), "completed"),
    ("at_risk", Milestone("LDM-503-03", status="at-risk"), "at risk"),
    ("descoped", Milestone("DM-AP-2", status="descoped"), "descoped"),
    ("undeclared", Milestone("DM-AP-3", declared=False), "not declared here"),
)
_EDGE_SAMPLES: tuple[tuple[str, dict[str, str], str], ...] = (
    ("plain", {}, "prerequisite \u2192 milestone"),
    ("open", EDGE_STYLES["open"], "open review query"),
    ("resolved", EDGE_STYLES["resolved"], "resolved query"),
    ("dropped", EDGE_STYLES["dropped"], "dropped (not checked)"),
    ("late", {"color": LATE_COLOR, "penwidth": "1.6"}, "finishes too late (timeline)"),
)
_CLUSTER = {"style": "rounded", "color": "#c7cdd4", "fontcolor": "#4b5563",
            "labeljust": "l", "fontname": FONT_BOLD}


def _legend_strip(options: GraphOptions, name: str) -> str:
    """The legend as two rows (milestones, then prerequisites), for a page's foot.

    Top-to-bottom ranks make each ``rank=same`` group a row, and an edge inside a
    rank is drawn horizontally, so every sample arrow lies in its row.
    """
    dot = graphviz.Digraph(
        name=_html_id(name).replace("-", "_"),
        graph_attr={
            "rankdir": "TB", "fontname": FONT, "fontsize": "11", "bgcolor": "transparent",
            "nodesep": "0.12", "ranksep": "0.12", "id": _html_id(name), "newrank": "true",
        },
        node_attr=_node_defaults(options),
        edge_attr=_edge_defaults(),
    )
    with dot.subgraph() as row:
        row.attr(rank="same")
        for key, ms, text in _SAMPLES:
            row.node(f"n_{key}", label=graphviz.nohtml(_label_text(text)),
                     tooltip=graphviz.nohtml(_tooltip_text(text)), **node_style(ms, options))
    with dot.subgraph() as row:
        row.attr(rank="same")
        previous = None
        for key, style, text in _EDGE_SAMPLES:
            row.node(f"t_{key}", label="", shape="point", width="0.04", color="#9aa3ad")
            row.node(f"h_{key}", label="", shape="point", width="0.04", color="#9aa3ad")
            row.node(f"d_{key}", label=graphviz.nohtml(_label_text(text)), shape="plaintext",
                     margin="0.02,0")
            attrs = dict(EDGE_PLAIN)
            attrs.update({k: v for k, v in style.items() if k != "constraint"})
            row.edge(f"t_{key}", f"h_{key}", minlen="4", **attrs)
            row.edge(f"h_{key}", f"d_{key}", style="invis", minlen="1")
            if previous:
                row.edge(previous, f"t_{key}", style="invis", minlen="2")
            previous = f"d_{key}"
    dot.edge(f"n_{_SAMPLES[0][0]}", f"t_{_EDGE_SAMPLES[0][0]}", style="invis")
    return dot.source


def build_legend_dot(
    options: GraphOptions | None = None, *, name: str = "ldm503-legend", strip: bool = False
) -> str:
    """A small diagram explaining every node and edge style the diagrams use.

    Built from the same style functions as the diagrams, so it cannot drift.
    Milestone styles stack in one column, prerequisite styles in another. With
    ``strip`` (the PDF's whole-plan pages) each group is one row instead: a wide,
    low legend that leaves a landscape page's height to the diagram it explains.
    """
    options = options or GraphOptions()
    if strip:
        return _legend_strip(options, name)
    dot = graphviz.Digraph(
        name=_html_id(name).replace("-", "_"),
        graph_attr={
            "rankdir": "LR", "fontname": FONT, "fontsize": "11", "bgcolor": "transparent",
            "nodesep": "0.08", "ranksep": "0.35", "id": _html_id(name), "newrank": "true",
        },
        node_attr=_node_defaults(options),
        edge_attr=_edge_defaults(),
    )
    samples = _SAMPLES
    cluster = _CLUSTER
    with dot.subgraph(name="cluster_milestones") as sub:
        sub.attr(label="milestones", **cluster)
        with sub.subgraph() as column:
            column.attr(rank="same")
            for key, ms, text in samples:
                column.node(f"n_{key}", label=graphviz.nohtml(_label_text(text)),
                            tooltip=graphviz.nohtml(_tooltip_text(text)), width="1.45",
                            **node_style(ms, options))
    edges = _EDGE_SAMPLES
    with dot.subgraph(name="cluster_prerequisites") as sub:
        sub.attr(label="prerequisites", **cluster)
        for rank, prefix in ((1, "t"), (2, "h"), (3, "d")):
            with sub.subgraph() as column:
                column.attr(rank="same")
                for key, _, text in edges:
                    if rank == 3:
                        # "\\l" ends a left-justified line; the common width aligns them.
                        column.node(f"d_{key}", label=graphviz.nohtml(_label_text(text) + "\\l"),
                                    shape="plaintext", margin="0.02,0", width="2.2")
                    else:
                        column.node(f"{prefix}_{key}", label="", shape="point",
                                    width="0.04", color="#9aa3ad")
        for key, style, _ in edges:
            attrs = dict(EDGE_PLAIN)
            attrs.update({k: v for k, v in style.items() if k != "constraint"})
            sub.edge(f"t_{key}", f"h_{key}", minlen="3", **attrs)
            sub.edge(f"h_{key}", f"d_{key}", style="invis", minlen="1")
    # Keep the two columns side by side rather than stacked.
    dot.edge(f"n_{samples[0][0]}", f"t_{edges[0][0]}", style="invis")
    return dot.source
