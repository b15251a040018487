"""The balanced score: profit, customer equity and satisfaction, each against a benchmark firm.

Why balanced: a team that cuts service and marketing to nothing and raises prices in the last
round books a profit spike, but its customers become endangered and leave later. Counting the
expected future margin of the customer base (customer equity, the sum of customers' lifetime
values) and what customers say in a survey makes that strategy lose, as the CRM literature
argues it should (docs/COURSE.md §2: CLV; §3: churn cuts profit).

Why against a benchmark: every team plays the same world (same seed) as a benchmark firm that
keeps the case's default decisions. Dividing by the benchmark makes the parts comparable across
cases and removes the world's luck from the ranking: 100 means "as good as doing nothing new".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulations.classroom.case import Case

SURVEY_SIZE = 300
SURVEY_RECENT_WEEKS = 26


def survey_satisfaction(model: Any, round_no: int) -> float:
    """Mean answer (1-5) of a satisfaction survey of recent buyers: what the firm can observe.

    The survey noise and who answers are keyed by customer id from a generator seeded by the
    session seed and round only, so two teams with the same customers get the same survey luck.
    """
    pop, week = model.population, model.week
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([model.seed_value, 7919, round_no + 2])))
    key = rng.random(pop.n)
    noise = rng.standard_normal(pop.n)
    eligible = np.flatnonzero((pop.last_purchase_week >= week - SURVEY_RECENT_WEEKS) & (pop.last_purchase_week >= 0))
    if eligible.size == 0:
        return float("nan")
    chosen = eligible[np.argsort(key[eligible], kind="stable")[:SURVEY_SIZE]]
    answers = np.clip(np.rint(1.0 + 4.0 * pop.satisfaction[chosen] + 0.6 * noise[chosen]), 1, 5)
    return float(answers.mean())


def leaderboard(results: list[dict[str, Any]], case: Case, rounds: list[int]) -> pd.DataFrame:
    """Score every team over ``rounds`` (closed rounds) against the benchmark (team 0).

    Profit is summed over the rounds; equity and satisfaction are read at the last round. Indices
    (1.0 = the benchmark): profit and equity are measured on one money scale, the benchmark's
    customer equity, so that a yuan of profit taken now and a yuan of future margin destroyed
    weigh as the weights say (profit index 1 + profit gained / benchmark equity; equity index
    equity / benchmark equity); satisfaction as the ratio of the distance above the survey's floor
    (1 on the 1-5 scale). Columns: team, profit, profit_index, equity_index,
    satisfaction_index, score, rank (1 = best).
    """
    if not rounds:
        return pd.DataFrame(columns=["team", "profit", "profit_index", "equity_index", "satisfaction_index", "score", "rank"])
    last = max(rounds)
    rows: dict[int, dict[str, float]] = {}
    for r in results:
        if r["round"] not in rounds:
            continue
        acc = rows.setdefault(r["team"], {"profit": 0.0, "gross_margin": 0.0})
        acc["profit"] += r["metrics"]["profit"]
        acc["gross_margin"] += r["metrics"]["gross_margin"]
        if r["round"] == last:
            acc["equity"] = r["hidden"]["equity"]
            acc["survey"] = r["metrics"]["survey_satisfaction"]
    if 0 not in rows:
        raise ValueError("the benchmark firm's results are missing")
    ref = rows[0]
    w = case.scoring
    total = w.profit + w.equity + w.satisfaction
    out = []
    for team, acc in sorted(rows.items()):
        if team == 0 or "equity" not in acc:
            continue
        pi = 1.0 + (acc["profit"] - ref["profit"]) / max(ref["equity"], 1.0)
        ei = acc["equity"] / max(ref["equity"], 1.0)
        si = (acc["survey"] - 1.0) / max(ref["survey"] - 1.0, 0.1)
        score = 100.0 * (w.profit * pi + w.equity * ei + w.satisfaction * si) / total
        out.append({"team": team, "profit": acc["profit"], "profit_index": pi, "equity_index": ei,
                    "satisfaction_index": si, "score": score})
    frame = pd.DataFrame(out)
    if frame.empty:
        return frame
    frame["rank"] = frame["score"].rank(ascending=False, method="min").astype(int)
    return frame.sort_values(["rank", "team"]).reset_index(drop=True)
