"""Data preparation shared by lab specs: one definition of an order table, of the observation end
and of a student's lab seed.

Why shared: reference solutions of several labs must agree on what "the orders" and "the end of
observation" are, or two labs would grade the same student data by different clocks; and every lab
that simulates must derive the student's seed the way its notebook does (``SEED`` in the master).
"""

from __future__ import annotations

import pandas as pd


def orders(data) -> pd.DataFrame:
    """Orders with string customer ids and parsed timestamps (customer_id, order_ts, amount)."""
    o = data["orders"][["customer_id", "order_ts", "amount"]].copy()
    o["customer_id"] = o["customer_id"].astype(str)
    o["order_ts"] = pd.to_datetime(o["order_ts"])
    return o


def observation_end(data) -> pd.Timestamp:
    """The first moment after the dataset's last day (its metadata ``end_date`` plus one day)."""
    return pd.Timestamp(data.metadata["end_date"]) + pd.Timedelta(days=1)


def sim_seed(data) -> int:
    """The simulation seed of this student's lab: the first 6 hex digits of the dataset id (the notebook's ``SEED``)."""
    return int(str(data.metadata["dataset_id"])[:6], 16)
