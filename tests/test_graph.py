"""The diagram builder without Sphinx: selection, DOT, escaping, layout and legibility.

Everything that matters to a reader is checked on what ``dot`` actually draws
(the SVG), not only on the DOT text: escaping bugs and unreadable layouts only
show up there. ``dot`` is a hard requirement of CI; locally these tests skip
when it is missing.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from datetime import date

import pytest
from defusedxml import ElementTree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seedplan import seed_plan, shuffled

from sphinxext_ldm503.core.classify import Classifier
from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite
from sphinxext_ldm503.render.graph import (
    GraphOptions,
    build_dot,
    build_legend_dot,
    kind_of,
    parse_graph_options,
    prefix_of,
    select,
    size_warning,
    text_outline,
)

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz dot is not installed")

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_NS = "{http://www.w3.org/1999/xlink}"
LOOKALIKE = "\u2216"


# -- helpers ---------------------------------------------------------------------


def ms(ms_id, *pres, title="", doc="plan", line=1, **kw):
    return Milestone(
        id=ms_id, title=title, location=Location(doc, line), prerequisites=tuple(pres), **kw
    )


def pre(ms_id, query=None, title="", discussion=""):
    return Prerequisite(id=ms_id, query=query, title=title, discussion=discussion)


def small_plan():
    """A requires B, C (open query), D (dropped) and E (implied by B); X requires A."""
    return Plan(
        declarations=[
            ms(
                "LDM-503-1",
                pre("DM-AP-1"),
                pre("DM-AP-2", query="open", discussion="Is this needed?"),
                pre("DM-DRP-1", query="dropped"),
                pre("DM-NCSA-1"),
                title="Alpha",
                line=1,
                due=date(2019, 8, 30),
            ),
            ms("DM-AP-1", pre("DM-NCSA-1", query="resolved"), title="Beta", line=10,
               completed=date(2018, 1, 5)),
            ms("DM-AP-2", pre("DM-NCSA-1"), title="Gamma", line=20, status="at-risk"),
            ms("DM-NCSA-1", pre("CAMM8040"), title="Epsilon", line=30),
            ms("LDM-503-2", pre("LDM-503-1"), title="Ex", doc="other", line=1),
            ms("EIA-1", title="Isolated", doc="other", line=9, external=True),
        ]
    )


def keys(subplan):
    return sorted(m.id for m in subplan.milestones)


def edge_pairs(subplan):
    return sorted((e.source.id, e.target.id) for e in subplan.edges)


def url_for(milestone):
    return f"plan.html#{milestone.anchor}" if milestone.declared else None


def render(dot_source, fmt="svg"):
    result = subprocess.run(
        [DOT, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True, check=False
    )
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, stderr
    assert "syntax error" not in stderr.lower(), stderr
    return result.stdout.decode("utf-8")


def svg_nodes(svg):
    """Node name -> (texts, tooltip, href) read from dot's SVG."""
    root = ElementTree.fromstring(svg)
    nodes = {}
    for group in root.iter(f"{SVG_NS}g"):
        if group.get("class") != "node":
            continue
        name = group.find(f"{SVG_NS}title").text
        link = group.find(f".//{SVG_NS}a")
        texts = [t.text or "" for t in group.iter(f"{SVG_NS}text")]
        tooltip = link.get(f"{XLINK_NS}title") if link is not None else None
        href = link.get(f"{XLINK_NS}href") if link is not None else None
        nodes[name] = (texts, tooltip, href)
    return nodes


def node_line(dot_source, name):
    lines = [ln for ln in dot_source.splitlines() if ln.strip().startswith(f"{name} [")]
    assert len(lines) == 1, (name, lines)
    return lines[0]


def edge_line(dot_source, tail, head):
    lines = [ln for ln in dot_source.splitlines() if ln.strip().startswith(f"{tail} -> {head} ")]
    assert len(lines) == 1, (tail, head, lines)
    return lines[0]


def plain_positions(dot_source):
    """Node name -> (x, y, label) from ``dot -Tplain`` (y grows upwards)."""
    out = {}
    for line in render(dot_source, "plain").splitlines():
        if line.startswith("node "):
            parts = shlex.split(line)
            out[parts[1]] = (float(parts[2]), float(parts[3]), parts[6])
    return out


