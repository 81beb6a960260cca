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

from .version import __version__

__all__ = ["__version__", "setup"]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the configuration, the domain and every feature."""
    from .core.config import CONFIG_VALUES
    from .features import diagrams, latex, needs, report, schedule_views, web
    from .framework import compat, conditional, directives, events, guard, placeholders, roles
    from .framework.domain import MilestoneDomain
    from .speed import gcfreeze, prerender

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
    schedule_views.setup(app)
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
        # 8: the stored records moved to sphinxext_ldm503.core.model (issue 24's layers).
        "env_version": 8,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
