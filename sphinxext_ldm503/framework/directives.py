"""The ``milestone``, ``prerequisite`` and ``query`` directives.

They parse what the author wrote into model records (stored in the domain) and
into doctree nodes. Anything that depends on other documents (metadata the
catalog may supply, "Required by", diagrams) is left as a placeholder for the
resolver. Options are validated here rather than by docutils so that every
problem is an ``ldm503.invalid`` warning with file and line, and the build goes
on with whatever could be understood.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, cast

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.parsers.rst.states import RSTState
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

from ..core.classify import Classifier
from ..core.model import (
    Location,
    Milestone,
    Prerequisite,
    Query,
    QueryStatus,
    Reference,
    Waiver,
    anchor_for,
    id_key,
)
from ..core.parsing import (
    argument_id,
    nfc_message,
    parse_date,
    parse_level,
    parse_list,
    parse_query_state,
    parse_query_status,
    parse_status,
    parse_waivers,
    split_argument,
    split_id_list,
    split_names,
)
from . import nodes as ldm_nodes
from .compat import document_scratch, set_toc_entry
from .diagnostics import source_location
from .domain import BLOCK, GRAPH, WHOLE_PLAN
from .words import keep_words_whole

if TYPE_CHECKING:
    from sphinx.application import Sphinx

    from .domain import MilestoneDomain

CONTEXT_KEY = "ldm503:milestone"
#: Emitted for every declared milestone, once it is parsed, with the
#: :class:`~sphinxext_ldm503.core.model.Milestone`, the directive and its signature node;
#: handlers return nodes to add to the milestone's content (or None). needs.py uses it.
MILESTONE_EVENT = "ldm503-milestone-declared"

#: How :func:`mark_repeated_options` renames the second and later copies of an option.
REPEAT_MARK = "~"

_DIRECTIVE_START = re.compile(
    r"^(?P<indent>\s*)\.\.\s+(?:ldm503:)?(?:milestone|prerequisite|query|milestone-graph|"
    r"milestone-report|milestone-table)::")
_OPTION_LINE = re.compile(r"^(?P<indent>\s+):(?P<name>[^:\s]+):(?=\s|$)")


def mark_repeated_options(lines: list[str]) -> list[str]:
    """Rename repeated options of our directives (``:requires:`` twice) to ``requires~2``.

    Docutils rejects a directive with a repeated option outright, so the milestone
    and everything in it would vanish behind an untyped error. Renaming keeps the
    line numbers and lets the directive merge or ignore the repeat with a warning.
    """
    out: list[str] = []
    seen: dict[str, int] | None = None
    base_indent = ""
    for line in lines:
        start = _DIRECTIVE_START.match(line)
        if start:
            seen, base_indent = {}, start["indent"]
            out.append(line)
            continue
        option = _OPTION_LINE.match(line) if seen is not None else None
        if seen is not None and option and len(option["indent"]) > len(base_indent):
            name = option["name"].lower()
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                line = (line[: option.start("name")] + f"{name}{REPEAT_MARK}{seen[name]}"
                        + line[option.end("name"):])
        elif not line.strip() or not line.startswith(base_indent + " "):
            seen = None  # the option block ends at a blank or outdented line
        out.append(line)
    return out


def on_source_read(app: Any, docname: str, source: list[str]) -> None:
    """Sphinx's ``source-read``: mark repeated options before docutils sees them.

    reStructuredText only: MyST parses its own option blocks.
    """
    if app.env.doc2path(docname).suffix.lower() != ".md" and "::" in source[0]:
        source[0] = "\n".join(mark_repeated_options(source[0].split("\n")))


def on_include_read(app: Any, relative_path: Any, parent_docname: str,
                    content: list[str]) -> None:
    """The same for text pulled in with ``.. include::``."""
    if str(relative_path).lower().endswith(".md") or "::" not in content[0]:
        return
    content[0] = "\n".join(mark_repeated_options(content[0].split("\n")))


class AnyOption(dict[str, Any]):
    """An option spec that accepts every option, so unknown ones get our own warning."""

    def __missing__(self, key: str) -> Any:
        return directives.unchanged

    def __bool__(self) -> bool:  # docutils only parses options when the spec is truthy
        return True


@dataclass
class MilestoneContext:
    """What nested directives contribute to the milestone being parsed."""

    milestone_id: str  # empty when the milestone's ID was malformed
    prerequisites: list[Prerequisite] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)
    in_prerequisite: bool = False


def source_text(content: Any) -> str:
    """A directive's content as written, without surrounding blank lines."""
    return "\n".join(content).strip("\n").rstrip()