def label_height_px(svg, column_px=1000):
    """How tall node labels are once the SVG is scaled to fit the text column."""
    root = ElementTree.fromstring(svg)
    width = float(root.get("viewBox").split()[2])
    sizes = [
        float(text.get("font-size"))
        for group in root.iter(f"{SVG_NS}g")
        if group.get("class") == "node"
        for text in group.iter(f"{SVG_NS}text")
    ]
    # Font size and viewBox are in the same user units, so their ratio is what
    # survives scaling the picture to the column.
    return min(sizes) * column_px / width, width, min(sizes)


# -- options ---------------------------------------------------------------------


def test_parse_graph_options_reads_every_option():
    options = parse_graph_options(
        {
            "root": "LDM-503-11",
            "depth": "2",
            "direction": "Both",
            "include": "LDM-503-*, DM-NCSA-*",
            "exclude": "DM-SUIT-*",
            "layout": "timeline",
            "cluster": "prefix",
            "rankdir": "tb",
            "transitive": "hide",
            "caption": "Ops rehearsals\n  and their inputs",
            "labels": "title",
            "name": "fig-ops",
        }
    )
    assert options == GraphOptions(
        root="LDM-503-11",
        depth=2,
        direction="both",
        include=("LDM-503-*", "DM-NCSA-*"),
        exclude=("DM-SUIT-*",),
        layout="timeline",
        cluster="prefix",
        rankdir="TB",
        transitive="hide",
        labels="title",
    )


