"""The same scenario is the same world at any size: rates agree at 2,000 and 20,000 people.

Why it matters: a researcher who runs "a million customers" must study the firm of the scenario,
not a collapsed call centre. Capacities, budgets and retention k are stated for the scenario's
reference size and scale with the market (``world.market.reference_customers``).
"""

import numpy as np
import pytest

from simulations.model import CustomerLifecycleModel

WEEKS = 52
SMALL, LARGE = 2_000, 20_000
SMALL_SEEDS = (1, 2, 3, 4, 5, 6)


def _rates(scenario: str, customers: int, seed: int) -> dict[str, float]:
    model = CustomerLifecycleModel(scenario, customers=customers, seed=seed, weeks=WEEKS)
    model.run(WEEKS)
    k = model.kpi_frame().iloc[1:]
    active = k["customers_active"].mean()
    return {
        "complaint share": k["complaints"].sum() / max(k["tickets"].sum(), 1),
        "service level": float(np.average(k["service_level"], weights=np.maximum(k["tickets"], 1))),
        "terminations per customer": k["terminations"].sum() / active,
        "acquisitions per person": k["acquisitions"].sum() / customers,
        "retention contacts per customer": k["contacts_retention"].sum() / active,
        "profit per person": k["profit"].sum() / customers,
    }


@pytest.mark.parametrize("scenario", ["retail", "telecom"])
def test_rates_agree_at_two_sizes_within_sampling_noise(scenario):
    small = [_rates(scenario, SMALL, s) for s in SMALL_SEEDS]
    large = _rates(scenario, LARGE, 101)
    off = []
    for name, value in large.items():
        values = np.array([r[name] for r in small])
        # the spread of one small run is the noise; the large run is ten times less noisy
        tolerance = 3.5 * values.std(ddof=1) * np.sqrt(1 + 1 / len(values)) + 0.02 * abs(values.mean()) + 1e-9
        if abs(value - values.mean()) > tolerance:
            off.append(f"{name}: {SMALL:,} people {values.mean():.4g} ± {values.std(ddof=1):.2g}, {LARGE:,} people {value:.4g}")
    assert not off, f"{scenario}: rates change with market size: " + "; ".join(off)


def test_size_bound_policies_scale_with_the_market():
    from simulations.config import load_scenario

    spec = load_scenario("retail")
    assert spec.world.market.reference_customers == 10_000
    # without complaint recovery, whose cost follows the complaints rather than the capacity
    small = CustomerLifecycleModel("retail", customers=5_000, seed=1, weeks=4, policies__service__recovery_effort=0.0)
    small.run(4)
    large = CustomerLifecycleModel("retail", customers=20_000, seed=1, weeks=4, policies__service__recovery_effort=0.0)
    large.run(4)
    a, b = small.kpi_frame().iloc[1:], large.kpi_frame().iloc[1:]
    # acquisition and service spend are budgets and capacities: four times the market, four times the cost
    assert b["cost_acquisition"].sum() == pytest.approx(4 * a["cost_acquisition"].sum(), rel=1e-9)
    assert b["cost_service"].sum() == pytest.approx(4 * a["cost_service"].sum(), rel=1e-9)
