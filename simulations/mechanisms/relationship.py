"""Relationship: satisfaction, trust and commitment, and the moves between lifecycle stages.

No transition matrix: stages change because of what customers experienced. Satisfaction is
pulled toward a baseline raised by product quality and pushed by this week's shocks (service,
marketing, community, events); trust follows satisfaction slowly; commitment grows with tenure
and programmes. Endangerment (危险期) can strike at any stage, with a hazard that rises as
satisfaction falls below a threshold, with the competitor's pull, and early in the tenure, and
falls with commitment and a running fixed-term contract. An endangered customer either settles
or decides to leave: contract customers give notice and leave when it runs out (解约期); others
buy less for a while and lapse into dormancy (中断期), which becomes loss if nothing wins them back.
"""

from __future__ import annotations

import functools

import numpy as np

from simulations.arrays import select
from simulations.config import Policies, World
from simulations.mechanisms.acquisition import log_contract_terms
from simulations.mechanisms.events import Modifiers
from simulations.mechanisms.marketing import restart_contracts
from simulations.population import CAUSES, Population
from simulations.stages import AT_RISK, DORMANT, GROWTH, LOST, MATURITY, NEW, TERMINATING, WON_BACK
from simulations.weeklog import WeekLog

SERVICE, COMPETITOR, PRICE, DISENGAGEMENT = (CAUSES.index(c) for c in ("service", "competitor", "price", "disengagement"))
CONTRACT_TERM_WEEKS = {2: 52, 3: 104}


def price_feeling(world: World, policies: Policies) -> float:
    """How our price relative to the competitor's moves the satisfaction every customer settles toward."""
    ratio = policies.pricing.price_index / world.competitor.price_index
    return -world.relationship.price_dissatisfaction * float(np.log(ratio))


def satisfaction_target(baseline: np.ndarray, grudge: np.ndarray, product_quality: float, price: float) -> np.ndarray:
    """The satisfaction a customer drifts toward without news: their baseline, less their grudge, plus what the
    product and our price (:func:`price_feeling`) add. Read by the week's feelings and the classroom's equity.
    """
    return np.clip(baseline - grudge + product_quality + price, 0.0, 1.0)


def update_feelings(pop: Population, world: World, mods: Modifiers, product_quality: float,
                    price: float = 0.0) -> None:
    """Move satisfaction, trust and commitment for this week's experiences (``price``: see :func:`price_feeling`)."""
    rel = world.relationship
    target = satisfaction_target(pop.baseline, pop.grudge, product_quality, np.float32(price))
    pop.satisfaction += rel.satisfaction_inertia * (target - pop.satisfaction) + pop.shock + mods.satisfaction_shock
    np.clip(pop.satisfaction, 0.0, 1.0, out=pop.satisfaction)
    pop.trust += rel.trust_rate * (pop.satisfaction - pop.trust)
    np.clip(pop.trust, 0.0, 1.0, out=pop.trust)
    customer = (pop.stage >= NEW) & (pop.stage <= MATURITY)
    # the same sums as ``commitment[customer] += growth``, by a branch-free select (no gather, scatter or ``where=``)
    pop.commitment[:] = select(customer, pop.commitment + np.float32(rel.commitment_growth), pop.commitment)
    np.clip(pop.commitment, 0.0, 1.0, out=pop.commitment)
    pop.shock[:] = 0.0


def _fragility(decay: float, weeks: float, needed: int) -> np.ndarray:
    """``1 + decay * exp(-tenure / weeks)`` for every whole tenure below ``needed`` (rounded up to a power of two).

    Why a table: tenure is a whole number of weeks, so the weekly exponential over every customer
    is a lookup; the entries are computed by the very same array expression, so they are the same bits.
    """
    return _fragility_table(decay, weeks, 1 << max(needed - 1, 1).bit_length())


@functools.lru_cache(maxsize=8)
def _fragility_table(decay: float, weeks: float, size: int) -> np.ndarray:
    tenure = np.arange(size, dtype=np.int32)
    table = 1.0 + decay * np.exp(-tenure / weeks)
    table.flags.writeable = False
    return table


