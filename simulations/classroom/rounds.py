"""Creating a session and advancing rounds: every team's world restored, steered, run, saved.

Why checkpoints (pickled models) per team and round: a server killed in the middle of a class
must continue from the last completed round with identical results, and the model resumes
from a pickle exactly (same random streams). Why one shared warm-up world: all teams, and a
benchmark firm that keeps the default decisions, start from the very same customers and the
same seed, so differences between teams come from their decisions, not from luck (paired worlds;
every mechanism draws the same number of values whatever the policy).

Only observable figures go into ``metrics`` (what teams see); latent truth (stage counts, mean
satisfaction, customer equity) goes into ``hidden`` for the instructor's debrief and the score.
"""

from __future__ import annotations

import io
import json
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulations.classroom.case import Case, case_folder, case_scenario, load_case
from simulations.classroom.equity import customer_equity
from simulations.classroom.scoring import survey_satisfaction
from simulations.classroom.session import round_events, session_case
from simulations.classroom.store import BENCHMARK, WARMUP, Store
from simulations.errors import UserError
from simulations.i18n import N_
from simulations.model import STAGE_COLUMNS, CustomerLifecycleModel

#: Weekly KPIs a firm can see in its own books (no latent satisfaction, no true stages).
OBSERVABLE_KPIS: tuple[str, ...] = (
    "week", "acquisitions", "acquisitions_referral", "revenue", "gross_margin", "cost_acquisition", "cost_marketing",
    "cost_service", "cost_loyalty", "cost_community", "cost_total", "profit", "service_level", "mean_wait_minutes",
    "tickets", "complaints", "contacts_retention", "ideas", "ideas_adopted", "loyalty_members", "community_members",
)
#: Summed over a round's weeks.
FLOW_KPIS: tuple[str, ...] = (
    "acquisitions", "acquisitions_referral", "revenue", "gross_margin", "cost_acquisition", "cost_marketing",
    "cost_service", "cost_loyalty", "cost_community", "cost_total", "profit", "tickets", "complaints",
    "contacts_retention", "ideas", "ideas_adopted",
)
#: Transaction tables a firm records (export: each team's world as a dataset for later labs).
OBSERVABLE_TABLES: dict[str, tuple[str, ...]] = {
    "acquisitions": ("customer", "channel", "referred_by"),
    "orders": ("customer", "orders", "amount", "categories", "campaign", "offer_week", "discount"),
    "contacts": ("customer", "campaign", "channel", "offer", "treated", "consented", "randomised"),
    "tickets": ("customer", "channel", "reason", "wait_minutes", "abandoned", "resolved", "first_contact_resolution",
                "handling_minutes", "complaint", "key_account_desk", "recovered"),
    "loyalty_joins": ("customer",),
    "community_joins": ("customer",),
    "ideas": ("author", "category", "quality", "votes", "responded", "adopted", "reward"),
    "notices": ("customer", "contract"),
}


@dataclass(frozen=True)
class RoundReport:
    """What an advance did."""

    round: int
    teams: int
    submitted: int
    next_round: int
    finished: bool
    weeks: int


# ----------------------------------------------------------------------------- checkpoints
def dump_state(model: CustomerLifecycleModel) -> bytes:
    """Pickle of a model (a checkpoint; not compressed: zlib took half of a round's time)."""
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def load_state(state: bytes) -> CustomerLifecycleModel:
    """A model from a checkpoint written by :func:`dump_state` (trusted: our own SQLite file)."""
    return pickle.loads(state)  # noqa: S301 - checkpoints are written by this module only


# ------------------------------------------------------------------------------ one world
def _observable_notices(model: CustomerLifecycleModel) -> bool:
    """Only contract customers give notice the firm sees; others leave silently."""
    return bool(model.world.contracts.enabled)


def play(model: CustomerLifecycleModel, weeks: int, round_no: int, case: Case) -> dict[str, Any]:
    """Run ``weeks`` weeks and summarise them: observable metrics, hidden truth, weekly KPIs, tables."""
    weekly: list[dict[str, Any]] = []
    tables: dict[str, list[np.ndarray]] = {}
    for _ in range(weeks):
        model.step()
        kpi = model.kpi
        weekly.append({k: kpi[k] for k in OBSERVABLE_KPIS})
        log = model.last_log
        for kind, cols in OBSERVABLE_TABLES.items():
            table = log.tables.get(kind) if log is not None else None
            if table is None or (kind == "notices" and not _observable_notices(model)):
                continue
            n = len(table[cols[0]])
            tables.setdefault(f"{kind}/week", []).append(np.full(n, log.week, dtype=np.int32))
            for c in cols:
                tables.setdefault(f"{kind}/{c}", []).append(np.asarray(table[c]))
    frame = pd.DataFrame(weekly)
    frame["round"] = round_no
    metrics: dict[str, Any] = {k: float(frame[k].sum()) if weeks else 0.0 for k in FLOW_KPIS}
    metrics["service_level"] = float(frame["service_level"].mean()) if weeks else 0.0
    metrics["mean_wait_minutes"] = float(frame["mean_wait_minutes"].mean()) if weeks else 0.0
    metrics["loyalty_members"] = float(frame["loyalty_members"].iloc[-1]) if weeks else 0.0
    metrics["community_members"] = float(frame["community_members"].iloc[-1]) if weeks else 0.0
    orders = tables.get("orders/customer", [])
    metrics["buyers"] = float(np.unique(np.concatenate(orders)).size) if orders else 0.0
    notices = tables.get("notices/customer", [])
    metrics["notices"] = float(sum(a.size for a in notices))
    metrics["survey_satisfaction"] = survey_satisfaction(model, round_no)
    metrics["weeks"] = weeks
    kpi = model.kpi
    hidden = {k: kpi[k] for k in STAGE_COLUMNS}
    hidden.update(mean_satisfaction=kpi["mean_satisfaction"], customers_active=kpi["customers_active"],
                  equity=customer_equity(model, case.scoring))
    packed = io.BytesIO()
    np.savez(packed, **{k: np.concatenate(v) for k, v in tables.items()})
    weekly_json = json.dumps(frame.to_dict("records")).encode()
    return {"round": round_no, "metrics": metrics, "hidden": hidden, "weekly": weekly_json, "tables": packed.getvalue()}


