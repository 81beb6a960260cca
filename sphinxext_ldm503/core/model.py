"""The plan as plain data: milestones, prerequisite edges, queries and findings.

Nothing here imports Sphinx. The same records are pickled into the build
environment (one list per document), rebuilt by the command line from a dummy
build or from JSON, and read by the checks, the diagrams and the report. Keeping
them frozen and free of docutils nodes is what makes parallel merges, incremental
rebuilds and byte-identical output cheap to get right.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property, lru_cache
from typing import Any, Literal, TypeVar

QueryState = Literal["open", "resolved", "dropped"]
QueryStatus = Literal["open", "resolved"]
Status = Literal["planned", "in-progress", "completed", "at-risk", "descoped"]
Severity = Literal["error", "warning", "info"]
#: The names of the checks (the registry in checks.py lists them, in this order):
#: warning subtypes, ``suppress_warnings`` entries, JSON values and waiver names.
CheckName = Literal[
    "duplicate-id",
    "undefined-reference",
    "cycle",
    "schedule-inversion",
    "status-inversion",
    "title-mismatch",
    "redundant-prerequisite",
    "external-prerequisite",
    "no-internal-prerequisites",
    "at-risk",
    "open-query",
    "invalid",
    "schedule-drift",
]

QUERY_STATES: tuple[str, ...] = ("open", "resolved", "dropped")
QUERY_STATUSES: tuple[str, ...] = ("open", "resolved")
STATUSES: tuple[str, ...] = ("planned", "in-progress", "completed", "at-risk", "descoped")
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

_ANCHOR_UNSAFE = re.compile(r"[^a-z0-9-]")
_Record = TypeVar("_Record", bound=type)


def quick_pickle(cls: _Record) -> _Record:
    """Pickle a frozen, slotted dataclass as the tuple of its fields' values.

    The state functions dataclasses give such classes look the fields up again for
    every object (``fields()``), which made loading and saving the environment of a
    plan of thousands of milestones a visible part of every incremental build. The
    state is the same (the values in field order), so either reads the other's.
    """
    names = tuple(f.name for f in dataclasses.fields(cls))
    values = operator.attrgetter(*names)
    # The slots' own descriptors store a value whatever a frozen __setattr__ says; their
    # bound __set__, looked up once, make loading an environment a third faster.
    setters = tuple(vars(cls)[name].__set__ for name in names)
    count = len(names)

    def __getstate__(self: Any) -> tuple[Any, ...]:
        state = values(self)
        return state if count > 1 else (state,)

    def __setstate__(self: Any, state: Any) -> None:
        # The length checked once, not by zip(strict=True), which costs a third more.
        if len(state) != count:
            raise ValueError(f"{cls.__name__}: {len(state)} values for {count} fields")
        for set_, value in zip(setters, state):  # noqa: B905 -- lengths checked above
            set_(self, value)

    cls.__getstate__ = __getstate__  # type: ignore[method-assign,assignment]
    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


def id_key(milestone_id: str) -> str:
    """Key under which an ID is looked up: authors type IDs in any case, and in any
    Unicode normalisation form.

    ``Café`` typed with U+00E9 and with ``e`` + U+0301 look the same and are the
    same ID: both compare in NFC (also after case folding, which can decompose).
    """
    if milestone_id.isascii():
        return milestone_id.casefold()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", milestone_id).casefold())


#: A natural sort key: runs of digits and of the rest, digits as numbers.
NaturalKey = tuple[tuple[tuple[int, int | str], ...], str, str]


def natural_key(text: str) -> NaturalKey:
    """``DM-AP-2`` before ``DM-AP-10``, ``LDM-503-4b`` before ``LDM-503-10``.

    The one order in which IDs are listed for readers (tables, ``ldm503 diff``):
    schedule codes number their milestones, and 1, 10, 2 reads as a mistake.
    Case is ignored as for lookups (:func:`id_key`); IDs equal but for case or
    leading zeros (``AP-01``, ``AP-1``) still get a fixed order, by their text.
    """
    folded = text.casefold()
    parts = re.split(r"(\d+)", folded)
    # split() puts text at even and digits at odd places, so an int never meets a str.
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts), folded, text


@lru_cache(maxsize=1 << 16)
def anchor_for(milestone_id: str) -> str:
    """The HTML anchor of a milestone, part of the public interface.

    Outside links (and intersphinx inventories) point at it, so it depends on the
    ID alone, never on the document or on declaration order. Remembered: every
    diagram and link to a milestone asks again (60,000 times at 2,000 diagrams).
    """
    if not milestone_id.isascii():  # one anchor for every normalisation form (id_key)
        milestone_id = unicodedata.normalize("NFC", milestone_id)
    return "ms-" + _ANCHOR_UNSAFE.sub("-", milestone_id.lower())


@quick_pickle
@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where something was written: a Sphinx docname (or a file path) and a line.

    ``source`` is the file the line belongs to when that is not the document's own
    file (text pulled in with ``.. include::``); ``docname`` stays the document
    that shows it, which is where links and per-document state go.
    """

    docname: str
    line: int | None = None
    source: str = ""

    @property
    def file(self) -> str:
        """The included file, else the docname: what a reader opens to find the line."""
        return self.source or self.docname

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@quick_pickle
@dataclass(frozen=True, slots=True)
class Waiver:
    """An author's decision to accept one finding, kept visible with its reason."""

    check: str
    reason: str = ""


