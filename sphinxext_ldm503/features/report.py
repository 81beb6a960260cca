"""Sphinx side of the consistency report: ``milestone-report`` and ``milestone-table``.

Both render from the merged plan and findings at resolve time (their documents
depend on the whole plan, so the domain rewrites them whenever it changes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes

from ..core.checks import CHECK_NAMES
from ..core.model import SEVERITIES, Finding, Milestone, id_key, natural_key
from ..framework import nodes as ldm_nodes
from ..framework.blocks import Item, MsLink, Para, Span, html_block
from ..framework.directives import PlanPlaceholderDirective, badge, ms_xref
from ..framework.domain import PLAN_FACTS
from ..framework.placeholders import (
    PlaceholderTransform,
    add_renderer,
    status_span,
)
from ..framework.words import whole_words
from ..render.graph import matches_globs

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from ..framework.domain import MilestoneDomain

TABLE_COLUMNS: dict[str, str] = {
    "id": "ID",
    "title": "Title",
    "due": "Due",
    "forecast": "Forecast",
    "completed": "Completed",
    "status": "Status",
    "queries": "Open queries",
    "findings": "Findings",
    "slack": "Slack",
}
#: Columns shown when ``:columns:`` is not given (``slack`` only on request).
DEFAULT_COLUMNS: tuple[str, ...] = tuple(c for c in TABLE_COLUMNS if c != "slack")
SORT_KEYS = ("id", "due", "forecast")


class MilestoneReportDirective(PlanPlaceholderDirective):
    """``.. milestone-report::``: the findings of the checks, as a summary and a table."""

    node_class = ldm_nodes.milestone_report
    shows = PLAN_FACTS  # findings, and the milestones they name by link
    known_options = ("checks", "severity", "class")

    def parse_options(self) -> dict[str, Any]:
        return {
            "checks": self.names("checks", CHECK_NAMES),
            "severity": self.names("severity", SEVERITIES, lower=True),
            "class": self.classes(),
        }


class MilestoneTableDirective(PlanPlaceholderDirective):
    """``.. milestone-table::``: the plan's schedule, one row per milestone."""

    node_class = ldm_nodes.milestone_table
    shows = PLAN_FACTS  # a row of each milestone's own facts, queries, slack, findings
    known_options = ("include", "exclude", "columns", "sort", "class")

    def parse_options(self) -> dict[str, Any]:
        sort = self.names("sort", SORT_KEYS, lower=True)
        if sort is not None and len(sort) > 1:
            self.invalid(f"{self.name}: :sort: takes one of {', '.join(SORT_KEYS)}")
        return {
            "include": self.globs("include"),
            "exclude": self.globs("exclude"),
            "columns": self.names("columns", tuple(TABLE_COLUMNS), lower=True) or None,
            "sort": sort[0] if sort else "id",
            "class": self.classes(),
        }


#: A table cell: the nodes of its paragraph, or the paragraph itself (one of BLOCK_NODES).
Cell = list[nodes.Node]
#: What a block (framework/blocks.py) becomes: a paragraph, or on HTML pages one node.
BLOCK_NODES = (nodes.paragraph, html_block)
#: A table row: its cells and the row's CSS classes.
Row = tuple[list[Cell], list[str]]


def make_table(
    headers: Sequence[str], rows: Iterable[Row],
    widths: Sequence[int], classes: Sequence[str], column_classes: Sequence[str] = (),
) -> nodes.table:
    """A docutils table; each row is (cells, row classes), each cell a node list.

    ``colwidths-given`` makes HTML honour the widths, so messages get the room;
    ``column_classes`` lets CSS keep dates and IDs on one line.
    """
    table = nodes.table(classes=["colwidths-given", *classes])
    tgroup = nodes.tgroup(cols=len(headers))
    table += tgroup
    for width in widths:
        tgroup += nodes.colspec(colwidth=width)
    head = nodes.row()
    for header in headers:
        head += nodes.entry("", nodes.paragraph(header, header))
    tgroup += nodes.thead("", head)
    body = nodes.tbody()
    for cells, row_classes in rows:
        row = nodes.row(classes=row_classes)
        for i, cell in enumerate(cells):
            entry_classes = [column_classes[i]] if i < len(column_classes) else []
            # An empty cell is an empty entry: a plan's table is mostly empty dates
            # and counts, and a paragraph in each is a third of a large table's nodes.
            # A cell made as a block (a paragraph already) goes in as it is.
            content = (cell if len(cell) == 1 and isinstance(cell[0], BLOCK_NODES)
                       else [nodes.paragraph("", "", *cell)] if cell else [])
            row += nodes.entry("", *content, classes=entry_classes)
        body += row
    tgroup += body
    return table


def cell_text(value: object) -> str:
    """A table cell's value as text: None and empty values leave the cell empty."""
    return "" if value is None else str(value)


def text_cell(value: object) -> list[nodes.Node]:
    """A cell of a table made of nodes (the schedule views'), from its value."""
    text = cell_text(value)
    return [nodes.Text(text)] if text else []


#: Makes the link to a milestone (:meth:`PlaceholderTransform.link`).
Linker = Callable[[str], nodes.Element]


