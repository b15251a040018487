"""The reference model: the same scenario as the engine, stepped one customer object at a time.

Activation is *staged, in a fixed order*: the week is a list of stages (the customer's story,
see ``customer.py``), each stage is one ``AgentSet.do`` over all customers in id order, and the
firm acts between stages where it must see everybody at once (whom to call, queue lengths,
adopted ideas). Inside a stage a customer changes only its own state, or leaves a message
(a recommendation) that is read in a later stage, so the order inside a stage is immaterial
for the distribution of outcomes; a fixed order makes a seed reproduce a run exactly.

Who enters the market is drawn with the engine's own trait sampler
(``population.add_people``, and ``acquisition.seed_customer_base`` for the customers of week 0)
into arrays, then each row becomes a ``Customer``: drawing traits is not a decision. With the
same seed, the reference starts from exactly the engine's people, network and customer base.
Everything after that (every decision) is drawn from the reference's own generators.
"""

from __future__ import annotations

import random
from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd

from simulations.config import Event, Scenario, load_scenario, with_overrides
from simulations.mechanisms.acquisition import initial_records, seed_customer_base
from simulations.mechanisms.purchasing import stage_buying
from simulations.population import FIELDS, Population, add_people
from simulations.reference.customer import Customer
from simulations.reference.firm import Firm
from simulations.rng import Streams
from simulations.stages import Stage

#: KPI columns the reference reports (same names and definitions as the engine's ``kpi_frame``).
REFERENCE_KPIS: tuple[str, ...] = (
    "week", *(f"n_{s.name.lower()}" for s in Stage), "customers_active", "acquisitions", "acquisitions_referral", "endangerments",
    "notices", "terminations", "losses", "winbacks", "revenue", "mean_satisfaction", "tickets", "complaints",
    "ideas", "ideas_adopted", "loyalty_members", "community_members", "product_quality",
)
#: Spawn key of the reference's own branch of the seed tree (the engine uses keys 0..len(STREAMS)-1).
REFERENCE_BRANCH = 1000
DICE: tuple[str, ...] = ("acquisition", "marketing", "purchasing", "service", "loyalty", "community", "relationship", "firm")


class Dice:
    """One ``random.Random`` per mechanism, seeded from a branch of the model's SeedSequence.

    Why Python's generator: a scalar draw from it costs a tenth of a numpy scalar draw, and the
    reference draws one number at a time. Private instances: no global random state is touched.
    """

    def __init__(self, seed: int) -> None:
        branch = np.random.SeedSequence(seed, spawn_key=(REFERENCE_BRANCH,))
        for name, child in zip(DICE, branch.spawn(len(DICE)), strict=True):
            setattr(self, name, random.Random(int.from_bytes(child.generate_state(4).tobytes(), "little")))


