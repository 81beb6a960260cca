"""Sphinx side of the dependency diagrams: the directive and the placeholder renderer.

DOT comes from :mod:`sphinxext_ldm503.render.graph` (pure, built from the model); the
image is produced by ``sphinx.ext.graphviz`` (caching by content hash,
``graphviz_output_format``, LaTeX/PDF), whose node we emit at resolve time.
Without ``dot`` each diagram becomes a readable list of the same dependencies
and one warning says what to install.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import subprocess
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.errors import NoUri
from sphinx.ext.graphviz import graphviz

from ..core.model import Milestone, id_key
from ..core.schedule import critical_path
from ..framework import nodes as ldm_nodes
from ..framework.diagnostics import warn
from ..framework.directives import PlanPlaceholderDirective
from ..framework.domain import get_domain
from ..framework.placeholders import PlaceholderTransform, add_renderer
from ..render import dotrun
from ..render.graph import (
    FIGURE_OPTIONS,
    GRAPH_OPTIONS,
    GraphOptions,
    build_dot,
    build_legend_dot,
    parse_graph_options,
    select,
    size_warning,
)
from ..render.graph.escape import html_id
from ..render.graph.legend import legend_keys
from ..render.htmltext import html_text
from .drawing import draw_in_time, outline, show_as_list
from .images import image_path
from .latex import LATEX_LINK, print_graph_attrs

if TYPE_CHECKING:

    from sphinx.application import Sphinx
    from sphinx.builders import Builder

    from ..framework.domain import MilestoneDomain

INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: 'apt-get install graphviz', Fedora: 'dnf install "
    "graphviz', macOS: 'brew install graphviz') or set graphviz_dot to its path"
)
NEIGHBOURHOOD_KEY = (
    "Arrows point from a prerequisite to the milestone that needs it; the thick outline is "
    "this milestone. Dashed orange arrow: open query; dotted grey: dropped. Fill: green "
    "completed, orange at risk, grey descoped; dashed outline: declared nowhere in this plan."
)


class MilestoneGraphDirective(PlanPlaceholderDirective):
    """``.. milestone-graph::``: a Graphviz diagram of the plan or part of it."""

    node_class = ldm_nodes.milestone_graph
    known_options = tuple(spec.name for spec in GRAPH_OPTIONS)

    def run(self) -> list[nodes.Node]:
        self.unknown_options()
        graph_options = {k: v for k, v in self.options.items() if k in self.known_options}
        try:
            parse_graph_options(graph_options)
            if "class" in graph_options:
                # As Sphinx's own directives do: each name becomes a safe identifier.
                graph_options["class"] = " ".join(
                    directives.class_option(graph_options["class"] or ""))
        except ValueError as exc:
            self.invalid(f"milestone-graph: {exc}")
            return []
        if "align" in graph_options:
            graph_options["align"] = (graph_options["align"] or "").strip().lower()
        legend = (self.options.get("legend") or "yes").strip().lower() != "no"
        node = ldm_nodes.milestone_graph(options=graph_options, docname=self.env.docname,
                                         legend=legend)
        self.set_source_info(node)
        self.domain.note_whole_plan(self.env.docname)
        caption = self.options.get("caption")
        if not caption and "name" not in self.options:
            return [node]
        figure = nodes.figure(classes=["ldm503-figure"])
        self.set_source_info(figure)
        figure += node
        if caption:
            inline, messages = self.state.inline_text(" ".join(caption.split()), self.lineno)
            figure += nodes.caption(caption, "", *inline)
            figure += messages
        self.add_name(figure)
        return [figure]


def _probe_dot(program: str, timeout: float) -> str | None:
    """Why ``dot`` cannot draw diagrams, or None when a tiny graph renders in time.

    sphinx.ext.graphviz runs ``dot`` without a time limit; probing once lets a
    missing, broken or hanging program cost one warning and a text rendering
    instead of a failed or stuck build.
    """
    path = shutil.which(program)
    if path is None:
        return f"Graphviz's dot program ({program!r}) was not found"
    try:
        result = dotrun.run([path, "-Tsvg"], input=b"digraph probe { a -> b }",
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"Graphviz's dot program ({program!r}) did not answer within {timeout:g} s"
    except OSError as exc:
        return f"Graphviz's dot program ({program!r}) does not work ({exc})"
    if result.returncode != 0 or not dotrun.parseable_svg(result.stdout):
        return (f"Graphviz's dot program ({program!r}) does not work (exit status "
                f"{result.returncode}, {len(result.stdout)} bytes of SVG)")
    return None


def dot_problem(config: Any, domain: MilestoneDomain) -> str:
    """Why ``dot`` cannot draw diagrams ("" when it can), probed once per ``dot`` binary.

    The answer is kept in the domain's data, keyed by the program's path, size and
    modification time and by the timeout, so a rebuild with the same Graphviz
    starts no ``dot`` process just to ask.
    """
    program = str(config.graphviz_dot)
    path = shutil.which(program)
    try:
        stat = os.stat(path) if path else None
    except OSError:
        stat = None
    key = (f"{path}:{stat.st_size}:{stat.st_mtime_ns}" if stat else f"missing:{program}")
    key += f":{config.ldm503_dot_timeout}"
    probes: dict[str, str] = domain.data.setdefault("dot-probes", {})
    if key not in probes:
        probes.clear()  # only the current binary matters
        probes[key] = _probe_dot(program, config.ldm503_dot_timeout) or ""
    return probes[key]


def _matplotlib_installed() -> bool:
    """Whether matplotlib can be imported, without importing it (a second or more)."""
    import importlib.util
    import sys

    if "matplotlib" in sys.modules:
        return sys.modules["matplotlib"] is not None
    try:
        return importlib.util.find_spec("matplotlib") is not None
    except (ImportError, ValueError):
        return False


def on_env_get_outdated(app: Sphinx, env: Any, added: set[str], changed: set[str],
                        removed: set[str]) -> list[str]:
    """Pages with diagrams or charts are read again when what draws them changed.

    A page drawn without ``dot`` (or matplotlib) shows lists; once it is installed
    (or breaks), nothing of the page's own changed, so Sphinx would keep serving
    the lists, without a warning, until ``-E``. The probe's answer (keyed by the
    binary, :func:`dot_problem`) and whether matplotlib is installed are kept with
    the environment; a changed answer outdates the pages with diagrams (``dot``)
    or that show the whole plan (impact diagrams, timelines, among others).
    """
    domain = get_domain(env)
    previous: dict[str, str] | None = domain.data.get("renderers")
    if previous is None:
        return []  # nothing drawn yet, or by an earlier version
    answers = _renderer_answers(app, domain)
    if previous == answers:
        return []
    from ..framework.domain import WHOLE_PLAN

    pages = {doc for doc, deps in domain.data["deps"].items() if WHOLE_PLAN in deps}
    if previous.get("dot") != answers["dot"]:
        pages |= set(domain.data["diagrams"])
    return sorted(pages & set(env.found_docs))


def _renderer_answers(app: Sphinx, domain: MilestoneDomain) -> dict[str, str]:
    """What can draw this build's diagrams and charts (kept: see on_env_get_outdated)."""
    answers = {"dot": dot_problem(app.config, domain) or "works",
               "matplotlib": "installed" if _matplotlib_installed() else "missing"}
    domain.data["renderers"] = answers
    return answers


