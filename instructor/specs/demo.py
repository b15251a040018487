"""DEMO: a five-question lab on the retail default dataset that exercises every part of the grader.

Why it exists: the real labs (L01-L05) are written later with this framework; DEMO is the worked
example for spec authors and the lab the tests, the fixture submissions and ``grade validate``
use. Questions: a count (reproduce), a concentration share (reproduce, with misconception
hints), churned-or-lapsing customers (set of ids, Youden's J vs truth relative to a recency rule: with
about a quarter of customers lapsed, flagging everyone reached the rule's F1 on a third of the seeds),
a customer-value ranking (Spearman vs true CLV relative to recent spend) and a choice from
the course's figures (keeping a customer costs about a quarter of winning one; docs/COURSE.md sec. 3).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question

from .common import observation_end as _end
from .common import orders as _orders

RECENCY_WEEKS = 26
VALUE_WEEKS = 26




def _customer_ids(data) -> pd.Index:
    return pd.Index(data["customers"]["customer_id"].astype(str))


# --- reference methods (on the student's own data) ---------------------------------------
def ordering_customers(data) -> int:
    """Distinct customers with at least one order."""
    return int(_orders(data)["customer_id"].nunique())


def top20_share(data) -> float:
    """Revenue share of the top 20% of ordering customers by revenue (rounded up to whole customers)."""
    spend = np.sort(_orders(data).groupby("customer_id")["amount"].sum().to_numpy())[::-1]
    top = math.ceil(0.2 * len(spend))
    return float(spend[:top].sum() / spend.sum())


def recency_churned(data) -> list[str]:
    """Customers who ordered at least once but not in the last 26 weeks."""
    last = _orders(data).groupby("customer_id")["order_ts"].max()
    return sorted(last.index[last < _end(data) - pd.Timedelta(weeks=RECENCY_WEEKS)])


def recent_spend(data) -> pd.Series:
    """Spend in the last 26 weeks per customer (0 without orders): a simple forward-looking value."""
    orders = _orders(data)
    recent = orders[orders["order_ts"] >= _end(data) - pd.Timedelta(weeks=VALUE_WEEKS)]
    return recent.groupby("customer_id")["amount"].sum().reindex(_customer_ids(data), fill_value=0.0)


# --- naive baselines and known wrong methods -----------------------------------------------
def everyone(data) -> list[str]:
    """Naive baseline: flag every customer."""
    return sorted(_customer_ids(data))


def everyone_who_ordered(data) -> list[str]:
    """Wrong: flag every customer who ever ordered (recency ignored)."""
    return sorted(_orders(data)["customer_id"].unique())


def count_orders(data) -> int:
    """Wrong: counts order rows, not distinct customers."""
    return len(data["orders"])


def count_all_customers(data) -> int:
    """Wrong: counts every customer, including those who never ordered."""
    return len(data["customers"])


def share_over_all_customers(data) -> float:
    """Wrong: the top 20% taken over all customers, non-buyers with zero revenue included."""
    spend = _orders(data).groupby("customer_id")["amount"].sum().reindex(_customer_ids(data), fill_value=0.0)
    values = np.sort(spend.to_numpy())[::-1]
    return float(values[: math.ceil(0.2 * len(values))].sum() / values.sum())


def share_by_order_count(data) -> float:
    """Wrong: customers ranked by number of orders instead of revenue."""
    orders = _orders(data)
    per = orders.groupby("customer_id").agg(n=("amount", "size"), spend=("amount", "sum"))
    per = per.sort_values(["n", "spend"], ascending=False)
    return float(per["spend"].iloc[: math.ceil(0.2 * len(per))].sum() / per["spend"].sum())


def share_of_top_orders(data) -> float:
    """Wrong: the largest 20% of orders rather than of customers."""
    amounts = np.sort(_orders(data)["amount"].to_numpy())[::-1]
    return float(amounts[: math.ceil(0.2 * len(amounts))].sum() / amounts.sum())


def recent_buyers(data) -> list[str]:
    """Wrong: flags those who DID order recently (the rule turned upside down)."""
    last = _orders(data).groupby("customer_id")["order_ts"].max()
    return sorted(last.index[last >= _end(data) - pd.Timedelta(weeks=RECENCY_WEEKS)])


def never_ordered(data) -> list[str]:
    """Half a method: only customers without any order (some are lapsed, but most lapsing buyers are missed)."""
    return sorted(set(_customer_ids(data)) - set(_orders(data)["customer_id"]))


def inverse_spend(data) -> pd.Series:
    """Wrong: ranks the biggest recent spenders lowest."""
    return -recent_spend(data)


def flat_value(data) -> pd.Series:
    """Wrong: the same value for everyone (the average), which ranks nobody."""
    return pd.Series(float(recent_spend(data).mean()), index=_customer_ids(data))


def solution(data) -> dict:
    """The model answer as a student would write it (independently of the reference helpers above)."""
    orders = data["orders"].assign(customer_id=lambda f: f["customer_id"].astype(str),
                                   order_ts=lambda f: pd.to_datetime(f["order_ts"]))
    end = pd.Timestamp(data.metadata["end_date"]) + pd.Timedelta(days=1)
    revenue = orders.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    top = revenue.head(math.ceil(len(revenue) * 0.2))
    last = orders.groupby("customer_id")["order_ts"].max()
    ids = data["customers"]["customer_id"].astype(str)
    recent = orders.loc[orders["order_ts"] >= end - pd.Timedelta(days=7 * VALUE_WEEKS)]
    value = recent.groupby("customer_id")["amount"].sum()
    return {
        "ordering_customers": orders["customer_id"].nunique(),
        "top20_share": top.sum() / revenue.sum(),
        "churned": list(last[(end - last) > pd.Timedelta(weeks=RECENCY_WEEKS)].index),
        "clv_ranking": {c: float(value.get(c, 0.0)) for c in ids},
        "retention_cost": "25%",
    }


#: true stages that count as "churned or about to": the relationship has ended, paused or been given notice
LAPSED_STAGES = ("lost", "dormant", "terminating")


def _truth_churned(keys, data) -> list[str]:
    t = keys["truth_customers"]
    lapsed = t["churned"].astype(bool) | t["true_stage"].astype(str).isin(LAPSED_STAGES)
    return t.loc[lapsed, "customer_id"].astype(str).tolist()


def _truth_clv(keys, data) -> pd.Series:
    t = keys["truth_customers"]
    return pd.Series(t["clv"].to_numpy(float), index=t["customer_id"].astype(str))


SPEC = LabSpec(
    lab_id="DEMO",
    title="Demo lab: buyers, concentration, churn and value",
    title_zh="示例实验：购买客户、集中度、流失与价值",
    default_dataset="retail-default",
    questions=(
        Question("ordering_customers", "scalar", "How many distinct customers placed at least one order?",
                 mode="reproduce", checks={"range": [0, None], "integer": True}, reference=ordering_customers,
                 params={"atol": 0.5, "rtol": 0.0},
                 misconceptions=(
                     Misconception("count_orders", count_orders, "you seem to have counted orders, not distinct customers",
                                                                 "你数的似乎是订单数，而不是不同客户的人数"),
                     Misconception("count_all", count_all_customers,
                                   "you seem to have counted every customer, including those who never ordered",
                                   "你似乎把所有客户都算进去了，包括从未下过单的客户"))),
        Question("top20_share", "scalar",
                 "Which share of revenue comes from the top 20% of ordering customers by revenue "
                 "(20% rounded up to whole customers)? Answer as a fraction.",
                 mode="reproduce", checks={"range": [0, 1]}, reference=top20_share, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(
                     Misconception("all_customers", share_over_all_customers,
                                   "your 20% seems to be taken over all customers, including those who never ordered",
                                   "你的 20% 似乎是按全部客户（包括从未下过单的客户）计算的"),
                     Misconception("by_order_count", share_by_order_count,
                                   "you seem to have ranked customers by number of orders rather than by revenue",
                                   "你似乎是按订单数而不是按收入给客户排序的"),
                     Misconception("top_orders", share_of_top_orders,
                                   "you seem to have taken the largest 20% of orders rather than of customers",
                                   "你取的似乎是金额最大的 20% 的订单，而不是 20% 的客户"))),
        Question("churned", "idset",
                 "Flag the customers you believe have churned or are about to churn by the end of the data "
                 "(relationship ended, paused, or notice given).",
                 mode="relative", points=2.0, checks={"ids": "customers"}, reference=recency_churned,
                 baseline=everyone, truth=_truth_churned, params={"full_at": 0.9, "metric": "youden"},
                 misconceptions=(
                     Misconception("recent_buyers", recent_buyers,
                                   "you seem to have flagged customers who ordered recently: recency works the other way",
                                   "你标记的似乎是最近下过单的客户：最近购买（R）指标的方向正好相反"),
                     Misconception("never_ordered", never_ordered,
                                   "you flagged only customers without orders; buyers who stopped buying count too",
                                   "你只标记了没有订单的客户；停止购买的老买家也应算在内"))),
        Question("clv_ranking", "values",
                 "Give every customer a value that ranks them by expected future value (any scale).",
                 mode="relative", points=2.0, checks={"ids": "customers", "all": True}, reference=recent_spend,
                 truth=_truth_clv, params={"full_at": 0.9, "baseline_metric": 0.0, "hint_match": {"rank_only": True}},
                 misconceptions=(
                     Misconception("inverse", inverse_spend, "your ranking seems to be upside down (high value ranked low)",
                                                             "你的排序似乎正好颠倒了（高价值客户被排在了后面）"),)),
        Question("retention_cost", "choice",
                 "Keeping an existing customer costs roughly what share of winning a new one?",
                 mode="exact", checks={"choices": ["5%", "25%", "100%", "500%"]}, params={"correct": "25%"}),
    ),
    solution=solution,
    wrong_methods={
        "count_orders": ("ordering_customers", count_orders),
        "count_all_customers": ("ordering_customers", count_all_customers),
        "share_over_all_customers": ("top20_share", share_over_all_customers),
        "share_by_order_count": ("top20_share", share_by_order_count),
        "share_of_top_orders": ("top20_share", share_of_top_orders),
        "flag_everyone_who_ordered": ("churned", everyone_who_ordered),
        "flag_recent_buyers": ("churned", recent_buyers),
        "flag_everyone": ("churned", everyone),
        "inverse_value": ("clv_ranking", inverse_spend),
        "flat_value": ("clv_ranking", flat_value),
        "retention_equals_acquisition": ("retention_cost", lambda data: "100%"),
    },
)
