"""Milestones declared inside ``.. only::``: a located warning for builders that drop them.

The plan is the same for every builder (the domain reads each document once),
but Sphinx drops the content of an ``only`` block whose expression is false for
the builder's tags when it writes the page. A milestone declared there is
still in the plan, so links, diagrams and tables point at an anchor the page
does not have, silently. Each such milestone is recorded while reading, with
the expressions of the ``only`` blocks around it; when a builder starts
writing, every one its tags drop is named, located at its declaration.

Finding them costs nothing for the documents without ``only``: only a source
that mentions it (a cheap text search in ``source-read``/``include-read``) has
its doctree walked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx import addnodes

from ..core.model import Location
from .compat import document_scratch, toc_parts
from .diagnostics import source_location, warn
from .domain import get_domain

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder

#: ``.. only::`` in reStructuredText, ``{only}`` in MyST.
_MENTIONS_ONLY = re.compile(r"only::|\{only\}")
_FLAG = "ldm503-mentions-only"

#: One declaration inside ``only``: (ID, the ``only`` expressions around it, outermost
#: first, and where it is declared).
Conditional = tuple[str, tuple[str, ...], Location]


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if _MENTIONS_ONLY.search(source[0]):
        document_scratch(app.env)[_FLAG] = True


def on_include_read(app: Sphinx, relative_path: Any, parent_docname: str,
                    content: list[str]) -> None:
    if _MENTIONS_ONLY.search(content[0]):
        document_scratch(app.env)[_FLAG] = True


def declared_inside_only(doctree: nodes.document, docname: str, doc_path: Any
                         ) -> list[Conditional]:
    """The milestones a doctree declares inside ``only`` blocks, with their expressions."""
    found: list[Conditional] = []
    seen: set[int] = set()
    for only in doctree.findall(addnodes.only):
        for sig in only.findall(addnodes.desc_signature):
            if "ldm503-signature" not in sig["classes"] or id(sig) in seen or not sig["ids"]:
                continue  # not ours, already found, or a :no-index: copy (declares nothing)
            seen.add(id(sig))
            exprs: list[str] = []
            parent: nodes.Node | None = sig.parent
            while parent is not None:
                if isinstance(parent, addnodes.only):
                    exprs.append(parent["expr"])
                parent = parent.parent
            (ms_id,) = toc_parts(sig)
            found.append((ms_id, tuple(reversed(exprs)),
                          source_location(docname, doc_path, sig.source, sig.line)))
    return found


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    if not document_scratch(env).get(_FLAG):
        return
    docname = env.docname
    found = declared_inside_only(doctree, docname, env.doc2path(docname))
    if found:
        get_domain(env).data["conditional"][docname] = found


def dropped(builder: Builder, exprs: tuple[str, ...]) -> bool:
    """Whether the builder's tags leave out an ``only`` block nested as ``exprs``.

    An expression Sphinx cannot evaluate keeps its content (Sphinx warns about it).
    """
    for expr in exprs:
        try:
            if not builder.tags.eval_condition(expr):
                return True
        except Exception:  # kept, as sphinx.util.nodes.process_only_nodes keeps it
            continue
    return False


def on_write_started(app: Sphinx, builder: Builder) -> None:
    """Name every milestone this builder leaves out, at its declaration."""
    domain = get_domain(app.env)
    if domain.build.conditional_named:  # once per build
        return
    domain.build.conditional_named = True
    for docname in sorted(domain.data["conditional"]):
        for ms_id, exprs, location in domain.data["conditional"][docname]:
            if dropped(builder, exprs):
                condition = " and ".join(f"'{e}'" for e in exprs)
                warn(f"milestone {ms_id} is declared inside '.. only::' ({condition}), which "
                     f"the {builder.name} builder leaves out: links, diagrams and tables "
                     "point at a milestone that is not on its page; declare it outside "
                     "'only' (a ':no-index:' copy may go inside)", "invalid", location)


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    """A build with nothing to write: Sphinx 8.1 then never starts writing (no
    ``write-started``; 8.2 and later do), and the published pages still have the
    problem, so it is named all the same."""
    if exception is None:
        on_write_started(app, app.builder)


def setup(app: Sphinx) -> None:
    app.connect("source-read", on_source_read)
    app.connect("include-read", on_include_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("write-started", on_write_started)
    # Before the domain forgets this build's values (priority 999).
    app.connect("build-finished", on_build_finished)
