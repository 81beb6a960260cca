"""Diagram text is legible and every style is explained (issue 27, item 2).

Pure: the DOT of the example's diagrams, as the build writes it (the whole plan, its
timeline, the critical path of LDM-503-17) and of their keys, read back without a
browser. Every label is checked against what is behind it: its node's fill, else the
diagram's panel, whose light and dark values come from ldm503.css (in dark mode the
inline SVG keeps its colours on a light panel: nothing recolours it). Then the styles
drawn are compared with the key's entries, both ways, and the key's text size with
the diagram's.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sphinxext_ldm503.cli import project as cli
from sphinxext_ldm503.core.schedule import critical_path
from sphinxext_ldm503.features.diagrams import legend_entries
from sphinxext_ldm503.render.graph import build_dot, build_legend_dot, parse_graph_options
from sphinxext_ldm503.render.graph.options import GraphOptions
from sphinxext_ldm503.render.graph.select import select
from sphinxext_ldm503.render.graph.style import (
    DIM_COLOR,
    DIM_EDGE_COLOR,
    DIM_FILL,
    EDGE_PLAIN,
    FONT_BOLD,
    LATE_COLOR,
    PATH_COLOR,
    ROOT_MIN_PENWIDTH,
    STATE_FILLS,
)
from sphinxext_ldm503.render.schedule_dot import critical_path_styles

ROOT = Path(__file__).parent.parent
CSS = ROOT / "sphinxext_ldm503" / "static" / "ldm503.css"
WCAG_AA = 4.5
#: The options of the example's diagrams (dependency-graph.rst, critical-path.rst).
WHOLE_PLAN: dict[str, str | None] = {}
TIMELINE: dict[str, str | None] = {"layout": "timeline"}
CRITICAL: dict[str, str | None] = {
    "root": "LDM-503-17", "include": "LDM-503-*, DM-AP-16", "transitive": "hide",
    "critical-path": "LDM-503-17", "rankdir": "TB"}


# -- reading DOT back --------------------------------------------------------------------

_ATTR = re.compile(r'([A-Za-z_]+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')
_STATEMENT = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[\w.]+)(?:\s*->\s*("(?:[^"\\]|\\.)*"|[\w.]+))?'
                        r'\s*\[(.*)\]\s*$')


def _attrs(text: str) -> dict[str, str]:
    return {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR.findall(text)}


@dataclass
class Drawing:
    """Nodes and edges of one DOT source, each with the defaults applied."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[dict[str, str]] = field(default_factory=list)
    #: Cluster and graph labels: (text, fontcolor), drawn on the panel.
    labels: list[tuple[str, str]] = field(default_factory=list)


def read_dot(source: str) -> Drawing:
    drawing = Drawing()
    node_defaults: dict[str, str] = {}
    edge_defaults: dict[str, str] = {}
    cluster: dict[str, str] = {}
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("node ["):
            node_defaults.update(_attrs(line[5:]))
        elif line.startswith("edge ["):
            edge_defaults.update(_attrs(line[5:]))
        elif line.startswith("graph [") or line.startswith("digraph"):
            continue
        elif line.startswith("subgraph"):
            cluster = {}
        elif line == "}":
            if cluster.get("label"):
                drawing.labels.append((cluster["label"], cluster.get("fontcolor", "#000000")))
            cluster = {}
        elif (match := _STATEMENT.match(line)) is not None:
            attrs = _attrs(match[3])
            if match[2] is None:
                drawing.nodes[match[1].strip('"')] = {**node_defaults, **attrs}
            else:
                drawing.edges.append({**edge_defaults, **attrs})
        elif "=" in line:
            cluster.update(_attrs(line))
    return drawing


# -- colours -------------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[float, float, float]:
    colour = colour.lstrip("#")
    return (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16))


def luminance(colour: str) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: str, bg: str) -> float:
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def panels() -> dict[str, str]:
    """The diagram panel's colour in light and dark mode, from the stylesheet."""
    css = CSS.read_text(encoding="utf-8")
    values = re.findall(r"--ldm503-diagram-bg:\s*(#[0-9a-fA-F]{6})", css)
    assert len(values) >= 2, "ldm503.css sets a light and a dark diagram panel"
    light, dark = values[0], values[1]
    # Nothing in the stylesheet recolours the SVG's text or fills for dark mode.
    assert not re.search(r"svg[^{]*\btext\b[^{]*\{[^}]*fill", css)
    return {"light": light, "dark": dark}


