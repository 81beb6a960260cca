"""Consistency checks: pure functions from a :class:`~.model.Plan` to findings.

Nothing here imports Sphinx, so the same checks run during a build (where the
findings become located warnings and the report page), from the command line on
a plan rebuilt from JSON, and in plain unit tests. Each check returns findings at
its default severity with waivers already applied; :func:`run_checks` applies the
user's severity overrides and the deterministic order every output relies on.

Two rules hold for every check: dropped edges (``query == "dropped"``) and
descoped milestones take part in none of them, and a finding about one edge is
located at the prerequisite, names the milestone that lists it as ``milestone``
and starts ``related`` with the prerequisite, followed by what explains it.
"""

from __future__ import annotations

import re
import textwrap
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, cast

from .classify import Classifier, matches_any
from .config import DEFAULT_INTERNAL_PATTERNS, DEFAULT_PLAN_ID_PATTERN
from .model import (
    SEVERITIES,
    CheckName,
    Edge,
    Finding,
    Location,
    Milestone,
    Plan,
    Severity,
    declaration_order,
    id_key,
)
from .reachability import implied_in_order
from .titles import (
    DEFAULT_TITLE_PREFIXES,
    catalog_title_agrees,
    cut_from,
    looks_truncated,
    same_title,
)

if TYPE_CHECKING:
    import networkx as nx

#: What a severity override may say; ``off`` drops the check's findings.
SEVERITY_CHOICES: tuple[str, ...] = (*SEVERITIES, "off")

_DISCUSSION_WIDTH = 200


@dataclass(frozen=True)
class CheckConfig:
    """The knobs of the checks, mirroring the ``ldm503_*`` Sphinx config values.

    Kept as a plain frozen value so the command line can build one without Sphinx
    and so two runs with equal configs give equal findings.
    """

    plan_id_pattern: str = DEFAULT_PLAN_ID_PATTERN
    internal_patterns: tuple[str, ...] = DEFAULT_INTERNAL_PATTERNS
    at_risk_patterns: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)
    #: Conventions ignored when titles are compared (``ldm503_title_prefixes``).
    title_prefixes: tuple[str, ...] = DEFAULT_TITLE_PREFIXES
    #: The date "now" for date-relative output (overdue rows of the table). The
    #: checks themselves never look at it, so findings do not change from one day
    #: to the next.
    today: date | None = None
    #: Schedule predecessors ``schedule-drift`` leaves out (``ldm503_drift_ignore_patterns``).
    drift_ignore_patterns: tuple[str, ...] = ()

    def problems(self) -> list[str]:
        """Messages about unusable settings, for the caller to warn about.

        The checks themselves never fail on bad settings (a bad pattern matches
        nothing, a bad severity falls back to the default): a typo in ``conf.py``
        should cost a warning, not the build.
        """
        out: list[str] = []
        for name, pattern in self._named_patterns():
            try:
                re.compile(pattern)
            except re.error as exc:
                out.append(f"{name}: invalid regular expression {pattern!r}: {exc}")
        for check, level in sorted(self.severity.items()):
            if check not in DEFAULT_SEVERITY:
                out.append(
                    f"ldm503_check_severity: unknown check {check!r}; "
                    f"known checks are {', '.join(CHECK_NAMES)}"
                )
            elif level not in SEVERITY_CHOICES:
                out.append(
                    f"ldm503_check_severity: invalid severity {level!r} for {check!r}; "
                    f"use one of {', '.join(SEVERITY_CHOICES)}"
                )
        return out

    def severity_of(self, check: str) -> str:
        """The effective severity of a check: ``error``, ``warning``, ``info`` or ``off``."""
        level = self.severity.get(check)
        if isinstance(level, str) and level in SEVERITY_CHOICES:
            return level
        return DEFAULT_SEVERITY.get(check, "warning")

    @property
    def classifier(self) -> Classifier:
        """The one classifier every output uses (diagrams, table, JSON, CLI)."""
        return Classifier(self.plan_id_pattern, tuple(self.internal_patterns))

    def is_plan_id(self, milestone_id: str) -> bool:
        return self.classifier.is_plan_id(milestone_id)

    def is_at_risk_id(self, milestone_id: str) -> bool:
        return matches_any(milestone_id, self.at_risk_patterns)

    def _named_patterns(self) -> Iterator[tuple[str, str]]:
        yield "ldm503_plan_id_pattern", self.plan_id_pattern
        for pattern in self.internal_patterns:
            yield "ldm503_internal_patterns", pattern
        for pattern in self.at_risk_patterns:
            yield "ldm503_at_risk_patterns", pattern
        for pattern in self.drift_ignore_patterns:
            yield "ldm503_drift_ignore_patterns", pattern


