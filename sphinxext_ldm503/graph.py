"""Dependency diagrams of the plan as DOT text, with no Sphinx inside.

The directive, the automatic per-milestone diagrams and the command line all
come here with a :class:`~sphinxext_ldm503.model.Plan` and a :class:`GraphOptions`
and get back DOT source; rendering (and its caching by content hash, the
missing-``dot`` warning, LaTeX output) is left to ``sphinx.ext.graphviz``.

Three things shape this module:

* Determinism. The same plan must give byte-identical DOT, whatever order
  documents were read in, so that ``sphinx.ext.graphviz`` reuses its cached
  images and two builds compare equal. Nodes are emitted sorted by ID key,
  edges in the plan's stable order, and node names are derived from IDs.
* Hostile text. Titles and IDs are author text that ends up inside DOT strings,
  where ``"``, ``\\N``, ``<...>`` and ``&amp;`` all mean something. The
  ``graphviz`` package quotes, and :func:`_label_text` / :func:`_tooltip_text`
  neutralise what it leaves alone (backslash escapes, entities, HTML-like
  strings), so what the reader sees is exactly what the author wrote.
* Legibility at page width. The whole-plan diagram of the example has 142
  milestones and must stay readable scaled to a 1,000 px column, so labels are
  IDs (titles live in tooltips), ranks are compact, and the timeline layout
  wraps crowded quarters onto several rows instead of growing sideways.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from fnmatch import fnmatchcase
from typing import Literal
from urllib.parse import quote

import graphviz

from .model import Edge, Milestone, Plan, id_key

Direction = Literal["requires", "required-by", "both"]
Layout = Literal["dependency", "timeline"]
ClusterMode = Literal["none", "prefix", "document"]
RankDir = Literal["LR", "TB", "RL", "BT"]
TransitiveMode = Literal["show", "hide"]
LabelMode = Literal["id", "title"]
Kind = Literal["test", "dm", "external"]

DIRECTIONS: tuple[str, ...] = ("requires", "required-by", "both")
LAYOUTS: tuple[str, ...] = ("dependency", "timeline")
CLUSTERS: tuple[str, ...] = ("none", "prefix", "document")
RANKDIRS: tuple[str, ...] = ("LR", "TB", "RL", "BT")
TRANSITIVE: tuple[str, ...] = ("show", "hide")
LABELS: tuple[str, ...] = ("id", "title")

DEFAULT_TEST_PATTERN = r"^LDM-503-"
DEFAULT_DM_PATTERN = r"^DM-"
DEFAULT_MAX_NODES = 300

#: Directive options that belong to the figure around the diagram, not to the
#: diagram: accepted by :func:`parse_graph_options` so a directive can hand over
#: all of its options, and otherwise ignored.
FIGURE_OPTIONS: frozenset[str] = frozenset({"name", "class", "align", "alt"})

# -- options -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GraphOptions:
    """What one diagram shows and how it is laid out.

    ``root`` limits the diagram to one milestone's neighbourhood: ``direction``
    says whether to follow what the root requires, what requires it, or both,
    for ``depth`` levels (None: all the way). ``neighbourhood`` is the small
    per-milestone diagram: the root, its direct prerequisites and what directly
    requires it, whatever ``depth`` and ``direction`` say. ``include`` and
    ``exclude`` are case-insensitive globs on IDs (the root is always kept).
    ``transitive="hide"`` leaves out edges implied by a longer path among the
    drawn milestones. ``rankdir`` None means the layout's own choice (LR for
    dependencies, TB for the timeline). ``labels="title"`` adds a shortened
    title under each ID, which suits small diagrams but not the whole plan.
    ``row_limit`` is how many milestones the timeline puts side by side in one
    quarter before wrapping onto another row. ``test_pattern`` and
    ``dm_pattern`` are regular expressions telling the plan's own test
    milestones and DM milestones from external ones.
    """

    root: str | None = None
    #: Further roots (``:root: A, B, C``): the diagram draws the union of their
    #: neighbourhoods, e.g. one campaign chapter's milestones and their inputs.
    more_roots: tuple[str, ...] = ()
    depth: int | None = None
    direction: Direction = "requires"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    layout: Layout = "dependency"
    cluster: ClusterMode = "none"
    rankdir: RankDir | None = None
    transitive: TransitiveMode = "show"
    caption: str = ""
    labels: LabelMode = "id"
    neighbourhood: bool = False
    row_limit: int = 8
    test_pattern: str = DEFAULT_TEST_PATTERN
    dm_pattern: str = DEFAULT_DM_PATTERN

    @classmethod
    def for_neighbourhood(cls, root: str, **overrides: object) -> GraphOptions:
        """The options of the automatic diagram beside each milestone.

        Small enough to afford titles in the labels, which the whole plan cannot.
        """
        values: dict[str, object] = {"root": root, "neighbourhood": True, "labels": "title"}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def effective_rankdir(self) -> RankDir:
        if self.rankdir is not None:
            return self.rankdir
        return "TB" if self.layout == "timeline" else "LR"


def _choice(option: str, value: str, allowed: tuple[str, ...], *, upper: bool = False) -> str:
    text = value.strip()
    text = text.upper() if upper else text.lower()
    if text not in allowed:
        raise ValueError(
            f":{option}: must be one of {', '.join(allowed)}, not {value.strip()!r}"
        )
    return text


def _globs(option: str, value: str) -> tuple[str, ...]:
    patterns = tuple(p for p in re.split(r"[,\s]+", value) if p)
    if not patterns:
        raise ValueError(f":{option}: needs at least one ID or glob pattern, e.g. LDM-503-*")
    return patterns


def parse_graph_options(
    options: Mapping[str, str | None], *, base: GraphOptions | None = None
) -> GraphOptions:
    """Turn a directive's raw option strings into :class:`GraphOptions`.

    ``base`` carries project-wide settings (from ``conf.py``) that the directive
    overrides. Raises ``ValueError`` with a message meant for the author, naming
    the option, so the caller can turn it into one located warning.
    """
    values: dict[str, object] = {}
    for raw_name, raw_value in options.items():
        name = raw_name.strip().lower()
        value = "" if raw_value is None else str(raw_value)
        if name in FIGURE_OPTIONS:
            continue
        if name == "root":
            roots = [r for r in re.split(r"[,\s]+", value) if r]
            if not roots:
                raise ValueError(":root: takes one or more milestone IDs")
            values["root"] = roots[0]
            values["more_roots"] = tuple(roots[1:])
        elif name == "depth":
            text = value.strip().lower()
            if text in ("", "all", "none"):
                values["depth"] = None
                continue
            try:
                depth = int(text)
            except ValueError:
                raise ValueError(
                    f":depth: takes a whole number of levels (or 'all'), not {value.strip()!r}"
                ) from None
            if depth < 1:
                raise ValueError(f":depth: must be 1 or more, not {depth}")
            values["depth"] = depth
        elif name == "direction":
            values["direction"] = _choice(name, value, DIRECTIONS)
        elif name in ("include", "exclude"):
            values[name] = _globs(name, value)
        elif name == "layout":
            values["layout"] = _choice(name, value, LAYOUTS)
        elif name == "cluster":
            values["cluster"] = _choice(name, value, CLUSTERS)
        elif name == "rankdir":
            values["rankdir"] = _choice(name, value, RANKDIRS, upper=True)
        elif name == "transitive":
            values["transitive"] = _choice(name, value, TRANSITIVE)
        elif name == "labels":
            values["labels"] = _choice(name, value, LABELS)
        elif name == "caption":
            values["caption"] = " ".join(value.split())
        elif name == "neighbourhood":
            values["neighbourhood"] = True
        else:
            known = (
                "root, depth, direction, include, exclude, layout, cluster, rankdir, "
                "transitive, labels, caption, neighbourhood"
            )
            raise ValueError(f"unknown option :{raw_name}: (known options: {known})")
    if values.get("depth") is not None and "root" not in values and not (base and base.root):
        raise ValueError(":depth: only makes sense with :root:")
    return replace(base or GraphOptions(), **values)  # type: ignore[arg-type]


# -- selection -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubPlan:
    """The milestones and edges one diagram draws.

    ``hidden`` holds the edges left out by ``transitive="hide"``, so a caller
    can say how many were omitted. ``len()`` is the node count to compare with
    ``ldm503_graph_max_nodes``.
    """

    milestones: tuple[Milestone, ...]
    edges: tuple[Edge, ...]
    hidden: tuple[Edge, ...] = ()
    root: Milestone | None = None
    _keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.milestones)

    def __contains__(self, milestone_id: object) -> bool:
        return isinstance(milestone_id, str) and id_key(milestone_id) in self._keys

    @property
    def node_count(self) -> int:
        return len(self.milestones)


def matches_globs(milestone_id: str, patterns: Iterable[str]) -> bool:
    """Whether an ID matches any of the ``:include:``/``:exclude:`` globs, ignoring case."""
    return any(fnmatchcase(id_key(milestone_id), id_key(p)) for p in patterns)


def _reach(
    adjacency: Mapping[str, list[str]], start: str, depth: int | None
) -> set[str]:
    """Breadth-first reach from ``start`` up to ``depth`` steps, ``start`` included."""
    seen = {start}
    frontier = [start]
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        nxt = []
        for key in frontier:
            for other in adjacency.get(key, ()):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        frontier = sorted(nxt)
    return seen


def select(plan: Plan, options: GraphOptions | None = None) -> SubPlan:
    """Decide which milestones and edges a diagram draws.

    Reachability follows active edges only: a dropped prerequisite is kept for
    the record and drawn when both its ends are drawn anyway, but it never pulls
    a milestone into a diagram. Raises ``ValueError`` for an unknown root.
    """
    options = options or GraphOptions()
    root: Milestone | None = None
    keys: set[str] = set(plan.milestones)
    if options.root is not None:
        root = plan.get(options.root)
        if root is None:
            raise ValueError(
                f"milestone-graph root {options.root!r} is not a milestone of the plan"
            )
        requires: dict[str, list[str]] = {}
        required_by: dict[str, list[str]] = {}
        for edge in plan.edges:
            if edge.prerequisite.active:
                requires.setdefault(edge.source.key, []).append(edge.target.key)
                required_by.setdefault(edge.target.key, []).append(edge.source.key)
        if options.neighbourhood:
            depth, direction = 1, "both"
        else:
            depth, direction = options.depth, options.direction
        starts = [root.key]
        for extra in options.more_roots:
            other = plan.get(extra)
            if other is None:
                raise ValueError(f"milestone-graph root {extra!r} is not a milestone of the plan")
            starts.append(other.key)
        keys = set(starts)
        for start in starts:
            if direction in ("requires", "both"):
                keys |= _reach(requires, start, depth)
            if direction in ("required-by", "both"):
                keys |= _reach(required_by, start, depth)
    if options.include:
        keys = {k for k in keys if matches_globs(k, options.include)}
    if options.exclude:
        keys = {k for k in keys if not matches_globs(k, options.exclude)}
    if root is not None:
        keys.add(root.key)
        keys.update(plan.milestones[id_key(r)].key for r in options.more_roots)

    milestones = tuple(ms for key, ms in plan.milestones.items() if key in keys)
    edges = _one_edge_per_pair(
        e for e in plan.edges if e.source.key in keys and e.target.key in keys
    )
    hidden: list[Edge] = []
    if options.transitive == "hide":
        implied = _implied_edges(edges)
        hidden = [e for e in edges if (e.source.key, e.target.key) in implied]
        edges = [e for e in edges if (e.source.key, e.target.key) not in implied]
    return SubPlan(
        milestones=milestones,
        edges=tuple(edges),
        hidden=tuple(hidden),
        root=root,
        _keys=frozenset(keys),
    )


_QUERY_WEIGHT = {"open": 0, "resolved": 1, None: 2, "dropped": 3}


def _one_edge_per_pair(edges: Iterable[Edge]) -> list[Edge]:
    """A prerequisite listed twice is drawn once, with its most telling query state.

    Two arrows between the same milestones say nothing more (the duplicate is
    the checks' business), and ``dot`` can even abort on parallel edges inside
    clustered timeline rows. An open query beats a resolved one, which beats
    none; a dropped listing shows only when there is no other.
    """
    chosen: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        pair = (edge.source.key, edge.target.key)
        best = chosen.get(pair)
        if best is None or (
            _QUERY_WEIGHT[edge.prerequisite.query] < _QUERY_WEIGHT[best.prerequisite.query]
        ):
            chosen[pair] = edge
    return list(chosen.values())


def _implied_edges(edges: Iterable[Edge]) -> set[tuple[str, str]]:
    """Active edges that a longer path of active edges already implies.

    Works on the condensation so that cycles (a plan error the checks report)
    do not stop the diagram: edges inside a cycle are all kept.
    """
    import networkx as nx

    graph = nx.DiGraph()
    active = [e for e in edges if e.prerequisite.active and e.source.key != e.target.key]
    for edge in active:
        graph.add_edge(edge.source.key, edge.target.key)
    if graph.number_of_edges() == 0:
        return set()
    condensed = nx.condensation(graph)
    member = condensed.graph["mapping"]
    reduced = nx.transitive_reduction(condensed)
    implied = set()
    for edge in active:
        a, b = member[edge.source.key], member[edge.target.key]
        if a != b and not reduced.has_edge(a, b):
            implied.add((edge.source.key, edge.target.key))
    return implied


def size_warning(subplan: SubPlan, max_nodes: int = DEFAULT_MAX_NODES) -> str | None:
    """The advice to give when a diagram has more milestones than is readable.

    The diagram is still drawn; the caller turns this into a warning.
    """
    if max_nodes <= 0 or len(subplan) <= max_nodes:
        return None
    return (
        f"milestone-graph draws {len(subplan)} milestones, more than "
        f"ldm503_graph_max_nodes ({max_nodes}); it will be hard to read: "
        "narrow it with :root: (and :depth:), :include: or :exclude:, "
        "or group it with :cluster: prefix"
    )


# -- text outline (when dot is missing) ----------------------------------------


def text_outline(
    plan: Plan, options: GraphOptions | None = None, *, subplan: SubPlan | None = None
) -> list[tuple[Milestone, list[Edge]]]:
    """The same dependencies as plain data, for a text rendering without ``dot``.

    Each drawn milestone that requires something comes with its drawn edges (in
    the order its prerequisites were written); milestones that take part in no
    drawn edge follow with an empty list, so nothing drawn is lost.
    """
    subplan = subplan or select(plan, options)
    by_source: dict[str, list[Edge]] = {}
    involved: set[str] = set()
    for edge in subplan.edges:
        by_source.setdefault(edge.source.key, []).append(edge)
        involved.update((edge.source.key, edge.target.key))
    options = options or GraphOptions()
    root_key = subplan.root.key if subplan.root else None
    # Read like the plan: the root first, then the plan's own test milestones.
    ordered = sorted(
        subplan.milestones,
        key=lambda ms: (ms.key != root_key, kind_of(ms, options) != "test", ms.key),
    )
    out: list[tuple[Milestone, list[Edge]]] = []
    for ms in ordered:
        if ms.key in by_source:
            out.append((ms, by_source[ms.key]))
    for ms in ordered:
        if ms.key not in involved:
            out.append((ms, []))
    return out


def outline_text(plan: Plan, options: GraphOptions | None = None) -> str:
    """:func:`text_outline` as indented plain text (command line, text builder)."""
    lines = []
    for ms, edges in text_outline(plan, options):
        lines.append(ms.label)
        for edge in edges:
            mark = f" [{edge.prerequisite.query} query]" if edge.prerequisite.query else ""
            lines.append(f"    requires {edge.target.label}{mark}")
    return "\n".join(lines) + ("\n" if lines else "")


# -- classification ------------------------------------------------------------


def kind_of(ms: Milestone, options: GraphOptions | None = None) -> Kind:
    """Test milestone of this plan, DM milestone, or a milestone owned elsewhere."""
    options = options or GraphOptions()
    if ms.external:
        return "external"
    if re.search(options.test_pattern, ms.id, re.IGNORECASE):
        return "test"
    if re.search(options.dm_pattern, ms.id, re.IGNORECASE):
        return "dm"
    return "external"


_PREFIX_NUMBER = re.compile(r"^(?P<prefix>.+)-\d+[A-Za-z]*$")
_PREFIX_LETTERS = re.compile(r"^(?P<prefix>[A-Za-z]+)")


def prefix_of(milestone_id: str) -> str:
    """The group an ID belongs to: ``DM-AP-3`` → ``DM-AP``, ``CAMM8040`` → ``CAMM``.

    The ID up to its last ``-<number>`` part; failing that, up to its last dash;
    failing that, its leading letters.
    """
    match = _PREFIX_NUMBER.match(milestone_id)
    if match:
        return match.group("prefix")
    if "-" in milestone_id.strip("-"):
        return milestone_id.rsplit("-", 1)[0]
    match = _PREFIX_LETTERS.match(milestone_id)
    return match.group("prefix") if match else milestone_id


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


# -- escaping ------------------------------------------------------------------

_BACKSLASH_LOOKALIKE = "\u2216"  # SET MINUS, drawn like a backslash

#: dot rejects a quoted string of more than 16,384 bytes ("syntax error ... longer
#: than 16384?") and the whole diagram is lost. Text lines (IDs, titles, tooltip
#: lines) are cut to this many characters, names and ``id`` attributes to
#: ``_MAX_NAME``, and a URL longer than ``_MAX_URL`` bytes is left out.
_MAX_TEXT = 300
_MAX_NAME = 80
_MAX_URL = 8000


def _cap(text: str, limit: int = _MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _short_name(text: str, sep: str = "-", limit: int = _MAX_NAME) -> str:
    """A generated name cut to ``limit`` characters, kept unique by a hash of the whole."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    return f"{text[: limit - 13]}{sep}{digest.hexdigest()[:12]}"


def _clean(text: str) -> str:
    """One line of text that SVG can carry.

    Newlines and runs of spaces become single spaces; control characters,
    surrogates and non-characters, which XML cannot hold and dot would copy
    into the SVG, are dropped.
    """
    text = " ".join(text.split())
    if text.isprintable():
        return text
    return "".join(
        ch for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cs") and ch not in "\ufffe\uffff"
    )


def _entities(text: str) -> str:
    # Graphviz decodes HTML entities in labels, tooltips and URLs, and writes a
    # bare "&" in a URL unescaped into SVG: encoding every "&" makes the text
    # come out literally and the SVG well-formed.
    return text.replace("&", "&amp;")


def _label_text(text: str) -> str:
    """Text for an escString label, shown literally.

    Doubling backslashes keeps ``\\N``, ``\\l`` and friends from being expanded
    (graphviz's own quoting leaves them alone on purpose); ``nohtml`` keeps a
    title like ``<b>x</b>`` from becoming an HTML-like label.
    """
    return _entities(_cap(_clean(text)).replace("\\", "\\\\"))


def _tooltip_text(text: str) -> str:
    """Text for a tooltip line.

    Graphviz 2.4x runs tooltips through escape processing twice, so no number
    of doubled backslashes is right on every version: a look-alike character
    stands in for the backslash instead, and nothing can expand into a node name.
    """
    return _entities(_cap(_clean(text)).replace("\\", _BACKSLASH_LOOKALIKE))


#: What may stay as written in a URL: its syntax characters (and ``%`` of existing
#: escapes). Everything else, ``<``, ``"``, ``\\``, spaces and control characters
#: included, is percent-encoded: dot copies URLs into SVG attributes unescaped.
_URL_SAFE = "/#:?=&%;,+@!$'()*[]~._-"


def _url_text(url: str) -> str:
    return graphviz.nohtml(_entities(quote(url, safe=_URL_SAFE)))


def _link(attrs: dict[str, str], url: str | None) -> None:
    """Make a node or edge clickable, unless its URL is too long for dot."""
    if url:
        text = _url_text(url)
        if len(text.encode("utf-8")) <= _MAX_URL:
            attrs["URL"] = text
            attrs["target"] = "_top"


def _html_id(text: str) -> str:
    return _short_name(re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-") or "g")


def _node_names(keys: Iterable[str]) -> dict[str, str]:
    """DOT node names derived from ID keys: readable, stable, and never quoted.

    IDs may contain ``:`` (a port separator in edge statements) and other
    punctuation, so names keep only safe characters and are made unique in
    sorted order.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for key in sorted(keys):
        base = _short_name("m_" + re.sub(r"[^a-z0-9]+", "_", key).strip("_"), "_")
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        names[key] = name
    return names


def _short_title(title: str, width: int = 22, lines: int = 2) -> list[str]:
    wrapped = textwrap.wrap(
        _clean(title), width=width, break_long_words=True, break_on_hyphens=False
    )
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "\u2026"
    return wrapped


# -- styles --------------------------------------------------------------------

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_SIZE = 12

KIND_STYLES: dict[str, dict[str, str]] = {
    # The plan's own test milestones: square, blue, bold label.
    "test": {
        "shape": "box", "style": "filled", "fillcolor": "#dbe8f6",
        "color": "#2c5f93", "fontcolor": "#0d2a47", "fontname": FONT_BOLD,
    },
    # DM milestones: rounded, white.
    "dm": {
        "shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff",
        "color": "#6b7280", "fontcolor": "#1f2937",
    },
    # Milestones owned outside DM (Camera, integration, ...): rounded, lilac.
    "external": {
        "shape": "box", "style": "rounded,filled", "fillcolor": "#efe5f7",
        "color": "#7e57a6", "fontcolor": "#2e1a47",
    },
}
COMPLETED_FILL = "#c9e7c1"
AT_RISK_COLOR = "#d9480f"
DESCOPED = {"fillcolor": "#eeeeee", "color": "#a3a3a3", "fontcolor": "#8a8a8a"}

EDGE_PLAIN = {"color": "#5b6470"}
EDGE_STYLES: dict[str, dict[str, str]] = {
    "none": {},
    "open": {"style": "dashed", "color": "#c2410c", "penwidth": "1.6"},
    "resolved": {"dir": "both", "arrowtail": "odot"},
    "dropped": {"style": "dotted", "color": "#a3a3a3", "constraint": "false"},
}
LATE_COLOR = "#b91c1c"
TIMELINE_EDGE_COLOR = "#9ca3af"


def node_style(
    ms: Milestone, options: GraphOptions | None = None, *, at_risk: bool = False
) -> dict[str, str]:
    """Graphviz attributes for a milestone: kind sets shape and colours, state adjusts."""
    style = dict(KIND_STYLES[kind_of(ms, options)])
    status = ms.effective_status
    styles = style["style"].split(",")
    if status == "completed":
        style["fillcolor"] = COMPLETED_FILL
    elif status == "descoped":
        style.update(DESCOPED)
    if at_risk or status == "at-risk":
        style["color"] = AT_RISK_COLOR
        style["penwidth"] = "2.4"
    if not ms.declared:
        styles.append("dashed")
    style["style"] = ",".join(styles)
    return style


def edge_style(edge: Edge) -> dict[str, str]:
    attrs = dict(EDGE_PLAIN)
    attrs.update(EDGE_STYLES[edge.prerequisite.query or "none"])
    return attrs


def _is_late(edge: Edge) -> bool:
    """The prerequisite finishes after the milestone that needs it."""
    before, after = edge.target.finish, edge.source.finish
    return before is not None and after is not None and before > after


# -- tooltips ------------------------------------------------------------------


def _status_words(ms: Milestone, at_risk: bool) -> str:
    words = ms.effective_status
    if at_risk and words != "at-risk":
        words += ", at risk"
    return words


def node_tooltip(ms: Milestone, *, at_risk: bool = False) -> str:
    """ID and title, dates, status: what a reader hovering over a node wants."""
    lines = [ms.label]
    dates = []
    if ms.due:
        dates.append(f"due {ms.due.isoformat()}")
    if ms.forecast and ms.forecast != ms.due:
        dates.append(f"forecast {ms.forecast.isoformat()}")
    if ms.completed:
        dates.append(f"completed {ms.completed.isoformat()}")
    lines.append(", ".join(dates) if dates else "no date")
    lines.append(f"status: {_status_words(ms, at_risk)}")
    if not ms.declared:
        lines.append("not declared in this plan")
    # nohtml: a tooltip such as "<x> requires <y>" is not an HTML-like string.
    return graphviz.nohtml("\\n".join(_tooltip_text(line) for line in lines))


def edge_tooltip(edge: Edge) -> str:
    pre = edge.prerequisite
    head = f"{edge.source.id} requires {edge.target.id}"
    if pre.query:
        head += f" ({pre.query} query)"
    lines = [head]
    if pre.title:
        lines.append(f"as: {pre.title}")
    if pre.discussion:
        lines.append(textwrap.shorten(_clean(pre.discussion), 300, placeholder=" \u2026"))
    # nohtml: a tooltip such as "<x> requires <y>" is not an HTML-like string.
    return graphviz.nohtml("\\n".join(_tooltip_text(line) for line in lines))


# -- DOT -----------------------------------------------------------------------


def _graph_attrs(options: GraphOptions, name: str) -> dict[str, str]:
    attrs = {
        "rankdir": options.effective_rankdir,
        "fontname": FONT,
        "fontsize": str(FONT_SIZE),
        "bgcolor": "transparent",
        "newrank": "true",
        # Edges under nodes: filled boxes then hide lines passing behind them.
        "outputorder": "edgesfirst",
        "id": _html_id(name),
    }
    if options.layout == "timeline":
        # Ranks are quarters and edges take no part in placing nodes: straight
        # lines keep them inside the picture instead of looping round it.
        attrs.update(nodesep="0.10", ranksep="0.22", splines="line")
    else:
        # Multi-line title labels need a little air between them; ID labels don't.
        attrs.update(nodesep="0.10" if options.labels == "title" else "0.06", ranksep="0.20")
    return attrs


def _node_defaults(options: GraphOptions) -> dict[str, str]:
    return {
        "fontname": FONT,
        "fontsize": str(FONT_SIZE),
        "height": "0.24",
        "width": "0.3",
        "margin": "0.07,0.025",
        "penwidth": "1.1",
    }


def _edge_defaults() -> dict[str, str]:
    return {"arrowsize": "0.55", "penwidth": "0.9", "fontname": FONT, "fontsize": "9"}


def _node_label(ms: Milestone, options: GraphOptions) -> str:
    parts = [_label_text(ms.id)]
    if options.labels == "title" and ms.title:
        parts += [_label_text(line) for line in _short_title(ms.title)]
    return "\\n".join(parts)


def _cluster_key(ms: Milestone, options: GraphOptions) -> tuple[int, str] | None:
    """Which cluster a milestone goes to; the int sorts undeclared groups last."""
    if options.cluster == "prefix":
        return (0, prefix_of(ms.id))
    if options.cluster == "document":
        return (0, ms.docname) if ms.docname else (1, "not declared")
    return None


def build_dot(
    plan: Plan,
    options: GraphOptions | None = None,
    *,
    url_for: Callable[[Milestone], str | None] = lambda ms: None,
    at_risk: Collection[str] = frozenset(),
    name: str = "ldm503",
    subplan: SubPlan | None = None,
) -> str:
    """DOT source of one diagram; the same input always gives the same bytes.

    ``url_for`` gives the link of a milestone's anchor (None: no link, e.g. for
    milestones not declared anywhere). ``at_risk`` holds IDs found at risk by
    propagation, on top of those whose status says so. ``name`` becomes the
    graph's name and the prefix of every SVG ``id``, so diagrams sharing a page
    do not clash. Pass ``subplan`` when the caller already selected (to warn on
    size) so the work is not done twice. Never raises on size.
    """
    options = options or GraphOptions()
    subplan = subplan or select(plan, options)
    risky = {id_key(x) for x in at_risk}
    names = _node_names(ms.key for ms in subplan.milestones)
    id_prefix = _html_id(name)

    dot = graphviz.Digraph(
        name=_html_id(name).replace("-", "_"),
        graph_attr=_graph_attrs(options, name),
        node_attr=_node_defaults(options),
        edge_attr=_edge_defaults(),
    )

    html_ids: set[str] = set()

    def unique_id(base: str) -> str:
        candidate, n = base, 1
        while candidate in html_ids:
            n += 1
            candidate = f"{base}-{n}"
        html_ids.add(candidate)
        return candidate

    def add_node(target: graphviz.Digraph, ms: Milestone) -> None:
        attrs = node_style(ms, options, at_risk=ms.key in risky)
        if subplan.root is not None and ms.key == subplan.root.key:
            attrs["penwidth"] = str(max(float(attrs.get("penwidth", "1.1")), 2.2))
        attrs["tooltip"] = node_tooltip(ms, at_risk=ms.key in risky)
        attrs["id"] = unique_id(_short_name(f"{id_prefix}-{ms.anchor}"))
        _link(attrs, url_for(ms))
        target.node(names[ms.key], label=graphviz.nohtml(_node_label(ms, options)), **attrs)

    if options.layout == "timeline":
        _timeline_body(dot, subplan, options, add_node, names)
    else:
        _grouped_nodes(dot, subplan.milestones, options, add_node)

    for edge in subplan.edges:
        attrs = edge_style(edge)
        if options.layout == "timeline":
            # Ranks are dates here: edges must not move milestones between quarters.
            # Lines run straight across rows, so ordinary ones recede and the
            # queried and late ones stand out.
            attrs["constraint"] = "false"
            if not edge.prerequisite.query:
                attrs.update(color=TIMELINE_EDGE_COLOR, penwidth="0.7")
            if _is_late(edge) and edge.prerequisite.active:
                attrs.update(color=LATE_COLOR, penwidth="1.4")
        attrs["tooltip"] = edge_tooltip(edge)
        attrs["id"] = unique_id(
            _short_name(f"{id_prefix}-e-{edge.target.anchor}-{edge.source.anchor}"))
        _link(attrs, url_for(edge.source))
        # Work flows from the prerequisite to the milestone that needs it.
        dot.edge(names[edge.target.key], names[edge.source.key], **attrs)
    return dot.source


def _grouped_nodes(
    dot: graphviz.Digraph,
    milestones: Iterable[Milestone],
    options: GraphOptions,
    add_node: Callable[[graphviz.Digraph, Milestone], None],
) -> None:
    groups: dict[tuple[int, str] | None, list[Milestone]] = {}
    for ms in milestones:
        groups.setdefault(_cluster_key(ms, options), []).append(ms)
    for ms in groups.pop(None, []):
        add_node(dot, ms)
    for index, key in enumerate(sorted(groups)):
        with dot.subgraph(name=f"cluster_{index}_{_html_id(key[1]).replace('-', '_')}") as sub:
            sub.attr(
                label=graphviz.nohtml(_label_text(key[1])),
                style="rounded,dashed" if key[0] else "rounded",
                color="#c7cdd4",
                fontcolor="#4b5563",
                fontsize="10",
                labeljust="l",
                margin="6",
            )
            for ms in groups[key]:
                add_node(sub, ms)


#: A stretch of more empty quarters than this (a mistyped year, one far-off date)
#: is drawn as one gap row: thousands of axis rows would make ``dot`` run for ages.
_MAX_EMPTY_QUARTERS = 8


def _quarters(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    year, q = first
    while (year, q) <= last:
        out.append((year, q))
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def _axis(dated: list[tuple[int, int]]) -> list[tuple[int, int] | int]:
    """The quarters of the axis, in order; an int stands for that many empty quarters."""
    out: list[tuple[int, int] | int] = []
    for previous, quarter in zip([None, *dated], dated, strict=False):
        if previous is not None:
            gap = (quarter[0] * 4 + quarter[1]) - (previous[0] * 4 + previous[1]) - 1
            if gap > _MAX_EMPTY_QUARTERS:
                out.append(gap)
            elif gap > 0:
                out.extend(_quarters(previous, quarter)[1:-1])
        out.append(quarter)
    return out


def _timeline_body(
    dot: graphviz.Digraph,
    subplan: SubPlan,
    options: GraphOptions,
    add_node: Callable[[graphviz.Digraph, Milestone], None],
    names: Mapping[str, str],
) -> None:
    """One row per quarter down a dated axis; crowded quarters wrap onto more rows.

    Every quarter between the first and the last is on the axis, so distances
    read as time. Undated milestones share a "no date" row below the axis.
    """
    by_quarter: dict[tuple[int, int] | None, list[Milestone]] = {}
    for ms in subplan.milestones:
        by_quarter.setdefault(quarter_of(ms.finish) if ms.finish else None, []).append(ms)
    for group in by_quarter.values():
        group.sort(key=lambda ms: (ms.finish or date.max, ms.key))
    dated = sorted(k for k in by_quarter if k is not None)
    clustered = options.cluster != "none"
    limit, lane_of = options.row_limit, None
    if clustered:
        lane_count = len({_cluster_key(ms, options) for ms in subplan.milestones})
        limit = max(1, options.row_limit // max(lane_count, 1))

        def lane_of(ms: Milestone) -> object:
            return _cluster_key(ms, options)

    rows: list[tuple[str, list[Milestone], bool]] = []  # (axis label, milestones, dated)
    if dated:
        for quarter in _axis(dated):
            if isinstance(quarter, int):
                rows.append((f"\u22ee {quarter} quarters", [], True))
                continue
            label = f"{quarter[0]} Q{quarter[1]}"
            rows.extend(_wrap_row(label, by_quarter.get(quarter, []), limit, True, lane_of))
    if None in by_quarter:
        rows.extend(_wrap_row("no date", by_quarter[None], limit, False, lane_of))

    previous: str | None = None
    for index, (label, members, is_dated) in enumerate(rows):
        axis = f"axis_{index}"
        dot.node(
            axis,
            label=graphviz.nohtml(label),
            shape="plaintext",
            fontcolor="#4b5563" if is_dated else "#8a8a8a",
            fontname=FONT_BOLD,
            width="0.75",
            tooltip=graphviz.nohtml(label or " "),
        )
        if previous is not None:
            same_axis = is_dated or not rows[index - 1][2]
            dot.edge(
                previous,
                axis,
                arrowhead="none",
                color="#c7cdd4" if same_axis and is_dated else "#ffffff00",
                weight="100",
            )
        previous = axis
        with dot.subgraph() as row:
            row.attr(rank="same")
            row.node(axis)
            for ms in members:
                if not clustered:
                    add_node(row, ms)
                # An invisible flat edge keeps the axis at the left of its row.
                row.edge(axis, names[ms.key], style="invis")
    if clustered:
        _grouped_nodes(dot, subplan.milestones, options, add_node)


def _wrap_row(
    label: str,
    members: list[Milestone],
    limit: int,
    dated: bool,
    lane_of: Callable[[Milestone], object] | None = None,
) -> list[tuple[str, list[Milestone], bool]]:
    """Split one quarter into rows of at most ``limit`` milestones.

    With clusters, each cluster is a vertical lane and ``limit`` applies per
    lane: lanes then stay narrow and line up across quarters.
    """
    limit = max(limit, 1)
    if not members:
        return [(label, [], dated)]
    if lane_of is None:
        chunks = [members[i : i + limit] for i in range(0, len(members), limit)]
    else:
        lanes: dict[object, list[Milestone]] = {}
        for ms in members:
            lanes.setdefault(lane_of(ms), []).append(ms)
        depth = max(-(-len(lane) // limit) for lane in lanes.values())
        chunks = [
            [ms for lane in lanes.values() for ms in lane[i * limit : (i + 1) * limit]]
            for i in range(depth)
        ]
    return [(label if i == 0 else "", chunk, dated) for i, chunk in enumerate(chunks)]


# -- legend --------------------------------------------------------------------


def build_legend_dot(options: GraphOptions | None = None, *, name: str = "ldm503-legend") -> str:
    """A small diagram explaining every node and edge style the diagrams use.

    Built from the same style functions as the diagrams, so it cannot drift.
    Milestone styles stack in one column, prerequisite styles in another.
    """
    options = options or GraphOptions()
    dot = graphviz.Digraph(
        name=_html_id(name).replace("-", "_"),
        graph_attr={
            "rankdir": "LR", "fontname": FONT, "fontsize": "11", "bgcolor": "transparent",
            "nodesep": "0.08", "ranksep": "0.35", "id": _html_id(name), "newrank": "true",
        },
        node_attr=_node_defaults(options),
        edge_attr=_edge_defaults(),
    )
    samples = [
        ("test", Milestone("LDM-503-01"), "test milestone"),
        ("dm", Milestone("DM-AP-1"), "DM milestone"),
        ("external", Milestone("CAMM8040", external=True), "external milestone"),
        ("completed", Milestone("LDM-503-02", status="completed"), "completed"),
        ("at_risk", Milestone("LDM-503-03", status="at-risk"), "at risk"),
        ("descoped", Milestone("DM-AP-2", status="descoped"), "descoped"),
        ("undeclared", Milestone("DM-AP-3", declared=False), "not declared here"),
    ]
    cluster = {"style": "rounded", "color": "#c7cdd4", "fontcolor": "#4b5563",
               "labeljust": "l", "fontname": FONT_BOLD}
    with dot.subgraph(name="cluster_milestones") as sub:
        sub.attr(label="milestones", **cluster)
        with sub.subgraph() as column:
            column.attr(rank="same")
            for key, ms, text in samples:
                column.node(f"n_{key}", label=graphviz.nohtml(_label_text(text)),
                            tooltip=graphviz.nohtml(_tooltip_text(text)), width="1.45",
                            **node_style(ms, options))
    edges = [
        ("plain", {}, "prerequisite \u2192 milestone"),
        ("open", EDGE_STYLES["open"], "open review query"),
        ("resolved", EDGE_STYLES["resolved"], "resolved query"),
        ("dropped", EDGE_STYLES["dropped"], "dropped (not checked)"),
        ("late", {"color": LATE_COLOR, "penwidth": "1.6"}, "finishes too late (timeline)"),
    ]
    with dot.subgraph(name="cluster_prerequisites") as sub:
        sub.attr(label="prerequisites", **cluster)
        for rank, prefix in ((1, "t"), (2, "h"), (3, "d")):
            with sub.subgraph() as column:
                column.attr(rank="same")
                for key, _, text in edges:
                    if rank == 3:
                        # "\\l" ends a left-justified line; the common width aligns them.
                        column.node(f"d_{key}", label=graphviz.nohtml(_label_text(text) + "\\l"),
                                    shape="plaintext", margin="0.02,0", width="2.2")
                    else:
                        column.node(f"{prefix}_{key}", label="", shape="point",
                                    width="0.04", color="#9aa3ad")
        for key, style, _ in edges:
            attrs = dict(EDGE_PLAIN)
            attrs.update({k: v for k, v in style.items() if k != "constraint"})
            sub.edge(f"t_{key}", f"h_{key}", minlen="3", **attrs)
            sub.edge(f"h_{key}", f"d_{key}", style="invis", minlen="1")
    # Keep the two columns side by side rather than stacked.
    dot.edge(f"n_{samples[0][0]}", f"t_{edges[0][0]}", style="invis")
    return dot.source
