"""Products added to a relationship: a further category bought and, for a subscriber, a larger bill.

Why a mechanism of its own: a customer adds a product category in two ways (unasked while growing,
or on a cross-sell offer), and for a contract customer the new product is a new line on the bill,
not only a larger basket. A telecom subscriber who adds a second line, broadband or TV pays more
every month for as long as they stay, which is why operators cross-sell at all; without it, a
cross-sell offer could only buy add-on orders worth a fraction of one month's fee. The billing
system records the change as an amendment of the running contract (``fee_changes``).
"""

from __future__ import annotations

import numpy as np

from simulations.config import World
from simulations.population import Population
from simulations.weeklog import WeekLog


def add_product(pop: Population, ids: np.ndarray, world: World, log: WeekLog) -> None:
    """The customers ``ids`` add one product category; a subscriber's monthly fee rises with it.

    Keys of ``fee_changes``: ``customer`` and ``monthly_fee`` (the fee from this week on). Draws nothing.
    """
    pop.categories[ids] += 1
    lift = world.contracts.category_fee_lift
    if not (world.contracts.enabled and lift > 0):
        return
    billed = ids[pop.contract[ids] > 0]
    pop.monthly_fee[billed] *= np.float32(1.0 + lift)
    log.add("fee_changes", customer=billed.astype(np.int32), monthly_fee=pop.monthly_fee[billed].copy())
