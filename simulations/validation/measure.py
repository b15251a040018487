"""One validation run: the model on one seed with one lever level, and the figures every band needs.

Why an observer and not the KPI frame: several bands need quantities no KPI column holds
(abandoned phone calls, recovered complaints, what the retention campaign spent per saved
customer, how recovered complainers feel and buy at the end). They are read here from the
model's own ``WeekLog`` tables (``tickets``, ``contacts``, ``orders``) and, for truth the firm
cannot see (satisfaction, true stage), from the population arrays at the end: the same
sources the recorders use, so nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulations.config import CAMPAIGN_TYPES, CONTACT_CHANNELS, Scenario, with_overrides
from simulations.stages import TERMINATING, is_active

#: code of the retention campaign in the logs
RETENTION = CAMPAIGN_TYPES.index("retention")
#: Weeks at the end over which buying of recovered complainers and untroubled customers is compared.
BUYING_WINDOW = 52
#: Share of the active customers who meet the randomised service failure (the paradox experiment).
FAILURE_SHARE = 0.10
#: Weeks after the failure at which the group's satisfaction is read (the recovery's effect is fresh).
FAILURE_SATISFACTION_WEEKS = 4
#: Child of the run's seed tree that draws the failure group (the mechanisms use children 0 to 10).
FAILURE_STREAM = 1000
#: Bump when the figures computed here change, so cached runs are not reused.
MEASURE_VERSION = 2


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs (picklable for a process pool)."""

    scenario: Scenario
    overrides: dict[str, Any]
    seed: int
    weeks: int
    btyd: bool = False
    identity: dict[str, Any] = field(default_factory=dict)
    #: The failure experiment's arm: "" (no experiment), "none" or "recovered" (see :class:`_FailureExperiment`).
    failure: str = ""


class _FailureExperiment:
    """The recovery paradox tested as the literature tests it: on a randomised failure.

    Why: customers who complain in a run are not like those who do not (a customer must buy, and
    stay, to have a problem), so comparing recovered complainers with untroubled customers mixes
    the recovery's effect with who complains; matching on earlier buying did not remove it. Here,
    halfway through the run, a random group of active customers (:data:`FAILURE_SHARE`, drawn from
    a child of the run's own seed tree, so both arms pick the same people) meets a service failure
    that the firm recovers (arm ``recovered``) or nothing (arm ``none``); everything else is paired.
    Read: the group's mean true satisfaction :data:`FAILURE_SATISFACTION_WEEKS` weeks later, and its
    orders per member over the next :data:`BUYING_WINDOW` weeks (everyone in the group, lost or not).
    """

    def __init__(self, arm: str, weeks: int, seed: int) -> None:
        self.arm = arm
        self.week = weeks // 2
        self.read_week = min(self.week + FAILURE_SATISFACTION_WEEKS, weeks)
        self.last_week = min(self.week + BUYING_WINDOW, weeks)
        self.rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(FAILURE_STREAM,)))
        self.group = np.zeros(0, np.int64)
        self.orders = 0.0
        self.satisfaction = float("nan")

    def __call__(self, model: Any, log: Any) -> None:
        """After each week (an observer): count the group's orders, apply the failure, read satisfaction.

        The one observer that acts: the failure is this experiment's intervention, applied between
        weeks as the classroom's events are.
        """
        from simulations.mechanisms.service import fail_and_recover

        pop = model.population
        orders = log.tables.get("orders")
        if self.group.size and self.week < log.week <= self.last_week and orders is not None and len(orders["customer"]):
            mine = np.isin(orders["customer"].astype(np.int64), self.group)
            self.orders += float(orders["orders"][mine].sum())
        if log.week == self.week:
            active = np.flatnonzero(is_active(pop.stage[: pop.n]))
            size = int(round(FAILURE_SHARE * active.size))
            self.group = np.sort(self.rng.choice(active, size=size, replace=False)) if size else self.group
            if self.arm == "recovered" and self.group.size:
                fail_and_recover(pop, self.group, model.world)
        if log.week == self.read_week and self.group.size:
            self.satisfaction = float(pop.satisfaction[self.group].astype(np.float64).mean())

    def figures(self) -> dict[str, float]:
        n = self.group.size
        return {"failure_group": float(n), "failure_satisfaction": self.satisfaction,
                "failure_orders": self.orders / n if n else float("nan")}


