"""Reading experiment results: end states, point summaries, paired differences with t intervals.

Method (stated in every report): replication ``r`` of every design point runs on the same seed,
so for a metric ``y`` the difference ``d_r = y(point, r) - y(reference, r)`` removes the luck the
two runs share. Over the ``n`` replications where both runs succeeded we report the mean of
``d_r`` with a two-sided Student t interval, ``mean +/- t(1 - alpha/2, n - 1) * s / sqrt(n)``
(the paired t interval), and the paired t test's p-value. A point's own mean gets the ordinary
t interval over its replications. No correction for multiple comparisons is applied: with many
design points, read the intervals as a screening, not as a family-wise test.

All functions take the tidy results frame (``load_results``) and return DataFrames, so they work
the same in a notebook as in ``crm-sandbox experiment report``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulations.experiments.design import ExperimentError, Goal, default_goal
from simulations.experiments.runner import ID_COLUMNS, RESULTS_FILE
from simulations.i18n import N_, _

#: The method, in words, for reports (``{level}``: the confidence level).
METHOD = N_(
    "Replication r of every design point runs on the same seed (common random numbers), so design points are "
    "compared pair by pair. For each metric we take its value at the end of each run (the last recorded week) and "
    "form d_r = y(point, r) - y(reference, r) for every replication r in which both runs succeeded. We report the "
    "mean of d_r with a two-sided {level} paired Student t interval, mean +/- t(n-1) * s / sqrt(n), and the paired "
    "t test's p-value. A point's own mean gets the ordinary t interval over its replications. The reference is the "
    "experiment's reference point if it names one, otherwise the best point for that metric (for metrics of effort "
    "or volume, such as retention contacts, neither direction is better: there is no best point and the first "
    "design point is the reference). For metrics recorded "
    "every week, settled_ahead_week is the first week from which the weekly paired interval stays on the better "
    "side of zero (the payback week, for cumulative metrics). No correction for multiple comparisons is applied."
)


def load_results(folder_or_file: str | Path) -> pd.DataFrame:
    """The tidy results of a sweep: one row per design point x replication x recorded week."""
    path = Path(folder_or_file)
    if path.is_dir():
        path = path / RESULTS_FILE
    if not path.is_file():
        raise ExperimentError(_("{path}: no results; run `crm-sandbox experiment run FILE --out DIR` first "
                                "(an interrupted sweep resumes when run again)").format(path=path))
    try:
        results = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise ExperimentError(_("{path}: not a readable Parquet file ({error})").format(path=path, error=err)) from None
    missing = [c for c in (*ID_COLUMNS, "week", "stopped", "error") if c not in results.columns]
    if missing:
        raise ExperimentError(_("{path}: not experiment results (missing columns: {columns})").format(
            path=path, columns=", ".join(missing)))
    return results


def factor_columns(results: pd.DataFrame) -> list[str]:
    """The factor columns (fixed and varying), in the experiment file's order."""
    cols = list(results.columns)
    return cols[len(ID_COLUMNS): cols.index("week")]


def metric_columns(results: pd.DataFrame) -> list[str]:
    """The metric columns, in the experiment file's order."""
    cols = list(results.columns)
    return cols[cols.index("week") + 1: cols.index("stopped")]


def varying_factors(results: pd.DataFrame) -> list[str]:
    """Factor columns that take more than one value across design points."""
    return [c for c in factor_columns(results) if results[c].nunique(dropna=False) > 1]


def end_values(results: pd.DataFrame) -> pd.DataFrame:
    """One row per successful run: its last recorded week (the end state, or where it stopped)."""
    ok = results[results["error"].isna()]
    if ok.empty:
        return ok.copy()
    last = ok.groupby("run_id", sort=False)["week"].idxmax()
    return ok.loc[last.to_numpy()].sort_values(["point", "replication"]).reset_index(drop=True)


