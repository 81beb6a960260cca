"""Import a reviewer's plain-text list of milestones into ``milestone`` directives.

Reviews of LDM-503 arrive as a lightweight text format (section titles
underlined with ``=``, one bullet per prerequisite, ``(Query)`` marks, nested
comment bullets). Authors want that review turned into RST they can keep
editing, and they must be able to trust that nothing was lost on the way: every
title stays exactly as the reviewer wrote it (typos and truncations are what
the checks later report), every query mark and comment survives, and anything
the importer cannot make sense of is reported with its line number *and* kept
in the output as an RST comment.

No Sphinx here: the command line, the tests and the example generator use it
directly, and :func:`model_from_review` yields the same plain records a build
produces, so both can be compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .model import Location, Milestone, Prerequisite, Query, id_key
from .parsing import check_id, split_argument

__all__ = [
    "Chapter",
    "ReviewComment",
    "ReviewDocument",
    "ReviewEdge",
    "ReviewQuery",
    "ReviewSection",
    "Unmapped",
    "discussion_text",
    "escape_rst_text",
    "looks_like_id",
    "model_from_review",
    "parse_review",
    "query_text",
    "render_files",
    "render_rst",
]

#: The marker every comment the importer writes starts with, so a later run (or
#: a person) can find what still needs attention with a plain ``grep``.
COMMENT_MARKER = "ldm503-import"

_INDENT = "   "
_TAB_SIZE = 8  # docutils' own tab stop, so indentation means the same thing
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_ADORNMENT_RE = re.compile(r"^\s*([" + re.escape(_PUNCTUATION) + r"])\1*\s*$")
_MIXED_UNDERLINE_RE = re.compile(r"^\s*(?=[^=]*=)[=\-~^\"'#*+.:_`]{3,}\s*$")
_BULLET_RE = re.compile(r"^([-*+])(?:\s+(?P<body>.*))?$")
_QUERY_RE = re.compile(r"^\(\s*query\s*\)(?:\s+|$)", re.IGNORECASE)
_CAPS_ID_RE = re.compile(r"[A-Z][A-Z0-9&.]*(?:[-_/][A-Z0-9&.]+)+")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_SPLIT_RE = re.compile(r"\r\n|\r|\n")


# -- the parsed review ---------------------------------------------------------


@dataclass
class Unmapped:
    """A line the importer could not map, kept so the output loses nothing."""

    line: int
    text: str
    reason: str


@dataclass
class ReviewComment:
    """One nested comment bullet: the discussion of the item above it."""

    line: int
    paragraphs: list[list[str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join("\n".join(p) for p in self.paragraphs)


@dataclass
class ReviewEdge:
    """``- [(Query)] ID Title``: the section's milestone requires ``id``."""

    line: int
    id: str
    title: str
    query: bool = False
    comments: list[ReviewComment] = field(default_factory=list)
    body_lines: list[str] = field(default_factory=list)
    separator: str = " "  # ``": "`` when the reviewer wrote ``ID: Title``


@dataclass
class ReviewQuery:
    """``- (Query) free text``: a question about the milestone as a whole."""

    line: int
    paragraphs: list[list[str]] = field(default_factory=list)
    comments: list[ReviewComment] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join("\n".join(p) for p in self.paragraphs)


Entry = ReviewEdge | ReviewQuery | Unmapped


@dataclass
class ReviewSection:
    """One milestone section, its entries in the order the reviewer wrote them."""

    line: int
    id: str
    title: str
    entries: list[Entry] = field(default_factory=list)
    separator: str = ": "  # ``" "`` when the reviewer wrote ``ID Title``

    @property
    def edges(self) -> list[ReviewEdge]:
        return [e for e in self.entries if isinstance(e, ReviewEdge)]

    @property
    def queries(self) -> list[ReviewQuery]:
        return [e for e in self.entries if isinstance(e, ReviewQuery)]


@dataclass
class ReviewDocument:
    """A parsed review: sections and top-level unmapped lines, in input order.

    ``warnings`` holds ``(line, message)`` pairs sorted by line; every one whose
    line is also an :class:`Unmapped` block is rendered in place, the others
    (empty or binary input, duplicate sections) at the top of the output.
    """

    source: str = "<review>"
    blocks: list[ReviewSection | Unmapped] = field(default_factory=list)
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def sections(self) -> list[ReviewSection]:
        return [b for b in self.blocks if isinstance(b, ReviewSection)]

    @property
    def unmapped(self) -> list[Unmapped]:
        out = [b for b in self.blocks if isinstance(b, Unmapped)]
        for section in self.sections:
            out.extend(e for e in section.entries if isinstance(e, Unmapped))
        return sorted(out, key=lambda u: u.line)

    def section(self, milestone_id: str) -> ReviewSection | None:
        key = id_key(milestone_id)
        return next((s for s in self.sections if id_key(s.id) == key), None)


