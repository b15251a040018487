"""L04 Lifetime and CLV: cohort retention, survival by tenure, BG/NBD and Gamma-Gamma CLV, P(alive).

Why these questions: in a non-contractual business churn is never observed, only silence. Students
first treat "13 weeks without an order" as a lapse and estimate survival by tenure with Kaplan-Meier
(a reproduce question whose classic mistake, ignoring censoring, is detected); then they fit BG/NBD
and Gamma-Gamma, contrast BG/NBD's P(alive) with a "silence test" (the chance of a silence this long
for a customer still buying at their own rate), and are judged against the answer key: P(alive) by
AUC against who is truly still a customer (the silence test is the method asked for: BG/NBD's
P(alive) ranks barely above chance in this world and earns a hint saying why), CLV by rank
correlation with the true expected discounted margin, and the mean CLV per customer within 50% of
the truth (the models are approximations of the simulated behaviour, so the tolerance is about
getting units, margin and discounting right) with its standard error, which must be the standard
error of the mean (a standard deviation given as the SE loses half the points, with a hint).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question

from .common import observation_end as _end
from .common import orders as _orders

LAPSE_WEEKS = 13
RETENTION_WEEK = 26
CLV_WEEKS = 104
ANNUAL_RATE = 0.10



def _start(data) -> pd.Timestamp:
    return pd.Timestamp(data.metadata["start_date"])



def lapse_table(data) -> pd.DataFrame:
    """Per customer new in the data: tenure (weeks) until 13 weeks without an order, and whether that happened.

    Weeks are whole weeks since the data start. A customer lapses 13 weeks after an order that is not
    followed by another within 13 weeks; one still inside that window at the end is censored.
    """
    customers = data["customers"]
    new = set(customers.loc[pd.to_datetime(customers["signup_date"]) >= _start(data), "customer_id"].astype(str))
    o = _orders(data)
    o = o[o["customer_id"].isin(new)]
    o["week"] = (o["order_ts"] - _start(data)).dt.days // 7
    weeks = o[["customer_id", "week"]].drop_duplicates().sort_values(["customer_id", "week"])
    horizon = int(data.metadata["weeks"])
    nxt = weeks.groupby("customer_id")["week"].shift(-1).fillna(np.inf)
    gap = weeks[(nxt - weeks["week"]) > LAPSE_WEEKS]
    lapse = (gap.groupby("customer_id")["week"].min() + LAPSE_WEEKS).reindex(weeks["customer_id"].unique())
    first = weeks.groupby("customer_id")["week"].min().reindex(lapse.index)
    event = lapse <= horizon
    stop = lapse.where(event, horizon)
    return pd.DataFrame({"duration": (stop - first).astype(float), "lapsed": event.astype(bool)})


def retention_26(data) -> float:
    """Kaplan-Meier survival (not lapsed) at 26 weeks of tenure."""
    from simulations.analytics import KaplanMeierFitter

    t = lapse_table(data)
    return float(KaplanMeierFitter().fit(t["duration"], t["lapsed"]).survival_function_at_times([RETENTION_WEEK]).iloc[0])


def retention_26_naive(data) -> float:
    """Wrong: censoring ignored; everyone not yet 26 weeks in counts as lost."""
    t = lapse_table(data)
    return float((t["duration"] > RETENTION_WEEK).mean())


def _summary(data) -> pd.DataFrame:
    from simulations.analytics import summary_from_orders

    return summary_from_orders(_orders(data), time_col="order_ts", observation_end=_end(data))


def _fits(data):
    from simulations.analytics import BetaGeoFitter, GammaGammaFitter

    s = _summary(data)
    bg = BetaGeoFitter(penalizer_coef=0.001).fit(s["frequency"], s["recency"], s["T"])
    rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]  # a coupon can pay a whole repeat order: no spend to fit
    gg = GammaGammaFitter(penalizer_coef=0.001).fit(rep["frequency"], rep["monetary_value"])
    return s, bg, gg


def p_alive(data) -> pd.Series:
    """Chance of a silence this long for a customer still buying at their own rate: exp(-rate * weeks silent).

    rate = (repeat purchases + 1) / (age in weeks + 1). In the simulated retail world this ranks who is
    still a customer better than BG/NBD's P(alive), whose dropout happens only right after a purchase.
    """
    s = _summary(data)
    rate = (s["frequency"] + 1) / (s["T"] + 1)
    return np.exp(-rate * (s["T"] - s["recency"]))


def p_alive_bgnbd(data) -> pd.Series:
    """Wrong here: BG/NBD's P(alive), whose dropout happens only right after a purchase (ranks barely above chance)."""
    s, bg, _gg = _fits(data)
    return pd.Series(bg.conditional_probability_alive(s["frequency"], s["recency"], s["T"]), index=s.index)


