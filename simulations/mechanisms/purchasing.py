"""Purchasing: how often customers buy and how much they spend, and cross-buying in growth.

Each customer has a latent weekly purchase rate and a mean spend (gamma heterogeneity, drawn when
they enter the market). This week's rate is modulated by stage, satisfaction, price, loyalty tier
and the value the customer is growing into (potential value, docs/COURSE.md §2). Order counts come
from Poisson inverse transforms of uniforms drawn for every customer, so the draws never depend
on a policy (common random numbers). In BTYD mode buying and dropout follow BG/NBD exactly.
"""

from __future__ import annotations

import numpy as np

from simulations.config import Policies, World
from simulations.mechanisms.events import Modifiers
from simulations.mechanisms.marketing import CAMPAIGN_TYPES, CROSS_SELL, ONBOARDING, RETENTION
from simulations.mechanisms.products import add_product
from simulations.population import CAUSES, Population
from simulations.rng import logistic_lognormal_mean, unit_logistic
from simulations.stages import GROWTH, LOST, MATURITY, NEW, TERMINATING, WON_BACK
from simulations.weeklog import WeekLog

DROPOUT = CAUSES.index("dropout")


def stage_buying(world: World) -> np.ndarray:
    """Buying by lifecycle stage relative to maturity, indexed by stage code (``world.relationship.buying_*``).

    Prospects, dormant and lost people do not buy (0). Why a function of the world: the sizes are
    chosen, so a researcher varies them per scenario like any other behavioural constant.
    """
    r = world.relationship
    return np.array([0.0, r.buying_new, r.buying_growth, r.buying_maturity, r.buying_at_risk, r.buying_terminating,
                     0.0, r.buying_won_back, 0.0], dtype=np.float32)


def poisson_from_uniform(rate: np.ndarray, u: np.ndarray, max_k: int = 50) -> np.ndarray:
    """Poisson counts by inverse transform: the same uniform gives monotone counts in the rate."""
    counts = np.zeros(rate.shape, dtype=np.int16)
    p = np.exp(-rate.astype(np.float64))
    idx = np.flatnonzero(u > p)
    if idx.size == 0:
        return counts
    lam = rate[idx].astype(np.float64)
    uu = u[idx]
    term = p[idx]
    cdf = term.copy()
    k = np.zeros(idx.size, dtype=np.int16)
    live = np.ones(idx.size, dtype=bool)
    for j in range(1, max_k + 1):
        k[live] = j
        term = term * lam / j
        cdf = cdf + term
        live &= uu > cdf
        if not live.any():
            break
    counts[idx] = k
    return counts


def dropouts(pop: Population, orders: np.ndarray, first: np.ndarray, u_drop: np.ndarray) -> np.ndarray:
    """BG/NBD dropout: who dies this week, with their orders cut at the purchase after which they die.

    After each repeat purchase a customer drops out with probability p, so the number of purchases
    until dropout is geometric: one uniform says after which of this week's purchases it happens.
    Purchases after that one never take place, which keeps weekly data faithful to BG/NBD.
    """
    p = np.clip(pop.dropout_p, 1e-12, 1.0 - 1e-9)
    until_death = np.ceil(np.log(np.maximum(u_drop, 1e-12)) / np.log1p(-p))
    dead = np.flatnonzero((orders > 0) & ~first & (until_death <= orders))
    orders[dead] = until_death[dead].astype(orders.dtype)
    return dead


