"""The PDF: what the LaTeX builder needs beyond what Sphinx does for every project.

Everything here runs only for the LaTeX builder (a post-transform with
``formats = ("latex",)`` and LaTeX-only visitors), so HTML output is untouched.
It works on the one assembled doctree Sphinx builds for a LaTeX document, after
the placeholders are filled and before references are resolved:

* tables get column specs measured from their widest ID, date, check name or
  badge (so none is ever broken or cut), a flexible column taking the rest of
  the line, and landscape pages when they are wide;
* milestone IDs in tables and lists become unbreakable boxes; badges are styled
  by ``sphinxext-ldm503.sty`` through Sphinx's own ``\\DUrole`` hook;
* every milestone gets a contents line (hence a PDF bookmark) under its chapter,
  and ``:ms:`` references in running text get the page number;
* diagrams are sized so that each figure, with its legend and caption, fits one
  page; the whole-plan diagram gets a sideways float page of its own; a
  milestone's own diagram gets a numbered caption ("Dependencies of ...");
* a milestone's heading is set off by a rule and a larger font, and its dates and
  status take one line instead of a field list of five;
* the title page shows the document's handle, version and plan date
  (``ldm503_document_handle``, ``release``, ``ldm503_plan_date``).
"""

# LaTeX is all braces: %-formatting keeps it readable where f-strings would double them.
# ruff: noqa: UP031

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from docutils import nodes
from sphinx import addnodes
from sphinx.ext.graphviz import GraphvizError, graphviz, render_dot, render_dot_latex
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import texescape
from sphinx.util.fileutil import copy_asset_file
from sphinx.util.texescape import escape as tex_escape

from ..framework.compat import latex_page_ref, latex_replace_closing, latex_section_names, toc_parts
from ..framework.diagnostics import warn
from ..framework.domain import get_domain
from ..render import dotrun
from .drawing import draw_in_time, show_as_list

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.writers.latex import LaTeXTranslator

TEXINPUTS = Path(__file__).parent.parent / "texinputs"
#: Prefix of the link a diagram node carries in LaTeX builds: ``latex:docname#anchor``.
LATEX_LINK = "latex:"
STY = "sphinxext-ldm503"

#: Longest ID (in characters) kept in one unbreakable box, and the most a table
#: column is sized for. A longer ID wraps after its own hyphens, each part
#: unbroken (:func:`id_parts`): never cut off, never run into the next column.
MAX_ID_CHARS = 24
#: Tables with at least this many columns get a landscape page.
LANDSCAPE_COLUMNS = 6

#: A dependency diagram of the plan with at least this many milestones gets a
#: sideways page (the example's "LDM-503-*" diagram has 26, the whole plan 142).
SIDEWAYS_MILESTONES = 20

#: Graphviz attributes of the whole-plan dependency diagram in the PDF: tighter
#: boxes and ``ratio=compress`` pack its 142 milestones into a landscape page
#: at half size, so 12-point labels stay at 6 points on paper. The boxes keep
#: a tenth of an inch beside and a twentieth above their labels: with less, a
#: label touched or crossed a rounded (DM) or dashed (undeclared) outline, whose
#: corners cut into the margin dot leaves.
PLAN_PRINT_ATTRS = {"ratio": "compress", "size": "16,10", "nodesep": "0.04",
                    "ranksep": "0.16"}
PLAN_PRINT_NODE_ATTRS = {"height": "0.2", "margin": "0.1,0.05"}
#: Every other diagram in the PDF (a milestone's own, a root's, an impact view): more room around
#: labels of two or three lines than dot's default (0.11, 0.055), for the same reason.
PRINT_NODE_ATTRS = {"margin": "0.16,0.08"}
#: Fields of a milestone's facts line kept whole on one line (short values).
SHORT_FACTS = frozenset({"Due", "Forecast", "Completed", "Status", "Level"})

#: The timeline is tall: shorter rows let it fit a portrait page at 6 points.
TIMELINE_PRINT_ATTRS = {"ranksep": "0.12"}


class milestone_tocentry(nodes.General, nodes.Element):
    """A contents line (and so a PDF bookmark) for a milestone, LaTeX only."""


class milestone_pageref(nodes.Inline, nodes.Element):
    """" (page N)" after an ``:ms:`` reference in running text, LaTeX only."""


