"""Customer equity (the classroom's and the capstone's value of the customer base) values relationships at list price.

Why: equity measures the relationships a firm holds; what its prices earned is in its profit. Valued
at the last price set, a price rise in a game's final round raised the equity of customers who had
not yet reacted to it, and a cash-out won the telecom case. The hazard still reads the current
policies, so a price rise that releases contract customers lowers the equity.
"""

from __future__ import annotations

import pytest

from simulations.classroom.case import Scoring
from simulations.classroom.scoring import customer_equity
from simulations.model import CustomerLifecycleModel


def _run(scenario: str) -> CustomerLifecycleModel:
    model = CustomerLifecycleModel(scenario, customers=600, seed=4)
    model.run(6)
    return model


@pytest.mark.parametrize("scenario", ["retail", "telecom"])
def test_a_last_minute_price_rise_does_not_raise_the_equity(scenario):
    model = _run(scenario)
    base = customer_equity(model, Scoring())
    assert base > 0
    model.set_policies({"pricing.price_index": 1.25})
    assert customer_equity(model, Scoring()) <= base


def test_a_price_rise_that_releases_contract_customers_lowers_the_equity():
    model = _run("telecom")
    base = customer_equity(model, Scoring())
    model.set_policies({"pricing.price_index": 1.25})
    assert customer_equity(model, Scoring()) < 0.999 * base


def test_the_equity_values_customers_by_the_scenarios_own_rule_for_leaving():
    """A world whose unhappy customers decide to leave faster holds less equity in the same customers.

    The equity once copied the engine's decision rule with its constants written out, so a scenario that
    varied ``world.relationship.decision_slope`` (or the margin, floor, hold, restraint) was valued by the
    default world's hazard. Each of the three fields varied here moves the equity on its own.
    """
    from types import SimpleNamespace

    model = _run("retail")
    base = customer_equity(model, Scoring())
    for field, value in (("decision_slope", 12.0), ("decision_floor", 2.0), ("decision_margin", 0.6)):
        rel = model.world.relationship.model_copy(update={field: value})
        quick = SimpleNamespace(population=model.population, policies=model.policies, week=model.week,
                                world=model.world.model_copy(update={"relationship": rel}))
        assert customer_equity(quick, Scoring()) < 0.995 * base, field
