"""The round report each team gets after a round: score and rank, the benchmark beside it, KPIs, events, and why.

What a student reads in a minute: the balanced score and rank, one sentence per big lever
("Cutting call-centre capacity to 200 (benchmark: 300) cost you 12.0 points of the score"), a
small bar chart of every lever's points, the round's figures beside the benchmark firm's (each
with its definition on hover and in a legend), and the round's news. The "why" comes from
paired counterfactual runs (:mod:`simulations.classroom.attribution`), computed after the
advance by a background worker; until it has written a team's part the page says it is being
worked out, and the page redraws itself when it arrives (:func:`report_stamp`).

Why this module imports no engine and no pandas: team pages render the report, and a team
kernel must open in seconds (:mod:`simulations.classroom.session`). Reports are stored as
language-free JSON (numbers and ids) in a table of their own in the session's SQLite file, so
a page renders them in its language, and only the team's own reports reach its page.
"""

from __future__ import annotations

import fcntl
import hashlib
import html
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulations.classroom.case import Case, Decision
from simulations.classroom.page_parts import SHOWN, Translate, case_span, case_text, css, fmt, make_translator, round_name, text
from simulations.classroom.session import round_events
from simulations.classroom.store import BENCHMARK, Store, _tx
from simulations.i18n import N_

#: File lock held by the worker that writes reports (in the session folder).
LOCK_NAME = "round-reports.lock"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS round_reports (team INTEGER NOT NULL, round INTEGER NOT NULL, "
           "basis TEXT NOT NULL, done INTEGER NOT NULL, report TEXT NOT NULL, PRIMARY KEY (team, round))")
#: A lever's sentence is shown when its part is at least this many score points (the three biggest at most).
SENTENCE_POINTS = 0.1
MAX_SENTENCES = 3

#: Room between the columns of the report's tables (scoped to the report and the class summary).
TABLE_STYLE = ("<style>.crm-report-card table td, .crm-report-card table th, .crm-class-table td, .crm-class-table th "
               "{padding: 1px 10px !important; line-height: 1.35 !important;} .crm-report-card summary {cursor: pointer;}"
               " .crm-report-card ul {margin: 4px 0;} .crm-report-card h4 {margin: 10px 0 4px;}</style>")
#: What each figure of the round means (hover a figure's name, or open the legend).
MEANING: dict[str, str] = {
    "revenue": N_("sales plus recurring fees billed during the period"),
    "profit": N_("gross margin minus costs"),
    "cost_total": N_("acquisition, marketing, service, loyalty programme and community costs, and fixed overheads"),
    "acquisitions": N_("prospects who became customers during the period"),
    "buyers": N_("customers who bought at least once during the round"),
    "notices": N_("contract customers who gave notice during the round (others leave without a word)"),
    "tickets": N_("service contacts customers opened during the round"),
    "complaints": N_("service contacts that ended as a formal complaint"),
    "service_level": N_("share of phone, chat and key-desk contacts answered within the target wait"),
    "survey_satisfaction": N_("mean answer of a survey of recent buyers at the end of the round (1 = very unhappy, "
                              "5 = very happy)"),
    "loyalty_members": N_("members of the loyalty programme at the end of the round"),
    "community_members": N_("members of the customer community at the end of the round"),
}

#: Sentences of a lever's part: (how it was moved, whether it gained) -> text.
SENTENCES: dict[tuple[str, bool], str] = {
    ("raise", False): N_("Raising {lever} to {value} (benchmark: {bench}) cost you {points} points of the score."),
    ("raise", True): N_("Raising {lever} to {value} (benchmark: {bench}) gained you {points} points of the score."),
    ("cut", False): N_("Cutting {lever} to {value} (benchmark: {bench}) cost you {points} points of the score."),
    ("cut", True): N_("Cutting {lever} to {value} (benchmark: {bench}) gained you {points} points of the score."),
    ("on", False): N_("Turning {lever} on (benchmark: off) cost you {points} points of the score."),
    ("on", True): N_("Turning {lever} on (benchmark: off) gained you {points} points of the score."),
    ("off", False): N_("Turning {lever} off (benchmark: on) cost you {points} points of the score."),
    ("off", True): N_("Turning {lever} off (benchmark: on) gained you {points} points of the score."),
    ("choice", False): N_("Choosing {value} for {lever} (benchmark: {bench}) cost you {points} points of the score."),
    ("choice", True): N_("Choosing {value} for {lever} (benchmark: {bench}) gained you {points} points of the score."),
}
T_ROUND_REPORT = N_("Round report: {round}")
T_SCORE_LINE = N_("Score {score} · rank {rank} of {teams} · the benchmark firm scores 100")
T_SCORE_SCOPE = N_("balanced score over {scope}: profit, customer equity and surveyed satisfaction, each against "
                   "the benchmark firm (same world, default decisions)")