class ReferenceModel(mesa.Model):
    """Customers as objects, the firm as an agent; same scenario and parameters as the engine.

    Args:
        scenario: a :class:`Scenario`, a built-in name or a YAML path.
        customers: people at the start (overrides ``world.market.customers``).
        seed: root of the random streams (week 0's people equal the engine's for the same seed).
        **overrides: dotted scenario fields with ``__`` for ``.``, as for the engine.
    """

    def __init__(self, scenario: Scenario | str = "retail", *, customers: int | None = None, seed: int = 0,
                 **overrides: Any) -> None:
        spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        if customers is not None:
            overrides = {"world__market__customers": customers, **overrides}
        if overrides:
            spec = with_overrides(spec, overrides)
        streams = Streams(seed)
        super().__init__(rng=streams.mesa)
        self.spec, self.world, self.policies = spec, spec.world, spec.policies
        # buying by stage, read once per run from the world (as the engine's stage_buying)
        self.stage_buying = tuple(float(x) for x in stage_buying(self.world))
        self.events: list[Event] = list(spec.events)
        self.dice = Dice(seed)
        self._births = streams.population  # the engine's trait stream: same people in week 0
        self.people: list[Customer] = []
        self.firm = Firm(self)

        market = self.world.market
        self._inflow_per_week = market.prospect_inflow * market.customers
        self._inflow_due = 0.0
        first = Population(capacity=market.customers, degree=market.social_degree)
        add_people(first, market.customers, self.world, self._births, week=0)
        seed_customer_base(first, self.world, self._births)
        self._enlist(first)
        self.firm.view.open_books(initial_records(first), len(self.people))
        self.customers = self.agents_by_type[Customer]

        self.datacollector = mesa.DataCollector(model_reporters={k: partial(_read_kpi, k) for k in REFERENCE_KPIS})
        self.firm.start_week(0)
        self._take_census()
        self.datacollector.collect(self)

    @property
    def week(self) -> int:
        """Weeks simulated so far (0 before the first step)."""
        return self.steps

    def step(self) -> None:
        """One week: the customers' story stage by stage, the firm acting where it needs everyone."""
        week, firm, customers = self.week, self.firm, self.customers
        firm.start_week(week)                     # events; what the offer is worth this week
        self._bring_in_prospects(week)            # new people enter the market
        customers.do("tell_friends")              # delighted customers recommend the firm
        customers.do("consider_us")               # prospects answer ads and recommendations
        firm.open_accounts(week)                  # sign-ups enter the firm's records
        firm.plan_campaigns(week)                 # whom to contact (ranks everybody's risk)
        customers.do("notice_marketing")          # offers taken, resented, or a return
        customers.do("maybe_buy")
        customers.do("maybe_need_service")
        firm.open_desks()                         # the week's demand sets the queues' waits
        customers.do("get_service")
        customers.do("take_part")                 # loyalty club, idea community
        firm.adopt_ideas()                        # adopted ideas improve the product
        firm.open_census()
        customers.do("live_the_week")             # feelings settle; stages change; counted
        firm.close_books(week)                    # the week's records update what the firm knows
        self.kpi = firm.kpis(week)
        self.datacollector.collect(self)

    def run(self, weeks: int) -> None:
        """Step ``weeks`` weeks."""
        for _ in range(weeks):
            self.step()

    def kpi_frame(self) -> pd.DataFrame:
        """Weekly KPIs (one row per week, week 0 = start), columns as in the engine's ``kpi_frame``."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df["week"] = df["week"].astype(int)
        return df

    def customer(self, i: int) -> dict[str, Any]:
        """One person's current state (truth included), with the stage as a label."""
        if not 0 <= i < len(self.people):
            raise IndexError(f"customer {i} does not exist (0..{len(self.people) - 1})")
        c = self.people[i]
        state = {name: getattr(c, name) for name in FIELDS}
        state["stage"] = Stage(c.stage).label
        return {"id": i, **state, "friends": list(c.friends)}

    # ------------------------------------------------------------------------ entering
    def _bring_in_prospects(self, week: int) -> None:
        """Prospects flow in; each knows some people, and some people come to know them."""
        self._inflow_due += self._inflow_per_week
        k = int(self._inflow_due)
        self._inflow_due -= k
        if k == 0:
            return
        batch = Population(capacity=k, degree=0)  # traits only: the network is wired below
        add_people(batch, k, self.world, self._births, week)
        start = len(self.people)
        newcomers = self._enlist(batch)
        degree, rnd = self.world.market.social_degree, self._births
        if degree:
            for c in newcomers:
                c.friends = [int(x) for x in rnd.integers(0, start + k, degree)]
            if start:
                for c in newcomers:
                    for _ in range(degree):
                        knower = self.people[int(rnd.integers(0, start))]
                        knower.friends[int(rnd.integers(0, degree))] = c.number

    def _enlist(self, pop: Population) -> list[Customer]:
        """Wrap each drawn row in a ``Customer`` agent (ids continue after the people already here)."""
        columns = {name: getattr(pop, name).tolist() for name in FIELDS}
        friends = pop.friends.tolist() if pop.degree else [[] for _ in range(pop.n)]
        start = len(self.people)
        new = [Customer(self, start + j, {name: col[j] for name, col in columns.items()}, friends[j]) for j in range(pop.n)]
        self.people.extend(new)
        return new

    def _take_census(self) -> None:
        self.firm.open_census()
        for c in self.people:
            c.stage_before = c.stage
            self.firm.census(c)
        self.kpi = self.firm.kpis(0)


def _read_kpi(name: str, model: ReferenceModel) -> float:
    return model.kpi[name]