def low_contrast(drawing: Drawing) -> list[str]:
    """Every label (and its colours) under 4.5:1, on its fill or on the panel."""
    found = []
    for scheme, panel in panels().items():
        for name, attrs in drawing.nodes.items():
            label = attrs.get("label", name)
            if attrs.get("shape") == "point" or not label.strip():
                continue
            fg = attrs.get("fontcolor", "#000000")
            filled = "filled" in attrs.get("style", "") and attrs.get("fillcolor")
            bg = attrs["fillcolor"] if filled else panel
            if contrast(fg, bg) < WCAG_AA:
                found.append(f"{scheme}: {label} {fg} on {bg}: {contrast(fg, bg):.2f}")
            if attrs.get("xlabel") and contrast(fg, panel) < WCAG_AA:
                found.append(f"{scheme}: xlabel of {label} {fg} on {panel}")
        for text, fg in drawing.labels:
            if contrast(fg, panel) < WCAG_AA:
                found.append(f"{scheme}: {text} {fg} on {panel}: {contrast(fg, panel):.2f}")
        for attrs in drawing.edges:
            if (attrs.get("label") or attrs.get("xlabel")) and contrast(
                    attrs.get("fontcolor", "#000000"), panel) < WCAG_AA:
                found.append(f"{scheme}: edge label {attrs}")
    return found


# -- the example's diagrams, as render_graph builds them ---------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> cli.BuiltProject:
    base = tmp_path_factory.mktemp("example")
    shutil.copytree(ROOT / "example-docs", base / "example-docs")
    shutil.copy(ROOT / "conf.py", base / "conf.py")
    return cli.build_project(str(base / "example-docs"), str(base))


def diagram(project: cli.BuiltProject, raw: dict[str, str | None]) -> tuple[str, str]:
    """The DOT of a diagram with these options and of its key, as render_graph makes them."""
    assert project.domain is not None
    domain = project.domain
    base = GraphOptions(classifier=domain.check_config().classifier)
    options = parse_graph_options(dict(raw), base=base)
    critical = options.critical_path or None
    path = critical_path(project.plan, critical) if critical else None
    node_extra, edge_extra = critical_path_styles(path)
    subplan = select(project.plan, options)
    code = build_dot(project.plan, options, at_risk=domain.at_risk, subplan=subplan,
                     node_extra=node_extra, edge_extra=edge_extra)
    used = legend_entries(project.plan, subplan, options, domain.at_risk, critical)
    return code, build_legend_dot(options, used=used)


#: early-integration.rst: several roots, one level each.
ROOTED: dict[str, str | None] = {
    "root": "LDM-503-01, LDM-503-02, LDM-503-03, LDM-503-04, LDM-503-04b, LDM-503-05",
    "depth": "1", "include": "LDM-503-*, DM-*, F18S"}
CASES = {"whole plan": WHOLE_PLAN, "timeline": TIMELINE, "critical path": CRITICAL,
         "rooted": ROOTED}


@pytest.mark.parametrize("case", CASES)
def test_every_label_has_contrast(example, case) -> None:
    """4.5:1 at least, light and dark, for diagram and key: the critical path's dimmed
    labels were #9ca3af on #f9fafb (2.4:1)."""
    code, legend = diagram(example, CASES[case])
    drawing = read_dot(code)
    assert len(drawing.nodes) > 10, case
    assert low_contrast(drawing) == []
    assert low_contrast(read_dot(legend)) == []


def test_contrast_is_computed_as_wcag_does() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#9ca3af", "#f9fafb") < 2.5  # the critical path's old dimmed labels
    assert low_contrast(Drawing(nodes={"a": {"label": "a", "fontcolor": "#9ca3af"}}))


# -- the key explains what is drawn, and only that ----------------------------------------

Sign = Callable[[dict[str, str]], bool]


def _style(attrs: dict[str, str]) -> set[str]:
    return set(attrs.get("style", "").split(","))


