"""The scene phase (role play, 角色模拟) without a browser: script versions, peer-scoring rules, the spread, export."""

from __future__ import annotations

import math
import re
from pathlib import Path

import ipywidgets as w
import pandas as pd
import pytest

from simulations.classroom import scenes
from simulations.classroom.case import load_case, scene_template
from simulations.classroom.export import export_session, export_zip, zip_manifest
from simulations.classroom.pages import InstructorPage, TeamPage
from simulations.classroom.rounds import create_session
from simulations.classroom.store import AccessError, Store
from simulations.errors import UserError

CASE = load_case("pizza-service-call")
IDS = [c.id for c in CASE.scene.rubric]  # listening, record, offer, follow_up


@pytest.fixture
def session(tmp_path: Path) -> tuple[Store, str]:
    return create_session("pizza-service-call", 4, tmp_path / "s", customers=300)


def _member(store: Store, token: str, team: int, role: str = "owner"):
    return next(m for m in store.members(token) if m.team == team and m.role == role)


def _marks(*values: int) -> dict[str, int]:
    return dict(zip(IDS, values, strict=True))


def _scripts_for_all(store: Store, token: str) -> None:
    for t in store.team_numbers():
        scenes.save_script(store, _member(store, token, t).token, f"CALLER: team {t} line\nSTAFF: sorry", 0)


# ------------------------------------------------------------------------------------ scripts
def test_scripts_keep_every_version_with_its_role_and_refuse_empty_stale_and_late(session) -> None:
    store, token = session
    owner, service = _member(store, token, 1), _member(store, token, 1, "service")
    templates = tuple(scene_template(CASE, x) for x in ("en", "zh"))
    for blank in ("", "   \n\t", scene_template(CASE, "en"), scene_template(CASE, "zh") + "\n\n"):
        with pytest.raises(UserError, match="the script is empty"):
            scenes.save_script(store, owner.token, blank, 0, templates=templates)
    assert scenes.save_script(store, owner.token, "OWNER: first draft", 0) == 1
    assert scenes.save_script(store, owner.token, "OWNER: first draft", 0) == 1  # the same text: no new version
    with pytest.raises(scenes.StaleScriptError) as stale:  # service started from nothing, owner saved meanwhile
        scenes.save_script(store, service.token, "STAFF: my draft", 0)
    assert (stale.value.version, stale.value.role, stale.value.text) == (1, "owner", "OWNER: first draft")
    assert "version 1" in stale.value.translated(lambda s: s)
    assert scenes.save_script(store, service.token, "STAFF: my draft", 1) == 2
    assert [(s.version, s.role) for s in scenes.own_scripts(store, owner.token)] == [(1, "owner"), (2, "service")]
    other = _member(store, token, 2)
    assert scenes.own_scripts(store, other.token) == []
    assert scenes.performed_scripts(store, other.token) == {}  # no peeking at team 1 while scripts are written
    with pytest.raises(AccessError):
        scenes.scripts(store, "not-the-key")
    with pytest.raises(AccessError):
        scenes.save_script(store, "not-a-token", "text")
    scenes.set_phase(store, token, scenes.PERFORMING)
    with pytest.raises(UserError, match="scripts are frozen"):
        scenes.save_script(store, owner.token, "OWNER: too late", 2)
    assert scenes.performed_scripts(store, other.token)[1].text == "STAFF: my draft"
    with pytest.raises(AccessError):
        scenes.set_phase(store, "wrong", scenes.CLOSED)
    with pytest.raises(UserError, match="unknown scene phase"):
        scenes.set_phase(store, token, "dancing")


