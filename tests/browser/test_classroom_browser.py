"""A live class in a real browser: three teams and the instructor, two rounds, an event, a crash.

Headless Debian Chromium driven by Playwright (never ``playwright install``), loopback only,
bounded waits; the server is killed (SIGKILL) mid-session, resumed, and nothing submitted or
played may be lost.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from simulations.classroom.server import free_port
from tests.conftest import need_tool

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HOST = "127.0.0.1"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT = 90_000  # ms: a fresh kernel per page on a busy 2-core machine


def _serve(args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    """Start `crm-sandbox classroom ...` in its own process group; return it and its printed links."""
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "simulations.cli", "classroom", *args], stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text()
        if "restart it with" in text:
            return proc, text
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {text}")
        time.sleep(0.3)
    _kill(proc)
    raise AssertionError(f"server did not start in time: {log.read_text()}")


def _kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    proc.wait(timeout=30)


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
    server, text = _serve(["start", "telecom-churn", "--teams", "3", "--customers", "1500", "--session-dir",
                           str(session), "--host", HOST, "--port", str(port)], tmp_path / "start.log")
    resumed = None
    try:
        key = re.search(r"instructor\.ipynb\?key=([\w-]+)", text).group(1)
        links = re.findall(r"(Team \d)\s+join code (\w+)\s+(\S+)", text)
        assert len(links) == 3
        base = f"http://{HOST}:{port}"
        listing = urllib.request.urlopen(f"{base}/voila/tree", timeout=30).read().decode()
        assert "sqlite" not in listing
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/voila/files/../session.sqlite", timeout=30)

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            started = time.perf_counter()
            teams = [_team(browser, link) for _, _, link in links]
            print(f"three team pages interactive in {time.perf_counter() - started:.1f} s")
            for i, page in enumerate(teams, start=1):
                assert f"Team {i}: practice is open" in page.inner_text(".crm-team-header")
                assert "reload" in page.inner_text(".crm-reload-hint")
            # roles and private briefs: each page shows only the brief of the role chosen there
            teams[0].select_option(".crm-role select", label="Customer service director")
            teams[0].wait_for_selector(".crm-role-brief:has-text('Private brief')")
            assert "outage" in teams[0].inner_text(".crm-role-brief")
            assert "Private brief" not in teams[1].inner_text(".crm-role-brief")
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
            boss.goto(f"{base}/voila/render/instructor.ipynb", timeout=WAIT)
            boss.wait_for_selector(".crm-key input")
            boss.fill(".crm-key input", "not-the-key")
            boss.click(".crm-unlock")
            boss.wait_for_selector(".crm-unlock-status:has-text('wrong instructor key')")
            assert boss.query_selector(".crm-advance") is None
            boss.goto(f"{base}/voila/render/instructor.ipynb?key={key}", timeout=WAIT)
            boss.wait_for_selector(".crm-submissions:has-text('2 of 3 teams have submitted')")
            assert "version 1" in boss.inner_text(".crm-submissions")

            # practice round, then round 1 with an injected outage, then round 2
            boss.click(".crm-advance")
            boss.wait_for_selector(".crm-status:has-text('Round 1 is open')")
            boss.select_option(".crm-event select", label="A network outage floods the call centre with calls.")
            boss.click(".crm-inject")
            boss.wait_for_selector(".crm-message:has-text('Event injected into round 1')")
            for page, phone in zip(teams, (450, 300, 600), strict=True):
                page.click(".crm-refresh")
                page.wait_for_selector(".crm-team-header:has-text('round 1 is open')")
                # widgets update one message at a time: wait for the table, not only the header
                page.wait_for_selector(".crm-results:has-text('practice')")
                _submit(page, phone)
            boss.click(".crm-refresh")
            boss.wait_for_selector(".crm-submissions:has-text('3 of 3 teams have submitted')")
            boss.click(".crm-advance")
            boss.wait_for_selector(".crm-status:has-text('Round 2 is open')")
            for page in teams:
                page.click(".crm-refresh")
                page.wait_for_selector(".crm-team-header:has-text('round 2 is open')")
                page.wait_for_selector(".crm-news:has-text('network outage')")
                page.wait_for_selector(".crm-results:has-text('round 1')")
            _submit(teams[2], 350)
            boss.click(".crm-advance")
            boss.wait_for_selector(".crm-status:has-text('Round 3 is open')")
            boss.wait_for_selector(".crm-leaderboard:has-text('rounds 1-2')")
            board = boss.inner_text(".crm-leaderboard")
            assert "rounds 1-2" in board and all(f"Team {i}" in board for i in (1, 2, 3))
            teams[0].click(".crm-refresh")
            teams[0].wait_for_selector(".crm-team-header:has-text('round 3 is open')")
            teams[0].wait_for_selector(".crm-results:has-text('round 2')")
            before = teams[0].inner_text(".crm-results")
            assert "Team 2" not in before and "round 2" in before
            _submit(teams[0], 420)  # submitted in round 3, then the server dies
            for page in (*teams, boss):
                page.close(run_before_unload=True)

            _kill(server)
            resumed, _ = _serve(["resume", str(session), "--host", HOST, "--port", str(port)], tmp_path / "resume.log")
            boss = browser.new_page()
            boss.set_default_timeout(WAIT)
            boss.goto(f"{base}/voila/render/instructor.ipynb?key={key}", timeout=WAIT)
            boss.wait_for_selector(".crm-submissions:has-text('1 of 3 teams have submitted')")
            assert "Round 3 is open" in boss.inner_text(".crm-status")
            assert board.splitlines()[:3] == boss.inner_text(".crm-leaderboard").splitlines()[:3]
            again = _team(browser, links[0][2])
            assert again.inner_text(".crm-results") == before
            assert "version 1" in again.inner_text(".crm-form-status")
            assert again.input_value(".crm-decision-phone_capacity input") == "420"
            boss.click(".crm-advance")
            boss.wait_for_selector(".crm-status:has-text('Round 4 is open')")
            boss.click(".crm-export")
            boss.wait_for_selector(".crm-message:has-text('Exported')")
            browser.close()
        assert (session / "export" / "datasets" / "team_03" / "orders.parquet").is_file()
    finally:
        _kill(server)
        if resumed is not None:
            _kill(resumed, signal.SIGTERM)
        shutil.rmtree(session / "voila-config", ignore_errors=True)