def badge(text: str, *classes: str) -> nodes.inline:
    return nodes.inline(text, text, classes=["ldm503-badge", *classes])


def ms_xref(
    milestone_id: str, docname: str, content: nodes.Node | None = None
) -> addnodes.pending_xref:
    """A link to a milestone that renders as plain text when the milestone is not declared."""
    xref = addnodes.pending_xref(
        "", refdomain="ldm503", reftype="ms", reftarget=milestone_id,
        refexplicit=True, refwarn=False, refdoc=docname,
    )
    xref += content if content is not None else nodes.literal(milestone_id, milestone_id)
    return xref


#: A whole-line prerequisite directive (see MilestoneDirective.parse_body).
_SIMPLE_PREREQUISITE = re.compile(r"^\.\. +(?:ldm503:)?prerequisite::(?: +(.*)|)$")
#: Any explicit markup start, at any indentation.
_EXPLICIT_MARKUP = re.compile(r"^\s*\.\.(?:\s|$)")


class Ldm503Directive(SphinxDirective):
    """Shared option handling: known options are parsed, problems become warnings."""

    option_spec: ClassVar[dict[str, Any]] = AnyOption()
    known_options: ClassVar[tuple[str, ...]] = ()
    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    subject: str = ""  # the ID the directive is about, named in its warnings

    @property
    def location(self) -> Location:
        """This directive's file and line, in the included file when there is one."""
        source, line = self.get_source_info()
        return source_location(self.env.docname, self.env.doc2path(self.env.docname), source,
                               line or self.lineno)

    @property
    def domain(self) -> MilestoneDomain:
        # Not imported: the domain declares these directives in its class body.
        return cast("MilestoneDomain", self.env.get_domain("ldm503"))

    def invalid(self, message: str) -> None:
        """Report malformed input through the domain's one path for it."""
        self.domain.report_invalid(message, self.location, self.context_id())

    def context_id(self) -> str | None:
        ctx = document_scratch(self.env).get(CONTEXT_KEY)
        return (ctx.milestone_id or None) if ctx else None

    def milestone_context(self) -> MilestoneContext | None:
        """The enclosing milestone, or None after a warning saying why there is none."""
        ctx: MilestoneContext | None = document_scratch(self.env).get(CONTEXT_KEY)
        if ctx is None:
            self.invalid(f"{self.name} outside a milestone: nest it in a '.. milestone::'")
        elif not ctx.milestone_id:
            self.invalid(f"{self.name} ignored: its milestone has no valid ID")
            return None
        elif ctx.in_prerequisite:
            self.invalid(f"{self.name} inside a prerequisite of {ctx.milestone_id}: "
                         "put it directly in the milestone")
            return None
        return ctx

    def warn_not_nfc(self, written: str, what: str) -> None:
        """A located warning when an ID is written in another form than NFC (it is
        read in NFC: :func:`.parsing.nfc_message`)."""
        message = nfc_message(written)
        if message:
            self.invalid(f"{what}: {message}")

    def unknown_options(self) -> None:
        self.repeated_options()
        for name in sorted(self.options):
            if name not in self.known_options:
                self.invalid(
                    f"unknown option :{name}: of {self.name!r}; "
                    f"known options: {', '.join(self.known_options)}"
                )

    def repeated_options(self) -> None:
        """Options written twice, renamed ``name~N`` by :func:`mark_repeated_options`.

        A repeated ``:requires:`` adds its IDs to the first one's; any other repeat
        is ignored. Either way a located warning says so, and the directive still
        runs (docutils would reject the whole directive).
        """
        for key in sorted(self.options):
            name, sep, _count = key.partition(REPEAT_MARK)
            if not sep:
                continue
            value = self.options.pop(key) or ""
            if name == "requires":
                self.options[name] = f"{self.options.get(name) or ''}, {value}"
                what = "its IDs are added to the first one's"
            else:
                what = "the first one is used"
            self.invalid(f"{self.name}: option :{name}: is given more than once; {what}")

    def option(self, name: str, parser: Any) -> Any:
        """The parsed value of an option, or None (with a warning) when it is malformed."""
        if name not in self.options:
            return None
        try:
            return parser(self.options[name] or "")
        except ValueError as exc:
            subject = f"{self.name} {self.subject}" if self.subject else self.name
            self.invalid(f"{subject}: :{name}: {exc}")
            return None

    def names(
        self, name: str, allowed: Sequence[str], *, lower: bool = False
    ) -> tuple[str, ...] | None:
        """A list option of fixed names (comma or space separated, like every list).

        Unknown names are warned about, naming the known ones, and left out; None
        when the option is not given.
        """
        if name not in self.options:
            return None
        items = split_names(self.options[name] or "")
        if lower:
            items = tuple(item.lower() for item in items)
        unknown = [item for item in items if item not in allowed]
        if unknown or not items:
            self.invalid(f"{self.name}: :{name}: unknown {', '.join(unknown) or '(empty)'}; "
                         f"known: {', '.join(allowed)}")
        return tuple(item for item in items if item in allowed)

    def waivers(self) -> tuple[Waiver, ...]:
        """``:waive:``; a waiver of a check that does not exist (a typo) waives nothing:
        it is warned about, naming the known checks, and left out."""
        from ..core.checks import CHECK_NAMES

        parsed: tuple[Waiver, ...] = self.option("waive", parse_waivers) or ()
        for waiver in parsed:
            if waiver.check not in CHECK_NAMES:
                subject = f"{self.name} {self.subject}" if self.subject else self.name
                self.invalid(f"{subject}: :waive: unknown check {waiver.check!r}; "
                             f"known checks: {', '.join(CHECK_NAMES)}")
        return tuple(w for w in parsed if w.check in CHECK_NAMES)

    def globs(self, name: str) -> tuple[str, ...]:
        """ID glob patterns, comma or space separated."""
        return split_names(self.options.get(name) or "")

    def classes(self) -> tuple[str, ...]:
        """``:class:`` as Sphinx's own directives take it: each name a safe identifier."""
        if "class" not in self.options:
            return ()
        try:
            return tuple(directives.class_option(self.options["class"] or ""))
        except ValueError as exc:
            self.invalid(f"{self.name}: :class: {exc}")
            return ()

    def parse_content(self, container: nodes.Element) -> None:
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, container)

    def flag(self, name: str) -> bool:
        if name not in self.options:
            return False
        value = (self.options[name] or "").strip().lower()
        if value in ("", "yes", "true", "1"):
            return True
        if value not in ("no", "false", "0"):
            self.invalid(f"{self.name}: :{name}: is a flag; write it without a value")
        return False


