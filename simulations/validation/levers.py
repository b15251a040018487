"""The levers the validation sweeps: one declarative table, read by the runner, the bands and the docs.

Why one table: which config path a lever sets, its levels (multipliers of the scenario's own
default), its kind and where it does not apply are decisions a reviewer must see in one place.
Levels are multipliers, not absolute values, so the same row sweeps a retailer's 120 phone
contacts and a telecom's 300 alike. Kinds:

* ``continuous``: ×0.25 … ×4 of the default; the band asks for an interior optimum.
* ``budget``: ×0 … ×4 (spending nothing is a real option for a budget).
* ``switch``: the default state against the other one; the band asks for a clear sign.
* ``choice``: one alternative value against the default (uplift against risk targeting).
* ``world``: not a decision but a trait of the world (the endangerment hazard halved).
* ``size``: the population only, to check that rates do not depend on how many people are modelled.
* ``experiment``: not a setting but an intervention in the run: a random group of active customers
  meets a service failure that is recovered (``recovered``) or nothing (``none``), the recovery paradox's
  randomised test (:mod:`simulations.validation.measure`).

A row that does not fit a scenario (no key accounts, a campaign switched off) is skipped with
the reason returned by :func:`skip_reason`, so the report says why a lever is missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from simulations.config import Scenario
from simulations.i18n import N_

Kind = Literal["continuous", "budget", "switch", "choice", "world", "size", "experiment"]

CONTINUOUS_LEVELS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)
BUDGET_LEVELS: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 4.0)


@dataclass(frozen=True)
class Lever:
    """One row of the lever table.

    ``paths`` are dotted scenario fields set together (a budget or a capacity is one lever over all
    its channels). ``levels`` are multipliers of each path's default for numeric kinds; for a switch
    the levels are ``(False, True)``; for a choice, the values compared. ``maximum`` clips a level
    to the field's upper bound (recovery effort, offers: at most 1); clipped duplicates are dropped.
    """

    id: str
    label: str
    kind: Kind
    paths: tuple[str, ...]
    levels: tuple[Any, ...]
    cost: str = "cost_total"
    maximum: float | None = None
    integer: bool = False


LEVERS: tuple[Lever, ...] = (
    Lever("service_capacity", N_("service capacity (all channels)"), "continuous",
          ("policies.service.capacity",), CONTINUOUS_LEVELS, cost="cost_service"),
    Lever("key_account_capacity", N_("key-account desk capacity"), "continuous",
          ("policies.service.key_account_capacity",), CONTINUOUS_LEVELS, cost="cost_service"),
    Lever("recovery_effort", N_("complaint recovery effort"), "continuous",
          ("policies.service.recovery_effort",), CONTINUOUS_LEVELS, cost="cost_service", maximum=1.0),
    Lever("acquisition_budget", N_("acquisition budget (all channels)"), "budget",
          ("policies.acquisition.budget",), BUDGET_LEVELS, cost="cost_acquisition"),
    Lever("retention_offer", N_("retention offer"), "continuous",
          ("policies.marketing.retention.offer",), CONTINUOUS_LEVELS, cost="cost_marketing", maximum=1.0),
    Lever("retention_k", N_("customers per retention wave (k)"), "continuous",
          ("policies.marketing.retention.k",), CONTINUOUS_LEVELS, cost="cost_marketing", integer=True),
    Lever("win_back_offer", N_("win-back offer"), "continuous",
          ("policies.marketing.win_back.offer",), CONTINUOUS_LEVELS, cost="cost_marketing", maximum=1.0),
    Lever("cross_sell_offer", N_("cross-sell offer"), "continuous",
          ("policies.marketing.cross_sell.offer",), CONTINUOUS_LEVELS, cost="cost_marketing", maximum=1.0),
    Lever("price", N_("price index"), "continuous", ("policies.pricing.price_index",), CONTINUOUS_LEVELS,
          cost="cost_total", maximum=5.0),
    Lever("loyalty", N_("loyalty programme"), "switch", ("policies.loyalty.enabled",), (False, True),
          cost="cost_loyalty"),
    Lever("community", N_("idea community"), "switch", ("policies.community.enabled",), (False, True),
          cost="cost_community"),
    Lever("key_account_desk", N_("key-account desk"), "switch", ("policies.service.key_account_desk",), (False, True),
          cost="cost_service"),
    Lever("retention_campaign", N_("retention campaign"), "switch", ("policies.marketing.retention.enabled",),
          (False, True), cost="cost_marketing"),
    Lever("retention_targeting", N_("retention targeting"), "choice", ("policies.marketing.retention.targeting",),
          ("top_k", "uplift"), cost="cost_marketing"),
    Lever("endangerment_hazard", N_("endangerment hazard (world)"), "world",
          ("world.relationship.at_risk_base_hazard",), (0.5, 1.0)),
    Lever("population", N_("population size"), "size", ("world.market.customers",), (0.5, 1.0)),
    Lever("service_failure", N_("a recovered service failure (randomised)"), "experiment", (), ("none", "recovered"),
          cost="cost_service"),
)

LEVERS_BY_ID: dict[str, Lever] = {lever.id: lever for lever in LEVERS}


def get(scenario: Scenario, path: str) -> Any:
    """The value of a dotted field in a scenario."""
    node: Any = scenario.model_dump(mode="python")
    for part in path.split("."):
        node = node[part]
    return node


def skip_reason(lever: Lever, scenario: Scenario) -> str | None:
    """Why ``lever`` does not apply to ``scenario`` (English, shown through ``_()``), or None."""
    pol, traits = scenario.policies, scenario.world.traits
    retention = pol.marketing.retention
    if lever.id == "endangerment_hazard" and scenario.world.btyd.enabled:
        return N_("in BTYD mode dropout follows BG/NBD, so the endangerment hazard is not used")
    if lever.id in ("key_account_capacity", "recovery_effort") and scenario.world.btyd.enabled:
        return N_("in BTYD mode buying and dropout follow BG/NBD and ignore how service goes, so only this lever's "
                  "cost can show")
    if lever.id in ("key_account_capacity", "key_account_desk") and traits.key_account_share <= 0:
        return N_("the scenario has no key accounts")
    if lever.id == "key_account_capacity" and not pol.service.key_account_desk:
        return N_("the key-account desk is closed by default")
    if lever.id in ("retention_offer", "retention_k", "retention_targeting") and (
            not retention.enabled or retention.targeting == "none"):
        return N_("the retention campaign is off by default")
    if lever.id in ("retention_k", "retention_targeting") and retention.targeting not in ("top_k", "uplift"):
        return N_("retention targeting does not use k")
    if lever.id == "retention_targeting" and retention.targeting != "top_k":
        return N_("retention targeting is not risk targeting by default")
    if lever.id == "win_back_offer" and not pol.marketing.win_back.enabled:
        return N_("the win-back campaign is off by default")
    if lever.id == "cross_sell_offer" and not pol.marketing.cross_sell.enabled:
        return N_("the cross-sell campaign is off by default")
    if lever.kind in ("continuous", "budget"):
        total = sum(_numbers(get(scenario, p)) for p in lever.paths)
        if total <= 0:
            return N_("its default is zero, so multipliers of it are all zero")
    return None


def _numbers(value: Any) -> float:
    return float(sum(value.values())) if isinstance(value, dict) else float(value)


def default_level(lever: Lever, scenario: Scenario) -> Any:
    """The level that reproduces the scenario as written (×1, or the default state of a switch/choice)."""
    if lever.kind == "switch":
        return bool(get(scenario, lever.paths[0]))
    if lever.kind == "choice":
        return get(scenario, lever.paths[0])
    if lever.kind == "experiment":
        return lever.levels[0]
    return 1.0


def levels_for(lever: Lever, scenario: Scenario) -> list[tuple[Any, dict[str, Any], bool]]:
    """(level, overrides, clipped) for every distinct level of ``lever`` in ``scenario``, default included.

    The default level has no overrides (it is the shared baseline run). A multiplier that would
    pass the field's maximum is clipped to it and flagged; a clipped level equal to one already
    listed is dropped.
    """
    if lever.kind == "experiment":  # the arms differ by the intervention, not by a setting
        return [(v, {}, False) for v in lever.levels]
    if lever.kind in ("switch", "choice"):
        default = default_level(lever, scenario)
        return [(v, {} if v == default else {lever.paths[0]: v}, False) for v in lever.levels]
    out: list[tuple[Any, dict[str, Any], bool]] = []
    seen: set[tuple] = set()
    for m in lever.levels:
        overrides: dict[str, Any] = {}
        clipped = False
        for path in lever.paths:
            value, was_clipped = _scaled(get(scenario, path), m, lever)
            clipped |= was_clipped
            overrides[path] = value
        key = tuple(sorted((k, str(v)) for k, v in overrides.items()))
        if key in seen:  # the field's maximum ends the sweep at the level already listed: flag that level
            out = [(lv, o, c or (clipped and _key(o, lever, scenario) == key)) for lv, o, c in out]
            continue
        seen.add(key)
        out.append((m, {} if m == 1.0 else overrides, clipped))
    return out


def _key(overrides: dict[str, Any], lever: Lever, scenario: Scenario) -> tuple:
    full = overrides or {p: _scaled(get(scenario, p), 1.0, lever)[0] for p in lever.paths}
    return tuple(sorted((k, str(v)) for k, v in full.items()))


def _scaled(value: Any, m: float, lever: Lever) -> tuple[Any, bool]:
    if isinstance(value, dict):
        return {k: float(v) * m for k, v in value.items()}, False
    raw = float(value) * m
    clipped = lever.maximum is not None and raw > lever.maximum + 1e-12
    raw = min(raw, lever.maximum) if lever.maximum is not None else raw
    if lever.integer or isinstance(value, int) and not isinstance(value, bool):
        return int(max(1, math.floor(raw + 0.5))) if raw > 0 else 0, clipped
    return raw, clipped