class linked_graphviz(graphviz):
    """A diagram whose milestone boxes are hyperref links to the milestones.

    pdfTeX drops the links inside an included PDF, so they are laid over the
    image from the node boxes ``dot -Tjson`` reports.
    """


class sideways_figure(nodes.figure):
    """A figure on a float page of its own, turned sideways (``sidewaysfigure``)."""


def print_graph_attrs(layout: str, scope: str = "plan") -> tuple[dict[str, str], dict[str, str]]:
    """Graph and node attributes of a diagram drawn for the PDF (``scope`` as
    ``ldm503_scope``: plan, root, neighbourhood; or impact, the schedule's view)."""
    if scope != "plan":
        return {}, dict(PRINT_NODE_ATTRS)
    if layout == "timeline":
        return dict(TIMELINE_PRINT_ATTRS), {}
    return dict(PLAN_PRINT_ATTRS), dict(PLAN_PRINT_NODE_ATTRS)


# --- visitors ---------------------------------------------------------------


def visit_tocentry(self: LaTeXTranslator, node: milestone_tocentry) -> None:
    """``\\addcontentsline`` one level below the enclosing section.

    hyperref turns each contents line into a bookmark, anchored by the
    ``\\phantomsection`` at the milestone's signature.
    """
    names = latex_section_names(self)
    level = names[min(max(self.sectionlevel + 1, 0), len(names) - 1)]
    # A long ID may wrap between its pieces; bookmarks (PDF strings) get none of it.
    parts, _forced = id_parts(node["milestone_id"])
    text = "\\texorpdfstring{\\allowbreak}{}".join(self.encode(part) for part in parts)
    if node.get("title"):
        text += ": " + self.encode(node["title"])
    self.body.append("\n\\phantomsection\\addcontentsline{toc}{%s}{%s}\n" % (level, text))
    raise nodes.SkipNode


def visit_pageref(self: LaTeXTranslator, node: milestone_pageref) -> None:
    """Sphinx's own page reference style (``latex_show_pagerefs``), for ``:ms:`` only."""
    self.body.append(" (%s)" % latex_page_ref(self, node["target"]))
    raise nodes.SkipNode


def visit_sideways_figure(self: LaTeXTranslator, node: sideways_figure) -> None:
    self.visit_figure(node)
    opening = next((i for i in range(len(self.body) - 1, -1, -1)
                    if self.body[i].lstrip().startswith("\\begin{figure}")), None)
    if opening is None:  # a figure in a table or a minipage stays as Sphinx puts it
        return
    # \ifdefined: the PDF engines' page attribute; other engines just turn the page.
    self.body[opening] = ("\n\\begin{sidewaysfigure}\n"
                          "\\ifdefined\\pdfpageattr\\ldmrotatethispage\\fi\n")
    latex_replace_closing(self, "\\end{sidewaysfigure}\n")


def visit_linked_graphviz(self: LaTeXTranslator, node: linked_graphviz) -> None:
    """The image in a box, with an invisible link over each milestone's box.

    Drawn first under the time limit (drawing.draw_in_time), as in every other builder:
    sphinx.ext.graphviz's ``render_dot`` then only finds the file. Not drawn, the
    diagram is its list, which the writer walks into.
    """
    if not draw_in_time(self, node, "pdf"):
        show_as_list(self, node)
        return
    try:
        fname, outfn = render_dot(self, node["code"], node["options"], "pdf")
    except GraphvizError:
        fname = outfn = None
    boxes = link_boxes(node["code"], self.builder.config, outfn) if outfn else None
    if fname is None or not boxes:
        render_dot_latex(self, node, node["code"], node["options"])  # warns, skips
        return
    width, height, links = boxes
    puts = "".join(
        "\\put(%.1f,%.1f){\\hyperref[%s]{\\makebox(%.1f,%.1f){}}}"
        % (x, y, self.idescape(target), w, h) for x, y, w, h, target in links)
    self.body.append("\n\\ldmlinkedgraphics{%s}{%d}{%d}{%s}{%s}\n"
                     % (fname, width, height, puts, node.get("ldm503_scope", "")))
    raise nodes.SkipNode


