"""When two titles of one milestone say the same thing, and when a title looks cut off.

A test plan refers to milestones by title and retypes them freely: "w/" for
"with", "&" for "and", a "Test report:" prefix, a trailing "(LDM-503-06)". None
of that is a real difference, and reporting it buries the real ones (typos such
as "Acquisiion", titles cut short). These heuristics are what ``title-mismatch``
compares; they are pure text functions, tested on their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Primavera cuts activity names at 120 characters (trailing blanks then get
#: stripped), which is how the seed's DM-NCSA titles lost their ends.
SCHEDULE_TITLE_LIMIT = 120

#: Conventions a plan puts in front of titles; ``ldm503_title_prefixes`` replaces it.
DEFAULT_TITLE_PREFIXES: tuple[str, ...] = ("Test report:",)

_WORD = re.compile(r"[^\W_]+")
#: Words that cannot end a title; "a" only in lower case ("Test Plan A" is a name).
_DANGLING_WORDS = frozenset(
    {"a", "an", "and", "for", "from", "including", "incl", "into", "of", "or", "the", "to", "with"}
)
_DANGLING_CHARS = ",;:&/(-+"
#: A trailing "(LDM-503-06)": the milestone's own ID repeated after its title.
_TRAILING_ID = re.compile(r"\s*\(\s*[^\W_][\w.&/-]*-\d[\w.-]*\s*\)\s*$")
#: Abbreviations and symbols that stand for a word.
_SYNONYMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\w)w/(?=\s|$)", re.IGNORECASE), " with "),
    (re.compile(r"(?<!\w)w/o(?=\s|$)", re.IGNORECASE), " without "),
    (re.compile(r"&"), " and "),
)


@lru_cache(maxsize=64)
def _prefix_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for the configured prefixes: spaces and a final colon optional, any case."""
    parts = []
    for prefix in prefixes:
        words = [re.escape(w) for w in prefix.strip().rstrip(":").split()]
        if words:
            parts.append(r"\s+".join(words) + r"\b\s*:?")
    if not parts:
        return None
    return re.compile(r"^\s*(?:" + "|".join(parts) + r")\s*", re.IGNORECASE)


def strip_conventions(title: str, prefixes: Iterable[str] = DEFAULT_TITLE_PREFIXES) -> str:
    """The title without the plan's conventions: a prefix and a trailing ``(ID)``."""
    pattern = _prefix_pattern(tuple(prefixes))
    text = pattern.sub("", title) if pattern else title
    return _TRAILING_ID.sub("", text)


def _spelled_out(text: str) -> str:
    for pattern, word in _SYNONYMS:
        text = pattern.sub(word, text)
    return text


#: What is not a letter or a digit (``str.isalnum``): ``\\w`` is those and ``_``.
_NOT_ALNUM = re.compile(r"[\W_]+")


def normalise_title(title: str, prefixes: Iterable[str] = DEFAULT_TITLE_PREFIXES) -> str:
    """The comparable core of a title: case, punctuation, spaces and conventions gone."""
    return _normalised(title, tuple(prefixes))


@lru_cache(maxsize=1 << 14)
def _normalised(title: str, prefixes: tuple[str, ...]) -> str:
    """:func:`normalise_title`, remembered: a plan repeats each title in every
    prerequisite naming the milestone, and title-mismatch compares each of them
    (a tenth of an incremental build's checks at 2,000 milestones, done per character)."""
    return _NOT_ALNUM.sub("", _spelled_out(strip_conventions(title, prefixes)).casefold())


def _words(title: str, prefixes: Iterable[str]) -> list[str]:
    return _WORD.findall(_spelled_out(strip_conventions(title, prefixes)).casefold())


def catalog_title_agrees(
    plan_title: str, catalog_title: str, prefixes: Iterable[str] = DEFAULT_TITLE_PREFIXES
) -> bool:
    """Whether the plan's title says the same as the catalog's, possibly in fewer words.

    Schedule names carry code prefixes (``SFM1: ...``) and qualifiers the plan
    drops; every word of the plan's title must still appear in the catalog's
    (two or three catalog words may be written as one: ``AuxTel`` for ``Aux Tel``).
    """
    prefixes = tuple(prefixes)
    if normalise_title(plan_title, prefixes) == normalise_title(catalog_title, prefixes):
        return True
    words = _words(catalog_title, prefixes)
    tokens = set(words)
    for size in (2, 3):
        tokens.update("".join(words[i : i + size]) for i in range(len(words) - size + 1))
    plan_words = _words(plan_title, prefixes)
    return bool(plan_words) and all(word in tokens for word in plan_words)


def _prefix_text(title: str, prefixes: Iterable[str]) -> str:
    text = _spelled_out(strip_conventions(title, prefixes))
    return " ".join(text.casefold().split()).rstrip(" ,;:")


def cut_from(
    short: str, full: str, *, mid_word_only: bool = False,
    prefixes: Iterable[str] = DEFAULT_TITLE_PREFIXES,
) -> bool:
    """Whether ``short`` is ``full`` with its end cut off.

    With ``mid_word_only`` the cut must fall inside a word: a catalog title that
    merely goes on with more words is allowed to (see catalog_title_agrees).
    """
    prefixes = tuple(prefixes)
    s, f = _prefix_text(short, prefixes), _prefix_text(full, prefixes)
    if not s or len(s) >= len(f) or not f.startswith(s):
        return False
    if mid_word_only:
        return s[-1].isalnum() and f[len(s)].isalnum()
    return True


def looks_truncated(title: str) -> bool:
    """Whether a title looks cut off on its own, like the seed's DM-NCSA titles.

    Signs: it ends on a comma, an opening bracket or a joining word, or it fills
    the schedule tool's name field and stops without closing punctuation.
    """
    text = title.rstrip()
    if not text:
        return False
    if text[-1] in _DANGLING_CHARS:
        return True
    words = _WORD.findall(text)
    if words:
        last = words[-1]
        # "Plan A", "Option A": a capital A names something; only "a" dangles.
        if last.casefold() in _DANGLING_WORDS and last != "A":
            return True
    return len(text) >= SCHEDULE_TITLE_LIMIT - 1 and text[-1] not in ".)]!?\"'"


def same_title(a: str, b: str, prefixes: Iterable[str] = DEFAULT_TITLE_PREFIXES) -> bool:
    prefixes = tuple(prefixes)
    return normalise_title(a, prefixes) == normalise_title(b, prefixes)