@quick_pickle
@dataclass(frozen=True, slots=True)
class Prerequisite:
    """One edge of the plan: the enclosing milestone requires ``id``.

    ``title`` is how the plan refers to the prerequisite, which may differ from the
    target's own title (that difference is what ``title-mismatch`` reports).
    ``query`` is None for an unquestioned edge.
    """

    id: str
    title: str = ""
    query: QueryState | None = None
    discussion: str = ""
    waivers: tuple[Waiver, ...] = ()
    location: Location | None = None
    compact: bool = False  # declared through ``:requires:`` rather than a directive
    #: ``id_key(id)``, computed once: lookups by key are the hot path of large plans.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", id_key(self.id))

    @property
    def active(self) -> bool:
        """Dropped edges are kept for the record but take part in no check."""
        return self.query != "dropped"

    def waiver_for(self, check: str) -> Waiver | None:
        return next((w for w in self.waivers if w.check == check), None)


@quick_pickle
@dataclass(frozen=True, slots=True)
class Query:
    """A review question about a milestone as a whole, not about one edge."""

    text: str
    status: QueryStatus = "open"
    location: Location | None = None


@quick_pickle
@dataclass(frozen=True, slots=True)
class Milestone:
    """A milestone, declared in the plan, taken from the catalog, or known by reference.

    ``declared`` is False for milestones that only appear as somebody's
    prerequisite (DM and external milestones): they are real, carry the title used
    for them, and render as plain text rather than as broken links.
    """

    id: str
    title: str = ""
    location: Location | None = None
    due: date | None = None
    forecast: date | None = None
    completed: date | None = None
    status: Status | None = None
    level: int | None = None
    tags: tuple[str, ...] = ()
    external: bool = False
    prerequisites: tuple[Prerequisite, ...] = ()
    queries: tuple[Query, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    declared: bool = True
    in_catalog: bool = False
    catalog_title: str = ""
    #: The schedule's own predecessors from the catalog's ``prerequisites`` column
    #: (catalog rows only): None when the catalog has no such column, so "the
    #: schedule says nothing" is never confused with "the schedule lists none".
    schedule_predecessors: tuple[str, ...] | None = None
    #: The export cut the predecessor list short (its last ID was dropped as a stub).
    schedule_predecessors_cut: bool = False
    wbs: str = ""
    #: ``id_key(id)``, computed once: lookups by key are the hot path of large plans.
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", id_key(self.id))

    @property
    def anchor(self) -> str:
        return anchor_for(self.id)

    @property
    def docname(self) -> str | None:
        return self.location.docname if self.location else None

    @property
    def line(self) -> int | None:
        return self.location.line if self.location else None

    @property
    def effective_status(self) -> Status:
        """A completion date implies completion even when no status was written."""
        if self.status is not None:
            return self.status
        return "completed" if self.completed else "planned"

    @property
    def is_completed(self) -> bool:
        return self.effective_status == "completed"

    @property
    def is_descoped(self) -> bool:
        """Taken out of the plan: the checks and the schedule pass over it and its edges."""
        return self.effective_status == "descoped"

    @property
    def finish(self) -> date | None:
        """The date the milestone is (to be) done: completion, else forecast, else due."""
        if self.is_completed and self.completed:
            return self.completed
        return self.forecast or self.due

    @property
    def label(self) -> str:
        return f"{self.id}: {self.title}" if self.title else self.id

    def waiver_for(self, check: str) -> Waiver | None:
        return next((w for w in self.waivers if w.check == check), None)


@quick_pickle
@dataclass(frozen=True, slots=True)
class Reference:
    """A ``:ms:`` cross-reference, recorded so unknown IDs can be reported.

    ``copy`` marks a ``:no-index:`` rendering of a milestone, which must be
    declared elsewhere whatever its ID looks like.
    """

    id: str
    location: Location | None = None
    copy: bool = False

    @property
    def key(self) -> str:
        return id_key(self.id)


@quick_pickle
@dataclass(frozen=True, slots=True)
class Finding:
    """One result of a consistency check.

    ``milestone`` is the milestone the finding is about (for an edge, the one that
    lists the prerequisite); ``related`` starts with the prerequisite for an edge
    finding, followed by whatever explains it.
    """

    check: CheckName
    severity: Severity
    milestone: str | None
    message: str
    related: tuple[str, ...] = ()
    location: Location | None = None
    waived: bool = False
    waiver_reason: str = ""

    @property
    def sort_key(self) -> tuple[str, int, str, str, tuple[str, ...], str]:
        loc = self.location
        return (
            loc.docname if loc else "",
            (loc.line or 0) if loc else 0,
            self.check,
            self.milestone or "",
            self.related,
            self.message,
        )


@quick_pickle
@dataclass(frozen=True, slots=True)
class Edge:
    """A resolved edge: ``source`` requires ``target`` through ``prerequisite``."""

    source: Milestone
    target: Milestone
    prerequisite: Prerequisite


def merge_catalog(declared: Milestone, row: Milestone) -> Milestone:
    """Fill what the source left unsaid from the catalog: the RST always wins."""
    return replace(
        declared,
        title=declared.title or row.title,
        due=declared.due or row.due,
        forecast=declared.forecast or row.forecast,
        completed=declared.completed or row.completed,
        status=declared.status or row.status,
        level=declared.level if declared.level is not None else row.level,
        in_catalog=True,
        catalog_title=row.title,
        schedule_predecessors=row.schedule_predecessors,
        schedule_predecessors_cut=row.schedule_predecessors_cut,
        wbs=row.wbs,
    )


@dataclass
class Plan:
    """The whole plan, assembled from per-document declarations.

    Construction is deterministic whatever order documents were read or merged
    in: declarations are sorted by location, the first one of an ID wins and the
    others are kept in ``duplicates`` for the ``duplicate-id`` check.
    """

    declarations: list[Milestone] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    catalog: list[Milestone] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.declarations = sorted(self.declarations, key=declaration_order)
        self.references = sorted(self.references, key=_reference_order)
        self.milestones: dict[str, Milestone] = {}
        self.duplicates: dict[str, list[Milestone]] = {}
        for ms in self.declarations:
            if ms.key in self.milestones:
                self.duplicates.setdefault(ms.key, [self.milestones[ms.key]]).append(ms)
            else:
                self.milestones[ms.key] = ms
        # Milestones known only by reference carry the first title used for them.
        for ms in list(self.milestones.values()):
            for pre in ms.prerequisites:
                if pre.key not in self.milestones:
                    self.milestones[pre.key] = Milestone(
                        id=pre.id, title=pre.title, location=None, declared=False
                    )
        catalog_rows = {row.key: row for row in self.catalog}
        for key, ms in self.milestones.items():
            row = catalog_rows.get(key)
            if row is not None:
                self.milestones[key] = merge_catalog(ms, row)
        self.milestones = dict(sorted(self.milestones.items()))

    # -- lookups -------------------------------------------------------------

    def get(self, milestone_id: str) -> Milestone | None:
        return self.milestones.get(id_key(milestone_id))

    def __iter__(self) -> Iterator[Milestone]:
        return iter(self.milestones.values())

    def __len__(self) -> int:
        return len(self.milestones)

    def __contains__(self, milestone_id: object) -> bool:
        return isinstance(milestone_id, str) and id_key(milestone_id) in self.milestones

    @property
    def declared(self) -> list[Milestone]:
        return [ms for ms in self if ms.declared]

    # -- edges ---------------------------------------------------------------

    @cached_property
    def edges(self) -> list[Edge]:
        """Every edge of every declared milestone, in a stable order (dropped ones too)."""
        out: list[Edge] = []
        for ms in self.milestones.values():
            for pre in ms.prerequisites:
                target = self.milestones[pre.key]
                out.append(Edge(ms, target, pre))
        return out

    @cached_property
    def live_edges(self) -> list[Edge]:
        """Active edges from a declared milestone, neither end descoped: the edges the
        consistency checks judge. Worked out once per plan: nine checks walk them, and
        each walk tested every edge's two statuses again (a twentieth of a second of
        every build that changes the plan at 2,000 milestones)."""
        return [edge for edge in self.edges
                if edge.prerequisite.active and edge.source.declared
                and not edge.source.is_descoped and not edge.target.is_descoped]

    @cached_property
    def edges_from(self) -> dict[str, list[Edge]]:
        """The edges of each milestone (by key), in the order of :attr:`edges`."""
        index: dict[str, list[Edge]] = {}
        for edge in self.edges:
            index.setdefault(edge.source.key, []).append(edge)
        return index

    @cached_property
    def active_adjacency(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """(requires, required by): keys linked by active (not dropped) edges.

        Built once per plan: every diagram walks it, and there is one diagram per
        milestone.
        """
        requires: dict[str, list[str]] = {}
        required_by: dict[str, list[str]] = {}
        for edge in self.edges:
            if edge.prerequisite.active:
                requires.setdefault(edge.source.key, []).append(edge.target.key)
                required_by.setdefault(edge.target.key, []).append(edge.source.key)
        return requires, required_by

    @cached_property
    def _required_by(self) -> dict[str, list[Edge]]:
        index: dict[str, list[Edge]] = {}
        for edge in self.edges:
            index.setdefault(edge.target.key, []).append(edge)
        return index

    def required_by(self, milestone_id: str) -> list[Edge]:
        """The edges that point at a milestone, sorted by the requiring milestone's ID."""
        return self._required_by.get(id_key(milestone_id), [])

    def requires(self, milestone_id: str) -> list[Edge]:
        ms = self.get(milestone_id)
        if ms is None:
            return []
        return [Edge(ms, self.milestones[p.key], p) for p in ms.prerequisites]

    def digraph(self, *, include_dropped: bool = False, include_descoped: bool = False):  # noqa: ANN201
        """A networkx DiGraph keyed by ID key: an edge ``a -> b`` means a requires b.

        Dropped edges and descoped milestones take part in no check, so they are
        left out unless asked for. Each call returns a fresh copy of a cached graph
        (callers may edit theirs), so several checks do not rebuild it.
        """
        cache = self.__dict__.setdefault("_digraphs", {})
        key = (include_dropped, include_descoped)
        if key not in cache:
            cache[key] = self._build_digraph(include_dropped, include_descoped)
        return cache[key].copy()

    def _build_digraph(self, include_dropped: bool, include_descoped: bool):  # noqa: ANN202
        import networkx as nx

        graph = nx.DiGraph()
        for ms in self.milestones.values():
            if include_descoped or not ms.is_descoped:
                graph.add_node(ms.key)
        for edge in self.edges:
            if not include_dropped and not edge.prerequisite.active:
                continue
            if edge.source.key in graph and edge.target.key in graph:
                graph.add_edge(edge.source.key, edge.target.key)
        return graph


def declaration_order(ms: Milestone) -> tuple[str, int, str]:
    """Where a milestone was written; unknown lines sort first, never compared to None."""
    loc = ms.location or Location("")
    return (loc.docname, loc.line or 0, ms.id)



def _reference_order(ref: Reference) -> tuple[str, int, str]:
    # Not ``Location`` ordering: a known and an unknown line cannot be compared.
    loc = ref.location or Location("")
    return (loc.docname, loc.line or 0, ref.id)
