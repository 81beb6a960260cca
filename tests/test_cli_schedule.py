"""``ldm503 diff`` and ``ldm503 impact``: output, JSON, exit codes, one-line errors.

Run in-process through ``cli.main`` like tests/test_cli.py. ``diff`` works on the
two real exports; ``impact`` builds the small test-cli-clean project, whose answer
is worked out by hand: LDM-503-02 (due 2019-09-30) requires LDM-503-01 (due
2019-06-30), 92 days of slack.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphinxext_ldm503.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OLD = DATA / "ldm503-milestones-2018-03.csv"
NEW = DATA / "ldm503-milestones-2019-04.csv"
CLEAN = ROOT / "tests" / "roots" / "test-cli-clean"


@pytest.fixture(autouse=True)
def _keep_colour_setting(monkeypatch):
    from sphinx._cli.util import colour

    current = getattr(colour, "_COLOURING_DISABLED", False)
    monkeypatch.setattr(colour, "_COLOURING_DISABLED", current, raising=False)


def run(capsys, *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    # Usage errors name the subcommand ("ldm503 diff: error: ..."), as argparse does.
    assert lines[0].startswith("ldm503") and "error: " in lines[0]
    return lines[0]


# -- diff ---------------------------------------------------------------------------


def test_diff_real_exports_text(capsys):
    code, out, err = run(capsys, "diff", OLD, NEW, "--include", "LDM-503-06,LDM-503-07")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "LDM-503-06: slipped 346 days: 2018-11-30 -> 2019-11-11 "
        "(due 2018-11-30 -> 2019-08-30, forecast 2019-11-11)",
        "LDM-503-06: schedule predecessors gained T&SC-7900-2430; lost DM-AP-7, DM-DRP-3, "
        "DM-DRP-4",
        "LDM-503-07: slipped 48 days: 2018-11-30 -> 2019-01-17 (due 2018-11-30 -> 2019-08-30)",
        "LDM-503-07: completed on 2019-01-17",
        "LDM-503-07: schedule predecessors gained DM-DRP-4; lost CAMM6995, DM-DRP-5",
        "ldm503: 2 slipped (worst 346 days), 0 moved earlier, 1 completed, 0 new, 0 removed, "
        "0 renamed, 2 with changed predecessors in 133 milestones",
    ]


def test_diff_json_and_sort(capsys):
    code, out, _ = run(capsys, "diff", OLD, NEW, "--format", "json", "--sort", "slip",
                       "--include", "LDM-503-*", "--exclude", "LDM-503-1*")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"old", "new", "counts", "worst_slip_days", "changes"}
    ids = [c["id"] for c in doc["changes"]]
    assert ids[0] == "LDM-503-09" and doc["worst_slip_days"] == 419
    six = next(c for c in doc["changes"] if c["id"] == "LDM-503-06")
    assert (six["old_due"], six["new_due"], six["new_forecast"]) == (
        "2018-11-30", "2019-08-30", "2019-11-11")
    assert "LDM-503-08b" in ids and doc["counts"]["new"] == 2  # 08b and 09a
    assert not any(i.startswith("LDM-503-1") for i in ids)


def test_diff_fail_on_slip(capsys):
    code, _, err = run(capsys, "diff", OLD, NEW, "--fail-on-slip", "30",
                       "--include", "LDM-503-0*")
    assert code == 1
    assert "slipped 419 days, more than --fail-on-slip 30" in err
    code, _, _ = run(capsys, "diff", OLD, NEW, "--fail-on-slip", "419", "--include", "LDM-503-0*")
    assert code == 0
    code, _, _ = run(capsys, "diff", OLD, OLD, "--fail-on-slip", "0")
    assert code == 0


#: ``ldm503_drift_ignore_patterns`` of the example plan's conf.py: JIRA tickets, activity codes.
EXAMPLE_IGNORED = (r"^DM-\d+$", r"^A\d+$")


def test_diff_ignores_predecessors_as_the_pages_do(capsys):
    """``--ignore-predecessors`` takes conf.py's drift patterns: the churn they match is
    left out of each change, and a change of ignored predecessors only is no
    predecessor change at all (the changes page filters with the same function)."""
    code, out, err = run(capsys, "diff", OLD, NEW, "--include", "LDM-503-06",
                         "--ignore-predecessors", "^T&SC-")
    assert (code, err) == (0, "")
    assert "LDM-503-06: schedule predecessors lost DM-AP-7, DM-DRP-3, DM-DRP-4" in out.splitlines()
    assert "T&SC" not in out

    ignored = [arg for pattern in EXAMPLE_IGNORED for arg in ("--ignore-predecessors", pattern)]
    _, every, _ = run(capsys, "diff", OLD, NEW, "--format", "json")
    _, kept, _ = run(capsys, "diff", OLD, NEW, "--format", "json", *ignored)
    before = {c["id"]: c for c in json.loads(every)["changes"]}
    after = {c["id"]: c for c in json.loads(kept)["changes"]}
    # DM-SQRE-1 changed only by tickets among its predecessors: it slipped and was
    # completed, and that is all that is left to say.
    assert "predecessors" in before["DM-SQRE-1"]["kinds"]
    assert after["DM-SQRE-1"]["kinds"] == ["slipped", "completed"]
    assert json.loads(kept)["counts"]["predecessors"] == \
        json.loads(every)["counts"]["predecessors"] - 1
    for change in after.values():
        for listed in (change["predecessors_added"] or []) + (change["predecessors_removed"]
                                                                or []):
            assert not any(re.search(p, listed, re.IGNORECASE) for p in EXAMPLE_IGNORED)
    # Nothing else changed: the same milestones, with the same dates.
    assert set(after) == set(before)
    assert all(after[i]["days"] == before[i]["days"] for i in after)


def test_diff_rejects_a_pattern_that_does_not_compile(capsys):
    code, out, err = run(capsys, "diff", OLD, NEW, "--ignore-predecessors", "(")
    assert (code, out) == (2, "")
    assert "--ignore-predecessors: invalid regular expression '('" in one_error_line(err)


def test_diff_identical_and_row_problems(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,due\nA,2020-01-01\nB,soon\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("id,due\nA,2020-01-11\nB,2020-01-01\n", encoding="utf-8")
    code, out, err = run(capsys, "diff", bad, good)
    assert code == 0
    assert "bad.csv:3: warning: B: due: invalid date 'soon'" in err
    assert out.splitlines()[0] == "A: slipped 10 days: 2020-01-01 -> 2020-01-11 " \
                                  "(due 2020-01-01 -> 2020-01-11)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["diff", "missing.csv", NEW], "does not exist"),
        (["diff", OLD, DATA], "cannot read catalog file"),
        (["diff", OLD, NEW, "--fail-on-slip", "-3"], "must be 0 or more"),
        (["diff", OLD, NEW, "--fail-on-slip", "x"], "expected a number of days"),
        (["diff", OLD], "required"),
    ],
)
def test_diff_errors_are_one_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert message in one_error_line(err)


def _rewrite(tmp_path: Path, name: str, edit=None, **fmt) -> Path:
    """NEW rewritten with the csv writer's ``fmt`` (a delimiter) and rows edited."""
    with NEW.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    if edit is not None:
        edit(table)
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, **fmt).writerows(table)
    return path