def p_dead(data) -> pd.Series:
    """Wrong: the probability turned upside down."""
    return 1.0 - p_alive(data)


def _margin(data) -> float:
    from simulations.config import load_scenario

    return float(load_scenario(data.metadata["scenario"]).world.costs.gross_margin)


def clv(data, margin: float | None = None) -> pd.Series:
    """Expected discounted gross margin over 104 weeks (4-week steps, 10% a year) per ordering customer."""
    s, bg, gg = _fits(data)
    rate = (1 + ANNUAL_RATE) ** (4 / 52) - 1
    return gg.customer_lifetime_value(bg, s, horizon=CLV_WEEKS, step=4, discount_rate=rate,
                                      margin=_margin(data) if margin is None else margin).fillna(0.0)


def clv_inverse(data) -> pd.Series:
    """Wrong: ranks the most valuable customers lowest."""
    return -clv(data)


def clv_mean(data) -> dict:
    """Mean CLV per ordering customer and its standard error (spread across customers / sqrt(n))."""
    values = clv(data)
    return {"value": float(values.mean()), "se": float(values.std(ddof=1) / np.sqrt(len(values)))}


def clv_mean_sd(data) -> dict:
    """Wrong: the standard deviation across customers given as the standard error of the mean."""
    values = clv(data)
    return {"value": float(values.mean()), "se": float(values.std(ddof=1))}


def clv_mean_revenue(data) -> dict:
    """Wrong: revenue instead of margin."""
    values = clv(data, margin=1.0)
    return {"value": float(values.mean()), "se": float(values.std(ddof=1) / np.sqrt(len(values)))}


