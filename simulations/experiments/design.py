"""Experiment files: a base scenario, factors to vary, replications, a time limit, metrics, a seed.

Why a data file and not a script: a design written down in BehaviorSpace's vocabulary (lists
expand into a full factorial, scalars stay fixed, ranges run from start to stop by step,
repetitions, a time limit, an optional stop condition, metrics every week or at the end) can be
validated before hours of computing, shown to a reviewer, and rerun by anyone with the same result.

Replication ``r`` of every design point gets the same seed (the ``r``-th child of one
``SeedSequence(seed)``), so design points are compared on common random numbers: paired.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from simulations.config import Scenario, ScenarioError, format_validation_error, load_scenario, scenario_from_dict
from simulations.errors import UserError
from simulations.experiments.stopping import StopCondition, known_names
from simulations.i18n import N_, _

#: Most design points one experiment may expand into (a typo in a range must not mean a year of computing).
MAX_POINTS = 100_000
#: KPIs for which less is better; every other metric is maximised unless ``goals`` says otherwise.
LOWER_IS_BETTER = frozenset({
    "cost_acquisition", "cost_marketing", "cost_service", "cost_loyalty", "cost_community", "cost_overhead", "cost_total",
    "notices", "terminations", "losses", "complaints", "mean_wait_minutes", "n_at_risk", "n_terminating",
    "n_dormant", "n_lost",
})
#: Metrics that measure effort or volume, where neither more nor less is better in itself (more
#: retention contacts cost more and may save more customers): no "best" point unless ``goals`` says.
NO_BETTER_DIRECTION = frozenset({"contacts_retention", "tickets", "n_prospect", "acquisitions_referral"})
Goal = Literal["max", "min", "none"]


class ExperimentError(UserError):
    """An experiment file could not be read or is invalid; the message names file, field and value."""


class Experiment(BaseModel):
    """One experiment file, validated (see the module docstring and README "Experiments")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("experiment", description="short name, used in outputs", min_length=1)
    description: str = Field("", description="the question the experiment answers")
    scenario: str | dict[str, Any] = Field("retail", description="base scenario: built-in name, YAML path "
                                                                 "(relative to the experiment file) or inline mapping")
    factors: dict[str, Any] = Field(default_factory=dict, description="dotted scenario field -> list of levels, "
                                                                      "{start, stop, step} range, or fixed value")
    replications: int = Field(10, ge=1, le=100_000, description="runs per design point, paired by seed")
    weeks: int = Field(104, ge=1, le=2000, description="time limit in weeks")
    stop: str | None = Field(None, description="optional stop condition over KPI names, e.g. 'customers_active < 100'")
    metrics: tuple[str, ...] = Field(("cumulative_profit", "customers_active"), min_length=1,
                                     description="KPI columns to record; 'cumulative_<kpi>' sums a KPI over weeks")
    every: Literal["week", "end"] = Field("end", description="record metrics every week or only at the end")
    seed: int = Field(0, ge=0, description="root seed; replication seeds are spawned from it")
    goals: dict[str, Goal] = Field(default_factory=dict,
                                   description="whether more (max) or less (min) of a metric is better, or neither (none)")
    reference: dict[str, Any] | None = Field(None, description="factor values of the baseline design point "
                                                               "for paired differences (default: the best point)")

    _base: Scenario | None = PrivateAttr(default=None)

    @field_validator("factors")
    @classmethod
    def _check_factors(cls, factors: dict[str, Any]) -> dict[str, Any]:
        for name, spec in factors.items():
            if not name or any(not part for part in name.replace("__", ".").split(".")):
                raise ValueError(_("factor {name}: expected a dotted scenario field such as "
                                   "policies.service.key_account_desk").format(name=repr(name)))
            levels(name, spec)  # raises ValueError with the factor's name
        return factors

    @field_validator("metrics")
    @classmethod
    def _check_metrics(cls, metrics: tuple[str, ...]) -> tuple[str, ...]:
        allowed = known_names()
        for m in metrics:
            if m not in allowed or m == "week":
                raise ValueError(_("unknown metric {metric}; expected a KPI column of kpi_frame() "
                                   "(e.g. profit, customers_active, service_level) or cumulative_<kpi>").format(
                    metric=repr(m)))
        if len(set(metrics)) != len(metrics):
            raise ValueError(_("a metric is listed twice"))
        return metrics

    @field_validator("stop")
    @classmethod
    def _check_stop(cls, stop: str | None) -> str | None:
        if stop is not None:
            StopCondition(stop)  # parses or raises ValueError naming the problem
        return stop

    def base_scenario(self) -> Scenario:
        """The base scenario, loaded once (relative paths were resolved when the file was read)."""
        if self._base is None:
            self._base = _resolve_scenario(self.scenario, None, "<experiment>")
        return self._base  # type: ignore[return-value]

    def goal(self, metric: str) -> Goal:
        """'max' or 'min': the direction in which a metric is better; 'none' when neither is."""
        return self.goals.get(metric) or default_goal(metric)

    def varying(self) -> list[str]:
        """Factors with more than one level (the design's dimensions), in file order."""
        return [name for name, spec in self.factors.items() if _is_levels(spec) and len(levels(name, spec)) > 1]


