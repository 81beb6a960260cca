"""Filling the placeholders once every document has been read.

Each feature (milestone metadata and "Required by" here, diagrams, report and
table in their own modules) subclasses :class:`PlaceholderTransform` for its
placeholder node and registers it with :func:`add_renderer`; one post-transform,
:class:`Placeholders`, walks each page once and fills them all just before links
are resolved, so the links they insert are ordinary ``pending_xref`` nodes that
every builder (HTML, LaTeX, singlehtml, text, epub) resolves its own way.
:class:`LinkResolver` then resolves those to declared milestones directly.
Post-transforms run in the main process even for ``-j N`` writes, where the
merged plan is available.

HTML builders fill the ``late`` kinds (the blocks under every milestone) in
:class:`LatePlaceholders` instead, after Sphinx's own post-transforms: those
walk the whole page a dozen times looking for nodes these blocks never contain,
and the blocks double a large plan's pages. Their links are resolved there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import NoUri
from sphinx.transforms.post_transforms import ReferencesResolver, SphinxPostTransform

from ..core.model import Edge, Milestone
from ..core.schedule import critical_path_summary
from . import nodes as ldm_nodes
from .blocks import (
    Block,
    Code,
    Emphasis,
    Fields,
    Item,
    MsLink,
    Para,
    Span,
    Strong,
    Target,
    html_block,
    html_rows,
    rows_allowed,
    to_html_node,
    to_html_rows,
    to_nodes,
    visit_html_block,
    visit_html_rows,
)
from .blocks import translator_allows_html as _translator_allows_html
from .directives import badge, ms_xref
from .domain import MilestoneDomain, get_domain

if TYPE_CHECKING:
    from collections.abc import Callable

    from sphinx.application import Sphinx
    from sphinx.builders import Builder


def builder_of(env: Any) -> Builder:
    """The current builder, without the deprecated ``app`` attributes (gone in Sphinx 11)."""
    app = getattr(env, "_app", None) or env.app
    return app.builder


class PlaceholderTransform(SphinxPostTransform):
    """Renders placeholders of ``node_class``: each feature subclasses it and registers
    the subclass with :func:`add_renderer`.

    The subclasses are not post-transforms of their own: :class:`Placeholders` walks
    each page once for all of them (a walk over a page of a large plan costs as much
    as rendering a kind of placeholder), and hands each node to its renderer.
    """

    node_class: ClassVar[type[nodes.Element]] = ldm_nodes.ldm503_placeholder
    #: Filled after Sphinx's post-transforms on HTML pages: only for renderers whose
    #: output no post-transform but link resolution needs to see (no images, code,
    #: ``only`` nodes or signatures) and that LaTeX does not lay out differently.
    late: ClassVar[bool] = False
    #: Set while filling late: links are made at once (see :meth:`link`).
    direct_links: bool = False

    @property
    def builder(self) -> Builder:
        return builder_of(self.env)

    def run(self, **kwargs: Any) -> None:
        raise TypeError("renderers run inside Placeholders; register them with add_renderer()")

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        """The nodes that stand in for ``node``, the ``index``-th of its kind on the page."""
        raise NotImplementedError

    def link(self, milestone_id: str, content: nodes.Element | None = None) -> nodes.Element:
        """A link to a milestone (``content``, else its ID as code).

        Early, a ``pending_xref`` that every builder resolves its own way (and LaTeX
        lays out first); late on HTML pages, where no resolver runs any more, the
        reference itself (a pending link only for a target the domain cannot link).
        """
        docname = self.env.docname
        if content is None:
            content = nodes.literal(milestone_id, milestone_id)
        if self.direct_links:
            try:
                ref = get_domain(self.env).reference(docname, self.builder, milestone_id,
                                                     content)
            except NoUri:
                ref = None
            if ref is not None:
                return ref
        return ms_xref(milestone_id, docname, content)

    def block(self, block: Block) -> nodes.Element:
        """``block`` as nodes, or late on an HTML page as one node written straight to
        HTML (see :mod:`.blocks`)."""
        if self.direct_links and self._html_blocks():
            node = to_html_node(block, self._target)
            if node is not None:
                return node
        return to_nodes(block, self.link)

    def html_rows(self, rows: tuple[tuple[tuple[str, ...], tuple[tuple[Item, ...], ...]], ...],
                  column_classes: tuple[str, ...]) -> html_rows | None:
        """A table's body rows as one node written straight to HTML (late on an HTML
        page whose translator writes rows as Sphinx's does); None otherwise, or when a
        link cannot be made at once: the rows are then made as nodes."""
        if not (self.direct_links and self._html_blocks()):
            return None
        builder = self.builder
        known = get_domain(self.env).build.html_blocks
        name = f"{builder.name} rows"
        if name not in known:
            known[name] = rows_allowed(builder.get_translator_class())
        if not known[name]:
            return None
        return to_html_rows(rows, column_classes, self._target)

    def _html_blocks(self) -> bool:
        builder = self.builder
        known = get_domain(self.env).build.html_blocks
        if builder.name not in known:
            known[builder.name] = _translator_allows_html(builder)
        return known[builder.name]

    def _target(self, milestone_id: str) -> Target | None:
        try:
            return get_domain(self.env).link_target(self.env.docname, self.builder,
                                                    milestone_id)
        except NoUri:
            return None


#: The renderer of each placeholder node class (filled by the features' setup()).
RENDERERS: dict[type[nodes.Element], type[PlaceholderTransform]] = {}


def add_renderer(app: Sphinx, renderer: type[PlaceholderTransform]) -> None:
    """Register the renderer of ``renderer.node_class`` placeholders."""
    RENDERERS[renderer.node_class] = renderer


def _is_html(builder: Builder) -> bool:
    return builder.format == "html"


class Placeholders(SphinxPostTransform):
    """Fills every placeholder of the page, in one walk over it."""

    default_priority = 5  # before ReferencesResolver (10), which resolves our links

    def run(self, **kwargs: Any) -> None:
        fill(self.document, self.env, late=False if _is_html(builder_of(self.env)) else None)


class LatePlaceholders(SphinxPostTransform):
    """Fills the ``late`` placeholders of an HTML page and resolves their links."""

    default_priority = 900  # after Sphinx's own (up to 401 for HTML)
    formats = ("html",)

    def run(self, **kwargs: Any) -> None:
        filled = fill(self.document, self.env, late=True)
        # Links the domain could not make (undeclared targets): Sphinx's resolver and
        # its missing-reference handling, as for every other link.
        if any(next(node.findall(addnodes.pending_xref), None) for node in filled):
            ReferencesResolver(self.document).apply()


def fill(document: nodes.document, env: Any, *, late: bool | None = None) -> list[nodes.Node]:
    """Replace the page's placeholders by their renderers' nodes; returns those nodes.

    ``late`` True fills only the ``late`` kinds, False all others, None every kind.
    """
    found = list(document.findall(ldm_nodes.ldm503_placeholder))
    if not found:
        return []
    domain = get_domain(env)
    renderers: dict[type[PlaceholderTransform], PlaceholderTransform] = {}
    counts: dict[type[PlaceholderTransform], int] = {}
    filled: list[nodes.Node] = []
    for node in found:
        kind = RENDERERS.get(type(node))
        if kind is None or node.parent is None:
            continue  # not ours to fill, or inside a placeholder filled already
        if late is not None and kind.late != late:
            continue
        renderer = renderers.get(kind)
        if renderer is None:
            renderer = renderers[kind] = kind(document)
            renderer.direct_links = late is True
        index = counts.get(kind, 0)
        counts[kind] = index + 1
        new = renderer.render(node, domain, index)
        node.replace_self(new)
        filled.extend(new)
    return filled


class LinkResolver(SphinxPostTransform):
    """Links to declared milestones, made without Sphinx's general resolver.

    A large plan has tens of thousands of them (prerequisites, "Required by",
    critical paths); Sphinx's resolver asks every domain in turn and deep-copies
    each link's content first. Links it cannot make here (undeclared targets, a
    document outside a LaTeX target) stay for Sphinx, whose ``missing-reference``
    handling applies as before. Runs after the LaTeX layout (7), which marks up
    the IDs inside unresolved links.
    """

    default_priority = 9

    def run(self, **kwargs: Any) -> None:
        domain = get_domain(self.env)
        docname = self.env.docname
        builder = builder_of(self.env)
        for node in list(self.document.findall(addnodes.pending_xref)):
            resolve_link(node, domain, docname, builder)


def resolve_link(node: addnodes.pending_xref, domain: MilestoneDomain, docname: str,
                 builder: Builder) -> bool:
    """Replace ``node``, a link to a declared milestone, by the reference; False when
    it is not one (left for Sphinx's resolver)."""
    if node.get("refdomain") != "ldm503" or node.get("reftype") != "ms":
        return False
    if len(node.children) != 1 or not isinstance(node[0], nodes.Element):
        return False
    try:
        ref = domain.reference(node.get("refdoc", docname), builder, node["reftarget"],
                               node[0], explicit=bool(node.get("refexplicit")))
    except NoUri:
        return False
    if ref is None:
        return False
    node.replace_self(ref)
    return True


class MetaTransform(PlaceholderTransform):
    node_class = ldm_nodes.milestone_meta
    late = True

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        # The PDF keeps its field list (latex.py lays it out); pages and text get lines.
        return render_meta(node, domain, self.block, compact=self.builder.format != "latex",
                           plain=self.builder.format == "text")


class RequiredByTransform(PlaceholderTransform):
    node_class = ldm_nodes.required_by
    late = True

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        plain = self.builder.format == "text"
        return [self.block(required_by(domain, node["milestone_id"], plain=plain))]


def status_badge(ms: Milestone, at_risk: bool = False) -> nodes.inline:
    span = status_span(ms, at_risk)
    return badge(span.text, *span.classes[1:])


def status_span(ms: Milestone, at_risk: bool = False) -> Span:
    status = ms.effective_status
    if at_risk and status not in ("completed", "descoped", "at-risk"):
        return Span(f"{status}, at risk",
                    ("ldm503-badge", f"ldm503-status-{status}", "ldm503-status-at-risk"))
    return Span(status, ("ldm503-badge", f"ldm503-status-{status}"))


#: Between the facts of a compact line.
FACT_SEPARATOR = " \u00b7 "


def _compact_meta(fields: list[tuple[str, tuple[Item, ...]]], *, plain: bool) -> list[Para]:
    """The facts as lines: status and dates on the first, the rest on a second.

    As a field list they took a line each, two in some themes (furo sets a field's
    name above its value): half a screen before the prerequisites. Each fact keeps
    its name and value together (a no-break space); the lines wrap between facts.
    """
    dates = {"Due", "Forecast", "Completed"}
    status: tuple[Item, ...] = ()
    first: list[Item] = []
    rest: list[Item] = []
    for name, items in fields:
        if name == "Status":  # the badge says what it is: first, without a name
            status = items
            continue
        line = first if name in dates else rest
        if line:
            line.append(FACT_SEPARATOR)
        if name in dates and not plain:  # a date never breaks at its hyphens
            items = tuple(Span(i, ("ldm503-date",)) if isinstance(i, str) else i
                          for i in items)
        line += [name if plain else Span(name, ("ldm503-fact-name",)), "\u00a0", *items]
    if status:
        first[:0] = [*status, " "] if first else [*status]
    out = [Para(("ldm503-meta", "ldm503-dates"), tuple(first))]
    if rest:
        out.append(Para(("ldm503-meta", "ldm503-facts"), tuple(rest)))
    return out


def render_meta(
    node: nodes.Element, domain: MilestoneDomain, block: Callable[[Block], nodes.Element],
    *, compact: bool = False, plain: bool = False,
) -> list[nodes.Node]:
    """A milestone's facts (dates, status, level, tags, owner, schedule title) and its
    critical path. ``compact``: as lines rather than a field list; ``plain`` for the
    text builder (no styled names)."""
    ms = domain.plan.get(node["milestone_id"])
    if ms is None:
        return []
    fields: list[tuple[str, tuple[Item, ...]]] = []
    for label, value in (("Due", ms.due), ("Forecast", ms.forecast), ("Completed", ms.completed)):
        if value is not None:
            fields.append((label, (value.isoformat(),)))
    fields.append(("Status", (status_span(ms, ms.key in domain.at_risk),)))
    if ms.level is not None:
        fields.append(("Level", (str(ms.level),)))
    if ms.tags:
        fields.append(("Tags", (", ".join(ms.tags),)))
    if ms.external:
        fields.append(("Owner", ("external to this plan",)))
    if ms.catalog_title and ms.catalog_title != ms.title:
        fields.append(("Schedule title", (ms.catalog_title,)))

    path = critical_path_para(domain, ms.id)
    lines: list[Block] = (list(_compact_meta(fields, plain=plain)) if compact
                          else [Fields(("ldm503-meta",), tuple(fields))])
    if path is not None:
        lines.append(path)
    return [block(line) for line in lines]


def required_by(domain: MilestoneDomain, milestone_id: str, *, plain: bool = False) -> Para:
    """The milestones that need this one. ``plain`` for the text builder, which
    would print a bold label with its asterisks."""
    edges = one_per_source(domain.plan.required_by(milestone_id))
    label = "Required by: "
    items: list[Item] = [label if plain else Strong(label)]
    if not edges:
        items.append(Emphasis("no milestone of this plan"))
    for i, edge in enumerate(edges):
        if i:
            items.append(", ")
        items.append(MsLink(edge.source.id, edge.source.label))
        query = edge.prerequisite.query
        if query:
            items += [" ", Span(f"{query} query", ("ldm503-badge", f"ldm503-query-{query}"))]
    # no-search: links to other milestones, found on their own pages; a search for a
    # title should not list every page that merely links to it.
    return Para(("ldm503-required-by", "no-search"), tuple(items))


def setup(app: Sphinx) -> None:
    app.add_post_transform(Placeholders)
    app.add_post_transform(LinkResolver)
    app.add_post_transform(LatePlaceholders)
    # Made only on HTML pages (LatePlaceholders runs for the HTML format alone).
    app.add_node(html_block, html=(visit_html_block, None))
    app.add_node(html_rows, html=(visit_html_rows, None))
    for renderer in (MetaTransform, RequiredByTransform, CopiedPrerequisitesTransform):
        add_renderer(app, renderer)


def one_per_source(edges: list[Edge]) -> list[Edge]:
    """The first edge from each requiring milestone: a relation listed twice is one relation
    (the repetition itself is reported while reading)."""
    seen: set[str] = set()
    out = []
    for edge in edges:
        if edge.source.key not in seen:
            seen.add(edge.source.key)
            out.append(edge)
    return out


class CopiedPrerequisitesTransform(PlaceholderTransform):
    node_class = ldm_nodes.copied_prerequisites

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        return render_copied_prerequisites(node, domain, self.env.docname)


def render_copied_prerequisites(
    node: nodes.Element, domain: MilestoneDomain, docname: str
) -> list[nodes.Node]:
    """A ``:no-index:`` copy lists its declaration's prerequisites, as the declaration does."""
    ms = domain.plan.get(node["milestone_id"])
    docname = node.get("docname") or docname
    edges = [] if ms is None or not ms.declared else domain.plan.requires(ms.id)
    if not edges:
        return [nodes.paragraph("None declared.", "None declared.", classes=["ldm503-none"])]
    items = nodes.bullet_list(classes=["ldm503-prerequisites"])
    for edge in edges:
        pre = edge.prerequisite
        para = nodes.paragraph()
        para += ms_xref(pre.id, docname)
        if pre.title:
            para += nodes.Text(" " + pre.title)
        if pre.query:
            para += nodes.Text(" ")
            para += badge(f"{pre.query} query", f"ldm503-query-{pre.query}")
        items += nodes.list_item("", para, classes=["ldm503-prerequisite"])
    return [items]


def critical_path_para(domain: MilestoneDomain, milestone_id: str) -> Para | None:
    """"Critical path: A -> B -> C (ends 2019-11-11)" under a milestone's facts, IDs linked.

    None for a milestone that waits on nothing dated, or with
    ``ldm503_critical_path_line = "off"``. What the line shows (``near`` or ``full``)
    is :func:`~sphinxext_ldm503.core.schedule.critical_path_summary`'s.
    """
    line = domain.env.config.ldm503_critical_path_line
    ids, end = critical_path_summary(domain.plan, milestone_id, line)
    if not ids:
        return None
    items: list[Item] = [Strong("Critical path: ")]
    for i, item in enumerate(ids):
        if i:
            items.append(" -> ")
        if item is None:  # "near": the links before are left out, uncounted
            items.append(Span("\u2026", ("ldm503-critical-path-elided",)))
        elif isinstance(item, int):
            items.append(Span(f"\u2026 ({item} more)", ("ldm503-critical-path-elided",)))
        elif i == len(ids) - 1:  # the milestone itself: no link to where the reader is
            items.append(Code(item))
        else:
            items.append(MsLink(item))
    if end:
        items.append(f" (ends {end.isoformat()})")
    return Para(("ldm503-critical-path", "no-search"), tuple(items))  # as Required by