def test_parse_graph_options_keeps_base_settings():
    base = GraphOptions(classifier=Classifier(plan_id_pattern=r"^TP-"), labels="title")
    options = parse_graph_options({"layout": "timeline"}, base=base)
    assert options.classifier.plan_id_pattern == r"^TP-"
    assert options.labels == "title"
    assert options.layout == "timeline"
    assert parse_graph_options({}) == GraphOptions()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"direction": "up"}, ":direction: must be one of requires, required-by, both"),
        ({"root": "A", "depth": "two"}, ":depth: takes a whole number"),
        ({"root": "A", "depth": "0"}, ":depth: must be 1 or more"),
        ({"depth": "2"}, ":depth: only makes sense with :root:"),
        ({"layout": "gantt"}, ":layout: must be one of dependency, timeline"),
        ({"cluster": "wbs"}, ":cluster: must be one of none, prefix, document"),
        ({"rankdir": "UP"}, ":rankdir: must be one of LR, TB, RL, BT"),
        ({"transitive": "maybe"}, ":transitive: must be one of show, hide"),
        ({"include": " , "}, ":include: needs at least one ID"),
        ({"root": " , "}, ":root: takes one or more milestone IDs"),
        ({"colour": "red"}, "unknown option :colour:"),
    ],
)
def test_parse_graph_options_explains_mistakes(raw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_graph_options(raw)


# -- selection -------------------------------------------------------------------


def test_whole_plan_draws_every_milestone_and_edge():
    plan = small_plan()
    sub = select(plan)
    assert len(sub) == len(plan) == 8
    assert len(sub.edges) == len(plan.edges)


def test_root_follows_prerequisites_but_never_dropped_edges():
    sub = select(small_plan(), GraphOptions(root="ldm-503-1"))
    # DM-DRP-1 is only reachable through a dropped edge.
    assert keys(sub) == ["CAMM8040", "DM-AP-1", "DM-AP-2", "DM-NCSA-1", "LDM-503-1"]
    assert sub.root.id == "LDM-503-1"


def test_root_depth_and_direction():
    plan = small_plan()
    assert keys(select(plan, GraphOptions(root="LDM-503-1", depth=1))) == [
        "DM-AP-1", "DM-AP-2", "DM-NCSA-1", "LDM-503-1"
    ]
    assert keys(select(plan, GraphOptions(root="DM-NCSA-1", direction="required-by"))) == [
        "DM-AP-1", "DM-AP-2", "DM-NCSA-1", "LDM-503-1", "LDM-503-2"
    ]
    assert keys(
        select(plan, GraphOptions(root="DM-NCSA-1", direction="required-by", depth=1))
    ) == ["DM-AP-1", "DM-AP-2", "DM-NCSA-1", "LDM-503-1"]
    assert keys(select(plan, GraphOptions(root="DM-AP-1", direction="both"))) == [
        "CAMM8040", "DM-AP-1", "DM-NCSA-1", "LDM-503-1", "LDM-503-2"
    ]


def test_several_roots_draw_the_union_of_their_neighbourhoods():
    plan = small_plan()
    options = parse_graph_options({"root": "LDM-503-1, DM-NCSA-1", "depth": "1"})
    assert (options.root, options.more_roots) == ("LDM-503-1", ("DM-NCSA-1",))
    union = set(keys(select(plan, GraphOptions(root="LDM-503-1", depth=1)))) | set(
        keys(select(plan, GraphOptions(root="DM-NCSA-1", depth=1))))
    assert keys(select(plan, options)) == sorted(union)
    with pytest.raises(ValueError, match="NOPE-1"):
        select(plan, parse_graph_options({"root": "LDM-503-1 NOPE-1"}))


def test_neighbourhood_is_direct_prerequisites_and_direct_requirers():
    options = GraphOptions.for_neighbourhood("LDM-503-1", depth=5, direction="requires")
    sub = select(small_plan(), options)
    assert keys(sub) == ["DM-AP-1", "DM-AP-2", "DM-NCSA-1", "LDM-503-1", "LDM-503-2"]
    assert options.labels == "title"


def test_dropped_edges_are_drawn_between_drawn_milestones():
    sub = select(small_plan())
    dropped = [e for e in sub.edges if e.prerequisite.query == "dropped"]
    assert [(e.source.id, e.target.id) for e in dropped] == [("LDM-503-1", "DM-DRP-1")]


def test_include_and_exclude_globs_are_case_insensitive():
    plan = small_plan()
    assert keys(select(plan, GraphOptions(include=("ldm-503-*", "dm-ap-1")))) == [
        "DM-AP-1", "LDM-503-1", "LDM-503-2"
    ]
    assert keys(select(plan, GraphOptions(exclude=("DM-*", "camm*")))) == [
        "EIA-1", "LDM-503-1", "LDM-503-2"
    ]
    sub = select(plan, GraphOptions(include=("DM-AP-*",)))
    assert edge_pairs(sub) == []


def test_root_is_kept_whatever_the_globs_say():
    sub = select(small_plan(), GraphOptions(root="LDM-503-1", include=("DM-AP-*",)))
    assert keys(sub) == ["DM-AP-1", "DM-AP-2", "LDM-503-1"]


def test_unknown_root_is_an_error_for_the_author():
    with pytest.raises(ValueError, match="'NOPE-1' is not a milestone"):
        select(small_plan(), GraphOptions(root="NOPE-1"))


def test_transitive_hide_removes_implied_edges_only():
    plan = small_plan()
    shown = select(plan, GraphOptions(transitive="show"))
    hidden = select(plan, GraphOptions(transitive="hide"))
    assert ("LDM-503-1", "DM-NCSA-1") in edge_pairs(shown)
    assert ("LDM-503-1", "DM-NCSA-1") not in edge_pairs(hidden)
    assert [(e.source.id, e.target.id) for e in hidden.hidden] == [("LDM-503-1", "DM-NCSA-1")]
    # The dropped edge is not part of any path but is still drawn.
    assert ("LDM-503-1", "DM-DRP-1") in edge_pairs(hidden)
    assert len(hidden.edges) == len(shown.edges) - 1


def test_transitive_hide_survives_cycles():
    plan = Plan(
        declarations=[
            ms("P", pre("Q"), pre("R"), line=1),
            ms("Q", pre("P"), pre("R"), line=2),
            ms("S", pre("P"), pre("R"), line=3),
        ]
    )
    sub = select(plan, GraphOptions(transitive="hide"))
    assert edge_pairs(sub) == [("P", "Q"), ("P", "R"), ("Q", "P"), ("Q", "R"), ("S", "P")]
    assert [(e.source.id, e.target.id) for e in sub.hidden] == [("S", "R")]


def test_size_warning_suggests_how_to_narrow():
    sub = select(small_plan())
    assert size_warning(sub, 300) is None
    message = size_warning(sub, 5)
    assert "8 milestones" in message
    assert "ldm503_graph_max_nodes (5)" in message
    for hint in (":root:", ":include:", ":cluster:"):
        assert hint in message


def test_text_outline_has_the_same_selection():
    plan = small_plan()
    outline = text_outline(plan, GraphOptions(root="LDM-503-1", depth=1))
    assert [(m.id, [e.target.id for e in edges]) for m, edges in outline] == [
        ("LDM-503-1", ["DM-AP-1", "DM-AP-2", "DM-NCSA-1"]),
        ("DM-AP-1", ["DM-NCSA-1"]),
        ("DM-AP-2", ["DM-NCSA-1"]),
    ]
    whole = dict((m.id, e) for m, e in text_outline(plan))
    assert whole["EIA-1"] == []


def test_kind_and_prefix():
    options = GraphOptions()
    assert kind_of(Milestone("LDM-503-07"), options) == "test"
    assert kind_of(Milestone("ldm-503-07"), options) == "test"
    assert kind_of(Milestone("DM-AP-1"), options) == "dm"
    assert kind_of(Milestone("DM-AP-1", external=True), options) == "external"
    assert kind_of(Milestone("CAMM8040", declared=False), options) == "external"
    # Declared here without :external:, CAMM8040 belongs to the plan, as for the checks.
    assert kind_of(Milestone("CAMM8040"), options) == "dm"
    assert kind_of(Milestone("TP-1"), GraphOptions(classifier=Classifier(r"^TP-"))) == "test"
    assert [prefix_of(i) for i in ("LDM-503-04b", "DM-AP-12", "DM-NCSA-1", "CAMM8040",
                                   "EIA-200", "COMC-0030", "DM-STAFF", "F18S",
                                   "T&SC-1150-0600", "A4369.9")] == [
        "LDM-503", "DM-AP", "DM-NCSA", "CAMM", "EIA", "COMC", "DM", "F", "T&SC-1150", "A"
    ]


# -- DOT -------------------------------------------------------------------------


def test_nodes_edges_urls_and_styles():
    plan = small_plan()
    source = build_dot(plan, url_for=url_for, at_risk={"dm-ap-1"}, name="whole")
    assert source.startswith("digraph whole {")
    test_node = node_line(source, "m_ldm_503_1")
    assert "label=\"LDM-503-1\"" in test_node
    assert 'URL="plan.html#ms-ldm-503-1"' in test_node
    assert "target=_top" in test_node
    assert 'id="whole-ms-ldm-503-1"' in test_node
    # Kind is the outline (blue, square corners), state the fill (planned: white).
    assert "shape=box" in test_node and 'color="#1f5fa8"' in test_node
    assert 'fillcolor="#ffffff"' in test_node and "rounded" not in test_node
    assert "Helvetica-Bold" in test_node
    tooltip = re.search(r'tooltip="([^"]*)"', test_node).group(1)
    assert tooltip == "LDM-503-1: Alpha\\ndue 2019-08-30\\nstatus: planned"

    completed = node_line(source, "m_dm_ap_1")
    assert 'fillcolor="#c9e7c1"' in completed  # completed: green, whatever propagation says
    assert 'color="#6b7280"' in completed  # still a DM milestone's outline
    assert "status: completed, at risk" in completed  # at risk by propagation (passed in)
    explicit = node_line(source, "m_dm_ap_2")
    assert 'fillcolor="#ffd3a8"' in explicit and 'color="#6b7280"' in explicit  # at risk
    undeclared = node_line(source, "m_camm8040")
    assert "URL" not in undeclared
    assert 'style="rounded,filled,dashed"' in undeclared
    assert 'color="#7e3fb0"' in undeclared and "peripheries=2" in undeclared  # external
    assert "not declared in this plan" in undeclared
    external = node_line(source, "m_eia_1")
    assert 'color="#7e3fb0"' in external and "peripheries=2" in external
    assert "dashed" not in external

    # Arrows run from the prerequisite to the milestone that requires it.
    plain = edge_line(source, "m_dm_ap_1", "m_ldm_503_1")
    assert "dashed" not in plain and "dotted" not in plain
    assert 'URL="plan.html#ms-ldm-503-1"' in plain
    opened = edge_line(source, "m_dm_ap_2", "m_ldm_503_1")
    assert "style=dashed" in opened and "open query" in opened and "Is this needed?" in opened
    dropped = edge_line(source, "m_dm_drp_1", "m_ldm_503_1")
    assert "style=dotted" in dropped and 'color="#a3a3a3"' in dropped
    assert "constraint=false" in dropped
    resolved = edge_line(source, "m_dm_ncsa_1", "m_dm_ap_1")
    assert "arrowtail=odot" in resolved and "dir=both" in resolved


@needs_dot
def test_svg_links_and_tooltips():
    svg = render(build_dot(small_plan(), url_for=url_for))
    nodes = svg_nodes(svg)
    texts, tooltip, href = nodes["m_ldm_503_1"]
    assert texts == ["LDM-503-1"]
    assert href == "plan.html#ms-ldm-503-1"
    assert tooltip == "LDM-503-1: Alpha\ndue 2019-08-30\nstatus: planned"
    assert nodes["m_camm8040"][2] is None
    assert "<script" not in svg


HOSTILE_TITLES = [
    'Say "hi" to {braces}',
    "<b>not bold</b> & co",
    "R&amp;D &lt;3 &#38; &",
    "node [shape=box]; edge",
    "]; node [ color=red",
    "graph strict digraph",
    "back\\slash \\N \\G \\L",
    "trailing backslash \\",
    "two\nlines\r\n\tthree",
    'C:\\path\\new "\\"',
    "\\\\ double \\\\N",
    "subgraph cluster_x {",
    "<<table>>",
    "é ü ☃ 中文 \u2028 x",
]


@needs_dot
@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_titles_are_shown_literally(title):
    plan = Plan(declarations=[ms("LDM-503-9", pre("DM-X-1", title=title), title=title)])
    source = build_dot(plan, GraphOptions(labels="title"), url_for=url_for)
    svg = render(source)
    nodes = svg_nodes(svg)
    expected = " ".join(title.split())
    for name in ("m_ldm_503_9", "m_dm_x_1"):
        texts, tooltip, _ = nodes[name]
        assert texts[0] in ("LDM-503-9", "DM-X-1")
        assert " ".join(texts[1:]) == expected
        first_line = tooltip.split("\n")[0]
        assert first_line.split(": ", 1)[1] == expected.replace("\\", LOOKALIKE)
    assert "<b>" not in svg and "<table" not in svg
    # One node per milestone plus one edge: no statement leaked out of a string.
    assert svg.count('class="node"') == 2
    assert svg.count('class="edge"') == 1


@needs_dot
def test_hostile_ids_and_urls():
    ids = ['A"B', "C\\N", "<x>", "T&SC-1150-0600", "node", "edge:1", "a&amp;b", "D\\"]
    plan = Plan(
        declarations=[ms(i, *(pre(j) for j in ids if j != i), line=n) for n, i in enumerate(ids)]
    )
    source = build_dot(plan, url_for=lambda m: f'x&y"z\\{m.anchor}.html', name="1 bad name\"")
    svg = render(source)
    nodes = svg_nodes(svg)
    assert sorted(texts[0] for texts, _, _ in nodes.values()) == sorted(ids)
    hrefs = {href for _, _, href in nodes.values()}
    assert 'x&y%22z%5Cms-a-b.html' in hrefs
    assert svg.count('class="edge"') == len(ids) * (len(ids) - 1)


def test_nohtml_even_for_ids_that_look_like_html():
    plan = Plan(declarations=[ms("<b>x</b>", title="<i>y</i>")])
    source = build_dot(plan, GraphOptions(labels="title"))
    assert 'label="<b>x</b>\\n<i>y</i>"' in source


def test_long_titles_are_shortened_in_labels_not_tooltips():
    title = "A very long title that goes on and on about a great many things indeed"
    plan = Plan(declarations=[ms("LDM-503-1", title=title)])
    source = build_dot(plan, GraphOptions(labels="title"))
    line = node_line(source, "m_ldm_503_1")
    label = re.search(r'label="([^"]*)"', line).group(1)
    assert label.count("\\n") == 2 and label.endswith("\u2026")
    assert title in line  # the tooltip keeps all of it


def test_root_is_emphasised():
    source = build_dot(small_plan(), GraphOptions(root="DM-NCSA-1"))
    assert "penwidth=2.2" in node_line(source, "m_dm_ncsa_1")


def test_every_root_is_outlined():
    options = parse_graph_options({"root": "LDM-503-1, DM-AP-1", "depth": "1"})
    source = build_dot(small_plan(), options)
    assert "penwidth=2.2" in node_line(source, "m_ldm_503_1")
    assert "penwidth=2.2" in node_line(source, "m_dm_ap_1")


def test_same_plan_gives_the_same_bytes_whatever_the_order():
    plan = seed_plan()
    for options in (GraphOptions(), GraphOptions(layout="timeline", cluster="prefix"),
                    GraphOptions(root="LDM-503-11", direction="both", transitive="hide")):
        first = build_dot(plan, options, url_for=url_for, at_risk={"DM-SUIT-10"})
        for seed in range(3):
            again = build_dot(shuffled(plan, seed), options, url_for=url_for,
                              at_risk=["dm-suit-10"])
            assert again == first


def test_dot_is_sorted_by_id():
    source = build_dot(small_plan())
    names = re.findall(r"^\t(m_\w+) \[", source, flags=re.M)
    assert names == sorted(names)


# -- layouts ---------------------------------------------------------------------


def dated_plan():
    return Plan(
        declarations=[
            ms("LDM-503-1", pre("DM-A-1"), pre("DM-A-2"), due=date(2019, 12, 1), line=1),
            ms("DM-A-1", due=date(2019, 7, 1), line=2),
            ms("DM-A-2", due=date(2019, 9, 30), forecast=date(2020, 5, 1), line=3),
            ms("DM-A-3", completed=date(2019, 8, 1), due=date(2021, 1, 1), line=4),
            ms("DM-A-4", line=5),
        ]
        + [ms(f"DM-B-{i}", due=date(2019, 8, i), line=10 + i) for i in range(1, 6)]
    )


@needs_dot
def test_timeline_ranks_by_quarter_with_a_dated_axis():
    source = build_dot(dated_plan(), GraphOptions(layout="timeline", row_limit=3))
    pos = plain_positions(source)
    axis = {label: y for name, (_, y, label) in pos.items() if name.startswith("axis_") and label}
    assert list(axis) == ["2019 Q3", "2019 Q4", "2020 Q1", "2020 Q2", "no date"]
    ys = list(axis.values())
    assert ys == sorted(ys, reverse=True)  # time runs downwards

    def y(name):
        return pos[name][1]

    assert y("m_ldm_503_1") == axis["2019 Q4"]
    assert y("m_dm_a_2") == axis["2020 Q2"]  # forecast wins over due
    assert y("m_dm_a_4") == axis["no date"]
    # 2019 Q3 holds 7 milestones (DM-A-1, DM-A-3 by completion, DM-B-1..5): three rows.
    q3 = {y(n) for n in pos if n.startswith(("m_dm_b", "m_dm_a_1", "m_dm_a_3"))}
    assert len(q3) == 3
    assert max(q3) == axis["2019 Q3"]
    assert min(q3) > axis["2019 Q4"]
    # The axis is at the left of every row.
    for name, (x, _, _) in pos.items():
        if name.startswith("m_"):
            assert x > pos["axis_0"][0]


def test_timeline_marks_late_prerequisites():
    source = build_dot(dated_plan(), GraphOptions(layout="timeline"))
    late = edge_line(source, "m_dm_a_2", "m_ldm_503_1")
    on_time = edge_line(source, "m_dm_a_1", "m_ldm_503_1")
    assert 'color="#b91c1c"' in late and "constraint=false" in late
    assert "#b91c1c" not in on_time and "constraint=false" in on_time


def cluster_blocks(source):
    blocks = {}
    for match in re.finditer(r"subgraph (cluster_\w+) \{\n(.*?)\n\t\}", source, flags=re.S):
        body = match.group(2)
        label = re.search(r'\blabel=("[^"]*"|\S+)', body).group(1).strip('"')
        blocks[label] = sorted(re.findall(r"^\t\t(m_\w+) \[", body, flags=re.M))
    return blocks


def test_prefix_clusters():
    blocks = cluster_blocks(build_dot(small_plan(), GraphOptions(cluster="prefix")))
    assert blocks == {
        "CAMM": ["m_camm8040"],
        "DM-AP": ["m_dm_ap_1", "m_dm_ap_2"],
        "DM-DRP": ["m_dm_drp_1"],
        "DM-NCSA": ["m_dm_ncsa_1"],
        "EIA": ["m_eia_1"],
        "LDM-503": ["m_ldm_503_1", "m_ldm_503_2"],
    }


def test_document_clusters_put_undeclared_milestones_apart():
    blocks = cluster_blocks(build_dot(small_plan(), GraphOptions(cluster="document")))
    assert blocks == {
        "other": ["m_eia_1", "m_ldm_503_2"],
        "plan": ["m_dm_ap_1", "m_dm_ap_2", "m_dm_ncsa_1", "m_ldm_503_1"],
        "not declared": ["m_camm8040", "m_dm_drp_1"],
    }


@needs_dot
@pytest.mark.parametrize("layout", ["dependency", "timeline"])
@pytest.mark.parametrize("cluster", ["none", "prefix", "document"])
def test_every_layout_renders(layout, cluster):
    svg = render(build_dot(seed_plan(), GraphOptions(layout=layout, cluster=cluster),
                           url_for=url_for))
    assert svg.count('class="node"') >= 142


@needs_dot
def test_legend_explains_every_style():
    svg = render(build_legend_dot())
    text = " ".join(t.text or "" for t in ElementTree.fromstring(svg).iter(f"{SVG_NS}text"))
    for words in ("test milestone", "DM milestone", "external milestone", "completed",
                  "at risk", "descoped", "not declared here", "open review query",
                  "resolved query", "dropped", "finishes too late"):
        assert words in text


# -- legibility --------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize(
    "options",
    [GraphOptions(), GraphOptions(layout="timeline"), GraphOptions(cluster="prefix")],
    ids=["dependency", "timeline", "dependency-prefix-clusters"],
)
def test_whole_seed_plan_is_legible_at_page_width(options):
    plan = seed_plan()
    assert len(plan) == 142
    svg = render(build_dot(plan, options, url_for=url_for))
    height, width, font = label_height_px(svg)
    print(f"{options.layout}/{options.cluster}: {width:.0f} units wide, font {font}, "
          f"labels {height:.1f} px at 1000 px")
    assert height >= 8


