"""Small contract-shaped datasets and answer keys for the grader tests (no simulation needed).

A stand-in for the dataset generator where a test needs many seeds quickly: customers whose
purchase rate, churn and future value are linked the way the DEMO lab's reference methods
assume (recent buyers are alive; high spenders are worth more).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01")


def write_synthetic(folder: Path, seed: int, customers: int = 400, weeks: int = 52) -> tuple[Path, Path]:
    """Write ``folder/data`` (dataset) and ``folder/keys`` (answer key); returns both paths."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:07d}" for i in range(1, customers + 1)])
    rate = rng.gamma(1.5, 0.25, customers)
    rate[rng.random(customers) < 0.1] = 0.0  # prospects who never order
    churned = (rng.random(customers) < 0.35) & (rate > 0)
    churn_week = np.where(churned, rng.integers(5, weeks - 8, customers), weeks + 1)
    week = np.arange(weeks)
    alive = week[None, :] < churn_week[:, None]
    counts = rng.poisson(rate[:, None] * alive)
    cust_idx, week_idx = np.nonzero(counts)
    reps = counts[cust_idx, week_idx]
    cust_idx, week_idx = np.repeat(cust_idx, reps), np.repeat(week_idx, reps)
    basket = rng.lognormal(3.5, 0.4, customers)
    amount = np.round(basket[cust_idx] * rng.lognormal(0, 0.3, len(cust_idx)), 2)
    ts = START + pd.to_timedelta(week_idx * 7 + rng.integers(0, 7, len(cust_idx)), unit="D")
    order = np.lexsort((cust_idx, ts.to_numpy()))
    orders = pd.DataFrame({"order_id": [f"O{i:08d}" for i in range(1, len(order) + 1)],
                           "customer_id": ids[cust_idx[order]], "order_ts": ts.to_numpy()[order],
                           "category": "general", "quantity": 1, "amount": amount[order], "discount": 0.0,
                           "channel": "web"})
    custs = pd.DataFrame({"customer_id": ids, "name": [f"Person {i}" for i in range(customers)],
                          "signup_date": (START + pd.to_timedelta(rng.integers(0, 60, customers), unit="D")).date,
                          "tier": "mass"})
    clv = np.where(churned, 0.0, rate * basket * 52 * rng.lognormal(0, 0.35, customers))
    truth = pd.DataFrame({"customer_id": ids, "churned": churned, "clv": clv, "alive": ~churned})
    dataset_id = hashlib.sha256(f"synthetic-{seed}-{customers}-{weeks}".encode()).hexdigest()[:16]
    end = START + pd.Timedelta(weeks=weeks) - pd.Timedelta(days=1)
    meta = {"dataset_id": dataset_id, "scenario": "synthetic", "seed": seed, "customers": customers, "weeks": weeks,
            "start_date": str(START.date()), "end_date": str(end.date()), "locale": "en_US", "dirty": False,
            "assignment": None, "package_version": "test", "tables": ["customers", "orders"]}
    data, keys = Path(folder) / "data", Path(folder) / "keys"
    data.mkdir(parents=True, exist_ok=True)
    keys.mkdir(parents=True, exist_ok=True)
    (data / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    custs.to_parquet(data / "customers.parquet", index=False)
    orders.to_parquet(data / "orders.parquet", index=False)
    (keys / "metadata.json").write_text(json.dumps({"dataset_id": dataset_id, "scenario": "synthetic", "seed": seed}),
                                        encoding="utf-8")
    truth.to_parquet(keys / "truth_customers.parquet", index=False)
    return data, keys
