"""Realism of the simulated data: stylized facts of published customer data (GitHub issue 3).

Each band is the issue's; sources are cited in the scenario YAML comments and in README "Realism".
Simulations are run once per module (fixtures) and several tests read the same run, so a failure
names the band that broke. Figures measured over 20 seeds are in the README.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulations.analytics import BetaGeoFitter, interval_hazards, revenue_concentration, summary_from_orders
from simulations.analytics.btyd import CDNOW_PARAMS
from simulations.config import CONTRACT_TYPES
from simulations.model import CustomerLifecycleModel
from simulations.stages import ACTIVE_STAGES, Stage

#: One worker sets up this module's expensive module-scoped fixture once (pyproject: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_realism")

WEEKS_PER_MONTH = 52 / 12


def run_and_collect(model: CustomerLifecycleModel, weeks: int, kinds: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Run the model and keep the event tables of ``kinds`` (with a week column) as DataFrames."""
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in kinds}

    def observer(m, log):
        for kind in kinds:
            table = log.tables.get(kind)
            if table is not None and len(next(iter(table.values()))):
                parts[kind].append(pd.DataFrame({**table, "week": log.week}))

    model.observers.append(observer)
    model.run(weeks)
    return {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}


def cohort_orders(model, orders, first_week, last_week):
    """Orders of the customers whose first purchase fell in [first_week, last_week]."""
    signup = model.population.signup_week
    cohort = np.flatnonzero((signup >= first_week) & (signup <= last_week))
    mine = orders[np.isin(orders["customer"], cohort)].rename(columns={"customer": "customer_id"})
    return cohort, mine


# ------------------------------------------------------------------------------ retail (CDNOW)
@pytest.fixture(scope="module")
def retail():
    """A first-purchase cohort (weeks 1-13) followed for 78 more weeks, as CDNOW was."""
    model = CustomerLifecycleModel("retail", customers=40_000, seed=7, collect=False)
    orders = run_and_collect(model, 91, ("orders",))["orders"]
    cohort, mine = cohort_orders(model, orders, 1, 13)
    assert cohort.size > 700, "the retail cohort is too small to measure anything"
    return model, orders, cohort, mine


def test_most_first_time_buyers_do_not_buy_again_within_39_weeks(retail):
    model, _, cohort, mine = retail
    signup = model.population.signup_week[mine["customer_id"].to_numpy()]
    repeat = mine[(mine["week"] > signup) & (mine["week"] <= signup + 39)]
    share = 1.0 - np.isin(cohort, repeat["customer_id"]).mean()
    assert 0.45 <= share <= 0.70, f"no-repeat share within 39 weeks {share:.3f} (CDNOW: 0.60)"


def test_top_fifth_of_customers_bring_most_revenue(retail):
    _, _, cohort, mine = retail
    revenue = mine.groupby("customer_id")["amount"].sum().reindex(cohort, fill_value=0.0)
    share = revenue_concentration(revenue, 0.2)
    assert 0.60 <= share <= 0.80, f"top 20% bring {share:.3f} of revenue (CDNOW: 0.68)"


def test_order_values_are_right_skewed(retail):
    _, orders, _, _ = retail
    value = orders["amount"] / orders["orders"]
    ratio = value.mean() / value.median()
    assert 1.2 <= ratio <= 1.6, f"order value mean/median {ratio:.3f}"


def test_frequency_and_average_spend_are_nearly_uncorrelated(retail):
    model, _, _, mine = retail
    summary = summary_from_orders(mine, count_col="orders", observation_end=model.week)
    repeaters = summary[summary["frequency"] > 0]
    r = np.corrcoef(repeaters["frequency"], repeaters["monetary_value"])[0, 1]
    assert abs(r) < 0.2, f"corr(frequency, average spend) = {r:.3f} (CDNOW: 0.11)"


# ----------------------------------------------------------------------------- BTYD recovery
@pytest.mark.slow
def test_bgnbd_fit_recovers_the_parameters_of_the_btyd_scenario():
    """5,000 first-time buyers of weeks 1-12, observed to week 156; each parameter within 20%.

    Time origin: the end of the signup week (the engine's first purchase comes with the signup,
    and further orders of that week are not part of the Poisson process); an order's time is its
    week. The textbook continuous-time fit is used, as a student would.
    """
    model = CustomerLifecycleModel("retail-btyd", seed=1, collect=False)
    orders = run_and_collect(model, 156, ("orders",))["orders"]
    signup = model.population.signup_week
    cohort = np.flatnonzero((signup >= 1) & (signup <= 12))
    assert cohort.size >= 5000
    cohort = cohort[np.lexsort((cohort, signup[cohort]))][:5000]
    mine = orders[np.isin(orders["customer"], cohort)].rename(columns={"customer": "customer_id"})
    first = mine["week"].to_numpy() == signup[mine["customer_id"].to_numpy()]
    mine.loc[first, "orders"] = 1
    summary = summary_from_orders(mine, count_col="orders", observation_end=model.week)
    assert len(summary) == 5000
    fit = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    for name, truth in CDNOW_PARAMS.items():
        estimate = fit.params_[name]
        assert abs(estimate / truth - 1) <= 0.20, f"{name}: estimated {estimate:.3f}, true {truth}"