# -- property: any plan gives DOT that dot draws faithfully ----------------------------

# Control characters and the non-characters U+FFFE/U+FFFF cannot appear in XML: the
# escaping drops them from labels (test_hostile covers that), so an ID made of them
# is not drawn as written.
_id_chars = st.characters(blacklist_categories=("Cs", "Cc", "Z"),
                          blacklist_characters="\ufffe\uffff")
_ids = st.one_of(
    st.sampled_from(["node", "edge", "graph", "strict", "A:B", 'q"q', "b\\N", "<x>", "&amp;"]),
    st.text(_id_chars, min_size=1, max_size=10),
)
_titles = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def plans(draw):
    ids = draw(st.lists(_ids, min_size=1, max_size=7, unique_by=lambda s: s.casefold()))
    declarations = []
    for n, ms_id in enumerate(ids):
        targets = draw(st.lists(st.sampled_from([*ids, "EXT-1"]), max_size=3))
        pres = [pre(t, query=draw(st.sampled_from([None, "open", "resolved", "dropped"])),
                    title=draw(_titles)) for t in targets]
        due = draw(st.none() | st.dates(date(2017, 1, 1), date(2022, 12, 31)))
        status = draw(st.sampled_from([None, "completed", "at-risk", "descoped"]))
        doc = draw(st.sampled_from(["a", "b/c", "<d>", 'x"y\\']))
        declarations.append(ms(ms_id, *pres, title=draw(_titles), line=n, due=due,
                               status=status, doc=doc))
    return Plan(declarations=declarations)


