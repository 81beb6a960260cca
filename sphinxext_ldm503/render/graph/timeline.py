"""The timeline layout: one row per quarter down a dated axis.

Crowded quarters wrap onto several rows instead of growing sideways, and a long
run of empty quarters (a mistyped year) is drawn as one gap row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import graphviz

from ...core.model import Milestone
from .clusters import cluster_key, grouped_nodes
from .options import GraphOptions
from .select import SubPlan
from .style import FONT_BOLD


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


#: A stretch of more empty quarters than this (a mistyped year, one far-off date)
#: is drawn as one gap row: thousands of axis rows would make ``dot`` run for ages.
_MAX_EMPTY_QUARTERS = 8


def _quarters(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    year, q = first
    while (year, q) <= last:
        out.append((year, q))
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def _axis(dated: list[tuple[int, int]]) -> list[tuple[int, int] | int]:
    """The quarters of the axis, in order; an int stands for that many empty quarters."""
    out: list[tuple[int, int] | int] = []
    for previous, quarter in zip([None, *dated], dated, strict=False):
        if previous is not None:
            gap = (quarter[0] * 4 + quarter[1]) - (previous[0] * 4 + previous[1]) - 1
            if gap > _MAX_EMPTY_QUARTERS:
                out.append(gap)
            elif gap > 0:
                out.extend(_quarters(previous, quarter)[1:-1])
        out.append(quarter)
    return out


def timeline_body(
    dot: graphviz.Digraph,
    subplan: SubPlan,
    options: GraphOptions,
    add_node: Callable[[graphviz.Digraph, Milestone], None],
    names: Mapping[str, str],
) -> None:
    """One row per quarter down a dated axis; crowded quarters wrap onto more rows.

    Every quarter between the first and the last is on the axis, so distances
    read as time. Undated milestones share a "no date" row below the axis.
    """
    by_quarter: dict[tuple[int, int] | None, list[Milestone]] = {}
    for ms in subplan.milestones:
        by_quarter.setdefault(quarter_of(ms.finish) if ms.finish else None, []).append(ms)
    for group in by_quarter.values():
        group.sort(key=lambda ms: (ms.finish or date.max, ms.key))
    dated = sorted(k for k in by_quarter if k is not None)
    clustered = options.cluster != "none"
    limit, lane_of = options.row_limit, None
    if clustered:
        lane_count = len({cluster_key(ms, options) for ms in subplan.milestones})
        limit = max(1, options.row_limit // max(lane_count, 1))

        def lane_of(ms: Milestone) -> object:
            return cluster_key(ms, options)

    rows: list[tuple[str, list[Milestone], bool]] = []  # (axis label, milestones, dated)
    if dated:
        for quarter in _axis(dated):
            if isinstance(quarter, int):
                rows.append((f"\u22ee {quarter} quarters", [], True))
                continue
            label = f"{quarter[0]} Q{quarter[1]}"
            rows.extend(_wrap_row(label, by_quarter.get(quarter, []), limit, True, lane_of))
    if None in by_quarter:
        rows.extend(_wrap_row("no date", by_quarter[None], limit, False, lane_of))

    previous: str | None = None
    for index, (label, members, is_dated) in enumerate(rows):
        axis = f"axis_{index}"
        dot.node(
            axis,
            label=graphviz.nohtml(label),
            shape="plaintext",
            # Both 4.5:1 or more on the diagram's light panel (#8a8a8a was 3.5:1).
            fontcolor="#4b5563" if is_dated else "#6b6b6b",
            fontname=FONT_BOLD,
            width="0.75",
            tooltip=graphviz.nohtml(label or " "),
        )
        if previous is not None:
            same_axis = is_dated or not rows[index - 1][2]
            dot.edge(
                previous,
                axis,
                arrowhead="none",
                color="#c7cdd4" if same_axis and is_dated else "#ffffff00",
                weight="100",
            )
        previous = axis
        with dot.subgraph() as row:
            row.attr(rank="same")
            row.node(axis)
            for ms in members:
                if not clustered:
                    add_node(row, ms)
                # An invisible flat edge keeps the axis at the left of its row.
                row.edge(axis, names[ms.key], style="invis")
    if clustered:
        grouped_nodes(dot, subplan.milestones, options, add_node)


def _wrap_row(
    label: str,
    members: list[Milestone],
    limit: int,
    dated: bool,
    lane_of: Callable[[Milestone], object] | None = None,
) -> list[tuple[str, list[Milestone], bool]]:
    """Split one quarter into rows of at most ``limit`` milestones.

    With clusters, each cluster is a vertical lane and ``limit`` applies per
    lane: lanes then stay narrow and line up across quarters.
    """
    limit = max(limit, 1)
    if not members:
        return [(label, [], dated)]
    if lane_of is None:
        chunks = [members[i : i + limit] for i in range(0, len(members), limit)]
    else:
        lanes: dict[object, list[Milestone]] = {}
        for ms in members:
            lanes.setdefault(lane_of(ms), []).append(ms)
        depth = max(-(-len(lane) // limit) for lane in lanes.values())
        chunks = [
            [ms for lane in lanes.values() for ms in lane[i * limit : (i + 1) * limit]]
            for i in range(depth)
        ]
    return [(label if i == 0 else "", chunk, dated) for i, chunk in enumerate(chunks)]
