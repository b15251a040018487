"""The team page and the instructor page, as ipywidgets built by library code (Voila renders them).

Why here and not in the notebooks: the notebooks in ``cases/app/`` stay two lines long, and the
pages can be built and clicked in tests without a browser. Rules from what was measured with
Voila (CLASSROOM_NOTES.md): pages are made of widgets whose ``.value`` is set (HTML, Image,
Label), never of ``Output`` widgets written during the first render; every widget a test or a
person looks for carries a CSS class (``crm-...``); a visible hint says to reload after a server
restart. All access goes through :class:`~simulations.classroom.store.Store`, which checks the
team token or the instructor key: a team page only ever reads its own team's data.
"""

from __future__ import annotations

import html
import io
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as w

from simulations.classroom.case import Case, CaseError
from simulations.classroom.memo import check_memo, memo_report
from simulations.classroom.session import counted_rounds, round_events, session_case, weekly_records
from simulations.classroom.store import BENCHMARK, SESSION_ENV, WARMUP, Store
from simulations.errors import UserError
from simulations.i18n import current_language, normalise_language

#: Environment variable naming the session folder (set by ``crm-sandbox classroom start``).
RELOAD_HINT = ("If this page stops reacting (for example after the server was restarted), reload it (F5). "
               "Nothing you submitted is lost.")
#: Result figures shown to teams, with labels.
SHOWN: tuple[tuple[str, str], ...] = (
    ("revenue", "Revenue"), ("profit", "Profit"), ("cost_total", "Costs"), ("acquisitions", "New customers"),
    ("buyers", "Buying customers"), ("notices", "Notices received"), ("tickets", "Service tickets"),
    ("complaints", "Complaints"), ("service_level", "Service level"), ("survey_satisfaction", "Survey satisfaction (1-5)"),
    ("loyalty_members", "Loyalty members"), ("community_members", "Community members"),
)


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


def _html(text: str) -> str:
    paragraphs = [p.strip() for p in str(text).split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in paragraphs)


def _error(text: str) -> str:
    """A message in the red bold every page uses for refusals and failures."""
    return f"<b style='color:#b00'>{html.escape(text)}</b>"


def _gated_page(heading: str, credential: w.Widget, label: str, button_css: str, page: str,
                action: Callable[[], None]) -> tuple[w.VBox, w.HTML, w.VBox]:
    """Both pages open the same way: heading, reload hint, a credential field with its button, a status line.

    Returns the page widget, the status line and the (empty) content box that ``action`` fills
    once the credential is accepted. CSS classes (``crm-join``, ``crm-team-content``...) are
    what the browser tests find.
    """
    title = w.HTML(f"<h2>{html.escape(heading)}</h2>")
    title.add_class("crm-title")
    hint = w.HTML(f"<p style='color:#a15c00'>{html.escape(RELOAD_HINT)}</p>")
    hint.add_class("crm-reload-hint")
    button = w.Button(description=label, button_style="primary")
    button.add_class(button_css)
    button.on_click(lambda _: action())
    status = w.HTML("")
    status.add_class(f"{button_css}-status")
    content = w.VBox([])
    content.add_class(f"crm-{page}-content")
    widget = w.VBox([title, hint, w.HBox([credential, button]), status, content])
    widget.add_class(f"crm-{page}-page")
    return widget, status, content


def _fmt(metric: str, value: float) -> str:
    if metric in ("service_level",):
        return f"{value:.0%}"
    if metric == "survey_satisfaction":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def _round_name(r: int) -> str:
    return "warm-up (before you)" if r == WARMUP else "practice" if r == 0 else f"round {r}"


def results_table(rows: list[dict[str, Any]]) -> str:
    """HTML table of result rows (one column per round)."""
    if not rows:
        return "<p><i>No results yet.</i></p>"
    head = "".join(f"<th>{html.escape(_round_name(r['round']))}</th>" for r in rows)
    body = []
    for key, label in SHOWN:
        if not any(r["metrics"].get(key) for r in rows):
            continue
        cells = "".join(f"<td style='text-align:right'>{_fmt(key, r['metrics'].get(key, 0.0))}</td>" for r in rows)
        body.append(f"<tr><td>{label}</td>{cells}</tr>")
    return f"<table class='crm-table'><tr><th></th>{head}</tr>{''.join(body)}</table>"


