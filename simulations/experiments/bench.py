"""Benchmark of the two executors: one sweep on local processes, then on a loopback Dask cluster.

Why a command and not a timed test: wall times on a shared 2-core machine vary by several
percent from run to run, so a test asserting them would flake; a command that prints the
figures lets anyone reproduce them (``crm-sandbox experiment bench FILE``).

The Dask cluster is started the way a real one is, as separate processes (``dask scheduler``
and ``dask worker --nworkers N --nthreads 1`` on 127.0.0.1), so its scheduler, nanny and
event-loop work compete for the same cores as the runs do. Its start-up is not timed (a
researcher's cluster is already up); each path's first runs do pay for importing the engine.
Both sweeps must give byte-identical ``results.parquet``, which the bench checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from simulations.experiments.design import Experiment, ExperimentError
from simulations.experiments.runner import RESULTS_FILE, prepare_sweep
from simulations.i18n import _
from simulations.i18n.columns import pad


@dataclass(frozen=True)
class ExecutorBench:
    """Wall times of the same sweep on both paths."""

    experiment: str
    runs: int
    workers: int
    local_seconds: float
    dask_seconds: float
    identical: bool
    tuned_workers: bool

    @property
    def overhead(self) -> float:
        """Extra wall time of the Dask path, as a fraction of the local one."""
        return self.dask_seconds / self.local_seconds - 1.0

    def as_dict(self) -> dict:
        """JSON-ready figures, with the overhead."""
        return {**asdict(self), "overhead": round(self.overhead, 4)}


@contextmanager
def loopback_cluster(workers: int, folder: Path, timeout: float = 120.0) -> Iterator[str]:
    """A scheduler and ``workers`` single-threaded worker processes on 127.0.0.1; yields the address."""
    from distributed import Client

    info = folder / "scheduler.json"
    log = (folder / "cluster.log").open("w")
    common = ["--dashboard-address", ":0"]
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--scheduler-file", str(info), *common], stdout=log, stderr=log)]
    try:
        deadline = time.monotonic() + timeout
        while not info.exists() or not info.read_text().strip():
            if procs[0].poll() is not None or time.monotonic() > deadline:
                raise ExperimentError(_("the Dask scheduler did not start; see {log}").format(log=folder / "cluster.log"))
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers",
                                       str(workers), "--nthreads", "1", "--host", "127.0.0.1", *common],
                                      stdout=log, stderr=log))
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=timeout)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


#: ``progress(label, total)`` gives a context manager with an ``update(n)`` method (a tqdm bar fits).
ProgressFactory = Callable[[str, int], AbstractContextManager[Any]]


def bench_executors(experiment: Experiment, workers: int = 2, tune_workers: bool = True,
                    progress: ProgressFactory | None = None) -> ExecutorBench:
    """Run ``experiment`` with ``workers`` local processes, then on a loopback cluster of as many workers."""
    progress = progress or (lambda label, total: nullcontext(None))
    if workers < 1:
        raise ExperimentError(_("workers must be at least 1, got {value}").format(value=workers))
    with tempfile.TemporaryDirectory(prefix="crm-exp-bench-") as tmp:
        root = Path(tmp)
        local = prepare_sweep(experiment, root / "local")
        with progress(_("local processes"), len(local.tasks)) as b:
            start = time.perf_counter()
            local.run(workers=workers, progress=b.update if b else None)
        local_seconds = time.perf_counter() - start
        with loopback_cluster(workers, root) as address:
            remote = prepare_sweep(experiment, root / "dask")
            with progress(_("Dask (loopback)"), len(remote.tasks)) as b:
                start = time.perf_counter()
                remote.run(scheduler=address, tune_workers=tune_workers, progress=b.update if b else None)
            dask_seconds = time.perf_counter() - start
        identical = (root / "local" / RESULTS_FILE).read_bytes() == (root / "dask" / RESULTS_FILE).read_bytes()
    return ExecutorBench(experiment.name, len(local.tasks), workers, round(local_seconds, 2), round(dask_seconds, 2),
                         identical, tune_workers)


def format_bench(bench: ExecutorBench) -> str:
    """A short table for the terminal."""
    per = 1000 * bench.workers / bench.runs
    title = _("{experiment}: {runs} runs, {workers} workers").format(
        experiment=bench.experiment, runs=bench.runs, workers=bench.workers)
    if not bench.tuned_workers:
        title += _(" (Dask workers keep their malloc setting)")
    per_run = _("{seconds} s   {ms} ms per run per worker")
    rows = [
        (_("local processes"), per_run.format(seconds=f"{bench.local_seconds:8.1f}", ms=f"{bench.local_seconds * per:6.0f}")),
        (_("Dask (loopback)"), per_run.format(seconds=f"{bench.dask_seconds:8.1f}", ms=f"{bench.dask_seconds * per:6.0f}")),
        (_("Dask overhead"), f"{100 * bench.overhead:+7.1f} %"),
        ("results.parquet", _("identical") if bench.identical else _("DIFFERENT")),
    ]
    return "\n".join([title, *(f"  {pad(label, 18)}{value}" for label, value in rows)])
