"""Typed, validated scenario configuration.

A scenario is the WORLD (market, customer heterogeneity, costs, competitor, the psychology of
relationships) that instructors set, plus the POLICIES (marketing, service, loyalty programme,
crowdsourcing community, pricing) that students and researchers change, plus scheduled EVENTS.
Every field has a default, a range and a one-line meaning, so the same declaration validates
input and documents it (``crm-sandbox scenario show NAME``). Models are frozen: derive variants
with :func:`with_overrides`, never by mutation, so two runs cannot share a silently edited object.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulations.errors import UserError
from simulations.i18n import DEFAULT_LANGUAGE, N_, _, text_language

CONTACT_CHANNELS: tuple[str, ...] = ("email", "phone", "sms", "app")
SERVICE_CHANNELS: tuple[str, ...] = ("phone", "email", "chat")
ACQUISITION_CHANNELS: tuple[str, ...] = ("search", "social", "tv", "direct_mail")
#: campaign types as the logs code them (a contact's or an order's ``campaign`` is an index into this)
CAMPAIGN_TYPES: tuple[str, ...] = ("acquisition", "onboarding", "cross_sell", "retention", "win_back")
TIERS: tuple[str, ...] = ("mass", "business", "key_account")
CONTRACT_TYPES: tuple[str, ...] = ("none", "month-to-month", "one-year", "two-year")
EVENT_KINDS: tuple[str, ...] = (
    "service_outage",
    "price_war",
    "product_defect",
    "viral_campaign",
    "viral_complaint",
)


class ScenarioError(UserError):
    """A scenario could not be read or is invalid; the message names file, field and value."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _f(default: Any, meaning: str, **bounds: Any) -> Any:
    return Field(default, description=meaning, **bounds)


# ----------------------------------------------------------------------------------- the world
class Market(_Frozen):
    """Size and inflow of the market the firm competes in."""

    customers: int = _f(10_000, N_("people modelled at the start (customers and prospects)"), ge=10, le=20_000_000)
    initial_customer_share: float = _f(0.3, N_("share of people who are customers in week 0"), ge=0.0, le=1.0)
    prospect_inflow: float = _f(0.003, N_("new prospects entering each week, as a share of the start population"), ge=0.0, le=0.2)
    social_degree: int = _f(6, N_("acquaintances per person in the word-of-mouth network"), ge=0, le=64)
    start_date: dt.date = _f(dt.date(2024, 1, 1), N_("calendar date of week 0 (a Monday)"))
    weeks: int = _f(156, N_("default number of simulated weeks"), ge=1, le=2000)
    initial_new_share: float = _f(
        0.08, N_("share of week 0's customers in the new stage (the initial base is spread over the stages as an "
        "established firm's is; the mix is chosen)"), ge=0, le=1)
    initial_growth_share: float = _f(0.32, N_("share of week 0's customers in the growth stage"), ge=0, le=1)
    initial_maturity_share: float = _f(0.55, N_("share of week 0's customers in the maturity stage"), ge=0, le=1)
    initial_at_risk_share: float = _f(0.05, N_("share of week 0's customers already endangered"), ge=0, le=1)
    initial_commitment_cap: float = _f(
        0.6, N_("highest commitment a customer of week 0 starts with (commitment grows with tenure up to this; chosen)"),
        ge=0, le=1)
    reference_customers: int = _f(
        10_000, N_("market size for which the policies' absolute quantities are stated (service and key-account "
        "capacity, acquisition budgets, retention k, the community's running cost); they scale in proportion to "
        "`customers`, so the same scenario is the same world at any size"), ge=10, le=20_000_000)

    @model_validator(mode="after")
    def _initial_stages_sum_to_one(self) -> Market:
        total = self.initial_new_share + self.initial_growth_share + self.initial_maturity_share + self.initial_at_risk_share
        if abs(total - 1.0) > 1e-6:
            raise ValueError(_("the initial stage shares (new, growth, maturity, at risk) must sum to 1, got {total}").format(
                total=f"{total:.3f}"))
        return self

    @property
    def size_scale(self) -> float:
        """``customers / reference_customers``: the factor applied to size-bound policy quantities."""
        return self.customers / self.reference_customers


