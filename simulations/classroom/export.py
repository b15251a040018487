"""Exporting a session: decisions, results, leaderboard, and each team's world as a dataset.

Why a staged folder: an export interrupted half-way must not leave a mix of old and new files.
Why the split into ``datasets/`` and ``keys/``: each team's transactions (orders, tickets,
contacts ...) are observable data that later labs may hand to students; the benchmark firm, the
latent truth (stage counts, satisfaction, customer equity) and the score parts are answer keys.
No wall-clock time is written: the same session exports byte-identical files.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulations import __version__
from simulations.classroom.case import Case
from simulations.classroom.rounds import load_state
from simulations.classroom.scoring import leaderboard
from simulations.classroom.session import counted_rounds, session_case, weekly_frame
from simulations.classroom.store import BENCHMARK, WARMUP, Store
from simulations.config import CONTRACT_TYPES, TIERS
from simulations.outputs import staged_folder

#: Customer attributes a firm holds in its own records (snapshot at the end of the game).
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "signup_week", "n_orders", "total_spend", "last_purchase_week", "tier", "contract", "acquisition_channel",
    "referred_by", "loyalty_member", "community_member",
)


def _tables(blob: bytes) -> dict[str, pd.DataFrame]:
    packed = np.load(io.BytesIO(blob), allow_pickle=False)
    grouped: dict[str, dict[str, np.ndarray]] = {}
    for key in packed.files:
        kind, col = key.split("/", 1)
        grouped.setdefault(kind, {})[col] = packed[key]
    return {kind: pd.DataFrame(cols) for kind, cols in grouped.items()}


def _customers(state: bytes) -> pd.DataFrame:
    model = load_state(state)
    pop = model.population
    frame = pd.DataFrame({"customer": np.arange(pop.n, dtype=np.int32)})
    for col in CUSTOMER_COLUMNS:
        frame[col] = np.asarray(getattr(pop, col))
    frame["tier"] = [TIERS[int(t)] for t in frame["tier"]]
    frame["contract"] = [CONTRACT_TYPES[int(c)] for c in frame["contract"]]
    return frame[frame["signup_week"] >= 0].reset_index(drop=True)


def export_session(store: Store, instructor_token: str, out: str | Path) -> list[Path]:
    """Write the whole session to ``out``; returns the files written (relative to ``out``)."""
    store.check_instructor(instructor_token)
    case = session_case(store)
    info = store.info()
    results = store.results()
    rounds = counted_rounds(store, case)
    written: list[Path] = []

    def save(frame: pd.DataFrame, rel: str, stage: Path, csv: bool = True) -> None:
        path = stage / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path.with_suffix(".parquet"), index=False)
        written.append(Path(rel).with_suffix(".parquet"))
        if csv:
            frame.to_csv(path.with_suffix(".csv"), index=False)
            written.append(Path(rel).with_suffix(".csv"))

    with staged_folder(Path(out), replace=True) as stage:
        applied = [{"team": t, "round": r, "practice": r == 0, "submitted": s, **d}
                   for t, r, d, s in store.all_applied() if t != BENCHMARK]
        save(pd.DataFrame(applied), "decisions", stage)
        team_rows = [r for r in results if r["team"] != BENCHMARK]
        observable = [{"team": r["team"], "round": r["round"], "practice": r["round"] == 0, **r["metrics"]}
                      for r in team_rows]
        save(pd.DataFrame(observable), "results", stage)
        save(weekly_frame([r for r in results if r["team"] != BENCHMARK or r["round"] == WARMUP]), "weekly", stage)
        events = [{"round": e.round, "event_id": e.id, "kind": e.kind, "headline": e.headline.en, "intensity": e.intensity,
                   "duration": e.duration, "source": "case"} for e in case.scheduled_events if e.round in rounds]
        events += store.events()
        for e in events:  # both languages, so a Chinese class's export reads as its pages did
            spec = case.event(e["event_id"])
            e["headline_zh"] = spec.headline.zh if spec is not None else ""
        save(pd.DataFrame(events, columns=["round", "event_id", "kind", "headline", "headline_zh", "intensity",
                                           "duration", "source"]), "events", stage)
        hidden = [{"team": r["team"], "round": r["round"], **r["hidden"]} for r in results]
        save(pd.DataFrame(hidden), "keys/results_truth", stage)
        save(leaderboard(results, case, rounds), "keys/leaderboard", stage)

        for team in store.team_numbers():
            own = [r for r in results if r["team"] == team and r["round"] >= 1]
            kinds: dict[str, list[pd.DataFrame]] = {}
            for row in own:
                for kind, frame in _tables(row["tables"]).items():
                    frame.insert(0, "round", row["round"])
                    kinds.setdefault(kind, []).append(frame)
            for kind, frames in sorted(kinds.items()):
                save(pd.concat(frames, ignore_index=True), f"datasets/team_{team:02d}/{kind}", stage, csv=False)
            last = max((r["round"] for r in own), default=None)
            state = store.checkpoint(team, last) if last is not None else None
            if state is not None:
                save(_customers(state), f"datasets/team_{team:02d}/customers", stage, csv=False)
        readme = _provenance(case, info, rounds)
        (stage / "README.md").write_text(readme, encoding="utf-8")
        written.append(Path("README.md"))
    return written


def _provenance(case: Case, info: Any, rounds: list[int]) -> str:
    return "\n".join([
        f"# Classroom session export: {case.title.en} / {case.title.zh}",
        "",
        f"- case: `{case.name}`; scenario: `{case.scenario}`; customers: {info.customers}; seed: {info.seed}",
        f"- teams: {info.n_teams}; counted rounds played: {', '.join(map(str, rounds)) or 'none'}; "
        f"weeks per round: {case.rounds.weeks}",
        f"- crm-sandbox version: {__version__}",
        "",
        "`decisions`, `results`, `weekly`, `events`: what the teams decided and saw (observable).",
        "`datasets/team_NN/`: each team's world as transaction tables and a customer snapshot, for later labs.",
        "`keys/`: the benchmark firm, latent truth (stages, satisfaction, customer equity) and the score: instructors only.",
        "",
    ])
