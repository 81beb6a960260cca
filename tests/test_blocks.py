"""The blocks under every milestone written straight to HTML: the same HTML as the
translator writes for their nodes, and the nodes wherever that cannot be promised."""

from __future__ import annotations

from pathlib import Path

import pytest
from docutils import nodes
from docutils.utils import new_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sphinx.writers.html5 import HTML5Translator

from sphinxext_ldm503.framework.blocks import (
    Code,
    Emphasis,
    Fields,
    MsLink,
    Para,
    Span,
    Strong,
    html_allowed,
    html_block,
    rows_allowed,
    to_html_node,
    to_html_rows,
    to_nodes,
)
from sphinxext_ldm503.framework.compat import resolved_doctree
from sphinxext_ldm503.framework.domain import reference_to

# Text a title or ID could hold: markup characters, entities, runs of spaces, newlines.
TEXT = st.text(alphabet=st.sampled_from(list("aZ09 -:&<>\"'@#;\n\u2026\u00e9")), max_size=12)
CLASSES = st.lists(st.sampled_from(["ldm503-badge", "no-search", "small", "x-y"]),
                   max_size=2, unique=True).map(tuple)
ITEMS = st.one_of(
    TEXT, TEXT.map(Strong), TEXT.map(Emphasis), st.builds(Span, TEXT, CLASSES),
    TEXT.map(Code),
    st.builds(MsLink, TEXT.filter(bool), st.one_of(st.none(), TEXT)),
)
BLOCKS = st.one_of(
    st.builds(Para, CLASSES, st.lists(ITEMS, max_size=8).map(tuple)),
    st.builds(Fields, CLASSES | st.just(("open",)) | st.just(("compact", "x")),
              st.lists(st.tuples(TEXT, st.lists(ITEMS, max_size=4).map(tuple)),
                       max_size=4).map(tuple)),
)
TARGET = st.one_of(
    st.tuples(TEXT, st.none(), TEXT),  # another page: refuri (may be empty)
    st.tuples(st.none(), TEXT.filter(bool), TEXT),  # this page: refid
)


