"""A live class in a real browser: three teams and the instructor, two rounds, an event, a crash.

Headless Debian Chromium driven by Playwright (never ``playwright install``), loopback only,
bounded waits; nobody clicks Refresh (pages update themselves); the server is killed (SIGKILL)
mid-session, the open page shows the lost-server banner, and after a resume its reload link
brings back everything submitted or played.
"""

from __future__ import annotations

import shutil
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from simulations.classroom.server import free_port
from tests.browser.support import AUTO_UPDATE, FLAGS, HOST, WAIT, instructor_link, kill, member_links, serve
from tests.conftest import need_tool

#: A round report's why reaches the team page within this many ms (worker start-up and the replays).
REPORT = 60_000
SHOT = "/tmp/report-shot.png"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("test_classroom_browser")]


def _team(browser, link: str):
    page = browser.new_page()
    page.set_default_timeout(WAIT)
    page.goto(link, timeout=WAIT)
    page.wait_for_selector(".crm-team-header")
    return page


def _submit(page, phone: int) -> None:
    page.fill(".crm-decision-phone_capacity input", str(phone))
    page.press(".crm-decision-phone_capacity input", "Tab")
    page.wait_for_selector(".crm-budget:has-text('left per week')")
    page.click(".crm-submit")
    page.wait_for_selector(".crm-form-status:has-text('Submitted for')")