def endangerment_hazard(
    pop: Population, world: World, policies: Policies, mods: Modifiers, week: int, ids: np.ndarray | None = None
) -> np.ndarray:
    """Weekly probability that a relationship becomes endangered (before lock-in), for ``ids`` or everyone."""
    rows = slice(None) if ids is None else ids
    rel, comp = world.relationship, world.competitor
    price_gap = (policies.pricing.price_index / comp.price_index) ** world.traits.price_sensitivity
    pull = comp.attractiveness * mods.competitor_pull * price_gap
    tenure = np.maximum(week - pop.signup_week[rows], 0)
    fragile = _fragility(rel.tenure_hazard_decay, rel.fragile_weeks, int(tenure.max(initial=0)) + 1)[tenure]
    drive = np.exp(rel.at_risk_sensitivity * (rel.at_risk_threshold - pop.satisfaction[rows]))
    h = (rel.at_risk_base_hazard * drive * occasions(pop, world, rows) * (rel.pull_floor + pull) * fragile
         * (1.0 - rel.commitment_shield * pop.commitment[rows]) * (rel.trust_offset - pop.trust[rows]))
    return np.clip(h, 0.0, 0.9).astype(np.float32)


def occasions(pop: Population, world: World, rows: slice | np.ndarray) -> np.ndarray | float:
    """How often a customer meets the relationship, relative to the average buyer (1: the hazard runs by time).

    Why: a retail customer reconsiders the firm when they use it (a purchase, a delivery), so a rare
    buyer has fewer moments to drift away than a frequent one; BG/NBD tells dropout this way. Contract
    customers are billed every month, so their occasions do not depend on buying.
    """
    link = world.relationship.hazard_buying_link
    if link <= 0:
        return 1.0
    relative = pop.purchase_rate[rows] / np.float32(world.traits.purchase_rate_mean)
    if world.contracts.enabled:
        relative = np.where(pop.contract[rows] > 0, 1.0, relative)
    return (relative ** np.float32(link)).astype(np.float32)


def term_hold(world: World, price_index: float = 1.0) -> float:
    """How much a running fixed term holds, given our price: a rise above list may release customers."""
    c = world.contracts
    return c.lock_in_strength * (1.0 - c.price_rise_release) if price_index > 1.0 + 1e-9 else c.lock_in_strength


def lock_in(pop: Population, world: World, week: int, ids: np.ndarray | None = None,
            price_index: float = 1.0) -> np.ndarray:
    """How much a running fixed-term contract holds a customer (0: free to leave), for ``ids`` or everyone."""
    rows = slice(None) if ids is None else ids
    if not world.contracts.enabled:
        return np.zeros(pop.n if ids is None else len(ids), dtype=np.float32)
    running = (pop.contract[rows] >= 2) & (pop.contract_end_week[rows] > week)
    return select(running, term_hold(world, price_index), 0.0).astype(np.float32)


def decision_chance(world: World, satisfaction: np.ndarray, commitment: np.ndarray, hold: np.ndarray) -> np.ndarray:
    """Weekly chance an endangered customer decides to leave: the satisfaction gap drives it, lock-in and
    commitment hold it back. One rule, read by the week's transitions and by the classroom's customer equity.
    """
    rel = world.relationship
    gap = np.clip(rel.at_risk_threshold + rel.decision_margin - satisfaction, 0.0, 1.0)
    return (rel.decision_rate * (rel.decision_floor + rel.decision_slope * gap) * (1.0 - hold)
            * (1.0 - rel.commitment_restraint * commitment))