def _written(app, node: nodes.Element, parent: nodes.Element) -> str:
    document = new_document("<test>", app.builder.docsettings)
    parent += node
    document += parent
    translator = app.builder.create_translator(document, app.builder)
    node.walkabout(translator)
    return "".join(translator.body)


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_straight_html_equals_the_translators_html(app) -> None:
    app.build()  # the builder's writer settings

    @settings(max_examples=300, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(block=BLOCKS, targets=st.lists(TARGET, min_size=16, max_size=16),
           alone=st.booleans(), compact=st.booleans())
    def check(block, targets, alone, compact) -> None:
        app.builder.docsettings.compact_field_lists = compact
        places = iter(targets)
        by_id: dict[str, tuple[str | None, str | None, str]] = {}

        def target(milestone_id: str):
            return by_id.setdefault(milestone_id, next(places))

        fast = to_html_node(block, target)
        assert fast is not None
        slow = to_nodes(block, lambda ms_id, content: reference_to(by_id[ms_id], content))
        # A paragraph alone in a list item ends without a newline.
        def parent() -> nodes.Element:
            return nodes.list_item() if alone else nodes.section()
        assert _written(app, fast, parent()) == _written(app, slow, parent())
        # The search index reads the same words.
        assert fast.astext().split() == slow.astext().split()

    check()


def test_no_html_node_when_a_link_cannot_be_placed() -> None:
    para = Para((), (Strong("Critical path: "), MsLink("A"), " -> ", MsLink("CAMM8040")))
    assert to_html_node(para, lambda ms_id: None if ms_id == "CAMM8040" else ("a.html#x", None,
                                                                           "A"),
                        ) is None


def test_translators_that_write_those_nodes_their_own_way_get_nodes() -> None:
    from pydata_sphinx_theme.translator import BootstrapHTML5TranslatorMixin

    class Themed(BootstrapHTML5TranslatorMixin, HTML5Translator):  # as the theme makes it
        pass

    class OwnLinks(HTML5Translator):
        def visit_reference(self, node: nodes.Element) -> None:
            super().visit_reference(node)

    assert html_allowed(HTML5Translator)
    assert html_allowed(Themed)  # its own starttag is used by the straight path too
    assert not html_allowed(OwnLinks)
    assert not html_allowed(object)


def _doctree_paragraphs(app, docname: str) -> tuple[int, int]:
    """(straight-HTML blocks, node blocks) under the milestones of a resolved page."""
    doctree = resolved_doctree(app.env, docname, app.builder)
    mine = ("ldm503-required-by", "ldm503-meta", "ldm503-critical-path")
    fast = sum(1 for n in doctree.findall(html_block) if set(mine) & set(n["classes"]))
    slow = sum(1 for n in doctree.findall(nodes.Element)
               if not isinstance(n, html_block) and set(mine) & set(n["classes"]))
    return fast, slow


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_html_pages_use_the_straight_path(app) -> None:
    app.build()
    # dates, other facts, critical path, required by
    assert _doctree_paragraphs(app, "later") == (4, 0)
    html = (Path(app.outdir) / "early.html").read_text(encoding="utf-8")
    # early.rst's LDM-503-02 is required by later.rst's LDM-503-07: linked, titled.
    assert ('<p class="ldm503-required-by no-search"><strong>Required by: </strong>'
            '<a class="reference internal" href="later.html#ms-ldm-503-07" '
            'title="LDM-503-07: Camera Data Processing"><span><span class="ldm503-whole">'
            'LDM-503-07</span>: Camera Data Processing</span></a></p>') in html


@pytest.mark.sphinx("text", testroot="basic", freshenv=True)
def test_other_builders_get_nodes(app) -> None:
    app.build()
    assert _doctree_paragraphs(app, "later") == (0, 4)  # the facts on two lines there too
    assert "Required by: LDM-503-07" in (Path(app.outdir) / "early.txt").read_text()
    later = (Path(app.outdir) / "later.txt").read_text()
    # Plain names in text (no asterisks), status first.
    assert "completed Due\u00a02019-08-30 \u00b7 Forecast\u00a02019-01-17" in later
    assert "*" not in later.split("Due", 1)[1].split("\n", 1)[0]


def _own_links(app) -> None:
    class OwnLinks(HTML5Translator):
        def visit_reference(self, node: nodes.Element) -> None:
            super().visit_reference(node)

    app.set_translator("html", OwnLinks, override=True)


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_a_translator_of_its_own_gets_nodes(make_app, app_params) -> None:
    args, kwargs = app_params
    app = make_app(*args, **kwargs)
    _own_links(app)
    app.build()
    assert _doctree_paragraphs(app, "later") == (0, 4)
    assert 'href="later.html#ms-ldm-503-07"' in (Path(app.outdir) / "early.html").read_text(
        encoding="utf-8")


ROWS = st.lists(
    st.tuples(CLASSES, st.lists(st.lists(ITEMS, max_size=3).map(tuple), min_size=3,
                                max_size=3).map(tuple)),
    max_size=5).map(tuple)


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_straight_rows_equal_the_translators_rows(app) -> None:
    """A milestone table's rows written in one go (html_rows) are the bytes the
    translator writes for the same table made of nodes."""
    from sphinxext_ldm503.features.report import make_table

    app.build()  # the builder's writer settings
    columns = ("ldm503-col-id", "ldm503-col-title", "ldm503-col-due")

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(rows=ROWS, targets=st.lists(TARGET, min_size=16, max_size=16))
    def check(rows, targets) -> None:
        places = iter(targets)
        by_id: dict[str, tuple[str | None, str | None, str]] = {}

        def target(milestone_id: str):
            return by_id.setdefault(milestone_id, next(places))

        fast_rows = to_html_rows(rows, columns, target)
        assert fast_rows is not None
        fast = make_table(["ID", "Title", "Due"], [], [12, 34, 10], ["ldm503-table"],
                          list(columns))
        body = fast.next_node(nodes.tbody)
        assert body is not None
        body += fast_rows

        def link(ms_id: str, content: nodes.Element | None) -> nodes.Element:
            assert content is not None
            return reference_to(by_id[ms_id], content)

        slow = make_table(["ID", "Title", "Due"], [
            ([[to_nodes(Para((), items), link)] if items else [] for items in cells],
             list(classes)) for classes, cells in rows], [12, 34, 10], ["ldm503-table"],
            list(columns))
        assert _written(app, fast, nodes.section()) == _written(app, slow, nodes.section())

    check()
    assert rows_allowed(HTML5Translator)

    class OwnCells(HTML5Translator):
        def visit_entry(self, node: nodes.Element) -> None:
            super().visit_entry(node)

    assert html_allowed(OwnCells) and not rows_allowed(OwnCells)


def test_no_html_rows_when_a_link_cannot_be_placed() -> None:
    rows = (((), (("x",), (MsLink("CAMM8040"),))),)
    assert to_html_rows(rows, (), lambda ms_id: None) is None
