"""Schedule insight: critical paths, slack, slip impact, catalog diffs and plan/schedule drift.

Readers of a test plan ask what holds a milestone back, what moves if that
slips, and what changed since the last schedule export. The answers are pure
functions of the model (no Sphinx import), so the directives, the
``schedule-drift`` check and the ``ldm503 diff``/``impact`` commands share them
and unit tests can work them out by hand on small plans.

Dependencies are finish-to-start: a milestone cannot finish before its
prerequisites. A milestone's date is :attr:`Milestone.finish` (completed, else
forecast, else due). Only active edges count (dropped edges and descoped
milestones take part in nothing, as in the checks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from .classify import matches_any, matches_globs
from .model import Edge, Location, Milestone, Plan, id_key, natural_key

# -- dates and slack --------------------------------------------------------------


def milestone_date(ms: Milestone) -> date | None:
    """The date a milestone is (to be) done: completed, else forecast, else due."""
    return ms.finish



def active_edges(plan: Plan) -> list[Edge]:
    """Edges that constrain dates: not dropped, neither end descoped."""
    return [
        e for e in plan.edges
        if e.prerequisite.active and not e.source.is_descoped and not e.target.is_descoped
    ]


def edge_slack(edge: Edge) -> int | None:
    """Days between the prerequisite's date and its dependent's date.

    Negative is a schedule inversion (the dependent finishes first); None when
    either date is unknown.
    """
    before, after = milestone_date(edge.target), milestone_date(edge.source)
    if before is None or after is None:
        return None
    return (after - before).days


def prerequisite_edges(plan: Plan, milestone_id: str) -> list[Edge]:
    """The active edges from a milestone to its prerequisites, in declaration order."""
    ms = plan.get(milestone_id)
    if ms is None or ms.is_descoped:
        return []
    return [e for e in plan.requires(ms.id) if e.prerequisite.active and not e.target.is_descoped]


def min_slack(plan: Plan, milestone_id: str) -> int | None:
    """The smallest slack over a milestone's prerequisites (the table's ``slack`` column)."""
    values = [s for e in prerequisite_edges(plan, milestone_id) if (s := edge_slack(e)) is not None]
    return min(values) if values else None


# -- critical path ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CriticalPath:
    """The chain of prerequisites that fixes a milestone's earliest possible date.

    ``ids`` runs from the first milestone of the chain to the milestone itself;
    ``slacks[i]`` is the slack of the edge ``ids[i] -> ids[i + 1]``.
    """

    milestone: str
    ids: tuple[str, ...]
    slacks: tuple[int | None, ...]
    end: date | None

    def text(self) -> str:
        """``A -> B -> C (ends 2019-11-11)``, as the milestone block shows it."""
        chain = " -> ".join(self.ids)
        return f"{chain} (ends {self.end.isoformat()})" if self.end else chain

    @property
    def edges(self) -> set[tuple[str, str]]:
        """The path's edges as (dependent key, prerequisite key), as the diagrams draw them."""
        keys = [id_key(i) for i in self.ids]
        return {(keys[i + 1], keys[i]) for i in range(len(keys) - 1)}


def driving_prerequisite(plan: Plan, milestone_id: str) -> Edge | None:
    """The prerequisite whose date is latest: the one that fixes the earliest start.

    Ties go to the smaller ID so the answer does not depend on declaration order;
    prerequisites without a date cannot drive anything.
    """
    best: date | None = None
    chosen: Edge | None = None
    edges = sorted(prerequisite_edges(plan, milestone_id), key=lambda e: e.target.key)
    for edge in edges:
        when = milestone_date(edge.target)
        if when is not None and (best is None or when > best):
            best, chosen = when, edge
    return chosen