@needs_dot
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=plans(),
    layout=st.sampled_from(["dependency", "timeline"]),
    cluster=st.sampled_from(["none", "prefix", "document"]),
    labels=st.sampled_from(["id", "title"]),
    transitive=st.sampled_from(["show", "hide"]),
    rooted=st.booleans(),
    direction=st.sampled_from(["requires", "required-by", "both"]),
)
def test_random_plans_always_give_dot_that_draws(
    plan, layout, cluster, labels, transitive, rooted, direction
):
    root = plan.declarations[0].id if rooted else None
    options = GraphOptions(layout=layout, cluster=cluster, labels=labels, transitive=transitive,
                           root=root, direction=direction)
    source = build_dot(plan, options, url_for=url_for, at_risk={root or "x"})
    svg = render(source)
    nodes = svg_nodes(svg)
    sub = select(plan, options)
    ms_nodes = {k: v for k, v in nodes.items() if k.startswith("m_")}
    assert len(ms_nodes) == len(sub)
    assert svg.count('class="edge"') >= len(sub.edges)
    drawn_ids = sorted(texts[0] for texts, _, _ in ms_nodes.values())
    assert drawn_ids == sorted(m.id for m in sub.milestones)
    for texts, tooltip, _ in ms_nodes.values():
        assert tooltip.startswith(texts[0].replace("\\", LOOKALIKE))


