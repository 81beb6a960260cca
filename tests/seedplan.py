"""A throwaway reader of the seed review text, so Sphinx-free tests can use the real plan.

The example documentation carries the same content as directives; this reader exists
only so that graph and check tests can work on the 142-milestone plan without a
Sphinx build. It understands exactly the shapes the seed uses: ``ID: Title``
headings underlined with ``=``, ``- ID Title`` prerequisites, ``(Query)`` marks,
nested ``  - comment`` bullets as discussion, and ``(Query)`` bullets that do not
start with an ID as free-standing queries.
"""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite, Query

DATA = Path(__file__).parent / "data"
SEED = DATA / "seed-review.txt"
CATALOG = DATA / "ldm503-milestones-2019-04.csv"

_QUERY = "(Query)"
# A prerequisite bullet starts with an ID: upper-case letters, digits and
# punctuation with at least one digit or dash ("DM-STAFF", "F18S", "CAMM8040").
_ID_TOKEN = re.compile(r"[A-Z0-9][A-Za-z0-9&.\-]*$")


def _looks_like_id(token: str) -> bool:
    return bool(_ID_TOKEN.match(token)) and any(c.isdigit() or c == "-" for c in token)


def _split_heading(text: str) -> tuple[str, str]:
    ms_id, _, title = text.partition(" ")
    return ms_id.rstrip(":"), title.strip()


def read_seed(path: Path = SEED, docname: str = "seed") -> list[Milestone]:
    """The declared milestones of the seed, in file order, with their edges and queries."""
    lines = path.read_text(encoding="utf-8").splitlines()
    milestones: list[Milestone] = []
    current: dict | None = None
    # Each bullet is [kind, text, discussion lines, line number].
    bullet: list | None = None

    def finish_bullet() -> None:
        nonlocal bullet
        if bullet is None or current is None:
            bullet = None
            return
        text = " ".join(bullet[1].split())
        queried = text.startswith(_QUERY)
        if queried:
            text = text[len(_QUERY) :].strip()
        discussion = "\n".join(bullet[2])
        first = text.split(" ", 1)[0]
        loc = Location(docname, bullet[3])
        if queried and not _looks_like_id(first):
            current["queries"].append(Query(text=text, location=loc))
        else:
            pre_id, title = _split_heading(text)
            current["prerequisites"].append(
                Prerequisite(
                    id=pre_id,
                    title=title,
                    query="open" if queried else None,
                    discussion=discussion,
                    location=loc,
                )
            )
        bullet = None

    def finish_milestone() -> None:
        nonlocal current
        finish_bullet()
        if current is not None:
            milestones.append(
                Milestone(
                    id=current["id"],
                    title=current["title"],
                    location=Location(docname, current["line"]),
                    prerequisites=tuple(current["prerequisites"]),
                    queries=tuple(current["queries"]),
                )
            )
        current = None

    for number, line in enumerate(lines, start=1):
        following = lines[number] if number < len(lines) else ""
        if line and not line.startswith((" ", "-")) and re.fullmatch(r"=+", following.strip()):
            finish_milestone()
            ms_id, title = _split_heading(line.strip())
            current = {"id": ms_id, "title": title, "line": number,
                       "prerequisites": [], "queries": []}
        elif re.fullmatch(r"=+", line.strip()) or not line.strip():
            continue
        elif line.startswith("- "):
            finish_bullet()
            bullet = ["item", line[2:], [], number]
        elif line.startswith("  - ") and bullet is not None:
            bullet[2].append(line[4:].strip())
        elif line.startswith("    ") and bullet is not None and bullet[2]:
            bullet[2][-1] += " " + line.strip()
        elif line.startswith("  ") and bullet is not None:
            bullet[1] += " " + line.strip()
    finish_milestone()
    return milestones


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def read_catalog(path: Path = CATALOG) -> list[Milestone]:
    """The schedule export as catalog rows (dates, status and schedule titles)."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                Milestone(
                    id=row["id"],
                    title=row["title"],
                    due=_date(row["due"]),
                    forecast=_date(row["forecast"]),
                    completed=_date(row["completed"]),
                    status=row["status"] or None,
                    declared=False,
                    in_catalog=True,
                )
            )
    return rows


def seed_plan(*, catalog: bool = True) -> Plan:
    """The seed as a Plan: 26 declared test milestones, 142 milestones in all.

    With ``catalog`` the schedule export fills dates and status, as the example's
    ``milestones.csv`` does.
    """
    return Plan(declarations=read_seed(), catalog=read_catalog() if catalog else [])


def shuffled(plan: Plan, seed: int = 0) -> Plan:
    """The same plan with declarations handed over in another order (determinism tests)."""
    import random

    decls = list(plan.declarations)
    random.Random(seed).shuffle(decls)
    return Plan(declarations=[replace(d) for d in decls], catalog=list(reversed(plan.catalog)))