# -- shared helpers -----------------------------------------------------------


def is_external(ms: Milestone, config: CheckConfig) -> bool:
    """Owned outside this plan and the organisation, as the shared classifier says."""
    return config.classifier.is_external(ms)


def is_plan_milestone(ms: Milestone) -> bool:
    """Declared here and not marked external: the milestones the plan answers for."""
    return ms.declared and not ms.external and not ms.is_descoped


def status_known(ms: Milestone) -> bool:
    """Whether anything says what state a milestone is in.

    A milestone only known by reference, absent from the catalog, has no status
    at all; calling it "planned" would invent a fact (the seed's F18S).
    """
    return ms.declared or ms.in_catalog or ms.status is not None or ms.completed is not None




def _default(check: CheckName) -> Severity:
    return DEFAULT_SEVERITY[check]


def _edge_finding(
    check: CheckName, edge: Edge, message: str, explanation: Iterable[str] = ()
) -> Finding:
    """A finding about one edge, waived by the prerequisite's waiver.

    A milestone-wide waiver of the same check also counts: it is how an author
    accepts, say, every ``at-risk`` finding of one milestone at once.
    """
    pre = edge.prerequisite
    waiver = pre.waiver_for(check) or edge.source.waiver_for(check)
    return Finding(
        check=check,
        severity=_default(check),
        milestone=edge.source.id,
        message=message,
        related=(edge.target.id, *explanation),
        location=pre.location or edge.source.location,
        waived=waiver is not None,
        waiver_reason=waiver.reason if waiver else "",
    )


def _milestone_finding(
    check: CheckName,
    ms: Milestone,
    message: str,
    related: Iterable[str] = (),
    location: Location | None = None,
) -> Finding:
    waiver = ms.waiver_for(check)
    return Finding(
        check=check,
        severity=_default(check),
        milestone=ms.id,
        message=message,
        related=tuple(related),
        location=location or ms.location,
        waived=waiver is not None,
        waiver_reason=waiver.reason if waiver else "",
    )


def _ids(plan: Plan, keys: Iterable[str]) -> list[str]:
    return [plan.milestones[key].id for key in keys]


def _arrow(ids: Iterable[str]) -> str:
    return " -> ".join(ids)


def _when(ms: Milestone) -> str:
    """How and when a milestone finishes, in the words the schedule uses."""
    if ms.is_completed and ms.completed:
        return f"completed on {ms.completed.isoformat()}"
    if ms.forecast:
        return f"forecast for {ms.forecast.isoformat()}"
    if ms.due:
        return f"due on {ms.due.isoformat()}"
    return "undated"


def _state(ms: Milestone) -> str:
    status = ms.effective_status.replace("-", " ")
    if ms.is_completed:
        return f"{status} ({ms.completed.isoformat()})" if ms.completed else status
    when = _when(ms)
    return status if when == "undated" else f"{status} ({when})"


def _graph(plan: Plan) -> nx.DiGraph:
    return plan.digraph()


class SuccessorGraph:
    """The checks' graph (:meth:`Plan.digraph`: milestones not descoped, active edges)
    as sets of successors: what the checks ask of it on an acyclic plan.

    Importing networkx and building its graph is most of what the checks cost on
    a plan without cycles, the common case (a tenth of a second of every build that
    changes the plan, at 2,000 milestones); networkx is left for the plans with
    cycles, whose findings need its algorithms.
    """

    def __init__(self, plan: Plan) -> None:
        succ: dict[str, set[str]] = {ms.key: set() for ms in plan.milestones.values()
                                     if not ms.is_descoped}
        for edge in plan.edges:
            source, target = edge.source.key, edge.target.key
            if edge.prerequisite.active and source in succ and target in succ:
                succ[source].add(target)
        self.succ = succ

    def successors(self, node: str) -> set[str]:
        return self.succ[node]

    def out_degree(self, node: str) -> int:
        return len(self.succ[node])

    def remove_edge(self, u: str, v: str) -> None:
        self.succ[u].discard(v)

    def add_edge(self, u: str, v: str) -> None:
        self.succ[u].add(v)

    def topological_order(self) -> list[str] | None:
        """The nodes, each before the nodes it requires (Kahn's algorithm); None when
        the graph has a cycle (a self-loop included)."""
        indegree = dict.fromkeys(self.succ, 0)
        for targets in self.succ.values():
            for target in targets:
                indegree[target] += 1
        ready = [node for node, count in indegree.items() if count == 0]
        order: list[str] = []
        while ready:
            node = ready.pop()
            order.append(node)
            for target in self.succ[node]:
                indegree[target] -= 1
                if indegree[target] == 0:
                    ready.append(target)
        return order if len(order) == len(self.succ) else None

    def implied_edges(self, order: list[str]) -> set[tuple[str, str]]:
        """:func:`~.reachability.implied_edges` of this acyclic graph, given
        :meth:`topological_order`: the same bitset pass, with no condensation to make."""
        return implied_in_order(order, lambda node: self.succ[node])


