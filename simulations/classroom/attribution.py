"""Why a team's score differs from the benchmark's: paired counterfactual runs, one lever at a time.

The method (the round report's "why"): a team's round starts from its own checkpoint (the
shared warm-up world for the practice round and round 1). Replaying that round with the team's
decisions but one lever set back to the benchmark's value, on the same seed, shows what that
lever did: the model draws its random numbers from common streams (docs/ARCHITECTURE.md,
"Common random numbers"), so the two runs differ only by the lever. With ``f(state, decisions)``
the outcome of a round (the balanced score through this round, or the round's profit):

- total        = f(team state, team decisions)        - f(benchmark state, benchmark decisions)
- lever i      = f(team state, team decisions)        - f(team state, team decisions with i reset)
- earlier      = f(team state, benchmark decisions)   - f(benchmark state, benchmark decisions)
  (what the team's earlier rounds carried into this one; exactly 0 in the practice round and
  round 1, whose start is the benchmark's)
- interaction  = total - earlier - sum of the levers (levers acting together are not additive)

Why integers: every outcome is first rounded to a unit (0.1 score points, 1 currency unit),
then the parts are differences of integers, so parts + earlier + interaction equal the total
exactly; the units are those the page shows (0.1 points), so the figures a student adds up add up.

Cost: a lever left at the benchmark's value needs no run (its part is 0), and the "all reset"
run is the benchmark's own for rounds that start from the shared world; a team that moved k
levers costs at most k + 1 runs of one round (measured figures: docs/ARCHITECTURE.md). The runs
happen after the advance, in a background process (:func:`main`), never inside it.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulations.classroom.case import Case, CaseError
from simulations.classroom.round_report import (
    LOCK_NAME,
    all_reports,
    basis,
    closed_rounds,
    pending_rounds,
    save_attribution,
    save_reports,
    score_rows,
    stored_reports,
)
from simulations.classroom.rounds import dump_state, load_state, play
from simulations.classroom.scoring import leaderboard
from simulations.classroom.session import round_events, session_case
from simulations.classroom.store import BENCHMARK, WARMUP, Store

#: Measures attributed, with the unit their values are rounded to before the arithmetic.
UNITS: dict[str, float] = {"score": 0.1, "profit": 1.0}


@dataclass(frozen=True)
class Split:
    """A difference from the benchmark split into levers, earlier rounds and interaction, in whole units."""

    unit: float
    total: int
    earlier: int
    parts: dict[str, int]
    interaction: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (integers in units; multiply by ``unit`` for the value)."""
        return {"unit": self.unit, "total": self.total, "earlier": self.earlier, "parts": dict(self.parts),
                "interaction": self.interaction}


def units(value: float, unit: float) -> int:
    """``value`` as a whole number of ``unit`` (half away from zero rounds like people do)."""
    scaled = value / unit
    return int(scaled + 0.5) if scaled >= 0 else -int(-scaled + 0.5)


def split(team: float, benchmark: float, reset_all: float, without: Mapping[str, float], unit: float) -> Split:
    """Attribute ``team - benchmark`` (see the module docstring); exact in units of ``unit``.

    ``reset_all`` is the outcome of the team's start with the benchmark's decisions, ``without``
    maps each lever to the outcome with that lever alone set back (a lever not in it is unchanged
    and gets 0).
    """
    t, b, a = units(team, unit), units(benchmark, unit), units(reset_all, unit)
    parts = {lever: t - units(value, unit) for lever, value in without.items()}
    total, earlier = t - b, a - b
    return Split(unit=unit, total=total, earlier=earlier, parts=parts, interaction=total - earlier - sum(parts.values()))


# ------------------------------------------------------------------------------ one round
def score_scope(round_no: int) -> list[int]:
    """Rounds the score of a round report covers: the practice round alone, else rounds 1 to this one."""
    return [0] if round_no == 0 else list(range(1, round_no + 1))


def _score(rows: list[dict[str, Any]], bench_rows: list[dict[str, Any]], case: Case, scope: list[int]) -> float:
    """The balanced score of one firm's result rows (any team number) against the benchmark's."""
    mine = [{**r, "team": 1} for r in rows]
    board = leaderboard([*bench_rows, *mine], case, scope)
    return float(board["score"].iloc[0])