def depart_linked_graphviz(self: LaTeXTranslator, node: linked_graphviz) -> None:
    """Nothing: a drawn diagram skipped its children; a list closes itself."""


def link_boxes(
    code: str, config: Any, pdf_path: str | os.PathLike[str]
) -> tuple[int, int, list[tuple[float, float, float, float, str]]] | None:
    """The drawing's size and each linked node's box, in points, or None.

    Positions come from ``dot -Tjson`` (the same layout as the PDF: dot is
    deterministic), which the batch of :mod:`.prerender` leaves next to the image
    as ``<image>.json``; only a diagram drawn outside the batch runs dot here, once,
    and leaves the file for the next build. The PDF's own size gives the margin
    dot adds around the drawing.
    """
    cache = Path(f"{os.fspath(pdf_path)}.json")
    try:
        if cache.is_file():
            text = cache.read_bytes()
        else:
            result = dotrun.run([config.graphviz_dot, "-Tjson"], input=code.encode("utf-8"),
                                  timeout=config.ldm503_dot_timeout)
            text = result.stdout
            if result.returncode != 0:
                return None
            json.loads(text)  # whole, or nothing is kept for the next build
            partial = cache.with_name(f".{cache.name}.{os.getpid()}.part")
            partial.write_bytes(text)
            os.replace(partial, cache)
        layout = json.loads(text)
        _x0, _y0, bb_w, bb_h = (float(v) for v in layout["bb"].split(","))
        match = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)",
                          Path(pdf_path).read_bytes())
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        return None
    if match is None or bb_w <= 0 or bb_h <= 0:
        return None
    page_w, page_h = float(match.group(1)), float(match.group(2))
    pad_x, pad_y = (page_w - bb_w) / 2, (page_h - bb_h) / 2
    links = []
    for obj in layout.get("objects", ()):
        url = obj.get("URL") or ""
        if not url.startswith(LATEX_LINK) or "pos" not in obj:
            continue
        docname, _, anchor = unquote(url[len(LATEX_LINK):]).partition("#")
        try:
            x, y = (float(v) for v in obj["pos"].split(","))
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
        except (KeyError, ValueError):
            continue
        links.append((pad_x + x - w / 2, pad_y + y - h / 2, w, h, f"{docname}:{anchor}"))
    return round(page_w), round(page_h), links


def depart_sideways_figure(self: LaTeXTranslator, node: sideways_figure) -> None:
    self.depart_figure(node)


def skip(self: nodes.NodeVisitor, node: nodes.Node) -> None:
    raise nodes.SkipNode


def id_parts(ms_id: str) -> tuple[list[str], bool]:
    """The pieces an ID may wrap between in the PDF, and whether one had to be cut.

    An ID of up to :data:`MAX_ID_CHARS` characters is one piece, as are the
    plan's real IDs. A longer one wraps only after its hyphens, which stay at the
    end of the line ("LDM-503-" / "INTEGRATION-" / ...), so the reader sees
    every character of it and no made-up hyphen. A piece still longer than
    :data:`MAX_ID_CHARS` (no hyphen for 25 characters or more) cannot be printed
    in a table column unbroken: it is cut every :data:`MAX_ID_CHARS` characters
    so that it stays on the page, and ``True`` says the author must be told.
    """
    if len(ms_id) <= MAX_ID_CHARS:
        return [ms_id], False
    out: list[str] = []
    forced = False
    for piece in re.findall(r"[^-]*-+|[^-]+", ms_id):
        while len(piece) > MAX_ID_CHARS:
            out.append(piece[:MAX_ID_CHARS])
            piece = piece[MAX_ID_CHARS:]
            forced = True
        out.append(piece)
    return out, forced


def _break() -> nodes.raw:
    """Where LaTeX may start a new line inside a long ID (and nowhere else)."""
    return _raw("\\allowbreak{}")


# --- the transform ----------------------------------------------------------


def _raw(text: str) -> nodes.raw:
    return nodes.raw("", text, format="latex")


