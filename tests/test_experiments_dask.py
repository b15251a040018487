"""The Dask path: a real LocalCluster (a scheduler and worker processes on loopback) equals local processes.

Worker counts follow ``INNER_WORKERS`` so that xdist workers x inner processes stay within the cores.
"""

from __future__ import annotations

import pytest

from simulations.experiments import experiment_from_dict, run_experiment
from simulations.experiments.analysis import load_results
from tests.conftest import INNER_WORKERS

distributed = pytest.importorskip("distributed")


def _worker_plugins(cluster) -> list[list[str]]:
    with distributed.Client(cluster, set_as_default=False) as client:
        found = client.run(lambda dask_worker: sorted(n for n in dask_worker.plugins if n.startswith("crm-")))
    return list(found.values())


def test_dask_local_cluster_gives_byte_identical_results_to_local_processes(tmp_path):
    exp = experiment_from_dict({
        "name": "dask-check", "scenario": "telecom", "replications": 6, "weeks": 6, "seed": 5, "every": "week",
        "factors": {"world.market.customers": 300,
                    "policies.marketing.retention.targeting": ["top_k", "uplift"],
                    "world.market.social_degree": [6, -1]},  # -1 is invalid: failure rows must match too
        "metrics": ["cumulative_profit", "customers_active", "service_level"],
    })
    local = run_experiment(exp, tmp_path / "local", workers=INNER_WORKERS)
    with distributed.LocalCluster(n_workers=INNER_WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        remote = run_experiment(exp, tmp_path / "dask", scheduler=cluster.scheduler_address)
        assert _worker_plugins(cluster) == [["crm-sandbox-allocator"]] * INNER_WORKERS  # malloc tuned on every worker
    assert (remote.runs, remote.executed, remote.failed) == (local.runs, local.executed, local.failed) == (24, 24, 12)
    assert (tmp_path / "dask/results.parquet").read_bytes() == (tmp_path / "local/results.parquet").read_bytes()
    for run in (tmp_path / "local/runs").glob("*.parquet"):
        assert (tmp_path / "dask/runs" / run.name).read_bytes() == run.read_bytes(), run.name
    results = load_results(tmp_path / "dask")
    assert results.loc[results["world.market.social_degree"] == -1, "error"].notna().all()
    assert results.loc[results["world.market.social_degree"] == 6, "customers_active"].notna().all()


def test_keep_worker_malloc_leaves_a_shared_cluster_untouched(tmp_path):
    exp = experiment_from_dict({"name": "untouched", "scenario": "retail", "replications": 2, "weeks": 3, "seed": 1,
                                "factors": {"world.market.customers": 200}, "metrics": ["customers_active"]})
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        summary = run_experiment(exp, tmp_path / "out", scheduler=cluster.scheduler_address, tune_workers=False)
        assert _worker_plugins(cluster) == [[]]
    assert (summary.executed, summary.failed) == (2, 0)


def test_guided_batches_shrink_to_single_runs_at_the_end_and_cover_every_run():
    from simulations.experiments.dask_runner import MAX_BATCH, batch_size

    sizes, remaining = [], 240
    while remaining:
        sizes.append(batch_size(remaining, threads=2))
        remaining -= sizes[-1]
    assert sum(sizes) == 240
    assert sizes[0] == MAX_BATCH and sizes[-8:] == [1] * 8  # every worker stays busy until the last run
    assert sizes == sorted(sizes, reverse=True)
    assert batch_size(24, threads=2) == 3 and batch_size(3, threads=64) == 1
    with pytest.raises(ValueError, match="positive"):
        batch_size(0, threads=2)


def test_bench_command_times_both_paths_on_a_loopback_cluster_and_leaves_no_process_behind(tmp_path):
    import json
    import subprocess
    import sys

    exp = tmp_path / "tiny.yaml"
    exp.write_text("name: tiny\nscenario: retail\nreplications: 2\nweeks: 4\nseed: 3\n"
                   "factors:\n  world.market.customers: 300\n  policies.marketing.retention.targeting: [top_k, uplift]\n"
                   "metrics: [customers_active]\n")
    out = subprocess.run([sys.executable, "-m", "simulations.cli", "experiment", "bench", str(exp), "--json",
                          "--workers", str(INNER_WORKERS)],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    figures = json.loads(out.stdout)
    assert figures["runs"] == 4 and figures["workers"] == INNER_WORKERS and figures["identical"] is True
    assert figures["local_seconds"] > 0 and figures["dask_seconds"] > 0
    assert not _bench_cluster_processes(), "the bench's scheduler or workers are still running"


def _bench_cluster_processes() -> list[str]:
    from pathlib import Path

    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "distributed.cli.dask_scheduler" in cmd or "distributed.cli.dask_worker" in cmd:
            found.append(cmd)
    return found
