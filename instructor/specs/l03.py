"""L03 Customer value: RFM, the customer pyramid, revenue concentration and the nine value types.

Why these questions: docs/COURSE.md sec. 2 asks students to see value in three time parts (historical,
current, potential) and to find that a few customers bring most of the revenue. Concentration and
RFM are "reproduce" questions on the student's own orders (exact methods, tight tolerance, known
mistakes detected); the nine value types are judged against the true types of the answer key
(current value x potential value terciles) by partition agreement (adjusted Rand index) between a
naive single-type answer and the reference analysis (last year's spend x the customer's spending
pace carried over 104 weeks; the lifetime models BG/NBD and Gamma-Gamma come only in L04).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question

from .common import observation_end as _end
from .common import orders as _orders

CURRENT_WEEKS = 52
CLV_WEEKS = 104




def _revenue(data) -> np.ndarray:
    return np.sort(_orders(data).groupby("customer_id")["amount"].sum().to_numpy())[::-1]


def top20_share(data) -> float:
    """Revenue share of the top 20% of ordering customers (rounded up to whole customers)."""
    spend = _revenue(data)
    return float(spend[: math.ceil(0.2 * len(spend))].sum() / spend.sum())


def top20_over_everyone(data) -> float:
    """Wrong: customers who never ordered counted in the 20%."""
    spend = _orders(data).groupby("customer_id")["amount"].sum()
    spend = np.sort(spend.reindex(data["customers"]["customer_id"].astype(str), fill_value=0.0).to_numpy())[::-1]
    return float(spend[: math.ceil(0.2 * len(spend))].sum() / spend.sum())


def top20_of_orders(data) -> float:
    """Wrong: the largest 20% of orders instead of customers."""
    amounts = np.sort(_orders(data)["amount"].to_numpy())[::-1]
    return float(amounts[: math.ceil(0.2 * len(amounts))].sum() / amounts.sum())


def customers_for_half(data) -> int:
    """Fewest ordering customers whose revenue together reaches half of all revenue (the Pareto curve at 50%)."""
    spend = _revenue(data)
    return int(np.searchsorted(np.cumsum(spend), 0.5 * spend.sum()) + 1)


def customers_for_half_ascending(data) -> int:
    """Wrong: the curve accumulated from the smallest customers up."""
    spend = _revenue(data)[::-1]
    return int(np.searchsorted(np.cumsum(spend), 0.5 * spend.sum()) + 1)


def _summary(data) -> pd.DataFrame:
    from simulations.analytics import summary_from_orders

    return summary_from_orders(_orders(data), time_col="order_ts", observation_end=_end(data))


def rfm_codes(data) -> dict:
    """RFM code (R*100 + F*10 + M, quintiles of simulations.analytics.rfm_scores) of every ordering customer."""
    from simulations.analytics import rfm_scores

    scores = rfm_scores(_summary(data))
    return (scores["R"] * 100 + scores["F"] * 10 + scores["M"]).astype(float).to_dict()


def rfm_recency_reversed(data) -> dict:
    """Wrong: recency scored the wrong way (long silence = 5)."""
    from simulations.analytics import rfm_scores

    scores = rfm_scores(_summary(data))
    return ((6 - scores["R"]) * 100 + scores["F"] * 10 + scores["M"]).astype(float).to_dict()


def _terciles(values: pd.Series) -> pd.Series:
    return pd.qcut(values.rank(method="first"), 3, labels=False).astype(int)


def current_value(data) -> pd.Series:
    """Spend in the last 52 weeks per customer (0 without orders)."""
    o = _orders(data)
    recent = o[o["order_ts"] >= _end(data) - pd.Timedelta(weeks=CURRENT_WEEKS)]
    return recent.groupby("customer_id")["amount"].sum().reindex(data["customers"]["customer_id"].astype(str),
                                                                 fill_value=0.0)


def potential_value(data) -> pd.Series:
    """The customer's own pace carried forward: spend per week since the first order x 104 (0 without orders).

    L03 comes before the lifetime models (BG/NBD, Gamma-Gamma: L04), so potential value here is the
    run-rate a student can compute and explain from the orders alone.
    """
    s = _summary(data)
    spend = _orders(data).groupby("customer_id")["amount"].sum().reindex(s.index)
    pace = spend / (s["T"] + 1)
    return (CLV_WEEKS * pace).reindex(data["customers"]["customer_id"].astype(str), fill_value=0.0)


def value_types(data) -> dict:
    """Nine types: current-value tercile x potential-value tercile (labels 'c0-p2' etc.)."""
    cur, pot = _terciles(current_value(data)), _terciles(potential_value(data))
    return ("c" + cur.astype(str) + "-p" + pot.astype(str)).to_dict()


def one_type(data) -> dict:
    """Naive baseline: everyone the same type."""
    return dict.fromkeys(data["customers"]["customer_id"].astype(str), "all")


def signup_month_types(data) -> dict:
    """Wrong: nine groups that say nothing about value (calendar month of signup, folded into nine)."""
    customers = data["customers"]
    month = pd.to_datetime(customers["signup_date"]).dt.month.fillna(0).astype(int) % 9
    return dict(zip(customers["customer_id"].astype(str), "m" + month.astype(str), strict=True))


def solution(data) -> dict:
    """The model answer as the master computes it."""
    from simulations.analytics import rfm_scores, summary_from_orders

    orders = data["orders"].assign(order_ts=lambda f: pd.to_datetime(f["order_ts"]))
    end = pd.Timestamp(data.metadata["end_date"]) + pd.Timedelta(days=1)
    revenue = orders.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    curve = revenue.cumsum() / revenue.sum()
    summary = summary_from_orders(orders, time_col="order_ts", observation_end=end)
    rfm = rfm_scores(summary)
    ids = data["customers"]["customer_id"]
    current = orders[orders["order_ts"] >= end - pd.Timedelta(weeks=52)].groupby("customer_id")["amount"].sum()
    current = current.reindex(ids, fill_value=0.0)
    pace = orders.groupby("customer_id")["amount"].sum().reindex(summary.index) / (summary["T"] + 1)
    potential = (104 * pace).reindex(ids, fill_value=0.0)

    def tercile(v):
        return pd.qcut(v.rank(method="first"), 3, labels=["low", "mid", "high"]).astype(str)

    types = tercile(current) + " current / " + tercile(potential) + " potential"
    return {
        "top20_share": float(revenue.head(math.ceil(0.2 * len(revenue))).sum() / revenue.sum()),
        "customers_for_half": int((curve < 0.5).sum() + 1),
        "rfm_cells": {c: int(r * 100 + f * 10 + m) for c, r, f, m in zip(rfm.index, rfm["R"], rfm["F"], rfm["M"], strict=True)},
        "value_types": dict(zip(ids, types, strict=True)),
        "potential_example": "potential",
    }


def _truth_types(keys, data) -> pd.Series:
    t = keys["truth_customers"]
    return pd.Series(t["value_type"].astype(str).to_numpy(), index=t["customer_id"].astype(str).to_numpy())


SPEC = LabSpec(
    lab_id="L03",
    title="L03 Customer value",
    title_zh="L03 客户价值",
    default_dataset="retail-default",
    questions=(
        Question("top20_share", "scalar",
                 "Which share of revenue comes from the top 20% of ordering customers by revenue (20% rounded up to whole "
                 "customers)? Answer as a fraction.",
                 mode="reproduce", checks={"range": [0, 1]}, reference=top20_share, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(
                     Misconception("everyone", top20_over_everyone,
                                   "your 20% seems to include customers who never ordered",
                                   "你的 20% 似乎把从未下过单的客户也算进去了"),
                     Misconception("orders", top20_of_orders, "you seem to have taken the largest 20% of ORDERS",
                                                              "你取的似乎是金额最大的 20% 的订单，而不是客户"))),
        Question("customers_for_half", "scalar",
                 "Read the Pareto curve: how many customers (the biggest first) bring at least half of all revenue?",
                 mode="reproduce", checks={"range": [1, None], "integer": True}, reference=customers_for_half,
                 params={"atol": 0.5, "rtol": 0.0},
                 misconceptions=(Misconception("ascending", customers_for_half_ascending,
                                               "accumulate from the biggest customers down, not from the smallest up",
                                               "应从最大的客户往下累加，而不是从最小的客户往上累加"),)),
        Question("rfm_cells", "values",
                 "Give every ordering customer their RFM cell as a number R*100 + F*10 + M, with quintile scores from "
                 "simulations.analytics.rfm_scores (orders in datetime, observation end = the day after end_date).",
                 mode="reproduce", checks={"ids": "customers", "range": [111, 555]}, reference=rfm_codes,
                 params={"atol": 0.5, "rtol": 0.0},
                 misconceptions=(Misconception("recency_reversed", rfm_recency_reversed,
                                               "recency: a RECENT last purchase should get the high score",
                                               "最近购买（R）：最后一次购买越近，得分应越高"),)),
        Question("value_types", "partition",
                 "Label every customer with one of nine value types: low/mid/high CURRENT value (last 52 weeks) crossed with "
                 "low/mid/high POTENTIAL value (expected future value, e.g. the spending pace since the first order "
                 "carried over 104 weeks). Any label names; graded by agreement with the true types.",
                 mode="relative", points=3.0, checks={"ids": "customers", "all": True, "max_labels": 9},
                 reference=value_types, baseline=one_type, truth=_truth_types, params={"full_at": 0.85},
                 misconceptions=(Misconception("unrelated", signup_month_types,
                                               "your groups do not seem to follow current and potential value",
                                               "你的分组似乎没有依据当前价值和潜在价值来划分"),)),
        Question("potential_example", "choice",
                 "A bank courts university students whose current value is low. Which part of customer value is it after?",
                 mode="exact", checks={"choices": ["historical", "current", "potential"]}, params={"correct": "potential"}),
    ),
    solution=solution,
    wrong_methods={
        "top20_everyone": ("top20_share", top20_over_everyone),
        "top20_orders": ("top20_share", top20_of_orders),
        "half_ascending": ("customers_for_half", customers_for_half_ascending),
        "rfm_recency_reversed": ("rfm_cells", rfm_recency_reversed),
        "types_one": ("value_types", one_type),
        "types_by_signup_month": ("value_types", signup_month_types),
        "potential_current": ("potential_example", lambda data: "current"),
    },
)