class LatexLayout(SphinxPostTransform):
    """Column specs, landscape pages, contents lines and figure sizes for the PDF."""

    default_priority = 7  # after our placeholders (5), before references (10)
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        self.wrap_ids()
        self.add_pagerefs()
        self.add_toc_entries()
        self.style_milestones()
        wide: list[tuple[nodes.Element, nodes.Element]] = []
        for table in list(self.document.findall(nodes.table)):
            if any(c.startswith("ldm503-") for c in table["classes"]):
                span = self.fit_table(table)
                if span is not None:
                    wide.append(span)
        for container in list(self.document.findall(nodes.container)):
            if "ldm503-graph" in container["classes"]:
                self.fit_diagram(container)
        for first, last in wide:
            self.landscape(first, last)
        self.merge_landscapes()

    # IDs, page references, contents

    def wrap_ids(self) -> None:
        """Milestone IDs (ms_xref's literal) become one unbreakable box, or several.

        A long ID becomes one box per :func:`id_parts` piece with a permitted
        break between them; the milestone's heading wraps the same way.
        """
        for xref in list(self.document.findall(addnodes.pending_xref)):
            if xref.get("refdomain") != "ldm503" or not xref.children:
                continue
            first = xref[0]
            if not isinstance(first, nodes.literal):
                continue
            parts, forced = id_parts(first.astext())
            if forced:
                self.warn_unprintable(first.astext(), xref)
            if len(parts) == 1:
                xref[0] = nodes.inline("", "", first, classes=["ldm503-id"])
                continue
            pieces = nodes.inline()
            for index, part in enumerate(parts):
                if index:
                    pieces += _break()
                literal = nodes.literal(part, part, classes=list(first["classes"]))
                pieces += nodes.inline("", "", literal, classes=["ldm503-id"])
            xref[0] = pieces
        for name in list(self.document.findall(addnodes.desc_name)):
            sig = name.parent
            if not isinstance(sig, addnodes.desc_signature) \
                    or "ldm503-signature" not in sig["classes"]:
                continue
            parts, forced = id_parts(name.astext())
            if forced:
                self.warn_unprintable(name.astext(), name)
            if len(parts) > 1:
                name[:] = [node for index, part in enumerate(parts)
                           for node in ((_break(),) if index else ()) + (nodes.Text(part),)]

    def warn_unprintable(self, ms_id: str, node: nodes.Node) -> None:
        """Once per ID and build: it cannot be printed unbroken, and where it is declared."""
        domain = get_domain(self.env)
        warned = domain.build.latex_unprintable_ids
        if ms_id.casefold() in warned:
            return
        warned.add(ms_id.casefold())
        ms = domain.plan.get(ms_id)
        location: Any = ms.location if ms is not None and ms.location is not None else node
        run = max((len(p) for p in re.split(r"-+", ms_id)), default=0)
        shown = ms_id if len(ms_id) <= 40 else f"{ms_id[:40]}... ({len(ms_id)} characters)"
        warn(f"{shown} cannot be printed unbroken in the PDF: it has {run} characters "
             f"without a hyphen, and a table column is sized for at most {MAX_ID_CHARS}; "
             f"it is broken every {MAX_ID_CHARS} characters there (shorten the ID, or put "
             "hyphens in it)", "pdf", location)

    def add_pagerefs(self) -> None:
        if self.config.latex_show_pagerefs:
            return  # Sphinx adds them to every reference already
        domain = get_domain(self.env)
        for xref in list(self.document.findall(addnodes.pending_xref)):
            if xref.get("refdomain") != "ldm503" or not xref.children:
                continue
            first = xref[0]
            if not isinstance(first, nodes.Element) or "ldm503-ms" not in first["classes"]:
                continue  # only :ms: in running text, not the tables' and lists' IDs
            ms = domain.plan.get(xref["reftarget"])
            if ms is None or not ms.declared or ms.docname is None:
                continue
            ref = milestone_pageref(target=f"{ms.docname}:{ms.anchor}")
            xref.parent.insert(xref.parent.index(xref) + 1, ref)

    def add_toc_entries(self) -> None:
        domain = get_domain(self.env)
        for desc in list(self.document.findall(addnodes.desc)):
            if desc.get("domain") != "ldm503" or desc.get("objtype") != "milestone":
                continue
            if desc.get("no_index") or desc.get("noindex"):
                continue
            sig = next(iter(desc.findall(addnodes.desc_signature)), None)
            if sig is None or not sig["ids"]:
                continue
            # The ID: _toc_name is "ID: title" for the HTML contents (issue 15).
            ms_id = (toc_parts(sig) or ("",))[0]
            ms = domain.plan.get(ms_id)
            title = ms.title if ms is not None else ""
            desc.insert(0, milestone_tocentry(milestone_id=ms_id, title=title or ""))

    # milestone blocks

    def style_milestones(self) -> None:
        """Milestone headings that read as headings, and their facts on one line.

        In print the field list of dates and status (up to five two-line fields:
        Due, Forecast, Completed, Status, Schedule title) pushed the prerequisites
        half a page down; a line of ``name value`` pairs says the same. HTML keeps
        its field list.
        """
        for desc in list(self.document.findall(addnodes.desc)):
            if desc.get("domain") != "ldm503" or desc.get("objtype") != "milestone":
                continue
            desc.parent.insert(desc.parent.index(desc), _raw("\\ldmmilestonehead\n"))
            for name in desc.findall(addnodes.desc_name):
                name[:] = [nodes.inline("", "", *name.children, classes=["ldm503-heading"])]
            for fields in list(desc.findall(nodes.field_list)):
                if "ldm503-meta" in fields["classes"]:
                    fields.replace_self(self.facts_line(fields))

    def facts_line(self, fields: nodes.field_list) -> nodes.paragraph:
        """One paragraph of ``\\ldmfact{name}{value}`` pairs; long values may wrap."""
        line = nodes.paragraph(classes=["ldm503-facts"])
        for index, field in enumerate(fields.findall(nodes.field)):
            name = field[0].astext()
            body = [child for para in field[1].children
                    for child in (para.children if isinstance(para, nodes.paragraph)
                                  else [para])]
            if index:
                line += _raw("\\ldmfactsep{}")
            # Dates, status and level are short: each stays whole on its line.
            command = "ldmfact" if name in SHORT_FACTS else "ldmfactlong"
            line += _raw("\\%s{%s}{" % (command, self.escape(name)))
            line.extend(node.deepcopy() for node in body)
            line += _raw("}")
        return line

    # tables

    def fit_table(self, table: nodes.table) -> tuple[nodes.Element, nodes.Element] | None:
        """Give ``table`` a measured column spec, in a group that sets its font size.

        Returns the group's first and last nodes when the table is wide enough to
        need a landscape page.
        """
        tgroup = next(iter(table.findall(nodes.tgroup)), None)
        if tgroup is None:
            return None
        head_rows = [r for t in tgroup.findall(nodes.thead) for r in t.findall(nodes.row)]
        body_rows = [r for t in tgroup.findall(nodes.tbody) for r in t.findall(nodes.row)]
        ncols = int(tgroup.get("cols", 0))
        if not ncols or any(len(r) != ncols for r in (*head_rows, *body_rows)):
            return None  # spans: leave the table to Sphinx
        wide = ncols >= LANDSCAPE_COLUMNS
        serial = self.env.new_serialno("ldm503-latex-table")
        measures: list[str] = []
        spec: list[str] = []
        flexible: list[int] = []
        for col in range(ncols):
            kind = self.column_kind(table, body_rows, col)
            samples = self.samples(kind, [_cell(r, col) for r in body_rows])
            if samples is None:
                flexible.append(col)
                spec.append("")
                continue
            headers = [self.header_sample(_cell(r, col)) for r in head_rows]
            name = f"t{serial}c{_letters(col)}"
            measures.append("\\ldmsetcol{%s}{%s}" % (name, "\\\\".join([*headers, *samples])))
            spec.append("\\ldmP{\\ldmcol{%s}}" % name)
        if flexible:
            fixed = "".join("-\\ldmcol{t%sc%s}" % (serial, _letters(c))
                            for c in range(ncols) if c not in flexible)
            width = "\\dimexpr(\\linewidth%s-%d\\tabcolsep)/%d\\relax" % (
                fixed, 2 * ncols, len(flexible))
            for col in flexible:
                spec[col] = "\\ldmP{%s}" % width
        if "colwidths-given" in table["classes"]:  # the spec replaces the HTML widths
            table["classes"].remove("colwidths-given")
        parent = table.parent
        index = parent.index(table)
        first = _raw("\\begingroup\\small%s\n" % "".join(measures))
        last = _raw("\\endgroup\n")
        parent.insert(index, first)
        parent.insert(index + 1, addnodes.tabular_col_spec(spec="".join(spec)))
        parent.insert(index + 3, last)
        return (first, last) if wide else None

    @staticmethod
    def column_kind(table: nodes.table, rows: Sequence[nodes.row], col: int) -> str:
        for row in rows:
            for cls in _cell(row, col)["classes"]:
                if cls.startswith("ldm503-col-"):
                    return cls.removeprefix("ldm503-col-")
        if "ldm503-summary" in table["classes"]:
            return "check" if col == 0 else "count"
        return "text"

    def samples(self, kind: str, cells: Sequence[nodes.Element]) -> list[str] | None:
        """LaTeX for the widest things a column must hold unbroken, or None: flexible."""
        texts = [cell_text(c) for c in cells]
        if kind in ("id", "related", "check"):
            words = [w.strip(",") for t in texts for w in t.split()]
            if kind != "check":  # check names are ours and short; IDs are anyone's
                # A long ID wraps between its pieces: the widest piece sizes the column.
                words = [part for word in words for part in id_parts(word)[0]]
            longest = max(words, key=len, default="")
            # Lists of related IDs wrap after the comma, which stays on the ID's line.
            comma = "," if kind == "related" else ""
            return ["\\sphinxcode{\\sphinxupquote{%s}}%s" % (self.escape(longest), comma)]
        if kind in ("due", "forecast", "completed"):
            return ["0000\\sphinxhyphen{}00\\sphinxhyphen{}00"]
        if kind == "status":
            badges = [b.astext() for c in cells for b in c.findall(nodes.inline)
                      if "ldm503-badge" in b["classes"]]
            longest = max(badges, key=len, default="")
            return ["\\DUrole{ldm503-badge}{%s}" % self.escape(longest)]
        if kind == "severity":
            return ["\\textbf{warning}"]
        if kind in ("queries", "findings", "count"):
            return ["00"]
        if kind == "source":
            longest = max(texts, key=len, default="")[:40]
            return [self.escape(longest)]
        return None

    def header_sample(self, entry: nodes.Element) -> str:
        """The longest word of a header (headers may wrap between words)."""
        word = max(entry.astext().split(), key=len, default="")
        return "{\\sphinxstyletheadfamily %s}" % self.escape(word)

    def escape(self, text: str) -> str:
        return tex_escape(text, self.config.latex_engine)

    # diagrams

    def fit_diagram(self, container: nodes.container) -> None:
        """Largest heights, so that a diagram, its legend and caption share a page."""
        children = [n for n in container.children if isinstance(n, nodes.Element)]
        images = [n for n in children if n.get("ldm503_scope")]
        legends = [n for n in children if "ldm503-legend" in n["classes"]]
        if not images:
            return
        image = images[0]
        scope = image["ldm503_scope"]
        figure = container.parent if isinstance(container.parent, nodes.figure) else None
        # A large dependency diagram of the plan is wide: it gets a page turned
        # sideways. A timeline is tall and stays upright; small ones fit a column.
        sideways = (scope == "plan" and figure is not None
                    and image.get("ldm503_layout") != "timeline"
                    and image.get("ldm503_milestones", 0) >= SIDEWAYS_MILESTONES)
        if scope == "neighbourhood":
            height = ".45\\textheight"
        elif sideways:
            # A page turned sideways: the page's width is the diagram's height.
            height = "\\textwidth-1.45in" if legends else "\\textwidth-.6in"
        elif scope == "plan":
            height = "\\textheight-1.45in" if legends else "\\textheight-.6in"
        else:
            height = ".6\\textheight"
        container.insert(container.index(image), _raw("\\ldmimagemaxheight{%s}\n" % height))
        for key in [n for n in children if "ldm503-graph-key" in n.get("classes", ())]:
            # The key explains the diagram above it: no page break between them.
            container.insert(container.index(key), _raw("\\par\\nopagebreak\n"))
        for legend in legends:
            legend_height = "60pt" if scope == "plan" else ".2\\textheight"
            container.insert(container.index(legend),
                             _raw("\\ldmimagemaxheight{%s}\n" % legend_height))
        if scope == "neighbourhood" and figure is None:
            ms_id = _diagram_root(image, container)
            if ms_id:
                container += _raw("\\ldmcaption{Dependencies of %s}\n" % self.escape(ms_id))
        linked = linked_graphviz(image.rawsource, *image.children, **image.attributes)
        linked.source, linked.line = image.source, image.line
        image.replace_self(linked)
        if sideways and figure is not None:
            turned = sideways_figure(figure.rawsource, *figure.children, **figure.attributes)
            turned.source, turned.line = figure.source, figure.line
            figure.replace_self(turned)

    # landscape pages

    def landscape(self, first: nodes.Element, last: nodes.Element) -> None:
        """A landscape page from ``first`` to ``last`` (siblings).

        It opens before the enclosing section's title (or container) when only
        short text and small tables precede ``first`` there, so that no heading
        is left alone at the foot of a portrait page.
        """
        start: nodes.Element = first
        end: nodes.Element = last
        parent = start.parent
        while isinstance(parent, nodes.section | nodes.container):
            before = parent.children[:parent.index(start)]
            if not all(_is_short(n) for n in before):
                break
            start = parent
            if isinstance(parent, nodes.container):
                # A container is a LaTeX environment: the page must hold all of it.
                end = parent
            parent = start.parent
        if start is first or isinstance(start, nodes.container):
            start.parent.insert(start.parent.index(start), _raw("\\begin{landscape}\n"))
        else:
            start.insert(0, _raw("\\begin{landscape}\n"))
        end.parent.insert(end.parent.index(end) + 1, _raw("\\end{landscape}\n"))

    def merge_landscapes(self) -> None:
        """One landscape run for consecutive landscape pages (no portrait page between).

        Only where the end and the next start are at the same depth of LaTeX
        environments (sections are not environments, containers are).
        """
        order = list(self.document.findall())
        ends = [n for n in order if isinstance(n, nodes.raw) and n.astext().startswith(
            "\\end{landscape}")]
        for end in ends:
            position = order.index(end)
            for following in order[position + 1:]:
                if isinstance(following, nodes.section | addnodes.start_of_file):
                    continue
                if (isinstance(following, nodes.raw)
                        and following.astext().startswith("\\begin{landscape}")
                        and _environments(end) == _environments(following)):
                    end.parent.remove(end)
                    following.parent.remove(following)
                break