def weekly_plot(records: list[dict[str, Any]], title: str) -> str:
    """Weekly revenue and profit as an inline SVG line chart, rounds marked by thin lines.

    Why SVG by hand: matplotlib and pandas would add about 120 MiB and a second of start-up to
    every team kernel, and a team page needs only two lines on one chart.
    """
    width, height, pad = 640, 220, 44
    head = f"<div><b>{html.escape(title)}</b></div>"
    if not records:
        return head + "<p><i>No results yet.</i></p>"
    weeks = [r["week"] for r in records]
    series = {"revenue": "#1f77b4", "profit": "#d62728"}
    values = [r[k] for r in records for k in series]
    x0, x1 = min(weeks), max(max(weeks), min(weeks) + 1)
    y0, y1 = min(min(values), 0.0), max(max(values), 1.0)

    def xy(week: float, value: float) -> str:
        x = pad + (week - x0) / (x1 - x0) * (width - 2 * pad)
        y = height - pad + (value - y0) / (y1 - y0) * (2 * pad - height)
        return f"{x:.1f},{y:.1f}"

    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-size='11'>",
             f"<line x1='{pad}' y1='{xy(x0, 0).split(',')[1]}' x2='{width - pad}' y2='{xy(x0, 0).split(',')[1]}' "
             "stroke='#999' stroke-width='0.5'/>"]
    starts = sorted({min(r["week"] for r in records if r["round"] == n) for n in {r["round"] for r in records}})
    for s in starts[1:]:
        x = xy(s - 0.5, y0).split(",")[0]
        parts.append(f"<line x1='{x}' y1='{pad / 2}' x2='{x}' y2='{height - pad}' stroke='#ccc'/>")
    for i, (key, colour) in enumerate(series.items()):
        points = " ".join(xy(r["week"], r[key]) for r in records)
        parts.append(f"<polyline fill='none' stroke='{colour}' stroke-width='1.5' points='{points}'/>")
        parts.append(f"<text x='{pad + 90 * i}' y='14' fill='{colour}'>{key}</text>")
    parts.append(f"<text x='2' y='{pad / 2 + 8}'>{y1:,.0f}</text><text x='2' y='{height - pad}'>{y0:,.0f}</text>")
    parts.append(f"<text x='{pad}' y='{height - pad + 16}'>week {x0}</text>"
                 f"<text x='{width - pad - 50}' y='{height - pad + 16}'>week {x1}</text></svg>")
    return head + "".join(parts)


def _page_language(lang: str | None) -> str:
    """The language a page shows the case in: its own (``lang``), else the one in force."""
    return normalise_language(lang) if lang is not None else current_language()


def _widget_for(d: Any, value: Any, lang: str) -> w.Widget:
    style = {"description_width": "initial"}
    layout = w.Layout(width="520px")
    label = d.label.get(lang)
    if d.kind == "switch":
        widget = w.Checkbox(value=bool(value), description=label, style=style, layout=layout, indent=False)
    elif d.kind == "choice":
        widget = w.Dropdown(options=d.choices(lang), value=value, description=label, style=style, layout=layout)
    elif d.kind == "integer":
        widget = w.BoundedIntText(value=int(value), min=int(d.min), max=int(d.max), step=int(d.step),
                                  description=label, style=style, layout=layout)
    else:
        widget = w.BoundedFloatText(value=float(value), min=d.min, max=d.max, step=d.step, description=label,
                                    style=style, layout=layout)
    widget.add_class("crm-decision")
    widget.add_class(f"crm-decision-{d.id}")
    return widget


