"""Model validation (issue 13): lever sweeps on paired seeds checked against acceptance bands.

The instrument that measures the engine, through its public API only: ``levers`` (what is swept),
``measure`` (one run and its figures), ``sweep`` (paired seeds, cache, process pool), ``analysis``
(paired differences and standard errors), ``bands`` (the criteria and their sources), ``report``
(console table, plots, HTML, JSON) and ``classroom_spread`` (strategies through the classroom).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and the band module load only when a sweep runs: `crm-sandbox --help` stays fast
    import pandas as pd

    from simulations.validation.bands import BandResult

#: Size of the acceptance run (issue 13): 10,000 customers x 208 weeks (4 years) x 6 paired seeds.
DEFAULT_CUSTOMERS = 10_000
DEFAULT_WEEKS = 208
DEFAULT_SEEDS = 6
#: Seeds per case of the classroom strategy spread.
CLASSROOM_SEEDS = 5


@dataclass
class Validation:
    """What :func:`validate_model` measured."""

    runs: pd.DataFrame
    table: pd.DataFrame
    bands: list[BandResult]
    skipped: list[tuple[str, str, str]]
    settings: object


def validate_model(scenarios: Iterable[str], settings: object, cache: Path, workers: int | None = None,
                   progress: Callable[[int, int], Callable[[int], None]] | None = None) -> Validation:
    """Plan, run (or read from ``cache``) and judge a validation sweep.

    ``progress(total_runs, cached_runs)`` returns the callback a finished run calls (a tqdm bar's
    ``update``), so the CLI can open its bar once the number of runs is known.
    """
    from simulations.validation.analysis import lever_table
    from simulations.validation.bands import evaluate
    from simulations.validation.sweep import execute, plan

    p = plan(list(scenarios), settings)  # type: ignore[arg-type]
    cached = sum((cache / f"{k}.json").is_file() for k in p.specs)
    tick = progress(len(p.specs) - cached, cached) if progress is not None else None
    runs = execute(p, cache, workers, tick)
    table = lever_table(runs)
    return Validation(runs, table, evaluate(runs, table), p.skipped, settings)