def on_env_updated(app: Sphinx, env: Any) -> None:
    """Remember what drew the pages about to be written (for the next build).

    ``dot`` is probed now, while the domain's data is still to be saved, so that a
    rebuild with the same Graphviz asks nothing (see :func:`dot_problem`).
    """
    domain = get_domain(env)
    if domain.data["milestones"] or domain.data["diagrams"] or domain.data["deps"]:
        _renderer_answers(app, domain)


def dot_missing(builder: Builder, domain: MilestoneDomain) -> bool:
    """True (after one warning per build) when ``dot`` cannot draw the diagrams."""

    def problem() -> str:
        found = dot_problem(builder.config, domain)
        if found:
            warn(f"{found}, so the dependency diagrams are shown as lists: {INSTALL_HINT}",
                 "graph")
        return found

    if domain.build.dot_problem is None:
        domain.build.dot_problem = problem()
    return bool(domain.build.dot_problem)


def _page_path(builder: Builder, docname: str) -> str:
    """The output file of a document, relative to the output directory."""
    uri = urlsplit(builder.get_target_uri(docname)).path
    if not uri or uri.endswith("/"):  # dirhtml serves directories
        uri += "index" + getattr(builder, "out_suffix", ".html")
    return uri


def milestone_page(builder: Builder, ms: Milestone) -> str | None:
    """The output file (relative to the output directory) of a declared milestone's page."""
    if not ms.declared or ms.docname is None:
        return None
    try:
        return _page_path(builder, ms.docname)
    except NoUri:
        return None


