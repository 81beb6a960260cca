"""sphinx-needs records as milestones, and milestones as sphinx-needs records: plain data.

Nothing here imports Sphinx or sphinx-needs: the build (``needs.py``) hands over
needs it read from sphinx-needs' environment, the command line hands over the
needs of a ``needs.json`` file, and both get the same milestones back. The names
of the need type, link types and fields are defined once here, so what the build
registers and what the command line reads back can never disagree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from .model import STATUSES, Location, Milestone, Prerequisite, QueryState, Status, id_key

#: The need type every declared milestone becomes.
NEED_TYPE = "milestone"
NEED_TYPE_ENTRY: dict[str, str] = {
    "directive": NEED_TYPE, "title": "Milestone", "prefix": "MS_",
    "color": "#DDE6F2", "style": "node",
}
#: Edges with no query or a resolved one; the incoming name is what "Required by" says.
LINK_REQUIRES = "requires"
#: Edges under an open query: kept apart so views show them (dashed in needflow).
LINK_QUERIED = "requires_queried"
LINK_TYPES: dict[str, dict[str, Any]] = {
    LINK_REQUIRES: {
        "incoming": "required by", "outgoing": "requires", "color": "#333333",
        "style": "solid", "allow_dead_links": True,
    },
    LINK_QUERIED: {
        "incoming": "required by (queried)", "outgoing": "requires (queried)",
        "color": "#b35900", "style": "dashed", "allow_dead_links": True,
    },
}
#: Dropped edges are no dependency (no link), but stay visible as this field.
FIELD_DROPPED = "requires_dropped"
#: Extra fields of a milestone need (``status`` and ``tags`` are sphinx-needs' own).
FIELDS: dict[str, str] = {
    "due": "Date the milestone is due (ISO)",
    "forecast": "Forecast date of the milestone (ISO)",
    "completed": "Date the milestone was completed (ISO)",
    "level": "Milestone level",
    FIELD_DROPPED: "Prerequisites whose edge a review dropped (comma list)",
}

#: Statuses other tools write, read as ours; anything else leaves the status unknown.
STATUS_ALIASES: dict[str, Status] = {
    "done": "completed", "closed": "completed", "complete": "completed",
    "implemented": "completed", "passed": "completed",
    "in progress": "in-progress", "in_progress": "in-progress", "ongoing": "in-progress",
    "open": "planned", "draft": "planned", "new": "planned",
    "at risk": "at-risk", "at_risk": "at-risk", "cancelled": "descoped",
    "canceled": "descoped", "rejected": "descoped",
}


def need_fields(milestone: Milestone) -> dict[str, Any]:
    """The keyword arguments of ``add_need`` for a milestone, beyond id, title and type.

    Only what is known is given, so a project's own defaults for a field still apply.
    """
    values: dict[str, Any] = {"status": milestone.effective_status}
    if milestone.tags:
        values["tags"] = list(milestone.tags)
    for name in ("due", "forecast", "completed"):
        value: date | None = getattr(milestone, name)
        if value is not None:
            values[name] = value.isoformat()
    if milestone.level is not None:
        values["level"] = str(milestone.level)
    requires = [p.id for p in milestone.prerequisites if p.query in (None, "resolved")]
    queried = [p.id for p in milestone.prerequisites if p.query == "open"]
    dropped = [p.id for p in milestone.prerequisites if p.query == "dropped"]
    if requires:
        values[LINK_REQUIRES] = list(dict.fromkeys(requires))
    if queried:
        values[LINK_QUERIED] = list(dict.fromkeys(queried))
    if dropped:
        values[FIELD_DROPPED] = ", ".join(dict.fromkeys(dropped))
    return values


# -- needs as milestones ---------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Which needs take part in the plan, and which of their links are prerequisites.

    ``types`` and ``filter`` both select (a need must pass both when both are given);
    our own link types are always followed, besides ``links``.
    """

    types: tuple[str, ...] = ()
    filter: str = ""
    links: tuple[str, ...] = ("links",)

    @property
    def followed_links(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.links, LINK_REQUIRES, LINK_QUERIED)))

    def selects_type(self, need_type: str) -> bool:
        return not self.types or need_type in self.types


def parse_selection(value: object) -> tuple[Selection | None, list[str]]:
    """``ldm503_needs_as_milestones`` as a :class:`Selection` (None: off) and problems.

    A filter string alone, or ``{"types": [...], "links": [...], "filter": "..."}``.
    A problem costs that key (a warning), never the build.
    """
    if value is None or value == {} or value == "":
        return None, []
    if isinstance(value, str):
        return Selection(filter=value), []
    if not isinstance(value, Mapping):
        return None, [f"expected a dict or a filter string, not {type(value).__name__}; "
                      "no need takes part in the plan"]
    problems: list[str] = []
    unknown = sorted(str(k) for k in value if k not in ("types", "links", "filter"))
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}; known: types, links, filter")

    def names(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = value.get(key, default)
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, (list, tuple)) or not all(isinstance(x, str) for x in raw):
            problems.append(f"{key!r} must be a list of names, not {raw!r}; "
                            f"using {list(default)!r}")
            return default
        return tuple(raw)

    flt = value.get("filter", "")
    if not isinstance(flt, str):
        problems.append(f"'filter' must be a string, not {type(flt).__name__}; it is ignored")
        flt = ""
    selection = Selection(types=names("types", ()), filter=flt, links=names("links", ("links",)))
    if not selection.types and not selection.filter:
        problems.append("neither 'types' nor 'filter' given: no need takes part in the plan")
        return None, problems
    return selection, problems


