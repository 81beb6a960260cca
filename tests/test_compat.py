"""Pins of every Sphinx and docutils difference that sphinxext_ldm503.framework.compat bridges.

Each test states which versions behave which way. When a supported release changes one
of them, the pin fails here, loudly, instead of a feature degrading quietly: then the
shim in compat.py and its docstring are updated together.
"""

from __future__ import annotations

import inspect
from pathlib import Path, PurePosixPath

import docutils
import pytest
import sphinx
from docutils import nodes
from docutils.writers._html_base import HTMLTranslator
from sphinx.environment import BuildEnvironment
from sphinx.ext.graphviz import render_dot
from sphinx.search import WordCollector

from sphinxext_ldm503.framework import compat

DOCUTILS = tuple(int(part) for part in docutils.__version__.split(".")[:2])


def test_render_dot_returns_strings_before_8_2_and_paths_after() -> None:
    annotation = str(inspect.signature(render_dot).return_annotation)
    if compat.SPHINX_VERSION < (8, 2):
        assert annotation == "tuple[str | None, str | None]"
    else:
        assert "_StrPath" in annotation


@pytest.mark.parametrize("as_given", [str, Path])
def test_image_paths_are_paths_whatever_render_dot_gave(as_given) -> None:
    relfn, outfn = compat.image_paths(as_given("_images/a.svg"), as_given("/out/_images/a.svg"))
    assert relfn == PurePosixPath("_images/a.svg") and relfn.as_posix() == "_images/a.svg"
    assert outfn == Path("/out/_images/a.svg")


def test_get_and_resolve_doctree_takes_tags_from_sphinx_9() -> None:
    takes = "tags" in inspect.signature(BuildEnvironment.get_and_resolve_doctree).parameters
    assert takes == (compat.SPHINX_VERSION >= (9, 0))
    assert takes == compat.RESOLVE_TAKES_TAGS


def test_inventory_entries_are_tuples_before_8_2() -> None:
    import sphinx.util.inventory as inventory

    assert hasattr(inventory, "_InventoryItem") == (compat.SPHINX_VERSION >= (8, 2))
    entry = ("Project", "1.0", "page.html#ms-a", "A: title")
    assert compat.inventory_entry(entry) == ("page.html#ms-a", "A: title")
    if compat.SPHINX_VERSION >= (8, 2):
        item = inventory._InventoryItem(project_name="Project", project_version="1.0",
                                        uri="page.html#ms-a", display_name="A: title")
        assert compat.inventory_entry(item) == ("page.html#ms-a", "A: title")


def test_the_search_index_skips_no_search_nodes_from_8_2() -> None:
    knows = "no-search" in inspect.getsource(WordCollector)
    assert knows == compat.SEARCH_KNOWS_NO_SEARCH == (compat.SPHINX_VERSION >= (8, 2))


def test_docutils_reports_a_blocks_messages_after_it_from_0_21() -> None:
    assert hasattr(HTMLTranslator, "report_messages") == (DOCUTILS >= (0, 21))

    class Writer:
        def __init__(self) -> None:
            self.seen: list[nodes.Node] = []

        def report_messages(self, node: nodes.Node) -> None:
            self.seen.append(node)

    paragraph = nodes.paragraph()
    writer = Writer()
    compat.report_messages(writer, paragraph)
    assert writer.seen == [paragraph]
    compat.report_messages(object(), paragraph)  # 0.20: nothing to do


def test_the_translator_class_is_public_api() -> None:
    from sphinx.builders import Builder

    assert callable(Builder.get_translator_class)