def redeem_offers(pop: Population, buyers: np.ndarray, spent: np.ndarray, week: int,
                  log: WeekLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Buyers who accepted an offer, pocketed one, or hold a welcome coupon, use it: the discount is the offer's cost.

    Returns, per buyer, the campaign type answered (-1: none), the discount and whether the order
    opens a new category (an accepted cross-sell).
    """
    kind = pop.offer_kind[buyers]
    # a personal offer (cross-sell, retention, win-back) is used on the order that accepts it; the
    # onboarding coupon waits for the new customer's next order within its window
    held = pop.offer_take[buyers] | pop.offer_pocketed[buyers] | (kind == ONBOARDING)
    used = (kind >= 0) & (pop.offer_expiry[buyers] >= week) & held
    discount = np.where(used, np.minimum(pop.offer_value[buyers], spent), 0.0).astype(np.float32)
    log.cost("marketing", float(discount.sum()))
    for code in np.unique(kind[used]):
        log.count(f"responses_{CAMPAIGN_TYPES[code]}", int((kind[used] == code).sum()))
    campaign = np.where(used, kind, -1).astype(np.int8)
    return campaign, discount, used & (kind == CROSS_SELL) & pop.offer_take[buyers]


def weekly_rate(pop: Population, world: World, policies: Policies, ids: np.ndarray | None = None) -> np.ndarray:
    """Expected orders this week of ``ids`` (default: everyone; 0 for non-customers)."""
    rows = slice(None) if ids is None else ids
    stage = pop.stage[rows]
    if world.btyd.enabled:
        alive = (stage >= NEW) & (stage <= MATURITY)
        return np.where(alive, pop.purchase_rate[rows], 0.0).astype(np.float32)
    rate = pop.purchase_rate[rows] * stage_buying(world)[stage]
    t = world.traits
    feeling = (1.0 - t.buying_trust_weight) * pop.satisfaction[rows] + t.buying_trust_weight * pop.trust[rows]
    rate = rate * (t.buying_floor + t.buying_slope * feeling)
    rate = rate * np.float32(policies.pricing.price_index ** -world.traits.price_sensitivity)
    rate = rate * (1.0 + t.category_purchase_lift * (pop.categories[rows] - 1))
    if policies.loyalty.enabled:
        rate = rate * (1.0 + world.traits.loyalty_purchase_boost * (pop.loyalty_member[rows] + pop.loyalty_tier[rows]))
    welcomed = np.flatnonzero(pop.offer_kind[rows] == ONBOARDING)
    rate[welcomed] *= np.float32(1.0 + world.traits.onboarding_lift)
    return rate.astype(np.float32)


def buying(pop: Population) -> np.ndarray:
    """Ids of people who can buy this week: prospects, dormant and lost customers never do."""
    stage = pop.stage
    return np.flatnonzero((stage >= NEW) & (stage <= TERMINATING) | (stage == WON_BACK))


def respond(
    pop: Population,
    world: World,
    policies: Policies,
    mods: Modifiers,
    rng: np.random.Generator,
    log: WeekLog,
    week: int,
) -> None:
    """Customers buy; new customers make their first purchase; growth customers cross-buy."""
    n = pop.n
    u_orders, u_spend, u_cross = rng.random((3, n), dtype=np.float32)
    u_drop = rng.random(n, dtype=np.float32) if world.btyd.enabled else None

    holders = np.flatnonzero(pop.offer_kind >= 0)
    pop.offer_kind[holders[pop.offer_expiry[holders] < week]] = -1  # offers that ran out
    takers = np.flatnonzero(pop.offer_take)
    # rates and counts only for people who can buy (stage buying is 0 for the rest): same counts, less work
    can_buy = buying(pop)
    orders = np.zeros(n, dtype=np.int16)
    orders[can_buy] = poisson_from_uniform(weekly_rate(pop, world, policies, can_buy), u_orders[can_buy])
    # an order placed early to take a retention offer replaces the customer's next own order
    # (promotions mostly move purchases forward in time; they add few)
    ahead = np.flatnonzero((pop.orders_ahead > 0) & (orders > 0))
    early = np.minimum(orders[ahead], pop.orders_ahead[ahead])
    orders[ahead] -= early
    pop.orders_ahead[ahead] -= early
    first = pop.signup_week == week
    first[takers] = True  # an accepted offer is used at once, like a first purchase
    kept = takers[(pop.offer_kind[takers] == RETENTION) & (orders[takers] == 0)]
    pop.orders_ahead[kept] += 1
    firsts = np.flatnonzero(first)
    orders[firsts] = np.maximum(orders[firsts], 1)
    dead = dropouts(pop, orders, first, u_drop) if u_drop is not None else np.empty(0, dtype=np.int64)

    t = world.traits
    pop.value_multiplier += t.potential_growth * (pop.potential - pop.value_multiplier)
    buyers = np.flatnonzero(orders > 0)
    noise = np.exp(t.order_noise_sd * unit_logistic(u_spend[buyers])) / logistic_lognormal_mean(t.order_noise_sd)
    spent = orders[buyers] * pop.spend_mean[buyers] * pop.value_multiplier[buyers] * noise
    spent = spent * np.float32(policies.pricing.price_index) * (1.0 + t.category_spend_lift * (pop.categories[buyers] - 1))
    campaign, discount, new_category = redeem_offers(pop, buyers, spent, week, log)

    # only buyers spend: their rows are written, nobody else's (no spend array over everyone)
    bought = orders[buyers]
    pop.week_orders[:] = orders
    pop.week_spend[:] = 0.0
    pop.week_spend[buyers] = spent
    pop.n_orders[buyers] += bought
    pop.total_spend[buyers] += spent
    pop.spend_52 *= np.float32(51 / 52)
    pop.spend_52[buyers] += spent
    pop.last_purchase_week[buyers] = week

    if not world.btyd.enabled:
        growing = buyers[(pop.stage[buyers] == GROWTH) & (pop.categories[buyers] < t.categories)]
        add_product(pop, growing[u_cross[growing] < t.cross_buy_rate], world, log)
    else:
        pop.stage[dead] = LOST
        pop.weeks_in_stage[dead] = 0
        pop.churn_week[dead] = week
        pop.churn_cause[dead] = DROPOUT
        log.count("terminations", dead.size)

    log.add("orders", customer=buyers.astype(np.int32), orders=bought, amount=spent,
            categories=pop.categories[buyers], campaign=campaign, offer_week=pop.offer_week[buyers],
            discount=discount, new_category=new_category)
    used = campaign >= 0
    pop.offer_kind[buyers[used]] = -1
    pop.offer_pocketed[buyers[used]] = False
    pop.offer_take[takers] = False
    log.count("orders", float(bought.sum()))
    log.count("revenue_orders", float(spent.sum()))
