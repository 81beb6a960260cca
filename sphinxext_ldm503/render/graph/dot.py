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

import re
from collections.abc import Callable, Collection, Mapping
from functools import lru_cache

import graphviz

from ...core.model import Edge, Milestone, Plan, id_key
from .clusters import grouped_nodes
from .escape import add_link, html_id, label_text, node_names, short_name, short_title
from .options import GraphOptions
from .select import SubPlan, select
from .style import (
    FONT,
    FONT_SIZE,
    LATE_COLOR,
    ROOT_MIN_PENWIDTH,
    TIMELINE_EDGE_COLOR,
    edge_style,
    edge_tooltip,
    is_late,
    node_style,
    node_tooltip,
)
from .timeline import timeline_body


def _graph_attrs(options: GraphOptions, name: str) -> dict[str, str]:
    attrs = {
        "rankdir": options.effective_rankdir,
        "fontname": FONT,
        "fontsize": str(FONT_SIZE),
        "bgcolor": "transparent",
        "newrank": "true",
        # Edges under nodes: filled boxes then hide lines passing behind them.
        "outputorder": "edgesfirst",
        "id": html_id(name),
    }
    if options.layout == "timeline":
        # Ranks are quarters and edges take no part in placing nodes: straight
        # lines keep them inside the picture instead of looping round it.
        attrs.update(nodesep="0.10", ranksep="0.22", splines="line")
    else:
        # Multi-line title labels need a little air between them; ID labels don't. With
        # ID labels a rank is one column of boxes (rankdir LR) and the page scales the
        # whole width to fit: the less room between ranks, the larger the labels (the
        # example's plan: 1,140 pt wide instead of 1,222, issue 27).
        if options.labels == "title":
            attrs.update(nodesep="0.10", ranksep="0.20")
        else:
            attrs.update(nodesep="0.06", ranksep="0.10")
    return attrs


def node_defaults(options: GraphOptions) -> dict[str, str]:
    return {
        "fontname": FONT,
        "fontsize": str(FONT_SIZE),
        "height": "0.24",
        "width": "0.3",
        # A label's box hugs it: its width, not the space around, is what counts.
        "margin": "0.05,0.025",
        "penwidth": "1.1",
    }


def edge_defaults() -> dict[str, str]:
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


@lru_cache(maxsize=64)  # node and edge defaults are the same in every diagram
def _default_statement(kind: str, attrs: tuple[tuple[str, str, type], ...]) -> str:
    """``attrs`` as (name, value, type of value): a ``nohtml`` value, equal to the plain
    string, quotes differently."""
    return f"\t{kind}{_attr_list(None, {k: v for k, v, _ in attrs})}\n"


@lru_cache(maxsize=8)
def _keys(ids: frozenset[str]) -> frozenset[str]:
    """ID keys of ``ids``, remembered: every diagram of a build gets the plan's
    at-risk set, and a frozenset keeps its hash."""
    return frozenset(id_key(x) for x in ids)


_GENERATED_ID = re.compile(r"[a-z][a-z0-9_]*-[a-z0-9_-]*")


def _quote_id(text: str) -> str:
    """:data:`_quote` of an ``id`` we generated (lower-case letters, digits, ``_``
    and at least one ``-``: never a DOT identifier, so always in quotes as it is).
    Each is unique, so remembering them would only fill the cache."""
    return f'"{text}"' if _GENERATED_ID.fullmatch(text) else _quote(text)


def _attr_list_around(label: str | None, attrs: Mapping[str, str], key: str) -> tuple[str, str]:
    """:func:`_attr_list` cut where ``key``'s ``key=value`` goes, without it.

    ``f"{head}{key}={_quote(value)}{tail}"`` is ``_attr_list(label, {**attrs,
    key: value})``: the parts of a statement that do not change from diagram to
    diagram are worked out once (see :class:`Statements`).
    """
    parts = [f"label={_quote(label)}"] if label is not None else []
    before, after = [*parts], list[str]()
    for k, v in sorted(attrs.items()):
        if v is not None and k != key:
            (before if k < key else after).append(f"{_quote(k)}={_quote(v)}")
    head = f" [{' '.join(before)} " if before else " ["
    tail = f" {' '.join(after)}]" if after else "]"
    return head, tail


class Statements:
    """Node and edge statements already written, but for their ``id``.

    A large plan's per-milestone diagrams show each milestone and edge in several
    diagrams with the same style, tooltip and link (pages in one directory share
    their links); only the ``id`` (prefixed with the diagram's name) differs. Kept
    for one build by the caller; keys hold the milestone or edge itself, so a plan
    rebuilt meanwhile never matches an old entry.
    """

    def __init__(self) -> None:
        self._parts: dict[tuple[object, ...], tuple[object, str, str]] = {}

    def get(self, key: tuple[object, ...], owner: object) -> tuple[str, str] | None:
        found = self._parts.get(key)
        return (found[1], found[2]) if found is not None and found[0] is owner else None

    def put(self, key: tuple[object, ...], owner: object, parts: tuple[str, str]) -> None:
        self._parts[key] = (owner, *parts)


