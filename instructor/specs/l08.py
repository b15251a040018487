"""L08 Is the loyalty programme worth it? Incremental effect of membership, points liability and ROI.

Why these questions: docs/COURSE.md sec. 5 warns that a loyalty programme that rewards everyone
mostly pays people who would have bought anyway. In the retail data heavy buyers join first (members
are asked at checkout, so the more often someone buys, the sooner they join), so the naive
member/non-member gap measures self-selection, not the programme. Students estimate the effect of
joining with a difference-in-differences around the checkout week: in a week when several
non-members buy, who joins is as good as random, so joiners are compared with the buyers of the
same week who did not join, each group's spending after minus before (reproduce mode, the naive gap
and a before/after without control group get hints). The points liability is reproduced from the
ledger. The programme ROI is graded by simulation, because only the same world without the programme
tells what members would have bought: the grader runs the student's scenario on the lab seed with the
programme on and off (paired seeds: the same random numbers), small (2,000 customers, 26 weeks) and
cached, since the answer keys do not record membership effects.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question

from .common import sim_seed

WINDOW = 26  # weeks before and after the checkout week in the difference-in-differences
SIM_CUSTOMERS = 2_000
SIM_WEEKS = 26


def _weeks(dates: pd.Series, start: pd.Timestamp) -> pd.Series:
    """Week of the data (1 = the first week) of each date."""
    return (pd.to_datetime(dates) - start).dt.days // 7 + 1


def _panel(data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekly spend (customers x weeks, column w-1 = week w), join week (inf: never) and signup week per customer."""
    start = pd.Timestamp(data.metadata["start_date"])
    n_weeks = int(data.metadata["weeks"])
    customers = data["customers"]
    ids = customers["customer_id"].astype(str)
    index = pd.Index(ids)
    orders = data["orders"]
    row = index.get_indexer(orders["customer_id"].astype(str))
    week = _weeks(orders["order_ts"], start).to_numpy()
    keep = (row >= 0) & (week >= 1) & (week <= n_weeks)
    spend = np.zeros((len(index), n_weeks))
    np.add.at(spend, (row[keep], week[keep] - 1), orders["amount"].to_numpy(dtype=float)[keep])
    join = _weeks(customers["loyalty_join_date"], start).to_numpy(dtype=float, na_value=np.inf)
    signup = np.maximum(_weeks(customers["signup_date"], start).to_numpy(dtype=float, na_value=1.0), 1)
    return spend, join, signup


def _events(data) -> pd.DataFrame:
    """One row per (non-member who bought in week t, t): joined that week or not, spend 26 weeks before and after."""
    spend, join, _ = _panel(data)
    n_weeks = spend.shape[1]
    cum = np.concatenate([np.zeros((spend.shape[0], 1)), spend.cumsum(axis=1)], axis=1)  # cum[:, w] = weeks 1..w
    weeks = np.arange(WINDOW + 1, n_weeks - WINDOW + 1)
    # all checkout weeks at once (one boolean mask) instead of a frame per week: the grader runs this per dataset
    rows, col = np.nonzero((spend[:, weeks - 1] > 0) & (join[:, None] >= weeks[None, :]))
    t = weeks[col]
    order = np.lexsort((rows, t))  # week by week, customers in table order, as a loop over the weeks gives them
    rows, t = rows[order], t[order]
    return pd.DataFrame({"week": t, "joined": join[rows] == t, "before": cum[rows, t - 1] - cum[rows, t - 1 - WINDOW],
                         "after": cum[rows, t + WINDOW] - cum[rows, t]})


def did_effect(data) -> float:
    """Difference-in-differences per customer and week: joiners' (after - before) minus non-joiners' (after - before), / 26."""
    e = _events(data)
    change = (e["after"] - e["before"]).groupby(e["joined"]).mean()
    return float((change.get(True, np.nan) - change.get(False, np.nan)) / WINDOW)


def did_se(data) -> float:
    """Standard error of the difference-in-differences: sqrt(var_T / n_T + var_C / n_C) / 26 (sample variances)."""
    e = _events(data)
    change = (e["after"] - e["before"]).groupby(e["joined"])
    var, n = change.var(), change.size()
    return float(np.sqrt(var.get(True, np.nan) / n.get(True, 0) + var.get(False, np.nan) / n.get(False, 0)) / WINDOW)


