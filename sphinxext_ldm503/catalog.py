"""Reading the milestone catalog: the schedule export a project keeps next to its plan.

Real projects keep dates and status in a scheduling tool (LSST exports Primavera
monthly) rather than in the test plan, so the plan's milestones get their facts
from a CSV file: ``id,title,due,forecast,completed,status,level``, only ``id``
required, extra columns ignored. A catalog is edited by hand and produced by
tools, so reading it never raises: every bad row becomes a
:class:`CatalogProblem` naming its line, the caller turns those into warnings,
and the rest of the catalog is still used.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any, cast

from .model import STATUSES, Location, Milestone, Status
from .parsing import check_id, parse_level

#: Column names the reader understands; anything else (``wbs``, owners, notes)
#: is ignored so that a raw export can be used as it is.
COLUMNS: tuple[str, ...] = ("id", "title", "due", "forecast", "completed", "status", "level")

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


def parse_catalog(
    text: str, source: str = "<catalog>"
) -> tuple[list[Milestone], list[CatalogProblem]]:
    """The reader behind :func:`load_catalog`, on text already read (tests, other sources)."""
    rows: list[Milestone] = []
    problems: list[CatalogProblem] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header: list[str] | None = None
    seen: dict[str, int] = {}
    end = 0
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(CatalogProblem(reader.line_num or start, f"unreadable CSV: {exc}"))
            break
        end = reader.line_num
        # Blank lines are layout, not data (csv yields [] for them).
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
    if header is None:
        problems.append(CatalogProblem(0, "the catalog is empty: it has no header line"))
    return rows, problems


def _read_row(
    row: dict[str, str], line: int, source: str, problems: list[CatalogProblem]
) -> Milestone | None:
    try:
        ms_id = check_id(row.get("id", ""))
    except ValueError as exc:
        problems.append(CatalogProblem(line, f"{exc}; this row is ignored"))
        return None

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
    )
