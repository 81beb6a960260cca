"""The timeline chart: the plan as the Gantt-like chart LDM-503 publishes, drawn with matplotlib.

Pure (no Sphinx): :func:`select_rows` decides what is drawn from the model and
:func:`render` turns it into SVG (HTML) or PDF (LaTeX) bytes, the same bytes for
the same input. matplotlib is an optional dependency (the ``timeline`` extra);
:func:`available` says whether it is installed, so the directive can fall back
to a list with one warning instead of failing.

What is drawn: a date axis; one row per milestone, grouped by campaign (the
document that declares it) or ID prefix; a diamond at the milestone's date
(filled when completed); a bar from the baseline (due) date to the forecast when
they differ (the slip, red when late); a "today" line; optionally the
dependencies as arrows.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ..core.classify import matches_globs
from ..core.model import Milestone, Plan
from ..core.schedule import active_edges, milestone_date
from .graph.escape import clean_text

Group = Literal["campaign", "prefix", "none"]
GROUPS: tuple[str, ...] = ("campaign", "prefix", "none")

#: Figure width in inches at 100 dpi: a 1,000 px text column.
WIDTH_IN = 10.0
ROW_IN = 0.24
DPI = 100
FONT_SIZE = 8.5
TITLE_CHARS = 34

LATE = "#b91c1c"
EARLY = "#15803d"
DONE = "#4d7c0f"
PLANNED_EDGE = "#1f2937"
ARROW = "#9ca3af"
TODAY = "#2563eb"

#: Every text artist: author text is drawn as it is written (see :func:`render`).
PLAIN_TEXT: dict[str, Any] = {"usetex": False, "parse_math": False}


@dataclass(frozen=True, slots=True)
class TimelineOptions:
    """What the chart shows; ``start``/``end`` clip the date axis and drop rows outside it."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    group: Group = "campaign"
    arrows: bool = False
    today: date | None = None
    #: Group keys (docnames for ``campaign``) to the labels shown (document titles).
    group_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Row:
    milestone: Milestone
    when: date
    group: str


#: The dates a chart draws. matplotlib places dates from 0001 to 9999 only, and an
#: axis, its margins and its ticks run past a date near either end, which stopped
#: the build. Dates there are not plan dates but placeholders (schedule exports
#: write 9999-12-31 or 0001-01-01 for "no date"), and drawing one would squash the
#: real schedule into a line: such milestones are left out, and named.
DRAWN_FROM = date(100, 1, 1)
DRAWN_TO = date(9899, 12, 31)
#: The axis never runs past what matplotlib can place, whatever the margins.
_AXIS_FROM = date(1, 1, 2)
_AXIS_TO = date(9999, 12, 30)


def drawable(when: date) -> bool:
    """Whether a date is placed on a chart (see :data:`DRAWN_FROM`)."""
    return DRAWN_FROM <= when <= DRAWN_TO