def did_sd(data) -> float:
    """Wrong: the spread of the changes (standard deviations), not the standard error of the difference of means."""
    e = _events(data)
    var = (e["after"] - e["before"]).groupby(e["joined"]).var()
    return float(np.sqrt(var.get(True, np.nan) + var.get(False, np.nan)) / WINDOW)


def before_after(data) -> float:
    """Wrong: joiners' spend after minus before (per week), without the non-joiners of the same week as control."""
    e = _events(data)
    joined = e[e["joined"]]
    return float((joined["after"] - joined["before"]).mean() / WINDOW)


def naive_gap(data) -> float:
    """Wrong: mean weekly spend in member weeks minus mean weekly spend in non-member weeks (self-selection)."""
    spend, join, signup = _panel(data)
    week = np.arange(1, spend.shape[1] + 1)[None, :]
    member = week >= join[:, None]
    customer = week >= signup[:, None]
    return float(spend[member].mean() - spend[customer & ~member].mean())


def _loyalty_policy(data):
    return _scenario(str(data.metadata["scenario"])).policies.loyalty


@lru_cache(maxsize=8)
def _scenario(name: str):
    """The scenario by name, parsed once (its YAML costs more than the rest of a liability question)."""
    from simulations.config import load_scenario

    return load_scenario(name)


def points_liability(data) -> float:
    """Outstanding points (earned minus redeemed, all members) x reward value / points per reward."""
    p = _loyalty_policy(data)
    return float(data["loyalty_ledger"]["points"].sum() * p.reward_value / p.redemption_points)


def liability_earned_only(data) -> float:
    """Wrong: every point ever earned, redemptions not deducted."""
    p = _loyalty_policy(data)
    ledger = data["loyalty_ledger"]
    return float(ledger.loc[ledger["kind"] == "earn", "points"].sum() * p.reward_value / p.redemption_points)


def liability_in_points(data) -> float:
    """Wrong: the outstanding points themselves, not converted into money."""
    return float(data["loyalty_ledger"]["points"].sum())


@lru_cache(maxsize=256)
def _run(scenario_name: str, seed: int, enabled: bool) -> tuple[float, float, float]:
    """Revenue, gross margin and loyalty cost of one small run (cached: the reference and wrong methods share it)."""
    from simulations.model import CustomerLifecycleModel

    model = CustomerLifecycleModel(_scenario(scenario_name), customers=SIM_CUSTOMERS, seed=seed,
                                   policies__loyalty__enabled=enabled)
    model.run(SIM_WEEKS)
    k = model.kpi_frame()
    return float(k["revenue"].sum()), float(k["gross_margin"].sum()), float(k["cost_loyalty"].sum())


def _on_off(data) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    name, seed = str(data.metadata["scenario"]), sim_seed(data)
    return _run(name, seed, True), _run(name, seed, False)


def roi_simulated(data) -> float:
    """Incremental gross margin (programme on minus off, same seed) / programme cost."""
    (_, margin_on, cost), (_, margin_off, _) = _on_off(data)
    return (margin_on - margin_off) / cost


def roi_revenue(data) -> float:
    """Wrong: incremental revenue instead of incremental margin."""
    (revenue_on, _, cost), (revenue_off, _, _) = _on_off(data)
    return (revenue_on - revenue_off) / cost


def roi_all_margin(data) -> float:
    """Wrong: all the margin of the world with the programme credited to the programme."""
    (_, margin_on, cost), _ = _on_off(data)
    return margin_on / cost


def _truth_roi(keys, data) -> float:
    return roi_simulated(data)


def solution(data) -> dict:
    """The model answer as the master computes it (the same steps, the grader's cached runs for Q3)."""
    return {
        "did_effect": did_effect(data),
        "did_se": did_se(data),
        "points_liability": points_liability(data),
        "roi": roi_simulated(data),
        "self_selection": SELECTION_CHOICES[0],
    }


SELECTION_CHOICES = ["frequent buyers join first", "the programme makes members buy several times more",
                     "members are chosen at random", "non-members never buy"]