def _diagram_root(image: nodes.Element, container: nodes.Element) -> str | None:
    """The milestone a neighbourhood diagram is drawn for: its root, else its block's ID."""
    root = getattr(image.get("ldm503_outline"), "root", None)
    if isinstance(root, str) and root:
        return root
    parent = container.parent
    while parent is not None and not isinstance(parent, addnodes.desc):
        parent = parent.parent
    sig = next(iter(parent.findall(addnodes.desc_signature)), None) if parent else None
    parts = toc_parts(sig) if sig is not None else None
    return parts[0] if parts else None


def _environments(node: nodes.Node) -> list[int]:
    """The ancestors of ``node`` that are LaTeX environments (by identity)."""
    out = []
    parent = node.parent
    while parent is not None:
        if not isinstance(parent, nodes.section | addnodes.start_of_file | nodes.document):
            out.append(id(parent))
        parent = parent.parent
    return out


class LatexReferenceIds(SphinxPostTransform):
    """The ID at the head of a resolved ``:ms:`` reference becomes unbreakable too.

    The role's text ("LDM-503-07: Camera Data Processing") is only known once
    the reference is resolved, hence a second, later transform.
    """

    default_priority = 20  # after ReferencesResolver (10)
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        domain = get_domain(self.env)
        for inline in list(self.document.findall(nodes.inline)):
            if "ldm503-ms" not in inline["classes"] or len(inline) != 1:
                continue
            if not isinstance(inline[0], nodes.Text):
                continue
            text = inline.astext()
            head = text.split(":", 1)[0].split(" ", 1)[0]
            if not head or len(head) > MAX_ID_CHARS or domain.plan.get(head) is None:
                continue
            inline[:] = [nodes.inline(head, head, classes=["ldm503-id"])]
            if text[len(head):]:
                inline += nodes.Text(text[len(head):])


