"""Round reports: the attribution arithmetic, and a classroom played round by round with its reports."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

from simulations.classroom import attribution, round_report
from simulations.classroom.attribution import (
    UNITS,
    basic_reports,
    bench_reports,
    complete_reports,
    random_decisions,
    report_lock,
    split,
    start_state,
    team_why,
    units,
)
from simulations.classroom.export import export_session
from simulations.classroom.pages import InstructorPage, TeamPage
from simulations.classroom.round_report import (
    all_reports,
    ensure_worker,
    own_reports,
    pending_rounds,
    report_stamp,
    save_attribution,
    save_reports,
    start_worker,
    stored_reports,
)
from simulations.classroom.rounds import advance_round, create_session, load_state, play
from simulations.classroom.session import round_events, session_case
from simulations.classroom.store import BENCHMARK, WARMUP, AccessError

SMALL = 600


# ----------------------------------------------------------------------------- arithmetic
def _adds_up(s) -> bool:
    return s.earlier + sum(s.parts.values()) + s.interaction == s.total


def test_parts_earlier_and_interaction_add_up_to_the_total_exactly() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        scale = 10 ** rng.uniform(-3, 9)
        team, bench, reset = (rng.uniform(-scale, scale) for _ in range(3))
        without = {f"lever{i}": rng.uniform(-scale, scale) for i in range(rng.randint(0, 10))}
        unit = rng.choice([0.01, 1.0, 0.001])
        s = split(team, bench, reset, without, unit)
        assert _adds_up(s)
        assert s.total == units(team, unit) - units(bench, unit)
        assert set(s.parts) == set(without)


def test_one_lever_is_the_whole_difference_and_no_lever_is_nothing() -> None:
    one = split(93.4, 100.0, 100.0, {"phone": 100.0}, 0.01)  # one lever: its reset is the benchmark's run
    assert one.parts == {"phone": -660} and one.interaction == 0 and one.earlier == 0 and one.total == -660
    none = split(100.0, 100.0, 100.0, {}, 0.01)
    assert (none.total, none.earlier, none.interaction, none.parts) == (0, 0, 0, {})
    carried = split(104.0, 100.0, 101.5, {"a": 102.0, "b": 103.0}, 0.01)  # earlier rounds carried 1.5 points
    assert carried.earlier == 150 and carried.parts == {"a": 200, "b": 100} and carried.interaction == -50
    assert _adds_up(carried)


def test_units_round_half_away_from_zero_symmetrically() -> None:
    assert units(0.015, 0.01) == 2 and units(-0.015, 0.01) == -2
    assert units(2.5, 1.0) == 3 and units(-2.5, 1.0) == -3 and units(0.0, 1.0) == 0


# ---------------------------------------------------------------------------- a classroom
@pytest.fixture
def played(tmp_path: Path):
    """Practice and rounds 1 and 2: team 1 moves levers, team 2 one lever, team 3 keeps the defaults."""
    store, token = create_session("telecom-churn", 3, tmp_path / "s", customers=SMALL)
    t1, t2, _t3 = store.teams(token)
    store.submit(t1.token, 0, "p", {"phone_capacity": 150})
    advance_round(store, token)
    store.submit(t1.token, 1, "a", {"phone_capacity": 150, "search_budget": 3000, "retention_k": 300})
    store.submit(t2.token, 1, "b", {"price_index": 1.1})
    advance_round(store, token)
    store.submit(t1.token, 2, "c", {"phone_capacity": 500, "key_account_desk": False})
    advance_round(store, token)
    return store, token


def test_a_played_round_gets_reports_whose_parts_add_up(played) -> None:
    store, token = played
    assert pending_rounds(store) == [0, 1, 2] and report_stamp(store) == (0, 0)
    assert complete_reports(store) == 9 and pending_rounds(store) == []
    assert report_stamp(store) == (9, 9)
    reports = {(r["team"], r["round"]): r for r in all_reports(store, token)}
    for (team, r), rep in reports.items():
        splits = rep["why"]["splits"]
        for measure, s in splits.items():
            assert s["earlier"] + sum(s["parts"].values()) + s["interaction"] == s["total"], (team, r, measure)
            assert s["unit"] == UNITS[measure]
        assert splits["score"]["total"] == units(rep["score"], UNITS["score"]) - units(100.0, UNITS["score"])
        if r <= 1:
            assert splits["score"]["earlier"] == 0 and splits["profit"]["earlier"] == 0  # same start as the benchmark
    keeper = reports[(3, 1)]
    assert keeper["why"]["splits"]["score"] == {"unit": UNITS["score"], "total": 0, "earlier": 0, "parts": {}, "interaction": 0}
    assert keeper["why"]["runs"] == 0 and keeper["score"] == pytest.approx(100.0)
    single = reports[(2, 1)]["why"]  # one lever: it is the whole difference, no run needed
    assert single["moved"] == ["price_index"] and single["runs"] == 0
    assert single["splits"]["score"]["parts"]["price_index"] == single["splits"]["score"]["total"] != 0
    three = reports[(1, 1)]["why"]
    assert sorted(three["moved"]) == ["phone_capacity", "retention_k", "search_budget"] and three["runs"] == 3
    assert reports[(1, 2)]["why"]["runs"] == 3  # two levers and the team's own start with the benchmark's decisions
    assert [r["rank"] for r in sorted((reports[(t, 2)] for t in (1, 2, 3)), key=lambda x: -x["score"])] == [1, 2, 3]


def test_counterfactual_runs_are_paired_with_the_round_played(played) -> None:
    """The team's own decisions replayed from its checkpoint give exactly the stored round: the pairing holds."""
    store, token = played
    case = session_case(store)
    stored = next(r for r in store.results([2]) if r["team"] == 1)
    model = load_state(store.checkpoint(1, 1))
    model.set_policies(case.policy_overrides(store.applied(1, 2)))
    for e in round_events(store, case, 2):
        model.inject_event(e["kind"], intensity=e["intensity"], duration=e["duration"], week=model.week + 1)
    again = play(model, case.rounds.weeks, 2, case)
    assert again["metrics"] == stored["metrics"] and again["hidden"] == stored["hidden"]
    bench = load_state(store.checkpoint(BENCHMARK, WARMUP))  # round 1's benchmark equals a reset-all run
    bench.set_policies(case.policy_overrides(case.default_decisions()))
    assert play(bench, case.rounds.weeks, 1, case)["metrics"] == next(
        r for r in store.results([1]) if r["team"] == BENCHMARK)["metrics"]


