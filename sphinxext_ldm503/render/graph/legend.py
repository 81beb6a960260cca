"""The legend: a small diagram of the node and edge styles a diagram uses."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable

import graphviz

from ...core.config import DEFAULT_INTERNAL_PATTERNS, KIND_LABEL_KEYS
from ...core.model import Milestone, id_key
from .dot import edge_defaults, node_defaults
from .escape import html_id, label_text, tooltip_text
from .options import GraphOptions, kind_of
from .select import SubPlan
from .style import (
    CRITICAL_EDGE,
    CRITICAL_NODE,
    DIMMED_EDGE,
    DIMMED_NODE,
    EDGE_PLAIN,
    EDGE_STYLES,
    FONT,
    KIND_STYLES,
    LATE_COLOR,
    ROOT_MIN_PENWIDTH,
    is_late,
    node_state,
    node_style,
)

#: Samples per row: the legend stays a compact block, not a strip wider than the page.
NODES_PER_ROW = 4
EDGES_PER_ROW = 3
#: The samples' kinds are what their labels say, whatever the project's classifier
#: makes of their made-up IDs (a guide whose patterns omit "DM-" must still show a DM
#: sample as one): they are styled with the default classifier.
SAMPLE_OPTIONS = GraphOptions()
#: Every entry the legend can show, in its order.
LEGEND_KEYS: tuple[str, ...] = (
    "test", "dm", "external", "completed", "in-progress", "at-risk", "descoped", "undeclared",
    "root-test", "root", "critical", "off-path",
    "critical-edge", "off-path-edge", "plain", "open", "resolved", "dropped", "late",
)
#: The entries only a critical-path diagram draws: there colour says "on the path" or
#: not, and a milestone's kind is told by its shape alone.
CRITICAL_KEYS = frozenset({"critical", "off-path", "critical-edge", "off-path-edge"})


def kind_words(options: GraphOptions) -> dict[str, str]:
    """The key's words for each kind of milestone (``test``, ``dm``, ``external``).

    ``options.kind_labels`` (``ldm503_kind_labels``) first. Otherwise a plan that
    keeps the default internal patterns (``^LDM-503-``, ``^DM-``: LSST's) calls its
    other internal milestones "DM milestone", as LSST does, and a plan that set its
    own calls them "project milestone": no plan is told about a DM it does not have.
    """
    internal = options.classifier.internal_patterns
    words = {
        "test": "test milestone",
        "dm": "DM milestone" if internal == DEFAULT_INTERNAL_PATTERNS else "project milestone",
        "external": "external milestone",
    }
    for key, text in options.kind_labels:
        if key in KIND_LABEL_KEYS:
            words[KIND_LABEL_KEYS[key]] = text
    return words


def legend_keys(
    subplan: SubPlan, options: GraphOptions, at_risk: Iterable[str] = (), *,
    on_path: Collection[str] | None = None, path_edges: Collection[tuple[str, str]] = (),
) -> frozenset[str]:
    """The legend entries one diagram needs: the kinds, states and edge styles it draws.

    ``on_path`` (ID keys) and ``path_edges`` ((dependent key, prerequisite key), as
    :attr:`.schedule.CriticalPath.edges`) describe a highlighted critical path, None
    for none. Its styles override others (schedule_dot.critical_path_styles): a
    dimmed milestone shows no state, a dimmed edge no "plain" colour, an edge on the
    path no query's dashes. The key lists what is drawn, nothing else.
    """
    risky = {id_key(x) for x in at_risk}
    roots = {id_key(r) for r in (options.root, *options.more_roots) if r}
    critical = on_path is not None
    path_nodes = set(on_path or ())
    path = set(path_edges)
    used: set[str] = set()
    #: the kinds of the roots the key explains (those on a critical path have its outline)
    root_kinds: set[str] = set()
    for ms in subplan.milestones:
        used.add(kind_of(ms, options))
        dimmed = critical and ms.key not in path_nodes
        if critical:
            used.add("off-path" if dimmed else "critical")
        state = node_state(ms, at_risk=ms.key in risky)
        if state != "planned" and not dimmed:
            used.add(state)
        if not ms.declared:
            used.add("undeclared")
        if ms.key in roots and not (critical and not dimmed):  # on the path: its outline
            root_kinds.add(kind_of(ms, options))
    # The key shows the thick outline on the roots' own kind of box where they are all of
    # one: a test milestone's blue square, not the DM milestone's grey rounded one that
    # matched no box of a campaign's overview. (A critical path's diagram keeps its
    # kinds in one neutral outline: "root" there.)
    if root_kinds:
        used.add("root-test" if root_kinds == {"test"} and not critical else "root")
    for edge in subplan.edges:
        query = edge.prerequisite.query
        if critical and (edge.source.key, edge.target.key) in path:
            used.add("critical-edge")
            if query == "resolved":  # its circle stays; dashes and dots turn solid
                used.add(query)
            continue
        if critical:
            used.add("off-path-edge")
            if query:
                used.add(query)
            continue
        used.add(query or "plain")
        if options.layout == "timeline" and edge.prerequisite.active and is_late(edge):
            used.add("late")
    return frozenset(used)


def build_legend_dot(
    options: GraphOptions | None = None, *, name: str = "ldm503-legend",
    used: Collection[str] | None = None, strip: bool = False,
) -> str:
    """A small diagram explaining the node and edge styles of a diagram.

    Built from the same style functions as the diagrams, so it cannot drift.
    ``used`` (from :func:`legend_keys`) keeps only what the diagram draws, so
    the legend stays small and never explains a style the reader cannot find;
    None shows every style. Short rows, milestone styles over prerequisite
    styles: a compact block under the diagram, whatever the diagram's shape.
    With ``strip`` (the PDF's whole-plan pages) each group is one row: a wide,
    low legend that leaves a landscape page's height to the diagram it explains.
    """
    options = options or GraphOptions()
    wanted = set(LEGEND_KEYS if used is None else used)
    dot = graphviz.Digraph(
        name=html_id(name).replace("-", "_"),
        graph_attr={
            "rankdir": "TB", "fontname": FONT, "fontsize": "11", "bgcolor": "transparent",
            "nodesep": "0.15", "ranksep": "0.12", "id": html_id(name), "newrank": "true",
        },
        # On paper (strip) the samples get the room around their words that the
        # printed diagrams' boxes get: rounded and dashed outlines cut into less.
        node_attr={**node_defaults(options), **({"margin": "0.12,0.05"} if strip else {})},
        edge_attr=edge_defaults(),
    )
    words = kind_words(options)
    samples = [
        ("test", Milestone("LDM-503-01"), words["test"]),
        ("dm", Milestone("DM-AP-1"), words["dm"]),
        ("external", Milestone("CAMM8040", external=True), words["external"]),
        ("completed", Milestone("DM-AP-4", status="completed"), "completed"),
        ("in-progress", Milestone("DM-AP-5", status="in-progress"), "in progress"),
        ("at-risk", Milestone("DM-AP-6", status="at-risk"), "at risk"),
        ("descoped", Milestone("DM-AP-2", status="descoped"), "descoped"),
        ("undeclared", Milestone("DM-AP-3", declared=False), "not declared here"),
        ("root-test", Milestone("LDM-503-09"), "root of this diagram"),
        ("root", Milestone("DM-AP-9"), "root of this diagram"),
    ]
    critical = bool(wanted & CRITICAL_KEYS)
    samples += [
        ("critical", Milestone("DM-AP-7"), "on the critical path"),
        ("off-path", Milestone("DM-AP-8"), "not on the critical path"),
    ]
    samples = [sample for sample in samples if sample[0] in wanted]
    overrides: dict[str, dict[str, str]] = {
        "critical": CRITICAL_NODE, "off-path": DIMMED_NODE,
        "root": {"penwidth": str(ROOT_MIN_PENWIDTH)},
        "root-test": {"penwidth": str(ROOT_MIN_PENWIDTH)}}
    if critical:
        # Blue and grey mean "on the path" and "not on it" here: the kinds are shown in
        # one neutral outline, told apart by shape, as the diagram tells them.
        neutral = {k: KIND_STYLES["dm"][k] for k in ("color", "fontcolor")}
        overrides.update({kind: neutral for kind in KIND_STYLES})
    edges = [
        ("critical-edge", CRITICAL_EDGE, "critical path"),
        ("off-path-edge", DIMMED_EDGE, "other prerequisite"),
        ("plain", {}, "prerequisite \u2192 milestone"),
        ("open", EDGE_STYLES["open"], "open review query"),
        ("resolved", EDGE_STYLES["resolved"], "resolved query"),
        ("dropped", EDGE_STYLES["dropped"], "dropped (not checked)"),
        ("late", {"color": LATE_COLOR, "penwidth": "1.6"}, "finishes too late (timeline)"),
    ]
    edges = [edge for edge in edges if edge[0] in wanted]
    per_row = max(len(samples), 1) if strip else NODES_PER_ROW
    edges_per_row = max(len(edges), 1) if strip else EDGES_PER_ROW
    rows: list[list[str]] = []
    for start in range(0, len(samples), per_row):
        row = samples[start:start + per_row]
        with dot.subgraph() as sub:
            sub.attr(rank="same")
            for key, ms, text in row:
                sub.node(f"n_{key}", label=graphviz.nohtml(label_text(text)),
                         tooltip=graphviz.nohtml(tooltip_text(text)),
                         **{**node_style(ms, SAMPLE_OPTIONS), **overrides.get(key, {})})
        rows.append([f"n_{key}" for key, _, _ in row])
    for start in range(0, len(edges), edges_per_row):
        row_names: list[str] = []
        with dot.subgraph() as sub:
            sub.attr(rank="same")
            for key, style, text in edges[start:start + edges_per_row]:
                # A flat edge between two points of one rank is drawn left to right.
                sub.node(f"t_{key}", label="", shape="point", width="0.04", color="#9aa3ad")
                sub.node(f"h_{key}", label="", shape="point", width="0.04", color="#9aa3ad")
                sub.node(f"d_{key}", label=graphviz.nohtml(label_text(text)),
                         shape="plaintext", margin="0.02,0")
                attrs = dict(EDGE_PLAIN)
                attrs.update({k: v for k, v in style.items() if k != "constraint"})
                sub.edge(f"t_{key}", f"h_{key}", minlen="4", **attrs)
                sub.edge(f"h_{key}", f"d_{key}", style="invis", minlen="0")
                if row_names:
                    sub.edge(row_names[-1], f"t_{key}", style="invis", minlen="1")
                row_names += [f"t_{key}", f"h_{key}", f"d_{key}"]
        rows.append(row_names)
    for above, below in itertools.pairwise(rows):
        # Rows stack top to bottom in the order given.
        dot.edge(above[0], below[0], style="invis")
    return dot.source
