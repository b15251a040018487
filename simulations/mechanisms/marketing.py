"""Marketing by stage: onboarding, cross-/up-sell (拓展), retention offers (维系), win-back (恢复).

Each stage gets its own campaign (the stage strategies of docs/COURSE.md §1). Whom to contact is the
firm's decision, so it reads only the firm's view (:mod:`simulations.firm`): perceived stages,
the churn-risk and uplift scores fitted on its records, recorded tenure, categories bought and
channel consent. How a contacted customer reacts is the customer's own mechanism and may read
their hidden state (responsiveness, whether they are really at risk, sleeping dogs).

A contact hands the customer an offer (a coupon valid ``response_weeks``). Accepting is behaviour:
the customer orders with the coupon (a cross-sell order opens a new category, a win-back order
ends dormancy), the discount is booked as a marketing cost on that order, and the response in
the data is that order. Onboarding's welcome coupon lifts buying while held. Contacts cost money;
too many contacts, or a channel a customer dislikes, cost goodwill; contacting without consent is
a recorded breach. Some customers are "sleeping dogs": a retention contact makes leaving likelier.
"""

from __future__ import annotations

import numpy as np

from simulations.config import CAMPAIGN_TYPES, CONTACT_CHANNELS, Campaign, Policies, Responses, World
from simulations.firm import FirmView
from simulations.mechanisms.acquisition import log_contract_terms, price_pull, sign_term
from simulations.mechanisms.economics import WEEKS_PER_MONTH, weekly_fee
from simulations.mechanisms.events import Modifiers
from simulations.mechanisms.products import add_product
from simulations.population import Population
from simulations.stages import AT_RISK, DORMANT, GROWTH, MATURITY, NEW, TERMINATING, WON_BACK, is_active
from simulations.weeklog import WeekLog

ONBOARDING, CROSS_SELL, RETENTION, WIN_BACK = (CAMPAIGN_TYPES.index(t)
                                             for t in ("onboarding", "cross_sell", "retention", "win_back"))