class CustomerTraits(_Frozen):
    """Heterogeneity of customers: drawn once per person when they enter the market."""

    purchase_rate_mean: float = _f(0.06, N_("mean orders per week of a customer in maturity"), gt=0, le=20)
    purchase_rate_shape: float = _f(0.3, N_("gamma shape of purchase rates (smaller: more unequal)"), gt=0, le=100)
    spend_mean: float = _f(40.0, N_("mean spend per order (currency units)"), gt=0, le=1e6)
    spend_shape: float = _f(3.0, N_("gamma shape of customers' mean spend per order"), gt=0, le=100)
    order_noise_sd: float = _f(0.45, N_("log-scale sd of one week's spend around the customer's mean"), ge=0, le=3)
    satisfaction_mean: float = _f(0.68, N_("mean baseline satisfaction (0 to 1)"), ge=0, le=1)
    satisfaction_sd: float = _f(0.12, N_("sd of baseline satisfaction across customers"), ge=0, le=0.5)
    potential_sd: float = _f(0.6, N_("log-scale sd of potential value (future spend multiplier)"), ge=0, le=3)
    potential_growth: float = _f(0.0, N_("weekly growth of spend toward potential (0: none)"), ge=0, le=0.05)
    service_need_rate: float = _f(
        0.035, N_("weekly probability an active customer needs service (about two contacts a year; chosen so that the "
        "default desks run at 70-80% occupancy, where call centres are staffed)"), ge=0, le=1)
    business_share: float = _f(0.08, N_("share of business customers"), ge=0, le=1)
    key_account_share: float = _f(0.01, N_("share of key accounts"), ge=0, le=1)
    business_spend_multiplier: float = _f(2.5, N_("spend multiplier of business customers"), ge=1, le=100)
    key_account_spend_multiplier: float = _f(8.0, N_("spend multiplier of key accounts"), ge=1, le=1000)
    key_account_need: float = _f(
        6.0, N_("how many times a mass customer's service needs a key account has: an organisation has many users and "
        "lines, and its account team also handles orders and reviews (chosen)"), ge=1, le=1000)
    categories: int = _f(5, N_("product categories a customer can buy"), ge=1, le=8)
    channel_dislike_share: float = _f(0.3, N_("share of customers who dislike one contact channel"), ge=0, le=1)
    responsiveness_mean: float = _f(
        0.25, N_("mean probability an at-risk customer accepts a good offer (chosen: proactive retention offers save a "
        "fifth to a third of the at-risk customers they reach in published telecom and banking programmes)"), ge=0, le=1)
    sleeping_dog_share: float = _f(0.08, N_("share for whom a retention contact backfires"), ge=0, le=1)
    patience_minutes: float = _f(6.0, N_("mean minutes a caller waits before abandoning"), gt=0, le=600)
    price_sensitivity: float = _f(
        2.6, N_("elasticity of buying, switching and first purchase to our price (Bijmolt, van Heerde & Pieters 2005, "
        "J. Marketing Research 42(2): mean price elasticity of sales -2.62 over 1,851 estimates)"), ge=0, le=10)
    buying_floor: float = _f(0.4, N_("buying multiplier of a customer whose feeling toward the firm is 0"), ge=0, le=10)
    buying_slope: float = _f(1.2, N_("added buying multiplier per unit of feeling (0-1)"), ge=0, le=10)
    buying_trust_weight: float = _f(
        0.5, N_("weight of trust (against satisfaction) in the feeling that drives buying. Why: a recovered complaint "
        "lifts satisfaction above a trouble-free customer's but dents trust, so the recovered do not buy more (the "
        "recovery paradox holds for satisfaction, not repurchase: de Matos, Henrique & Rossi 2007)"), ge=0, le=1)
    loyalty_purchase_boost: float = _f(0.08, N_("relative lift of a loyalty member's buying per tier step"), ge=0, le=2)
    category_purchase_lift: float = _f(
        0.15, N_("relative lift of buying per product category a customer buys beyond the first: cross-buyers buy more "
        "often (Kumar, George & Pancras 2008, J. Retailing 84(1); the size is chosen)"), ge=0, le=5)
    category_spend_lift: float = _f(
        0.2, N_("relative rise of an order's value per product category a customer buys beyond the first (chosen)"),
        ge=0, le=5)
    cross_buy_rate: float = _f(
        0.06, N_("chance a growing customer who orders adds a further product category unasked (chosen; the cross-sell "
        "campaign adds categories on top)"), ge=0, le=1)
    channel_consent_share: float = _f(
        0.85, N_("share of customers who consent to marketing on a channel they do not dislike (recorded at signup)"), ge=0, le=1)
    onboarding_lift: float = _f(
        0.5, N_("relative lift of a new customer's buying while they hold an onboarding coupon (chosen: a welcome "
        "offer roughly doubles early repeat buying in published onboarding tests; 0.5 is conservative)"), ge=0, le=5)
    min_age: int = _f(16, N_("youngest age (years) at which a person can become a customer; stated birth years respect it"),
                      ge=0, le=100)


class Contracts(_Frozen):
    """Contractual relationships (telecom): contract types, notice periods and fees."""

    enabled: bool = _f(False, N_("customers hold contracts with notice periods and recurring fees"))
    month_to_month_share: float = _f(0.55, N_("share of new contracts that are month-to-month"), ge=0, le=1)
    one_year_share: float = _f(0.21, N_("share of new contracts that run one year"), ge=0, le=1)
    two_year_share: float = _f(0.24, N_("share of new contracts that run two years"), ge=0, le=1)
    notice_weeks: int = _f(4, N_("weeks between termination notice and end of service"), ge=0, le=52)
    monthly_fee_mean: float = _f(65.0, N_("mean monthly fee (currency units)"), ge=0, le=1e6)
    category_fee_lift: float = _f(
        0.0, N_("relative rise of a subscriber's monthly fee for each product category added after signing (a second "
        "line, broadband or TV on the same bill; 0: added products are bought as orders only; chosen)"), ge=0, le=5)
    lock_in_strength: float = _f(0.85, N_("how much a running fixed-term contract holds back leaving (0-1)"), ge=0, le=1)
    price_rise_release: float = _f(
        0.0, N_("how far a price above the list price the contracts were signed at (price index above 1) releases "
        "customers from their running fixed term (1: regulators let them leave without penalty)"), ge=0, le=1)

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Contracts:
        total = self.month_to_month_share + self.one_year_share + self.two_year_share
        if self.enabled and abs(total - 1.0) > 1e-6:
            raise ValueError(_("contract shares must sum to 1, got {total}").format(total=f"{total:.3f}"))
        return self


class Costs(_Frozen):
    """Unit economics."""

    gross_margin: float = _f(
        0.35, N_("margin on revenue at list price (price index 1) before marketing, service and programme costs; the "
        "cost of goods is a share of list-price revenue, so it does not move with our price"), ge=0, le=1)
    service_cost_per_contact_capacity: float = _f(4.0, N_("weekly cost of one contact of service capacity"), ge=0, le=1e4)
    key_account_cost_factor: float = _f(
        2.0, N_("weekly cost of one contact of key-account desk capacity, in contacts of ordinary capacity: account "
        "managers are senior staff who also visit and review (chosen)"), ge=0, le=100)
    recovery_cost_per_complaint: float = _f(
        20.0, N_("cost of recovering one complaint at full recovery effort (staff time and a goodwill gesture; effort "
        "0.5 costs half)"), ge=0, le=1e5)
    contact_cost: dict[str, float] = _f(
        {"email": 0.05, "phone": 2.5, "sms": 0.1, "app": 0.02}, N_("cost of one marketing contact by channel")
    )
    signup_cost: float = _f(0.0, N_(
        "cost of signing one new customer on top of the media budget (a dealer's commission, a subsidised handset, "
        "a welcome kit), booked as acquisition cost"), ge=0, le=1e5)
    community_cost_per_week: float = _f(800.0, N_("moderation and platform cost of a running community"), ge=0, le=1e7)
    loyalty_cost_per_member_week: float = _f(0.02, N_("running cost of the loyalty programme per member"), ge=0, le=100)
    overhead_per_week: float = _f(
        0.0, N_("fixed weekly costs that no decision in the model moves (network, IT, premises), stated for the "
        "reference market size"), ge=0, le=1e9)


class Competitor(_Frozen):
    """The competitor's pull on customers."""

    attractiveness: float = _f(0.3, N_("baseline temptation to switch (0: none, 1: strong)"), ge=0, le=1)
    price_index: float = _f(1.0, N_("competitor price relative to ours"), gt=0, le=5)
    conversion_weight: float = _f(
        0.5, N_("how far the competitor's attractiveness holds back a reached prospect's first purchase: conversion is "
        "divided by (1 + this x attractiveness); chosen"), ge=0, le=10)