def diagram_links(builder: Builder, docname: str) -> Any:
    """Links for diagram nodes, relative to the page the diagram is on.

    They are computed from the builder's image path so that they survive
    sphinx.ext.graphviz rewriting SVG links relative to ``_images/``, also for
    dirhtml (pages in directories) and singlehtml (one page), where a plain
    relative URI can be empty or only a fragment.
    """
    if builder.format == "latex":
        # Not a URL a reader sees: latex.py turns it into a hyperref link over the node.
        return lambda ms: (f"{LATEX_LINK}{ms.docname}#{ms.anchor}"
                           if ms.declared and ms.docname is not None else None)
    if builder.format != "html":
        return lambda ms: None

    # (image path, document) -> the document's page from pages at that image path, via
    # _images: the same for every diagram of every page in one directory.
    pages = get_domain(builder.env).build.diagram_pages

    def url_for(ms: Milestone) -> str | None:
        if not ms.declared or ms.docname is None:
            return None
        key = (imgpath, ms.docname)
        if key not in pages:
            target = milestone_page(builder, ms)
            pages[key] = None if target is None else posixpath.normpath(
                posixpath.join(imgpath, posixpath.relpath(target, builder.imagedir)))
        page = pages[key]
        return None if page is None else f"{page}#{ms.anchor}"

    imgpath = image_path(builder, docname)
    return url_for


#: A tooltip's ``\n`` line break in DOT (an escaped quote never precedes it: tooltip
#: text has no backslashes of its own, see graph.tooltip_text).
_TOOLTIP = re.compile(r'(\btooltip=")((?:[^"\\]|\\.)*)(")')


def one_line_tooltips(code: str) -> str:
    """The DOT with every tooltip on one line, its lines joined by " | ".

    For PNG, HTML carries a client-side image map that sphinx.ext.graphviz copies
    from ``dot -Tcmapx`` line by line, keeping only lines with a link: a tooltip
    spanning lines leaves an ``<area`` with an open ``title="`` quote and no
    ``coords``, which swallows the markup after it. SVG keeps the line breaks.
    """
    return _TOOLTIP.sub(lambda m: m[1] + m[2].replace("\\n", " | ") + m[3], code)


def for_output_format(code: str, builder: Builder, config: Any) -> str:
    """DOT as the builder's image format needs it (image maps want one-line tooltips)."""
    if builder.format == "html" and config.graphviz_output_format.lower() != "svg":
        return one_line_tooltips(code)
    return code


def _alt_text(options: GraphOptions, count: int) -> str:
    """What the diagram shows, in words: for screen readers and builders without images."""
    roots = [r for r in (options.root, *options.more_roots) if r]
    size = f"{count} milestone{'s' if count != 1 else ''}"
    if options.neighbourhood and roots:
        return f"Dependencies of milestone {roots[0]} ({size})"
    if len(roots) > 1:
        return f"Dependency diagram of milestones {', '.join(roots)} ({size})"
    if roots:
        return f"Dependency diagram of milestone {roots[0]} ({size})"
    return f"Dependency diagram of the plan ({size})"


