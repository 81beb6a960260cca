"""SVG text as ``dot`` writes it, made fit for ``_images/`` and for a page.

Sphinx-free and import-light: :mod:`.batchdot`'s helper processes use it to
finish the SVGs of a batch (links relative to ``_images/`` in the file, and the
inlined form each page shows) away from the build's own process, and
:mod:`.web` uses it for any diagram drawn otherwise.

Done on the text of ``dot``'s own output, whose tags and attributes have one
fixed form, rather than through an XML parser: a page of a large plan inlines
hundreds of diagrams, and parsing and re-serialising each cost more than
drawing it.
"""

from __future__ import annotations

import html
import posixpath
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .htmltext import html_text

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

#: One attribute of a tag as ``dot`` writes SVG: always double-quoted, the value
#: XML-escaped (so it holds no ``"`` and no ``<``).
_ATTRIBUTE = re.compile(r'([\w:.-]+)="([^"]*)"')
#: The patterns below begin with literal text, which lets the regular expression
#: engine skip ahead instead of trying every position of a page-long SVG.
#: A link: first the form dot gives nearly every one (taken without parsing its
#: attributes), then any other.
_A_TAG = re.compile(r'<a xlink:href="([^"]*)" xlink:title="([^"]*)" target="_top">'
                    r"|<a ([^>]*?)(/?)>")
_ID = re.compile(r' id="([^"]*)"')
_COMMENT = re.compile(r"<!--.*?-->\n?", re.S)


@lru_cache(maxsize=4096)
def _page_relative(href: str, imgpath: str) -> str:
    """Undo sphinx.ext.graphviz's rewrite of relative links to ``_images/``."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return href
    path = posixpath.normpath(posixpath.join(imgpath, parts.path))
    return urlunsplit(("", "", path, parts.query, parts.fragment))


@lru_cache(maxsize=8192)
def _inline_href(escaped: str, imgpath: str) -> str:
    """An ``xlink:href`` of an SVG in ``imgpath`` as the page's ``href`` (remembered: a
    plan's diagrams link to each milestone from several diagrams)."""
    return html_text(_page_relative(html.unescape(escaped), imgpath))


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
    # dot writes every "-" as "&#45;" (comments, where "--" is not allowed, go).
    body = _COMMENT.sub("", text[start:]).replace("&#45;", "-")
    own = (prefix, f"a_{prefix}")

    def prefixed(match: re.Match[str]) -> str:
        ident = match.group(1)
        if ident.startswith(own) and "&" not in ident:
            return match.group(0)  # one of ours, prefixed already (nearly all of them)
        ident = html.unescape(ident)
        if not (ident.startswith(prefix) or ident.startswith(f"a_{prefix}")):
            ident = f"{prefix}-{ident}"
        return f' id="{html_text(ident)}"'

    def tag(name: str, attributes: str, close: str) -> str:
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
                attrs["href"] = html_text(
                    _page_relative(html.unescape(attrs.pop("xlink:href")), imgpath))
            attrs.pop("target", None)
            tip = attrs.pop("xlink:title", None)
            if tip:
                title = f"<title>{tip}</title>"
        out = " ".join(f'{key}="{value}"' for key, value in attrs.items())
        return f"<{name} {out}{close}>{title}" if out else f"<{name}{close}>{title}"

    body = _ID.sub(prefixed, body)
    svg_end = body.index(">") + 1  # the <svg ...> tag itself (dot never self-closes it)

    def link(match: re.Match[str]) -> str:
        if match.group(3) is not None:
            return tag("a", match.group(3), match.group(4))
        href = _inline_href(match.group(1), imgpath)
        tip = match.group(2)
        return f'<a href="{href}"><title>{tip}</title>' if tip else f'<a href="{href}">'

    body = tag("svg", body[5:svg_end - 1], "") + _A_TAG.sub(link, body[svg_end:])
    if "xlink:" not in body.split(">", 1)[1]:
        body = re.sub(r'^(<svg[^>]*?) xmlns:xlink="[^"]*"', r"\1", body, count=1)
    return body.rstrip("\n")


def _inline_parsed_svg(text: str, imgpath: str, prefix: str) -> str:
    """:func:`inline_svg` for any SVG, through ElementTree."""
    import xml.etree.ElementTree as ET

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
    # Serialised here rather than with ET.tostring, whose prefixes are ns0:, ns1:
    # unless ET.register_namespace changes them for the whole process.
    out = _serialise(root)
    if "xlink:" in out:
        out = out.replace("<svg", f'<svg xmlns:xlink="{XLINK_NS}"', 1)
    return out


def _qname(name: str) -> str:
    """An ElementTree name as dot writes it: SVG elements unprefixed, xlink's ``xlink:``."""
    if name.startswith(f"{{{SVG_NS}}}"):
        return name[len(SVG_NS) + 2:]
    if name.startswith(f"{{{XLINK_NS}}}"):
        return "xlink:" + name[len(XLINK_NS) + 2:]
    return name


def _serialise(element: Any) -> str:
    """An ElementTree element as XML text (the SVG namespace implied, as HTML has it)."""
    parts: list[str] = []

    def write(node: Any) -> None:
        tag = _qname(node.tag)
        attrs = "".join(f' {_qname(key)}="{html_text(value)}"'
                        for key, value in node.attrib.items())
        parts.append(f"<{tag}{attrs}>")
        if node.text:
            parts.append(html_text(node.text))
        for child in node:
            write(child)
            if child.tail:
                parts.append(html_text(child.tail))
        parts.append(f"</{tag}>")

    write(element)
    return "".join(parts)


#: The root's width, in points as Graphviz and matplotlib write it.
_ROOT_WIDTH = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)pt"')


def natural_width(svg: str) -> float | None:
    """An SVG's natural width in CSS pixels, from its root's ``width`` in points (None:
    none given so). A page sets the least it may be shrunk to from it."""
    match = _ROOT_WIDTH.search(svg, 0, 2000)
    return float(match.group(1)) * 96 / 72 if match else None


_HREF = re.compile(r'xlink:href="([^"]*)"')


def relink_for_images(svg: str, page_dir: str, images: str) -> str:
    """What sphinx.ext.graphviz does after drawing an SVG: relative links, written
    for a page in ``page_dir``, made relative to the ``images`` directory (the SVG
    file is loaded from ``_images/``).

    Without re-serialising the SVG through ElementTree (which costs more than
    drawing it and renames every namespace ``ns0:``). dot writes every "-" as
    "&#45;"; plain hyphens keep IDs searchable in the file.
    """

    def relink(match: re.Match[str]) -> str:
        return f'xlink:href="{_image_relative(match.group(1), page_dir, images)}"'

    return _HREF.sub(relink, svg.replace("&#45;", "-"))


@lru_cache(maxsize=4096)
def _image_relative(escaped_url: str, page_dir: str, images: str) -> str:
    """A link of a page in ``page_dir`` made relative to the ``images`` directory
    (remembered: a page's diagrams link to the same few pages over and over)."""
    parts = urlsplit(html.unescape(escaped_url))
    if parts.scheme or parts.netloc or not parts.path:
        return escaped_url
    old = posixpath.normpath(posixpath.join(page_dir, parts.path))
    fixed = urlunsplit(("", "", posixpath.relpath(old, images), parts.query, parts.fragment))
    return html_text(fixed)
