"""The scene phase of a case (角色模拟, role play): scripts with versions, then peer scoring.

What a class does (docs/COURSE.md §7, case teaching and role play): each team writes the script of the
case's management scene (:class:`~simulations.classroom.case.Scene`, from the case's script
template) on its team page; every save is a new version with the role that saved it. The
instructor opens the scene phase: scripts are frozen as performed, the teams act them out in
class, and every team scores every other team's performance with the scene's rubric. A team
scores each other team once and may revise its marks until the instructor closes scoring.

Why these rules live here and not in the pages: the pages check entries to show refusals next
to their fields, but the store is what every kernel shares, so it refuses again whatever a page
sends: an empty script, a script saved from an older version than the one stored (optimistic
concurrency, as decisions do), a script saved after the phase opened, a mark outside the
rubric's scale, a team scoring itself, scoring before the phase opens or after it closes. Every
refusal is a :class:`~simulations.errors.UserError` whose message is an ``N_`` template, so each
page shows it in its own language. Nothing is ever changed silently (no clamping, no rounding).

Why its own tables beside :mod:`simulations.classroom.store` (created on the store's connection,
``IF NOT EXISTS``): old sessions gain them on open, and the rules of one phase stay in one module.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from simulations.classroom.case import SCORE_SCALE, Case
from simulations.classroom.store import Store, _tx
from simulations.errors import UserError
from simulations.i18n import N_

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scene_phase (
    id INTEGER PRIMARY KEY CHECK (id = 1), phase TEXT NOT NULL, changes INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS scene_scripts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, team INTEGER NOT NULL, version INTEGER NOT NULL, role TEXT NOT NULL,
    text TEXT NOT NULL, UNIQUE (team, version));
CREATE TABLE IF NOT EXISTS peer_scores (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, rater INTEGER NOT NULL, team INTEGER NOT NULL, revision INTEGER NOT NULL,
    role TEXT NOT NULL, marks TEXT NOT NULL, score REAL NOT NULL, script_version INTEGER NOT NULL,
    UNIQUE (rater, team, revision));
"""

#: The phases in order: scripts are written, then performed and scored, then scoring is closed.
WRITING, PERFORMING, CLOSED = "writing", "performing", "closed"
PHASES: tuple[str, ...] = (WRITING, PERFORMING, CLOSED)
#: How each phase is named on the pages.
PHASE_NAMES: dict[str, str] = {
    WRITING: N_("teams are writing their scripts"),
    PERFORMING: N_("performances and peer scoring are open"),
    CLOSED: N_("peer scoring is closed"),
}
#: A rater whose scores differ from the median rater's by this much on average (points on the 1-5
#: scale) is flagged on the instructor page (see :class:`RaterCheck`).
FLAG_POINTS = 1.0


class StaleScriptError(UserError):
    """A script was edited from an older version than the one stored (another member saved meanwhile).

    Carries the stored version, the role that saved it and its text, so the page can show them.
    """

    def __init__(self, version: int, role: str, text: str) -> None:
        super().__init__(N_("refused: version {version} of the script was saved meanwhile"), version=version)
        self.version, self.role, self.text = version, role, text


class StaleScoreError(UserError):
    """Marks were changed from an older revision than the one stored (another member of the team scored meanwhile)."""

    def __init__(self, revision: int, role: str, marks: dict[str, int]) -> None:
        super().__init__(N_("refused: revision {revision} of these marks was saved meanwhile"), revision=revision)
        self.revision, self.role, self.marks = revision, role, marks


@dataclass(frozen=True)
class Script:
    """One stored version of a team's script."""

    team: int
    version: int
    role: str
    text: str


@dataclass(frozen=True)
class PeerScore:
    """One team's marks for another team's performance (the current revision, or one from the log).

    ``script_version`` is the version of the scored team's script when the marks were saved (the
    one performed, unless the instructor reopened writing since).
    """

    rater: int
    team: int
    revision: int
    role: str
    marks: dict[str, int]
    score: float
    script_version: int = 0


def _db(store: Store) -> Any:
    db = store._db  # noqa: SLF001 - this module extends the store (same package, same file, same rules)
    if not getattr(store, "_scene_tables", False):
        db.executescript(_SCHEMA)
        store._scene_tables = True  # type: ignore[attr-defined]
    return db


# ---------------------------------------------------------------------------------- phase
def phase(store: Store) -> str:
    """The scene phase now (:data:`WRITING` until the instructor opens it)."""
    row = _db(store).execute("SELECT phase FROM scene_phase").fetchone()
    return WRITING if row is None else str(row[0])