def cell_text(node: nodes.Element) -> str:
    """What a cell prints, without the LaTeX of raw nodes (the breaks in long IDs)."""
    if not any(True for _ in node.findall(nodes.raw)):
        return node.astext()
    copy = node.deepcopy()
    for raw in list(copy.findall(nodes.raw)):
        raw.parent.remove(raw)
    return copy.astext()


def _cell(row: nodes.Node, col: int) -> nodes.Element:
    cell = row.children[col] if isinstance(row, nodes.Element) else None
    assert isinstance(cell, nodes.Element)
    return cell


def _is_short(node: nodes.Node) -> bool:
    """Text that may share a landscape page with the table after it."""
    if isinstance(node, nodes.title | nodes.paragraph | nodes.raw | nodes.target
                  | addnodes.tabular_col_spec | addnodes.index):
        return True
    return isinstance(node, nodes.table) and len(list(node.findall(nodes.row))) <= 15


def _letters(number: int) -> str:
    """Column names for LaTeX lengths, which may hold only letters: a, b, ... z, ba..."""
    out = ""
    while True:
        out = chr(ord("a") + number % 26) + out
        number //= 26
        if not number:
            return out


def copy_style(app: Sphinx, exception: Exception | None) -> None:
    """Put ``sphinxext-ldm503.sty`` next to the ``.tex`` files (latexmk runs there)."""
    if exception is None and app.builder.format == "latex":
        copy_asset_file(TEXINPUTS / f"{STY}.sty", app.outdir, force=True)


