"""Retention-policy experiments for researchers: declarative designs, paired replications, reports.

An experiment file names a base scenario, factors to vary (lists cross into a full factorial,
ranges expand, scalars stay fixed), replications, a time limit, an optional stop condition,
metrics and a root seed. Replication ``r`` of every design point runs on the same seed, so
differences between design points are paired. The functions below are what the CLI
(``crm-sandbox experiment run|report``) calls, importable for notebooks.
"""

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
    "DesignPoint",
    "Experiment",
    "ExperimentError",
    "SweepSummary",
    "expand",
    "experiment_from_dict",
    "levels",
    "load_experiment",
    "prepare_sweep",
    "read_experiment_record",
    "replication_seeds",
    "run_experiment",
    "run_one",
]
