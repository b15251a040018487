"""The scene phase (role play, 角色模拟) in a real browser: script versions, peer scoring, the spread, the export.

Four teams of the pizza shop's case: team 1 writes and revises its script (an empty save and a
stale save are refused), the instructor opens the scene phase, teams 2, 3 and 4 score it (team
2's self-score and an out-of-range mark are refused), the instructor sees the mean and the spread
without a click (team 3, far below the others, is flagged), closes scoring and downloads an
export holding the scripts and the peer scores. Screenshots of the team's scene panel and the
instructor's peer-score view go to /tmp/scene-*.png.
"""

from __future__ import annotations

import csv
import io
import shutil
import signal
import zipfile
from pathlib import Path

import pytest

from simulations.classroom.case import load_case
from simulations.classroom.server import free_port
from tests.browser.support import AUTO_UPDATE, FLAGS, HOST, WAIT, instructor_link, kill, member_links, serve
from tests.conftest import need_tool

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("test_classroom_scenes")]
CASE = load_case("pizza-service-call")
IDS = [c.id for c in CASE.scene.rubric]
SHOTS = Path("/tmp")


def _open(browser, link: str, ready: str):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(WAIT)
    page.goto(link, timeout=WAIT)
    page.wait_for_selector(ready)
    return page


def _script(page, text: str) -> None:
    page.fill(".crm-scene-script textarea", text)
    page.press(".crm-scene-script textarea", "Tab")


def _marks(page, team: str, values: tuple[str, ...]) -> None:
    page.select_option(".crm-scene-target select", label=team)
    for cid, value in zip(IDS, values, strict=True):
        page.fill(f".crm-scene-mark-{cid} input", value)
        page.press(f".crm-scene-mark-{cid} input", "Tab")


