"""Classroom strategy spread (issue 13, point 3): do sensible strategies score apart, consistently?

For every built-in case, five teams play five stated strategies through the case's own decision
levers, on several session seeds, with the classroom's own code: ``rounds.create_session`` (the
shared warm-up world), ``Store.submit`` and ``rounds.advance_round`` (every round, practice
included, with the case's scheduled events) and ``scoring.leaderboard`` (the balanced score
against the benchmark firm). A game that ranks strategies by luck cannot teach; the targets are a
spread of at least 10 points between the best and the worst strategy's mean score, and a mean
Kendall τ of at least 0.6 between the rankings of any two seeds.

A strategy is a rule over decisions by their policy path, so one rule plays every case; values
are rounded to the decision's step, kept in its range, and costed levers the strategy does not
favour are cut until the weekly budget holds (then favoured ones, if needed).
"""

from __future__ import annotations

import itertools
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulations.classroom.case import Case, Decision, case_names, load_case
from simulations.i18n import N_, _
from simulations.validation import CLASSROOM_SEEDS

SPREAD_TARGET = 10.0
TAU_TARGET = 0.6
DEFAULT_SEEDS = CLASSROOM_SEEDS


@dataclass(frozen=True)
class Strategy:
    """A named rule: a decision → its value (None: keep the default); ``favoured`` tells what the budget cut spares."""

    id: str
    label: str
    description: str
    rule: Callable[[Decision], Any]
    favoured: Callable[[Decision], bool]


def _scale(d: Decision, factor: float) -> float:
    return float(d.default) * factor


def _is(prefixes: tuple[str, ...]) -> Callable[[Decision], bool]:
    return lambda d: d.policy.startswith(prefixes)


SERVICE = ("service.",)
ACQUISITION = ("acquisition.", "marketing.onboarding.")
RETENTION = ("marketing.retention.", "marketing.win_back.", "loyalty.", "community.")


def _service_first(d: Decision) -> Any:
    if d.policy.startswith(("service.capacity", "service.key_account_capacity")):
        return _scale(d, 2.0)
    if d.policy == "service.recovery_effort":
        return d.max
    if d.policy == "service.key_account_desk":
        return True
    return None


def _acquisition_push(d: Decision) -> Any:
    if d.policy.startswith("acquisition.budget"):
        return max(_scale(d, 2.5), d.max / 2)
    if d.policy in ("acquisition.referral_bonus", "marketing.onboarding.offer"):
        return d.min + (d.max - d.min) / 2
    if d.policy == "pricing.price_index":
        return 0.95
    return None


def _retention_uplift(d: Decision) -> Any:
    if d.policy == "marketing.retention.targeting":
        return "uplift"
    if d.policy in ("marketing.retention.k", "loyalty.points_per_currency", "community.response_rate"):
        return _scale(d, 1.5) if d.policy != "community.response_rate" else d.max
    if d.policy in ("marketing.retention.offer", "marketing.win_back.offer"):
        return _scale(d, 1.5)
    if d.policy in ("loyalty.enabled", "community.enabled"):
        return True
    return None


def _price_up(d: Decision) -> Any:
    return d.max if d.policy == "pricing.price_index" else None


STRATEGIES: tuple[Strategy, ...] = (
    Strategy("balanced", N_("balanced default"), N_("keep every default decision (the benchmark firm's play)"),
             lambda d: None, lambda d: True),
    Strategy("service", N_("service first"),
             N_("double every service capacity, full recovery effort, key-account desk open; other spending cut to fit"),
             _service_first, _is(SERVICE)),
    Strategy("acquisition", N_("acquisition push"),
             N_("acquisition budgets x2.5 (at least half their maximum), half-way referral bonus and welcome offer, "
                "price 0.95"), _acquisition_push, _is(ACQUISITION)),
    Strategy("retention", N_("retention & uplift"),
             N_("uplift targeting, retention k and offers x1.5, loyalty club and community on, answer every idea"),
             _retention_uplift, _is(RETENTION)),
    Strategy("price_up", N_("price up"), N_("price at the case's maximum, everything else default"),
             _price_up, lambda d: d.policy == "pricing.price_index"),
)


def decisions_for(case: Case, strategy: Strategy) -> dict[str, Any]:
    """A strategy's decisions in a case: rule applied, rounded to step, within range, within budget."""
    values: dict[str, Any] = {}
    for d in case.decisions:
        v = strategy.rule(d)
        values[d.id] = d.default if v is None else _fit(d, v)
    for favoured_pass in (False, True):
        over = case.budget_used(values) - case.budget_per_week
        if over <= 1e-9:
            break
        cut = [d for d in case.decisions if d.cost_per_unit > 0 and strategy.favoured(d) == favoured_pass]
        for d in cut:
            if d.kind == "switch":
                values[d.id] = False
        numbers = [d for d in cut if d.kind in ("number", "integer")]
        over = case.budget_used(values) - case.budget_per_week
        spend = sum(d.cost_per_unit * (float(values[d.id]) - d.min) for d in numbers)
        if over > 1e-9 and spend > 0:
            keep = max(0.0, 1.0 - over / spend)
            for d in numbers:  # every cut lever gives up the same share, rounded down to its step
                room = (float(values[d.id]) - d.min) * keep
                values[d.id] = _fit(d, d.min + math.floor(room / d.step + 1e-9) * d.step)
    return case.validate_decisions(values)