# ------------------------------------------------------------------------------- peer scores
def test_peer_scoring_rules(session) -> None:
    store, token = session
    t1, t2 = _member(store, token, 1), _member(store, token, 2)
    scenes.save_script(store, t1.token, "CALLER: cold again", 0)
    with pytest.raises(UserError, match="opens when the instructor opens"):
        scenes.save_score(store, CASE, t2.token, 1, _marks(4, 4, 4, 4))
    before = scenes.stamp(store)
    scenes.set_phase(store, token, scenes.PERFORMING)
    assert scenes.stamp(store) != before
    with pytest.raises(UserError, match="cannot score its own"):
        scenes.save_score(store, CASE, t1.token, 1, _marks(5, 5, 5, 5))
    with pytest.raises(UserError, match="no team 9"):
        scenes.save_score(store, CASE, t2.token, 9, _marks(4, 4, 4, 4))
    with pytest.raises(UserError, match="team 3 has no script"):
        scenes.save_score(store, CASE, t2.token, 3, _marks(4, 4, 4, 4))
    for bad, shown in ((0, "0"), (6, "6"), (4.5, "4.5"), ("good", "good"), (True, "True")):
        with pytest.raises(UserError, match=f"listening: {shown} is not a whole number from 1 to 5"):
            scenes.save_score(store, CASE, t2.token, 1, {**_marks(4, 4, 4, 4), "listening": bad})
    with pytest.raises(UserError, match="offer has no mark"):
        scenes.save_score(store, CASE, t2.token, 1, {k: 3 for k in IDS if k != "offer"})
    with pytest.raises(UserError, match="unknown rubric criterion"):
        scenes.save_score(store, CASE, t2.token, 1, {**_marks(4, 4, 4, 4), "charm": 5})
    assert scenes.given_scores(store, t2.token) == {}  # nothing refused was stored, nothing was clamped
    assert scenes.save_score(store, CASE, t2.token, 1, {"listening": "4", "record": " 3", "offer": 5, "follow_up": 2},
                             base_revision=0) == 1
    given = scenes.given_scores(store, t2.token)[1]
    assert given.marks == _marks(4, 3, 5, 2) and given.score == pytest.approx(CASE.scene.score(_marks(4, 3, 5, 2)))
    assert scenes.save_score(store, CASE, t2.token, 1, _marks(4, 3, 5, 2)) == 1  # the same marks: no new revision
    service2 = _member(store, token, 2, "service")
    with pytest.raises(scenes.StaleScoreError) as stale:  # filled before the owner saved
        scenes.save_score(store, CASE, service2.token, 1, _marks(2, 2, 2, 2), base_revision=0)
    assert stale.value.revision == 1 and stale.value.marks == _marks(4, 3, 5, 2)
    assert scenes.save_score(store, CASE, service2.token, 1, _marks(5, 4, 5, 3), base_revision=1) == 2  # revised
    assert [(s.revision, s.role, s.script_version) for s in scenes.score_log(store, token)] == [
        (1, "owner", 1), (2, "service", 1)]
    assert [(s.rater, s.team, s.revision) for s in scenes.current_scores(store, token)] == [(2, 1, 2)]
    with pytest.raises(AccessError):
        scenes.current_scores(store, "wrong")
    scenes.set_phase(store, token, scenes.CLOSED)
    with pytest.raises(UserError, match="closed peer scoring"):
        scenes.save_score(store, CASE, t2.token, 1, _marks(1, 1, 1, 1))
    assert scenes.current_scores(store, token)[0].marks == _marks(5, 4, 5, 3)


def test_summary_gives_mean_spread_and_flags_a_rater_who_marks_everyone_down() -> None:
    teams = [1, 2, 3, 4]

    def score(rater: int, team: int, *marks: int) -> scenes.PeerScore:
        m = _marks(*marks)
        return scenes.PeerScore(rater, team, 1, "owner", m, CASE.scene.score(m))

    current = [score(r, t, 4, 4, 4, 4) for r in (1, 2, 3) for t in teams if t != r]
    current += [score(4, t, 1, 1, 1, 1) for t in (1, 2, 3)]  # team 4 marks every rival down
    current += [score(1, 1, 5, 5, 5, 5)]  # a self-score that got in somehow is never counted
    current = scenes._current(current)
    assert all(s.rater != s.team for s in current)
    by_team, by_criterion, checks = scenes.summarise(CASE, current, teams)
    assert by_team[1].n == 3 and by_team[1].mean == pytest.approx(3.0)
    assert (by_team[1].low, by_team[1].high) == (1.0, 4.0) and by_team[1].sd == pytest.approx(math.sqrt(2))
    assert by_team[4].n == 3 and by_team[4].sd == 0 and by_criterion[(4, "offer")].mean == 4
    flags = {c.rater: c for c in checks}
    assert flags[4].flagged and flags[4].bias == pytest.approx(-3.0) and flags[4].compared == 3
    assert not flags[2].flagged and not flags[3].flagged
    assert flags[2].bias == 0 and flags[2].compared == 3
    few = [s for s in current if s.rater in (2, 4)]  # two raters per performance at most: nobody is compared
    assert not any(c.flagged or c.compared for c in scenes.summarise(CASE, few, teams)[2])
    assert scenes.summarise(CASE, few, teams)[0][1].sd == pytest.approx(1.5)  # the spread still shows it
    assert scenes.missing_scores(current, teams, {1, 2, 3, 4}) == {t: [] for t in teams}
    assert scenes.missing_scores([], teams, {1, 3})[1] == [3] and scenes.missing_scores([], teams, {1, 3})[2] == [1, 3]
    assert math.isnan(scenes.Spread.of([]).mean)


