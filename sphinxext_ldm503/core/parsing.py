"""Parsing of the small text values authors write: IDs, titles, dates, lists, waivers.

Sphinx-free so the directives, the catalog reader and the review importer agree
on exactly one grammar. Every parser raises ``ValueError`` with a message meant
for the author; callers turn it into a located warning.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from .model import QUERY_STATES, QUERY_STATUSES, STATUSES, Waiver

#: An ID is any run of non-space characters (real schedule codes contain ``&``,
#: ``.`` and more), but it must start with a letter or digit so that stray
#: punctuation such as ``:`` or ``-`` is caught as a malformed ID.
ID_RE = re.compile(r"[^\W_]\S*")
_ARGUMENT_RE = re.compile(r"^\s*(?P<id>\S+?)(?::(?=\s|$)|\s|$)\s*(?P<title>.*?)\s*$", re.S)


def invisible_characters(text: str) -> list[str]:
    """The invisible characters of a text: format (Cf, e.g. U+200B) and control (Cc).

    Pasted from word processors and chat tools, they make two IDs that look the
    same differ, so an edge silently points nowhere. Whitespace is not counted:
    the parsers split on it.
    """
    return [ch for ch in dict.fromkeys(text)
            if not ch.isspace() and unicodedata.category(ch) in ("Cf", "Cc")]


def describe_characters(chars: list[str]) -> str:
    """``U+200B ZERO WIDTH SPACE, ...``: how a warning names characters nobody can see."""
    return ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}"
                     for ch in chars)


#: Characters no schedule code contains, which would end an HTML attribute or start
#: an element wherever an ID reaches a page as text Sphinx writes raw (the alt text
#: of sphinx.ext.graphviz's images), or end an RST role: IDs carrying them are refused.
FORBIDDEN_ID_CHARACTERS = "<>\"'`"


def forbidden_characters(text: str) -> list[str]:
    """The characters of :data:`FORBIDDEN_ID_CHARACTERS` in a text, once each, in order."""
    return [ch for ch in dict.fromkeys(text) if ch in FORBIDDEN_ID_CHARACTERS]


def forbidden_message(text: str) -> str | None:
    """Why ``text`` cannot be an ID because of :func:`forbidden_characters`, or None."""
    forbidden = forbidden_characters(text)
    if not forbidden:
        return None
    return (f"milestone ID {text!r} contains {' '.join(forbidden)}: IDs cannot contain "
            f"{' '.join(FORBIDDEN_ID_CHARACTERS)} (no schedule code does)")


def nfc_message(text: str) -> str | None:
    """Why an ID as written is read in another form (its NFC), or None when it is NFC.

    Two spellings of ``Café`` (U+00E9, or ``e`` + U+0301 as some editors and
    exports write it) look the same; IDs compare in NFC, and the author hears
    where the source differs, since other tools (grep, the schedule) may not.
    """
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return None
    nfc = unicodedata.normalize("NFC", text)
    combining = [ch for ch in dict.fromkeys(text) if unicodedata.combining(ch)]
    detail = f" ({describe_characters(combining)})" if combining else ""
    return (f"milestone ID {text!r} is written in decomposed Unicode{detail}; it is read "
            f"as its composed (NFC) form {nfc!r}, which other IDs are compared in: retype it")


def check_id(text: str) -> str:
    """Validate one ID and return it stripped, in NFC (see :func:`nfc_message`)."""
    text = text.strip()
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if not text:
        raise ValueError("missing milestone ID")
    invisible = invisible_characters(text)
    if invisible:
        raise ValueError(
            f"milestone ID {text!r} contains an invisible character "
            f"({describe_characters(invisible)}); delete it and retype the ID"
        )
    forbidden = forbidden_message(text)
    if forbidden:
        raise ValueError(forbidden)
    if not ID_RE.fullmatch(text):
        raise ValueError(f"malformed milestone ID {text!r}: IDs start with a letter or digit")
    return text


def split_argument(argument: str) -> tuple[str, str]:
    """Split ``ID: Title`` or ``ID Title`` into the ID and the (possibly empty) title.

    A colon directly after the ID separates it from the title; a colon elsewhere is
    part of the title (``CAMM8040 COMP: DAQ V4``).
    """
    argument = " ".join(argument.split())
    if not argument:
        raise ValueError("missing milestone ID")
    match = _ARGUMENT_RE.match(argument)
    assert match is not None  # the pattern matches any non-blank text
    ms_id = check_id(match.group("id"))
    return ms_id, match.group("title")


def argument_id(argument: str) -> str:
    """The ID of a directive argument as the author wrote it (before :func:`check_id`)."""
    match = _ARGUMENT_RE.match(" ".join(argument.split()))
    return match.group("id") if match else ""


def parse_date(text: str) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"invalid date {text!r}: use ISO format YYYY-MM-DD") from None


def parse_status(text: str) -> str:
    value = text.strip().lower()
    if value not in STATUSES:
        raise ValueError(f"unknown status {text.strip()!r}: use one of {', '.join(STATUSES)}")
    return value


def parse_query_state(text: str | None) -> str:
    """``:query:`` given without a value means an open query."""
    value = (text or "open").strip().lower() or "open"
    if value not in QUERY_STATES:
        raise ValueError(f"unknown query state {value!r}: use one of {', '.join(QUERY_STATES)}")
    return value


def parse_query_status(text: str | None) -> str:
    value = (text or "open").strip().lower() or "open"
    if value not in QUERY_STATUSES:
        raise ValueError(
            f"unknown query status {value!r}: use one of {', '.join(QUERY_STATUSES)}"
        )
    return value


def parse_level(text: str) -> int:
    try:
        level = int(text.strip())
    except ValueError:
        raise ValueError(f"invalid level {text.strip()!r}: use a whole number") from None
    if level < 0:
        raise ValueError(f"invalid level {level}: use a number of 0 or more")
    return level


def parse_list(text: str) -> tuple[str, ...]:
    """A comma list; blank items are dropped, order and case kept."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def split_names(text: str) -> tuple[str, ...]:
    """Any list option: items separated by commas, spaces or both, as authors write them."""
    return tuple(item for item in re.split(r"[,\s]+", text) if item)


def split_id_list(text: str) -> tuple[tuple[str, ...], list[str]]:
    """A comma or space separated list of IDs: the good ones, and what was wrong with the rest."""
    ids: list[str] = []
    problems: list[str] = []
    for item in re.split(r"[,\s]+", text):
        if not item:
            continue
        try:
            ids.append(check_id(item))
        except ValueError as exc:
            problems.append(str(exc))
    return tuple(ids), problems


def parse_waivers(text: str) -> tuple[Waiver, ...]:
    """``check -- reason`` entries, one per line or separated by ``;``."""
    waivers = []
    for entry in re.split(r"[;\n]", text):
        entry = entry.strip()
        if not entry:
            continue
        check, _, reason = entry.partition("--")
        check = check.strip()
        if not re.fullmatch(r"[a-z][a-z-]*", check):
            raise ValueError(f"malformed waiver {entry!r}: write 'CHECK -- reason'")
        waivers.append(Waiver(check=check, reason=reason.strip()))
    return tuple(waivers)
