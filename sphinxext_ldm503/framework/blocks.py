"""The blocks under every milestone (its facts, "Critical path", "Required by"),
written straight to HTML on HTML pages.

A large plan has these under every milestone, some forty docutils nodes (each node a
handful of Python objects): building them, walking them and collecting them as
garbage took a sixth of a 2,000-milestone build. Their renderers describe them as
plain tuples instead (a :class:`Para` or :class:`Fields`), which become either
docutils nodes (:func:`to_nodes`: LaTeX, text, and every block with a link the
domain cannot make) or, on HTML pages, one :class:`html_block` node that the
translator writes out with its own ``starttag`` and ``encode``
(:func:`visit_html_block`), as its ``visit_*`` methods would have written the
nodes. A test renders random blocks both ways and compares the HTML; if a theme's
translator overrides any of those methods, the nodes are used (:func:`html_allowed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from docutils import nodes

from .compat import report_messages
from .words import WHOLE, split_words, whole_words

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


class Fields(NamedTuple):
    """A field list: each field's name and its body, one paragraph."""

    classes: tuple[str, ...]
    fields: tuple[tuple[str, tuple[Item, ...]], ...]


Block = Para | Fields


#: Makes the link to a milestone: its ID, and the link's content (None: the ID as code).
Link = Callable[[str, "nodes.Element | None"], nodes.Element]
#: Where a link goes: ``(refuri, refid, title)`` as :meth:`MilestoneDomain.link_target`.
Target = tuple["str | None", "str | None", str]


def _content(item: MsLink) -> nodes.Element:
    text = _link_text(item)
    if item.label is None:
        return nodes.literal(text, text)
    # IDs and dates in the label stay on one line (words.py); the rest wraps.
    return nodes.inline(text, "", *whole_words(text))


def to_nodes(block: Block, link: Link) -> nodes.Element:
    """The block as docutils nodes, its links made by ``link``."""
    if isinstance(block, Fields):
        out = nodes.field_list(classes=list(block.classes))
        for name, items in block.fields:
            out += nodes.field("", nodes.field_name(name, name),
                               nodes.field_body("", _paragraph((), items, link)))
        return out
    return _paragraph(block.classes, block.items, link)


def _paragraph(classes: tuple[str, ...], items: tuple[Item, ...], link: Link
               ) -> nodes.paragraph:
    out = nodes.paragraph(classes=list(classes))
    for item in items:
        if isinstance(item, str):
            out.extend(whole_words(item))
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


def items_text(items: tuple[Item, ...]) -> str:
    return "".join(item if isinstance(item, str) else _link_text(item)
                   if isinstance(item, MsLink) else item.text for item in items)


def _link_text(item: MsLink) -> str:
    return item.milestone_id if item.label is None else item.label


class html_block(nodes.General, nodes.Element):
    """A :class:`Block` with its links' targets, for HTML pages only.

    ``block`` and ``targets`` (one per :class:`MsLink`, in order) are plain tuples.
    Its one child is the block's text, for the search index (the translator skips it).
    """


def to_html_node(block: Block, target: Callable[[str], Target | None]) -> html_block | None:
    """The block as one node written straight to HTML; None when ``target`` cannot
    place one of its links (it is then built as nodes, for Sphinx's resolver)."""
    if isinstance(block, Fields):
        if any(c.startswith("field-indent-") for c in block.classes):
            return None  # a style the translator works out: left to it
        item_lists = [items for _name, items in block.fields]
        text = " ".join(f"{name} {items_text(items)}" for name, items in block.fields)
    else:
        item_lists = [block.items]
        text = items_text(block.items)
    targets = link_targets(item_lists, target)
    if targets is None:
        return None
    # The classes go on the node too: the search indexer skips "no-search" nodes.
    return html_block("", nodes.Text(text), classes=list(block.classes), block=block,
                      targets=targets)


def link_targets(item_lists: Iterable[tuple[Item, ...]],
                 target: Callable[[str], Target | None]) -> tuple[Target, ...] | None:
    """One :data:`Target` per :class:`MsLink` of ``item_lists``, in order; None as soon
    as one cannot be placed (the caller then makes ordinary nodes)."""
    targets = []
    for items in item_lists:
        for item in items:
            if isinstance(item, MsLink):
                found = target(item.milestone_id)
                if found is None:
                    return None
                targets.append(found)
    return tuple(targets)


class html_rows(nodes.General, nodes.Element):
    """The body rows of a table, for HTML pages only, written in one go.

    ``rows`` holds each row's classes and its cells' items (an empty tuple: an
    empty cell), ``column_classes`` each column's classes and ``targets`` one
    :data:`Target` per :class:`MsLink`, in order: plain tuples. A table of every
    milestone of a large plan is thousands of rows; as nodes, making and writing them
    was most of its page's cost.
    """


def to_html_rows(rows: tuple[tuple[tuple[str, ...], tuple[tuple[Item, ...], ...]], ...],
                 column_classes: tuple[str, ...],
                 target: Callable[[str], Target | None]) -> html_rows | None:
    """The rows as one node; None when ``target`` cannot place one of their links."""
    targets = link_targets((items for _classes, cells in rows for items in cells), target)
    if targets is None:
        return None
    return html_rows(rows=rows, column_classes=column_classes, targets=targets)