def split_drawable(rows: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """The rows a chart draws, and those whose date is too far off to (see :data:`DRAWN_FROM`)."""
    return ([r for r in rows if drawable(r.when)], [r for r in rows if not drawable(r.when)])


def available() -> bool:
    """Whether matplotlib is installed (``pip install sphinxext-ldm503[timeline]``)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _prefix(milestone_id: str) -> str:
    """``LDM-503`` of ``LDM-503-10b``, ``DM-DRP`` of ``DM-DRP-4``, ``CAMM`` of ``CAMM8040``."""
    head, sep, tail = milestone_id.rpartition("-")
    if sep and tail[:1].isdigit():
        return head
    letters = "".join(c for c in milestone_id if c.isalpha())
    return letters or milestone_id


def select_rows(plan: Plan, options: TimelineOptions) -> tuple[list[Row], list[Milestone]]:
    """The rows to draw, grouped then by date, and the selected milestones without a date.

    Without ``include`` the plan's own (declared) milestones are drawn, as in the
    schedule table; ``include`` globs may add any milestone the plan knows.
    """
    rows: list[Row] = []
    undated: list[Milestone] = []
    for ms in plan:
        chosen = matches_globs(ms.id, options.include) if options.include else ms.declared
        if not chosen or matches_globs(ms.id, options.exclude):
            continue
        when = milestone_date(ms)
        if when is None:
            undated.append(ms)
            continue
        if (options.start and when < options.start) or (options.end and when > options.end):
            continue
        if options.group == "campaign":
            group = ms.docname or "not declared"
        elif options.group == "prefix":
            group = _prefix(ms.id)
        else:
            group = ""
        rows.append(Row(ms, when, group))
    first_date: dict[str, date] = {}
    for row in rows:
        first_date[row.group] = min(first_date.get(row.group, row.when), row.when)
    rows.sort(key=lambda r: (first_date[r.group], r.group, r.when, r.milestone.key))
    return rows, undated


def _label(ms: Milestone) -> str:
    # clean_text: XML cannot hold control characters, and an SVG with one is not drawn at all.
    title = clean_text(ms.title)
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rstrip() + "\u2026"
    return f"{clean_text(ms.id)}  {title}" if title else clean_text(ms.id)


def render(
    plan: Plan,
    options: TimelineOptions,
    fmt: Literal["svg", "pdf", "png"] = "svg",
    *,
    url_for: Callable[[Milestone], str | None] = lambda ms: None,
) -> bytes:
    """The chart as bytes; raises ``RuntimeError`` when matplotlib is missing.

    ``url_for`` links each milestone's diamond to its anchor (SVG only). Output
    is deterministic: no creation date, fixed SVG ids.
    """
    try:
        import matplotlib
    except ImportError:
        raise RuntimeError("matplotlib is not installed: pip install "
                           "'sphinxext-ldm503[timeline]'") from None
    # A figure on the Agg canvas of its own: the process's backend (pyplot's, a
    # notebook's) is left as it is.
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows, _far_off = split_drawable(select_rows(plan, options)[0])
    # Titles and document titles are text, never markup: no mathtext ("$5M and $3M"
    # is money, "$x^{2$" is no formula) and no TeX, whatever the host's rcParams say.
    rc: dict[str, Any] = {"svg.hashsalt": "ldm503", "svg.fonttype": "none", "font.size": FONT_SIZE,
          "pdf.fonttype": 42, "text.usetex": False, "text.parse_math": False}
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        separators = [i for i in range(1, len(rows)) if rows[i].group != rows[i - 1].group]
        height = max(1.6, (len(rows) + len(separators) + 2) * ROW_IN + 0.9)
        fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        y_of: dict[str, float] = {}
        labels: list[tuple[float, str]] = []
        y = 0.0
        previous_group: str | None = None
        group_heads: list[tuple[float, str]] = []
        for row in rows:
            if options.group != "none" and row.group != previous_group:
                head = clean_text(options.group_labels.get(row.group, row.group))
                group_heads.append((y, head))
                y += 1
                previous_group = row.group
            y_of[row.milestone.key] = y
            labels.append((y, _label(row.milestone)))
            y += 1
        for row in rows:
            _draw_row(ax, row, y_of[row.milestone.key], url_for, mdates)
        if options.arrows:
            _draw_arrows(ax, plan, y_of, mdates)
        for gy, head in group_heads:
            ax.axhline(gy + 0.5, color="#e5e7eb", linewidth=0.6, zorder=0)
            ax.text(0.0, gy, head, transform=ax.get_yaxis_transform(), ha="right",
                    va="center", fontweight="bold", fontsize=FONT_SIZE + 0.5,
                    color="#111827", clip_on=False, **PLAIN_TEXT)
        ax.set_yticks([ly for ly, _ in labels], [text for _, text in labels],
                      **PLAIN_TEXT)
        ax.set_ylim(y - 0.5 if rows else 0.5, -0.8)
        ax.tick_params(axis="y", length=0, labelsize=FONT_SIZE)
        _date_axis(ax, rows, options, mdates)
        lo, hi = ax.get_xlim()
        if options.today is not None and lo <= mdates.date2num(options.today) <= hi:
            # Off the axis, its label would stretch the figure (and tight_layout gives up).
            x = mdates.date2num(options.today)
            ax.axvline(x, color=TODAY, linestyle="--", linewidth=1.0, zorder=1)
            ax.text(x, -0.75, f" today {options.today.isoformat()}", color=TODAY, va="top",
                    fontsize=FONT_SIZE - 0.5, **PLAIN_TEXT)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#e5e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        fig.tight_layout()
        out = io.BytesIO()
        metadata: dict[str, Any] = ({"Date": None} if fmt == "svg" else
                                    {"CreationDate": None} if fmt == "pdf" else {})
        fig.savefig(out, format=fmt, metadata=metadata)
    return out.getvalue()


def _draw_row(ax: Any, row: Row, y: float, url_for: Callable[[Milestone], str | None],
              mdates: Any) -> None:
    ms = row.milestone
    x = mdates.date2num(row.when)
    if ms.due and ms.due != row.when:
        start = mdates.date2num(ms.due)
        colour = LATE if row.when > ms.due else EARLY
        ax.barh(y, x - start, left=start, height=0.32, color=colour, alpha=0.35,
                edgecolor="none", zorder=2)
    done = ms.is_completed
    (marker,) = ax.plot([x], [y], marker="D", markersize=6.5, linestyle="none",
                        markerfacecolor=DONE if done else "white",
                        markeredgecolor=DONE if done else PLANNED_EDGE,
                        markeredgewidth=1.2, zorder=4)
    url = url_for(ms)
    if url:
        marker.set_url(url)
    marker.set_gid(f"ldm503-tl-{ms.anchor}")


def _draw_arrows(ax: Any, plan: Plan, y_of: Mapping[str, float], mdates: Any) -> None:
    for edge in active_edges(plan):
        source, target = edge.source, edge.target
        if source.key not in y_of or target.key not in y_of:
            continue
        start, end = milestone_date(target), milestone_date(source)
        if start is None or end is None:
            continue
        late = start > end
        ax.annotate(
            "", xy=(mdates.date2num(end), y_of[source.key]),
            xytext=(mdates.date2num(start), y_of[target.key]),
            arrowprops={"arrowstyle": "-|>", "color": LATE if late else ARROW,
                        "linewidth": 0.8 if not late else 1.1, "shrinkA": 4, "shrinkB": 4,
                        "mutation_scale": 7},
            zorder=3,
        )


def _date_axis(ax: Any, rows: Sequence[Row], options: TimelineOptions, mdates: Any) -> None:
    dates = [r.when for r in rows] + [r.milestone.due for r in rows if r.milestone.due]
    if options.today:
        dates.append(options.today)
    dates = [d for d in dates if drawable(d)]  # a far-off due date would squash the rest
    lo = options.start or (min(dates) if dates else date.today())
    hi = options.end or (max(dates) if dates else date.today())
    pad = max((hi - lo).days * 0.03, 15)
    # Clamped: matplotlib cannot place a tick or a limit outside 0001-9999 (an
    # explicit :start: 0001-01-01 or :end: 9999-12-31 is the author's to ask for).
    ax.set_xlim(max(mdates.date2num(lo) - pad, mdates.date2num(_AXIS_FROM)),
                min(mdates.date2num(hi) + pad, mdates.date2num(_AXIS_TO)))
    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", labelsize=FONT_SIZE)


def parse_timeline_options(raw: Mapping[str, str | None], *, today: date | None = None,
                           group_labels: Mapping[str, str] | None = None) -> TimelineOptions:
    """A directive's options; ``ValueError`` with a message naming the option."""
    from ..core.parsing import parse_date, parse_list

    values: dict[str, Any] = {"today": today, "group_labels": dict(group_labels or {})}
    for name, value in raw.items():
        text = (value or "").strip()
        if name in ("include", "exclude"):
            values[name] = parse_list(text)
            if not values[name]:
                raise ValueError(f":{name}: needs at least one ID or glob pattern")
        elif name in ("start", "end"):
            try:
                values[name] = parse_date(text)
            except ValueError as exc:
                raise ValueError(f":{name}: {exc}") from None
        elif name == "group":
            if text.lower() not in GROUPS:
                raise ValueError(f":group: must be one of {', '.join(GROUPS)}, not {text!r}")
            values["group"] = text.lower()
        elif name == "arrows":
            values["arrows"] = text.lower() not in ("no", "false", "0")
    if values.get("start") and values.get("end") and values["start"] > values["end"]:
        raise ValueError(":start: is after :end:")
    return TimelineOptions(**values)
