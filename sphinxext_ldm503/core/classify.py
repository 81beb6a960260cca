"""Which milestones belong to the plan, to the project, or to somebody else.

Every output that tells milestones apart (the checks, the diagrams' node styles,
the schedule table, the JSON export and the command line) asks the one
:class:`Classifier` here, so a milestone can never be internal for the checks and
drawn as external. It needs only the two ID patterns of the configuration and
whether the plan declares the milestone, so it stays free of Sphinx.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Literal

from .config import DEFAULT_INTERNAL_PATTERNS, DEFAULT_PLAN_ID_PATTERN
from .model import Milestone, id_key

#: ``test``: one of this plan's own (test) milestones; ``dm``: another milestone of
#: the project (DM-like: internal, not a test milestone); ``external``: owned
#: outside the project (Camera, integration...).
Kind = Literal["test", "dm", "external"]
KINDS: tuple[Kind, ...] = ("test", "dm", "external")


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """A pattern compiled once; None for an invalid one, which then matches nothing.

    IDs match case-insensitively everywhere else, so patterns do too. A bad
    pattern is reported once where the configuration is read; here it must not
    stop anything.
    """
    try:
        return re.compile(pattern, re.IGNORECASE)
    except (re.error, TypeError):
        return None


def matches_any(milestone_id: str, patterns: Iterable[str]) -> bool:
    """Whether any regular expression of ``patterns`` is found in the ID (ignoring case):
    the one matcher of ``ldm503_*_patterns`` settings, classification and drift alike."""
    for pattern in patterns:
        compiled = compile_pattern(pattern)
        if compiled is not None and compiled.search(milestone_id):
            return True
    return False


def matches_globs(milestone_id: str, patterns: Iterable[str]) -> bool:
    """Whether an ID matches any glob (``:include:``, ``:exclude:``), ignoring case: the
    one glob matcher of diagrams, tables, charts and the changes page."""
    return any(fnmatchcase(id_key(milestone_id), id_key(p)) for p in patterns)


@dataclass(frozen=True, slots=True)
class Classifier:
    """Internal or external, plan or project milestone: one answer for every output."""

    plan_id_pattern: str = DEFAULT_PLAN_ID_PATTERN
    internal_patterns: tuple[str, ...] = DEFAULT_INTERNAL_PATTERNS

    def is_plan_id(self, milestone_id: str) -> bool:
        """Whether an ID names one of this plan's own milestones (declared or not)."""
        return matches_any(milestone_id, (self.plan_id_pattern,))

    def is_internal_id(self, milestone_id: str) -> bool:
        return matches_any(milestone_id, self.internal_patterns)

    def is_external(self, ms: Milestone) -> bool:
        """Whether a milestone is owned outside this plan and the organisation.

        A milestone declared here without ``:external:`` belongs to the plan
        whatever its ID looks like; one only known by reference is external
        unless its ID matches one of the internal patterns.
        """
        if ms.external:
            return True
        if ms.declared:
            return False
        return not self.is_internal_id(ms.id)

    def kind(self, ms: Milestone) -> Kind:
        """External first (its owner matters most), then the plan's own milestones."""
        if self.is_external(ms):
            return "external"
        if self.is_plan_id(ms.id):
            return "test"
        return "dm"