class Relationship(_Frozen):
    """Psychology of the relationship: how satisfaction moves and when relationships end."""

    satisfaction_inertia: float = _f(0.08, N_("weekly pull of satisfaction toward its baseline"), gt=0, le=1)
    at_risk_threshold: float = _f(0.45, N_("satisfaction below which a customer becomes endangered"), ge=0, le=1)
    at_risk_base_hazard: float = _f(0.04, N_("weekly hazard of endangerment at threshold satisfaction"), ge=0, le=1)
    at_risk_sensitivity: float = _f(6.0, N_("how fast endangerment rises as satisfaction falls"), ge=0, le=50)
    recovery_rate: float = _f(0.10, N_("weekly chance an endangered but satisfied-again customer settles"), ge=0, le=1)
    decision_rate: float = _f(0.12, N_("weekly chance an endangered customer decides to leave"), ge=0, le=1)
    new_weeks: int = _f(8, N_("weeks of socialization before growth"), ge=1, le=520)
    growth_weeks: int = _f(52, N_("weeks of growth before maturity at the latest"), ge=1, le=1040)
    lapse_weeks: int = _f(26, N_("weeks a terminating non-contract customer keeps buying less before dormancy"), ge=1, le=520)
    dormant_to_lost_weeks: int = _f(78, N_("weeks of dormancy after which a relationship is lost"), ge=1, le=1040)
    spontaneous_return: float = _f(0.002, N_("weekly chance a dormant customer comes back unasked"), ge=0, le=1)
    referral_rate: float = _f(0.1, N_("weekly chance a delighted customer recommends the firm"), ge=0, le=1)
    referral_conversion: float = _f(0.25, N_("chance a recommended prospect becomes a customer"), ge=0, le=1)
    promoter_satisfaction: float = _f(
        0.6, N_("satisfaction above which a customer recommends the firm: the weekly referral chance rises from 0 here to "
        "referral_rate at full satisfaction (recommenders are the most satisfied customers, the promoters of Reichheld "
        "2003; the threshold is chosen)"), ge=0, lt=1)
    referral_warmth: float = _f(
        0.03, N_("satisfaction a referred customer starts with above their own baseline: a friend's recommendation sets "
        "expectations warmly (chosen)"), ge=0, le=1)
    trust_rate: float = _f(0.05, N_("weekly pull of trust toward satisfaction"), gt=0, le=1)
    commitment_growth: float = _f(0.004, N_("weekly growth of commitment while the relationship runs"), ge=0, le=1)
    tenure_hazard_decay: float = _f(0.0, N_("how much early tenure raises endangerment (new customers are fragile)"), ge=0, le=20)
    price_dissatisfaction: float = _f(
        0.0, N_("how far satisfaction's baseline falls per unit of log(our price / the competitor's): paying more "
        "than the market feels unfair (price satisfaction is part of overall satisfaction)"), ge=0, le=5)
    hazard_buying_link: float = _f(
        0.0, N_("how far a non-contract customer's endangerment hazard follows their own buying rate: 0 = by time "
        "alone (Pareto/NBD's story), 1 = per purchase occasion (BG/NBD's story: a customer reconsiders when they "
        "use the relationship)"), ge=0, le=1)
    fragile_weeks: float = _f(26.0, N_("weeks over which a new customer's extra fragility fades (e-folding time)"), gt=0, le=520)
    competitor_share: float = _f(
        0.7, N_("share of endangerments without a service or satisfaction cause that a competitor's offer causes (the "
        "rest: our price); chosen, as switching studies name a better offer more often than price alone"), ge=0, le=1)
    pull_floor: float = _f(0.5, N_("endangerment hazard factor (floor + competitor pull): temptation even without a rival"),
                           ge=0, le=10)
    commitment_shield: float = _f(0.6, N_("how far full commitment lowers the endangerment hazard (0-1)"), ge=0, le=1)
    trust_offset: float = _f(1.5, N_("the endangerment hazard scales with (trust_offset - trust): trust protects"), ge=1, le=10)
    contract_hold: float = _f(0.5, N_("how far a running fixed-term contract's lock-in lowers the endangerment hazard"),
                              ge=0, le=1)
    settle_trust_floor: float = _f(0.5, N_("settling chance of a satisfied-again endangered customer: recovery_rate x "
                                   "(floor + trust)"), ge=0, le=5)
    decision_margin: float = _f(0.15, N_("satisfaction above the at-risk threshold below which the gap drives leaving"),
                                ge=0, le=1)
    decision_floor: float = _f(0.5, N_("decision to leave: decision_rate x (floor + slope x satisfaction gap)"), ge=0, le=5)
    decision_slope: float = _f(3.0, N_("decision to leave: how strongly the satisfaction gap drives it"), ge=0, le=50)
    commitment_restraint: float = _f(0.5, N_("how far full commitment holds back the decision to leave (0-1)"), ge=0, le=1)
    renewal_decision: float = _f(0.5, N_("least chance an endangered customer decides when their fixed term ends"), ge=0, le=1)
    # buying by lifecycle stage, relative to maturity (Dwyer, Schurr & Oh 1987: a relationship expands before it
    # settles; a customer who is drifting away buys less before they stop): the sizes are chosen
    buying_new: float = _f(0.8, N_("buying of a new customer relative to maturity (still trying the firm; chosen)"),
                           ge=0, le=10)
    buying_growth: float = _f(1.25, N_("buying of a growing customer relative to maturity (expanding the relationship: "
                              "Dwyer, Schurr & Oh 1987; the size is chosen)"), ge=0, le=10)
    buying_maturity: float = _f(1.0, N_("buying of a mature customer (the reference of the other stages)"), ge=0, le=10)
    buying_at_risk: float = _f(0.6, N_("buying of an endangered customer relative to maturity (chosen)"), ge=0, le=10)
    buying_terminating: float = _f(0.3, N_("buying of a customer who has decided to leave, relative to maturity, while the "
                                   "notice or lapse runs (chosen)"), ge=0, le=10)
    buying_won_back: float = _f(0.9, N_("buying of a won-back customer relative to maturity (chosen)"), ge=0, le=10)


