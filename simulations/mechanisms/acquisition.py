"""Acquisition (获取): prospects become new customers through marketing and word of mouth.

Marketing reach per channel follows a saturating curve of the weekly budget (diminishing
returns). Word of mouth travels over the social network stored as an integer array
``friends[i, slot]``; referrals received per prospect are counted with numpy over the week's
referrers only (no graph library: it is the bottleneck at a million customers). About 60% of new
customers come through referrals in the sources (docs/COURSE.md §3); the default scenarios are tuned
toward it.
"""

from __future__ import annotations

import numpy as np

from simulations.arrays import select
from simulations.config import ACQUISITION_CHANNELS, Policies, World
from simulations.mechanisms.events import Modifiers
from simulations.population import ACQ_INITIAL, ACQ_REFERRAL, Population
from simulations.stages import AT_RISK, GROWTH, MATURITY, NEW, PROSPECT, WON_BACK
from simulations.weeklog import WeekLog


def seed_customer_base(pop: Population, world: World, rng: np.random.Generator) -> None:
    """Make a share of the first people existing customers, spread over the lifecycle stages."""
    n = pop.n
    share = world.market.initial_customer_share
    is_customer = rng.random(n) < share
    ids = np.flatnonzero(is_customer)
    k = ids.size
    stages = rng.choice(
        [NEW, GROWTH, MATURITY, AT_RISK], size=k,
        p=[world.market.initial_new_share, world.market.initial_growth_share, world.market.initial_maturity_share,
           world.market.initial_at_risk_share],
    ).astype(np.int8)
    tenure = np.where(
        stages == NEW,
        rng.integers(1, world.relationship.new_weeks + 1, k),
        world.relationship.new_weeks + rng.integers(0, 3 * world.relationship.growth_weeks, k),
    )
    pop.stage[ids] = stages
    pop.prev_stage[ids] = np.where(stages == AT_RISK, MATURITY, stages)
    pop.signup_week[ids] = -tenure
    pop.entered_week[ids] = -tenure
    pop.weeks_in_stage[ids] = np.minimum(tenure, rng.integers(1, 30, k))
    pop.acquisition_channel[ids] = ACQ_INITIAL
    pop.categories[ids] = np.minimum(1 + rng.poisson(np.where(stages == NEW, 0.0, 1.0)), world.traits.categories)
    pop.commitment[ids] = np.minimum(world.relationship.commitment_growth * tenure, world.market.initial_commitment_cap)
    pop.last_purchase_week[ids] = -rng.integers(1, 9, k)
    fixed = pop.contract[ids] >= 2
    term = np.where(pop.contract[ids] == 2, 52, 104)
    pop.contract_end_week[ids] = np.where(fixed, rng.integers(1, term + 1), -1)
    pop.spend_52[ids] = (pop.purchase_rate[ids] * pop.spend_mean[ids] * 52).astype(np.float32)


def reach(policies: Policies, mods: Modifiers) -> np.ndarray:
    """Share of prospects each acquisition channel reaches this week (saturating in budget)."""
    a = policies.acquisition
    budgets = np.array([a.budget.get(c, 0.0) for c in ACQUISITION_CHANNELS])
    r = a.max_reach * (1.0 - np.exp(-budgets / a.half_reach_budget)) * mods.acquisition_reach
    return np.clip(r, 0.0, 1.0)


def price_pull(price: float, world: World) -> float:
    """How our price, against the competitor's, scales a customer's choice of us (1 at equal prices).

    Why one function: a prospect's first purchase and a lapsed customer's answer to a coupon weigh
    our price the same way (``traits.price_sensitivity``).
    """
    return float((price / world.competitor.price_index) ** -world.traits.price_sensitivity)


def attraction(world: World, policies: Policies, mods: Modifiers, product_quality: float) -> float:
    """How attractive the offer is to a prospect, relative to the competitor (1 = neutral)."""
    price = price_pull(policies.pricing.price_index, world)
    held_back = 1.0 + world.competitor.conversion_weight * world.competitor.attractiveness
    return float(price * mods.acquisition_conversion * (1.0 + product_quality) / held_back)


