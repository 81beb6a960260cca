"""Draw every diagram of a build in a few ``dot`` processes before pages are written.

``sphinx.ext.graphviz`` renders each diagram when its page is written, one
``dot`` process per diagram, unless the image file it would write already exists
(its name is a hash of the DOT source and options). So just before writing
starts, this module works out the DOT source of every diagram on the pages about
to be written, exactly as the post-transform will (it runs the same renderer
over the stored doctrees, with logging silenced), renders the missing ones
through :mod:`.batchdot`, and leaves them under the names Sphinx will look for.
Sphinx then finds every image in place and runs no ``dot`` at all. For HTML the
batches also leave the SVG as each page inlines it (:func:`inlined`), so the
page's writer only reads it.

For a large HTML build that dry run, and the drawing, happen in a forked copy of
the process (:mod:`.prefork`), which hands them over in chunks while the first
pages are written (:func:`_receive`).

This is purely a speed-up: a diagram missed here (a page not foreseen, a batch
that failed) is rendered by sphinx.ext.graphviz as before. A test pins the file
naming, so a Sphinx release that changes it fails loudly instead of silently
rendering everything twice.
"""

from __future__ import annotations

import logging as std_logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from docutils import nodes
from sphinx.ext.graphviz import graphviz
from sphinx.util import logging
from sphinx.util.nodes import inline_all_toctrees

from ..features.images import DRAWN_AS, image_name, image_path, relink_dirs
from ..framework import guard
from ..framework import nodes as ldm_nodes
from ..framework.compat import reading_as, suppress_logging, written_doctree
from ..framework.domain import get_domain
from . import batchdot, prefork

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.environment import BuildEnvironment

    from ..framework.domain import MilestoneDomain

#: The image format sphinx.ext.graphviz uses, by builder format.
FORMATS = {"html": None, "latex": "pdf", "texinfo": "png"}


def image_format(builder: Builder) -> str | None:
    if builder.format not in FORMATS:
        return None
    if builder.format == "html":
        fmt = builder.config.graphviz_output_format
        return fmt if fmt in ("svg", "png") else None
    return FORMATS[builder.format]


class _TransformStandIn:
    """What the diagram renderer reads of its post-transform (builder, config, env), for
    a page not yet written: the dry run renders with this in the transform's place."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self.config = builder.config
        self.env = builder.env


@dataclass
class Drawing:
    """The batches of this build under way: what the pages wait for while written."""

    pending: batchdot.Pending
    #: page -> the images its diagrams show (a page waits for those only)
    targets: dict[str, set[Path]] = field(default_factory=dict)
    #: pages whose images are known to be drawn
    ready: set[str] = field(default_factory=set)
    #: with a forked copy: pages it has not handed over yet, and what it needs
    forked: prefork.Forked | None = None
    unseen: set[str] = field(default_factory=set)
    builder: Builder | None = None
    fmt: str = "svg"
    program: str = "dot"
    diagrams: int = 0
    parallel: bool = False


@dataclass
class DryRun:
    """The speed layer's answer to :class:`..framework.state.PreparedDrawings`: the
    placeholders rendered ahead of their pages and the batches drawing their images.
    Kept in the domain's :class:`..framework.state.BuildState` for one build."""

    domain: MilestoneDomain
    #: placeholder key -> (its nodes, the warnings its rendering gave)
    prerendered: dict[tuple[Any, ...], tuple[list[nodes.Node], list[Any]]] = field(
        default_factory=dict)
    fork_tried: bool = False
    drawing: Drawing | None = None
    #: The plan's inputs when the forked copy started (at env-updated, before other
    #: extensions' later handlers); None when the dry run ran at write-started.
    forked_from: str | None = None
    stale: bool = False

    def take(self, docname: str, index: int,
             node: nodes.Element) -> list[nodes.Node] | None:
        if self.forked_from is not None:
            # Checked once, at the first page written: a plan changed after the fork (a
            # later env-updated handler added milestones, say) makes every diagram the
            # copy made stale, so each is made again as its page is written (the copy
            # is stopped with the build, its drawings unused).
            self.stale = self.domain.inputs_digest() != self.forked_from
            self.forked_from = None
            if self.stale:
                self.prerendered.clear()
                logging.getLogger(__name__).verbose(
                    "ldm503: the plan changed after the diagrams' copy was forked; "
                    "its diagrams are made again")
        if self.stale:
            return None
        return take_prerendered(self.domain, docname, index, node)

    def inlined(self, builder: Builder, outfn: Path | str, imgpath: str,
                prefix: str) -> str | None:
        return inlined(builder, outfn, imgpath, prefix)


