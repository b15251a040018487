"""A team member's page: their role and its private brief, the team's results, the decision form, the memo.

Why each behaviour (issue 15):
- A member joins through a join code bound to one team and one role (the code is in the link the
  instructor hands out, and the server refuses a page without a valid one before any kernel
  starts). Only that role's private brief is on the page; the other roles appear with their
  public parts only.
- The page redraws itself when the round, events, results or the team's decisions change
  (:class:`~simulations.classroom.page_parts.Poller`), and says so when it has lost its server.
- Two members editing the same decisions: the form remembers the version it was filled from,
  and the store refuses a submission made from an older one (optimistic concurrency). The refusal
  shows the current decision and who submitted it; the member's own values stay in the form, and
  a second Submit (now based on the current version) deliberately replaces it.
- Numbers are typed as text and checked here: an out-of-range or non-numeric entry is shown as
  refused next to its field and blocks the submission; nothing is clamped silently.
"""

from __future__ import annotations

import html
import threading
import uuid
from pathlib import Path
from typing import Any

import ipywidgets as w

from simulations.classroom.case import Case, Decision
from simulations.classroom.memo import check_memo, memo_report
from simulations.classroom.page_parts import (
    Banner,
    Poller,
    Translate,
    case_html,
    case_span,
    case_text,
    close_tree,
    css,
    error_html,
    language_selector,
    make_translator,
    page_language,
    results_table,
    round_name,
    session_folder,
    text,
    weekly_plot,
)
from simulations.classroom.round_report import report_stamp, team_reports_html
from simulations.classroom.session import counted_rounds, round_events, session_case, weekly_records
from simulations.classroom.store import WARMUP, AccessError, Member, RoundClosedError, StaleFormError, Store
from simulations.errors import UserError
from simulations.i18n import N_

#: Texts shown inside HTML markup (marked here so the catalog finds them).
T_MEMO_CHECK = N_('Memo check')
T_NEWS = N_('News')
T_ONLY_YOU_SEE_THIS = N_('only you see this')
T_OWNER = N_('owner')
T_PRIVATE_BRIEF = N_('Private brief')
T_RESULTS = N_('Results')
T_THE_CASE = N_('The case')
T_THE_GAME_IS_OVER = N_('The game is over.')
T_YOUR_ROLE = N_('Your role')
T_YOUR_TEAM = N_('Your team')
T_YOU_JOINED_THE_TEAM_WITHOUT_A_ROLE = N_('You joined the team without a role.')


def parse_value(d: Decision, raw: Any, _: Translate) -> tuple[Any, str]:
    """A form entry as the decision's value, or the reason it is refused (never a changed value)."""
    if d.kind in ("switch", "choice"):
        return raw, ""
    clean = str(raw).strip().replace(",", "")
    try:
        value = float(clean)
    except ValueError:
        return None, _("refused: {text!r} is not a number").format(text=str(raw))
    if value != value or value in (float("inf"), float("-inf")):
        return None, _("refused: {text!r} is not a number").format(text=str(raw))
    if d.kind == "integer" and value != int(value):
        return None, _("refused: {value:g} is not a whole number").format(value=value)
    if not d.min <= value <= d.max:
        return None, _("refused: {value:g} is outside {low:g} to {high:g}").format(value=value, low=d.min, high=d.max)
    return (int(value) if d.kind == "integer" else value), ""


def shown_value(d: Decision, value: Any) -> Any:
    """A stored value as its form field holds it (numbers as text)."""
    if d.kind in ("switch", "choice"):
        return value
    return str(int(value)) if d.kind == "integer" else f"{float(value):g}"