class _Tally:
    """Accumulates what the bands need from each week's log."""

    def __init__(self, weeks: int, contact_cost: dict[str, float]) -> None:
        self.weeks = weeks
        self.cost_per_contact = np.array([contact_cost.get(c, 0.0) for c in CONTACT_CHANNELS])
        self.sums: dict[str, float] = {}
        size = 1024
        self.ticket = np.zeros(size, bool)
        self.recovered = np.zeros(size, bool)
        self.orders_late = np.zeros(size, np.int64)
        self.first_week = np.full(size, -1, np.int64)
        self.last_week = np.full(size, -1, np.int64)
        self.order_weeks = np.zeros(size, np.int64)
        self.retention_buyers: set[int] = set()

    def _fit(self, n: int) -> None:
        if n <= self.ticket.size:
            return
        grow = max(n, int(self.ticket.size * 1.5))
        for name in ("ticket", "recovered", "orders_late", "first_week", "last_week", "order_weeks"):
            old = getattr(self, name)
            fill = -1 if name in ("first_week", "last_week") else 0
            new = np.full(grow, fill, old.dtype)
            new[: old.size] = old
            setattr(self, name, new)

    def add(self, name: str, value: float) -> None:
        self.sums[name] = self.sums.get(name, 0.0) + float(value)

    def __call__(self, model: Any, log: Any) -> None:
        self._fit(model.population.n)
        c = log.counts
        for name in ("tickets_live", "tickets_within_target"):
            self.add(name, c.get(name, 0.0))
        # a subscriber's retention deal runs on after the accepting order: its later months cost too
        self.add("retention_discounts", c.get("fee_discounts_retention", 0.0))
        tickets = log.tables.get("tickets")
        if tickets is not None and len(tickets["customer"]):
            ids = tickets["customer"].astype(np.int64)
            phone = tickets["channel"] == 0
            self.add("phone_tickets", phone.sum())
            self.add("phone_abandoned", (phone & tickets["abandoned"]).sum())
            self.add("recovered", (tickets["complaint"] & tickets["recovered"]).sum())
            self.ticket[ids] = True
            self.recovered[ids[tickets["complaint"] & tickets["recovered"]]] = True
        contacts = log.tables.get("contacts")
        if contacts is not None and len(contacts["customer"]):
            treated = contacts["treated"]
            ret = treated & (contacts["campaign"] == RETENTION)
            self.add("retention_contacts", ret.sum())
            self.add("retention_contact_cost", self.cost_per_contact[contacts["channel"][ret]].sum())
            self.add("campaign_contacts", treated.sum())
        orders = log.tables.get("orders")
        if orders is not None and len(orders["customer"]):
            ids = orders["customer"].astype(np.int64)
            ret = orders["campaign"] == RETENTION
            self.add("retention_discounts", orders["discount"][ret].sum())
            self.retention_buyers.update(ids[ret].tolist())
            # offers answered by an order (cross-sell, retention, win-back; the onboarding coupon is not an answer)
            self.add("campaign_responses", (orders["campaign"] >= 0).sum() - (orders["campaign"] == 1).sum())
            new = self.first_week[ids] < 0
            self.first_week[ids[new]] = log.week
            self.last_week[ids] = log.week
            self.order_weeks[ids] += 1
            if log.week > self.weeks - BUYING_WINDOW:
                np.add.at(self.orders_late, ids, orders["orders"].astype(np.int64))


KPI_SUMS: tuple[str, ...] = (
    "profit", "revenue", "terminations", "acquisitions", "acquisitions_referral", "tickets", "complaints",
    "cost_acquisition", "cost_marketing", "cost_service", "cost_loyalty", "cost_community", "cost_overhead", "cost_total",
)