def id_links(ids: Iterable[str], docname: str) -> list[nodes.Node]:
    """IDs as links (each resolved later, or left as text), comma-separated."""
    return linked_ids(ids, lambda ms_id: ms_xref(ms_id, docname))


def linked_ids(ids: Iterable[str], link: Linker) -> list[nodes.Node]:
    """IDs as links made by ``link`` (a renderer's, which may make them at once)."""
    out: list[nodes.Node] = []
    for i, ms_id in enumerate(ids):
        if i:
            out.append(nodes.Text(", "))
        out.append(link(ms_id))
    return out


def render_report(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain
) -> list[nodes.Node]:
    options: dict[str, Any] = node["options"]
    findings = list(domain.findings)
    if options.get("checks") is not None:
        wanted = set(options["checks"])
        findings = [f for f in findings if f.check in wanted]
    if options.get("severity") is not None:
        severities = set(options["severity"])
        findings = [f for f in findings if f.severity in severities]
    container = nodes.container(classes=["ldm503-report", *options.get("class", ())])
    container += _summary(findings)
    if not findings:
        container += nodes.paragraph("No findings.", "No findings.")
        return [container]
    rows = [_finding_row(f, transform.link, transform.env) for f in findings]
    container += make_table(
        ["Severity", "Check", "Milestone", "Related", "Message", "Source"], rows,
        [8, 14, 11, 13, 42, 12], ["ldm503-report", "longtable"],
        ["ldm503-col-severity", "ldm503-col-check", "ldm503-col-id", "ldm503-col-related",
         "ldm503-col-message", "ldm503-col-source"],
    )
    return [container]


def _summary(findings: list[Finding]) -> nodes.Node:
    counts: Counter[tuple[str, str]] = Counter(
        (f.check, "waived" if f.waived else f.severity) for f in findings)
    present = {f.check for f in findings}
    checks = [name for name in CHECK_NAMES if name in present]  # the registry's order
    columns = [*SEVERITIES, "waived"]
    rows: list[Row] = []
    for check in checks:
        cells: list[Cell] = [[nodes.literal(check, check)]]
        cells += [text_cell(counts.get((check, col), "") or "") for col in columns]
        rows.append((cells, []))
    totals: list[Cell] = [[nodes.strong("Total", "Total")]]
    totals += [text_cell(sum(n for (_c, col2), n in counts.items() if col2 == col) or "")
               for col in columns]
    rows.append((totals, ["ldm503-total"]))
    return make_table(["Check", *columns], rows, [20, 8, 8, 8, 8], ["ldm503-summary"])


def finding_source(env: BuildEnvironment, finding: Finding) -> str:
    """``chapter.rst:12`` for a document, the file name for the catalog."""
    loc = finding.location
    assert loc is not None
    if loc.docname in env.all_docs:
        path = str(env.doc2path(loc.docname, False))
    else:
        path = Path(loc.docname).name
    return f"{path}:{loc.line}" if loc.line else path


def source_cell(source: str) -> list[nodes.Node]:
    """``chapter.rst:12`` with the line number in a span CSS makes a box of its own
    (``ldm503-line``): a narrow column breaks the cell before the number or after a
    hyphen of the path, not inside a name or the number ("daq.rst:1" over "8").

    A box, not a ``<wbr>`` break: Chromium breaks at ``<wbr>`` even in a cell kept on
    one line (``white-space: nowrap``, where the column has the room)."""
    path, colon, line = source.rpartition(":")
    if not (colon and line.isdigit()):
        return [nodes.Text(source)]
    return [nodes.Text(path), nodes.inline(f":{line}", f":{line}", classes=["ldm503-line"])]


def _finding_row(finding: Finding, link: Linker, env: BuildEnvironment) -> Row:
    sev = finding.severity
    severity: list[nodes.Node] = [nodes.inline(sev, sev, classes=[f"ldm503-severity-{sev}"])]
    if finding.waived:
        reason = f"waived: {finding.waiver_reason}" if finding.waiver_reason else "waived"
        severity += [nodes.Text(" "), badge(reason, "ldm503-waived")]
    milestone = linked_ids([finding.milestone], link) if finding.milestone else []
    source = source_cell(finding_source(env, finding)) if finding.location else []
    classes = [f"ldm503-finding-{sev}"] + (["ldm503-waived-row"] if finding.waived else [])
    return (
        [severity, [nodes.literal(finding.check, finding.check)], milestone,
         linked_ids(finding.related, link), whole_words(finding.message), source],
        classes,
    )


def lateness(ms: Milestone, today: date) -> str | None:
    """How a milestone stands against its due date, in the words the table shows.

    ``overdue``: the due date has passed and the milestone is not complete.
    ``forecast late``: still ahead of its due date, but forecast to finish after
    it (a warning, not a missed date). ``completed late``: done, after the due
    date. None: on time, descoped, or undated.
    """
    if ms.is_descoped or not ms.due:
        return None
    if ms.is_completed:
        return "completed late" if ms.completed and ms.completed > ms.due else None
    if ms.due < today:
        return "overdue"
    if ms.forecast and ms.forecast > ms.due:
        return "forecast late"
    return None


