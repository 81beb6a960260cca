"""The published web page: diagrams inlined as SVG, and the explorer script.

``sphinx.ext.graphviz`` shows an SVG in an ``<object>``: a separate document
that the page's CSS cannot style and its script cannot reach (browsers refuse
``contentDocument`` from ``file://``). Our milestone diagrams are therefore
written into the page itself: the image is still rendered (and cached by content
hash) by ``sphinx.ext.graphviz``, then read back, its links made relative to the
page again, its element ids made unique on the page, and its tooltips turned into
``<title>`` elements that browsers show. The SVG file stays in ``_images/`` and a
plain link opens it at full size, so the page is usable without JavaScript;
``ldm503.js`` adds pan, zoom, highlighting of a milestone's chains and search.

Other builders (LaTeX, text, man, texinfo), PNG output and legends use
sphinx.ext.graphviz's own visitors unchanged.
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.ext.graphviz import GraphvizError, graphviz, html_visit_graphviz, render_dot

from ..framework.compat import image_paths
from ..framework.diagnostics import warn
from ..framework.domain import get_domain
from ..render.htmltext import html_text
from ..render.svgtext import SVG_NS, XLINK_NS, inline_svg, natural_width
from .images import DRAWN_AS

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator


def html_visit_inline(self: HTML5Translator, node: graphviz) -> None:
    """Write a milestone diagram's SVG into the page, with a link to the file at full size.

    The HTML visitor of ``diagrams.ldm503_diagram`` (behind its time limit). Legends
    (no ``svg_id``) and PNG output stay sphinx.ext.graphviz's own rendering.
    ``explorable`` (whole-plan and rooted overviews, not the small per-milestone
    diagrams) adds the explorer's hooks.
    """
    if self.builder.config.graphviz_output_format != "svg" or not node.get("svg_id"):
        html_visit_graphviz(self, node)
        return
    prefix = node.get("svg_id") or "ldm503"
    imgpath = self.builder.imgpath
    # Inlined already by the batch that drew it, away from this process: then the
    # image's name is the one the dry run worked out, and render_dot (a hash of the
    # DOT and two lookups of the file) has nothing to add.
    drawn = node.get(DRAWN_AS)
    prepared = get_domain(self.builder.env).build.prepared
    svg = (prepared.inlined(self.builder, drawn, imgpath, prefix)
           if drawn is not None and prepared is not None else None)
    if svg is not None:
        relfn = PurePosixPath(imgpath, os.path.basename(drawn))
    else:
        try:
            found, written = render_dot(self, node["code"], node["options"], "svg")
        except GraphvizError as exc:
            # The node was made while resolving: its own source is unknown, its
            # document is in its options.
            warn(f"dot could not draw a diagram: {exc}", "graph", diagram_location(node))
            raise nodes.SkipNode from exc
        if found is None or written is None:
            html_visit_graphviz(self, node)  # sphinx.ext.graphviz explains what is missing
            return
        relfn, outfn = image_paths(found, written)
        svg = (prepared.inlined(self.builder, outfn, imgpath, prefix)
               if prepared is not None else None)
        if svg is None:
            svg = inline_svg(outfn.read_text(encoding="utf-8"), imgpath, prefix)
    if _xhtml(self.builder):
        svg = xhtml_svg(svg)
    elif not node.get("explorable"):
        svg = readable_svg(svg)
    alt = node.get("alt", "")
    classes = ["ldm503-explorer", *node.get("classes", [])]
    if node.get("explorable"):
        classes.append("ldm503-explorable")
    if "align" in node:  # wrapped as sphinx.ext.graphviz wraps its own
        self.body.append(f'<div class="align-{html_text(node["align"])}">')
    # data-src names the image file the SVG came from (it also opens at full size).
    self.body.append(f'<div class="{html_text(" ".join(classes))}" '
                     f'data-ldm503-graph="{html_text(prefix)}" '
                     f'data-src="{html_text(relfn.as_posix())}">')
    # role="group" rather than "img": the nodes are links a reader can tab to. The alt
    # text is escaped already (diagrams.graphviz_alt), as sphinx.ext.graphviz needs it.
    self.body.append(f'<div class="ldm503-graph-frame" role="group" aria-label="{alt}">')
    self.body.append(svg)
    self.body.append("</div>")
    if node.get("explorable"):
        self.body.append(
            f'<p class="ldm503-graph-open"><a href="{html_text(relfn.as_posix())}" '
            'class="ldm503-open-full">Open the diagram at full size</a></p>')
    self.body.append("</div>\n")
    if "align" in node:
        self.body.append("</div>\n")
    raise nodes.SkipNode


#: The smallest share of its natural size a diagram without the explorer's zoom (a
#: milestone's own) is shown at: on a phone its labels stay about 11 px high, and its
#: frame scrolls sideways instead (CSS lets the width beat ``max-width: 100%``).
MIN_SCALE = 0.7


def readable_svg(svg: str) -> str:
    """An inlined SVG given a ``min-width`` of :data:`MIN_SCALE` of its natural width."""
    width = natural_width(svg) if svg.startswith("<svg ") else None
    if width is None:
        return svg
    return f'<svg style="min-width: {round(width * MIN_SCALE)}px"{svg[4:]}'


def diagram_location(node: nodes.Element) -> tuple[str, int | None]:
    """Where a diagram made at resolve time comes from: (its document, its line)."""
    options: dict[str, Any] = node.get("options") or {}
    return (options.get("docname") or node.get("docname", ""), node.line)


def _xhtml(builder: Any) -> bool:
    """Pages are XHTML (EPUB): parsed as XML, where an element without a namespace
    is XHTML, so an inlined ``<svg>`` needs its own."""
    return builder.name.startswith("epub") or getattr(builder, "out_suffix", "") == ".xhtml"


def xhtml_svg(svg: str) -> str:
    """An inlined SVG made fit for XHTML: the SVG namespace declared on its root (and
    xlink's, where an ``xlink:`` attribute is left), which HTML's parser supplies."""
    end = svg.find(">")
    root = svg[:end]
    if end < 0 or "xmlns=" in root:
        return svg
    declared = f' xmlns="{SVG_NS}"'
    if "xlink:" in svg and "xmlns:xlink=" not in root:
        declared += f' xmlns:xlink="{XLINK_NS}"'
    return svg.replace("<svg", "<svg" + declared, 1)


def setup(app: Sphinx) -> None:
    """The explorer script (diagrams.py registers the diagram node and this visitor)."""
    app.add_js_file("ldm503.js", loading_method="defer")