def set_phase(store: Store, instructor_token: str, new: str) -> None:
    """Move the scene phase (instructor only); any phase may be chosen again (e.g. reopen scoring)."""
    store.check_instructor(instructor_token)
    if new not in PHASES:
        raise UserError(N_("unknown scene phase {phase}"), phase=repr(new))
    db = _db(store)
    with _tx(db):
        db.execute("INSERT INTO scene_phase (id, phase, changes) VALUES (1, ?, 1) ON CONFLICT (id) DO UPDATE "
                   "SET phase = excluded.phase, changes = changes + 1", (new,))


def stamp(store: Store) -> tuple[int, ...]:
    """A cheap fingerprint of the scene phase: it changes with the phase, any script and any score."""
    row = _db(store).execute(
        "SELECT (SELECT coalesce(max(changes), 0) FROM scene_phase), (SELECT coalesce(max(seq), 0) FROM scene_scripts), "
        "(SELECT coalesce(max(seq), 0) FROM peer_scores)").fetchone()
    return tuple(int(x) for x in row)


# -------------------------------------------------------------------------------- scripts
def is_blank(text: str, template: str = "") -> bool:
    """Whether a script says nothing: empty, only spaces, or the unchanged template."""
    clean = " ".join(str(text).split())
    return not clean or (bool(template) and clean == " ".join(template.split()))


def save_script(store: Store, team_token: str, text: str, base_version: int | None = None,
                templates: tuple[str, ...] = ()) -> int:
    """Store a new version of the team's script; returns the version.

    ``base_version`` is the version the editor started from (0 for none): a save from an older
    version is refused with :class:`StaleScriptError`, so no member overwrites another unseen.
    The same text as the stored version is no new version (a double click). An empty script, or
    one of ``templates`` unchanged, is refused; so is any save once the scene phase has opened.
    """
    team, role = store._member(team_token)  # noqa: SLF001 - the store's token check
    if any(is_blank(text, t) for t in (*templates, "")):
        raise UserError(N_("refused: the script is empty (or still the blank template); write the scene first"))
    db = _db(store)
    with _tx(db):
        now = db.execute("SELECT phase FROM scene_phase").fetchone()
        if now is not None and now[0] != WRITING:
            raise UserError(N_("refused: scripts are frozen since the instructor opened the scene phase"))
        row = db.execute("SELECT version, role, text FROM scene_scripts WHERE team = ? ORDER BY version DESC LIMIT 1",
                         (team,)).fetchone()
        stored = 0 if row is None else int(row[0])
        if row is not None and row[2] == text:
            return stored
        if base_version is not None and base_version != stored:
            raise StaleScriptError(stored, str(row[1]), str(row[2]))
        db.execute("INSERT INTO scene_scripts (team, version, role, text) VALUES (?, ?, ?, ?)",
                   (team, stored + 1, role, text))
    return stored + 1


def own_scripts(store: Store, team_token: str) -> list[Script]:
    """Every version of the team's own script, oldest first."""
    team = store.team_for_token(team_token)
    return _scripts(store, team)


def performed_scripts(store: Store, team_token: str) -> dict[int, Script]:
    """The latest script of every team, for a team page once the scene phase has opened (else only its own)."""
    own = store.team_for_token(team_token)
    latest = {s.team: s for s in _scripts(store)}
    return latest if phase(store) != WRITING else {t: s for t, s in latest.items() if t == own}


def scripts(store: Store, instructor_token: str) -> list[Script]:
    """Every version of every team's script (instructor only), by team then version."""
    store.check_instructor(instructor_token)
    return _scripts(store)


def _scripts(store: Store, team: int | None = None) -> list[Script]:
    rows = _db(store).execute("SELECT team, version, role, text FROM scene_scripts WHERE ? IS NULL OR team = ? "
                              "ORDER BY team, version", (team, team))
    return [Script(int(t), int(v), str(r), str(x)) for t, v, r, x in rows]


# ---------------------------------------------------------------------------- peer scores
def check_marks(case: Case, marks: dict[str, Any]) -> dict[str, int]:
    """The marks as whole numbers on the rubric's scale, or a refusal naming the first wrong criterion.

    Nothing is rounded or clamped: 4.5, 0, 6 and "good" are refused, not made into a score.
    """
    low, high = SCORE_SCALE[0], SCORE_SCALE[-1]
    ids = [c.id for c in case.scene.rubric]
    unknown = sorted(set(marks) - set(ids))
    if unknown:
        raise UserError(N_("unknown rubric criterion {criterion}"), criterion=", ".join(unknown))
    clean: dict[str, int] = {}
    for cid in ids:
        if cid not in marks or str(marks[cid]).strip() == "":
            raise UserError(N_("refused: score every criterion of the rubric ({criterion} has no mark)"), criterion=cid)
        value = marks[cid]
        if isinstance(value, bool):
            raise UserError(N_("refused: {criterion}: {value} is not a whole number from {low} to {high}"),
                            criterion=cid, value=repr(value), low=low, high=high)
        try:
            number = float(str(value).strip())
        except ValueError:
            number = math.nan
        if not (number == number and number == int(number) and low <= number <= high):
            raise UserError(N_("refused: {criterion}: {value} is not a whole number from {low} to {high}"),
                            criterion=cid, value=str(value).strip(), low=low, high=high)
        clean[cid] = int(number)
    return clean