def _run_team(job: tuple[int, bytes, dict[str, Any], list[dict[str, Any]], int, int, Case]) -> tuple[int, dict, bytes]:
    team, state, overrides, events, weeks, round_no, case = job
    model = load_state(state)
    model.set_policies(overrides)
    first_week = model.week + 1  # Mesa counts the step before running it: the next step sees week + 1
    for e in events:
        model.inject_event(e["kind"], intensity=e["intensity"], duration=e["duration"], week=first_week)
    row = play(model, weeks, round_no, case)
    row["team"] = team
    return team, row, dump_state(model)


# ------------------------------------------------------------------------------ sessions
def create_session(case_ref: str | Path, n_teams: int, folder: str | Path, *, customers: int | None = None,
                   seed: int | None = None) -> tuple[Store, str]:
    """Create a session: the store, team codes, and the shared world run through the warm-up."""
    if not 1 <= n_teams <= 200:
        raise UserError(f"--teams must be between 1 and 200, got {n_teams}")
    case = load_case(case_ref)
    size = customers if customers is not None else case.customers
    if not 100 <= size <= 200_000:
        raise UserError(f"--customers must be between 100 and 200000, got {size}")
    world_seed = case.seed if seed is None else seed
    scenario = case_scenario(case)
    model = CustomerLifecycleModel(scenario, customers=size, seed=world_seed, collect=False)
    row = play(model, case.rounds.warmup_weeks, WARMUP, case)
    store, token = Store.create(folder, case_name=case.name, case_dir=str(case_folder(case.name).resolve()),
                                customers=size, seed=world_seed, n_teams=n_teams,
                                first_round=0 if case.rounds.practice else 1,
                                roles=tuple(r.id for r in case.roles))
    store.save_warmup(row, dump_state(model))
    return store, token


def decisions_for(store: Store, case: Case, team: int, round_no: int) -> tuple[dict[str, Any], bool]:
    """A team's decisions for a round: its submission, else what it played last round, else the defaults."""
    if team != BENCHMARK:
        sub = store.all_submissions(round_no).get(team)
        if sub is not None:
            return case.validate_decisions(sub[0]), True
        if round_no > 1:
            previous = store.applied(team, round_no - 1)
            if previous is not None:
                return previous, False
    return case.default_decisions(), False


def advance_round(store: Store, instructor_token: str) -> RoundReport:
    """Close the open round: run every team's world (and the benchmark) and save results and checkpoints.

    Round 0 is the practice round; rounds 1.. count. Every counted round 1 and the practice round
    start from the shared warm-up world; later rounds from the team's own checkpoint. Teams run
    one after another: 30 teams x 10,000 customers x 4 weeks take about 2 s, under the 3 s target.
    """
    store.check_instructor(instructor_token)
    info = store.info()
    if info.finished:
        raise UserError(N_("the game is over: every round has been played"))
    case = session_case(store)
    r = info.current_round
    events = round_events(store, case, r)
    base = store.checkpoint(BENCHMARK, WARMUP)
    if base is None:
        raise UserError(f"{store.folder}: the shared world checkpoint is missing")
    jobs = []
    applied: dict[int, tuple[dict, bool]] = {}
    for team in [BENCHMARK, *store.team_numbers()]:
        state = base if r <= 1 else store.checkpoint(team, r - 1)
        if state is None:
            raise UserError(f"{store.folder}: checkpoint of team {team} after round {r - 1} is missing")
        decisions, submitted = decisions_for(store, case, team, r)
        applied[team] = (decisions, submitted)
        jobs.append((team, state, case.policy_overrides(decisions), events, case.rounds.weeks, r, case))
    outcomes = [_run_team(job) for job in jobs]
    rows = [row for _, row, _ in outcomes]
    states = {team: state for team, _, state in outcomes}
    last = case.rounds.count
    finished = r >= last
    next_round = r if finished else r + 1
    if not store.save_round(r, next_round, finished, rows, states, applied):
        raise UserError(N_("round {round} was advanced by someone else meanwhile; reload the page"), round=r)
    n_submitted = sum(1 for t, (_, s) in applied.items() if t != BENCHMARK and s)
    return RoundReport(round=r, teams=len(jobs) - 1, submitted=n_submitted, next_round=next_round,
                       finished=finished, weeks=case.rounds.weeks)