def test_three_teams_two_rounds_event_kill_and_resume(tmp_path: Path) -> None:
    chromium = need_tool("chromium")
    from playwright.sync_api import sync_playwright

    session = tmp_path / "session"
    port = free_port(HOST)
    server, text = serve(["start", "telecom-churn", "--teams", "3", "--customers", "1500", "--session-dir",
                          str(session), "--host", HOST, "--port", str(port)], tmp_path / "start.log")
    resumed = None
    try:
        links = [member_links(text)[(t, "service")] for t in (1, 2, 3)]
        boss_link = instructor_link(text)
        base = f"http://{HOST}:{port}"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/voila/files/../session.sqlite", timeout=30)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            started = time.perf_counter()
            teams = [_team(browser, link) for link in links]
            print(f"three team pages interactive in {time.perf_counter() - started:.1f} s")
            for i, page in enumerate(teams, start=1):
                assert f"Team {i} · Customer service director: practice is open" in page.inner_text(".crm-team-header")
            # validation: over budget is refused on the page
            teams[1].fill(".crm-decision-search_budget input", "6000")
            teams[1].fill(".crm-decision-phone_capacity input", "800")
            teams[1].press(".crm-decision-phone_capacity input", "Tab")
            teams[1].click(".crm-submit")
            teams[1].wait_for_selector(".crm-form-status:has-text('Not submitted')")
            teams[1].fill(".crm-decision-search_budget input", "2000")
            _submit(teams[0], 400)
            teams[0].click(".crm-submit")  # a double click does not create a second version
            _submit(teams[1], 500)
            assert "version 1" in teams[0].inner_text(".crm-form-status")

            boss = browser.new_page()
            boss.set_default_timeout(WAIT)
            assert boss.goto(f"{base}/voila/render/instructor.ipynb?key=not-the-key", timeout=WAIT).status == 403
            boss.goto(boss_link, timeout=WAIT)
            boss.wait_for_selector(".crm-submissions:has-text('2 of 3 teams have submitted')")
            assert "version 1, by Customer service director" in boss.inner_text(".crm-submissions")

            # practice round, then round 1 with an injected outage, then round 2: no page is refreshed by hand
            boss.click(".crm-advance")
            boss.wait_for_selector(".crm-status:has-text('Round 1 is open')")
            boss.select_option(".crm-event select", label="A network outage floods the call centre with calls.")
            boss.click(".crm-inject")
            boss.wait_for_selector(".crm-message:has-text('Event injected into round 1')")
            for page, phone in zip(teams, (450, 300, 600), strict=True):
                page.wait_for_selector(".crm-team-header:has-text('round 1 is open')", timeout=AUTO_UPDATE)
                page.wait_for_selector(".crm-news:has-text('network outage')", timeout=AUTO_UPDATE)
                page.wait_for_selector(".crm-results:has-text('practice')", timeout=AUTO_UPDATE)
                _submit(page, phone)
            boss.wait_for_selector(".crm-submissions:has-text('3 of 3 teams have submitted')", timeout=AUTO_UPDATE)
            boss.click(".crm-advance")
            boss.wait_for_selector(".crm-status:has-text('Round 2 is open')")
            for page in teams:
                page.wait_for_selector(".crm-team-header:has-text('round 2 is open')", timeout=AUTO_UPDATE)
                page.wait_for_selector(".crm-results:has-text('round 1')", timeout=AUTO_UPDATE)
            # the round report: score and rank at once, its why from the background worker, no click
            started = time.perf_counter()
            teams[0].wait_for_selector(".crm-round-report:has-text('Round report: round 1')", timeout=REPORT)
            teams[0].wait_for_selector(".crm-round-report .crm-why-chart", timeout=REPORT)
            print(f"round report with its why on the team page {time.perf_counter() - started:.1f} s after round 2 opened")
            report = teams[0].inner_text(".crm-round-report")
            assert "the benchmark firm scores 100" in report and "rank" in report and "Total vs benchmark" in report
            assert "network outage" in report and "Working out why" not in report
            teams[0].set_viewport_size({"width": 1000, "height": 1900})  # the whole card in one picture
            teams[0].locator(".crm-round-report .crm-report-card").first.screenshot(path=SHOT)
            teams[0].set_viewport_size({"width": 1280, "height": 720})
            boss.wait_for_selector(".crm-class-summary:has-text('3 of 3 teams')", timeout=REPORT)
            assert "Class summary for the debrief: round 1" in boss.inner_text(".crm-class-summary")
            boss.select_option(".crm-report-team select", label="Team 2")
            boss.wait_for_selector(".crm-instructor-report:has-text('Round report: round 1')")
            boss.set_viewport_size({"width": 1000, "height": 1900})
            boss.locator(".crm-reports-panel").screenshot(path=SHOT.replace(".png", "-class.png"))
            boss.set_viewport_size({"width": 1280, "height": 720})
            _submit(teams[2], 350)
            boss.click(".crm-advance")
            boss.wait_for_selector(".crm-status:has-text('Round 3 is open')")
            boss.wait_for_selector(".crm-leaderboard:has-text('rounds 1-2')")
            board = boss.inner_text(".crm-leaderboard")
            assert "rounds 1-2" in board and all(f"Team {i}" in board for i in (1, 2, 3))
            teams[0].wait_for_selector(".crm-team-header:has-text('round 3 is open')", timeout=AUTO_UPDATE)
            teams[0].wait_for_selector(".crm-results:has-text('round 2')", timeout=AUTO_UPDATE)
            before = teams[0].inner_text(".crm-results")
            assert "Team 2" not in before and "round 2" in before
            _submit(teams[0], 420)  # submitted in round 3, then the server dies
            for page in (*teams[1:], boss):
                page.close(run_before_unload=True)
            assert not teams[0].is_visible(".crm-lost-banner")

            kill(server)
            teams[0].wait_for_selector(".crm-lost-banner", state="visible", timeout=30_000)
            resumed, _ = serve(["resume", str(session), "--host", HOST, "--port", str(port)], tmp_path / "resume.log")
            teams[0].click(".crm-reload")  # the banner's way back
            teams[0].wait_for_selector(".crm-team-header:has-text('round 3 is open')")
            assert teams[0].inner_text(".crm-results") == before
            assert "version 1" in teams[0].inner_text(".crm-form-status")
            assert teams[0].input_value(".crm-decision-phone_capacity input") == "420"
            boss = browser.new_page()
            boss.set_default_timeout(WAIT)
            boss.goto(boss_link, timeout=WAIT)
            boss.wait_for_selector(".crm-submissions:has-text('1 of 3 teams have submitted')")
            assert "Round 3 is open" in boss.inner_text(".crm-status")
            assert board.splitlines()[:3] == boss.inner_text(".crm-leaderboard").splitlines()[:3]
            boss.click(".crm-advance")
            boss.wait_for_selector(".crm-status:has-text('Round 4 is open')")
            browser.close()
    finally:
        kill(server)
        if resumed is not None:
            kill(resumed, signal.SIGTERM)
        shutil.rmtree(session / "voila-config", ignore_errors=True)
