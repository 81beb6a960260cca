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

import html
import posixpath
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from docutils import nodes
from sphinx.ext.graphviz import GraphvizError, graphviz, html_visit_graphviz, render_dot

from .diagnostics import warn

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

#: One attribute of a tag as ``dot`` writes SVG: always double-quoted, the value
#: XML-escaped (so it holds no ``"`` and no ``<``).
_ATTRIBUTE = re.compile(r'([\w:.-]+)="([^"]*)"')
_TAG = re.compile(r"<(svg|a)\b([^>]*?)(/?)>")
_ID = re.compile(r'(?<=\s)id="([^"]*)"')
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)


@lru_cache(maxsize=4096)
def _page_relative(href: str, imgpath: str) -> str:
    """Undo sphinx.ext.graphviz's rewrite of relative links to ``_images/``."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return href
    path = posixpath.normpath(posixpath.join(imgpath, parts.path))
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def inline_svg(text: str, imgpath: str, prefix: str) -> str:
    """An SVG file's text made fit to sit in an HTML page.

    Links become relative to the page, ``xlink:title`` tooltips become
    ``<title>`` children (which browsers show; they ignore ``xlink:title``),
    ``target="_top"`` goes (the link is already in the page), and ids Graphviz
    generated itself (``clust1``, ``node3``) get ``prefix`` so that two diagrams
    on one page, or on one singlehtml page, never share an id.

    Done on the text of ``dot``'s own output, whose tags and attributes have one
    fixed form, rather than through an XML parser: a page of a large plan inlines
    hundreds of diagrams, and parsing and re-serialising each cost more than
    drawing it.
    """
    start = text.find("<svg ")
    if start < 0 or 'xmlns:xlink="http://www.w3.org/1999/xlink"' not in text[start:start + 400]:
        # Not as dot writes it (sphinx.ext.graphviz re-serialises the SVGs it draws
        # itself, with ns0: prefixes): the general way.
        return _inline_parsed_svg(text, imgpath, prefix)
    body = _COMMENT.sub("", text[start:])

    def prefixed(match: re.Match[str]) -> str:
        ident = html.unescape(match.group(1))  # dot writes "-" as "&#45;"
        if not (ident.startswith(prefix) or ident.startswith(f"a_{prefix}")):
            ident = f"{prefix}-{ident}"
        return f'id="{html.escape(ident, quote=True)}"'

    def tag(match: re.Match[str]) -> str:
        name, attributes, close = match.groups()
        attrs = dict(_ATTRIBUTE.findall(attributes))
        title = ""
        if name == "svg":
            attrs.pop("xmlns", None)  # HTML's parser knows the SVG namespace
            for size in ("width", "height"):
                # Keep the natural size for the explorer; CSS scales it to the column.
                if attrs.get(size, "").endswith("pt"):
                    attrs[f"data-{size}"] = attrs[size]
        else:
            if "xlink:href" in attrs:
                attrs["href"] = html.escape(
                    _page_relative(html.unescape(attrs.pop("xlink:href")), imgpath), quote=True)
            attrs.pop("target", None)
            tip = attrs.pop("xlink:title", None)
            if tip:
                title = f"<title>{tip}</title>"
        out = " ".join(f'{key}="{value}"' for key, value in attrs.items())
        return f"<{name} {out}{close}>{title}" if out else f"<{name}{close}>{title}"

    body = _ID.sub(prefixed, body)
    body = _TAG.sub(tag, body)
    if "xlink:" not in body.split(">", 1)[1]:
        body = re.sub(r'^(<svg[^>]*?) xmlns:xlink="[^"]*"', r"\1", body, count=1)
    return body.rstrip("\n")


def _inline_parsed_svg(text: str, imgpath: str, prefix: str) -> str:
    """:func:`inline_svg` for any SVG, through ElementTree."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(text)  # our own dot output, never untrusted input
    href, title = f"{{{XLINK_NS}}}href", f"{{{XLINK_NS}}}title"
    for element in root.iter():
        if element.tag == f"{{{SVG_NS}}}a":
            if href in element.attrib:
                element.set("href", _page_relative(element.attrib.pop(href), imgpath))
            element.attrib.pop("target", None)
            tip = element.attrib.pop(title, None)
            if tip:
                child = ET.Element(f"{{{SVG_NS}}}title")
                child.text = tip
                element.insert(0, child)
        ident = element.get("id")
        if ident and not ident.startswith(prefix) and not ident.startswith(f"a_{prefix}"):
            element.set("id", f"{prefix}-{ident}")
    for attr in ("width", "height"):
        value = root.get(attr, "")
        if value.endswith("pt"):
            root.set(f"data-{attr}", value)
    out = ET.tostring(root, encoding="unicode")
    # HTML's parser knows the SVG namespace: the default declaration is not needed,
    # and the xlink one only where an xlink attribute is left.
    return re.sub(r"^<svg xmlns=\"[^\"]+\"", "<svg", out, count=1)


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
    try:
        relfn, outfn = render_dot(self, node["code"], node["options"], "svg")
    except GraphvizError as exc:
        warn(f"dot could not draw a diagram: {exc}", "graph", node)
        raise nodes.SkipNode from exc
    if relfn is None or outfn is None:
        html_visit_graphviz(self, node)  # sphinx.ext.graphviz explains what is missing
        return
    prefix = node.get("svg_id") or "ldm503"
    svg = inline_svg(Path(outfn).read_text(encoding="utf-8"), self.builder.imgpath, prefix)
    alt = node.get("alt", "")
    classes = ["ldm503-explorer", *node.get("classes", [])]
    if node.get("explorable"):
        classes.append("ldm503-explorable")
    if "align" in node:  # wrapped as sphinx.ext.graphviz wraps its own
        self.body.append(f'<div class="align-{html.escape(node["align"])}">')
    # data-src names the image file the SVG came from (it also opens at full size).
    self.body.append(f'<div class="{" ".join(classes)}" data-ldm503-graph="{prefix}" '
                     f'data-src="{html.escape(relfn.as_posix())}">')
    # role="group" rather than "img": the nodes are links a reader can tab to.
    self.body.append(f'<div class="ldm503-graph-frame" role="group" aria-label="{alt}">')
    self.body.append(svg)
    self.body.append("</div>")
    if node.get("explorable"):
        self.body.append(
            f'<p class="ldm503-graph-open"><a href="{html.escape(relfn.as_posix())}" '
            'class="ldm503-open-full">Open the diagram at full size</a></p>')
    self.body.append("</div>\n")
    if "align" in node:
        self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> None:
    """The explorer script (diagrams.py registers the diagram node and this visitor)."""
    app.add_js_file("ldm503.js", loading_method="defer")

