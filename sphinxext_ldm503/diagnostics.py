"""One place for the extension's warnings, so each carries a type, a subtype and a location.

Users silence a kind of problem with ``suppress_warnings = ["ldm503.<subtype>"]``
and ``-W`` turns them into errors, exactly as for Sphinx's own warnings.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from sphinx.util import logging

from .model import CheckName, Location

logger = logging.getLogger("sphinxext_ldm503")

WARNING_TYPE = "ldm503"

#: Subtypes beyond the check names (which are subtypes too, ``invalid`` among them):
#: ``graph`` for diagrams that cannot be drawn as asked, ``output`` for files that
#: cannot be written.
OtherSubtype = Literal["graph", "output"]
Subtype = CheckName | OtherSubtype
SUBTYPES: tuple[str, ...] = get_args(OtherSubtype)


def warn(message: str, subtype: Subtype, location: Any = None) -> None:
    """Emit an ldm503 warning; ``location`` is a Location, (docname, line), a node or a path."""
    if isinstance(location, Location):
        location = (location.docname, location.line)
    logger.warning(message, type=WARNING_TYPE, subtype=subtype, location=location)

