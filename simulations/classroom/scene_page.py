"""The scene phase on the pages: a team writes its script and scores the others; the instructor sees the spread.

Why panels of their own (built into the team and instructor pages by one line each): the scene
phase has its own state (the script editor, the scoring form) and its own store rules
(:mod:`simulations.classroom.scenes`); the pages only place the panel and pass their polls on.

The same page rules as the rest of the classroom (:mod:`simulations.classroom.page_parts`):
widgets whose ``.value`` is set, CSS classes ``crm-scene-*``, every text in ``_()``, case texts
in the page's language. Marks are typed as text and checked here, each refusal shown next to its
criterion; the store checks again and its refusal is shown too. Nothing is clamped or rounded.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from simulations.classroom import scenes
from simulations.classroom.case import SCORE_SCALE, Case, scene_template
from simulations.classroom.page_parts import Translate, case_html, case_span, case_text, css, error_html, text
from simulations.classroom.store import Member, Store
from simulations.errors import UserError
from simulations.i18n import N_

#: Texts shown inside HTML markup (marked here so the catalog finds them).
T_ROLE_PLAY = N_("Role play: {title}")
T_CHARACTERS = N_("Characters")
T_MUST_SHOW = N_("The script must show")
T_RUBRIC = N_("Rubric (the other teams score your performance with it, {low} to {high})")
T_CRITERION = N_("criterion")
T_WEIGHT = N_("weight")
T_YOUR_SCRIPT = N_("Your team's script")
T_PERFORMANCE = N_("Performance: at most {minutes} minutes.")
T_SCORE_OTHERS = N_("Score the other teams' performances")
T_SCORING_NOT_OPEN = N_("Scoring opens when the instructor opens the scene phase; until then, write and revise "
                        "your script.")
T_YOUR_MARKS = N_("Your team's marks so far")
T_TEAM = N_("team")
T_SCORE = N_("score")
T_VERSION_BY = N_("version {version}, by {role}")
T_NO_SCRIPT_YET = N_("No script saved yet: the template is in the editor.")
T_VERSIONS = N_("Versions: {versions}")
T_SCRIPT_OF = N_("Script of team {n}, version {version}")
T_TEAM_N = N_("Team {n}")
T_YOUR_TEAM = N_("Team {n} (your team)")
T_SCENE_PHASE = N_("Scene phase: {phase}")
T_SCENE_DETAILS = N_("The scene, its characters and rubric")
T_SCRIPTS = N_("Scripts")
T_NO_SCRIPTS = N_("No team has saved a script yet.")
T_PEER_SCORES = N_("Peer scores (weighted, {low} to {high}; self-scores are never counted)")
T_RATERS = N_("raters")
T_SD = N_("SD")
T_NO_SCORES = N_("No marks yet.")
T_MATRIX = N_("Who gave what (rows: scoring team, columns: performing team)")
T_RATER_CHECK = N_("Scoring teams compared with the others")
T_DEVIATION = N_("mean difference from the median rater")
T_LARGEST = N_("largest difference")
T_FLAG = N_("deviates strongly")
T_STILL_TO_SCORE = N_("Still to score: {teams}")
T_ALL_SCORED = N_("Every team has scored every other team's script.")
T_SPREAD_NOTE = N_("A spread (SD) of 1 point or more is marked red. A scoring team whose scores differ from the "
                   "median of all raters' scores by {points:g} point or more on average is flagged (performances "
                   "scored by at least {raters} teams are compared).")

_TABLE = "border-collapse:collapse;font-size:13px"
_CELL = "border:1px solid #ccc;padding:3px 6px;line-height:1.4"


def _table(head: list[str], rows: list[list[str]], css_class: str = "crm-table") -> str:
    """An HTML table with visible cell borders (cells are HTML already; the first column does not wrap)."""
    def cell(tag: str, i: int, content: str, extra: str = "") -> str:
        return f"<{tag} style='{_CELL}{';white-space:nowrap' if i == 0 else ''}{extra}'>{content}</{tag}>"

    th = "".join(cell("th", i, h, ";background:#f3f3f3") for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table class='{css_class}' style='{_TABLE}'><tr>{th}</tr>{body}</table>"


def _num(value: float, digits: int = 2) -> str:
    return "–" if value != value else f"{value:.{digits}f}"


def _signed(value: float) -> str:
    """A difference with its sign (a true minus sign), 0 unsigned."""
    if value != value:
        return "–"
    return "0.00" if abs(value) < 0.005 else f"{value:+.2f}".replace("-", "−")


def role_title(case: Case, role: str, _: Translate, lang: str) -> str:
    """A team role's title in the page's language (the team itself for a code without a role)."""
    ids = {r.id for r in case.roles}
    return case_text(case.role(role), "title", lang) if role in ids else _("the team")


def scene_intro(case: Case, lang: str, _: Translate) -> str:
    """The scene as both pages show it: situation, characters, what the script must show, the rubric."""
    scene = case.scene
    low, high = SCORE_SCALE[0], SCORE_SCALE[-1]
    roles = "".join(f"<li><b>{case_span(case_text(r, 'title', lang))}</b>: {case_span(case_text(r, 'brief', lang))}</li>"
                    for r in scene.roles)
    musts = "".join(f"<li>{case_span(x.get(lang))}</li>" for x in scene.must_show)
    anchors = sorted({k for c in scene.rubric for k in c.anchors})
    rows = [[f"<b>{case_span(case_text(c, 'label', lang))}</b>", f"{c.weight:.0%}",
             *[case_span(c.anchors[k].get(lang)) if k in c.anchors else "" for k in anchors]] for c in scene.rubric]
    rubric = _table([html.escape(_(T_CRITERION)), html.escape(_(T_WEIGHT)), *map(str, anchors)], rows, "crm-scene-rubric")
    return (f"{case_html(case_text(scene, 'situation', lang))}"
            f"<p><i>{html.escape(_(T_PERFORMANCE).format(minutes=scene.minutes))}</i></p>"
            f"<h4>{html.escape(_(T_CHARACTERS))}</h4><ul>{roles}</ul>"
            f"<h4>{html.escape(_(T_MUST_SHOW))}</h4><ul>{musts}</ul>"
            f"<details><summary><b>{html.escape(_(T_RUBRIC).format(low=low, high=high))}</b></summary>{rubric}</details>")


def _message(err: UserError, _: Translate) -> str:
    """A store's refusal in the page's language, starting with a capital as the page's own messages do."""
    message = err.translated(_)
    return message[:1].upper() + message[1:]


