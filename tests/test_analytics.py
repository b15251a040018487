import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from simulations.analytics import (
    BetaGeoFitter,
    GammaGammaFitter,
    KaplanMeierFitter,
    btyd,
    gamma_gamma,
    interval_hazards,
    revenue_concentration,
    rfm_scores,
    summary_from_orders,
)

CDNOW = btyd.CDNOW_PARAMS


def cdnow_fitter():
    f = BetaGeoFitter()
    f.params_ = pd.Series(CDNOW)
    return f


# ------------------------------------------------------------------------------------- BG/NBD
def test_conditional_expectation_reproduces_the_published_cdnow_example():
    """Fader, Hardie & Lee (2005): x=2, t_x=30.43, T=38.86 expects 1.226 purchases in the next 39 weeks."""
    value = cdnow_fitter().conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)
    assert value[0] == pytest.approx(1.226, abs=5e-4)


@pytest.mark.parametrize(("x", "t_x", "T"), [(0, 0.0, 30.0), (3, 12.5, 40.0), (12, 70.0, 77.0)])
def test_closed_form_likelihood_equals_numerical_integration(x, t_x, T):
    r, alpha, a, b = (CDNOW[k] for k in ("r", "alpha", "a", "b"))
    lam = stats.gamma(r, scale=1 / alpha)
    p = stats.beta(a, b)

    def lam_part(t):
        return integrate.quad(lambda v: v**x * np.exp(-v * t) * lam.pdf(v), 0, np.inf, limit=200)[0]

    alive = lam_part(T) * integrate.quad(lambda q: (1 - q) ** x * p.pdf(q), 0, 1)[0]
    dead = lam_part(t_x) * integrate.quad(lambda q: q * (1 - q) ** (x - 1) * p.pdf(q), 0, 1)[0] if x else 0.0
    assert btyd.log_likelihood(CDNOW, [x], [t_x], [T])[0] == pytest.approx(np.log(alive + dead), rel=1e-6)


def test_fit_recovers_known_parameters_within_its_standard_errors():
    rng = np.random.default_rng(42)
    data = btyd.sample_customers(6000, rng.uniform(66, 78, 6000), rng=rng)
    fit = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    assert fit is not None and list(fit.params_.index) == ["r", "alpha", "a", "b"]
    for name, truth in CDNOW.items():
        row = fit.summary_.loc[name]
        assert abs(row["estimate"] - truth) < 3 * row["se"], f"{name}: {row['estimate']:.3f} +- {row['se']:.3f} vs {truth}"
        assert row["lower_95"] < row["estimate"] < row["upper_95"]
    assert fit.log_likelihood_ == pytest.approx(btyd.log_likelihood(fit.params_, *data.T.to_numpy()).sum())


def test_period_likelihood_equals_continuous_one_when_last_periods_hold_one_purchase():
    rng = np.random.default_rng(3)
    data = btyd.sample_customers(500, 52.0, rng=rng)
    theta = np.array(list(CDNOW.values()))
    args = (data["frequency"].to_numpy(float), data["recency"].to_numpy(), data["T"].to_numpy())
    ones = np.ones(len(data))
    np.testing.assert_allclose(btyd._loglik(theta, *args, ones), btyd._loglik(theta, *args))


def test_period_likelihood_recovers_weekly_data_with_end_of_week_dropout():
    """Weekly Poisson counts, dropout after the week's orders (as the engine does)."""
    rng = np.random.default_rng(11)
    n, weeks = 6000, 104
    lam, drop = rng.gamma(CDNOW["r"], 1 / CDNOW["alpha"], n), rng.beta(CDNOW["a"], CDNOW["b"], n)
    alive = np.ones(n, bool)
    freq, last, last_k = np.zeros(n), np.zeros(n), np.zeros(n)
    for week in range(1, weeks + 1):
        k = rng.poisson(lam) * alive
        bought = k > 0
        freq += k
        last[bought], last_k[bought] = week, k[bought]
        alive &= rng.random(n) >= 1 - (1 - drop) ** k
    fit = BetaGeoFitter().fit(freq, last, np.full(n, weeks), last_period_purchases=last_k)
    for name, truth in CDNOW.items():
        row = fit.summary_.loc[name]
        assert abs(row["estimate"] - truth) < 3 * row["se"], f"{name}: {row['estimate']:.3f} +- {row['se']:.3f} vs {truth}"


