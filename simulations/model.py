"""The customer-lifecycle model: a Mesa model whose customers are numpy arrays.

``step()`` reads like the firm's week: events set the week's conditions, the firm acts and
customers respond mechanism by mechanism, and the week is recorded. Each mechanism draws from
its own child of one SeedSequence tree, always the same number of values, so a scenario plus a
seed gives identical results and two policies on the same seed are paired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd

from simulations.config import (
    ACQUISITION_CHANNELS,
    CONTACT_CHANNELS,
    CONTRACT_TYPES,
    SERVICE_CHANNELS,
    TIERS,
    Event,
    Policies,
    Scenario,
    load_scenario,
    with_overrides,
)
from simulations.firm import FirmView
from simulations.mechanisms import (
    acquisition,
    community,
    economics,
    events,
    loyalty,
    marketing,
    purchasing,
    relationship,
    service,
)
from simulations.population import CAUSES, Population, add_people
from simulations.rng import Streams
from simulations.stages import N_STAGES, Stage, is_active
from simulations.weeklog import WeekLog

STAGE_COLUMNS: tuple[str, ...] = tuple(f"n_{s.name.lower()}" for s in Stage)
KPI_COLUMNS: tuple[str, ...] = (
    "week", *STAGE_COLUMNS, "customers_active", "acquisitions", "acquisitions_referral", "endangerments", "notices",
    "terminations", "losses", "winbacks", "revenue", "gross_margin", "cost_acquisition", "cost_marketing",
    "cost_service", "cost_loyalty", "cost_community", "cost_overhead", "cost_total", "profit", "mean_satisfaction",
    "service_level", "mean_wait_minutes", "tickets", "complaints", "contacts_retention", "ideas",
    "ideas_adopted", "loyalty_members", "community_members", "product_quality",
)
#: KPI columns that summarise hidden truth (latent satisfaction, true stages): instructors only.
HIDDEN_KPIS: frozenset[str] = frozenset({*STAGE_COLUMNS, "mean_satisfaction", "endangerments"})


def _read_kpi(name: str, model: CustomerLifecycleModel) -> float:
    return model.kpi[name]


Observer = Callable[["CustomerLifecycleModel", WeekLog], None]


class CustomerLifecycleModel(mesa.Model):
    """Customers moving through the relationship lifecycle under the firm's policies.

    Args:
        scenario: a :class:`Scenario`, a built-in name or a YAML path.
        customers: people at the start (overrides ``world.market.customers``).
        seed: root of the random stream tree.
        collect: record weekly KPIs with Mesa's ``DataCollector``.
        weeks: how long the model will run, if known (default: the scenario's horizon). Only sizes the
            population's arrays once for the known inflow; a longer run still works (arrays grow).
        **overrides: dotted scenario fields with ``__`` for ``.``, e.g.
            ``policies__service__key_account_desk=False`` (so ``mesa.batch_run`` can sweep them).
    """

    def __init__(
        self,
        scenario: Scenario | str = "retail",
        *,
        customers: int | None = None,
        seed: int = 0,
        collect: bool = True,
        weeks: int | None = None,
        **overrides: Any,
    ) -> None:
        spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        if customers is not None:
            overrides = {"world__market__customers": customers, **overrides}
        if overrides:
            spec = with_overrides(spec, overrides)
        self.streams = Streams(seed)
        super().__init__(rng=self.streams.mesa)
        self.seed_value = seed
        self.spec = spec
        self.world = spec.world
        self.policies = spec.policies
        self.events: list[Event] = list(spec.events)
        self.product_quality = 0.0
        self.observers: list[Observer] = []
        self.flows = np.zeros((N_STAGES, N_STAGES), dtype=np.int64)
        self.last_log: WeekLog | None = None

        market = self.world.market
        self._inflow_per_week = market.prospect_inflow * market.customers
        self._inflow_due = 0.0
        # sized once for the scenario's known inflow over its horizon, so growth never copies the arrays
        expected = market.customers + self._inflow_per_week * (market.weeks if weeks is None else weeks)
        self.population = Population(capacity=int(expected * 1.02) + 64, degree=market.social_degree)
        add_people(self.population, market.customers, self.world, self.streams.population, week=0)
        acquisition.seed_customer_base(self.population, self.world, self.streams.population)
        self.firm = FirmView(self.policies.crm, self.world.contracts.enabled, self.population.capacity)
        self.firm.open_books(acquisition.initial_records(self.population), self.population.n)

        self.kpi: dict[str, float] = {}
        self._update_kpis(WeekLog(week=0), {})
        self.datacollector = (
            mesa.DataCollector(model_reporters={k: partial(_read_kpi, k) for k in KPI_COLUMNS}) if collect else None
        )
        if self.datacollector is not None:
            self.datacollector.collect(self)

    # ----------------------------------------------------------------------------- the week
    @property
    def week(self) -> int:
        """Weeks simulated so far (0 before the first step)."""
        return self.steps

    def date(self, week: int | None = None) -> dt.date:
        """Calendar date (Monday) of a week."""
        w = self.week if week is None else week
        return self.world.market.start_date + dt.timedelta(weeks=int(w))

    def step(self) -> None:
        """One week of the firm: events set conditions, the firm acts, customers respond, record."""
        week = self.week
        pop, world, pol, s = self.population, self.world, self.policies, self.streams
        mods = events.modifiers(self.events, week, self.world.event_effects)
        log = WeekLog(week=week)
        self._bring_in_prospects(week)
        before = pop.stage.copy()

        acquisition.respond(pop, world, pol, mods, s.acquisition, log, week, self.product_quality)
        self.firm.sign_up(log, pop.n)
        marketing.respond(pop, world, pol, mods, s.marketing, log, week, self.firm)
        purchasing.respond(pop, world, pol, mods, s.purchasing, log, week)
        service.respond(pop, world, pol, mods, s.service, log, week, self.firm.records.tier)
        loyalty.respond(pop, world, pol, mods, s.loyalty, log, week)
        adopted = community.respond(pop, world, pol, mods, s.community, log, week)
        # a larger market posts proportionally more ideas: the gain per adopted idea is stated for the reference size
        self.product_quality = min(self.product_quality + adopted * world.community.quality_gain / world.market.size_scale,
                                   world.community.quality_gain_cap)
        relationship.respond(pop, world, pol, mods, s.relationship, log, week, self.product_quality)

        changed = np.flatnonzero(before != pop.stage)
        log.add("transitions", customer=changed.astype(np.int32), from_stage=before[changed], to_stage=pop.stage[changed])
        np.add.at(self.flows, (before[changed], pop.stage[changed]), 1)
        marketing.bill_fee_deals(pop, world, pol, log, week)
        money = economics.close_week(pop, world, pol, log)
        self.firm.record(log, pop.n)
        self._update_kpis(log, money)
        self.last_log = log
        if self.datacollector is not None:
            self.datacollector.collect(self)
        for observer in self.observers:
            observer(self, log)

    def _bring_in_prospects(self, week: int) -> None:
        self._inflow_due += self._inflow_per_week
        k = int(self._inflow_due)
        self._inflow_due -= k
        add_people(self.population, k, self.world, self.streams.population, week)

    def _update_kpis(self, log: WeekLog, money: dict[str, float]) -> None:
        pop, c = self.population, log.counts
        # counting and compress are exact and, on a million int8 codes, several times faster than
        # bincount (which widens every code) and boolean indexing (which branches per element)
        counts = [np.count_nonzero(pop.stage == s) for s in range(N_STAGES)]
        active = is_active(pop.stage)
        n_active = int(np.count_nonzero(active))
        kpi: dict[str, float] = {"week": self.week}
        kpi.update({col: int(v) for col, v in zip(STAGE_COLUMNS, counts, strict=False)})
        live = c.get("tickets_live", 0.0)
        trans = log.tables.get("transitions")
        back = int((trans["to_stage"] == Stage.WON_BACK).sum()) if trans is not None else 0
        kpi.update(
            customers_active=n_active,
            acquisitions=c.get("acquisitions", 0.0),
            acquisitions_referral=c.get("acquisitions_referral", 0.0),
            endangerments=c.get("endangerments", 0.0),
            notices=c.get("notices", 0.0),
            terminations=c.get("terminations", 0.0),
            losses=c.get("losses", 0.0),
            winbacks=back,
            revenue=money.get("revenue", 0.0),
            gross_margin=money.get("gross_margin", 0.0),
            **{f"cost_{f}": money.get(f"cost_{f}", 0.0) for f in economics.COST_FUNCTIONS},
            cost_total=money.get("cost_total", 0.0),
            profit=money.get("profit", 0.0),
            mean_satisfaction=float(np.compress(active, pop.satisfaction).mean()) if n_active else float("nan"),
            service_level=service.service_level(c),
            mean_wait_minutes=c.get("wait_minutes_live", 0.0) / live if live else 0.0,
            tickets=c.get("tickets", 0.0),
            complaints=c.get("complaints", 0.0),
            contacts_retention=c.get("contacts_retention", 0.0),
            ideas=c.get("ideas", 0.0),
            ideas_adopted=c.get("ideas_adopted", 0.0),
            loyalty_members=int(np.count_nonzero(pop.loyalty_member & active)),
            community_members=int(np.count_nonzero(pop.community_member & active)),
            product_quality=self.product_quality,
        )
        self.kpi = kpi

    # ------------------------------------------------------------------------ controlling
    def run(self, weeks: int, progress: Callable[[int], None] | None = None) -> None:
        """Step ``weeks`` weeks, calling ``progress(1)`` after each (e.g. a tqdm bar's update)."""
        for _ in range(weeks):
            self.step()
            if progress is not None:
                progress(1)

    def inject_event(self, kind: str, intensity: float = 0.5, duration: int = 1, week: int | None = None) -> Event:
        """Add an event while the model runs (default: acting from the next week)."""
        event = Event(kind=kind, intensity=intensity, duration=duration, week=self.week + 1 if week is None else week)
        self.events.append(event)
        return event

    def set_policies(self, policies: Policies | dict[str, Any]) -> None:
        """Replace the firm's policies between weeks (a classroom round's decisions).

        A dict is read as dotted overrides relative to the current policies
        (``{"service.capacity.phone": 200}``).
        """
        if isinstance(policies, dict):
            current = self.spec.model_copy(update={"policies": self.policies})
            policies = with_overrides(current, {f"policies.{k}": v for k, v in policies.items()}).policies
        self.policies = policies

    # --------------------------------------------------------------------------- looking
    def kpi_frame(self) -> pd.DataFrame:
        """Weekly KPIs (one row per week, week 0 = start) from the DataCollector."""
        if self.datacollector is None:
            raise RuntimeError("this model was built with collect=False")
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df["week"] = df["week"].astype(int)
        df.insert(1, "date", [self.date(w) for w in df["week"]])
        return df

    def stage_counts(self) -> dict[str, int]:
        """Customers per stage now, by English label."""
        counts = np.bincount(self.population.stage, minlength=N_STAGES)
        return {s.label: int(counts[s]) for s in Stage}

    def customer(self, i: int) -> dict[str, Any]:
        """One customer's current state (truth included), readable: labels instead of codes."""
        pop = self.population
        if not 0 <= i < pop.n:
            raise IndexError(f"customer {i} does not exist (0..{pop.n - 1})")
        stage = Stage(int(pop.stage[i]))
        disliked = int(pop.disliked_channel[i])
        acq = int(pop.acquisition_channel[i])
        acq_names = (*ACQUISITION_CHANNELS, "referral", "initial base")
        return {
            "id": i,
            "stage": stage.label,
            "stage_zh": stage.label_zh,
            "weeks_in_stage": int(pop.weeks_in_stage[i]),
            "signup_week": int(pop.signup_week[i]) if stage != Stage.PROSPECT else None,
            "satisfaction": round(float(pop.satisfaction[i]), 4),
            "trust": round(float(pop.trust[i]), 4),
            "commitment": round(float(pop.commitment[i]), 4),
            "purchase_rate": round(float(pop.purchase_rate[i]), 4),
            "spend_mean": round(float(pop.spend_mean[i]), 2),
            "potential": round(float(pop.potential[i]), 3),
            "orders": int(pop.n_orders[i]),
            "total_spend": round(float(pop.total_spend[i]), 2),
            "categories": int(pop.categories[i]),
            "tier": TIERS[int(pop.tier[i])],
            "contract": CONTRACT_TYPES[int(pop.contract[i])],
            "acquisition_channel": acq_names[acq] if acq >= 0 else None,
            "referred_by": int(pop.referred_by[i]) if pop.referred_by[i] >= 0 else None,
            "preferred_channel": CONTACT_CHANNELS[int(pop.preferred_channel[i])],
            "disliked_channel": CONTACT_CHANNELS[disliked] if disliked >= 0 else None,
            "loyalty_member": bool(pop.loyalty_member[i]),
            "community_member": bool(pop.community_member[i]),
            "churn_week": int(pop.churn_week[i]) if pop.churn_week[i] >= 0 else None,
            "churn_cause": CAUSES[int(pop.churn_cause[i])] if pop.churn_week[i] >= 0 else None,
            "service_channel": SERVICE_CHANNELS[int(pop.service_channel[i])],
        }


def run_scenario(
    scenario: Scenario | str = "retail",
    *,
    customers: int | None = None,
    weeks: int | None = None,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    **overrides: Any,
) -> CustomerLifecycleModel:
    """Build a model and run it for ``weeks`` (default: the scenario's own horizon)."""
    model = CustomerLifecycleModel(scenario, customers=customers, seed=seed, weeks=weeks, **overrides)
    model.run(weeks if weeks is not None else model.world.market.weeks, progress=progress)
    return model
