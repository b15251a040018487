"""Economics: revenue, gross margin, costs by business function and weekly profit.

Why a module of its own: the classroom's balanced score and the experiments' profit curves must
agree on one definition of profit. Costs are booked by the mechanisms that cause them.
"""

from __future__ import annotations

import numpy as np

from simulations.config import Policies, World
from simulations.population import Population
from simulations.stages import PROSPECT, is_active
from simulations.weeklog import WeekLog

WEEKS_PER_MONTH = 52 / 12
COST_FUNCTIONS: tuple[str, ...] = ("acquisition", "marketing", "service", "loyalty", "community", "overhead")


def margin_rate(world: World, policies: Policies) -> float:
    """Share of revenue that is gross margin at our current price.

    Why not a fixed share: the cost of goods is what the goods cost us, ``1 - gross_margin`` of their
    list price, whatever we charge. A price rise therefore widens the margin on each sale (and loses
    sales through the customers' own price sensitivity), a price cut narrows it: the trade-off a
    pricing decision is about. At list price (index 1) this is ``gross_margin``.
    """
    return 1.0 - (1.0 - world.costs.gross_margin) / policies.pricing.price_index


def weekly_fee(monthly_fee: np.ndarray | float, policies: Policies) -> np.ndarray | float:
    """One week's share of a monthly fee at our current price (fees move with the price index)."""
    return monthly_fee * policies.pricing.price_index / WEEKS_PER_MONTH


def close_week(pop: Population, world: World, policies: Policies, log: WeekLog) -> dict[str, float]:
    """Bill recurring fees, then total revenue, margin, costs and profit for the week."""
    fees = 0.0
    if world.contracts.enabled:
        billed = is_active(pop.stage) & (pop.stage != PROSPECT)
        fees = float(weekly_fee(float(pop.monthly_fee[billed].sum()), policies))
    revenue = log.counts.get("revenue_orders", 0.0) + fees
    margin = revenue * margin_rate(world, policies)
    log.cost("overhead", world.costs.overhead_per_week * world.market.size_scale)  # fixed, at the market's size
    costs = {f"cost_{f}": log.costs.get(f, 0.0) for f in COST_FUNCTIONS}
    total = sum(costs.values())
    return {"revenue": revenue, "revenue_fees": fees, "gross_margin": margin, **costs,
            "cost_total": total, "profit": margin - total}