def test_team_page_shows_its_own_report_and_the_instructor_all(played) -> None:
    store, token = played
    member = next(m for m in store.members(token) if m.team == 1 and m.role == "service")
    page = TeamPage(store.folder, code=member.code)
    assert "Round report: round 2" in page.report.value and "being prepared" in page.report.value
    case = session_case(store)
    save_reports(store, 2, [(t, b, rep) for t, b, rep in basic_reports(store, case, 2)])  # the worker's first step
    page.tick()
    assert "rank" in page.report.value and "Working out why" in page.report.value
    complete_reports(store)
    page.tick()  # what the poller does: the why arrives without a click
    shown = page.report.value
    assert "Working out why" not in shown and "crm-why-chart" in shown and "rank" in shown
    assert "points of the score" in shown and "the benchmark firm scores 100" in shown
    assert "Earlier rounds" in shown and "title='gross margin minus costs'" in shown
    assert "Round report: round 1" in shown and "Round report: practice" in shown  # earlier ones, folded
    assert [r["team"] for r in own_reports(store, member.token)] == [1, 1, 1]
    with pytest.raises(AccessError):
        all_reports(store, member.token)
    page.set_language("zh")
    assert "轮次报告" in page.report.value and "基准企业得分为 100" in page.report.value
    boss = InstructorPage(store.folder, key=token)
    assert "Class summary for the debrief: round 2" in boss.reports.summary.value
    assert "teams that moved it" in boss.reports.summary.value and "3 of 3 teams" in boss.reports.summary.value
    assert boss.reports.team.value == 1 and "Round report: round 2" in boss.reports.report.value
    boss.reports.team.value = 2
    assert "Round report: round 2" in boss.reports.report.value and "Team 2" not in boss.reports.report.value
    boss.reports.round.value = 1
    assert "debrief: round 1" in boss.reports.summary.value and "Round report: round 1" in boss.reports.report.value
    boss.reports.refresh()  # a redraw keeps the round the instructor looks at
    assert boss.reports.round.value == 1