def render_graph(
    transform: PlaceholderTransform, node: nodes.Element, domain: MilestoneDomain, index: int
) -> list[nodes.Node]:
    builder = transform.builder
    config = transform.config
    docname = transform.env.docname
    classifier = domain.check_config().classifier
    base = GraphOptions(classifier=classifier,
                        kind_labels=tuple(sorted(config.ldm503_kind_labels.items())))
    location = (node.get("docname", docname), node.line)
    if node.get("neighbourhood"):
        options = GraphOptions.for_neighbourhood(node["options"]["root"], classifier=classifier)
    else:
        try:
            raw = {k: v for k, v in node["options"].items() if k not in FIGURE_OPTIONS}
            options = parse_graph_options(raw, base=base)
        except ValueError:
            return []  # already reported while reading
    plan = domain.plan
    unknown = [r for r in (options.root, *options.more_roots) if r and r not in plan]
    if unknown:
        warn(f"milestone-graph: :root: {', '.join(unknown)} is not a milestone of this plan",
             "graph", location)
        return []
    subplan = select(plan, options)
    if options.neighbourhood and not subplan.edges:
        return []  # a lone milestone: nothing worth drawing
    advice = size_warning(subplan, config.ldm503_graph_max_nodes)
    if advice:
        warn(advice, "graph", location)
    # no-search: the key under each milestone's diagram is the same words every time.
    # ldm503-wide: an overview (the whole plan, a root's chains) may take the room a
    # theme leaves beside its column (ldm503.css): its labels are then read without
    # zooming (issue 27). A milestone's own small diagram stays in the column.
    container = nodes.container(classes=["ldm503-graph", "no-search"])
    if dot_missing(builder, domain):
        container += outline(domain, options, docname)
        return [container]
    if not options.neighbourhood:
        container["classes"].insert(1, "ldm503-wide")

    # The document is part of the name: singlehtml puts every page's SVG ids in one page.
    name = f"ldm503-{html_id(docname)}-{options.root or 'plan'}-{index + 1}"
    scope = "neighbourhood" if options.neighbourhood else "root" if options.root else "plan"
    # On paper the whole plan is packed tighter and its legend is a strip (see latex.py).
    printed = builder.format == "latex" and scope == "plan"
    graph_attrs, node_attrs = (print_graph_attrs(options.layout, scope)
                               if builder.format == "latex" else ({}, {}))
    critical = options.root if options.critical_path == "" else options.critical_path
    node_extra, edge_extra = graph_styles(plan, critical, location)
    code = build_dot(plan, options, url_for=diagram_links(builder, docname), at_risk=domain.at_risk,
                     name=name, subplan=subplan, graph_attrs=graph_attrs, node_attrs=node_attrs,
                     node_extra=node_extra, edge_extra=edge_extra,
                     statements=domain.build.dot_statements)
    image = ldm503_diagram()
    image["code"] = for_output_format(code, builder, config)
    # What to list instead of the image when dot does not finish in time: the list
    # itself is made then (see visit_diagram), not for each of a plan's diagrams.
    image["ldm503_outline"] = options
    image["options"] = {"docname": docname}
    alt = node["options"].get("alt") or _alt_text(options, len(subplan))
    image["alt"] = graphviz_alt(alt, builder)
    image["classes"] = ["ldm503-graph-image", *(node["options"].get("class") or "").split()]
    image["svg_id"] = html_id(name)
    image["explorable"] = not options.neighbourhood
    if "align" in node["options"]:
        image["align"] = node["options"]["align"]
    image.line = node.line
    # Not classes (HTML stays as it is): how the PDF sizes the diagram.
    image["ldm503_scope"] = scope
    image["ldm503_layout"] = options.layout
    image["ldm503_milestones"] = len(subplan)
    textual = builder.format in ("text", "man")
    # In text, "[graph: ...]" is inline: its own paragraph keeps it off the caption.
    container += nodes.paragraph("", "", image) if textual else image
    if options.neighbourhood:
        container += nodes.paragraph(NEIGHBOURHOOD_KEY, NEIGHBOURHOOD_KEY,
                                     classes=["ldm503-graph-key"])
    elif node.get("legend", True) and not textual:  # a legend in words says nothing
        legend = ldm503_diagram()
        legend["code"] = for_output_format(build_legend_dot(
            options, used=legend_entries(plan, subplan, options, domain.at_risk, critical),
            strip=printed), builder, config)
        legend["options"] = {"docname": docname}
        legend["alt"] = graphviz_alt("Legend of the diagram above", builder)
        legend["classes"] = ["ldm503-legend"]
        legend.line = node.line  # where its warnings point
        # A direct child: latex.py sizes legends it finds among the container's children.
        container += legend
    return [container]


def legend_entries(plan: Any, subplan: Any, options: GraphOptions, at_risk: Any,
                 critical: str | None) -> frozenset[str]:
    """The key's entries: what the diagram draws, its critical path included."""
    path = critical_path(plan, critical.strip()) if critical and critical.strip() else None
    if path is None:
        return legend_keys(subplan, options, at_risk)
    return legend_keys(subplan, options, at_risk,
                       on_path={id_key(i) for i in path.ids}, path_edges=path.edges)