def visit_html_rows(self: Any, node: html_rows) -> None:
    """Write the rows as the translator's ``visit_row`` and ``visit_entry`` would (rows
    numbered after the one header row, each cell one paragraph or empty)."""
    tag = self.starttag
    blank = nodes.inline()
    targets = iter(node["targets"])
    column_classes = node["column_classes"]
    out = self.body
    for number, (classes, cells) in enumerate(node["rows"], start=2):
        parity = "row-even" if number % 2 == 0 else "row-odd"
        out.append(tag(nodes.row(classes=[*classes, parity]), "tr", ""))
        for column, items in enumerate(cells):
            css = [column_classes[column]] if column < len(column_classes) else []
            out.append(tag(nodes.entry(classes=css), "td", ""))
            if items:
                out.append(f"{tag(blank, 'p', '')}{_items(self, items, targets)}</p>")
            out.append("</td>\n")
        out.append("</tr>\n")
    raise nodes.SkipNode


#: The translator methods whose output visit_html_block reproduces.
REPRODUCED = ("visit_field_list", "depart_field_list", "visit_field", "depart_field",
              "visit_field_name", "depart_field_name", "visit_field_body",
              "depart_field_body", "is_compactable",
              "visit_paragraph", "depart_paragraph", "visit_Text", "visit_strong",
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


#: What visit_html_rows reproduces besides a paragraph's content.
REPRODUCED_ROWS = ("visit_row", "depart_row", "visit_entry", "depart_entry")


def rows_allowed(translator_class: type) -> bool:
    """Whether ``translator_class`` writes table rows as Sphinx's HTML5 translator does."""
    from sphinx.writers.html5 import HTML5Translator

    return html_allowed(translator_class) and all(
        getattr(translator_class, name) is getattr(HTML5Translator, name)
        for name in REPRODUCED_ROWS)


def translator_allows_html(builder: Builder) -> bool:
    """Whether the builder's translator class is one :func:`html_allowed` accepts.

    ``Builder.get_translator_class()`` is public API and answers with the class an
    extension or ``conf.py`` set (``app.set_translator``), as the writer will use it.
    """
    return html_allowed(builder.get_translator_class())


def visit_html_block(self: Any, node: html_block) -> None:
    """Write the block as the translator's ``visit_*`` methods would write its nodes
    (Sphinx's HTML5Translator: field list, paragraph, reference, literal, inline,
    strong, emphasis, Text)."""
    block = node["block"]
    targets = iter(node["targets"])
    tag = self.starttag
    if isinstance(block, Para):
        self.body.append(f"{tag(node, 'p', '')}{_items(self, block.items, targets)}</p>")
        _end_paragraph(self, node)
        raise nodes.SkipNode
    classes = [*block.classes, "field-list"]
    if "compact" in classes or ("open" not in classes and self.settings.compact_field_lists):
        classes.append("simple")  # every body is one paragraph: a simple list
    self.body.append(tag(nodes.field_list(classes=classes), "dl"))
    blank = nodes.inline()
    # The EPUB theme writes the colon itself (dl.field-list > dt:after): one is enough.
    colon = "" if self.builder.name.startswith("epub") else '<span class="colon">:</span>'
    for number, (name, items) in enumerate(block.fields, start=1):
        row = nodes.field(classes=["field-odd" if number % 2 else "field-even"])
        self.body.append(f"{tag(row, 'dt', '')}{self.encode(name)}{colon}</dt>\n")
        self.body.append(f"{tag(row, 'dd', '')}{tag(blank, 'p', '')}"
                         f"{_items(self, items, targets)}</p>")
        self.body.append("\n")
        report_messages(self, node)
        self.body.append("</dd>\n")
    self.body.append("</dl>\n")
    raise nodes.SkipNode


def _end_paragraph(self: Any, node: nodes.Element) -> None:
    """depart_paragraph: no newline after a paragraph alone in a list item or cell."""
    parent = node.parent
    if not (isinstance(parent, nodes.list_item | nodes.entry) and len(parent) == 1):
        self.body.append("\n")
        report_messages(self, node)


def _items(self: Any, items: tuple[Item, ...], targets: Iterator[Target]) -> str:
    encode = self.encode
    tag = self.starttag
    blank = nodes.inline()  # starttag reads the ids and classes of a node
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(_text(self, item))
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
                out.append(_label(self, item.label))
            out.append("</a>")
    return "".join(out)


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


def _label(self: Any, label: str) -> str:
    """A link's label as :func:`_content` makes it."""
    return f"{self.starttag(nodes.inline(), 'span', '')}{_text(self, label)}</span>"


def _text(self: Any, text: str) -> str:
    """Text as :func:`whole_words` makes it: IDs and dates in boxes of their own."""
    return "".join(_span(self, piece, (WHOLE,)) if whole else self.encode(piece)
                   for piece, whole in split_words(text))


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

