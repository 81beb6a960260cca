"""Dependency diagrams of the plan as DOT text, with no Sphinx inside.

The directive, the automatic per-milestone diagrams and the command line all
come here with a :class:`~sphinxext_ldm503.core.model.Plan` and a :class:`GraphOptions`
and get back DOT source; rendering (and its caching by content hash, LaTeX
output) is left to ``sphinx.ext.graphviz``. The pieces:

* :mod:`.options`: what a diagram shows; the option grammar, declared once;
* :mod:`.select`: which milestones and edges it draws, and the text outline;
* :mod:`.escape`: author text made safe for DOT, SVG and URLs;
* :mod:`.style`: shapes, colours and tooltips by kind and state;
* :mod:`.dot`, :mod:`.clusters`, :mod:`.timeline`: the DOT source and layouts;
* :mod:`.legend`: the legend, drawn with the same styles.
"""

from __future__ import annotations

from .clusters import prefix_of
from .dot import build_dot
from .legend import build_legend_dot
from .options import (
    FIGURE_OPTIONS,
    GRAPH_OPTIONS,
    GraphOptions,
    OptionSpec,
    kind_of,
    parse_graph_options,
)
from .select import SubPlan, matches_globs, select, size_warning, text_outline
from .style import edge_style, edge_tooltip, node_style, node_tooltip
from .timeline import quarter_of

__all__ = [
    "FIGURE_OPTIONS",
    "GRAPH_OPTIONS",
    "GraphOptions",
    "OptionSpec",
    "SubPlan",
    "build_dot",
    "build_legend_dot",
    "edge_style",
    "edge_tooltip",
    "kind_of",
    "matches_globs",
    "node_style",
    "node_tooltip",
    "parse_graph_options",
    "prefix_of",
    "quarter_of",
    "select",
    "size_warning",
    "text_outline",
]
