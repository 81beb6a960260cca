"""Which edges a longer path already implies: one helper for the checks and the diagrams.

networkx's ``transitive_reduction`` re-walks every node's descendants and took
minutes on a 20,000-milestone plan; here one pass in reverse topological order
keeps each node's reachable set as an integer bitset, linear in the edges times
a word operation. Cycles (a plan error the checks report) do not stop it: it
works on the condensation, and edges inside a strongly connected component are
never called implied.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import networkx as nx


N = TypeVar("N", bound=Hashable)


def implied_in_order(order: Sequence[N], successors: Callable[[N], Collection[N]],
                     ) -> set[tuple[N, N]]:
    """The implied edges of an acyclic graph given in topological ``order``: the one
    bitset pass, for the condensation here and for an acyclic plan in the checks
    (which need no networkx for it)."""
    index = {node: i for i, node in enumerate(order)}
    reach: dict[N, int] = {}
    implied: set[tuple[N, N]] = set()
    for node in reversed(order):
        after = successors(node)
        via = 0  # everything reachable through some successor, not counting the successors
        for succ in after:
            via |= reach[succ]
        implied.update((node, s) for s in after if via >> index[s] & 1)
        for succ in after:
            via |= 1 << index[succ]
        reach[node] = via
    return implied


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
    implied_components = implied_in_order(list(nx.topological_sort(condensed)),
                                          lambda node: list(condensed.successors(node)))
    return {
        (u, v) for u, v in graph.edges
        if (member[u], member[v]) in implied_components
    }