SPEC = LabSpec(
    lab_id="L08",
    title="L08 Is the loyalty programme worth it?",
    title_zh="L08 会员忠诚计划值得吗？",
    default_dataset="retail-default",
    scenario="retail",
    questions=(
        Question("self_selection", "choice", "Why does the naive member/non-member comparison overstate the effect?",
                 mode="exact", checks={"choices": SELECTION_CHOICES}, params={"correct": SELECTION_CHOICES[0]}),
        Question("did_effect", "scalar",
                 f"Difference-in-differences around the checkout week: for every week t with {WINDOW} weeks of data "
                 f"before and after it, take the customers who bought in week t and were not members before t; the "
                 f"treated joined in week t, the controls did not. For each such (customer, t) compute spend in weeks "
                 f"t+1..t+{WINDOW} minus spend in weeks t-{WINDOW}..t-1; the answer is the treated mean minus the "
                 f"control mean, divided by {WINDOW} (currency per customer and week).",
                 mode="reproduce", points=2.0, checks={"range": [-1000, 1000]}, reference=did_effect,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("naive", naive_gap,
                                               "this is the naive gap between members and non-members: frequent buyers "
                                               "join first, so it measures who joins, not what joining changes",
                                               "这是会员与非会员之间的简单差距：购买频繁的客户最先入会，所以它衡量的是"
                                               "谁会入会，而不是入会带来的变化"),
                                 Misconception("before_after", before_after,
                                               "this is the joiners' change from before to after without a control "
                                               "group: subtract the change of the buyers of the same week who did not join",
                                               "这是入会者前后的变化，没有对照组：请减去同一周购买但没有入会的客户的变化"))),
        Question("did_se", "scalar",
                 f"Standard error of your difference-in-differences, treating the (customer, t) rows as independent: "
                 f"sqrt(s_T^2 / n_T + s_C^2 / n_C) / {WINDOW}, where s^2 is the sample variance (ddof=1) of the "
                 f"after-minus-before changes and n the number of rows in the treated (T) and control (C) groups.",
                 mode="reproduce", checks={"range": [0, 1000]}, reference=did_se, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("sd", did_sd,
                                               "this looks like the spread of the changes: the standard error of a mean "
                                               "divides each variance by its group's number of rows",
                                               "这看起来是变化量本身的离散程度：均值的标准误要把每组的方差除以该组的行数"),)),
        Question("points_liability", "scalar",
                 "Points liability at the end of the data: outstanding points (all points earned minus all points "
                 "redeemed in the loyalty ledger) x reward value / points needed for one reward (currency).",
                 mode="reproduce", checks={"range": [0, 1e9]}, reference=points_liability,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("earned_only", liability_earned_only,
                                               "redeemed points are no longer owed: deduct the redemptions",
                                               "已兑换的积分不再是负债：请扣除已兑换的积分"),
                                 Misconception("in_points", liability_in_points,
                                               "this is a number of points: convert it into money (reward value / points "
                                               "per reward)",
                                               "这是积分数量：请把它换算成金额（奖励价值 / 每个奖励所需积分）"))),
        Question("roi", "scalar",
                 f"Programme ROI by simulation: run your scenario with {SIM_CUSTOMERS:,} customers for {SIM_WEEKS} "
                 f"weeks on your lab seed, once with the loyalty programme (policies.loyalty.enabled=True) and once "
                 f"without (False), same seed; ROI = (gross margin with - gross margin without) / loyalty programme "
                 f"cost (cost_loyalty) of the run with the programme. Scored by simulating the same runs.",
                 mode="close_to_truth", points=2.0, checks={"range": [-1000, 1000]}, truth=_truth_roi,
                 params={"atol": 0.01, "rtol": 0.001},
                 misconceptions=(Misconception("revenue", roi_revenue,
                                               "this uses the extra revenue: the programme is paid from margin, use the "
                                               "incremental gross margin",
                                               "这里用的是增加的收入：会员计划的成本要由毛利来支付，请使用增量毛利"),
                                 Misconception("all_margin", roi_all_margin,
                                               "this credits the programme with all the margin: only the difference to "
                                               "the run without the programme is its effect",
                                               "这把全部毛利都算作会员计划的功劳：只有与不实行会员计划的模拟之间的差额"
                                               "才是它的效果"))),
    ),
    solution=solution,
    wrong_methods={
        "did_naive_gap": ("did_effect", naive_gap),
        "did_before_after": ("did_effect", before_after),
        "did_se_as_sd": ("did_se", did_sd),
        "liability_earned_only": ("points_liability", liability_earned_only),
        "liability_in_points": ("points_liability", liability_in_points),
        "roi_revenue": ("roi", roi_revenue),
        "roi_all_margin": ("roi", roi_all_margin),
        "selection_random": ("self_selection", lambda data: "members are chosen at random"),
    },
)
