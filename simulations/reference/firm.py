"""The firm as one agent: it applies the policies and does what needs everybody at once.

Why a separate agent: some decisions are the firm's, not a customer's, and need the whole
customer base at one moment. The firm ranks customers by an early-warning score to pick whom to
call (top-k), counts the week's service demand to know how long the queues are, answers posted
ideas and improves the product, and keeps the week's books. It reads the same scenario policies
and module constants as the vectorized engine; the formulas are re-told here for scalars.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

import mesa

from simulations.config import ACQUISITION_CHANNELS, CONTACT_CHANNELS, SERVICE_CHANNELS
from simulations.mechanisms import events
from simulations.mechanisms.marketing import FLAG_SCORE
from simulations.mechanisms.service import BASE_WAIT
from simulations.reference.customer import ACTIVE, AT_RISK, DORMANT, GROWTH, MATURITY, NEW, TERMINATING, WON_BACK, logistic_noise
from simulations.stages import Stage

if TYPE_CHECKING:
    from simulations.reference.customer import Customer
    from simulations.reference.model import ReferenceModel

KEY_ACCOUNT = 2  # tier code of key accounts (config.TIERS)


def queue_wait(rho: float, base_wait: float) -> float:
    """Mean wait in minutes at utilisation ``rho``: like a single-server queue, exploding past 1."""
    r = min(rho, 0.98)
    over = max(rho - 0.98, 0.0)
    return base_wait * (r / (1.0 - r)) * (1.0 + 10.0 * over)


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
        self.contacts: dict[int, list[tuple[str, Any, int]]] = {}
        self.books: Counter[str] = Counter()
        self.stage_counts: Counter[int] = Counter()

    # ------------------------------------------------------------------ the week's terms
    def start_week(self, week: int) -> None:
        """Read this week's events and derive what the offer is worth to a prospect."""
        world, pol = self.model.world, self.model.policies
        self.mods = mods = events.modifiers(self.model.events, week)
        self.books = Counter()
        self.contacts = {}
        self.queue = [0] * len(SERVICE_CHANNELS)
        self.key_queue = 0
        self.ideas_adopted = 0

        comp, price = world.competitor, pol.pricing
        self.price_effect = price.price_index ** -price.price_sensitivity
        relative_price = price.price_index / comp.price_index
        self.competitor_pull = comp.attractiveness * mods.competitor_pull * relative_price**price.price_sensitivity
        attract = (relative_price**-price.price_sensitivity * mods.acquisition_conversion
                   * (1.0 + self.product_quality) / (1.0 + 0.5 * comp.attractiveness))
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
        self.community_referral_lift = 1.0 + pol.community.referral_lift if pol.community.enabled else 1.0
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

    # ---------------------------------------------------------------------- campaigns
    def plan_campaigns(self, week: int) -> None:
        """Decide whom each due campaign contacts this week (stage strategies of DOMAIN.md §1)."""
        m, traits = self.model.policies.marketing, self.model.world.traits
        people = self.model.people
        waves: list[tuple[str, Any, list[Customer]]] = []
        if m.onboarding.enabled and week % m.onboarding.every_weeks == 0:
            waves.append(("onboarding", m.onboarding,
                          [c for c in people if c.stage == NEW and c.weeks_in_stage < m.onboarding.every_weeks]))
        if m.cross_sell.enabled and week % m.cross_sell.every_weeks == 0:
            waves.append(("cross_sell", m.cross_sell,
                          [c for c in people if c.stage in (GROWTH, MATURITY) and c.categories < traits.categories]))
        if m.retention.enabled and week % m.retention.every_weeks == 0 and m.retention.targeting != "none":
            waves.append(("retention", m.retention, self.retention_targets(week)))
        if m.win_back.enabled and week % m.win_back.every_weeks == 0:
            waves.append(("win_back", m.win_back, [c for c in people if c.stage == DORMANT]))
        for kind, campaign, targets in waves:
            channel = CONTACT_CHANNELS.index(campaign.channel)
            for c in targets:
                if m.respect_channel_preferences and c.disliked_channel == channel:
                    continue  # never contact a customer through a channel they dislike
                self.contacts.setdefault(c.number, []).append((kind, campaign, channel))

    def retention_targets(self, week: int) -> list[Customer]:
        """Rank active customers by the churn model's risk (or uplift) score and pick the offer's targets."""
        r = self.model.policies.marketing.retention
        rnd = self.model.dice.firm.random
        candidates = [c for c in self.model.people if c.stage in ACTIVE]
        if r.targeting == "uplift":
            scored = [(self.uplift_score(c, logistic_noise(rnd())), c) for c in candidates]
        else:
            scored = [(self.risk_score(c, week, logistic_noise(rnd())), c) for c in candidates]
        if r.targeting in ("top_k", "uplift"):
            scored.sort(key=lambda sc: sc[0], reverse=True)  # stable: ties keep the order of ids
            return [c for _, c in scored[: r.k]]
        flagged = [c for score, c in scored if score > FLAG_SCORE]
        if r.targeting == "all":
            return flagged
        return [c for c in flagged if rnd() < r.treat_share]  # randomized: the rest is the control group

    def risk_score(self, c: Customer, week: int, noise: float) -> float:
        """Early warning from what a CRM system records: overdue buying, complaints, a noisy model signal."""
        expected_gap = 1.0 / max(c.purchase_rate, 0.01)
        recency = week - c.last_purchase_week if c.last_purchase_week >= 0 else 52
        overdue = min(max(recency / expected_gap - 1.0, 0.0), 5.0)
        signal = 3.0 * (self.model.world.relationship.at_risk_threshold + 0.1 - c.satisfaction)
        z = -1.5 + 0.4 * overdue + 0.8 * c.complaints + signal + 0.8 * noise
        return 1.0 / (1.0 + math.exp(-z))

    def uplift_score(self, c: Customer, noise: float) -> float:
        """The firm's noisy estimate of how much an offer would help this customer."""
        truth = (c.responsiveness if c.stage in (AT_RISK, TERMINATING) else 0.0) - 0.3 * c.sleeping_dog
        return truth + 0.35 * c.uplift_noise + 0.15 * noise

    # ------------------------------------------------------------------------ service
    def join_queue(self, c: Customer) -> None:
        """A customer needs help: key accounts go to their own desk, others to their channel's queue."""
        if c.tier == KEY_ACCOUNT and self.model.policies.service.key_account_desk:
            self.key_queue += 1
        else:
            self.queue[c.service_channel] += 1

    def open_desks(self) -> None:
        """With the week's demand known, each desk's utilisation sets how long people wait."""
        s, mods = self.model.policies.service, self.mods
        self.rho = [utilisation(self.queue[i], s.capacity.get(ch, 0.0) * mods.service_capacity)
                    for i, ch in enumerate(SERVICE_CHANNELS)]
        self.waits = [queue_wait(rho, float(BASE_WAIT[i])) for i, rho in enumerate(self.rho)]
        self.key_rho = utilisation(self.key_queue, s.key_account_capacity * mods.service_capacity)
        self.key_wait = queue_wait(self.key_rho, float(BASE_WAIT[0])) * 0.5  # account directors call back fast

    def desk_for(self, c: Customer) -> tuple[float, float, bool]:
        """(utilisation, mean wait, key-account desk?) of the desk serving this customer."""
        if c.tier == KEY_ACCOUNT and self.model.policies.service.key_account_desk:
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
        gain = self.ideas_adopted * self.model.world.community.quality_gain
        self.product_quality = min(self.product_quality + gain, 0.3)
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