def settle_chance(world: World, satisfaction: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """Weekly chance an endangered customer settles again: only once satisfied again, and more so the more they
    trust the firm. One rule, read by the week's transitions and by the classroom's customer equity.
    """
    rel = world.relationship
    return np.where(satisfaction > rel.at_risk_threshold, rel.recovery_rate * (rel.settle_trust_floor + trust), 0.0)


def _move(pop: Population, ids: np.ndarray, stage: int) -> None:
    pop.stage[ids] = stage
    pop.weeks_in_stage[ids] = 0


def respond(
    pop: Population,
    world: World,
    policies: Policies,
    mods: Modifiers,
    rng: np.random.Generator,
    log: WeekLog,
    week: int,
    product_quality: float,
) -> None:
    """Update feelings, then move customers between stages."""
    # One uniform per customer serves every move: the moves of different stages never compete for
    # the same customer, and within a stage, competing moves split the unit interval. Given u < p,
    # u / p is again uniform (used for the cause). This keeps the draws per week fixed (paired).
    u = rng.random(pop.n, dtype=np.float32)
    rel = world.relationship
    price = policies.pricing.price_index

    update_feelings(pop, world, mods, product_quality, price_feeling(world, policies))
    pop.weeks_in_stage += 1
    if world.btyd.enabled:
        _socialize_and_grow(pop, world)
        return

    # hazards are computed only for those who can move (prospects, most of the market, cannot)
    stage = pop.stage
    able = np.flatnonzero(((stage >= NEW) & (stage <= MATURITY)) | (stage == WON_BACK))
    held = lock_in(pop, world, week, able, price)
    h = endangerment_hazard(pop, world, policies, mods, week, able) * (1.0 - rel.contract_hold * held)
    hit = u[able] < h
    to_risk = able[hit]
    pop.prev_stage[to_risk] = stage[to_risk]
    low_sat = pop.satisfaction[to_risk] < rel.at_risk_threshold
    serviced = pop.complaints[to_risk] > 0.5
    tempted = u[to_risk] < rel.competitor_share * h[hit]  # given u < h, u / h is uniform: competitor, else price
    cause = np.where(serviced, SERVICE, np.where(low_sat, DISENGAGEMENT, np.where(tempted, COMPETITOR, PRICE)))
    pop.risk_cause[to_risk] = cause
    _move(pop, to_risk, AT_RISK)
    log.count("endangerments", to_risk.size)

    # endangered customers settle or decide to leave (not in the week they became endangered)
    ar = np.flatnonzero((stage == AT_RISK) & (pop.weeks_in_stage > 1))
    sat, uu = pop.satisfaction[ar], u[ar]
    p_settle = settle_chance(world, sat, pop.trust[ar])
    settle = uu < p_settle
    settled = ar[settle]
    pop.stage[settled] = pop.prev_stage[settled]
    pop.weeks_in_stage[settled] = 0
    p_decide = decision_chance(world, sat, pop.commitment[ar], lock_in(pop, world, week, ar, price))
    # a fixed-term contract that ends this week forces the decision
    renewing = (pop.contract[ar] >= 2) & (pop.contract_end_week[ar] == week)
    p_decide = np.where(renewing, np.maximum(p_decide, rel.renewal_decision), p_decide)
    u_rest = (uu - p_settle) / np.maximum(1.0 - p_settle, 1e-6)  # uniform again among those who did not settle
    deciders = ar[~settle & (u_rest < p_decide)]
    _move(pop, deciders, TERMINATING)
    pop.notice_week[deciders] = week
    log.add("notices", customer=deciders.astype(np.int32), contract=pop.contract[deciders])
    log.count("notices", deciders.size)

    # contracts renew at the end of their term unless a notice is running
    renew = (np.flatnonzero((pop.contract >= 2) & (pop.contract_end_week == week) & (pop.stage != TERMINATING))
             if world.contracts.enabled else np.empty(0, dtype=np.int64))
    pop.contract_end_week[renew] += np.where(pop.contract[renew] == 2, 52, 104).astype(np.int32)
    if renew.size:
        log_contract_terms(pop, renew, week, log, renewal=True)

    # terminating relationships end: notice runs out, or buying fades into dormancy
    terminating = np.flatnonzero(pop.stage == TERMINATING)  # few: the rules are read for them only
    contract, waited = pop.contract[terminating], pop.weeks_in_stage[terminating]
    notice_done = (contract > 0) & (week - pop.notice_week[terminating] >= world.contracts.notice_weeks)
    lapsed = (contract == 0) & (waited >= rel.lapse_weeks)
    ended = terminating[(notice_done | lapsed) & (waited > 0)]
    _move(pop, ended, DORMANT)
    pop.churn_week[ended] = week
    pop.churn_cause[ended] = pop.risk_cause[ended]
    pop.notice_week[ended] = -1
    log.add("terminations", customer=ended.astype(np.int32), cause=pop.churn_cause[ended])
    log.count("terminations", ended.size)

    # dormant: spontaneous return, or loss after too long
    dormant = pop.stage == DORMANT
    back = np.flatnonzero(dormant & (pop.weeks_in_stage > 1) & (u < rel.spontaneous_return))
    _move(pop, back, WON_BACK)
    pop.cycles[back] += 1
    pop.satisfaction[back] = np.maximum(pop.satisfaction[back], pop.baseline[back] - pop.grudge[back])
    restart_contracts(pop, back, world, week, log)
    lost = np.flatnonzero((pop.stage == DORMANT) & (pop.weeks_in_stage >= rel.dormant_to_lost_weeks))
    _move(pop, lost, LOST)
    log.count("winbacks_spontaneous", back.size)
    log.count("losses", lost.size)

    _socialize_and_grow(pop, world)


def _socialize_and_grow(pop: Population, world: World) -> None:
    """New and won-back customers move to growth; growth matures when buying saturates."""
    rel = world.relationship
    stage = pop.stage
    grow = ((stage == NEW) | (stage == WON_BACK)) & (pop.weeks_in_stage >= rel.new_weeks)
    _move(pop, np.flatnonzero(grow), GROWTH)
    mature = (stage == GROWTH) & (
        (pop.weeks_in_stage >= rel.growth_weeks) | ((pop.categories >= world.traits.categories) & (pop.weeks_in_stage >= 8))
    )
    _move(pop, np.flatnonzero(mature), MATURITY)