class TeamScenePanel:
    """The scene phase on a member's page: the script editor with its versions, then the scoring form.

    ``previous`` is the panel this one replaces (a redraw in another language): the typed script,
    the version it was started from and the marks being typed are kept.
    """

    def __init__(self, store: Store, case: Case, member: Member, lang: str, _: Translate,
                 run: Callable[[Callable[[], None]], None], previous: TeamScenePanel | None = None) -> None:
        self.store, self.case, self.member, self.lang, self._ = store, case, member, lang, _
        self.run = run
        self.templates = tuple(scene_template(case, x) for x in ("en", "zh"))
        self._stamp: tuple[int, ...] = ()
        self._loading = False
        self.dirty = previous.dirty if previous else False
        self.base_version = previous.base_version if previous else 0
        self.score_base: int | None = previous.score_base if previous else None
        start = previous.editor.value if previous else scene_template(case, lang)
        # kept from the panel this one replaces: the team chosen and the marks typed (if its form was built)
        self._typed: tuple[int, dict[str, str]] | None = (
            (previous.target.value, {c: f.value for c, f in previous.mark_fields.items()})
            if previous and previous.mark_fields else None)
        self.intro = css(text(f"<h3>{html.escape(_(T_ROLE_PLAY).format(title=case_text(case.scene, 'title', lang)))}"
                              f"</h3>" + scene_intro(case, lang, _)), "crm-scene-intro")
        self.phase_line = css(text(""), "crm-scene-phase")
        self.editor = css(w.Textarea(value=start, layout=w.Layout(width="98%", height="360px")), "crm-scene-script")
        self.editor.observe(self._edited, names="value")
        self.save_button = css(w.Button(description=_("Save script"), button_style="success",
                                        layout=w.Layout(width="auto")), "crm-scene-save")
        self.save_button.on_click(lambda _b: self.run(self.save_script))
        self.script_status = css(text(""), "crm-scene-script-status")
        self.versions = css(text(""), "crm-scene-versions")
        self.current = css(text(""), "crm-scene-current")
        self.score_note = css(text(""), "crm-scene-score-note")
        # the scoring form is built when the scene phase opens: while teams play rounds and write, a
        # page carries none of its widgets (each is a message the server relays when a page opens)
        self.mark_fields: dict[str, w.Text] = {}
        self.mark_errors: dict[str, w.HTML] = {}
        self.scoring = css(w.VBox([]), "crm-scene-scoring")
        self.widget = css(w.VBox([
            self.intro, self.phase_line, self.editor, w.HBox([self.save_button, self.script_status]), self.current,
            self.versions, self.score_note, self.scoring,
        ]), "crm-scene")
        self.refresh()

    def _build_scoring(self) -> None:
        """The scoring form: the team to score, one mark per rubric criterion, Save, and the marks given."""
        _, lang, member = self._, self.lang, self.member
        teams = self.store.team_numbers()
        options = [(_(T_YOUR_TEAM if t == member.team else T_TEAM_N).format(n=t), t) for t in teams]
        first = next((t for t in teams if t != member.team), member.team)
        chosen = self._typed[0] if self._typed and self._typed[0] in teams else first
        self.target = css(w.Dropdown(options=options, value=chosen, layout=w.Layout(width="220px")),
                          "crm-scene-target")
        self.target.observe(lambda _c: self.run(self._load_marks), names="value")
        low, high = SCORE_SCALE[0], SCORE_SCALE[-1]
        field_layout, label_layout, row_layout = w.Layout(width="70px"), w.Layout(width="300px"), w.Layout()
        rows: list[w.Widget] = []
        for c in self.case.scene.rubric:
            field = css(w.Text(placeholder=f"{low}-{high}", layout=field_layout), "crm-scene-mark", f"crm-scene-mark-{c.id}")
            self.mark_fields[c.id] = field
            self.mark_errors[c.id] = css(text(""), "crm-scene-mark-error", f"crm-scene-mark-error-{c.id}")
            label = text(f"<b>{case_span(case_text(c, 'label', lang))}</b> <small>({c.weight:.0%})</small>")
            label.layout = label_layout
            rows.append(w.HBox([label, field, self.mark_errors[c.id]], layout=row_layout))
        self.score_button = css(w.Button(description=_("Save marks"), button_style="primary",
                                         layout=w.Layout(width="auto")), "crm-scene-score")
        self.score_button.on_click(lambda _b: self.run(self.save_score))
        self.score_status = css(text(""), "crm-scene-score-status")
        self.their_script = css(text(""), "crm-scene-their-script")
        self.given = css(text(""), "crm-scene-given")
        self._load_marks()
        if self._typed:  # a redraw in another language: the marks as they were typed
            for cid, value in self._typed[1].items():
                if cid in self.mark_fields:
                    self.mark_fields[cid].value = value
        for cid, field in self.mark_fields.items():
            field.observe(lambda _c, cid=cid: self._check_mark(cid), names="value")
            self._check_mark(cid)
        self.scoring.children = [self.target, self.their_script, *rows, w.HBox([self.score_button]), self.score_status,
                                 self.given]

    # -------------------------------------------------------------------------------- state
    def _edited(self, _change: Any) -> None:
        if not self._loading:
            self.dirty = True

    def tick(self) -> None:
        """Redraw when the phase, a script or a score changed (the page's poll calls this)."""
        now = scenes.stamp(self.store)
        if now != self._stamp:
            self.refresh()

    def refresh(self) -> None:
        """Redraw phase, versions, the other team's script and the marks given, from the store."""
        _, lang = self._, self.lang
        self._stamp = scenes.stamp(self.store)
        phase = scenes.phase(self.store)
        self.phase_line.value = (f"<p><b>{html.escape(_(T_SCENE_PHASE).format(phase=_(scenes.PHASE_NAMES[phase])))}"
                                 f"</b></p><h4>{html.escape(_(T_YOUR_SCRIPT))}</h4>")
        own = scenes.own_scripts(self.store, self.member.token)
        writing = phase == scenes.WRITING
        self.save_button.disabled = not writing
        self.editor.disabled = not writing
        if own:
            listed = ", ".join(_(T_VERSION_BY).format(version=s.version, role=role_title(self.case, s.role, _, lang))
                               for s in own)
            self.versions.value = f"<small>{html.escape(_(T_VERSIONS).format(versions=listed))}</small>"
            last = own[-1]
            if last.version != self.base_version:
                if not self.dirty:
                    self._loading = True
                    try:
                        self.editor.value = last.text
                    finally:
                        self._loading = False
                    self.base_version = last.version
                    self.current.value = ""
                else:  # kept from the editor; the next save is refused once, showing this version
                    self.script_status.value = error_html(_(
                        "{role} saved version {version} while you were editing: review it below before you "
                        "save.").format(role=role_title(self.case, last.role, _, lang), version=last.version))
                    self.current.value = self._script_box(last, opened=True)
        else:
            self.versions.value = f"<small><i>{html.escape(_(T_NO_SCRIPT_YET))}</i></small>"
        if not writing:
            self.script_status.value = "<b>" + html.escape(_("Scripts are frozen: the scene phase is open.")) + "</b>"
            self.current.value = ""
        self.scoring.layout.display = "none" if writing else ""
        note = f"<p><i>{html.escape(_(T_SCORING_NOT_OPEN))}</i></p>" if writing else (
            "<p><b>" + html.escape(_("Peer scoring is closed; these marks are final.")) + "</b></p>"
            if phase == scenes.CLOSED else "")
        self.score_note.value = f"<h4>{html.escape(_(T_SCORE_OTHERS))}</h4>{note}"
        if not writing and not self.mark_fields:
            self._build_scoring()
        if self.mark_fields:
            self.score_button.disabled = phase != scenes.PERFORMING
            self._show_their_script()
            self._show_given()

    def _script_box(self, script: scenes.Script, opened: bool = False) -> str:
        head = self._(T_SCRIPT_OF).format(n=script.team, version=script.version)
        pre = "white-space:pre-wrap;max-height:300px;overflow:auto;background:#f7f7f7;padding:6px"
        return (f"<details{' open' if opened else ''}><summary>{html.escape(head)}</summary>"
                f"<pre style='{pre}'>{html.escape(script.text)}</pre></details>")

    def _show_their_script(self) -> None:
        shown = scenes.performed_scripts(self.store, self.member.token)
        team = self.target.value
        self.their_script.value = self._script_box(shown[team]) if team in shown and team != self.member.team else ""

    def _show_given(self) -> None:
        _, lang = self._, self.lang
        given = scenes.given_scores(self.store, self.member.token)
        scripted = scenes.performed_scripts(self.store, self.member.token)
        todo = [t for t in sorted(scripted) if t != self.member.team and t not in given]
        teams = ", ".join(_(T_TEAM_N).format(n=t) for t in todo)
        left = f"<p><b>{html.escape(_(T_STILL_TO_SCORE).format(teams=teams))}</b></p>" if todo else ""
        if not given:
            self.given.value = left
            return
        labels = [case_span(case_text(c, "label", lang)) for c in self.case.scene.rubric]
        rows = [[html.escape(_(T_TEAM_N).format(n=t)), *[str(s.marks.get(c.id, "")) for c in self.case.scene.rubric],
                 f"<b>{s.score:.2f}</b>", html.escape(_(T_VERSION_BY).format(
                     version=s.revision, role=role_title(self.case, s.role, _, lang)))]
                for t, s in sorted(given.items())]
        self.given.value = (left + f"<h4>{html.escape(_(T_YOUR_MARKS))}</h4>"
                            + _table([html.escape(_(T_TEAM)), *labels, html.escape(_(T_SCORE)), ""], rows))

    def _load_marks(self) -> None:
        """Put the marks stored for the chosen team into the form (empty if none yet)."""
        given = scenes.given_scores(self.store, self.member.token).get(self.target.value)
        self.score_base = given.revision if given else 0
        for cid, field in self.mark_fields.items():
            field.value = str(given.marks[cid]) if given and cid in given.marks else ""
            self.mark_errors[cid].value = ""
        self.score_status.value = ""
        if self.target.value == self.member.team:
            self.score_status.value = error_html(self._("You cannot score your own team: choose another team."))
        self._show_their_script()

    def _check_mark(self, cid: str) -> str | None:
        """The refusal of one typed mark shown next to it, or None when it is a whole number on the scale."""
        raw = self.mark_fields[cid].value
        try:
            scenes.check_marks(self.case, {c.id: (raw if c.id == cid else SCORE_SCALE[0]) for c in self.case.scene.rubric})
        except UserError as err:
            if str(raw).strip() == "":
                self.mark_errors[cid].value = ""
                return None
            self.mark_errors[cid].value = error_html(self._("refused: {value} is not a whole number from {low} to "
                                                            "{high}").format(value=str(raw).strip(), low=SCORE_SCALE[0],
                                                                             high=SCORE_SCALE[-1]))
            return _message(err, self._)
        self.mark_errors[cid].value = ""
        return None

    # ------------------------------------------------------------------------------ actions
    def save_script(self) -> None:
        """Save the editor as a new version of the team's script (refusals are shown, nothing is changed)."""
        _ = self._
        try:
            version = scenes.save_script(self.store, self.member.token, self.editor.value, self.base_version,
                                         templates=self.templates)
        except scenes.StaleScriptError as err:
            self.base_version = err.version
            self.current.value = self._script_box(scenes.Script(self.member.team, err.version, err.role, err.text), opened=True)
            self.script_status.value = error_html(_(
                "Refused: {role} saved version {version} while you were editing. It is shown below; your text is "
                "still in the editor. Save again to replace it with yours.").format(
                    role=role_title(self.case, err.role, _, self.lang), version=err.version))
            return
        except UserError as err:
            self.script_status.value = error_html(_message(err, _))
            return
        self.dirty, self.base_version = False, version
        self.current.value = ""
        self.script_status.value = "<b>" + html.escape(_("Saved as version {version}, by {role}.").format(
            version=version, role=role_title(self.case, self.member.role, _, self.lang))) + "</b>"
        self.refresh()

    def save_score(self) -> None:
        """Save the typed marks for the chosen team (refusals are shown next to the fields and below)."""
        _ = self._
        team = self.target.value
        if team == self.member.team:
            self.score_status.value = error_html(_("Refused: a team cannot score its own performance."))
            return
        problems = [self._check_mark(cid) for cid in self.mark_fields]
        if any(problems):
            self.score_status.value = error_html(_("Not saved: fix the refused marks above."))
            return
        marks = {cid: f.value for cid, f in self.mark_fields.items()}
        try:
            revision = scenes.save_score(self.store, self.case, self.member.token, team, marks, self.score_base)
        except scenes.StaleScoreError as err:
            self.score_base = err.revision
            self.score_status.value = error_html(_(
                "Refused: {role} saved marks for team {n} (revision {revision}) while you were typing. Save again "
                "to replace them with yours.").format(role=role_title(self.case, err.role, _, self.lang), n=team,
                                                       revision=err.revision))
            self._show_given()
            return
        except UserError as err:
            self.score_status.value = error_html(_message(err, _))
            return
        self.score_base = revision
        self.score_status.value = "<b>" + html.escape(_(
            "Marks for team {n} saved (revision {revision}). You can revise them until the instructor closes "
            "scoring.").format(n=team, revision=revision)) + "</b>"
        self.refresh()