def critical_path(plan: Plan, milestone_id: str) -> CriticalPath | None:
    """The critical path of a milestone, or None when the plan does not know it.

    Follows the driving prerequisite back until a milestone has none with a date;
    a cycle stops the walk where it would repeat. The path ends on the milestone
    itself and on its date (or, without one, on the earliest date its
    prerequisites allow). Paths are cached on the plan, and a walk reuses the
    path already known for a milestone it reaches, so asking for every
    milestone of a long chain stays linear.
    """
    ms = plan.get(milestone_id)
    if ms is None:
        return None
    keys, slacks = _path_of(plan, ms)
    chain = [plan.milestones[k] for k in keys]
    end = milestone_date(ms)
    if end is None and len(chain) > 1:
        end = milestone_date(chain[-2])
    return CriticalPath(ms.id, tuple(m.id for m in chain), slacks, end)


def _path_of(plan: Plan, ms: Milestone) -> tuple[tuple[str, ...], tuple[int | None, ...]]:
    """``ms``'s critical path as (keys first to last, edge slacks), cached on the plan."""
    cache: dict[str, tuple[tuple[str, ...], tuple[int | None, ...]]] = plan.__dict__.setdefault(
        "_ldm503_critical_paths", {})
    if ms.key not in cache:
        _walk(plan, ms, cache)
    return cache[ms.key]


def _walk(plan: Plan, ms: Milestone,
          cache: dict[str, tuple[tuple[str, ...], tuple[int | None, ...]]]) -> None:
    """Fill ``cache`` (key -> (path keys first to last, edge slacks)) for ``ms``.

    The walk goes back from ``ms`` until a milestone without a dated
    prerequisite, a milestone already on the walk (a cycle), or one whose path
    is cached and shares no milestone with the walk. Every milestone of the walk
    then gets its path (except after a cycle, where a path depends on where the
    walk started: only ``ms`` is cached then).
    """
    walk = [ms]
    slacks: list[int | None] = []  # slacks[i]: edge walk[i] -> walk[i + 1]
    on_walk = {ms.key}
    base: tuple[tuple[str, ...], tuple[int | None, ...]] = ((), ())
    cycled = False
    while True:
        edge = driving_prerequisite(plan, walk[-1].id)
        if edge is None:
            break
        target = edge.target
        if target.key in on_walk:
            cycled = True
            break
        known = cache.get(target.key)
        if known is not None and not on_walk.intersection(known[0]):
            base = known
            slacks.append(edge_slack(edge))
            break
        walk.append(target)
        on_walk.add(target.key)
        slacks.append(edge_slack(edge))
    keys, edge_slacks = base
    # Build the paths from the far end of the walk towards ``ms``.
    if len(slacks) == len(walk):  # the walk ended on a cached path
        link: list[int | None] = [slacks[-1]]
    else:
        link = []
    for index in range(len(walk) - 1, -1, -1):
        node = walk[index]
        keys = (*keys, node.key)
        edge_slacks = (*edge_slacks, *link)
        if not cycled or index == 0:
            cache.setdefault(node.key, (keys, edge_slacks))
        link = [slacks[index - 1]] if index > 0 else []


# -- slip impact ------------------------------------------------------------------


def add_days(day: date, days: int) -> date | None:
    """``day`` moved by ``days``, or None when that leaves the calendar (0001 to 9999).

    Schedule exports write 9999-12-31 for "no date" and a slip is any number an
    author types, so the sum can overflow; every caller says so to the author
    rather than letting an OverflowError stop the build.
    """
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return None