def test_the_declared_sphinx_range_is_the_running_one() -> None:
    """pyproject.toml declares Sphinx 8.1 to 9: a lane outside it is a mistake."""
    assert (8, 1) <= compat.SPHINX_VERSION < (10, 0), sphinx.__version__


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_pages_that_only_link_to_a_milestone_are_not_found_for_its_title(app) -> None:
    """On every Sphinx (8.1 through the shim): "Required by" lists are not searched."""
    import json

    app.build()
    index = (Path(app.outdir) / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(index[index.index("(") + 1:index.rindex(")")])
    pages = terms["terms"]["camera"]
    found = {terms["docnames"][i] for i in ([pages] if isinstance(pages, int) else pages)}
    assert "later" in found and "early" not in found
    # The page itself still shows the list the index left out.
    early = (Path(app.outdir) / "early.html").read_text(encoding="utf-8")
    assert "ldm503-required-by" in early and "Camera Data Processing" in early


@pytest.mark.sphinx("epub", testroot="basic", freshenv=True)
def test_visitors_are_kept_by_builder_name_then_format(app) -> None:
    """``registry.translation_handlers`` (Sphinx 8.1 to 9): {builder name or format:
    {node class name: (visit, depart)}}, the name's table taken whole when there is
    one. compat.fall_back_to_format_visitors fills an ``epub`` table another extension
    made with the ``html`` visitors it lacks, keeping its own."""
    from sphinx.ext.graphviz import graphviz

    handlers = app.registry.translation_handlers
    assert isinstance(handlers["html"], dict) and "graphviz" in handlers["html"]
    visit, _depart = handlers["html"]["ldm503_diagram"]
    assert callable(visit)
    own = (lambda self, node: None, None)
    app.add_node(graphviz, override=True, epub=own)  # as sphinx-data-viewer does for its node
    # The table Sphinx takes whole for this builder (test_needs builds an EPUB with it).
    assert set(handlers["epub"]) == {"graphviz"}
    compat.fall_back_to_format_visitors(app)
    assert handlers["epub"]["graphviz"] == own
    assert handlers["epub"]["ldm503_diagram"] == handlers["html"]["ldm503_diagram"]
    assert set(handlers["epub"]) == set(handlers["html"])


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_the_doctree_cache_of_a_kept_application_is_sphinxs_private_dict(app) -> None:
    """``env._pickled_doctree_cache`` (Sphinx 8.1 to 9): compat.forget_loaded_doctrees
    trims it; without it an application built again writes pages from stale doctrees
    (tests/test_autobuild.py shows that)."""
    app.build()
    cache = app.env._pickled_doctree_cache
    assert isinstance(cache, dict)
    app.env.get_doctree("early")
    assert "early" in cache
    compat.forget_loaded_doctrees(app.env, ["early", "never-read"])
    assert "early" not in cache


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_documents_read_in_a_build_wait_in_sphinxs_private_write_cache(app) -> None:
    """``env._write_doc_doctree_cache`` (Sphinx 8.1 to 9) holds what this build read
    until it is written; compat.written_doctree takes it from there."""
    seen: dict[str, bool] = {}

    def on_write_started(app, builder) -> None:
        cache = app.env._write_doc_doctree_cache
        seen["cached"] = isinstance(cache, dict) and "early" in cache
        seen["same"] = compat.written_doctree(app.env, "early") is cache.get("early")

    app.connect("write-started", on_write_started)
    app.build()
    assert seen == {"cached": True, "same": True}
    assert compat.written_doctree(app.env, "early").astext()  # unpickled when not cached


def test_the_document_scratch_space_is_current_document_from_8_2() -> None:
    """``env.current_document`` (public from 8.2) or ``env.temp_data`` (8.1): both a
    mapping whose ``docname`` entry is what ``env.docname`` returns, which
    compat.reading_as relies on while the dry run renders pages that are not read."""
    from sphinx.environment import BuildEnvironment

    env = BuildEnvironment.__new__(BuildEnvironment)
    if compat.SPHINX_VERSION >= (8, 2):
        from sphinx.environment import _CurrentDocument

        env.current_document = _CurrentDocument()
        scratch = compat.document_scratch(env)
        assert scratch is env.current_document
    else:
        env.temp_data = {}
        scratch = compat.document_scratch(env)
        assert scratch is env.temp_data
    with compat.reading_as(env, "chapter"):
        assert env.docname == "chapter"
        scratch["ldm503:flag"] = True
        assert scratch.get("ldm503:flag") is True
    assert not scratch.get("docname")


@pytest.mark.sphinx("html", testroot="basic", freshenv=True)
def test_sphinx_reads_our_signatures_contents_keys(app) -> None:
    """Sphinx's TocTreeCollector (7.1 to 9) takes a signature's contents entry from
    ``_toc_name``; ``_toc_parts`` is where ObjectDescription documents the parts of a
    name (compat.set_toc_entry sets both). Renamed, every milestone would leave the
    page contents without a word."""
    from sphinx.directives import ObjectDescription
    from sphinx.environment.collectors.toctree import TocTreeCollector

    assert "_toc_name" in inspect.getsource(TocTreeCollector)
    assert "_toc_parts" in inspect.getsource(ObjectDescription)
    app.build()
    toc = app.env.tocs["early"].astext()
    assert "LDM-503-02" in toc and "HSC reprocessing" in toc


def test_suppress_logging_and_the_latex_translator_attributes_exist() -> None:
    """The remaining internals: ``sphinx.util.logging.suppress_logging`` (the dry run
    keeps each diagram's warnings back), and the LaTeX translator's ``sectionnames``,
    ``hyperpageref`` and ``context`` (contents lines, page references, sideways figures)."""
    from sphinx.util import logging
    from sphinx.writers.latex import LaTeXTranslator

    with compat.suppress_logging() as memory:
        logging.getLogger("ldm503-test").warning("kept back")
    assert [r.getMessage() for r in memory.clear()] == ["kept back"]
    assert callable(logging.suppress_logging)
    assert callable(LaTeXTranslator.hyperpageref)
    init = inspect.getsource(LaTeXTranslator.__init__)
    assert "self.sectionnames" in init and "self.context" in init
