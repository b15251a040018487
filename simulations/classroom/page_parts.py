"""Parts both classroom pages share: language, case texts, the lost-server banner, auto-update, tables.

Why these rules (CLASSROOM_NOTES.md): pages are made of widgets whose ``.value`` is set (HTML,
Label...), never of ``Output`` widgets written during the first render; every widget a test or a
person looks for carries a CSS class (``crm-...``).

Auto-update: a Voila page keeps its kernel while it is open, so a daemon thread in the kernel
polls the session store every :data:`POLL_SECONDS` (one cheap query, :meth:`Store.stamp`) and
redraws when anything changed: a round opened or closed, an event, results, another member's
submission. Nobody has to click Refresh.

Lost-server banner without JavaScript: every poll rewrites the banner widget with a fresh nonce,
which replaces its HTML and restarts a CSS animation that reveals the banner after
:data:`LOST_AFTER_SECONDS`. While the kernel lives, the animation never finishes; when the server
or the kernel is gone, nothing rewrites it and the banner appears, with a reload link.

Case texts (narrative, roles, decisions, events) go through :func:`case_text`, the one place that
picks a case field's language.
"""

from __future__ import annotations

import html
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from simulations.classroom.store import SESSION_ENV, WARMUP
from simulations.errors import UserError
from simulations.i18n import LANGUAGES, N_, current_language, translator

if TYPE_CHECKING:  # widgets are imported where they are made: round reports render in a core install too
    import ipywidgets as w

#: Seconds between two polls of the session store by an open page (a change shows within this).
POLL_SECONDS = 0.5
#: Seconds after the page's cell has finished running before its first poll (the kernel's reply and
#: idle status go out first, so the server has collected the cell's outputs).
FIRST_POLL_AFTER_CELL_SECONDS = 0.5
#: Seconds after a page is built before its first poll when no notebook cell runs it (a plain script).
FIRST_POLL_SECONDS = 5.0
#: Seconds between two rewrites of the lost-server banner (each is a message to the browser).
HEARTBEAT_SECONDS = 3.0
#: Seconds without a word from the kernel after which the page says it lost its server.
LOST_AFTER_SECONDS = 12
#: A page stops polling after this long, so a kernel whose tab vanished without closing is culled.
MAX_PAGE_SECONDS = 8 * 3600
#: Names of the languages in the selector, each in its own language.
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "zh": "中文"}
#: Result figures shown to teams, with labels.
SHOWN: tuple[tuple[str, str], ...] = (
    ("revenue", N_("Revenue")), ("profit", N_("Profit")), ("cost_total", N_("Costs")),
    ("acquisitions", N_("New customers")), ("buyers", N_("Buying customers")), ("notices", N_("Notices received")),
    ("tickets", N_("Service tickets")), ("complaints", N_("Complaints")), ("service_level", N_("Service level")),
    ("survey_satisfaction", N_("Survey satisfaction (1-5)")), ("loyalty_members", N_("Loyalty members")),
    ("community_members", N_("Community members")),
)

Translate = Callable[[str], str]
#: Texts shown inside HTML markup (marked here so the catalog finds them).
T_NO_RESULTS_YET = N_('No results yet.')
T_RELOAD = N_('Reload')


def session_folder(folder: str | Path | None = None) -> Path:
    """The session folder: the argument, else the environment variable the server sets."""
    value = folder if folder is not None else os.environ.get(SESSION_ENV)
    if not value:
        raise UserError(f"no classroom session: start one with `crm-sandbox classroom start CASE` ({SESSION_ENV} is unset)")
    return Path(value)


def query_param(name: str) -> str:
    """A parameter of the page's URL (Voila passes the query string to the kernel)."""
    values = parse_qs(os.environ.get("QUERY_STRING", "")).get(name, [])
    return values[0] if values else ""


def page_language(lang: str | None = None) -> str:
    """The language a page opens in: the argument (``?lang=`` in the URL), else ``CRM_LANG``, else English."""
    if lang:
        try:
            from simulations.i18n import normalise_language

            return normalise_language(lang, "lang")
        except UserError:
            pass
    try:
        return current_language()
    except UserError:
        return "en"


def case_text(item: Any, field: str, lang: str) -> str:
    """A text field of a case object (case, role, decision, event) in ``lang``.

    Case texts are bilingual (:class:`~simulations.classroom.case.Text`); this is the one place the
    pages read them, so every case text on a page is in the page's language.
    """
    return _in_language(getattr(item, field), lang)


def case_list(item: Any, field: str, lang: str) -> list[str]:
    """A list-of-texts field of a case object in ``lang`` (see :func:`case_text`)."""
    return [_in_language(x, lang) for x in getattr(item, field)]


def _in_language(value: Any, lang: str) -> str:
    """A bilingual case text in ``lang``; a plain value (a number, an id) as it is."""
    return value.get(lang) if hasattr(value, "get") and not isinstance(value, dict) else str(value)