# ------------------------------------------------------------------------------------ telecom
@pytest.fixture(scope="module")
def telecom():
    model = CustomerLifecycleModel("telecom", customers=10_000, seed=3, collect=False)
    active_by_contract = []

    def exposure(m, log):
        pop = m.population
        active = np.isin(pop.stage, ACTIVE_STAGES)
        active_by_contract.append(np.bincount(pop.contract[active], minlength=len(CONTRACT_TYPES)))

    model.observers.append(exposure)
    ended = run_and_collect(model, 104, ("terminations",))["terminations"]
    months = np.sum(active_by_contract, axis=0) / WEEKS_PER_MONTH
    return model, ended, months


def monthly_churn_by_contract(model, ended, months):
    counts = np.bincount(model.population.contract[ended["customer"].to_numpy()], minlength=len(CONTRACT_TYPES))
    return {name: counts[i] / months[i] for i, name in enumerate(CONTRACT_TYPES) if months[i] > 0}


def test_month_to_month_churns_most_and_two_year_least(telecom):
    rates = monthly_churn_by_contract(*telecom)
    m2m, one, two = rates["month-to-month"], rates["one-year"], rates["two-year"]
    assert m2m > one > two, f"monthly churn m2m {m2m:.4f}, one-year {one:.4f}, two-year {two:.4f} (IBM Telco: 42.7/11.3/2.8%)"


def test_overall_monthly_churn_is_in_the_published_range(telecom):
    model, ended, months = telecom
    rate = len(ended) / months.sum()
    assert 0.007 <= rate <= 0.035, f"overall monthly churn {rate:.4f}"


def test_churn_hazard_is_highest_early_in_the_tenure(telecom):
    """Kaplan-Meier style life table: customers already there at week 0 enter late (left truncation)."""
    model, ended, _ = telecom
    pop = model.population
    signup = pop.signup_week.astype(float)
    customers = np.flatnonzero(pop.stage != Stage.PROSPECT)
    first_end = ended.groupby("customer")["week"].min()
    end_week = np.full(pop.n, -1)
    end_week[first_end.index.to_numpy()] = first_end.to_numpy()
    end = end_week[customers]
    event = end >= 0
    duration = np.where(event, end - signup[customers], model.week - signup[customers]) / WEEKS_PER_MONTH
    entry = np.maximum(-signup[customers], 0.0) / WEEKS_PER_MONTH
    keep = duration > entry
    table = interval_hazards(duration[keep], event[keep], [0, 6, 12, 24, 48], entry=entry[keep])
    early, late = table["hazard"].iloc[0], table["hazard"].iloc[3]
    assert table["events"].iloc[3] > 30, "too few late-tenure churners to measure a hazard"
    assert early >= 3 * late, f"monthly hazard months 1-6 {early:.4f} vs 25-48 {late:.4f}"


# ---------------------------------------------------------------------------------- community
@pytest.fixture(scope="module")
def community():
    model = CustomerLifecycleModel("appliance-community", customers=10_000, seed=5, collect=False)
    ideas = run_and_collect(model, 104, ("ideas",))["ideas"]
    members = np.flatnonzero(model.population.community_member)
    posts = pd.Series(0, index=members).add(ideas["author"].value_counts(), fill_value=0).to_numpy()
    return ideas, members, posts


def test_about_nine_in_ten_members_never_post(community):
    _, members, posts = community
    assert members.size > 1000
    never = (posts == 0).mean()
    assert 0.85 <= never <= 0.95, f"{never:.3f} of members never posted (90-9-1 rule: 0.90)"


def test_a_few_percent_of_members_post_most_ideas(community):
    _, _, posts = community
    top = np.sort(posts)[::-1]
    share = top[: int(round(0.03 * top.size))].sum() / top.sum()
    assert share > 0.5, f"the top 3% of members posted {share:.3f} of ideas"


def test_under_two_percent_of_ideas_are_adopted(community):
    ideas, _, _ = community
    assert len(ideas) > 200
    rate = ideas["adopted"].mean()
    assert 0 < rate < 0.02, f"{rate:.4f} of ideas adopted"