def respond(
    pop: Population,
    world: World,
    policies: Policies,
    mods: Modifiers,
    rng: np.random.Generator,
    log: WeekLog,
    week: int,
    product_quality: float,
) -> np.ndarray:
    """Convert reached and referred prospects; return the ids of this week's new customers."""
    n = pop.n
    u_acq = rng.random(n, dtype=np.float32)
    u_refer = rng.random(n, dtype=np.float32)
    u_wom = rng.random(n, dtype=np.float32)

    prospect = pop.stage == PROSPECT
    attract = attraction(world, policies, mods, product_quality)
    per_channel = reach(policies, mods) * min(policies.acquisition.conversion * attract, 1.0)
    p_marketing = 1.0 - np.prod(1.0 - per_channel)
    by_marketing = prospect & (u_acq < p_marketing)

    # word of mouth: delighted customers recommend the firm to one acquaintance
    rel = world.relationship
    active = np.flatnonzero((pop.stage >= NEW) & (pop.stage <= MATURITY) | (pop.stage == WON_BACK))
    delight = np.clip((pop.satisfaction[active] - rel.promoter_satisfaction) / (1 - rel.promoter_satisfaction), 0, 1)
    bonus = 1.0 + min(policies.acquisition.referral_bonus / 50.0, 2.0)
    member = pop.community_member[active] & policies.community.enabled
    lift = select(member, 1.0 + world.community.referral_lift, 1.0)
    p_refer = rel.referral_rate * delight * bonus * lift * mods.referral
    refer = u_refer[active] < p_refer
    referrers = active[refer]
    # given u < p, u / p is again uniform: it picks which acquaintance hears the recommendation
    slot = np.minimum((u_refer[referrers] / p_refer[refer] * pop.degree).astype(np.int32), max(pop.degree - 1, 0))
    wom_ids = np.empty(0, dtype=np.int64)  # converted by a recommendation (ascending) and who recommended them
    wom_by = np.empty(0, dtype=np.int64)
    if referrers.size and pop.degree:
        targets = pop.friends[referrers, slot]
        # recommendations received per person, aggregated over the referrers only (not all n people);
        # np.unique's first index credits the first recommender of each converted prospect
        heard, first, received = np.unique(targets, return_index=True, return_counts=True)
        p_wom = 1.0 - (1.0 - min(rel.referral_conversion * attract, 1.0)) ** received
        converts = prospect[heard] & ~by_marketing[heard] & (u_wom[heard] < p_wom)
        wom_ids = heard[converts].astype(np.int64)  # np.unique's output is sorted
        wom_by = referrers[first[converts]]

    mkt_ids = np.flatnonzero(by_marketing)
    new_ids = np.sort(np.concatenate([mkt_ids, wom_ids]))  # disjoint sets: their union, without passes over everyone
    cum = np.cumsum(per_channel) / max(per_channel.sum(), 1e-12)
    # given u < p, u / p is uniform: it picks the channel in proportion to each channel's pull
    channel = np.searchsorted(cum, u_acq[mkt_ids] / max(p_marketing, 1e-12))
    pop.acquisition_channel[mkt_ids] = np.minimum(channel, len(cum) - 1)
    pop.acquisition_channel[wom_ids] = ACQ_REFERRAL
    if wom_ids.size:
        pop.referred_by[wom_ids] = wom_by
        pop.satisfaction[wom_ids] += rel.referral_warmth  # a friend's recommendation sets expectations warmly
    start_relationship(pop, new_ids, world, week, log)

    log.add("acquisitions", customer=new_ids.astype(np.int32), channel=pop.acquisition_channel[new_ids],
            referred_by=pop.referred_by[new_ids], **signup_record(pop, new_ids))
    log.count("acquisitions", new_ids.size)
    log.count("acquisitions_referral", wom_ids.size)
    spend = sum(policies.acquisition.budget.values()) * world.market.size_scale  # budgets are stated for the reference size
    log.cost("acquisition", spend + policies.acquisition.referral_bonus * wom_ids.size + world.costs.signup_cost * new_ids.size)
    return new_ids


def signup_record(pop: Population, ids: np.ndarray) -> dict[str, np.ndarray]:
    """What the sign-up form and the contract put in the firm's records (no hidden traits)."""
    return {"tier": pop.tier[ids], "contract": pop.contract[ids], "contract_end_week": pop.contract_end_week[ids],
            "consent": pop.consent[ids], "signup_week": pop.signup_week[ids]}


def initial_records(pop: Population) -> dict[str, np.ndarray]:
    """The firm's migrated records of its existing customers at week 0 (sign-up, contract, last order)."""
    ids = np.flatnonzero(pop.stage != PROSPECT)
    return {"customer": ids.astype(np.int32), **signup_record(pop, ids), "last_order_week": pop.last_purchase_week[ids]}


def start_relationship(pop: Population, ids: np.ndarray, world: World, week: int, log: WeekLog) -> None:
    """Turn prospects into new customers (socialization stage, 社会化期).

    Contract customers sign their contract now; the signing is noted in the week's log
    (``contract_terms``) so the billing records are written from what happened, not from the end state.
    """
    pop.stage[ids] = NEW
    pop.prev_stage[ids] = NEW
    pop.weeks_in_stage[ids] = 0
    pop.signup_week[ids] = week
    pop.cycles[ids] += 1
    sign_term(pop, ids, week)
    if world.contracts.enabled:
        log_contract_terms(pop, ids, week, log, renewal=False)


def sign_term(pop: Population, ids: np.ndarray, week: int) -> None:
    """A fixed-term contract (one or two years) signed this week runs 52 or 104 weeks; others have no end."""
    fixed = pop.contract[ids] >= 2
    term = np.where(pop.contract[ids] == 2, 52, 104)
    pop.contract_end_week[ids] = np.where(fixed, week + term, -1)


def log_contract_terms(pop: Population, ids: np.ndarray, week: int, log: WeekLog, renewal: bool) -> None:
    """Note contracts that start this week (a signing or a renewal): customer, type, start and end week.

    Keys of ``contract_terms``: ``customer``, ``contract`` (index in CONTRACT_TYPES), ``start_week``,
    ``end_week`` (last week of the fixed term; -1 for month-to-month), ``renewal`` and ``monthly_fee``
    (the fee the term starts at). Draws nothing.
    """
    signed = ids[pop.contract[ids] > 0]
    log.add("contract_terms", customer=signed.astype(np.int32), contract=pop.contract[signed].copy(),
            start_week=np.full(signed.size, week, np.int32), end_week=pop.contract_end_week[signed].copy(),
            renewal=np.full(signed.size, renewal), monthly_fee=pop.monthly_fee[signed].copy())
