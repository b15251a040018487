"""Customer equity (the classroom's and the capstone's value of the customer base) is the margin the firm books.

Why: a team that cuts its price must see the narrower margin on every future sale in its equity, as
the engine books it in its profit (``mechanisms.economics.margin_rate``); a flat gross-margin share
made a price cut look like free growth.
"""

from __future__ import annotations

import pytest

from simulations.classroom.case import Scoring
from simulations.classroom.scoring import customer_equity
from simulations.model import CustomerLifecycleModel


@pytest.mark.parametrize("scenario", ["retail", "telecom"])
def test_selling_at_cost_leaves_no_customer_equity(scenario):
    model = CustomerLifecycleModel(scenario, customers=600, seed=4)
    model.run(6)
    assert customer_equity(model, Scoring()) > 0
    at_cost = 1.0 - model.world.costs.gross_margin  # the price index at which the margin rate is zero
    model.set_policies({"pricing.price_index": at_cost})
    assert customer_equity(model, Scoring()) == pytest.approx(0.0, abs=1e-6)

