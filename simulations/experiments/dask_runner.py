"""Running an experiment's runs on a Dask distributed cluster (``--scheduler tcp://host:8786``).

Why Dask and not our own scheduler: a lab or a university cluster usually has one already
(``dask scheduler`` plus ``dask worker`` on each node, or dask-jobqueue on a batch system), and
it handles lost workers, retries and load balancing. Workers run the same pure
:func:`~simulations.experiments.runner.run_one` as local processes and send the rows back; the
driver writes the run files, so the workers need this package installed but no shared disk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulations.experiments.design import ExperimentError

if TYPE_CHECKING:
    from simulations.experiments.runner import RunTask, Sink


def run_on_dask(tasks: list[RunTask], address: str, sink: Sink, key_prefix: str = "crm-run") -> None:
    """Submit every task to the cluster at ``address``; hand each finished run to ``sink`` as it arrives.

    At most four tasks per worker thread are in flight, so a sweep of any size keeps the
    scheduler's memory small and an interrupted sweep loses little queued work.
    """
    from distributed import Client, as_completed

    from simulations.experiments.runner import run_one

    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ExperimentError(f"--scheduler {address}: cannot reach a Dask scheduler there ({err})") from None
    try:
        threads = max(sum(client.nthreads().values()), 1)
        todo = iter(tasks)
        names = {}

        def submit(task: RunTask):  # noqa: ANN202 - a distributed.Future
            fut = client.submit(run_one, task, key=f"{key_prefix}-{task.run_id}", pure=False, retries=1)
            names[fut.key] = task.run_id
            return fut

        first = [submit(t) for _, t in zip(range(4 * threads), todo, strict=False)]
        pending = as_completed(first, loop=client.loop)
        for fut in pending:
            try:
                frame = fut.result()
            except Exception as err:  # noqa: BLE001 - the cluster's failure, not the run's: stop, keep finished runs
                raise ExperimentError(f"the Dask cluster failed to run {names.get(fut.key, fut.key)} "
                                      f"({type(err).__name__}: {err}); finished runs are kept: run the same "
                                      "command again to resume") from None
            fut.release()
            sink(frame)
            nxt = next(todo, None)
            if nxt is not None:
                pending.add(submit(nxt))
    finally:
        client.close()
