"""Run a scenario and write its weekly KPIs and report into a folder (the main job)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulations.config import Scenario
from simulations.model import CustomerLifecycleModel
from simulations.outputs import check_not_clobbering, check_writable, staged_folder
from simulations.report import write_report
from simulations.report_tables import formatted_summary


@dataclass
class SimulationResult:
    """What a run produced."""

    model: CustomerLifecycleModel
    kpis: pd.DataFrame
    summary: pd.DataFrame
    files: list[Path]


def simulate_to_folder(
    scenario: Scenario,
    out: Path,
    *,
    customers: int | None = None,
    weeks: int | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    force: bool = False,
) -> SimulationResult:
    """Run ``scenario`` and write ``kpis.parquet``, ``kpis.csv``, plots and ``report.html`` to ``out``.

    A non-empty ``out`` is refused before the run unless ``force`` (then the run's files replace
    those of the same name; other files in the folder stay).
    """
    check_not_clobbering(Path(out), force)
    check_writable(Path(out))
    model = CustomerLifecycleModel(scenario, customers=customers, seed=seed, weeks=weeks)
    model.run(weeks if weeks is not None else scenario.world.market.weeks, progress=progress)
    kpis = model.kpi_frame()
    with staged_folder(Path(out)) as stage:
        kpis.to_parquet(stage / "kpis.parquet", index=False)
        kpis.to_csv(stage / "kpis.csv", index=False)
        write_report(model, kpis, stage)
        files = [Path(out) / p.name for p in stage.iterdir()]
    return SimulationResult(model=model, kpis=kpis, summary=formatted_summary(kpis), files=files)
