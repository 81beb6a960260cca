"""Filling the placeholders once every document has been read.

This runs as a post-transform just before Sphinx resolves cross-references, so
the links it inserts are ordinary ``pending_xref`` nodes that every builder
(HTML, LaTeX, singlehtml, text, epub) resolves its own way. Post-transforms run
in the main process even for ``-j N`` writes, where the merged plan is available.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

from . import nodes as ldm_nodes
from .directives import badge, ms_xref
from .domain import MilestoneDomain, get_domain
from .model import Milestone

if TYPE_CHECKING:
    from sphinx.builders import Builder

Renderer = Callable[["ResolvePlaceholders", nodes.Element, MilestoneDomain], list[nodes.Node]]

#: Renderers for the placeholders of other modules (diagrams, report, table),
#: registered by ``setup()`` so this module stays independent of them.
RENDERERS: dict[type[nodes.Element], Renderer] = {}


def builder_of(env: Any) -> Builder:
    """The current builder, without the deprecated ``app`` attributes (gone in Sphinx 11)."""
    app = getattr(env, "_app", None) or env.app
    return app.builder


class ResolvePlaceholders(SphinxPostTransform):
    default_priority = 5  # before ReferencesResolver (10), which resolves our links

    @property
    def builder(self) -> Builder:
        return builder_of(self.env)

    def run(self, **kwargs: Any) -> None:
        domain = get_domain(self.env)
        for node in list(self.document.findall(ldm_nodes.ldm503_placeholder)):
            if isinstance(node, ldm_nodes.milestone_meta):
                new = render_meta(node, domain)
            elif isinstance(node, ldm_nodes.required_by):
                new = render_required_by(node, domain, self.env.docname)
            elif type(node) in RENDERERS:
                new = RENDERERS[type(node)](self, node, domain)
            else:
                new = []
            node.replace_self(new)


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
    return [fields]


def render_required_by(
    node: nodes.Element, domain: MilestoneDomain, docname: str
) -> list[nodes.Node]:
    edges = domain.plan.required_by(node["milestone_id"])
    para = nodes.paragraph(classes=["ldm503-required-by"])
    para += nodes.strong("Required by: ", "Required by: ")
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
