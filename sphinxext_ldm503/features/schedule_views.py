"""Sphinx side of the schedule views: ``milestone-impact`` and ``milestone-changes``.

The answers come from :mod:`.schedule` (pure, shared with ``ldm503 impact`` and
``ldm503 diff``); this module only parses the directives into placeholders and
renders them at resolve time from the merged plan, like the report and the
table. It registers its own nodes, renderers, directives and config handling
through :func:`setup`, so the rest of the extension does not need to know it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes

from ..core.model import Location, Milestone
from ..core.parsing import parse_list
from ..core.schedule import (
    CHANGE_KINDS,
    Change,
    Slip,
    change_counts,
    days_text,
    diff_catalogs,
    impact,
    parse_slip,
    select_changes,
    worst_slip,
)
from ..framework import nodes as ldm_nodes
from ..framework.diagnostics import warn
from ..framework.directives import PlanPlaceholderDirective, ms_xref
from ..framework.placeholders import PlaceholderTransform, add_renderer
from .report import make_table, text_cell

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

    from ..framework.domain import MilestoneDomain


class milestone_impact(ldm_nodes.ldm503_placeholder):
    """What moves if milestones slip; ``slips`` holds the parsed slips as text."""


class milestone_changes(ldm_nodes.ldm503_placeholder):
    """What changed between ``ldm503_catalog_previous`` and ``ldm503_catalog``."""


class milestone_timeline(ldm_nodes.ldm503_placeholder):
    """The timeline chart; ``options`` holds the directive's raw options."""


class timeline_image(nodes.General, nodes.Element):
    """A rendered chart: ``data`` (SVG or PDF bytes), ``ext`` and ``alt``.

    Plain bytes, so it pickles to parallel writers; the visitors write the file.
    """


NODES = (milestone_impact, milestone_changes, milestone_timeline)
SORTS = ("id", "slip")


# -- directives ---------------------------------------------------------------------


class MilestoneImpactDirective(PlanPlaceholderDirective):
    """``.. milestone-impact:: DM-NCSA-8 +90d`` (more slips, one a line, in the content)."""

    node_class = milestone_impact
    known_options = ("graph", "class")

    def run(self) -> list[nodes.Node]:
        self.unknown_options()
        lines: list[tuple[str, int]] = []
        if self.arguments:
            lines.append((self.arguments[0], self.lineno))
        for offset, text in enumerate(self.content):
            if text.strip():
                lines.append((text, self.content_offset + offset + 1))
        slips: list[Slip] = []
        for text, line in lines:
            try:
                slips.append(parse_slip(text))
            except ValueError as exc:
                self.invalid_at(line, f"milestone-impact: {exc}")
        if not slips:
            if not lines:
                self.invalid("milestone-impact needs at least one slip: 'ID +Nd' or "
                             "'ID YYYY-MM-DD'")
            return []
        graph = (self.options.get("graph") or "yes").strip().lower() not in ("no", "false", "0")
        node = milestone_impact(slips=[str(s) for s in slips], options=dict(self.options),
                                docname=self.env.docname, graph=graph)
        self.set_source_info(node)
        self.domain.note_whole_plan(self.env.docname)
        return [node]

    def invalid_at(self, line: int, message: str) -> None:
        """:meth:`invalid` located at one line of the content rather than the directive."""
        self.domain.report_invalid(message, Location(self.env.docname, line))


class MilestoneChangesDirective(PlanPlaceholderDirective):
    """``.. milestone-changes::``: the changes since ``ldm503_catalog_previous``."""

    node_class = milestone_changes
    known_options = ("include", "exclude", "kinds", "sort", "class")

    def run(self) -> list[nodes.Node]:
        out = super().run()
        # The page must be re-read when either export changes.
        for name in ("ldm503_catalog_previous", "ldm503_catalog"):
            configured = self.config[name]
            if configured and Path(configured).is_file():
                self.env.note_dependency(str(configured))
        return out


class MilestoneTimelineDirective(PlanPlaceholderDirective):
    """``.. milestone-timeline::``: the plan on a date axis (matplotlib)."""

    node_class = milestone_timeline
    known_options = ("include", "exclude", "start", "end", "group", "arrows", "alt", "class")

    def run(self) -> list[nodes.Node]:
        from ..render.chart import parse_timeline_options

        raw = {k: v for k, v in self.options.items() if k not in ("alt", "class")}
        try:
            parse_timeline_options(raw)
        except ValueError as exc:
            self.unknown_options()
            self.invalid(f"milestone-timeline: {exc}")
            return []
        return super().run()


def directives() -> dict[str, type]:
    return {
        "milestone-impact": MilestoneImpactDirective,
        "milestone-changes": MilestoneChangesDirective,
        "milestone-timeline": MilestoneTimelineDirective,
    }