def test_probability_alive_behaves_as_a_manager_expects():
    f = cdnow_fitter()
    assert f.conditional_probability_alive(0, 0, 50)[0] == 1.0  # no repeat purchase: never seen to drop out
    long_silence = f.conditional_probability_alive([5, 5], [10, 10], [20, 60])
    assert long_silence[0] > long_silence[1]
    recent = f.conditional_probability_alive([5, 5], [10, 55], [60, 60])
    assert recent[1] > recent[0]
    expected = f.conditional_expected_number_of_purchases_up_to_time([10, 50], [5, 5], [55, 55], [60, 60])
    assert 0 < expected[0] < expected[1]
    assert f.expected_number_of_purchases_up_to_time([39.0])[0] > 0


def test_predict_returns_a_frame_aligned_with_the_summary():
    summary = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86]}, index=["a", "b"])
    out = cdnow_fitter().predict(39, summary)
    assert list(out.index) == ["a", "b"] and list(out.columns) == ["p_alive", "expected_purchases"]
    assert out.loc["b", "expected_purchases"] == pytest.approx(1.226, abs=5e-4)


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [([1], [5.0], [3.0], "recency must not exceed T"),
     ([0], [2.0], [9.0], "recency must be 0"),
     ([1.5], [2.0], [9.0], "whole numbers"),
     ([-1], [0.0], [9.0], "frequency"),
     ([1, 2], [1.0], [9.0, 9.0], "same length")],
)
def test_bad_rfm_inputs_are_named(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        BetaGeoFitter().fit(frequency, recency, T)


def test_unfitted_model_says_what_to_do():
    with pytest.raises(RuntimeError, match="call fit"):
        BetaGeoFitter().conditional_probability_alive(1, 1, 2)
    with pytest.raises(ValueError, match="'T'"):
        cdnow_fitter().predict(10, pd.DataFrame({"frequency": [1], "recency": [1.0]}))


# -------------------------------------------------------------------------------- Gamma-Gamma
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def test_gamma_gamma_recovers_spend_and_shrinks_toward_the_mean():
    rng = np.random.default_rng(5)
    frequency = rng.integers(1, 12, 4000)
    data = gamma_gamma.sample_customers(frequency, GG, rng=rng)
    fit = GammaGammaFitter().fit(data["frequency"], data["monetary_value"])
    truth_mean = GG["p"] * GG["gamma"] / (GG["q"] - 1)
    assert fit.population_mean_spend() == pytest.approx(truth_mean, rel=0.1)
    # one purchase of 100 is shrunk more toward the mean than ten purchases averaging 100
    one, ten = fit.conditional_expected_average_profit([1, 10], [100.0, 100.0])
    assert fit.population_mean_spend() < one < ten < 100.0
    assert fit.conditional_expected_average_profit([0], [0.0])[0] == pytest.approx(fit.population_mean_spend())


def test_gamma_gamma_rejects_customers_without_repeat_purchases():
    with pytest.raises(ValueError, match="frequency"):
        GammaGammaFitter().fit([0, 2], [0.0, 30.0])


def test_clv_without_discounting_is_expected_purchases_times_expected_spend():
    gg = GammaGammaFitter()
    gg.params_ = pd.Series(GG)
    summary = pd.DataFrame({"frequency": [2, 0], "recency": [30.43, 0.0], "T": [38.86, 38.86], "monetary_value": [50.0, 0.0]})
    clv = gg.customer_lifetime_value(cdnow_fitter(), summary, horizon=52, step=4, discount_rate=0.0)
    history = summary[["frequency", "recency", "T"]].T.to_numpy()
    purchases = cdnow_fitter().conditional_expected_number_of_purchases_up_to_time(52, *history)
    spend = gg.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"])
    np.testing.assert_allclose(clv.to_numpy(), purchases * spend, rtol=1e-9)
    discounted = gg.customer_lifetime_value(cdnow_fitter(), summary, horizon=52, step=4, discount_rate=0.02)
    assert (discounted < clv).all()


# ---------------------------------------------------------------------------------- survival
def test_kaplan_meier_matches_a_hand_computed_example():
    km = KaplanMeierFitter().fit([1, 2, 2, 3, 4, 5], [1, 1, 0, 1, 0, 1])
    sf = km.survival_function_
    # S(1)=5/6; S(2)=5/6*4/5; S(3)=2/3*(1-1/3) [at risk 3,4,5]; S(5)=0
    np.testing.assert_allclose(sf.loc[[1.0, 2.0, 3.0, 5.0], "survival"], [5 / 6, 2 / 3, 4 / 9, 0.0])
    assert list(sf.loc[[1.0, 2.0, 3.0], "at_risk"]) == [6, 5, 3]
    assert km.median_survival_time_ == 3.0
    assert km.survival_function_at_times([0.5, 2.5, 10]).tolist() == pytest.approx([1.0, 2 / 3, 0.0])


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    rng = np.random.default_rng(0)
    t = rng.exponential(10, 500).round(1) + 0.1
    sf = KaplanMeierFitter().fit(t).survival_function_
    empirical = 1 - np.searchsorted(np.sort(t), sf.index.to_numpy(), side="right") / t.size
    np.testing.assert_allclose(sf["survival"], empirical)
    assert ((sf["lower"] <= sf["survival"]) & (sf["survival"] <= sf["upper"])).all()


def test_late_entrants_only_count_once_they_are_seen():
    # the customer who entered at 4 cannot be at risk at time 2
    km = KaplanMeierFitter().fit([2, 6, 5], [1, 1, 0], entry=[0, 4, 0])
    assert km.survival_function_.loc[2.0, "at_risk"] == 2
    with pytest.raises(ValueError, match="entry must not exceed"):
        KaplanMeierFitter().fit([2], [1], entry=[3])


def test_interval_hazards_recover_a_constant_rate_with_censoring_and_late_entry():
    rng = np.random.default_rng(1)
    n = 40_000
    life = rng.exponential(1 / 0.05, n)
    entry = rng.uniform(0, 20, n)
    seen = life > entry
    end = np.minimum(life, entry + rng.uniform(0, 30, n))
    table = interval_hazards(end[seen], (life <= end)[seen], [0, 6, 12, 24, 48], entry=entry[seen])
    np.testing.assert_allclose(table["hazard"], 0.05, rtol=0.08)
    assert list(table.columns) == ["start", "end", "exposure", "events", "hazard"]


def test_survival_input_errors_name_the_argument():
    with pytest.raises(ValueError, match="event_observed"):
        KaplanMeierFitter().fit([1, 2], [1, 2])
    with pytest.raises(ValueError, match="breaks"):
        interval_hazards([1, 2], [1, 0], [5])


# --------------------------------------------------------------------------------------- RFM
def orders_table():
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "c", "c"],
        "week": [0, 3, 10, 4, 2, 2],
        "orders": [1, 2, 1, 1, 1, 3],
        "amount": [10.0, 40.0, 30.0, 5.0, 8.0, 60.0],
    })


