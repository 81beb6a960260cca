"""Reading the milestone catalog: the schedule export a project keeps next to its plan.

Real projects keep dates and status in a scheduling tool (LSST exports Primavera
monthly) rather than in the test plan, so the plan's milestones get their facts
from a CSV file: ``id,title,due,forecast,completed,status,level`` (plus ``wbs``
and ``prerequisites``, the schedule's own predecessors), only ``id`` required,
extra columns ignored. A catalog is edited by hand and produced by
tools, so reading it never raises: every bad row becomes a
:class:`CatalogProblem` naming its line, the caller turns those into warnings,
and the rest of the catalog is still used.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any, cast

from .model import STATUSES, Location, Milestone, Status, id_key
from .parsing import check_id, nfc_message, parse_level

#: Column names the reader understands; anything else (owners, notes) is ignored
#: so that a raw export can be used as it is.
COLUMNS: tuple[str, ...] = (
    "id", "title", "due", "forecast", "completed", "status", "level", "wbs", "prerequisites",
)

#: Separator of the ``prerequisites`` column (Primavera's predecessor list).
PREDECESSOR_SEPARATOR = ";"

#: Scheduling tools' words for the plan's statuses (Primavera says "Not Started").
STATUS_ALIASES: dict[str, str] = {
    "not started": "planned",
    "not-started": "planned",
    "notstarted": "planned",
    "planned": "planned",
    "in progress": "in-progress",
    "in-progress": "in-progress",
    "inprogress": "in-progress",
    "started": "in-progress",
    "completed": "completed",
    "complete": "completed",
    "done": "completed",
    "at risk": "at-risk",
    "at-risk": "at-risk",
    "descoped": "descoped",
}


@dataclass(frozen=True, slots=True)
class CatalogProblem:
    """Something wrong in the catalog, at a 1-based line of the file (0: the file itself)."""

    row: int
    message: str
    #: Nothing after it was read (no header, an unreadable part): a command that
    #: compares the file must stop rather than report its rows as removed.
    fatal: bool = dataclass_field(default=False, compare=False)

    def __str__(self) -> str:
        return f"line {self.row}: {self.message}" if self.row else self.message


def parse_catalog_status(text: str) -> str | None:
    """A status as the plan spells it, accepting the scheduling tools' spellings.

    Raises ``ValueError`` for anything unknown; an empty cell means "not said".
    """
    value = " ".join(text.strip().lower().replace("_", " ").split())
    if not value:
        return None
    status = STATUS_ALIASES.get(value)
    if status is None:
        raise ValueError(
            f"unknown status {text.strip()!r}: use one of {', '.join(STATUSES)} "
            "(or Completed, Not Started, In Progress)"
        )
    return status


def parse_catalog_date(text: str) -> date | None:
    """An ISO date, tolerating the time of day that spreadsheet exports append."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"invalid date {text!r}: use ISO format YYYY-MM-DD") from None


