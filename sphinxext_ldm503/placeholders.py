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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import NoUri
from sphinx.transforms.post_transforms import SphinxPostTransform

from . import nodes as ldm_nodes
from .directives import badge, ms_xref
from .domain import MilestoneDomain, get_domain
from .model import Edge, Milestone

if TYPE_CHECKING:
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

    @property
    def builder(self) -> Builder:
        return builder_of(self.env)

    def run(self, **kwargs: Any) -> None:
        raise TypeError("renderers run inside Placeholders; register them with add_renderer()")

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        """The nodes that stand in for ``node``, the ``index``-th of its kind on the page."""
        raise NotImplementedError


#: The renderer of each placeholder node class (filled by the features' setup()).
RENDERERS: dict[type[nodes.Element], type[PlaceholderTransform]] = {}


def add_renderer(app: Sphinx, renderer: type[PlaceholderTransform]) -> None:
    """Register the renderer of ``renderer.node_class`` placeholders."""
    RENDERERS[renderer.node_class] = renderer


class Placeholders(SphinxPostTransform):
    """Fills every placeholder of the page, in one walk over it."""

    default_priority = 5  # before ReferencesResolver (10), which resolves our links

    def run(self, **kwargs: Any) -> None:
        found = list(self.document.findall(ldm_nodes.ldm503_placeholder))
        if not found:
            return
        domain = get_domain(self.env)
        renderers: dict[type[PlaceholderTransform], PlaceholderTransform] = {}
        counts: dict[type[PlaceholderTransform], int] = {}
        for node in found:
            kind = RENDERERS.get(type(node))
            if kind is None or node.parent is None:
                continue  # not ours to fill, or inside a placeholder filled already
            renderer = renderers.get(kind)
            if renderer is None:
                renderer = renderers[kind] = kind(self.document)
            index = counts.get(kind, 0)
            counts[kind] = index + 1
            node.replace_self(renderer.render(node, domain, index))


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
            if node.get("refdomain") != "ldm503" or node.get("reftype") != "ms":
                continue
            if len(node.children) != 1 or not isinstance(node[0], nodes.Element):
                continue
            try:
                ref = domain.reference(node.get("refdoc", docname), builder,
                                       node["reftarget"], node[0],
                                       explicit=bool(node.get("refexplicit")))
            except NoUri:
                continue
            if ref is not None:
                node.replace_self(ref)


class MetaTransform(PlaceholderTransform):
    node_class = ldm_nodes.milestone_meta

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        return render_meta(node, domain)


class RequiredByTransform(PlaceholderTransform):
    node_class = ldm_nodes.required_by

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        return render_required_by(node, domain, self.env.docname,
                                  plain=self.builder.format == "text")


def status_badge(ms: Milestone, at_risk: bool = False) -> nodes.inline:
    status = ms.effective_status
    if at_risk and status not in ("completed", "descoped", "at-risk"):
        return badge(f"{status}, at risk", f"ldm503-status-{status}", "ldm503-status-at-risk")
    return badge(status, f"ldm503-status-{status}")


def _field(name: str, *body: nodes.Node) -> nodes.field:
    para = nodes.paragraph("", "", *body)
    return nodes.field("", nodes.field_name(name, name), nodes.field_body("", para))


def render_meta(node: nodes.Element, domain: MilestoneDomain) -> list[nodes.Node]:
    ms = domain.plan.get(node["milestone_id"])
    if ms is None:
        return []
    fields = nodes.field_list(classes=["ldm503-meta"])
    for label, value in (("Due", ms.due), ("Forecast", ms.forecast), ("Completed", ms.completed)):
        if value is not None:
            fields += _field(label, nodes.Text(value.isoformat()))
    fields += _field("Status", status_badge(ms, ms.key in domain.at_risk))
    if ms.level is not None:
        fields += _field("Level", nodes.Text(str(ms.level)))
    if ms.tags:
        fields += _field("Tags", nodes.Text(", ".join(ms.tags)))
    if ms.external:
        fields += _field("Owner", nodes.Text("external to this plan"))
    if ms.catalog_title and ms.catalog_title != ms.title:
        fields += _field("Schedule title", nodes.Text(ms.catalog_title))
    from .schedule_sphinx import render_critical_path

    return [fields, *render_critical_path(domain, ms.id)]


def render_required_by(
    node: nodes.Element, domain: MilestoneDomain, docname: str, *, plain: bool = False
) -> list[nodes.Node]:
    """The milestones that need this one. ``plain`` for the text builder, which
    would print a bold label with its asterisks."""
    edges = one_per_source(domain.plan.required_by(node["milestone_id"]))
    # no-search: links to other milestones, found on their own pages; a search for a
    # title should not list every page that merely links to it.
    para = nodes.paragraph(classes=["ldm503-required-by", "no-search"])
    label = "Required by: "
    para += nodes.Text(label) if plain else nodes.strong(label, label)
    if not edges:
        para += nodes.emphasis("no milestone of this plan", "no milestone of this plan")
    for i, edge in enumerate(edges):
        if i:
            para += nodes.Text(", ")
        label = edge.source.label
        para += ms_xref(edge.source.id, docname, nodes.inline(label, label))
        if edge.prerequisite.query:
            para += nodes.Text(" ")
            query = edge.prerequisite.query
            para += badge(f"{query} query", f"ldm503-query-{query}")
    return [para]


def setup(app: Sphinx) -> None:
    app.add_post_transform(Placeholders)
    app.add_post_transform(LinkResolver)
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
