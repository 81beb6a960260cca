"""Paragraphs of milestone links ("Required by", "Critical path"), written straight
to HTML on HTML pages.

A large plan has such a paragraph or two under every milestone, a dozen docutils
nodes each (each node a handful of Python objects): building them, walking them
and collecting them as garbage took a sixth of a 2,000-milestone build. Their
renderers describe them as a :class:`Para` of plain tuples instead, which becomes
either docutils nodes (:func:`to_nodes`: LaTeX, text, and every page whose links
cannot all be made at once) or, on HTML pages, one :class:`link_paragraph` node
that the translator writes out with its own ``starttag`` and ``encode``
(:func:`visit_link_paragraph`), as its ``visit_*`` methods would have written the
nodes. A test renders random paragraphs both ways and compares the HTML; if a
theme's translator overrides any of those methods, the nodes are used
(:func:`html_allowed`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from docutils import nodes

if TYPE_CHECKING:
    from sphinx.builders import Builder


class Strong(NamedTuple):
    text: str


class Emphasis(NamedTuple):
    text: str


class Span(NamedTuple):
    """An ``inline`` node: ``<span class="...">``."""

    text: str
    classes: tuple[str, ...] = ()


class Code(NamedTuple):
    """A ``literal`` node: an ID shown as code."""

    text: str


class MsLink(NamedTuple):
    """A link to a milestone: its ID as code, or ``label`` in a span."""

    milestone_id: str
    label: str | None = None


#: A plain string is text.
Item = str | Strong | Emphasis | Span | Code | MsLink


class Para(NamedTuple):
    classes: tuple[str, ...]
    items: tuple[Item, ...]


#: Makes the link to a milestone: its ID, and the link's content (None: the ID as code).
Link = Callable[[str, "nodes.Element | None"], nodes.Element]
#: Where a link goes: ``(refuri, refid, title)`` as :meth:`MilestoneDomain.link_target`.
Target = tuple["str | None", "str | None", str]


def _content(item: MsLink) -> nodes.Element:
    if item.label is None:
        return nodes.literal(item.milestone_id, item.milestone_id)
    return nodes.inline(item.label, item.label)


def to_nodes(para: Para, link: Link) -> nodes.paragraph:
    """The paragraph as docutils nodes, its links made by ``link``."""
    out = nodes.paragraph(classes=list(para.classes))
    for item in para.items:
        if isinstance(item, str):
            out += nodes.Text(item)
        elif isinstance(item, Strong):
            out += nodes.strong(item.text, item.text)
        elif isinstance(item, Emphasis):
            out += nodes.emphasis(item.text, item.text)
        elif isinstance(item, Span):
            out += nodes.inline(item.text, item.text, classes=list(item.classes))
        elif isinstance(item, Code):
            out += nodes.literal(item.text, item.text)
        else:
            out += link(item.milestone_id, _content(item))
    return out


class link_paragraph(nodes.General, nodes.Element):
    """A :class:`Para` with its links' targets, for HTML pages only.

    ``para`` and ``targets`` (one per :class:`MsLink`, in order) are plain tuples.
    """


def to_html_node(
    para: Para, target: Callable[[str], Target | None]
) -> link_paragraph | None:
    """The paragraph as one node written straight to HTML; None when ``target`` cannot
    place one of its links (it is then built as nodes, for Sphinx's resolver)."""
    targets = []
    for item in para.items:
        if isinstance(item, MsLink):
            found = target(item.milestone_id)
            if found is None:
                return None
            targets.append(found)
    # The classes go on the node too: the search indexer skips "no-search" nodes.
    return link_paragraph(classes=list(para.classes), para=para, targets=tuple(targets))


#: The translator methods whose output visit_link_paragraph reproduces.
REPRODUCED = ("visit_paragraph", "depart_paragraph", "visit_Text", "visit_strong",
              "depart_strong", "visit_emphasis", "depart_emphasis", "visit_inline",
              "depart_inline", "visit_literal", "depart_literal", "visit_reference",
              "depart_reference", "encode")


def html_allowed(translator_class: type) -> bool:
    """Whether ``translator_class`` writes those nodes as Sphinx's HTML5 translator does."""
    from sphinx.writers.html5 import HTML5Translator

    if not issubclass(translator_class, HTML5Translator):
        return False
    return all(getattr(translator_class, name) is getattr(HTML5Translator, name)
               for name in REPRODUCED)


def translator_allows_html(builder: Builder) -> bool:
    return html_allowed(builder.env._registry.get_translator_class(builder))


def visit_link_paragraph(self: Any, node: link_paragraph) -> None:
    """Write the paragraph as the translator's ``visit_*`` methods would write its nodes
    (Sphinx's HTML5Translator: reference, literal, inline, strong, emphasis, Text)."""
    encode = self.encode
    tag = self.starttag
    blank = nodes.inline()  # starttag reads the ids and classes of a node
    out = [tag(node, "p", "")]
    targets = iter(node["targets"])
    for item in node["para"].items:
        if isinstance(item, str):
            out.append(encode(item))
        elif isinstance(item, Strong):
            out.append(f"{tag(blank, 'strong', '')}{encode(item.text)}</strong>")
        elif isinstance(item, Emphasis):
            out.append(f"{tag(blank, 'em', '')}{encode(item.text)}</em>")
        elif isinstance(item, Span):
            out.append(_span(self, item.text, item.classes))
        elif isinstance(item, Code):
            out.append(_code(self, item.text, blank))
        else:
            refuri, refid, title = next(targets)
            href = (refuri or "#") if refuri is not None else f"#{refid}"
            out.append(tag(blank, "a", "", CLASS="reference internal", href=href,
                           title=title))
            if item.label is None:
                out.append(_code(self, item.milestone_id, blank))
            else:
                out.append(_span(self, item.label, ()))
            out.append("</a>")
    out.append("</p>")
    self.body.append("".join(out))
    parent = node.parent
    if not (isinstance(parent, nodes.list_item | nodes.entry) and len(parent) == 1):
        self.body.append("\n")
        self.report_messages(node)
    raise nodes.SkipNode


def _span(self: Any, text: str, classes: tuple[str, ...]) -> str:
    """visit_inline outside code: a class naming an inline HTML tag becomes the tag."""
    classes_left = list(classes)
    tags = [cls for cls in self.supported_inline_tags if cls in classes_left]
    tagname = "span"
    if tags:
        tagname = tags[0]
        classes_left.remove(tagname)
    return f"{self.starttag(nodes.inline(classes=classes_left), tagname, '')}" \
           f"{self.encode(text)}</{tagname}>"


def _code(self: Any, text: str, blank: nodes.Element) -> str:
    """visit_literal (no ``kbd``, no language) with visit_Text's protected words."""
    out = [self.starttag(blank, "code", "", CLASS="docutils literal notranslate")]
    for token in self.words_and_spaces.findall(self.encode(text)):
        if token.strip():
            out.append(f'<span class="pre">{token}</span>')
        elif token in {" ", "\n"}:
            out.append(token)
        else:
            out.append("&#160;" * (len(token) - 1) + " ")
    out.append("</code>")
    return "".join(out)

