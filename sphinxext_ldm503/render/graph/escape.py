"""Author text made safe for DOT strings, SVG, HTML and URLs.

Titles and IDs are author text that ends up inside DOT strings, where ``"``,
``\\N``, ``<...>`` and ``&amp;`` all mean something. The ``graphviz`` package
quotes, and :func:`label_text` / :func:`tooltip_text` neutralise what it leaves
alone (backslash escapes, entities, HTML-like strings), so what the reader sees
is exactly what the author wrote.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

import graphviz

_BACKSLASH_LOOKALIKE = "\u2216"  # SET MINUS, drawn like a backslash

#: dot rejects a quoted string of more than 16,384 bytes ("syntax error ... longer
#: than 16384?") and the whole diagram is lost. Text lines (IDs, titles, tooltip
#: lines) are cut to this many characters, names and ``id`` attributes to
#: ``_MAX_NAME``, and a URL longer than ``_MAX_URL`` bytes is left out.
_MAX_TEXT = 300
_MAX_NAME = 80
_MAX_URL = 8000


def _cap(text: str, limit: int = _MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def short_name(text: str, sep: str = "-", limit: int = _MAX_NAME) -> str:
    """A generated name cut to ``limit`` characters, kept unique by a hash of the whole."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return f"{text[: limit - 13]}{sep}{digest.hexdigest()[:12]}"


def clean_text(text: str) -> str:
    """One line of text that SVG can carry.

    Newlines and runs of spaces become single spaces; control characters,
    surrogates and non-characters, which XML cannot hold and dot would copy
    into the SVG, are dropped.
    """
    text = " ".join(text.split())
    if text.isprintable():
        return text
    return "".join(
        ch for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\ufffe\uffff"
    )


def _entities(text: str) -> str:
    # Graphviz decodes HTML entities in labels, tooltips and URLs, and writes a
    # bare "&" in a URL unescaped into SVG: encoding every "&" makes the text
    # come out literally and the SVG well-formed.
    return text.replace("&", "&amp;")


@lru_cache(maxsize=1 << 15)  # pure, and asked the same for every diagram
def label_text(text: str) -> str:
    """Text for an escString label, shown literally.

    Doubling backslashes keeps ``\\N``, ``\\l`` and friends from being expanded
    (graphviz's own quoting leaves them alone on purpose); ``nohtml`` keeps a
    title like ``<b>x</b>`` from becoming an HTML-like label.
    """
    return _entities(_cap(clean_text(text)).replace("\\", "\\\\"))


@lru_cache(maxsize=1 << 15)  # pure, and asked the same for every diagram
def tooltip_text(text: str) -> str:
    """Text for a tooltip line.

    Graphviz 2.4x runs tooltips through escape processing twice, so no number
    of doubled backslashes is right on every version: a look-alike character
    stands in for the backslash instead, and nothing can expand into a node name.
    """
    return _entities(_cap(clean_text(text)).replace("\\", _BACKSLASH_LOOKALIKE))


#: What may stay as written in a URL: its syntax characters (and ``%`` of existing
#: escapes). Everything else, ``<``, ``"``, ``\\``, spaces and control characters
#: included, is percent-encoded: dot copies URLs into SVG attributes unescaped.
_URL_SAFE = "/#:?=&%;,+@!$'()*[]~._-"


@lru_cache(maxsize=1 << 15)  # pure, and asked the same for every diagram
def _url_text(url: str) -> str:
    return graphviz.nohtml(_entities(quote(url, safe=_URL_SAFE)))


def add_link(attrs: dict[str, str], url: str | None) -> None:
    """Make a node or edge clickable, unless its URL is too long for dot."""
    if url:
        text = _url_text(url)
        if len(text.encode("utf-8")) <= _MAX_URL:
            attrs["URL"] = text
            attrs["target"] = "_top"


def html_id(text: str) -> str:
    return short_name(re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "g")


@lru_cache(maxsize=1 << 16)  # a milestone is in several diagrams of a build
def _base_name(key: str) -> str:
    return short_name("m_" + _NAME_UNSAFE.sub("_", key).strip("_"), "_")


_NAME_UNSAFE = re.compile(r"[^a-z0-9]+")


def node_names(keys: Iterable[str]) -> dict[str, str]:
    """DOT node names derived from ID keys: readable, stable, and never quoted.

    IDs may contain ``:`` (a port separator in edge statements) and other
    punctuation, so names keep only safe characters and are made unique in
    sorted order.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for key in sorted(keys):
        base = _base_name(key)
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        names[key] = name
    return names


@lru_cache(maxsize=8192)  # a title is wrapped for every diagram its milestone is in
def short_title(title: str, width: int = 22, lines: int = 2) -> tuple[str, ...]:
    wrapped = textwrap.wrap(
        clean_text(title), width=width, break_long_words=True, break_on_hyphens=False
    )
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "\u2026"
    return tuple(wrapped)
