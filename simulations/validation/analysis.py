"""Paired differences of each lever level from the default, with standard errors over seeds.

Method: for a figure ``y`` and seed ``r``, ``d_r = y(level, r) - y(default, r)``; we report the
mean of ``d_r`` and its standard error ``s_d / sqrt(n)`` over the ``n`` seeds where both runs
succeeded. Because both runs share every random draw (common random numbers), ``s_d`` is far
smaller than the spread of ``y`` itself: that is why a few seeds suffice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulations.validation.levers import LEVERS_BY_ID

#: Figures reported as paired differences in the table.
DELTA_FIGURES: tuple[str, ...] = ("profit", "terminations", "customers_end")


@dataclass(frozen=True)
class Paired:
    """Mean and standard error of paired differences (``se`` is NaN with one seed)."""

    mean: float
    se: float
    n: int


def paired(level: pd.Series, default: pd.Series) -> Paired:
    """Paired difference of two figures indexed by replication (rows missing in either are dropped)."""
    d = (level - default).dropna()
    n = int(d.size)
    if n == 0:
        return Paired(math.nan, math.nan, 0)
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return Paired(float(d.mean()), se, n)


def mean_se(values: pd.Series) -> Paired:
    """Mean and standard error of one figure over seeds."""
    v = values.dropna()
    n = int(v.size)
    if n == 0:
        return Paired(math.nan, math.nan, 0)
    return Paired(float(v.mean()), float(v.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan, n)


def by_replication(runs: pd.DataFrame, scenario: str, lever: str, level: str, figure: str) -> pd.Series:
    """One figure of one point, indexed by replication."""
    sel = runs[(runs["scenario"] == scenario) & (runs["lever"] == lever) & (runs["level"] == level)]
    if figure not in sel:
        return pd.Series(dtype=float)
    return sel.set_index("replication")[figure].astype(float)


def default_of(runs: pd.DataFrame, scenario: str, lever: str) -> str | None:
    """The default level label of a lever in a scenario."""
    sel = runs[(runs["scenario"] == scenario) & (runs["lever"] == lever) & runs["default"]]
    return None if sel.empty else str(sel["level"].iloc[0])


def ok(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs without an error."""
    return runs[runs["error"].isna()] if "error" in runs else runs


def lever_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario × lever × level: paired Δ profit (SE), Δ terminations (%), Δ customers at the end, Δ cost."""
    runs = ok(runs)
    rows = []
    for (scenario, lever), group in runs.groupby(["scenario", "lever"], sort=False):
        base = default_of(runs, scenario, lever)
        if base is None:
            continue
        cost = LEVERS_BY_ID[lever].cost
        base_term = float(by_replication(runs, scenario, lever, base, "terminations").mean())
        base_profit = float(by_replication(runs, scenario, lever, base, "profit").mean())
        for level in dict.fromkeys(group["level"]):
            row: dict[str, object] = {"scenario": scenario, "lever": lever, "level": level, "default": level == base,
                                      "clipped": bool(group[group["level"] == level]["clipped"].any())}
            own = mean_se(by_replication(runs, scenario, lever, level, "profit"))
            row.update(profit=own.mean, profit_default=base_profit, terminations_default=base_term)
            for fig in (*DELTA_FIGURES, cost):
                d = paired(by_replication(runs, scenario, lever, level, fig),
                           by_replication(runs, scenario, lever, base, fig))
                name = "cost" if fig == cost and fig not in DELTA_FIGURES else fig
                row[f"d_{name}"], row[f"se_{name}"], row["n"] = d.mean, d.se, d.n
            row["cost_figure"] = cost
            row["d_terminations_pct"] = (100.0 * row["d_terminations"] / base_term  # type: ignore[operator]
                                         if base_term else math.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def rate(runs: pd.DataFrame, scenario: str, lever: str, level: str, numerator: str, denominator: str) -> Paired:
    """Mean and SE over seeds of a per-run ratio (e.g. complaints per ticket)."""
    num = by_replication(runs, scenario, lever, level, numerator)
    den = by_replication(runs, scenario, lever, level, denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (num / den.replace(0, np.nan)).astype(float)
    return mean_se(ratio)
