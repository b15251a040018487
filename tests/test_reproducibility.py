import pickle

import numpy as np
import pandas as pd

from simulations.model import CustomerLifecycleModel


def run(seed=3, weeks=30, **kw):
    m = CustomerLifecycleModel("retail", customers=3000, seed=seed, **kw)
    m.run(weeks)
    return m


def test_same_seed_gives_identical_results():
    a, b = run(), run()
    pd.testing.assert_frame_equal(a.kpi_frame(), b.kpi_frame())
    for name in ("stage", "satisfaction", "total_spend", "n_orders"):
        np.testing.assert_array_equal(getattr(a.population, name), getattr(b.population, name))


def test_different_seeds_differ():
    assert not a_equals_b(run(seed=1), run(seed=2))


def a_equals_b(a, b):
    return a.kpi_frame().drop(columns=["date"]).equals(b.kpi_frame().drop(columns=["date"]))


def test_policies_on_same_seed_face_the_same_people_and_luck():
    """Common random numbers: a policy change does not change who enters the market or their traits."""
    a = run(weeks=40)
    b = run(weeks=40, policies__marketing__retention__targeting="none", policies__service__capacity={"phone": 10.0})
    assert a.population.n == b.population.n
    for name in ("purchase_rate", "spend_mean", "baseline", "responsiveness", "friends"):
        np.testing.assert_array_equal(getattr(a.population, name), getattr(b.population, name))
    assert not a_equals_b(a, b)


def test_a_policy_compared_with_itself_differs_by_exactly_zero():
    a, b = run(policies__marketing__retention__k=50), run(policies__marketing__retention__k=50)
    diff = a.kpi_frame()["profit"] - b.kpi_frame()["profit"]
    assert (diff == 0).all()


def test_checkpoint_resumes_with_identical_results():
    """A pickled model continues exactly as the original (classroom checkpoints rely on it)."""
    a = run(weeks=10)
    b = pickle.loads(pickle.dumps(a))
    a.run(10)
    b.run(10)
    pd.testing.assert_frame_equal(a.kpi_frame(), b.kpi_frame())


def test_no_global_random_state_is_used():
    np.random.seed(0)  # noqa: NPY002 - checking that nothing touches the global state
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    run(weeks=5)
    assert (np.random.get_state()[1] == before).all()  # noqa: NPY002