@dataclass(frozen=True)
class DesignPoint:
    """One combination of factor levels: the overrides applied to the base scenario."""

    index: int
    values: dict[str, Any] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)

    @property
    def overrides(self) -> dict[str, Any]:
        """All factor values (fixed and varying), ready for ``with_overrides``."""
        return {**self.fixed, **self.values}

    @property
    def label(self) -> str:
        """Short human-readable name, e.g. ``targeting=uplift, k=200``."""
        if not self.values:
            return "base"
        return ", ".join(f"{name.rsplit('.', 1)[-1]}={_show(v)}" for name, v in self.values.items())


def default_goal(metric: str) -> Goal:
    """'min' for costs, losses, complaints and waiting; 'none' for effort and volume; 'max' for everything else."""
    kpi = metric.removeprefix("cumulative_")
    if kpi in NO_BETTER_DIRECTION:
        return "none"
    return "min" if kpi in LOWER_IS_BETTER else "max"


# -------------------------------------------------------------------------------- levels
def _is_range(spec: Any) -> bool:
    return isinstance(spec, Mapping) and {"start", "stop"} <= set(spec) and set(spec) <= {"start", "stop", "step"}


def _is_levels(spec: Any) -> bool:
    return isinstance(spec, list | tuple) or _is_range(spec)


