"""sphinxext-ldm503: milestone dependencies of a test plan, as a Sphinx extension.

``setup()`` only wires the features together; each feature module registers its
own directives, nodes and transforms in a ``setup(app)`` of its own (see the
README's "Code layout").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

__version__ = "0.2.0"


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the configuration, the domain and every feature."""
    from . import (
        compat,
        conditional,
        diagrams,
        directives,
        events,
        gcfreeze,
        guard,
        latex,
        needs,
        placeholders,
        prerender,
        report,
        roles,
        schedule_sphinx,
        web,
    )
    from .config import CONFIG_VALUES
    from .domain import MilestoneDomain

    for value in CONFIG_VALUES:
        app.add_config_value(value.name, value.default, value.rebuild, types=value.types)
    app.add_domain(MilestoneDomain)
    compat.setup(app)
    directives.setup(app)
    roles.setup(app)
    placeholders.setup(app)
    diagrams.setup(app)
    prerender.setup(app)
    report.setup(app)
    schedule_sphinx.setup(app)
    events.setup(app)
    conditional.setup(app)
    guard.setup(app)
    gcfreeze.setup(app)
    latex.setup(app)
    needs.setup(app)  # does nothing unless sphinx_needs is in extensions
    web.setup(app)
    app.add_css_file("ldm503.css")

    return {
        "version": __version__,
        # 4: prerequisite ids named after both milestones (stored doctrees change).
        # 5: Milestone gained schedule_predecessors (stored records change).
        # 6: the domain keeps the milestones declared inside ``only`` (conditional.py).
        # 7: the contents' milestone entries are text, not code (stored tocs change).
        "env_version": 7,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
