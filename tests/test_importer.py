"""The review importer: the seed imports completely, bad input becomes warnings.

The example plan in ``example-docs/`` was generated from the seed with the
importer and then arranged into chapters; it is compared here with a small
regex reader of the directives (a later integration test compares a real
Sphinx build).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docutils.core
import pytest
from docutils import nodes
from docutils.parsers.rst import Directive, directives
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinxext_ldm503.core.importer import (
    Chapter,
    ReviewEdge,
    Unmapped,
    escape_rst_text,
    looks_like_id,
    model_from_review,
    parse_review,
    render_files,
    render_rst,
)
from sphinxext_ldm503.core.model import Location, Milestone
from sphinxext_ldm503.core.parsing import split_argument

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEED_PATH = DATA / "seed-review.txt"
GOLDEN_PATH = DATA / "seed-import.rst"
EXAMPLE = ROOT / "example-docs"
SEED = SEED_PATH.read_text(encoding="utf-8")
SOURCE = "seed-review.txt"


@pytest.fixture(scope="module")
def seed_doc():
    return parse_review(SEED, source=SOURCE)


@pytest.fixture(scope="module")
def seed_model(seed_doc):
    return {ms.id: ms for ms in model_from_review(seed_doc)}


# -- a tiny reader of the rendered directives ----------------------------------

_MILESTONE_RE = re.compile(r"^\.\. milestone:: (?P<arg>.+)$")
_PREREQ_RE = re.compile(r"^   \.\. prerequisite:: (?P<arg>.+)$")
_QUERY_RE = re.compile(r"^   \.\. query::\s*$")
_OPTION_RE = re.compile(r"^      :(?P<name>[a-z]+):\s*(?P<value>.*)$")


def _content(lines: list[str], start: int) -> tuple[str, int]:
    """The block indented by six spaces from ``start`` on, dedented, and where it ends."""
    out: list[str] = []
    i = start
    while i < len(lines) and (not lines[i].strip() or lines[i].startswith("      ")):
        out.append(lines[i][6:])
        i += 1
    return "\n".join(out).strip("\n"), i


def read_directives(text: str) -> list[dict]:
    """Milestones with their prerequisites and queries, in document order."""
    milestones: list[dict] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if m := _MILESTONE_RE.match(line):
            ms_id, title = split_argument(m.group("arg"))
            milestones.append({"id": ms_id, "title": title, "prereqs": [], "queries": []})
            i += 1
        elif m := _PREREQ_RE.match(line):
            pre_id, title = split_argument(m.group("arg"))
            i += 1
            query = None
            while i < len(lines) and (o := _OPTION_RE.match(lines[i])):
                if o.group("name") == "query":
                    query = o.group("value") or "open"
                i += 1
            discussion, i = _content(lines, i)
            milestones[-1]["prereqs"].append((pre_id, title, query, discussion))
        elif _QUERY_RE.match(line):
            text_, i = _content(lines, i + 1)
            milestones[-1]["queries"].append(text_)
        else:
            i += 1
    return milestones


def model_as_dicts(model: list[Milestone]) -> list[dict]:
    return [
        {
            "id": ms.id,
            "title": ms.title,
            "prereqs": [(p.id, p.title, p.query, p.discussion) for p in ms.prerequisites],
            "queries": [q.text for q in ms.queries],
        }
        for ms in model
    ]


# -- the seed ---------------------------------------------------------------------


def test_seed_imports_without_warnings(seed_doc):
    assert seed_doc.warnings == []
    assert seed_doc.unmapped == []


def test_seed_structure(seed_doc, seed_model):
    sections = seed_doc.sections
    assert len(sections) == 26
    assert sections[0].id == "LDM-503-01"
    assert sections[-1].id == "LDM-503-17"
    edges = [e for s in sections for e in s.edges]
    assert len(edges) == 149
    assert sum(e.query for e in edges) == 29
    assert [(s.id, len(s.queries)) for s in sections if s.queries] == [
        ("LDM-503-06", 1),
        ("LDM-503-10b", 1),
        ("LDM-503-10", 1),
    ]
    assert [p.id for p in seed_model["LDM-503-05"].prerequisites if p.query] == [
        "F18S",
        "DM-NCSA-8",
        "DM-NCSA-9",
    ]
    assert sum(len(e.comments) for e in edges) == 21
    assert sum(bool(e.comments) for e in edges) == 17


def test_seed_counts_match_the_raw_text():
    """The counts above, taken from the text itself rather than from the parser."""
    assert len(re.findall(r"^=+$", SEED, re.M)) == 26
    assert len(re.findall(r"^- \(Query\)", SEED, re.M)) == 29 + 3
    assert len(re.findall(r"^- ", SEED, re.M)) == 149 + 3
    assert len(re.findall(r"^  - ", SEED, re.M)) == 21


def _title(model: dict[str, Milestone], ms_id: str, pre_id: str) -> str:
    return next(p.title for p in model[ms_id].prerequisites if p.id == pre_id)


def test_titles_are_kept_as_written(seed_model):
    assert seed_model["LDM-503-08"].title == "Spectrograph Data Acquisiion"
    assert seed_model["LDM-503-06"].title == (
        "DM ComCam interface verification readiness (LDM-503-06)"
    )
    assert _title(seed_model, "LDM-503-01", "DM-SUIT-2").startswith(
        "Search WISE coaded data single exposure images"
    )
    assert _title(seed_model, "LDM-503-04", "DM-NCSA-4").endswith("and record of in")
    assert _title(seed_model, "LDM-503-04b", "DM-NCSA-5").endswith("assemble FITS image,")
    assert _title(seed_model, "LDM-503-08", "DM-NCSA-14").endswith("into custodial file sto")
    assert _title(seed_model, "LDM-503-10b", "CAMM8040") == "COMP: DAQ V4"
    assert (
        _title(seed_model, "LDM-503-09a", "DM-AP-9") == "JOINTCAL1: Jointcal at a functional level"
    )
    assert _title(seed_model, "LDM-503-13", "DM-STAFF") == "Staffing Checkpoint"
    assert _title(seed_model, "LDM-503-05", "F18S") == "F18 Start"


def test_separator_is_kept_as_written(seed_doc):
    rendered = render_rst(seed_doc)
    assert ".. milestone:: LDM-503-08 Spectrograph Data Acquisiion\n" in rendered
    assert ".. milestone:: LDM-503-07: Camera Data Processing\n" in rendered


def test_comment_discussions(seed_model):
    def pre(ms_id: str, pre_id: str):
        return next(p for p in seed_model[ms_id].prerequisites if p.id == pre_id)

    assert pre("LDM-503-07", "LDM-503-06").discussion == (
        "LDM-503-07 has already been completed with LDM-503-06 having been done, so\n"
        "this makes no sense."
    )
    assert pre("LDM-503-08", "DM-SUIT-9").discussion == (
        "- All SUIT miletones at risk.\n"
        "- Not obvious that visualization is necessary to complete LDM-503-08."
    )
    assert "I *don't* think" in pre("LDM-503-09", "DM-DAX-9").discussion
    assert "LDM-503-12a is a *DM* milestone" in pre("LDM-503-12a", "CAMM8090").discussion
    assert pre("LDM-503-12a", "COMC-0030").discussion == "Ditto."
    assert pre("LDM-503-13", "DM-STAFF").query == "open"
    # An unquestioned edge has neither a query nor a discussion.
    assert pre("LDM-503-09", "LDM-503-08b").query is None
    assert pre("LDM-503-09", "LDM-503-08b").discussion == ""


def test_free_standing_queries(seed_model):
    assert [q.text for q in seed_model["LDM-503-10b"].queries] == [
        "Is it correct that this milestone has NO internal-to-DM\n"
        "prerequisites? It just happens when CAMM8040 and EIA-200 are done?"
    ]
    assert seed_model["LDM-503-06"].queries[0].text.startswith("This is apparently blocked")
    assert seed_model["LDM-503-10"].queries[0].text.startswith("the list below implies")


def test_locations_point_into_the_review(seed_model):
    assert seed_model["LDM-503-01"].location == Location(SOURCE, 1)
    assert seed_model["LDM-503-05"].prerequisites[1].location == Location(SOURCE, 50)
    assert seed_model["LDM-503-06"].queries[0].location == Location(SOURCE, 77)
    assert seed_model["LDM-503-17"].prerequisites[-1].location == Location(SOURCE, 308)


def test_seed_order_is_kept(seed_doc):
    rendered = render_rst(seed_doc)
    assert rendered.index("DM-SUIT-3 Time series") < rendered.index("DM-SUIT-4 Multiple")
    section = seed_doc.section("LDM-503-06")
    assert section is not None
    # The free question comes first in the review, and in the output.
    assert not isinstance(section.entries[0], ReviewEdge)


def test_golden_rst(seed_doc):
    assert render_rst(seed_doc) == GOLDEN_PATH.read_text(encoding="utf-8")


def test_golden_model(seed_model):
    """The golden RST, read back, declares exactly the model of the review."""
    golden = read_directives(GOLDEN_PATH.read_text(encoding="utf-8"))
    assert golden == model_as_dicts(list(seed_model.values()))


def test_every_seed_line_survives(seed_doc):
    rendered = render_rst(seed_doc)
    for line in SEED.splitlines():
        text = line.strip()
        if not text or set(text) == {"="}:
            continue
        text = re.sub(r"^- (\(Query\) )?", "", text)
        assert text in rendered, line


# -- the example plan ---------------------------------------------------------


def _example_files() -> list[Path]:
    return sorted(EXAMPLE.glob("*.rst"))


def test_example_docs_carry_the_whole_seed(seed_model):
    declared = [ms for path in _example_files() for ms in read_directives(path.read_text())]
    expected = model_as_dicts(list(seed_model.values()))
    assert len(declared) == 26

    def flat(milestones: list[dict]) -> tuple[set, set, dict]:
        edges = {
            (ms["id"], pre_id, title, query)
            for ms in milestones
            for pre_id, title, query, _ in ms["prereqs"]
        }
        queries = {(ms["id"], " ".join(q.split())) for ms in milestones for q in ms["queries"]}
        by_id = {ms["id"]: ms for ms in milestones}
        return edges, queries, by_id

    got_edges, got_queries, got = flat(declared)
    want_edges, want_queries, want = flat(expected)
    assert got_edges == want_edges
    assert got_queries == want_queries
    assert len(got_queries) == 3
    assert sum(1 for e in got_edges if e[3] == "open") == 29
    # Titles, order of prerequisites and discussions too, milestone by milestone.
    assert got == want


def test_example_docs_structure():
    index = (EXAMPLE / "index.rst").read_text()
    assert index.startswith("LDM-503: Test milestones and their dependencies\n===")
    toctree = re.search(r"\.\. toctree::\n(?:   :.*\n)*\n((?:   \S.*\n)+)", index)
    assert toctree is not None
    toctree_entries = {line.strip() for line in toctree.group(1).splitlines()}
    # Other pages (diagrams, report, schedule) sit next to the chapters; only the
    # chapters, the pages that declare milestones, are the importer's business.
    chapters = [p for p in _example_files() if ".. milestone:: " in p.read_text()]
    assert [p.stem for p in chapters] == sorted(
        ["early-integration", "camera-and-daq", "pipelines-releases", "ops-rehearsals"]
    )
    for path in chapters:
        assert path.stem in toctree_entries
        text = path.read_text()
        assert "ldm503-import: unmapped" not in text
        title, underline, blank, intro = text.splitlines()[:4]
        assert set(underline) == {"="} and len(underline) >= len(title)
        assert not blank and intro.strip(), f"{path.name} needs an introduction"
    assert not (EXAMPLE / "conf.py").exists()


# -- malformed review text ---------------------------------------------------


def _lines(doc) -> list[int]:
    return [line for line, _ in doc.warnings]


def test_bad_underline_is_reported_and_kept():
    text = "LDM-1: First\n-----------\n\n- DM-1 One\n"
    doc = parse_review(text)
    assert _lines(doc) == [2]
    assert "underline" in doc.warnings[0][1]
    assert [s.id for s in doc.sections] == ["LDM-1"]  # the section is still read
    assert ".. ldm503-import: unmapped line 2: -----------" in render_rst(doc)


def test_underline_without_title():
    text = "LDM-1: First\n=====\n\n=====\n- DM-1 One\n"
    doc = parse_review(text)
    assert _lines(doc) == [4]
    assert "no section title" in doc.warnings[0][1]
    assert [e.id for e in doc.sections[0].edges] == ["DM-1"]


def test_unreadable_title_orphans_its_bullets():
    text = "LDM-1: First\n=====\n- DM-1 One\n: bad\n=====\n- DM-2 Two\n"
    doc = parse_review(text)
    assert _lines(doc) == [4, 5, 6]
    # DM-2 must not be attached to LDM-1: its section could not be read.
    assert [e.id for e in doc.sections[0].edges] == ["DM-1"]
    rendered = render_rst(doc)
    assert ".. ldm503-import: unmapped line 6: - DM-2 Two" in rendered


def test_underline_length_does_not_matter():
    doc = parse_review("LDM-1: First\n==\n- DM-1 One\nLDM-2: Second\n" + "=" * 40 + "\n")
    assert doc.warnings == []
    assert [s.id for s in doc.sections] == ["LDM-1", "LDM-2"]


def test_stray_indentation():
    text = (
        "LDM-1: First\n"  # 1
        "============\n"  # 2
        "\n"  # 3
        "  - nested bullet without an item\n"  # 4
        "- DM-1 One\n"  # 5
        "  - a comment\n"  # 6
        "     - deeper than its sibling\n"  # 7
        "  - another comment\n"  # 8
        " one space in\n"  # 9
        "- DM-2 Two\n"  # 10
    )
    doc = parse_review(text)
    assert _lines(doc) == [4, 7, 9]
    assert all("stray indentation" in message for _, message in doc.warnings)
    edges = doc.sections[0].edges
    assert [e.id for e in edges] == ["DM-1", "DM-2"]
    assert [c.text for c in edges[0].comments] == ["a comment", "another comment"]
    rendered = render_rst(doc)
    for line in (4, 7, 9):
        assert f".. ldm503-import: unmapped line {line}: " in rendered


def test_unknown_lines_and_bullets_outside_sections():
    text = "- DM-0 Too early\nLDM-1: First\n=====\nSome prose\n- not an ID here\n"
    doc = parse_review(text)
    assert _lines(doc) == [1, 4, 5]
    assert "before any section" in doc.warnings[0][1]
    assert "unrecognised line" in doc.warnings[1][1]
    assert "does not start with a milestone ID" in doc.warnings[2][1]
    assert len(doc.unmapped) == 3


@pytest.mark.parametrize("text", ["", "\n\n   \n"])
def test_empty_input(text):
    doc = parse_review(text)
    assert doc.sections == []
    assert doc.warnings == [(1, "empty review: no text")]
    assert ".. ldm503-import: line 1: empty review: no text" in render_rst(doc)


def test_text_without_sections():
    doc = parse_review("just some words\n")
    assert doc.warnings == [
        (1, "unrecognised line: 'just some words'"),
        (1, "no milestone section found"),
    ]


def test_binary_file(tmp_path):
    path = tmp_path / "review.bin"
    path.write_bytes(b"LDM-1: First\n=====\n\x00\x01\x02\xff")
    doc = parse_review(path.read_bytes(), source=str(path))
    assert doc.sections == []
    assert _lines(doc) == [3]
    assert "binary" in doc.warnings[0][1]
    assert "binary" in render_rst(doc)


def test_undecodable_file():
    doc = parse_review(b"LDM-1: First\n=====\n- DM-1 caf\xe9\n")
    assert _lines(doc) == [3]
    assert "not UTF-8" in doc.warnings[0][1]


def test_nul_in_text():
    doc = parse_review("LDM-1: First\n=====\n- DM-1 a\x00b\n")
    assert _lines(doc) == [3]


def test_control_characters_are_kept_visibly():
    doc = parse_review("LDM-1: First\n=====\n- DM-1 a\x1bb\n")
    assert _lines(doc) == [3]
    assert ".. ldm503-import: unmapped line 3: - DM-1 a\\u001bb" in render_rst(doc)


def test_bytes_with_bom_and_crlf():
    doc = parse_review(b"\xef\xbb\xbfLDM-1: First\r\n=====\r\n- DM-1 One\r\n")
    assert doc.warnings == []
    assert [(s.id, [e.title for e in s.edges]) for s in doc.sections] == [("LDM-1", ["One"])]


# -- mapping details ---------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("F18S", True),
        ("DM-STAFF", True),
        ("CAMM8040", True),
        ("EIA-200", True),
        ("LDM-503-04b", True),
        ("T&SC-1150-0600", True),
        ("A4369.9", True),
        ("DM-X:", True),
        ("This", False),
        ("Is", False),
        ("the", False),
        ("TBD", False),
        ("2", False),
        (":", False),
    ],
)
def test_looks_like_id(token, expected):
    assert looks_like_id(token) is expected


def test_wrapped_items_and_comments():
    text = (
        "LDM-1 First\n"
        "===========\n"
        "- (Query) DM-1 A title wrapped\n"
        "  over two lines\n"
        "\n"
        "  Unbulleted discussion.\n"
        "- (Query) Is a free question\n"
        "  wrapped?\n"
        "\n"
        "  Second paragraph.\n"
        "\n"
        "  - a comment on it\n"
        "    wrapped too\n"
    )
    doc = parse_review(text)
    assert doc.warnings == []
    (ms,) = model_from_review(doc)
    (pre,) = ms.prerequisites
    assert (pre.id, pre.title, pre.query) == ("DM-1", "A title wrapped over two lines", "open")
    assert pre.discussion == "Unbulleted discussion."
    assert ms.queries[0].text == (
        "Is a free question\nwrapped?\n\nSecond paragraph.\n\n- a comment on it\n  wrapped too"
    )


def test_query_mark_is_case_insensitive():
    doc = parse_review("LDM-1: A\n=====\n- (query) DM-1 x\n- (QUERY)   Why?\n")
    (ms,) = model_from_review(doc)
    assert [p.query for p in ms.prerequisites] == ["open"]
    assert [q.text for q in ms.queries] == ["Why?"]


def test_empty_query_bullet_is_unmapped():
    doc = parse_review("LDM-1: A\n=====\n- (Query)\n")
    assert _lines(doc) == [3]


def test_duplicate_sections_are_kept_and_reported():
    doc = parse_review("LDM-1: A\n=====\n- DM-1 x\nLDM-1: B\n=====\n- DM-2 y\n")
    assert [s.title for s in doc.sections] == ["A", "B"]
    assert _lines(doc) == [4]
    assert "duplicate" in doc.warnings[0][1]
    assert ".. ldm503-import: line 4: duplicate" in render_rst(doc)


def test_tricky_titles_round_trip():
    titles = [
        "*starts with a star",
        "has |bars| and `backquotes` and refs_",
        ":field: like",
        "ends with ::",
        ".. looks like a comment",
        "COMP: DAQ V4",
    ]
    text = (
        "LDM-1: "
        + titles[0]
        + "\n=====\n"
        + "".join(f"- DM-{i} {t}\n" for i, t in enumerate(titles))
    )
    doc = parse_review(text)
    assert doc.warnings == []
    rendered = render_rst(doc)
    back = read_directives(rendered)
    assert back[0]["title"] == titles[0]
    assert [p[1] for p in back[0]["prereqs"]] == titles


def test_render_subset_and_files(seed_doc):
    subset = render_rst(seed_doc, milestones=["LDM-503-07", "ldm-503-01"], header=False)
    assert [m["id"] for m in read_directives(subset)] == ["LDM-503-07", "LDM-503-01"]
    files = render_files(seed_doc, [Chapter("a", "A", ("LDM-503-01",), "Intro.")])
    assert set(files) == {"index.rst", "a.rst", "other-milestones.rst"}
    assert "   a\n   other-milestones\n" in files["index.rst"]
    declared = [
        m["id"] for name in ("a.rst", "other-milestones.rst") for m in read_directives(files[name])
    ]
    assert sorted(declared) == sorted(s.id for s in seed_doc.sections)
    default = render_files(seed_doc)
    assert set(default) == {"index.rst", "milestones.rst"}


def test_leading_unmapped_lines_stay_with_the_first_section():
    doc = parse_review("stray\nLDM-1: A\n=====\nLDM-2: B\n=====\n")
    chapters = [Chapter("two", "Two", ("LDM-2",)), Chapter("one", "One", ("LDM-1",))]
    files = render_files(doc, chapters)
    one = files["one.rst"]
    assert one.index("unmapped line 1: stray") < one.index(".. milestone:: LDM-1: A")
    # With no section at all, they go to the first chapter.
    files = render_files(parse_review("stray\n"), chapters)
    assert "unmapped line 1: stray" in files["two.rst"]


# -- the output is valid RST ---------------------------------------------------


class _Container(Directive):
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"query": directives.unchanged}

    def run(self):
        node = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


@pytest.fixture
def rst_warnings(monkeypatch):
    """Parse RST with stand-in directives and return docutils' warnings."""
    for name in ("milestone", "prerequisite", "query"):
        monkeypatch.setitem(directives._directives, name, _Container)

    def parse(text: str) -> tuple[str, nodes.document]:
        stream = io.StringIO()
        doctree = docutils.core.publish_doctree(
            text,
            settings_overrides={"warning_stream": stream, "report_level": 2, "halt_level": 5},
        )
        return stream.getvalue(), doctree

    return parse


