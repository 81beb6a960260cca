"""Which edges a longer path already implies: one helper for the checks and the diagrams.

networkx's ``transitive_reduction`` re-walks every node's descendants and took
minutes on a 20,000-milestone plan; here one pass in reverse topological order
keeps each node's reachable set as an integer bitset, linear in the edges times
a word operation. Cycles (a plan error the checks report) do not stop it: it
works on the condensation, and edges inside a strongly connected component are
never called implied.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx


def _graph(edges: Iterable[tuple[str, str]]) -> nx.DiGraph:
    import networkx as nx  # imported when first needed: it is most of our start-up time

    graph = nx.DiGraph()
    graph.add_edges_from((u, v) for u, v in edges if u != v)
    return graph


def implied_edges(edges: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Edges ``(u, v)`` such that a path of two or more edges also leads from u to v.

    Only edges between different strongly connected components are considered;
    self-loops and edges inside a cycle are never in the result.
    """
    import networkx as nx

    graph = _graph(edges)
    if graph.number_of_edges() == 0:
        return set()
    condensed = nx.condensation(graph)
    member: dict[str, int] = condensed.graph["mapping"]
    order = list(nx.topological_sort(condensed))
    index = {node: i for i, node in enumerate(order)}
    reach: dict[int, int] = {}
    implied_components: set[tuple[int, int]] = set()
    for node in reversed(order):
        successors = list(condensed.successors(node))
        via = 0  # everything reachable through some successor, not counting the successors
        for succ in successors:
            via |= reach[succ]
        implied_components.update((node, s) for s in successors if via >> index[s] & 1)
        for succ in successors:
            via |= 1 << index[succ]
        reach[node] = via
    return {
        (u, v) for u, v in graph.edges
        if (member[u], member[v]) in implied_components
    }