def case_html(text: str) -> str:
    """Case text as paragraphs, marked as case text (``crm-case-text``)."""
    paragraphs = [p.strip() for p in str(text).split("\n\n") if p.strip()]
    return "".join(f"<p class='crm-case-text'>{html.escape(' '.join(p.split()))}</p>" for p in paragraphs)


def case_span(text: str) -> str:
    """A short case text inline, marked as case text."""
    return f"<span class='crm-case-text'>{html.escape(str(text))}</span>"


def error_html(message: str) -> str:
    """A message in the red bold every page uses for refusals and failures."""
    return f"<b style='color:#b00'>{html.escape(message)}</b>"


_shared: dict[str, w.Widget] = {}


def text(value: str = "") -> w.HTML:
    """An HTML widget sharing one Layout and one style model with every other one in the kernel.

    Why: each widget model is a message the server relays while a page opens; a plain ``HTML``
    brings its own Layout and HTMLStyle, so sharing them cuts a team page from about 195 models
    to about 110. Under a burst of pages the server's message relay is what saturates first.
    """
    import ipywidgets as w
    from ipywidgets.widgets.widget_string import HTMLStyle

    if "layout" not in _shared:
        _shared["layout"], _shared["style"] = w.Layout(), HTMLStyle()
    return w.HTML(value, layout=_shared["layout"], style=_shared["style"])


def css(widget: w.Widget, *classes: str) -> w.Widget:
    """``widget`` with CSS classes added (tests and people find widgets by them)."""
    for c in classes:
        widget.add_class(c)
    return widget


def close_tree(widgets: tuple[w.Widget, ...] | list[w.Widget]) -> None:
    """Close widgets and everything inside them (a page redrawn in another language drops the old ones).

    Why: a closed widget frees its comm in the kernel and its view in the browser; replaced but
    unclosed widgets would stay in both for as long as the page is open.
    """
    for widget in widgets:
        close_tree(getattr(widget, "children", ()))
        widget.close()


def language_selector(lang: str, on_change: Callable[[str], None]) -> w.Dropdown:
    """The English / 中文 selector at the top of both pages."""
    import ipywidgets as w

    choice = w.Dropdown(options=[(LANGUAGE_NAMES[x], x) for x in LANGUAGES], value=lang,
                        layout=w.Layout(width="110px"))
    choice.observe(lambda change: on_change(change["new"]), names="value")
    return css(choice, "crm-lang")


def banner_html(_: Translate) -> str:
    """The lost-server banner, hidden for :data:`LOST_AFTER_SECONDS` from now (see the module docstring)."""
    nonce = uuid.uuid4().hex[:8]
    message = html.escape(_("This page has lost its connection to the server. Your submitted decisions are safe. "
                         "When the instructor says the server is back, reload this page."))
    return (f"<style>@keyframes crm-lost-{nonce} {{ to {{ visibility: visible; }} }}</style>"
            f"<div class='crm-lost-banner' style='visibility:hidden;animation:crm-lost-{nonce} 0s "
            f"{LOST_AFTER_SECONDS}s forwards;background:#b00;color:white;padding:8px;font-weight:bold'>"
            f"{message} <a href='' class='crm-reload' style='color:white;text-decoration:underline'>"
            f"{html.escape(_(T_RELOAD))}</a></div>")


class Banner:
    """The lost-server banner widget, rewritten at most every :data:`HEARTBEAT_SECONDS` (see the module docstring)."""

    def __init__(self, _: Translate) -> None:
        self.widget = css(text(banner_html(_)), "crm-banner")
        self.last = time.monotonic()

    def beat(self, _: Translate, force: bool = False) -> None:
        """Push the banner's hiding time forward (the kernel is alive); ``force`` also after a language change."""
        now = time.monotonic()
        if force or now - self.last >= HEARTBEAT_SECONDS:
            self.widget.value = banner_html(_)
            self.last = now


class Poller:
    """A daemon thread that calls ``tick`` every :data:`POLL_SECONDS` while the page's kernel lives.

    Why a thread: the kernel's own loop is busy only while a callback runs, so a background thread
    is what lets the page change without a click (measured: the browser shows a value set here
    within about a second). ``tick`` runs under the page's lock, as every click handler does.
    """

    def __init__(self, tick: Callable[[], None], lock: threading.RLock) -> None:
        self.tick, self.lock = tick, lock
        self.stopped = threading.Event()
        self.cell_done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="crm-page-poller", daemon=True)

    def start(self) -> None:
        """Start polling once the cell that builds the page has finished (see :meth:`_run`)."""
        shell = _ipython()
        if shell is not None:
            def done(*_args: Any) -> None:
                self.cell_done.set()
                shell.events.unregister("post_run_cell", done)
            shell.events.register("post_run_cell", done)
        self.thread.start()

    def stop(self) -> None:
        """Stop polling (tests; a kernel's exit ends the daemon thread anyway)."""
        self.stopped.set()
        self.cell_done.set()

    def _run(self) -> None:
        deadline = time.monotonic() + MAX_PAGE_SECONDS
        # the first poll waits until the page has been sent: messages from this thread carry the page
        # cell's parent, and the server collects that cell's outputs until the cell has finished. A
        # fixed wait (5 s) made a page opened just before a round change show it seconds late.
        self.cell_done.wait(FIRST_POLL_SECONDS)
        if self.stopped.wait(FIRST_POLL_AFTER_CELL_SECONDS if self.cell_done.is_set() else 0.0):
            return
        while not self.stopped.wait(POLL_SECONDS) and time.monotonic() < deadline:
            try:
                with self.lock:
                    self.tick()
            except Exception:  # noqa: BLE001 - a failed poll (store busy) must not end auto-update
                continue


