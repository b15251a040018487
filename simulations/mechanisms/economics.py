"""Economics: revenue, gross margin, costs by business function and weekly profit.

Why a module of its own: the classroom's balanced score and the experiments' profit curves must
agree on one definition of profit. Costs are booked by the mechanisms that cause them.
"""

from __future__ import annotations

from simulations.config import World
from simulations.population import Population
from simulations.stages import PROSPECT, is_active
from simulations.weeklog import WeekLog

WEEKS_PER_MONTH = 52 / 12
COST_FUNCTIONS: tuple[str, ...] = ("acquisition", "marketing", "service", "loyalty", "community")


def close_week(pop: Population, world: World, log: WeekLog) -> dict[str, float]:
    """Bill recurring fees, then total revenue, margin, costs and profit for the week."""
    fees = 0.0
    if world.contracts.enabled:
        billed = is_active(pop.stage) & (pop.stage != PROSPECT)
        fees = float(pop.monthly_fee[billed].sum()) / WEEKS_PER_MONTH
    revenue = log.counts.get("revenue_orders", 0.0) + fees
    margin = revenue * world.costs.gross_margin
    costs = {f"cost_{f}": log.costs.get(f, 0.0) for f in COST_FUNCTIONS}
    total = sum(costs.values())
    return {"revenue": revenue, "revenue_fees": fees, "gross_margin": margin, **costs,
            "cost_total": total, "profit": margin - total}