def test_rendered_seed_is_valid_rst(seed_doc, rst_warnings):
    messages, _ = rst_warnings(render_rst(seed_doc))
    assert messages == ""


def test_rendered_example_is_valid_rst(rst_warnings):
    for path in _example_files():
        if ".. milestone:: " not in path.read_text():
            continue
        text = re.sub(r":ms:`([^`]*)`", r"``\1``", path.read_text())
        text = re.sub(r"^\.\. toctree::\n(   .*\n|\n)*", "", text, flags=re.M)
        # The chapters' diagrams are the extension's business (tests/test_example.py).
        text = re.sub(r"^\.\. milestone-graph::\n(   .*\n)*", "", text, flags=re.M)
        messages, _ = rst_warnings(text)
        assert messages == "", path.name


def test_comment_markup_is_kept_or_defused(rst_warnings):
    text = (
        "LDM-1: A\n=====\n- (Query) DM-1 x\n"
        "  - I *don't* think so\n"
        "  - an odd *star and a |sub| and a ref_\n"
        "  - 1. looks like a list\n"
        "  - ====\n"
    )
    doc = parse_review(text)
    assert doc.warnings == []
    messages, doctree = rst_warnings(render_rst(doc))
    assert messages == ""
    assert doctree.next_node(nodes.emphasis).astext() == "don't"
    rendered_text = doctree.astext()
    for expected in ("an odd *star and a |sub| and a ref_", "1. looks like a list", "===="):
        assert expected in rendered_text


