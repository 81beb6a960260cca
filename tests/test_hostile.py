"""Hostile and malformed input: the build finishes, every problem is located, nothing runs.

Hypothesis writes small projects whose milestone, prerequisite, query and
milestone-graph directives (arguments, options, content) and ``:ms:`` role
targets are full of quotes, braces, backslashes, ``<script>``, ``]; node [``,
``\\N``, LaTeX specials, right-to-left and zero-width characters, control
characters, 10,000-character titles and junk. Each project is built with the
``html`` builder (and some with ``latex``), and then:

* the build finished: no exception, no "Traceback" / "Exception occurred";
* every ldm503 warning names ``file.rst:LINE:`` and ends with ``[ldm503.<subtype>]``;
* the HTML carries no markup from the author's text: no foreign ``<script>``,
  no injected element, no event-handler attribute, no ``javascript:`` link;
* every SVG diagram parses as XML (defusedxml) and holds no ``<script``;
* the DOT of the plan, of the fuzzed diagram and of each neighbourhood renders
  with ``dot``;
* LaTeX output escapes the author's backslashes (compiled only where ``pdflatex``
  exists: CI installs no TeX).

The unit-level fuzz of the parsers at the end needs no Sphinx and runs many
examples quickly.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from defusedxml import ElementTree
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sphinx.testing.util import SphinxTestApp

from sphinxext_ldm503.core import parsing
from sphinxext_ldm503.core.model import Milestone, Plan, Prerequisite, anchor_for
from sphinxext_ldm503.render.graph import (
    GraphOptions,
    build_dot,
    build_legend_dot,
    parse_graph_options,
    select,
)

DOT = shutil.which("dot")
PDFLATEX = shutil.which("pdflatex")

# -- hostile text ------------------------------------------------------------------

#: Characters that end a line for docutils (``str.splitlines``): kept out of one-line
#: values, which would otherwise change the document's structure, not its text.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

#: Tags the author's text tries to inject; none may become an element.
INJECTED_TAGS = ("script", "ldmevil", "iframe", "img", "svg", "object", "style", "foreignobject")

FRAGMENTS = (
    '"', "'", "`", "{", "}", "\\", "\\\\", "\\N", "\\G", "\\E", "\\T", "\\H", "\\L", "\\l",
    "\\n", "\\\"", "<script>alert(1)</script>", "<script src=//evil.invalid/x.js>",
    "<ldmevil>", "</ldmevil>", "<img src=x onerror=alert(1)>", "<iframe src=javascript:x>",
    "<svg onload=alert(1)>", "<style>*{}</style>", "<b>bold</b>", "<<html>>", "<", ">",
    "]; node [", '"]; x [label="pwned"]; y [', "]; edge [style=invis]; //", "/* */",
    "-> ", "--", ";", "=", "[", "]", "|", "node", "edge", "graph", "digraph", "subgraph",
    "strict", "#", "$", "%", "&", "_", "~", "^", "#$%&_{}~^\\", "\\input{/etc/passwd}",
    "\\write18{touch pwned}", "\\ldmevil{}", "\\end{document}", "&amp;", "&lt;", "&#x3C;",
    "&#60;script&#62;", "&unknown;", "javascript:alert(1)", "%s", "{0}", "${x}", "$(x)",
    "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u200e", "\u200b", "\u200d",
    "\u2060", "\ufeff", "\u00ad", "\u061c", "\u05d0\u05d1\u05d2", "\u0627\u0644\u0639",
    "\x00", "\x01", "\x07", "\x08", "\x1b[31m", "\x7f", "\x9b", "\ufffd", "\ufffe",
    "\uffff", "\U0001f600", "\U0010ffff", "\u0301", "e\u0301", "\t", "  ", "*", "**",
    "_`x`", "|sub|", "::", ":", ": ", "..", ".. ", "`x <y>`_", ":ms:`x`", "[1]_",
)

_LINE_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=LINE_BREAKS)


def _one_line(max_fragments: int = 8) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(FRAGMENTS), st.text(_LINE_CHARS, max_size=6))
    return st.lists(piece, max_size=max_fragments).map("".join)


def _long(text: str) -> str:
    """About 10,000 characters of one hostile line."""
    text = text or "x"
    return (text * (10_000 // len(text) + 1))[:10_000]


one_line = st.one_of(
    _one_line(), _one_line(), _one_line(),
    _one_line(3).map(_long),  # now and then (1 in 4) a 10,000-character value
)
short_line = _one_line(4)

#: IDs: mostly well-formed (a letter or digit, then any non-space), sometimes not.
_ID_TAIL = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), max_size=6
)
ms_id = st.one_of(
    st.builds(
        lambda head, tail, frag: head + tail + "".join(frag.split()),
        st.sampled_from(["LDM-503-", "DM-AP-", "A", "x", "9", "T&SC-", "CAMM"]),
        _ID_TAIL,
        st.sampled_from(FRAGMENTS),
    ),
    st.sampled_from(["LDM-503-01", "LDM-503-02", "ldm-503-01", "DM-SUIT-1"]),
    short_line,  # anything at all, usually malformed
)


def _indent(lines: list[str], prefix: str) -> list[str]:
    return [prefix + line if line.strip() else "" for line in lines]


content = st.lists(one_line, max_size=4)

OPTION_NAMES = (
    "due", "forecast", "completed", "status", "level", "tags", "requires", "external",
    "waive", "no-graph", "class", "query", "colour", "x<script>", "on-load",
)
DATES = ("2019-01-31", "2019-02-30", "2019-13-01", "20190131", "9999-12-31", "0001-01-01", "")


def _option_value(name: str) -> st.SearchStrategy[str]:
    if name in ("due", "forecast", "completed"):
        return st.one_of(st.sampled_from(DATES), short_line)
    if name == "status":
        return st.one_of(st.sampled_from(["planned", "completed", "at-risk", "AT-RISK"]),
                         short_line)
    if name == "requires":
        return st.lists(ms_id, max_size=4).map(", ".join)
    if name == "level":
        return st.one_of(st.sampled_from(["0", "2", "-1", "99999999999999999999", "٣"]),
                         short_line)
    if name == "query":
        return st.one_of(st.sampled_from(["", "open", "resolved", "dropped"]), short_line)
    return one_line


def options_for(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
    return st.lists(st.sampled_from(names), unique=True, max_size=4).flatmap(
        lambda chosen: st.fixed_dictionaries({n: _option_value(n) for n in chosen})
    )


@dataclass
class Prereq:
    target: str
    sep: str
    title: str
    options: dict[str, str]
    discussion: list[str]

    def rst(self) -> list[str]:
        lines = [f".. prerequisite:: {self.target}{self.sep}{self.title}"]
        lines += [f"   :{k}: {v}" for k, v in self.options.items()]
        if self.discussion:
            lines += ["", *_indent(self.discussion, "   ")]
        return [*lines, ""]


@dataclass
class MilestoneSrc:
    id: str
    sep: str
    title: str
    options: dict[str, str]
    description: list[str]
    prerequisites: list[Prereq]
    queries: list[tuple[str, list[str]]] = field(default_factory=list)

    def rst(self) -> list[str]:
        lines = [f".. milestone:: {self.id}{self.sep}{self.title}"]
        lines += [f"   :{k}: {v}" for k, v in self.options.items()]
        lines.append("")
        lines += _indent(self.description, "   ")
        lines.append("")
        for pre in self.prerequisites:
            lines += _indent(pre.rst(), "   ")
        for status, text in self.queries:
            lines += ["   .. query::", *([f"      :status: {status}"] if status else []), ""]
            lines += [*_indent(text, "      "), ""]
        return lines


separators = st.sampled_from([": ", " ", ":", "  :  ", "\t"])

prereqs = st.builds(
    Prereq, target=ms_id, sep=separators, title=one_line,
    options=options_for(("query", "waive", "colour")), discussion=content,
)
milestones = st.builds(
    MilestoneSrc, id=ms_id, sep=separators, title=one_line,
    options=options_for(OPTION_NAMES),
    description=content, prerequisites=st.lists(prereqs, max_size=3),
    queries=st.lists(st.tuples(st.sampled_from(["", "open", "resolved", "maybe"]), content),
                     max_size=2),
)
GRAPH_OPTIONS = ("root", "depth", "direction", "include", "exclude", "layout", "cluster",
                 "rankdir", "transitive", "caption", "name", "labels", "legend", "alt", "align")


def _graph_value(name: str) -> st.SearchStrategy[str]:
    choices = {
        "root": ["LDM-503-01", "LDM-503-02", "LDM-503-01, LDM-503-02", "NO-SUCH"],
        "depth": ["1", "2", "all", "0", "-3"], "direction": ["requires", "both", "up"],
        "layout": ["timeline", "dependency", "sideways"], "cluster": ["prefix", "document"],
        "rankdir": ["LR", "bt", "XX"], "transitive": ["hide", "show"],
        "labels": ["title", "id"], "legend": ["no", "yes"], "align": ["center", "left"],
        "include": ["LDM-*", "*", "[", "*<script>*"], "exclude": ["DM-*", "]; node ["],
    }
    fixed = st.sampled_from(choices.get(name, ["x"]))
    return st.one_of(fixed, fixed, one_line if name in ("caption", "alt") else short_line)


graph_options = st.lists(st.sampled_from(GRAPH_OPTIONS), unique=True, max_size=6).flatmap(
    lambda chosen: st.fixed_dictionaries({n: _graph_value(n) for n in chosen})
)
role_targets = st.lists(
    st.one_of(ms_id, st.builds(lambda t, i: f"{t} <{i}>", short_line, ms_id)), max_size=3
)


# -- every directive of every feature (issue 25) ------------------------------------------

#: The option names of each directive that draws from the whole plan, with values that
#: are sometimes right; the rest come from the hostile text above.
FEATURE_OPTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "milestone-report": {"checks": ("cycle, at-risk", "open-query", "<script>"),
                         "severity": ("error", "warning", "info", "x"), "class": ("x",)},
    "milestone-table": {"include": ("LDM-*", "*", "["), "exclude": ("DM-*",),
                        "columns": ("id, title, due, status, slack", "id", "<b>"),
                        "sort": ("id", "due", "forecast", "x"), "class": ("x",)},
    "milestone-impact": {"graph": ("yes", "no"), "class": ("x",)},
    "milestone-changes": {"include": ("LDM-*",), "exclude": ("DM-*",),
                          "kinds": ("slipped, new", "renamed", "x"), "sort": ("id", "slip"),
                          "class": ("x",)},
    "milestone-timeline": {"include": ("LDM-*", "*"), "exclude": ("DM-*",),
                           "start": DATES, "end": DATES,
                           "group": ("campaign", "prefix", "none", "x"),
                           "arrows": ("yes", "no"), "alt": ("x",), "class": ("x",)},
    "milestone-graph": {name: ("LDM-503-01",) for name in GRAPH_OPTIONS},
}
#: Slips: ordinary ones, ones past 9999-12-31 (issue 25 item 3) and malformed ones.
SLIP_AMOUNTS = ("+1d", "+90d", "+3000000d", "+99999999999999999999d", "9999-12-31",
                "0001-01-01", "2019-02-30", "soon", "-3d")


def _feature_value(directive: str, name: str) -> st.SearchStrategy[str]:
    if directive == "milestone-graph":
        return _graph_value(name)
    fixed = st.sampled_from(FEATURE_OPTIONS[directive][name])
    return st.one_of(fixed, fixed, one_line if name == "alt" else short_line)


def _slip_line() -> st.SearchStrategy[str]:
    amount = st.one_of(st.sampled_from(SLIP_AMOUNTS), short_line)
    return st.builds(lambda ms, sep, how: f"{ms}{sep}{how}", ms_id,
                     st.sampled_from([" ", "  ", "\t"]), amount)


@st.composite
def feature_directive(draw: st.DrawFn) -> list[str]:
    """One directive of a feature, its argument, options and content."""
    name = draw(st.sampled_from(sorted(FEATURE_OPTIONS)))
    options = draw(st.lists(st.sampled_from(sorted(FEATURE_OPTIONS[name])), unique=True,
                            max_size=4).flatmap(lambda chosen: st.fixed_dictionaries(
                                {n: _feature_value(name, n) for n in chosen})))
    argument = draw(_slip_line()) if name == "milestone-impact" else ""
    lines = [f".. {name}::" + (f" {argument}" if argument else "")]
    lines += [f"   :{k}: {v}" for k, v in options.items()]
    if name == "milestone-impact":
        content = draw(st.lists(_slip_line(), max_size=2))
        if content:
            lines += ["", *(f"   {line}" for line in content)]
    return [*lines, ""]


#: The schedule exports milestone-changes compares: well-formed rows (a bad row is
#: warned at the CSV's line, which check_warnings cannot tell from an .rst one) with
#: hostile titles and the far-off dates of schedule exports.
CATALOG_PREVIOUS = (
    "id,title,due,forecast,completed,status,prerequisites\n"
    'LDM-503-01,"<script>alert(1)</script> $x^{2$",2019-01-31,,,planned,DM-SUIT-1\n'
    'LDM-503-02,"B""/onload=""x",2019-05-31,9999-12-31,,planned,LDM-503-01\n'
    "DM-SUIT-1,Search \\N ]; node [,0001-01-01,,,planned,\n"
)
CATALOG = (
    "id,title,due,forecast,completed,status,prerequisites\n"
    'LDM-503-01,"<img src=x onerror=alert(1)> Costs $5M and $3M",2019-01-31,9999-12-31,,'
    "planned,\n"
    "LDM-503-02,Second,2019-05-31,2019-06-30,,planned,LDM-503-01;DM-SUIT-1\n"
    "DM-SUIT-1,Search,0001-01-01,9990-06-01,,at-risk,\n"
)


@dataclass
class Project:
    a: list[MilestoneSrc]
    b: list[MilestoneSrc]
    graph: dict[str, str]
    refs: list[str]
    junk: str = ""
    #: Directives of every feature, in a document of their own (c.rst).
    features: list[list[str]] = field(default_factory=list)
    #: graphviz_output_format: "svg" (inlined) or "png" (<img> and an image map).
    fmt: str = "svg"

    def write(self, src: Path) -> None:
        conf = CONF.replace('graphviz_output_format = "svg"',
                            f'graphviz_output_format = "{self.fmt}"')
        if self.features:
            conf += ('ldm503_catalog = "catalog.csv"\n'
                     'ldm503_catalog_previous = "previous.csv"\n')
            (src / "catalog.csv").write_text(CATALOG, encoding="utf-8")
            (src / "previous.csv").write_text(CATALOG_PREVIOUS, encoding="utf-8")
        (src / "conf.py").write_text(conf, encoding="utf-8")
        c = ["C", "=", ""]
        for lines in self.features:
            c += [*lines, ""]
        (src / "c.rst").write_text("\n".join(c) + "\n", encoding="utf-8")
        index = ["Hostile plan", "============", "", ".. toctree::", "", "   a", "   b", "   c", "",
                 ".. milestone-graph::", "   :caption: The whole plan", "",
                 ".. milestone-graph::"]
        index += [f"   :{k}: {v}" for k, v in self.graph.items()]
        index += ["", "References: " + ", ".join(f":ms:`{r}`" for r in self.refs) + ".", ""]
        a = ["A", "=", "", *GOOD_MILESTONES]
        for ms in self.a:
            a += ms.rst()
        b = ["B", "=", ""]
        for ms in self.b:
            b += ms.rst()
        b += ["", self.junk, ""]
        for name, lines in (("index", index), ("a", a), ("b", b)):
            (src / f"{name}.rst").write_text("\n".join(lines) + "\n", encoding="utf-8")


CONF = """\
extensions = ["sphinxext_ldm503"]
exclude_patterns = ["_build"]
graphviz_output_format = "svg"
ldm503_today = "2020-01-01"
ldm503_at_risk_patterns = ["^DM-SUIT-"]
latex_documents = [("index", "plan.tex", "Hostile plan", "Fuzz", "manual")]
"""

#: Two sane milestones, so diagrams always have an edge to draw and roots exist.
GOOD_MILESTONES = [
    ".. milestone:: LDM-503-01: First",
    "   :due: 2019-01-31",
    "",
    "   .. prerequisite:: DM-SUIT-1 Search",
    "",
    ".. milestone:: LDM-503-02: Second",
    "   :due: 2019-05-31",
    "",
    "   .. prerequisite:: LDM-503-01 First",
    "      :query: open",
    "",
    "      Why?",
    "",
]

projects = st.builds(
    Project, a=st.lists(milestones, max_size=3), b=st.lists(milestones, max_size=2),
    graph=graph_options, refs=role_targets,
)
#: Projects using every directive of every feature, drawn as SVG or PNG.
feature_projects = st.builds(
    Project, a=st.lists(milestones, max_size=3), b=st.lists(milestones, max_size=2),
    graph=graph_options, refs=role_targets,
    features=st.lists(feature_directive(), min_size=1, max_size=6),
    fmt=st.sampled_from(["svg", "png"]),
)

#: Lines that look like pieces of directives, shuffled with junk at random indents.
JUNK_LINES = (
    ".. milestone::", ".. milestone:: LDM-503-09", ".. prerequisite::",
    ".. prerequisite:: LDM-503-01", ".. query::", ".. milestone-graph::", ":requires:",
    ":query:", ":root: LDM-503-01", ":due: 2019-01-01", ":ms:`", ":ms:`LDM-503-01",
    ":ms:`<>`", ":ms:`\\`", "`", "", "::", ".. ", "-", "=====",
)
junk_text = st.lists(
    st.tuples(st.sampled_from(["", "", "   ", "      ", " ", "\t"]),
              st.one_of(st.sampled_from(JUNK_LINES), short_line,
                        st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))),
    max_size=25,
).map(lambda lines: "\n".join(indent + text for indent, text in lines))


# -- building and checking ------------------------------------------------------------

KNOWN_INLINE_SCRIPTS = {"document.getElementById('searchbox').style.display = \"block\""}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RECORD_START = re.compile(r"\n(?=\S*?(?::\d+)?:? ?(?:WARNING|ERROR|CRITICAL|SEVERE): )")
_LDM_WARNING = re.compile(
    r"^(?P<path>\S+\.rst):(?P<line>\d+): (?:WARNING|ERROR): .*\[ldm503\.[a-z][a-z-]*\]$", re.S
)


def build(src: Path, builder: str = "html") -> tuple[SphinxTestApp, str]:
    warning = StringIO()
    app = SphinxTestApp(builder, srcdir=src, freshenv=True, status=StringIO(), warning=warning)
    try:
        app.build()
    finally:
        app.cleanup()
    return app, _ANSI.sub("", warning.getvalue())


def check_warnings(src: Path, warnings: str) -> None:
    assert "Traceback" not in warnings, warnings
    assert "Exception occurred" not in warnings, warnings
    assert "dot exited with error" not in warnings, warnings
    assert "dot did not produce" not in warnings, warnings
    for record in _RECORD_START.split(warnings):
        if "[ldm503." not in record:
            continue
        record = record.rstrip("\n")
        match = _LDM_WARNING.match(record)
        assert match, f"ldm503 warning without file and line or subtype: {record!r}"
        path = Path(match["path"])
        assert path.parent == src and path.is_file(), record
        lines = path.read_text(encoding="utf-8").count("\n") + 1
        assert 1 <= int(match["line"]) <= lines, record


def _sphinx_diagram(element) -> bool:
    """sphinx.ext.graphviz's own ``<object>`` (SVG) or ``<img>`` (PNG) showing a diagram
    of ours, a timeline chart's ``<object>``, or one of our diagrams inlined as
    ``<svg>`` in its frame (issue 15); the inline SVG's content is checked like the
    rest of the page: no script, no foreignObject, no handlers."""
    if element.name == "svg":
        parent = element.parent
        return (parent is not None and "ldm503-graph-frame" in parent.get("class", ())
                and not element.find_all(["script", "foreignobject", "foreignObject"]))
    if element.name == "img":
        return ("graphviz" in element.get("class", ()) and set(element.attrs) <= {
            "src", "alt", "usemap", "class"} and re.fullmatch(
                r"_images/graphviz-[0-9a-f]+\.png", element.get("src", "")) is not None)
    return (element.name == "object" and element.get("type") == "image/svg+xml"
            and re.fullmatch(r"_images/(graphviz|ldm503-timeline)-[0-9a-f]+\.svg",
                             element.get("data", "")) is not None)


def check_html(outdir: Path) -> None:
    for page in sorted(outdir.glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for script in soup.find_all("script"):
            if script.get("src"):
                assert not script["src"].startswith(("//", "http", "javascript")), script
                continue
            assert (script.string or "").strip() in KNOWN_INLINE_SCRIPTS, (page.name, script)
        injected = [el for el in soup.find_all(INJECTED_TAGS)
                    if el.name != "script" and not _sphinx_diagram(el)]
        assert not injected, (page.name, injected)
        for element in soup.find_all(True):
            for name, value in element.attrs.items():
                assert not name.lower().startswith("on"), (page.name, element)
                text = " ".join(value) if isinstance(value, list) else str(value)
                # docutils turns any "scheme:..." in free RST content (descriptions,
                # discussions: the author's own RST) into a standalone link; links
                # the extension makes are internal.
                if name in ("href", "src", "data", "action") and "external" not in element.get(
                    "class", ()
                ):
                    assert not text.strip().lower().startswith("javascript:"), element


def check_svg(outdir: Path) -> int:
    svgs = sorted((outdir / "_images").glob("*.svg"))
    for svg in svgs:
        data = svg.read_bytes()
        assert b"<script" not in data.lower(), svg.name
        root = ElementTree.fromstring(data)
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1].lower()
            assert tag not in ("script", "foreignobject", "ldmevil", "iframe"), svg.name
            for name, value in element.attrib.items():
                local = name.rsplit("}", 1)[-1].lower()
                assert not local.startswith("on"), (svg.name, name)
                if local == "href":
                    assert not value.strip().lower().startswith("javascript:"), svg.name
    return len(svgs)


def run_dot(code: str) -> None:
    proc = subprocess.run([DOT or "dot", "-Tsvg"], input=code.encode("utf-8"),
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, (proc.stderr.decode("utf-8", "replace"), code)
    assert b"<script" not in proc.stdout.lower()
    ElementTree.fromstring(proc.stdout)


def check_dot(app: SphinxTestApp, graph: dict[str, str]) -> None:
    plan = app.env.get_domain("ldm503").plan
    codes = [build_dot(plan), build_dot(plan, GraphOptions(layout="timeline", cluster="prefix"))]
    raw = {k: v for k, v in graph.items() if k not in ("legend", "name", "alt", "align")}
    try:
        options = parse_graph_options(raw)
        codes.append(build_dot(plan, options, url_for=lambda ms: f"x.html#{ms.anchor}"))
    except ValueError:
        pass  # reported as a located warning while reading
    for ms in list(plan.declared)[:4]:
        codes.append(build_dot(plan, GraphOptions.for_neighbourhood(ms.id)))
    for code in codes:
        run_dot(code)


def check_project(project: Project, builders: tuple[str, ...] = ("html",)) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ldm503-hostile-"))
    try:
        src = tmp / "src"
        src.mkdir()
        project.write(src)
        for builder in builders:
            app, warnings = build(src, builder)
            check_warnings(src, warnings)
            outdir = Path(app.outdir)
            json.loads((outdir / "ldm503.json").read_text(encoding="utf-8"))
            if builder == "html":
                check_html(outdir)
                drawn = check_svg(outdir) if project.fmt == "svg" else len(
                    list((outdir / "_images").glob("graphviz-*.png")))
                check_svg(outdir)  # the timeline charts are SVG whatever the diagrams are
                assert drawn > 0, "the whole-plan diagram was not drawn"
                check_dot(app, project.graph)
            elif builder == "latex":
                check_latex(outdir)
            elif builder == "text":
                assert (outdir / "index.txt").is_file()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_latex(outdir: Path) -> None:
    tex = (outdir / "plan.tex").read_text(encoding="utf-8")
    # The author's backslashes are text, never control sequences.
    for sequence in ("\\ldmevil", "\\write18", "\\input{/etc/passwd}"):
        assert sequence not in tex, sequence
    assert tex.rstrip().endswith("\\end{document}")
    assert tex.count("\\end{document}") == 1


pytestmark = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed")

# Builds take about a second each: a failing example is reported as found, not
# shrunk (shrinking a build can take many minutes of the CI budget).
FUZZ = settings(max_examples=30, deadline=None,
                phases=(Phase.explicit, Phase.reuse, Phase.generate),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])


# -- the builds ------------------------------------------------------------------------

HOSTILE_TITLE = "".join(FRAGMENTS).replace("\n", " ")
_EVERYTHING = MilestoneSrc(
    id='LDM-503-<script>"]];node[\\N', sep=": ",
    title=_long(HOSTILE_TITLE.translate({ord(c): " " for c in LINE_BREAKS})),
    options={"due": "2019-01-31", "tags": "<ldmevil>, #$%&_{}~^\\", "requires":
             "LDM-503-01 DM-<b>&amp;", "status": "<img src=x onerror=alert(1)>"},
    description=["<script>alert(1)</script> \\N ]; node [ \u202e\u200b #$%&_{}~^\\"],
    prerequisites=[Prereq("LDM-503-02", " ", _long('"]; x [label="pwned"]; y ['), {"query": ""},
                          ["<ldmevil> \\input{/etc/passwd}"])],
    queries=[("", ["<iframe src=javascript:x> \\write18{touch pwned}"])],
)
_EVERYTHING_GRAPH = {"root": "LDM-503-02", "direction": "both", "labels": "title",
                     "caption": "<script>alert(1)</script> \\N", "cluster": "prefix"}


_LONG_ID = MilestoneSrc(
    id="LDM-503-" + _long("\u00e9<&>\"\\"), sep=" ", title=_long("\u4e2d\u6587\U0004bc2c"),
    options={"requires": "LDM-503-02"}, description=[], queries=[],
    prerequisites=[Prereq("LDM-503-" + _long("\u00e9<&>\"\\") + "x", " ", _long("\u00e9"), {},
                          [_long("\u0627\u0644\u0639 ")])],
)


@pytest.mark.slow
@FUZZ
@given(project=projects)
@example(project=Project(a=[_EVERYTHING], b=[], graph=_EVERYTHING_GRAPH,
                         refs=["<script>", "x <LDM-503-<script>\"]];node[\\N>"]))
@example(project=Project(a=[_LONG_ID], b=[], graph={"root": _LONG_ID.id, "labels": "title"},
                         refs=[_LONG_ID.id]))
def test_fuzzed_directives_build_safely(project: Project) -> None:
    check_project(project)


@pytest.mark.slow
@settings(FUZZ, max_examples=25)
@given(project=projects, junk=junk_text)
def test_junk_documents_build_safely(project: Project, junk: str) -> None:
    project.junk = junk
    check_project(project)


@pytest.mark.slow
@settings(FUZZ, max_examples=12)
@given(project=projects)
@example(project=Project(a=[_EVERYTHING], b=[], graph=_EVERYTHING_GRAPH, refs=["<script>"]))
def test_fuzzed_directives_latex(project: Project) -> None:
    check_project(project, ("latex",))


_EVERY_FEATURE = [
    [".. milestone-report::", "   :severity: info", ""],
    [".. milestone-table::", "   :columns: id, title, due, status, slack", ""],
    [".. milestone-impact:: LDM-503-01 +30d", "   :graph: yes", "", "   DM-SUIT-1 +3000000d",
     ""],
    [".. milestone-impact:: LDM-503-<script>\"]];node[\\N 9999-12-31", ""],
    [".. milestone-changes::", "   :sort: slip", ""],
    [".. milestone-timeline::", "   :arrows: yes", "   :alt: <script>alert(1)</script> \"x", ""],
    [".. milestone-timeline::", "   :start: 0001-01-01", "   :end: 9999-12-31", ""],
    [".. milestone-graph::", "   :root: LDM-503-02", "   :alt: \"/onload=\"alert(1)", ""],
]
_FAR_OFF = MilestoneSrc(
    id="LDM-503-03", sep=": ", title="Price: $x^{2$ Budget $\\foo$ review Costs $5M and $3M",
    options={"due": "9999-12-31", "forecast": "0001-01-01", "requires": "LDM-503-02"},
    description=[], prerequisites=[],
)


@pytest.mark.slow
@settings(FUZZ, max_examples=16)
@given(project=feature_projects)
@example(project=Project(a=[_EVERYTHING, _FAR_OFF], b=[], graph=_EVERYTHING_GRAPH,
                         refs=["<script>"], features=_EVERY_FEATURE, fmt="svg"))
@example(project=Project(a=[_EVERYTHING, _FAR_OFF], b=[], graph=_EVERYTHING_GRAPH,
                         refs=["<script>"], features=_EVERY_FEATURE, fmt="png"))
def test_fuzzed_every_feature_builds_safely(project: Project) -> None:
    """Issue 25: every directive of every feature, hostile and far-off, with SVG and PNG
    output, and through the LaTeX and text builders too."""
    check_project(project, ("html", "latex", "text"))


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (CI installs no TeX)")
def test_latex_with_specials_compiles(tmp_path: Path) -> None:
    """The escaped text compiles, and nothing in it runs (no shell escape, no input)."""
    hostile = "#$%&_{}~^\\ \\write18{touch pwned} \\input{/etc/passwd} ]; node [ \\N"
    project = Project(
        a=[MilestoneSrc("LDM-503-03", ": ", hostile, {"tags": hostile}, [hostile],
                        [Prereq("LDM-503-01", " ", hostile, {"query": ""}, [hostile])])],
        b=[], graph={"caption": hostile}, refs=[f"{'x'} <LDM-503-03>"],
    )
    src = tmp_path / "src"
    src.mkdir()
    project.write(src)
    app, warnings = build(src, "latex")
    check_warnings(src, warnings)
    outdir = Path(app.outdir)
    proc = subprocess.run(
        [PDFLATEX or "pdflatex", "-interaction=nonstopmode", "-halt-on-error",
         "-no-shell-escape", "plan.tex"],
        cwd=outdir, capture_output=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout.decode("utf-8", "replace")[-3000:]
    assert (outdir / "plan.pdf").is_file()
    assert not (outdir / "pwned").exists()


# -- no Sphinx: the parsers and the DOT builder ------------------------------------------

any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
text_or_fragments = st.one_of(any_text, st.lists(st.sampled_from(FRAGMENTS)).map("".join))
valid_ids = st.from_regex(parsing.ID_RE, fullmatch=True).map(
    lambda s: unicodedata.normalize("NFC", s)).filter(
    lambda s: len(s) < 40 and not parsing.invisible_characters(s)
    and not parsing.forbidden_characters(s) and parsing.ID_RE.fullmatch(s))
UNIT = settings(max_examples=600, deadline=None)


@UNIT
@given(text=text_or_fragments)
def test_split_argument_only_raises_value_error(text: str) -> None:
    try:
        ms_id, title = parsing.split_argument(text)
    except ValueError:
        # IDs hold no invisible characters (issue 10) and no < > " ' ` (issue 25):
        # those are rejected too.
        assert (not text.split() or not parsing.ID_RE.match(text.split()[0])
                or parsing.invisible_characters(text.split()[0])
                or parsing.forbidden_characters(text.split()[0]))
        return
    assert ms_id and parsing.ID_RE.fullmatch(ms_id)
    assert not parsing.invisible_characters(ms_id)
    assert not parsing.forbidden_characters(ms_id)
    assert not any(ch.isspace() for ch in ms_id)
    assert title == " ".join(title.split())
    # IDs are read in NFC (issue 25): the one written, composed.
    assert ms_id == unicodedata.normalize("NFC", ms_id)
    assert ms_id in unicodedata.normalize("NFC", text)


@UNIT
@given(ms_id=valid_ids, title=any_text)
def test_split_argument_round_trips(ms_id: str, title: str) -> None:
    title = " ".join(title.split())
    if title:
        assert parsing.split_argument(f"{ms_id}: {title}") == (ms_id, title)
        if not ms_id.endswith(":"):
            assert parsing.split_argument(f"{ms_id} {title}") == (ms_id, title)
    elif not ms_id.endswith(":"):
        assert parsing.split_argument(ms_id) == (ms_id, "")


@UNIT
@given(text=text_or_fragments)
def test_value_parsers_only_raise_value_error(text: str) -> None:
    for parser in (parsing.parse_date, parsing.parse_status, parsing.parse_query_state,
                   parsing.parse_query_status, parsing.parse_level, parsing.parse_list,
                   parsing.split_id_list, parsing.parse_waivers, parsing.check_id):
        try:
            parser(text)
        except ValueError as exc:
            assert str(exc)


@UNIT
@given(day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_parse_date_round_trips(day: date) -> None:
    assert parsing.parse_date(f"  {day.isoformat()} ") == day


@UNIT
@given(text=text_or_fragments)
def test_id_lists_hold_only_ids(text: str) -> None:
    ids, _problems = parsing.split_id_list(text)
    for item in ids:
        assert parsing.ID_RE.fullmatch(item) and item in unicodedata.normalize("NFC", text)
        assert not parsing.invisible_characters(item)
        assert not parsing.forbidden_characters(item)


@UNIT
@given(ms_id=text_or_fragments)
def test_anchor_is_always_safe(ms_id: str) -> None:
    assert re.fullmatch(r"ms-[a-z0-9-]*", anchor_for(ms_id))


@UNIT
@given(options=st.dictionaries(st.sampled_from((*GRAPH_OPTIONS, "neighbourhood", "x<y")),
                               st.one_of(st.none(), text_or_fragments), max_size=6))
def test_graph_options_only_raise_value_error(options: dict[str, str | None]) -> None:
    try:
        parse_graph_options(options)
    except ValueError as exc:
        assert str(exc)


hostile_milestones = st.builds(
    lambda ms_id, title, pres, status, external: Milestone(
        id=ms_id, title=title, status=status, external=external,
        prerequisites=tuple(Prerequisite(id=p, title=t, query=q, discussion=d)
                            for p, t, q, d in pres),
    ),
    valid_ids, text_or_fragments,
    st.lists(st.tuples(valid_ids, text_or_fragments,
                       st.sampled_from([None, "open", "resolved", "dropped"]), text_or_fragments),
             max_size=3),
    st.sampled_from([None, "completed", "at-risk", "descoped"]), st.booleans(),
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(declared=st.lists(hostile_milestones, min_size=1, max_size=5),
       layout=st.sampled_from(["dependency", "timeline"]),
       cluster=st.sampled_from(["none", "prefix", "document"]),
       labels=st.sampled_from(["id", "title"]), url=text_or_fragments)
def test_dot_of_hostile_plans_renders(declared, layout, cluster, labels, url) -> None:
    plan = Plan(declared)
    options = GraphOptions(layout=layout, cluster=cluster, labels=labels)
    code = build_dot(plan, options, url_for=lambda ms: url + ms.anchor,
                     name=f"g{url}", at_risk=list(plan.milestones))
    run_dot(code)
    root = declared[0].id
    run_dot(build_dot(plan, GraphOptions.for_neighbourhood(root), subplan=None))
    assert select(plan, GraphOptions(root=root, transitive="hide")).root is not None


def test_legend_renders() -> None:
    run_dot(build_legend_dot())


def test_far_off_dates_keep_the_timeline_small() -> None:
    """A mistyped year (9999) once put 32,000 quarters on the axis and dot ran for minutes."""
    plan = Plan([
        Milestone("LDM-503-01", due=date(1, 1, 1)),
        Milestone("LDM-503-02", due=date(9999, 12, 31),
                  prerequisites=(Prerequisite("LDM-503-01"),)),
        Milestone("LDM-503-03", due=date(2019, 5, 1)),
    ])
    for cluster in ("none", "prefix"):
        code = build_dot(plan, GraphOptions(layout="timeline", cluster=cluster))
        assert code.count("axis_") < 100
        assert "\u22ee" in code  # the long empty stretches are marked as gaps
        run_dot(code)


def test_hostile_document_names(tmp_path: Path) -> None:
    """A file name with quotes, markup and entities still gives valid, linked diagrams."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    weird = 'we"ird <b>&amp x'
    (src / "index.rst").write_text(
        f"Index\n=====\n\n.. toctree::\n\n   {weird}\n\n.. milestone-graph::\n\n"
        ".. milestone:: LDM-503-02 Two\n\n   .. prerequisite:: LDM-503-01 One\n",
        encoding="utf-8",
    )
    (src / f"{weird}.rst").write_text("Weird\n=====\n\n.. milestone:: LDM-503-01 One\n",
                                      encoding="utf-8")
    app, warnings = build(src)
    check_warnings(src, warnings)
    outdir = Path(app.outdir)
    check_html(outdir)
    assert check_svg(outdir) >= 2
    svg = " ".join(p.read_text(encoding="utf-8") for p in (outdir / "_images").glob("*.svg"))
    assert "we%22ird%20%3Cb%3E%26amp%20x.html#ms-ldm-503-01" in svg