# -- parsing -----------------------------------------------------------------


def looks_like_id(token: str) -> bool:
    """Tell an ID from an ordinary word opening a ``(Query)`` bullet.

    Reviewers write free-standing questions as ``(Query) This is ...``, so the
    first word alone decides: IDs mix letters with digits (``F18S``,
    ``CAMM8040``, ``EIA-200``) or are capitals joined by hyphens
    (``DM-STAFF``); ``This``, ``Is``, ``TBD`` and ``the`` are words.
    """
    token = token.rstrip(":")
    try:
        check_id(token)
    except ValueError:
        return False
    if not any(c.isalpha() for c in token):
        return False
    if any(c.isdigit() for c in token):
        return True
    return _CAPS_ID_RE.fullmatch(token) is not None


def _separator(argument: str, ms_id: str) -> str:
    """How the reviewer separated ID and title, kept so the output reads the same."""
    rest = " ".join(argument.split())[len(ms_id) :]
    return ": " if rest.startswith(":") else " "


def _decode(data: bytes, warnings: list[tuple[int, str]]) -> str | None:
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        warnings.append((line, "binary input (NUL byte): not a review text, nothing imported"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        warnings.append(
            (line, f"undecodable input: not UTF-8 (byte {exc.start}), nothing imported")
        )
        return None


class _Parser:
    """A line-by-line state machine; kept in a class only to share its state."""

    def __init__(self, lines: list[str], doc: ReviewDocument) -> None:
        self.lines = lines
        self.doc = doc
        self.section: ReviewSection | None = None
        self.orphaned = False  # after a section header that could not be read
        self.entry: ReviewEdge | ReviewQuery | None = None
        self.comment: ReviewComment | None = None
        self.comment_indent: int | None = None
        self.text_column = 0  # continuation lines of the current comment start here
        self.blank_before = False
        self.seen_ids: dict[str, int] = {}

    # helpers

    def warn(self, line: int, message: str) -> None:
        self.doc.warnings.append((line, message))

    def unmapped(self, line: int, text: str, reason: str, *, keep_entry: bool = False) -> None:
        """Record a line as unmapped; ``keep_entry`` lets later lines still attach
        to the item above, so one stray line does not cascade into many."""
        self.warn(line, f"{reason}: {text.strip()!r}")
        block = Unmapped(line, text, reason)
        if self.section is not None:
            self.section.entries.append(block)
        else:
            self.doc.blocks.append(block)
        if not keep_entry:
            self.close_entry()

    def close_entry(self) -> None:
        self.entry = None
        self.comment = None
        self.comment_indent = None
        self.text_column = 0

    @staticmethod
    def is_underline(text: str) -> bool:
        return bool(text.strip()) and bool(
            _ADORNMENT_RE.match(text) or _MIXED_UNDERLINE_RE.match(text)
        )

    # the loop

    def run(self) -> None:
        skip_next = False
        for index, raw in enumerate(self.lines):
            number = index + 1
            if skip_next:
                skip_next = False
                continue
            text = raw.expandtabs(_TAB_SIZE).rstrip()
            if not text:
                self.blank_before = True
                continue
            if _CONTROL_RE.search(text):
                self.unmapped(number, text, "control character in line")
            else:
                following = self.lines[index + 1] if index + 1 < len(self.lines) else ""
                following = following.expandtabs(_TAB_SIZE).rstrip()
                if (
                    self.is_underline(following)
                    and not self.is_underline(text)
                    and not _BULLET_RE.match(text.lstrip())
                ):
                    self.header(number, text, following)
                    skip_next = True
                else:
                    self.body_line(number, text)
            self.blank_before = False

    def header(self, number: int, text: str, underline: str) -> None:
        self.close_entry()
        self.section = None
        try:
            ms_id, title = split_argument(text)
        except ValueError as exc:
            self.orphaned = True
            self.unmapped(number, text, f"unreadable section title ({exc})")
            self.unmapped(number + 1, underline, "underline of an unreadable section title")
            return
        if text[0].isspace():
            self.warn(number, "stray indentation: section title is indented")
        section = ReviewSection(number, ms_id, title, separator=_separator(text, ms_id))
        self.doc.blocks.append(section)
        self.section = section
        self.orphaned = False
        first = self.seen_ids.setdefault(id_key(ms_id), number)
        if first != number:
            self.warn(number, f"duplicate milestone section {ms_id} (first at line {first})")
        if set(underline.strip()) != {"="}:
            self.unmapped(
                number + 1, underline, "bad underline: section titles are underlined with '='"
            )
        elif underline[0].isspace():
            self.warn(number + 1, "stray indentation: section underline is indented")

    def body_line(self, number: int, text: str) -> None:
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        bullet = _BULLET_RE.match(stripped)
        if len(stripped) > 1 and self.is_underline(text) and not bullet:
            self.unmapped(number, text, "bad underline: no section title above it")
        elif bullet and indent == 0:
            self.item(number, text, bullet.group("body") or "")
        elif bullet:
            self.nested(number, text, indent, bullet.group("body") or "")
        elif indent == 0:
            self.unmapped(number, text, "unrecognised line")
        else:
            self.continuation(number, text, indent, stripped)

    def item(self, number: int, text: str, body: str) -> None:
        self.close_entry()
        if self.section is None:
            where = "after an unreadable section title" if self.orphaned else "before any section"
            self.unmapped(number, text, f"bullet {where}")
            return
        query = False
        match = _QUERY_RE.match(body)
        if match:
            query = True
            body = body[match.end() :]
        if not body.strip():
            self.unmapped(number, text, "empty bullet")
            return
        first = body.split()[0]
        entry: ReviewEdge | ReviewQuery
        if looks_like_id(first):
            ms_id, title = split_argument(body)  # cannot fail: the first word is an ID
            entry = ReviewEdge(
                number, ms_id, title, query, body_lines=[body], separator=_separator(body, ms_id)
            )
        elif query:
            entry = ReviewQuery(number, paragraphs=[[body]])
        else:
            self.unmapped(number, text, "bullet does not start with a milestone ID")
            return
        self.section.entries.append(entry)
        self.entry = entry

    def nested(self, number: int, text: str, indent: int, body: str) -> None:
        entry = self.entry
        if entry is None:
            self.unmapped(number, text, "stray indentation: nested bullet without an item above")
            return
        if self.comment_indent is None:
            if indent > 4:
                self.unmapped(
                    number,
                    text,
                    "stray indentation: nested bullet indented too far",
                    keep_entry=True,
                )
                return
            self.comment_indent = indent
        elif indent != self.comment_indent:
            self.unmapped(
                number,
                text,
                f"stray indentation: nested bullet at column {indent + 1}, "
                f"its siblings are at column {self.comment_indent + 1}",
                keep_entry=True,
            )
            return
        if not body.strip():
            self.unmapped(number, text, "empty bullet", keep_entry=True)
            return
        comment = ReviewComment(number, [[body]])
        entry.comments.append(comment)
        self.comment = comment
        self.text_column = indent + 2

    def continuation(self, number: int, text: str, indent: int, stripped: str) -> None:
        entry, comment = self.entry, self.comment
        if comment is not None:
            if indent >= self.text_column:
                if self.blank_before:
                    comment.paragraphs.append([stripped])
                else:
                    comment.paragraphs[-1].append(stripped)
                return
        elif entry is not None and indent >= 2:
            if isinstance(entry, ReviewQuery):
                if self.blank_before:
                    entry.paragraphs.append([stripped])
                else:
                    entry.paragraphs[-1].append(stripped)
                return
            if self.blank_before:
                # Unbulleted text under an edge is still its discussion.
                self.comment = ReviewComment(number, [[stripped]])
                entry.comments.append(self.comment)
                self.text_column = indent
                return
            entry.body_lines.append(stripped)
            entry.id, entry.title = split_argument(" ".join(entry.body_lines))
            return
        self.unmapped(
            number,
            text,
            "stray indentation: indented line belongs to no item",
            keep_entry=entry is not None,
        )


def parse_review(text: str | bytes, source: str = "<review>") -> ReviewDocument:
    """Read a review; never raises on bad input, every problem becomes a warning.

    ``bytes`` are decoded as UTF-8 here so that undecodable or binary files are
    reported as warnings like everything else rather than as exceptions.
    """
    doc = ReviewDocument(source=source)
    if isinstance(text, bytes):
        decoded = _decode(text, doc.warnings)
        if decoded is None:
            return doc
        text = decoded
    elif "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        doc.warnings.append((line, "binary input (NUL byte): not a review text, nothing imported"))
        return doc
    text = text.removeprefix("\ufeff")
    lines = _LINE_SPLIT_RE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    parser = _Parser(lines, doc)
    parser.run()
    if not doc.sections:
        message = "empty review: no text" if not text.strip() else "no milestone section found"
        doc.warnings.append((1, message))
    doc.warnings.sort(key=lambda w: w[0])
    return doc


# -- rendering ----------------------------------------------------------------

_INLINE_SPECIALS_RE = re.compile(r"([\\*`|])")
_REFERENCE_END_RE = re.compile(r"(?<=\S)(_+)(?!\w)")
_LINE_START_RE = re.compile(
    r"""^(
        [-+*\u2022\u2023\u2043]\s          # bullets
      | (?:\d+|[a-zA-Z]|[ivxlcdmIVXLCDM]+|\#)[.)](\s|$)  # enumerators
      | \((?:\d+|[a-zA-Z]|[ivxlcdmIVXLCDM]+|\#)\)(\s|$)
      | :[^:\s]([^:]*[^:\s])?:(\s|$)      # field markers
      | \.\.(\s|$)                        # explicit markup
      | >>>                               # doctest blocks
      | --?\w                             # option lists
      | /\w                               # DOS-style options
    )""",
    re.VERBOSE,
)


def escape_rst_text(text: str) -> str:
    """Escape text so RST shows it literally (headings, prose built from titles)."""
    text = _INLINE_SPECIALS_RE.sub(r"\\\1", text)
    text = _REFERENCE_END_RE.sub(lambda m: "\\" + "\\".join(m.group(1)), text)
    return _protect_paragraph_end(_protect_line_start(text))


def _protect_paragraph_end(text: str) -> str:
    """A paragraph ending in ``::`` would announce a literal block."""
    return text[:-1] + "\\:" if text.endswith("::") else text


def _protect_line_start(line: str) -> str:
    if _ADORNMENT_RE.match(line):
        # A line of punctuation would be a section underline or a transition.
        if line.lstrip().startswith("\\"):
            return "\\ " + line  # an escaped space renders as nothing
        return "".join("\\" + c if c in _PUNCTUATION else c for c in line)
    if _LINE_START_RE.match(line) or line.startswith("|"):
        return "\\" + line
    return line


def _safe_paragraph(lines: Sequence[str]) -> list[str]:
    """Keep the reviewer's markup (``*don't*``) but defuse what would misparse.

    Emphasis, strong and literals stay when docutils reads them cleanly; if it
    does not (``*a *``, a lone backquote), the paragraph's ``*`` and backquotes
    were meant literally and are escaped. Substitution bars, trailing-underscore
    references and line openings that RST reads as lists, fields or sections are
    always escaped: reviewers do not write those on purpose.
    """
    out = _escape_lines(lines, keep_markup=True)
    if any("*" in line or "`" in line for line in lines) and not _inline_markup_ok(out):
        out = _escape_lines(lines, keep_markup=False)
    return out


def _escape_lines(lines: Sequence[str], *, keep_markup: bool) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        line = line.replace("\\", "\\\\").replace("|", "\\|")
        line = _REFERENCE_END_RE.sub(lambda m: "\\" + "\\".join(m.group(1)), line)
        if not keep_markup:
            line = line.replace("*", "\\*").replace("`", "\\`")
        # Only the first line opens a block; but any line made of punctuation
        # would turn the paragraph into a section title.
        if i == 0 or _ADORNMENT_RE.match(line):
            line = _protect_line_start(line)
        out.append(line)
    if out:
        out[-1] = _protect_paragraph_end(out[-1])
    return out


def _inline_markup_ok(lines: Sequence[str]) -> bool:
    """Whether docutils reads the paragraph as one paragraph with no inline errors."""
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    settings = get_default_settings(Parser)
    settings.report_level = 5  # collect problems in the tree, print nothing
    settings.halt_level = 5
    settings.warning_stream = ""  # docutils' spelling of "nowhere"
    document = new_document("<review>", settings)
    Parser().parse("\n".join(lines), document)
    children = [c for c in document.children if not isinstance(c, nodes.system_message)]
    if len(children) != 1 or not isinstance(children[0], nodes.paragraph):
        return False
    return not any(True for _ in document.findall(nodes.problematic)) and not any(
        m["level"] >= 2 for m in document.findall(nodes.system_message)
    )


def _paragraphs_block(paragraphs: Sequence[Sequence[str]]) -> list[str]:
    out: list[str] = []
    for para in paragraphs:
        if out:
            out.append("")
        out.extend(_safe_paragraph(para))
    return out


def _comments_block(comments: Sequence[ReviewComment]) -> list[str]:
    """One comment is a paragraph, several a bullet list, as the reviewer wrote them."""
    if len(comments) == 1:
        return _paragraphs_block(comments[0].paragraphs)
    out: list[str] = []
    for comment in comments:
        body = _paragraphs_block(comment.paragraphs)
        out.append("- " + body[0])
        out.extend(("  " + line) if line else "" for line in body[1:])
    return out


def _query_block(query: ReviewQuery) -> list[str]:
    out = _paragraphs_block(query.paragraphs)
    if query.comments:
        out.append("")
        # Comments under a free question are always listed, to set them apart.
        for comment in query.comments:
            body = _paragraphs_block(comment.paragraphs)
            out.append("- " + body[0])
            out.extend(("  " + line) if line else "" for line in body[1:])
    return out


def _argument(ms_id: str, title: str, sep: str) -> str:
    """Directive arguments are plain text: the title goes in exactly as written."""
    return f"{ms_id}{sep}{title}" if title else ms_id


def _printable(text: str) -> str:
    """Spell out control characters: docutils would split lines on some of them."""
    return _CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _unmapped_comment(block: Unmapped) -> str:
    return f".. {COMMENT_MARKER}: unmapped line {block.line}: {_printable(block.text)}"


def _indent(lines: Iterable[str], prefix: str) -> list[str]:
    return [prefix + line if line else "" for line in lines]


def discussion_text(edge: ReviewEdge) -> str:
    """The prerequisite's content exactly as rendered (the build's discussion)."""
    return "\n".join(_comments_block(edge.comments)) if edge.comments else ""


def query_text(query: ReviewQuery) -> str:
    """The query's content exactly as rendered (the build's query text)."""
    return "\n".join(_query_block(query))


def _render_section(section: ReviewSection) -> list[str]:
    out = [f".. milestone:: {_argument(section.id, section.title, section.separator)}", ""]
    for entry in section.entries:
        if isinstance(entry, Unmapped):
            out += [_INDENT + _unmapped_comment(entry), ""]
        elif isinstance(entry, ReviewEdge):
            argument = _argument(entry.id, entry.title, entry.separator)
            out.append(f"{_INDENT}.. prerequisite:: {argument}")
            if entry.query:
                out.append(_INDENT * 2 + ":query: open")
            out.append("")
            if entry.comments:
                out += [*_indent(_comments_block(entry.comments), _INDENT * 2), ""]
        else:
            out += [f"{_INDENT}.. query::", ""]
            out += [*_indent(_query_block(entry), _INDENT * 2), ""]
    return out


def _heading(title: str, char: str = "=") -> list[str]:
    text = escape_rst_text(" ".join(title.split()))
    rule = char * max(len(text), 3)
    return [rule, text, rule] if char == "#" else [text, rule]


def _stray_warnings(doc: ReviewDocument) -> list[str]:
    shown = {u.line for u in doc.unmapped}
    return [
        f".. {COMMENT_MARKER}: line {line}: {_printable(message)}"
        for line, message in doc.warnings
        if line not in shown
    ]


def _render_blocks(
    doc: ReviewDocument,
    blocks: Sequence[ReviewSection | Unmapped],
    *,
    title: str | None,
    intro: str | None,
    header: bool,
    stray: bool,
) -> str:
    out: list[str] = []
    if header:
        out += [f".. {COMMENT_MARKER}: imported from {doc.source}", ""]
    if stray and (notes := _stray_warnings(doc)):
        out += [*notes, ""]
    if title:
        out += [*_heading(title), ""]
    if intro:
        out += [*intro.strip("\n").splitlines(), ""]
    for block in blocks:
        if isinstance(block, Unmapped):
            out += [_unmapped_comment(block), ""]
        else:
            out += _render_section(block)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def render_rst(
    doc: ReviewDocument,
    *,
    title: str | None = None,
    intro: str | None = None,
    milestones: Iterable[str] | None = None,
    header: bool = True,
) -> str:
    """Render a review as one RST document.

    ``title`` becomes an escaped heading; ``intro`` is RST written by the caller
    and goes in as is. ``milestones`` restricts the output to those sections, in
    that order (top-level unmapped lines follow the section they came after);
    without it, everything is rendered in input order.
    """
    if milestones is None:
        blocks = list(doc.blocks)
        stray = True
    else:
        groups = _groups(doc)
        blocks = []
        for ms_id in milestones:
            blocks += groups.pop(id_key(ms_id), [])
        stray = False
    return _render_blocks(doc, blocks, title=title, intro=intro, header=header, stray=stray)


def _groups(doc: ReviewDocument) -> dict[str, list[ReviewSection | Unmapped]]:
    """Blocks keyed by section ID; lines before any section go with the first one."""
    groups: dict[str, list[ReviewSection | Unmapped]] = {}
    leading: list[ReviewSection | Unmapped] = []
    current: list[ReviewSection | Unmapped] | None = None
    for block in doc.blocks:
        if isinstance(block, ReviewSection):
            current = groups.setdefault(id_key(block.id), [])
            if leading:
                current += leading
                leading = []
            current.append(block)
        elif current is None:
            leading.append(block)
        else:
            current.append(block)
    if leading:
        groups[""] = leading
    return groups


@dataclass(frozen=True)
class Chapter:
    """One output file: ``name`` (without ``.rst``), its heading, intro and milestones."""

    name: str
    title: str
    milestones: tuple[str, ...]
    intro: str = ""


def render_files(
    doc: ReviewDocument,
    chapters: Sequence[Chapter] | None = None,
    *,
    index_title: str = "Test milestones",
    index_intro: str = "",
    header: bool = True,
) -> dict[str, str]:
    """Render a review as an ``index.rst`` with a toctree plus one file per chapter.

    Without ``chapters`` everything goes to ``milestones.rst``. Sections no
    chapter claims land in ``other-milestones.rst``, and warnings that belong to
    no line are put at the top of the index, so splitting never loses anything.
    """
    if chapters is None:
        chapters = [Chapter("milestones", "Milestones", tuple(s.id for s in doc.sections))]
    groups = _groups(doc)
    files: dict[str, str] = {}
    names: list[str] = []
    for chapter in chapters:
        blocks: list[ReviewSection | Unmapped] = []
        for ms_id in chapter.milestones:
            blocks += groups.pop(id_key(ms_id), [])
        if not names and "" in groups:
            blocks = groups.pop("") + blocks
        files[f"{chapter.name}.rst"] = _render_blocks(
            doc, blocks, title=chapter.title, intro=chapter.intro, header=header, stray=False
        )
        names.append(chapter.name)
    leftover = [block for group in groups.values() for block in group]
    if leftover:
        leftover.sort(key=lambda b: b.line)
        files["other-milestones.rst"] = _render_blocks(
            doc, leftover, title="Other milestones", intro=None, header=header, stray=False
        )
        names.append("other-milestones")
    index = [f".. {COMMENT_MARKER}: imported from {doc.source}", ""] if header else []
    if notes := _stray_warnings(doc):
        index += [*notes, ""]
    index += [*_heading(index_title), ""]
    if index_intro:
        index += [*index_intro.strip("\n").splitlines(), ""]
    index += [".. toctree::", f"{_INDENT}:maxdepth: 2", ""]
    index += [_INDENT + name for name in names]
    files["index.rst"] = "\n".join(index) + "\n"
    return files


# -- the model ----------------------------------------------------------------


def model_from_review(doc: ReviewDocument) -> list[Milestone]:
    """The records a build of the rendered RST declares, located in the review.

    Discussions and query texts are the directive contents as rendered, so this
    model and one read back from a build of :func:`render_rst` agree.
    """
    milestones = []
    for section in doc.sections:
        prerequisites = tuple(
            Prerequisite(
                id=edge.id,
                title=edge.title,
                query="open" if edge.query else None,
                discussion=discussion_text(edge),
                location=Location(doc.source, edge.line),
            )
            for edge in section.edges
        )
        queries = tuple(
            Query(text=query_text(q), location=Location(doc.source, q.line))
            for q in section.queries
        )
        milestones.append(
            Milestone(
                id=section.id,
                title=section.title,
                location=Location(doc.source, section.line),
                prerequisites=prerequisites,
                queries=queries,
            )
        )
    return milestones