class InstructorScenePanel:
    """The scene phase on the instructor's page: phase buttons, scripts, the peer-score table and the flags."""

    def __init__(self, store: Store, token: str, case: Case, lang: str, _: Translate,
                 run: Callable[[Callable[[], None]], None]) -> None:
        self.store, self.token, self.case, self.lang, self._, self.run = store, token, case, lang, _, run
        self._stamp: tuple[int, ...] = ()
        title = _(T_ROLE_PLAY).format(title=case_text(case.scene, "title", lang))
        self.phase_line = css(text(""), "crm-scene-phase")
        self.message = css(text(""), "crm-scene-message")
        self.scripts = css(text(""), "crm-scene-scripts")
        self.table = css(text(""), "crm-peer-scores")
        self.matrix = css(text(""), "crm-peer-matrix")
        self.raters = css(text(""), "crm-peer-raters")
        self.missing = css(text(""), "crm-peer-missing")
        self.phase_buttons = {
            scenes.PERFORMING: self._button(_("Open the scene phase (performances and peer scoring)"), "crm-scene-open",
                                            lambda: self._phase(scenes.PERFORMING), "warning"),
            scenes.CLOSED: self._button(_("Close peer scoring"), "crm-scene-close", lambda: self._phase(scenes.CLOSED),
                                        "danger"),
            scenes.WRITING: self._button(_("Back to writing"), "crm-scene-reopen-writing",
                                         lambda: self._phase(scenes.WRITING))}
        buttons = w.HBox(list(self.phase_buttons.values()))
        intro = css(text(f"<details><summary>{html.escape(_(T_SCENE_DETAILS))}</summary>"
                         f"{scene_intro(case, lang, _)}</details>"), "crm-scene-intro")
        self.widget = css(w.VBox([text(f"<h3>{html.escape(title)}</h3>"), self.phase_line, buttons, self.message, intro,
                                  self.scripts, self.table, self.matrix, self.raters, self.missing]), "crm-scene-instructor")
        self.refresh()

    def _button(self, label: str, css_class: str, action: Callable[[], None], style: str = "") -> w.Button:
        b = css(w.Button(description=label, button_style=style, layout=w.Layout(width="auto")), css_class)
        b.on_click(lambda _b: self.run(lambda: self._do(b, action)))
        return b

    def _do(self, button: w.Button, action: Callable[[], None]) -> None:
        button.disabled = True
        try:
            action()
        except UserError as err:
            self.message.value = error_html(_message(err, self._))
        finally:
            button.disabled = False
            self.refresh()

    def _phase(self, new: str) -> None:
        self.message.value = ""  # the phase line above says where the class is now
        scenes.set_phase(self.store, self.token, new)

    def tick(self) -> None:
        """Redraw when the phase, a script or a score changed (the page's poll calls this)."""
        if scenes.stamp(self.store) != self._stamp:
            self.refresh()

    def refresh(self) -> None:
        """Redraw everything from the store."""
        _, lang, case = self._, self.lang, self.case
        low, high = SCORE_SCALE[0], SCORE_SCALE[-1]
        self._stamp = scenes.stamp(self.store)
        phase = scenes.phase(self.store)
        self.phase_line.value = f"<p><b>{html.escape(_(T_SCENE_PHASE).format(phase=_(scenes.PHASE_NAMES[phase])))}</b></p>"
        for target, button in self.phase_buttons.items():
            button.disabled = target == phase  # the phase the class is in already
        teams = self.store.team_numbers()
        scripts = scenes.scripts(self.store, self.token)
        latest = {s.team: s for s in scripts}
        if latest:
            rows = [[html.escape(_(T_TEAM_N).format(n=t)), str(len([s for s in scripts if s.team == t])),
                     html.escape(_(T_VERSION_BY).format(version=s.version, role=role_title(case, s.role, _, lang))),
                     f"<details><summary>{len(s.text):,}</summary><pre style='white-space:pre-wrap;max-height:240px;"
                     f"overflow:auto'>{html.escape(s.text)}</pre></details>"]
                    for t, s in sorted(latest.items())]
            self.scripts.value = f"<h4>{html.escape(_(T_SCRIPTS))}</h4>" + _table(
                [html.escape(_(T_TEAM)), html.escape(_("versions")), html.escape(_("latest")),
                 html.escape(_("characters"))], rows)
        else:
            self.scripts.value = f"<h4>{html.escape(_(T_SCRIPTS))}</h4><p><i>{html.escape(_(T_NO_SCRIPTS))}</i></p>"
        current = scenes.current_scores(self.store, self.token)
        head = f"<h4>{html.escape(_(T_PEER_SCORES).format(low=low, high=high))}</h4>"
        if not current:
            self.table.value = head + f"<p><i>{html.escape(_(T_NO_SCORES))}</i></p>"
            self.matrix.value = self.raters.value = ""
        else:
            by_team, by_criterion, checks = scenes.summarise(case, current, teams)
            labels = [case_span(case_text(c, "label", lang)) for c in case.scene.rubric]
            sd_label = html.escape(_(T_SD))

            def spread(s: scenes.Spread, bold: bool = False) -> str:
                if not s.n:
                    return "–"
                mark = " style='color:#b00'" if s.sd >= 1.0 else ""
                mean = f"<b>{s.mean:.2f}</b>" if bold else f"{s.mean:.2f}"
                return f"{mean} <small{mark}>({s.low:g}–{s.high:g}, {sd_label} {s.sd:.2f})</small>"

            rows = [[html.escape(_(T_TEAM_N).format(n=t)), str(by_team[t].n), spread(by_team[t], True),
                     *[spread(by_criterion[(t, c.id)]) for c in case.scene.rubric]] for t in teams]
            note = _(T_SPREAD_NOTE).format(points=scenes.FLAG_POINTS, raters=scenes.MIN_RATERS)
            self.table.value = head + _table([html.escape(_(T_TEAM)), html.escape(_(T_RATERS)),
                                              html.escape(_("scene score: mean (min–max, SD)")), *labels], rows) + (
                f"<p style='line-height:1.4'><small>{html.escape(note)}</small></p>")
            given = {(s.rater, s.team): s.score for s in current}
            mrows = [[html.escape(_(T_TEAM_N).format(n=r)),
                      *["■" if r == t else _num(given.get((r, t), math.nan)) for t in teams]] for r in teams]
            self.matrix.value = f"<h4>{html.escape(_(T_MATRIX))}</h4>" + _table(
                ["", *[html.escape(_(T_TEAM_N).format(n=t)) for t in teams]], mrows, "crm-peer-matrix-table")
            crows = []
            for c in checks:
                flag = f"<b style='color:#b00'>⚠ {html.escape(_(T_FLAG))}</b>" if c.flagged else ""
                crows.append([html.escape(_(T_TEAM_N).format(n=c.rater)), str(c.scored), _signed(c.bias) if c.compared
                              else "–", _signed(c.largest) if c.compared else "–", flag])
            self.raters.value = f"<h4>{html.escape(_(T_RATER_CHECK))}</h4>" + _table(
                [html.escape(_("scoring team")), html.escape(_("teams scored")), html.escape(_(T_DEVIATION)),
                 html.escape(_(T_LARGEST)), ""], crows, "crm-peer-raters-table")
        todo = scenes.missing_scores(current, teams, set(latest))
        lines = [f"{_(T_TEAM_N).format(n=r)} → " + ", ".join(_(T_TEAM_N).format(n=t) for t in ts)
                 for r, ts in todo.items() if ts]
        if phase == scenes.WRITING or not latest:
            self.missing.value = ""
        elif lines:
            self.missing.value = f"<p><b>{html.escape(_(T_STILL_TO_SCORE).format(teams='; '.join(lines)))}</b></p>"
        else:
            self.missing.value = f"<p><b>{html.escape(_(T_ALL_SCORED))}</b></p>"