def title_page(app: Sphinx, config: Config) -> None:
    """The title page shows the handle and plan date from ``conf.py`` (:func:`maketitle`).

    Runs after the ``ldm503_*`` values are validated (priority 800 > 500). A project
    that writes its own ``maketitle`` keeps it.
    """
    elements = dict(config.latex_elements or {})
    if "maketitle" in elements:
        return
    handle = config.ldm503_document_handle
    titles = [entry[2] for entry in config.latex_documents or () if len(entry) > 2]
    if handle and titles and all(title_names(title, handle) for title in titles):
        handle = None  # "LDM-503: Test milestones" would read "LDM-503" twice
    elements["maketitle"] = maketitle(handle, config.ldm503_plan_date, config.latex_engine)
    config.latex_elements = elements


def title_names(title: object, handle: str) -> bool:
    """Whether ``title`` opens with the document's handle as a word of its own (``LDM-503:
    ...``, not ``LDM-503-2 ...``): the title page then shows the handle once, in the title."""
    words = " ".join(str(title).split())
    handle = " ".join(handle.split())
    if not handle or not words.startswith(handle):
        return False
    rest = words[len(handle):]
    return not rest or not (rest[0].isalnum() or rest[0] in "-_.")


def maketitle(handle: str | None, plan_date: str | None, engine: str = "pdflatex") -> str:
    """``\\ldmmaketitle{handle}{plan date}``, both escaped for LaTeX (either may be empty).

    The plan date replaces the build date Sphinx prints, so the title page is the
    same in every build of the same plan.
    """
    # The escaping tables are filled when the LaTeX builder starts, after config-inited:
    # without this a fresh process would write the handle unescaped.
    texescape.init()
    return "\\ldmmaketitle{%s}{%s}" % (tex_escape(" ".join((handle or "").split()), engine),
                                       tex_escape(plan_date or "", engine))


def setup(app: Sphinx) -> None:
    """The PDF: style package, LaTeX-only nodes and the layout transform."""
    app.add_latex_package(STY)
    app.connect("config-inited", title_page, priority=800)
    # The nodes exist only in LaTeX doctrees; other builders skip them should one leak.
    none = (skip, None)
    for node_class, visit in ((milestone_tocentry, visit_tocentry),
                              (milestone_pageref, visit_pageref)):
        app.add_node(node_class, latex=(visit, None), html=none, text=none, man=none,
                     texinfo=none)
    app.add_node(sideways_figure, latex=(visit_sideways_figure, depart_sideways_figure))
    app.add_node(linked_graphviz, latex=(visit_linked_graphviz, depart_linked_graphviz))
    app.add_post_transform(LatexLayout)
    app.add_post_transform(LatexReferenceIds)
    app.connect("build-finished", copy_style)