# ----------------------------------------------------------------------------- pages, export
def test_pages_write_score_and_show_the_spread(session) -> None:
    store, token = session
    pages = {t: TeamPage(store.folder, code=_member(store, token, t).code) for t in (1, 2, 3)}
    p1 = pages[1]
    assert "The complaint call" in p1.scene.intro.value and "Performance: at most 5 minutes" in p1.scene.intro.value
    assert p1.scene.editor.value == scene_template(CASE, "en")
    p1.scene.save_script()
    assert "the script is empty" in p1.scene.script_status.value  # the untouched template
    p1.scene.editor.value = "CALLER: It is cold again.\nSTAFF: I hear you."
    p1.scene.save_script()
    assert "version 1, by Owner" in p1.scene.script_status.value
    p1.scene.editor.value += "\nOWNER: We will call you back."
    p1.scene.save_script()
    assert "version 2" in p1.scene.script_status.value and "version 2, by Owner" in p1.scene.versions.value
    helper = TeamPage(store.folder, code=_member(store, token, 1, "service").code)
    assert helper.scene.editor.value.endswith("call you back.")  # the saved script, not the template
    helper.scene.editor.value += "\nSTAFF: Your name is in our records."  # typed while the owner saves again
    p1.scene.editor.value += "\nCALLER: Thank you."
    p1.scene.save_script()
    helper.tick()  # the poll: the owner's version 3 is shown, the helper's text stays in the editor
    assert "while you were editing" in helper.scene.script_status.value and "Thank you" in helper.scene.current.value
    assert helper.scene.editor.value.endswith("in our records.")
    helper.scene.save_script()
    assert "Refused: Owner saved version 3" in helper.scene.script_status.value
    helper.scene.save_script()  # seen it: replace it deliberately
    assert "version 4, by Shift manager" in helper.scene.script_status.value
    p1.tick()
    assert p1.scene.editor.value.endswith("in our records.") and "version 4" in p1.scene.versions.value
    pages[2].scene.editor.value = "CALLER: Team two's caller."
    pages[2].scene.save_script()
    boss = InstructorPage(store.folder, key=token)
    assert "Team 1" in boss.scene.scripts.value and "No marks yet" in boss.scene.table.value
    p2 = pages[2].scene
    assert p2.scoring.layout.display == "none" and "Scoring opens" in p2.score_note.value
    boss.scene._phase(scenes.PERFORMING)
    for page in pages.values():
        page.tick()
    assert p2.scoring.layout.display == "" and p1.scene.editor.disabled
    p2.target.value = 2  # its own team
    assert "cannot score your own team" in p2.score_status.value
    p2.save_score()
    assert "cannot score its own" in p2.score_status.value
    p2.target.value = 1
    assert "It is cold again" in p2.their_script.value
    for cid, v in zip(IDS, ("4", "7", "5", "x"), strict=True):
        p2.mark_fields[cid].value = v
    assert "7 is not a whole number from 1 to 5" in p2.mark_errors["record"].value
    assert "x is not a whole number" in p2.mark_errors["follow_up"].value and not p2.mark_errors["listening"].value
    p2.save_score()
    assert "Not saved" in p2.score_status.value and scenes.given_scores(store, _member(store, token, 2).token) == {}
    p2.mark_fields["record"].value, p2.mark_fields["follow_up"].value = "3", "4"
    p2.save_score()
    assert "revision 1" in p2.score_status.value and "Team 1" in p2.given.value
    assert "Still to score" not in p2.given.value  # team 3 has no script, team 2 is p2's own
    p2.mark_fields["offer"].value = "4"
    p2.save_score()
    assert "revision 2" in p2.score_status.value
    p3 = pages[3].scene
    assert "Still to score: Team 1, Team 2" in p3.given.value
    p3.target.value = 1
    for cid in IDS:
        p3.mark_fields[cid].value = "1"
    p3.save_score()
    p3.target.value = 2
    for cid in IDS:
        p3.mark_fields[cid].value = "2"
    p3.save_score()
    boss.tick()
    table = boss.scene.table.value
    expected = CASE.scene.score(_marks(4, 3, 4, 4))
    assert f"{(expected + 1) / 2:.2f}" in table and f"1–{expected:g}" in table
    assert "Team 3" in boss.scene.matrix.value and "■" in boss.scene.matrix.value
    assert "Still to score" in boss.scene.missing.value
    zh = InstructorPage(store.folder, key=token, lang="zh")
    assert "同伴互评" in zh.scene.table.value and "老顾客" in zh.scene.widget.children[4].value
    pages[2].set_language("zh")  # typed marks and the chosen team survive a redraw in another language
    assert pages[2].scene.target.value == 1 and pages[2].scene.mark_fields["offer"].value == "4"
    assert "角色模拟" in pages[2].scene.intro.value