def test_diff_semicolon_export_still_gates(capsys, tmp_path):
    # Issue 25 #16: a ';'-separated export (Excel in a European locale) read as
    # no rows: "removed" for every milestone and exit 0, so the CI gate passed.
    semi = _rewrite(tmp_path, "new.csv", delimiter=";")
    expected = run(capsys, "diff", OLD, NEW, "--fail-on-slip", "30")
    code, out, err = run(capsys, "diff", OLD, semi, "--fail-on-slip", "30")
    assert code == 1 and "more than --fail-on-slip 30" in err
    assert out == expected[1] and " 0 removed" in out


def test_diff_a_cell_over_128_kib(capsys, tmp_path):
    def long_title(table):
        table[3][1] = "x" * (200 * 1024)

    big = _rewrite(tmp_path, "new.csv", long_title)
    code, out, err = run(capsys, "diff", OLD, big, "--fail-on-slip", "30")
    assert code == 1 and "warning" not in err
    assert " 0 removed" in out.splitlines()[-1]


def test_diff_sorts_ids_naturally(capsys):
    # Issue 27 #9: DM-AP-1, DM-AP-10, DM-AP-2 read as a mistake.
    code, out, _ = run(capsys, "diff", OLD, NEW, "--include", "DM-AP-*", "--format", "json")
    assert code == 0
    ids = list(dict.fromkeys(c["id"] for c in json.loads(out)["changes"]))
    assert ids[:3] == ["DM-AP-1", "DM-AP-2", "DM-AP-3"]
    assert ids == sorted(ids, key=lambda i: int(i.rsplit("-", 1)[1]))
    assert ids.index("DM-AP-9") < ids.index("DM-AP-10")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "header has no 'id' column (found: sphinxext-ldm503)"),  # README.rst
        ("", "the catalog is empty"),
        ("id,title\n", "no milestone rows"),
        ("id,title\n\n", "no milestone rows"),
        ('id,title\nLDM-503-01,"never closed\nLDM-503-02,x\n', "never closed"),
        ("code;title\nLDM-503-01;x\n", "header has no 'id' column"),
    ],
)
def test_diff_unusable_input_is_exit_2(capsys, tmp_path, content, message):
    # Issue 27 #9: "ldm503 diff milestones.csv README.rst" warned once, reported
    # "133 removed" and exited 0.
    if content is None:
        new = ROOT / "README.rst"
    else:
        new = tmp_path / "new.csv"
        new.write_text(content, encoding="utf-8")
    for args in ((OLD, new), (new, OLD)):
        code, out, err = run(capsys, "diff", *args, "--fail-on-slip", "30")
        assert (code, out) == (2, "")
        line = one_error_line(err)
        assert new.name in line and message in line