_ALPHABET = st.sampled_from(
    [
        *"aZ09 -=:*|`_.()[]<>\\#\t\u00e9",
        "(Query) ",
        "- ",
        "  - ",
        "LDM-1",
        ".. ",
        "1. ",
        "\n",
        "\n\n",
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_ALPHABET, max_size=60).map("".join))
def test_any_text_gives_warnings_never_exceptions(rst_warnings, text):
    doc = parse_review(text)
    lines = text.count("\n") + 1
    assert all(1 <= line <= lines for line, _ in doc.warnings)
    rendered = render_rst(doc)
    messages, _ = rst_warnings(rendered)
    assert messages == "", rendered
    for unmapped in doc.unmapped:
        assert isinstance(unmapped, Unmapped)
        assert f"unmapped line {unmapped.line}:" in rendered


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_warnings_never_exceptions(data):
    doc = parse_review(data)
    render_rst(doc)
    model_from_review(doc)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1
    ).map(lambda s: " ".join(s.split()))
)
def test_escape_rst_text_shows_text_literally(rst_warnings, text):
    if not text:
        return
    messages, doctree = rst_warnings(escape_rst_text(text) + "\n")
    assert messages == ""
    assert doctree.astext() == text


_WORDS = st.lists(
    st.sampled_from([*"aZ09 -=:*|`_.()[]<>\\#/+~'\"", "\u00e9", ".. ", "1. "]), max_size=20
).map("".join)
_REVIEW_LINE = st.one_of(
    st.just("LDM-1: Title\n====="),
    st.just(""),
    _WORDS.map(lambda t: "- DM-1 " + t),
    _WORDS.map(lambda t: "- (Query) DM-2 " + t),
    _WORDS.map(lambda t: "- (Query) " + t),
    _WORDS.map(lambda t: "  - " + t),
    _WORDS.map(lambda t: "    " + t),
    _WORDS.map(lambda t: "  " + t),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_REVIEW_LINE, max_size=15).map("\n".join))
def test_structured_reviews_render_valid_rst(rst_warnings, text):
    doc = parse_review(text)
    rendered = render_rst(doc)
    messages, _ = rst_warnings(rendered)
    assert messages == "", rendered
    assert read_directives(rendered) == model_as_dicts(model_from_review(doc))