def measure(spec: RunSpec) -> dict[str, Any]:
    """Run one point and return its figures (a failed run returns ``{"error": ...}``; the sweep goes on)."""
    from simulations.model import CustomerLifecycleModel

    try:
        scenario = with_overrides(spec.scenario, spec.overrides) if spec.overrides else spec.scenario
        model = CustomerLifecycleModel(scenario, seed=spec.seed, collect=False, weeks=spec.weeks)
        tally = _Tally(spec.weeks, scenario.world.costs.contact_cost)
        model.observers.append(tally)
        experiment = _FailureExperiment(spec.failure, spec.weeks, spec.seed) if spec.failure else None
        if experiment is not None:
            model.observers.append(experiment)
        sums = dict.fromkeys(KPI_SUMS, 0.0)
        for _ in range(spec.weeks):
            model.step()
            for k in KPI_SUMS:
                sums[k] += float(model.kpi[k])
        out: dict[str, Any] = {**spec.identity, **sums, **tally.sums}
        out.update(_end_state(model, tally))
        if experiment is not None:
            out.update(experiment.figures())
        if spec.btyd:
            out["btyd_auc"] = btyd_auc(model, tally)
        return out
    except Exception as err:  # noqa: BLE001 - a failed run is a result, the sweep goes on
        return {**spec.identity, "error": f"{type(err).__name__}: {err}"}


def _end_state(model: Any, tally: _Tally) -> dict[str, float]:
    """End-of-run truth: customers left, and how recovered complainers compare with untroubled customers."""
    pop = model.population
    n = pop.n
    active = is_active(pop.stage[:n])
    recovered = tally.recovered[:n] & active
    untroubled = ~tally.ticket[:n] & active
    sat = pop.satisfaction[:n].astype(np.float64)
    late = tally.orders_late[:n].astype(np.float64)
    nan = float("nan")
    return {
        "customers_start": float(model.world.market.customers),
        "customers_end": float(active.sum()),
        "retention_saved": float(len(tally.retention_buyers)),
        "recovered_active": float(recovered.sum()),
        "satisfaction_recovered": float(sat[recovered].mean()) if recovered.any() else nan,
        "satisfaction_untroubled": float(sat[untroubled].mean()) if untroubled.any() else nan,
        "orders_late_recovered": float(late[recovered].mean()) if recovered.any() else nan,
        "orders_late_untroubled": float(late[untroubled].mean()) if untroubled.any() else nan,
    }


def btyd_auc(model: Any, tally: _Tally) -> float:
    """AUC of BG/NBD P(alive) against the true state at the end, over customers with an order in the run.

    A purchase occasion is a week with orders (the engine steps in weeks), so frequency is the
    number of later weeks with orders, recency the weeks from the first to the last, T the weeks
    from the first to the end. Truly alive: an active stage other than terminating (a retail
    customer who has decided to leave is lapsing). Customers bought before week 0 too: their
    history starts at their first order in the run (left-truncated, as a firm's new CRM would see it).
    """
    from simulations.analytics.btyd import BetaGeoFitter

    n = model.population.n
    first, last, occasions = tally.first_week[:n], tally.last_week[:n], tally.order_weeks[:n]
    end = model.week
    buyers = (first >= 0) & (first < end)
    x = (occasions[buyers] - 1).astype(float)
    t_x = (last[buyers] - first[buyers]).astype(float)
    big_t = (end - first[buyers]).astype(float)
    stage = model.population.stage[:n][buyers]
    alive = is_active(stage) & (stage != TERMINATING)
    if alive.all() or not alive.any():
        return float("nan")
    fitter = BetaGeoFitter(penalizer_coef=0.001).fit(x, t_x, big_t)
    p = fitter.conditional_probability_alive(x, t_x, big_t)
    return auc(np.asarray(p, float), alive)


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U over average ranks, ties counted half)."""
    from scipy.stats import rankdata

    pos = np.asarray(positive, bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