# -- impact -------------------------------------------------------------------------


def test_impact_text_by_hand(capsys):
    # LDM-503-01 +100d: 92 days of slack absorb most; LDM-503-02 moves 8 days.
    code, out, err = run(capsys, "impact", CLEAN, "LDM-503-01", "+100d")
    assert code == 0, err
    assert out.splitlines() == [
        "LDM-503-01  +100 days  2019-06-30 -> 2019-10-08  (slipped)",
        "LDM-503-02  +8 days  2019-09-30 -> 2019-10-08  (via LDM-503-01)",
        "ldm503: 2 milestones would move (LDM-503-01 +100d)",
    ]


def test_impact_json_and_quoted_slips(capsys):
    code, out, _ = run(capsys, "impact", CLEAN, "LDM-503-01 +92d", "DM-AP-1", "+5d",
                       "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["slips"] == ["LDM-503-01 +92d", "DM-AP-1 +5d"]
    moves = {m["id"]: m["days"] for m in doc["moves"]}
    # 92 days of slack absorb LDM-503-01's slip whole; DM-AP-1 has no date, so its
    # slip reaches LDM-503-01 in full (5 < 92: LDM-503-01 keeps its own +92).
    assert moves == {"LDM-503-01": 92, "DM-AP-1": 5}


def test_impact_by_date(capsys):
    code, out, _ = run(capsys, "impact", CLEAN, "LDM-503-02", "2019-10-10")
    assert code == 0
    assert out.splitlines()[0] == "LDM-503-02  +10 days  2019-09-30 -> 2019-10-10  (slipped)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["impact", CLEAN, "LDM-503-01"], "has no amount"),
        (["impact", CLEAN, "LDM-503-01", "soon"], "cannot read slip"),
        (["impact", CLEAN, "NOPE", "+3d"], "unknown milestone 'NOPE'"),
        (["impact", CLEAN, "LDM-503-02", "2019-01-01"], "only slips are followed"),
        (["impact", "no-such-dir", "X", "+3d"], "no such directory"),
        # Issue 25 #3: past 9999-12-31 was an "internal error".
        (["impact", CLEAN, "LDM-503-01", "+3000000d"], "past 9999-12-31"),
        (["impact", CLEAN, "LDM-503-01", "+9999999999d"], "past 9999-12-31"),
    ],
)
def test_impact_errors_are_one_line(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert message in one_error_line(err)


@pytest.mark.parametrize("command", ["diff", "impact"])
def test_help_has_examples(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert f"usage: ldm503 {command}" in out
    assert "examples:" in out and "exit status:" in out
    assert f"ldm503 {command} " in out.split("examples:")[1]
    code, out, _ = run(capsys, "--help")
    assert f"ldm503 {command} " in out


# -- the class: no input makes a CI gate pass by being unreadable -------------------

_FUZZ_CELLS = st.sampled_from(["id", "title", "due", "LDM-503-01", "LDM-503-02", "2020-01-01",
                               "2030-01-01", "x", "", '"', '"a,b"', "\ufeff"])
_FUZZ_SEPS = st.sampled_from([",", ";", "\t", "\n", "\r\n", " "])


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_FUZZ_CELLS, _FUZZ_SEPS), max_size=30))
def test_diff_either_compares_or_stops(capsys, tmp_path, tokens):
    """Whatever the new file holds, diff compares its rows or stops with exit 2: it
    never reports every old milestone removed with a passing status, never crashes."""
    new = tmp_path / "new.csv"
    new.write_text("".join(cell + sep for cell, sep in tokens), encoding="utf-8",
                   newline="")
    old = tmp_path / "old.csv"
    old.write_text("id,due\nLDM-503-01,2020-01-01\nLDM-503-02,2020-01-01\n",
                   encoding="utf-8")
    code, out, err = run(capsys, "diff", old, new, "--fail-on-slip", "30")
    assert "internal error" not in err and "Traceback" not in err
    if code == 2:
        assert out == "" and new.name in one_error_line(err.splitlines()[-1] + "\n")
    else:
        assert code in (0, 1)
        assert not out.splitlines()[-1].endswith(" in 0 milestones"), out