class TeamPage:
    """A member's page; built from a join code (the link's ``?code=``), in a language (``?lang=``)."""

    def __init__(self, folder: str | Path | None = None, code: str | None = None, lang: str | None = None,
                 poll: bool = False) -> None:
        self.store = Store(session_folder(folder))
        self.case: Case = session_case(self.store)
        self.lang = page_language(lang)
        self._: Translate = make_translator(self.lang)
        self.lock = threading.RLock()
        self.member: Member | None = None
        self.submission_id = uuid.uuid4().hex
        self.base_revision = 0
        self.round: int | None = None
        self.dirty = False
        self._loading = False
        self._stamp: tuple[int, ...] = ()
        self._reports_seen: tuple[int, int] = (-1, -1)
        self.raw: dict[str, Any] = {d.id: shown_value(d, d.default) for d in self.case.decisions}
        self.selector = language_selector(self.lang, self.set_language)
        self.title = css(text(""), "crm-title")
        self.banner = Banner(self._)
        self.join_status = css(text(""), "crm-join-status")
        self.content = css(w.VBox([]), "crm-team-content")
        self.widget = css(w.VBox([w.HBox([self.title, self.selector]), self.banner.widget, self.join_status, self.content]),
                          "crm-team-page")
        self._title()
        try:
            self.member = self.store.join(code or "")
        except AccessError:
            self.join_status.value = error_html(self._("This link has no valid join code: open the link your "
                                                       "instructor gave you."))
            return
        self._build()
        if poll:
            Poller(self.tick, self.lock).start()

    # ----------------------------------------------------------------------------- layout
    def _title(self) -> None:
        self.title.value = f"<h2>{case_span(case_text(self.case, 'title', self.lang))}</h2>"

    def set_language(self, lang: str) -> None:
        """Redraw the page in another language; typed values, the base version and edits are kept."""
        with self.lock:
            self.lang, self._ = lang, make_translator(lang)
            self._title()
            self.banner.beat(self._, force=True)
            if self.member is not None:
                self._build()

    def _build(self) -> None:
        _, case, member = self._, self.case, self.member
        assert member is not None
        self.header = css(text(""), "crm-team-header")
        own = case.role(member.role) if member.role else None
        if own is not None:
            brief = (f"<h3>{html.escape(_(T_YOUR_ROLE))}: {case_span(case_text(own, 'title', self.lang))}</h3>"
                     f"{case_html(case_text(own, 'public', self.lang))}"
                     f"<div style='border-left:3px solid #888;padding-left:8px'><b>{html.escape(_(T_PRIVATE_BRIEF))}"
                     f"</b> <small>({html.escape(_(T_ONLY_YOU_SEE_THIS))})</small>"
                     f"{case_html(case_text(own, 'private_brief', self.lang))}</div>")
        else:
            brief = f"<p><i>{html.escape(_(T_YOU_JOINED_THE_TEAM_WITHOUT_A_ROLE))}</i></p>"
        others = "".join(f"<li><b>{case_span(case_text(r, 'title', self.lang))}</b>: "
                         f"{case_span(case_text(r, 'public', self.lang))}</li>"
                         for r in case.roles if r.id != member.role)
        roles = css(text(f"<h3>{html.escape(_(T_YOUR_TEAM))}</h3><ul>{others}</ul>"), "crm-team-roles")
        narrative = css(text(f"<h3>{html.escape(_(T_THE_CASE))}</h3>"
                               f"{case_html(case_text(case, 'narrative', self.lang))}"), "crm-narrative")
        self.brief = css(text(brief), "crm-role-brief")
        self.news = css(text(""), "crm-news")
        self.report = css(text(""), "crm-round-report")
        self.results = css(text(""), "crm-results")
        self.plot = css(text(""), "crm-results-plot")
        self.fields: dict[str, w.Widget] = {}
        self.field_errors: dict[str, w.HTML] = {}
        form: list[w.Widget] = []
        for d in case.decisions:
            owner = case_span(case_text(case.role(d.owner), "title", self.lang))
            label = text(f"<b>{case_span(case_text(d, 'label', self.lang))}</b> "
                           f"<small>({html.escape(_(T_OWNER))}: {owner})</small>")
            field = self._field(d)
            self.fields[d.id] = field
            self.field_errors[d.id] = css(text(""), "crm-field-error", f"crm-field-error-{d.id}")
            helptext = text(f"<small style='color:#555'>{case_span(case_text(d, 'help', self.lang))}</small>")
            form.append(w.VBox([label, field, self.field_errors[d.id], helptext]))
        self.budget = css(text(""), "crm-budget")
        self.form_status = css(text(""), "crm-form-status")
        self.current = css(text(""), "crm-current")
        self.submit_button = css(w.Button(description=_("Submit decisions"), button_style="success"), "crm-submit")
        self.submit_button.on_click(lambda _b: self._locked(self.submit))
        self.memo = css(w.Textarea(placeholder=_("paste the numbers section of your memo"),
                                   layout=w.Layout(width="520px", height="120px")), "crm-memo")
        memo_button = css(w.Button(description=_("Check and save memo"), layout=w.Layout(width="auto")), "crm-memo-check")
        memo_button.on_click(lambda _b: self._locked(self.check_memo))
        self.memo_result = css(text(""), "crm-memo-result")
        budget = _("Decisions (weekly budget {budget:,.0f} {currency})").format(budget=case.budget_per_week,
                                                                              currency=case.currency)
        from simulations.classroom.scene_page import TeamScenePanel  # the scene phase (role play)

        self.scene = TeamScenePanel(self.store, case, member, self.lang, _, self._locked, getattr(self, "scene", None))
        old = self.content.children
        self.content.children = [
            self.header, self.report, self.brief, roles, narrative, self.news,
            text(f"<h3>{html.escape(_(T_RESULTS))}</h3>"), self.results, self.plot,
            text(f"<h3>{html.escape(budget)}</h3>"), *form, self.budget, self.submit_button, self.form_status,
            self.current, text(f"<h3>{html.escape(_(T_MEMO_CHECK))}</h3>"), self.memo, memo_button, self.memo_result,
            self.scene.widget,
        ]
        close_tree(old)
        self._stamp = ()
        self.tick()
        self._check_fields()

    def _field(self, d: Decision) -> w.Widget:
        layout = w.Layout(width="260px")
        value = self.raw[d.id]
        if d.kind == "switch":
            field = w.Checkbox(value=bool(value), indent=False, layout=layout)
        elif d.kind == "choice":
            field = css(w.Dropdown(options=d.choices(self.lang), value=value, layout=layout), "crm-case-text")
        else:
            field = w.Text(value=str(value), layout=layout)
        field.observe(lambda change, d=d: self._edited(d, change["new"]), names="value")
        return css(field, "crm-decision", f"crm-decision-{d.id}")

    def _locked(self, action: Any) -> None:
        with self.lock:
            action()

    # ------------------------------------------------------------------------------ state
    def _edited(self, d: Decision, value: Any) -> None:
        self.raw[d.id] = value
        if self._loading:
            return
        with self.lock:
            self.dirty = True
            self.submission_id = uuid.uuid4().hex
            self._check_fields()

    def _check_fields(self) -> dict[str, Any] | None:
        """Show each refused entry next to its field and the budget; the values, or None if any is refused."""
        _ = self._
        values: dict[str, Any] = {}
        refused = False
        for d in self.case.decisions:
            value, problem = parse_value(d, self.raw[d.id], _)
            self.field_errors[d.id].value = error_html(problem) if problem else ""
            refused = refused or bool(problem)
            values[d.id] = value
        if refused:
            self.budget.value = error_html(_("Some entries are refused (see above): fix them to submit."))
            return None
        used = self.case.budget_used(values)
        left = self.case.budget_per_week - used
        colour = "#070" if left >= 0 else "#b00"
        line = _("Budget: {used:,.0f} used, {left:,.0f} {currency} left per week").format(
            used=used, left=left, currency=self.case.currency)
        self.budget.value = f"<b style='color:{colour}'>{html.escape(line)}</b>"
        if left < -1e-9:
            self.budget.value += "<br>" + error_html(_("Refused: these decisions are over the weekly budget."))
            return None
        return values

    def _load(self, decisions: dict[str, Any]) -> None:
        """Put stored decisions into the form (not an edit by this member)."""
        self._loading = True
        try:
            for d in self.case.decisions:
                if d.id in decisions:
                    self.raw[d.id] = shown_value(d, decisions[d.id])
                    self.fields[d.id].value = self.raw[d.id]
        finally:
            self._loading = False
        self._check_fields()

    def _role_title(self, role: str) -> str:
        return case_text(self.case.role(role), "title", self.lang) if role else self._("the team")

    def _decision_table(self, decisions: dict[str, Any]) -> str:
        rows = "".join(f"<tr><td>{case_span(case_text(d, 'label', self.lang))}</td>"
                       f"<td style='text-align:right'>{html.escape(str(shown_value(d, decisions[d.id])))}</td></tr>"
                       for d in self.case.decisions if d.id in decisions)
        return f"<table class='crm-table'>{rows}</table>"

    def tick(self) -> None:
        """One poll: keep the banner hidden, and redraw if anything the page shows has changed."""
        self.banner.beat(self._)
        if self.member is None:
            return
        self.scene.tick()  # the scene phase polls its own stamp
        stamp = self.store.stamp(self.member.team)
        if stamp != self._stamp:
            self._stamp = stamp
            self.refresh()
        elif report_stamp(self.store, self.member.team) != self._reports_seen:
            self._draw_report()  # the round report's parts arrive after the advance: redraw only the report

    def refresh(self) -> None:
        """Redraw round, news, results and the team's current decision from the store."""
        _, member = self._, self.member
        assert member is not None
        info = self.store.info()
        r = info.current_round
        if r != self.round:
            self.round, self.base_revision, self.submission_id = r, 0, uuid.uuid4().hex
        state = _("the game is over") if info.finished else _("{round} is open for decisions").format(
            round=round_name(r, _))
        team = _("Team {n}").format(n=member.team)
        who = f" &middot; {case_span(self._role_title(member.role))}" if member.role else ""
        self.header.value = f"<h3>{html.escape(team)}{who}: {html.escape(state)}</h3>"
        rows = self.store.team_results(member.token)
        played = [x["round"] for x in rows if x["round"] >= 0]
        news_rounds = sorted(set(played) | ({r} if not info.finished else set()))
        news = [(n, e) for n in news_rounds for e in round_events(self.store, self.case, n, self.lang)]
        self.news.value = (f"<h3>{html.escape(_(T_NEWS))}</h3>" + "".join(
            f"<p><b>{html.escape(round_name(n, _))}:</b> {case_span(e['headline'])}</p>" for n, e in news)) if news else ""
        self.results.value = results_table(rows, _)
        self._draw_report()
        real = [x for x in rows if x["round"] >= 1] or [x for x in rows if x["round"] == 0]
        shown = [x for x in rows if x["round"] == WARMUP] + real
        self.plot.value = weekly_plot(weekly_records(shown), _("{team}: weekly revenue and profit").format(team=team), _)
        self._show_submission(info.finished)
        self.submit_button.disabled = info.finished

    def _draw_report(self) -> None:
        assert self.member is not None
        self._reports_seen = report_stamp(self.store, self.member.team)
        self.report.value = team_reports_html(self.store, self.case, self.member.token, self.lang)

    def _show_submission(self, finished: bool) -> None:
        _ = self._
        assert self.member is not None and self.round is not None
        own = self.store.own_submission(self.member.token, self.round)
        if finished:
            self.form_status.value = f"<b>{html.escape(_(T_THE_GAME_IS_OVER))}</b>"
            return
        if own is None:
            if not self.dirty:
                self.form_status.value = ""
            return
        decisions, revision, sid, role = own
        if revision == self.base_revision:
            return
        if not self.dirty:
            self._load(decisions)
            self.base_revision, self.submission_id = revision, sid
            self.current.value = ""
            self.form_status.value = "<b>" + html.escape(_(
                "Submitted for {round}: version {version}, by {role}. You can change it until the round closes."
            ).format(round=round_name(self.round, _), version=revision, role=self._role_title(role))) + "</b>"
        else:
            self.form_status.value = error_html(_(
                "{role} submitted version {version} while you were editing: review it below before you submit."
            ).format(role=self._role_title(role), version=revision))
            self.current.value = self._decision_table(decisions)

    # ---------------------------------------------------------------------------- actions
    def submit(self) -> None:
        """Save the form for the open round, unless an entry is refused or the form is stale."""
        _ = self._
        assert self.member is not None
        values = self._check_fields()
        if values is None:
            self.form_status.value = error_html(_("Not submitted: fix the refused entries above."))
            return
        info = self.store.info()
        if info.current_round != self.round:
            self.refresh()
        try:
            revision = self.store.submit(self.member.token, info.current_round, self.submission_id, values,
                                         base_revision=self.base_revision)
        except StaleFormError as err:
            self.base_revision = err.revision
            self.form_status.value = error_html(_(
                "Refused: {role} submitted version {version} while you were editing. The current decision is "
                "shown below; your values are still in the form. Submit again to replace it with yours."
            ).format(role=self._role_title(err.role), version=err.revision))
            self.current.value = self._decision_table(err.decisions)
            return
        except RoundClosedError:
            self.form_status.value = error_html(_("Not submitted: the round has closed. The page now shows the open "
                                                  "round; submit again for it."))
            self.refresh()
            return
        self.base_revision, self.dirty = revision, False
        self.current.value = ""
        self.form_status.value = "<b>" + html.escape(_(
            "Submitted for {round}: version {version}, by {role}. You can change it until the round closes."
        ).format(round=round_name(info.current_round, _), version=revision,
                 role=self._role_title(self.member.role))) + "</b>"
        self._stamp = self.store.stamp(self.member.team)

    def check_memo(self) -> None:
        """Check the figures of the pasted memo against this team's results, and store this version."""
        _ = self._
        assert self.member is not None
        rows = [x for x in self.store.team_results(self.member.token) if x["round"] >= 1]
        checks = check_memo(self.memo.value, rows, counted_rounds(self.store, self.case))
        try:
            report = memo_report(checks)
            shown = f"<pre>{html.escape(report)}</pre>"
        except UserError as err:
            report, shown = str(err), error_html(_("The memo has no claim lines (`- metric round N: number`)."))
        version = self.store.save_memo(self.member.token, self.store.info().current_round, self.memo.value, report)
        self.memo_result.value = shown + "<p>" + html.escape(_("Saved as memo version {version}.").format(
            version=version)) + "</p>"
