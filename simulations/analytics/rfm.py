"""Recency, frequency, monetary value: from an orders table to the summaries CLV models need.

Why: every customer-base model (BG/NBD, Gamma-Gamma) and every RFM segmentation starts from the
same per-customer summary of an orders table, and getting the time origin wrong is the most
common mistake (recency counted from the start of the data instead of the first purchase, or
the first purchase counted as a repeat). The conventions here are those of Fader, Hardie & Lee
(2005) and of the ``lifetimes`` package, except that several orders at the same time stay
several transactions (the sandbox records weekly order counts):

* ``frequency``: repeat transactions, i.e. all transactions after the first;
* ``recency``: time of the last transaction minus time of the first (0 without repeats);
* ``T``: end of observation minus time of the first transaction (the customer's age);
* ``monetary_value``: mean value of the repeat transactions (0 without repeats), the input of the
  Gamma-Gamma model, which excludes the first purchase because it is often atypical.

Time is a number (e.g. a ``week`` column) or a datetime (e.g. ``order_ts``), converted to
``time_unit_days``-day units (default 7: weeks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulations.analytics._checks import require_columns


def _times(orders: pd.DataFrame, time_col: str, origin: pd.Timestamp | None, unit_days: float) -> tuple[np.ndarray, object]:
    col = orders[time_col]
    if pd.api.types.is_datetime64_any_dtype(col):
        base = origin if origin is not None else col.min()
        return ((col - base) / pd.Timedelta(days=unit_days)).to_numpy(dtype=float), base
    if not pd.api.types.is_numeric_dtype(col):
        raise ValueError(f"column {time_col!r}: expected numbers (e.g. weeks) or datetimes, got dtype {col.dtype}")
    return col.to_numpy(dtype=float), None


def summary_from_orders(
    orders: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    time_col: str = "week",
    amount_col: str | None = "amount",
    count_col: str | None = None,
    observation_end: float | str | pd.Timestamp | None = None,
    time_unit_days: float = 7.0,
) -> pd.DataFrame:
    """Per-customer frequency, recency, T (and monetary value) from one row per order.

    Args:
        orders: one row per transaction, or per (customer, time) with ``count_col`` transactions.
        customer_col: customer identifier column.
        time_col: time of the order: numbers (weeks) or datetimes (then ``time_unit_days`` applies).
        amount_col: value of the row (spread evenly over its transactions); ``None`` to skip money.
        count_col: transactions the row stands for (e.g. the sandbox's weekly ``orders`` count);
            ``None``: every row is one transaction.
        observation_end: end of the observation window, in the time column's kind (default: the
            latest order). Orders after it are ignored.
        time_unit_days: days per time unit for datetime columns.

    Returns:
        ``DataFrame`` indexed by customer with ``frequency``, ``recency``, ``T``,
        ``monetary_value`` (if ``amount_col``), ``first`` (time of the first order),
        ``transactions`` (all transactions, the first included) and ``last_transactions`` (repeat
        transactions at the time of the last one: ``last_period_purchases`` of
        :meth:`~simulations.analytics.btyd.BetaGeoFitter.fit` for period data).
    """
    needed = [customer_col, time_col] + [c for c in (amount_col, count_col) if c is not None]
    require_columns(orders, needed, "orders")
    if orders.empty:
        raise ValueError("orders: the table is empty; nothing to summarise")
    if orders[time_col].isna().any():
        raise ValueError(f"column {time_col!r}: has missing values")
    t, base = _times(orders, time_col, None, time_unit_days)
    if observation_end is None:
        end = float(np.max(t))
    elif base is not None:
        end = float((pd.Timestamp(observation_end) - base) / pd.Timedelta(days=time_unit_days))
    else:
        end = float(observation_end)
    counts = np.ones(len(orders)) if count_col is None else orders[count_col].to_numpy(dtype=float)
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError(f"column {count_col!r}: expected whole numbers >= 0 of transactions")
    amounts = np.zeros(len(orders)) if amount_col is None else orders[amount_col].to_numpy(dtype=float)
    if amount_col is not None and not np.all(np.isfinite(amounts)):
        raise ValueError(f"column {amount_col!r}: has missing or infinite values")

    keep = (t <= end + 1e-12) & (counts > 0)
    frame = pd.DataFrame({"c": orders[customer_col].to_numpy()[keep], "t": t[keep], "n": counts[keep], "m": amounts[keep]})
    if frame.empty:
        raise ValueError("orders: no transactions up to observation_end")
    frame = frame.sort_values(["c", "t"], kind="stable")
    grouped = frame.groupby("c", sort=True)
    is_first_row = ~frame.duplicated("c").to_numpy()
    # the first transaction is one of the first row's transactions; the others at that time are repeats
    per_txn = frame["m"].to_numpy() / frame["n"].to_numpy()
    repeat_n = frame["n"].to_numpy() - is_first_row
    summary = pd.DataFrame({
        "first": grouped["t"].min(),
        "last": grouped["t"].max(),
        "transactions": grouped["n"].sum().astype(np.int64),
    })
    rep = pd.DataFrame({"c": frame["c"].to_numpy(), "rn": repeat_n, "rm": per_txn * repeat_n}).groupby("c", sort=True).sum()
    summary["frequency"] = rep["rn"].astype(np.int64)
    last_row = ~frame.duplicated("c", keep="last").to_numpy()
    last_n = pd.Series(repeat_n[last_row], index=frame["c"].to_numpy()[last_row])
    summary["last_transactions"] = last_n.reindex(summary.index).to_numpy().astype(np.int64)
    summary["recency"] = np.where(summary["frequency"] > 0, summary["last"] - summary["first"], 0.0)
    summary["T"] = end - summary["first"]
    if amount_col is not None:
        summary["monetary_value"] = np.where(summary["frequency"] > 0, rep["rm"] / np.maximum(rep["rn"], 1), 0.0)
    summary.index.name = customer_col
    money = ["monetary_value"] if amount_col is not None else []
    cols = ["frequency", "recency", "T", *money, "first", "transactions", "last_transactions"]
    return summary[cols]


def rfm_scores(summary: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """Classic RFM segmentation: quantile scores 1..``bins`` (higher is better) and their code.

    Why: the everyday managerial cut (who bought recently, often, for much) that labs contrast
    with model-based P(alive). Recency is scored on time since the last purchase, ``T - recency``
    (shorter is better); ties are ranked first-come so that every bin is used.
    """
    require_columns(summary, ("frequency", "recency", "T", "monetary_value"), "rfm_scores: summary")
    if bins < 2:
        raise ValueError(f"bins: must be >= 2, got {bins}")

    def score(values: pd.Series, higher_is_better: bool) -> pd.Series:
        ranks = values.rank(method="first", ascending=higher_is_better)
        return pd.qcut(ranks, bins, labels=False).astype(int) + 1

    out = pd.DataFrame(index=summary.index)
    out["R"] = score(summary["T"] - summary["recency"], higher_is_better=False)
    out["F"] = score(summary["frequency"], higher_is_better=True)
    out["M"] = score(summary["monetary_value"], higher_is_better=True)
    out["RFM"] = out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)
    return out


def revenue_concentration(values: pd.Series | np.ndarray, top_share: float = 0.2) -> float:
    """Share of the total that the top ``top_share`` of customers bring (e.g. 'top 20% bring 68%').

    Why: the Pareto check every customer-value chapter makes; customers with zero value count.
    """
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    if v.size == 0 or v.sum() <= 0:
        raise ValueError("revenue_concentration: expected at least one positive value")
    if not 0 < top_share <= 1:
        raise ValueError(f"top_share: must be in (0, 1], got {top_share}")
    k = max(int(round(top_share * v.size)), 1)
    return float(v[:k].sum() / v.sum())