def dry_run_state(domain: MilestoneDomain) -> DryRun:
    """This build's :class:`DryRun`, made on first use and offered to the features."""
    prepared = domain.build.prepared
    if not isinstance(prepared, DryRun):
        prepared = domain.build.prepared = DryRun(domain)
    return prepared


def pages_to_write(builder: Builder, domain: MilestoneDomain) -> set[str]:
    """The pages this build will write that may hold diagrams.

    What Sphinx re-read, what the domain found outdated by other documents' data,
    and what the builder itself considers outdated (a new output directory).
    """
    outdated: Any = builder.get_outdated_docs()
    pages = set(builder.env.found_docs) if isinstance(outdated, str) else set(outdated)
    if _assembled(builder) is not None:  # whole books are assembled and written every time
        return pages if domain.data["diagrams"] else set()
    pages |= set(domain.build.read_docs)
    pages |= set(domain.build.outdated_by_others)
    return pages & set(domain.data["diagrams"]) & set(builder.env.found_docs)


def _assembled(builder: Builder) -> tuple[list[tuple[str, bool]], list[str]] | None:
    """For a builder that writes documents assembled from their toctrees (LaTeX,
    texinfo, singlehtml): each output's start document (and whether only its toctree
    is taken), and the appendices; None for a builder that writes page by page."""
    config = builder.config
    if builder.format == "latex":
        return ([(entry[0], len(entry) > 5 and bool(entry[5]))
                 for entry in config.latex_documents], list(config.latex_appendices))
    if builder.name == "texinfo":
        return ([(entry[0], len(entry) > 7 and bool(entry[7]))
                 for entry in config.texinfo_documents], list(config.texinfo_appendices))
    if builder.name == "singlehtml":
        return [(config.root_doc, False)], []
    return None


def _doctrees(builder: Builder, pages: set[str], *,
              keep: bool = True) -> Iterator[tuple[str, nodes.document]]:
    """The doctrees the post-transforms will see, with the page they are resolved for.

    One per page for HTML; for LaTeX, texinfo and singlehtml, each output document
    assembled from its toctree as the builder assembles it, so diagrams are
    numbered and named alike (drawn per page, they would be drawn twice). ``keep``:
    a page's doctree loaded here is left for its writer (not in the forked copy,
    which writes no page).
    """
    env = builder.env
    assembled = _assembled(builder)
    if assembled is None:
        # Documents read in this build are still in memory for the writer; the others
        # are left there for it once loaded (the dry run changes no doctree).
        for docname in sorted(pages):
            yield docname, written_doctree(env, docname, keep=keep)
        return
    starts, appendices = assembled
    for docname, toctree_only in starts:
        if docname not in env.found_docs or toctree_only:
            continue  # toctree_only documents are left to Sphinx
        tree = inline_all_toctrees(builder, {docname, *appendices}, docname,
                                   env.get_doctree(docname), str, [docname])
        for appendix in appendices:
            tree.append(env.get_doctree(appendix))
        yield docname, tree


class PageDiagrams(NamedTuple):
    """What the dry run found on one page: its rendered diagrams and their images."""

    docname: str
    #: memo key -> (the placeholder's rendered nodes, the warnings it gave)
    rendered: dict[tuple[Any, ...], tuple[list[nodes.Node], list[Any]]]
    #: (image file, DOT source, the inlined form the page shows or None)
    images: list[tuple[Path, str, tuple[str, str] | None]]


def dry_run_pages(builder: Builder, domain: MilestoneDomain, fmt: str,
                  pages: set[str], *, writes: bool = True) -> Iterator[PageDiagrams]:
    """Render the diagrams of ``pages`` as the post-transform will, page by page in
    page order, with logging silenced (each placeholder's warnings are kept and
    replayed when the page's post-transform takes the result: printed once, in
    page order). ``writes``: this process writes the pages (not the forked copy)."""
    from ..features.diagrams import render_graph

    env: BuildEnvironment = builder.env
    outdir = Path(builder.outdir) / getattr(builder, "imagedir", "")
    stand_in = _TransformStandIn(builder)
    with suppress_logging():
        for docname, doctree in _doctrees(builder, pages, keep=writes):
            with reading_as(env, docname):
                imgpath = image_path(builder, docname) if fmt == "svg" else ""
                page = PageDiagrams(docname, {}, [])
                for index, node in enumerate(_placeholders(domain, docname, doctree)):
                    with suppress_logging() as captured:
                        results = render_graph(stand_in, node, domain, index)  # type: ignore[arg-type]
                    page.rendered[_memo_key(docname, index, node)] = (results, captured.clear())
                    for result in results:
                        for image in result.findall(graphviz):
                            target = outdir / image_name(builder, image["code"],
                                                         image["options"], fmt)
                            # The page's writer need not work the name out again.
                            image[DRAWN_AS] = str(target)
                            # What web.html_visit_inline will write into the page.
                            variant = ((imgpath, image["svg_id"])
                                       if fmt == "svg" and image.get("svg_id") else None)
                            page.images.append((target, image["code"], variant))
                yield page