def save_score(store: Store, case: Case, rater_token: str, team: int, marks: dict[str, Any],
               base_revision: int | None = None) -> int:
    """Store the rater team's marks for ``team``'s performance; returns the revision.

    One current set of marks per (rater, scored team); a new save is a new revision (all are
    kept) until the instructor closes scoring. Refused: scoring one's own team, a team that does
    not exist or has no script, marks outside the rubric, scoring outside the scoring phase, and
    (with ``base_revision``) marks changed from an older revision than the one stored.
    """
    rater, role = store._member(rater_token)  # noqa: SLF001 - the store's token check
    if team == rater:
        raise UserError(N_("refused: a team cannot score its own performance"))
    if team not in store.team_numbers():
        raise UserError(N_("refused: there is no team {team}"), team=team)
    clean = check_marks(case, marks)
    score = case.scene.score(clean)
    db = _db(store)
    with _tx(db):
        now = db.execute("SELECT phase FROM scene_phase").fetchone()
        now = WRITING if now is None else now[0]
        if now == WRITING:
            raise UserError(N_("refused: peer scoring opens when the instructor opens the scene phase"))
        if now == CLOSED:
            raise UserError(N_("refused: the instructor has closed peer scoring"))
        script = db.execute("SELECT max(version) FROM scene_scripts WHERE team = ?", (team,)).fetchone()[0]
        if script is None:
            raise UserError(N_("refused: team {team} has no script to score"), team=team)
        row = db.execute("SELECT revision, role, marks FROM peer_scores WHERE rater = ? AND team = ? "
                         "ORDER BY revision DESC LIMIT 1", (rater, team)).fetchone()
        stored = 0 if row is None else int(row[0])
        if row is not None and json.loads(row[2]) == clean:
            return stored
        if base_revision is not None and base_revision != stored:
            raise StaleScoreError(stored, str(row[1]), json.loads(row[2]))
        db.execute("INSERT INTO peer_scores (rater, team, revision, role, marks, score, script_version) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (rater, team, stored + 1, role, json.dumps(clean, sort_keys=True), score, int(script)))
    return stored + 1


def given_scores(store: Store, rater_token: str) -> dict[int, PeerScore]:
    """The current marks the rater's team has given, by scored team."""
    rater = store.team_for_token(rater_token)
    return {s.team: s for s in _current(_scores(store)) if s.rater == rater}


def score_log(store: Store, instructor_token: str) -> list[PeerScore]:
    """Every revision of every team's marks (instructor only), in the order they were saved."""
    store.check_instructor(instructor_token)
    return _scores(store)


def current_scores(store: Store, instructor_token: str) -> list[PeerScore]:
    """The current marks of every (rater, scored team) pair (instructor only)."""
    store.check_instructor(instructor_token)
    return _current(_scores(store))


def _scores(store: Store) -> list[PeerScore]:
    rows = _db(store).execute("SELECT rater, team, revision, role, marks, score, script_version FROM peer_scores "
                              "ORDER BY seq")
    return [PeerScore(int(a), int(t), int(v), str(r), json.loads(m), float(s), int(x)) for a, t, v, r, m, s, x in rows]


def _current(log: list[PeerScore]) -> list[PeerScore]:
    latest: dict[tuple[int, int], PeerScore] = {}
    for s in log:
        if s.rater != s.team:  # never counted, whatever got into the table
            latest[(s.rater, s.team)] = s
    return sorted(latest.values(), key=lambda s: (s.team, s.rater))


# -------------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class Spread:
    """Mean, lowest, highest and standard deviation (population, 0 for one value) of some scores."""

    n: int
    mean: float
    low: float
    high: float
    sd: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        """The spread of ``values`` (NaN figures for none)."""
        if not values:
            return cls(0, math.nan, math.nan, math.nan, math.nan)
        mean = sum(values) / len(values)
        sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        return cls(len(values), mean, min(values), max(values), sd)


@dataclass(frozen=True)
class RaterCheck:
    """How a rater team's scores compare with what all raters gave the same performances.

    ``bias`` is the mean of (this rater's score - the median of every rater's score for that
    team) over the teams it scored that at least :data:`MIN_RATERS` teams scored; ``flagged``
    when ``|bias|`` reaches :data:`FLAG_POINTS`. Why the median: one team marking every rival
    down would drag a mean of the others with it and make the fair raters look off too; the
    median stays with the majority. Why at least three raters: with two, nobody can tell which
    of them is off, so nothing is flagged (the spread still shows the disagreement).
    """

    rater: int
    scored: int
    compared: int
    bias: float
    largest: float
    flagged: bool


#: Raters a performance needs before any of them can be compared with the others.
MIN_RATERS = 3


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def summarise(case: Case, current: list[PeerScore], teams: list[int]) -> tuple[
        dict[int, Spread], dict[tuple[int, str], Spread], list[RaterCheck]]:
    """Per scored team: the spread of the weighted scores; per team and criterion: of the marks; per rater: its check."""
    by_team = {t: Spread.of([s.score for s in current if s.team == t]) for t in teams}
    by_criterion = {(t, c.id): Spread.of([float(s.marks[c.id]) for s in current if s.team == t and c.id in s.marks])
                    for t in teams for c in case.scene.rubric}
    medians = {t: _median(v) for t in teams if len(v := [s.score for s in current if s.team == t]) >= MIN_RATERS}
    checks: list[RaterCheck] = []
    for rater in teams:
        given = [s for s in current if s.rater == rater]
        diffs = [s.score - medians[s.team] for s in given if s.team in medians]
        bias = sum(diffs) / len(diffs) if diffs else math.nan
        largest = max(diffs, key=abs) if diffs else math.nan
        checks.append(RaterCheck(rater, len(given), len(diffs), bias, largest,
                                 bool(diffs) and abs(bias) >= FLAG_POINTS - 1e-9))
    return by_team, by_criterion, checks


def missing_scores(current: list[PeerScore], teams: list[int], scripted: set[int]) -> dict[int, list[int]]:
    """For each rater team, the teams with a script it has not scored yet."""
    done = {(s.rater, s.team) for s in current}
    return {r: [t for t in teams if t != r and t in scripted and (r, t) not in done] for r in teams}


# --------------------------------------------------------------------------------- export
def export_frames(store: Store, instructor_token: str, case: Case) -> dict[str, Any]:
    """The scene phase as export parts: ``scripts/`` files and history, ``peer_scores/`` raw and summarised.

    Returns relative path -> a pandas DataFrame (written as CSV and Parquet) or a str (a text
    file). Empty when no team has saved a script and no team has scored (the part is left out).
    """
    import pandas as pd  # the instructor's kernel and the CLI only

    store.check_instructor(instructor_token)
    out: dict[str, Any] = {}
    all_scripts = _scripts(store)
    for s in all_scripts:
        out[f"scripts/team_{s.team:02d}/v{s.version}.md"] = (f"<!-- team {s.team}, version {s.version}, "
                                                             f"submitted by: {s.role or 'team'} -->\n{s.text}\n")
    if all_scripts:
        out["scripts/history"] = pd.DataFrame(
            [{"team": s.team, "version": s.version, "submitted_by": s.role, "characters": len(s.text),
              "file": f"scripts/team_{s.team:02d}/v{s.version}.md"} for s in all_scripts])
    log = _scores(store)
    if not log:
        return out
    ids = [c.id for c in case.scene.rubric]
    current = _current(log)
    latest = {(s.rater, s.team): s.revision for s in current}
    out["peer_scores/raw"] = pd.DataFrame(
        [{"rater": s.rater, "team": s.team, "revision": s.revision, "submitted_by": s.role,
          "script_version": s.script_version,
          "current": latest.get((s.rater, s.team)) == s.revision and s.rater != s.team,
          **{f"mark_{c}": s.marks.get(c) for c in ids}, "score": s.score} for s in log])
    teams = store.team_numbers()
    by_team, by_criterion, checks = summarise(case, current, teams)
    rows = []
    for t in teams:
        for what, spread in (("scene_score", by_team[t]), *((c, by_criterion[(t, c)]) for c in ids)):
            rows.append({"team": t, "criterion": what, "raters": spread.n, "mean": spread.mean, "min": spread.low,
                         "max": spread.high, "sd": spread.sd})
    out["peer_scores/summary"] = pd.DataFrame(rows)
    out["peer_scores/raters"] = pd.DataFrame(
        [{"rater": c.rater, "teams_scored": c.scored, "compared": c.compared, "mean_difference": c.bias,
          "largest_difference": c.largest, "flagged": c.flagged} for c in checks])
    weights = {c.id: c.weight for c in case.scene.rubric}
    out["peer_scores/rubric"] = pd.DataFrame(
        [{"criterion": c, "weight": weights[c], "label": next(x.label.en for x in case.scene.rubric if x.id == c),
          "label_zh": next(x.label.zh for x in case.scene.rubric if x.id == c)} for c in ids])
    return out