# -- rendering ----------------------------------------------------------------------


def _location(node: nodes.Element) -> tuple[str, int | None]:
    return (node["docname"], node.line)


def _slip_words(slip: Slip) -> str:
    return f"{slip.id} slips to {slip.to.isoformat()}" if slip.to else (
        f"{slip.id} slips {days_text(slip.days or 0)}")


def render_impact(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain
) -> list[nodes.Node]:

    docname = transform.env.docname
    plan = domain.plan
    slips = [parse_slip(text) for text in node["slips"]]
    try:
        result = impact(plan, slips)
    except ValueError as exc:
        warn(f"milestone-impact: {exc}", "invalid", _location(node))
        return []
    container = nodes.container(classes=["ldm503-impact", *(node["options"].get("class") or "")
                                         .split()])
    count = len(result.moves)
    head = (f"If {' and '.join(_slip_words(s) for s in slips)}: "
            f"{count} milestone{'' if count == 1 else 's'} would move.")
    container += nodes.paragraph(head, head)
    for note in result.notes:
        container += nodes.paragraph(note, note, classes=["ldm503-impact-note"])
    if not result.moves:
        return [container]
    rows: list[tuple[list[list[nodes.Node]], list[str]]] = []
    for move in result.moves:
        old = move.old.isoformat() if move.old else "no date"
        new = move.new.isoformat() if move.new else "no date"
        why: list[nodes.Node] = (text_cell("slips") if move.via is None
                                 else [ms_xref(move.via, docname)])
        rows.append(([[ms_xref(move.id, docname)], text_cell(move.title),
                      text_cell(f"+{days_text(move.days)}"),
                      text_cell(f"{old} \u2192 {new}"), why], []))
    container += make_table(["Milestone", "Title", "Moves", "Date", "Pushed by"], rows,
                            [12, 34, 9, 22, 12], ["ldm503-impact-table"],
                            ["ldm503-col-id", "ldm503-col-title", "ldm503-col-slip",
                             "ldm503-col-date", "ldm503-col-id"])
    if node.get("graph", True):
        container += _impact_diagram(transform, node, domain, result)
    return [container]


def _impact_diagram(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain, result: Any
) -> list[nodes.Node]:
    """The moved milestones and the edges between them, drawn like the other diagrams."""
    from ..render.graph import GraphOptions, build_dot
    from ..render.schedule_dot import impact_styles
    from .diagrams import diagram_links, dot_missing, graphviz_alt, ldm503_diagram
    from .latex import print_graph_attrs

    builder = transform.builder
    if dot_missing(builder, domain):
        return []  # the table says it all
    docname = transform.env.docname
    ids = tuple(m.id for m in result.moves)
    options = GraphOptions(include=ids, classifier=domain.check_config().classifier)
    node_extra, edge_extra = impact_styles(result)
    made = domain.build.impact_diagrams
    counter = made[docname] = made.get(docname, 0) + 1
    # Our diagram node: drawn under ldm503_dot_render_timeout, whole files only, as
    # every other diagram (the table above says it all if dot fails).
    image = ldm503_diagram()
    # On paper, the room around labels every other small diagram gets (latex.py).
    node_attrs = print_graph_attrs(options.layout, "impact")[1] \
        if builder.format == "latex" else None
    image["code"] = build_dot(domain.plan, options, url_for=diagram_links(builder, docname),
                              at_risk=domain.at_risk, name=f"ldm503-impact-{counter}",
                              node_attrs=node_attrs, node_extra=node_extra,
                              edge_extra=edge_extra)
    image["options"] = {"docname": docname}
    image["alt"] = graphviz_alt(f"What moves: {', '.join(ids)}", builder)
    image["classes"] = ["ldm503-graph-image"]
    image.line = node.line
    return [nodes.container("", image, classes=["ldm503-graph"])]


def _previous_rows(domain: MilestoneDomain, location: tuple[str, int | None]) -> list[Milestone]:
    """Rows of ``ldm503_catalog_previous``, read once per build; problems warned once."""
    return domain.previous_catalog_rows(Location(location[0], location[1]))