def _placeholders(domain: MilestoneDomain, docname: str,
                  doctree: nodes.document) -> list[nodes.Element]:
    """The page's diagram placeholders, in document order.

    Those found when the document was read, if it is that very doctree: a forked
    copy walking every node of every page writes each one's reference count, and
    so copies the memory they sit on (at 2,000 diagrams this saved little, some
    8 MiB of the copy's 140; where the rest goes was not measured).
    """
    known = domain.build.placeholders.get(docname)
    if known and all(node.document is doctree for node in known):
        return known
    return list(doctree.findall(ldm_nodes.milestone_graph))


class JobSet:
    """The batch jobs of the pages seen so far: each image once, with every page's
    inlined form of it."""

    def __init__(self, builder: Builder, fmt: str) -> None:
        self.builder, self.fmt = builder, fmt
        self.codes: dict[Path, str] = {}
        self.page_of: dict[Path, set[str]] = {}
        self.inline: dict[Path, dict[tuple[str, str], None]] = {}
        self._relinks: dict[str, tuple[str, str]] = {}

    def add(self, page: PageDiagrams) -> None:
        for target, code, variant in page.images:
            self.codes.setdefault(target, code)
            self.page_of.setdefault(target, set()).add(page.docname)
            if variant is not None:
                self.inline.setdefault(target, {})[variant] = None

    def jobs(self) -> list[batchdot.Job]:
        fmt = self.fmt
        return [batchdot.Job(
            code, target,
            image_map=fmt == "png",
            # The PDF lays links over the nodes (latex.py): it needs where dot put them.
            layout=fmt == "pdf",
            relink=self._relink(min(self.page_of[target])) if fmt == "svg" else None,
            inline=tuple(self.inline.get(target, ())),
        ) for target, code in self.codes.items()]

    def _relink(self, docname: str) -> tuple[str, str]:
        if docname not in self._relinks:
            self._relinks[docname] = relink_dirs(self.builder, docname)
        return self._relinks[docname]


def collect_jobs(builder: Builder, domain: MilestoneDomain, fmt: str,
                 pages: set[str]) -> tuple[list[batchdot.Job], dict[Path, set[str]]]:
    """The diagrams of ``pages`` as batch jobs, and which pages show each image.

    The rendered placeholders are kept for the post-transform (:func:`take_prerendered`).
    """
    memo = dry_run_state(domain).prerendered
    found = JobSet(builder, fmt)
    for page in dry_run_pages(builder, domain, fmt, pages):
        memo.update(page.rendered)
        found.add(page)
    return found.jobs(), found.page_of


def _memo_key(docname: str, index: int, node: nodes.Element) -> tuple[Any, ...]:
    return (docname, index, node.get("docname"), node.line, node.get("neighbourhood"),
            node.get("legend"), repr(sorted(node["options"].items())))


def take_prerendered(domain: MilestoneDomain, docname: str, index: int,
                     node: nodes.Element) -> list[nodes.Node] | None:
    """What the dry run rendered for this placeholder (its warnings replayed), or None."""
    _receive(domain, docname)
    found = dry_run_state(domain).prerendered.pop(_memo_key(docname, index, node), None)
    if found is None:
        return None
    wait_for_images(domain, docname)
    results, records = found
    sphinx_logger = std_logging.getLogger(logging.NAMESPACE)
    for record in records:
        sphinx_logger.handle(record)
    return results


#: How many chunks the forked copy cuts a large build's dry run into (none under
#: ``2 * batchdot.MIN_BATCH`` diagrams): it starts no helper per chunk, only a ``dot``,
#: and the build waits for the first chunk (a quarter of the others' size).
FORKED_CHUNKS = 8


