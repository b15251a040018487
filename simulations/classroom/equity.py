"""Customer equity: the expected discounted margin of the relationships a firm holds (truth: instructors only).

Why a chain and not one weekly leaving rate: a settled customer leaves in two steps, as the engine
moves them (``mechanisms/relationship.py``): first they become endangered, then they either settle
again or decide to leave, and a customer who has decided still pays through the notice period (or
buys ever less while lapsing) before the relationship ends. The first version gave every settled
customer one weekly rate, half the endangerment hazard ("one endangered customer in two leaves"), and
every terminating customer a fixed exit of a quarter a week. Checked against what the same
relationships went on to earn (the engine run on for the three years the equity counts), that valued
retail's customer base at 0.40-0.50 of its realised margin, the appliance maker's at 0.41-0.45 and
the bank's at 0.63: far fewer endangered customers leave than one in two, because most settle again.

Here each live customer's week is a small Markov chain over settled, endangered and leaving, with the
engine's own probabilities at the customer's current feelings: the endangerment hazard (its tenure
fragility running on with the weeks), the chance to settle again, the decision to leave, and the
notice or lapse that follows. Feelings run on as the engine moves them without news: satisfaction
settles toward the level each customer's grudge and the current price set, trust follows it, and
commitment grows while settled. The week-to-week shocks of service and contacts are left out, because
nobody knows them in advance. So are the customers that future retention, win-back and cross-sell
campaigns would rescue or grow. The equity values the relationships as they stand. Where no campaign
adds value (the pizza shop) it came within 3% of what the relationships later earned; where campaigns
run (retail) it came to 0.7-0.8 of it (docs/VALIDATION.md).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from simulations.classroom.case import Scoring
from simulations.mechanisms.economics import margin_rate, weekly_fee
from simulations.mechanisms.events import Modifiers
from simulations.mechanisms.purchasing import stage_buying, weekly_rate
from simulations.mechanisms.relationship import (
    decision_chance,
    endangerment_hazard,
    lock_in,
    price_feeling,
    satisfaction_target,
    settle_chance,
)
from simulations.stages import ENDANGERABLE_STAGES, Stage

#: Weeks after today in which the chain's rates are recomputed every week; after them, every
#: ``REFRESH_EVERY`` weeks (feelings and fragility then move slowly; the value changed by under 0.2%
#: against weekly rates in the built-in scenarios, at a third of the cost: 30 teams' equity is
#: computed in every classroom advance).
REFRESH_WEEKLY = 13
REFRESH_EVERY = 4


def customer_equity(model: Any, scoring: Scoring) -> float:
    """Expected discounted margin of today's customers over the horizon (truth: instructors only).

    Each live customer earns their weekly margin (expected orders x spend x margin, plus contract
    fees) in every week they are still a customer, discounted at ``scoring.annual_discount`` and
    summed over ``scoring.equity_horizon_weeks``. The chance of still being a customer comes from
    the chain described in the module docstring; an endangered customer buys at the endangered
    stage's rate, a leaving one at the terminating stage's rate, until the relationship ends.

    The margin is valued at list price (price index 1, where the engine books ``gross_margin`` of
    revenue); the hazards under the firm's current policies, price included. Why: equity measures
    the relationships a firm holds, and what its prices earned is already in its profit. Valued at
    the last price set, a price rise in a game's final round would raise the equity of customers
    who have not yet reacted to it (a cash-out that wins); a flat margin share at the current price
    (the first version) contradicted the engine's own books, where the cost of goods does not
    move with the price.
    """
    pop, world, pol, week = model.population, model.world, model.policies, model.week
    stage = pop.stage[: pop.n]
    ids = np.flatnonzero(np.isin(stage, (*ENDANGERABLE_STAGES, Stage.AT_RISK, Stage.TERMINATING)))
    if ids.size == 0:
        return 0.0
    st = stage[ids]
    at_list = pol.model_copy(update={"pricing": pol.pricing.model_copy(update={"price_index": 1.0})})
    unit = margin_rate(world, at_list)  # = gross_margin, as the firm books it at list price

    # orders' margin per unit of stage buying (the stage factor is taken out, then put back per state)
    rate = weekly_rate(pop, world, at_list, ids).astype(np.float64)
    # spend grows toward each customer's potential value: valued at its level half-way through the horizon
    grown = pop.value_multiplier[ids] + (pop.potential[ids] - pop.value_multiplier[ids]) * (
        1.0 - (1.0 - world.traits.potential_growth) ** (scoring.equity_horizon_weeks / 2))
    spend = rate * pop.spend_mean[ids] * grown * (1.0 + world.traits.category_spend_lift * (pop.categories[ids] - 1))
    buying = stage_buying(world).astype(np.float64)
    factor = buying[st]
    per_unit = np.divide(spend, factor, out=np.zeros_like(spend), where=factor > 0)
    fees = weekly_fee(pop.monthly_fee[ids], at_list).astype(np.float64) if world.contracts.enabled else 0.0
    settled_stage = np.where(np.isin(st, ENDANGERABLE_STAGES), st, pop.prev_stage[ids])
    m_settled = (per_unit * buying[settled_stage] + fees) * unit
    m_risk = (per_unit * buying[Stage.AT_RISK] + fees) * unit
    m_leaving = (per_unit * buying[Stage.TERMINATING] + fees) * unit

    rel, price = world.relationship, pol.pricing.price_index
    hold = lock_in(pop, world, week, ids, price_index=price)
    # the customers' feelings, run on under the current policies: satisfaction settles toward the level
    # the price and each customer's grudge set (without the week-to-week shocks of service and contacts,
    # which nobody knows in advance), trust follows satisfaction, commitment grows while settled
    feel = SimpleNamespace(
        satisfaction=pop.satisfaction[ids].astype(np.float64), trust=pop.trust[ids].astype(np.float64),
        commitment=pop.commitment[ids].astype(np.float64), signup_week=pop.signup_week[ids],
        purchase_rate=pop.purchase_rate[ids], contract=pop.contract[ids])
    target = satisfaction_target(pop.baseline[ids], pop.grudge[ids], model.product_quality, price_feeling(world, pol))
    horizon = scoring.equity_horizon_weeks

    # a relationship that has ended its notice or lapse is gone: weeks still to run when leaving
    contract = pop.contract[ids] > 0 if world.contracts.enabled else np.zeros(ids.size, bool)
    notice = world.contracts.notice_weeks
    run_out = np.where(contract, notice, rel.lapse_weeks).astype(np.int64)
    left_now = np.where(contract, notice - (week - pop.notice_week[ids]), rel.lapse_weeks - pop.weeks_in_stage[ids])
    left_now = np.clip(left_now, 1, None).astype(np.int64)

    delta = 1.0 / (1.0 + scoring.annual_discount) ** (1 / 52)

    def tail(weeks: np.ndarray) -> np.ndarray:
        """Discounted sum of ``delta ** k`` for k = 1..weeks."""
        return delta * (1.0 - delta ** weeks) / (1.0 - delta)

    leaving = st == Stage.TERMINATING
    p_settled = np.isin(st, ENDANGERABLE_STAGES).astype(np.float64)
    p_risk = (st == Stage.AT_RISK).astype(np.float64)
    value = float(np.dot(leaving, m_leaving * tail(np.minimum(left_now, horizon))))
    hold_factor = 1.0 - rel.contract_hold * hold.astype(np.float64)
    leave_value = m_leaving * tail(run_out)  # what a customer who decides now still pays before going
    longest = int(run_out.max())
    mods = Modifiers()
    for t in range(1, horizon + 1):
        if t <= REFRESH_WEEKLY or t % REFRESH_EVERY == 1:  # the rates move slowly once feelings have settled
            hazard = endangerment_hazard(feel, world, pol, mods, week + t - 1) * hold_factor
            settle = np.clip(settle_chance(world, feel.satisfaction, feel.trust), 0.0, 1.0)
            decide = (1.0 - settle) * decision_chance(world, feel.satisfaction, feel.commitment, hold)
            stay_risk, stay_settled = 1.0 - settle - decide, 1.0 - hazard
            risk_value = m_risk + decide * leave_value
        if horizon - t < longest:  # near the horizon, only the weeks left count
            leave_value = m_leaving * tail(np.minimum(run_out, horizon - t))
            risk_value = m_risk + decide * leave_value
        value += delta ** t * float(np.dot(p_settled, m_settled) + np.dot(p_risk, risk_value))
        p_settled, p_risk = (p_settled * stay_settled + p_risk * settle,
                             p_settled * hazard + p_risk * stay_risk)
        feel.satisfaction += rel.satisfaction_inertia * (target - feel.satisfaction)
        feel.trust += rel.trust_rate * (feel.satisfaction - feel.trust)
        feel.commitment += rel.commitment_growth * p_settled / np.maximum(p_settled + p_risk, 1e-12)
        np.minimum(feel.commitment, 1.0, out=feel.commitment)
    return value
