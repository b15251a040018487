"""Scale benchmark of the live classroom with a real browser: N team pages, the instructor, one advance.

Why a browser and not only the engine: what a class feels is the time from opening the link to a
page that answers (a kernel per page, widgets over a websocket), the memory of the server with
every kernel, and the time from "Close round" to every team page showing the new round. This
drives real pages in headless Chromium and prints exactly those figures:

- per team page: seconds from opening the link until the page is *interactive* (a value typed into
  the decision form has been checked by the page's kernel and the budget line shows the result);
  the median, the 95th percentile and the maximum; then every team submits a decision of its own;
- memory of the server and all kernels after every page is open: the sum of PSS (proportional set
  size: shared libraries counted once in total) and, for comparison, the sum of RSS;
- the advance: seconds from clicking "Close round and run it" until the instructor page shows the
  next round, and until every team page shows it without a click (each page records the moment its
  text changes itself, with a MutationObserver, so the automation's polling of thirty background
  tabs does not add to the figure).

The instructor's page is opened first, as in class (the join codes go on the projector, then the
teams join): it imports the simulation engine in the background meanwhile, so the click runs only
the round.

Teams arrive ``--arrival`` seconds apart (students do not click at the same instant; 0 opens
every page at once).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulations.classroom.rounds import create_session
from simulations.classroom.server import free_port, start_server
from simulations.errors import UserError

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 120_000
#: Call-centre capacity the first team submits; team i submits one more than team i - 1 (all within the budget).
PHONE_FIRST = 310


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank (the convention of a p95 target)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


def server_memory(pid: int) -> dict[str, float]:
    """MiB of a server process and all its descendants (the kernels): PSS sum, RSS sum, process count."""
    import psutil

    root = psutil.Process(pid)
    pss = rss = 0.0
    count = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            info = proc.memory_full_info()
        except psutil.Error:
            continue
        pss += getattr(info, "pss", info.rss)
        rss += info.rss
        count += 1
    return {"pss_mib": pss / 2**20, "rss_mib": rss / 2**20, "processes": count}


async def _open_team(browser: Any, link: str, delay: float, phone: int,
                     say: Callable[[str], None]) -> tuple[Any, float]:
    """Open one team page; seconds until interactive, or infinity (with what the page showed) if never.

    Then the team submits its own decision (``phone`` contacts of call-centre capacity, one value per
    team), as teams do before a round closes, so the advance runs thirty different decisions.
    """
    await asyncio.sleep(delay)
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    started = time.perf_counter()
    try:
        await page.goto(link, timeout=TIMEOUT_MS)
        await page.wait_for_selector(".crm-budget:has-text('left per week')")
        field = ".crm-decision-phone_capacity input"
        before = await page.inner_text(".crm-budget")
        await page.fill(field, str(phone))
        await page.press(field, "Tab")
        await page.wait_for_function(f"document.querySelector('.crm-budget').innerText !== {before!r}")
    except Exception as err:  # noqa: BLE001 - a page that never answers is a figure, not a crash
        shown = " ".join((await page.evaluate("document.body ? document.body.innerText : ''"))[:200].split())
        say(f"page not interactive after {time.perf_counter() - started:.0f} s ({type(err).__name__}); it showed: "
            f"{shown!r}")
        return page, float("inf")
    interactive = time.perf_counter() - started
    try:
        await page.click(".crm-submit")
        await page.wait_for_selector(".crm-form-status:has-text('Submitted for')")
    except Exception as err:  # noqa: BLE001 - counted by the advance's message (teams that submitted)
        say(f"a team's submission was not confirmed ({type(err).__name__})")
    return page, interactive


#: Installed in a page before the click: records (wall clock, ms) when an element matching the selector
#: first contains the text. Why in the page: the automation polls 30 background tabs only now and
#: then, which added up to a second to when a page was seen to change; the page itself knows exactly.
_WATCH = """([selector, text]) => {
  window.__crmSeen = null;
  const check = () => {
    const el = document.querySelector(selector);
    if (window.__crmSeen === null && el && el.innerText.includes(text)) { window.__crmSeen = Date.now(); }
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true});
  check();
}"""


async def _watch(page: Any, selector: str, text: str) -> None:
    await page.evaluate(_WATCH, [selector, text])


async def _seen_after(page: Any, clicked_ms: float, timeout_ms: int = 60_000) -> float | None:
    """Seconds from the click (wall clock, ms) until the watched change happened in the page (None: never)."""
    try:
        await page.wait_for_function("window.__crmSeen !== null", timeout=timeout_ms)
    except Exception:  # noqa: BLE001 - a page that never shows it is counted, not fatal
        return None
    return (await page.evaluate("window.__crmSeen") - clicked_ms) / 1000.0


async def _report_seen(page: Any, started: float) -> float | None:
    """Seconds from ``started`` until a team page shows its round report with the why (None: not within 2 minutes)."""
    try:
        await page.wait_for_selector(".crm-round-report .crm-why", timeout=120_000)
    except Exception:  # noqa: BLE001 - a page that never shows it is counted, not fatal
        return None
    return time.perf_counter() - started


async def _drive(chromium: str, links: list[str], boss_link: str, arrival: float, pid: int,
                 say: Callable[[str], None]) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=FLAGS)
        # the instructor opens the page first, as in class (codes on the projector, then teams join)
        boss = await browser.new_page()
        boss.set_default_timeout(TIMEOUT_MS)
        await boss.goto(boss_link, timeout=TIMEOUT_MS)
        await boss.wait_for_selector(".crm-status:has-text('is open')")
        opened = await asyncio.gather(*(_open_team(browser, link, i * arrival, PHONE_FIRST + i, say)
                                        for i, link in enumerate(links)))
        times = [seconds for _, seconds in opened]
        say(f"team page interactive: median {statistics.median(times):.1f} s, p95 {percentile(times, 0.95):.1f} s, "
            f"max {max(times):.1f} s, {sum(t == float('inf') for t in times)} never (target p95 <= 8 s)")
        pages = [page for page, seconds in opened if seconds != float("inf")]
        memory_all = server_memory(pid)
        await asyncio.gather(*(_watch(page, ".crm-team-header", "round 1 is open") for page in pages))
        await _watch(boss, ".crm-message", "closed and run")
        started = time.perf_counter()
        clicked_ms = time.time() * 1000.0
        await boss.click(".crm-advance")
        advance_page = await _seen_after(boss, clicked_ms, TIMEOUT_MS)
        if advance_page is None:
            advance_page = float("nan")
        message = await boss.inner_text(".crm-message")
        say(f"advance: the instructor page shows the next round after {advance_page:.1f} s; {message}")
        updated = await asyncio.gather(*(_seen_after(page, clicked_ms) for page in pages))
        seen = [t for t in updated if t is not None]
        advance_all = max(seen) if len(seen) == len(pages) else float("nan")
        say(f"advance: {len(seen)} of {len(pages)} team pages showed the next round without a click, the median after "
            f"{statistics.median(seen) if seen else float('nan'):.1f} s, the last after {max(seen, default=float('nan')):.1f} s")
        reported = [t for t in await asyncio.gather(*(_report_seen(page, started) for page in pages)) if t is not None]
        say(f"round report: {len(reported)} of {len(pages)} team pages showed it with its why, the last "
            f"{max(reported, default=float('nan')):.1f} s after the click (background worker, after the advance)")
        await browser.close()
    return {"times": times, "memory_all": memory_all, "advance_page": advance_page,
            "advance_all": advance_all, "advance_message": message}


def bench_pages(teams: int, customers: int, case: str = "telecom-churn", arrival: float = 0.5,
                say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the benchmark on a fresh session in a temporary folder; print and return the figures."""
    chromium = shutil.which("chromium")
    if chromium is None:
        raise UserError("the browser benchmark needs Chromium (`chromium` on PATH)")
    with tempfile.TemporaryDirectory(prefix="crm-classroom-pagebench-") as tmp:
        folder = Path(tmp) / "s"
        store, token = create_session(case, teams, folder, customers=customers)
        members = store.members(token)
        first_role = members[0].role
        host = "127.0.0.1"
        port = free_port(host)
        links = [f"http://{host}:{port}/voila/render/team.ipynb?code={m.code}" for m in members if m.role == first_role]
        boss_link = f"http://{host}:{port}/voila/render/instructor.ipynb?key={token}"
        log = Path(tempfile.gettempdir()) / "crm-classroom-bench-server.log"  # never into the user's folder (a checkout)
        log.unlink(missing_ok=True)
        proc = start_server(folder, host, port, log=log)
        say(f"server log: {log}")
        try:
            say(f"{teams} team pages ({customers:,} customers, one page opened every {arrival:g} s) ...")
            figures = asyncio.run(_drive(chromium, links, boss_link, arrival, proc.pid, say))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except Exception:  # noqa: BLE001 - a server that does not stop is killed
                proc.kill()
    m = figures["memory_all"]
    say(f"memory of the server and every page's kernel (instructor and teams): {m['pss_mib']:,.0f} MiB PSS "
        f"({m['rss_mib']:,.0f} MiB RSS) in {m['processes']} processes (target <= 2048 MiB)")
    say(f"advance: instructor page {figures['advance_page']:.1f} s, every team page {figures['advance_all']:.1f} s "
        "(target <= 3 s)")
    return figures