_DOT_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@given(name=st.from_regex(r"m_[a-z0-9_]{1,8}", fullmatch=True),
       label=st.none() | _DOT_TEXT, html_label=st.booleans(),
       attrs=st.dictionaries(st.sampled_from(["tooltip", "URL", "color", "penwidth",
                                              "style", "fillcolor", "class", "Z", "a"]),
                             st.none() | _DOT_TEXT, max_size=6),
       ident=_DOT_TEXT)
def test_remembered_statements_write_what_graphviz_writes(name, label, html_label, attrs, ident):
    """Our node and edge statements, cut around their id and remembered, are byte
    for byte the package's own."""
    import graphviz

    from sphinxext_ldm503.render.graph.dot import _attr_list_around, _quote

    if label is not None and not html_label:
        label = graphviz.nohtml(label)
    node_head, node_tail = _attr_list_around(label, attrs, "id")
    edge_head, edge_tail = _attr_list_around(None, attrs, "id")
    ours = (f"\t{_quote(name)}{node_head}id={_quote(ident)}{node_tail}\n"
            f"\t{_quote(name)} -> m_other{edge_head}id={_quote(ident)}{edge_tail}\n")
    theirs = graphviz.Digraph()
    theirs.node(name, label=label, **attrs, id=ident)
    theirs.edge(name, "m_other", **attrs, id=ident)
    assert ours == "".join(theirs.body)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), labels=st.sampled_from(["id", "title"]),
       layout=st.sampled_from(["dependency", "timeline"]))
