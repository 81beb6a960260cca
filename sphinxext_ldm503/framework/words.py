"""IDs and dates kept whole when a line wraps.

Browsers break a line after any hyphen, so "LDM-503-10" or "2019-01-17" could end a
line as "LDM-503-" with "10" on the next: a reader no longer sees one ID, and a search
for it on the printed page fails. Each such word goes in a box of its own
(:data:`WHOLE`: ``white-space: nowrap`` in ``ldm503.css``, ``\\mbox`` in the LaTeX
style), so lines break between words only. A word longer than :data:`KEPT_WHOLE`
characters is left to break (it would not fit a narrow column).
"""

from __future__ import annotations

import re
from functools import lru_cache

from docutils import nodes

#: The class of a word kept on one line.
WHOLE = "ldm503-whole"
#: A word with hyphens inside it, as IDs (``DM-DRP-10``, ``T&SC-7900-2430``) and ISO
#: dates (``2019-11-11``) are spelt; a dot may join parts (``DM-1.2``), never end one.
#: Tried at word starts only, and without giving back characters (possessive, Python
#: 3.11): three times faster on a line of words than the plain pattern.
HYPHENATED = re.compile(r"(?<![\w&])[\w&]++(?:\.[\w&]++)*+(?:-[\w&]++(?:\.[\w&]++)*+)++")
KEPT_WHOLE = 32


@lru_cache(maxsize=8192)
def split_words(text: str) -> tuple[tuple[str, bool], ...]:
    """``text`` in pieces, each with whether it is a word to keep whole; no empty piece.
    Both :func:`whole_words` and the straight-to-HTML blocks (blocks.py) write these.
    Remembered: a plan's pages repeat the same labels ("LDM-503-07: Camera Data
    Processing" in every "Required by" that lists it) and separators."""
    if "-" not in text:  # most of a block's pieces (", ", "Required by: "...)
        return ((text, False),) if text else ()
    out: list[tuple[str, bool]] = []
    end = 0
    for match in HYPHENATED.finditer(text):
        word = match.group()
        if len(word) > KEPT_WHOLE:
            continue
        if match.start() > end:
            out.append((text[end:match.start()], False))
        out.append((word, True))
        end = match.end()
    if end < len(text):
        out.append((text[end:], False))
    return tuple(out)


def whole_words(text: str) -> list[nodes.Node]:
    """``text`` as Text nodes, each hyphenated word in an inline :data:`WHOLE` box."""
    return [nodes.inline(piece, piece, classes=[WHOLE]) if whole else nodes.Text(piece)
            for piece, whole in split_words(text)]


#: Where text is the author's running prose: not code, not raw markup, not math.
_NOT_PROSE = (nodes.FixedTextElement, nodes.literal, nodes.raw, nodes.math,
              nodes.comment, nodes.target, nodes.substitution_definition)


def keep_words_whole(node: nodes.Element) -> None:
    """Box the hyphenated words of every piece of running text under ``node`` (a
    review's discussion or query, as the author wrote it); code, raw markup and math
    are left as they are."""
    for child in list(node.children):
        if isinstance(child, nodes.Text):
            parts = whole_words(child.astext())
            if any(isinstance(part, nodes.inline) for part in parts):
                index = node.index(child)
                node[index:index + 1] = parts
        elif (isinstance(child, nodes.Element) and not isinstance(child, _NOT_PROSE)
              and WHOLE not in child["classes"]):  # a box made before stays one box
            keep_words_whole(child)
