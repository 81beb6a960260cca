"""What one build works out once and forgets when it ends: typed, owned by the domain.

The environment (and with it the domain's ``data``) is pickled between builds;
this is not. An application that builds again (tests, an editor's preview,
sphinx-autobuild) keeps its domain, so :meth:`.MilestoneDomain.end_build` starts a
fresh :class:`BuildState` rather than letting one build see the last one's answers.
Every field says who writes it; nothing is stored as attributes on Sphinx's own
objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..core.model import Milestone
from ..render.graph.dot import Statements

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.builders import Builder


class PreparedDrawings(Protocol):
    """Diagrams made ahead of the pages that show them (the speed layer's dry run).

    The features ask, the speed layer answers; with the speed layer off (or when it
    has nothing for a diagram) each diagram is made and drawn when its page is
    written, with the same result.
    """

    def take(self, docname: str, index: int,
             node: nodes.Element) -> list[nodes.Node] | None:
        """What the placeholder ``node`` (the ``index``-th of ``docname``) renders to, or
        None to render it now."""

    def inlined(self, builder: Builder, outfn: Path | str, imgpath: str,
                prefix: str) -> str | None:
        """The inlined SVG made for the image ``outfn``, or None to read the file."""


@dataclass
class BuildState:
    """Per-build answers, each computed at most once in a build."""

    #: Why ``dot`` cannot draw ("" when it can; None: not asked yet). features/diagrams.
    dot_problem: str | None = None
    #: (image path, document) -> that document's page as linked from a diagram.
    diagram_pages: dict[tuple[str, str], str | None] = field(default_factory=dict)
    #: DOT statements shared by the build's diagrams (render/graph/dot.Statements).
    dot_statements: Statements = field(default_factory=Statements)
    #: IDs already reported as unprintable in LaTeX (features/latex).
    latex_unprintable_ids: set[str] = field(default_factory=set)
    #: Documents whose needs were read in this build (features/needs).
    needs_read: set[str] = field(default_factory=set)
    #: builder name -> (from document, milestone key) -> URI (framework/domain).
    uris: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)
    #: builder name -> whether its translator takes raw HTML blocks (placeholders).
    html_blocks: dict[str, bool] = field(default_factory=dict)
    #: Documents outdated because other documents' data changed (framework/events).
    outdated_by_others: list[str] = field(default_factory=list)
    #: Whether the milestones dropped by ``.. only::`` were named (framework/conditional).
    conditional_named: bool = False
    #: Documents read in this build (speed/prerender: which pages are written).
    read_docs: list[str] = field(default_factory=list)
    #: docname -> its ``milestone-graph`` placeholders, as read in this build.
    placeholders: dict[str, list[nodes.Element]] = field(default_factory=dict)
    #: (``ldm503_catalog_previous``, its rows), read once (framework/domain).
    previous_catalog: tuple[str, list[Milestone]] | None = None
    #: docname -> impact diagrams made on that page so far (their names differ).
    impact_diagrams: dict[str, int] = field(default_factory=dict)
    #: Whether "matplotlib is not installed" was said in this build.
    no_matplotlib_said: bool = False
    #: Diagrams made ahead of their pages, when the speed layer is on.
    prepared: PreparedDrawings | None = None