def _outcomes(row: dict[str, Any], earlier: list[dict[str, Any]], bench_rows: list[dict[str, Any]], case: Case,
              scope: list[int]) -> dict[str, float]:
    return {"score": _score([*earlier, row], bench_rows, case, scope), "profit": float(row["metrics"]["profit"])}


def basic_reports(store: Store, case: Case, round_no: int) -> list[tuple[int, str, dict[str, Any]]]:
    """(team, basis, report) without the "why" for every team of a closed round: score, rank, KPIs, decisions."""
    scope = score_scope(round_no)
    results = score_rows(store, scope)
    board = leaderboard(results, case, scope)
    rows = {(r["team"], r["round"]): r for r in results}
    bench = rows[(BENCHMARK, round_no)]
    bench_decisions = store.applied(BENCHMARK, round_no) or case.default_decisions()
    out = []
    for b in board.to_dict("records"):
        team = int(b["team"])
        row = rows[(team, round_no)]
        out.append((team, basis(row, bench), {
            "team": team, "round": round_no, "scope": scope, "score": b["score"], "rank": int(b["rank"]),
            "teams": len(board), "profit_index": b["profit_index"], "equity_index": b["equity_index"],
            "satisfaction_index": b["satisfaction_index"], "metrics": row["metrics"], "benchmark": bench["metrics"],
            "decisions": store.applied(team, round_no), "benchmark_decisions": bench_decisions, "why": None}))
    return out


def _inject(model: Any, events: list[dict[str, Any]]) -> None:
    first_week = model.week + 1  # as rounds._run_team: Mesa counts the step before running it
    for e in events:
        model.inject_event(e["kind"], intensity=e["intensity"], duration=e["duration"], week=first_week)


def start_state(store: Store, case: Case, team: int, round_no: int) -> tuple[bytes | None, int]:
    """The checkpoint a team's round started from, and the rounds replayed to rebuild it.

    The store keeps a team's last two checkpoints only; a round whose start is gone (the class moved
    on before its report was written) is rebuilt by replaying the team's applied decisions and the
    events from the shared warm-up world: runs are deterministic, so the state is the same.
    """
    base = store.checkpoint(BENCHMARK, WARMUP)
    if round_no <= 1 or base is None:
        return base, 0
    state = store.checkpoint(team, round_no - 1)
    if state is not None:
        return state, 0
    model = load_state(base)
    for k in range(1, round_no):
        decisions = store.applied(team, k)
        if decisions is None:
            return None, 0
        model.set_policies(case.policy_overrides(decisions))
        _inject(model, round_events(store, case, k))
        for _ in range(case.rounds.weeks):
            model.step()
    return dump_state(model), round_no - 1


