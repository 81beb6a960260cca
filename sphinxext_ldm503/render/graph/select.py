"""Which milestones and edges one diagram draws.

Selection is separate from drawing so the renderer can warn about a diagram's
size, and the text fallback can list the same dependencies, before any DOT is
built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ...core.classify import matches_globs
from ...core.config import DEFAULT_GRAPH_MAX_NODES
from ...core.model import Edge, Milestone, Plan, id_key
from ...core.reachability import implied_edges
from .options import GraphOptions, kind_of


@dataclass(frozen=True, slots=True)
class SubPlan:
    """The milestones and edges one diagram draws.

    ``hidden`` holds the edges left out by ``transitive="hide"``, so a caller
    can say how many were omitted. ``len()`` is the node count to compare with
    ``ldm503_graph_max_nodes``.
    """

    milestones: tuple[Milestone, ...]
    edges: tuple[Edge, ...]
    hidden: tuple[Edge, ...] = ()
    root: Milestone | None = None
    _keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.milestones)

    def __contains__(self, milestone_id: object) -> bool:
        return isinstance(milestone_id, str) and id_key(milestone_id) in self._keys


def _reach(
    adjacency: Mapping[str, list[str]], start: str, depth: int | None
) -> set[str]:
    """Breadth-first reach from ``start`` up to ``depth`` steps, ``start`` included."""
    seen = {start}
    frontier = [start]
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        nxt = []
        for key in frontier:
            for other in adjacency.get(key, ()):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        frontier = sorted(nxt)
    return seen


def select(plan: Plan, options: GraphOptions | None = None) -> SubPlan:
    """Decide which milestones and edges a diagram draws.

    Reachability follows active edges only: a dropped prerequisite is kept for
    the record and drawn when both its ends are drawn anyway, but it never pulls
    a milestone into a diagram. Raises ``ValueError`` for an unknown root.
    """
    options = options or GraphOptions()
    root: Milestone | None = None
    keys: set[str]
    if options.root is None:
        keys = set(plan.milestones)
    else:
        root = plan.get(options.root)
        if root is None:
            raise ValueError(
                f"milestone-graph root {options.root!r} is not a milestone of the plan"
            )
        requires, required_by = plan.active_adjacency
        depth: int | None
        if options.neighbourhood:
            depth, direction = 1, "both"
        else:
            depth, direction = options.depth, options.direction
        starts = [root.key]
        for extra in options.more_roots:
            other = plan.get(extra)
            if other is None:
                raise ValueError(f"milestone-graph root {extra!r} is not a milestone of the plan")
            starts.append(other.key)
        keys = set(starts)
        for start in starts:
            if direction in ("requires", "both"):
                keys |= _reach(requires, start, depth)
            if direction in ("required-by", "both"):
                keys |= _reach(required_by, start, depth)
    if options.include:
        keys = {k for k in keys if matches_globs(k, options.include)}
    if options.exclude:
        keys = {k for k in keys if not matches_globs(k, options.exclude)}
    if root is not None:
        keys.add(root.key)
        keys.update(plan.milestones[id_key(r)].key for r in options.more_roots)

    # The plan's own order (milestones sorted by key, edges by source then as
    # written), reached through the indexes: a neighbourhood costs its size, not
    # the plan's.
    ordered = sorted(keys)
    milestones = tuple(plan.milestones[key] for key in ordered)
    edges = _one_edge_per_pair(
        e for key in ordered for e in plan.edges_from.get(key, ()) if e.target.key in keys
    )
    hidden: list[Edge] = []
    if options.transitive == "hide":
        implied = _implied_edges(edges)
        hidden = [e for e in edges if (e.source.key, e.target.key) in implied]
        edges = [e for e in edges if (e.source.key, e.target.key) not in implied]
    return SubPlan(
        milestones=milestones,
        edges=tuple(edges),
        hidden=tuple(hidden),
        root=root,
        _keys=frozenset(keys),
    )


_QUERY_WEIGHT = {"open": 0, "resolved": 1, None: 2, "dropped": 3}


def _one_edge_per_pair(edges: Iterable[Edge]) -> list[Edge]:
    """A prerequisite listed twice is drawn once, with its most telling query state.

    Two arrows between the same milestones say nothing more (the duplicate is
    the checks' business), and ``dot`` can even abort on parallel edges inside
    clustered timeline rows. An open query beats a resolved one, which beats
    none; a dropped listing shows only when there is no other.
    """
    chosen: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        pair = (edge.source.key, edge.target.key)
        best = chosen.get(pair)
        if best is None or (
            _QUERY_WEIGHT[edge.prerequisite.query] < _QUERY_WEIGHT[best.prerequisite.query]
        ):
            chosen[pair] = edge
    return list(chosen.values())


def _implied_edges(edges: Iterable[Edge]) -> set[tuple[str, str]]:
    """Active edges that a longer path of active edges already implies."""
    active = [e for e in edges if e.prerequisite.active]
    return implied_edges((e.source.key, e.target.key) for e in active)


def size_warning(subplan: SubPlan, max_nodes: int = DEFAULT_GRAPH_MAX_NODES) -> str | None:
    """The advice to give when a diagram has more milestones than is readable.

    The diagram is still drawn; the caller turns this into a warning.
    """
    if max_nodes <= 0 or len(subplan) <= max_nodes:
        return None
    return (
        f"milestone-graph draws {len(subplan)} milestones, more than "
        f"ldm503_graph_max_nodes ({max_nodes}); it will be hard to read: "
        "narrow it with :root: (and :depth:), :include: or :exclude:, "
        "or group it with :cluster: prefix"
    )


def text_outline(
    plan: Plan, options: GraphOptions | None = None, *, subplan: SubPlan | None = None
) -> list[tuple[Milestone, list[Edge]]]:
    """The same dependencies as plain data, for a text rendering without ``dot``.

    Each drawn milestone that requires something comes with its drawn edges (in
    the order its prerequisites were written); milestones that take part in no
    drawn edge follow with an empty list, so nothing drawn is lost.
    """
    subplan = subplan or select(plan, options)
    by_source: dict[str, list[Edge]] = {}
    involved: set[str] = set()
    for edge in subplan.edges:
        by_source.setdefault(edge.source.key, []).append(edge)
        involved.update((edge.source.key, edge.target.key))
    options = options or GraphOptions()
    root_key = subplan.root.key if subplan.root else None
    # Read like the plan: the root first, then the plan's own test milestones.
    ordered = sorted(
        subplan.milestones,
        key=lambda ms: (ms.key != root_key, kind_of(ms, options) != "test", ms.key),
    )
    out: list[tuple[Milestone, list[Edge]]] = []
    for ms in ordered:
        if ms.key in by_source:
            out.append((ms, by_source[ms.key]))
    for ms in ordered:
        if ms.key not in involved:
            out.append((ms, []))
    return out