_SLIP_RE = re.compile(
    r"^\s*(?P<id>\S+)\s+(?:\+?(?P<days>\d+)\s*d|(?P<date>\d{4}-\d\d-\d\d))\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Slip:
    """What-if input: ``id`` slips by ``days`` or to the date ``to``."""

    id: str
    days: int | None = None
    to: date | None = None

    def __str__(self) -> str:
        return f"{self.id} {self.to.isoformat()}" if self.to else f"{self.id} +{self.days}d"


def parse_slip(text: str) -> Slip:
    """``ID +Nd`` or ``ID YYYY-MM-DD``; ``ValueError`` with a message for the author."""
    match = _SLIP_RE.match(text)
    if match is None:
        raise ValueError(
            f"cannot read slip {' '.join(text.split())!r}: write 'ID +Nd' (e.g. DM-NCSA-8 +90d) "
            "or 'ID YYYY-MM-DD'"
        )
    if match.group("date"):
        try:
            return Slip(match.group("id"), to=date.fromisoformat(match.group("date")))
        except ValueError:
            raise ValueError(
                f"invalid date {match.group('date')!r} in slip {text.strip()!r}"
            ) from None
    return Slip(match.group("id"), days=int(match.group("days")))


@dataclass(frozen=True, slots=True)
class Move:
    """A milestone that would move: by ``days``, pushed by ``via`` (None: slipped itself)."""

    id: str
    title: str
    old: date | None
    new: date | None
    days: int
    via: str | None
    declared: bool


@dataclass(frozen=True, slots=True)
class Impact:
    """Every milestone a set of slips would move, and why some would not."""

    slips: tuple[Slip, ...]
    moves: tuple[Move, ...]
    notes: tuple[str, ...] = ()

    def moved(self, milestone_id: str) -> Move | None:
        key = id_key(milestone_id)
        return next((m for m in self.moves if id_key(m.id) == key), None)


def impact(plan: Plan, slips: Sequence[Slip]) -> Impact:
    """What moves, and by how many days, if the given milestones slip.

    A dependent moves by what is left of its prerequisite's shift once the
    existing slack is used up: ``shift(X) = max(0, shift(P) - max(slack(P->X), 0))``
    over its prerequisites P. An existing inversion (negative slack) absorbs
    nothing, but does not amplify a slip either. An unknown slack (a date
    missing) absorbs nothing. Completed milestones do not move, and pass nothing
    on. Raises ``ValueError`` for an unknown ID, a slip that is not one, or a
    slip that would move a date past 9999-12-31.
    """
    shift: dict[str, int] = {}
    via: dict[str, str | None] = {}
    notes: list[str] = []
    for slip in slips:
        ms = plan.get(slip.id)
        if ms is None:
            raise ValueError(
                f"unknown milestone {slip.id!r}: it is neither declared nor referenced"
            )
        days = slip.days
        if slip.to is not None:
            current = milestone_date(ms)
            if current is None:
                raise ValueError(f"{ms.id} has no date to slip from: give '+Nd' instead of a date")
            days = (slip.to - current).days
            if days < 0:
                raise ValueError(
                    f"{ms.id} would move earlier ({current.isoformat()} -> {slip.to.isoformat()}): "
                    "only slips are followed"
                )
        assert days is not None
        if ms.is_completed:
            notes.append(f"{ms.id} is completed and does not move.")
            continue
        if days > shift.get(ms.key, 0):
            shift[ms.key] = days
            via[ms.key] = None
    dependents: dict[str, list[Edge]] = {}
    for edge in active_edges(plan):
        dependents.setdefault(edge.target.key, []).append(edge)
    work = sorted(k for k, v in shift.items() if v > 0)
    while work:
        key = work.pop()
        for edge in dependents.get(key, ()):
            target = edge.source
            if target.is_completed:
                continue
            slack = edge_slack(edge)
            pushed = shift[key] - max(slack or 0, 0)
            if pushed > shift.get(target.key, 0):
                shift[target.key] = pushed
                via[target.key] = plan.milestones[key].id
                work.append(target.key)
    moves = []
    for key, days in shift.items():
        if days <= 0:
            continue
        ms = plan.milestones[key]
        old = milestone_date(ms)
        new = None if old is None else add_days(old, days)
        if old is not None and new is None:
            raise ValueError(
                f"{', '.join(str(s) for s in slips)} would move {ms.id} from "
                f"{old.isoformat()} by {days_text(days)}, past {date.max.isoformat()}, "
                "the last date there is: give a smaller slip"
            )
        moves.append(Move(ms.id, ms.title, old, new, days, via[key], ms.declared))
    moves.sort(key=lambda m: (-m.days, m.new or date.max, id_key(m.id)))
    return Impact(tuple(slips), tuple(moves), tuple(notes))


# -- changes between two exports -------------------------------------------------

#: The kinds of change, in the order a reader scans them.
CHANGE_KINDS: tuple[str, ...] = (
    "slipped", "moved-earlier", "completed", "new", "removed", "renamed", "predecessors",
)


@dataclass(frozen=True, slots=True)
class Change:
    """What changed for one milestone between two catalog exports."""

    id: str
    title: str
    kinds: tuple[str, ...]
    old_date: date | None = None
    new_date: date | None = None
    old_due: date | None = None
    new_due: date | None = None
    new_forecast: date | None = None
    new_completed: date | None = None
    old_title: str = ""
    new_title: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    old_cut: bool = False
    new_cut: bool = False

    @property
    def days(self) -> int | None:
        """Days the milestone's date moved (positive: later), when both dates are known."""
        if self.old_date is None or self.new_date is None:
            return None
        return (self.new_date - self.old_date).days

    def describe(self) -> list[str]:
        """One sentence per kind of change, for text output and table cells."""
        out: list[str] = []
        for kind in self.kinds:
            if kind in ("slipped", "moved-earlier"):
                verb = "slipped" if kind == "slipped" else "moved earlier by"
                line = (f"{verb} {days_text(abs(self.days or 0))}: {_iso(self.old_date)} -> "
                        f"{_iso(self.new_date)}")
                # A baseline has only due dates: say how the due date moved, and
                # which forecast the new date is.
                extra = []
                if self.old_due != self.new_due:
                    extra.append(f"due {_iso(self.old_due)} -> {_iso(self.new_due)}")
                if self.new_forecast and not self.new_completed:
                    extra.append(f"forecast {_iso(self.new_forecast)}")
                if extra:
                    line += f" ({', '.join(extra)})"
                out.append(line)
            elif kind == "completed":
                out.append(f"completed on {_iso(self.new_completed)}"
                           if self.new_completed else "completed")
            elif kind == "new":
                out.append(f"new (date {_iso(self.new_date)})")
            elif kind == "removed":
                out.append(f"removed (was due {_iso(self.old_due)})")
            elif kind == "renamed":
                out.append(f'renamed: "{self.old_title}" -> "{self.new_title}"')
            elif kind == "predecessors":
                parts = []
                if self.added:
                    parts.append("gained " + ", ".join(self.added))
                if self.removed:
                    parts.append("lost " + ", ".join(self.removed))
                line = "schedule predecessors " + "; ".join(parts)
                if self.old_cut or self.new_cut:
                    which = "old" if self.old_cut else "new"
                    line += f" (the {which} export cut the list short)"
                out.append(line)
        return out

    def brief(self) -> list[str]:
        """A few words per kind of change, for a compact table (PDF, text).

        The full sentences (:meth:`describe`) list every predecessor: in print a
        row per milestone must stay one or two lines, so predecessors are counted.
        """
        out: list[str] = []
        for kind in self.kinds:
            if kind in ("slipped", "moved-earlier"):
                word = "slipped" if kind == "slipped" else "earlier by"
                out.append(f"{word} {days_text(abs(self.days or 0))}: {_iso(self.old_date)} "
                           f"-> {_iso(self.new_date)}")
            elif kind == "completed":
                out.append(f"completed {_iso(self.new_completed)}" if self.new_completed
                           else "completed")
            elif kind == "new":
                out.append(f"new ({_iso(self.new_date)})")
            elif kind == "removed":
                out.append("removed")
            elif kind == "renamed":
                out.append("renamed")
            elif kind == "predecessors":
                counts = [f"{len(self.added)} gained"] if self.added else []
                counts += [f"{len(self.removed)} lost"] if self.removed else []
                out.append(f"predecessors: {', '.join(counts)}")
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "title": self.title,
            "kinds": list(self.kinds),
            "days": self.days,
            "old_date": _iso_or_none(self.old_date),
            "new_date": _iso_or_none(self.new_date),
            "old_due": _iso_or_none(self.old_due),
            "new_due": _iso_or_none(self.new_due),
            "new_forecast": _iso_or_none(self.new_forecast),
            "new_completed": _iso_or_none(self.new_completed),
            "old_title": self.old_title,
            "new_title": self.new_title,
            "predecessors_added": list(self.added),
            "predecessors_removed": list(self.removed),
            "old_predecessors_cut": self.old_cut,
            "new_predecessors_cut": self.new_cut,
        }