def t_interval(values: Any, confidence: float = 0.95) -> tuple[float, float, float, float, int]:
    """(mean, low, high, sd, n) of a Student t interval; low/high are NaN below two values."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return (math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return (mean, math.nan, math.nan, math.nan, n)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return (mean, mean - half, mean + half, sd, n)


def _points(ends: pd.DataFrame) -> pd.DataFrame:
    """Point index, label and factor values, one row per design point, in design order."""
    cols = ["point", "point_label", *factor_columns(ends)]
    return ends[cols].drop_duplicates("point").sort_values("point").reset_index(drop=True)


def point_summary(results: pd.DataFrame, metric: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per design point: replications, mean of the metric's end value, sd and t interval."""
    _check_metric(results, metric)
    ends = end_values(results)
    rows = []
    for point, group in ends.groupby("point", sort=True):
        mean, low, high, sd, n = t_interval(group[metric], confidence)
        rows.append({"point": point, "n": n, "mean": mean, "sd": sd, "ci_low": low, "ci_high": high})
    summary = pd.DataFrame(rows, columns=["point", "n", "mean", "sd", "ci_low", "ci_high"])
    return _points(ends).merge(summary, on="point", how="left") if not ends.empty else summary


def choose_reference(results: pd.DataFrame, metric: str, reference: int | dict[str, Any] | None = None,
                     goal: Goal | None = None) -> int:
    """The reference design point: given by index, by factor values, or (None) the best mean.

    For a metric with no better direction (goal 'none') there is no best: the first design point
    is the reference, and among points matching ``reference`` values the first one.
    """
    goal = goal or default_goal(metric)
    ends = end_values(results)
    if ends.empty:
        raise ExperimentError(_("every run failed: there is nothing to compare"))
    if reference is None:
        means = ends.groupby("point")[metric].mean().dropna()
        if means.empty:
            raise ExperimentError(_("metric {metric} has no values").format(metric=repr(metric)))
        if goal == "none":
            return int(means.index.min())
        return int(means.idxmax() if goal == "max" else means.idxmin())
    if isinstance(reference, int | np.integer):
        if reference not in set(ends["point"]):
            raise ExperimentError(_("reference point {point} has no successful run").format(point=reference))
        return int(reference)
    match = ends
    for name, value in reference.items():
        if name not in match.columns:
            raise ExperimentError(_("reference: {name} is not a factor column ({columns})").format(
                name=repr(name), columns=", ".join(factor_columns(ends))))
        match = match[match[name] == value]
    points = sorted(set(match["point"]))
    if not points:
        raise ExperimentError(_("reference {reference}: no design point with a successful run has these values").format(
            reference=reference))
    if goal == "none":
        return int(points[0])
    best = match[match["point"].isin(points)].groupby("point")[metric].mean()
    return int(best.idxmax() if goal == "max" else best.idxmin())


