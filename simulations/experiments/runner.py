"""Running an experiment: one run per design point x replication, local processes or a Dask cluster.

Why this shape:

* One run is one task of a pure function (:func:`run_one`): the same code runs in-process, in a
  local process pool or on a Dask worker, so the executor cannot change a result.
* A run never raises: an exception becomes a row with its ``error`` text, and the sweep goes on.
* The driver (not the worker) writes each finished run to ``DIR/runs/<run_id>.parquet``
  atomically (temporary file, then ``os.replace``), so workers need no shared file system and an
  interrupted sweep resumes by skipping the run files that exist. ``DIR/results.parquet`` is
  combined from the run files at the end, in design order, so it does not depend on which run
  finished first or on which executor ran it.
* Runs are issued replication by replication: after an interruption the finished runs form
  complete, paired replications of every design point.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulations.config import Scenario, with_overrides
from simulations.experiments.design import (
    ENGINE,
    DesignPoint,
    Experiment,
    ExperimentError,
    canonical,
    expand,
    experiment_from_dict,
    fingerprint,
    levels,
    replication_seeds,
)
from simulations.experiments.stopping import CUMULATIVE, StopCondition
from simulations.i18n import _
from simulations.outputs import check_writable

RESULTS_FILE = "results.parquet"
EXPERIMENT_FILE = "experiment.json"
RUNS_FOLDER = "runs"
#: Columns that identify a run in every output row, before the factor columns.
ID_COLUMNS: tuple[str, ...] = ("experiment", "run_id", "point", "point_label", "replication", "seed", "root_seed", "scenario")
#: Columns after the metrics.
TAIL_COLUMNS: tuple[str, ...] = ("stopped", "error", "version", "engine")

Sink = Callable[[pd.DataFrame], None]


@dataclass(frozen=True)
class RunTask:
    """Everything one run needs, picklable for a process pool or a Dask worker."""

    run_id: str
    point: int
    replication: int
    seed: int
    scenario: Scenario
    overrides: dict[str, Any]
    weeks: int
    stop: str | None
    metrics: tuple[str, ...]
    every: str
    identity: dict[str, Any] = field(default_factory=dict)


def run_id(point: int, replication: int) -> str:
    """File name stem of a run; fixed widths so adding replications keeps earlier ids."""
    return f"p{point:05d}-r{replication:05d}"


def run_one(task: RunTask) -> pd.DataFrame:
    """Run one design point x replication; metrics as rows, or one row with the error.

    Pure: the result depends on the task alone (scenario, overrides, seed), never on where or
    when it runs.
    """
    from simulations import __version__
    from simulations.model import CustomerLifecycleModel

    try:
        spec = with_overrides(task.scenario, task.overrides) if task.overrides else task.scenario
        model = CustomerLifecycleModel(spec, seed=task.seed, collect=True, weeks=task.weeks)
        stopped = _run_until(model, task.weeks, StopCondition(task.stop) if task.stop else None)
        table = metric_table(model.kpi_frame(), task.metrics)
        if task.every == "end":
            table = table.iloc[[-1]]
        error = None
    except Exception as err:  # noqa: BLE001 - a failed run is a result, the sweep goes on
        table = pd.DataFrame({"week": [pd.NA], **{m: [np.nan] for m in task.metrics}})
        stopped, error = False, f"{type(err).__name__}: {err}"
    n = len(table)
    frame = pd.DataFrame({name: [value] * n for name, value in task.identity.items()})
    frame["week"] = pd.array(table["week"].to_numpy(), dtype="Int64")
    for m in task.metrics:
        frame[m] = table[m].to_numpy(dtype=np.float64)
    frame["stopped"] = stopped
    frame["error"] = pd.array([error] * n, dtype="string")
    frame["version"] = __version__
    frame["engine"] = ENGINE
    return frame


def _run_until(model: Any, weeks: int, stop: StopCondition | None) -> bool:
    """Step up to ``weeks`` weeks; True if the stop condition ended the run early."""
    if stop is None:
        model.run(weeks)
        return False
    sums: dict[str, float] = {}
    for week in range(weeks):
        model.step()
        values = dict(model.kpi)
        for name in stop.names:
            if name.startswith(CUMULATIVE):
                kpi = name.removeprefix(CUMULATIVE)
                sums[kpi] = sums.get(kpi, 0.0) + float(values[kpi])
                values[name] = sums[kpi]
        if stop(values):
            return week + 1 < weeks
    return False


def metric_table(kpis: pd.DataFrame, metrics: Iterable[str]) -> pd.DataFrame:
    """Week and metric columns from a KPI frame; ``cumulative_<kpi>`` sums a KPI over weeks 1..t."""
    out = pd.DataFrame({"week": kpis["week"].to_numpy()})
    for m in metrics:
        if m.startswith(CUMULATIVE):
            values = kpis[m.removeprefix(CUMULATIVE)].to_numpy(dtype=np.float64).copy()
            values[kpis["week"].to_numpy() == 0] = 0.0
            out[m] = np.cumsum(values)
        else:
            out[m] = kpis[m].to_numpy(dtype=np.float64)
    return out


# ------------------------------------------------------------------------------- planning
def _stored(values: list[Any]) -> Callable[[Any], Any]:
    """How a factor's levels are stored in a column: as they are if one plain type, else as JSON text."""
    plain = (all(isinstance(v, bool) for v in values) or all(isinstance(v, str) for v in values)
             or all(isinstance(v, int | float) and not isinstance(v, bool) for v in values))
    return (lambda v: v) if plain else (lambda v: json.dumps(v, sort_keys=True, default=str))