def _listened(events: Any, name: str) -> bool:
    """Whether a handler is connected to ``name``: Sphinx formats the ``repr`` of an
    event's arguments on every emit, listened to or not, and a milestone's costs
    ~0.1 ms (0.2 s of a build at 2,000 milestones, for nothing unless sphinx-needs
    or another extension listens)."""
    listeners = getattr(events, "listeners", None)
    return listeners is None or bool(listeners.get(name))


class MilestoneDirective(Ldm503Directive):
    """Declares a milestone of the plan with its metadata, prerequisites and queries."""

    known_options = (
        "due", "forecast", "completed", "status", "level", "tags", "requires",
        "external", "waive", "no-index", "no-graph", "class",
    )

    def run(self) -> list[nodes.Node]:
        self.unknown_options()
        docname = self.env.docname
        try:
            ms_id, title = split_argument(self.arguments[0] if self.arguments else "")
        except ValueError as exc:
            self.invalid(f"milestone: {exc}; write '.. milestone:: ID: Title'")
            # Keep the author's text visible even though no milestone is declared.
            container = nodes.container(classes=["ldm503-invalid"])
            previous = document_scratch(self.env).get(CONTEXT_KEY)
            document_scratch(self.env)[CONTEXT_KEY] = MilestoneContext("")
            try:
                self.parse_content(container)
            finally:
                document_scratch(self.env)[CONTEXT_KEY] = previous
            return [container]
        self.subject = ms_id
        self.warn_not_nfc(argument_id(self.arguments[0]), f"milestone {ms_id}")
        if document_scratch(self.env).get(CONTEXT_KEY) is not None:
            self.invalid(f"milestone {ms_id} is nested inside another milestone")

        due = self.option("due", parse_date)
        forecast = self.option("forecast", parse_date)
        completed = self.option("completed", parse_date)
        status = self.option("status", parse_status)
        level = self.option("level", parse_level)
        tags = self.option("tags", parse_list) or ()
        requires, problems = split_id_list(self.options.get("requires") or "")
        for problem in problems:
            self.invalid(f"milestone {ms_id}: :requires: {problem}")
        for item in split_names(self.options.get("requires") or ""):
            self.warn_not_nfc(item, f"milestone {ms_id}: :requires:")
        waivers = self.waivers()
        external = self.flag("external")
        if status is None and completed is not None:
            status = "completed"
        elif status is not None and status != "completed" and completed is not None:
            self.invalid(
                f"milestone {ms_id}: has a :completed: date but :status: {status}"
            )

        no_index = self.flag("no-index")
        no_graph = self.flag("no-graph")
        if no_index:
            self.ignored_on_copy(ms_id)
            requires = ()
        anchor = anchor_for(ms_id)
        desc = addnodes.desc(domain="ldm503", objtype="milestone", desctype="milestone",
                             classes=["ldm503", "milestone", *self.classes()],
                             no_index=no_index)
        sig = addnodes.desc_signature("", "", classes=["ldm503-signature"])
        sig += addnodes.desc_name(ms_id, ms_id)
        if title:
            # Plain inline, not desc_annotation: titles are prose, not code.
            sig += nodes.inline(": " + title, ": " + title, classes=["ldm503-title"])
        # The sidebar and the page contents show "ID: title", as the heading does.
        set_toc_entry(sig, (ms_id,), f"{ms_id}: {title}" if title else ms_id)
        desc += sig
        content = addnodes.desc_content()
        desc += content
        index = addnodes.index(entries=[])
        indexed = not no_index
        if indexed and anchor in self.state.document.ids:
            # Another milestone of this page has the same anchor (A.1 and A-1, or the
            # same ID twice): adding it again would be an untyped docutils error. The
            # duplicate-id check reports the clash, with both places.
            pass
        elif indexed:
            sig["ids"].append(anchor)
            self.state.document.note_explicit_target(sig)
            # One entry, as for any object: a second one per milestone under
            # "milestones" doubled a large plan's index (milestone-table lists them).
            index["entries"].append(("single", f"{ms_id} (milestone)", anchor, "main", None))
        self.set_source_info(sig)

        ctx = MilestoneContext(ms_id)
        compact = [
            Prerequisite(id=pid, location=self.location, compact=True) for pid in requires
        ]
        ctx.prerequisites.extend(compact)
        previous = document_scratch(self.env).get(CONTEXT_KEY)
        document_scratch(self.env)[CONTEXT_KEY] = ctx
        try:
            body = nodes.container()
            self.parse_body(body)
        finally:
            document_scratch(self.env)[CONTEXT_KEY] = previous

        meta = ldm_nodes.milestone_meta(milestone_id=ms_id)
        self.set_source_info(meta)
        content += meta
        prereq_items = [n for n in body.findall(nodes.list_item)
                        if "ldm503-prerequisite" in n["classes"]]
        if no_index and (ctx.prerequisites or ctx.queries):
            self.invalid(f"milestone {ms_id}: prerequisites and queries of a :no-index: copy "
                         f"are ignored (it shows the declaration's); move them to where "
                         f"{ms_id} is declared")
        self.repeated_prerequisites(ms_id, ctx.prerequisites)
        query_boxes = [n for n in body.findall(nodes.container)
                       if "ldm503-query" in n["classes"]]
        for node in (*prereq_items, *query_boxes):
            node.parent.remove(node)
        content.extend(body.children)

        items = [self.compact_item(p, docname) for p in compact] + prereq_items
        content += nodes.rubric("Prerequisites", "Prerequisites", classes=["ldm503-rubric"])
        if no_index:
            # The declaration's prerequisites, known once every document is read.
            copied = ldm_nodes.copied_prerequisites(milestone_id=ms_id, docname=docname)
            self.set_source_info(copied)
            content += copied
        elif items:
            content += nodes.bullet_list("", *items, classes=["ldm503-prerequisites"])
        else:
            content += nodes.paragraph("None declared.", "None declared.",
                                       classes=["ldm503-none"])
        if query_boxes:
            content += nodes.rubric("Queries", "Queries", classes=["ldm503-rubric"])
            content.extend(query_boxes)
        required = ldm_nodes.required_by(milestone_id=ms_id)
        self.set_source_info(required)
        content += required
        # A no-index milestone is another rendering of one declared elsewhere: it shows
        # that declaration's data, but draws no diagram of its own.
        drawn = bool(self.config.ldm503_milestone_graphs and not no_graph and indexed)
        if drawn:
            graph = ldm_nodes.milestone_graph(
                options={"root": ms_id, "neighbourhood": "yes"}, neighbourhood=True,
                docname=docname,
            )
            self.set_source_info(graph)
            content += graph

        milestone = Milestone(
            id=ms_id, title=title, location=self.location, due=due, forecast=forecast,
            completed=completed, status=status, level=level, tags=tags, external=external,
            prerequisites=tuple(ctx.prerequisites), queries=tuple(ctx.queries),
            waivers=waivers,
        )
        domain = self.domain
        # The block shows the milestone's neighbours and critical path, its diagram
        # more: what a change elsewhere must rewrite this page for.
        domain.note_dependency(docname, id_key(ms_id), GRAPH if drawn else BLOCK)
        if indexed:
            domain.note_milestone(milestone)
            # Other features (sphinx-needs, when loaded) may record the milestone too;
            # what they return stays inside our block, so it is still one rendering.
            if _listened(self.env.events, MILESTONE_EVENT):
                for extra in self.env.events.emit(MILESTONE_EVENT, milestone, self, sig):
                    content.extend(extra or ())
        else:
            # A copy refers to its declaration: one declared nowhere is reported.
            domain.note_reference(Reference(ms_id, self.location, copy=True))
        return [index, desc]

    #: What a milestone's options say about it; a :no-index: copy shows the
    #: declaration's values instead, so giving them there is a mistake.
    DATA_OPTIONS: ClassVar[tuple[str, ...]] = (
        "due", "forecast", "completed", "status", "level", "tags", "requires", "external",
        "waive",
    )

    def ignored_on_copy(self, ms_id: str) -> None:
        """Warn about data given on a :no-index: copy, which would otherwise vanish."""
        given = [name for name in self.DATA_OPTIONS if name in self.options]
        if given:
            names = ", ".join(f":{name}:" for name in given)
            self.invalid(f"milestone {ms_id}: {names} ignored on a :no-index: copy, which "
                         f"shows the data of {ms_id}'s declaration; set "
                         f"{'it' if len(given) == 1 else 'them'} there")

    def repeated_prerequisites(self, ms_id: str, prerequisites: list[Prerequisite]) -> None:
        """Warn once per prerequisite listed more than once (``:requires: A, A`` and more).

        Each listing would be an edge of its own, drawn and checked twice and shown
        twice under "Required by"; the author meant one relation.
        """
        seen: dict[str, list[Prerequisite]] = {}
        for pre in prerequisites:
            seen.setdefault(pre.key, []).append(pre)
        for listings in seen.values():
            if len(listings) < 2:
                continue
            where = ", ".join(
                (":requires:" if p.compact else "a prerequisite")
                + (f" (line {p.location.line})" if p.location and p.location.line else "")
                for p in listings
            )
            self.invalid(f"milestone {ms_id} lists {listings[0].id} as a prerequisite "
                         f"{len(listings)} times: {where}; keep one")

    def parse_body(self, container: nodes.Element) -> None:
        """The milestone's content: prose, prerequisites, queries.

        A plan is mostly one-line ``.. prerequisite:: ID Title`` directives, three
        or so per milestone. Letting docutils find them costs a nested parser per
        milestone (most of our read time on a large plan), so when every directive
        at the top of the content is such a line, each is run here directly, in
        order, and only the prose is parsed. Anything else (options, discussions,
        queries, comments, directives inside lists...) takes docutils' own path.
        """
        simple = self._simple_prerequisites()
        if simple is None:
            self.parse_content(container)
            return
        prose, found = simple
        for index, argument in found:
            lineno = self.content_offset + index + 1
            directive = PrerequisiteDirective(
                "prerequisite", [argument] if argument else [], {}, StringList(), lineno,
                lineno, self.content[index], self.state, self.state_machine)
            container.extend(directive.run())
        if any(line.strip() for line in prose):
            self.state.nested_parse(prose, self.content_offset, container)

    def _simple_prerequisites(self) -> tuple[StringList, list[tuple[int, str]]] | None:
        """(the content without them, [(line index, argument)]) or None; see parse_body."""
        if not self.content or not isinstance(self.state, RSTState):
            return None  # MyST content is Markdown: its own parser finds directives
        lines = list(self.content)
        if not any(".. " in line or line.startswith("..") for line in lines):
            return None  # nothing but prose: the ordinary path costs no more
        found: list[tuple[int, str]] = []
        prose = list(lines)
        for index, line in enumerate(lines):
            match = _SIMPLE_PREREQUISITE.match(line)
            if match is None:
                if _EXPLICIT_MARKUP.search(line):
                    return None  # another directive, a comment, a target, a nested one
                continue
            if index and lines[index - 1].strip():
                return None  # no blank line before: docutils reads it as paragraph text
            following = index + 1
            while following < len(lines) and not lines[following].strip():
                following += 1
            if following < len(lines) and (lines[following][:1].isspace()
                                           or following == index + 1):
                # Options, a discussion or a wrapped argument; or no blank line
                # after it, which docutils warns about.
                return None
            found.append((index, (match.group(1) or "").strip()))
            prose[index] = ""
        if not found:
            return None
        return StringList(prose, items=list(self.content.items)), found

    def compact_item(self, pre: Prerequisite, docname: str) -> nodes.list_item:
        item = nodes.list_item(classes=["ldm503-prerequisite"])
        para = nodes.paragraph()
        if not Classifier(self.config.ldm503_plan_id_pattern).is_plan_id(pre.id):
            target = prerequisite_target(self.env, self.subject, pre.id)
            item["ids"].append(target)
            para += index_entry(pre.id, self.subject, target)
        para += ms_xref(pre.id, docname)
        self.domain.note_dependency(docname, pre.key)
        item += para
        return item