def test_summary_from_orders_follows_the_bgnbd_conventions():
    s = summary_from_orders(orders_table(), count_col="orders", observation_end=12)
    assert s.loc["a"].to_dict() == pytest.approx(
        {"frequency": 3, "recency": 10, "T": 12, "monetary_value": (40 + 30) / 3, "first": 0, "transactions": 4,
         "last_transactions": 1})
    assert s.loc["b", ["frequency", "recency", "T", "monetary_value"]].tolist() == [0, 0, 8, 0]
    # c: first row stands for 1 transaction, second row (same week) for 3 more: all repeats at recency 0
    assert s.loc["c", ["frequency", "recency", "T", "monetary_value", "last_transactions"]].tolist() == [3, 0, 10, 20, 3]


def test_summary_reads_timestamps_and_ignores_orders_after_the_end():
    orders = pd.DataFrame({"customer_id": [1, 1, 1], "amount": [5.0, 6.0, 7.0],
                           "order_ts": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-03-01"])})
    s = summary_from_orders(orders, time_col="order_ts", observation_end="2024-01-29")
    assert s.loc[1, ["frequency", "recency", "T", "monetary_value"]].tolist() == pytest.approx([1, 2.0, 4.0, 6.0])


def test_summary_names_missing_columns():
    with pytest.raises(ValueError, match="missing column.*'amount'"):
        summary_from_orders(orders_table().drop(columns="amount"))
    with pytest.raises(ValueError, match="empty"):
        summary_from_orders(orders_table().iloc[:0])


def test_rfm_scores_and_concentration():
    s = summary_from_orders(orders_table(), count_col="orders", observation_end=12)
    scores = rfm_scores(s, bins=3)
    assert set(scores.columns) == {"R", "F", "M", "RFM"}
    assert scores["F"].between(1, 3).all() and scores.loc["a", "F"] >= scores.loc["b", "F"]
    assert revenue_concentration([100, 0, 0, 0, 0], 0.2) == 1.0
    assert revenue_concentration([1, 1, 1, 1, 1], 0.2) == pytest.approx(0.2)