def plan_tasks(experiment: Experiment) -> list[RunTask]:
    """All runs of an experiment, replication by replication, each with its identity columns."""
    points = expand(experiment)
    seeds = replication_seeds(experiment.seed, experiment.replications)
    base = experiment.base_scenario()
    storers = {name: _stored(levels(name, spec)) for name, spec in experiment.factors.items()}
    tasks = []
    for rep, seed in enumerate(seeds):
        for p in points:
            identity = _identity(experiment, p, rep, seed, base, storers)
            tasks.append(RunTask(identity["run_id"], p.index, rep, seed, base, p.overrides, experiment.weeks,
                                 experiment.stop, tuple(experiment.metrics), experiment.every, identity))
    return tasks


def _identity(exp: Experiment, p: DesignPoint, rep: int, seed: int, base: Scenario,
              storers: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    ident: dict[str, Any] = {
        "experiment": exp.name, "run_id": run_id(p.index, rep), "point": p.index, "point_label": p.label,
        "replication": rep, "seed": seed, "root_seed": exp.seed, "scenario": base.name,
    }
    for name, value in p.overrides.items():
        ident[name] = storers[name](value)
    return ident


# -------------------------------------------------------------------------------- the sweep
@dataclass
class SweepSummary:
    """What a call of :func:`run_experiment` did."""

    folder: Path
    runs: int
    skipped: int
    executed: int
    failed: int
    results: Path | None = None


@dataclass
class Sweep:
    """A prepared sweep: the output folder is checked and the runs still to do are known."""

    experiment: Experiment
    folder: Path
    tasks: list[RunTask]
    pending: list[RunTask]

    @property
    def runs_folder(self) -> Path:
        """Where finished runs are kept, one Parquet file each."""
        return self.folder / RUNS_FOLDER

    def write_run(self, frame: pd.DataFrame) -> None:
        """Store one finished run atomically (temporary file in the same folder, then ``os.replace``)."""
        rid = str(frame["run_id"].iloc[0])
        fd, tmp = tempfile.mkstemp(prefix=f".{rid}.", suffix=".tmp", dir=self.runs_folder)
        os.close(fd)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, self.runs_folder / f"{rid}.parquet")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def run(self, workers: int | None = None, scheduler: str | None = None,
            progress: Callable[[int], None] | None = None, tune_workers: bool = True) -> SweepSummary:
        """Execute the pending runs (local processes, or Dask at ``scheduler``), then combine results.

        ``tune_workers``: on Dask, give the workers glibc's adaptive malloc thresholds back
        (:mod:`simulations.experiments.allocator`); False leaves the cluster untouched.
        """
        def sink(frame: pd.DataFrame) -> None:
            if frame["engine"].iloc[0] != ENGINE:
                raise ExperimentError(
                    _("a worker ran engine {worker}, this driver has {driver}: the simulation code differs (install "
                      "the same version everywhere, or restart workers after changing the code); finished runs are "
                      "kept").format(worker=frame["engine"].iloc[0], driver=ENGINE))
            self.write_run(frame)
            if progress is not None:
                progress(1)

        if self.pending:
            if scheduler:
                from simulations.extras import require_extra

                require_extra("experiments", "running an experiment on a Dask scheduler")
                from simulations.experiments.dask_runner import run_on_dask

                run_on_dask(self.pending, scheduler, sink, key_prefix=f"crm-{fingerprint(self.experiment)}",
                            tune_workers=tune_workers)
            else:
                run_locally(self.pending, workers, sink)
        results = combine_runs(self.folder, self.tasks)
        total_failed = int(pd.read_parquet(results, columns=["run_id", "error"]).dropna()["run_id"].nunique())
        return SweepSummary(self.folder, len(self.tasks), len(self.tasks) - len(self.pending), len(self.pending),
                            total_failed, results)