class DiagramTransform(PlaceholderTransform):
    node_class = ldm_nodes.milestone_graph

    def render(self, node: nodes.Element, domain: MilestoneDomain, index: int) -> list[nodes.Node]:
        # Made ahead of the page by the speed layer, if it is on and has it; the same
        # nodes either way (test_speed_layer_off).
        prepared = domain.build.prepared
        done = prepared.take(self.env.docname, index, node) if prepared is not None else None
        return done if done is not None else render_graph(self, node, domain, index)


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Remember which documents hold diagrams (and how many), so that only those are
    looked at again: when what draws them changes, and by the speed layer."""
    count = sum(1 for _ in doctree.findall(ldm_nodes.milestone_graph))
    if count:
        get_domain(app.env).data["diagrams"][app.env.docname] = count


def setup(app: Sphinx) -> None:
    """The ``milestone-graph`` directive, its placeholder and the diagrams under milestones."""
    app.setup_extension("sphinx.ext.graphviz")
    app.add_directive("milestone-graph", MilestoneGraphDirective)
    app.add_directive_to_domain("ldm503", "milestone-graph", MilestoneGraphDirective)
    ldm_nodes.add_placeholder(app, ldm_nodes.milestone_graph)
    add_renderer(app, DiagramTransform)
    add_diagram_node(app)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-updated", on_env_updated)


def graphviz_alt(text: str, builder: Builder) -> str:
    """The ``alt`` of a graphviz node, escaped for HTML builders.

    sphinx.ext.graphviz writes ``alt`` into the page as it is (a ``<p>`` inside the
    ``<object>`` for SVG, an ``<img alt="...">`` attribute for PNG), and so does
    the inline SVG's ``aria-label`` (web.py): IDs, roots and captions are author
    text. Every graphviz node of the extension gets its alt text here.
    """
    return html_text(text) if builder.format == "html" else text


def add_diagram_node(app: Sphinx) -> None:
    """Our diagrams' node, drawn by sphinx.ext.graphviz's visitors under a time limit."""
    from sphinx.ext import graphviz as ext

    from .web import html_visit_inline

    app.add_node(
        ldm503_diagram,
        # In HTML our diagrams are inlined as SVG (web.py); legends stay <object>s.
        html=(visit_diagram(html_visit_inline, "html"), _depart_diagram),
        latex=(visit_diagram(ext.latex_visit_graphviz, "pdf"), _depart_diagram),
        texinfo=(ext.texinfo_visit_graphviz, None),
        text=(ext.text_visit_graphviz, None),
        man=(ext.man_visit_graphviz, None),
    )


class ldm503_diagram(graphviz):  # docutils names node classes in lower case
    """sphinx.ext.graphviz's node for our diagrams, drawn with a time limit.

    Its children (the diagram as a list) are rendered only when dot does not
    finish in time; otherwise sphinx.ext.graphviz's visitor draws the image and
    skips them.
    """


def _depart_diagram(self: Any, node: nodes.Element) -> None:
    pass


def visit_diagram(sphinx_visit: Any, fmt: str) -> Any:
    """A visitor that lets sphinx.ext.graphviz draw the diagram once dot has done so in time.

    sphinx.ext.graphviz runs dot without a time limit, so a dot that answers the
    probe but hangs on a real diagram would hang the build. Here dot writes the
    image first, under ``ldm503_dot_render_timeout``, to the very file
    sphinx.ext.graphviz then finds in its cache. On timeout the diagram is shown as
    a list, with a warning.
    """

    def visit(self: Any, node: nodes.Element) -> None:
        output = self.builder.config.graphviz_output_format if fmt == "html" else fmt
        if draw_in_time(self, node, output.lower()):
            sphinx_visit(self, node)  # raises SkipNode
        show_as_list(self, node)  # the writer goes on into the list

    return visit


def graph_styles(plan: Any, milestone_id: str | None, location: tuple[str, int | None]) -> Any:
    """``node_extra``/``edge_extra`` for a ``milestone-graph``: slack tooltips always,
    and the highlighted ``:critical-path:`` when one is asked for."""
    from ..render.schedule_dot import critical_path_styles

    path = None
    if milestone_id:
        milestone_id = milestone_id.strip()
        path = critical_path(plan, milestone_id)
        if path is None:
            warn(f"milestone-graph: :critical-path: {milestone_id} is not a milestone of "
                 "this plan", "graph", location)
    return critical_path_styles(path)