def render_changes(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain
) -> list[nodes.Node]:

    config = transform.config
    location = _location(node)
    missing = [n for n in ("ldm503_catalog_previous", "ldm503_catalog") if not config[n]]
    if missing:
        warn(f"milestone-changes: set {' and '.join(missing)} in conf.py (the earlier and "
             "the current schedule export)", "invalid", location)
        return []
    options: dict[str, str] = node["options"]
    kinds = list(parse_list(options.get("kinds") or ""))
    unknown = [k for k in kinds if k not in CHANGE_KINDS]
    if unknown:
        warn(f"milestone-changes: :kinds: unknown {unknown}; use {', '.join(CHANGE_KINDS)}",
             "invalid", location)
        kinds = [k for k in kinds if k in CHANGE_KINDS]
    sort = (options.get("sort") or "id").strip().lower()
    if sort not in SORTS:
        warn(f"milestone-changes: :sort: unknown {sort!r}; use {', '.join(SORTS)}",
             "invalid", location)
        sort = "id"
    previous = _previous_rows(domain, location)
    changes = select_changes(
        diff_catalogs(previous, domain.catalog_rows()),
        include=parse_list(options.get("include") or ""),
        exclude=parse_list(options.get("exclude") or ""),
        kinds=kinds, sort=sort,
    )
    docname = transform.env.docname
    container = nodes.container(classes=["ldm503-changes", *(options.get("class") or "").split()])
    container += nodes.paragraph("", "", *_summary(changes))
    if not changes:
        return [container]
    rows = [_change_row(change, docname) for change in changes]
    container += make_table(["Milestone", "Title", "Change", "Slip"], rows, [12, 30, 50, 8],
                            ["ldm503-changes-table", "longtable"],
                            ["ldm503-col-id", "ldm503-col-title", "ldm503-col-message",
                             "ldm503-col-slip"])
    return [container]


def _summary(changes: list[Change]) -> list[nodes.Node]:
    counts = change_counts(changes)
    labels = {"moved-earlier": "moved earlier", "predecessors": "changed predecessors"}
    parts = [f"{n} {labels.get(kind, kind)}" for kind, n in counts.items() if n]
    if counts["slipped"]:
        parts[0] += f" (the largest slip: {days_text(worst_slip(changes))})"
    text = "; ".join(parts) + "." if parts else "No changes."
    return [nodes.Text(text)]


def _change_row(change: Change, docname: str) -> tuple[list[list[nodes.Node]], list[str]]:
    # Each sentence starts with what happened ("slipped 346 days", "completed on ..."),
    # so the kinds need no badge of their own; the row classes carry them for CSS.
    kinds: list[nodes.Node] = [nodes.Text("; ".join(change.describe()))]
    slip = f"+{change.days}" if "slipped" in change.kinds and change.days else (
        str(change.days) if "moved-earlier" in change.kinds else "")
    return ([[ms_xref(change.id, docname)], text_cell(change.title), kinds, text_cell(slip)],
            [f"ldm503-change-{k}" for k in change.kinds])


def render_timeline(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain
) -> list[nodes.Node]:
    from ..render.chart import (
        DRAWN_FROM,
        DRAWN_TO,
        available,
        parse_timeline_options,
        render,
        select_rows,
        split_drawable,
    )

    options: dict[str, str] = node["options"]
    raw = {k: v for k, v in options.items() if k not in ("alt", "class")}
    env = transform.env
    labels = {name: title.astext() for name, title in env.titles.items()}
    settings = parse_timeline_options(raw, today=domain.check_config().today,
                                      group_labels=labels)
    rows, undated = select_rows(domain.plan, settings)
    rows, far_off = split_drawable(rows)
    if far_off:
        shown = ", ".join(f"{r.milestone.id} ({r.when.isoformat()})" for r in far_off[:5])
        more = f" and {len(far_off) - 5} more" if len(far_off) > 5 else ""
        warn(f"milestone-timeline: {shown}{more} not drawn: a chart places dates from "
             f"{DRAWN_FROM.isoformat()} to {DRAWN_TO.isoformat()} (a 'no date' placeholder "
             "of the schedule export?)", "graph", _location(node))
    alt = options.get("alt") or (
        f"Timeline of {len(rows)} milestones"
        + (f" from {rows[0].when.isoformat()}" if rows else "")
    )
    container = nodes.container(classes=["ldm503-timeline", *(options.get("class") or "").split()])
    builder = transform.builder
    fmt = {"html": "svg", "latex": "pdf"}.get(builder.format)
    if not rows:
        container += nodes.paragraph("No dated milestone to draw.", "No dated milestone to draw.")
        return [container]
    if fmt is None or not available():
        if fmt is not None and not domain.build.no_matplotlib_said:
            domain.build.no_matplotlib_said = True
            warn("milestone-timeline: matplotlib is not installed, so timelines are shown as "
                 "lists: pip install 'sphinxext-ldm503[timeline]'", "graph", _location(node))
        container += _timeline_list(rows)
        return [container]
    url_for = _svg_url_for(builder) if fmt == "svg" else (lambda ms: None)
    try:
        data = render(domain.plan, settings, fmt, url_for=url_for)  # type: ignore[arg-type]
    except (ValueError, OverflowError, RuntimeError) as exc:
        # matplotlib on the author's data: what it cannot draw costs the chart, not the
        # build; the list shows the same dates.
        warn(f"milestone-timeline: matplotlib could not draw the chart ({exc}), so it "
             "is shown as a list", "graph", _location(node))
        container += _timeline_list(rows)
    else:
        image = timeline_image(data=data, ext=fmt, alt=alt)
        image.line = node.line
        container += image
    if undated:
        text = "Not drawn (no date): " + ", ".join(ms.id for ms in undated) + "."
        container += nodes.paragraph(text, text, classes=["ldm503-timeline-undated"])
    if far_off:
        text = ("Not drawn (too far off): "
                + ", ".join(f"{r.milestone.id} ({r.when.isoformat()})" for r in far_off) + ".")
        container += nodes.paragraph(text, text, classes=["ldm503-timeline-undated"])
    return [container]


