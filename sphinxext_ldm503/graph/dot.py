"""DOT source of one diagram, built from the model with the ``graphviz`` package.

Determinism shapes this module: the same plan must give byte-identical DOT,
whatever order documents were read in, so that ``sphinx.ext.graphviz`` reuses
its cached images and two builds compare equal. Nodes are emitted sorted by ID
key, edges in the plan's stable order, and node names are derived from IDs.

Legibility at page width shapes it too: the whole-plan diagram of the example
has 142 milestones and must stay readable scaled to a 1,000 px column, so labels
are IDs (titles live in tooltips) and ranks are compact.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from functools import lru_cache

import graphviz

from ..model import Edge, Milestone, Plan, id_key
from .clusters import _grouped_nodes
from .escape import _html_id, _label_text, _link, _node_names, _short_name, _short_title
from .options import GraphOptions
from .select import SubPlan, select
from .style import (
    FONT,
    FONT_SIZE,
    LATE_COLOR,
    TIMELINE_EDGE_COLOR,
    _is_late,
    edge_style,
    edge_tooltip,
    node_style,
    node_tooltip,
)
from .timeline import _timeline_body


def _graph_attrs(options: GraphOptions, name: str) -> dict[str, str]:
    attrs = {
        "rankdir": options.effective_rankdir,
        "fontname": FONT,
        "fontsize": str(FONT_SIZE),
        "bgcolor": "transparent",
        "newrank": "true",
        # Edges under nodes: filled boxes then hide lines passing behind them.
        "outputorder": "edgesfirst",
        "id": _html_id(name),
    }
    if options.layout == "timeline":
        # Ranks are quarters and edges take no part in placing nodes: straight
        # lines keep them inside the picture instead of looping round it.
        attrs.update(nodesep="0.10", ranksep="0.22", splines="line")
    else:
        # Multi-line title labels need a little air between them; ID labels don't.
        attrs.update(nodesep="0.10" if options.labels == "title" else "0.06", ranksep="0.20")
    return attrs


def _node_defaults(options: GraphOptions) -> dict[str, str]:
    return {
        "fontname": FONT,
        "fontsize": str(FONT_SIZE),
        "height": "0.24",
        "width": "0.3",
        "margin": "0.07,0.025",
        "penwidth": "1.1",
    }


def _edge_defaults() -> dict[str, str]:
    return {"arrowsize": "0.55", "penwidth": "0.9", "fontname": FONT, "fontsize": "9"}


#: graphviz's own quoting of an identifier or a value, remembered. The diagrams of a
#: large plan quote the same colours, fonts, names, tooltips and links many thousand
#: times, and the package's checks of each call cost more than the quoting itself.
#: ``typed``: a ``nohtml`` string quotes differently from an equal plain one.
_quote = lru_cache(maxsize=1 << 16, typed=True)(graphviz.quoting.quote)


def _attr_list(label: str | None, attrs: Mapping[str, str]) -> str:
    """``[label=... k=v ...]`` exactly as the package writes it (label first, then the
    other attributes sorted, None left out)."""
    parts = [f"label={_quote(label)}"] if label is not None else []
    parts += [f"{_quote(k)}={_quote(v)}" for k, v in sorted(attrs.items()) if v is not None]
    return f" [{' '.join(parts)}]" if parts else ""


def add_node_statement(graph: graphviz.Digraph, name: str, label: str | None,
                       attrs: Mapping[str, str]) -> None:
    """``graph.node(name, label=label, **attrs)``, with the quoting remembered.

    The line goes into the graph's ``body``, the package's list of statements, so
    the source is byte for byte what ``node()`` writes (a test compares the two).
    """
    graph.body.append(f"\t{_quote(name)}{_attr_list(label, attrs)}\n")


def add_edge_statement(graph: graphviz.Digraph, tail: str, head: str,
                       attrs: Mapping[str, str]) -> None:
    """``graph.edge(tail, head, **attrs)`` for plain node names (no ports)."""
    graph.body.append(f"\t{_quote(tail)} -> {_quote(head)}{_attr_list(None, attrs)}\n")


def _node_label(ms: Milestone, options: GraphOptions) -> str:
    parts = [_label_text(ms.id)]
    if options.labels == "title" and ms.title:
        parts += [_label_text(line) for line in _short_title(ms.title)]
    return "\\n".join(parts)


def build_dot(
    plan: Plan,
    options: GraphOptions | None = None,
    *,
    url_for: Callable[[Milestone], str | None] = lambda ms: None,
    at_risk: Collection[str] = frozenset(),
    name: str = "ldm503",
    subplan: SubPlan | None = None,
    graph_attrs: Mapping[str, str] | None = None,
    node_attrs: Mapping[str, str] | None = None,
    node_extra: Callable[[Milestone], dict[str, str]] | None = None,
    edge_extra: Callable[[Edge], dict[str, str]] | None = None,
) -> str:
    """DOT source of one diagram; the same input always gives the same bytes.

    ``url_for`` gives the link of a milestone's anchor (None: no link, e.g. for
    milestones not declared anywhere). ``at_risk`` holds IDs found at risk by
    propagation, on top of those whose status says so. ``name`` becomes the
    graph's name and the prefix of every SVG ``id``, so diagrams sharing a page
    do not clash. Pass ``subplan`` when the caller already selected (to warn on
    size) so the work is not done twice. ``graph_attrs`` and ``node_attrs``
    override the defaults (the PDF packs the whole plan tighter than a web page
    needs); ``node_extra``/``edge_extra`` give attributes that override the house
    style per node or edge (the schedule views highlight a critical path or a
    slip's reach with them). Never raises on size.
    """
    options = options or GraphOptions()
    subplan = subplan or select(plan, options)
    risky = {id_key(x) for x in at_risk}
    # Every root of a several-root diagram is outlined, not only the first.
    roots = {id_key(r) for r in (options.root, *options.more_roots) if r}
    names = _node_names(ms.key for ms in subplan.milestones)
    id_prefix = _html_id(name)

    dot = graphviz.Digraph(
        name=_html_id(name).replace("-", "_"),
        graph_attr={**_graph_attrs(options, name), **(graph_attrs or {})},
        node_attr={**_node_defaults(options), **(node_attrs or {})},
        edge_attr=_edge_defaults(),
    )

    html_ids: set[str] = set()

    def unique_id(base: str) -> str:
        candidate, n = base, 1
        while candidate in html_ids:
            n += 1
            candidate = f"{base}-{n}"
        html_ids.add(candidate)
        return candidate

    def add_node(target: graphviz.Digraph, ms: Milestone) -> None:
        attrs = node_style(ms, options, at_risk=ms.key in risky)
        if ms.key in roots:
            attrs["penwidth"] = str(max(float(attrs.get("penwidth", "1.1")), 2.2))
        attrs["tooltip"] = node_tooltip(ms, at_risk=ms.key in risky)
        attrs["id"] = unique_id(_short_name(f"{id_prefix}-{ms.anchor}"))
        _link(attrs, url_for(ms))
        if node_extra is not None:
            attrs.update(node_extra(ms))
        add_node_statement(target, names[ms.key], graphviz.nohtml(_node_label(ms, options)),
                           attrs)

    if options.layout == "timeline":
        _timeline_body(dot, subplan, options, add_node, names)
    else:
        _grouped_nodes(dot, subplan.milestones, options, add_node)

    for edge in subplan.edges:
        attrs = edge_style(edge)
        if options.layout == "timeline":
            # Ranks are dates here: edges must not move milestones between quarters.
            # Lines run straight across rows, so ordinary ones recede and the
            # queried and late ones stand out.
            attrs["constraint"] = "false"
            if not edge.prerequisite.query:
                attrs.update(color=TIMELINE_EDGE_COLOR, penwidth="0.7")
            if _is_late(edge) and edge.prerequisite.active:
                attrs.update(color=LATE_COLOR, penwidth="1.4")
        attrs["tooltip"] = edge_tooltip(edge)
        attrs["id"] = unique_id(
            _short_name(f"{id_prefix}-e-{edge.target.anchor}-{edge.source.anchor}"))
        _link(attrs, url_for(edge.source))
        if edge_extra is not None:
            attrs.update(edge_extra(edge))
        # Work flows from the prerequisite to the milestone that needs it.
        add_edge_statement(dot, names[edge.target.key], names[edge.source.key], attrs)
    return dot.source


