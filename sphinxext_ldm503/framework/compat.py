"""Where supported Sphinx versions differ, in one place.

We support Sphinx 8.1 to 9 (the version matrix in ``noxfile.py`` tests the ends). Feature
code never asks which Sphinx it runs on: it calls one of these functions, and each one
says which versions behave which way and why we need it. ``tests/test_compat.py`` pins
every difference, so that a new Sphinx that changes one of them fails loudly there
instead of degrading silently in a feature.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple

import sphinx

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

#: (major, minor) of the running Sphinx.
SPHINX_VERSION: tuple[int, int] = (sphinx.version_info[0], sphinx.version_info[1])

#: Sphinx 8.2 added the ``no-search`` class (nodes the search index leaves out). Before
#: it, :func:`keep_no_search_out_of_index` takes them out around the indexing itself.
SEARCH_KNOWS_NO_SEARCH: bool = SPHINX_VERSION >= (8, 2)


def image_paths(relfn: str | os.PathLike[str], outfn: str | os.PathLike[str],
                ) -> tuple[PurePosixPath, Path]:
    """``sphinx.ext.graphviz.render_dot``'s two paths, as paths on every version.

    Sphinx 8.1 returns ``str`` (a URI-style relative name and an output file name);
    Sphinx 8.2 and 9 return path objects (``_StrPath``). The first is the image's name
    relative to the page (always ``/``-separated), the second the file on disk.
    """
    return PurePosixPath(os.fspath(relfn).replace(os.sep, "/")), Path(outfn)


def resolved_doctree(env: BuildEnvironment, docname: str, builder: Builder) -> nodes.document:
    """A document's doctree with references resolved, as the builder would write it.

    Sphinx 9 wants the builder's ``tags`` passed (and deprecates the call without them);
    Sphinx 8.1 and 8.2's ``get_and_resolve_doctree`` take no ``tags`` argument.
    """
    if RESOLVE_TAKES_TAGS:
        return env.get_and_resolve_doctree(docname, builder, tags=builder.tags)
    return env.get_and_resolve_doctree(docname, builder)


class InventoryEntry(NamedTuple):
    """What we read of one intersphinx inventory entry."""

    uri: str
    display_name: str


def inventory_entry(item: Any) -> InventoryEntry:
    """One intersphinx inventory entry, the same on every version.

    Sphinx 8.1 keeps entries as ``(project, version, uri, display name)`` tuples;
    Sphinx 8.2 and later as ``_InventoryItem`` objects with named attributes.
    """
    if isinstance(item, tuple):
        return InventoryEntry(str(item[2]), str(item[3]))
    return InventoryEntry(str(item.uri), str(item.display_name))


def report_messages(translator: Any, node: nodes.Element) -> None:
    """What docutils' HTML writer does after a paragraph: write its system messages.

    docutils 0.21 and later write the system messages collected in a block after it
    (``HTMLTranslator.report_messages``); 0.20 has no such step and writes them where
    they stand. Code that reproduces the writer's output calls this where
    the writer would.
    """
    report = getattr(translator, "report_messages", None)
    if report is not None:
        report(node)


def forget_loaded_doctrees(env: BuildEnvironment, docnames: list[str]) -> None:
    """Drop the doctrees an application kept from its last build of ``docnames``.

    Sphinx (8.1 to 9) keeps every pickled doctree it loads in the private
    ``env._pickled_doctree_cache`` for the application's life and never drops those of
    documents it reads again. An application kept and built again (an editor's
    preview) would then write a page that was not read again but is rewritten (as
    this extension rewrites every page whose "Required by" or diagrams changed) from
    that document's first doctree. Without the attribute (another Sphinx) nothing is
    done; ``tests/test_compat.py`` pins that it is there.
    """
    cache = getattr(env, "_pickled_doctree_cache", None)
    if isinstance(cache, dict):
        for docname in docnames:
            cache.pop(docname, None)


def written_doctree(env: BuildEnvironment, docname: str, *,
                    keep: bool = False) -> nodes.document:
    """The doctree the writer will take for ``docname``, without reading it twice.

    Sphinx (8.1 to 9) keeps the doctrees of documents read in this build in the
    private ``env._write_doc_doctree_cache`` until they are written; others are
    unpickled. Without the attribute (another Sphinx) every doctree is unpickled:
    slower, the same result. ``tests/test_compat.py`` pins the attribute.

    ``keep``: for a page about to be written, a doctree unpickled here is left in
    that cache, where the writer takes it (``get_and_resolve_doctree``) instead of
    unpickling it once more: a page rewritten because another document's data
    changed is loaded once, not twice (15 ms each at 50 milestones a page). Only
    for a caller that leaves the doctree as it found it.
    """
    cache = getattr(env, "_write_doc_doctree_cache", None)
    found = cache.get(docname) if isinstance(cache, dict) else None
    if found is not None:
        return found
    doctree = env.get_doctree(docname)
    if keep and isinstance(cache, dict):
        cache[docname] = doctree
    return doctree


def keep_no_search_out_of_index(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """On Sphinx 8.1, have the HTML search index skip ``no-search`` nodes as 8.2 does.

    Connected to ``doctree-resolved`` on Sphinx 8.1 only (``SEARCH_KNOWS_NO_SEARCH``):
    8.1 has no event between creating the builder's ``IndexBuilder`` and feeding it a
    page, so this wraps that one object's ``feed`` (not the class: other builders and
    processes are untouched). The wrapper detaches the outermost ``no-search`` nodes
    while the page is indexed and puts them back, so the page is still written whole.
    """
    indexer = getattr(app.builder, "indexer", None)
    if indexer is None or getattr(indexer.feed, "ldm503_skips_no_search", False):
        return
    original = indexer.feed

    def feed(pagename: str, filename: str, title: str, doctree: nodes.document) -> None:
        from docutils import nodes as docutils_nodes

        taken = []
        for node in list(doctree.findall(docutils_nodes.Element)):
            if "no-search" in node["classes"] and node.parent is not None:
                parent = node.parent
                index = parent.index(node)
                taken.append((parent, index, node))
                del parent[index]
        try:
            original(pagename, filename, title, doctree)
        finally:
            for parent, index, node in reversed(taken):
                parent.insert(index, node)

    feed.ldm503_skips_no_search = True  # type: ignore[attr-defined]
    indexer.feed = feed


def document_scratch(env: BuildEnvironment) -> Any:
    """Per-document scratch space while a document is read (a mapping).

    Sphinx 8.2 added the public ``env.current_document``; 8.1 has ``env.temp_data``
    (an alias in 8.2 and 9, deprecated). Both take ``get``/``setdefault``/item access.
    """
    current = getattr(env, "current_document", None)
    return current if current is not None else env.temp_data


@contextlib.contextmanager
def reading_as(env: BuildEnvironment, docname: str) -> Iterator[None]:
    """``env.docname`` is ``docname`` meanwhile (the dry run renders pages that are not
    being read: transforms and references ask ``env.docname``). The public
    ``env.docname`` is read-only; the scratch space's ``docname`` entry is what it
    returns on every supported Sphinx (pinned in tests/test_compat.py)."""
    scratch = document_scratch(env)
    previous = scratch.get("docname")
    scratch["docname"] = docname
    try:
        yield
    finally:
        if previous is None:
            scratch.pop("docname", None)
        else:
            scratch["docname"] = previous


def set_toc_entry(sig: nodes.Element, parts: tuple[str, ...], name: str) -> None:
    """How a ``desc_signature`` shows in the page contents and the sidebar.

    Sphinx's TocTreeCollector (7.1 to 9) reads ``_toc_parts`` and ``_toc_name`` off
    signatures that ``ObjectDescription`` fills in; ours are made by hand, so they are
    filled here. Pinned in tests/test_compat.py (a renamed key would drop every
    milestone from the contents without a word).
    """
    sig["_toc_parts"] = parts
    sig["_toc_name"] = name


def toc_parts(sig: nodes.Element) -> tuple[str, ...]:
    """What :func:`set_toc_entry` put on ``sig`` (empty for someone else's signature)."""
    return tuple(sig.get("_toc_parts") or ())


def suppress_logging() -> Any:
    """Sphinx's context manager that keeps log records (warnings included) back and
    hands them over on exit (``sphinx.util.logging.suppress_logging``; not in Sphinx's
    documented API, stable from 1.x to 9)."""
    from sphinx.util import logging

    return logging.suppress_logging()


def latex_section_names(translator: Any) -> list[str]:
    """The LaTeX sectioning commands of the document class, outermost first
    (``LaTeXTranslator.sectionnames``, set from the theme since Sphinx 1.x)."""
    return list(translator.sectionnames)


def latex_page_ref(translator: Any, target: str) -> str:
    """Sphinx's own page reference (``\\pageref`` with hyperref), as
    ``latex_show_pagerefs`` prints it (``LaTeXTranslator.hyperpageref``)."""
    return str(translator.hyperpageref(target))


def latex_replace_closing(translator: Any, closing: str) -> None:
    """Replace what the translator will write when the element being visited ends (the
    top of ``LaTeXTranslator.context``, pushed by ``visit_figure`` for its
    ``\\end{figure}``)."""
    translator.context[-1] = closing


def _accepts_tags() -> bool:
    from sphinx.environment import BuildEnvironment

    return "tags" in inspect.signature(BuildEnvironment.get_and_resolve_doctree).parameters


RESOLVE_TAKES_TAGS: bool = _accepts_tags()


def fall_back_to_format_visitors(app: Sphinx) -> None:
    """Give a builder that writes its format under a name of its own (``epub`` writes
    HTML) the format's visitors of every node that has none for that name.

    Sphinx looks a node's visitors up by the builder's name, and only when no extension
    registered any visitor for that name does it take the format's. sphinx-data-viewer
    (which sphinx-needs loads) registers one node for ``epub``: from then on an EPUB
    build had no visitor for any other extension's HTML node (ours,
    sphinx.ext.graphviz's) and stopped with ``NotImplementedError``. A visitor
    registered for the name itself is kept. ``SphinxComponentRegistry.translation_handlers``
    is no public API: Sphinx 8.1 to 9 keep it as {builder name or format: {node class
    name: (visit, depart)}} (test_compat pins it); anything else leaves it alone.
    """
    builder = app.builder
    handlers = getattr(app.registry, "translation_handlers", None)
    if not isinstance(handlers, dict) or builder.name == builder.format:
        return
    own, fallback = handlers.get(builder.name), handlers.get(builder.format)
    if isinstance(own, dict) and isinstance(fallback, dict):
        for node_name, visitors in fallback.items():
            own.setdefault(node_name, visitors)


def setup(app: Sphinx) -> None:
    """Connect the shims the running Sphinx needs."""
    if not SEARCH_KNOWS_NO_SEARCH:
        app.connect("doctree-resolved", keep_no_search_out_of_index)
    app.connect("builder-inited", fall_back_to_format_visitors)