def team_why(store: Store, case: Case, team: int, round_no: int,
             results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The "why" of one team's round: each lever's part of its difference from the benchmark (see module doc).

    ``results`` are the :func:`score_rows` of the round's score scope (read once per round by the worker).
    """
    started, cpu = time.perf_counter(), time.process_time()
    scope = score_scope(round_no)
    results = results if results is not None else score_rows(store, scope)
    mine = [r for r in results if r["team"] == team]
    bench_rows = [r for r in results if r["team"] == BENCHMARK]
    row = next(r for r in mine if r["round"] == round_no)
    bench_row = next(r for r in bench_rows if r["round"] == round_no)
    earlier = [r for r in mine if r["round"] != round_no]
    decisions = store.applied(team, round_no) or case.default_decisions()
    reference = store.applied(BENCHMARK, round_no) or case.default_decisions()
    moved = [d.id for d in case.decisions if decisions.get(d.id) != reference.get(d.id)]
    shared_start = round_no <= 1
    state, runs = start_state(store, case, team, round_no)
    if state is None:
        return {"unavailable": "checkpoint", "seconds": time.perf_counter() - started, "runs": 0,
                "cpu_seconds": time.process_time() - cpu}
    events = round_events(store, case, round_no)

    def run(values: dict[str, Any]) -> dict[str, float]:
        nonlocal runs
        runs += 1
        model = load_state(state)
        model.set_policies(case.policy_overrides(values))
        _inject(model, events)
        return _outcomes(play(model, case.rounds.weeks, round_no, case), earlier, bench_rows, case, scope)

    team_out = _outcomes(row, earlier, bench_rows, case, scope)
    bench_out = _outcomes(bench_row, [r for r in bench_rows if r["round"] != round_no], bench_rows, case, scope)
    if not moved:
        reset_all = team_out
    elif shared_start:
        reset_all = bench_out  # the same start and the same decisions: the benchmark's run itself
    else:
        reset_all = run(dict(reference))
    without: dict[str, dict[str, float]] = {}
    for lever in moved:
        if len(moved) == 1:
            without[lever] = reset_all
        else:
            without[lever] = run({**decisions, lever: reference[lever]})
    splits = {m: split(team_out[m], bench_out[m], reset_all[m], {k: v[m] for k, v in without.items()}, unit).as_dict()
              for m, unit in UNITS.items()}
    return {"moved": moved, "splits": splits, "runs": runs, "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - cpu}


def complete_round(store: Store, round_no: int, case: Case | None = None) -> int:
    """Write the missing reports of a closed round, then their "why"; returns the teams attributed."""
    case = case if case is not None else session_case(store)
    have = {r["team"]: r for r in stored_reports(store, round_no)}
    fresh = basic_reports(store, case, round_no)
    save_reports(store, round_no, [(t, b, rep) for t, b, rep in fresh if t not in have or have[t]["basis"] != b])
    done = 0
    results = score_rows(store, score_scope(round_no))
    for team, b, _rep in fresh:
        current = have.get(team)
        if current is not None and current["basis"] == b and current["report"].get("why") is not None:
            continue
        try:
            why = team_why(store, case, team, round_no, results)
        except Exception as err:  # noqa: BLE001 - one team's failure must not keep the class's reports from coming
            print(f"team {team} round {round_no}: {type(err).__name__}: {err}", file=sys.stderr)
            why = {"unavailable": "error", "runs": 0, "seconds": 0.0}
        if save_attribution(store, team, round_no, b, why):
            done += 1
    return done


def complete_reports(store: Store) -> int:
    """Complete the reports of every closed round (waits for a running worker); returns the teams attributed."""
    with report_lock(store.folder):
        return _complete(store)


def _complete(store: Store) -> int:
    case = session_case(store)
    done = 0
    while True:
        todo = pending_rounds(store)
        if not todo:
            return done
        for r in sorted(todo, reverse=True):  # the round just closed first: the pages are waiting for it
            done += complete_round(store, r, case)


# ------------------------------------------------------------------------------ benchmark
def random_decisions(case: Case, rng: Any, share: float = 0.5) -> dict[str, Any]:
    """Decisions a benchmark team submits: each lever moved with probability ``share``, within its range and the budget."""
    for _try in range(100):
        values: dict[str, Any] = {}
        for d in case.decisions:
            if rng.random() >= share:
                continue
            if d.kind == "switch":
                values[d.id] = not d.default
            elif d.kind == "choice":
                values[d.id] = rng.choice([o for o in d.options if o != d.default] or list(d.options))
            else:
                value = rng.uniform(d.min, d.max)
                values[d.id] = int(round(value)) if d.kind == "integer" else round(value, 2)
        try:
            return case.validate_decisions(values)
        except CaseError:
            continue  # over the budget: draw again
    return case.default_decisions()


def bench_reports(store: Store, token: str, rng: Any) -> dict[str, float]:
    """Time the round reports of the round just closed (the benchmark's ``--reports``): per team and for the class."""
    started = time.perf_counter()
    complete_reports(store)
    total = time.perf_counter() - started
    r = max(closed_rounds(store))
    whys = [x["why"] for x in all_reports(store, token, r)]
    seconds = [float(w["seconds"]) for w in whys]
    cpu = [float(w.get("cpu_seconds", 0.0)) for w in whys]
    runs = [int(w["runs"]) for w in whys]
    return {"round": r, "total": total, "mean": sum(seconds) / len(seconds), "max": max(seconds),
            "cpu": sum(cpu) / len(cpu),
            "runs": sum(runs) / len(runs), "max_runs": max(runs), "load": os.getloadavg()[0]}


@contextmanager
def report_lock(folder: Path, wait: bool = True) -> Any:
    """One report writer per session at a time (an OS file lock: released when its process dies)."""
    with open(Path(folder) / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def main(argv: list[str] | None = None) -> int:
    """Background worker: ``python -m simulations.classroom.attribution SESSION_FOLDER`` (started after an advance)."""
    args = sys.argv[1:] if argv is None else argv
    store = Store(args[0])  # started under `nice` by round_report.start_worker: the pages come first
    with report_lock(store.folder, wait=False) as mine:
        if mine:  # else another worker is at it, and it looks for new rounds before it stops
            _complete(store)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
