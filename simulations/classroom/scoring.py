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

from simulations.classroom.case import Case, Scoring
from simulations.mechanisms.economics import margin_rate, weekly_fee
from simulations.mechanisms.events import Modifiers
from simulations.mechanisms.purchasing import weekly_rate
from simulations.mechanisms.relationship import decision_chance, endangerment_hazard, lock_in
from simulations.stages import ENDANGERABLE_STAGES, Stage

#: Weekly chance that a customer who has decided to leave is gone next week (notice, lapse).
TERMINATING_EXIT = 0.25
SURVEY_SIZE = 300
SURVEY_RECENT_WEEKS = 26


def customer_equity(model: Any, scoring: Scoring) -> float:
    """Expected discounted margin of today's customers over the horizon (truth: instructors only).

    Each live customer's weekly margin (expected orders x spend x margin, plus contract fees) is
    an annuity that ends with the weekly probability that the relationship ends, read from the
    same hazard the model uses: endangerment for settled customers, the decision to leave for
    endangered ones, a fast exit for those who have already decided.

    The margin is valued at list price (price index 1, where the engine books ``gross_margin`` of
    revenue); the hazard under the firm's current policies, price included. Why: equity measures
    the relationships a firm holds, and what its prices earned is already in its profit. Valued at
    the last price set, a price rise in a game's final round would raise the equity of customers
    who have not yet reacted to it (a cash-out that wins); a flat margin share at the current price
    (the first version) contradicted the engine's own books, where the cost of goods does not
    move with the price.
    """
    pop, world, pol, week = model.population, model.world, model.policies, model.week
    stage = pop.stage
    live = np.isin(stage, (*ENDANGERABLE_STAGES, Stage.AT_RISK, Stage.TERMINATING))
    at_list = pol.model_copy(update={"pricing": pol.pricing.model_copy(update={"price_index": 1.0})})
    rate = weekly_rate(pop, world, at_list).astype(np.float64)  # what they buy at list price
    value = pop.value_multiplier + (pop.potential - pop.value_multiplier) * (
        1.0 - (1.0 - world.traits.potential_growth) ** (scoring.equity_horizon_weeks / 2))
    spend = rate * pop.spend_mean * value * (1.0 + world.traits.category_spend_lift * (pop.categories - 1))
    fees = weekly_fee(pop.monthly_fee, at_list) if world.contracts.enabled else 0.0
    margin = (spend + fees) * margin_rate(world, at_list)  # = gross_margin, as the firm books it at list

    hold = lock_in(pop, world, week, price_index=pol.pricing.price_index)
    rel = world.relationship
    # the engine's own rules and world parameters (mechanisms/relationship.py), so that a scenario that
    # varies them values its customers by the hazard its customers live under
    hazard = endangerment_hazard(pop, world, pol, Modifiers(), week) * (1.0 - rel.contract_hold * hold)
    p_decide = decision_chance(world, pop.satisfaction, pop.commitment, hold)
    # a settled customer leaves only via endangerment and then a decision (about 1 in 2 endangered do)
    q = np.where(stage == Stage.AT_RISK, p_decide, 0.5 * hazard)
    q = np.where(stage == Stage.TERMINATING, TERMINATING_EXIT, q)
    d = (1.0 + scoring.annual_discount) ** (1 / 52) - 1.0
    a = (1.0 - np.clip(q, 0.0, 1.0)) / (1.0 + d)
    h = scoring.equity_horizon_weeks
    annuity = np.where(a < 1.0, a * (1.0 - a**h) / np.maximum(1.0 - a, 1e-12), h)
    return float((margin * annuity)[live].sum())


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
