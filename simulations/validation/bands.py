"""The acceptance bands of issue 13: what a calibrated engine must show, each with its source.

Each band is a pure check over summary numbers (so it is unit-tested on synthetic figures) and an
evaluation that reads those numbers from a sweep. A band whose quantity the runs cannot give is
reported as NOT MEASURABLE with the reason, never guessed. Statuses: PASS, FAIL, NOT MEASURABLE,
and SKIPPED (the scenario lacks the lever the band is about).

Where the issue leaves a choice open, the choice is stated here and in docs/VALIDATION.md:
"clear sign" means |Δ| ≥ 2 SE; "at least as well"/"at least as satisfied"/"do not buy more" allow
the paired difference to fall short by up to 2 SE (within noise); "agree within sampling noise"
means every paired difference under the Student-t quantile (seeds - 1 degrees of freedom) that is
as rare by chance as 3 normal SE (5.5 SE at 6 seeds, 3.2 at 50; :func:`agree_limit`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from simulations.i18n import N_, _
from simulations.validation.analysis import Paired, by_replication, mean_se, ok, paired, rate
from simulations.validation.levers import LEVERS_BY_ID

PASS, FAIL, NOT_MEASURABLE, SKIPPED = "PASS", "FAIL", "NOT MEASURABLE", "SKIPPED"
#: How far below the best interior level both extremes must lie (share of the best level's profit).
OPTIMUM_MARGIN = 0.03
#: Standard errors for a "clear" sign and for "within noise".
SIGN_Z, NOISE_Z, AGREE_Z = 2.0, 2.0, 3.0


@dataclass(frozen=True)
class Band:
    """One acceptance criterion: what it asks, and why (its source)."""

    id: str
    title: str
    target: str
    source: str


BANDS: tuple[Band, ...] = (
    Band("interior_optimum", N_("interior optimum of a continuous lever"),
         N_("both extremes (x0.25 and x4; x0 and x4 for budgets) at least 3% below the best level in between"),
         "Issue 13; diminishing returns of every CRM spending line (Blattberg & Deighton 1996, 'Manage marketing by "
         "the customer equity test'): too little and too much both cost profit."),
    Band("switch_sign", N_("clear sign of a switch"),
         N_("|Δ profit| ≥ 2 SE and the switch's own cost line moves"),
         "Issue 13: a programme (loyalty, community, desk, retention) must visibly pay or visibly cost."),
    Band("service_halved", N_("halving service capacity"), N_("terminations +10% or more"),
         "Issue 13; waiting and unresolved contacts drive defection (Keaveney 1995, service failure as a switching "
         "cause)."),
    Band("retention_off", N_("retention campaign switched off"), N_("terminations +10% or more and lower profit"),
         "Issue 13: a default retention campaign that saves nobody would be a calibration fault."),
    Band("uplift_vs_risk", N_("uplift targeting against risk targeting"), N_("Δ profit ≥ −2 SE"),
         "Issue 13; uplift modelling targets the persuadable (Radcliffe & Surry 2011; Ascarza 2018, 'Retention "
         "futility')."),
    Band("hazard_halved", N_("endangerment hazard halved"), N_("4-year profit +15% to +85%"),
         "Issue 13; Reichheld & Sasser (1990): a few points less churn raise profit by tens of percent."),
    Band("retention_cost_ratio", N_("cost of a retained customer / cost of a new one"), N_("0.20 to 0.40"),
         "Issue 13; the textbook rule that keeping a customer costs a fifth to a quarter of winning one (the "
         "telecom case asks students to check it)."),
    Band("complaint_share", N_("complaints per ticket"), N_("5% to 20%"),
         "Issue 13; complaint shares of service contacts in published contact-centre benchmarks."),
    Band("phone_abandonment", N_("abandoned phone calls at default capacity"), N_("5% to 20%"),
         "Issue 13; typical call-centre abandonment rates (5-8% target, up to 20% under strain)."),
    Band("recovery_share", N_("complaints recovered at default effort"), N_("at least 40%"),
         "Issue 13; recovery rates reported in complaint-management studies (Tax, Brown & Chandrashekaran 1998)."),
    Band("recovery_rising", N_("recovered share rises with recovery effort"), N_("non-decreasing over the levels"),
         "Issue 13: effort must buy recovery."),
    Band("paradox_satisfaction", N_("a recovered failure vs none, same customers (randomised): satisfaction"),
         N_("at least as satisfied (Δ ≥ −2 SE)"),
         "Issue 13; the service-recovery paradox (McCollough & Bharadwaj 1992; meta-analysis de Matos et al. 2007), "
         "whose studies compare a failure and recovery with no failure for like customers."),
    Band("paradox_buying", N_("a recovered failure vs none, same customers (randomised): buying"),
         N_("do not buy more (Δ ≤ +2 SE)"),
         "Issue 13; de Matos et al. (2007): the paradox lifts satisfaction but not repurchase."),
    Band("btyd_auc", N_("BG/NBD P(alive) separates alive from dead"), N_("AUC ≥ 0.70"),
         "Issue 13; Fader, Hardie & Lee (2005): P(alive) is the standard silent-churn signal in retail."),
    Band("size_invariance", N_("rates at two population sizes"),
         N_("every rate within sampling noise (|Δ|/SE under Student's t at 3 normal SE)"),
         "Issue 13: per-customer rates must not depend on how many people are modelled."),
)
BANDS_BY_ID: dict[str, Band] = {b.id: b for b in BANDS}


@dataclass(frozen=True)
class BandResult:
    """The verdict of one band in one scenario (``subject``: the lever or figure it is about)."""

    band: str
    scenario: str
    subject: str
    status: str
    measured: str
    target: str


# ------------------------------------------------------------------------- pure checks
def check_interior_optimum(levels: Sequence[str], profits: Sequence[float],
                           costs: Sequence[float] | None = None,
                           margin: float = OPTIMUM_MARGIN) -> tuple[str, str]:
    """Both extreme levels at least ``margin`` (share of |best|) below the best level in between.

    ``costs`` (the lever's own cost line per level, any common origin) adds what each extreme spends
    more or less than the best level, on the same scale. Why: an extreme can fall ``margin`` below the
    best only by what it costs more or by the customers it loses; where the spend it adds is smaller
    than ``margin``, a FAIL says the lever is too cheap to matter there, not that a number is off.
    """
    values = [float(p) for p in profits]
    if len(values) < 3 or any(math.isnan(v) for v in values):
        return NOT_MEASURABLE, _("fewer than three levels with results")
    inner = values[1:-1]
    best_i = max(range(len(inner)), key=inner.__getitem__)
    best = inner[best_i]
    scale = abs(best) if best else 1.0
    gaps = [(best - values[0]) / scale, (best - values[-1]) / scale]
    status = PASS if min(gaps) >= margin else FAIL
    text = _("best inside {best}; {low} {low_gap:+.1f}%, {high} {high_gap:+.1f}% vs best").format(
        best=levels[best_i + 1], low=levels[0], low_gap=-100 * gaps[0], high=levels[-1], high_gap=-100 * gaps[1])
    spend = [float(c) for c in costs] if costs is not None else []
    if len(spend) == len(values) and not any(math.isnan(c) for c in spend):
        best_cost = spend[best_i + 1]
        text += _("; own cost against the best: {low} {low_cost:+.1f}%, {high} {high_cost:+.1f}% of its profit").format(
            low=levels[0], low_cost=100 * (spend[0] - best_cost) / scale,
            high=levels[-1], high_cost=100 * (spend[-1] - best_cost) / scale)
    return status, text


def check_clear_sign(delta: Paired, cost_delta: float, z: float = SIGN_Z) -> tuple[str, str]:
    """A switch's Δ profit at least ``z`` SE away from zero and its cost line moved."""
    if math.isnan(delta.se) or math.isnan(delta.mean):
        return NOT_MEASURABLE, _("needs two or more seeds for an SE")
    t = abs(delta.mean) / delta.se if delta.se > 0 else math.inf if delta.mean else 0.0
    cost_moved = abs(cost_delta) > 1e-9
    status = PASS if t >= z and cost_moved else FAIL
    sign = "+" if delta.mean > 0 else "-" if delta.mean < 0 else "0"
    return status, _("sign {sign}, |Δ|/SE = {t:.1f}, Δ cost {cost:+,.0f}").format(sign=sign, t=t, cost=cost_delta)


def check_relative_rise(delta: float, base: float, minimum: float) -> tuple[str, str]:
    """``delta / base`` at least ``minimum``."""
    if not base or math.isnan(delta):
        return NOT_MEASURABLE, _("no baseline to compare with")
    rel = delta / abs(base)
    return (PASS if rel >= minimum else FAIL), f"{100 * rel:+.1f}%"


def check_between(value: float, low: float, high: float, percent: bool = True) -> tuple[str, str]:
    """``low <= value <= high``."""
    if value is None or math.isnan(value):
        return NOT_MEASURABLE, _("no value")
    shown = f"{100 * value:.1f}%" if percent else f"{value:.3f}"
    return (PASS if low <= value <= high else FAIL), shown


def check_not_below(delta: Paired, z: float = NOISE_Z) -> tuple[str, str]:
    """Δ ≥ −z SE (with one seed: Δ ≥ 0)."""
    if math.isnan(delta.mean):
        return NOT_MEASURABLE, _("no value")
    allowance = 0.0 if math.isnan(delta.se) else z * delta.se
    return (PASS if delta.mean + allowance >= 0 else FAIL), _pm(delta)


def check_not_above(delta: Paired, z: float = NOISE_Z) -> tuple[str, str]:
    """Δ ≤ +z SE (with one seed: Δ ≤ 0)."""
    if math.isnan(delta.mean):
        return NOT_MEASURABLE, _("no value")
    allowance = 0.0 if math.isnan(delta.se) else z * delta.se
    return (PASS if delta.mean - allowance <= 0 else FAIL), _pm(delta)


def check_rising(levels: Sequence[str], values: Sequence[float]) -> tuple[str, str]:
    """Values non-decreasing over the levels and the last above the first."""
    v = [float(x) for x in values]
    if len(v) < 2 or any(math.isnan(x) for x in v):
        return NOT_MEASURABLE, _("fewer than two levels with results")
    rising = all(b >= a - 1e-12 for a, b in zip(v, v[1:], strict=False)) and v[-1] > v[0]
    return (PASS if rising else FAIL), ", ".join(f"{lv} {100 * x:.0f}%" for lv, x in zip(levels, v, strict=True))


def agree_limit(n: int, z: float = AGREE_Z) -> float:
    """The |Δ|/SE that ``n`` paired seeds exceed by chance as rarely as ``z`` normal SEs do (two-sided).

    Why not ``z`` itself: the SE is estimated from the same few seeds, so |Δ|/SE follows Student's
    t with ``n - 1`` degrees of freedom. With 6 seeds, |t| > 3 happens by chance 3% of the time for
    each rate, and the band reads five rates in six scenarios: a "3 SE" rule failed a scenario
    whose rates agree (retail's offer responses per contact on seeds 1-6; seeds 7-12 and 13-18 agree).
    """
    from scipy.stats import norm, t

    return float(t.ppf(norm.cdf(z), n - 1)) if n > 1 else math.inf


def check_agree(deltas: dict[str, Paired], z: float = AGREE_Z) -> tuple[str, str]:
    """Every paired difference within sampling noise: |Δ|/SE under :func:`agree_limit` for its seeds."""
    if not deltas or any(math.isnan(d.se) for d in deltas.values()):
        return NOT_MEASURABLE, _("needs two or more seeds for an SE")
    worst = {k: abs(d.mean) / d.se if d.se > 0 else (0.0 if d.mean == 0 else math.inf) for k, d in deltas.items()}
    name = max(worst, key=lambda k: worst[k] / agree_limit(deltas[k].n, z))
    limit = agree_limit(deltas[name].n, z)
    status = PASS if worst[name] <= limit else FAIL
    return status, _("largest |Δ|/SE: {name} {z:.1f} (limit {limit:.1f} at {n} seeds)").format(
        name=_(name), z=worst[name], limit=limit, n=deltas[name].n)


def _pm(d: Paired) -> str:
    money = abs(d.mean) >= 100
    se = "" if math.isnan(d.se) else (f" ± {d.se:,.0f}" if money else f" ± {d.se:.3g}")
    return f"Δ {d.mean:+,.0f}{se}" if money else f"Δ {d.mean:+.3g}{se}"


def _btyd(runs: pd.DataFrame, scenario: str) -> bool:
    """True when the runs of ``scenario`` ran in BTYD mode (buying and dropout by BG/NBD)."""
    flags = runs.loc[runs["scenario"] == scenario, "btyd_mode"] if "btyd_mode" in runs else pd.Series(dtype=bool)
    return bool(flags.any())


# ----------------------------------------------------------------------- evaluation
#: Per-run ratios compared at two population sizes: (name, numerator, denominator).
SIZE_RATES: tuple[tuple[str, str, str], ...] = (
    (N_("complaint share"), "complaints", "tickets"),
    (N_("service level"), "tickets_within_target", "tickets_live"),
    (N_("churn per customer"), "terminations", "customers_start"),
    (N_("offer responses per campaign contact"), "campaign_responses", "campaign_contacts"),
    (N_("profit per customer"), "profit", "customers_start"),
)


def evaluate(runs: pd.DataFrame, table: pd.DataFrame) -> list[BandResult]:
    """Every band in every scenario of a sweep."""
    runs = ok(runs)
    out: list[BandResult] = []
    for scenario in dict.fromkeys(runs["scenario"]):
        out += _scenario_bands(runs, table[table["scenario"] == scenario], scenario)
    return out


def _result(band: str, scenario: str, subject: str, verdict: tuple[str, str]) -> BandResult:
    return BandResult(band, scenario, subject, verdict[0], verdict[1], BANDS_BY_ID[band].target)


def _level_row(table: pd.DataFrame, lever: str, level: str) -> pd.Series | None:
    sel = table[(table["lever"] == lever) & (table["level"] == level)]
    return None if sel.empty else sel.iloc[0]


def _scenario_bands(runs: pd.DataFrame, table: pd.DataFrame, s: str) -> list[BandResult]:
    out: list[BandResult] = []
    levers = list(dict.fromkeys(table["lever"]))
    for lever_id in levers:
        lever = LEVERS_BY_ID[lever_id]
        rows = table[table["lever"] == lever_id]
        if lever.kind in ("continuous", "budget"):
            out.append(_result("interior_optimum", s, lever_id,
                               check_interior_optimum(list(rows["level"]), list(rows["profit"]),
                                                      list(rows["d_cost"]))))
        elif lever.kind == "switch":
            other = rows[~rows["default"]].iloc[0]
            d = Paired(float(other["d_profit"]), float(other["se_profit"]), int(other["n"]))
            # report the effect of switching ON (off -> on), whichever state is the default
            flip = -1.0 if other["level"] == "off" else 1.0
            verdict = check_clear_sign(Paired(flip * d.mean, d.se, d.n), flip * float(other["d_cost"]))
            out.append(_result("switch_sign", s, lever_id, verdict))

    half = _level_row(table, "service_capacity", "x0.5")
    if half is not None and _btyd(runs, s):
        out.append(_result("service_halved", s, "service_capacity", (NOT_MEASURABLE, _(
            "in BTYD mode dropout follows BG/NBD by design (the textbook world), so service cannot move it"))))
    elif half is not None:
        out.append(_result("service_halved", s, "service_capacity",
                           check_relative_rise(half["d_terminations"], half["terminations_default"], 0.10)))
    off = _level_row(table, "retention_campaign", "off")
    if off is not None and not off["default"]:
        rise = check_relative_rise(off["d_terminations"], off["terminations_default"], 0.10)
        lower = off["d_profit"] < 0
        status = PASS if rise[0] == PASS and lower else (rise[0] if rise[0] == NOT_MEASURABLE else FAIL)
        out.append(_result("retention_off", s, "retention_campaign",
                           (status, _("terminations {rise}, Δ profit {profit:+,.0f}").format(
                               rise=rise[1], profit=off["d_profit"]))))
    uplift = _level_row(table, "retention_targeting", "uplift")
    if uplift is not None:
        out.append(_result("uplift_vs_risk", s, "retention_targeting",
                           check_not_below(Paired(uplift["d_profit"], uplift["se_profit"], int(uplift["n"])))))
    hazard = _level_row(table, "endangerment_hazard", "x0.5")
    if hazard is not None:
        base = hazard["profit_default"]
        rel = hazard["d_profit"] / abs(base) if base else math.nan
        out.append(_result("hazard_halved", s, "endangerment_hazard", check_between(rel, 0.15, 0.85)))
    out += _default_run_bands(runs, s, levers)
    if _level_row(table, "service_failure", "recovered") is not None:
        def arm(level: str, figure: str) -> pd.Series:
            return by_replication(runs, s, "service_failure", level, figure)

        sat = paired(arm("recovered", "failure_satisfaction"), arm("none", "failure_satisfaction"))
        buy = paired(arm("recovered", "failure_orders"), arm("none", "failure_orders"))
        out.append(_result("paradox_satisfaction", s, "service_failure", check_not_below(sat)))
        out.append(_result("paradox_buying", s, "service_failure", check_not_above(buy)))
    pop = _level_row(table, "population", "x0.5")
    if pop is not None:
        deltas = {name: _rate_delta(runs, s, num, den) for name, num, den in SIZE_RATES}
        out.append(_result("size_invariance", s, "population", check_agree(deltas)))
    return out


def _rate_delta(runs: pd.DataFrame, s: str, num: str, den: str) -> Paired:
    def ratio(level: str) -> pd.Series:
        n = by_replication(runs, s, "population", level, num)
        d = by_replication(runs, s, "population", level, den).replace(0, math.nan)
        return (n / d).astype(float)

    return paired(ratio("x0.5"), ratio("x1"))


def _default_runs(runs: pd.DataFrame, s: str) -> pd.DataFrame:
    sel = runs[(runs["scenario"] == s) & runs["default"]]
    # the failure experiment's no-failure arm plays the default too, but is not the default run
    # (it computes no BG/NBD fit): use it only when it is all the sweep has
    plain = sel[sel["lever"].map(lambda lever: LEVERS_BY_ID[lever].kind != "experiment")]
    return (plain if not plain.empty else sel).drop_duplicates("replication").set_index("replication")


def _default_run_bands(runs: pd.DataFrame, s: str, levers: list[str]) -> list[BandResult]:
    base = _default_runs(runs, s)
    out: list[BandResult] = []
    if base.empty:
        return out
    saved = base["retention_saved"].replace(0, math.nan)
    retained = (base["retention_contact_cost"] + base["retention_discounts"]) / saved
    acquired = base["cost_acquisition"] / base["acquisitions"].replace(0, math.nan)
    ratio = mean_se((retained / acquired.replace(0, math.nan)).astype(float))
    if base["retention_contacts"].sum() == 0:
        out.append(_result("retention_cost_ratio", s, "default",
                           (NOT_MEASURABLE, _("no retention campaign runs by default, so no retained customer is booked"))))
    else:
        out.append(_result("retention_cost_ratio", s, "default", check_between(ratio.mean, 0.20, 0.40, percent=False)))
    out.append(_result("complaint_share", s, "default", check_between(_mean_ratio(base, "complaints", "tickets"), 0.05, 0.20)))
    out.append(_result("phone_abandonment", s, "default",
                       check_between(_mean_ratio(base, "phone_abandoned", "phone_tickets"), 0.05, 0.20)))
    out.append(_result("recovery_share", s, "default", check_between(_mean_ratio(base, "recovered", "complaints"), 0.40, 1.0)))
    if "recovery_effort" in levers:
        lv = list(dict.fromkeys(runs[(runs["scenario"] == s) & (runs["lever"] == "recovery_effort")]["level"]))
        shares = [rate(runs, s, "recovery_effort", level, "recovered", "complaints").mean for level in lv]
        out.append(_result("recovery_rising", s, "recovery_effort", check_rising(lv, shares)))
    if "btyd_auc" in base and base["btyd_auc"].notna().any():
        out.append(_result("btyd_auc", s, "default", check_between(float(base["btyd_auc"].mean()), 0.70, 1.0, percent=False)))
    return out


def _mean_ratio(base: pd.DataFrame, num: str, den: str) -> float:
    return float((base[num] / base[den].replace(0, math.nan)).mean())
