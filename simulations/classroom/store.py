"""The session store: one SQLite file per classroom session, shared by every page's kernel.

Why SQLite in WAL mode with a busy timeout: Voila starts one kernel process per open page, so
all shared state must live outside kernels; WAL lets many readers work while one writer commits,
and the busy timeout turns write contention into a short wait instead of an error. Every write
is one transaction, so a server killed at any moment leaves either the old or the new state.

Access rules live here, not in the pages: a team acts only through its own token (from its join
code), sees only its own decisions and results, and the instructor's functions check the
instructor token. Submissions are idempotent: the same client-generated submission id never
creates a second revision, so a double click or a retry is harmless.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulations.errors import UserError
from simulations.i18n import N_

DB_NAME = "session.sqlite"
#: Environment variable through which the server tells the Voila pages which session folder to open.
SESSION_ENV = "CRM_CLASSROOM_SESSION"
#: Team number of the benchmark firm (same world, default decisions); never shown as a team.
BENCHMARK = 0
#: Round number of the warm-up history every team inherits; the practice round is 0.
WARMUP = -1
#: SQLite's default automatic checkpoint (pages of the write-ahead log), restored after a round's save.
WAL_AUTOCHECKPOINT_PAGES = 1000
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS session (
    id INTEGER PRIMARY KEY CHECK (id = 1), case_name TEXT NOT NULL, case_dir TEXT NOT NULL,
    customers INTEGER NOT NULL, seed INTEGER NOT NULL, n_teams INTEGER NOT NULL,
    instructor_token TEXT NOT NULL, current_round INTEGER NOT NULL, finished INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS teams (
    team INTEGER PRIMARY KEY, name TEXT NOT NULL, code TEXT NOT NULL UNIQUE, token TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS submissions (
    team INTEGER NOT NULL, round INTEGER NOT NULL, submission_id TEXT NOT NULL, decisions TEXT NOT NULL,
    revision INTEGER NOT NULL, role TEXT NOT NULL DEFAULT '', PRIMARY KEY (team, round));
CREATE TABLE IF NOT EXISTS applied (
    team INTEGER NOT NULL, round INTEGER NOT NULL, decisions TEXT NOT NULL, submitted INTEGER NOT NULL,
    PRIMARY KEY (team, round));
CREATE TABLE IF NOT EXISTS results (
    team INTEGER NOT NULL, round INTEGER NOT NULL, metrics TEXT NOT NULL, hidden TEXT NOT NULL,
    weekly BLOB NOT NULL, tables BLOB NOT NULL, PRIMARY KEY (team, round));
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, round INTEGER NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL,
    headline TEXT NOT NULL, intensity REAL NOT NULL, duration INTEGER NOT NULL, source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (
    team INTEGER NOT NULL, round INTEGER NOT NULL, state BLOB NOT NULL, PRIMARY KEY (team, round));
CREATE TABLE IF NOT EXISTS members (
    team INTEGER NOT NULL, role TEXT NOT NULL, code TEXT NOT NULL UNIQUE, token TEXT NOT NULL UNIQUE,
    PRIMARY KEY (team, role));
CREATE TABLE IF NOT EXISTS submission_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, team INTEGER NOT NULL, round INTEGER NOT NULL, revision INTEGER NOT NULL,
    submission_id TEXT NOT NULL, role TEXT NOT NULL, decisions TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memos (
    team INTEGER NOT NULL, round INTEGER NOT NULL, version INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL,
    report TEXT NOT NULL, PRIMARY KEY (team, round, version));
"""


class AccessError(UserError):
    """A code or token does not open what was asked for."""


class RoundClosedError(UserError):
    """A submission arrived for a round that is not open."""


class StaleFormError(UserError):
    """A form was filled from an older version of the team's decisions than the one now stored.

    Why: two members of a team edit the same decisions from two pages; the second submission must
    not silently replace the first. The error carries the stored version so the page can show it.
    """

    def __init__(self, revision: int, role: str, decisions: dict[str, Any]) -> None:
        super().__init__(f"version {revision} was submitted by {role or 'the team'} meanwhile")
        self.revision, self.role, self.decisions = revision, role, decisions


@dataclass(frozen=True)
class Team:
    """A team as its own page knows it."""

    team: int
    name: str
    code: str
    token: str


@dataclass(frozen=True)
class Member:
    """A team member as their page knows them: the team and the role their join code binds them to."""

    team: int
    name: str
    role: str
    code: str
    token: str


@dataclass(frozen=True)
class SessionInfo:
    """The session row."""

    case_name: str
    case_dir: str
    customers: int
    seed: int
    n_teams: int
    current_round: int
    finished: bool