#: What each key entry means, told by the attributes a reader sees (independent of
#: the code that picks the entries).
NODE_SIGNS: dict[str, Sign] = {
    "test": lambda a: "rounded" not in _style(a) and a.get("fontname") == FONT_BOLD,
    "dm": lambda a: "rounded" in _style(a) and a.get("peripheries", "1") == "1",
    "external": lambda a: a.get("peripheries") == "2",
    **{state: (lambda fill: lambda a: a.get("fillcolor") == fill)(STATE_FILLS[state])
       for state in ("completed", "in-progress", "at-risk", "descoped")},
    "undeclared": lambda a: "dashed" in _style(a),
    "root": lambda a: a.get("penwidth") == str(ROOT_MIN_PENWIDTH),
    "critical": lambda a: a.get("color") == PATH_COLOR,
    "off-path": lambda a: a.get("color") == DIM_COLOR and a.get("fillcolor") == DIM_FILL,
}
EDGE_SIGNS: dict[str, Sign] = {
    "critical-edge": lambda a: a.get("color") == PATH_COLOR,
    "off-path-edge": lambda a: a.get("color") == DIM_EDGE_COLOR,
    "plain": lambda a: a.get("color") == EDGE_PLAIN["color"] and not _style(a) - {""},
    "open": lambda a: "dashed" in _style(a),
    "resolved": lambda a: a.get("arrowtail") == "odot",
    "dropped": lambda a: "dotted" in _style(a),
    "late": lambda a: a.get("color") == LATE_COLOR,
}


def styles_drawn(drawing: Drawing) -> set[str]:
    nodes = [a for a in drawing.nodes.values() if a.get("shape") not in ("point", "plaintext")]
    edges = [a for a in drawing.edges if "invis" not in _style(a)]
    return ({k for k, sign in NODE_SIGNS.items() if any(sign(a) for a in nodes)}
            | {k for k, sign in EDGE_SIGNS.items() if any(sign(a) for a in edges)})


#: Key entries that say the same as another, on another kind of box.
SAME_ENTRY = {"root-test": "root"}


def key_entries(legend: str) -> set[str]:
    """The entries of a key, by its sample nodes (``n_KEY``) and edges (``t_KEY``)."""
    return {SAME_ENTRY.get(name[2:], name[2:]) for name in read_dot(legend).nodes
            if name.startswith(("n_", "t_"))}


@pytest.mark.parametrize("case", CASES)
def test_key_lists_exactly_what_is_drawn(example, case) -> None:
    code, legend = diagram(example, CASES[case])
    drawn = styles_drawn(read_dot(code))
    if case == "timeline":
        # Its plain edges are a lighter grey than the key's sample (style.TIMELINE_EDGE_COLOR):
        # the key's "prerequisite" entry stands for them.
        drawn.add("plain")
    assert key_entries(legend) == drawn


def test_every_drawn_style_has_a_meaning(example) -> None:
    """No node nor edge of the critical path's diagram is drawn in a style the signs
    above (and so the key) do not cover: each shows a kind, each edge a line style."""
    drawing = read_dot(diagram(example, CRITICAL)[0])
    kinds = ("test", "dm", "external")
    assert all(any(NODE_SIGNS[k](a) for k in kinds) for a in drawing.nodes.values())
    assert all(any(sign(a) for sign in EDGE_SIGNS.values()) for a in drawing.edges)
    # And the critical path is in its key, node and edge (issue 27: it was not).
    assert {"critical", "critical-edge", "off-path"} <= key_entries(diagram(example, CRITICAL)[1])


def test_key_samples_look_like_their_entries() -> None:
    """Each sample of the full key is drawn in the style its entry names."""
    drawing = read_dot(build_legend_dot(GraphOptions()))
    edges = {}
    for line in build_legend_dot(GraphOptions()).splitlines():
        match = _STATEMENT.match(line.strip())
        if match and match[1].startswith("t_") and match[2] == f"h_{match[1][2:]}":
            edges[match[1][2:]] = _attrs(match[3])
    for name, attrs in drawing.nodes.items():
        if name.startswith("n_") and name[2:] in NODE_SIGNS:
            assert NODE_SIGNS[name[2:]](attrs), name
    for key, attrs in edges.items():
        assert EDGE_SIGNS[key](attrs), key


# -- the key is no larger than the text it explains ---------------------------------------


def _font_sizes(drawing: Drawing, *, labelled_only: bool = True) -> list[float]:
    return [float(a.get("fontsize", "14")) for a in drawing.nodes.values()
            if a.get("shape") != "point" and (a.get("label", "x").strip() or not labelled_only)]


@pytest.mark.parametrize("case", CASES)
def test_key_text_no_larger_than_diagram_text(example, case) -> None:
    """In DOT units; the page draws the key at the diagram's scale, or smaller
    (ldm503.js, measured in test_browser.py)."""
    code, legend = diagram(example, CASES[case])
    milestones = [a for a in read_dot(code).nodes.values() if a.get("id", "").find("-ms-") > 0]
    assert milestones
    smallest_label = min(float(a.get("fontsize", "14")) for a in milestones)
    assert max(_font_sizes(read_dot(legend))) <= smallest_label