def prerequisite_target(env: Any, milestone_id: str, pre_id: str) -> str:
    """The anchor of a prerequisite item, unique on its page.

    Named after both milestones, not a per-document counter: singlehtml puts
    every document in one page, where counters from each would repeat.
    """
    target = f"ldm503-pre-{anchor_for(milestone_id)[3:]}-{anchor_for(pre_id)[3:]}"
    used = cast("set[str]", document_scratch(env).setdefault("ldm503:pre-ids", set()))
    if target in used:  # the same prerequisite twice (a duplicate-prerequisite finding)
        target += f"-{env.new_serialno('ldm503-pre')}"
    used.add(target)
    return target


def index_entry(pre_id: str, milestone_id: str, target: str) -> addnodes.index:
    """"X; required by Y" in the general index, for an X that is not one of the plan's
    own milestones (DM, Camera...): it has no block of its own to be indexed by.

    The plan's own milestones are indexed where declared, and their "Required by"
    line has the same links; a subentry per prerequisite as well would double a
    large plan's index and search index.
    """
    return addnodes.index(
        entries=[("single", f"{pre_id}; required by {milestone_id}", target, "", None)])


class PrerequisiteDirective(Ldm503Directive):
    """One edge: the enclosing milestone requires the argument's milestone."""

    known_options = ("query", "waive")

    def run(self) -> list[nodes.Node]:
        self.unknown_options()
        ctx = self.milestone_context()
        if ctx is None:
            return []
        try:
            pre_id, title = split_argument(self.arguments[0] if self.arguments else "")
        except ValueError as exc:
            self.invalid(f"prerequisite of {ctx.milestone_id}: {exc}")
            return []
        self.subject = f"{pre_id} of {ctx.milestone_id}"
        self.warn_not_nfc(argument_id(self.arguments[0]), f"prerequisite of {ctx.milestone_id}")
        query = self.option("query", parse_query_state) if "query" in self.options else None
        waivers = self.waivers()
        docname = self.env.docname

        discussion = nodes.container(classes=["ldm503-discussion"])
        ctx.in_prerequisite = True
        try:
            self.parse_content(discussion)
        finally:
            ctx.in_prerequisite = False
        keep_words_whole(discussion)  # a reviewer's prose is full of IDs and dates
        pre = Prerequisite(
            # The discussion as the author wrote it (RST source), which is also what
            # the review importer produces, so both give the same model.
            id=pre_id, title=title, query=query, discussion=source_text(self.content),
            waivers=waivers, location=self.location,
        )
        ctx.prerequisites.append(pre)
        domain = self.domain
        domain.note_dependency(docname, pre.key)

        target = prerequisite_target(self.env, ctx.milestone_id, pre_id)
        item = nodes.list_item(ids=[target], classes=["ldm503-prerequisite"])
        if query:
            item["classes"].append(f"ldm503-query-{query}")
        para = nodes.paragraph()
        if not Classifier(self.config.ldm503_plan_id_pattern).is_plan_id(pre_id):
            para += index_entry(pre_id, ctx.milestone_id, target)
        para += ms_xref(pre_id, docname)
        if title:
            para += nodes.Text(" " + title)
        if query:
            para += nodes.Text(" ")
            para += badge(f"{query} query", f"ldm503-query-{query}")
        for waiver in waivers:
            para += nodes.Text(" ")
            text = f"waived: {waiver.check}" + (f" ({waiver.reason})" if waiver.reason else "")
            para += badge(text, "ldm503-waived")
        self.set_source_info(para)
        item += para
        if discussion.children:
            item += discussion
        return [item]