def paired_differences(results: pd.DataFrame, metric: str, reference: int | dict[str, Any] | None = None, *,
                       goal: Goal | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Paired differences of every design point from a reference point, replication by replication.

    ``d_r = y(point, r) - y(reference, r)`` over replications where both runs succeeded; mean,
    sd, two-sided paired t interval and p-value. The reference compared with itself is exactly 0.
    """
    _check_metric(results, metric)
    ends = end_values(results)
    ref = choose_reference(results, metric, reference, goal)
    wide = ends.pivot(index="replication", columns="point", values=metric)
    points = _points(ends)
    rows = []
    for point in points["point"]:
        d = (wide[point] - wide[ref]).dropna().to_numpy()
        mean, low, high, sd, n = t_interval(d, confidence)
        if n >= 2 and sd == 0:
            p_value = 1.0 if mean == 0 else 0.0
        elif n >= 2:
            p_value = float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
        else:
            p_value = math.nan
        rows.append({"point": point, "reference": ref, "n_pairs": n, "mean_difference": mean, "sd": sd,
                     "ci_low": low, "ci_high": high, "p_value": p_value})
    out = points.merge(pd.DataFrame(rows), on="point")
    ref_label = points.loc[points["point"] == ref, "point_label"].iloc[0]
    out.insert(0, "metric", metric)
    out.insert(out.columns.get_loc("reference") + 1, "reference_label", ref_label)
    return out


def best_points(results: pd.DataFrame, metrics: list[str] | None = None, goals: dict[str, Goal] | None = None,
                confidence: float = 0.95) -> pd.DataFrame:
    """Per metric, the design point with the best mean, and how clearly it beats the runner-up.

    ``margin_*`` is the paired difference best minus runner-up with its t interval; ``clear`` is
    True when that interval excludes zero. Metrics with no better direction (goal 'none': effort
    or volume, such as retention contacts) have no best point and are left out.
    """
    metrics = metrics or metric_columns(results)
    goals = goals or {}
    rows = []
    for metric in metrics:
        goal = goals.get(metric) or default_goal(metric)
        if goal == "none":
            continue
        summary = point_summary(results, metric, confidence).dropna(subset=["mean"])
        if summary.empty:
            continue
        ordered = summary.sort_values("mean", ascending=(goal == "min"), kind="stable")
        best = ordered.iloc[0]
        row = {"metric": metric, "goal": goal, "best_point": int(best["point"]), "best": best["point_label"],
               "mean": best["mean"], "ci_low": best["ci_low"], "ci_high": best["ci_high"],
               "runner_up": None, "margin": math.nan, "margin_ci_low": math.nan, "margin_ci_high": math.nan,
               "clear": False}
        if len(ordered) > 1:
            second = ordered.iloc[1]
            diff = paired_differences(results, metric, int(second["point"]), confidence=confidence)
            d = diff[diff["point"] == best["point"]].iloc[0]
            row.update(runner_up=second["point_label"], margin=d["mean_difference"], margin_ci_low=d["ci_low"],
                       margin_ci_high=d["ci_high"], clear=bool(d["ci_low"] > 0 or d["ci_high"] < 0))
        rows.append(row)
    return pd.DataFrame(rows)


def differences_over_time(results: pd.DataFrame, metric: str, reference: int, confidence: float = 0.95) -> pd.DataFrame:
    """Weekly paired differences from the reference point (experiments recorded ``every: week``)."""
    _check_metric(results, metric)
    ok = results[results["error"].isna()]
    wide = ok.pivot_table(index=["week", "replication"], columns="point", values=metric, aggfunc="first")
    rows = []
    for point in wide.columns:
        d = (wide[point] - wide[reference]).dropna()
        for week, values in d.groupby(level="week"):
            mean, low, high, _sd, n = t_interval(values.to_numpy(), confidence)
            rows.append({"point": int(point), "week": int(week), "n_pairs": n, "mean_difference": mean,
                         "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=["point", "week", "n_pairs", "mean_difference", "ci_low", "ci_high"])


def settled_ahead_week(over_time: pd.DataFrame, goal: Goal) -> pd.Series:
    """Per point, the first week from which its paired interval stays on the better side of zero.

    For cumulative metrics this is the payback week (e.g. of an idea community against none);
    NA when the interval never settles above (``max``) or below (``min``) zero.
    """
    out = {}
    for point, g in over_time.sort_values("week").groupby("point"):
        ahead = (g["ci_low"] > 0) if goal == "max" else (g["ci_high"] < 0)
        flags = ahead.to_numpy()
        week = pd.NA
        if flags.size and flags[-1]:
            behind = np.flatnonzero(~flags)
            first = behind[-1] + 1 if behind.size else 0
            week = int(g["week"].to_numpy()[first])
        out[int(point)] = week
    return pd.Series(out, name="settled_ahead_week", dtype="Int64")


def failures(results: pd.DataFrame) -> pd.DataFrame:
    """Runs that failed, with their error text."""
    failed = results[results["error"].notna()]
    return failed[["run_id", "point", "point_label", "replication", "seed", "error"]].drop_duplicates("run_id")


def _check_metric(results: pd.DataFrame, metric: str) -> None:
    if metric not in metric_columns(results):
        raise ExperimentError(_("unknown metric {metric}; these results have: {metrics}").format(
            metric=repr(metric), metrics=", ".join(metric_columns(results))))