class ServiceWorld(_Frozen):
    """How service contacts go: queues, patience, resolution, complaints and recovery (the customers' side).

    Per channel (phone, e-mail, chat). Waits follow a single-server queue's shape; patience is the
    customer's own (``traits.patience_minutes`` scaled by channel). The satisfaction changes encode
    the service-recovery paradox as the literature finds it: a recovered complaint leaves a customer
    happier than before the problem, but trust is dented all the same (sources: Smith & Bolton 1998;
    de Matos, Henrique & Rossi 2007 meta-analysis: recovery lifts satisfaction, not repurchase).
    """

    channel_shares: dict[str, float] = _f(
        {"phone": 0.5, "email": 0.3, "chat": 0.2}, N_("share of customers who seek help on each channel (drawn once per "
        "person; chosen: the phone first, as in call-centre-led service; a firm whose app or tablets put a chat at hand "
        "sees most contacts there)"))
    base_wait_minutes: dict[str, float] = _f({"phone": 1.5, "email": 240.0, "chat": 1.5},
                                              N_("mean minutes of waiting at the reference utilisation, by channel"))
    wait_reference_utilisation: float = _f(0.85, N_("utilisation at which the mean wait is base_wait_minutes"), gt=0, lt=1)
    queue_pooling: float = _f(
        3.0, N_("how long a pooled desk keeps waits short as utilisation rises (wait grows like utilisation to this power "
        "over 1 - utilisation; 1 is a single server). Chosen: call centres with a handful of agents per queue keep "
        "answer times short up to 80-85% occupancy and collapse beyond (Erlang C)"), ge=1, le=50)
    patience_scale: dict[str, float] = _f({"phone": 1.0, "email": 200.0, "chat": 1.5},
                                           N_("patience multiplier by channel (an e-mail answer is awaited far longer)"))
    handling_minutes: dict[str, float] = _f({"phone": 8.0, "email": 6.0, "chat": 10.0},
                                             N_("mean handling minutes of an answered contact, by channel"))
    first_contact_resolution: float = _f(0.72, N_("chance a contact is resolved at first contact on an idle desk"), ge=0, le=1)
    overload_fcr_loss: float = _f(0.25, N_("relative loss of first-contact resolution per unit of utilisation (up to 2)"),
                                  ge=0, le=0.5)
    effort_fcr_gain: float = _f(0.1, N_("first-contact resolution added by full recovery effort"), ge=0, le=1)
    key_desk_fcr_gain: float = _f(0.15, N_("first-contact resolution added at the key-account desk"), ge=0, le=1)
    key_desk_wait_factor: float = _f(
        0.5, N_("a key account's wait at its desk, as a share of a phone queue's wait at the same load: account managers "
        "call back (chosen)"), gt=0, le=10)
    key_account_neglect: float = _f(
        0.05, N_("satisfaction a key account loses each time an ordinary desk serves it: it expects an account team, "
        "and service quality is judged against expectations (Parasuraman, Zeithaml & Berry 1988; the size is chosen)"),
        ge=0, le=1)
    later_resolution: float = _f(0.75, N_("chance an answered contact not resolved at first contact is resolved later"),
                                 ge=0, le=1)
    unhappy_need: float = _f(1.8, N_("how much more often a customer below the at-risk threshold needs service"), ge=1, le=10)
    complaint_wait_multiple: float = _f(5.0, N_("a wait this many times the answer-time target (by channel patience) is "
                                        "a complaint even when resolved"), ge=1, le=100)
    recovery_success: float = _f(0.9, N_("chance full recovery effort recovers a complaint"), ge=0, le=1)
    recovery_effort_scale: float = _f(
        0.15, N_("effort at which recovery reaches 63% of what full effort achieves: the first apology and refund put "
        "most problems right, further effort adds less (diminishing returns; chosen). A large value makes the chance "
        "grow in a straight line with effort"), gt=0, le=100)
    unrecovered_baseline_loss: float = _f(
        0.15, N_("fall of the satisfaction a customer settles toward after a complaint that is not recovered: an "
        "unresolved problem is remembered (TARP 1986 for the US Office of Consumer Affairs: complainers whose problem "
        "was not resolved are far less willing to buy again than those whose problem was; the size is chosen)"), ge=0, le=1)
    fcr_satisfaction: float = _f(0.03, N_("satisfaction gained when resolved at first contact"), ge=0, le=1)
    later_satisfaction: float = _f(-0.01, N_("satisfaction change when resolved later"), ge=-1, le=1)
    unresolved_satisfaction: float = _f(-0.10, N_("satisfaction change when not resolved (abandoned or failed)"), ge=-1, le=0)
    complaint_satisfaction: float = _f(-0.04, N_("further satisfaction change of a complaint that is not recovered"),
                                       ge=-1, le=0)
    recovery_satisfaction: float = _f(0.14, N_("satisfaction gained when a complaint is recovered"), ge=0, le=1)
    complaint_trust_loss: float = _f(0.06, N_("trust lost by any complaint, recovered or not"), ge=0, le=1)
    complaint_memory: float = _f(0.9, N_("weekly share of a customer's complaint count carried over"), ge=0, le=1)

    @model_validator(mode="after")
    def _channel_shares_cover_the_channels(self) -> ServiceWorld:
        shares = self.channel_shares
        if set(shares) != set(SERVICE_CHANNELS) or min(shares.values()) < 0:
            raise ValueError(_("channel_shares: give a share >= 0 for each of {channels}, got {shares}").format(
                channels=", ".join(SERVICE_CHANNELS), shares=shares))
        if abs(sum(shares.values()) - 1.0) > 1e-6:
            raise ValueError(_("channel_shares must sum to 1, got {total}").format(total=f"{sum(shares.values()):.3f}"))
        return self