def solution(data) -> dict:
    """The model answer as the master computes it."""
    from simulations.analytics import BetaGeoFitter, GammaGammaFitter, KaplanMeierFitter, summary_from_orders
    from simulations.config import load_scenario

    start = pd.Timestamp(data.metadata["start_date"])
    end = pd.Timestamp(data.metadata["end_date"]) + pd.Timedelta(days=1)
    weeks_total = int(data.metadata["weeks"])
    orders = data["orders"].assign(order_ts=lambda f: pd.to_datetime(f["order_ts"]))
    customers = data["customers"]
    new_ids = customers.loc[pd.to_datetime(customers["signup_date"]) >= start, "customer_id"]
    o = orders[orders["customer_id"].isin(new_ids)].assign(week=lambda f: (f["order_ts"] - start).dt.days // 7)
    rows = []
    for cid, w in o.groupby("customer_id")["week"]:
        w = np.unique(w.to_numpy())
        gaps = np.flatnonzero(np.diff(np.append(w, np.inf)) > 13)
        lapse = w[gaps[0]] + 13 if gaps.size else np.inf
        rows.append((cid, min(lapse, weeks_total) - w[0], lapse <= weeks_total))
    table = pd.DataFrame(rows, columns=["customer_id", "duration", "lapsed"])
    km = KaplanMeierFitter().fit(table["duration"], table["lapsed"])
    summary = summary_from_orders(orders, time_col="order_ts", observation_end=end)
    bg = BetaGeoFitter(penalizer_coef=0.001).fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gg = GammaGammaFitter(penalizer_coef=0.001).fit(repeat["frequency"], repeat["monetary_value"])
    margin = load_scenario(data.metadata["scenario"]).world.costs.gross_margin
    values = gg.customer_lifetime_value(bg, summary, horizon=104, step=4, discount_rate=1.1 ** (4 / 52) - 1, margin=margin)
    values = values.fillna(0.0)  # a degenerate fit (no dropout seen) gives NaN
    rate = (summary["frequency"] + 1) / (summary["T"] + 1)
    alive = np.exp(-rate * (summary["T"] - summary["recency"]))
    return {
        "retention_26": float(km.survival_function_at_times([26]).iloc[0]),
        "p_alive": pd.Series(alive, index=summary.index),
        "clv_rank": values,
        "clv_mean": {"value": float(values.mean()), "se": float(values.std() / np.sqrt(len(values)))},
        "churn_observed": "no",
    }


def _ordering(data) -> pd.Index:
    return pd.Index(_orders(data)["customer_id"].unique())


def _truth_alive(keys, data) -> pd.Series:
    """1 for customers still in the relationship at the end (not dormant or lost)."""
    t = keys["truth_customers"].set_index(keys["truth_customers"]["customer_id"].astype(str))
    return t.loc[_ordering(data), "alive"].astype(float)


def _truth_clv(keys, data) -> pd.Series:
    t = keys["truth_customers"].set_index(keys["truth_customers"]["customer_id"].astype(str))
    return t.loc[_ordering(data), "clv"].astype(float)


def _truth_clv_mean(keys, data) -> float:
    return float(_truth_clv(keys, data).mean())


SPEC = LabSpec(
    lab_id="L04",
    title="L04 Lifetime and CLV",
    title_zh="L04 客户生命期与客户终身价值",
    default_dataset="retail-default",
    questions=(
        Question("retention_26", "scalar",
                 "Customers new in the data (signup on or after the start date): call a customer lapsed 13 weeks after an "
                 "order not followed by another within 13 weeks (whole weeks since the data start). With Kaplan-Meier "
                 "(simulations.analytics.KaplanMeierFitter), which share is still not lapsed at 26 weeks of tenure?",
                 mode="reproduce", checks={"range": [0, 1]}, reference=retention_26, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("censoring", retention_26_naive,
                                               "customers who joined under 26 weeks before the end are censored, not lost",
                                               "在数据结束前不到 26 周才加入的客户是删失的，而不是已经流失"),)),
        Question("p_alive", "predictions",
                 "Give every ordering customer the probability that they are still alive (a customer, not dormant or lost) at "
                 "the end, by the silence test of section 3: exp(-rate x weeks silent), rate = (repeat purchases + 1) / "
                 "(age in weeks + 1). Graded by how well it ranks the truly alive above the others (AUC).",
                 mode="relative", points=2.0, checks={"ids": "customers", "range": [0, 1]}, reference=p_alive,
                 truth=_truth_alive, params={"full_at": 0.9, "baseline_metric": 0.5,
                                             "hint_match": {"rank_only": True, "min_rho": 0.95}},
                 misconceptions=(Misconception("inverted", p_dead, "your probabilities seem to be of being dead, not alive",
                                                                   "你给出的似乎是已流失的概率，而不是存活的概率"),
                                 Misconception("bgnbd", p_alive_bgnbd,
                                               "this looks like BG/NBD's P(alive); BG/NBD lets customers drop out only "
                                               "right after a purchase, which does not fit customers who drift away during "
                                               "a silence: use the silence test of section 3",
                                               "这看起来是 BG/NBD 的存活概率；BG/NBD 只允许客户在一次购买之后立即流失，"
                                               "不适合在沉默中慢慢疏远的客户：请使用第 3 节的沉默检验"),)),
        Question("clv_rank", "values",
                 "Give every ordering customer a CLV (expected discounted margin over the next 104 weeks).",
                 mode="relative", points=2.0, checks={"ids": "customers"}, reference=clv, truth=_truth_clv,
                 params={"full_at": 0.9, "baseline_metric": 0.0, "hint_match": {"rank_only": True}},
                 misconceptions=(Misconception("inverse", clv_inverse, "your ranking seems to be upside down",
                                                                       "你的排序似乎正好颠倒了"),)),
        Question("clv_mean", "estimate",
                 "Estimate the mean CLV per ordering customer (gross margin, 104 weeks, 10% a year) with its standard "
                 "error (of the mean, across customers). The mean is graded against the true mean within 50% (1 point), "
                 "the standard error against what your CLVs give (1 point).",
                 mode="close_to_truth", points=2.0, checks={"range": [0, None]}, reference=clv_mean,
                 truth=_truth_clv_mean, params={"atol": 0.0, "rtol": 0.5, "se_check": {"atol": 0.0, "rtol": 0.5},
                                                "se_weight": 0.5},
                 misconceptions=(Misconception("revenue", clv_mean_revenue,
                                               "CLV is margin, not revenue: multiply by the scenario's gross margin",
                                               "客户终身价值按毛利而不是收入计算：请乘以情景中的毛利率"),
                                 Misconception("sd_as_se", clv_mean_sd,
                                               "your standard error looks like the standard deviation across customers: "
                                               "the standard error of a mean is that spread divided by the square root of "
                                               "the number of customers",
                                               "你的标准误看起来是客户之间的标准差：均值的标准误是这个标准差除以客户数的平方根",
                                               on="se"),)),
        Question("churn_observed", "choice",
                 "In this retail business, does the firm observe the moment a customer churns?",
                 mode="exact", checks={"choices": ["yes", "no"]}, params={"correct": "no"}),
    ),
    solution=solution,
    wrong_methods={
        "retention_ignoring_censoring": ("retention_26", retention_26_naive),
        "p_alive_inverted": ("p_alive", p_dead),
        "p_alive_bgnbd": ("p_alive", p_alive_bgnbd),
        "clv_inverse": ("clv_rank", clv_inverse),
        "clv_mean_revenue": ("clv_mean", clv_mean_revenue),
        "clv_mean_sd_as_se": ("clv_mean", clv_mean_sd),
        "churn_observed_yes": ("churn_observed", lambda data: "yes"),
    },
)
