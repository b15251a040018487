"""Audits of a generated dataset against its answer keys: does the data tell the truth, and only it?

Why: the firm must act on records, not minds. If the firm targeted by hidden truth, its contacts
would betray the truth (a student could predict who is alive from whom the firm called, better
than from what customers did). These checks measure that leak, whether every response is an order,
and how the firm's perceived stages compare with the true ones. Used by the tests and by
instructors (``python -m simulations.recording.audit DATASET KEYS``); they read keys, so they never
ship to students' tools.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from simulations.firm.churn_model import auc, fit_logistic, predict
from simulations.stages import STAGE_LABELS, Stage


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def contact_features(data: Path, customers: pd.Index) -> pd.DataFrame:
    """Per customer: contacts by campaign type and weeks since the last one of each (what the firm did)."""
    c = _read(data, "marketing_contacts").merge(_read(data, "campaigns")[["campaign_id", "campaign_type"]], on="campaign_id")
    end = pd.Timestamp(c["contact_date"].max()) if len(c) else pd.Timestamp(0)
    c["weeks_ago"] = (end - pd.to_datetime(c["contact_date"])).dt.days / 7
    counts = c.pivot_table(index="customer_id", columns="campaign_type", values="contact_id", aggfunc="count")
    recent = c.pivot_table(index="customer_id", columns="campaign_type", values="weeks_ago", aggfunc="min")
    out = pd.concat([np.log1p(counts.add_prefix("n_")), recent.add_prefix("ago_")], axis=1).reindex(customers)
    for col in out.columns:
        if col.startswith("ago_"):
            out[col] = out[col].fillna(520.0).clip(upper=520.0) / 52.0
    return out.fillna(0.0)


def behaviour_features(data: Path, customers: pd.Index) -> pd.DataFrame:
    """Per customer: recency, frequency, spend, tenure, tickets, complaints and, with contracts, notice and end.

    What the customer did, as recorded; a contract's notice and termination are the customer's own acts.
    """
    o = _read(data, "orders")
    t = _read(data, "service_tickets")
    cust = _read(data, "customers").set_index("customer_id")
    end = pd.Timestamp(o["order_ts"].max())
    g = o.groupby("customer_id")
    f = pd.DataFrame({
        "recency": (end - g["order_ts"].max()).dt.days / 7,
        "frequency": np.log1p(g.size()),
        "spend": np.log1p(g["amount"].sum()),
    }).reindex(customers)
    f["recency"] = f["recency"].fillna(520.0).clip(upper=520.0) / 52.0
    f["tenure"] = ((end - pd.to_datetime(cust["signup_date"].reindex(customers))).dt.days / 365).clip(lower=0)
    span = (g["order_ts"].max() - g["order_ts"].min()).dt.days.reindex(customers).fillna(0) / 365
    usual_gap = (span + f["tenure"].fillna(0)) / (np.expm1(f["frequency"].fillna(0)) + 1)  # years between orders
    f["overdue"] = np.log1p(f["recency"] / np.maximum(usual_gap, 1 / 52))  # silence against the customer's own rhythm
    f["log_recency"] = np.log1p(f["recency"] * 52)
    tick = t.groupby("customer_id").agg(tickets=("ticket_id", "size"), complaints=("complaint", "sum")).reindex(customers)
    parts = [f, np.log1p(tick)]
    if (data / "contracts.parquet").exists():  # giving notice and leaving are what a contract customer does
        k = _read(data, "contracts").groupby("customer_id")["status"]
        parts.append(pd.DataFrame({"terminated": k.apply(lambda s: (s == "terminated").any()),
                                   "notice": k.apply(lambda s: (s == "notice_given").any())}).reindex(customers).astype(float))
    return pd.concat(parts, axis=1).fillna(0.0)


def holdout_auc(features: pd.DataFrame, label: np.ndarray) -> float:
    """AUC of a logistic model fitted on even rows and scored on odd rows (standardised features)."""
    x = features.to_numpy(dtype=np.float64)
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    rows = np.arange(x.shape[0])
    train, test = rows % 2 == 0, rows % 2 == 1
    start = np.zeros(x.shape[1] + 1)
    coef = fit_logistic(x[train], label[train], start=start)
    return auc(predict(coef, x[test]), label[test])


def alive_leak(data: Path, keys: Path) -> dict[str, float]:
    """Hold-out AUC for the hidden 'alive at the end' from contact features vs behaviour features."""
    truth = _read(keys, "truth_customers").set_index("customer_id")
    customers = truth.index
    label = truth["alive"].to_numpy(dtype=bool)
    return {"auc_contacts": holdout_auc(contact_features(data, customers), label),
            "auc_behaviour": holdout_auc(behaviour_features(data, customers), label)}


def responses_with_orders(data: Path) -> pd.DataFrame:
    """Per campaign type: responders, and the share whose defining order (with the offer) is in the data."""
    c = _read(data, "marketing_contacts").merge(_read(data, "campaigns")[["campaign_id", "campaign_type", "end_date"]],
                                                on="campaign_id")
    o = _read(data, "orders").dropna(subset=["campaign_id"])
    o["order_day"] = pd.to_datetime(o["order_ts"]).dt.normalize()
    r = c[c["responded"]].merge(o[["customer_id", "campaign_id", "order_day"]], on=["customer_id", "campaign_id"], how="left")
    r["ok"] = r["order_day"].notna() & (r["order_day"] >= pd.to_datetime(r["contact_date"])) & (
        r["order_day"] <= pd.to_datetime(r["end_date"]))
    per = r.groupby(["contact_id", "campaign_type"])["ok"].any().groupby("campaign_type")
    return pd.DataFrame({"responders": per.size(), "with_order": per.mean()})


def stage_confusion(keys: Path, week: int | None = None) -> pd.DataFrame:
    """Perceived (columns) against true (rows) stage counts in one week (default: the last)."""
    w = _read(keys, "truth_weekly_stage")
    w = w[w["week"] == (w["week"].max() if week is None else week)]
    order = [STAGE_LABELS[s][0] for s in Stage]
    table = pd.crosstab(w["stage"], w["perceived_stage"]).reindex(index=order, columns=order, fill_value=0)
    return table.loc[(table.sum(axis=1) > 0), (table.sum(axis=0) > 0)]


def main(argv: list[str] | None = None) -> int:
    """Print the audit of one dataset folder and its keys folder."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m simulations.recording.audit DATASET_FOLDER KEYS_FOLDER", file=sys.stderr)
        return 2
    data, keys = Path(args[0]), Path(args[1])
    leak = alive_leak(data, keys)
    print(f"alive-at-end hold-out AUC: from contacts {leak['auc_contacts']:.3f}, from behaviour {leak['auc_behaviour']:.3f}")
    print("\nresponses backed by an order using the offer:")
    print(responses_with_orders(data).to_string(float_format=lambda v: f"{v:.1%}"))
    print("\nperceived (columns) vs true (rows) stage, last week:")
    print(stage_confusion(keys).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