class QueryDirective(Ldm503Directive):
    """A review question about the milestone as a whole."""

    known_options = ("status",)

    def run(self) -> list[nodes.Node]:
        self.unknown_options()
        ctx = self.milestone_context()
        if ctx is None:
            return []
        status = self.option("status", parse_query_status) or "open"
        box = nodes.container(classes=["ldm503-query", f"ldm503-query-{status}"])
        label = nodes.paragraph(classes=["ldm503-query-label"])
        label += badge(f"{status} query", f"ldm503-query-{status}")
        box += label
        self.parse_content(box)
        if self.arguments:  # a one-line question may be given as the argument
            box.insert(1, nodes.paragraph(self.arguments[0], self.arguments[0]))
        keep_words_whole(box)
        text = source_text(self.content) or " ".join(self.arguments).strip()
        if not text:
            self.invalid(f"query of {ctx.milestone_id} has no text")
        ctx.queries.append(Query(text=text, status=cast(QueryStatus, status),
                                 location=self.location))
        self.set_source_info(box)
        return [box]


class PlanPlaceholderDirective(Ldm503Directive):
    """Base of the directives that render the plan as a whole (graph, report, table)."""

    node_class: ClassVar[type[nodes.Element]] = ldm_nodes.ldm503_placeholder
    #: What of the plan the page then shows: the whole plan, or (report, table) only
    #: each milestone's own facts and the findings (``domain.PLAN_FACTS``).
    shows: ClassVar[str] = WHOLE_PLAN

    def parse_options(self) -> dict[str, Any]:
        """The options, checked while reading (so problems are warned once, located)."""
        return dict(self.options)

    def run(self) -> list[nodes.Node]:
        self.unknown_options()
        node = self.node_class(options=self.parse_options(), docname=self.env.docname)
        self.set_source_info(node)
        self.domain.note_whole_plan(self.env.docname, self.shows)
        return [node]


