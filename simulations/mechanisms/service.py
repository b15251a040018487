"""Service (客户服务): needs arise, contacts queue for a weekly capacity per channel.

Waiting follows the shape of a single-server queue (wait grows like rho / (1 - rho) with the
utilisation rho = demand / capacity); callers abandon when the wait exceeds their patience; an
overloaded desk resolves fewer contacts at first contact. Key accounts have a dedicated desk
(首席客户代表). Service recovery lifts satisfaction more than it restores trust, so a recovered
complaint makes a customer happier without making them as safe as one who never had a problem.
"""

from __future__ import annotations

import numpy as np

from simulations.arrays import select
from simulations.config import SERVICE_CHANNELS, Policies, ServiceWorld, World
from simulations.mechanisms.events import Modifiers
from simulations.population import Population
from simulations.stages import is_active
from simulations.weeklog import WeekLog

REASONS: tuple[str, ...] = ("billing", "product", "delivery", "technical", "account", "complaint")


def utilisation(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Demand over capacity per channel (a channel without capacity is infinitely overloaded)."""
    return np.where(capacity > 0, demand / np.maximum(capacity, 1e-9), np.where(demand > 0, np.inf, 0.0))


def by_channel(values: dict[str, float]) -> np.ndarray:
    """A per-channel setting of ``world.service`` as an array in ``SERVICE_CHANNELS`` order."""
    return np.array([values[c] for c in SERVICE_CHANNELS], dtype=np.float32)


def mean_wait(rho: np.ndarray, base_wait: np.ndarray, reference: float = 0.5, pooling: float = 1.0) -> np.ndarray:
    """Mean wait per channel in minutes, growing without bound as utilisation nears and passes 1.

    ``base_wait`` is the wait at utilisation ``reference``; ``pooling`` > 1 keeps a pooled desk's
    waits short at moderate load and steepens the rise near capacity (the shape of Erlang C).
    """
    r = np.minimum(rho, 0.98)
    over = np.maximum(rho - 0.98, 0.0)
    return base_wait * (r / reference) ** pooling * ((1.0 - reference) / (1.0 - r)) * (1.0 + 10.0 * over)


def expected_demand(pop: Population, world: World, policies: Policies, mods: Modifiers,
                    firm_tier: np.ndarray) -> tuple[np.ndarray, float]:
    """The week's expected contacts per channel (and at the key-account desk): what desks are staffed for.

    Why expected and not realised: waits follow the load a desk is planned and staffed for, so a
    firm of 2,000 customers and one of a million at the same occupancy serve alike (the scenario is
    the same world at any size); the week's random ups and downs of a small firm would otherwise
    make its service systematically worse through the steep queue curve.
    """
    sw = world.service
    unhappy = pop.satisfaction < world.relationship.at_risk_threshold
    active = is_active(pop.stage)
    rate = np.float32(world.traits.service_need_rate * mods.service_need)
    need = (np.float32(sw.unhappy_need) * rate, np.float32(1.0) * rate)  # a customer's weekly need: unhappy, content
    key = np.zeros(pop.n, dtype=bool)
    recorded = min(firm_tier.size, pop.n)  # people the firm has not recorded yet are not routed to the desk
    key[:recorded] = (firm_tier[:recorded] == 2) & policies.service.key_account_desk
    keyed = np.flatnonzero(key)  # few: the desk's load is summed over exactly these rows, as before
    key_need = select(unhappy[keyed], need[0], need[1]) * active[keyed] * account_need(pop, world, keyed)
    big = pop.tier == 2  # key accounts need more help wherever they are served
    served = active & ~key
    households = served & ~big
    per_channel = _channel_loads(pop.service_channel, households, unhappy, need)
    if per_channel is None:
        p = select(unhappy, need[0], need[1]) * households
        per_channel = np.bincount(pop.service_channel, weights=p, minlength=len(SERVICE_CHANNELS))
    elsewhere = np.flatnonzero(served & big)  # key accounts at the ordinary desks (desk off, or not recorded yet)
    if elsewhere.size:
        p = select(unhappy[elsewhere], need[0], need[1]) * account_need(pop, world, elsewhere)
        per_channel = per_channel + np.bincount(pop.service_channel[elsewhere], weights=p, minlength=len(SERVICE_CHANNELS))
    return per_channel.astype(np.float64), float(key_need.sum())


def account_need(pop: Population, world: World, ids: np.ndarray) -> np.ndarray:
    """How many times a mass customer's service needs each of ``ids`` has (key accounts: ``traits.key_account_need``).

    Why: a key account is an organisation with many users and lines; its contacts grow with it.
    The need is the customer's own (their true tier), wherever the firm routes them.
    """
    return select(pop.tier[ids] == 2, np.float32(world.traits.key_account_need), np.float32(1.0))


def _channel_loads(channel: np.ndarray, served: np.ndarray, unhappy: np.ndarray,
                   need: tuple[np.float32, np.float32]) -> np.ndarray | None:
    """Summed need per channel from counts (``None`` when that would not be exact).

    Why counts: every customer's need is one of two float32 values, and while the total stays
    below 2**53 units of the finer value's last bit, every partial sum in float64 is exact, so
    ``count * value`` gives the very bits of summing customer by customer (the weighted bincount
    this replaces), without a pass that converts everyone's need to float64.
    """
    unit = float(min(np.spacing(need[0]), np.spacing(need[1])))
    if served.size * float(max(need)) >= 2.0**53 * unit or min(need) <= 0:
        return None
    loads = np.zeros(len(SERVICE_CHANNELS), dtype=np.float64)
    for c in range(len(SERVICE_CHANNELS)):
        mine = served & (channel == c)
        low = np.count_nonzero(mine & unhappy)
        loads[c] = low * float(need[0]) + (np.count_nonzero(mine) - low) * float(need[1])
    return loads


def respond(
    pop: Population,
    world: World,
    policies: Policies,
    mods: Modifiers,
    rng: np.random.Generator,
    log: WeekLog,
    week: int,
    firm_tier: np.ndarray,
) -> None:
    """Customers who need help contact the firm; their experience moves satisfaction and trust.

    ``firm_tier`` is the tier in the firm's records (``FirmView.records.tier``): the desk a contact
    is routed to is the firm's decision.
    """
    n = pop.n
    u_need = rng.random(n, dtype=np.float32)
    # Details are drawn only for candidates: people whose draw is below the largest need probability
    # anyone can have this week. That set depends on the world and events, never on a policy, so the
    # draws stay paired across policies while costing a few percent of the population.
    sw = world.service
    base_wait, patience_scale = by_channel(sw.base_wait_minutes), by_channel(sw.patience_scale)
    bound = min(world.traits.service_need_rate * mods.service_need * sw.unhappy_need, 1.0)
    cand = np.flatnonzero(u_need < bound)
    if world.traits.key_account_need > 1.0:  # key accounts (a trait, never a policy) may need more: pairing holds
        accounts = np.flatnonzero(pop.tier == 2)
        more = accounts[(u_need[accounts] >= bound) & (u_need[accounts] < min(bound * world.traits.key_account_need, 1.0))]
        cand = np.union1d(cand, more)
    m = cand.size
    e_wait_c = rng.standard_exponential(m, dtype=np.float32)
    u_abandon_c, u_fcr_c, u_resolve_c, u_reason_c, u_recover_c = rng.random((5, m), dtype=np.float32)
    e_handle_c = rng.standard_exponential(m, dtype=np.float32)

    unhappy = pop.satisfaction[cand] < world.relationship.at_risk_threshold
    p_need = (world.traits.service_need_rate * mods.service_need * np.where(unhappy, sw.unhappy_need, 1.0)
              * account_need(pop, world, cand))
    sel = is_active(pop.stage[cand]) & (u_need[cand] < p_need)
    ids = cand[sel]
    e_wait, u_abandon, u_fcr, u_resolve = e_wait_c[sel], u_abandon_c[sel], u_fcr_c[sel], u_resolve_c[sel]
    u_reason, u_recover, e_handle = u_reason_c[sel], u_recover_c[sel], e_handle_c[sel]
    s = policies.service
    scale = world.market.size_scale  # capacities are stated for the reference market size
    capacity = np.array([s.capacity.get(c, 0.0) for c in SERVICE_CHANNELS]) * scale * mods.service_capacity
    channel = pop.service_channel[ids].astype(np.intp)
    key = (firm_tier[ids] == 2) & s.key_account_desk  # routing reads the firm's records, not the person
    demand, key_demand = expected_demand(pop, world, policies, mods, firm_tier)
    rho = utilisation(demand, capacity)
    key_capacity = np.array([s.key_account_capacity * scale * mods.service_capacity])
    key_rho = float(utilisation(np.array([key_demand]), key_capacity)[0])

    shape = (sw.wait_reference_utilisation, sw.queue_pooling)
    key_wait = mean_wait(np.array([key_rho]), base_wait[:1], *shape)[0] * sw.key_desk_wait_factor
    wait_mean = np.where(key, key_wait, mean_wait(rho, base_wait, *shape)[channel])
    wait = (wait_mean * e_wait).astype(np.float32)
    rho_c = np.where(key, key_rho, rho[channel])
    overflow = np.clip(1.0 - 1.0 / np.maximum(rho_c, 1e-9), 0.0, 1.0)
    p_abandon = np.maximum(1.0 - np.exp(-wait / (pop.patience[ids] * patience_scale[channel])), overflow)
    abandoned = u_abandon < p_abandon
    p_fcr = np.clip(sw.first_contact_resolution * (1.0 - sw.overload_fcr_loss * np.minimum(rho_c, 2.0))
                    + sw.effort_fcr_gain * s.recovery_effort + sw.key_desk_fcr_gain * key, 0, 0.98)
    fcr = ~abandoned & (u_fcr < p_fcr)
    resolved = fcr | (~abandoned & (u_resolve < sw.later_resolution))
    complaint = ~resolved | (wait > sw.complaint_wait_multiple * s.target_wait_minutes * patience_scale[channel])
    recovered = complaint & (u_recover < recovery_chance(s.recovery_effort, sw))

    delta = np.where(fcr, sw.fcr_satisfaction, np.where(resolved, sw.later_satisfaction, sw.unresolved_satisfaction))
    delta = delta.astype(np.float32)
    delta = (delta + np.where(complaint & ~recovered, sw.complaint_satisfaction, 0.0)
             + np.where(recovered, sw.recovery_satisfaction, 0.0))
    # a key account served like everyone else feels neglected (it expects its account team)
    delta = delta - np.where((pop.tier[ids] == 2) & ~key, sw.key_account_neglect, 0.0)
    pop.shock[ids] += delta
    pop.trust[ids] -= np.where(complaint, sw.complaint_trust_loss, 0.0).astype(np.float32)
    grudge = ids[complaint & ~recovered]  # an unresolved problem is remembered: the customer expects less of us
    pop.grudge[grudge] = np.minimum(pop.grudge[grudge] + np.float32(sw.unrecovered_baseline_loss), pop.baseline[grudge])
    pop.complaints *= np.float32(sw.complaint_memory)
    pop.complaints[ids] += complaint

    reason = np.minimum((u_reason * (len(REASONS) - 1)).astype(np.int8), len(REASONS) - 2)
    reason = np.where(complaint & ~resolved, len(REASONS) - 1, reason).astype(np.int8)
    handling = np.where(abandoned, 0.0, by_channel(sw.handling_minutes)[channel] * (0.5 + e_handle)).astype(np.float32)
    log.add("tickets", customer=ids.astype(np.int32), channel=channel.astype(np.int8), reason=reason,
            wait_minutes=wait, abandoned=abandoned, resolved=resolved, first_contact_resolution=fcr,
            handling_minutes=handling, complaint=complaint, key_account_desk=key, recovered=recovered)
    answered = ~abandoned & ((channel != 1) | key)
    within = answered & (wait <= s.target_wait_minutes)
    live = (channel != 1) | key
    log.count("tickets", ids.size)
    log.count("tickets_live", int(live.sum()))
    log.count("tickets_within_target", int(within.sum()))
    log.count("tickets_abandoned", int(abandoned.sum()))
    log.count("wait_minutes_live", float(wait[live].sum()))
    log.count("complaints", int(complaint.sum()))
    # account managers are senior staff: a contact of the desk's capacity costs key_account_cost_factor ordinary ones
    key_cost = s.key_account_capacity * scale * world.costs.key_account_cost_factor if s.key_account_desk else 0.0
    cost = capacity.sum() / max(mods.service_capacity, 1e-9) + key_cost
    recovery = float(complaint.sum()) * s.recovery_effort * world.costs.recovery_cost_per_complaint
    log.cost("service", cost * world.costs.service_cost_per_contact_capacity + recovery)


def fail_and_recover(pop: Population, ids: np.ndarray, world: World) -> None:
    """A service failure the customer complains about and the firm recovers, applied to ``ids`` at once.

    Why it exists: the recovery paradox can only be tested fairly on a randomised failure (customers
    who complain in a run are heavier buyers, so comparing them with untroubled customers is
    confounded). :mod:`simulations.validation.measure` applies this to a random group in one arm of
    a paired run. It is the same rule :func:`respond` applies to an unresolved problem that became
    a complaint and was recovered: the unresolved problem's and the recovery's effects on
    satisfaction, the complaint's loss of trust, and the complaint remembered.
    """
    sw = world.service
    pop.shock[ids] += np.float32(sw.unresolved_satisfaction + sw.recovery_satisfaction)
    pop.trust[ids] -= np.float32(sw.complaint_trust_loss)
    pop.complaints[ids] += np.float32(1.0)


def recovery_chance(effort: float, sw: ServiceWorld) -> float:
    """Chance a complaint is recovered at this effort (0-1): ``recovery_success`` at full effort.

    Why concave: an apology and a quick refund put most problems right; each further step (a call
    back, a visit, compensation) rescues fewer of the remaining ones, so effort has diminishing
    returns while its cost grows in proportion.
    """
    scale = sw.recovery_effort_scale
    return float(sw.recovery_success * np.expm1(-effort / scale) / np.expm1(-1.0 / scale))


def service_level(counts: dict[str, float]) -> float:
    """Share of live contacts (phone, chat, key desk) answered within the target wait."""
    live = counts.get("tickets_live", 0.0)
    return counts.get("tickets_within_target", 0.0) / live if live else 1.0


__all__ = ["REASONS", "by_channel", "mean_wait", "recovery_chance", "respond", "service_level"]
