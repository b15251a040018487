"""Customer equity (the classroom's and the capstone's value of the customer base) values relationships at list price.

Why: equity measures the relationships a firm holds; what its prices earned is in its profit. Valued
at the last price set, a price rise in a game's final round raised the equity of customers who had
not yet reacted to it, and a cash-out won the telecom case. The hazard still reads the current
policies, so a price rise that releases contract customers lowers the equity.
"""

from __future__ import annotations

import pytest

from simulations.classroom.case import Scoring
from simulations.classroom.equity import customer_equity
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
                                product_quality=model.product_quality,
                                world=model.world.model_copy(update={"relationship": rel}))
        assert customer_equity(quick, Scoring()) < 0.995 * base, field


def _equity_and_realised(scenario: str, seed: int) -> tuple[float, float]:
    """Customer equity after half a year, and the discounted margin the same relationships then earned.

    The engine runs on for the equity's horizon under the same policies; a customer's margin counts
    until their relationship ends (dormant or lost), as the equity counts it.
    """
    import numpy as np

    from simulations.mechanisms.economics import margin_rate, weekly_fee
    from simulations.stages import ENDANGERABLE_STAGES, Stage, is_active

    scoring = Scoring()
    model = CustomerLifecycleModel(scenario, customers=2000, seed=seed, collect=False,
                                   weeks=26 + scoring.equity_horizon_weeks)
    model.run(26)
    equity = customer_equity(model, scoring)
    n0 = model.population.n
    alive = np.isin(model.population.stage[:n0], (*ENDANGERABLE_STAGES, Stage.AT_RISK, Stage.TERMINATING))
    weekly = (1 + scoring.annual_discount) ** (1 / 52)
    realised = [0.0]

    def earn(m, log) -> None:
        stage = m.population.stage[:n0]
        orders = log.tables["orders"]
        mine = orders["customer"] < n0
        mine[mine] = alive[orders["customer"][mine]]
        margin = float(orders["amount"][mine].sum())
        if m.world.contracts.enabled:
            margin += float(weekly_fee(m.population.monthly_fee[:n0][alive & is_active(stage)], m.policies).sum())
        realised[0] += margin * margin_rate(m.world, m.policies) / weekly ** (m.week - 26)
        alive[:] &= is_active(stage) & (stage != Stage.DORMANT) & (stage != Stage.LOST)

    model.observers.append(earn)
    model.run(scoring.equity_horizon_weeks)
    return equity, realised[0]


@pytest.mark.parametrize("scenario", ["telecom", "pizza-shop"])
def test_the_equity_predicts_what_the_relationships_go_on_to_earn(scenario):
    """Where no campaign rescues leaving customers, equity is within 10% of the margin later realised.

    The first version (one weekly leaving rate: half the endangerment hazard) valued the same
    telecom base at 0.74-0.77 of what it earned and the pizza shop's at 0.82-0.87: most endangered
    customers settle again. Retail, whose retention and cross-sell campaigns keep adding value the
    equity does not count, is checked only for the size of that gap (0.39-0.45 of it before).
    """
    for seed in (4, 5):
        equity, realised = _equity_and_realised(scenario, seed)
        assert 0.9 <= equity / realised <= 1.05, (seed, equity, realised)


def test_retail_equity_leaves_only_what_future_campaigns_add():
    equity, realised = _equity_and_realised("retail", 4)
    assert 0.6 <= equity / realised <= 1.0
