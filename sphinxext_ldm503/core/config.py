"""Configuration values of the extension, with their types and defaults.

Collected here so ``setup()`` registers them in one loop and the command line
can list them; ``rebuild="env"`` is used where a change alters what documents
record, ``"html"``/``""`` where only output changes (the fingerprints in the
domain take care of rewriting the affected pages).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from os import PathLike
from typing import Any, Literal

from .titles import DEFAULT_TITLE_PREFIXES

#: The defaults, defined once: the Sphinx config values, the Sphinx-free
#: :class:`~sphinxext_ldm503.core.checks.CheckConfig` used by the command line, and
#: the diagrams all read them from here.
DEFAULT_PLAN_ID_PATTERN = r"^LDM-503-\w+$"
DEFAULT_INTERNAL_PATTERNS: tuple[str, ...] = ("^LDM-503-", "^DM-")
DEFAULT_GRAPH_MAX_NODES = 300
DEFAULT_DOT_TIMEOUT = 30


@dataclass(frozen=True)
class ConfigValue:
    name: str
    default: Any
    #: What Sphinx rebuilds when the value changes (its own names for it).
    rebuild: Literal["", "env", "html"]
    types: tuple[type, ...]
    description: str


CONFIG_VALUES: tuple[ConfigValue, ...] = (
    ConfigValue(
        "ldm503_plan_id_pattern", DEFAULT_PLAN_ID_PATTERN, "env", (str,),
        "IDs of this plan's own milestones; an undeclared one is an undefined reference.",
    ),
    ConfigValue(
        "ldm503_internal_patterns", DEFAULT_INTERNAL_PATTERNS, "env", (list, tuple),
        "IDs owned by the project; anything else is an external prerequisite.",
    ),
    ConfigValue(
        "ldm503_at_risk_patterns", (), "env", (list, tuple),
        "IDs whose milestones are treated as at risk (e.g. '^DM-SUIT-').",
    ),
    ConfigValue(
        "ldm503_check_severity", {}, "env", (dict,),
        "Severity per check: error, warning, info or off.",
    ),
    ConfigValue(
        "ldm503_catalog", None, "env", (str, type(None)),
        "CSV schedule export with dates and status (relative to the source directory).",
    ),
    ConfigValue(
        "ldm503_catalog_previous", None, "env", (str, type(None)),
        "An earlier schedule export, compared with ldm503_catalog by milestone-changes.",
    ),
    ConfigValue(
        "ldm503_drift_ignore_patterns", (), "env", (list, tuple),
        "Schedule predecessors the schedule-drift check and milestone-changes leave out "
        "(regular expressions).",
    ),
    ConfigValue(
        "ldm503_today", None, "env", (str, type(None)),
        "ISO date used for overdue marks; default: today, or SOURCE_DATE_EPOCH.",
    ),
    ConfigValue(
        "ldm503_milestone_graphs", True, "env", (bool,),
        "Draw a neighbourhood diagram under every milestone.",
    ),
    ConfigValue(
        "ldm503_critical_path_line", "near", "html", (str,),
        "The 'Critical path:' line under every milestone. 'near' (the default): the "
        "milestone's driving prerequisite and the one driving that, after '…' when the "
        "chain is longer; 'full': also the chain's first milestone (its root cause) and the "
        "count of links left out; 'off': no line. A 'full' line depends on the whole "
        "chain upstream, so one changed prerequisite rewrites every page downstream of it; "
        "a 'near' one only the pages two links away.",
    ),
    ConfigValue(
        "ldm503_graph_max_nodes", DEFAULT_GRAPH_MAX_NODES, "env", (int,),
        "Diagrams with more nodes still render but warn.",
    ),
    ConfigValue(
        "ldm503_dot_timeout", DEFAULT_DOT_TIMEOUT, "", (int, float),
        "Seconds the one-off probe of Graphviz's dot may take before diagrams fall back to text.",
    ),
    ConfigValue(
        "ldm503_dot_render_timeout", 300, "", (int, float),
        "Seconds dot may take to draw one diagram before it is shown as a list instead.",
    ),
    ConfigValue(
        "ldm503_speed", True, "", (bool,),
        "The speed layer: diagrams drawn in batches ahead of their pages (and in a forked "
        "copy), and the GC freeze. Off: each diagram is drawn when its page is written; "
        "the same pages, slower, and nothing process-wide.",
    ),
    ConfigValue(
        "ldm503_fork_diagrams", True, "", (bool,),
        "For 200 diagrams or more, work out and draw them in a forked copy of the build "
        "while pages are written, when a core is free of other work (faster; the copy "
        "takes memory of its own while it runs).",
    ),
    ConfigValue(
        "ldm503_gc_freeze", True, "", (bool,),
        "Keep what a build holds for its whole length out of the garbage collector's full "
        "collections (gc.freeze) until it ends, however it ends (faster, more memory).",
    ),
    ConfigValue(
        "ldm503_json", True, "", (bool,),
        "Write <outdir>/ldm503.json at the end of every build.",
    ),
    ConfigValue(
        "ldm503_title_prefixes", DEFAULT_TITLE_PREFIXES, "env", (list, tuple),
        "Conventions put in front of titles (e.g. 'Test report:'), ignored by title-mismatch.",
    ),
    ConfigValue(
        "ldm503_kind_labels", {}, "html", (dict,),
        "Words of the diagrams' key for the kinds of milestone, by 'test' (the plan's own), "
        "'project' (other internal ones) and 'external'; default: 'test milestone', "
        "'DM milestone' with the default internal patterns and 'project milestone' with "
        "a plan's own, 'external milestone'.",
    ),
    ConfigValue(
        "ldm503_document_handle", None, "", (str, type(None)),
        "The document's handle (e.g. 'LDM-503'), printed above the title on the PDF's "
        "title page.",
    ),
    ConfigValue(
        "ldm503_plan_date", None, "", (str, date, type(None)),
        "ISO date the plan is issued as of, printed on the PDF's title page in place of "
        "the build date (so the page a manager signs does not change with each build).",
    ),
)
DEFAULTS: dict[str, Any] = {value.name: value.default for value in CONFIG_VALUES}


# -- validation ----------------------------------------------------------------------
#
# A typo in conf.py must cost a warning, not the build: each validator returns the
# value to use and what was wrong (empty when nothing). Sphinx-free, so it is tested
# on its own and the command line can reuse it.

Validated = tuple[Any, list[str]]


def regex_problem(pattern: object) -> str | None:
    """What is wrong with a pattern setting (None: nothing): the one wording of it, in
    conf.py's warnings and the command line's errors alike."""
    if not isinstance(pattern, str):
        return f"{pattern!r} is not a string"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression {pattern!r} ({exc})"
    return None


def _pattern(name: str, value: object) -> Validated:
    problem = regex_problem(value)
    if problem:
        return DEFAULTS[name], [f"{problem}; using the default {DEFAULTS[name]!r}"]
    return value, []


def _strings(name: str, value: object, *, regex: bool) -> Validated:
    if isinstance(value, str):  # a lone pattern instead of a list
        value = [value]
    if not isinstance(value, (list, tuple)):
        return DEFAULTS[name], [
            f"expected a list of strings, not {type(value).__name__}; "
            f"using the default {DEFAULTS[name]!r}"
        ]
    kept, problems = [], []
    for item in value:
        problem = regex_problem(item) if regex else (
            None if isinstance(item, str) else f"{item!r} is not a string")
        if problem:
            problems.append(f"{problem}; it is ignored")
        else:
            kept.append(item)
    return tuple(kept), problems


def _severity_map(name: str, value: object) -> Validated:
    if not isinstance(value, dict):
        return {}, [f"expected a dict of check -> severity, not {type(value).__name__}; "
                    "using the default severities"]
    return value, []  # entries are checked against the registry by CheckConfig.problems()


def _optional_text(name: str, value: object) -> Validated:
    if value is None or isinstance(value, str):
        return value, []
    if isinstance(value, PathLike):
        return str(value), []
    return None, [f"expected a string, not {type(value).__name__}; it is ignored"]


def _today(name: str, value: object) -> Validated:
    if isinstance(value, date):
        return value.isoformat(), []
    if not value:
        return None, []
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return None, [f"invalid date {value!r}: use YYYY-MM-DD; using the build date"]
    return str(value), []


def _plan_date(name: str, value: object) -> Validated:
    if isinstance(value, date):
        return value.isoformat(), []
    if not value:
        return None, []
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return None, [f"invalid date {value!r}: use YYYY-MM-DD; the title page shows the "
                      "build date"]
    return str(value), []


def _flag(name: str, value: object) -> Validated:
    if isinstance(value, bool):
        return value, []
    return DEFAULTS[name], [f"expected True or False, not {value!r}; "
                            f"using the default {DEFAULTS[name]!r}"]


#: The values of ``ldm503_critical_path_line`` (see :func:`~.schedule.critical_path_summary`).
CRITICAL_PATH_LINES: tuple[str, ...] = ("near", "full", "off")


def _critical_path_line(name: str, value: object) -> Validated:
    if isinstance(value, str) and value in CRITICAL_PATH_LINES:
        return value, []
    return DEFAULTS[name], [f"expected one of {', '.join(map(repr, CRITICAL_PATH_LINES))}, "
                            f"not {value!r}; using the default {DEFAULTS[name]!r}"]


def _count(name: str, value: object) -> Validated:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value, []
    return DEFAULTS[name], [f"expected a whole number of 0 or more, not {value!r}; "
                            f"using the default {DEFAULTS[name]!r}"]


def _seconds(name: str, value: object) -> Validated:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return value, []
    return DEFAULTS[name], [f"expected a number of seconds above 0, not {value!r}; "
                            f"using the default {DEFAULTS[name]!r}"]


#: The keys of ``ldm503_kind_labels``, and the kind of milestone each names.
KIND_LABEL_KEYS: dict[str, str] = {"test": "test", "project": "dm", "external": "external"}


def _kind_labels(name: str, value: object) -> Validated:
    if not isinstance(value, dict):
        return {}, [f"expected a dict of kind -> words, not {type(value).__name__}; "
                    "using the default words"]
    kept, problems = {}, []
    for key, words in value.items():
        if key not in KIND_LABEL_KEYS:
            problems.append(f"unknown kind {key!r} (known: {', '.join(KIND_LABEL_KEYS)}); "
                            "it is ignored")
        elif not isinstance(words, str) or not words.strip():
            problems.append(f"{key!r}: expected some words, not {words!r}; it is ignored")
        else:
            kept[key] = " ".join(words.split())
    return kept, problems


VALIDATORS: dict[str, Callable[[str, object], Validated]] = {
    "ldm503_plan_id_pattern": _pattern,
    "ldm503_internal_patterns": lambda n, v: _strings(n, v, regex=True),
    "ldm503_at_risk_patterns": lambda n, v: _strings(n, v, regex=True),
    "ldm503_check_severity": _severity_map,
    "ldm503_catalog": _optional_text,
    "ldm503_catalog_previous": _optional_text,
    "ldm503_drift_ignore_patterns": lambda n, v: _strings(n, v, regex=True),
    "ldm503_today": _today,
    "ldm503_milestone_graphs": _flag,
    "ldm503_critical_path_line": _critical_path_line,
    "ldm503_graph_max_nodes": _count,
    "ldm503_dot_timeout": _seconds,
    "ldm503_dot_render_timeout": _seconds,
    "ldm503_speed": _flag,
    "ldm503_fork_diagrams": _flag,
    "ldm503_gc_freeze": _flag,
    "ldm503_json": _flag,
    "ldm503_title_prefixes": lambda n, v: _strings(n, v, regex=False),
    "ldm503_kind_labels": _kind_labels,
    "ldm503_document_handle": _optional_text,
    "ldm503_plan_date": _plan_date,
}


def validate(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The values to use for every ``ldm503_*`` setting, and ``(name, problem)`` pairs."""
    fixed: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for value in CONFIG_VALUES:
        raw = values.get(value.name, value.default)
        good, found = VALIDATORS[value.name](value.name, raw)
        fixed[value.name] = good
        problems.extend((value.name, problem) for problem in found)
    return fixed, problems

