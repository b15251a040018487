"""Running an experiment's runs on a Dask distributed cluster (``--scheduler tcp://host:8786``).

Why Dask and not our own scheduler: a lab or a university cluster usually has one already
(``dask scheduler`` plus ``dask worker`` on each node, or dask-jobqueue on a batch system), and
it handles lost workers, retries and load balancing. Workers run the same pure
:func:`~simulations.experiments.runner.run_one` as local processes and send the rows back; the
driver writes the run files, so the workers need this package installed but no shared disk.

On connecting, the runner registers :class:`AllocatorTuning` on the cluster: Dask's nanny starts
workers with a malloc setting that made our runs about 9% slower (see
:mod:`simulations.experiments.allocator`). ``tune_workers=False`` leaves a shared cluster's
workers exactly as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from distributed import Client, Future, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from simulations.experiments.allocator import tune_allocator
from simulations.experiments.design import ExperimentError
from simulations.i18n import _

if TYPE_CHECKING:
    from simulations.experiments.runner import RunTask, Sink


class AllocatorTuning(WorkerPlugin):
    """Worker plugin: glibc's adaptive malloc thresholds back in every worker, present and future."""

    name = "crm-sandbox-allocator"
    idempotent = True

    def setup(self, worker: object) -> None:
        """Runs in each worker process as it joins (or now, for workers already there)."""
        tune_allocator()


#: Most runs sent as one Dask task; see :func:`batch_size`.
MAX_BATCH = 8


def batch_size(remaining: int, threads: int, max_batch: int = MAX_BATCH) -> int:
    """Runs to put in the next Dask task: large while much work remains, one at a time near the end.

    Each Dask task costs the scheduler some milliseconds of CPU, which on a small machine comes
    out of the cores running the simulations. Sending several runs per task ("guided" chunking:
    a quarter of the remaining work per thread, at most ``max_batch``) cut the scheduler's CPU
    over a 240-run sweep from 3.5 s to 2.7 s (about 1 s of wall time on 2 cores), and shrinking
    the chunks as the sweep ends keeps every worker busy until the last run.
    """
    if remaining <= 0 or threads <= 0:
        raise ValueError(f"remaining and threads must be positive, got {remaining} and {threads}")
    return max(1, min(max_batch, remaining // (4 * threads)))


def run_batch(batch: tuple[RunTask, ...]) -> list[pd.DataFrame]:
    """The Dask task: a few runs one after another (each run's result depends on its task alone)."""
    from simulations.experiments.runner import run_one

    return [run_one(task) for task in batch]


def run_on_dask(tasks: list[RunTask], address: str, sink: Sink, key_prefix: str = "crm-run",
                tune_workers: bool = True) -> None:
    """Submit every task to the cluster at ``address``; hand each finished run to ``sink`` as it arrives.

    Runs travel in batches of :func:`batch_size`; at most two batches per worker thread are in
    flight, so a sweep of any size keeps the scheduler's memory small and an interrupted sweep
    loses little queued work.
    """
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ExperimentError(_("--scheduler {address}: cannot reach a Dask scheduler there ({error})").format(
            address=address, error=err)) from None
    try:
        if tune_workers:
            client.register_plugin(AllocatorTuning())
        threads = max(sum(client.nthreads().values()), 1)
        queue = list(reversed(tasks))  # pop() from the end takes them in plan order
        names: dict[str, str] = {}

        def submit_next() -> Future | None:
            if not queue:
                return None
            batch = tuple(queue.pop() for _ in range(batch_size(len(queue), threads)))
            key = f"{key_prefix}-{batch[0].run_id}-{len(batch)}"
            names[key] = ", ".join(t.run_id for t in batch)
            return client.submit(run_batch, batch, key=key, pure=False, retries=1)

        pending = as_completed([f for f in (submit_next() for _ in range(2 * threads)) if f is not None],
                               loop=client.loop)
        for fut in pending:
            try:
                frames = fut.result()
            except Exception as err:  # noqa: BLE001 - the cluster's failure, not the run's: stop, keep finished runs
                raise ExperimentError(_("the Dask cluster failed to run {run} ({error}); finished runs are kept: "
                                        "run the same command again to resume").format(
                    run=names.get(fut.key, fut.key), error=f"{type(err).__name__}: {err}")) from None
            fut.release()
            for frame in frames:
                sink(frame)
            nxt = submit_next()
            if nxt is not None:
                pending.add(nxt)
    finally:
        client.close()
