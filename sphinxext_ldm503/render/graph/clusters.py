"""Grouping milestones into clusters: by ID prefix or by document."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import cast

import graphviz

from ...core.model import Milestone
from .escape import html_id, label_text
from .options import GraphOptions

_PREFIX_NUMBER = re.compile(r"^(?P<prefix>.+)-\d+[A-Za-z]*$")
_PREFIX_LETTERS = re.compile(r"^(?P<prefix>[A-Za-z]+)")


def prefix_of(milestone_id: str) -> str:
    """The group an ID belongs to: ``DM-AP-3`` → ``DM-AP``, ``CAMM8040`` → ``CAMM``.

    The ID up to its last ``-<number>`` part; failing that, up to its last dash;
    failing that, its leading letters.
    """
    match = _PREFIX_NUMBER.match(milestone_id)
    if match:
        return match.group("prefix")
    if "-" in milestone_id.strip("-"):
        return milestone_id.rsplit("-", 1)[0]
    match = _PREFIX_LETTERS.match(milestone_id)
    return match.group("prefix") if match else milestone_id


def cluster_key(ms: Milestone, options: GraphOptions) -> tuple[int, str] | None:
    """Which cluster a milestone goes to; the int sorts undeclared groups last."""
    if options.cluster == "prefix":
        return (0, prefix_of(ms.id))
    if options.cluster == "document":
        return (0, ms.docname) if ms.docname else (1, "not declared")
    return None


def grouped_nodes(
    dot: graphviz.Digraph,
    milestones: Iterable[Milestone],
    options: GraphOptions,
    add_node: Callable[[graphviz.Digraph, Milestone], None],
) -> None:
    groups: dict[tuple[int, str] | None, list[Milestone]] = {}
    for ms in milestones:
        groups.setdefault(cluster_key(ms, options), []).append(ms)
    for ms in groups.pop(None, []):
        add_node(dot, ms)
    clustered = cast(dict[tuple[int, str], list[Milestone]], groups)
    for index, key in enumerate(sorted(clustered)):
        with dot.subgraph(name=f"cluster_{index}_{html_id(key[1]).replace('-', '_')}") as sub:
            sub.attr(
                label=graphviz.nohtml(label_text(key[1])),
                style="rounded,dashed" if key[0] else "rounded",
                color="#c7cdd4",
                fontcolor="#4b5563",
                fontsize="10",
                labeljust="l",
                margin="6",
            )
            for ms in clustered[key]:
                add_node(sub, ms)