def test_statements_remembered_across_diagrams_change_nothing(plan, labels, layout):
    """Every milestone's neighbourhood drawn with one shared memory of statements
    gives exactly the DOT each gets alone."""
    from sphinxext_ldm503.render.graph.dot import Statements
    from sphinxext_ldm503.render.schedule_dot import critical_path_styles

    shared = Statements()
    node_extra, edge_extra = critical_path_styles(None)
    for ms in plan:
        options = GraphOptions.for_neighbourhood(ms.id, labels=labels, layout=layout)
        kwargs = dict(url_for=url_for, at_risk={plan.declarations[0].id},
                      node_extra=node_extra, edge_extra=edge_extra, name=f"n-{ms.anchor}")
        assert build_dot(plan, options, statements=shared, **kwargs) == \
            build_dot(plan, options, **kwargs)


def test_default_statements_keep_a_nohtml_value_apart_from_an_equal_string():
    """The node defaults are remembered across diagrams; ``nohtml("<b>")`` equals
    ``"<b>"`` but is quoted, the other written as an HTML-like label."""
    import graphviz

    from sphinxext_ldm503.core.model import Milestone, Plan
    from sphinxext_ldm503.render.graph import build_dot

    plan = Plan([Milestone("A-1", "One")])
    html_like = build_dot(plan, node_attrs={"xlabel": "<b>"})
    quoted = build_dot(plan, node_attrs={"xlabel": graphviz.nohtml("<b>")})
    assert "xlabel=<b>" in html_like
    assert 'xlabel="<b>"' in quoted
