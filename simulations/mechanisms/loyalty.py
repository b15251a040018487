"""Loyalty programme: membership, points, rewards and tiers (the industry's main loyalty lever).

Members earn points on spend and redeem them for rewards (a cost to the firm); tiers follow the
last 52 weeks of spend. Membership and tiers lift buying (read by purchasing) and commitment
(read by the relationship mechanism), which lowers the hazard of becoming endangered.
"""

from __future__ import annotations

import numpy as np

from simulations.arrays import select
from simulations.config import Policies, World
from simulations.mechanisms.events import Modifiers
from simulations.population import Population
from simulations.stages import is_active
from simulations.weeklog import WeekLog


def respond(
    pop: Population,
    world: World,
    policies: Policies,
    mods: Modifiers,
    rng: np.random.Generator,
    log: WeekLog,
    week: int,
) -> None:
    """Buyers who are not members join at checkout; members earn and redeem points; tiers are re-evaluated.

    Why at checkout and not only at sign-up: a programme launched mid-game (the restaurant case's
    decision) must reach the existing customers it is meant for. A new customer is asked at their
    first order, an existing one at each order until they join.
    """
    u_join = rng.random(pop.n, dtype=np.float32)
    p = policies.loyalty
    if not p.enabled:
        return
    active = is_active(pop.stage)
    buyers = np.flatnonzero(pop.week_orders > 0)  # few: the checkout question is read for them only
    joiners = buyers[active[buyers] & ~pop.loyalty_member[buyers] & (u_join[buyers] < p.join_rate)]
    pop.loyalty_member[joiners] = True
    pop.commitment[joiners] += p.commitment_boost

    members = np.flatnonzero(pop.loyalty_member & active)
    earned = (pop.week_spend[members] * p.points_per_currency).astype(np.float32)
    points = pop.points[members] + earned  # one gather and one scatter for the same two float32 steps
    rewards = np.floor(points / p.redemption_points)
    redeemed = (rewards * p.redemption_points).astype(np.float32)
    pop.points[members] = points - redeemed
    pop.shock[members] += select(rewards > 0, world.responses.reward_delight, 0.0).astype(np.float32)

    old_tier = pop.loyalty_tier[members]
    spend = pop.spend_52[members]
    # with ordered thresholds the tier is the number of thresholds reached (no branching select)
    new_tier = ((spend >= p.gold_spend).view(np.int8) + (spend >= p.silver_spend).view(np.int8)
                if p.gold_spend >= p.silver_spend else
                np.where(spend >= p.gold_spend, 2, np.where(spend >= p.silver_spend, 1, 0)).astype(np.int8))
    pop.loyalty_tier[members] = new_tier
    moved = (earned > 0) | (redeemed > 0) | (new_tier != old_tier)
    log.add("loyalty", customer=members[moved].astype(np.int32), earned=earned[moved], redeemed=redeemed[moved],
            tier_before=old_tier[moved], tier_after=new_tier[moved])
    log.add("loyalty_joins", customer=joiners.astype(np.int32))
    log.count("loyalty_rewards", float(rewards.sum()))
    log.cost("loyalty", float(rewards.sum()) * p.reward_value + members.size * world.costs.loyalty_cost_per_member_week)