class Chunk(NamedTuple):
    """Some pages' share of the dry run, as the forked copy hands it over."""

    pages: list[str]
    rendered: dict[tuple[Any, ...], tuple[list[nodes.Node], list[Any]]]
    #: their diagrams, drawn (None: nothing left to draw)
    batch: batchdot.Batch | None
    #: page -> the images it shows
    targets: dict[str, list[Path]]


def _chunks(builder: Builder, domain: MilestoneDomain, fmt: str, pages: set[str],
            drawing: Drawing) -> Iterator[Chunk]:
    """The dry run of ``pages`` and the drawing of their diagrams, in the forked copy,
    in chunks of about a batch each (the first smaller: the first page waits for it).

    The copy draws each chunk itself, ``dot`` included, before handing it over: no
    helper process to start, and nothing left for the build but reading it.
    """
    # One dot at a time here, so chunks are not cut per core; fewer, larger ones
    # start fewer dot processes (~12 ms each) and pickle fewer times. PNGs are drawn
    # with every source file on dot's command line: at most MAX_FILES_PER_RUN.
    size = max(2 * batchdot.MIN_BATCH, drawing.diagrams // FORKED_CHUNKS)
    if fmt != "svg":
        size = min(size, batchdot.MAX_FILES_PER_RUN)
    drawn: set[Path] = set()  # by earlier chunks (a legend shown on several pages)
    runs = prefork.grouped(dry_run_pages(builder, domain, fmt, pages, writes=False),
                           lambda page: len(page.images), max(1, size // 4), size)
    # dot draws each chunk while the next one is dry-run here (taking the next run
    # from ``runs`` is that dry run); a chunk is finished and handed over after.
    waiting: Chunk | None = None
    for number, run in enumerate(runs):
        found = JobSet(builder, fmt)
        rendered = {}
        for page in run:
            found.add(page)
            rendered.update({key: (results, [_portable(r) for r in records])
                             for key, (results, records) in page.rendered.items()})
        jobs = [job for job in found.jobs() if job.target not in drawn]
        drawn.update(job.target for job in jobs)
        batch = batchdot.begin_here(
            jobs, fmt, program=drawing.program, directory=drawing.pending.directory(),
            name=f"fork{number}", args=builder.config.graphviz_dot_args,
            timeout=_batch_timeout(builder, len(jobs)),
            # Pages written in parallel are written in Sphinx's forked workers: the
            # build's own process would keep every inlined form in memory until the
            # end. A file is read by the worker that needs it instead.
            keep_inlined=not drawing.parallel)
        if waiting is not None:
            yield _completed(waiting)
        waiting = Chunk([page.docname for page in run], rendered, batch,
                        {page.docname: [target for target, _, _ in page.images] for page in run})
    if waiting is not None:
        yield _completed(waiting)


def _completed(chunk: Chunk) -> Chunk:
    if chunk.batch is not None:
        chunk.batch.complete()
    return chunk


def _portable(record: std_logging.LogRecord) -> std_logging.LogRecord:
    """A warning fit to be pickled: its message formatted, a node location as text."""
    record.msg, record.args = record.getMessage(), ()
    location = getattr(record, "location", None)
    if isinstance(location, nodes.Node):
        record.location = logging.get_node_location(location)
    return record


def _start_forked(app: Sphinx, builder: Builder, domain: MilestoneDomain, fmt: str,
                  pages: set[str]) -> bool:
    """Hand the dry run to a forked copy (:mod:`.prefork`); False when it is not worth it
    or cannot be done."""
    diagrams = sum(domain.data["diagrams"].get(page, 0) for page in pages)
    program = shutil.which(builder.config.graphviz_dot)
    # Not for a single page (singlehtml): nothing to write meanwhile.
    if (builder.format != "html" or _assembled(builder) is not None
            or diagrams < prefork.MIN_DIAGRAMS or program is None
            or not builder.config.ldm503_fork_diagrams or not prefork.core_free()):
        return False
    state = dry_run_state(domain)
    if state.fork_tried:
        return False  # at env-updated already, and it could not fork
    state.fork_tried = True
    state.forked_from = domain.inputs_digest()
    workers = _workers(app)
    drawing = state.drawing = Drawing(
        pending=batchdot.Pending(workers), unseen=set(pages), builder=builder, fmt=fmt,
        program=program, diagrams=diagrams, parallel=app.parallel > 1)
    drawing.pending.directory()  # made before the fork: the copy draws into it
    _guard_drawing(app, domain)
    drawing.forked = prefork.start(lambda: _chunks(builder, domain, fmt, pages, drawing))
    if drawing.forked is None:
        drawing.pending.wait_all()
        state.drawing = None
        return False
    return True


def _receive(domain: MilestoneDomain, docname: str) -> None:
    """Take what the forked copy made so far, and wait until it has done ``docname``.

    If the copy fails, the pages it did not do are dry-run here, as without it.
    """
    drawing = dry_run_state(domain).drawing
    forked = drawing.forked if drawing is not None else None
    if drawing is None or forked is None:
        return
    unseen = drawing.unseen
    block = False
    while True:
        for chunk in forked.take(block=block):
            unseen.difference_update(chunk.pages)
            dry_run_state(domain).prerendered.update(chunk.rendered)
            _note_images(drawing.targets, chunk.targets)
            if chunk.batch is not None:
                drawing.pending.adopt(chunk.batch)
        # Wait while this page is not in. Once every page is, wait for the copy's end
        # too (all it has left is to say so and exit), rather than kill it at the end
        # of the build.
        if forked.over or (docname not in unseen and unseen):
            break
        block = True
    if not forked.over:
        return
    forked.close()
    drawing.forked = None
    if unseen and drawing.builder is not None:
        builder = drawing.builder
        jobs, page_of = collect_jobs(builder, domain, drawing.fmt, set(unseen))
        _note_images(drawing.targets, _images_by_page(page_of))
        pending = drawing.pending
        pending.add(jobs, drawing.fmt, program=drawing.program,
                    args=builder.config.graphviz_dot_args,
                    timeout=_batch_timeout(builder, len(jobs)))
        pending.poll()
        unseen.clear()


def _images_by_page(page_of: dict[Path, set[str]]) -> dict[str, list[Path]]:
    """``page_of`` (image -> the pages showing it) turned round."""
    shown: dict[str, list[Path]] = {}
    for target, docnames in page_of.items():
        for docname in docnames:
            shown.setdefault(docname, []).append(target)
    return shown


def _note_images(targets: dict[str, set[Path]], shown: dict[str, list[Path]]) -> None:
    """Add what each page shows to ``targets``, the images its page waits for."""
    for page, images in shown.items():
        targets.setdefault(page, set()).update(images)


def _batch_timeout(builder: Builder, count: int) -> float:
    """Seconds a batch of ``count`` diagrams may take: the probe's allowance, and more
    for a large batch."""
    return float(builder.config.ldm503_dot_timeout) * (1 + count / 100)


def _workers(app: Sphinx) -> int:
    return app.parallel if app.parallel > 1 else os.cpu_count() or 1


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> None:
    """Hand the dry run to the forked copy as soon as the plan is complete, if the
    pages to write are known already.

    Between here and write-started the build runs the checks, fingerprints pages
    for incremental builds and pickles the environment: half a second at 2,000
    milestones, which the copy now spends drawing (the build used to wait about
    as long for it while writing). Only when every page with diagrams is to be
    written anyway, as in a clean build: which other pages are rewritten is known
    only once the domain's own env-updated has run.
    """
    from ..features.diagrams import dot_problem

    builder = app.builder
    domain = get_domain(env)
    fmt = image_format(builder)
    if (fmt is None or builder.format != "html" or _assembled(builder) is not None
            or not domain.data["diagrams"]):
        return
    pages = pages_to_write(builder, domain)
    with_diagrams = set(domain.data["diagrams"]) & set(env.found_docs)
    # A dot that cannot draw is reported at write-started, where the build warns of it.
    if pages != with_diagrams or dot_problem(builder.config, domain):
        return
    domain.plan  # noqa: B018 -- worked out once, before the fork, for both processes
    _start_forked(app, builder, domain, fmt, pages)


def on_write_started(app: Sphinx, builder: Builder) -> None:
    domain = get_domain(builder.env)
    try:
        _draw_ahead(app, builder)
    finally:
        # The placeholders found while reading were for the dry run (forked or not)
        # only: kept any longer, they would keep every written page's doctree alive.
        domain.build.placeholders.clear()


def _draw_ahead(app: Sphinx, builder: Builder) -> None:
    from ..features.diagrams import dot_missing

    fmt = image_format(builder)
    domain = get_domain(builder.env)
    if fmt is None or dot_missing(builder, domain):
        return
    if dry_run_state(domain).drawing is not None:
        return  # the forked copy started at env-updated
    pages = pages_to_write(builder, domain)
    if not pages or _start_forked(app, builder, domain, fmt, pages):
        return
    jobs, page_of = collect_jobs(builder, domain, fmt, pages)
    missing = [job for job in jobs if not job.target.is_file()]
    if not missing:
        return
    # With no core to spare, the helpers' work would only take turns with the build's:
    # dot runs alone and its SVGs are finished here, which costs the least CPU. Pages
    # written by Sphinx's parallel workers read the inlined forms from a file, not
    # from the memory of this process, which would keep them all to the end.
    pending = batchdot.start(missing, fmt, dot=builder.config.graphviz_dot,
                             args=builder.config.graphviz_dot_args,
                             workers=_workers(app), timeout=_batch_timeout(builder, len(missing)),
                             here=not prefork.core_free(), keep_inlined=app.parallel <= 1)
    state = dry_run_state(domain)
    state.drawing = Drawing(pending=pending)
    _guard_drawing(app, domain)
    if builder.format != "html":
        _finish(app, pending)  # LaTeX and texinfo assemble pages differently: all now
        state.drawing = None
        return
    # HTML pages are written one by one in page order: each waits for its own images
    # (take_prerendered), while dot draws the next pages' on the other cores.
    targets: dict[str, set[Path]] = {}
    _note_images(targets, _images_by_page(page_of))
    state.drawing.targets = targets


def _finish(app: Sphinx, pending: batchdot.Pending) -> None:
    outcome = pending.wait_all()
    logging.getLogger(__name__).verbose(
        "ldm503: %d diagrams drawn in %d dot runs (%d left to Sphinx)",
        outcome.rendered, outcome.processes, outcome.failed)


def wait_for_images(domain: MilestoneDomain, docname: str) -> None:
    """Return once the images of ``docname``'s diagrams are drawn (or failed)."""
    drawing = dry_run_state(domain).drawing
    if drawing is not None and docname not in drawing.ready:
        drawing.pending.wait(drawing.targets.get(docname, ()))
        drawing.ready.add(docname)  # asked again for each of the page's diagrams


def _guard_drawing(app: Sphinx, domain: MilestoneDomain) -> None:
    """However the build ends, no helper, ``dot`` or forked copy of this build's drawing
    is left running and its temporary files are gone (:mod:`.guard`)."""
    guard.add(app, "drawing", lambda interrupted: abort_drawing(domain))


def abort_drawing(domain: MilestoneDomain) -> None:
    """Stop the drawing under way, if any, at once: the forked copy, the batches and
    their ``dot`` runs killed, their files removed. (At the end of a build that was
    not interrupted, :func:`on_build_finished` has done so already, after waiting.)"""
    state = dry_run_state(domain)
    drawing, state.drawing = state.drawing, None
    if drawing is None:
        return
    if drawing.forked is not None:
        drawing.forked.close()
    drawing.pending.abort()


def on_build_finished(app: Sphinx, exception: BaseException | None) -> None:
    """Every batch is done (pages not written, an error) and its files cleaned up."""
    state = dry_run_state(get_domain(app.env))
    drawing, state.drawing = state.drawing, None
    if drawing is not None:
        if drawing.forked is not None:
            drawing.forked.close()
        _finish(app, drawing.pending)


def inlined(builder: Builder, outfn: Path | str, imgpath: str, prefix: str) -> str | None:
    """The inlined SVG a batch made for this page (None: the caller inlines the file)."""
    drawing = dry_run_state(get_domain(builder.env)).drawing
    return (drawing.pending.fragment(Path(outfn), imgpath, prefix)
            if drawing is not None else None)


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Where this build's diagrams are, so the dry run need not walk every page for
    them (see :func:`_placeholders`)."""
    found: list[nodes.Element] = list(doctree.findall(ldm_nodes.milestone_graph))
    if found:
        get_domain(app.env).build.placeholders[app.env.docname] = found


def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    get_domain(env).build.read_docs.extend(docnames)


def _when_on(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler``, run only while ``ldm503_speed`` is on: off, the features draw each
    diagram as its page is written and nothing here takes part."""

    def run(app: Sphinx, *args: Any) -> Any:
        return handler(app, *args) if app.config.ldm503_speed else None

    run.__name__ = run.__qualname__ = handler.__name__
    return run


def setup(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _when_on(on_env_before_read_docs))
    app.connect("doctree-read", _when_on(on_doctree_read))
    # Before the domain's own env-updated (500), after sphinx-needs' (400), whose needs
    # may become milestones.
    app.connect("env-updated", _when_on(on_env_updated), priority=450)
    app.connect("write-started", _when_on(on_write_started))
    app.connect("build-finished", _when_on(on_build_finished), priority=100)