def prepare_sweep(experiment: Experiment, out: str | Path, retry_failed: bool = False) -> Sweep:
    """Check the folder, record the experiment, and find the runs not done yet.

    A folder holding runs of a different experiment (another fingerprint: base scenario,
    factors, weeks, stop, metrics, every or seed differ) is refused rather than mixed.
    """
    folder = Path(out)
    check_writable(folder)
    meta_path = folder / EXPERIMENT_FILE
    fp = fingerprint(experiment)
    if meta_path.exists():
        try:
            old = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ExperimentError(_("{path}: unreadable ({error}); choose another --out folder").format(
                path=meta_path, error=err)) from None
        if old.get("fingerprint") != fp:
            raise ExperimentError(
                _("{folder}: holds runs of a different experiment (fingerprint {old} != {new}: the scenario, factors, "
                  "weeks, stop, metrics, every or seed changed); choose another --out folder").format(
                    folder=folder, old=old.get("fingerprint"), new=fp))
    runs = folder / RUNS_FOLDER
    runs.mkdir(parents=True, exist_ok=True)
    for stale in runs.glob(".*.tmp"):
        stale.unlink()
    _write_json(meta_path, experiment_record(experiment))
    tasks = plan_tasks(experiment)
    if retry_failed:
        for t in tasks:
            path = runs / f"{t.run_id}.parquet"
            if path.exists() and pd.read_parquet(path, columns=["error"])["error"].notna().any():
                path.unlink()
    pending = [t for t in tasks if not (runs / f"{t.run_id}.parquet").exists()]
    return Sweep(experiment, folder, tasks, pending)


def run_experiment(experiment: Experiment, out: str | Path, *, workers: int | None = None, scheduler: str | None = None,
                   retry_failed: bool = False, progress: Callable[[int], None] | None = None,
                   tune_workers: bool = True) -> SweepSummary:
    """Run (or resume) a sweep into ``out``: ``runs/*.parquet``, ``results.parquet``, ``experiment.json``.

    ``workers``: local processes (default: the machine's cores; 1 runs in this process). Worker
    processes start by fork server, so a script must call this under ``if __name__ == "__main__":``.
    ``scheduler``: address of a Dask scheduler (``tcp://host:8786``); then ``workers`` is ignored.
    ``tune_workers``: see :meth:`Sweep.run`.
    """
    return prepare_sweep(experiment, out, retry_failed).run(workers, scheduler, progress, tune_workers)


def experiment_record(experiment: Experiment) -> dict[str, Any]:
    """The ``experiment.json`` of an output folder: the file as validated, with the base scenario in full."""
    from simulations import __version__

    spec = experiment.model_dump(mode="json")
    spec["scenario"] = canonical(experiment)["scenario"]
    return {"fingerprint": fingerprint(experiment), "version": __version__, "engine": ENGINE, "experiment": spec,
            "varying": experiment.varying()}


def read_experiment_record(folder: str | Path) -> Experiment:
    """The experiment an output folder was made by (for reports and notebooks)."""
    path = Path(folder) / EXPERIMENT_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExperimentError(_("{folder}: not an experiment output folder (no {file})").format(
            folder=folder, file=EXPERIMENT_FILE)) from None
    except (OSError, ValueError) as err:
        raise ExperimentError(_("{path}: unreadable ({error})").format(path=path, error=err)) from None
    return experiment_from_dict(record["experiment"], str(path))


def combine_runs(folder: Path, tasks: list[RunTask]) -> Path:
    """Concatenate the finished runs in design order into ``results.parquet`` (atomically)."""
    runs = Path(folder) / RUNS_FOLDER
    frames = [pd.read_parquet(runs / f"{t.run_id}.parquet") for t in sorted(tasks, key=lambda t: (t.point, t.replication))
              if (runs / f"{t.run_id}.parquet").exists()]
    if not frames:
        raise ExperimentError(_("{folder}: no finished runs to combine").format(folder=folder))
    results = pd.concat(frames, ignore_index=True)
    results["error"] = results["error"].astype("string")
    target = Path(folder) / RESULTS_FILE
    fd, tmp = tempfile.mkstemp(prefix=".results.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        results.to_parquet(tmp, index=False)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _write_json(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


# -------------------------------------------------------------------------- local processes
def _context() -> multiprocessing.context.BaseContext:
    """Use forkserver where available (fast, no inherited threads), else spawn; never plain fork."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # import the engine once in the fork server; each worker then starts as a cheap fork of it
    ctx.set_forkserver_preload(["simulations.experiments.runner", "simulations.model"])
    return ctx


def run_locally(tasks: list[RunTask], workers: int | None, sink: Sink) -> None:
    """Run tasks in a pool of ``workers`` processes (1: in this process), handing each result to ``sink``."""
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise ExperimentError(_("--workers must be at least 1, got {value}").format(value=workers))
    if workers == 1:
        for task in tasks:
            sink(run_one(task))
        return
    todo = iter(tasks)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=_context())
    inflight: dict[Future, RunTask] = {}
    try:
        while True:
            while len(inflight) < 2 * workers and (task := next(todo, None)) is not None:
                inflight[pool.submit(run_one, task)] = task
            if not inflight:
                break
            done, _waiting = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: inflight[f].run_id):
                task = inflight.pop(fut)
                try:
                    frame = fut.result()
                except BrokenProcessPool:
                    raise ExperimentError(_("a worker process died while running {run} (out of memory?); finished runs "
                                            "are kept: run the same command again to resume").format(run=task.run_id)) \
                        from None
                sink(frame)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