def load_catalog(path: str | PathLike[str]) -> tuple[list[Milestone], list[CatalogProblem]]:
    """The catalog's rows as milestones known from the catalog, and what was wrong with it.

    Rows come back as ``Milestone(declared=False, in_catalog=True)`` located at
    their line of the file, in file order. A row without a usable ID, or
    repeating an earlier ID, is skipped; a row with a bad value keeps everything
    else it says. A missing, unreadable or undecodable file gives no rows and one
    problem at line 0.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [CatalogProblem(0, f"catalog file {str(path)!r} does not exist")]
    except UnicodeDecodeError as exc:
        return [], [
            CatalogProblem(
                0,
                f"catalog file {str(path)!r} is not UTF-8 text ({exc.reason} at byte {exc.start})",
            )
        ]
    except OSError as exc:
        return [], [CatalogProblem(0, f"cannot read catalog file {str(path)!r}: {exc.strerror}")]
    return parse_catalog(text, source=str(path))


#: Separators a catalog may use, tried in this order on its header line: the
#: documented comma, then what spreadsheets write in locales where the comma is
#: the decimal mark (Excel's "CSV" there uses ``;``), then tabs.
DELIMITERS: tuple[str, ...] = (",", ";", "\t")

#: Longest cell read, in characters (the csv module stops at 128 KiB by default,
#: process-wide). A cell longer than this is taken for a corrupt file: a real
#: schedule's longest cell, a predecessor list, is a few kilobytes.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024

#: A quoted cell; possessive, since inside quotes ``""`` is always an escaped quote
#: (backtracking would close the cell early, where csv does not).
_QUOTED = re.compile(r'"([^"]*+(?:""[^"]*+)*+)"')
#: An unquoted cell (or what follows a quoted one) under each delimiter.
_PLAIN = {d: re.compile("[^" + re.escape(d) + "\r\n]*") for d in DELIMITERS}


class _Unreadable(Exception):
    """The rest of the text cannot be split into rows (at line ``line``)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _line_breaks(text: str) -> int:
    """Line breaks as the csv module counts lines: ``\r\n``, ``\r`` or ``\n``."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def csv_rows(text: str, delimiter: str = ",") -> Iterator[tuple[int, int, list[str]]]:
    """``(first line, last line, cells)`` of each record of a CSV text.

    The csv module's default dialect, read the same way (a property test compares
    the two), but with a reader of our own: the csv module's cell limit is one
    setting for the whole process, which a Sphinx extension must not change under
    its host. Here the limit is :data:`FIELD_SIZE_LIMIT`, and a quoted cell that
    is never closed is an error (csv would silently take the rest of the file as
    one cell, so every later row would vanish from a diff). Raises
    :class:`_Unreadable` there; the rows before it have been yielded.
    """
    plain = _PLAIN[delimiter]
    pos, line, end = 0, 1, len(text)
    while pos < end:
        start, cells = pos, []
        while True:
            if text.startswith('"', pos):
                quoted = _QUOTED.match(text, pos)
                if quoted is None:
                    where = line + _line_breaks(text[start:pos])
                    raise _Unreadable(where, f"the quoted cell on line {where} is never closed")
                # Non-strict, as csv: what follows the closing quote joins the cell.
                rest = plain.match(text, quoted.end())
                assert rest is not None
                value = quoted.group(1).replace('""', '"') + rest.group()
            else:
                rest = plain.match(text, pos)
                assert rest is not None
                value = rest.group()
            pos = rest.end()
            if len(value) > FIELD_SIZE_LIMIT:
                where = line + _line_breaks(text[start:pos])
                raise _Unreadable(where, f"a cell on line {where} is over "
                                         f"{FIELD_SIZE_LIMIT:,} characters")
            cells.append(value)
            if pos < end and text[pos] == delimiter:
                pos += 1
                continue
            break
        last = line + _line_breaks(text[start:pos])
        yield line, last, cells
        pos += 2 if text.startswith("\r\n", pos) else 1 if pos < end else 0
        line = last + 1


def sniff_delimiter(text: str) -> str:
    """The first of :data:`DELIMITERS` under which the header has an ``id`` column.

    A check of the header rather than ``csv.Sniffer``: the header is the one row
    whose content is known, and the comma stays the answer whenever it works.
    """
    for delimiter in DELIMITERS:
        try:
            for _first, _last, cells in csv_rows(text, delimiter):
                if any(cell.strip() for cell in cells):
                    if "id" in (cell.strip().lower() for cell in cells):
                        return delimiter
                    break
        except _Unreadable:
            pass
    return DELIMITERS[0]


def parse_catalog(
    text: str, source: str = "<catalog>"
) -> tuple[list[Milestone], list[CatalogProblem]]:
    """The reader behind :func:`load_catalog`, on text already read (tests, other sources)."""
    rows: list[Milestone] = []
    problems: list[CatalogProblem] = []
    text = text.lstrip("\ufeff")
    header: list[str] | None = None
    seen: dict[str, int] = {}
    try:
        for start, _end, cells in csv_rows(text, sniff_delimiter(text)):
            # Blank lines are layout, not data.
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                if "id" not in header:
                    problems.append(
                        CatalogProblem(
                            start,
                            f"the header has no 'id' column (found: {', '.join(header)}); "
                            "the catalog is ignored",
                            fatal=True,
                        )
                    )
                    return [], problems
                continue
            row = {
                name: cells[index].strip() if index < len(cells) else ""
                for index, name in enumerate(header)
                if name in COLUMNS and name not in header[:index]
            }
            milestone = _read_row(row, start, source, problems)
            if milestone is None:
                continue
            if milestone.key in seen:
                problems.append(
                    CatalogProblem(
                        start,
                        f"duplicate ID {milestone.id!r} (first on line {seen[milestone.key]}); "
                        "this row is ignored",
                    )
                )
                continue
            seen[milestone.key] = start
            rows.append(milestone)
    except _Unreadable as exc:
        problems.append(CatalogProblem(exc.line, f"unreadable CSV: {exc}; the rest of the "
                                                 "file is ignored", fatal=True))
    if header is None and not problems:
        problems.append(CatalogProblem(0, "the catalog is empty: it has no header line",
                                    fatal=True))
    return mark_cut_lists(rows), problems


def split_predecessors(text: str) -> tuple[str, ...]:
    """The IDs of a ``prerequisites`` cell, kept as the schedule spells them.

    Schedule IDs may contain spaces (``IPAC 007``) or ``&`` (``T&SC-2600-1545``),
    so only the separator splits; blanks are collapsed and empty items (``a;;b``,
    a trailing ``;``) dropped. Order and first spelling of repeated IDs are kept.
    """
    items: dict[str, str] = {}
    for item in text.split(PREDECESSOR_SEPARATOR):
        item = " ".join(item.split())
        if item and id_key(item) not in items:
            items[id_key(item)] = item
    return tuple(items.values())


def mark_cut_lists(rows: list[Milestone]) -> list[Milestone]:
    """Drop the stub that ends a predecessor list the export cut short, and say so.

    Exports truncate long cells (the March 2018 baseline lists ``...;LDM`` for
    LDM-503-08 and ``...;DM-DR`` for LDM-503-09). The last item of a list is
    taken for a stub when it is not itself a known ID (a catalog row, or an item
    somewhere other than at the end of a list) yet is the beginning of one:
    ``LDM`` of ``LDM-503-04``, ``DM-DR`` of ``DM-DRP-6``. A real ID that merely
    begins another (``DM-DRP-1`` of ``DM-DRP-10``) is known, so it stays.
    Counting a stub as a predecessor would report a made-up difference.
    """
    known = {row.key for row in rows}
    for row in rows:
        for item in (row.schedule_predecessors or ())[:-1]:
            known.add(id_key(item))
    candidates = sorted(known)
    out: list[Milestone] = []
    for row in rows:
        items = row.schedule_predecessors
        if items and _is_stub(id_key(items[-1]), known, candidates):
            row = replace(row, schedule_predecessors=items[:-1], schedule_predecessors_cut=True)
        out.append(row)
    return out


def _is_stub(item: str, known: set[str], candidates: list[str]) -> bool:
    """Whether ``item`` (case-folded) is unknown yet the start of a known ID."""
    if item in known:
        return False
    index = bisect_right(candidates, item)
    return index < len(candidates) and candidates[index].startswith(item)


def _read_row(
    row: dict[str, str], line: int, source: str, problems: list[CatalogProblem]
) -> Milestone | None:
    try:
        ms_id = check_id(row.get("id", ""))
    except ValueError as exc:
        problems.append(CatalogProblem(line, f"{exc}; this row is ignored"))
        return None
    not_nfc = nfc_message(row.get("id", "").strip())
    if not_nfc:
        problems.append(CatalogProblem(line, not_nfc))

    def field(name: str, parse: Callable[[str], Any]) -> Any:
        value = row.get(name, "")
        if not value:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            problems.append(CatalogProblem(line, f"{ms_id}: {name}: {exc}"))
            return None

    title = " ".join(row.get("title", "").split())
    predecessors = (
        split_predecessors(row.get("prerequisites", "")) if "prerequisites" in row else None
    )
    return Milestone(
        id=ms_id,
        title=title,
        location=Location(source, line),
        due=field("due", parse_catalog_date),
        forecast=field("forecast", parse_catalog_date),
        completed=field("completed", parse_catalog_date),
        status=cast(Status | None, field("status", parse_catalog_status)),
        level=field("level", parse_level),
        declared=False,
        in_catalog=True,
        catalog_title=title,
        schedule_predecessors=predecessors,
        wbs=" ".join(row.get("wbs", "").split()),
    )
