"""sphinxext-ldm503: milestone dependencies of a test plan, as a Sphinx extension.

``setup()`` only wires things together; the pieces live in their own modules
(see README.rst for the directives and configuration values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__version__ = "0.1.0"

STATIC = Path(__file__).parent / "static"


def setup(app: Any) -> dict[str, Any]:
    """Register the domain, directives, role, placeholders and build hooks."""
    from . import events, nodes
    from .config import CONFIG_VALUES
    from .directives import MilestoneDirective, PrerequisiteDirective, QueryDirective
    from .domain import MilestoneDomain
    from .resolve import ResolvePlaceholders
    from .roles import MilestoneRole

    app.setup_extension("sphinx.ext.graphviz")
    for value in CONFIG_VALUES:
        app.add_config_value(value.name, value.default, value.rebuild, types=value.types)

    directive_classes: dict[str, type] = {
        "milestone": MilestoneDirective,
        "prerequisite": PrerequisiteDirective,
        "query": QueryDirective,
        **events.extra_directives(),
    }
    MilestoneDomain.directives = dict(directive_classes)
    MilestoneDomain.roles = {"ms": MilestoneRole()}
    app.add_domain(MilestoneDomain)
    for name, cls in directive_classes.items():
        app.add_directive(name, cls)
    app.add_role("ms", MilestoneRole())

    visitors = (nodes.visit_placeholder, None)
    for node_class in nodes.PLACEHOLDERS:
        app.add_node(
            node_class,
            **{fmt: visitors for fmt in ("html", "latex", "text", "man", "texinfo")},
        )

    app.add_post_transform(ResolvePlaceholders)
    events.connect(app)
    app.add_css_file("ldm503.css")

    return {
        "version": __version__,
        "env_version": 2,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
