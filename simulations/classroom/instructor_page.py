"""The instructor's page: submissions with their submitters, advance, events, leaderboard, debrief, export.

Why it updates itself: submissions arrive from other pages' kernels; the same poller as the team
pages (:mod:`simulations.classroom.page_parts`) redraws the counts as they come in. The
leaderboard and the debrief plot (pandas, matplotlib) are redrawn only when results change.

Why the export is a download: the instructor works in a browser, often on another machine than
the server; the zip is written into the session folder (never the served folder) and fetched
through the server's key-checked download route (:mod:`simulations.classroom.voila_app`).
"""

from __future__ import annotations

import html
import io
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import ipywidgets as w

from simulations.classroom.case import Case
from simulations.classroom.page_parts import (
    Banner,
    Poller,
    Translate,
    case_list,
    case_span,
    case_text,
    close_tree,
    css,
    error_html,
    language_selector,
    make_translator,
    page_language,
    round_name,
    session_folder,
    text,
)
from simulations.classroom.round_report import ReportsPanel, forget_round
from simulations.classroom.session import counted_rounds, round_events, session_case
from simulations.classroom.store import BENCHMARK, AccessError, Store
from simulations.errors import UserError
from simulations.i18n import N_

#: Texts shown inside HTML markup (marked here so the catalog finds them).
T_DEBRIEF_QUESTIONS = N_('Debrief questions')
T_DOWNLOAD_THE_EXPORT = N_('Download the export')
T_EVENTS_THIS_ROUND = N_('Events this round:')
T_EVENT_INJECTED_INTO_ROUND = N_('Event injected into {round}:')
T_JOIN_CODES_ONE_PER_TEAM_AND_ROLE = N_('Join codes (one per team and role)')
T_LEADERBOARD = N_('Leaderboard')
T_NO_ROUND_PLAYED_YET = N_('No round played yet.')
T_ROUND_REPORTS = N_('Round reports')
T_PRACTICE_ROUND_RESET = N_('Practice round reset.')
T_TEAM_N = N_('Team {n}')
T_THE_EXPORT_IS_READY = N_('The export is ready.')


def _warm_engine() -> None:
    """Import the simulation engine in the background once the instructor's page is up.

    Why: the page itself does not need the engine (the page must be interactive fast), but the
    first "Close round" click did, and importing Mesa and the mechanisms took about a second of
    the 3 s an advance may take with 30 teams. Imported while the class joins, the click only
    runs the round. A click during the import simply waits for it (Python's import lock).
    """
    import simulations.classroom.rounds  # noqa: F401