def _code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


class Store:
    """Connection to one session's SQLite file (open one per process; cheap)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / DB_NAME
        if not self.path.is_file():
            raise UserError(f"{self.folder}: no classroom session here (missing {DB_NAME})")
        self._db = self._connect(self.path)
        self._db.executescript(_SCHEMA)  # tables added since a session was created (all IF NOT EXISTS)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA busy_timeout=60000")
        db.execute("PRAGMA synchronous=FULL")
        return db

    # ------------------------------------------------------------------------ creation
    @classmethod
    def create(cls, folder: str | Path, *, case_name: str, case_dir: str, customers: int, seed: int,
               n_teams: int, first_round: int, roles: tuple[str, ...] = ()) -> tuple[Store, str]:
        """Create a new session store with ``n_teams`` teams; returns the store and the instructor token.

        Each (team, role) gets its own join code: a member joins as one role, and only that role's
        private brief reaches their page.
        """
        folder = Path(folder)
        path = folder / DB_NAME
        if path.exists():
            raise UserError(f"{folder}: a session already exists here (use `classroom resume {folder}`)")
        folder.mkdir(parents=True, exist_ok=True)
        db = cls._connect(path)
        db.executescript(_SCHEMA)
        token = secrets.token_urlsafe(18)
        codes: set[str] = set()
        with _tx(db):
            db.execute("INSERT INTO session VALUES (1, ?, ?, ?, ?, ?, ?, ?, 0)",
                       (case_name, case_dir, customers, seed, n_teams, token, first_round))
            for t in range(1, n_teams + 1):
                code = _code()
                while code in codes:
                    code = _code()
                codes.add(code)
                db.execute("INSERT INTO teams VALUES (?, ?, ?, ?)", (t, f"Team {t}", code, secrets.token_urlsafe(18)))
                for role in roles:
                    code = _code()
                    while code in codes:
                        code = _code()
                    codes.add(code)
                    db.execute("INSERT INTO members VALUES (?, ?, ?, ?)", (t, role, code, secrets.token_urlsafe(18)))
        db.close()
        return cls(folder), token

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    # --------------------------------------------------------------------------- reading
    def info(self) -> SessionInfo:
        """The session's case, size and current round."""
        row = self._db.execute(
            "SELECT case_name, case_dir, customers, seed, n_teams, current_round, finished FROM session").fetchone()
        return SessionInfo(*row[:6], bool(row[6]))

    def teams(self, instructor_token: str) -> list[Team]:
        """All teams with codes and tokens (instructor only)."""
        self.check_instructor(instructor_token)
        return [Team(*r) for r in self._db.execute("SELECT team, name, code, token FROM teams ORDER BY team")]

    def members(self, instructor_token: str) -> list[Member]:
        """Every member code: one per team and role (instructor only)."""
        self.check_instructor(instructor_token)
        rows = self._db.execute("SELECT m.team, t.name, m.role, m.code, m.token FROM members m JOIN teams t "
                                "ON t.team = m.team ORDER BY m.team, m.rowid")
        return [Member(*r) for r in rows]

    def team_numbers(self) -> list[int]:
        """Team numbers 1..N (no secrets)."""
        return [r[0] for r in self._db.execute("SELECT team FROM teams ORDER BY team")]

    def join(self, code: str) -> Member:
        """The member whose join code this is (codes are case-insensitive; spaces ignored).

        A team code (sessions of cases without roles) joins with the empty role.
        """
        clean = "".join(str(code).split()).upper()
        row = self._db.execute("SELECT m.team, t.name, m.role, m.code, m.token FROM members m JOIN teams t "
                               "ON t.team = m.team WHERE m.code = ?", (clean,)).fetchone()
        if row is None:
            row = self._db.execute("SELECT team, name, '', code, token FROM teams WHERE code = ? AND NOT EXISTS "
                                   "(SELECT 1 FROM members)", (clean,)).fetchone()
        if row is None:
            raise AccessError(N_("unknown join code: check it with your instructor"))
        return Member(*row)

    def valid_code(self, code: str) -> bool:
        """Whether ``code`` opens a team page (the server asks before it starts a kernel)."""
        try:
            self.join(code)
        except AccessError:
            return False
        return True

    def team_for_token(self, token: str) -> int:
        """Team number of a member or team token; raises :class:`AccessError` otherwise."""
        return self._member(token)[0]

    def _member(self, token: str) -> tuple[int, str]:
        row = self._db.execute("SELECT team, role FROM members WHERE token = ? UNION ALL "
                               "SELECT team, '' FROM teams WHERE token = ?", (str(token), str(token))).fetchone()
        if row is None:
            raise AccessError(N_("this page is not joined to a team (open the link with your join code)"))
        return int(row[0]), str(row[1])

    def instructor_key(self) -> str:
        """The instructor key, for the local command line (whoever can read this file runs the class)."""
        return str(self._db.execute("SELECT instructor_token FROM session").fetchone()[0])

    def check_instructor(self, token: str) -> None:
        """Raise :class:`AccessError` unless ``token`` is the instructor token."""
        real = self._db.execute("SELECT instructor_token FROM session").fetchone()[0]
        if not secrets.compare_digest(str(token).strip(), real):
            raise AccessError(N_("wrong instructor key"))

    # ------------------------------------------------------------------------ submissions
    def submit(self, team_token: str, round_no: int, submission_id: str, decisions: dict[str, Any],
               base_revision: int | None = None) -> int:
        """Save a team's decisions for the open round; returns the revision.

        The same ``submission_id`` again returns the stored revision without a change (a double
        click or a retry); a new id replaces the decisions while the round is open. With
        ``base_revision`` (the version the form was filled from, 0 for none) the save is refused
        with :class:`StaleFormError` when another member has submitted since: optimistic
        concurrency, so no member overwrites another without seeing it. The submitter's role
        (from the token) is recorded with every revision.
        """
        team, role = self._member(team_token)
        if not submission_id:
            raise UserError("submission id is empty")
        with _tx(self._db):
            current, finished = self._db.execute("SELECT current_round, finished FROM session").fetchone()
            if finished or round_no != current:
                if finished:
                    raise RoundClosedError(N_("the game is over"))
                raise RoundClosedError(N_("round {round} is closed; the open round is {current}"), round=round_no,
                                       current=current)
            row = self._db.execute("SELECT submission_id, revision, role, decisions FROM submissions "
                                   "WHERE team = ? AND round = ?", (team, round_no)).fetchone()
            if row is not None and row[0] == submission_id:
                return int(row[1])
            stored = 0 if row is None else int(row[1])
            if base_revision is not None and base_revision != stored:
                raise StaleFormError(stored, str(row[2]), json.loads(row[3]))
            revision = stored + 1
            text = json.dumps(decisions, sort_keys=True)
            self._db.execute("INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?)",
                             (team, round_no, submission_id, text, revision, role))
            self._db.execute("INSERT INTO submission_log (team, round, revision, submission_id, role, decisions) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (team, round_no, revision, submission_id, role, text))
        return revision

    def submission_history(self, instructor_token: str) -> list[dict[str, Any]]:
        """Every revision of every team's decisions with the role that submitted it (instructor only)."""
        self.check_instructor(instructor_token)
        rows = self._db.execute("SELECT seq, team, round, revision, role, decisions FROM submission_log ORDER BY seq")
        return [{"seq": q, "team": t, "round": r, "revision": v, "role": o, "decisions": json.loads(d)}
                for q, t, r, v, o, d in rows]

    # ------------------------------------------------------------------------------- memos
    def save_memo(self, team_token: str, round_no: int, text: str, report: str) -> int:
        """Store a new version of a team's memo for a round with its check report; returns the version.

        Why versions: the memo is graded, and the instructor must see what was checked when, not
        only the last paste.
        """
        team, role = self._member(team_token)
        with _tx(self._db):
            last = self._db.execute("SELECT coalesce(max(version), 0) FROM memos WHERE team = ? AND round = ?",
                                    (team, round_no)).fetchone()[0]
            self._db.execute("INSERT INTO memos VALUES (?, ?, ?, ?, ?, ?)",
                             (team, round_no, int(last) + 1, role, text, report))
        return int(last) + 1

    def memos(self, instructor_token: str) -> list[dict[str, Any]]:
        """Every stored memo version (instructor only)."""
        self.check_instructor(instructor_token)
        rows = self._db.execute("SELECT team, round, version, role, text, report FROM memos ORDER BY team, round, version")
        keys = ("team", "round", "version", "role", "text", "report")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def stamp(self, team: int | None = None) -> tuple[int, ...]:
        """A cheap fingerprint of everything a page shows; it changes whenever the page must redraw.

        Why one query: every open page asks every few seconds (30 teams, one core), so the poll
        must cost well under a millisecond.
        """
        row = self._db.execute(
            "SELECT current_round, finished, (SELECT count(*) FROM events), (SELECT count(*) FROM results), "
            "(SELECT coalesce(max(seq), 0) FROM submission_log WHERE ? IS NULL OR team = ?), "
            "(SELECT count(*) FROM memos WHERE ? IS NULL OR team = ?) FROM session", (team, team, team, team)).fetchone()
        return tuple(int(x) for x in row)

    def own_submission(self, team_token: str, round_no: int) -> tuple[dict[str, Any], int, str, str] | None:
        """A team's own submission for a round (decisions, revision, submission id, submitter role), or None."""
        team = self.team_for_token(team_token)
        row = self._db.execute("SELECT decisions, revision, submission_id, role FROM submissions "
                               "WHERE team = ? AND round = ?", (team, round_no)).fetchone()
        return None if row is None else (json.loads(row[0]), int(row[1]), str(row[2]), str(row[3]))

    def submissions(self, instructor_token: str, round_no: int) -> dict[int, tuple[dict[str, Any], int]]:
        """Every team's submission for a round (instructor only)."""
        self.check_instructor(instructor_token)
        return self.all_submissions(round_no)

    def all_submissions(self, round_no: int) -> dict[int, tuple[dict[str, Any], int]]:
        """Every team's submission for a round, for the round engine (trusted code, no token)."""
        rows = self._db.execute("SELECT team, decisions, revision FROM submissions WHERE round = ?", (round_no,))
        return {int(t): (json.loads(d), int(r)) for t, d, r in rows}

    def submitted_teams(self, round_no: int) -> list[int]:
        """Team numbers that have submitted for a round (no decisions: safe to show anyone)."""
        return [r[0] for r in self._db.execute("SELECT team FROM submissions WHERE round = ? ORDER BY team", (round_no,))]

    # ------------------------------------------------------------------------------ events
    def add_event(self, instructor_token: str, round_no: int, event_id: str, kind: str, headline: str,
                  intensity: float, duration: int) -> None:
        """Inject an event into an open round (instructor only)."""
        self.check_instructor(instructor_token)
        with _tx(self._db):
            current = self._db.execute("SELECT current_round FROM session").fetchone()[0]
            if round_no != current:
                raise RoundClosedError(N_("events can only be injected into the open round {current}"), current=current)
            exists = self._db.execute("SELECT 1 FROM events WHERE round = ? AND event_id = ?", (round_no, event_id)).fetchone()
            if exists is None:
                self._db.execute("INSERT INTO events (round, event_id, kind, headline, intensity, duration, source) "
                                 "VALUES (?, ?, ?, ?, ?, ?, 'instructor')",
                                 (round_no, event_id, kind, headline, float(intensity), int(duration)))

    def events(self, round_no: int | None = None) -> list[dict[str, Any]]:
        """Injected events (of one round, or all), oldest first."""
        sql = "SELECT round, event_id, kind, headline, intensity, duration, source FROM events"
        rows = self._db.execute(sql + (" WHERE round = ?" if round_no is not None else "") + " ORDER BY seq",
                                (() if round_no is None else (round_no,)))
        keys = ("round", "event_id", "kind", "headline", "intensity", "duration", "source")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # ------------------------------------------------------------------- results, checkpoints
    def checkpoint(self, team: int, round_no: int) -> bytes | None:
        """A stored model state (pickled), or None."""
        row = self._db.execute("SELECT state FROM checkpoints WHERE team = ? AND round = ?", (team, round_no)).fetchone()
        return None if row is None else bytes(row[0])

    def applied(self, team: int, round_no: int) -> dict[str, Any] | None:
        """Decisions the engine applied for a team in a round (after it closed)."""
        row = self._db.execute("SELECT decisions FROM applied WHERE team = ? AND round = ?", (team, round_no)).fetchone()
        return None if row is None else json.loads(row[0])

    def all_applied(self) -> list[tuple[int, int, dict[str, Any], bool]]:
        """(team, round, decisions, submitted) for every closed round."""
        rows = self._db.execute("SELECT team, round, decisions, submitted FROM applied ORDER BY round, team")
        return [(int(t), int(r), json.loads(d), bool(s)) for t, r, d, s in rows]

    def results(self, rounds: list[int] | None = None) -> list[dict[str, Any]]:
        """Result rows: team, round, metrics (observable), hidden (truth), weekly and tables (bytes)."""
        sql = "SELECT team, round, metrics, hidden, weekly, tables FROM results"
        if rounds is not None:
            sql += f" WHERE round IN ({','.join('?' * len(rounds))})"
        rows = self._db.execute(sql + " ORDER BY round, team", tuple(rounds or ()))
        return [{"team": t, "round": r, "metrics": json.loads(m), "hidden": json.loads(h), "weekly": bytes(w),
                 "tables": bytes(tb)} for t, r, m, h, w, tb in rows]

    def team_results(self, team_token: str) -> list[dict[str, Any]]:
        """A team's own results of closed rounds, plus the shared warm-up history (observable only)."""
        team = self.team_for_token(team_token)
        rows = self._db.execute("SELECT team, round, metrics, weekly FROM results WHERE team = ? OR "
                                "(team = ? AND round = ?) ORDER BY round", (team, BENCHMARK, WARMUP))
        return [{"team": t, "round": r, "metrics": json.loads(m), "weekly": bytes(w)} for t, r, m, w in rows]

    def save_round(self, expected_round: int, next_round: int, finished: bool,
                   rows: list[dict[str, Any]], checkpoints: dict[int, bytes], applied: dict[int, tuple[dict, bool]]) -> bool:
        """Commit a whole round at once; False if another process advanced it first.

        Why not fsync'd like a submission: the round's checkpoints are tens of MB, and waiting for
        the disk took about 0.4 s of the 3 s an advance may take with 30 teams. With SQLite's
        write-ahead log, ``synchronous=NORMAL`` still survives the server being killed (the
        classroom's failure); only a power cut right after the commit could roll the round back,
        and an advance is deterministic, so advancing again gives the same results from the same
        stored submissions, which stay fully synchronous.
        """
        self._db.execute("PRAGMA synchronous=NORMAL")
        # the round's tens of MB go into the write-ahead log; copying them into the database file
        # (SQLite's automatic checkpoint, run by the committing connection) took about 0.3 s more
        # before the instructor's page could show the next round, so a background thread does it
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        try:
            saved = self._save_round(expected_round, next_round, finished, rows, checkpoints, applied)
        finally:
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        threading.Thread(target=_checkpoint_wal, args=(self.path,), name="crm-wal-checkpoint", daemon=True).start()
        return saved

    def _save_round(self, expected_round: int, next_round: int, finished: bool,
                    rows: list[dict[str, Any]], checkpoints: dict[int, bytes], applied: dict[int, tuple[dict, bool]]) -> bool:
        with _tx(self._db):
            current = self._db.execute("SELECT current_round FROM session").fetchone()[0]
            if current != expected_round:
                return False
            for row in rows:
                self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                                 (row["team"], row["round"], json.dumps(row["metrics"], sort_keys=True),
                                  json.dumps(row["hidden"], sort_keys=True), row["weekly"], row["tables"]))
            for team, state in checkpoints.items():
                self._db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)", (team, expected_round, state))
            for team, (decisions, submitted) in applied.items():
                self._db.execute("INSERT OR REPLACE INTO applied VALUES (?, ?, ?, ?)",
                                 (team, expected_round, json.dumps(decisions, sort_keys=True), int(submitted)))
            self._db.execute("UPDATE session SET current_round = ?, finished = ?", (next_round, int(finished)))
            self._db.execute("DELETE FROM checkpoints WHERE round >= 0 AND round < ?", (expected_round - 1,))
        return True

    def save_warmup(self, row: dict[str, Any], state: bytes) -> None:
        """Store the shared world after the warm-up: its history and its checkpoint."""
        with _tx(self._db):
            self._db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                             (BENCHMARK, WARMUP, json.dumps(row["metrics"], sort_keys=True),
                              json.dumps(row["hidden"], sort_keys=True), row["weekly"], row["tables"]))
            self._db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)", (BENCHMARK, WARMUP, state))

    def reset_practice(self, instructor_token: str) -> None:
        """Forget the practice round (round 0) so it can be played again; only before round 1 closes."""
        self.check_instructor(instructor_token)
        with _tx(self._db):
            current = self._db.execute("SELECT current_round FROM session").fetchone()[0]
            if current > 1 or self._db.execute("SELECT 1 FROM results WHERE round = 1").fetchone():
                raise UserError(N_("the practice round can only be reset before round 1 is played"))
            for table in ("submissions", "applied", "results", "events", "checkpoints"):
                self._db.execute(f"DELETE FROM {table} WHERE round = 0")
            self._db.execute("UPDATE session SET current_round = 0")


def _checkpoint_wal(path: Path) -> None:
    """Copy the write-ahead log into the database file (PASSIVE: never waits for readers or writers).

    Why on its own connection and thread: it runs while pages already read the new round. If the
    process ends first, the log stays and the next connection's automatic checkpoint copies it;
    committed data are never at risk.
    """
    try:
        db = sqlite3.connect(path, timeout=60, isolation_level=None)
        try:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()
    except sqlite3.Error:  # busy or the folder was removed: the next automatic checkpoint does it
        pass


@contextmanager
def _tx(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction (BEGIN IMMEDIATE takes the write lock up front: no upgrade deadlock)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
