"""The Dask path: a real LocalCluster (scheduler and 2 worker processes on loopback) equals local processes."""

from __future__ import annotations

import pytest

from simulations.experiments import experiment_from_dict, run_experiment
from simulations.experiments.analysis import load_results

distributed = pytest.importorskip("distributed")


def test_dask_local_cluster_gives_byte_identical_results_to_local_processes(tmp_path):
    exp = experiment_from_dict({
        "name": "dask-check", "scenario": "telecom", "replications": 3, "weeks": 6, "seed": 5, "every": "week",
        "factors": {"world.market.customers": 300,
                    "policies.marketing.retention.targeting": ["top_k", "uplift"],
                    "world.market.social_degree": [6, -1]},  # -1 is invalid: failure rows must match too
        "metrics": ["cumulative_profit", "customers_active", "service_level"],
    })
    local = run_experiment(exp, tmp_path / "local", workers=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        remote = run_experiment(exp, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert (remote.runs, remote.executed, remote.failed) == (local.runs, local.executed, local.failed) == (12, 12, 6)
    assert (tmp_path / "dask/results.parquet").read_bytes() == (tmp_path / "local/results.parquet").read_bytes()
    for run in (tmp_path / "local/runs").glob("*.parquet"):
        assert (tmp_path / "dask/runs" / run.name).read_bytes() == run.read_bytes(), run.name
    results = load_results(tmp_path / "dask")
    assert results.loc[results["world.market.social_degree"] == -1, "error"].notna().all()
    assert results.loc[results["world.market.social_degree"] == 6, "customers_active"].notna().all()