def _timeline_list(rows: Any) -> nodes.bullet_list:
    """The chart's rows as a list: date, then ID and title."""
    items = nodes.bullet_list()
    for row in rows:
        line = f"{row.when.isoformat()}  {row.milestone.label}"
        items += nodes.list_item("", nodes.paragraph(line, line))
    return items


def _svg_url_for(builder: Any) -> Any:
    """Links inside a chart file that lives in ``_images/``: relative to that directory.

    (Unlike Graphviz's SVG, which sphinx.ext.graphviz rewrites, the chart is
    served as it is written.)
    """
    import posixpath

    from .diagrams import milestone_page

    def url_for(ms: Milestone) -> str | None:
        target = milestone_page(builder, ms)
        if target is None:
            return None
        return posixpath.relpath(target, builder.imagedir) + "#" + ms.anchor

    return url_for


def _timeline_file(outdir: Path, node: nodes.Element) -> str:
    import hashlib

    name = f"ldm503-timeline-{hashlib.sha1(node['data'], usedforsecurity=False).hexdigest()[:16]}"
    path = outdir / f"{name}.{node['ext']}"
    outdir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(node["data"])
    return path.name


def visit_timeline_html(self: Any, node: nodes.Element) -> None:
    from ..render.graph.escape import html_text

    name = _timeline_file(Path(self.builder.outdir) / self.builder.imagedir, node)
    uri = f"{self.builder.imgpath}/{name}"
    alt = html_text(node["alt"])
    self.body.append(f'<div class="ldm503-timeline-image"><object data="{html_text(uri)}" '
                     f'type="image/svg+xml" aria-label="{alt}"><p>{alt}</p></object></div>\n')
    raise nodes.SkipNode


#: Where the LaTeX builder's charts go, beside the .tex file: a directory of their own,
#: so that the output directory holds one PDF, the document.
LATEX_CHART_DIR = "ldm503-charts"


def visit_timeline_latex(self: Any, node: nodes.Element) -> None:
    name = _timeline_file(Path(self.builder.outdir) / LATEX_CHART_DIR, node)
    self.body.append(f"\n\\begin{{center}}\\includegraphics[width=\\linewidth]"
                     f"{{{LATEX_CHART_DIR}/{name}}}\\end{{center}}\n")
    raise nodes.SkipNode


# -- wiring -------------------------------------------------------------------------


class ImpactTransform(PlaceholderTransform):
    node_class = milestone_impact

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        return render_impact(self, node, domain)


class ChangesTransform(PlaceholderTransform):
    node_class = milestone_changes

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        return render_changes(self, node, domain)


class TimelineTransform(PlaceholderTransform):
    node_class = milestone_timeline

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        return render_timeline(self, node, domain)



def on_config_inited(app: Sphinx, config: Config) -> None:
    """``ldm503_catalog_previous`` is found like ``ldm503_catalog``: sources, then conf.py."""
    from ..framework.events import project_file

    config.ldm503_catalog_previous = project_file(app, config.ldm503_catalog_previous)


def setup(app: Sphinx) -> None:
    """Nodes (with visitors for every builder), renderers and config handling.

    The config values themselves are in :mod:`.config` with the others.
    """
    for node_class in NODES:
        ldm_nodes.add_placeholder(app, node_class)
    for transform in (ImpactTransform, ChangesTransform, TimelineTransform):
        add_renderer(app, transform)
    for name, directive in directives().items():
        app.add_directive(name, directive)
        app.add_directive_to_domain("ldm503", name, directive)
    skip = (ldm_nodes.visit_placeholder, None)
    app.add_node(timeline_image, html=(visit_timeline_html, None),
                 latex=(visit_timeline_latex, None), text=skip, man=skip, texinfo=skip)
    app.connect("config-inited", on_config_inited)