def test_scripts_peer_scores_spread_and_export(tmp_path: Path) -> None:
    chromium = need_tool("chromium")
    from playwright.sync_api import sync_playwright

    session = tmp_path / "session"
    port = free_port(HOST)
    server, text = serve(["start", "pizza-service-call", "--teams", "4", "--customers", "600", "--session-dir",
                          str(session), "--host", HOST, "--port", str(port)], tmp_path / "start.log")
    try:
        links = member_links(text)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            owner1 = _open(browser, links[(1, "owner")], ".crm-scene-script")
            service1 = _open(browser, links[(1, "service")], ".crm-scene-script")
            raters = {t: _open(browser, links[(t, "owner")], ".crm-scene-script") for t in (2, 3, 4)}
            boss = _open(browser, instructor_link(text), ".crm-scene-instructor")

            # team 1 writes: the untouched template and an empty script are refused, then two versions
            assert "Beat 1" in owner1.input_value(".crm-scene-script textarea")  # the case's script template
            owner1.click(".crm-scene-save")
            owner1.wait_for_selector(".crm-scene-script-status:has-text('the script is empty')")
            _script(owner1, "   ")
            owner1.click(".crm-scene-save")
            owner1.wait_for_selector(".crm-scene-script-status:has-text('the script is empty')")
            first = "CALLER: It is cold again, the second time this month.\nSTAFF: I am sorry. Tell me what happened."
            _script(owner1, first)
            owner1.click(".crm-scene-save")
            owner1.wait_for_selector(".crm-scene-script-status:has-text('Saved as version 1, by Owner')")
            # the shift manager's page follows without a click, then both edit at once: the later save is refused
            service1.wait_for_function("document.querySelector('.crm-scene-script textarea').value.includes("
                                       "'second time this month')", timeout=AUTO_UPDATE)
            _script(service1, first + "\nSTAFF: I can see you order every two weeks.")
            _script(owner1, first + "\nOWNER: We will call you back after your next order.")
            owner1.click(".crm-scene-save")
            owner1.wait_for_selector(".crm-scene-script-status:has-text('Saved as version 2, by Owner')")
            service1.click(".crm-scene-save")  # filled from version 1: refused, whether or not the poll came first
            service1.wait_for_selector(".crm-scene-script-status:has-text('Refused: Owner saved version 2')")
            assert "call you back" in service1.inner_text(".crm-scene-current")  # version 2 is shown
            assert "every two weeks" in service1.input_value(".crm-scene-script textarea")  # own text kept
            service1.click(".crm-scene-save")  # seen it: replace it deliberately
            service1.wait_for_selector(".crm-scene-script-status:has-text('Saved as version 3, by Shift manager')")
            owner1.wait_for_selector(".crm-scene-versions:has-text('version 3, by Shift manager')", timeout=AUTO_UPDATE)
            _script(raters[2], "CALLER: Team two's caller.\nSTAFF: Team two's staff.")
            raters[2].click(".crm-scene-save")
            raters[2].wait_for_selector(".crm-scene-script-status:has-text('Saved as version 1')")
            boss.wait_for_selector(".crm-scene-scripts:has-text('version 3, by Shift manager')", timeout=AUTO_UPDATE)
            assert not raters[2].is_visible(".crm-scene-scoring")  # no scoring before the phase opens

            # the instructor opens the scene phase: scripts freeze, scoring opens on every page without a click
            boss.click(".crm-scene-open")
            boss.wait_for_selector(".crm-scene-phase:has-text('performances and peer scoring are open')")
            for page in raters.values():
                page.wait_for_selector(".crm-scene-scoring", state="visible", timeout=AUTO_UPDATE)
            owner1.wait_for_selector("button.crm-scene-save:disabled", timeout=AUTO_UPDATE)
            two = raters[2]
            two.select_option(".crm-scene-target select", label="Team 2 (your team)")
            two.wait_for_selector(".crm-scene-score-status:has-text('cannot score your own team')")
            two.click(".crm-scene-score")
            two.wait_for_selector(".crm-scene-score-status:has-text('Refused: a team cannot score its own')")
            _marks(two, "Team 1", ("4", "7", "5", "4"))
            two.wait_for_selector(".crm-scene-mark-error-record:has-text('7 is not a whole number from 1 to 5')")
            two.click(".crm-scene-score")
            two.wait_for_selector(".crm-scene-score-status:has-text('Not saved')")
            assert two.input_value(".crm-scene-mark-record input") == "7"  # left as typed, never clamped
            assert "every two weeks" in two.text_content(".crm-scene-their-script")  # the performed version
            two.fill(".crm-scene-mark-record input", "3")
            two.press(".crm-scene-mark-record input", "Tab")
            two.click(".crm-scene-score")
            two.wait_for_selector(".crm-scene-score-status:has-text('revision 1')")
            two.fill(".crm-scene-mark-offer input", "4")  # revised while scoring is open
            two.press(".crm-scene-mark-offer input", "Tab")
            two.click(".crm-scene-score")
            two.wait_for_selector(".crm-scene-score-status:has-text('revision 2')")
            _marks(raters[3], "Team 1", ("2", "1", "1", "2"))
            raters[3].click(".crm-scene-score")
            raters[3].wait_for_selector(".crm-scene-score-status:has-text('revision 1')")
            _marks(raters[3], "Team 2", ("3", "3", "4", "3"))
            raters[3].click(".crm-scene-score")
            raters[3].wait_for_selector(".crm-scene-given:has-text('Team 2')")
            _marks(raters[4], "Team 1", ("5", "4", "4", "4"))
            raters[4].click(".crm-scene-score")
            raters[4].wait_for_selector(".crm-scene-score-status:has-text('revision 1')")

            # the instructor sees mean and spread per team and criterion, without a click
            high = CASE.scene.score(dict(zip(IDS, (4, 3, 4, 4), strict=True)))
            low = CASE.scene.score(dict(zip(IDS, (2, 1, 1, 2), strict=True)))
            top = CASE.scene.score(dict(zip(IDS, (5, 4, 4, 4), strict=True)))
            mean = (high + low + top) / 3
            boss.wait_for_selector(f".crm-peer-scores:has-text('{mean:.2f}')", timeout=AUTO_UPDATE)
            table = boss.inner_text(".crm-peer-scores")
            assert f"{low:g}–{top:g}" in table and "SD" in table
            assert "■" in boss.inner_text(".crm-peer-matrix")
            flagged = boss.inner_text(".crm-peer-raters").splitlines()
            assert [line.split()[:2] for line in flagged if "deviates strongly" in line] == [["Team", "3"]]
            boss.wait_for_selector(".crm-peer-missing:has-text('Still to score')")
            two.select_option(".crm-scene-target select", label="Team 1")
            for page, part, name in ((two, ".crm-scene", "team"), (boss, ".crm-scene-instructor", "instructor")):
                page.set_viewport_size({"width": 1200, "height": 3200})  # an element taller than the view is drawn blank
                page.locator(part).screenshot(path=str(SHOTS / f"scene-{name}.png"))

            # scoring closed: a late revision is refused on the page
            boss.click(".crm-scene-close")
            boss.wait_for_selector(".crm-scene-phase:has-text('peer scoring is closed')")
            raters[3].wait_for_selector(".crm-scene-score-note:has-text('Peer scoring is closed')", timeout=AUTO_UPDATE)

            # the export holds every script version with its submitter and the peer scores, raw and summarised
            boss.click(".crm-export")
            boss.wait_for_selector(".crm-download-link", timeout=WAIT)
            with boss.expect_download(timeout=WAIT) as download:
                boss.click(".crm-download-link")
            data = Path(download.value.path()).read_bytes()
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                v3 = zf.read("scripts/team_01/v3.md").decode()
                history = list(csv.DictReader(io.StringIO(zf.read("scripts/history.csv").decode())))
                raw = list(csv.DictReader(io.StringIO(zf.read("peer_scores/raw.csv").decode())))
                summary = list(csv.DictReader(io.StringIO(zf.read("peer_scores/summary.csv").decode())))
                readme = zf.read("README.md").decode()
                zf_raters = zf.read("peer_scores/raters.csv").decode()
            assert {"scripts/team_01/v1.md", "scripts/team_01/v2.md", "scripts/team_02/v1.md",
                    "peer_scores/raters.csv", "peer_scores/rubric.csv", "decisions.csv", "keys/leaderboard.csv"} <= names
            assert "submitted by: service" in v3 and "every two weeks" in v3
            assert [(h["team"], h["version"], h["submitted_by"]) for h in history if h["team"] == "1"] == [
                ("1", "1", "owner"), ("1", "2", "owner"), ("1", "3", "service")]
            assert [(r["rater"], r["team"], r["revision"]) for r in raw] == [
                ("2", "1", "1"), ("2", "1", "2"), ("3", "1", "1"), ("3", "2", "1"), ("4", "1", "1")]
            assert all(r["rater"] != r["team"] for r in raw)
            team1 = next(s for s in summary if s["team"] == "1" and s["criterion"] == "scene_score")
            assert int(team1["raters"]) == 3 and float(team1["mean"]) == pytest.approx(mean)
            raters_csv = list(csv.DictReader(io.StringIO(zf_raters)))
            assert [r["rater"] for r in raters_csv if r["flagged"] == "True"] == ["3"]
            assert "`scripts`" in readme and "`peer_scores`" in readme

            # the same views in Chinese (the selector redraws the page)
            for page, part, name in ((two, ".crm-scene", "team"), (boss, ".crm-scene-instructor", "instructor")):
                page.select_option(".crm-lang select", label="中文")
                page.wait_for_selector(f"{part} .crm-scene-phase:has-text('同伴互评已结束')")
                page.wait_for_timeout(1000)  # the whole page is redrawn: let the last widgets arrive
                page.locator(part).screenshot(path=str(SHOTS / f"scene-{name}-zh.png"))
            assert "标准差" in boss.inner_text(".crm-peer-scores") and "明显偏离" in boss.inner_text(".crm-peer-raters")
            browser.close()
    finally:
        kill(server, signal.SIGKILL)
        shutil.rmtree(session / "voila-config", ignore_errors=True)
