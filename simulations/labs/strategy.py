"""A CRM strategy as a policy table, checked field by field and scored against the benchmark by paired simulation.

Why here (student side, in the package): the capstone lab (L10) asks students to write a policy
for a world they have not analysed and to test it before handing it in, and the grader judges it
with the very same functions (``graders.scoring.modes``, mode ``simulate``), so that what a student
measures on their own seeds and what the grader measures on its hidden seeds differ only by the
seeds. A policy is a table of rows ``(field, value)``: only the decisions listed in ``FIELDS`` may
be changed, each within a range a firm could defend; every other decision keeps the scenario's
own value (the benchmark, "doing nothing new").

The score of a policy is its gain over the benchmark on paired seeds (common random numbers: each
mechanism draws the same random numbers whatever the policy, so the difference carries little
luck), in profit over the run plus customer equity at its end (the expected discounted margin of
the customers then held, ``simulations.classroom.equity.customer_equity``): profit alone rewards
milking the base, equity alone rewards buying customers at any price (docs/COURSE.md §3, §7).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulations.i18n import gettext

#: Decisions a policy may change, as dotted paths under ``policies`` -> allowed range (low, high)
#: for numbers, ``bool`` for switches, or a tuple of choices. Budgets, capacities and k are stated
#: for the scenario's reference market (``world.market.reference_customers``, 10,000 people), as in
#: the scenario files. The ranges keep every policy one a firm could run (a price index of 0.8-1.25,
#: offers up to half an order), so a policy wins by judgement, not by an extreme the model never met.
FIELDS: dict[str, Any] = {
    "acquisition.budget.search": (0.0, 5000.0),
    "acquisition.budget.social": (0.0, 5000.0),
    "acquisition.budget.tv": (0.0, 5000.0),
    "acquisition.budget.direct_mail": (0.0, 5000.0),
    "service.capacity.phone": (0.0, 2000.0),
    "service.capacity.email": (0.0, 2000.0),
    "service.capacity.chat": (0.0, 2000.0),
    "service.key_account_desk": bool,
    "service.key_account_capacity": (0.0, 400.0),
    "service.recovery_effort": (0.0, 1.0),
    "marketing.retention.enabled": bool,
    "marketing.retention.targeting": ("top_k", "uplift"),
    "marketing.retention.k": (0, 2000),
    "marketing.retention.offer": (0.0, 0.5),
    "marketing.retention.channel": ("email", "phone", "sms", "app"),
    "marketing.win_back.enabled": bool,
    "marketing.win_back.offer": (0.0, 0.5),
    "marketing.cross_sell.enabled": bool,
    "marketing.cross_sell.offer": (0.0, 0.5),
    "loyalty.enabled": bool,
    "pricing.price_index": (0.8, 1.25),
}


class PolicyError(ValueError):
    """A policy row that cannot be run: the message names the field, the value and what is allowed."""


def allowed(field: str) -> str:
    """What ``field`` accepts, in words (for error messages and the notebook's table of fields)."""
    rule = FIELDS[field]
    if rule is bool:
        return "True / False"
    if isinstance(rule[0], str):
        return ", ".join(rule)
    return f"[{rule[0]}, {rule[1]}]"


def fields_table(scenario: Any) -> pd.DataFrame:
    """Every field a policy may change: the benchmark's value in ``scenario`` and the allowed range."""
    rows = [{"field": f, "benchmark": _current(scenario, f), "allowed": allowed(f)} for f in FIELDS]
    return pd.DataFrame(rows)


def _current(scenario: Any, field: str) -> Any:
    node: Any = scenario.policies
    for part in field.split("."):
        node = node[part] if isinstance(node, Mapping) else getattr(node, part)
    return node


def _rows(policy: Any, lang: str | None = None) -> list[tuple[Any, Any]]:
    """(field, value) pairs of a policy given as a dict, a DataFrame or records with columns field and value."""
    if isinstance(policy, Mapping):
        return list(policy.items())
    if hasattr(policy, "to_dict") and hasattr(policy, "columns"):
        policy = policy.to_dict(orient="records")
    rows = []
    for i, row in enumerate(policy):
        if not isinstance(row, Mapping) or set(row) != {"field", "value"}:
            raise PolicyError(gettext("policy row {i}: expected the columns field and value", lang).format(i=i))
        rows.append((row["field"], row["value"]))
    return rows


def _value(field: str, value: Any, lang: str | None = None) -> Any:
    rule = FIELDS[field]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars from a DataFrame
    if rule is bool:
        if isinstance(value, bool):
            return value
        raise PolicyError(gettext("policy field {field} = {value}: allowed {allowed}", lang).format(
            field=field, value=repr(value), allowed=allowed(field)))
    if isinstance(rule[0], str):
        if value in rule:
            return value
        raise PolicyError(gettext("policy field {field} = {value}: allowed {allowed}", lang).format(
            field=field, value=repr(value), allowed=allowed(field)))
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise PolicyError(gettext("policy field {field} = {value}: expected a number in {allowed}", lang).format(
            field=field, value=repr(value), allowed=allowed(field)))
    low, high = rule
    if not low <= value <= high:
        raise PolicyError(gettext("policy field {field} = {value}: outside the allowed range {allowed}", lang).format(
            field=field, value=repr(value), allowed=allowed(field)))
    if isinstance(low, int) and float(value) != int(value):
        raise PolicyError(gettext("policy field {field} = {value}: expected a whole number in {allowed}", lang).format(
            field=field, value=repr(value), allowed=allowed(field)))
    return int(value) if isinstance(low, int) else float(value)


def overrides(policy: Any, lang: str | None = None) -> tuple[tuple[str, Any], ...]:
    """The policy as sorted model overrides ``(("policies.x.y", value), ...)``, or ``PolicyError``.

    Refused: an unknown field (the message lists where to find the allowed ones), a field given
    twice, a value of the wrong type or outside its range; the message is in ``lang`` (default: the
    current language). Sorted and hashable, so equal policies share one cached simulation whatever
    the order of their rows.
    """
    seen: dict[str, Any] = {}
    for field, value in _rows(policy, lang):
        if not isinstance(field, str) or field not in FIELDS:
            raise PolicyError(gettext("policy field {field}: not a field a policy may change (see strategy.FIELDS)", lang).format(
                field=repr(field)))
        if field in seen:
            raise PolicyError(gettext("policy field {field}: given twice", lang).format(field=field))
        seen[field] = _value(field, value, lang)
    return tuple(sorted((f"policies.{f}", v) for f, v in seen.items()))


def table(policy: Mapping[str, Any]) -> pd.DataFrame:
    """A policy dict ``{field: value}`` as the answer table (columns field, value), checked first."""
    overrides(policy)
    return pd.DataFrame({"field": list(policy), "value": pd.Series(list(policy.values()), dtype=object)})


def read(path: str | Path, lang: str | None = None) -> pd.DataFrame:
    """A policy file (YAML: one ``field: value`` line per decision changed) as the answer table, checked.

    Why a file: a team writes and reviews its policy as a document beside its memo, as a firm would;
    the notebook hands the same decisions to the grader.
    """
    import yaml

    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        raise PolicyError(gettext("{path}: a policy file holds one line 'field: value' per decision", lang).format(
            path=Path(path).name))
    overrides(doc, lang)
    return table(dict(doc))


@lru_cache(maxsize=4096)
def run(scenario: str, policy: tuple[tuple[str, Any], ...], seed: int, customers: int, weeks: int) -> tuple[float, float]:
    """(profit over the run, customer equity at its end) of one policy (``overrides(...)``) on one seed.

    Cached: the grader scores several policies against the same benchmark runs, and a notebook
    that re-runs a candidate gets it back at once.
    """
    from simulations.classroom.case import Scoring
    from simulations.classroom.equity import customer_equity
    from simulations.model import CustomerLifecycleModel

    model = CustomerLifecycleModel(scenario, customers=customers, seed=seed, collect=False, weeks=weeks,
                                   **{k.replace(".", "__"): v for k, v in policy})
    profit = 0.0
    for _week in range(weeks):
        model.step()
        profit += float(model.kpi["profit"])
    return profit, customer_equity(model, Scoring())


@dataclass(frozen=True)
class Comparison:
    """A policy against the benchmark on paired seeds: mean gains and their standard errors."""

    seeds: int
    profit: float
    profit_se: float
    equity: float
    equity_se: float
    gain: float  # profit + equity
    gain_se: float
    benchmark: float  # the benchmark's mean profit + equity (the scale of the gain)

    def verdict(self, z: float = 2.0, min_gain: float = 0.01) -> str:
        """``better`` (gain beyond ``z`` standard errors and above ``min_gain`` of the benchmark's value),
        ``worse`` (a loss beyond ``z`` standard errors) or ``same`` (indistinguishable from the benchmark).
        """
        if self.gain > z * self.gain_se and self.gain > min_gain * abs(self.benchmark):
            return "better"
        if self.gain < -z * self.gain_se and self.gain < 0:
            return "worse"
        return "same"


def _se(d: np.ndarray) -> float:
    return float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")


def compare(scenario: str, policy: Any, seeds: Iterable[int], customers: int = 2000, weeks: int = 104,
            benchmark: Mapping[str, list[float]] | None = None, lang: str | None = None) -> Comparison:
    """Run ``policy`` and the benchmark (the scenario's own policy) on the same ``seeds`` and compare.

    ``benchmark`` (``{"profit": [...], "equity": [...]}`` per seed) saves rerunning the benchmark;
    ``lang`` is the language of a ``PolicyError``.
    """
    seeds = [int(s) for s in seeds]
    policy = overrides(policy, lang)
    mine = np.array([run(scenario, policy, s, customers, weeks) for s in seeds])
    if benchmark is None:
        base = np.array([run(scenario, (), s, customers, weeks) for s in seeds])
    else:
        base = np.column_stack([benchmark["profit"], benchmark["equity"]]).astype(float)
    d = mine - base
    total = d.sum(axis=1)
    return Comparison(len(seeds), float(d[:, 0].mean()), _se(d[:, 0]), float(d[:, 1].mean()), _se(d[:, 1]),
                      float(total.mean()), _se(total), float(base.sum(axis=1).mean()))


def levers(scenario: Any, customers: int = 2000, weeks: int = 104, seeds: Iterable[int] = (1, 2),
           candidates: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """One row per candidate policy: mean gains in profit, equity and both, with standard errors (paired seeds)."""
    name = scenario if isinstance(scenario, str) else scenario.name
    rows = []
    for label, policy in (candidates or {}).items():
        c = compare(name, policy, seeds, customers, weeks)
        rows.append({"policy": label, "profit": c.profit, "equity": c.equity, "gain": c.gain, "gain_se": c.gain_se,
                     "z": c.gain / c.gain_se if c.gain_se > 0 else float("nan")})
    return pd.DataFrame(rows).set_index("policy")