def test_a_why_whose_levers_all_moved_the_score_too_little_still_says_so(tmp_path: Path) -> None:
    """Decisions that differ from the benchmark's by a hair: the why explains, it is never an empty list."""
    store, token = create_session("telecom-churn", 2, tmp_path / "s", customers=SMALL)
    case = session_case(store)
    t1, _t2 = store.teams(token)
    store.submit(t1.token, 0, "p", {"phone_capacity": case.default_decisions()["phone_capacity"] + 1})
    advance_round(store, token)
    complete_reports(store)
    shown = round_report.team_reports_html(store, case, t1.token, "en")
    why = shown.split("<ul class='crm-why'>", 1)[1].split("</ul>", 1)[0]
    assert "none of them moved your score by 0.1 points or more" in why


def test_reports_go_into_the_export_and_a_reset_practice_forgets_its_own(played, tmp_path: Path) -> None:
    store, token = played
    files = {str(f) for f in export_session(store, token, tmp_path / "out")}  # the export completes missing reports
    assert {"round_reports/round_2_scores.csv", "round_reports/round_2_why.csv", "round_reports/team_01_round_2.html",
            "round_reports/team_01_round_2.zh.html", "round_reports/round_2.csv"} <= files
    why = pd.read_csv(tmp_path / "out" / "round_reports" / "round_1_why.csv")
    scores = pd.read_csv(tmp_path / "out" / "round_reports" / "round_1_scores.csv").set_index("team")
    for team, g in why.groupby("team"):
        row = scores.loc[team]
        assert g["score_points"].sum() + row["earlier_rounds"] + row["interaction"] == pytest.approx(
            row["points_vs_benchmark"], abs=1e-9)
    assert "Round report: round 2" in (tmp_path / "out" / "round_reports" / "team_01_round_2.html").read_text()
    rep = stored_reports(store, 1)[0]
    assert not save_attribution(store, rep["team"], 1, "another basis", {"runs": 0})
    save_reports(store, 1, [(rep["team"], "another basis", {"stale": True})])  # made from results no longer stored
    assert stored_reports(store, 1)[0] == rep


def test_practice_reset_drops_its_reports(tmp_path: Path) -> None:
    store, token = create_session("telecom-churn", 2, tmp_path / "s", customers=SMALL)
    advance_round(store, token)
    complete_reports(store)
    assert {r["round"] for r in stored_reports(store)} == {0}
    InstructorPage(store.folder, key=token).reset_practice()
    assert stored_reports(store) == [] and pending_rounds(store) == []


def test_background_worker_completes_reports_and_runs_once(played) -> None:
    store, _token = played
    with report_lock(store.folder, wait=False) as mine:
        assert mine
        assert not start_worker(store.folder)  # a worker is running (the lock is held): none is started
    assert start_worker(store.folder)  # what the instructor page does after an advance
    assert not start_worker(store.folder)  # not a second one while the first runs
    round_report._WORKERS[store.folder].wait(timeout=300)
    assert pending_rounds(store) == [] and report_stamp(store) == (9, 9)
    assert not ensure_worker(store)  # nothing left to do
    assert attribution.main([str(store.folder)]) == 0  # a late worker finds nothing to do


def test_a_start_the_store_no_longer_keeps_is_rebuilt_by_replay(played) -> None:
    """The class moved on before a report was written: the round's start is replayed from the warm-up, same why."""
    store, _token = played
    case = session_case(store)
    kept = team_why(store, case, 1, 2)
    store._db.execute("DELETE FROM checkpoints WHERE team = 1 AND round = 1")
    assert store.checkpoint(1, 1) is None
    state, replayed = start_state(store, case, 1, 2)
    assert state is not None and replayed == 1
    rebuilt = team_why(store, case, 1, 2)
    assert rebuilt["splits"] == kept["splits"] and rebuilt["runs"] == kept["runs"] + 1


def test_bench_reports_time_random_decisions(tmp_path: Path) -> None:
    store, token = create_session("telecom-churn", 3, tmp_path / "s", customers=SMALL)
    case = session_case(store)
    rng = random.Random(3)
    for team in store.teams(token):
        decisions = random_decisions(case, rng)
        assert case.validate_decisions(decisions) == decisions
        store.submit(team.token, 0, "x", decisions)
    advance_round(store, token)
    figures = bench_reports(store, token, rng)
    assert figures["round"] == 0 and figures["total"] >= figures["max"] >= figures["mean"] > 0
    assert 0 <= figures["runs"] <= figures["max_runs"] <= len(case.decisions)
