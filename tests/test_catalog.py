"""Reading the schedule catalog: the real export, and every kind of bad row."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sphinxext_ldm503.core.catalog import (
    DELIMITERS,
    FIELD_SIZE_LIMIT,
    CatalogProblem,
    _Unreadable,
    csv_rows,
    load_catalog,
    parse_catalog,
    parse_catalog_status,
    sniff_delimiter,
)
from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite

REAL = Path(__file__).parent / "data" / "ldm503-milestones-2019-04.csv"


def write(tmp_path: Path, text: str, name: str = "milestones.csv", **kw) -> Path:
    path = tmp_path / name
    path.write_text(text, **({"encoding": "utf-8"} | kw))
    return path


def by_id(rows: list[Milestone]) -> dict[str, Milestone]:
    return {row.id: row for row in rows}


def test_the_real_april_2019_export():
    rows, problems = load_catalog(REAL)
    assert problems == []
    assert len(rows) == 133
    assert all(not row.declared and row.in_catalog for row in rows)
    ms = by_id(rows)
    assert ms["LDM-503-07"].completed == date(2019, 1, 17)
    assert ms["LDM-503-07"].status == "completed"
    assert ms["LDM-503-06"].status == "planned"
    assert ms["LDM-503-06"].completed is None
    assert ms["LDM-503-06"].forecast == date(2019, 11, 11)
    assert ms["DM-NCSA-6"].completed == date(2018, 10, 31)
    assert ms["LDM-503-04b"].completed == date(2018, 6, 29)
    assert ms["DM-AP-1"].due == date(2017, 8, 31)
    assert ms["DM-AP-1"].title == ms["DM-AP-1"].catalog_title == (
        "SFM1: Basic single frame measurement pipeline for Alert Production"
    )
    assert ms["DM-AP-1"].level is None  # the export has a wbs column, not a level
    assert ms["DM-AP-1"].location == Location(str(REAL), 2)


def test_the_catalog_fills_what_the_plan_leaves_unsaid():
    rows, _ = load_catalog(REAL)
    plan = Plan(
        [Milestone("LDM-503-07", "Camera Data Processing", Location("plan", 1),
                   prerequisites=(Prerequisite("LDM-503-06", "Test report"),),
                   due=date(2019, 9, 1))],
        catalog=rows,
    )
    ms = plan.get("LDM-503-07")
    assert ms.due == date(2019, 9, 1)  # the RST wins
    assert ms.completed == date(2019, 1, 17)
    assert ms.title == "Camera Data Processing"
    assert ms.catalog_title == "Test report: Camera data processing"
    assert plan.get("LDM-503-06").in_catalog


def test_bom_blank_lines_extra_and_reordered_columns_crlf(tmp_path):
    text = (
        "\ufeffStatus,ID,wbs,Completed,Title,Level\r\n"
        "\r\n"
        "Completed,LDM-503-01,X.1,2018-05-30,Science Platform,2\r\n"
        "   \r\n"
        "Not Started,DM-SUIT-3,,,\"Time series, for WISE\"\r\n"
        "In Progress,DM-X-1,,,,\r\n"
    )
    rows, problems = load_catalog(write(tmp_path, text, newline=""))
    assert problems == []
    assert [(r.id, r.status, r.completed, r.level, r.location.line) for r in rows] == [
        ("LDM-503-01", "completed", date(2018, 5, 30), 2, 3),
        ("DM-SUIT-3", "planned", None, None, 5),
        ("DM-X-1", "in-progress", None, None, 6),
    ]
    assert rows[1].title == "Time series, for WISE"


def test_only_the_id_column_is_required(tmp_path):
    rows, problems = load_catalog(write(tmp_path, "id\nA-1\nB-2\n"))
    assert problems == []
    assert [(r.id, r.title, r.due, r.status) for r in rows] == [
        ("A-1", "", None, None),
        ("B-2", "", None, None),
    ]


def test_bad_rows_are_named_by_line(tmp_path):
    text = (
        "id,title,due,forecast,completed,status,level\n"  # 1
        "A-1,Good,2019-01-01,2019-02-01,,planned,1\n"  # 2
        "B-2,Bad date,2019-13-01,,,planned,\n"  # 3
        "C-3,Bad status,,,,finished,\n"  # 4
        ",No id,,,,,\n"  # 5
        "A-1,Again,,,,,\n"  # 6
        "D-4,Bad level,,,,,high\n"  # 7
        ":bad,Bad id,,,,,\n"  # 8
        "E-5,\"Two\n"  # 9
        "lines\",2019-02-30,,,,\n"  # 10
        "F-6,Fine,2019-03-01 00:00:00,,,Completed,\n"  # 11
    )
    rows, problems = load_catalog(write(tmp_path, text))
    assert [p.row for p in problems] == [3, 4, 5, 6, 7, 8, 9]
    messages = {p.row: p.message for p in problems}
    assert "invalid date '2019-13-01'" in messages[3] and "B-2" in messages[3]
    assert "unknown status 'finished'" in messages[4]
    assert "missing milestone ID" in messages[5]
    assert "duplicate ID 'A-1' (first on line 2)" in messages[6]
    assert "invalid level 'high'" in messages[7]
    assert "malformed milestone ID" in messages[8]
    assert "invalid date '2019-02-30'" in messages[9]
    kept = by_id(rows)
    assert list(kept) == ["A-1", "B-2", "C-3", "D-4", "E-5", "F-6"]
    assert kept["A-1"].title == "Good"  # the first row of an ID wins, as in the plan
    assert kept["B-2"].due is None and kept["B-2"].status == "planned"
    assert kept["C-3"].status is None
    assert kept["D-4"].level is None
    assert kept["E-5"].title == "Two lines" and kept["E-5"].location.line == 9
    assert kept["F-6"].due == date(2019, 3, 1) and kept["F-6"].status == "completed"
    assert str(problems[0]).startswith("line 3: ")


@pytest.mark.parametrize(
    ("text", "status"),
    [("Completed", "completed"), ("Not Started", "planned"), ("in_progress", "in-progress"),
     ("IN PROGRESS", "in-progress"), ("at-risk", "at-risk"), ("descoped", "descoped"),
     ("", None)],
)
def test_lenient_statuses(text, status):
    assert parse_catalog_status(text) == status


def test_missing_file(tmp_path):
    rows, problems = load_catalog(tmp_path / "nope.csv")
    assert rows == []
    assert len(problems) == 1 and problems[0].row == 0
    assert "does not exist" in problems[0].message


def test_undecodable_file(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,title\nA-1,Caf\xe9\n".encode("latin-1"))
    rows, problems = load_catalog(path)
    assert rows == []
    assert len(problems) == 1 and "not UTF-8" in problems[0].message


def test_unreadable_path(tmp_path):
    rows, problems = load_catalog(tmp_path)
    assert rows == [] and len(problems) == 1 and problems[0].row == 0


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_empty_file(tmp_path, text):
    rows, problems = load_catalog(write(tmp_path, text))
    assert rows == [] and len(problems) == 1


def test_header_without_id(tmp_path):
    rows, problems = load_catalog(write(tmp_path, "\ncode,title\nA-1,x\n"))
    assert rows == []
    assert problems == [
        CatalogProblem(2, "the header has no 'id' column (found: code, title); "
                          "the catalog is ignored")
    ]


def test_csv_error_keeps_earlier_rows():
    # A cell over the reader's limit is a corrupt file, not a row: the rows before
    # it are kept and the problem is fatal (a diff must not call the rest removed).
    huge = "x" * (FIELD_SIZE_LIMIT + 1)
    rows, problems = parse_catalog("id,title\nA-1,x\nB-2," + huge + "\nC-3,y\n")
    assert [r.id for r in rows] == ["A-1"]
    assert len(problems) == 1 and problems[0].row == 3 and problems[0].fatal
    assert "unreadable CSV" in problems[0].message


def test_a_cell_over_the_csv_modules_limit_is_read():
    # Issue 25 #16: the csv module stops at 128 KiB (one setting for the whole
    # process); the catalog's own reader neither stops there nor changes it.
    before = csv.field_size_limit()
    rows, problems = parse_catalog("id,title\nA-1,x\nB-2," + "x" * 200_000 + "\nC-3,y\n")
    assert problems == [] and [r.id for r in rows] == ["A-1", "B-2", "C-3"]
    assert len(rows[1].title) == 200_000
    assert csv.field_size_limit() == before


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_separated_exports(tmp_path, sep):
    # Excel in a European locale writes ';' (the comma is the decimal mark there).
    with REAL.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    path = tmp_path / "milestones.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=sep).writerows(table)
    assert sniff_delimiter(path.read_text(encoding="utf-8")) == sep
    rows, problems = load_catalog(path)
    expected, _ = load_catalog(REAL)
    assert problems == []
    # Same rows (the ';'-separated predecessor lists are quoted by the writer).
    assert [(r.id, r.title, r.due, r.schedule_predecessors) for r in rows] == [
        (r.id, r.title, r.due, r.schedule_predecessors) for r in expected]


def test_an_unclosed_quote_is_fatal_not_the_rest_of_the_file():
    # csv would take the rest of the file as one cell: every later row vanishes.
    rows, problems = parse_catalog('id,title\nA-1,x\nB-2,"oops\nC-3,y\nD-4,z\n')
    assert [r.id for r in rows] == ["A-1"]
    assert [(p.row, p.fatal) for p in problems] == [(3, True)]
    assert "never closed" in problems[0].message


def test_no_id_column_is_fatal():
    _rows, problems = parse_catalog("code,title\nA-1,x\n")
    assert problems[0].fatal


_CSV_TEXT = st.text(alphabet=st.sampled_from(['a', 'b', ',', ';', '"', '\n', '\r', ' ', '\t']),
                    max_size=40)


@settings(max_examples=400, deadline=None)
@given(_CSV_TEXT, st.sampled_from(DELIMITERS))
def test_csv_rows_reads_as_the_csv_module(text, delimiter):
    """Our reader is the csv module's default dialect, line numbers included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    expected = []
    for cells in reader:
        expected.append((reader.line_num, cells))
    # csv gives [] for a blank line, ours [""]: both are "no content".
    expected = [(n, c or [""]) for n, c in expected]
    ours = []
    try:
        for _first, last, cells in csv_rows(text, delimiter):
            ours.append((last, cells))
    except _Unreadable as exc:
        # Only an unclosed quote, which csv reads as the rest of the text.
        assert "never closed" in str(exc)
        assert ours == expected[:len(ours)] and len(expected) == len(ours) + 1
        return
    assert expected == ours
