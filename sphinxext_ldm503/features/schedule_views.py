"""Sphinx side of the schedule views: ``milestone-impact`` and ``milestone-changes``.

The answers come from :mod:`.schedule` (pure, shared with ``ldm503 impact`` and
``ldm503 diff``); this module only parses the directives into placeholders and
renders them at resolve time from the merged plan, like the report and the
table. It registers its own nodes, renderers, directives and config handling
through :func:`setup`, so the rest of the extension does not need to know it.
"""

from __future__ import annotations

import re
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
    drop_ignored_predecessors,
    impact,
    most_significant,
    parse_slip,
    ranked_slips,
    select_changes,
    worst_slip,
)
from ..framework import nodes as ldm_nodes
from ..framework.diagnostics import warn
from ..framework.directives import PlanPlaceholderDirective, ms_xref
from ..framework.placeholders import PlaceholderTransform, add_renderer
from .report import id_links, make_table, text_cell

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
    known_options = ("graph", "class", "rankdir")

    def run(self) -> list[nodes.Node]:
        self.unknown_options()
        options = dict(self.options)
        if "rankdir" in options:
            # As milestone-graph's: TB keeps a long chain of moves as tall as it is long
            # instead of too wide to read at the column's width. Wrong: warned, LR.
            from ..render.graph import parse_graph_options

            try:
                options["rankdir"] = parse_graph_options(
                    {"rankdir": options["rankdir"]}).rankdir
            except ValueError as exc:
                self.invalid(f"milestone-impact: {exc}")
                del options["rankdir"]
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
        node = milestone_impact(slips=[str(s) for s in slips], options=options,
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
    known_options = ("include", "exclude", "kinds", "sort", "open", "print-rows", "class")

    def run(self) -> list[nodes.Node]:
        out = super().run()
        rows = (self.options.get("print-rows") or "").strip()
        if "print-rows" in self.options and rows.lower() != "all" and not rows.isdigit():
            # Checked while reading, so that it is warned once, by any builder.
            self.invalid(f"milestone-changes: :print-rows: {rows!r} is not a number or "
                         f"'all'; {PRINT_ROWS} rows are printed")
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


#: What the impact diagram's colours and marks mean, under it as under every
#: milestone's own diagram (a reader of the page sees no legend otherwise).
IMPACT_KEY = (
    "Every milestone drawn moves, by the days under its ID. Arrows point from a "
    "prerequisite to the milestone that needs it; a red arrow runs from the prerequisite "
    "that pushes a milestone. Dashed outline: declared nowhere in this plan."
)


#: An impact diagram of more moved milestones than this gets the explorer.
IMPACT_EXPLORER_FROM = 12


def _impact_diagram(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain, result: Any
) -> list[nodes.Node]:
    """The moved milestones and the edges between them, drawn like the other diagrams."""
    from ..render.graph import GraphOptions, build_dot
    from ..render.graph.escape import html_id
    from ..render.schedule_dot import impact_styles
    from .diagrams import diagram_links, dot_missing, graphviz_alt, ldm503_diagram
    from .latex import print_graph_attrs

    builder = transform.builder
    if dot_missing(builder, domain):
        return []  # the table says it all
    docname = transform.env.docname
    ids = tuple(m.id for m in result.moves)
    options = GraphOptions(include=ids, classifier=domain.check_config().classifier,
                           rankdir=node["options"].get("rankdir"))
    node_extra, edge_extra = impact_styles(result)
    made = domain.build.impact_diagrams
    counter = made[docname] = made.get(docname, 0) + 1
    # Our diagram node: drawn under ldm503_dot_render_timeout, whole files only, as
    # every other diagram (the table above says it all if dot fails).
    image = ldm503_diagram()
    # On paper, the room around labels every other small diagram gets (latex.py).
    node_attrs = print_graph_attrs(options.layout, "impact")[1] \
        if builder.format == "latex" else None
    # The document is part of the name, as for every diagram: singlehtml puts every
    # page's SVG ids in one page.
    name = f"ldm503-{html_id(docname)}-impact-{counter}"
    image["code"] = build_dot(domain.plan, options, url_for=diagram_links(builder, docname),
                              at_risk=domain.at_risk, name=name,
                              node_attrs=node_attrs, node_extra=node_extra,
                              edge_extra=edge_extra)
    image["options"] = {"docname": docname}
    image["alt"] = graphviz_alt(f"What moves: {', '.join(ids)}", builder)
    image["classes"] = ["ldm503-graph-image"]
    # Written into the page like the other diagrams (web.py): the page's panel, dark
    # mode, link focus and tooltips. A slip that moves many milestones gets the
    # explorer (zoom, search, full size) and the room of an overview; a few boxes need
    # neither.
    image["svg_id"] = html_id(name)
    explorable = len(ids) > IMPACT_EXPLORER_FROM
    image["explorable"] = explorable
    image.line = node.line
    key = nodes.paragraph(IMPACT_KEY, IMPACT_KEY, classes=["ldm503-graph-key"])
    classes = ["ldm503-graph", "ldm503-wide"] if explorable else ["ldm503-graph"]
    return [nodes.container("", image, key, classes=classes)]


def _previous_rows(domain: MilestoneDomain, location: tuple[str, int | None]) -> list[Milestone]:
    """Rows of ``ldm503_catalog_previous``, read once per build; problems warned once."""
    return domain.previous_catalog_rows(Location(location[0], location[1]))


def render_changes(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain
) -> list[nodes.Node]:
    """The summary first (counts per kind, slips ranked by size), then the rows.

    A baseline comparison of a real schedule has hundreds of rows: on HTML pages
    they are folded (:class:`changes_details`, ``:open:`` unfolds them); other
    builders print a compact table (a row per milestone, predecessors counted)
    instead of one with every predecessor spelt out.
    """
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
    # Predecessor churn among tickets and activity codes is filtered before the kinds
    # are selected, so that ":kinds: predecessors" means the predecessors that count.
    diff = drop_ignored_predecessors(diff_catalogs(previous, domain.catalog_rows()),
                                     domain.check_config().drift_ignore_patterns)
    changes = select_changes(
        diff,
        include=parse_list(options.get("include") or ""),
        exclude=parse_list(options.get("exclude") or ""),
        kinds=kinds, sort=sort,
    )
    docname = transform.env.docname
    container = nodes.container(classes=["ldm503-changes", *(options.get("class") or "").split()])
    container += nodes.paragraph("", "", *_summary(changes),
                                 classes=["ldm503-changes-summary"])
    slips = _ranked_slips_para(changes, docname, plain=transform.builder.format == "text")
    if slips is not None:
        container += slips
    if not changes:
        return [container]
    if transform.builder.format != "html":
        container += _compact_table(changes, docname, _row_limit(options))
        return [container]
    columns = ["ldm503-col-id", "ldm503-col-title", "ldm503-col-message", "ldm503-col-slip"]
    rows = [_change_row(change, docname) for change in changes]
    table = make_table(["Milestone", "Title", "Change", "Slip"], rows, [12, 30, 50, 8],
                       ["ldm503-changes-table"], columns)
    count = len(changes)
    label = f"All {count} change{'' if count == 1 else 's'}, one row per milestone"
    unfolded = "open" in options and (options["open"] or "yes").strip().lower() not in (
        "no", "false", "0")
    container += changes_details("", table, summary=label, open=unfolded)
    return [container]


def _summary(changes: list[Change]) -> list[nodes.Node]:
    """Counts per kind of change, one sentence (the first thing the reader sees)."""
    counts = change_counts(changes)
    labels = {"moved-earlier": "moved earlier", "predecessors": "changed predecessors"}
    parts = [f"{n} {labels.get(kind, kind)}" for kind, n in counts.items() if n]
    if counts["slipped"]:
        parts[0] += f" (the largest slip: {days_text(worst_slip(changes))})"
    text = "; ".join(parts) + "." if parts else "No changes."
    return [nodes.Text(text)]


#: Slips named in the summary; the rest are counted (every one is in the rows).
SUMMARY_SLIPS = 10


def _ranked_slips_para(changes: list[Change], docname: str, *, plain: bool = False
                       ) -> nodes.paragraph | None:
    """"Largest slips: A +419 days, B +346 days, ...": the IDs linked when declared.

    ``plain`` for the text builder, which would print a bold label with its asterisks.
    """
    ranked = ranked_slips(changes)
    if not ranked:
        return None
    para = nodes.paragraph(classes=["ldm503-changes-slips"])
    label = "Largest slips:"
    para += nodes.Text(label) if plain else nodes.strong(label, label)
    para += nodes.Text(" ")
    for i, change in enumerate(ranked[:SUMMARY_SLIPS]):
        if i:
            para += nodes.Text(", ")
        para += ms_xref(change.id, docname)
        days = f"\u00a0+{days_text(change.days or 0)}".replace(" ", "\u00a0")
        para += nodes.inline(days, days, classes=["ldm503-changes-days"])
    left = len(ranked) - SUMMARY_SLIPS
    para += nodes.Text(f" and {left} more." if left > 0 else ".")
    return para


class changes_details(nodes.General, nodes.Element):
    """Rows a reader opens on demand: ``<details>`` in HTML, with ``summary`` (text)
    as the line that opens it and ``open`` to start unfolded.

    Other builders print the children as they are (the changes page gives them a
    compact table instead, so this node is made for HTML pages only).
    """


def visit_changes_details_html(self: Any, node: nodes.Element) -> None:
    attributes = {"open": "open"} if node.get("open") else {}
    self.body.append(self.starttag(node, "details", "", CLASS="ldm503-changes-details",
                                   **attributes))
    self.body.append(f"<summary>{self.encode(node['summary'])}</summary>\n")


def depart_changes_details_html(self: Any, node: nodes.Element) -> None:
    self.body.append("</details>\n")


def _pass(self: Any, node: nodes.Element) -> None:
    """Other builders: the children alone."""


_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
#: A date, or a move from one date to another ("2019-01-04 -> 2019-11-05").
_DATES = re.compile(r"(\d{4}-\d{2}-\d{2}(?: -> \d{4}-\d{2}-\d{2})?)")


def _dated_text(text: str) -> list[nodes.Node]:
    """``text`` with each ISO date in an ``ldm503-date`` span, which CSS keeps whole, and
    each move from one date to another in an ``ldm503-move`` span around both (a line
    broken inside "->" reads as a minus and a stray ">")."""
    out: list[nodes.Node] = []
    for i, part in enumerate(_DATES.split(text)):
        if not part:
            continue
        if not i % 2:
            out.append(nodes.Text(part))
            continue
        dates = [nodes.inline(d, d, classes=["ldm503-date"]) if j % 2 else nodes.Text(d)
                 for j, d in enumerate(_DATE.split(part)) if d]
        out += dates if len(dates) == 1 else [nodes.inline("", "", *dates,
                                                             classes=["ldm503-move"])]
    return out


def _change_cell(change: Change, docname: str) -> list[nodes.Node]:
    """:meth:`Change.describe`'s sentences, with each predecessor's ID as a link (when
    declared) and each ID and date never broken at its hyphens."""
    out: list[nodes.Node] = []
    for kind, line in zip(change.kinds, change.describe(), strict=True):
        if out:
            out.append(nodes.Text("; "))
        if kind != "predecessors":
            out += _dated_text(line)
            continue
        out.append(nodes.Text("schedule predecessors "))
        if change.added:
            out.append(nodes.Text("gained "))
            out += id_links(change.added, docname)
        if change.removed:
            out.append(nodes.Text("; lost " if change.added else "lost "))
            out += id_links(change.removed, docname)
        if change.old_cut or change.new_cut:
            which = "old" if change.old_cut else "new"
            out.append(nodes.Text(f" (the {which} export cut the list short)"))
    return out


def _slip_text(change: Change) -> str:
    return f"+{change.days}" if "slipped" in change.kinds and change.days else (
        str(change.days) if "moved-earlier" in change.kinds else "")


def _change_row(change: Change, docname: str) -> tuple[list[list[nodes.Node]], list[str]]:
    # Each sentence starts with what happened ("slipped 346 days", "completed on ..."),
    # so the kinds need no badge of their own; the row classes carry them for CSS.
    return ([[ms_xref(change.id, docname)], text_cell(change.title), _change_cell(change, docname),
             text_cell(_slip_text(change))],
            [f"ldm503-change-{k}" for k in change.kinds])


#: Rows a printed changes table shows unless ``:print-rows:`` says otherwise: a
#: baseline comparison of a real schedule has hundreds, twenty pages of a PDF.
PRINT_ROWS = 80


def _row_limit(options: dict[str, str]) -> int | None:
    """``:print-rows:``: the rows a printed table shows at most, None for ``all``;
    :data:`PRINT_ROWS` when unset or not a number (the directive warned while reading)."""
    raw = (options.get("print-rows") or "").strip().lower()
    if raw == "all":
        return None
    return int(raw) if raw.isdigit() else PRINT_ROWS


def _compact_table(changes: list[Change], docname: str, limit: int | None) -> list[nodes.Node]:
    """The rows for print and text: a line each (ID, a few words per change);
    beyond ``limit`` rows, the most significant ones and a sentence on the rest."""
    shown = changes if limit is None or len(changes) <= limit else most_significant(
        changes, limit)
    # The slip is in the words ("slipped 419 days: ..."): two columns leave the words
    # the width of the page, a line per row.
    rows: list[tuple[list[list[nodes.Node]], list[str]]] = [
        ([[ms_xref(c.id, docname)], text_cell("; ".join(c.brief()))],
         [f"ldm503-change-{k}" for k in c.kinds]) for c in shown]
    out: list[nodes.Node] = [make_table(
        ["Milestone", "Change"], rows, [16, 84],
        ["ldm503-changes-table", "ldm503-changes-compact", "longtable"],
        ["ldm503-col-id", "ldm503-col-message"])]
    left = len(changes) - len(shown)
    if left:
        text = (f"{left} smaller change{'' if left == 1 else 's'} not printed: the rows "
                "above are those that matter most (slips by size, then earlier dates, "
                "completions, new and removed milestones, renames, predecessors). The HTML "
                "page lists every change.")
        out.append(nodes.paragraph(text, text, classes=["ldm503-changes-left-out"]))
    return out


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
    from ..render.htmltext import html_text
    from ..render.svgtext import natural_width

    name = _timeline_file(Path(self.builder.outdir) / self.builder.imagedir, node)
    uri = f"{self.builder.imgpath}/{name}"
    alt = html_text(node["alt"])
    width = natural_width(node["data"][:2000].decode("utf-8", "replace"))
    # Scaled to the column, but never below two thirds of its size (CSS scrolls it then):
    # the narrowest themes' columns (alabaster's 660 px) fit a chart of the usual 960.
    style = f' style="min-width: {round(width * 2 / 3)}px"' if width else ""
    self.body.append(f'<div class="ldm503-timeline-image"><object data="{html_text(uri)}" '
                     f'type="image/svg+xml" aria-label="{alt}"{style}><p>{alt}</p></object>'
                     "</div>\n")
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
    passing = (_pass, _pass)
    app.add_node(changes_details, html=(visit_changes_details_html, depart_changes_details_html),
                 latex=passing, text=passing, man=passing, texinfo=passing)
    app.add_node(timeline_image, html=(visit_timeline_html, None),
                 latex=(visit_timeline_latex, None), text=skip, man=skip, texinfo=skip)
    app.connect("config-inited", on_config_inited)