class Responses(_Frozen):
    """How customers react to the firm's marketing contacts (their own mechanism, not the firm's choice).

    An offer's pull is ``strength_floor + strength_slope x s x (1 - exp(-offer / s))`` with ``s`` the
    saturation (offer as a share of a month's value; ``marketing.offer_pull``), times how our price
    compares with the competitor's; take-up probabilities below are at pull 1. Chosen where no field figure exists: the
    defaults give cross-sell take-up of a few percent and win-back of a few percent of the dormant,
    within the 1-10% direct-marketing response rates the sources quote.
    """

    strength_floor: float = _f(0.05, N_("pull of an offer worth nothing (the contact itself)"), ge=0, le=10)
    strength_slope: float = _f(8.8, N_("added pull per unit of offer (share of a month's value), for small offers"), ge=0, le=50)
    strength_saturation: float = _f(
        0.12, N_("offer at which its added pull has reached 63% of its ceiling (strength_slope x this): response to a "
        "discount flattens as it deepens, the concave response curve of Little's ADBUDG (1970); the value is chosen. "
        "A large value gives a straight line"), gt=0, le=100)
    deal_commitment_loss: float = _f(
        0.5, N_("commitment lost per unit of offer by a customer who orders on an offer: customers bought with a deep "
        "discount stay for the deal, not the relationship (Thomas, Blattberg & Fox 2004, J. Marketing Research 41(1): "
        "a lower win-back price returns more customers for shorter second lifetimes; the size is chosen)"), ge=0, le=10)
    deal_price_latitude: float = _f(
        0.3, N_("deepest offer (share off) a customer takes in stride: a deal within it leaves the price they find fair "
        "where it was (the latitude of price acceptance, Kalyanaram & Little 1994, J. Consumer Research 21(3); the width "
        "is chosen: no built-in scenario's default offer is deeper)"), ge=0, le=1)
    deal_reference_loss: float = _f(
        0.4, N_("satisfaction a customer who takes a deal settles lower for good, per unit of offer beyond the latitude "
        "and beyond the deepest deal they took before: the deal price becomes the price they expect, and the list price "
        "then feels like a loss (reference prices formed by promotions: Kalwani & Yim 1992, J. Marketing Research 29(1); "
        "the size is chosen)"), ge=0, le=10)
    cross_sell_take: float = _f(0.04, N_("weekly chance a contacted customer takes a cross-sell offer at pull 1"), ge=0, le=1)
    win_back_take: float = _f(0.15, N_("chance a dormant customer of responsiveness 1 returns on a win-back offer at pull 1 "
                              "(chosen: a win-back wave brings back a few percent of the truly dormant it reaches)"),
                              ge=0, le=1)
    retention_take_cap: float = _f(0.95, N_("highest chance an endangered customer accepts a retention offer"), ge=0, le=1)
    retention_satisfaction_lift: float = _f(0.12, N_("satisfaction gained by a customer who accepts a retention offer"),
                                            ge=0, le=1)
    retention_commitment_lift: float = _f(0.05, N_("commitment gained by a customer who accepts a retention offer"), ge=0, le=1)
    sleeping_dog_backfire: float = _f(0.5, N_("chance a retention contact backfires on a sleeping dog who does not accept"),
                                      ge=0, le=1)
    sleeping_dog_shock: float = _f(0.25, N_("satisfaction lost when a retention contact backfires"), ge=0, le=1)
    wasted_offer_take: float = _f(0.01, N_("chance a customer who is not at risk pockets a retention offer anyway"), ge=0, le=1)
    onboarding_goodwill: float = _f(0.02, N_("satisfaction and trust gained from a welcome contact"), ge=0, le=1)
    reward_delight: float = _f(0.02, N_("satisfaction a loyalty member gains in a week they redeem a reward (chosen)"),
                               ge=0, le=1)
    disliked_channel_shock: float = _f(0.05, N_("satisfaction lost when contacted through a channel the customer dislikes"),
                                       ge=0, le=1)
    no_consent_shock: float = _f(0.03, N_("satisfaction lost when contacted on a channel without consent"), ge=0, le=1)
    fatigue_memory: float = _f(0.75, N_("weekly share of contact fatigue carried over"), ge=0, le=1)
    fatigue_shock: float = _f(0.02, N_("satisfaction lost per contact above the fatigue limit"), ge=0, le=1)


class BTYD(_Frozen):
    """'Buy till you die' mode: buying and dropout follow BG/NBD with known parameters.

    Defaults are the CDNOW fit (Fader, Hardie & Lee 2005) converted to weeks.
    """

    enabled: bool = _f(False, N_("replace lifecycle buying and churn by BG/NBD"))
    r: float = _f(0.243, N_("gamma shape of purchase rates"), gt=0, le=100)
    alpha: float = _f(4.414, N_("gamma scale parameter (weeks) of purchase rates"), gt=0, le=1000)
    a: float = _f(0.793, N_("beta a of dropout probability after a purchase"), gt=0, le=100)
    b: float = _f(2.426, N_("beta b of dropout probability after a purchase"), gt=0, le=100)


class CommunityWorld(_Frozen):
    """How customers take part in an idea community (participation is voluntary and uneven)."""

    join_rate: float = _f(0.01, N_("weekly chance an active customer joins the community"), ge=0, le=1)
    contributor_share: float = _f(0.1, N_("share of members who ever post ideas (most lurk)"), ge=0, le=1)
    idea_rate: float = _f(0.03, N_("mean weekly ideas of a contributor"), ge=0, le=5)
    vote_rate: float = _f(0.05, N_("weekly chance a member votes on the week's ideas"), ge=0, le=1)
    vote_concentration: float = _f(
        4.0, N_("how strongly the week's votes gather on its best ideas: an idea's share of the votes follows its "
        "quality to this power (1 = in proportion to quality, 0 = evenly; chosen)"), ge=0, le=20)
    vote_turnout_slope: float = _f(
        3.0, N_("an idea of quality q gets min(1, this x q) of the votes its share promises: voters pass over weak "
        "ideas (chosen)"), ge=0, le=100)
    adoption_quality: float = _f(0.985, N_("idea quality quantile above which the firm can adopt"), ge=0, le=1)
    quality_gain: float = _f(0.004, N_("satisfaction gain for everyone from one adopted idea"), ge=0, le=0.2)
    quality_gain_cap: float = _f(
        0.3, N_("most satisfaction adopted ideas can add in all: a product can only get so much better (chosen)"),
        ge=0, le=1)
    referral_lift: float = _f(0.5, N_("relative rise of referrals by community members"), ge=0, le=10)
    heard_commitment: float = _f(
        0.04, N_("commitment an author gains when the firm answers their idea: being heard binds (Gebauer, Füller & "
        "Pezzei 2013, J. Business Research 66(9): how fairly a community treats ideas drives members' loyalty; the "
        "size is chosen)"), ge=0, le=1)
    adopted_commitment: float = _f(0.10, N_("further commitment an author gains when the firm adopts their idea (chosen)"),
                                   ge=0, le=1)
    adopted_delight: float = _f(0.08, N_("satisfaction an author gains when the firm adopts their idea (chosen)"),
                                ge=0, le=1)
    ignored_commitment_loss: float = _f(
        0.06, N_("commitment an author loses when the firm leaves their idea unanswered (members who feel ignored turn "
        "away: Gebauer, Füller & Pezzei 2013; the size is chosen)"), ge=0, le=1)
    ignored_disappointment: float = _f(0.04, N_("satisfaction an author loses when their idea goes unanswered (chosen)"),
                                       ge=0, le=1)


class ServiceOutageEffects(_Frozen):
    """What a service outage (a system or call-centre failure) does at intensity 1; smaller intensities scale it."""

    capacity_loss: float = _f(0.9, N_("share of every service desk's capacity the outage takes away (chosen)"), ge=0, le=1)
    need_rise: float = _f(2.0, N_("relative rise of service needs: customers contact the firm about the outage itself "
                          "(chosen)"), ge=0, le=20)


class PriceWarEffects(_Frozen):
    """What a competitor's price war does at intensity 1."""

    competitor_pull_rise: float = _f(3.0, N_("relative rise of the competitor's pull on endangered customers (chosen)"),
                                     ge=0, le=20)
    conversion_loss: float = _f(0.5, N_("share of prospects' conversions lost to the cheaper rival (chosen)"), ge=0, le=1)