T_ABOVE = N_("You are {points} points above the benchmark. Why:")
T_BELOW = N_("You are {points} points below the benchmark. Why:")
T_LEVEL = N_("You score the same as the benchmark.")
T_EARLIER = N_("Your decisions in earlier rounds carried {points} points into this round.")
T_TOGETHER = N_("Your levers acting together added {points} points beyond their separate effects.")
T_SAME_DECISIONS = N_("You played the benchmark's decisions this round.")
T_SMALL_EFFECTS = N_("Your decisions differ from the benchmark's, but none of them moved your score by {points} "
                     "points or more this round.")
T_WORKING = N_("Working out why: your round is being replayed with each lever set back to the benchmark's value.")
T_UNAVAILABLE = N_("The why of this round could not be worked out; your score, rank and figures stand as shown.")
T_EARLIER_BAR = N_("Earlier rounds")
T_TOGETHER_BAR = N_("Levers together")
T_TOTAL_BAR = N_("Total vs benchmark")
T_CHART = N_("Score points vs the benchmark, by lever")
T_ALL_LEVERS = N_("All levers: your value, the benchmark's, score points and this round's profit")
T_FIGURES = N_("This round's figures ({weeks} weeks), beside the benchmark firm")
T_LEGEND = N_("What the figures mean")
T_HOVER = N_("hover a figure's name for its meaning")
T_EVENTS = N_("Events of the round")
T_NO_EVENTS = N_("No events this round.")
T_METHOD = N_("How the why is worked out: your round is replayed from the same start and the same random numbers, "
              "with one lever set back to the benchmark's value; the change in your score is that lever's part. "
              "What your earlier rounds carried in and what levers do only together are shown apart, so the parts "
              "add up to your difference from the benchmark.")
T_HEADS = (N_("lever"), N_("yours"), N_("benchmark"), N_("score points"), N_("profit this round"))
T_FIGURE_HEADS = (N_("figure"), N_("you"), N_("benchmark"), N_("difference"))
T_OFF = N_("off")
T_ON = N_("on")
T_CLASS_SUMMARY = N_("Class summary for the debrief: {round}")
T_STATUS = N_("Reports with their why: {done} of {teams} teams; {runs} replayed rounds, {seconds} s per team")
T_BIGGEST = N_("The lever that moved scores most: {lever} ({points} points on average; teams that moved it: {n}).")
T_SUMMARY_HEADS = (N_("lever"), N_("teams that moved it"), N_("mean points"), N_("lowest"), N_("highest"))
T_RANK_HEADS = (N_("rank"), N_("team"), N_("score"), N_("biggest lever"))
T_TEAM_REPORT = N_("A team's report")
T_TEAM_N = N_('Team {n}')
T_ROUND = N_("round")
T_TEAM = N_("team")
T_NO_REPORTS = N_("No round closed yet.")
T_PREPARING = N_("Your report is being prepared; it appears here within a few seconds.")


# ------------------------------------------------------------------------------------ storage
def _db(store: Store) -> Any:
    """The store's connection, with the reports table (created on first use, as the store's own tables are)."""
    if not getattr(store, "_round_reports", False):
        store._db.execute(_SCHEMA)
        store._round_reports = True
    return store._db


def closed_rounds(store: Store) -> list[int]:
    """Rounds played so far (practice 0 and counted 1..), from the benchmark's result rows."""
    rows = _db(store).execute("SELECT round FROM results WHERE team = ? AND round >= 0 ORDER BY round", (BENCHMARK,))
    return [int(r[0]) for r in rows]


def score_rows(store: Store, rounds: list[int]) -> list[dict[str, Any]]:
    """Result rows of ``rounds`` with what a score needs (team, round, metrics, hidden), without the weekly and
    transaction blobs :meth:`Store.results` also reads (the worker scores hundreds of replays per round).
    """
    marks = ",".join("?" * len(rounds))
    rows = _db(store).execute(f"SELECT team, round, metrics, hidden FROM results WHERE round IN ({marks}) "  # noqa: S608
                              "ORDER BY round, team", tuple(rounds))
    return [{"team": int(t), "round": int(r), "metrics": json.loads(m), "hidden": json.loads(h)} for t, r, m, h in rows]


def pending_rounds(store: Store) -> list[int]:
    """Closed rounds whose reports are missing or lack their why for some team."""
    n = store.info().n_teams
    done = dict(_db(store).execute("SELECT round, sum(done) FROM round_reports GROUP BY round").fetchall())
    return [r for r in closed_rounds(store) if (done.get(r) or 0) < n]


