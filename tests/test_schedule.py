"""Schedule insight without Sphinx: slack, critical paths, slip impact, catalog diffs, drift.

The small plans' answers are worked out by hand in the comments; the real-data
tests pin the facts the issue states about LSST's March 2018 and April 2019
exports (tests/data/ldm503-milestones-2018-03.csv and -2019-04.csv).
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seedplan import read_seed

from sphinxext_ldm503.core import schedule as S
from sphinxext_ldm503.core.catalog import load_catalog, parse_catalog, split_predecessors
from sphinxext_ldm503.core.model import Location, Milestone, Plan, Prerequisite

DATA = Path(__file__).parent / "data"
OLD = DATA / "ldm503-milestones-2018-03.csv"
NEW = DATA / "ldm503-milestones-2019-04.csv"


def ms(ms_id: str, *requires: str, dropped: tuple[str, ...] = (), **kw) -> Milestone:
    pres = tuple(Prerequisite(r) for r in requires)
    pres += tuple(Prerequisite(r, query="dropped") for r in dropped)
    return Milestone(ms_id, location=Location("plan", len(ms_id)), prerequisites=pres, **kw)


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.fixture
def small() -> Plan:
    """A completed on 01-05; B forecast 02-01; C (requires A, B) 03-01; D (requires C)
    03-11; E (requires C) 02-20, an inversion; F requires B through a dropped edge.

    Slack (2020 is a leap year): C-A 56, C-B 29, D-C 10, E-C -10.
    """
    return Plan([
        ms("A", due=d("2020-01-10"), completed=d("2020-01-05"), status="completed"),
        ms("B", due=d("2020-01-20"), forecast=d("2020-02-01")),
        ms("C", "A", "B", due=d("2020-03-01")),
        ms("D", "C", due=d("2020-03-11")),
        ms("E", "C", due=d("2020-02-20")),
        ms("F", dropped=("B",), due=d("2020-02-02")),
    ])


# -- slack and critical path ----------------------------------------------------------


def test_slack_by_hand(small: Plan) -> None:
    slack = {(e.source.id, e.target.id): S.edge_slack(e) for e in S.active_edges(small)}
    assert slack == {("C", "A"): 56, ("C", "B"): 29, ("D", "C"): 10, ("E", "C"): -10}
    assert S.min_slack(small, "C") == 29
    assert S.min_slack(small, "E") == -10
    assert S.min_slack(small, "B") is None  # no prerequisites
    assert S.min_slack(small, "F") is None  # the only edge is dropped


def test_slack_unknown_without_dates() -> None:
    plan = Plan([ms("X", "Y", due=d("2020-01-01"))])
    assert S.edge_slack(plan.requires("X")[0]) is None
    assert S.min_slack(plan, "X") is None


def test_critical_path_by_hand(small: Plan) -> None:
    # D waits on C; C's latest prerequisite is B (02-01, later than A's 01-05).
    path = S.critical_path(small, "D")
    assert path is not None
    assert path.ids == ("B", "C", "D")
    assert path.slacks == (29, 10)
    assert path.end == d("2020-03-11")
    assert path.text() == "B -> C -> D (ends 2020-03-11)"
    assert path.edges == {("c", "b"), ("d", "c")}
    assert S.critical_path(small, "B").ids == ("B",)
    assert S.critical_path(small, "nope") is None


def test_critical_path_ties_cycles_and_missing_dates() -> None:
    plan = Plan([
        ms("T", "Q", "P", due=d("2021-01-01")),
        ms("P", "T", due=d("2020-06-01")),  # a cycle back to T
        ms("Q", due=d("2020-06-01")),
        ms("U", "Q", "nodate"),  # U has no date: the path ends on Q's date
    ])
    # P and Q tie on date: the smaller ID wins; P's prerequisite T is already on the path.
    assert S.critical_path(plan, "T").ids == ("P", "T")
    path = S.critical_path(plan, "U")
    assert path.ids == ("Q", "U")
    assert path.end == d("2020-06-01")


# -- impact ------------------------------------------------------------------------


def test_parse_slip() -> None:
    assert S.parse_slip("DM-NCSA-8 +90d") == S.Slip("DM-NCSA-8", days=90)
    assert S.parse_slip("  DM-NCSA-8   90D ") == S.Slip("DM-NCSA-8", days=90)
    assert S.parse_slip("X 2020-02-03") == S.Slip("X", to=d("2020-02-03"))
    assert str(S.parse_slip("X +3d")) == "X +3d"
    for bad in ("X", "X -3d", "X +3w", "+3d", "X 2020-02-30", "X 3d extra"):
        with pytest.raises(ValueError):
            S.parse_slip(bad)


def test_impact_by_hand(small: Plan) -> None:
    # B +40d: C is pushed 40 - 29 = 11 days; D 11 - 10 = 1; E is already inverted,
    # so its negative slack absorbs nothing: 11. F's edge is dropped: F stays.
    result = S.impact(small, [S.Slip("B", days=40)])
    moves = {m.id: (m.days, m.new, m.via) for m in result.moves}
    assert moves == {
        "B": (40, d("2020-03-12"), None),
        "C": (11, d("2020-03-12"), "B"),
        "E": (11, d("2020-03-02"), "C"),
        "D": (1, d("2020-03-12"), "C"),
    }
    # Largest move first; equal moves by their new date.
    assert [m.id for m in result.moves] == ["B", "E", "C", "D"]
    assert result.moved("c").days == 11


def test_impact_slack_absorbs_completed_do_not_move(small: Plan) -> None:
    assert [m.id for m in S.impact(small, [S.Slip("B", days=29)]).moves] == ["B"]
    result = S.impact(small, [S.Slip("A", days=100)])
    assert result.moves == ()
    assert result.notes == ("A is completed and does not move.",)
    # A date instead of days: B to 03-12 is B +40d.
    assert S.impact(small, [S.Slip("B", to=d("2020-03-12"))]).moved("D").days == 1


def test_impact_several_slips_take_the_larger_push(small: Plan) -> None:
    # B +40 pushes C 11; C +5 directly is less, so C moves 11 (via B).
    result = S.impact(small, [S.Slip("C", days=5), S.Slip("B", days=40)])
    assert result.moved("C").days == 11
    result = S.impact(small, [S.Slip("C", days=20), S.Slip("B", days=40)])
    assert (result.moved("C").days, result.moved("C").via) == (20, None)
    assert result.moved("D").days == 10


def test_impact_errors(small: Plan) -> None:
    with pytest.raises(ValueError, match="unknown milestone"):
        S.impact(small, [S.Slip("ZZ", days=1)])
    with pytest.raises(ValueError, match="earlier"):
        S.impact(small, [S.Slip("B", to=d("2020-01-01"))])
    plan = Plan([ms("X", "Y", due=d("2020-01-01"))])
    with pytest.raises(ValueError, match="no date"):
        S.impact(plan, [S.Slip("Y", to=d("2020-01-01"))])
    # Without a date, a slip in days still propagates (unknown slack absorbs nothing).
    assert S.impact(plan, [S.Slip("Y", days=3)]).moved("X").days == 3


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """Random plans: edges only to earlier milestones (plus the odd cycle), random dates."""
    size = draw(st.integers(1, 8))
    ids = [f"M{i}" for i in range(size)]
    out = []
    for i, ms_id in enumerate(ids):
        targets = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
        targets = [t for t in targets if t != ms_id]
        when = draw(st.none() | st.integers(0, 400).map(lambda n: date(2020, 1, 1)
                                                         + timedelta(days=n)))
        done = draw(st.booleans()) and when is not None
        out.append(ms(ms_id, *targets, due=when, completed=when if done else None,
                      status="completed" if done else None))
        del i
    return Plan(out)


@settings(max_examples=150, deadline=None)
@given(plans(), st.data())
def test_impact_properties(plan: Plan, data: st.DataObject) -> None:
    ids = [m.id for m in plan]
    slips = [S.Slip(i, days=data.draw(st.integers(0, 60)))
             for i in data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3))]
    result = S.impact(plan, slips)
    largest = max(s.days for s in slips)
    for move in result.moves:
        assert 0 < move.days <= largest  # never earlier, never more than the slip
        assert not plan.get(move.id).is_completed
        if move.old is not None:
            assert move.new == move.old + timedelta(days=move.days)
    zero = S.impact(plan, [S.Slip(s.id, days=0) for s in slips])
    assert zero.moves == ()


def _summary_from_path(plan: Plan, milestone_id: str, line: str) -> tuple[tuple, date | None]:
    """What the critical-path line shows, from the whole path (the definition)."""
    path = S.critical_path(plan, milestone_id)
    if line == "off" or path is None or len(path.ids) < 2:
        return (), None
    ids: tuple = path.ids
    if len(ids) > S.PATH_HEAD + S.PATH_TAIL + 1:
        tail = path.ids[-S.PATH_TAIL - 1:] if line == "near" else path.ids[-S.PATH_TAIL:]
        head = (None,) if line == "near" else (
            *path.ids[:S.PATH_HEAD], len(path.ids) - S.PATH_HEAD - S.PATH_TAIL)
        ids = (*head, *tail)
    return ids, path.end


@settings(max_examples=200, deadline=None)
@given(plans(), st.sampled_from(["full", "near", "off"]), st.booleans())
def test_critical_path_line_is_the_paths_own(plan: Plan, line: str, lines_first: bool) -> None:
    """The line is worked out from the cached path's keys (it is asked of every
    milestone whenever the plan changes), and says what the path says, whichever is
    asked first."""
    ids = [m.id for m in plan]
    if lines_first:
        lines = [S.critical_path_summary(plan, i, line) for i in ids]
        expected = [_summary_from_path(plan, i, line) for i in ids]
    else:
        expected = [_summary_from_path(plan, i, line) for i in ids]
        lines = [S.critical_path_summary(plan, i, line) for i in ids]
    assert lines == expected
    assert S.critical_path_summary(plan, "not-a-milestone", line) == ((), None)


def test_critical_path_line_of_a_long_chain() -> None:
    chain = Plan([ms(f"M{i}", *([f"M{i - 1}"] if i else []),
                     due=date(2020, 1, 1) + timedelta(days=i)) for i in range(8)])
    assert S.critical_path_summary(chain, "M7", "near") == ((None, "M5", "M6", "M7"),
                                                           date(2020, 1, 8))
    assert S.critical_path_summary(chain, "M7", "full") == (("M0", 5, "M6", "M7"),
                                                           date(2020, 1, 8))
    assert S.critical_path_summary(chain, "M2", "full") == (("M0", "M1", "M2"), date(2020, 1, 3))


# -- catalog: the prerequisites column ---------------------------------------------


def test_split_predecessors_quirks() -> None:
    assert split_predecessors("IPAC 007; T&SC-2600-1545;;a;A ;") == (
        "IPAC 007", "T&SC-2600-1545", "a")
    assert split_predecessors("") == ()


def test_catalog_without_or_with_prerequisites_column() -> None:
    rows, problems = parse_catalog("id,title\nA,x\n")
    assert problems == [] and rows[0].schedule_predecessors is None
    text = "id,wbs,prerequisites\nA,1.2  3,\nB,,A;LDM-503-0\nLDM-503-01,,A\nC,,B;LDM-503-0\n"
    rows, problems = parse_catalog(text)
    assert problems == []
    by_id = {r.id: r for r in rows}
    assert by_id["A"].schedule_predecessors == () and by_id["A"].wbs == "1.2 3"
    # "LDM-503-0" is no known ID but the beginning of one: the export cut the list.
    assert by_id["B"].schedule_predecessors == ("A",)
    assert by_id["B"].schedule_predecessors_cut
    assert by_id["LDM-503-01"].schedule_predecessors == ("A",)
    assert not by_id["LDM-503-01"].schedule_predecessors_cut


def test_catalog_real_exports_quirks() -> None:
    old, problems = load_catalog(OLD)
    assert problems == [] and len(old) == 125
    by_id = {r.id: r for r in old}
    assert {r.id for r in old if r.schedule_predecessors_cut} == {
        "LDM-503-08", "LDM-503-09", "LDM-503-13"}
    assert by_id["LDM-503-08"].schedule_predecessors[-1] == "DM-NCSA-15"
    assert by_id["DM-SUIT-10"].schedule_predecessors == ("IPAC 007",)
    assert by_id["DM-NET-3"].schedule_predecessors == ("T&SC-2600-1545",)
    new, problems = load_catalog(NEW)
    assert problems == [] and len(new) == 133
    assert not any(r.schedule_predecessors_cut for r in new)
    # The real ID DM-DRP-1 begins DM-DRP-10 and is not taken for a stub.
    assert "DM-DRP-1" in {r.id for r in new}


# -- diff ----------------------------------------------------------------------------


def test_diff_by_hand() -> None:
    old, _ = parse_catalog(
        "id,title,due,forecast,completed,status,prerequisites\n"
        "S,Slip,2020-01-01,,,planned,P;Q\n"
        "E,Early,2020-01-10,,,planned,\n"
        "K,Kept,2020-01-10,,,planned,P\n"
        "R,Gone,2020-01-10,,,planned,\n"
        "C,Done,2020-02-01,,,planned,\n"
    )
    new, _ = parse_catalog(
        "id,title,due,forecast,completed,status,prerequisites\n"
        "S,Slip,2020-01-01,2020-03-01,,planned,Q;X\n"
        "E,Early one,2020-01-01,,,planned,\n"
        "K,kept,2020-01-10,,,planned,p\n"
        "N,New,2020-05-05,,,planned,\n"
        "C,Done,2020-02-01,2020-01-20,2020-01-20,completed,\n"
    )
    changes = {c.id: c for c in S.diff_catalogs(old, new)}
    assert set(changes) == {"S", "E", "R", "N", "C"}  # K differs only in case
    s = changes["S"]
    assert s.kinds == ("slipped", "predecessors")
    assert s.days == 60  # 2020-01-01 -> forecast 2020-03-01 (leap year)
    assert (s.added, s.removed) == (("X",), ("P",))
    assert s.describe() == [
        "slipped 60 days: 2020-01-01 -> 2020-03-01 (forecast 2020-03-01)",
        "schedule predecessors gained X; lost P",
    ]
    assert changes["E"].kinds == ("moved-earlier", "renamed") and changes["E"].days == -9
    assert changes["E"].describe() == [
        "moved earlier by 9 days: 2020-01-10 -> 2020-01-01 (due 2020-01-10 -> 2020-01-01)",
        'renamed: "Early" -> "Early one"',
    ]
    assert changes["C"].kinds == ("moved-earlier", "completed")
    assert changes["C"].new_completed == d("2020-01-20")
    assert changes["R"].kinds == ("removed",) and changes["N"].kinds == ("new",)
    assert S.worst_slip(changes.values()) == 60
    assert next(c.id for c in S.select_changes(changes.values(), sort="slip")) == "S"
    assert [c.id for c in S.select_changes(changes.values(), include=["s", "e*"])] == ["E", "S"]
    assert [c.id for c in S.select_changes(changes.values(), kinds=["completed"])] == ["C"]
    assert [c.id for c in S.select_changes(changes.values(), exclude=["*"])] == []
    assert changes["S"].to_json()["predecessors_added"] == ["X"]


def test_predecessor_churn_filtered_as_drift_filters_it() -> None:
    """The changes page leaves out the predecessors schedule-drift ignores, with the
    same patterns: a change that was only such churn goes; order and other kinds stay."""
    old, _ = parse_catalog(
        "id,title,due,prerequisites\n"
        "A,A,2020-01-01,DM-1;X\n"
        "B,B,2020-01-01,DM-2\n"
        "C,C,2020-01-01,A123\n"
    )
    new, _ = parse_catalog(
        "id,title,due,prerequisites\n"
        "A,A,2020-02-01,DM-3;Y\n"
        "B,B,2020-01-01,DM-4\n"
        "C,C,2020-03-01,A124\n"
    )
    patterns = [r"^DM-\d+$", r"^A\d+$"]
    raw = S.diff_catalogs(old, new)
    assert [c.kinds for c in raw] == [("slipped", "predecessors"), ("predecessors",),
                                      ("slipped", "predecessors")]
    kept = S.drop_ignored_predecessors(raw, patterns)
    assert [(c.id, c.kinds, c.added, c.removed) for c in kept] == [
        ("A", ("slipped", "predecessors"), ("Y",), ("X",)),
        ("C", ("slipped",), (), ()),
    ]
    assert S.drop_ignored_predecessors(raw, []) == raw
    # The very function schedule-drift uses decides.
    assert all(S.matches_any(i, patterns) for i in ("DM-3", "A124"))
    assert not S.matches_any("DM-DRP-4", patterns)


def test_ranked_slips_and_brief() -> None:
    old, _ = parse_catalog("id,title,due,prerequisites\nS,S,2020-01-01,P\nT,T,2020-01-01,\n"
                           "U,U,2020-01-01,\nE,E,2020-01-10,\n")
    new, _ = parse_catalog("id,title,due,prerequisites\nS,S,2020-01-11,Q;R\nT,T,2020-03-01,\n"
                           "U,U,2020-01-11,\nE,E,2020-01-01,\n")
    changes = S.diff_catalogs(old, new)
    assert [(c.id, c.days) for c in S.ranked_slips(changes)] == [
        ("T", 60), ("S", 10), ("U", 10)]  # ties in natural ID order
    by_id = {c.id: c for c in changes}
    assert by_id["S"].brief() == ["slipped 10 days: 2020-01-01 -> 2020-01-11",
                                  "predecessors: 2 gained, 1 lost"]
    assert by_id["E"].brief() == ["earlier by 9 days: 2020-01-10 -> 2020-01-01"]


def test_diff_without_prerequisites_column_compares_no_predecessors() -> None:
    old, _ = parse_catalog("id,due\nA,2020-01-01\n")
    new, _ = parse_catalog("id,due,prerequisites\nA,2020-01-01,B\n")
    assert S.diff_catalogs(old, new) == []
    assert S.worst_slip([]) == 0


def test_diff_real_exports() -> None:
    changes = {c.id: c for c in S.diff_catalogs(load_catalog(OLD)[0], load_catalog(NEW)[0])}
    six = changes["LDM-503-06"]
    assert "slipped" in six.kinds
    assert (six.old_due, six.new_due, six.new_forecast) == (
        d("2018-11-30"), d("2019-08-30"), d("2019-11-11"))
    assert six.days == (d("2019-11-11") - d("2018-11-30")).days
    seven = changes["LDM-503-07"]
    assert set(seven.removed) == {"CAMM6995", "DM-DRP-5"}
    assert seven.added == ("DM-DRP-4",)
    assert "completed" in seven.kinds
    new_ids = {c.id for c in changes.values() if c.kinds == ("new",)}
    assert new_ids == {"LDM-503-08b", "LDM-503-09a", "LDM-503-10b", "LDM-503-11b",
                       "LDM-503-12a", "LDM-503-13a", "LDM-503-15a", "LDM-503-17a"}
    assert not any("removed" in c.kinds for c in changes.values())
    assert changes["LDM-503-08"].old_cut  # the baseline cut 08's list short
    assert "cut the list short" in changes["LDM-503-08"].describe()[-1]


# -- drift ---------------------------------------------------------------------------


def test_drift_by_hand() -> None:
    catalog, _ = parse_catalog("id,prerequisites\nA,B;DMTC-1;c\nZ,B\nX,\nE,Q\n")
    plan = Plan(
        [ms("A", "B", "C", "D", dropped=("E",)), ms("X"),
         ms("E", "Q", external=True)],
        catalog=catalog,
    )
    (drift,) = S.schedule_drift(plan)  # Z is not declared; X agrees; E is external
    assert (drift.id, drift.plan_only, drift.schedule_only) == ("A", ("D",), ("DMTC-1",))
    assert drift.location == Location("plan", 1)
    assert drift.message() == (
        "A: the plan's prerequisites differ from the schedule's predecessors: only the plan "
        "requires D; only the schedule has DMTC-1 (plan: B, C, D; schedule: B, c, DMTC-1).")
    (drift,) = S.schedule_drift(plan, ["^dmtc-", "(bad"])
    assert drift.schedule_only == ()
    assert S.schedule_drift(plan, ["^DMTC-", "^D$"]) == []
    assert S.schedule_drift(Plan([ms("A", "B")])) == []  # no catalog, nothing to compare


def test_drift_real_ldm_503_10b() -> None:
    plan = Plan(read_seed(), catalog=load_catalog(NEW)[0])
    drifts = {x.id: x for x in S.schedule_drift(plan)}
    ten_b = drifts["LDM-503-10b"]
    assert ten_b.plan == ("CAMM8040", "EIA-200")
    assert ten_b.schedule == ("CAMM8040", "CAMM8300", "DMTC-5500-0200", "DMTC-6300-0700",
                              "LDM-503-10a")
    assert ten_b.plan_only == ("EIA-200",)
    filtered = {x.id: x for x in S.schedule_drift(plan, ["^DMTC-"])}
    assert filtered["LDM-503-10b"].schedule_only == ("CAMM8300", "LDM-503-10a")


def test_real_critical_path_and_impact() -> None:
    plan = Plan(read_seed(), catalog=load_catalog(NEW)[0])
    path = S.critical_path(plan, "LDM-503-17")
    assert path.ids[-1] == "LDM-503-17" and path.end == d("2022-09-30")
    assert path.text().endswith("LDM-503-17a -> LDM-503-17 (ends 2022-09-30)")
    assert S.critical_path(plan, "LDM-503-10").text() == (
        "DM-NCSA-10 -> LDM-503-06 -> LDM-503-10 (ends 2019-11-11)")
    # LDM-503-06 +90d: LDM-503-10 (forecast the same day, 2019-11-11) moves 90 days;
    # LDM-503-07 is completed and stays.
    result = S.impact(plan, [S.parse_slip("LDM-503-06 +90d")])
    assert result.moved("LDM-503-10").days == 90
    assert result.moved("LDM-503-07") is None


# -- the schedule-drift check --------------------------------------------------------


def test_schedule_drift_check_without_sphinx() -> None:
    from sphinxext_ldm503.core.checks import DEFAULT_SEVERITY, CheckConfig, run_checks
    from sphinxext_ldm503.core.export import plan_from_json, to_json_document
    from sphinxext_ldm503.core.model import Waiver

    assert DEFAULT_SEVERITY["schedule-drift"] == "info"
    catalog, _ = parse_catalog("id,prerequisites\nA,B;DMTC-1\nW,B\n")
    plan = Plan([ms("A", "B", "C"),
                 Milestone("W", location=Location("plan", 9),
                           waivers=(Waiver("schedule-drift", "kept apart on purpose"),))],
                catalog=catalog)
    findings = [f for f in run_checks(plan) if f.check == "schedule-drift"]
    assert [(f.milestone, f.related, f.severity, f.waived) for f in findings] == [
        ("A", ("C", "DMTC-1"), "info", False), ("W", ("B",), "info", True)]
    config = CheckConfig(drift_ignore_patterns=("^DMTC-",), severity={"schedule-drift": "error"})
    (a, _w) = [f for f in run_checks(plan, config) if f.check == "schedule-drift"]
    assert (a.related, a.severity) == (("C",), "error")
    # The JSON document keeps the schedule's predecessors: a rebuilt plan agrees.
    rebuilt = plan_from_json(to_json_document(plan, findings))
    again = [f for f in run_checks(rebuilt) if f.check == "schedule-drift"]
    assert [(f.milestone, f.related) for f in again] == [(f.milestone, f.related)
                                                         for f in findings]
    assert [f for f in run_checks(plan, CheckConfig(severity={"schedule-drift": "off"}))
            if f.check == "schedule-drift"] == []


@settings(max_examples=150, deadline=None)
@given(plans())
def test_cached_critical_paths_match_a_fresh_walk(plan: Plan) -> None:
    """The cache on the plan gives, in any order of questions, what a walk alone gives."""

    def fresh(ms_id: str) -> tuple[str, ...]:
        chain, seen = [plan.get(ms_id)], {plan.get(ms_id).key}
        while (edge := S.driving_prerequisite(plan, chain[-1].id)) is not None:
            if edge.target.key in seen:
                break
            seen.add(edge.target.key)
            chain.append(edge.target)
        return tuple(m.id for m in reversed(chain))

    for ms in reversed(list(plan)):
        path = S.critical_path(plan, ms.id)
        assert path.ids == fresh(ms.id)
        assert len(path.slacks) == len(path.ids) - 1
        for (a, b), slack in zip(pairwise(path.ids), path.slacks, strict=True):
            before, after = plan.get(a).finish, plan.get(b).finish
            assert slack == (None if before is None or after is None else (after - before).days)


def test_long_chain_critical_paths_are_linear() -> None:
    size = 3000
    plan = Plan([ms(f"M{i}", *([f"M{i - 1}"] if i else []),
                    due=date(2020, 1, 1) + timedelta(days=i)) for i in range(size)])
    for i in range(size):
        assert len(S.critical_path(plan, f"M{i}").ids) == i + 1