# -- the checks ----------------------------------------------------------------


def check_duplicate_id(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Second and later declarations of an ID, each located where it was written.

    The first declaration (in document and line order) is the one the plan uses,
    so the finding sits on the one that is ignored and names both places.
    """
    del config
    findings: list[Finding] = []
    for declarations in plan.duplicates.values():
        first = declarations[0]
        for dup in declarations[1:]:
            message = (
                f"{first.id} is declared twice: first at {first.location or 'an unknown place'}"
                f", again at {dup.location or 'an unknown place'}; the first declaration is used."
            )
            finding = _milestone_finding("duplicate-id", dup, message)
            findings.append(replace(finding, milestone=first.id))
    # Different IDs whose anchors coincide (A.1 and A-1 both become #ms-a-1): links to
    # one would land on the other, so they are duplicates for every reader.
    by_anchor: dict[str, Milestone] = {}
    for ms in sorted(plan.declared, key=declaration_order):
        other = by_anchor.setdefault(ms.anchor, ms)
        if other is not ms:
            message = (
                f"{ms.id} and {other.id} share the anchor #{ms.anchor} (at {ms.location} and "
                f"{other.location}): links to one would land on the other; rename one of them."
            )
            findings.append(replace(_milestone_finding("duplicate-id", ms, message),
                                    related=(other.id,)))
    return findings


def check_undefined_reference(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Prerequisites and ``:ms:`` references to plan IDs nobody declares.

    A DM or external prerequisite is legitimately known by reference only; a
    plan ID (matching the plan's pattern) that is never declared is a hole in the
    plan (the seed's LDM-503-08b). A ``:ms:`` to an ID the plan does not know at
    all is a broken link whatever the ID looks like.
    """
    findings: list[Finding] = []
    for edge in plan.live_edges:
        target = edge.target
        if not target.declared and config.is_plan_id(target.id):
            known = (
                f' (the catalog lists it as "{target.catalog_title}")'
                if target.catalog_title
                else ""
            )
            message = (
                f"{edge.source.id} requires {target.id}, which looks like a milestone of "
                f"this plan but is not declared anywhere{known}."
            )
            findings.append(_edge_finding("undefined-reference", edge, message))
    for ref in plan.references:
        referenced = plan.get(ref.id)
        if referenced is not None and referenced.declared:
            continue
        if ref.copy:
            message = (
                f"{ref.id} is shown here with :no-index:, but declared nowhere; "
                "drop :no-index: to declare it here."
            )
        elif referenced is None:
            message = f"Reference to {ref.id}, which is not a milestone of the plan."
        elif config.is_plan_id(ref.id):
            message = (
                f"Reference to {referenced.id}, which looks like a milestone of this plan "
                f"but is not declared anywhere."
            )
        else:
            continue
        findings.append(
            Finding(
                check="undefined-reference",
                severity=_default("undefined-reference"),
                milestone=None,
                message=message,
                related=(referenced.id if referenced is not None else ref.id,),
                location=ref.location,
            )
        )
    return findings


def normalised_cycles(plan: Plan) -> list[tuple[str, ...]]:
    """Every elementary cycle once, as ID keys rotated to start at the smallest key.

    simple_cycles reports each cycle once but from an arbitrary node; rotating
    gives one spelling per cycle, so messages and tests are stable.
    """
    import networkx as nx

    cycles = []
    for cycle in nx.simple_cycles(_graph(plan)):
        start = cycle.index(min(cycle))
        cycles.append(tuple(cycle[start:] + cycle[:start]))
    return sorted(cycles)


def check_cycle(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Each group of milestones caught in cycles (a strongly connected component) once.

    Listing every elementary cycle explodes: a chain where each milestone requires
    the previous two, closed by one mistaken edge, has a Fibonacci number of them.
    So the finding is per component, in time linear in the plan: its path is a
    shortest cycle through the component's smallest ID (``milestone`` is that ID,
    ``related`` walks the cycle from its prerequisite back to it, and the finding
    sits on the edge leaving it), and the message names the component's size and
    a small set of edges whose removal would leave it acyclic.
    """
    del config
    if SuccessorGraph(plan).topological_order() is not None:
        return []  # acyclic: no component to report, and no networkx to import
    import networkx as nx

    graph = _graph(plan)
    findings: list[Finding] = []
    for component in nx.strongly_connected_components(graph):
        start = min(component)
        if len(component) == 1 and not graph.has_edge(start, start):
            continue
        cycle = shortest_cycle_through(graph, start, component)
        ids = _ids(plan, cycle)
        source = plan.milestones[start]
        edge = _edge_between(plan, source, cycle[1] if len(cycle) > 1 else start)
        if len(component) == 1:
            message = f"{ids[0]} requires itself."
        else:
            path = ", which requires ".join([*ids, ids[0]])
            message = f"Dependency cycle: {path}."
            breaking = cycle_breaking_edges(graph, component)
            if len(component) > len(cycle) or len(breaking) > 1:
                edges = ", ".join(
                    f"{plan.milestones[u].id} -> {plan.milestones[v].id}" for u, v in breaking)
                message += (
                    f" {len(component)} milestones are caught in cycles together; removing "
                    f"{'this prerequisite' if len(breaking) == 1 else 'these prerequisites'} "
                    f"would break every one of them: {edges}."
                )
        rest = [*ids[2:], ids[0]] if len(ids) > 1 else []
        findings.append(_edge_finding("cycle", edge, message, rest))
    return findings


def shortest_cycle_through(graph: nx.DiGraph, start: str, component: Set[str]) -> list[str]:
    """A shortest cycle through ``start`` inside its component, as keys from ``start``.

    Breadth-first from ``start`` (successors in key order, so ties break the same way
    every time) until an edge leads back to it: linear in the component's size.
    """
    if graph.has_edge(start, start):
        return [start]
    parents: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(graph.successors(node)):
            if succ == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return path[::-1]
            if succ in component and succ not in parents:
                parents[succ] = node
                queue.append(succ)
    raise ValueError(f"{start} is on no cycle")  # cannot happen inside a component


def cycle_breaking_edges(graph: nx.DiGraph, component: Set[str]) -> list[tuple[str, str]]:
    """Edges of a component whose removal leaves it acyclic (a feedback arc set).

    The smallest minimal set is NP-hard to find; three linear candidates are tried
    and the smallest kept. Edges against the ID order and edges along it each break
    every cycle (any order does), and plans usually number milestones so that they
    require lower numbers, which makes the mistaken edge the only one against the
    order. The back edges of a depth-first search are the third candidate.
    Self-loops belong to every candidate.
    """
    inner = [(u, v) for u in sorted(component) for v in sorted(graph.successors(u))
             if v in component]
    loops = [(u, v) for u, v in inner if u == v]
    upward = [(u, v) for u, v in inner if u < v]
    downward = [(u, v) for u, v in inner if u > v]
    best = min((upward, downward, _back_edges(graph, component)), key=len)
    return sorted({*loops, *best})


def _back_edges(graph: nx.DiGraph, component: Set[str]) -> list[tuple[str, str]]:
    """Edges closing a cycle in an iterative depth-first search of the component."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    back: list[tuple[str, str]] = []
    for root in sorted(component):
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(sorted(graph.successors(root))))]
        while stack:
            node, successors = stack[-1]
            for succ in successors:
                if succ not in component or succ == node:
                    continue
                if state.get(succ) == 1:
                    back.append((node, succ))
                elif succ not in state:
                    state[succ] = 1
                    stack.append((succ, iter(sorted(graph.successors(succ)))))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back


