"""Issue 15 points 1, 2 and 6 and the language selector, in a real browser against one shared server.

One server (two teams, a small world) serves every test of this module; tests run in file order
and build on each other's state (round 0 submissions, then round 1), which keeps the module to one
server start and a handful of kernels. Nobody clicks Refresh: every change made on one page is
waited for on another within :data:`AUTO_UPDATE`.
"""

from __future__ import annotations

import io
import re
import shutil
import signal
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulations.classroom.case import load_case
from simulations.classroom.server import free_port
from tests.browser.support import AUTO_UPDATE, FLAGS, HOST, WAIT, instructor_link, kernels, kill, member_links, serve
from tests.conftest import need_tool

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("test_classroom_live")]
CASE = load_case("telecom-churn")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A served session with two teams and a browser; yields links, the server process and the browser."""
    chromium = need_tool("chromium")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("live")
    port = free_port(HOST)
    server, text = serve(["start", "telecom-churn", "--teams", "2", "--customers", "800", "--session-dir",
                          str(tmp / "session"), "--host", HOST, "--port", str(port)], tmp / "start.log")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
            yield {"server": server, "base": f"http://{HOST}:{port}", "members": member_links(text),
                   "boss": instructor_link(text), "browser": browser, "pages": {}, "tmp": tmp}
            browser.close()
    finally:
        kill(server, signal.SIGKILL)
        shutil.rmtree(tmp / "session" / "voila-config", ignore_errors=True)


def _open(live: dict[str, Any], name: str, link: str, ready: str):
    """A page kept open across tests of the module (opened once)."""
    if name not in live["pages"]:
        page = live["browser"].new_page()
        page.set_default_timeout(WAIT)
        page.goto(link, timeout=WAIT)
        page.wait_for_selector(ready)
        live["pages"][name] = page
    return live["pages"][name]


def _member(live: dict[str, Any], team: int, role: str):
    return _open(live, f"{team}-{role}", live["members"][(team, role)], ".crm-team-header")


def _boss(live: dict[str, Any]):
    return _open(live, "boss", live["boss"], ".crm-submissions")


def _status(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=30).status
    except urllib.error.HTTPError as err:
        return err.code


def test_no_kernel_without_a_valid_code_and_no_listing(live: dict[str, Any]) -> None:
    base, server = live["base"], live["server"]
    before = kernels(server)
    good = live["members"][(1, "service")]
    code = re.search(r"code=(\w+)", good).group(1)
    near = code[:-1] + ("Y" if code.endswith("X") else "X")  # one character off, never the code itself
    refused = {
        "/voila/render/team.ipynb": 403, "/voila/render/team.ipynb?code=WRONG123": 403,
        f"/voila/render/team.ipynb?code={near}": 403, "/voila/render/instructor.ipynb": 403,
        f"/voila/render/instructor.ipynb?code={code}": 403, "/voila/render/instructor.ipynb?key=guess": 403,
        "/": 404, "/voila/tree": 404, "/voila/tree/": 404, "/voila/api/contents": 404,
        "/voila/api/contents/": 404, "/voila/render/": 404, "/voila/render/other.ipynb": 404,
        "/voila/files/team.ipynb": 403, "/voila/files/instructor.py": 403,
    }
    for path, status in refused.items():
        assert _status(base + path) == status, path
    for path in ("/", "/voila/tree"):
        body = urllib.request.Request(base + path)
        try:
            urllib.request.urlopen(body, timeout=30)
        except urllib.error.HTTPError as err:
            assert ".ipynb" not in err.read().decode()
    assert kernels(server) == before, "a refused request started a kernel"


def test_each_member_sees_only_their_roles_private_brief(live: dict[str, Any]) -> None:
    service, marketing = _member(live, 1, "service"), _member(live, 1, "marketing")
    brief = {r.id: " ".join(r.private_brief.get("en").split())[:60] for r in CASE.roles}
    assert brief["service"] in " ".join(service.inner_text(".crm-role-brief").split())
    assert brief["marketing"] in " ".join(marketing.inner_text(".crm-role-brief").split())
    for page, own in ((service, "service"), (marketing, "marketing")):
        text = " ".join(page.inner_text(".crm-team-content").split())
        assert all(brief[r] not in text for r in brief if r != own), own
        assert all(r.title.get("en") in page.inner_text(".crm-team-roles") for r in CASE.roles if r.id != own)
    assert "Customer service director" in service.inner_text(".crm-team-header")


def test_bad_input_is_shown_refused_never_changed(live: dict[str, Any]) -> None:
    page = _member(live, 1, "service")
    field = ".crm-decision-phone_capacity input"
    for typed, reason in (("lots", "is not a number"), ("99999", "is outside"), ("-5", "is outside"),
                          ("400.5", "not a whole number")):
        page.fill(field, typed)
        page.press(field, "Tab")
        page.wait_for_selector(f".crm-field-error-phone_capacity:has-text('{reason}')")
        page.click(".crm-submit")
        page.wait_for_selector(".crm-form-status:has-text('Not submitted')")
        assert page.input_value(field) == typed  # left as typed: refused, not clamped
    assert "version" not in page.inner_text(".crm-form-status")


def test_stale_form_is_refused_and_updates_arrive_without_a_click(live: dict[str, Any]) -> None:
    a, b, boss = _member(live, 1, "service"), _member(live, 1, "marketing"), _boss(live)
    field = ".crm-decision-phone_capacity input"
    a.fill(field, "400")
    a.press(field, "Tab")
    b.fill(field, "350")  # b edits the same original version
    b.press(field, "Tab")
    a.wait_for_selector(".crm-budget:has-text('left per week')")
    a.click(".crm-submit")
    a.wait_for_selector(".crm-form-status:has-text('version 1, by Customer service director')")
    boss.wait_for_selector(".crm-submissions:has-text('version 1, by Customer service director')", timeout=AUTO_UPDATE)
    b.wait_for_selector(".crm-form-status:has-text('while you were editing')", timeout=AUTO_UPDATE)
    b.click(".crm-submit")
    b.wait_for_selector(".crm-form-status:has-text('Refused')")
    assert "400" in b.inner_text(".crm-current") and b.input_value(field) == "350"
    b.click(".crm-submit")  # seen the current decision: replace it deliberately
    b.wait_for_selector(".crm-form-status:has-text('version 2, by Marketing director')")
    # a's page follows without a click, and the instructor sees who submitted
    a.wait_for_function("document.querySelector('.crm-decision-phone_capacity input').value === '350'",
                        timeout=AUTO_UPDATE)
    a.wait_for_selector(".crm-form-status:has-text('version 2, by Marketing director')", timeout=AUTO_UPDATE)
    boss.wait_for_selector(".crm-submissions:has-text('version 2, by Marketing director')", timeout=AUTO_UPDATE)
    # round closed, event injected into the open round: both reach the team page without a click
    boss.click(".crm-advance")
    boss.wait_for_selector(".crm-status:has-text('Round 1 is open')")
    a.wait_for_selector(".crm-team-header:has-text('round 1 is open')", timeout=AUTO_UPDATE)
    a.wait_for_selector(".crm-results:has-text('practice')", timeout=AUTO_UPDATE)
    boss.select_option(".crm-event select", label="A network outage floods the call centre with calls.")
    boss.click(".crm-inject")
    a.wait_for_selector(".crm-news:has-text('round 1'):has-text('network outage')", timeout=AUTO_UPDATE)


def test_instructor_downloads_the_export_from_the_page(live: dict[str, Any]) -> None:
    a, boss = _member(live, 1, "service"), _boss(live)
    a.fill(".crm-memo textarea", "- profit round 1: 1000\n- revenue round 1: 5")
    a.click(".crm-memo-check")
    a.wait_for_selector(".crm-memo-result:has-text('memo version 1')")
    a.click(".crm-memo-check")
    a.wait_for_selector(".crm-memo-result:has-text('memo version 2')")
    boss.click(".crm-advance")
    boss.wait_for_selector(".crm-status:has-text('Round 2 is open')")
    boss.click(".crm-export")
    boss.wait_for_selector(".crm-download-link", timeout=WAIT)
    with boss.expect_download(timeout=WAIT) as download:
        boss.click(".crm-download-link")
    data = Path(download.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        history = zf.read("decisions_history.csv").decode()
        memo = zf.read("memos/team_01/round_1_v2.md").decode()
    assert {"decisions.csv", "decisions_history.csv", "results.csv", "round_reports/round_0.csv",
            "round_reports/round_1.csv", "keys/leaderboard.csv", "memos/team_01/round_1_v1.md", "README.md"} <= names
    assert "submitted_by" in history and "service" in history and "marketing" in history
    assert "submitted by: service" in memo and "Figure check" in memo
    assert not (live["tmp"] / "session" / "export").exists()  # nothing written beside the store but the download
    key = re.search(r"key=([\w-]+)", live["boss"]).group(1)
    link = boss.get_attribute(".crm-download-link", "href")
    assert _status(live["base"] + link.replace(key, "wrong")) == 403


ENGLISH = re.compile(r"[A-Za-z]{2,}")
#: Latin words allowed on a Chinese page: the currency code and the file type of the export.
ALLOWED = {"CNY", "zip"}


def _page_words(page) -> set[str]:
    """Latin words on the page (case texts included: they are bilingual too), outside codes and the language names."""
    text = page.evaluate("""() => {
        const root = document.querySelector('.crm-team-page, .crm-instructor-page').cloneNode(true);
        root.querySelectorAll('.crm-lang, code, svg, img, style, script').forEach(e => e.remove());
        const inputs = Array.from(root.querySelectorAll('button')).map(b => b.textContent).join(' ');
        return root.innerText + ' ' + inputs;
    }""")
    return set(ENGLISH.findall(text)) - ALLOWED


def test_chinese_pages_show_no_english(live: dict[str, Any]) -> None:
    for page in (_member(live, 2, "finance"), _boss(live)):
        page.select_option(".crm-lang select", label="中文")
        page.wait_for_selector(".crm-team-header:has-text('组'), .crm-status:has-text('轮')")
        page.wait_for_timeout(1000)  # the whole page is redrawn: let the last widgets arrive
        assert _page_words(page) == set(), page.url
        page.select_option(".crm-lang select", label="English")
        page.wait_for_selector(".crm-team-header:has-text('Team'), .crm-status:has-text('open')")