def test_export_holds_scripts_with_history_and_peer_scores(session, tmp_path: Path) -> None:
    store, token = session
    _scripts_for_all(store, token)
    second = _member(store, token, 1, "service")
    scenes.save_script(store, second.token, "STAFF: the revised script", 1)
    scenes.set_phase(store, token, scenes.PERFORMING)
    scenes.save_score(store, CASE, _member(store, token, 2).token, 1, _marks(4, 4, 4, 4))
    scenes.save_score(store, CASE, _member(store, token, 2).token, 1, _marks(5, 4, 4, 4))
    scenes.save_score(store, CASE, _member(store, token, 3).token, 1, _marks(2, 2, 2, 2))
    files = {str(f) for f in export_session(store, token, tmp_path / "out")}
    assert {"scripts/team_01/v1.md", "scripts/team_01/v2.md", "scripts/history.csv", "peer_scores/raw.csv",
            "peer_scores/summary.csv", "peer_scores/raters.csv", "peer_scores/rubric.csv"} <= files
    v2 = (tmp_path / "out" / "scripts" / "team_01" / "v2.md").read_text(encoding="utf-8")
    assert "submitted by: service" in v2 and "the revised script" in v2
    history = pd.read_csv(tmp_path / "out" / "scripts" / "history.csv")
    assert history.query("team == 1")[["version", "submitted_by"]].values.tolist() == [[1, "owner"], [2, "service"]]
    raw = pd.read_csv(tmp_path / "out" / "peer_scores" / "raw.csv")
    assert len(raw) == 3 and raw["current"].tolist() == [False, True, True] and "mark_listening" in raw
    assert raw["script_version"].tolist() == [2, 2, 2] and raw["submitted_by"].tolist() == ["owner"] * 3
    summary = pd.read_csv(tmp_path / "out" / "peer_scores" / "summary.csv").set_index(["team", "criterion"])
    assert summary.loc[(1, "listening"), "mean"] == pytest.approx(3.5)
    assert summary.loc[(1, "listening"), ["min", "max"]].tolist() == [2, 5]
    readme = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "`scripts`" in readme and "`peer_scores`" in readme
    parts = export_zip(store, token, tmp_path / "x.zip")
    assert "scripts" in parts and "peer_scores" in parts
    assert "peer_scores/raw.parquet" in zip_manifest((tmp_path / "x.zip").read_bytes())


def test_a_session_without_a_scene_phase_exports_no_scene_parts(session, tmp_path: Path) -> None:
    store, token = session
    files = {str(f) for f in export_session(store, token, tmp_path / "out")}
    assert not any(f.startswith(("scripts", "peer_scores")) for f in files)


def _shown_text(widget: w.Widget) -> str:
    """Every text a panel shows (HTML without tags, button labels, choices); typed values are left out."""
    parts = []
    if isinstance(widget, w.HTML):
        parts.append(re.sub(r"<style.*?</style>|<[^>]+>", " ", widget.value))
    if isinstance(widget, w.Button):
        parts.append(widget.description)
    if isinstance(widget, w.Dropdown):
        parts.extend(label for label, _v in widget.options)
    for child in getattr(widget, "children", ()):
        parts.append(_shown_text(child))
    return " ".join(parts)


def test_the_scene_panels_in_chinese_show_no_english(session) -> None:
    store, token = session
    _scripts_for_all(store, token)  # the scripts themselves are the teams' text: collapsed, but still checked below
    scenes.set_phase(store, token, scenes.PERFORMING)
    scenes.save_score(store, CASE, _member(store, token, 2).token, 1, _marks(4, 4, 4, 4))
    team = TeamPage(store.folder, code=_member(store, token, 2).code, lang="zh").scene
    boss = InstructorPage(store.folder, key=token, lang="zh").scene
    for panel in (team, boss):
        shown = _shown_text(panel.widget)
        words = set(re.findall(r"[A-Za-z]{2,}", shown)) - {"CALLER", "STAFF", "team", "line", "sorry"}
        assert words == set(), words
        assert "角色模拟" in shown
