"""One place for the extension's warnings, so each carries a type, a subtype and a location.

Users silence a kind of problem with ``suppress_warnings = ["ldm503.<subtype>"]``
and ``-W`` turns them into errors, exactly as for Sphinx's own warnings.
"""

from __future__ import annotations

from typing import Any

from sphinx.util import logging

from .model import Location

logger = logging.getLogger("sphinxext_ldm503")

WARNING_TYPE = "ldm503"

#: Subtypes beyond the check names (which are subtypes too, ``invalid`` among them).
SUBTYPES: tuple[str, ...] = ("graph", "output")


def warn(message: str, subtype: str, location: Any = None) -> None:
    """Emit an ldm503 warning; ``location`` is a Location, (docname, line), a node or a path."""
    from .checks import CHECK_NAMES

    assert subtype in CHECK_NAMES or subtype in SUBTYPES, subtype
    if isinstance(location, Location):
        location = (location.docname, location.line)
    logger.warning(message, type=WARNING_TYPE, subtype=subtype, location=location)