class ProductDefectEffects(_Frozen):
    """What a product defect (a recall, a faulty batch, a network fault) does at intensity 1."""

    need_rise: float = _f(3.0, N_("relative rise of service needs while the defect lasts (chosen)"), ge=0, le=20)
    first_shock: float = _f(0.12, N_("satisfaction every customer loses in the defect's first week (chosen)"), ge=0, le=1)
    weekly_shock: float = _f(0.02, N_("satisfaction lost in each later week the defect lasts (chosen)"), ge=0, le=1)


class ViralCampaignEffects(_Frozen):
    """What a campaign that goes viral does at intensity 1."""

    reach_rise: float = _f(2.0, N_("relative rise of the acquisition campaigns' reach (chosen)"), ge=0, le=20)
    referral_rise: float = _f(2.0, N_("relative rise of referrals by word of mouth (chosen)"), ge=0, le=20)


class ViralComplaintEffects(_Frozen):
    """What a complaint that goes viral (a post shared widely) does at intensity 1."""

    conversion_loss: float = _f(0.6, N_("share of prospects' conversions the story puts off (chosen)"), ge=0, le=1)
    first_shock: float = _f(0.06, N_("satisfaction every customer loses in the week the story breaks (chosen)"),
                            ge=0, le=1)
    referral_loss: float = _f(0.5, N_("share of referrals lost while the story circulates (chosen)"), ge=0, le=1)


class EventEffects(_Frozen):
    """How strongly each kind of scheduled or injected event moves the world, per unit of its intensity.

    Why world fields: an event's size is a belief about the market (how badly an outage floods the
    desks, how hard a rival's price war pulls), which a researcher or a case author may want to vary.
    """

    service_outage: ServiceOutageEffects = ServiceOutageEffects()
    price_war: PriceWarEffects = PriceWarEffects()
    product_defect: ProductDefectEffects = ProductDefectEffects()
    viral_campaign: ViralCampaignEffects = ViralCampaignEffects()
    viral_complaint: ViralComplaintEffects = ViralComplaintEffects()


class World(_Frozen):
    """Everything the firm does not decide."""

    market: Market = Market()
    traits: CustomerTraits = CustomerTraits()
    contracts: Contracts = Contracts()
    costs: Costs = Costs()
    competitor: Competitor = Competitor()
    relationship: Relationship = Relationship()
    btyd: BTYD = BTYD()
    community: CommunityWorld = CommunityWorld()
    responses: Responses = Responses()
    service: ServiceWorld = ServiceWorld()
    event_effects: EventEffects = EventEffects()


# -------------------------------------------------------------------------------- the policies
class Acquisition(_Frozen):
    """Acquisition marketing (获取): budget per channel with diminishing returns."""

    budget: dict[str, float] = _f(
        {"search": 2000.0, "social": 1500.0, "tv": 0.0, "direct_mail": 500.0}, N_("weekly budget by channel")
    )
    half_reach_budget: float = _f(4000.0, N_("weekly budget that reaches half the reachable prospects"), gt=0, le=1e9)
    max_reach: float = _f(0.02, N_("share of prospects a channel can reach in a week"), ge=0, le=1)
    conversion: float = _f(
        0.25, N_("chance a reached prospect makes a first purchase (chosen so that a new customer costs about one "
        "year of their gross margin at the default budget, and returns diminish as the prospect pool thins)"), ge=0, le=1)
    referral_bonus: float = _f(0.0, N_("bonus paid per referred new customer (raises referrals)"), ge=0, le=1e5)


def _every_weeks(default: int) -> Any:
    """The ``every_weeks`` field of a campaign (each campaign class has its own default)."""
    return _f(default, N_("weeks between waves"), ge=1, le=520)


def _offer(default: float) -> Any:
    """The ``offer`` field of a campaign (each campaign class has its own default)."""
    return _f(default, N_("discount or incentive as a share of a month's spend"), ge=0, le=1)


class Campaign(_Frozen):
    """A stage campaign: who is contacted, how, how often, with what offer."""

    enabled: bool = _f(True, N_("run this campaign"))
    channel: Literal["email", "phone", "sms", "app"] = _f("email", N_("contact channel"))
    every_weeks: int = _every_weeks(4)
    offer: float = _offer(0.1)
    response_weeks: int = _f(4, N_("weeks the offer's coupon stays valid: an order using it within them is the response"),
                             ge=1, le=52)
    offer_months: int = _f(1, N_(
        "months a subscriber's deal runs: after the accepting order, the monthly fee stays this share lower for the "
        "remaining months (1: a one-off coupon; only where there are contracts)"), ge=1, le=36)


class Retention(Campaign):
    """Retention offers (维系) with a targeting rule; 'random' is a randomized experiment."""

    targeting: Literal["none", "all", "top_k", "random", "uplift"] = _f(
        "top_k", N_("none; all flagged; top-k by risk score; randomized; top-k by uplift score")
    )
    k: int = _f(200, N_("customers contacted per wave for top_k / uplift"), ge=0, le=10_000_000)
    treat_share: float = _f(0.5, N_("share treated when targeting is random"), ge=0, le=1)
    holdout: float = _f(0.0, N_(
        "share of an uplift wave held back at random as a control group, so the firm learns who an offer changes (0: "
        "the firm ranks by risk times each customer's rate of taking save offers, shrunk toward the firm's rate; "
        "either way customers whose notice runs come first, and those without consent to the channel or who just "
        "bought ahead on a retention offer come last)"), ge=0, le=0.9)
    every_weeks: int = _every_weeks(2)
    offer: float = _offer(0.15)


class Onboarding(Campaign):
    """The welcome to new customers (its defaults are the class's, so a scenario may set one field only)."""

    every_weeks: int = _every_weeks(1)
    offer: float = _offer(0.0)


class CrossSell(Campaign):
    """Cross-/up-sell offers to growing and mature customers (拓展)."""

    every_weeks: int = _every_weeks(8)
    offer: float = _offer(0.12)


class WinBack(Campaign):
    """Win-back offers to customers the records show as dormant (恢复)."""

    every_weeks: int = _every_weeks(8)
    offer: float = _offer(0.2)


