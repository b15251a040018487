"""Retention-policy experiments for researchers: declarative designs, paired replications, reports.

An experiment file names a base scenario, factors to vary (lists cross into a full factorial,
ranges expand, scalars stay fixed), replications, a time limit, an optional stop condition,
metrics and a root seed. Replication ``r`` of every design point runs on the same seed, so
differences between design points are paired. The functions below are what the CLI
(``crm-sandbox experiment run|report``) calls, importable for notebooks.
"""

from simulations.experiments.analysis import (
    best_points,
    differences_over_time,
    end_values,
    load_results,
    paired_differences,
    point_summary,
    settled_ahead_week,
)
from simulations.experiments.design import (
    DesignPoint,
    Experiment,
    ExperimentError,
    expand,
    experiment_from_dict,
    levels,
    load_experiment,
    replication_seeds,
)
from simulations.experiments.runner import SweepSummary, prepare_sweep, read_experiment_record, run_experiment, run_one

__all__ = [
    "best_points",
    "DesignPoint",
    "differences_over_time",
    "end_values",
    "expand",
    "Experiment",
    "experiment_from_dict",
    "ExperimentError",
    "levels",
    "load_experiment",
    "load_results",
    "paired_differences",
    "point_summary",
    "prepare_sweep",
    "read_experiment_record",
    "replication_seeds",
    "run_experiment",
    "run_one",
    "settled_ahead_week",
    "SweepSummary",
    "write_report",
]


def __getattr__(name: str):  # lazy: workers import this package and must not pay for matplotlib
    if name == "write_report":
        from simulations.experiments.report import write_report

        return write_report
    raise AttributeError(name)