def days_text(days: int) -> str:
    """``1 day``, ``90 days``."""
    return f"{days} day" if abs(days) == 1 else f"{days} days"


def _iso(value: date | None) -> str:
    return value.isoformat() if value else "no date"


def _iso_or_none(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _same_title(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def diff_catalogs(old: Iterable[Milestone], new: Iterable[Milestone]) -> list[Change]:
    """The milestones that changed between two exports, in natural ID order.

    Dates are compared on the milestone's date (completed, else forecast, else
    due), which is what a reader plans with; the due dates are kept alongside
    since a baseline export only has those. Predecessors are compared only where
    both exports have the column; a list the export cut short is flagged, since
    what was cut off cannot be told apart from what was added or removed.
    """
    before = {row.key: row for row in old}
    after = {row.key: row for row in new}
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys(), key=natural_key):
        a, b = before.get(key), after.get(key)
        if a is None:
            assert b is not None
            changes.append(Change(b.id, b.title, ("new",), new_date=milestone_date(b),
                                  new_due=b.due, new_forecast=b.forecast,
                                  new_completed=b.completed, new_title=b.title))
            continue
        if b is None:
            changes.append(Change(a.id, a.title, ("removed",), old_date=milestone_date(a),
                                  old_due=a.due, old_title=a.title))
            continue
        kinds: list[str] = []
        old_date, new_date = milestone_date(a), milestone_date(b)
        if old_date and new_date and new_date != old_date:
            kinds.append("slipped" if new_date > old_date else "moved-earlier")
        if b.is_completed and not a.is_completed:
            kinds.append("completed")
        if a.title and b.title and not _same_title(a.title, b.title):
            kinds.append("renamed")
        added: tuple[str, ...] = ()
        removed: tuple[str, ...] = ()
        if a.schedule_predecessors is not None and b.schedule_predecessors is not None:
            old_keys = {id_key(i) for i in a.schedule_predecessors}
            new_keys = {id_key(i) for i in b.schedule_predecessors}
            added = tuple(sorted((i for i in b.schedule_predecessors
                                  if id_key(i) not in old_keys), key=natural_key))
            removed = tuple(sorted((i for i in a.schedule_predecessors
                                    if id_key(i) not in new_keys), key=natural_key))
            if added or removed:
                kinds.append("predecessors")
        if not kinds:
            continue
        changes.append(Change(
            b.id, b.title, tuple(k for k in CHANGE_KINDS if k in kinds),
            old_date=old_date, new_date=new_date, old_due=a.due, new_due=b.due,
            new_forecast=b.forecast, new_completed=b.completed if b.is_completed else None,
            old_title=a.title, new_title=b.title, added=added, removed=removed,
            old_cut=a.schedule_predecessors_cut, new_cut=b.schedule_predecessors_cut,
        ))
    return changes


def select_changes(
    changes: Iterable[Change],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    kinds: Sequence[str] = (),
    sort: str = "id",
) -> list[Change]:
    """Filter by ID globs and kinds; sort by ``id`` or by ``slip`` (largest slip first)."""
    out = [
        c for c in changes
        if (not include or matches_globs(c.id, include))
        and not matches_globs(c.id, exclude)
        and (not kinds or any(k in kinds for k in c.kinds))
    ]
    if sort == "slip":
        out.sort(key=lambda c: (-(c.days or 0) if "slipped" in c.kinds else 1,
                                natural_key(c.id)))
    else:
        out.sort(key=lambda c: natural_key(c.id))
    return out


def ranked_slips(changes: Iterable[Change]) -> list[Change]:
    """The slipped milestones, largest slip first (ties by natural ID order).

    The changes page's summary names them in this order whatever the table's
    ``:sort:``: the size of a slip is what a reader of the summary looks for.
    """
    slipped = [c for c in changes if "slipped" in c.kinds and c.days]
    slipped.sort(key=lambda c: (-(c.days or 0), natural_key(c.id)))
    return slipped


def most_significant(changes: Iterable[Change], count: int) -> list[Change]:
    """The ``count`` changes that matter most, in their given order.

    What matters most: a change's first kind in :data:`CHANGE_KINDS` order
    (a slip before a completion, a rename before predecessor churn), then the
    size of the move, then natural ID order. A printed changes table that must
    stay short keeps these rows and says how many it left out.
    """
    changes = list(changes)
    ranked = sorted(changes, key=lambda c: (CHANGE_KINDS.index(c.kinds[0]),
                                            -abs(c.days or 0), natural_key(c.id)))
    keep = {id(c) for c in ranked[:max(count, 0)]}
    return [c for c in changes if id(c) in keep]


def drop_ignored_predecessors(
    changes: Iterable[Change], ignore_patterns: Sequence[str]
) -> list[Change]:
    """The changes without the schedule predecessors that ``schedule-drift`` ignores.

    A schedule's predecessor lists are mostly JIRA tickets and activity codes
    (``ldm503_drift_ignore_patterns``): churn among those says nothing to a
    test plan's reader, and the drift check leaves them out for that reason.
    Filtering with the same function (:func:`_ignored`) keeps the two pages in
    agreement. A change left with no kind at all (only ignored predecessors
    changed) is dropped; order is kept.
    """
    patterns = tuple(ignore_patterns)
    if not patterns:
        return list(changes)
    out: list[Change] = []
    for change in changes:
        if "predecessors" not in change.kinds:
            out.append(change)
            continue
        added = tuple(i for i in change.added if not matches_any(i, patterns))
        removed = tuple(i for i in change.removed if not matches_any(i, patterns))
        kinds = change.kinds if added or removed else tuple(
            k for k in change.kinds if k != "predecessors")
        if kinds:
            out.append(replace(change, kinds=kinds, added=added, removed=removed))
    return out


def worst_slip(changes: Iterable[Change]) -> int:
    """The largest slip in days (0 when nothing slipped), for ``--fail-on-slip``."""
    return max((c.days or 0 for c in changes if "slipped" in c.kinds), default=0)


# -- plan vs schedule ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drift:
    """A plan milestone whose prerequisites differ from the schedule's predecessors."""

    id: str
    plan: tuple[str, ...]
    schedule: tuple[str, ...]
    plan_only: tuple[str, ...]
    schedule_only: tuple[str, ...]
    cut: bool = False
    location: Location | None = field(default=None, compare=False)

    def message(self) -> str:
        parts = []
        if self.plan_only:
            parts.append(f"only the plan requires {', '.join(self.plan_only)}")
        if self.schedule_only:
            parts.append(f"only the schedule has {', '.join(self.schedule_only)}")
        text = (
            f"{self.id}: the plan's prerequisites differ from the schedule's predecessors: "
            f"{'; '.join(parts)} (plan: {', '.join(self.plan) or 'none'}; "
            f"schedule: {', '.join(self.schedule) or 'none'})."
        )
        if self.cut:
            text += " The export cut the schedule's list short."
        return text


def schedule_drift(plan: Plan, ignore_patterns: Sequence[str] = ()) -> list[Drift]:
    """Plan milestones whose prerequisites and schedule predecessors disagree.

    Only milestones declared in the plan (not external, not descoped) whose
    catalog row has a ``prerequisites`` column are compared; dropped edges do not
    count. IDs matching ``ignore_patterns`` (regular expressions, searched,
    ignoring case) are left out on both sides: a schedule's predecessors include
    activities nobody tests against (``DMTC-...``, JIRA tickets).
    """
    rows = {row.key: row for row in plan.catalog}
    out: list[Drift] = []
    for ms in plan.declared:
        if ms.external or ms.is_descoped:
            continue
        row = rows.get(ms.key)
        if row is None or row.schedule_predecessors is None:
            continue
        mine = tuple(dict.fromkeys(
            e.target.id for e in prerequisite_edges(plan, ms.id)
            if not matches_any(e.target.id, ignore_patterns)
        ))
        theirs = tuple(i for i in row.schedule_predecessors if not matches_any(i, ignore_patterns))
        mine_keys = {id_key(i) for i in mine}
        theirs_keys = {id_key(i) for i in theirs}
        plan_only = tuple(sorted((i for i in mine if id_key(i) not in theirs_keys), key=id_key))
        schedule_only = tuple(sorted((i for i in theirs if id_key(i) not in mine_keys),
                                     key=id_key))
        if plan_only or schedule_only:
            out.append(Drift(ms.id, tuple(sorted(mine, key=id_key)),
                             tuple(sorted(theirs, key=id_key)), plan_only, schedule_only,
                             row.schedule_predecessors_cut, ms.location))
    return out


# -- JSON ------------------------------------------------------------------------


def impact_to_json(result: Impact) -> dict[str, object]:
    """The impact as plain data, for ``ldm503 impact --format json`` and tools."""
    return {
        "slips": [str(s) for s in result.slips],
        "moves": [
            {
                "id": m.id,
                "title": m.title,
                "days": m.days,
                "old": _iso_or_none(m.old),
                "new": _iso_or_none(m.new),
                "via": m.via,
                "declared": m.declared,
            }
            for m in result.moves
        ],
        "notes": list(result.notes),
    }


def change_counts(changes: Iterable[Change]) -> dict[str, int]:
    """How many milestones show each kind of change, every kind present (zeros too)."""
    counts = dict.fromkeys(CHANGE_KINDS, 0)
    for change in changes:
        for kind in change.kinds:
            counts[kind] += 1
    return counts


# -- critical path in the milestone block -------------------------------------------


#: A longer critical path is shown as its first link, "…", the milestone's own
#: prerequisite on it and the milestone: the root cause and the prerequisite that
#: fixes the date are what a reader acts on (a ``:critical-path:`` diagram draws
#: the whole chain), and every link under every milestone of a large plan costs
#: build time and page weight.
PATH_HEAD = 1
PATH_TAIL = 2


def critical_path_summary(
        plan: Plan, milestone_id: str, line: str = "full",
) -> tuple[tuple[str | int | None, ...], date | None]:
    """What the milestone block shows: IDs, with the count of left-out ones in between
    (``None`` for left-out ones not counted), and the end date; ``((), None)`` when the
    milestone waits on nothing dated, or ``line`` is ``"off"``.

    ``line`` is ``ldm503_critical_path_line``. ``"full"`` shows the chain's first
    milestone (the root cause) and counts the links left out, which makes the line
    depend on the whole chain upstream: one changed prerequisite far upstream changes
    the lines of every milestone downstream, and their pages are rewritten.
    ``"near"`` shows only the last :data:`PATH_TAIL` links (what drives the date, and
    what drives that), so the line depends on milestones a few links away only; a
    chain short enough to show whole is shown whole either way.
    """
    if line == "off":
        return (), None
    # From the cached path's keys, not critical_path(): a line is asked for of every
    # milestone of the plan whenever it changes (the pages' fingerprints), and shows
    # a few of a chain's milestones.
    ms = plan.get(milestone_id)
    keys = _path_of(plan, ms)[0] if ms is not None else ()
    if ms is None or len(keys) < 2:
        return (), None
    milestones = plan.milestones
    end = milestone_date(ms)
    if end is None:
        end = milestone_date(milestones[keys[-2]])
    if len(keys) <= PATH_HEAD + PATH_TAIL + 1:
        return tuple(milestones[k].id for k in keys), end
    tail = keys[-PATH_TAIL - 1:] if line == "near" else keys[-PATH_TAIL:]
    head: tuple[str | int | None, ...] = (None,) if line == "near" else (
        *(milestones[k].id for k in keys[:PATH_HEAD]), len(keys) - PATH_HEAD - PATH_TAIL)
    return (*head, *(milestones[k].id for k in tail)), end