class Marketing(_Frozen):
    """Stage strategies: onboarding, cross-/up-sell, retention, win-back; contact fatigue.

    Each campaign has a class of its own so that a scenario block naming one field (``win_back:
    {offer: 0.3}``) keeps that campaign's other defaults; with one shared class such a block fell
    back to the generic campaign's (4-weekly waves, a 10% offer).
    """

    onboarding: Onboarding = Onboarding()
    cross_sell: CrossSell = CrossSell()
    retention: Retention = Retention()
    win_back: WinBack = WinBack()
    fatigue_limit: int = _f(3, N_("contacts in four weeks above which goodwill falls"), ge=0, le=100)
    respect_channel_preferences: bool = _f(True, N_("never contact a customer through a channel they dislike"))


class Service(_Frozen):
    """Service (客户服务) capacity per channel and service recovery."""

    capacity: dict[str, float] = _f({"phone": 120.0, "email": 80.0, "chat": 60.0}, N_("contacts handled per week per channel"))
    key_account_desk: bool = _f(True, N_("dedicated account team for key accounts (首席客户代表)"))
    key_account_capacity: float = _f(20.0, N_("weekly contacts the key-account desk handles"), ge=0, le=1e7)
    target_wait_minutes: float = _f(3.0, N_("answer-time target for the service level"), gt=0, le=10_000)
    recovery_effort: float = _f(0.5, N_("effort put into recovering complaints (0-1)"), ge=0, le=1)


class Loyalty(_Frozen):
    """Loyalty programme: points, tiers, rewards."""

    enabled: bool = _f(False, N_("run a loyalty programme"))
    join_rate: float = _f(0.4, N_("chance a customer who is not a member joins when they buy (asked at checkout; a new "
                          "customer at the first order)"), ge=0, le=1)
    points_per_currency: float = _f(1.0, N_("points per currency unit spent"), ge=0, le=1000)
    redemption_points: float = _f(500.0, N_("points for one reward"), gt=0, le=1e9)
    reward_value: float = _f(5.0, N_("cost of one reward to the firm"), ge=0, le=1e6)
    silver_spend: float = _f(400.0, N_("52-week spend for the silver tier"), ge=0, le=1e9)
    gold_spend: float = _f(1200.0, N_("52-week spend for the gold tier"), ge=0, le=1e9)
    commitment_boost: float = _f(0.1, N_("commitment added on joining"), ge=0, le=1)


class Community(_Frozen):
    """Crowdsourcing community (众包, CRM 2.0): ideas, votes, responses, rewards."""

    enabled: bool = _f(False, N_("run an idea community"))
    response_rate: float = _f(0.5, N_("share of ideas the firm answers"), ge=0, le=1)
    reward: float = _f(200.0, N_("reward per adopted idea"), ge=0, le=1e7)


class Pricing(_Frozen):
    """Pricing."""

    price_index: float = _f(1.0, N_("our price relative to list (1 = list)"), gt=0, le=5)


class CrmRules(_Frozen):
    """How the firm reads its own records: the CRM team's rules for perceived stages and scores.

    The firm never sees satisfaction or true stages; it classifies customers from orders, tickets,
    notices and contract dates with rules like these, which a CRM team writes down and tunes.
    """

    new_weeks: int = _f(8, N_("weeks after signup (or a return) in which the firm treats a customer as new"), ge=1, le=520)
    growth_weeks: int = _f(52, N_("tenure in weeks up to which an active customer counts as growing, mature after"),
                           ge=1, le=1040)
    lapse_multiple: float = _f(
        3.0, N_("a non-contract customer is lapsed (dormant) when the weeks since the last order exceed this many of "
        "their own typical gaps between orders"), gt=0, le=50)
    min_lapse_weeks: int = _f(8, N_("never call a customer lapsed before this many weeks without an order"), ge=1, le=520)
    max_lapse_weeks: int = _f(52, N_("always call a customer lapsed after this many weeks without an order"), ge=1, le=1040)
    lost_weeks: int = _f(104, N_("weeks without an order (or after a contract ended) after which the firm writes a customer off"),
                         ge=1, le=2080)
    at_risk_lift: float = _f(3.0, N_("flag an active customer at risk when the odds of their churn score are this many times "
                             "the odds of the churn rate the firm last observed (scenarios differ in base churn)"), ge=1, le=100)
    horizon_weeks: int = _f(13, N_("the churn score predicts lapsing or notice within this many weeks"), ge=1, le=104)
    refit_weeks: int = _f(13, N_("weeks between refits of the churn model on outcomes the firm has observed"), ge=1, le=520)


class Policies(_Frozen):
    """Everything the firm decides."""

    acquisition: Acquisition = Acquisition()
    marketing: Marketing = Marketing()
    service: Service = Service()
    loyalty: Loyalty = Loyalty()
    community: Community = Community()
    pricing: Pricing = Pricing()
    crm: CrmRules = CrmRules()


class Event(_Frozen):
    """A shock in a given week: scheduled in a scenario or injected while a model runs."""

    kind: Literal["service_outage", "price_war", "product_defect", "viral_campaign", "viral_complaint"] = _f(
        "service_outage", N_("what happens")
    )
    week: int = _f(1, N_("first week the event acts"), ge=0, le=100_000)
    duration: int = _f(1, N_("weeks it lasts"), ge=1, le=1000)
    intensity: float = _f(0.5, N_("strength (0-1)"), ge=0, le=1)


class Scenario(_Frozen):
    """A world, the firm's policies and the events that will happen."""

    name: str = _f("custom", N_("short name"))
    description: str = _f("", N_("what the scenario represents"))
    world: World = World()
    policies: Policies = Policies()
    events: tuple[Event, ...] = _f((), N_("scheduled events"))

    @model_validator(mode="after")
    def _check_keys(self) -> Scenario:
        checks = (
            ("world.costs.contact_cost", self.world.costs.contact_cost, CONTACT_CHANNELS),
            ("policies.acquisition.budget", self.policies.acquisition.budget, ACQUISITION_CHANNELS),
            ("policies.service.capacity", self.policies.service.capacity, SERVICE_CHANNELS),
        )
        for field, mapping, allowed in checks:
            for key, value in mapping.items():
                if key not in allowed:
                    raise ValueError(_("{field}: unknown channel {key}; allowed: {allowed}").format(
                        field=field, key=repr(key), allowed=", ".join(allowed)))
                if value < 0:
                    raise ValueError(_("{field}.{key}: must be >= 0, got {value}").format(field=field, key=key, value=value))
        t = self.world.traits
        if t.business_share + t.key_account_share > 1:
            raise ValueError(_("world.traits: business_share + key_account_share must be <= 1, got {total}").format(
                total=f"{t.business_share + t.key_account_share:.3f}"))
        return self


# ------------------------------------------------------------------------------------ loading
BUILTIN_DIR = Path(__file__).with_name("scenarios")


def builtin_names() -> list[str]:
    """Names of the built-in scenarios."""
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