def _edge_between(plan: Plan, source: Milestone, target_key: str) -> Edge:
    """The first active edge from a milestone to a target (the one findings cite)."""
    for pre in source.prerequisites:
        if pre.key == target_key and pre.active:
            return Edge(source, plan.milestones[target_key], pre)
    raise KeyError(f"{source.id} has no active prerequisite {target_key}")


def check_schedule_inversion(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Milestones that finish before one of their prerequisites.

    Each side's date is its completion date if completed, else its forecast,
    else its due date: the best available knowledge of when it happens.
    """
    del config
    findings: list[Finding] = []
    for edge in plan.live_edges:
        source, target = edge.source, edge.target
        if source.finish is None or target.finish is None or source.finish >= target.finish:
            continue
        message = (
            f"{source.id} ({_when(source)}) finishes before its prerequisite "
            f"{target.id} ({_when(target)})."
        )
        findings.append(_edge_finding("schedule-inversion", edge, message))
    return findings


def check_status_inversion(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Completed milestones with a prerequisite that is not completed.

    A prerequisite nobody says anything about (not declared, not in the catalog)
    is skipped: its state is unknown, not "planned".
    """
    del config
    findings: list[Finding] = []
    for edge in plan.live_edges:
        source, target = edge.source, edge.target
        if not source.is_completed or target.is_completed or not status_known(target):
            continue
        message = (
            f"{source.id} is {_state(source)} but its prerequisite {target.id} is {_state(target)}."
        )
        findings.append(_edge_finding("status-inversion", edge, message))
    return findings


# -- titles ---------------------------------------------------------------------


def check_title_mismatch(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Titles that disagree with the target's own, with each other, or look cut off.

    A test plan refers to other milestones by title; a wrong or truncated title
    sends readers to the wrong thing. A reference to a declared milestone must
    carry its declared title. Other teams' milestones are paraphrased freely
    (the seed's DM titles predate the schedule's terse names), so for them only
    disagreement between users and cut-off titles count; the catalog, where it
    has a longer title, tells what was cut. The plan's own IDs are held to the
    catalog's title, leniently (see catalog_title_agrees). One finding per edge
    gathers every reason; a declared milestone's own title is checked once.
    """
    findings: list[Finding] = []
    prefixes = config.title_prefixes
    edges = [edge for edge in plan.live_edges if edge.prerequisite.title.strip()]
    first_use: dict[str, Edge] = {}
    for edge in edges:
        if not edge.target.declared:
            first_use.setdefault(edge.target.key, edge)

    for edge in edges:
        title, target = edge.prerequisite.title, edge.target
        reasons: list[str] = []
        if target.declared and target.in_catalog and target.title == target.catalog_title:
            # The source gives no title of its own: the catalog's is the one to
            # match, with the catalog's leniency.
            reason = _catalog_reason(title, target, config, hold_to_catalog=True)
            if reason:
                reasons.append(f"which {reason}")
        elif target.declared:
            if target.title and not same_title(title, target.title, prefixes):
                cut = cut_from(title, target.title, prefixes=prefixes)
                how = "looks cut off" if cut else "does not match"
                reasons.append(f'which {how}: {target.id}\'s own title is "{target.title}"')
        else:
            reason = _catalog_reason(title, target, config)
            if reason:
                reasons.append(f"which {reason}")
            first = first_use[target.key]
            first_title = first.prerequisite.title
            if first is not edge and not same_title(first_title, title, prefixes):
                reasons.append(f'while {first.source.id} calls it "{first_title}"')
        if reasons:
            message = f'{edge.source.id} refers to {target.id} as "{title}", ' + ", ".join(reasons)
            findings.append(_edge_finding("title-mismatch", edge, message + "."))

    for ms in plan.declared:
        if ms.is_descoped or not ms.title:
            continue
        reason = _catalog_reason(ms.title, ms, config, hold_to_catalog=True)
        if reason:
            message = f'{ms.id} is titled "{ms.title}" here, which {reason}.'
            findings.append(_milestone_finding("title-mismatch", ms, message))
    return findings


def _catalog_reason(
    title: str, ms: Milestone, config: CheckConfig, *, hold_to_catalog: bool = False
) -> str:
    """What is wrong with a title used for ``ms``, judged against the catalog, or "".

    Only the plan's own milestones (declared, or with an ID of the plan) must
    agree with their catalog title; anybody's title may look cut off.
    """
    catalog = ms.catalog_title
    prefixes = config.title_prefixes
    if catalog and cut_from(title, catalog, mid_word_only=True, prefixes=prefixes):
        return f'looks cut off: the catalog title is "{catalog}"'
    if (
        catalog
        and (hold_to_catalog or config.is_plan_id(ms.id))
        and not catalog_title_agrees(title, catalog, prefixes)
    ):
        return f'does not match the catalog title "{catalog}"'
    if looks_truncated(title):
        if catalog and same_title(catalog, title, prefixes):
            # Cut at the schedule's own limit, exactly as the catalog has it: the
            # plan copied the schedule faithfully; nothing to fix here.
            return ""
        return "looks cut off"
    return ""


# -- structure ------------------------------------------------------------------


def check_redundant_prerequisite(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Edges already implied by a longer path (the seed's 14 -> 12 next to 14 -> 13 -> 12).

    A redundant edge hides the real structure of the plan and drifts out of date
    when the longer path changes. The finding names the shortest such path.
    """
    del config
    # On an acyclic plan the transitive reduction names the candidates at once;
    # with cycles (already an error) every edge has to be tried, on networkx's graph.
    graph: SuccessorGraph | nx.DiGraph = SuccessorGraph(plan)
    order = graph.topological_order()
    candidates: set[tuple[str, str]] | None = None
    if order is not None:
        candidates = graph.implied_edges(order)
    else:
        graph = _graph(plan)
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for edge in plan.live_edges:
        u, v = edge.source.key, edge.target.key
        if u == v or (u, v) in seen or graph.out_degree(u) < 2:
            continue
        if candidates is not None and (u, v) not in candidates:
            continue
        seen.add((u, v))
        graph.remove_edge(u, v)
        try:
            path = _bfs_path(graph, u, {v})
        finally:
            graph.add_edge(u, v)
        if path is None:
            continue
        ids = _ids(plan, path)
        message = (
            f"{ids[0]} lists {ids[-1]} as a prerequisite, but already depends on it "
            f"through {', '.join(ids[1:-1])} ({_arrow(ids)})."
        )
        findings.append(_edge_finding("redundant-prerequisite", edge, message, ids[1:-1]))
    return findings


def _bfs_path(graph: nx.DiGraph | SuccessorGraph, start: str, goals: set[str]
              ) -> list[str] | None:
    """A shortest path from ``start`` to the nearest goal (``start`` itself excluded).

    Successors are visited in key order so that ties always break the same way.
    """
    parents: dict[str, str] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for succ in sorted(graph.successors(node)):
            if succ in seen:
                continue
            parents[succ] = node
            if succ in goals:
                path = [succ]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return path[::-1]
            seen.add(succ)
            queue.append(succ)
    return None


def check_external_prerequisite(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Plan milestones that wait directly on another team's milestone.

    The plan should state its readiness in terms of its own deliverables (the
    reviewer on 12a: "we should be able to declare DM's readiness for LSSTCam
    regardless of Camera Team milestones").
    """
    findings: list[Finding] = []
    for edge in plan.live_edges:
        if not is_plan_milestone(edge.source) or not is_external(edge.target, config):
            continue
        why = (
            "which is declared external"
            if edge.target.external
            else "which is outside the organisation's milestones "
            f"(its ID matches none of {', '.join(config.internal_patterns) or 'no pattern'})"
        )
        message = f"{edge.source.id} depends directly on {edge.target.id}, {why}."
        findings.append(_edge_finding("external-prerequisite", edge, message))
    return findings


def check_no_internal_prerequisites(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Plan milestones whose prerequisites are all external (the seed's 10b).

    Such a milestone happens when other teams finish, which makes it no test of
    this organisation's work. ``related`` lists the external prerequisites.
    """
    findings: list[Finding] = []
    by_source: dict[str, list[Edge]] = {}
    for edge in plan.live_edges:
        by_source.setdefault(edge.source.key, []).append(edge)
    for key, edges in by_source.items():
        ms = plan.milestones[key]
        if not is_plan_milestone(ms):
            continue
        if all(is_external(edge.target, config) for edge in edges):
            ids = list(dict.fromkeys(edge.target.id for edge in edges))
            message = (
                f"{ms.id} has no internal prerequisites: it depends only on external "
                f"milestones ({', '.join(ids)})."
            )
            findings.append(_milestone_finding("no-internal-prerequisites", ms, message, ids))
    return findings


def _at_risk_roots(plan: Plan, config: CheckConfig) -> set[str]:
    """Milestones at risk themselves: by status, or by an ID pattern while not done.

    A completed milestone matching a pattern (the WISE-era DM-SUIT ones) has
    already happened and puts nothing at risk.
    """
    roots = set()
    for ms in plan:
        if ms.is_descoped:
            continue
        if ms.effective_status == "at-risk" or (
            config.is_at_risk_id(ms.id) and not ms.is_completed
        ):
            roots.add(ms.key)
    return roots


def at_risk_keys(plan: Plan, config: CheckConfig) -> set[str]:
    """ID keys of at-risk milestones and of everything depending on them, transitively.

    Shared with the diagrams so a milestone drawn at risk is exactly one the
    report warns about.
    """
    # A walk up the "required by" links, through milestones that are not descoped
    # (as the checks' graph has them): every page signature asks for this, and a
    # networkx graph of the whole plan costs more than the walk.
    _, required_by = plan.active_adjacency
    keys = _at_risk_roots(plan, config)
    stack = list(keys)
    while stack:
        for source in required_by.get(stack.pop(), ()):
            if source not in keys and not plan.milestones[source].is_descoped:
                keys.add(source)
                stack.append(source)
    return keys


def check_at_risk(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Edges through which a milestone comes to depend on an at-risk milestone.

    One finding per edge leading towards risk, so an author can drop or waive
    exactly the dependency at fault; ``related`` is the path from the
    prerequisite to the nearest at-risk milestone.
    """
    roots = _at_risk_roots(plan, config)
    risky = at_risk_keys(plan, config)
    graph = SuccessorGraph(plan) if risky else None
    findings: list[Finding] = []
    for edge in plan.live_edges:
        target = edge.target
        if target.key not in risky:
            continue
        assert graph is not None  # some milestone is at risk
        path = [target.key] if target.key in roots else _bfs_path(graph, target.key, roots)
        if path is None:  # cannot happen: risky keys are roots or lead to one
            continue
        ids = _ids(plan, path)
        root = plan.milestones[path[-1]]
        why = (
            "its status is at-risk"
            if root.effective_status == "at-risk"
            else "its ID matches "
            + ", ".join(p for p in config.at_risk_patterns if matches_any(root.id, (p,)))
        )
        if len(path) == 1:
            message = f"{edge.source.id} requires {root.id}, which is at risk ({why})."
        else:
            message = (
                f"{edge.source.id} requires {target.id}, which depends on the at-risk "
                f"milestone {root.id} ({why}): {_arrow([edge.source.id, *ids])}."
            )
        findings.append(_edge_finding("at-risk", edge, message, ids[1:]))
    return findings


def shorten(text: str, width: int = _DISCUSSION_WIDTH) -> str:
    """One line of at most ``width`` characters: warnings and table cells stay readable."""
    return textwrap.shorten(" ".join(text.split()), width=width, placeholder=" [...]")


#: A bullet or enumerated list item's first line, as reStructuredText writes them.
_LIST_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)]|#[.)]|\(\d+\))\s+(?=\S)")
#: Inline markup whose text a plain line keeps: roles, literals, strong and emphasis,
#: interpreted text; each opens after a space or punctuation and closes before one.
_INLINE = [
    re.compile(r":[\w.+-]+:`([^`]+)`"),
    re.compile(r"(?<![\w`])``(?=\S)(.+?)(?<=\S)``(?![\w`])"),
    re.compile(r"(?<![\w`])`(?=\S)([^`]+?)(?<=\S)`_{0,2}(?![\w`])"),
    re.compile(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])"),
    re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"),
]


def plain_text(source: str) -> str:
    """A review discussion's reStructuredText as one plain line, the way a reader of the
    rendered page reads it: list items joined by "; ", inline markup's text without its
    asterisks and backquotes ("I *don't* think" reads "I don't think").

    Warnings, the report and ``ldm503.json`` show a discussion on one line; its source
    there is noise, and pages render the same text as lists and italics.
    """
    # (whether it is a list item, its lines): a paragraph or an item runs to a blank
    # line or to the next item.
    blocks: list[tuple[bool, list[str]]] = []
    ended = True
    for line in source.splitlines():
        match = _LIST_ITEM.match(line)
        if match:
            blocks.append((True, [line[match.end():].strip()]))
            ended = False
        elif not line.strip():
            ended = True
        elif ended or not blocks:
            blocks.append((False, [line.strip()]))
            ended = False
        else:
            blocks[-1][1].append(line.strip())
    text = ""
    for index, (item, lines) in enumerate(blocks):
        part = " ".join(lines)
        if index:
            listed = item or blocks[index - 1][0]
            text = (text.rstrip(".;") + "; " if listed else text + " ") + part
        else:
            text = part
    for pattern in _INLINE:
        text = pattern.sub(r"\1", text)
    return " ".join(text.split())


def check_open_query(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Every open review question, on an edge or on a milestone, with its discussion.

    Open queries are the reviewer's unfinished business; listing them in the
    report keeps them from being forgotten once the review document is gone.
    """
    del config
    findings: list[Finding] = []
    for edge in plan.live_edges:
        pre = edge.prerequisite
        if pre.query != "open":
            continue
        head = f"Open query on {edge.source.id}'s prerequisite {edge.target.id}"
        message = (
            f"{head}: {shorten(plain_text(pre.discussion))}"
            if pre.discussion.strip()
            else (f"{head} (no discussion yet).")
        )
        findings.append(_edge_finding("open-query", edge, message))
    for ms in plan.declared:
        if ms.is_descoped:
            continue
        for query in ms.queries:
            if query.status != "open":
                continue
            message = f"Open query on {ms.id}: {shorten(plain_text(query.text))}"
            findings.append(_milestone_finding("open-query", ms, message, location=query.location))
    return findings


def check_schedule_drift(plan: Plan, config: CheckConfig) -> list[Finding]:
    """Plan milestones whose prerequisites differ from the schedule's predecessors.

    The plan and the schedule are kept by different people; where the catalog
    has a ``prerequisites`` column, a difference either way is worth a look
    (see :func:`.schedule.schedule_drift`). ``related`` lists the IDs only the
    plan has, then those only the schedule has.
    """
    from .schedule import schedule_drift

    return [
        _milestone_finding("schedule-drift", plan.milestones[id_key(drift.id)], drift.message(),
                           (*drift.plan_only, *drift.schedule_only))
        for drift in schedule_drift(plan, config.drift_ignore_patterns)
    ]


Check = Callable[[Plan, CheckConfig], list[Finding]]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One check: its name (a contract: warning subtype, ``suppress_warnings``, JSON,
    severity overrides, waivers), default severity, what it finds, and its function.

    The README's table, ``ldm503_check_severity`` validation, the report, the JSON
    and the command line's help are all derived from :data:`REGISTRY`.
    """

    name: CheckName
    severity: Severity
    description: str
    #: None for ``invalid``, whose findings come from reading the input.
    function: Check | None


#: Every check, in the order of the README's table. Defaults are chosen so that a
#: plan that cannot be built on (two declarations of one ID, a cycle, malformed
#: input) fails ``-W`` builds loudly, doubtful planning is a warning, and review
#: questions are only information.
REGISTRY: tuple[CheckSpec, ...] = (
    CheckSpec("duplicate-id", "error",
              "the same ID declared twice (both places named)", check_duplicate_id),
    CheckSpec("undefined-reference", "warning",
              "a prerequisite or ``:ms:`` matching ``ldm503_plan_id_pattern`` that is "
              "declared nowhere (or an ``:ms:`` to an unknown ID)", check_undefined_reference),
    CheckSpec("cycle", "error", "a dependency cycle, with the whole path", check_cycle),
    CheckSpec("schedule-inversion", "warning",
              "a milestone finishing before one of its prerequisites", check_schedule_inversion),
    CheckSpec("status-inversion", "warning",
              "a completed milestone with a prerequisite not completed", check_status_inversion),
    CheckSpec("title-mismatch", "warning",
              "a prerequisite's title that does not match the target's, or a title that "
              "looks cut off", check_title_mismatch),
    CheckSpec("redundant-prerequisite", "warning",
              "an edge implied by a longer path", check_redundant_prerequisite),
    CheckSpec("external-prerequisite", "warning",
              "a direct dependency outside ``ldm503_internal_patterns``",
              check_external_prerequisite),
    CheckSpec("no-internal-prerequisites", "warning",
              "a milestone whose prerequisites are all external",
              check_no_internal_prerequisites),
    CheckSpec("at-risk", "warning",
              "a dependency (direct or transitive) on an at-risk milestone", check_at_risk),
    CheckSpec("open-query", "info", "each open review query", check_open_query),
    CheckSpec("invalid", "error",
              "malformed input (ID, date, status, option, catalog row, configuration)", None),
    CheckSpec("schedule-drift", "info",
              "a milestone whose prerequisites differ from its predecessors in the catalog's "
              "``prerequisites`` column", check_schedule_drift),
)
CHECK_NAMES: tuple[CheckName, ...] = tuple(spec.name for spec in REGISTRY)
DEFAULT_SEVERITY: dict[str, Severity] = {spec.name: spec.severity for spec in REGISTRY}
CHECKS: dict[str, Check] = {
    spec.name: spec.function for spec in REGISTRY if spec.function is not None
}


def apply_severity(findings: Iterable[Finding], config: CheckConfig) -> list[Finding]:
    """Findings at the user's severities, ``off`` ones dropped, in the deterministic order.

    Public so the Sphinx side can pass its ``invalid`` findings through the same
    overrides as everything else.
    """
    out = []
    for finding in findings:
        level = config.severity_of(finding.check)
        if level == "off":
            continue
        if level != finding.severity:
            finding = replace(finding, severity=cast(Severity, level))
        out.append(finding)
    return sorted(out, key=lambda f: f.sort_key)


def run_checks(plan: Plan, config: CheckConfig | None = None) -> list[Finding]:
    """Every check over the plan: the one entry point for Sphinx and the command line.

    Checks switched ``off`` are not even run, so a user can silence one that is
    slow on a huge plan.
    """
    config = config or CheckConfig()
    findings: list[Finding] = []
    for name, check in CHECKS.items():
        if config.severity_of(name) == "off":
            continue
        findings.extend(check(plan, config))
    return apply_severity(findings, config)