#: The key of ``node_extra``'s attributes that is no Graphviz attribute: a line of
#: text added to the node's label, under its ID (and title).
LABEL_LINE = "ldm503_label_line"


def _node_label(ms: Milestone, options: GraphOptions) -> str:
    parts = [label_text(ms.id)]
    if options.labels == "title" and ms.title:
        parts += [label_text(line) for line in short_title(ms.title)]
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
    statements: Statements | None = None,
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
    slip's reach with them); ``statements`` remembers statements across the
    diagrams of a build (the same ``node_extra``/``edge_extra`` function gives the
    same attributes for the same milestone or edge). Never raises on size.
    """
    options = options or GraphOptions()
    subplan = subplan or select(plan, options)
    risky = _keys(frozenset(at_risk))  # the same object when it is one already
    # Every root of a several-root diagram is outlined, not only the first.
    roots = {id_key(r) for r in (options.root, *options.more_roots) if r}
    names = node_names(ms.key for ms in subplan.milestones)
    id_prefix = html_id(name)

    dot = graphviz.Digraph(name=html_id(name).replace("-", "_"))
    # The statements the package writes for graph_attr, node_attr and edge_attr, with
    # the quoting remembered (most of them are the same in every diagram).
    for kind, attrs in (("graph", {**_graph_attrs(options, name), **(graph_attrs or {})}),
                        ("node", {**node_defaults(options), **(node_attrs or {})}),
                        ("edge", edge_defaults())):
        dot.body.append(_default_statement(
            kind, tuple((k, v, type(v)) for k, v in attrs.items())))

    html_ids: set[str] = set()

    def unique_id(base: str) -> str:
        candidate, n = base, 1
        while candidate in html_ids:
            n += 1
            candidate = f"{base}-{n}"
        html_ids.add(candidate)
        return candidate

    statements = statements if statements is not None else Statements()

    def add_node(target: graphviz.Digraph, ms: Milestone) -> None:
        at_risk_here, is_root, url = ms.key in risky, ms.key in roots, url_for(ms)
        key = ("node", id(ms), options.classifier, options.labels, at_risk_here, is_root, url,
               node_extra)
        parts = statements.get(key, ms)
        if parts is None:
            attrs = node_style(ms, options, at_risk=at_risk_here)
            if is_root:
                attrs["penwidth"] = str(max(float(attrs.get("penwidth", "1.1")),
                                            ROOT_MIN_PENWIDTH))
            attrs["tooltip"] = node_tooltip(ms, at_risk=at_risk_here)
            add_link(attrs, url)
            if node_extra is not None:
                attrs.update(node_extra(ms))
            label = _node_label(ms, options)
            # A line a view adds inside the box (the impact view's "+90d"): an outside
            # label (xlabel) is placed after the layout, between boxes, over them.
            extra_line = attrs.pop(LABEL_LINE, None)
            if extra_line:
                label += "\\n" + label_text(extra_line)
            parts = _attr_list_around(graphviz.nohtml(label), attrs, "id")
            statements.put(key, ms, parts)
        node_id = unique_id(short_name(f"{id_prefix}-{ms.anchor}"))
        target.body.append(
            f"\t{_quote(names[ms.key])}{parts[0]}id={_quote_id(node_id)}{parts[1]}\n")

    if options.layout == "timeline":
        timeline_body(dot, subplan, options, add_node, names)
    else:
        grouped_nodes(dot, subplan.milestones, options, add_node)

    for edge in subplan.edges:
        url = url_for(edge.source)
        key = ("edge", id(edge), options.layout, url, edge_extra)
        parts = statements.get(key, edge)
        if parts is None:
            attrs = edge_style(edge)
            if options.layout == "timeline":
                # Ranks are dates here: edges must not move milestones between quarters.
                # Lines run straight across rows, so ordinary ones recede and the
                # queried and late ones stand out.
                attrs["constraint"] = "false"
                if not edge.prerequisite.query:
                    attrs.update(color=TIMELINE_EDGE_COLOR, penwidth="0.7")
                if is_late(edge) and edge.prerequisite.active:
                    attrs.update(color=LATE_COLOR, penwidth="1.4")
            attrs["tooltip"] = edge_tooltip(edge)
            add_link(attrs, url)
            if edge_extra is not None:
                attrs.update(edge_extra(edge))
            parts = _attr_list_around(None, attrs, "id")
            statements.put(key, edge, parts)
        edge_id = unique_id(
            short_name(f"{id_prefix}-e-{edge.target.anchor}-{edge.source.anchor}"))
        # Work flows from the prerequisite to the milestone that needs it.
        dot.body.append(f"\t{_quote(names[edge.target.key])} -> {_quote(names[edge.source.key])}"
                        f"{parts[0]}id={_quote_id(edge_id)}{parts[1]}\n")
    return dot.source