#: pydantic's problems, by error type, in words the catalog translates (``{ge}``... are pydantic's context values).
#: English messages keep pydantic's own wording; other languages use these when the type is listed.
PYDANTIC_PROBLEMS: dict[str, str] = {
    "greater_than_equal": N_("must be >= {ge}"),
    "greater_than": N_("must be > {gt}"),
    "less_than_equal": N_("must be <= {le}"),
    "less_than": N_("must be < {lt}"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "float_type": N_("must be a number"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "literal_error": N_("must be one of {expected}"),
    "extra_forbidden": N_("unknown field"),
    "missing": N_("is required"),
    "string_type": N_("must be text"),
    "dict_type": N_("must be a mapping of fields"),
    "list_type": N_("must be a list"),
    "date_from_datetime_parsing": N_("must be a date such as 2024-01-01"),
    "date_parsing": N_("must be a date such as 2024-01-01"),
    "date_type": N_("must be a date such as 2024-01-01"),
}


def _problem(error: dict[str, Any]) -> str:
    """One pydantic problem in the current language (pydantic's own English when there is no translation)."""
    template = PYDANTIC_PROBLEMS.get(error["type"])
    if template is None or text_language() == DEFAULT_LANGUAGE:
        return error["msg"].removeprefix("Value error, ")
    try:
        return _(template).format(**error.get("ctx", {}))
    except (KeyError, IndexError):  # a pydantic version with other context names: its own words, not a crash
        return error["msg"]


def format_validation_error(err: ValidationError, source: str, what: str = N_("scenario")) -> str:
    """One line per problem: the source, the dotted field, the value given and what is allowed.

    ``what`` is English, marked with ``N_`` where written, and translated here; pydantic's own
    description of each problem stays in English (it comes from pydantic, not from this project).
    """
    lines = [_("{source}: invalid {what}").format(source=source, what=_(what))]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or _("(top level)")
        value = e.get("input")
        shown = repr(value) if not isinstance(value, dict) else "{...}"
        lines.append("  " + _("field {field} = {value}: {problem}").format(field=loc, value=shown, problem=_problem(e)))
    return "\n".join(lines)


#: Fields that describe customers, not decisions, and moved from ``policies`` to ``world``: a
#: classroom team must not be able to change how customers react by editing its policy.
MOVED_FIELDS: dict[str, str] = {
    "policies.pricing.price_sensitivity": "world.traits.price_sensitivity",
    "policies.loyalty.purchase_boost": "world.traits.loyalty_purchase_boost",
    "policies.community.referral_lift": "world.community.referral_lift",
}


def _moved_field_error(dotted: str, source: str) -> ScenarioError | None:
    new = MOVED_FIELDS.get(dotted)
    if new is None:
        return None
    return ScenarioError(_("{source}: field {field} has moved to {new} (it describes customers, not a policy); "
                           "write it there instead").format(source=source, field=dotted, new=new))


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a mapping as a scenario; errors name the source, the field and the value."""
    if not isinstance(data, dict):
        raise ScenarioError(_("{source}: expected a mapping of scenario fields, got {type}").format(
            source=source, type=type(data).__name__))
    for old in MOVED_FIELDS:
        node: Any = data
        for part in old.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            raise _moved_field_error(old, source)  # type: ignore[misc]
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(format_validation_error(err, source)) from None


def scenario_path(name_or_path: str | Path) -> Path:
    """The YAML file of a built-in scenario name, or the given path; errors name what exists."""
    text_name = str(name_or_path)
    path = Path(text_name)
    if not path.suffix and text_name in builtin_names():
        return BUILTIN_DIR / f"{text_name}.yaml"
    if not path.exists():
        if path.suffix in (".yaml", ".yml"):
            raise ScenarioError(_("{name}: scenario file not found").format(name=text_name))
        raise ScenarioError(_("unknown scenario {name}; built-in scenarios: {names} (or give the path of a YAML file)").format(
            name=repr(text_name), names=", ".join(builtin_names())))
    return path


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a YAML file by path."""
    path = scenario_path(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ScenarioError(_("{path}: malformed YAML: {error}").format(path=path, error=err)) from None
    except OSError as err:
        raise ScenarioError(_("{path}: cannot read: {reason}").format(path=path, reason=err.strerror)) from None
    return scenario_from_dict(data or {}, str(path))


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """Return a copy with dotted-path overrides, e.g. ``{"policies.service.capacity.phone": 200}``.

    ``__`` may stand for ``.`` so that overrides can be keyword arguments (``mesa.batch_run``).
    """
    data = scenario.model_dump(mode="python")
    for dotted, value in overrides.items():
        moved = _moved_field_error(dotted.replace("__", "."), f"override {dotted!r}")
        if moved is not None:
            raise moved
        parts = dotted.replace("__", ".").split(".")
        node = data
        for i, part in enumerate(parts[:-1]):
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(_("override {override}: unknown field {field}").format(
                    override=repr(dotted), field=repr(".".join(parts[: i + 1]))))
            node = node[part]
        if not isinstance(node, dict) or (parts[-1] not in node and not _is_open_mapping(parts[:-1])):
            raise ScenarioError(_("override {override}: unknown field {field}").format(
                override=repr(dotted), field=repr(dotted.replace("__", "."))))
        node[parts[-1]] = value
    return scenario_from_dict(data, f"scenario {scenario.name!r} with overrides")


def _is_open_mapping(parts: list[str]) -> bool:
    """Dict-valued fields (budgets, capacities, contact costs) accept new channel keys."""
    return parts[-1:] in (["budget"], ["capacity"], ["contact_cost"])


def scenario_to_yaml(scenario: Scenario) -> str:
    """Serialise a scenario to YAML that :func:`load_scenario` reads back to an equal object."""
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def describe_fields(model: type[BaseModel] = Scenario, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(field path, default, range, meaning) for every leaf field: documentation from the schema.

    The meanings are written in English (marked with ``N_`` in each field) and given in the current language.
    """
    rows: list[tuple[str, str, str, str]] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            rows.extend(describe_fields(ann, path + "."))
            continue
        bounds = []
        for m in info.metadata:
            for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
                if getattr(m, attr, None) is not None:
                    bounds.append(f"{sym} {getattr(m, attr)}")
        rows.append((path, _yaml_value(info.default), ", ".join(bounds), _(info.description) if info.description else ""))
    return rows


def _yaml_value(value: Any) -> str:
    """A default as it is written in a scenario file (``2024-01-01``, ``true``, ``{phone: 120.0}``), not Python's repr."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=10**6)
    return text.removesuffix("\n").removesuffix("\n...").strip()