def levels(name: str, spec: Any) -> list[Any]:
    """The levels of one factor: a list as given, a range expanded, a scalar as its only level.

    A range ``{start, stop, step}`` includes ``stop`` when it lies on the grid (as BehaviorSpace's
    ``[start increment stop]``); ``step`` defaults to 1. Integers stay integers.
    """
    if isinstance(spec, list | tuple):
        if not spec:
            raise ValueError(_("factor {name}: empty list of levels").format(name=repr(name)))
        return list(spec)
    if not _is_range(spec):
        return [spec]
    start, stop, step = spec["start"], spec["stop"], spec.get("step", 1)
    for key, value in (("start", start), ("stop", stop), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(_("factor {name}: range {key} must be a finite number, got {value}").format(
                name=repr(name), key=key, value=repr(value)))
    if step <= 0:
        raise ValueError(_("factor {name}: range step must be > 0, got {value}").format(name=repr(name), value=repr(step)))
    if stop < start:
        raise ValueError(_("factor {name}: range stop ({stop}) is below start ({start})").format(
            name=repr(name), stop=repr(stop), start=repr(start)))
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_POINTS:
        raise ValueError(_("factor {name}: range has {count} levels (at most {most})").format(
            name=repr(name), count=f"{count:,}", most=f"{MAX_POINTS:,}"))
    if all(isinstance(v, int) for v in (start, stop, step)):
        return list(range(start, stop + 1, step))
    return [float(round(start + i * step, 12)) for i in range(count)]


def expand(experiment: Experiment | Mapping[str, Any]) -> list[DesignPoint]:
    """The full factorial of an experiment's factors (or of a ``{field: spec}`` mapping).

    Lists and ranges are crossed in file order, the first factor varying slowest (as
    ``itertools.product``); scalars are fixed in every point. No factor at all gives one point.
    """
    factors = experiment.factors if isinstance(experiment, Experiment) else dict(experiment)
    fixed = {name: spec for name, spec in factors.items() if not _is_levels(spec)}
    crossed = {name: levels(name, spec) for name, spec in factors.items() if _is_levels(spec)}
    total = math.prod(len(v) for v in crossed.values())
    if total > MAX_POINTS:
        raise ExperimentError(_("the factors expand into {count} design points (at most {most})").format(
            count=f"{total:,}", most=f"{MAX_POINTS:,}"))
    names = list(crossed)
    return [DesignPoint(i, dict(zip(names, combo, strict=True)), dict(fixed))
            for i, combo in enumerate(itertools.product(*crossed.values()))]


def replication_seeds(root_seed: int, replications: int) -> list[int]:
    """Seed of each replication: one integer per child of ``SeedSequence(root_seed).spawn(replications)``.

    Children are indexed by their spawn key, so adding replications keeps the earlier seeds.
    The integer (63 bits, fits a Parquet int64) is what ``CustomerLifecycleModel(seed=...)`` gets.
    """
    children = np.random.SeedSequence(root_seed).spawn(replications)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


# ------------------------------------------------------------------------------- loading


def _resolve_scenario(spec: str | dict[str, Any], base_dir: Path | None, source: str) -> Scenario:
    try:
        if isinstance(spec, dict):
            return scenario_from_dict(spec, f"{source}: scenario")
        path = Path(spec)
        if base_dir is not None and path.suffix in (".yaml", ".yml") and not path.is_absolute():
            path = base_dir / path
        return load_scenario(path if path.suffix else spec)
    except ScenarioError as err:
        raise ExperimentError(_("{source}: field scenario: {error}").format(source=source, error=err)) from None


def _check_field_path(name: str, source: str) -> None:
    """Fail early, naming the factor, when a dotted path is not a scenario field."""
    parts = name.replace("__", ".").split(".")
    model: Any = Scenario
    for i, part in enumerate(parts):
        here = ".".join(parts[:i]) or _("the scenario")
        if isinstance(model, type) and issubclass(model, BaseModel):
            if part not in model.model_fields:
                raise ExperimentError(_("{source}: factor {name}: unknown field {field}; fields of {here}: {fields}").format(
                    source=source, name=repr(name), field=repr(".".join(parts[: i + 1])), here=here,
                    fields=", ".join(model.model_fields)))
            model = model.model_fields[part].annotation
        elif typing.get_origin(model) is dict:
            model = typing.get_args(model)[1]  # channel keys are checked when the scenario is built
        else:
            raise ExperimentError(_("{source}: factor {name}: {here} is a single value and has no field {field}").format(
                source=source, name=repr(name), here=repr(here), field=repr(part)))


def experiment_from_dict(data: Any, source: str = "<experiment>", base_dir: Path | None = None) -> Experiment:
    """Validate a mapping as an experiment; errors name the source, the field and the value."""
    if not isinstance(data, dict):
        raise ExperimentError(_("{source}: expected a mapping of experiment fields, got {type}").format(
            source=source, type=type(data).__name__))
    try:
        exp = Experiment.model_validate(data)
    except ValidationError as err:
        raise ExperimentError(format_validation_error(err, source, N_("experiment"))) from None
    for name in exp.factors:
        _check_field_path(name, source)
    exp._base = _resolve_scenario(exp.scenario, base_dir, source)
    if exp.reference is not None:
        _check_reference(exp, source)
    for metric in exp.goals:
        if metric not in exp.metrics:
            raise ExperimentError(_("{source}: field goals: {metric} is not one of the metrics ({metrics})").format(
                source=source, metric=repr(metric), metrics=", ".join(exp.metrics)))
    if len(expand(exp)) > MAX_POINTS:  # pragma: no cover - expand raises first
        raise ExperimentError(_("{source}: too many design points").format(source=source))
    return exp


def _check_reference(exp: Experiment, source: str) -> None:
    ref = exp.reference or {}
    for name, value in ref.items():
        if name not in exp.factors:
            raise ExperimentError(_("{source}: field reference: {name} is not a factor ({factors})").format(
                source=source, name=repr(name), factors=", ".join(exp.factors)))
        if value not in levels(name, exp.factors[name]):
            raise ExperimentError(_("{source}: field reference: {name} = {value} is not one of its levels {levels}").format(
                source=source, name=name, value=repr(value), levels=levels(name, exp.factors[name])))


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment YAML file; a relative scenario path is relative to the file."""
    path = Path(path)
    if not path.is_file():
        raise ExperimentError(_("{path}: experiment file not found").format(path=path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ExperimentError(_("{path}: malformed YAML: {error}").format(path=path, error=err)) from None
    except OSError as err:
        raise ExperimentError(_("{path}: cannot read: {reason}").format(path=path, reason=err.strerror)) from None
    data = data or {}
    if isinstance(data, dict):
        data.setdefault("name", path.stem)
    return experiment_from_dict(data, str(path), base_dir=path.parent)


def engine_files() -> list[Path]:
    """The source files whose content decides a run's results (their hash is :data:`ENGINE`)."""
    root = Path(__file__).resolve().parents[1]
    files = [root / f"{name}.py" for name in ("arrays", "config", "model", "population", "rng", "stages", "weeklog")]
    # the firm's rules (perceived stages, scores, targeting) decide who is contacted: results depend on them
    return files + sorted((root / "mechanisms").glob("*.py")) + sorted((root / "firm").glob("*.py"))


def _engine_hash() -> str:
    """Hash of the engine's source (config, model, population, streams, arrays, mechanisms, the firm's CRM view), taken at import.

    Why: the package version is not bumped for every change of a mechanism, yet such a change
    alters results. Putting this hash in the fingerprint stops a resume from mixing runs of two
    engines, and a worker whose engine differs from the driver's is refused.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for f in engine_files():
        if f.is_file():
            digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


#: The engine this process has loaded (see :func:`_engine_hash`).
ENGINE = _engine_hash()


def canonical(experiment: Experiment) -> dict[str, Any]:
    """Everything that determines the runs' results, as plain JSON data (the base scenario in full)."""
    return {
        "engine": ENGINE,
        "scenario": experiment.base_scenario().model_dump(mode="json"),
        "factors": json.loads(json.dumps(experiment.factors, default=str)),
        "weeks": experiment.weeks,
        "stop": experiment.stop,
        "metrics": list(experiment.metrics),
        "every": experiment.every,
        "seed": experiment.seed,
    }


def fingerprint(experiment: Experiment) -> str:
    """Hash of :func:`canonical`: run files of a folder may be reused only under the same fingerprint.

    The engine's source hash is in; replications, name, goals and reference are left out on purpose: adding replications or
    changing how results are read must not throw finished runs away.
    """
    text = json.dumps(canonical(experiment), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_show(v)}" for k, v in value.items()) + "}"
    return str(value)
