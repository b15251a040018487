"""Live classroom logic without a browser: cases, store rules, rounds on paired worlds, score, memo, export."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import ipywidgets as w
import pandas as pd
import pytest
import yaml

from simulations.classroom.case import CaseError, case_names, has_chinese, load_case, memo_template, schema_markdown
from simulations.classroom.export import export_session, export_zip, zip_manifest
from simulations.classroom.memo import check_memo, memo_report
from simulations.classroom.pages import InstructorPage, TeamPage
from simulations.classroom.rounds import OBSERVABLE_KPIS, advance_round, create_session, load_state
from simulations.classroom.scoring import leaderboard
from simulations.classroom.store import DB_NAME, AccessError, RoundClosedError, StaleFormError, Store
from simulations.errors import UserError
from simulations.model import HIDDEN_KPIS
from tests.conftest import REPO

SMALL = 600


@pytest.fixture
def session(tmp_path: Path) -> tuple[Store, str]:
    return create_session("telecom-churn", 3, tmp_path / "s", customers=SMALL)


# ------------------------------------------------------------------------------------ cases
def test_four_builtin_cases_validate_with_their_scenarios() -> None:
    names = case_names()
    assert {"telecom-churn", "restaurant-tablets", "appliance-community", "bank-students"} <= set(names)
    for name in names:
        case = load_case(name)
        assert len(case.roles) >= 2 and all(r.private_brief for r in case.roles)
        assert case.budget_used(case.default_decisions()) <= case.budget_per_week
        assert case.optional_events and case.debrief
        assert (REPO / "cases" / name / "memo_template.md").is_file()
        assert (REPO / "cases" / name / "memo_template.zh.md").is_file()


def test_every_case_text_is_english_in_en_and_chinese_in_zh() -> None:
    for name in case_names():
        case = load_case(name)
        texts = dict(case.texts())
        expected = {"title", "summary", "narrative", "debrief[0]"} | {
            f"roles[{r.id}].{f}" for r in case.roles for f in ("title", "public", "private_brief")} | {
            f"decisions[{d.id}].label" for d in case.decisions} | {
            f"{group}[{e.id}].headline" for group in ("scheduled_events", "optional_events")
            for e in getattr(case, group)}
        assert expected <= set(texts), (name, expected - set(texts))
        for path, text in texts.items():
            assert text.get("en") == text.en and text.get("zh") == text.zh
            assert has_chinese(text.get("zh")), (name, path)
            assert not has_chinese(text.get("en")) and re.search(r"[A-Za-z]{2}", text.get("en")), (name, path)
        for d in case.decisions:
            if d.kind == "choice":
                assert [v for _, v in d.choices("zh")] == list(d.options)
                assert all(has_chinese(label) for label, _ in d.choices("zh"))
        assert has_chinese(memo_template(case, "zh")) and not has_chinese(memo_template(case, "en"))


def test_case_numbers_are_the_same_in_both_languages() -> None:
    """Chinese texts quote the figures of the English ones (budgets, shares, prices): none lost or invented."""
    words = {"a third": "1/3", "one in ten": "1/10", "one subscriber in twelve": "1/12", "half": "1/2",
             "a quarter": "1/4", "a fifth": "1/5", "eight times": "8", "two and a half times": "2.5",
             "three minutes": "3", "six minutes": "6", "two weeks": "2", "four weeks": "4", "three years": "3",
             "one or two": "1 2", "one- or two-year": "1 2", "three messages": "3", "two restaurants": "2",
             "two of your largest": "2", "twice": "2", "triple": "3", "per cent": "%", "a few hundred": "",
             "one member in ten": "1/10", "per CNY": "1"}
    chinese = {"三分之一": "1/3", "十名成员中只有一人": "1/10", "十二名用户中就有一人": "1/12", "一半": "1/2",
               "四分之一": "1/4", "五分之一": "1/5", "八倍": "8", "两倍半": "2.5", "三分钟": "3", "六分钟": "6",
               "两周": "2", "四周": "4", "三年": "3", "一年或两年": "1 2", "百分之一到百分之二": "1 2 %",
               "三条": "3", "两家": "2", "最大的两个": "2", "两次坏掉": "2", "三倍": "3", "半价": "1/2",
               "每消费 1 元": "1"}

    def numbers(text: str, table: dict[str, str]) -> list[str]:
        text = " ".join(text.split())
        for word, figure in sorted(table.items(), key=lambda kv: -len(kv[0])):
            text = re.sub(re.escape(word), f" {figure} ", text, flags=re.IGNORECASE)
        return sorted(re.findall(r"\d+(?:\.\d+)?", text))

    for name in case_names():
        for path, text in load_case(name).texts():
            assert numbers(text.en, words) == numbers(text.zh, chinese), (name, path, text.en, text.zh)


def test_cases_readme_is_generated_from_the_schema() -> None:
    text = (REPO / "cases" / "README.md").read_text(encoding="utf-8")
    assert text == schema_markdown() + "\n", "run `crm-sandbox classroom docs`"
    assert "private_brief" in text and "cost_per_unit" in text


def _write_case(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((REPO / "cases" / "telecom-churn" / "case.yaml").read_text(encoding="utf-8"))
    edit(data)
    folder = tmp_path / "telecom-churn"
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for file in (REPO / "cases" / "telecom-churn").glob("*.md"):  # memo and script templates, teaching notes
        shutil.copy(file, folder / file.name)
    return folder


def test_a_text_missing_a_language_is_refused_with_the_field_named(tmp_path: Path) -> None:
    folder = _write_case(tmp_path, lambda d: d["roles"][1]["private_brief"].pop("zh"))
    with pytest.raises(CaseError, match=r"case\.yaml: invalid case\n.*field roles\[service\]\.private_brief: "
                                        r"missing the Chinese text \(zh\)"):
        load_case(folder)
    edits = {
        "en": (lambda d: d["debrief"][2].update(en="  "), r"field debrief\[2\]: missing the English text \(en\)"),
        "plain": (lambda d: d.update(title="Holding the line"), r"field title: needs every language"),
        "copied": (lambda d: d["decisions"][3]["label"].update(zh="Call-centre capacity"),
                   r"field decisions\[phone_capacity\]\.label: the Chinese text \(zh\) contains no Chinese"),
        "event": (lambda d: d["optional_events"][0]["headline"].pop("zh"),
                  r"field optional_events\[network_outage\]\.headline: missing the Chinese text"),
        "option": (lambda d: d["decisions"][0]["option_labels"].pop("uplift"), r"without a label: uplift"),
    }
    for key, (edit, message) in edits.items():
        with pytest.raises(CaseError, match=message):
            load_case(_write_case(tmp_path / key, edit))


def test_a_missing_chinese_memo_template_is_refused(tmp_path: Path) -> None:
    folder = _write_case(tmp_path, lambda d: None)
    assert load_case(folder).name == "telecom-churn"
    (folder / "memo_template.zh.md").unlink()
    with pytest.raises(CaseError, match=r"memo_template\.zh\.md: missing memo template \(Chinese\)"):
        load_case(folder)


def test_a_case_edited_while_the_server_runs_is_read_again(tmp_path: Path) -> None:
    """Loading is cached for the advance's sake, but an instructor's edit is never missed."""
    folder = _write_case(tmp_path, lambda d: None)
    first = load_case(folder)
    assert load_case(folder) is first  # unchanged files: the validated case is reused
    source = folder / "case.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["budget_per_week"] = data["budget_per_week"] * 2
    source.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_case(folder).budget_per_week == first.budget_per_week * 2


def test_bad_policy_path_is_named(tmp_path: Path) -> None:
    folder = _write_case(tmp_path, lambda d: d["decisions"][1].update(policy="marketing.retention.kk"))
    with pytest.raises(CaseError, match=r"retention_k.*marketing\.retention\.kk"):
        load_case(folder)


def test_default_over_budget_and_unknown_owner_are_rejected(tmp_path: Path) -> None:
    folder = _write_case(tmp_path, lambda d: d.update(budget_per_week=100))
    with pytest.raises(CaseError, match="budget"):
        load_case(folder)
    other = tmp_path / "b"
    other.mkdir()
    folder = _write_case(other, lambda d: d["decisions"][0].update(owner="ceo"))
    with pytest.raises(CaseError, match="owner 'ceo'"):
        load_case(folder)


def test_decisions_are_validated_with_clear_messages() -> None:
    case = load_case("telecom-churn")
    with pytest.raises(CaseError, match="between 0 and 800"):
        case.validate_decisions({"phone_capacity": 900})
    with pytest.raises(CaseError, match="over the budget"):
        case.validate_decisions({"phone_capacity": 800, "search_budget": 6000})
    with pytest.raises(CaseError, match="unknown decision"):
        case.validate_decisions({"bribe": 1})
    with pytest.raises(CaseError, match="one of"):
        case.validate_decisions({"retention_targeting": "everyone"})


# ------------------------------------------------------------------------------------ store
def test_submission_is_idempotent_and_changeable_until_the_round_closes(session) -> None:
    store, token = session
    t1 = store.teams(token)[0]
    assert store.submit(t1.token, 0, "abc", {"phone_capacity": 400}) == 1
    assert store.submit(t1.token, 0, "abc", {"phone_capacity": 400}) == 1  # double click / retry
    assert store.submit(t1.token, 0, "def", {"phone_capacity": 500}) == 2  # a change
    rows = sqlite3.connect(store.path).execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
    assert rows == 1
    assert store.own_submission(t1.token, 0)[0] == {"phone_capacity": 500}
    advance_round(store, token)
    with pytest.raises(RoundClosedError, match="round 0 is closed"):
        store.submit(t1.token, 0, "ghi", {"phone_capacity": 600})


def test_teams_only_reach_their_own_data(session) -> None:
    store, token = session
    t1, t2, _ = store.teams(token)
    store.submit(t1.token, 0, "a", {"phone_capacity": 400})
    assert store.own_submission(t2.token, 0) is None
    with pytest.raises(AccessError):
        store.submit("forged-token", 0, "x", {})
    with pytest.raises(AccessError):
        store.join("WRONGCODE")
    member = next(m for m in store.members(token) if m.team == t2.team)
    assert store.join(member.code.lower()) == member
    with pytest.raises(AccessError):
        store.join(t2.code)  # the team code: members join as a role
    with pytest.raises(AccessError, match="instructor key"):
        store.teams(t1.token)
    with pytest.raises(AccessError):
        advance_round(store, t1.token)
    advance_round(store, token)
    own = store.team_results(t2.token)
    assert {r["team"] for r in own} == {0, t2.team}  # the shared warm-up history and its own rounds
    assert all(r["round"] == -1 for r in own if r["team"] == 0)
    assert not any("hidden" in r for r in own)


def test_team_results_hold_no_hidden_truth(session) -> None:
    store, token = session
    advance_round(store, token)
    t1 = store.teams(token)[0]
    for row in store.team_results(t1.token):
        assert not set(row["metrics"]) & (HIDDEN_KPIS | {"equity", "customers_active"})
        weekly = json.loads(row["weekly"])
        assert not set(weekly[0]) & HIDDEN_KPIS
    assert not set(OBSERVABLE_KPIS) & HIDDEN_KPIS


# ----------------------------------------------------------------------------------- rounds
def test_paired_worlds_identical_decisions_give_identical_results(session) -> None:
    store, token = session
    t1, t2, t3 = store.teams(token)
    store.submit(t1.token, 0, "a", {"phone_capacity": 500, "retention_k": 300})
    store.submit(t2.token, 0, "b", {"phone_capacity": 500, "retention_k": 300})
    store.submit(t3.token, 0, "c", {"phone_capacity": 100})
    advance_round(store, token)
    rows = {r["team"]: r for r in store.results([0])}
    assert rows[1]["metrics"] == rows[2]["metrics"] and rows[1]["hidden"] == rows[2]["hidden"]
    assert rows[1]["tables"] == rows[2]["tables"]
    # a fifth of the phone capacity: more complaints (whose recovery costs money, so cost can rise too)
    assert rows[3]["metrics"]["complaints"] > rows[1]["metrics"]["complaints"]


def test_resume_from_checkpoint_equals_uninterrupted(tmp_path: Path) -> None:
    """A server killed after round 1 continues from the stored checkpoint with identical results."""
    a, ta = create_session("telecom-churn", 2, tmp_path / "a", customers=SMALL)
    b, tb = create_session("telecom-churn", 2, tmp_path / "b", customers=SMALL)
    plan = {0: {"phone_capacity": 350}, 1: {"retention_k": 250}, 2: {"price_index": 1.05}}
    for store, token in ((a, ta), (b, tb)):
        team = store.teams(token)[0]
        for r in (0, 1):
            store.submit(team.token, r, f"s{r}", plan[r])
            advance_round(store, token)
    # the second session's process "dies": reopen its store from disk, as `classroom resume` does
    b.close()
    b = Store(tmp_path / "b")
    for store, token in ((a, ta), (b, tb)):
        team = store.teams(token)[0]
        store.submit(team.token, 2, "s2", plan[2])
        advance_round(store, token)
    ra = [(r["team"], r["round"], r["metrics"], r["hidden"]) for r in a.results()]
    rb = [(r["team"], r["round"], r["metrics"], r["hidden"]) for r in b.results()]
    assert ra == rb
    assert pickle.dumps(load_state(a.checkpoint(1, 2)).population.stage) == pickle.dumps(
        load_state(b.checkpoint(1, 2)).population.stage)


def test_unsubmitted_team_keeps_last_rounds_decisions_and_events_hit_everyone(session) -> None:
    store, token = session
    t1 = store.teams(token)[0]
    advance_round(store, token)  # practice
    store.submit(t1.token, 1, "a", {"phone_capacity": 600})
    advance_round(store, token)
    store.add_event(token, 2, "network_outage", "service_outage", "outage", 0.9, 1)
    store.add_event(token, 2, "network_outage", "service_outage", "outage", 0.9, 1)  # no duplicate
    assert len(store.events(2)) == 1
    advance_round(store, token)
    assert store.applied(t1.team, 2)["phone_capacity"] == 600
    r1 = {r["team"]: r["metrics"] for r in store.results([1])}
    r2 = {r["team"]: r["metrics"] for r in store.results([2])}
    assert all(r2[t]["complaints"] > 2 * r1[t]["complaints"] for t in r2)  # the outage hit every world


def test_a_closed_rounds_checkpoints_reach_the_database_file_soon_after_the_advance(session) -> None:
    """The advance leaves copying the write-ahead log to a background thread; it must still happen."""
    import threading
    import time as clock

    store, token = session
    before = (store.folder / DB_NAME).stat().st_size
    advance_round(store, token)
    deadline = clock.monotonic() + 30
    while any(t.name == "crm-wal-checkpoint" for t in threading.enumerate()) and clock.monotonic() < deadline:
        clock.sleep(0.05)
    stored = sum(len(store.checkpoint(team, 0) or b"") for team in [0, *store.team_numbers()])
    assert (store.folder / DB_NAME).stat().st_size - before >= stored


def test_practice_round_can_be_reset(session) -> None:
    store, token = session
    t1 = store.teams(token)[0]
    store.submit(t1.token, 0, "a", {"phone_capacity": 0})
    advance_round(store, token)
    assert store.info().current_round == 1
    store.reset_practice(token)
    assert store.info().current_round == 0 and not store.results([0]) and store.own_submission(t1.token, 0) is None
    advance_round(store, token)
    advance_round(store, token)
    with pytest.raises(UserError, match="before round 1"):
        store.reset_practice(token)


# ---------------------------------------------------------------------------------- scoring
def _liquidate(case) -> dict:
    out = {}
    for d in case.decisions:
        if d.kind == "switch":
            out[d.id] = False
        elif d.kind == "choice":
            out[d.id] = "none" if "none" in d.options else d.default
        elif "price" in d.policy:
            # a price rise cashes in where demand is inelastic (contract fees); with elastic orders
            # (price sensitivity about 2.6) it loses sales at once, so the cash-out keeps the price
            out[d.id] = d.max if case.scenario == "telecom" else d.default
        else:
            out[d.id] = int(d.min) if d.kind == "integer" else d.min
    return out


@pytest.mark.parametrize("name", ["telecom-churn", "restaurant-tablets", "pizza-service-call"])
def test_liquidating_customers_in_the_last_round_does_not_win(tmp_path: Path, name: str) -> None:
    store, token = create_session(name, 2, tmp_path / name, customers=1500)
    case = load_case(name)
    steady, liquidator = store.teams(token)
    advance_round(store, token)  # practice
    for r in range(1, case.rounds.count + 1):
        if r == case.rounds.count:
            store.submit(liquidator.token, r, "cash-out", _liquidate(case))
        advance_round(store, token)
    board = leaderboard(store.results(), case, list(range(1, case.rounds.count + 1))).set_index("team")
    assert board.loc[liquidator.team, "profit"] > board.loc[steady.team, "profit"]  # the spike is real
    assert board.loc[steady.team, "score"] > board.loc[liquidator.team, "score"]  # and still loses
    assert store.info().finished


# ------------------------------------------------------------------------------------- memo
def test_memo_claims_are_checked_against_the_results() -> None:
    results = [{"round": 1, "metrics": {"profit": 1000.0, "revenue": 5000.0, "survey_satisfaction": 3.71}},
               {"round": 2, "metrics": {"profit": -200.0, "revenue": 4000.0, "survey_satisfaction": 3.5}}]
    memo = "\n".join([
        "Some prose with 12 numbers that are not claims.",
        "- profit total: 800",
        "- revenue round 1: 5,010",
        "- revenue round 2: 4400",
        "- survey_satisfaction round 1: 3.7",
        "- survey_satisfaction total: 3.6",
        "- profit round 3: 10",
        "- happiness round 1: 3",
        "- profit round 2: ",
    ])
    checks = check_memo(memo, results, [1, 2])
    assert [c.ok for c in checks] == [True, True, False, True, False, False, False, False]
    assert "4,000.00" in checks[2].message and "has no total" in checks[4].message
    assert "not been played" in checks[5].message and "unknown metric" in checks[6].message
    assert "no number" in checks[7].message
    assert memo_report(checks).startswith("3 of 8 figures match")


def test_memo_templates_have_checkable_claim_lines() -> None:
    for name in case_names():
        english = check_memo(memo_template(load_case(name), "en"), [], [], lang="en")
        assert len(english) >= 3 and all(c.message == "no number given" for c in english), name
        chinese = check_memo(memo_template(load_case(name), "zh"), [], [], lang="zh")
        assert [(c.metric, c.scope) for c in chinese] == [
            (c.metric, c.scope.replace("round ", "第 ").replace("total", "合计") + (" 轮" if "round" in c.scope else ""))
            for c in english], name
        assert all(c.message == "未填写数字" for c in chinese), name


def test_a_memo_written_in_chinese_is_checked() -> None:
    results = [{"round": 1, "metrics": {"profit": 1000.0, "revenue": 5000.0, "survey_satisfaction": 3.71}},
               {"round": 2, "metrics": {"profit": -200.0, "revenue": 4000.0, "survey_satisfaction": 3.5}}]
    memo = "\n".join([
        "## 2. 结果如何",
        "我们第 1 轮的做法：略。",
        "- 利润 合计：800 元",
        "- 收入 第 1 轮：5,010",
        "- 收入第2轮：4400元",
        "- profit 第 1 轮: ¥1,000",
        "- 调查满意度 第 1 轮：3.7 分",
        "- 调查满意度 合计：3.6",
        "- 利润 第 3 轮：10",
        "- 幸福感 第 1 轮：3",
        "- 利润 第 2 轮：",
    ])
    checks = check_memo(memo, results, [1, 2], lang="zh")
    assert [c.line for c in checks] == list(range(3, 12))
    assert [c.ok for c in checks] == [True, True, False, True, True, False, False, False, False]
    assert [c.metric for c in checks[:5]] == ["profit", "revenue", "revenue", "profit", "survey_satisfaction"]
    assert checks[2].message == "结果显示为 4,000.00" and "没有合计值" in checks[5].message
    assert checks[6].message == "第 3 轮尚未进行" and "未知的指标" in checks[7].message
    report = memo_report(checks, "zh")
    assert report.startswith("9 个数字中有 4 个与结果一致") and "第 5 行：收入 第 2 轮" in report
    english = check_memo(memo, results, [1, 2], lang="en")
    assert [c.ok for c in english] == [c.ok for c in checks]
    assert memo_report(english, "en").startswith("4 of 9 figures match")


# ----------------------------------------------------------------------------- pages, export
def test_members_join_as_a_role_and_stale_forms_are_refused(session) -> None:
    store, token = session
    case = load_case("telecom-churn")
    members = store.members(token)
    assert len(members) == 3 * len(case.roles) and len({m.code for m in members}) == len(members)
    a = next(m for m in members if m.team == 1 and m.role == "service")
    b = next(m for m in members if m.team == 1 and m.role == "marketing")
    assert store.submit(a.token, 0, "s1", {"phone_capacity": 400}, base_revision=0) == 1
    with pytest.raises(StaleFormError) as stale:  # b filled the form before a submitted
        store.submit(b.token, 0, "s2", {"phone_capacity": 500}, base_revision=0)
    assert stale.value.revision == 1 and stale.value.role == "service" and stale.value.decisions["phone_capacity"] == 400
    assert store.submit(b.token, 0, "s2", {"phone_capacity": 500}, base_revision=1) == 2
    history = store.submission_history(token)
    assert [(h["revision"], h["role"]) for h in history] == [(1, "service"), (2, "marketing")]
    assert store.own_submission(a.token, 0)[3] == "marketing"
    assert store.save_memo(a.token, 1, "- profit round 1: 5", "report") == 1
    assert store.save_memo(b.token, 1, "- profit round 1: 6", "report") == 2
    assert [(m["version"], m["role"]) for m in store.memos(token)] == [(1, "service"), (2, "marketing")]
    before = store.stamp(1)
    store.submit(b.token, 0, "s3", {"phone_capacity": 450})
    assert store.stamp(1) != before and store.stamp(2) == store.stamp(2)


def test_pages_drive_a_round_without_a_browser(session) -> None:
    store, token = session
    service = next(m for m in store.members(token) if m.team == 1 and m.role == "service")
    marketing = next(m for m in store.members(token) if m.team == 1 and m.role == "marketing")
    page = TeamPage(store.folder, code=service.code)
    other = TeamPage(store.folder, code=marketing.code)
    assert "Private brief" in page.brief.value and "network team" in page.brief.value
    assert "network team" not in other.brief.value  # only the service director reads that brief
    page.fields["phone_capacity"].value = "abc"
    assert "not a number" in page.field_errors["phone_capacity"].value
    page.fields["phone_capacity"].value = "99999"
    assert "outside" in page.field_errors["phone_capacity"].value
    page.submit()
    assert "Not submitted" in page.form_status.value and store.own_submission(service.token, 0) is None
    page.fields["phone_capacity"].value = "800"
    page.fields["search_budget"].value = "6000"
    page.submit()
    assert "Not submitted" in page.form_status.value and "over the weekly budget" in page.budget.value
    page.fields["search_budget"].value = "1000"
    other.fields["phone_capacity"].value = "300"  # edited from the original version, before page submits
    page.submit()
    page.submit()
    assert "version 1" in page.form_status.value
    other.submit()
    assert "Refused" in other.form_status.value and "800" in other.current.value
    other.submit()  # deliberately replaces it
    assert "version 2" in other.form_status.value and store.own_submission(service.token, 0)[0]["phone_capacity"] == 300
    page.tick()  # what the poller does: the other member's version arrives without a click
    assert page.fields["phone_capacity"].value == "300" and "version 2" in page.form_status.value
    assert TeamPage(store.folder, code="nope").content.children == ()
    locked = InstructorPage(store.folder, key="wrong")
    assert "no valid instructor key" in locked.unlock_status.value and locked.content.children == ()
    boss = InstructorPage(store.folder, key=token)
    assert "1 of 3 teams have submitted" in boss.submissions.value and "Marketing" in boss.submissions.value
    boss.advance()
    boss.refresh()
    assert "Round 1 is open" in boss.status.value and "Team 1" in boss.leaderboard.value
    page.tick()
    assert "practice" in page.results.value and "<polyline" in page.plot.value and boss.plot.value[:4] == b"\x89PNG"
    page.set_language("zh")
    assert "第 1 组" in page.header.value and "开放决策" in page.header.value and page.fields["phone_capacity"].value == "300"


def test_pages_show_the_case_in_their_language(session) -> None:
    store, token = session
    service = next(m for m in store.members(token) if m.team == 1 and m.role == "service")
    page = TeamPage(store.folder, code=service.code, lang="zh")
    english = TeamPage(store.folder, code=service.code, lang="en")
    assert "守住用户" in page.title.value and "Holding the line" in english.title.value
    narrative = next(c for c in page.content.children if "crm-narrative" in c._dom_classes)
    assert "你们负责一家区域电信运营商的客户业务" in narrative.value and "regional" not in narrative.value
    assert "客户服务总监" in page.brief.value and "网络部门" in page.brief.value and "network team" not in page.brief.value
    shown = " ".join(getattr(c, "value", "") for box in page.content.children if isinstance(box, w.VBox)
                     for c in box.children if isinstance(getattr(c, "value", None), str))
    assert "呼叫中心服务能力（每周接待量）" in shown
    assert ("风险评分最高的 k 人", "top_k") in page.fields["retention_targeting"].options
    assert ("top-k by churn risk", "top_k") in english.fields["retention_targeting"].options or any(
        v == "top_k" and "risk" in label for label, v in english.fields["retention_targeting"].options)
    page.fields["phone_capacity"].value = "800"
    page.fields["search_budget"].value = "6000"
    assert "超出了每周预算" in page.budget.value
    boss = InstructorPage(store.folder, key=token, lang="zh")
    debrief = next(c for c in boss.content.children if "crm-debrief" in c._dom_classes)
    assert "利润领先的团队放弃了什么" in debrief.value


def test_export_writes_decisions_results_and_datasets_reproducibly(session, tmp_path: Path) -> None:
    store, token = session
    t1 = store.teams(token)[0]
    advance_round(store, token)
    store.submit(t1.token, 1, "a", {"phone_capacity": 450})
    store.add_event(token, 1, "price_war", "price_war", "The competitor launches a surprise price war.", 0.6, 2)
    advance_round(store, token)
    member = store.members(token)[0]
    store.save_memo(member.token, 2, "- profit round 1: 5", "0 of 1 figures match")
    files = export_session(store, token, tmp_path / "out")
    events = pd.read_csv(tmp_path / "out" / "events.csv").set_index("event_id")
    assert events.loc["price_war", "headline"] == "The competitor launches a surprise price war."
    assert events.loc["price_war", "headline_zh"] == "竞争者突然发动价格战。"
    names = {str(f) for f in files}
    assert {"decisions.csv", "results.parquet", "keys/leaderboard.csv", "datasets/team_01/orders.parquet",
            "datasets/team_01/customers.parquet", "decisions_history.csv", "round_reports/round_1.csv",
            "memos/team_01/round_2_v1.md"} <= names
    decisions = pd.read_csv(tmp_path / "out" / "decisions.csv")
    assert decisions.query("team == 1 and round == 1")["phone_capacity"].item() == 450
    results = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert not set(results.columns) & (HIDDEN_KPIS | {"equity"})
    customers = pd.read_parquet(tmp_path / "out" / "datasets" / "team_01" / "customers.parquet")
    assert "satisfaction" not in customers.columns and "stage" not in customers.columns
    export_session(store, token, tmp_path / "again")
    for f in files:
        assert (tmp_path / "out" / f).read_bytes() == (tmp_path / "again" / f).read_bytes(), f
    parts = export_zip(store, token, tmp_path / "zip" / "x.zip")
    assert parts[:3] == ["decisions", "decisions_history", "results"] and "memos" in parts
    assert set(zip_manifest((tmp_path / "zip" / "x.zip").read_bytes())) == names


def test_cli_errors_exit_2_and_no_serve_prints_codes(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "simulations.cli", "classroom", *args], capture_output=True,
                              text=True, cwd=tmp_path, timeout=120)

    bad = cli("start", "no-such-case", "--teams", "2", "--no-serve")
    assert bad.returncode == 2 and "unknown case 'no-such-case'" in bad.stderr
    bad = cli("start", "telecom-churn", "--teams", "0", "--no-serve")
    assert bad.returncode == 2 and "--teams" in bad.stderr
    ok = cli("start", "telecom-churn", "--teams", "2", "--customers", "300", "--session-dir", "s", "--no-serve")
    assert ok.returncode == 0 and "join code" in ok.stdout, ok.stderr
    again = cli("start", "telecom-churn", "--teams", "2", "--customers", "300", "--session-dir", "s", "--no-serve")
    assert again.returncode == 2 and "already exists" in again.stderr
    adv = cli("advance", "s")
    assert adv.returncode == 0 and "round 1 is open" in adv.stdout
    missing = cli("resume", "nowhere")
    assert missing.returncode == 2 and "no classroom session" in missing.stderr


def test_cli_lists_the_cases_in_the_chosen_language(tmp_path: Path) -> None:
    def cases(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "simulations.cli", "classroom", "cases", *args], capture_output=True,
                              text=True, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    chinese, english = cases("--lang", "zh"), cases("--lang", "en")
    assert "守住用户：一家不断流失用户的电信运营商" in chinese and "Holding the line" not in chinese
    assert "Holding the line: a telecom operator losing subscribers" in english and "守住用户" not in english


def test_page_bench_figures_are_computed_as_printed() -> None:
    import os

    from simulations.classroom.page_bench import percentile, server_memory

    times = [float(x) for x in range(1, 21)]
    assert percentile(times, 0.95) == 19.0 and percentile(times, 0.5) == 10.0 and percentile([3.0], 0.95) == 3.0
    mine = server_memory(os.getpid())
    assert mine["processes"] >= 1 and 0 < mine["pss_mib"] <= mine["rss_mib"]


def test_pages_open_in_crm_lang_unless_the_link_says_otherwise(session, monkeypatch) -> None:
    store, token = session
    member = store.members(token)[0]
    monkeypatch.setenv("CRM_LANG", "zh")
    assert "第 1 组" in TeamPage(store.folder, code=member.code).header.value
    assert "Team 1" in TeamPage(store.folder, code=member.code, lang="en").header.value
    assert "个团队中已有" in InstructorPage(store.folder, key=token).submissions.value


def test_server_gate_admits_only_valid_codes_and_the_key(session, monkeypatch) -> None:
    from simulations.classroom import voila_app
    from simulations.classroom.store import SESSION_ENV

    store, token = session
    monkeypatch.setenv(SESSION_ENV, str(store.folder))
    monkeypatch.setattr(voila_app, "_store", None)
    code = store.members(token)[0].code
    assert voila_app.allowed("/voila/render/team.ipynb", {"code": code.lower()})
    assert not voila_app.allowed("/voila/render/team.ipynb", {"code": store.teams(token)[0].code})
    assert not voila_app.allowed("/voila/render/team.ipynb", {"code": "", "key": token})
    assert voila_app.allowed("/voila/render/instructor.ipynb", {"key": token})
    assert not voila_app.allowed("/voila/render/instructor.ipynb", {"code": code, "key": ""})
    assert not voila_app.allowed("/voila/render/other.ipynb", {"code": code, "key": token})


def test_page_polls_as_soon_as_its_cell_has_run_not_after_a_fixed_wait(monkeypatch) -> None:
    """A page opened just before a round change shows it within a poll of its cell finishing."""
    import threading
    import time as clock

    from IPython.core.events import EventManager

    from simulations.classroom import page_parts

    shell = type("Shell", (), {})()
    shell.events = EventManager(shell, {"post_run_cell": None})
    monkeypatch.setattr(page_parts, "_ipython", lambda: shell)
    monkeypatch.setattr(page_parts, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(page_parts, "FIRST_POLL_AFTER_CELL_SECONDS", 0.01)
    monkeypatch.setattr(page_parts, "FIRST_POLL_SECONDS", 60.0)
    ticks: list[float] = []
    poller = page_parts.Poller(lambda: ticks.append(clock.monotonic()), threading.RLock())
    poller.start()
    clock.sleep(0.3)
    assert ticks == []  # the cell that builds the page is still running: no message from the thread
    ran = clock.monotonic()
    shell.events.trigger("post_run_cell", None)
    deadline = ran + 10
    while not ticks and clock.monotonic() < deadline:
        clock.sleep(0.01)
    poller.stop()
    assert ticks and ticks[0] - ran < 2.0
    assert shell.events.callbacks["post_run_cell"] == []  # later cells do not restart anything


def test_poller_redraws_and_banner_is_rewritten_only_every_heartbeat(monkeypatch) -> None:
    import threading
    import time as clock

    from simulations.classroom import page_parts

    monkeypatch.setattr(page_parts, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(page_parts, "FIRST_POLL_SECONDS", 0.01)
    ticks: list[int] = []
    poller = page_parts.Poller(lambda: ticks.append(1), threading.RLock())
    poller.start()
    deadline = clock.monotonic() + 10
    while len(ticks) < 3 and clock.monotonic() < deadline:
        clock.sleep(0.01)
    poller.stop()
    assert len(ticks) >= 3
    banner = page_parts.Banner(lambda text: text)
    first = banner.widget.value
    assert "crm-lost-banner" in first and "visibility:hidden" in first
    banner.beat(lambda text: text)
    assert banner.widget.value == first  # within the heartbeat: no message to the browser
    banner.beat(lambda text: text, force=True)
    assert banner.widget.value != first  # a fresh animation: the banner stays hidden longer