def _fit(d: Decision, value: Any) -> Any:
    if d.kind in ("switch", "choice"):
        return value if d.kind == "switch" or value in d.options else d.default
    v = min(max(float(value), d.min), d.max)
    v = d.min + round((v - d.min) / d.step) * d.step
    v = min(max(v, d.min), d.max)
    return int(round(v)) if d.kind == "integer" else round(v, 10)


def play_case(case_name: str, seed: int, customers: int | None = None) -> dict[str, float]:
    """Play every strategy as one team of one session; the balanced score of each strategy."""
    from simulations.classroom.rounds import advance_round, create_session
    from simulations.classroom.scoring import leaderboard
    from simulations.classroom.session import counted_rounds

    case = load_case(case_name)
    with tempfile.TemporaryDirectory(prefix="crm-spread-") as tmp:
        store, token = create_session(case_name, len(STRATEGIES), Path(tmp) / "session", customers=customers, seed=seed)
        try:
            teams = store.teams(token)
            plays = {team.team: decisions_for(case, s) for team, s in zip(teams, STRATEGIES, strict=True)}
            while not store.info().finished:
                r = store.info().current_round
                for team in teams:
                    store.submit(team.token, r, f"spread-{r}", plays[team.team])
                advance_round(store, token)
            board = leaderboard(store.results(), case, counted_rounds(store, case))
        finally:
            store.close()
    by_team = dict(zip(board["team"], board["score"], strict=True))
    return {s.id: float(by_team[team.team]) for team, s in zip(teams, STRATEGIES, strict=True)}


def kendall_mean(rankings: list[list[float]]) -> float:
    """Mean Kendall τ over every pair of seeds' score vectors (NaN with fewer than two seeds)."""
    from scipy.stats import kendalltau

    taus = [kendalltau(a, b).statistic for a, b in itertools.combinations(rankings, 2)]
    taus = [t for t in taus if not math.isnan(t)]
    return float(sum(taus) / len(taus)) if taus else math.nan


def spread_case(case_name: str, seeds: int = DEFAULT_SEEDS, customers: int | None = None,
                progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Scores per strategy × seed of one case, the spread of mean scores, Kendall τ across seeds."""
    case = load_case(case_name)
    seed_values = [case.seed + i for i in range(seeds)]
    scores: dict[int, dict[str, float]] = {}
    for seed in seed_values:
        scores[seed] = play_case(case_name, seed, customers)
        if progress is not None:
            progress(1)
    means = {s.id: sum(scores[seed][s.id] for seed in seed_values) / seeds for s in STRATEGIES}
    spread = max(means.values()) - min(means.values())
    tau = kendall_mean([[scores[seed][s.id] for s in STRATEGIES] for seed in seed_values])
    return {"case": case_name, "seeds": seed_values, "scores": {str(k): v for k, v in scores.items()}, "means": means,
            "spread": spread, "kendall_tau": tau,
            "spread_ok": spread >= SPREAD_TARGET, "tau_ok": (not math.isnan(tau)) and tau >= TAU_TARGET,
            "decisions": {s.id: decisions_for(case, s) for s in STRATEGIES}}


def spread_all(seeds: int = DEFAULT_SEEDS, customers: int | None = None,
               cases: list[str] | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """:func:`spread_case` for every built-in case (or the named ones), with the strategies stated."""
    return {"strategies": {s.id: {"label": s.label, "description": s.description} for s in STRATEGIES},
            "targets": {"spread": SPREAD_TARGET, "kendall_tau": TAU_TARGET},
            "cases": [spread_case(c, seeds, customers, progress) for c in (cases or case_names())]}


def format_spread(result: dict[str, Any]) -> str:
    """The console report: strategies, then per case a table strategy × seed, the spread and τ."""
    lines = [_("Strategies:")]
    for sid, s in result["strategies"].items():
        lines.append(f"  {_(s['label'])} ({sid}): {_(s['description'])}")
    for c in result["cases"]:
        seeds = [str(s) for s in c["seeds"]]
        lines += ["", _("== {case} == balanced score per strategy x seed").format(case=c["case"])]
        header = [_("strategy"), *[_("seed {seed}").format(seed=s) for s in seeds], _("mean")]
        rows = [[_(result["strategies"][sid]["label"]), *[f"{c['scores'][s][sid]:.1f}" for s in seeds],
                 f"{c['means'][sid]:.1f}"] for sid in result["strategies"]]
        widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=False)]
        for r in (header, *rows):
            lines.append("  ".join(x.ljust(w) for x, w in zip(r, widths, strict=False)).rstrip())
        verdict = lambda ok: "PASS" if ok else "FAIL"  # noqa: E731
        lines.append(_("spread best - worst: {spread:.1f} points (target >= {target:g}) {verdict}").format(
            spread=c["spread"], target=result["targets"]["spread"], verdict=verdict(c["spread_ok"])))
        lines.append(_("Kendall tau across seeds: {tau:.2f} (target >= {target:g}) {verdict}").format(
            tau=c["kendall_tau"], target=result["targets"]["kendall_tau"], verdict=verdict(c["tau_ok"])))
    return "\n".join(lines)