def top_k(score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first (linear-time selection, then a small sort)."""
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k < score.size:
        part = np.argpartition(-score, k - 1)[:k]
    else:
        part = np.arange(score.size)
    return part[np.argsort(-score[part], kind="stable")]


def offer_pull(offer: float, rs: Responses) -> float:
    """How strongly an offer of this depth (share of a month's value) pulls a contacted customer.

    Why concave: the first points of discount win most of the customers a discount can win; deeper
    ones mostly pay people who would have come for less (ADBUDG's shape, Little 1970). For small
    offers it is ``floor + slope x offer``; it levels off at ``floor + slope x saturation``.
    """
    sat = rs.strength_saturation
    return float(rs.strength_floor + rs.strength_slope * sat * -np.expm1(-offer / sat))


def reference_price_loss(deepest: float | np.ndarray, rs: Responses) -> float | np.ndarray:
    """How far below its old level satisfaction settles for a customer whose deepest deal taken is this deep.

    Why: a customer who pays a deal price learns it as the price to expect (reference prices formed
    by promotions, Kalwani & Yim 1992); paying the list price afterwards then feels like a loss. Deals
    within the latitude of price acceptance (Kalyanaram & Little 1994) leave the reference where it
    was, so ordinary offers cost only their discount and only deep ones teach customers to wait for
    the next deal. The deepest deal sets the expected price; the same deal again teaches nothing
    new. This is what bounds a generous offer where the discount itself is cheap against the
    customer it keeps or wins back.
    """
    return rs.deal_reference_loss * np.maximum(deepest - np.float32(rs.deal_price_latitude), 0.0)


def _due(c: Campaign, week: int) -> bool:
    return c.enabled and week % c.every_weeks == 0


def scaled_k(k: int, world: World) -> int:
    """Customers per retention wave at this market size: ``k`` is stated for the reference size."""
    return int(round(k * world.market.size_scale))


def select_retention(firm: FirmView, policies: Policies, world: World, week: int,
                     u_assign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who gets a retention offer this wave, and (for experiments) the control group.

    Candidates are customers the firm sees as current or at risk, plus those whose notice runs
    (the last chance to keep them). A firm that respects channel preferences draws the list from
    those who consented to the campaign's channel, so ``k`` is the number of calls placed (as a CRM
    applies its suppression list before selecting). ``all`` and ``random`` take the flagged ones
    (perceived at risk or terminating); ``top_k`` ranks every candidate by churn risk, ``uplift`` by
    estimated uplift.
    """
    r = policies.marketing.retention
    empty = np.empty(0, dtype=np.int64)
    if not _due(r, week) or r.targeting == "none":
        return empty, empty
    perceived = firm.perceived(week)
    candidates = np.flatnonzero(((perceived >= NEW) & (perceived <= TERMINATING)) | (perceived == WON_BACK))
    channel = CONTACT_CHANNELS.index(r.channel)
    if policies.marketing.respect_channel_preferences:  # the list is drawn from those the firm may call: k calls
        candidates = candidates[(firm.records.consent[candidates] >> channel) & 1 == 1]
    k = scaled_k(r.k, world)
    if r.targeting == "uplift":
        chosen = candidates[top_k(firm.uplift(week, candidates, channel), k)]
        held = u_assign[chosen] < r.holdout  # a random part of the wave is the control the uplift model learns from
        return chosen[~held], chosen[held]
    if r.targeting == "top_k":
        return candidates[top_k(firm.retention_risk(week, candidates), k)], empty
    flagged = candidates[(perceived[candidates] == AT_RISK) | (perceived[candidates] == TERMINATING)]
    if r.targeting == "all":
        return flagged, empty
    treat = u_assign[flagged] < r.treat_share
    return flagged[treat], flagged[~treat]


def wave_targets(firm: FirmView, policies: Policies, world: World, week: int,
                 u_assign: np.ndarray) -> tuple[list[tuple[int, Campaign, np.ndarray]], np.ndarray]:
    """The week's waves as (campaign type, campaign, ids) and the retention control group, from the firm's view."""
    m, rec = policies.marketing, firm.records
    waves: list[tuple[int, Campaign, np.ndarray]] = []
    if _due(m.onboarding, week):
        tenure = week - rec.signup_week  # the welcome goes out after the first purchase, for the second
        waves.append((ONBOARDING, m.onboarding,
                      np.flatnonzero(rec.known & (tenure >= 1) & (tenure < 1 + m.onboarding.every_weeks))))
    if _due(m.cross_sell, week) or _due(m.win_back, week):
        perceived = firm.perceived(week)
        if _due(m.cross_sell, week):
            growing = (perceived == GROWTH) | (perceived == MATURITY)
            waves.append((CROSS_SELL, m.cross_sell, np.flatnonzero(growing & (rec.categories_bought < world.traits.categories))))
    treated, control = select_retention(firm, policies, world, week, u_assign)
    if treated.size or control.size:
        waves.append((RETENTION, m.retention, treated))
    if _due(m.win_back, week):
        waves.append((WIN_BACK, m.win_back, np.flatnonzero(firm.perceived(week) == DORMANT)))
    return waves, control


def respond(
    pop: Population,
    world: World,
    policies: Policies,
    mods: Modifiers,
    rng: np.random.Generator,
    log: WeekLog,
    week: int,
    firm: FirmView,
) -> None:
    """The firm contacts customers it chose from its records; customers take offers (or resent them)."""
    n = pop.n
    u_resp, u_assign = rng.random((2, n), dtype=np.float32)
    m = policies.marketing
    rs = world.responses
    pop.fatigue *= np.float32(rs.fatigue_memory)
    waves, control = wave_targets(firm, policies, world, week, u_assign)
    if control.size:
        firm.note_experiment(week, next(ids for kind, _, ids in waves if kind == RETENTION), control)

    for kind, campaign, targets in waves:
        channel = CONTACT_CHANNELS.index(campaign.channel)
        consented = (firm.records.consent[targets] >> channel) & 1 == 1
        ids = targets[consented] if m.respect_channel_preferences else targets
        consented = consented[consented] if m.respect_channel_preferences else consented
        took = _respond_to(kind, campaign, pop, ids, u_resp, world, week, log, policies.pricing.price_index)
        # a customer who orders on a deal is tied by the deal: the deeper it is, the less committed they stay
        bought = ids[took]
        pop.commitment[bought] = np.maximum(pop.commitment[bought] - np.float32(rs.deal_commitment_loss * campaign.offer), 0.0)
        # a deal deeper than any they took before, and than they take in stride, resets the price they find fair
        seen = pop.deal_depth[bought]
        deeper = np.maximum(seen, np.float32(campaign.offer))
        lower = (reference_price_loss(deeper, rs) - reference_price_loss(seen, rs)).astype(np.float32)
        pop.grudge[bought] = np.minimum(pop.grudge[bought] + lower, pop.baseline[bought])
        pop.deal_depth[bought] = deeper
        disliked = pop.disliked_channel[ids] == channel
        annoyed = np.where(disliked, rs.disliked_channel_shock, 0.0) + np.where(consented, 0.0, rs.no_consent_shock)
        pop.shock[ids] -= annoyed.astype(np.float32)
        pop.fatigue[ids] += 1.0
        log.cost("marketing", world.costs.contact_cost.get(campaign.channel, 0.0) * ids.size)
        log.add("contacts", customer=ids.astype(np.int32), campaign=np.full(ids.size, kind, np.int8),
                channel=np.full(ids.size, channel, np.int8), offer=np.full(ids.size, campaign.offer, np.float32),
                treated=np.ones(ids.size, bool), accepted=took, consented=consented,
                randomised=np.full(ids.size, kind == RETENTION and control.size > 0))
        name = CAMPAIGN_TYPES[kind]
        log.count(f"contacts_{name}", ids.size)
        log.count(f"acceptances_{name}", int(took.sum()))
        log.count("consent_breaches", int((~consented).sum()))
        if kind == RETENTION and control.size:
            log.add("contacts", customer=control.astype(np.int32), campaign=np.full(control.size, RETENTION, np.int8),
                    channel=np.full(control.size, channel, np.int8), offer=np.zeros(control.size, np.float32),
                    treated=np.zeros(control.size, bool), accepted=np.zeros(control.size, bool),
                    consented=np.ones(control.size, bool), randomised=np.ones(control.size, bool))

    over = pop.fatigue - m.fatigue_limit
    if rs.fatigue_shock >= 0:  # then nobody under the limit is shocked: subtract for the tired only
        tired = np.flatnonzero(over > 0)
        pop.shock[tired] -= (rs.fatigue_shock * over[tired]).astype(np.float32)
    else:
        pop.shock -= (rs.fatigue_shock * np.maximum(over, 0.0)).astype(np.float32)


def _give_offer(pop: Population, ids: np.ndarray, kind: int, c: Campaign, value: np.ndarray, week: int) -> None:
    pop.offer_kind[ids] = kind
    pop.offer_value[ids] = value
    pop.offer_week[ids] = week
    pop.offer_expiry[ids] = week + c.response_weeks - 1
    pop.offer_pocketed[ids] = False


def _respond_to(kind: int, c: Campaign, pop: Population, ids: np.ndarray, u: np.ndarray, world: World,
                week: int, log: WeekLog, price: float = 1.0) -> np.ndarray:
    """The contacted customers' reaction (their own mechanism); return who accepted the offer.

    An accepting customer orders with the coupon this week (``offer_take``); purchasing records the
    order, its discount and the campaign it answers.
    """
    # the offer is a share off the accepting order and, for a subscriber, off one month's fee, at our
    # current price: "15% off your next order" is what a retailer's coupon means
    basis = (pop.spend_mean[ids] * pop.value_multiplier[ids] + pop.monthly_fee[ids]) * np.float32(price)
    stage = pop.stage[ids]
    uu = u[ids]
    rs = world.responses
    # an offer is weighed against the market: at a price above the competitor's it pulls less (the same
    # elasticity that governs buying and first purchases; a dormant customer does not come back for a
    # coupon from a firm that charges four times the market's price)
    strength = offer_pull(c.offer, rs) * price_pull(price, world)
    _give_offer(pop, ids, kind, c, c.offer * basis, week)
    if kind == ONBOARDING:
        pop.shock[ids] += rs.onboarding_goodwill
        pop.trust[ids] += rs.onboarding_goodwill
        return np.zeros(ids.size, bool)  # the welcome coupon is used (or not) on the customer's next order
    if kind == CROSS_SELL:
        yes = uu < rs.cross_sell_take * strength
        add_product(pop, ids[yes], world, log)
        pop.offer_take[ids[yes]] = True
        return yes
    if kind == WIN_BACK:
        yes = (stage == DORMANT) & (uu < rs.win_back_take * pop.responsiveness[ids] * strength)
        # the records call a rare buyer dormant who is not: handed a "come back" coupon, they keep it for
        # the order they would have placed anyway (as a retention offer to someone not leaving)
        pocket = (stage != DORMANT) & (uu < rs.wasted_offer_take * strength)
        pop.offer_pocketed[ids[pocket]] = True
        back = ids[yes]
        pop.stage[back] = WON_BACK
        pop.weeks_in_stage[back] = 0
        pop.cycles[back] += 1
        pop.satisfaction[back] = np.maximum(pop.satisfaction[back], pop.baseline[back] - pop.grudge[back])
        pop.offer_take[back] = True
        restart_contracts(pop, back, world, week, log)
        start_fee_deal(pop, back, kind, c, world, week)
        return yes | pocket
    # retention: endangered customers may accept; others pocket the discount or resent the contact
    endangered = (stage == AT_RISK) | (stage == TERMINATING)
    # a customer still stocked up from an earlier retention order has nothing to order the coupon on
    stocked = pop.orders_ahead[ids] > 0
    accept = endangered & ~stocked & (uu < np.minimum(pop.responsiveness[ids] * strength, rs.retention_take_cap))
    saved = ids[accept]
    withdrawn = saved[pop.stage[saved] == TERMINATING]
    pop.stage[saved] = np.where(pop.stage[saved] == TERMINATING, MATURITY, pop.prev_stage[saved])
    pop.weeks_in_stage[saved] = 0
    pop.notice_week[withdrawn] = -1
    log.add("notice_withdrawals", customer=withdrawn.astype(np.int32))
    pop.satisfaction[saved] += rs.retention_satisfaction_lift
    pop.commitment[saved] += rs.retention_commitment_lift
    backfire = pop.sleeping_dog[ids] & ~accept & (uu < rs.sleeping_dog_backfire)
    pop.shock[ids[backfire]] -= rs.sleeping_dog_shock
    # customers who were not leaving pocket a richer discount more often (deal-prone buyers): the cost
    # of offers to the wrong people grows with the offer, which is what bounds a generous campaign
    wasted = ~endangered & ~pop.sleeping_dog[ids] & (uu < rs.wasted_offer_take * strength)
    # a saved customer orders with the coupon at once; a customer who was not leaving keeps it for the
    # order they would have placed anyway (a subsidy, not a sale)
    pop.offer_take[saved] = True
    pop.offer_pocketed[ids[wasted]] = True
    start_fee_deal(pop, ids[accept | wasted], kind, c, world, week)
    return accept | wasted


def start_fee_deal(pop: Population, ids: np.ndarray, kind: int, c: Campaign, world: World, week: int) -> None:
    """A subscriber who takes a deal of several months pays a share less on the monthly bills after this one.

    Why: a subscription firm's retention and win-back offers are discounts on the plan for months
    ("20% off for six months"), not one coupon, so the cost of a deeper or longer deal grows with its
    length while the pull on the customer is the same share. The first month is the accepting
    order's coupon (``offer_value``); the rest is billed by :func:`bill_fee_deals`.
    """
    if c.offer_months <= 1 or not world.contracts.enabled or ids.size == 0:
        return
    pop.fee_discount[ids] = c.offer
    pop.fee_discount_until[ids] = week + int(round((c.offer_months - 1) * WEEKS_PER_MONTH))
    pop.fee_discount_kind[ids] = kind


def bill_fee_deals(pop: Population, world: World, policies: Policies, log: WeekLog, week: int) -> None:
    """Book this week's running fee deals of active subscribers as a marketing cost (revenue stays at list fees)."""
    if not world.contracts.enabled:
        return
    running = np.flatnonzero(pop.fee_discount_until >= week)
    running = running[is_active(pop.stage[running])]
    if running.size == 0:
        return
    given = weekly_fee(pop.monthly_fee[running] * pop.fee_discount[running], policies)
    log.cost("marketing", float(given.sum()))
    for code in np.unique(pop.fee_discount_kind[running]):
        log.count(f"fee_discounts_{CAMPAIGN_TYPES[code]}", float(given[pop.fee_discount_kind[running] == code].sum()))


def restart_contracts(pop: Population, ids: np.ndarray, world: World, week: int, log: WeekLog) -> None:
    """A returning contract customer signs a new term; the billing system records it (a reactivation)."""
    if not world.contracts.enabled or ids.size == 0:
        return
    sign_term(pop, ids, week)
    log.add("reactivations", customer=ids.astype(np.int32), contract=pop.contract[ids],
            contract_end_week=pop.contract_end_week[ids])
    log_contract_terms(pop, ids, week, log, renewal=False)