class TeamPage:
    """A team's page: join, roles and private brief, last results, the decision form, memo check."""

    def __init__(self, folder: str | Path | None = None, code: str | None = None, lang: str | None = None) -> None:
        self.store = Store(session_folder(folder))
        self.case: Case = session_case(self.store)
        self.lang = _page_language(lang)
        self.token: str | None = None
        self.team_no = 0
        self.submission_id = uuid.uuid4().hex
        self._loading = False
        self.code = w.Text(value=code or "", placeholder="join code from your instructor", description="Join code")
        self.code.add_class("crm-join-code")
        self.widget, self.join_status, self.content = _gated_page(
            self.case.title.get(self.lang), self.code, "Join team", "crm-join", "team", self.join)
        if self.code.value:
            self.join()

    # ------------------------------------------------------------------------------ join
    def join(self) -> None:
        """Check the join code and build the team's view."""
        try:
            team = self.store.join(self.code.value)
        except UserError as err:
            self.join_status.value = _error(str(err))
            return
        self.token, self.team_no = team.token, team.team
        self.join_status.value = f"<b>Joined as {html.escape(team.name)}.</b>"
        self._build()

    def _build(self) -> None:
        case = self.case
        self.header = w.HTML("")
        self.header.add_class("crm-team-header")
        narrative = w.HTML(f"<h3>The case</h3>{_html(case.narrative.get(self.lang))}")
        narrative.add_class("crm-narrative")
        self.role = w.Dropdown(options=[("choose your role", "")] + [(r.title.get(self.lang), r.id) for r in case.roles],
                               value="", description="Your role")
        self.role.add_class("crm-role")
        self.brief = w.HTML("<p><i>Choose your role to read your brief.</i></p>")
        self.brief.add_class("crm-role-brief")
        self.role.observe(lambda _: self._show_brief(), names="value")
        self.news = w.HTML("")
        self.news.add_class("crm-news")
        self.results = w.HTML("")
        self.results.add_class("crm-results")
        self.plot = w.HTML("")
        self.plot.add_class("crm-results-plot")
        self.fields = {d.id: _widget_for(d, d.default, self.lang) for d in case.decisions}
        for f in self.fields.values():
            f.observe(lambda _: self._changed(), names="value")
        self.budget = w.HTML("")
        self.budget.add_class("crm-budget")
        self.form_status = w.HTML("")
        self.form_status.add_class("crm-form-status")
        self.submit_button = w.Button(description="Submit decisions", button_style="success")
        self.submit_button.add_class("crm-submit")
        self.submit_button.on_click(lambda _: self.submit())
        refresh = w.Button(description="Refresh results")
        refresh.add_class("crm-refresh")
        refresh.on_click(lambda _: self.refresh())
        self.memo = w.Textarea(placeholder="paste the numbers section of your memo",
                               layout=w.Layout(width="520px", height="120px"))
        self.memo.add_class("crm-memo")
        memo_button = w.Button(description="Check memo figures")
        memo_button.add_class("crm-memo-check")
        memo_button.on_click(lambda _: self.check_memo())
        self.memo_result = w.HTML("")
        self.memo_result.add_class("crm-memo-result")
        helps = [w.HTML(f"<small style='color:#555'>{html.escape(d.help.get(self.lang))}</small>") for d in case.decisions]
        form = [x for d, h in zip(case.decisions, helps, strict=True) for x in (self.fields[d.id], h) if x is not None]
        self.content.children = [
            self.header, refresh, narrative, w.HTML("<h3>Roles</h3>"), self.role, self.brief, self.news,
            w.HTML("<h3>Results</h3>"), self.results, self.plot,
            w.HTML(f"<h3>Decisions (weekly budget {case.budget_per_week:,.0f} {case.currency})</h3>"),
            *form, self.budget, self.submit_button, self.form_status,
            w.HTML("<h3>Memo check</h3>"), self.memo, memo_button, self.memo_result,
        ]
        self.refresh()

    def _show_brief(self) -> None:
        if not self.role.value:
            self.brief.value = "<p><i>Choose your role to read your brief.</i></p>"
            return
        r = self.case.role(self.role.value)
        self.brief.value = (f"<h4>{html.escape(r.title.get(self.lang))}</h4><p>{html.escape(r.public.get(self.lang))}</p>"
                            f"<div style='border-left:3px solid #888;padding-left:8px'><b>Private brief</b>"
                            f"{_html(r.private_brief.get(self.lang))}</div>")

    # --------------------------------------------------------------------------- state
    def _values(self) -> dict[str, Any]:
        return {k: f.value for k, f in self.fields.items()}

    def _changed(self) -> None:
        if self._loading:
            return
        self.submission_id = uuid.uuid4().hex
        self._show_budget()

    def _show_budget(self) -> bool:
        try:
            self.case.validate_decisions(self._values(), self.lang)
            ok, problem = True, ""
        except CaseError as err:
            ok, problem = False, str(err)
        used = self.case.budget_used(self._values())
        left = self.case.budget_per_week - used
        colour = "#070" if left >= 0 else "#b00"
        self.budget.value = (f"<b style='color:{colour}'>Budget: {used:,.0f} used, {left:,.0f} {self.case.currency} "
                             f"left per week</b>" + ("<br>" + _error(problem) if problem else ""))
        return ok

    def refresh(self) -> None:
        """Reload the round, the news and the team's own results from the store."""
        info = self.store.info()
        r = info.current_round
        state = "the game is over" if info.finished else f"{_round_name(r)} is open for decisions"
        self.header.value = f"<h3>Team {self.team_no}: {html.escape(state)}</h3>"
        rows = self.store.team_results(self.token)
        real = [x for x in rows if x["round"] >= 1]
        practice = [x for x in rows if x["round"] == 0]
        news = self._with_rounds(real or practice)
        self.news.value = ("<h3>News</h3>" + "".join(f"<p><b>{html.escape(_round_name(n))}:</b> {html.escape(e['headline'])}</p>"
                                                     for n, e in news)) if news else ""
        self.results.value = results_table(rows)
        shown = [x for x in rows if x["round"] == WARMUP] + (real or practice)
        self.plot.value = weekly_plot(weekly_records(shown), f"Team {self.team_no}: weekly revenue and profit")
        own = self.store.own_submission(self.token, r)
        if own is not None:
            self._loading = True
            try:
                for k, v in own[0].items():
                    if k in self.fields:
                        self.fields[k].value = v
            finally:
                self._loading = False
            self.submission_id = own[2]
            self.form_status.value = (f"<b>Submitted for {_round_name(r)} (version {own[1]}).</b> "
                                      "You can change it until the round closes.")
        else:
            self.form_status.value = "" if not info.finished else "<b>The game is over.</b>"
        self.submit_button.disabled = info.finished
        self._show_budget()

    def _with_rounds(self, played: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
        return [(x["round"], e) for x in played for e in round_events(self.store, self.case, x["round"], self.lang)]

    def submit(self) -> None:
        """Validate and save the decisions for the open round (idempotent per form state)."""
        if not self._show_budget():
            self.form_status.value = _error("Not submitted: fix the decisions above.")
            return
        decisions = self.case.validate_decisions(self._values(), self.lang)
        info = self.store.info()
        try:
            revision = self.store.submit(self.token, info.current_round, self.submission_id, decisions, role=self.role.value)
        except UserError as err:
            self.form_status.value = _error(str(err))
            return
        self.form_status.value = (f"<b>Submitted for {_round_name(info.current_round)} (version {revision}).</b> "
                                  "You can change it until the round closes.")

    def check_memo(self) -> None:
        """Check the figures of the pasted memo against this team's results."""
        rows = [x for x in self.store.team_results(self.token) if x["round"] >= 1]
        checks = check_memo(self.memo.value, rows, counted_rounds(self.store, self.case), self.lang)
        try:
            self.memo_result.value = f"<pre>{html.escape(memo_report(checks, self.lang))}</pre>"
        except UserError as err:
            self.memo_result.value = _error(str(err))


class InstructorPage:
    """The instructor's page: submissions, advance, events, leaderboard, debrief, export."""

    def __init__(self, folder: str | Path | None = None, key: str | None = None, lang: str | None = None) -> None:
        self.store = Store(session_folder(folder))
        self.case: Case = session_case(self.store)
        self.lang = _page_language(lang)
        self.token = ""
        self.key = w.Password(value=key or "", description="Instructor key")
        self.key.add_class("crm-key")
        self.widget, self.unlock_status, self.content = _gated_page(
            f"Instructor: {self.case.title.get(self.lang)}", self.key, "Unlock", "crm-unlock", "instructor", self.unlock)
        if self.key.value:
            self.unlock()

    def unlock(self) -> None:
        """Check the key and build the controls."""
        try:
            self.store.check_instructor(self.key.value)
        except UserError as err:
            self.unlock_status.value = _error(str(err))
            return
        self.token = self.key.value.strip()
        self.unlock_status.value = "<b>Unlocked.</b>"
        self._build()

    def _button(self, label: str, css: str, action: Any, style: str = "") -> w.Button:
        b = w.Button(description=label, button_style=style, layout=w.Layout(width="auto"))
        b.add_class(css)
        b.on_click(lambda _: self._run(b, action))
        return b

    def _run(self, button: w.Button, action: Any) -> None:
        button.disabled = True
        try:
            action()
        except UserError as err:
            self.message.value = _error(str(err))
        finally:
            button.disabled = False
        self.refresh()

    def _build(self) -> None:
        self.status = w.HTML("")
        self.status.add_class("crm-status")
        self.submissions = w.HTML("")
        self.submissions.add_class("crm-submissions")
        self.message = w.HTML("")
        self.message.add_class("crm-message")
        self.event = w.Dropdown(options=[(e.headline.get(self.lang), e.id) for e in self.case.optional_events],
                                description="Event", layout=w.Layout(width="620px"))
        self.event.add_class("crm-event")
        self.leaderboard = w.HTML("")
        self.leaderboard.add_class("crm-leaderboard")
        self.plot = w.Image(format="png")
        self.plot.add_class("crm-debrief-plot")
        questions = "".join(f"<li>{html.escape(q.get(self.lang))}</li>" for q in self.case.debrief)
        debrief = w.HTML(f"<h3>Debrief questions</h3><ol>{questions}</ol>")
        debrief.add_class("crm-debrief")
        codes = w.HTML("<h3>Join codes</h3><table class='crm-table'>" + "".join(
            f"<tr><td>{html.escape(t.name)}</td><td><code>{t.code}</code></td></tr>" for t in self.store.teams(self.token))
            + "</table>")
        codes.add_class("crm-codes")
        self.content.children = [
            self.status, w.HBox([self._button("Refresh", "crm-refresh", lambda: None),
                                 self._button("Close round and run it", "crm-advance", self.advance, "danger"),
                                 self._button("Reset practice round", "crm-reset-practice", self.reset_practice),
                                 self._button("Export everything", "crm-export", self.export)]),
            self.message, self.submissions,
            w.HBox([self.event, self._button("Inject into open round", "crm-inject", self.inject, "warning")]),
            w.HTML("<h3>Leaderboard</h3>"), self.leaderboard, self.plot, debrief, codes,
        ]
        self.refresh()

    # ------------------------------------------------------------------------- actions
    def advance(self) -> None:
        """Close the open round and run it for every team."""
        from simulations.classroom.rounds import advance_round  # the engine: imported only where it runs

        report = advance_round(self.store, self.token)
        self.message.value = (f"<b>{html.escape(_round_name(report.round))} closed and run</b> "
                              f"({report.submitted} of {report.teams} teams submitted; the others kept their decisions).")

    def reset_practice(self) -> None:
        """Forget the practice round's results so it can be played again."""
        self.store.reset_practice(self.token)
        self.message.value = "<b>Practice round reset.</b>"

    def inject(self) -> None:
        """Inject the chosen optional event into the open round."""
        if not self.event.value:
            raise UserError("this case offers no optional events")
        e = next(x for x in self.case.optional_events if x.id == self.event.value)
        r = self.store.info().current_round
        self.store.add_event(self.token, r, e.id, e.kind, e.headline.en, e.intensity, e.duration)
        self.message.value = f"<b>Event injected into {_round_name(r)}:</b> {html.escape(e.headline.get(self.lang))}"

    def export(self) -> None:
        """Export the session next to its store."""
        from simulations.classroom.export import export_session

        out = self.store.folder / "export"
        files = export_session(self.store, self.token, out)
        self.message.value = f"<b>Exported {len(files)} files to</b> <code>{html.escape(str(out))}</code>"

    def refresh(self) -> None:
        """Reload status, submissions, leaderboard and debrief plot."""
        info = self.store.info()
        r = info.current_round
        events = round_events(self.store, self.case, r, self.lang)
        state = "The game is over" if info.finished else html.escape(_round_name(r).capitalize()) + " is open"
        news = html.escape("; ".join(e["headline"] for e in events))
        self.status.value = (f"<h3>{state} &middot; {info.n_teams} teams &middot; {info.customers:,} customers</h3>"
                             + (f"<p>Events this round: {news}</p>" if events else ""))
        subs = self.store.submissions(self.token, r)
        rows = "".join(f"<tr><td>Team {t}</td><td>{'submitted (version ' + str(subs[t][1]) + ')' if t in subs else '-'}</td></tr>"
                       for t in self.store.team_numbers())
        self.submissions.value = (f"<p><b>{len(subs)} of {info.n_teams} teams have submitted</b></p>"
                                  f"<table class='crm-table'>{rows}</table>")
        from simulations.classroom.scoring import leaderboard

        results = self.store.results()
        rounds = counted_rounds(self.store, self.case)
        scope = rounds or ([0] if any(x["round"] == 0 for x in results) else [])
        board = leaderboard(results, self.case, scope)
        if board.empty:
            self.leaderboard.value = "<p><i>No round played yet.</i></p>"
        else:
            label = "practice round" if not rounds else f"rounds 1-{max(rounds)}"
            cells = "".join(f"<tr><td>{int(b['rank'])}</td><td>Team {int(b['team'])}</td><td>{b['score']:.1f}</td>"
                            f"<td>{b['profit']:,.0f}</td><td>{b['profit_index']:.3f}</td><td>{b['equity_index']:.3f}</td>"
                            f"<td>{b['satisfaction_index']:.3f}</td></tr>" for _, b in board.iterrows())
            self.leaderboard.value = (f"<p>Score over {label} (100 = benchmark firm with the default decisions)</p>"
                                      "<table class='crm-table'><tr><th>rank</th><th>team</th><th>score</th><th>profit</th>"
                                      "<th>profit index</th><th>equity index</th><th>satisfaction index</th></tr>"
                                      f"{cells}</table>")
        self.plot.value = debrief_plot(results, scope)


def debrief_plot(results: list[dict[str, Any]], rounds: list[int]) -> bytes:
    """Cumulative profit by team and customer equity by team after each round (benchmark dashed), as PNG."""
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
            name = "benchmark" if team == BENCHMARK else f"team {team}"
            a1.plot(g["round"], g["profit"].cumsum(), marker="o", label=name, **style)
            a2.plot(g["round"], g["equity"], marker="o", label=name, **style)
        a1.legend(fontsize=7, ncol=2)
    a1.set_title("cumulative profit", fontsize=10)
    a2.set_title("customer equity (truth)", fontsize=10)
    for a in (a1, a2):
        a.set_xlabel("round")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    return buf.getvalue()


def team_page(folder: str | Path | None = None, lang: str | None = None) -> w.Widget:
    """The team page widget in ``lang`` (default: the language in force); the join code may come from the URL (``?code=...``)."""
    return TeamPage(folder, code=query_param("code"), lang=lang).widget


def instructor_page(folder: str | Path | None = None, lang: str | None = None) -> w.Widget:
    """The instructor page widget in ``lang`` (default: the language in force); the key may come from the URL (``?key=...``)."""
    return InstructorPage(folder, key=query_param("key"), lang=lang).widget
