"""How a diagram reaches the page: drawn under a time limit, or else shown as a list.

Every diagram node of the extension (``ldm503_diagram`` in HTML and elsewhere, its
LaTeX form ``linked_graphviz``) is drawn here when its page is written, unless the
speed layer drew it ahead (``DRAWN_AS``): one ``dot`` run per image, whole files
only, under ``ldm503_dot_render_timeout``. sphinx.ext.graphviz then finds the file
under the name it would give it and writes the page its own way. When ``dot`` fails
or runs out of time, the diagram's dependencies are shown as a nested list instead.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.errors import NoUri

from ..framework.diagnostics import warn
from ..framework.directives import badge, ms_xref
from ..framework.domain import get_domain
from ..render import dotrun
from ..render.graph import GraphOptions, text_outline
from ..render.svgtext import relink_for_images
from .images import DRAWN_AS, image_name, relink_dirs

if TYPE_CHECKING:
    from sphinx.builders import Builder

    from ..framework.domain import MilestoneDomain


def outline(
    domain: MilestoneDomain, options: GraphOptions, docname: str,
    link: Callable[[str], nodes.Node] | None = None,
) -> nodes.Node:
    """The diagram's dependencies as a nested list, for builders or machines without dot.

    ``link`` makes the link to a milestone (default: a ``pending_xref``, for lists
    made before references are resolved).
    """
    link = link or (lambda ms_id: ms_xref(ms_id, docname))
    outer = nodes.bullet_list(classes=["ldm503-graph-outline"])
    for ms, edges in text_outline(domain.plan, options):
        para = nodes.paragraph()
        para += link(ms.id)
        if ms.title:
            para += nodes.Text(" " + ms.title)
        item = nodes.list_item("", para)
        if edges:
            inner = nodes.bullet_list()
            for edge in edges:
                line = nodes.paragraph("", "requires ")
                line += link(edge.target.id)
                if edge.prerequisite.title or edge.target.title:
                    line += nodes.Text(" " + (edge.prerequisite.title or edge.target.title))
                if edge.prerequisite.query:
                    line += nodes.Text(" ")
                    line += badge(f"{edge.prerequisite.query} query",
                                  f"ldm503-query-{edge.prerequisite.query}")
                inner += nodes.list_item("", line)
            item += inner
        outer += item
    return outer


def resolved_outline(builder: Builder, docname: str, options: GraphOptions) -> nodes.Node:
    """:func:`outline` with its links made at once (references are resolved already)."""
    domain = get_domain(builder.env)

    def link(ms_id: str) -> nodes.Node:
        label = nodes.literal(ms_id, ms_id)
        try:
            return domain.reference(docname, builder, ms_id, label) or label
        except NoUri:
            return label

    return outline(domain, options, docname, link)


def show_as_list(self: Any, node: nodes.Element) -> None:
    """Give a diagram that was not drawn its list (made now, once): the writer then
    walks into the node's children instead of an image."""
    options = node.get("ldm503_outline")
    if options is not None and not node.children:
        node += resolved_outline(self.builder, node["options"]["docname"], options)


def draw_in_time(self: Any, node: nodes.Element, fmt: str) -> bool:
    """Draw the diagram as sphinx.ext.graphviz's render_dot would name it, but with a
    time limit and whole files only (:func:`.dotrun.draw`).

    False (after a warning located in the diagram's document) when dot did not
    draw it: out of time, an error, or a file it left incomplete. The diagram is
    then shown as a list, and nothing is left under the image's name for a later
    build to take for a drawing. A file there already counts only when complete.
    """
    drawn = node.get(DRAWN_AS)
    if drawn is not None and drawn.endswith(f".{fmt}") and dotrun.complete(drawn, fmt):
        return True  # drawn by a batch under the name the dry run worked out
    builder, config = self.builder, self.builder.config
    code, options = node["code"], node["options"]
    program = options.get("graphviz_dot", config.graphviz_dot)
    outfn = builder.outdir / builder.imagedir / image_name(builder, code, options, fmt)
    if not program or fmt not in ("png", "svg", "pdf"):
        return True
    if outfn.is_file():
        if dotrun.complete(outfn, fmt) and (
                fmt != "png" or dotrun.complete(f"{outfn}.map", "cmapx")):
            return True
        outfn.unlink(missing_ok=True)  # what a dot that died left: never served
    timeout = config.ldm503_dot_render_timeout
    docname = options.get("docname", "index")
    location = (docname, node.line)
    finish = None
    if fmt == "svg" and builder.format == "html":
        # Links relative to the page being written, made relative to _images/ (as
        # sphinx.ext.graphviz's fix_svg_relative_paths, without re-serialising).
        page_dir, images = relink_dirs(builder, getattr(builder, "current_docname", "") or docname)

        def finish(text: str) -> str:
            return relink_for_images(text, page_dir, images)

    try:
        problem = dotrun.draw(code, outfn, fmt, program=program,
                                args=config.graphviz_dot_args, timeout=timeout,
                                cwd=(builder.srcdir / docname).parent,
                                image_map=fmt == "png", finish=finish)
    except subprocess.TimeoutExpired:
        warn(f"Graphviz's dot did not draw this diagram within {timeout:g} s "
             "(ldm503_dot_render_timeout), so it is shown as a list", "graph", location)
        return False
    except OSError as exc:
        problem = f"dot could not be run ({exc})"
    if problem is not None:
        warn(f"dot could not draw a diagram ({problem}), so it is shown as a list",
             "graph", location)
        return False
    return True
