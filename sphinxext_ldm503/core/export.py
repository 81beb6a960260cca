"""The plan and its findings as ``ldm503.json``, and back.

Every builder writes this file so that other tools (dashboards, the command
line, a CI job comparing two builds) can read the plan without Sphinx. It must be
byte-identical for identical input, so the key order is fixed by construction,
milestones and findings come sorted, and nothing depends on the build's date or
the order documents were read in.

The published schema (``version``, ``milestones`` with ``id``, ``title``, ``docname``,
``line``, dates, ``status``, ``level``, ``external``, ``declared``, ``requires``; and
``findings``) is kept exactly; keys beyond it (``waivers``,
``waiver_reason``, ``discussion``, ``queries``, ``references``, ...) come after
the schema's keys and carry what :func:`plan_from_json` needs to rebuild the same
plan, so the command line can re-run the checks on a published plan.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TextIO, cast

from .checks import REGISTRY, CheckConfig, is_external, status_known
from .model import (
    Finding,
    Location,
    Milestone,
    Plan,
    Prerequisite,
    Query,
    QueryState,
    Reference,
    Severity,
    Status,
    Waiver,
)

VERSION = 1


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _waivers(waivers: Iterable[Waiver]) -> list[dict[str, str]]:
    return [{"check": w.check, "reason": w.reason} for w in waivers]


def _requirement(ms: Milestone, pre: Prerequisite) -> dict[str, Any]:
    return {
        "id": pre.id,
        "title": pre.title,
        "query": pre.query,
        "waived": bool(pre.waivers),
        # extras
        "waivers": _waivers(pre.waivers),
        "discussion": pre.discussion,
        "docname": pre.location.docname if pre.location else None,
        "line": pre.location.line if pre.location else None,
        "compact": pre.compact,
    }


def _milestone(ms: Milestone, config: CheckConfig) -> dict[str, Any]:
    return {
        "id": ms.id,
        "title": ms.title,
        "docname": ms.docname,
        "line": ms.line,
        "due": _iso(ms.due),
        "forecast": _iso(ms.forecast),
        "completed": _iso(ms.completed),
        # A milestone nobody says anything about has no status, rather than an
        # invented "planned" (see checks.status_known).
        "status": ms.effective_status if status_known(ms) else None,
        "level": ms.level,
        "external": is_external(ms, config),
        "declared": ms.declared,
        "requires": [_requirement(ms, pre) for pre in ms.prerequisites],
        # extras
        "kind": config.classifier.kind(ms),
        "in_catalog": ms.in_catalog,
        "catalog_title": ms.catalog_title,
        # The schedule's predecessors (None: the catalog has no such column), so a
        # plan rebuilt from JSON gives schedule-drift the same answers.
        "schedule_predecessors": (
            None if ms.schedule_predecessors is None else list(ms.schedule_predecessors)
        ),
        "schedule_predecessors_cut": ms.schedule_predecessors_cut,
        "tags": list(ms.tags),
        "waivers": _waivers(ms.waivers),
        "queries": [
            {
                "text": q.text,
                "status": q.status,
                "docname": q.location.docname if q.location else None,
                "line": q.location.line if q.location else None,
            }
            for q in ms.queries
        ],
    }


def _finding(finding: Finding) -> dict[str, Any]:
    loc = finding.location
    return {
        "check": finding.check,
        "severity": finding.severity,
        "milestone": finding.milestone,
        "related": list(finding.related),
        "docname": loc.docname if loc else None,
        "line": loc.line if loc else None,
        "message": finding.message,
        "waived": finding.waived,
        # extras
        "waiver_reason": finding.waiver_reason,
    }


def to_json_document(
    plan: Plan, findings: Iterable[Finding], config: CheckConfig | None = None
) -> dict[str, Any]:
    """The ``ldm503.json`` document of a plan and its findings.

    ``config`` decides which milestones count as ``external`` (its internal
    patterns); without one the defaults apply.
    """
    config = config or CheckConfig()
    milestones = sorted(plan, key=lambda ms: (ms.key, ms.id))
    return {
        "version": VERSION,
        "milestones": [_milestone(ms, config) for ms in milestones],
        "findings": [_finding(f) for f in sorted(findings, key=lambda f: f.sort_key)],
        # extras
        "references": [
            {
                "id": ref.id,
                "docname": ref.location.docname if ref.location else None,
                "line": ref.location.line if ref.location else None,
                # Only on :no-index: copies, so older documents read the same.
                **({"copy": True} if ref.copy else {}),
            }
            for ref in plan.references
        ],
        # What each check name means and the severity it ran at, for tools that
        # read the findings without the README.
        "checks": [
            {
                "name": spec.name,
                "severity": config.severity_of(spec.name),
                "default_severity": spec.severity,
                "description": spec.description,
            }
            for spec in REGISTRY
        ],
    }


def dumps(doc: Mapping[str, Any]) -> str:
    """The document as text, the same bytes every time for the same document."""
    out = io.StringIO()
    dump(doc, out)
    return out.getvalue()


def dump(doc: Mapping[str, Any], fp: TextIO) -> None:
    """:func:`dumps` written to ``fp`` a few thousand pieces at a time.

    The text is ``json.JSONEncoder(indent=2, ensure_ascii=False)``'s, made by
    :func:`_encode` rather than by that encoder, which with an indent runs in pure
    Python through nested generators: a tenth of a second of every build that
    changes the plan at 2,000 milestones. ``json.dumps`` would also keep every piece
    of the text (some 20 MB at 2,000 milestones) until it joins them: the peak
    memory of a whole build.
    """
    batch: list[str] = []
    _encode(doc, "\n", batch, fp)
    batch.append("\n")
    fp.write("".join(batch))


_escape = json.encoder.encode_basestring  # the json module's escaping (C), ensure_ascii=False
_CONSTANTS = {None: "null", True: "true", False: "false"}


def _number(value: float) -> str:
    """A float as the json module writes it (``allow_nan``: NaN and Infinity as words)."""
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as the json module writes it."""
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _number(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _encode(value: Any, newline: str, out: list[str], fp: TextIO) -> None:
    """Append ``value`` to ``out`` as ``JSONEncoder(indent=2, ensure_ascii=False)``
    would write it (``newline``: a line break and the current indent), the same
    types in the same order of tests, and write ``out`` to ``fp`` when it grows long."""
    if isinstance(value, str):
        out.append(_escape(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        out.append("[")
        separator = inner
        for item in value:
            out.append(separator)
            _encode(item, inner, out, fp)
            separator = "," + inner
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        out.append("{")
        separator = inner
        for key, item in value.items():
            # Most of a plan's document is keys and flat values: written here, not by
            # a call per value (and per key); a sixth less time for the whole document.
            head = separator + _escape(key if type(key) is str else _key(key)) + ": "
            if type(item) is str:
                out.append(head + _escape(item))
            elif item is None or item is True or item is False:
                out.append(head + _CONSTANTS[item])
            else:
                out.append(head)
                _encode(item, inner, out, fp)
            separator = "," + inner
        out.append(newline + "}")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    if len(out) >= 4096:
        fp.write("".join(out))
        out.clear()


# -- reading back ----------------------------------------------------------------


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _location(docname: Any, line: Any) -> Location | None:
    if not docname:
        return None
    return Location(str(docname), int(line) if line is not None else None)


def _read_waivers(items: Sequence[Mapping[str, Any]] | None) -> tuple[Waiver, ...]:
    return tuple(Waiver(check=w["check"], reason=w.get("reason", "")) for w in items or ())


def _read_milestone(item: Mapping[str, Any]) -> Milestone:
    prerequisites = tuple(
        Prerequisite(
            id=req["id"],
            title=req.get("title") or "",
            query=cast(QueryState | None, req.get("query")),
            discussion=req.get("discussion") or "",
            waivers=_read_waivers(req.get("waivers")),
            location=_location(req.get("docname"), req.get("line")),
            compact=bool(req.get("compact", False)),
        )
        for req in item.get("requires") or ()
    )
    queries = tuple(
        Query(
            text=q["text"],
            status=q.get("status") or "open",
            location=_location(q.get("docname"), q.get("line")),
        )
        for q in item.get("queries") or ()
    )
    return Milestone(
        id=item["id"],
        title=item.get("title") or "",
        location=_location(item.get("docname"), item.get("line")),
        due=_date(item.get("due")),
        forecast=_date(item.get("forecast")),
        completed=_date(item.get("completed")),
        status=cast(Status | None, item.get("status")),
        level=item.get("level"),
        tags=tuple(item.get("tags") or ()),
        external=bool(item.get("external", False)),
        prerequisites=prerequisites,
        queries=queries,
        waivers=_read_waivers(item.get("waivers")),
        declared=True,
        in_catalog=bool(item.get("in_catalog", False)),
        catalog_title=item.get("catalog_title") or "",
    )


def _catalog_row(item: Mapping[str, Any]) -> Milestone:
    title = item.get("catalog_title") or ""
    return Milestone(
        id=item["id"],
        title=title,
        due=_date(item.get("due")),
        forecast=_date(item.get("forecast")),
        completed=_date(item.get("completed")),
        status=cast(Status | None, item.get("status")),
        level=item.get("level"),
        declared=False,
        in_catalog=True,
        catalog_title=title,
        schedule_predecessors=(
            None if item.get("schedule_predecessors") is None
            else tuple(item["schedule_predecessors"])
        ),
        schedule_predecessors_cut=bool(item.get("schedule_predecessors_cut", False)),
    )


def plan_from_json(doc: Mapping[str, Any]) -> Plan:
    """Rebuild the plan an ``ldm503.json`` document was written from.

    Declared milestones come back as declarations and catalog facts as catalog
    rows, so the rebuilt plan gives the same checks the same answers (except
    ``duplicate-id``: only the declaration in use is exported). Raises
    ``ValueError`` for a document that is not version 1 of the schema.
    """
    if not isinstance(doc, Mapping) or doc.get("version") != VERSION:
        version = doc.get("version") if isinstance(doc, Mapping) else None
        raise ValueError(f"not an ldm503.json document of version {VERSION} (version {version!r})")
    try:
        items = doc["milestones"]
        declarations = [_read_milestone(item) for item in items if item.get("declared", True)]
        catalog = [_catalog_row(item) for item in items if item.get("in_catalog")]
        references = [
            Reference(id=ref["id"], location=_location(ref.get("docname"), ref.get("line")),
                      copy=bool(ref.get("copy")))
            for ref in doc.get("references") or ()
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"malformed ldm503.json document: {exc!r}") from None
    return Plan(declarations=declarations, references=references, catalog=catalog)


def findings_from_json(doc: Mapping[str, Any]) -> list[Finding]:
    """The findings of an ``ldm503.json`` document, as written (for the command line)."""
    try:
        return [
            Finding(
                check=item["check"],
                severity=cast(Severity, item["severity"]),
                milestone=item.get("milestone"),
                message=item["message"],
                related=tuple(item.get("related") or ()),
                location=_location(item.get("docname"), item.get("line")),
                waived=bool(item.get("waived", False)),
                waiver_reason=item.get("waiver_reason") or "",
            )
            for item in doc.get("findings") or ()
        ]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed ldm503.json document: {exc!r}") from None
