"""The one HTML escape of the extension, in a module that imports nothing of ours.

:mod:`.svgtext` needs it, and the batch helpers (:mod:`sphinxext_ldm503.speed.batchdot`,
one process per batch) import :mod:`.svgtext`: through :mod:`.graph.escape`, each
helper used to load the whole DOT package and the ``graphviz`` library, 45 ms of its
start-up, more than drawing a hundred of its diagrams.
"""

from __future__ import annotations

import html


def html_text(text: str) -> str:
    """Text for any HTML sink: element content or a double-quoted attribute value.

    The one escaping helper for HTML (and inlined SVG) the extension writes itself
    or hands to a visitor that writes it raw (sphinx.ext.graphviz's alt text):
    ``&``, ``<``, ``>``, ``"`` and ``'`` become entities, so author text can neither
    start an element nor leave an attribute.
    """
    return html.escape(text, quote=True)