def _ipython() -> Any:
    """The running IPython shell (a Voila page's kernel), or None in a plain script or test."""
    try:
        from IPython import get_ipython
    except ImportError:  # a core install without IPython
        return None
    return get_ipython()


def round_name(r: int, _: Translate) -> str:
    """A round as pages name it."""
    if r == WARMUP:
        return _("warm-up (before you)")
    return _("practice") if r == 0 else _("round {n}").format(n=r)


def fmt(metric: str, value: float) -> str:
    """A result figure as shown (percent, two decimals, or thousands)."""
    if metric == "service_level":
        return f"{value:.0%}"
    if metric == "survey_satisfaction":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def results_table(rows: list[dict[str, Any]], _: Translate) -> str:
    """HTML table of result rows (one column per round)."""
    if not rows:
        return f"<p><i>{html.escape(_(T_NO_RESULTS_YET))}</i></p>"
    head = "".join(f"<th>{html.escape(round_name(r['round'], _))}</th>" for r in rows)
    body = []
    for key, label in SHOWN:
        if not any(r["metrics"].get(key) for r in rows):
            continue
        cells = "".join(f"<td style='text-align:right'>{fmt(key, r['metrics'].get(key, 0.0))}</td>" for r in rows)
        body.append(f"<tr><td>{html.escape(_(label))}</td>{cells}</tr>")
    return f"<table class='crm-table'><tr><th></th>{head}</tr>{''.join(body)}</table>"


def weekly_plot(records: list[dict[str, Any]], title: str, _: Translate) -> str:
    """Weekly revenue and profit as an inline SVG line chart, rounds marked by thin lines.

    Why SVG by hand: matplotlib and pandas would add about 120 MiB and a second of start-up to
    every team kernel, and a team page needs only two lines on one chart.
    """
    width, height, pad = 640, 220, 44
    head = f"<div><b>{html.escape(title)}</b></div>"
    if not records:
        return head + f"<p><i>{html.escape(_(T_NO_RESULTS_YET))}</i></p>"
    weeks = [r["week"] for r in records]
    series = {"revenue": ("#1f77b4", _("revenue")), "profit": ("#d62728", _("profit"))}
    values = [r[k] for r in records for k in series]
    x0, x1 = min(weeks), max(max(weeks), min(weeks) + 1)
    y0, y1 = min(min(values), 0.0), max(max(values), 1.0)

    def xy(week: float, value: float) -> tuple[float, float]:
        x = pad + (week - x0) / (x1 - x0) * (width - 2 * pad)
        y = height - pad + (value - y0) / (y1 - y0) * (2 * pad - height)
        return x, y

    zero = xy(x0, 0)[1]
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-size='11'>",
             f"<line x1='{pad}' y1='{zero:.1f}' x2='{width - pad}' y2='{zero:.1f}' stroke='#999' stroke-width='0.5'/>"]
    starts = sorted({min(r["week"] for r in records if r["round"] == n) for n in {r["round"] for r in records}})
    for s in starts[1:]:
        x = xy(s - 0.5, y0)[0]
        parts.append(f"<line x1='{x:.1f}' y1='{pad / 2}' x2='{x:.1f}' y2='{height - pad}' stroke='#ccc'/>")
    for i, (key, (colour, label)) in enumerate(series.items()):
        points = " ".join("{:.1f},{:.1f}".format(*xy(r["week"], r[key])) for r in records)
        parts.append(f"<polyline fill='none' stroke='{colour}' stroke-width='1.5' points='{points}'/>")
        parts.append(f"<text x='{pad + 90 * i}' y='14' fill='{colour}'>{html.escape(label)}</text>")
    parts.append(f"<text x='2' y='{pad / 2 + 8}'>{y1:,.0f}</text><text x='2' y='{height - pad}'>{y0:,.0f}</text>")
    first, last = (html.escape(_("week {n}").format(n=n)) for n in (x0, x1))
    parts.append(f"<text x='{pad}' y='{height - pad + 16}'>{first}</text>"
                 f"<text x='{width - pad - 50}' y='{height - pad + 16}'>{last}</text></svg>")
    return head + "".join(parts)


def make_translator(lang: str) -> Translate:
    """``_`` for one page's language."""
    return translator(lang)