def _date(value: Any) -> tuple[date | None, str | None]:
    if value in (None, ""):
        return None, None
    try:
        return date.fromisoformat(str(value).strip()), None
    except ValueError:
        return None, f"invalid date {value!r}: use YYYY-MM-DD"


def _status(value: Any) -> Status | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    if text in STATUSES:
        return cast(Status, text)
    return STATUS_ALIASES.get(text)


def _ids(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split()]
    if not isinstance(value, (list, tuple)):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def milestone_from_need(
    need: Mapping[str, Any], selection: Selection
) -> tuple[Milestone, list[str]]:
    """One need as a milestone of the plan, with what could not be read of it.

    ``need`` holds the keys a need has in ``needs.json``. Dates that are not ISO
    dates and levels that are not numbers are left out and named in the problems.
    """
    problems: list[str] = []
    dates: dict[str, date | None] = {}
    for name in ("due", "forecast", "completed"):
        dates[name], problem = _date(need.get(name))
        if problem:
            problems.append(f":{name}: {problem}")
    level: int | None = None
    raw_level = need.get("level")
    if raw_level not in (None, ""):
        try:
            level = int(str(raw_level))
        except ValueError:
            problems.append(f":level: {raw_level!r} is not a whole number")
    status = _status(need.get("status"))
    if status is None and dates["completed"] is not None:
        status = "completed"
    docname = need.get("docname")
    lineno = need.get("lineno")
    location = Location(str(docname), int(lineno) if isinstance(lineno, int) else None) \
        if docname else None
    prerequisites: list[Prerequisite] = []
    seen: set[tuple[str, str | None]] = set()
    for link in selection.followed_links:
        query: QueryState | None = "open" if link == LINK_QUERIED else None
        for target in _ids(need.get(link)):
            if (id_key(target), query) in seen:
                continue
            seen.add((id_key(target), query))
            prerequisites.append(Prerequisite(id=target, query=query, location=location))
    for target in _ids(need.get(FIELD_DROPPED)):
        prerequisites.append(Prerequisite(id=target, query="dropped", location=location))
    tags = need.get("tags") or ()
    milestone = Milestone(
        id=str(need["id"]),
        title=str(need.get("title") or ""),
        location=location,
        due=dates["due"], forecast=dates["forecast"], completed=dates["completed"],
        status=status, level=level,
        tags=tuple(str(t) for t in tags) if isinstance(tags, (list, tuple)) else (),
        prerequisites=tuple(prerequisites),
    )
    return milestone, problems


def titled(
    milestones: Sequence[Milestone], needs: Mapping[str, Mapping[str, Any]]
) -> list[Milestone]:
    """Prerequisites that are needs but no milestones carry the need's title.

    Without it such a target would appear untitled in diagrams and tables.
    """
    from dataclasses import replace

    declared = {ms.key for ms in milestones}
    out = []
    for ms in milestones:
        pres = tuple(
            replace(p, title=str(needs[p.id].get("title") or ""))
            if not p.title and p.key not in declared and p.id in needs else p
            for p in ms.prerequisites
        )
        out.append(replace(ms, prerequisites=pres))
    return out


# -- needs.json ------------------------------------------------------------------------


@dataclass
class NeedsFile:
    """The needs of one version of a ``needs.json`` file, by ID."""

    needs: dict[str, dict[str, Any]] = field(default_factory=dict)
    project: str = ""
    version: str = ""


def read_needs_json(text: str) -> NeedsFile:
    """The needs of ``current_version`` (else the last version) of a needs.json text.

    Raises ValueError with a message for a file that is not one.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    except RecursionError:  # the decoder recurses once per nested [ or {
        raise ValueError("not a needs.json file: nested too deeply to read") from None
    versions = doc.get("versions") if isinstance(doc, dict) else None
    if not isinstance(versions, dict) or not versions:
        raise ValueError("not a needs.json file (no 'versions')")
    current = doc.get("current_version")
    key = current if isinstance(current, str) and current in versions else sorted(versions)[-1]
    needs = versions[key].get("needs") if isinstance(versions[key], dict) else None
    if not isinstance(needs, dict):
        raise ValueError(f"version {key!r} of the needs.json file has no 'needs'")
    clean = {str(k): dict(v, id=v.get("id", k)) for k, v in needs.items() if isinstance(v, dict)}
    return NeedsFile(needs=clean, project=str(doc.get("project") or ""), version=key)


def milestones_from_needs(
    needs: Iterable[Mapping[str, Any]], selection: Selection,
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
) -> tuple[list[Milestone], list[tuple[Location | None, str]]]:
    """The needs ``keep`` selects (default: by the selection's types) as milestones."""
    selected: list[Milestone] = []
    problems: list[tuple[Location | None, str]] = []
    by_id: dict[str, Mapping[str, Any]] = {}
    for need in needs:
        if not isinstance(need.get("id"), str):
            continue
        by_id[need["id"]] = need
        if keep is not None and not keep(need):
            continue
        if keep is None and not selection.selects_type(str(need.get("type", ""))):
            continue
        ms, found = milestone_from_need(need, selection)
        selected.append(ms)
        problems.extend((ms.location, f"need {ms.id}: {p}") for p in found)
    return titled(selected, by_id), problems