class InstructorPage:
    """The instructor's page, opened with the instructor key (the link's ``?key=``)."""

    def __init__(self, folder: str | Path | None = None, key: str | None = None, lang: str | None = None,
                 poll: bool = False) -> None:
        self.store = Store(session_folder(folder))
        self.case: Case = session_case(self.store)
        self.lang = page_language(lang)
        self._: Translate = make_translator(self.lang)
        self.lock = threading.RLock()
        self.token = ""
        self._stamp: tuple[int, ...] = ()
        self._results_seen = -1
        self.download_url = ""
        self.background = poll  # a live page starts the round reports' worker; tests complete them in-process
        self.selector = language_selector(self.lang, self.set_language)
        self.title = css(text(""), "crm-title")
        self.banner = Banner(self._)
        self.unlock_status = css(text(""), "crm-unlock-status")
        self.content = css(w.VBox([]), "crm-instructor-content")
        self.widget = css(w.VBox([w.HBox([self.title, self.selector]), self.banner.widget, self.unlock_status, self.content]),
                          "crm-instructor-page")
        self._title()
        try:
            self.store.check_instructor(key or "")
        except AccessError:
            self.unlock_status.value = error_html(self._("This link has no valid instructor key."))
            return
        self.token = (key or "").strip()
        self._build()
        if poll:
            Poller(self.tick, self.lock).start()
            threading.Thread(target=_warm_engine, name="crm-warm-engine", daemon=True).start()

    def _title(self) -> None:
        heading = self._("Instructor")
        self.title.value = f"<h2>{html.escape(heading)}: {case_span(case_text(self.case, 'title', self.lang))}</h2>"

    def set_language(self, lang: str) -> None:
        """Redraw the page in another language."""
        with self.lock:
            self.lang, self._ = lang, make_translator(lang)
            self._title()
            self.banner.beat(self._, force=True)
            if self.token:
                self._build()

    def _button(self, label: str, css_class: str, action: Any, style: str = "") -> w.Button:
        b = css(w.Button(description=label, button_style=style, layout=w.Layout(width="auto")), css_class)
        b.on_click(lambda _b: self._run(b, action))
        return b

    def _locked(self, action: Any) -> None:
        with self.lock:
            action()

    def _run(self, button: w.Button, action: Any) -> None:
        with self.lock:
            button.disabled = True
            try:
                action()
            except UserError as err:
                self.message.value = error_html(err.translated(self._))
            finally:
                button.disabled = False
            self._stamp = ()
            self.tick()

    def _build(self) -> None:
        _ = self._
        self.status = css(text(""), "crm-status")
        self.submissions = css(text(""), "crm-submissions")
        self.message = css(text(""), "crm-message")
        self.download = css(text(""), "crm-download")
        self.event = css(w.Dropdown(options=[(case_text(e, "headline", self.lang), e.id) for e in self.case.optional_events],
                                    layout=w.Layout(width="620px")), "crm-event", "crm-case-text")
        self.leaderboard = css(text(""), "crm-leaderboard")
        self.plot = css(w.Image(format="png"), "crm-debrief-plot")
        questions = "".join(f"<li>{case_span(q)}</li>" for q in case_list(self.case, "debrief", self.lang))
        debrief = css(text(f"<h3>{html.escape(_(T_DEBRIEF_QUESTIONS))}</h3><ol>{questions}</ol>"), "crm-debrief")
        from simulations.classroom.scene_page import InstructorScenePanel  # the scene phase (role play)

        self.scene = InstructorScenePanel(self.store, self.token, self.case, self.lang, _, self._locked)
        rows = "".join(
            f"<tr><td>{html.escape(_(T_TEAM_N).format(n=m.team))}</td>"
            f"<td>{case_span(case_text(self.case.role(m.role), 'title', self.lang)) if m.role else ''}</td>"
            f"<td><code>{m.code}</code></td></tr>" for m in self.store.members(self.token))
        codes = css(text(f"<h3>{html.escape(_(T_JOIN_CODES_ONE_PER_TEAM_AND_ROLE))}</h3>"
                           f"<table class='crm-table'>{rows}</table>"), "crm-codes")
        self._results_seen = -1
        self.reports = ReportsPanel(self.store, self.case, self.token, self.lang, self.lock, self.background)
        old = self.content.children
        self.content.children = [
            self.status, w.HBox([self._button(_("Close round and run it"), "crm-advance", self.advance, "danger"),
                                 self._button(_("Reset practice round"), "crm-reset-practice", self.reset_practice),
                                 self._button(_("Prepare the export (zip)"), "crm-export", self.export)]),
            self.message, self.download, self.submissions,
            text(f"<h3>{html.escape(_(T_ROUND_REPORTS))}</h3>"), self.reports.widget,
            w.HBox([self.event, self._button(_("Inject into open round"), "crm-inject", self.inject, "warning")]),
            text(f"<h3>{html.escape(_(T_LEADERBOARD))}</h3>"), self.leaderboard, self.plot, self.scene.widget, debrief, codes,
        ]
        close_tree(old)
        self._stamp = ()
        self.tick()

    # ---------------------------------------------------------------------------- actions
    def advance(self) -> None:
        """Close the open round and run it for every team."""
        from simulations.classroom.rounds import advance_round  # the engine: imported only where it runs

        _ = self._
        started = time.perf_counter()
        report = advance_round(self.store, self.token)
        self.message.value = "<b>" + html.escape(_(
            "{round} closed and run in {seconds:.1f} s ({submitted} of {teams} teams submitted; the others kept "
            "their decisions).").format(round=round_name(report.round, _).capitalize(), submitted=report.submitted,
                                        teams=report.teams, seconds=time.perf_counter() - started)) + "</b>"
        self.reports.round_closed()  # the round reports' why: a background worker, after the advance

    def reset_practice(self) -> None:
        """Forget the practice round's results so it can be played again."""
        self.store.reset_practice(self.token)
        forget_round(self.store, self.token, 0)
        self.message.value = f"<b>{html.escape(self._(T_PRACTICE_ROUND_RESET))}</b>"

    def inject(self) -> None:
        """Inject the chosen optional event into the open round (teams see it at once)."""
        if not self.event.value:
            raise UserError(self._("This case offers no optional events."))
        e = next(x for x in self.case.optional_events if x.id == self.event.value)
        r = self.store.info().current_round
        self.store.add_event(self.token, r, e.id, e.kind, e.headline.en, e.intensity, e.duration)  # pages read it by id
        self.message.value = (f"<b>{html.escape(self._(T_EVENT_INJECTED_INTO_ROUND).format(round=round_name(r, self._)))}"
                              f"</b> {case_span(case_text(e, 'headline', self.lang))}")

    def export(self) -> None:
        """Build the export zip in the session folder and show its download link."""
        from simulations.classroom.export import export_zip
        from simulations.classroom.voila_app import DOWNLOAD_ROUTE, DOWNLOADS

        file_id = uuid.uuid4().hex
        target = self.store.folder / DOWNLOADS / f"{file_id}.zip"
        parts = export_zip(self.store, self.token, target)
        name = f"{self.case.name}-export"
        self.download_url = f"{DOWNLOAD_ROUTE.lstrip('/')}{file_id}.zip?key={quote(self.token)}&name={quote(name)}"
        self.download.value = (f"<a class='crm-download-link' href='{html.escape(self._server_root() + self.download_url)}' "
                               f"download='{html.escape(name)}.zip'><b>{html.escape(self._(T_DOWNLOAD_THE_EXPORT))}</b></a> "
                               f"<small>({html.escape(', '.join(parts))})</small>")
        self.message.value = f"<b>{html.escape(self._(T_THE_EXPORT_IS_READY))}</b>"

    @staticmethod
    def _server_root() -> str:
        """The server's base path, from the page's own path (Voila passes it to the kernel)."""
        return os.environ.get("SCRIPT_NAME", "/").split("/voila/")[0].rstrip("/") + "/"

    # ----------------------------------------------------------------------------- redraw
    def tick(self) -> None:
        """One poll: keep the banner hidden, and redraw if anything has changed."""
        self.banner.beat(self._)
        if not self.token:
            return
        self.scene.tick()  # the scene phase polls its own stamp
        stamp = self.store.stamp()
        if stamp != self._stamp:
            self._stamp = stamp
            self.refresh()
        self.reports.tick()

    def refresh(self) -> None:
        """Redraw status, submissions with their submitters, and (when results changed) the leaderboard."""
        _ = self._
        info = self.store.info()
        r = info.current_round
        events = round_events(self.store, self.case, r, self.lang)
        state = _("The game is over") if info.finished else _("{round} is open").format(
            round=round_name(r, _).capitalize())
        head = _("{state} · {teams} teams · {customers:,} customers").format(state=state, teams=info.n_teams,
                                                                          customers=info.customers)
        news = "; ".join(case_span(e["headline"]) for e in events)
        self.status.value = (f"<h3>{html.escape(head)}</h3>"
                             + (f"<p>{html.escape(_(T_EVENTS_THIS_ROUND))} {news}</p>" if events else ""))
        subs = self.store.submissions(self.token, r)
        roles = {h["team"]: h["role"] for h in self.store.submission_history(self.token) if h["round"] == r}
        cells = []
        for t in self.store.team_numbers():
            if t in subs:
                role = roles.get(t, "")
                who = case_text(self.case.role(role), "title", self.lang) if role else _("the team")
                cell = _("version {version}, by {role}").format(version=subs[t][1], role=who)
            else:
                cell = "-"
            cells.append(f"<tr><td>{html.escape(_(T_TEAM_N).format(n=t))}</td><td>{html.escape(cell)}</td></tr>")
        count = _("{n} of {total} teams have submitted").format(n=len(subs), total=info.n_teams)
        self.submissions.value = f"<p><b>{html.escape(count)}</b></p><table class='crm-table'>{''.join(cells)}</table>"
        results = self.store.results()
        if len(results) != self._results_seen:
            self._results_seen = len(results)
            self._leaderboard(results)

    def _leaderboard(self, results: list[dict[str, Any]]) -> None:
        from simulations.classroom.scoring import leaderboard

        _ = self._
        rounds = counted_rounds(self.store, self.case)
        scope = rounds or ([0] if any(x["round"] == 0 for x in results) else [])
        board = leaderboard(results, self.case, scope)
        if board.empty:
            self.leaderboard.value = f"<p><i>{html.escape(_(T_NO_ROUND_PLAYED_YET))}</i></p>"
        else:
            label = _("practice round") if not rounds else _("rounds 1-{last}").format(last=max(rounds))
            heads = (_("rank"), _("team"), _("score"), _("profit"), _("profit index"), _("equity index"),
                     _("satisfaction index"))
            cells = "".join(f"<tr><td>{int(b['rank'])}</td><td>{html.escape(_(T_TEAM_N).format(n=int(b['team'])))}</td>"
                            f"<td>{b['score']:.1f}</td><td>{b['profit']:,.0f}</td><td>{b['profit_index']:.3f}</td>"
                            f"<td>{b['equity_index']:.3f}</td><td>{b['satisfaction_index']:.3f}</td></tr>"
                            for _i, b in board.iterrows())
            intro = _("Score over {scope} (100 = benchmark firm with the default decisions)").format(scope=label)
            self.leaderboard.value = (f"<p>{html.escape(intro)}</p><table class='crm-table'><tr>"
                                      + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + f"</tr>{cells}</table>")
        self.plot.value = debrief_plot(results, scope, _)