def stored_reports(store: Store, round_no: int | None = None) -> list[dict[str, Any]]:
    """Every team's stored report (trusted code: the worker, the export); ``team``, ``round``, ``basis``, ``report``."""
    sql = "SELECT team, round, basis, report FROM round_reports"
    rows = _db(store).execute(sql + (" WHERE round = ?" if round_no is not None else "") + " ORDER BY round, team",
                              () if round_no is None else (round_no,))
    return [{"team": int(t), "round": int(r), "basis": b, "report": json.loads(x)} for t, r, b, x in rows]


def basis(team_row: dict[str, Any], bench_row: dict[str, Any]) -> str:
    """Fingerprint of the results a report was made from (a practice round played again changes it)."""
    text = json.dumps([team_row["metrics"], team_row["hidden"], bench_row["metrics"], bench_row["hidden"]], sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - a fingerprint, not security


def _current_basis(db: Any, team: int, round_no: int) -> str | None:
    rows = {int(t): {"metrics": json.loads(m), "hidden": json.loads(h)} for t, m, h in db.execute(
        "SELECT team, metrics, hidden FROM results WHERE round = ? AND team IN (?, ?)", (round_no, team, BENCHMARK))}
    return basis(rows[team], rows[BENCHMARK]) if team in rows and BENCHMARK in rows else None


def save_reports(store: Store, round_no: int, reports: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Store reports without their why (score, rank, figures), each only if made from the results stored now.

    Why the check: a worker still busy with a practice round that the instructor has reset and
    played again must not store a report of the old one.
    """
    db = _db(store)
    with _tx(db):
        for team, made_from, report in reports:
            if _current_basis(db, team, round_no) == made_from:
                db.execute("INSERT OR REPLACE INTO round_reports VALUES (?, ?, ?, 0, ?)",
                           (team, round_no, made_from, json.dumps(report, sort_keys=True)))


def save_attribution(store: Store, team: int, round_no: int, basis: str, why: dict[str, Any]) -> bool:
    """Add the why to a stored report; False if the report was made from other results (a replayed practice)."""
    db = _db(store)
    with _tx(db):
        row = db.execute("SELECT basis, report FROM round_reports WHERE team = ? AND round = ?", (team, round_no)).fetchone()
        if row is None or row[0] != basis:
            return False
        report = {**json.loads(row[1]), "why": why}
        db.execute("UPDATE round_reports SET done = 1, report = ? WHERE team = ? AND round = ?",
                   (json.dumps(report, sort_keys=True), team, round_no))
    return True


def report_stamp(store: Store, team: int | None = None) -> tuple[int, int]:
    """Reports stored and reports with their why (of one team, or all): pages redraw when it changes."""
    row = _db(store).execute("SELECT count(*), coalesce(sum(done), 0) FROM round_reports WHERE ? IS NULL OR team = ?",
                             (team, team)).fetchone()
    return int(row[0]), int(row[1])


def own_reports(store: Store, token: str) -> list[dict[str, Any]]:
    """A team's own reports, oldest round first (the token decides the team)."""
    team = store.team_for_token(token)
    rows = _db(store).execute("SELECT report FROM round_reports WHERE team = ? ORDER BY round", (team,))
    return [json.loads(r[0]) for r in rows]


def all_reports(store: Store, token: str, round_no: int | None = None) -> list[dict[str, Any]]:
    """Every team's reports (instructor only)."""
    store.check_instructor(token)
    return [r["report"] for r in stored_reports(store, round_no)]


def forget_round(store: Store, token: str, round_no: int) -> None:
    """Drop a round's reports (the practice round was reset; instructor only)."""
    store.check_instructor(token)
    db = _db(store)
    with _tx(db):
        db.execute("DELETE FROM round_reports WHERE round = ?", (round_no,))


#: Workers this process started, by session folder (a page does not start a second one while its first runs).
_WORKERS: dict[Path, subprocess.Popen] = {}
_STARTED: dict[Path, float] = {}
#: Scheduling priority of the worker (``nice``): the pages redrawing after an advance come first.
WORKER_NICENESS = 10
#: Seconds between two automatic starts of the worker by a page.
RESTART_SECONDS = 30.0


def start_worker(folder: str | Path) -> bool:
    """Start the background worker that writes missing reports, unless one is running; True if started.

    Why a process of its own: the counterfactual runs must not lengthen the advance nor hold the
    instructor kernel; it runs at a lower priority than the pages, and a worker that dies leaves
    the lock free, so the next call starts another.
    """
    folder = Path(folder)
    mine = _WORKERS.get(folder)
    if mine is not None and mine.poll() is None:
        return False  # still starting up or running (it takes the lock only once it has imported the engine)
    with open(folder / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
    _STARTED[folder] = time.monotonic()
    log = open(folder / "round-reports.log", "ab")  # noqa: SIM115 - the child holds it
    nice = shutil.which("nice")  # lower priority from its first instruction: its imports too yield to the pages
    command = [*([nice, "-n", str(WORKER_NICENESS)] if nice else []), sys.executable, "-m",
               "simulations.classroom.attribution", str(folder)]
    _WORKERS[folder] = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,  # noqa: S603
                                        close_fds=True)
    log.close()
    return True


def ensure_worker(store: Store) -> bool:
    """Start the worker if some closed round lacks reports, at most every :data:`RESTART_SECONDS` (a page polls this).

    Why the pause: a worker that fails on every try must not be restarted every second.
    """
    folder = Path(store.folder)
    if time.monotonic() - _STARTED.get(folder, -RESTART_SECONDS) < RESTART_SECONDS or not pending_rounds(store):
        return False
    return start_worker(folder)


# ------------------------------------------------------------------------------------ rendering
def _value(d: Decision | None, value: Any, lang: str, _: Translate) -> str:
    if d is None:
        return str(value)
    if d.kind == "switch":
        return _(T_ON) if value else _(T_OFF)
    if d.kind == "choice":
        label = d.option_labels.get(str(value))
        return label.get(lang) if label is not None else str(value)
    return f"{int(value):,}" if d.kind == "integer" else f"{float(value):,.4g}"


def _points(units: int, unit: float) -> float:
    return units * unit


def _signed(x: float) -> str:
    """A part with its sign (a true minus sign); nothing to add or take is plain 0.0."""
    shown = f"{x:+.1f}"
    return "0.0" if shown in ("+0.0", "-0.0") else shown.replace("-", "\u2212")


def _decision(case: Case, lever: str) -> Decision | None:
    return next((d for d in case.decisions if d.id == lever), None)


def lever_sentence(case: Case, lever: str, points: float, mine: Any, bench: Any, lang: str, _: Translate) -> str:
    """One lever's part as a sentence (HTML): what was moved, which way, and the score points it gained or cost."""
    d = _decision(case, lever)
    if d is None or d.kind == "choice":
        how = "choice"
    elif d.kind == "switch":
        how = "on" if mine else "off"
    else:
        how = "raise" if float(mine) > float(bench) else "cut"
    label = f"<b>{case_span(case_text(d, 'label', lang) if d else lever)}</b>"
    template = html.escape(_(SENTENCES[(how, points >= 0)]))
    return template.format(lever=label, value=html.escape(_value(d, mine, lang, _)),
                           bench=html.escape(_value(d, bench, lang, _)), points=f"{abs(points):.1f}")


def why_svg(items: list[tuple[str, float, bool]], title: str) -> str:
    """Horizontal bars of score points (label, points, is_total) around a zero line, as inline SVG.

    Why SVG by hand: a team kernel has no matplotlib (see :func:`page_parts.weekly_plot`).
    """
    label_w, bar_w, value_w, row_h = 280, 240, 50, 22
    width, height = label_w + bar_w + value_w, row_h * len(items) + 30
    top = max([abs(v) for _l, v, _t in items] + [0.1])
    zero = label_w + bar_w / 2
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' class='crm-why-chart' width='{width}' height='{height}' "
             f"font-size='12' font-family='sans-serif'><text x='0' y='13' font-weight='bold'>{html.escape(title)}</text>"]
    for i, (label, value, total) in enumerate(items):
        y = 24 + i * row_h
        length = abs(value) / top * (bar_w / 2 - 4)
        x = zero if value >= 0 else zero - length
        colour = ("#1a7f37" if value >= 0 else "#c62828") if not total else ("#0b4f1f" if value >= 0 else "#7f1010")
        short = label if len(label) <= 42 else label[:41] + "\u2026"
        weight = " font-weight='bold'" if total else ""
        parts.append(f"<text x='{label_w - 6}' y='{y + 14}' text-anchor='end'{weight}><title>{html.escape(label)}</title>"
                     f"{html.escape(short)}</text>"
                     f"<rect x='{x:.1f}' y='{y + 3}' width='{max(length, 1):.1f}' height='{row_h - 8}' fill='{colour}'/>"
                     f"<text x='{label_w + bar_w + 4}' y='{y + 14}'{weight}>{_signed(value)}</text>")
    parts.append(f"<line x1='{zero}' y1='20' x2='{zero}' y2='{height - 4}' stroke='#555' stroke-width='1'/></svg>")
    return "".join(parts)


def _why_html(report: dict[str, Any], case: Case, lang: str, _: Translate) -> str:
    why = report.get("why")
    if why is None:
        return f"<p class='crm-why-pending'><i>{html.escape(_(T_WORKING))}</i></p>"
    if "splits" not in why:
        return f"<p class='crm-why-pending'><i>{html.escape(_(T_UNAVAILABLE))}</i></p>"
    score = why["splits"]["score"]
    unit = score["unit"]
    total = _points(score["total"], unit)
    head = _(T_LEVEL) if score["total"] == 0 else (_(T_ABOVE) if total > 0 else _(T_BELOW)).format(points=f"{abs(total):.1f}")
    mine, bench = report.get("decisions") or {}, report.get("benchmark_decisions") or {}
    levers = sorted(score["parts"].items(), key=lambda kv: -abs(kv[1]))
    sentences = [lever_sentence(case, lever, _points(u, unit), mine.get(lever), bench.get(lever), lang, _)
                 for lever, u in levers if abs(_points(u, unit)) >= SENTENCE_POINTS][:MAX_SENTENCES]
    if not levers:
        sentences.append(html.escape(_(T_SAME_DECISIONS)))
    elif not sentences:  # a student must not be left with an empty "why"
        sentences.append(html.escape(_(T_SMALL_EFFECTS).format(points=f"{SENTENCE_POINTS:g}")))
    for key, template in (("earlier", T_EARLIER), ("interaction", T_TOGETHER)):
        if abs(_points(score[key], unit)) >= SENTENCE_POINTS:
            sentences.append(html.escape(_(template).format(points=_signed(_points(score[key], unit)))))
    bars = [(case_text(_decision(case, lv), "label", lang) if _decision(case, lv) else lv, _points(u, unit), False)
            for lv, u in levers]
    if report["round"] >= 2:
        bars.append((_(T_EARLIER_BAR), _points(score["earlier"], unit), False))
    if len(levers) >= 2:
        bars.append((_(T_TOGETHER_BAR), _points(score["interaction"], unit), False))
    bars.append((_(T_TOTAL_BAR), total, True))
    profit = why["splits"]["profit"]
    rows = "".join(
        f"<tr><td>{case_span(case_text(d, 'label', lang))}</td><td style='text-align:right'>"
        f"{html.escape(_value(d, mine.get(d.id), lang, _))}</td><td style='text-align:right'>"
        f"{html.escape(_value(d, bench.get(d.id), lang, _))}</td><td style='text-align:right'>"
        f"{_signed(_points(score['parts'].get(d.id, 0), unit))}</td><td style='text-align:right'>"
        f"{_points(profit['parts'].get(d.id, 0), profit['unit']):+,.0f}</td></tr>" for d in case.decisions)
    extra = [(T_EARLIER_BAR, "earlier"), (T_TOGETHER_BAR, "interaction"), (T_TOTAL_BAR, "total")]
    rows += "".join(f"<tr><td><i>{html.escape(_(label))}</i></td><td></td><td></td><td style='text-align:right'>"
                    f"{_signed(_points(score[key], unit))}</td><td style='text-align:right'>"
                    f"{_points(profit[key], profit['unit']):+,.0f}</td></tr>" for label, key in extra)
    heads = "".join(f"<th>{html.escape(_(h))}</th>" for h in T_HEADS)
    return (f"<p><b>{html.escape(head)}</b></p><ul class='crm-why'>"
            + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>" + (why_svg(bars, _(T_CHART)) if len(bars) > 1 else "")
            + f"<details><summary>{html.escape(_(T_ALL_LEVERS))}</summary><table class='crm-table'><tr>{heads}</tr>{rows}"
            f"</table><p><small>{html.escape(_(T_METHOD))}</small></p></details>")


def _figures_html(report: dict[str, Any], case: Case, _: Translate) -> str:
    mine, bench = report["metrics"], report["benchmark"]
    rows, legend = [], []
    for key, label in SHOWN:
        if not (mine.get(key) or bench.get(key)):
            continue
        meaning = _(MEANING[key]) if key in MEANING else ""
        a, b = float(mine.get(key, 0.0)), float(bench.get(key, 0.0))
        diff = f"{a - b:+.0%}" if key == "service_level" else (f"{a - b:+.2f}" if key == "survey_satisfaction"
                                                               else f"{a - b:+,.0f}")
        diff = diff[1:] if diff.strip("+-0.%") == "" else diff  # no sign on nothing
        rows.append(f"<tr><td><span title='{html.escape(meaning)}' style='border-bottom:1px dotted #777;cursor:help'>"
                    f"{html.escape(_(label))}</span></td><td style='text-align:right'>{fmt(key, a)}</td>"
                    f"<td style='text-align:right'>{fmt(key, b)}</td><td style='text-align:right'>"
                    f"{diff.replace('-', chr(0x2212))}</td></tr>")
        legend.append(f"<li><b>{html.escape(_(label))}</b>: {html.escape(meaning)}</li>")
    heads = "".join(f"<th>{html.escape(_(h))}</th>" for h in T_FIGURE_HEADS)
    weeks = int(mine.get("weeks", case.rounds.weeks))
    return (f"<h4>{html.escape(_(T_FIGURES).format(weeks=weeks))} <small style='font-weight:normal'>"
            f"({html.escape(_(T_HOVER))})</small></h4><table class='crm-table crm-report-figures'><tr>{heads}</tr>"
            f"{''.join(rows)}</table><details class='crm-report-legend'><summary>{html.escape(_(T_LEGEND))}</summary>"
            f"<ul>{''.join(legend)}</ul></details>")


def _scope_name(scope: list[int], _: Translate) -> str:
    if scope == [0]:
        return _("practice round")
    return round_name(1, _) if len(scope) == 1 else _("rounds 1-{last}").format(last=max(scope))


def report_html(report: dict[str, Any], case: Case, lang: str, events: list[dict[str, Any]]) -> str:
    """One team's round report as HTML (the team page and the instructor's panel show the same)."""
    _ = make_translator(lang)
    score = _(T_SCORE_LINE).format(score=f"{report['score']:.1f}", rank=report["rank"], teams=report["teams"])
    scope = _(T_SCORE_SCOPE).format(scope=_scope_name(report["scope"], _))
    news = "".join(f"<li>{case_span(e['headline'])}</li>" for e in events)
    return (f"{TABLE_STYLE}<div class='crm-report-card' style='border:1px solid #bbb;border-radius:6px;padding:8px 12px;"
            f"max-width:760px'><h3>{html.escape(_(T_ROUND_REPORT).format(round=round_name(report['round'], _)))}</h3>"
            f"<p class='crm-report-score' style='font-size:1.15em'><b>{html.escape(score)}</b><br>"
            f"<small>{html.escape(scope)}</small></p>{_why_html(report, case, lang, _)}{_figures_html(report, case, _)}"
            f"<h4>{html.escape(_(T_EVENTS))}</h4>"
            + (f"<ul>{news}</ul>" if news else f"<p><i>{html.escape(_(T_NO_EVENTS))}</i></p>") + "</div>")


def team_reports_html(store: Store, case: Case, token: str, lang: str) -> str:
    """A team page's report section: the latest round's report open, earlier ones folded."""
    reports = own_reports(store, token)
    _ = make_translator(lang)
    closed = closed_rounds(store)
    if closed and closed[-1] not in {r["round"] for r in reports}:  # the worker has not written it yet
        waiting = (f"<div class='crm-report-card' style='border:1px solid #bbb;border-radius:6px;padding:8px 12px'>"
                   f"<h3>{html.escape(_(T_ROUND_REPORT).format(round=round_name(closed[-1], _)))}</h3>"
                   f"<p class='crm-why-pending'><i>{html.escape(_(T_PREPARING))}</i></p></div>")
        reports = [r for r in reports if r["round"] in closed]
        return waiting + "".join(f"<details><summary>{html.escape(_(T_ROUND_REPORT).format(round=round_name(r['round'], _)))}"
                                 f"</summary>{report_html(r, case, lang, round_events(store, case, r['round'], lang))}"
                                 f"</details>" for r in reversed(reports))
    if not reports:
        return ""
    cards = [report_html(r, case, lang, round_events(store, case, r["round"], lang)) for r in reversed(reports)]
    older = "".join(f"<details><summary>{html.escape(_(T_ROUND_REPORT).format(round=round_name(r['round'], _)))}"
                    f"</summary>{card}</details>" for r, card in zip(reversed(reports[:-1]), cards[1:], strict=True))
    return cards[0] + older


def class_summary_html(reports: list[dict[str, Any]], case: Case, lang: str, n_teams: int) -> str:
    """The instructor's debrief view of one round: what each lever did across the class, and the ranking."""
    _ = make_translator(lang)
    if not reports:
        return f"<p><i>{html.escape(_(T_NO_REPORTS))}</i></p>"
    r = reports[0]["round"]
    done = [x for x in reports if (x.get("why") or {}).get("splits")]
    runs = sum(int((x.get("why") or {}).get("runs", 0)) for x in reports)
    seconds = [float(x["why"]["seconds"]) for x in reports if x.get("why")]
    status = _(T_STATUS).format(done=len(done), teams=n_teams, runs=runs,
                                seconds=f"{sum(seconds) / len(seconds):.2f}" if seconds else "-")
    per_lever: dict[str, list[float]] = {}
    for x in done:
        score = x["why"]["splits"]["score"]
        for lever, u in score["parts"].items():
            per_lever.setdefault(lever, []).append(_points(u, score["unit"]))
        if r >= 2:
            per_lever.setdefault("earlier", []).append(_points(score["earlier"], score["unit"]))
        if len(score["parts"]) >= 2:  # one lever or none has no interaction
            per_lever.setdefault("interaction", []).append(_points(score["interaction"], score["unit"]))

    def name(lever: str) -> str:
        if lever in ("earlier", "interaction"):
            label = T_EARLIER_BAR if lever == "earlier" else T_TOGETHER_BAR
            return html.escape(_(label))
        d = _decision(case, lever)
        return case_span(case_text(d, "label", lang)) if d else html.escape(lever)

    order = [d.id for d in case.decisions if d.id in per_lever] + [k for k in ("earlier", "interaction") if k in per_lever]
    rows = "".join(f"<tr><td>{name(k)}</td><td style='text-align:right'>{len(per_lever[k])}</td>"
                   f"<td style='text-align:right'>{_signed(sum(per_lever[k]) / len(per_lever[k]))}</td>"
                   f"<td style='text-align:right'>{_signed(min(per_lever[k]))}</td>"
                   f"<td style='text-align:right'>{_signed(max(per_lever[k]))}</td></tr>" for k in order)
    levers = [k for k in order if k not in ("earlier", "interaction")]
    biggest = ""
    if levers:
        top = max(levers, key=lambda k: sum(abs(v) for v in per_lever[k]) / len(per_lever[k]))
        mean = sum(per_lever[top]) / len(per_lever[top])
        biggest = "<p><b>" + html.escape(_(T_BIGGEST)).format(lever=name(top), points=_signed(mean),
                                                               n=len(per_lever[top])) + "</b></p>"
    ranking = []
    for x in sorted(reports, key=lambda x: (x["rank"], x["team"])):
        score = ((x.get("why") or {}).get("splits") or {}).get("score", {})
        big = max(score.get("parts", {}).items(), key=lambda kv: abs(kv[1]), default=None)
        cell = f"{name(big[0])} {_signed(_points(big[1], score['unit']))}" if big else "-"
        ranking.append(f"<tr><td>{x['rank']}</td><td>{html.escape(_(T_TEAM_N).format(n=x['team']))}</td>"
                       f"<td style='text-align:right'>{x['score']:.1f}</td><td>{cell}</td></tr>")
    heads = "".join(f"<th>{html.escape(_(h))}</th>" for h in T_SUMMARY_HEADS)
    rank_heads = "".join(f"<th>{html.escape(_(h))}</th>" for h in T_RANK_HEADS)
    return (f"{TABLE_STYLE}<h3>{html.escape(_(T_CLASS_SUMMARY).format(round=round_name(r, _)))}</h3><p>{html.escape(status)}</p>"
            f"{biggest}<table class='crm-table crm-class-table'><tr>{heads}</tr>{rows}</table><br>"
            f"<table class='crm-table crm-class-table'><tr>{rank_heads}</tr>{''.join(ranking)}</table>")


class ReportsPanel:
    """The instructor page's round reports: a class summary of a round and any team's report."""

    def __init__(self, store: Store, case: Case, token: str, lang: str, lock: Any, background: bool = False) -> None:
        import ipywidgets as w  # the instructor's kernel; reports render without widgets (export, CLI)

        self.store, self.case, self.token, self.lang, self.lock = store, case, token, lang, lock
        self.background = background  # start the worker (a live page); tests complete reports in-process
        self._seen: tuple[Any, ...] | None = None
        _ = make_translator(lang)
        self.summary = css(text(""), "crm-class-summary")
        self.report = css(text(""), "crm-instructor-report")
        self.round = css(w.Dropdown(options=[], description=_(T_ROUND), layout=w.Layout(width="240px")),
                         "crm-report-round")
        self.team = css(w.Dropdown(options=[], description=_(T_TEAM), layout=w.Layout(width="240px")), "crm-report-team")
        for choice in (self.round, self.team):
            choice.observe(lambda _c: self._redraw(), names="value")
        self._drawing = False
        self.widget = css(w.VBox([self.round, self.summary, text(f"<h4>{html.escape(_(T_TEAM_REPORT))}</h4>"),
                                  self.team, self.report]), "crm-reports-panel")

    def round_closed(self) -> None:
        """A round was advanced: start the worker that writes its reports (live pages only)."""
        if self.background:
            start_worker(self.store.folder)

    def tick(self) -> None:
        """One poll: redraw when reports arrived or a round closed; restart a worker that died with work left.

        Why apart from the page's own stamp: 30 reports arrive one by one after an advance, and each
        must redraw only this panel, not the leaderboard and the debrief plot.
        """
        seen = (report_stamp(self.store), tuple(closed_rounds(self.store)))
        if seen != self._seen:
            self._seen = seen
            self.refresh()
        if self.background:
            ensure_worker(self.store)

    def refresh(self) -> None:
        """Update the round and team choices (the latest round by default) and redraw."""
        _ = make_translator(self.lang)
        rounds = closed_rounds(self.store)
        self._drawing = True
        try:
            options = [(round_name(r, _), r) for r in rounds]
            if list(self.round.options) != options:
                chosen = self.round.value
                latest = chosen is None or chosen == (self.round.options[-1][1] if self.round.options else None)
                self.round.options = options
                if options:  # a new round shows itself, unless the instructor is looking at an older one
                    self.round.value = options[-1][1] if latest or chosen not in rounds else chosen
            teams = [(_(T_TEAM_N).format(n=t), t) for t in self.store.team_numbers()]
            if list(self.team.options) != teams:
                self.team.options = teams
                self.team.value = teams[0][1] if teams else None
        finally:
            self._drawing = False
        self._redraw()

    def _redraw(self) -> None:
        if self._drawing:
            return
        with self.lock:
            r = self.round.value
            reports = all_reports(self.store, self.token, r) if r is not None else []
            self.summary.value = class_summary_html(reports, self.case, self.lang, self.store.info().n_teams)
            chosen = next((x for x in reports if x["team"] == self.team.value), None)
            self.report.value = "" if chosen is None else report_html(
                chosen, self.case, self.lang, round_events(self.store, self.case, chosen["round"], self.lang))


# ------------------------------------------------------------------------------------ export
def export_reports(store: Store, token: str, case: Case, stage: Path, save: Callable[..., None]) -> list[Path]:
    """Round reports into an export: per round a scores table and a why table, and each team's report as HTML.

    The HTML files are the reports as the teams saw them, in English and in Chinese (``.zh.html``).
    """
    import pandas as pd  # the instructor's kernel only

    written: list[Path] = []
    reports = all_reports(store, token)
    for r in sorted({x["round"] for x in reports}):
        scores, why = [], []
        for x in (y for y in reports if y["round"] == r):
            splits = (x.get("why") or {}).get("splits")
            score = splits["score"] if splits else None
            scores.append({"team": x["team"], "round": r, "score": x["score"], "rank": x["rank"],
                           "profit_index": x["profit_index"], "equity_index": x["equity_index"],
                           "satisfaction_index": x["satisfaction_index"],
                           "points_vs_benchmark": score["total"] * score["unit"] if score else None,
                           "earlier_rounds": score["earlier"] * score["unit"] if score else None,
                           "interaction": score["interaction"] * score["unit"] if score else None,
                           "runs": (x.get("why") or {}).get("runs"), "seconds": (x.get("why") or {}).get("seconds")})
            for d in case.decisions if splits else ():
                why.append({"team": x["team"], "round": r, "lever": d.id, "team_value": str(x["decisions"].get(d.id)),
                            "benchmark_value": str(x["benchmark_decisions"].get(d.id)),
                            "score_points": splits["score"]["parts"].get(d.id, 0) * splits["score"]["unit"],
                            "profit": splits["profit"]["parts"].get(d.id, 0) * splits["profit"]["unit"]})
            for lang, suffix in (("en", "html"), ("zh", "zh.html")):
                rel = Path("round_reports") / f"team_{x['team']:02d}_round_{r}.{suffix}"
                body = report_html(x, case, lang, round_events(store, case, r, lang))
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                (stage / rel).write_text(f"<!doctype html><html lang='{lang}'><meta charset='utf-8'><title>"
                                         f"{html.escape(case.title.get(lang))}</title><body style='font-family:sans-serif'>"
                                         f"{body}</body></html>\n", encoding="utf-8")
                written.append(rel)
        save(pd.DataFrame(scores), f"round_reports/round_{r}_scores", stage)
        if why:
            save(pd.DataFrame(why), f"round_reports/round_{r}_why", stage)
    return written
