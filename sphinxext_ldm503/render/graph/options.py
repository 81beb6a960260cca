"""What one diagram shows: :class:`GraphOptions` and the option grammar.

The options are declared once, in :data:`GRAPH_OPTIONS`: the
``milestone-graph`` directive, :func:`parse_graph_options` and the command
line's ``export --format dot`` flags are all derived from that table, so a new
option or choice cannot reach one of them and miss the others.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from ...core.classify import Classifier, Kind
from ...core.model import Milestone

Direction = Literal["requires", "required-by", "both"]
Layout = Literal["dependency", "timeline"]
ClusterMode = Literal["none", "prefix", "document"]
RankDir = Literal["LR", "TB", "RL", "BT"]
TransitiveMode = Literal["show", "hide"]
LabelMode = Literal["id", "title"]
Align = Literal["left", "center", "right"]

DIRECTIONS: tuple[str, ...] = ("requires", "required-by", "both")
LAYOUTS: tuple[str, ...] = ("dependency", "timeline")
CLUSTERS: tuple[str, ...] = ("none", "prefix", "document")
RANKDIRS: tuple[str, ...] = ("LR", "TB", "RL", "BT")
TRANSITIVE: tuple[str, ...] = ("show", "hide")
LABELS: tuple[str, ...] = ("id", "title")
ALIGNS: tuple[str, ...] = ("left", "center", "right")
YES_NO: tuple[str, ...] = ("yes", "no")


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option of ``milestone-graph``.

    ``figure`` options belong to the figure around the diagram (caption, name,
    class...), not to the diagram; ``cli`` ones are also ``ldm503 export`` flags.
    """

    name: str
    help: str
    choices: tuple[str, ...] = ()
    metavar: str = ""
    figure: bool = False
    cli: bool = True
    repeatable: bool = False


GRAPH_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("root", "only the neighbourhood of these milestones (one or more IDs)",
               metavar="ID"),
    OptionSpec("depth", "levels to follow from the root (default: all)", metavar="N"),
    OptionSpec("direction", "what to follow from the root (default: requires)", DIRECTIONS),
    OptionSpec("include", "only IDs matching these globs, e.g. 'LDM-503-*'", metavar="GLOBS",
               repeatable=True),
    OptionSpec("exclude", "leave out IDs matching these globs", metavar="GLOBS",
               repeatable=True),
    OptionSpec("layout", "dependency (default) or timeline (one row per quarter)", LAYOUTS),
    OptionSpec("cluster", "group milestones by ID prefix or by document", CLUSTERS),
    OptionSpec("rankdir", "direction of the layout (default: LR, timeline TB)", RANKDIRS),
    OptionSpec("transitive", "hide: leave out edges implied by a longer path", TRANSITIVE),
    OptionSpec("labels", "id (default) or title: a shortened title under each ID", LABELS),
    OptionSpec("critical-path", "highlight this milestone's critical path (default: the root) "
               "and dim the rest", metavar="ID", cli=False),
    OptionSpec("caption", "the figure's caption", figure=True, cli=False),
    OptionSpec("name", "a label to reference the figure by", figure=True, cli=False),
    OptionSpec("class", "CSS classes of the image", figure=True, cli=False),
    OptionSpec("align", "alignment of the image", ALIGNS, figure=True, cli=False),
    OptionSpec("alt", "alternative text of the image", figure=True, cli=False),
    OptionSpec("legend", "no: leave out the legend", YES_NO, figure=True, cli=False),
)
SPECS: dict[str, OptionSpec] = {spec.name: spec for spec in GRAPH_OPTIONS}

#: Directive options that belong to the figure around the diagram, not to the
#: diagram: accepted by :func:`parse_graph_options` so a directive can hand over
#: all of its options, and otherwise ignored.
FIGURE_OPTIONS: frozenset[str] = frozenset(s.name for s in GRAPH_OPTIONS if s.figure)


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
    quarter before wrapping onto another row. ``classifier`` tells the plan's
    own test milestones, the project's other milestones and external ones apart,
    exactly as the checks do.
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
    labels: LabelMode = "id"
    neighbourhood: bool = False
    row_limit: int = 8
    classifier: Classifier = field(default_factory=Classifier)
    #: ``:critical-path: ID`` (``""``: the root's), drawn by the schedule views'
    #: styles (see :mod:`sphinxext_ldm503.render.schedule_dot`); None: not asked for.
    critical_path: str | None = None
    #: The key's words for the kinds of milestone, ``(key, words)`` pairs with the keys
    #: of ``ldm503_kind_labels`` (test, project, external); the rest default (see
    #: :func:`sphinxext_ldm503.render.graph.legend.kind_words`).
    kind_labels: tuple[tuple[str, str], ...] = ()

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
            # The figure's business; fixed choices (align, legend) are still checked
            # here, so a value can never reach the HTML unvalidated.
            if SPECS[name].choices and value.strip():
                _choice(name, value, SPECS[name].choices)
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
        elif name in ("include", "exclude"):
            values[name] = _globs(name, value)
        elif name in SPECS and SPECS[name].choices:
            values[name] = _choice(name, value, SPECS[name].choices, upper=name == "rankdir")
        elif name == "neighbourhood":
            values["neighbourhood"] = True
        elif name == "critical-path":
            ids = [r for r in re.split(r"[,\s]+", value) if r]
            values["critical_path"] = ids[0] if ids else ""
        else:
            known = ", ".join(spec.name for spec in GRAPH_OPTIONS)
            raise ValueError(f"unknown option :{raw_name}: (known options: {known})")
    if values.get("depth") is not None and "root" not in values and not (base and base.root):
        raise ValueError(":depth: only makes sense with :root:")
    return replace(base or GraphOptions(), **values)  # type: ignore[arg-type]


def kind_of(ms: Milestone, options: GraphOptions | None = None) -> Kind:
    """The milestone's kind as the options' classifier (the checks' one) sees it."""
    return (options or GraphOptions()).classifier.kind(ms)