def is_overdue(ms: Milestone, today: date) -> bool:
    """The due date has passed and the milestone is not complete."""
    return lateness(ms, today) == "overdue"


def render_table(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain
) -> list[nodes.Node]:
    options: dict[str, Any] = node["options"]
    plan = domain.plan
    include = options.get("include") or ()
    exclude = options.get("exclude") or ()
    milestones = [ms for ms in plan if (matches_globs(ms.id, include) if include else ms.declared)]
    milestones = [ms for ms in milestones if not matches_globs(ms.id, exclude)]
    columns = list(options.get("columns") or DEFAULT_COLUMNS)
    sort = options.get("sort") or "id"
    if sort == "id":
        milestones.sort(key=lambda m: natural_key(m.id))
    else:
        milestones.sort(key=lambda m: (getattr(m, sort) is None, getattr(m, sort) or date.min,
                                       natural_key(m.id)))

    today = domain.check_config().today or date.today()
    per_milestone = Counter(id_key(f.milestone) for f in domain.findings
                            if f.milestone and not f.waived and f.severity != "info")
    item_rows = tuple(
        # Only an overdue row is tinted: a slipped forecast or a late completion is a badge.
        ((f"ldm503-{late.replace(' ', '-')}",) if late else (),
         tuple(_table_cell(col, ms, late, domain, per_milestone) for col in columns))
        for ms in milestones for late in (lateness(ms, today),))
    column_classes = tuple(f"ldm503-col-{c}" for c in columns)
    # On HTML pages the rows are one node written straight to HTML (html_rows), else
    # each cell is a block (one node on HTML pages whose translator writes tables its
    # own way): as nodes, a 2,000-row table was most of its page's cost.
    direct = transform.html_rows(item_rows, column_classes)
    block = transform.block
    rows: list[Row] = [] if direct is not None else [
        ([[block(Para((), items))] if items else [] for items in cells], list(classes))
        for classes, cells in item_rows]
    widths = {"id": 12, "title": 34, "queries": 8, "findings": 8}
    table = make_table([TABLE_COLUMNS[c] for c in columns], rows,
                       [widths.get(c, 10) for c in columns],
                       # no-search: a row per milestone links to pages the search finds
                       # anyway (as "Required by"), and indexing thousands of rows cost a
                       # fifth of writing the page.
                       ["ldm503-table", "longtable", "no-search", *options.get("class", ())],
                       list(column_classes))
    if direct is not None:
        body = table.next_node(nodes.tbody)
        assert body is not None
        body += direct
    return [table]


def _table_cell(column: str, ms: Milestone, late: str | None, domain: MilestoneDomain,
                per_milestone: Counter[str]) -> tuple[Item, ...]:
    """One cell of the milestone table, as the items of its paragraph (none: empty)."""
    if column == "id":
        return (MsLink(ms.id),)
    if column == "title":
        return _text(ms.title)
    if column in ("due", "forecast", "completed"):
        value = getattr(ms, column)
        return _text(value.isoformat() if value else "")
    if column == "status":
        cell: tuple[Item, ...] = (status_span(ms, ms.key in domain.at_risk),)
        if late:
            css = "ldm503-overdue" if late == "overdue" else f"ldm503-{late.replace(' ', '-')}"
            cell += (" ", Span(late, ("ldm503-badge", css)))
        return cell
    if column == "queries":
        count = sum(1 for p in ms.prerequisites if p.query == "open")
        count += sum(1 for q in ms.queries if q.status == "open")
        return _text(count or "")
    if column == "slack":
        from ..core.schedule import min_slack

        slack = min_slack(domain.plan, ms.id)
        return _text("" if slack is None else slack)
    count = per_milestone.get(ms.key, 0)
    return _text(count or "")


def _text(value: object) -> tuple[Item, ...]:
    """A cell of the milestone table, which is written as blocks rather than nodes
    (:mod:`..framework.blocks`), from its value: the same text as :func:`text_cell`."""
    text = cell_text(value)
    return (text,) if text else ()


class ReportTransform(PlaceholderTransform):
    node_class = ldm_nodes.milestone_report
    #: Tables of text and links: on HTML pages filled after Sphinx's post-transforms,
    #: which would walk a report's thousands of nodes a dozen times, with its links
    #: made at once rather than by the resolver (see PlaceholderTransform.late).
    late = True

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        return render_report(self, node, domain)


class TableTransform(PlaceholderTransform):
    node_class = ldm_nodes.milestone_table
    late = True  # as ReportTransform: a row per milestone, of text and links

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        return render_table(self, node, domain)


def setup(app: Sphinx) -> None:
    """``milestone-report`` and ``milestone-table``: directives, placeholders, renderers."""
    for name, directive, transform in (
        ("milestone-report", MilestoneReportDirective, ReportTransform),
        ("milestone-table", MilestoneTableDirective, TableTransform),
    ):
        app.add_directive(name, directive)
        app.add_directive_to_domain("ldm503", name, directive)
        ldm_nodes.add_placeholder(app, transform.node_class)
        add_renderer(app, transform)
