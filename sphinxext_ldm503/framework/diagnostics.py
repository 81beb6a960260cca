"""One place for the extension's warnings, so each carries a type, a subtype and a location.

Users silence a kind of problem with ``suppress_warnings = ["ldm503.<subtype>"]``
and ``-W`` turns them into errors, exactly as for Sphinx's own warnings.
"""

from __future__ import annotations

import os
from typing import Any, Literal, get_args

from sphinx.util import logging

from ..core.model import CheckName, Location

logger = logging.getLogger("sphinxext_ldm503")

WARNING_TYPE = "ldm503"

#: Subtypes beyond the check names (which are subtypes too, ``invalid`` among them):
#: ``graph`` for diagrams that cannot be drawn as asked, ``output`` for files that
#: cannot be written, ``pdf`` for what the PDF cannot print as written (an ID too
#: long to stay unbroken).
OtherSubtype = Literal["graph", "output", "pdf"]
Subtype = CheckName | OtherSubtype
SUBTYPES: tuple[str, ...] = get_args(OtherSubtype)


def source_location(docname: str, doc_path: Any, source: str | None, line: int | None
                    ) -> Location:
    """A location from docutils' ``(source, line)``, kept in the included file if any.

    Directives and roles inside ``.. include::`` report the document being read as
    ``env.docname`` but their line in the included file; docutils knows which file
    (``get_source_info``), so warnings point where docutils' own messages do.
    """
    own = os.path.abspath(str(doc_path)) if doc_path else ""
    # docutils gives an included file's path relative to the working directory
    # when they share a parent; an absolute one reads the same from anywhere.
    path = os.path.abspath(str(source)) if source else ""
    if path and own and path != own and os.path.isfile(path):
        return Location(docname, line, source=path)
    return Location(docname, line)


def warn(message: str, subtype: Subtype, location: Any = None) -> None:
    """Emit an ldm503 warning; ``location`` is a Location, (docname, line), a node or a path."""
    if isinstance(location, Location):
        location = str(location) if location.source else (location.docname, location.line)
    logger.warning(message, type=WARNING_TYPE, subtype=subtype, location=location)

