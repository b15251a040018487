"""The validation sweep: every lever level of every scenario on the same paired seeds, cached.

Why paired seeds: run ``r`` of every level uses the ``r``-th seed of one ``SeedSequence`` (as the
experiments do), and the engine draws the same random numbers whatever the policy, so the
difference of a level from the default on one seed carries none of that seed's luck (common
random numbers). Why a cache: each (scenario, lever level, seed, size, horizon, engine) run is
stored as one JSON file named by a hash of everything that determines it, so a rerun after a
change to the report, or with more seeds, only runs what is new; a change of the engine's source
(``experiments.design.ENGINE``) gives new names, so stale runs are never reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulations.config import Scenario, load_scenario, with_overrides
from simulations.errors import UserError
from simulations.experiments.design import ENGINE, replication_seeds
from simulations.validation import DEFAULT_CUSTOMERS, DEFAULT_SEEDS, DEFAULT_WEEKS
from simulations.validation.levers import LEVERS, Lever, default_level, levels_for, skip_reason
from simulations.validation.measure import MEASURE_VERSION, RunSpec, measure

#: Root of the seed tree (issue 13 asked for this command).
ROOT_SEED = 13
#: Scenarios swept when none is named: every built-in scenario, the main ones first (issue 13's acceptance
#: run covers them all; the pizza shop, added later, was missing from a fixed list).
_FIRST = ("retail", "telecom", "bank-students", "appliance-community", "retail-btyd")


def default_scenarios() -> list[str]:
    """Every built-in scenario, ``_FIRST`` in that order, then the others by name."""
    from simulations.config import builtin_names

    names = builtin_names()
    return [n for n in _FIRST if n in names] + [n for n in names if n not in _FIRST]


def default_cache() -> Path:
    """``$XDG_CACHE_HOME/crm-sandbox/validation`` (else ``~/.cache/...``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crm-sandbox" / "validation"


@dataclass(frozen=True)
class Settings:
    """Size of a validation sweep."""

    customers: int = DEFAULT_CUSTOMERS
    weeks: int = DEFAULT_WEEKS
    seeds: int = DEFAULT_SEEDS
    levers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Point:
    """One lever level of one scenario (its runs are one per seed)."""

    scenario: str
    lever: str
    level: Any
    overrides: dict[str, Any]
    clipped: bool
    is_default: bool


@dataclass
class Plan:
    """What a sweep will run: points per scenario, skipped levers with reasons, unique runs."""

    settings: Settings
    points: list[Point]
    skipped: list[tuple[str, str, str]]
    seeds: list[int]
    specs: dict[str, RunSpec]
    rows: list[tuple[Point, int, str]]


def scenario_at_size(name: str, customers: int) -> Scenario:
    """A built-in scenario (or YAML path) with ``world.market.customers`` set."""
    return with_overrides(load_scenario(name), {"world.market.customers": customers})


def plan(scenarios: Iterable[str], settings: Settings) -> Plan:
    """Every point, seed and distinct run of a sweep; levers that do not fit a scenario are listed as skipped."""
    if settings.seeds < 1 or settings.customers < 10 or settings.weeks < 1:
        raise UserError("--seeds must be >= 1, --customers >= 10 and --weeks >= 1")
    chosen = _chosen_levers(settings.levers)
    seeds = replication_seeds(ROOT_SEED, settings.seeds)
    points: list[Point] = []
    skipped: list[tuple[str, str, str]] = []
    specs: dict[str, RunSpec] = {}
    rows: list[tuple[Point, int, str]] = []
    for name in scenarios:
        base = scenario_at_size(name, settings.customers)
        for lever in chosen:
            reason = skip_reason(lever, base)
            if reason is not None:
                skipped.append((name, lever.id, reason))
                continue
            default = default_level(lever, base)
            for level, overrides, clipped in levels_for(lever, base):
                point = Point(name, lever.id, level, overrides, clipped, level == default)
                points.append(point)
                failure = str(level) if lever.kind == "experiment" else ""
                btyd = name == "retail" and not overrides and not failure
                for r, seed in enumerate(seeds):
                    spec = RunSpec(base, overrides, seed, settings.weeks, btyd=btyd,
                                   identity={"scenario": name}, failure=failure)
                    key = run_key(spec)
                    specs.setdefault(key, spec)
                    rows.append((point, r, key))
    return Plan(settings, points, skipped, seeds, specs, rows)


def _chosen_levers(ids: tuple[str, ...] | None) -> list[Lever]:
    if not ids:
        return list(LEVERS)
    known = {lever.id: lever for lever in LEVERS}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UserError(f"unknown lever(s) {', '.join(unknown)}; levers: {', '.join(known)}")
    return [known[i] for i in ids]


def run_key(spec: RunSpec) -> str:
    """Hash of everything that determines a run's figures (engine source, scenario, overrides, seed, horizon)."""
    fields = {"engine": ENGINE, "measure": MEASURE_VERSION, "scenario": spec.scenario.model_dump(mode="json"),
              "overrides": spec.overrides, "seed": spec.seed, "weeks": spec.weeks, "btyd": spec.btyd}
    if spec.failure:  # only the failure experiment's arms name it, so every other run keeps its cached name
        fields["failure"] = spec.failure
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def execute(p: Plan, cache: Path, workers: int | None = None,
            progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """Run the plan's runs not yet in ``cache`` and return one row per (point, seed) with its figures."""
    cache.mkdir(parents=True, exist_ok=True)
    done = {key: _read(cache / f"{key}.json") for key in p.specs if (cache / f"{key}.json").is_file()}
    pending = [(key, spec) for key, spec in p.specs.items() if done.get(key) is None]

    def sink(key: str, figures: dict[str, Any]) -> None:
        if "error" not in figures:
            _write(cache / f"{key}.json", figures)
        done[key] = figures
        if progress is not None:
            progress(1)

    run_pool(pending, workers, sink)
    records = []
    for point, r, key in p.rows:
        figures = {k: v for k, v in (done.get(key) or {}).items() if k != "scenario"}
        records.append({"scenario": point.scenario, "lever": point.lever, "level": _label(point.level),
                        "default": point.is_default, "clipped": point.clipped, "replication": r,
                        "btyd_mode": p.specs[key].scenario.world.btyd.enabled,
                        "seed": p.seeds[r], **figures})
    return pd.DataFrame(records)


def _label(level: Any) -> str:
    """A level as text for tables and JSON (``x0.25``, ``on``, ``uplift``)."""
    if isinstance(level, bool):
        return "on" if level else "off"
    if isinstance(level, int | float):
        return f"x{level:g}"
    return str(level)


def run_pool(jobs: list[tuple[str, RunSpec]], workers: int | None,
             sink: Callable[[str, dict[str, Any]], None]) -> None:
    """Run ``measure`` over jobs in the experiments' process pool (forkserver context); 1 worker: in-process."""
    from simulations.experiments.runner import _context

    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    if workers == 1 or len(jobs) <= 1:
        for key, spec in jobs:
            sink(key, measure(spec))
        return
    todo = iter(jobs)
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=_context())
    inflight: dict[Future, str] = {}
    try:
        while True:
            while len(inflight) < 2 * workers and (job := next(todo, None)) is not None:
                inflight[pool.submit(measure, job[1])] = job[0]
            if not inflight:
                break
            finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in finished:
                sink(inflight.pop(fut), fut.result())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, allow_nan=True)
    os.replace(tmp, path)
