"""Marketing by stage: onboarding, cross-/up-sell (拓展), retention offers (维系), win-back (恢复).

Each stage gets its own campaign (the stage strategies of DOMAIN.md §1). The firm cannot see
true stages or satisfaction: retention targeting ranks customers by an early-warning score
built from what a CRM system records (recency, complaints, a noisy model score). The rule can
be none, all flagged, top-k by risk, a randomized experiment (assignment recorded), or top-k
by an uplift score. Contacts cost money; too many contacts, or a channel a customer dislikes,
cost goodwill. Some customers are "sleeping dogs": contacting them makes leaving more likely.
"""

from __future__ import annotations

import numpy as np

from simulations.config import CONTACT_CHANNELS, Campaign, Policies, World
from simulations.mechanisms.events import Modifiers
from simulations.population import Population
from simulations.rng import unit_logistic
from simulations.stages import AT_RISK, DORMANT, GROWTH, MATURITY, NEW, TERMINATING, WON_BACK, is_active
from simulations.weeklog import WeekLog

CAMPAIGN_TYPES: tuple[str, ...] = ("acquisition", "onboarding", "cross_sell", "retention", "win_back")
FLAG_SCORE = 0.5
WASTED_OFFER_TAKE_UP = 0.01


def risk_score(pop: Population, world: World, week: int, noise: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
    """The firm's early-warning score (higher: more likely leaving), from recorded behaviour.

    Uses recency relative to the customer's own buying rhythm and recent complaints, plus a
    noisy signal of true dissatisfaction standing for the firm's churn model. ``noise`` is one
    value per person; the score is computed for ``ids`` (default: everyone).
    """
    rows = slice(None) if ids is None else ids
    expected_gap = 1.0 / np.maximum(pop.purchase_rate[rows], 0.01)
    last = pop.last_purchase_week[rows]
    recency = np.where(last >= 0, week - last, 52)
    overdue = np.clip(recency / expected_gap - 1.0, 0, 5)
    signal = 3.0 * (world.relationship.at_risk_threshold + 0.1 - pop.satisfaction[rows])
    z = -1.5 + 0.4 * overdue + 0.8 * pop.complaints[rows] + signal + 0.8 * noise[rows]
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def uplift_score(pop: Population, noise: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
    """The firm's uplift model: a noisy estimate of how much an offer would help ``ids`` (default: everyone)."""
    rows = slice(None) if ids is None else ids
    stage = pop.stage[rows]
    at_risk = (stage == AT_RISK) | (stage == TERMINATING)
    truth = np.where(at_risk, pop.responsiveness[rows], 0.0) - 0.3 * pop.sleeping_dog[rows]
    return (truth + 0.35 * pop.uplift_noise[rows] + 0.15 * noise[rows]).astype(np.float32)


def top_k(score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first (linear-time selection, then a small sort)."""
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k < score.size:
        part = np.argpartition(-score, k - 1)[:k]
    else:
        part = np.arange(score.size)
    return part[np.argsort(-score[part], kind="stable")]


def _due(c: Campaign, week: int) -> bool:
    return c.enabled and week % c.every_weeks == 0


def _reachable(pop: Population, ids: np.ndarray, channel: int, respect: bool) -> np.ndarray:
    return ids[pop.disliked_channel[ids] != channel] if respect else ids


def select_retention(
    pop: Population, policies: Policies, world: World, week: int, u_assign: np.ndarray, noise: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Who gets a retention offer this wave, and (for experiments) the control group."""
    r = policies.marketing.retention
    empty = np.empty(0, dtype=np.int64)
    if not _due(r, week) or r.targeting == "none":
        return empty, empty
    candidates = np.flatnonzero(is_active(pop.stage))
    if r.targeting in ("uplift", "top_k"):
        if r.targeting == "uplift":
            score = uplift_score(pop, noise, candidates)
        else:
            score = risk_score(pop, world, week, noise, candidates)
        return candidates[top_k(score, r.k)], empty
    score = risk_score(pop, world, week, noise, candidates)
    flagged = candidates[score > FLAG_SCORE]
    if r.targeting == "all":
        return flagged, empty
    treat = u_assign[flagged] < r.treat_share
    return flagged[treat], flagged[~treat]


def respond(
    pop: Population,
    world: World,
    policies: Policies,
    mods: Modifiers,
    rng: np.random.Generator,
    log: WeekLog,
    week: int,
) -> None:
    """The firm contacts customers by stage; customers respond to offers (or resent them)."""
    n = pop.n
    u_resp, u_assign, u_noise = rng.random((3, n), dtype=np.float32)
    noise = unit_logistic(u_noise)
    m = policies.marketing
    pop.fatigue *= np.float32(0.75)

    waves: list[tuple[str, Campaign, np.ndarray]] = []
    if _due(m.onboarding, week):
        fresh = (pop.stage == NEW) & (pop.weeks_in_stage < m.onboarding.every_weeks)
        waves.append(("onboarding", m.onboarding, np.flatnonzero(fresh)))
    if _due(m.cross_sell, week):
        waves.append(("cross_sell", m.cross_sell, np.flatnonzero(
            ((pop.stage == GROWTH) | (pop.stage == MATURITY)) & (pop.categories < world.traits.categories))))
    treated, control = select_retention(pop, policies, world, week, u_assign, noise)
    if treated.size or control.size:
        waves.append(("retention", m.retention, treated))
    if _due(m.win_back, week):
        waves.append(("win_back", m.win_back, np.flatnonzero(pop.stage == DORMANT)))

    for kind, campaign, targets in waves:
        channel = CONTACT_CHANNELS.index(campaign.channel)
        ids = _reachable(pop, targets, channel, m.respect_channel_preferences)
        responded, offer_cost = _respond_to(kind, campaign, pop, ids, u_resp, world)
        disliked = pop.disliked_channel[ids] == channel
        pop.shock[ids] -= np.where(disliked, 0.05, 0.0).astype(np.float32)
        pop.fatigue[ids] += 1.0
        cost = world.costs.contact_cost.get(campaign.channel, 0.0) * ids.size
        log.cost("marketing", cost + offer_cost.sum())
        log.add("contacts", customer=ids.astype(np.int32), campaign=np.full(ids.size, CAMPAIGN_TYPES.index(kind), np.int8),
                channel=np.full(ids.size, channel, np.int8), offer=np.full(ids.size, campaign.offer, np.float32),
                treated=np.ones(ids.size, bool), responded=responded, offer_cost=offer_cost.astype(np.float32))
        log.count(f"contacts_{kind}", ids.size)
        log.count(f"responses_{kind}", int(responded.sum()))
        if kind == "retention" and control.size:
            log.add("contacts", customer=control.astype(np.int32), campaign=np.full(control.size, 3, np.int8),
                    channel=np.full(control.size, channel, np.int8), offer=np.zeros(control.size, np.float32),
                    treated=np.zeros(control.size, bool), responded=np.zeros(control.size, bool),
                    offer_cost=np.zeros(control.size, np.float32))

    over = np.maximum(pop.fatigue - m.fatigue_limit, 0.0)
    pop.shock -= (0.02 * over).astype(np.float32)


def _respond_to(
    kind: str, c: Campaign, pop: Population, ids: np.ndarray, u: np.ndarray, world: World
) -> tuple[np.ndarray, np.ndarray]:
    """Apply one wave's effect; return who responded and what their offers cost."""
    monthly = pop.spend_mean[ids] * pop.purchase_rate[ids] * 4.345 + pop.monthly_fee[ids]  # a month's value
    stage = pop.stage[ids]
    uu = u[ids]
    strength = 0.5 + 3.0 * c.offer
    if kind == "onboarding":
        pop.shock[ids] += 0.02
        pop.trust[ids] += 0.02
        return np.ones(ids.size, bool), np.zeros(ids.size)
    if kind == "cross_sell":
        yes = uu < 0.04 * strength
        pop.categories[ids[yes]] += 1
        return yes, np.where(yes, c.offer * monthly, 0.0)
    if kind == "win_back":
        yes = uu < 0.08 * pop.responsiveness[ids] * strength
        back = ids[yes]
        pop.stage[back] = WON_BACK
        pop.weeks_in_stage[back] = 0
        pop.cycles[back] += 1
        pop.satisfaction[back] = np.maximum(pop.satisfaction[back], pop.baseline[back])
        return yes, np.where(yes, c.offer * monthly, 0.0)
    # retention: endangered customers may accept; others pocket the discount or resent the contact
    endangered = (stage == AT_RISK) | (stage == TERMINATING)
    accept = endangered & (uu < np.minimum(pop.responsiveness[ids] * strength, 0.95))
    saved = ids[accept]
    pop.stage[saved] = np.where(pop.stage[saved] == TERMINATING, MATURITY, pop.prev_stage[saved])
    pop.weeks_in_stage[saved] = 0
    pop.notice_week[saved] = -1
    pop.satisfaction[saved] += 0.12
    pop.commitment[saved] += 0.05
    backfire = pop.sleeping_dog[ids] & ~accept & (uu < 0.5)
    pop.shock[ids[backfire]] -= 0.25
    wasted = ~endangered & ~pop.sleeping_dog[ids] & (uu < WASTED_OFFER_TAKE_UP)
    took = accept | wasted
    return took, np.where(took, c.offer * monthly, 0.0)