def toc_entries_as_prose(app: Sphinx, doctree: nodes.document) -> None:
    """The contents' entries for this page's milestones as text, not code.

    Sphinx's contents collector writes every object's entry as a ``literal`` (right
    for a function's signature), so each theme's navigation ("On this page", the
    sidebars, a toctree's sub-entries) showed "ID: title", a sentence, as a code
    chip. It runs at ``doctree-read`` priority 500; this runs after it and changes
    only the entries whose anchor is one of this page's milestone headings.
    """
    anchors = {f"#{sig['ids'][0]}" for sig in doctree.findall(addnodes.desc_signature)
               if "ldm503-signature" in sig["classes"] and sig["ids"]}
    toc = app.env.tocs.get(app.env.docname)
    if not anchors or toc is None:
        return
    for ref in toc.findall(nodes.reference):
        if ref.get("anchorname") in anchors and len(ref) == 1 \
                and isinstance(ref[0], nodes.literal):
            ref[0].replace_self(nodes.Text(ref[0].astext()))


def setup(app: Sphinx) -> None:
    """The milestone directives, also without the ``ldm503:`` prefix.

    In the domain (``ldm503:milestone``) through the public
    ``app.add_directive_to_domain``; the placeholders they leave for
    metadata and "Required by" are registered here, with a visitor per builder.
    """
    for name, directive in (("milestone", MilestoneDirective),
                            ("prerequisite", PrerequisiteDirective),
                            ("query", QueryDirective)):
        app.add_directive(name, directive)
        app.add_directive_to_domain("ldm503", name, directive)
    for node_class in (ldm_nodes.milestone_meta, ldm_nodes.required_by,
                       ldm_nodes.copied_prerequisites):
        ldm_nodes.add_placeholder(app, node_class)
    app.add_event(MILESTONE_EVENT)
    # Repeated options would make docutils drop the whole directive.
    app.connect("source-read", on_source_read)
    app.connect("include-read", on_include_read)
    app.connect("doctree-read", toc_entries_as_prose, priority=600)