def debrief_plot(results: list[dict[str, Any]], rounds: list[int], _: Translate) -> bytes:
    """Cumulative profit by team and customer equity by team after each round (benchmark dashed), as PNG.

    Labels are in the page's language when a font can draw it; otherwise in English, because a
    label drawn as empty boxes helps nobody.
    """
    import matplotlib

    from simulations.i18n.fonts import use_cjk_font

    font = use_cjk_font() if _("profit") != "profit" else None
    if _("profit") != "profit" and font is None:
        _ = make_translator("en")
    with matplotlib.rc_context({"font.sans-serif": [font, "DejaVu Sans"]} if font else {}):
        return _draw_debrief(results, rounds, _)


def _draw_debrief(results: list[dict[str, Any]], rounds: list[int], _: Translate) -> bytes:
    import pandas as pd  # the instructor's kernel only
    from matplotlib.figure import Figure  # no pyplot: no backend state in the kernel

    fig = Figure(figsize=(9, 3))
    a1, a2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    frame = pd.DataFrame([{"team": r["team"], "round": r["round"], "profit": r["metrics"]["profit"],
                           "equity": r["hidden"]["equity"]} for r in results if r["round"] in rounds])
    if not frame.empty:
        for team, g in frame.groupby("team"):
            g = g.sort_values("round")
            style = {"ls": "--", "color": "black"} if team == BENCHMARK else {}
            name = _("benchmark") if team == BENCHMARK else _("team {n}").format(n=team)
            a1.plot(g["round"], g["profit"].cumsum(), marker="o", label=name, **style)
            a2.plot(g["round"], g["equity"], marker="o", label=name, **style)
        a1.legend(fontsize=7, ncol=2)
    a1.set_title(_("cumulative profit"), fontsize=10)
    a2.set_title(_("customer equity (truth)"), fontsize=10)
    from matplotlib.ticker import MaxNLocator

    for a in (a1, a2):
        a.set_xlabel(_("round"))
        a.xaxis.set_major_locator(MaxNLocator(integer=True))  # rounds are whole numbers
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return buf.getvalue()

