"""The schedule subcommands of ``ldm503``: ``diff`` between two exports, slip ``impact``.

Kept apart from :mod:`.cli` so the checks' command line stays as it is; the
answers come from :mod:`.schedule`, the same code the directives use, so CI and
the published plan agree. Exit statuses follow :mod:`.cli`: 0 done, 1 (``diff
--fail-on-slip``) a milestone slipped more than allowed, 2 unreadable input or
bad usage, with one ``ldm503: error:`` line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

from ..core.model import Milestone
from ..core.schedule import days_text
from .project import EXIT_FINDINGS, EXIT_OK, PROG, CliError, display_path, load_project

DIFF_EPILOG = """\
Compares two schedule exports (CSV: id,title,due,forecast,completed,status and
optionally prerequisites, the schedule's predecessors, ';'-separated) and prints
one line per change, sorted, then a summary:

  LDM-503-06: slipped 346 days: 2018-11-30 -> 2019-11-11 (due 2018-11-30 -> 2019-08-30, ...)
  LDM-503-07: schedule predecessors gained DM-DRP-4; lost CAMM6995, DM-DRP-5
  ldm503: 94 slipped (worst 795 days), 13 moved earlier, 53 completed, 8 new, ...

A milestone's date is its completion, else its forecast, else its due date.
Comma-, ';'- (Excel where the comma is the decimal mark) and tab-separated files
are told apart by their header. IDs are listed in natural order (DM-AP-2 before
DM-AP-10). Problems in a file's rows are printed as 'FILE:LINE: warning: ...' on
stderr; a file with no 'id' column, no rows or an unreadable part stops the run.

examples:
  ldm503 diff milestones-2018-03.csv milestones-2019-04.csv
  ldm503 diff old.csv new.csv --include 'LDM-503-*' --sort slip
  ldm503 diff old.csv new.csv --format json > changes.json
  ldm503 diff old.csv new.csv --fail-on-slip 30     CI: fail on a slip over 30 days
  ldm503 diff old.csv new.csv --ignore-predecessors '^DM-\\d+$' --ignore-predecessors '^A\\d+$'
                                     predecessor churn left out, as the pages leave it
                                     out with ldm503_drift_ignore_patterns

exit status: 0 done; 1 with --fail-on-slip, a (selected) milestone slipped more
than DAYS days; 2 a file could not be read or has nothing to compare, or bad options.
"""

IMPACT_EPILOG = """\
Builds the project (as 'ldm503 check' does) and prints every milestone whose date
would move, by how many days, if the given milestones slipped. A slip is
'ID +Nd' or 'ID YYYY-MM-DD' (as two arguments or one quoted). Existing slack
absorbs a slip; completed milestones do not move.

examples:
  ldm503 impact docs DM-NCSA-8 +90d
  ldm503 impact docs LDM-503-06 2020-03-01 DM-DRP-4 +30d
  ldm503 impact docs 'DM-NCSA-8 +90d' --format json

exit status: 0 done; 2 the project could not be read, an unknown ID or a bad slip.
"""


def add_commands(commands: Any, project: argparse.ArgumentParser, formatter: type) -> None:
    """Register ``diff`` and ``impact`` on the main parser's subcommands."""
    diff = commands.add_parser(
        "diff", help="what changed between two schedule exports",
        description="Compare two schedule exports (CSV catalogs): slipped, moved earlier, "
                    "completed, new, removed, renamed, schedule predecessors.",
        epilog=DIFF_EPILOG, formatter_class=formatter,
    )
    diff.add_argument("old", metavar="OLD.csv", help="the earlier export")
    diff.add_argument("new", metavar="NEW.csv", help="the later export")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.add_argument("--include", action="append", metavar="GLOBS",
                      help="only IDs matching these globs, e.g. 'LDM-503-*' (repeatable)")
    diff.add_argument("--exclude", action="append", metavar="GLOBS",
                      help="leave out IDs matching these globs (repeatable)")
    diff.add_argument("--sort", choices=("id", "slip"), default="id",
                      help="id (default) or slip: largest slip first")
    diff.add_argument("--fail-on-slip", type=_days, metavar="DAYS",
                      help="exit 1 when a selected milestone slipped more than DAYS days")
    diff.add_argument("--ignore-predecessors", action="append", type=_regex, default=[],
                      metavar="REGEX",
                      help="leave out schedule predecessors whose ID this regular expression "
                           "is found in, ignoring case (repeatable): the same patterns as "
                           "ldm503_drift_ignore_patterns in conf.py")
    diff.set_defaults(run=run_diff)

    impact = commands.add_parser(
        "impact", parents=[project], help="what moves if milestones slip",
        description="Print every milestone whose date would move if the given "
                    "milestones slipped, and by how many days.",
        epilog=IMPACT_EPILOG, formatter_class=formatter,
    )
    impact.add_argument("slips", nargs="+", metavar="SLIP",
                        help="ID +Nd, or ID YYYY-MM-DD")
    impact.add_argument("--format", choices=("text", "json"), default="text")
    impact.set_defaults(run=run_impact)


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of days, not {value!r}") from None
    if days < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {days}")
    return days


def _regex(value: str) -> str:
    """A pattern of ``--ignore-predecessors``, checked now: one that does not compile
    would otherwise match nothing, silently (the build warns of it in conf.py, with
    the same words)."""
    from ..core.config import regex_problem

    problem = regex_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def _globs(values: Sequence[str] | None) -> list[str]:
    return [g.strip() for value in values or () for g in value.split(",") if g.strip()]


#: What the catalog reader adds for a build, which goes on without the file; a
#: comparison stops instead, so the error says what is wrong and no more.
_IGNORED = ("; the catalog is ignored", "; the rest of the file is ignored")


def read_catalog_file(path: str) -> list[Milestone]:
    """A catalog's rows; row problems go to stderr, an unusable file is an error.

    Unusable means nothing to compare, or not all of it: no header with an ``id``
    column (another file given by mistake, or a separator the reader does not
    know), an unreadable part, or no row at all. Reporting such a file's
    milestones as "removed" would let a CI gate on ``--fail-on-slip`` pass.
    """
    from ..core.catalog import load_catalog

    rows, problems = load_catalog(path)
    shown = display_path(path)
    for problem in problems:
        if problem.row == 0:  # the file itself: most messages name it already
            named = str(path) in problem.message
            raise CliError(problem.message if named else f"{shown}: {problem.message}")
        if problem.fatal:
            message = problem.message
            for suffix in _IGNORED:
                message = message.removesuffix(suffix)
            raise CliError(f"{shown}:{problem.row}: {message}: not a usable schedule export")
        print(f"{shown}:{problem.row}: warning: {problem.message}", file=sys.stderr)
    if not rows:
        raise CliError(f"{shown}: no milestone rows: a schedule export needs a header with an "
                       "'id' column and a row per milestone")
    return rows


def run_diff(args: argparse.Namespace) -> int:
    from ..core.export import dumps
    from ..core.schedule import (
        change_counts,
        diff_catalogs,
        drop_ignored_predecessors,
        select_changes,
        worst_slip,
    )

    old = read_catalog_file(args.old)
    new = read_catalog_file(args.new)
    # Before selecting, as the changes page does: what is left of the predecessors'
    # churn is what counts.
    diff = drop_ignored_predecessors(diff_catalogs(old, new), args.ignore_predecessors)
    changes = select_changes(
        diff, include=_globs(args.include), exclude=_globs(args.exclude), sort=args.sort,
    )
    worst = worst_slip(changes)
    counts = change_counts(changes)
    if args.format == "json":
        sys.stdout.write(dumps({
            "old": display_path(args.old),
            "new": display_path(args.new),
            "counts": counts,
            "worst_slip_days": worst,
            "changes": [c.to_json() for c in changes],
        }))
    else:
        for change in changes:
            for line in change.describe():
                print(f"{change.id}: {line}")
        print(diff_summary(counts, worst, len(new)))
    sys.stdout.flush()
    if args.fail_on_slip is not None and worst > args.fail_on_slip:
        print(f"{PROG}: a milestone slipped {days_text(worst)}, more than --fail-on-slip "
              f"{args.fail_on_slip}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def diff_summary(counts: dict[str, int], worst: int, rows: int) -> str:
    """``ldm503: 3 slipped (worst 40 days), 1 completed, ... in 12 milestones``."""
    parts = []
    for kind, count in counts.items():
        label = {"moved-earlier": "moved earlier",
                 "predecessors": "with changed predecessors"}.get(kind, kind)
        text = f"{count} {label}"
        if kind == "slipped" and count:
            text += f" (worst {days_text(worst)})"
        parts.append(text)
    return f"{PROG}: {', '.join(parts)} in {rows} milestones"


def parse_slips(tokens: Sequence[str]) -> list[Any]:
    """``ID +Nd`` pairs from the command line, as two arguments or one quoted."""
    from ..core.schedule import parse_slip

    slips = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if len(token.split()) >= 2:
            text, index = token, index + 1
        elif index + 1 < len(tokens):
            text, index = f"{token} {tokens[index + 1]}", index + 2
        else:
            raise CliError(f"slip {token!r} has no amount: write 'ID +Nd' or 'ID YYYY-MM-DD'")
        try:
            slips.append(parse_slip(text))
        except ValueError as exc:
            raise CliError(str(exc)) from None
    return slips


def run_impact(args: argparse.Namespace) -> int:
    from ..core.export import dumps
    from ..core.schedule import impact, impact_to_json

    slips = parse_slips(args.slips)  # cheap mistakes first, before a long build
    project = load_project(args)  # a Sphinx project, or a needs.json as for check/export
    try:
        result = impact(project.plan, slips)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except OverflowError:
        # Bad input, not a bug: Python's dates end on 9999-12-31 (the "no date"
        # placeholder of many schedule exports), and a slip may push past it.
        raise CliError(
            f"the slips ({', '.join(str(s) for s in slips)}) move a date past "
            f"{date.max.isoformat()}, the last date there is"
        ) from None
    if args.format == "json":
        sys.stdout.write(dumps(impact_to_json(result)))
    else:
        width = max((len(m.id) for m in result.moves), default=0)
        for move in result.moves:
            old = move.old.isoformat() if move.old else "no date"
            new = move.new.isoformat() if move.new else "no date"
            why = "slipped" if move.via is None else f"via {move.via}"
            print(f"{move.id:<{width}}  +{days_text(move.days)}  {old} -> {new}  ({why})")
        for note in result.notes:
            print(f"{PROG}: note: {note}")
        count = len(result.moves)
        print(f"{PROG}: {count} milestone{'' if count == 1 else 's'} would move "
              f"({', '.join(str(s) for s in slips)})")
    sys.stdout.flush()
    return EXIT_OK
