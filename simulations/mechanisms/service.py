"""Service (客户服务): needs arise, contacts queue for a weekly capacity per channel.

Waiting follows the shape of a single-server queue (wait grows like rho / (1 - rho) with the
utilisation rho = demand / capacity); callers abandon when the wait exceeds their patience; an
overloaded desk resolves fewer contacts at first contact. Key accounts have a dedicated desk
(首席客户代表). Service recovery lifts satisfaction more than it restores trust, so a recovered
complaint makes a customer happier without making them as safe as one who never had a problem.
"""

from __future__ import annotations

import numpy as np

from simulations.config import SERVICE_CHANNELS, Policies, World
from simulations.mechanisms.events import Modifiers
from simulations.population import Population
from simulations.stages import is_active
from simulations.weeklog import WeekLog

#: Minutes of waiting at utilisation 0.5, by service channel (phone, e-mail, chat).
BASE_WAIT = np.array([2.0, 240.0, 1.5], dtype=np.float32)
#: Patience multiplier by channel: people wait for an e-mail answer far longer than on the phone.
PATIENCE_SCALE = np.array([1.0, 200.0, 1.5], dtype=np.float32)
HANDLING_MINUTES = np.array([8.0, 6.0, 10.0], dtype=np.float32)
FCR_BASE = 0.72
#: Unhappy customers (below the at-risk threshold) need service this much more often.
UNHAPPY_NEED = 1.8
REASONS: tuple[str, ...] = ("billing", "product", "delivery", "technical", "account", "complaint")


def utilisation(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Demand over capacity per channel (a channel without capacity is infinitely overloaded)."""
    return np.where(capacity > 0, demand / np.maximum(capacity, 1e-9), np.where(demand > 0, np.inf, 0.0))


def mean_wait(rho: np.ndarray) -> np.ndarray:
    """Mean wait per channel in minutes, growing without bound as utilisation nears and passes 1."""
    r = np.minimum(rho, 0.98)
    over = np.maximum(rho - 0.98, 0.0)
    return BASE_WAIT * (r / (1.0 - r)) * (1.0 + 10.0 * over)


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
    bound = min(world.traits.service_need_rate * mods.service_need * UNHAPPY_NEED, 1.0)
    cand = np.flatnonzero(u_need < bound)
    m = cand.size
    e_wait_c = rng.standard_exponential(m, dtype=np.float32)
    u_abandon_c, u_fcr_c, u_resolve_c, u_reason_c, u_recover_c = rng.random((5, m), dtype=np.float32)
    e_handle_c = rng.standard_exponential(m, dtype=np.float32)

    unhappy = pop.satisfaction[cand] < world.relationship.at_risk_threshold
    p_need = world.traits.service_need_rate * mods.service_need * np.where(unhappy, UNHAPPY_NEED, 1.0)
    sel = is_active(pop.stage[cand]) & (u_need[cand] < p_need)
    ids = cand[sel]
    e_wait, u_abandon, u_fcr, u_resolve = e_wait_c[sel], u_abandon_c[sel], u_fcr_c[sel], u_resolve_c[sel]
    u_reason, u_recover, e_handle = u_reason_c[sel], u_recover_c[sel], e_handle_c[sel]
    s = policies.service
    capacity = np.array([s.capacity.get(c, 0.0) for c in SERVICE_CHANNELS]) * mods.service_capacity
    channel = pop.service_channel[ids].astype(np.intp)
    key = (firm_tier[ids] == 2) & s.key_account_desk  # routing reads the firm's records, not the person
    demand = np.bincount(channel[~key], minlength=len(SERVICE_CHANNELS)).astype(np.float64)
    rho = utilisation(demand, capacity)
    key_rho = float(utilisation(np.array([key.sum()], float), np.array([s.key_account_capacity * mods.service_capacity]))[0])

    wait_mean = np.where(key, mean_wait(np.array([key_rho]))[0] * 0.5, mean_wait(rho)[channel])
    wait = (wait_mean * e_wait).astype(np.float32)
    rho_c = np.where(key, key_rho, rho[channel])
    overflow = np.clip(1.0 - 1.0 / np.maximum(rho_c, 1e-9), 0.0, 1.0)
    p_abandon = np.maximum(1.0 - np.exp(-wait / (pop.patience[ids] * PATIENCE_SCALE[channel])), overflow)
    abandoned = u_abandon < p_abandon
    p_fcr = np.clip(FCR_BASE * (1.0 - 0.25 * np.minimum(rho_c, 2.0)) + 0.1 * s.recovery_effort + 0.15 * key, 0, 0.98)
    fcr = ~abandoned & (u_fcr < p_fcr)
    resolved = fcr | (~abandoned & (u_resolve < 0.75))
    complaint = ~resolved | (wait > 5 * s.target_wait_minutes * PATIENCE_SCALE[channel])
    recovered = complaint & (u_recover < 0.8 * s.recovery_effort)

    delta = np.where(fcr, 0.03, np.where(resolved, -0.01, -0.10)).astype(np.float32)
    delta = delta - np.where(complaint & ~recovered, 0.04, 0.0) + np.where(recovered, 0.14, 0.0)
    pop.shock[ids] += delta
    pop.trust[ids] -= np.where(complaint, 0.06, 0.0).astype(np.float32)
    pop.complaints *= np.float32(0.9)
    pop.complaints[ids] += complaint

    reason = np.minimum((u_reason * (len(REASONS) - 1)).astype(np.int8), len(REASONS) - 2)
    reason = np.where(complaint & ~resolved, len(REASONS) - 1, reason).astype(np.int8)
    handling = np.where(abandoned, 0.0, HANDLING_MINUTES[channel] * (0.5 + e_handle)).astype(np.float32)
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
    cost = (capacity.sum() / max(mods.service_capacity, 1e-9) + (s.key_account_capacity if s.key_account_desk else 0.0))
    log.cost("service", cost * world.costs.service_cost_per_contact_capacity)


def service_level(counts: dict[str, float]) -> float:
    """Share of live contacts (phone, chat, key desk) answered within the target wait."""
    live = counts.get("tickets_live", 0.0)
    return counts.get("tickets_within_target", 0.0) / live if live else 1.0


__all__ = ["REASONS", "respond", "service_level"]
