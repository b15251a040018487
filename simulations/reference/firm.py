"""The firm as one agent: it applies the policies and does what needs everybody at once.

Why a separate agent: some decisions are the firm's, not a customer's, and need the whole
customer base at one moment. The firm writes what its customers do into its records and reads
them through the CRM software the engine's firm also runs (``simulations.firm.FirmView``:
perceived stages, a churn model refitted on its own history), picks whom to call from those
records alone, counts the week's service demand to know how long the queues are, answers posted
ideas and improves the product, and keeps the week's books. It reads the same scenario policies
and module constants as the vectorized engine; the campaign rules are re-told here per customer.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from simulations.config import ACQUISITION_CHANNELS, CONTACT_CHANNELS, SERVICE_CHANNELS
from simulations.firm import FirmView
from simulations.mechanisms import events
from simulations.mechanisms.marketing import CAMPAIGN_TYPES, scaled_k
from simulations.reference.customer import ACTIVE, AT_RISK, DORMANT, GROWTH, MATURITY, TERMINATING, WON_BACK
from simulations.stages import Stage
from simulations.weeklog import WeekLog

if TYPE_CHECKING:
    from simulations.reference.customer import Customer
    from simulations.reference.model import ReferenceModel

KEY_ACCOUNT = 2  # tier code of key accounts (config.TIERS)


def queue_wait(rho: float, base_wait: float, reference: float, pooling: float) -> float:
    """Mean wait in minutes at utilisation ``rho``: short while the pooled desk copes, exploding past 1.

    ``base_wait`` is the wait at utilisation ``reference`` (the engine's ``service.mean_wait``).
    """
    r = min(rho, 0.98)
    over = max(rho - 0.98, 0.0)
    return base_wait * (r / reference) ** pooling * ((1.0 - reference) / (1.0 - r)) * (1.0 + 10.0 * over)


def utilisation(demand: float, capacity: float) -> float:
    """Demand over capacity (a desk without capacity is infinitely overloaded when anyone calls)."""
    if capacity > 0:
        return demand / capacity
    return math.inf if demand > 0 else 0.0


class Firm(mesa.Agent):
    """The company: marketing, service desks, loyalty club and idea community, and its books."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel) -> None:
        super().__init__(model)
        self.product_quality = 0.0
        self.mods = events.Modifiers()
        self.contacts: dict[int, list[tuple[str, Any, int, bool]]] = {}
        self.events: dict[str, dict[str, list[Any]]] = {}
        self.view = FirmView(model.policies.crm, model.world.contracts.enabled)
        self.books: Counter[str] = Counter()
        self.stage_counts: Counter[int] = Counter()

    # ------------------------------------------------------------------ the week's terms
    def start_week(self, week: int) -> None:
        """Read this week's events and derive what the offer is worth to a prospect."""
        world, pol = self.model.world, self.model.policies
        self.mods = mods = events.modifiers(self.model.events, week, world.event_effects)
        self.books = Counter()
        self.contacts = {}
        self.events = {}
        self.queue = [0] * len(SERVICE_CHANNELS)
        self.key_queue = 0
        self.expected = [0.0] * len(SERVICE_CHANNELS)  # load the desks are staffed for (expected contacts)
        self.key_expected = 0.0
        self.ideas_adopted = 0

        comp, price = world.competitor, pol.pricing
        self.price_effect = price.price_index ** -world.traits.price_sensitivity
        relative_price = price.price_index / comp.price_index
        self.competitor_pull = comp.attractiveness * mods.competitor_pull * relative_price**world.traits.price_sensitivity
        attract = (relative_price**-world.traits.price_sensitivity * mods.acquisition_conversion
                   * (1.0 + self.product_quality) / (1.0 + comp.conversion_weight * comp.attractiveness))
        a = pol.acquisition
        # advertising: each channel reaches a share of prospects, saturating in its budget
        pull = []
        for channel in ACQUISITION_CHANNELS:
            reach = a.max_reach * (1.0 - math.exp(-a.budget.get(channel, 0.0) / a.half_reach_budget)) * mods.acquisition_reach
            pull.append(min(max(reach, 0.0), 1.0) * min(a.conversion * attract, 1.0))
        self.p_advertising = 1.0 - math.prod(1.0 - p for p in pull)
        total = sum(pull)
        self.channel_shares = [p / total if total > 0 else 0.0 for p in pull]
        # word of mouth
        rel = world.relationship
        self.p_recommend = rel.referral_rate * (1.0 + min(a.referral_bonus / 50.0, 2.0)) * mods.referral
        self.community_referral_lift = 1.0 + world.community.referral_lift if pol.community.enabled else 1.0
        self.p_recommendation_converts = min(rel.referral_conversion * attract, 1.0)
        self.fatigue_limit = pol.marketing.fatigue_limit

    def advertising_channel(self, u: float) -> int:
        """Which channel brought a prospect in, in proportion to each channel's pull."""
        cumulative = 0.0
        for i, share in enumerate(self.channel_shares):
            cumulative += share
            if u <= cumulative:
                return i
        return len(self.channel_shares) - 1

    # ---------------------------------------------------------------------- the records
    def note(self, kind: str, **row: Any) -> None:
        """Write one event into this week's records (what the firm's systems capture)."""
        table = self.events.setdefault(kind, {})
        for key, value in row.items():
            table.setdefault(key, []).append(value)

    def _week_log(self, week: int, kinds: tuple[str, ...] | None = None) -> WeekLog:
        log = WeekLog(week=week)
        for kind, table in self.events.items():
            if kinds is None or kind in kinds:
                log.tables[kind] = {key: np.asarray(values) for key, values in table.items()}
        return log

    def open_accounts(self, week: int) -> None:
        """This week's sign-ups enter the CRM as they happen (the firm's view is shared CRM software)."""
        self.view.sign_up(self._week_log(week, ("acquisitions",)), len(self.model.people))

    def close_books(self, week: int) -> None:
        """Hand the week's records to the CRM, which updates what the firm knows."""
        self.view.record(self._week_log(week), len(self.model.people))

    # ---------------------------------------------------------------------- campaigns
    def plan_campaigns(self, week: int) -> None:
        """Decide whom each due campaign contacts this week, from the firm's records only.

        The rules, re-told per customer: onboarding the week after sign-up; cross-sell to customers
        perceived growing or mature with categories still to buy; retention by the targeting rule;
        win-back to the perceived dormant; nobody on a channel they did not consent to.
        """
        m, traits = self.model.policies.marketing, self.model.world.traits
        view, rec = self.view, self.view.records
        perceived = view.perceived(week)
        known = range(rec.n)
        waves: list[tuple[str, Any, list[int]]] = []
        if m.onboarding.enabled and week % m.onboarding.every_weeks == 0:
            waves.append(("onboarding", m.onboarding,
                          [i for i in known if rec.known[i] and 1 <= week - rec.signup_week[i] < 1 + m.onboarding.every_weeks]))
        if m.cross_sell.enabled and week % m.cross_sell.every_weeks == 0:
            waves.append(("cross_sell", m.cross_sell, [i for i in known if perceived[i] in (GROWTH, MATURITY)
                                                       and rec.categories_bought[i] < traits.categories]))
        if m.retention.enabled and week % m.retention.every_weeks == 0 and m.retention.targeting != "none":
            treated, control = self.retention_targets(week, perceived)
            for i in control:
                self.note("contacts", customer=i, treated=False, offer=0.0, campaign=CAMPAIGN_TYPES.index("retention"))
            if treated or control:
                waves.append(("retention", m.retention, treated))
        if m.win_back.enabled and week % m.win_back.every_weeks == 0:
            waves.append(("win_back", m.win_back, [i for i in known if perceived[i] == DORMANT]))
        for kind, campaign, targets in waves:
            channel = CONTACT_CHANNELS.index(campaign.channel)
            for i in targets:
                consented = bool((int(rec.consent[i]) >> channel) & 1)
                if m.respect_channel_preferences and not consented:
                    continue  # never contact a customer on a channel they did not consent to
                self.contacts.setdefault(i, []).append((kind, campaign, channel, consented))
                self.note("contacts", customer=i, treated=True, offer=campaign.offer, campaign=CAMPAIGN_TYPES.index(kind))

    def retention_targets(self, week: int, perceived: Any) -> tuple[list[int], list[int]]:
        """Rank current customers by the CRM's risk (or uplift) score; flagged ones for all / random."""
        r = self.model.policies.marketing.retention
        rnd = self.model.dice.firm.random
        channel = CONTACT_CHANNELS.index(r.channel)
        consent = self.view.records.consent
        respect = self.model.policies.marketing.respect_channel_preferences
        # the list is drawn from those the firm may call on the channel: k is the number of calls
        candidates = [i for i in range(self.view.records.n) if perceived[i] in ACTIVE
                      and (not respect or (int(consent[i]) >> channel) & 1)]
        if r.targeting in ("top_k", "uplift"):
            ids = np.array(candidates, dtype=np.int64)
            scores = (self.view.uplift(week, ids, channel) if r.targeting == "uplift"
                      else self.view.retention_risk(week, ids))
            scored = [(float(sc), i) for sc, i in zip(scores, candidates, strict=True)]
            scored.sort(key=lambda sc: sc[0], reverse=True)  # stable: ties keep the order of ids
            chosen = [i for _, i in scored[: scaled_k(r.k, self.model.world)]]
            if r.targeting == "top_k":
                return chosen, []
            treated, control = [], []
            for i in chosen:  # a random part of an uplift wave is the control the uplift model learns from
                (control if rnd() < r.holdout else treated).append(i)
            if control:
                self.view.note_experiment(week, np.array(treated, dtype=np.int64), np.array(control, dtype=np.int64))
            return treated, control
        flagged = [i for i in candidates if perceived[i] in (AT_RISK, TERMINATING)]
        if r.targeting == "all":
            return flagged, []
        treated, control = [], []
        for i in flagged:
            (treated if rnd() < r.treat_share else control).append(i)  # randomized: the rest is the control group
        if control:
            self.view.note_experiment(week, np.array(treated, dtype=np.int64), np.array(control, dtype=np.int64))
        return treated, control

    # ------------------------------------------------------------------------ service
    def is_key_account(self, c: Customer) -> bool:
        """Routing reads the tier in the firm's records, not the person."""
        return int(self.view.records.tier[c.number]) == KEY_ACCOUNT and self.model.policies.service.key_account_desk

    def expect_contact(self, c: Customer, p: float) -> None:
        """Add one customer's chance of needing help to the load the desks are staffed for this week."""
        if self.is_key_account(c):
            self.key_expected += p
        else:
            self.expected[c.service_channel] += p

    def join_queue(self, c: Customer) -> None:
        """A customer needs help: key accounts go to their own desk, others to their channel's queue."""
        if self.is_key_account(c):
            self.key_queue += 1
        else:
            self.queue[c.service_channel] += 1

    def open_desks(self) -> None:
        """With the week's demand known, each desk's utilisation sets how long people wait."""
        s, mods = self.model.policies.service, self.mods
        scale = self.model.world.market.size_scale  # capacities are stated for the reference market size
        self.rho = [utilisation(self.expected[i], s.capacity.get(ch, 0.0) * scale * mods.service_capacity)
                    for i, ch in enumerate(SERVICE_CHANNELS)]
        sw = self.model.world.service
        base_wait, shape = sw.base_wait_minutes, (sw.wait_reference_utilisation, sw.queue_pooling)
        self.waits = [queue_wait(rho, base_wait[ch], *shape) for ch, rho in zip(SERVICE_CHANNELS, self.rho, strict=True)]
        self.key_rho = utilisation(self.key_expected, s.key_account_capacity * scale * mods.service_capacity)
        self.key_wait = queue_wait(self.key_rho, base_wait["phone"], *shape) * sw.key_desk_wait_factor

    def desk_for(self, c: Customer) -> tuple[float, float, bool]:
        """(utilisation, mean wait, key-account desk?) of the desk serving this customer."""
        if self.is_key_account(c):
            return self.key_rho, self.key_wait, True
        return self.rho[c.service_channel], self.waits[c.service_channel], False

    def record_ticket(self, complaint: bool) -> None:
        """Count a service contact (and whether it ended in a complaint)."""
        self.books["tickets"] += 1
        self.books["complaints"] += complaint

    # ---------------------------------------------------------------------- community
    def answer_idea(self, quality: float) -> tuple[bool, bool]:
        """The firm answers a share of ideas and adopts the rare excellent ones it answered."""
        responded = self.model.dice.firm.random() < self.model.policies.community.response_rate
        adopted = responded and quality > self.model.world.community.adoption_quality
        self.books["ideas"] += 1
        self.ideas_adopted += adopted
        return responded, adopted

    def adopt_ideas(self) -> None:
        """Adopted ideas improve the product for everyone (up to a ceiling)."""
        gain = self.ideas_adopted * self.model.world.community.quality_gain / self.model.world.market.size_scale
        self.product_quality = min(self.product_quality + gain, self.model.world.community.quality_gain_cap)
        self.books["ideas_adopted"] += self.ideas_adopted

    # -------------------------------------------------------------------------- books
    def count(self, what: str, n: int = 1) -> None:
        """Add to one of the week's counters (acquisitions, notices, terminations ...)."""
        self.books[what] += n

    def book_revenue(self, amount: float) -> None:
        """Revenue of an order."""
        self.books["revenue"] += amount

    def open_census(self) -> None:
        """Start counting where everybody stands at the end of the week."""
        self.stage_counts = Counter()
        self.books["satisfaction_active"] = 0.0

    def census(self, c: Customer) -> None:
        """Count one person at the end of the week; bill an active contract's fee."""
        self.stage_counts[c.stage] += 1
        if c.stage in ACTIVE:
            self.books["satisfaction_active"] += c.satisfaction
            self.books["loyalty_members"] += c.loyalty_member
            self.books["community_members"] += c.community_member
            if self.model.world.contracts.enabled:
                self.books["revenue"] += c.pays_fee()
        if c.stage == WON_BACK and c.stage_before != WON_BACK:
            self.books["winbacks"] += 1

    def kpis(self, week: int) -> dict[str, float]:
        """The week's KPIs, named and defined as the engine's ``kpi_frame`` columns."""
        b, counts = self.books, self.stage_counts
        active = sum(counts[s] for s in ACTIVE)
        kpi: dict[str, float] = {"week": week}
        kpi.update({f"n_{s.name.lower()}": counts[s] for s in Stage})
        kpi.update(
            customers_active=active,
            acquisitions=b["acquisitions"],
            acquisitions_referral=b["acquisitions_referral"],
            endangerments=b["endangerments"],
            notices=b["notices"],
            terminations=b["terminations"],
            losses=b["losses"],
            winbacks=b["winbacks"],
            revenue=b["revenue"],
            mean_satisfaction=b["satisfaction_active"] / active if active else float("nan"),
            tickets=b["tickets"],
            complaints=b["complaints"],
            ideas=b["ideas"],
            ideas_adopted=b["ideas_adopted"],
            loyalty_members=b["loyalty_members"],
            community_members=b["community_members"],
            product_quality=self.product_quality,
        )
        return kpi
