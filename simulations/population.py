"""The customers as a structure of arrays, and how new people enter the market.

Why arrays: a million customers stepped for five years must run in about a minute, which rules
out one Python object per customer. Every attribute is one numpy array indexed by customer id
(the row). The population only grows (prospects flow in; nobody is deleted), so ids are stable.
Arrays live in buffers with spare capacity; the public attributes are views of the first ``n``
rows, re-sliced after growth, so adding people does not copy the whole population every week.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulations.config import CONTACT_CHANNELS, SERVICE_CHANNELS, World
from simulations.stages import Stage

#: name -> (dtype, fill value). Latent truth and observable attributes alike: writers choose.
FIELDS: dict[str, tuple[str, float]] = {
    # lifecycle
    "stage": ("int8", Stage.PROSPECT),
    "prev_stage": ("int8", Stage.PROSPECT),
    "weeks_in_stage": ("int32", 0),
    "entered_week": ("int32", 0),
    "signup_week": ("int32", -1),
    "churn_week": ("int32", -1),
    "churn_cause": ("int8", 0),
    "risk_cause": ("int8", 0),
    "cycles": ("int16", 0),
    # psychology (hidden)
    "baseline": ("float32", 0.0),
    "satisfaction": ("float32", 0.0),
    "grudge": ("float32", 0.0),  # how far unrecovered complaints and deep deals lowered what satisfaction settles toward
    "deal_depth": ("float32", 0.0),  # the deepest offer (share off) taken: the deal price the customer now expects
    "trust": ("float32", 0.0),
    "commitment": ("float32", 0.0),
    "shock": ("float32", 0.0),
    "responsiveness": ("float32", 0.0),
    "sleeping_dog": ("bool", False),
    "patience": ("float32", 0.0),
    # value
    "purchase_rate": ("float32", 0.0),
    "spend_mean": ("float32", 0.0),
    "potential": ("float32", 1.0),
    "value_multiplier": ("float32", 1.0),
    "dropout_p": ("float32", 0.0),
    "categories": ("int8", 1),
    "n_orders": ("int32", 0),
    "total_spend": ("float64", 0.0),
    "spend_52": ("float32", 0.0),
    "week_spend": ("float32", 0.0),
    "week_orders": ("int16", 0),
    "last_purchase_week": ("int32", -1),
    # relationship attributes
    "tier": ("int8", 0),
    "contract": ("int8", 0),
    "contract_end_week": ("int32", -1),
    "notice_week": ("int32", -1),
    "monthly_fee": ("float32", 0.0),
    "acquisition_channel": ("int8", -1),
    "referred_by": ("int32", -1),
    # contact
    "preferred_channel": ("int8", 0),
    "disliked_channel": ("int8", -1),
    "service_channel": ("int8", 0),
    "fatigue": ("float32", 0.0),
    "complaints": ("float32", 0.0),
    "uplift_noise": ("float32", 0.0),
    "consent": ("int8", 0),  # recorded at signup: bit c set = consents to marketing on CONTACT_CHANNELS[c]
    # an offer the customer holds (a coupon from a campaign): what it is worth and until when
    "offer_kind": ("int8", -1),  # campaign type code (config.CAMPAIGN_TYPES), -1: none
    "offer_value": ("float32", 0.0),
    "offer_week": ("int32", -1),  # week of the contact that gave it
    "offer_expiry": ("int32", -1),  # last week it can be used
    "offer_take": ("bool", False),  # accepted this week: the customer orders with it this week
    "orders_ahead": ("int16", 0),  # orders placed early to take a retention offer: the next own orders they replace
    "offer_pocketed": ("bool", False),  # kept without need: used on the customer's next own order in the window
    # a subscriber's deal: the monthly fee is this share lower until the week given (campaign type that gave it)
    "fee_discount": ("float32", 0.0),
    "fee_discount_until": ("int32", -1),
    "fee_discount_kind": ("int8", -1),
    # programmes
    "loyalty_member": ("bool", False),
    "points": ("float32", 0.0),
    "loyalty_tier": ("int8", 0),
    "community_member": ("bool", False),
    "idea_rate": ("float32", 0.0),
}

#: Share of customers who consent to marketing on the one channel they dislike (ticked without caring).
DISLIKED_CONSENT = 0.1

#: Codes of ``acquisition_channel`` beyond the marketing channels.
ACQ_REFERRAL = 4
ACQ_INITIAL = 5

#: Codes of ``churn_cause`` / ``risk_cause`` (hidden truth: why a relationship was endangered).
CAUSES: tuple[str, ...] = ("none", "service", "competitor", "price", "disengagement", "dropout")


class Population:
    """All people in the market, one row each."""

    def __init__(self, capacity: int, degree: int) -> None:
        self.n = 0
        self.degree = degree
        self._buf: dict[str, np.ndarray] = {}
        self._alloc(max(capacity, 16))

    # ------------------------------------------------------------------ storage
    def _alloc(self, capacity: int) -> None:
        old = self._buf
        self._buf = {}
        for name, (dtype, fill) in FIELDS.items():
            # zeros come untouched from the allocator: spare capacity takes no memory until people arrive
            buf = np.zeros(capacity, dtype=dtype) if fill == 0 else np.full(capacity, fill, dtype=dtype)
            if name in old:
                buf[: self.n] = old[name][: self.n]
            self._buf[name] = buf
        fbuf = np.zeros((capacity, self.degree), dtype=np.int32)
        if "friends" in old:
            fbuf[: self.n] = old["friends"][: self.n]
        self._buf["friends"] = fbuf
        self.capacity = capacity
        self._reslice()

    def _reslice(self) -> None:
        for name, buf in self._buf.items():
            setattr(self, name, buf[: self.n])

    def __getstate__(self) -> dict[str, Any]:
        return {"n": self.n, "degree": self.degree, "capacity": self.capacity, "_buf": self._buf}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reslice()

    def grow(self, k: int) -> slice:
        """Append ``k`` rows (filled with defaults) and return their slice."""
        start = self.n
        if start + k > self.capacity:
            self._alloc(max(int(self.capacity * 1.5), start + k))
        self.n = start + k
        self._reslice()
        return slice(start, self.n)

    def nbytes(self) -> int:
        """Memory held by the population's buffers."""
        return sum(b.nbytes for b in self._buf.values())


def add_people(pop: Population, k: int, world: World, rng: np.random.Generator, week: int) -> slice:
    """Bring ``k`` new prospects into the market, drawing their traits once.

    Traits are drawn from the population stream only, and the number of newcomers never depends
    on a policy, so every policy faces the same people.
    """
    rows = pop.grow(k)
    if k == 0:
        return rows
    t = world.traits
    pop.entered_week[rows] = week
    base = np.clip(rng.normal(t.satisfaction_mean, t.satisfaction_sd, k), 0.02, 0.98).astype(np.float32)
    pop.baseline[rows] = base
    pop.satisfaction[rows] = base
    pop.trust[rows] = base
    pop.purchase_rate[rows] = rng.gamma(t.purchase_rate_shape, t.purchase_rate_mean / t.purchase_rate_shape, k)
    tier_u = rng.random(k)
    tier = np.where(tier_u < t.key_account_share, 2, np.where(tier_u < t.key_account_share + t.business_share, 1, 0))
    pop.tier[rows] = tier
    mult = np.array([1.0, t.business_spend_multiplier, t.key_account_spend_multiplier])[tier]
    pop.spend_mean[rows] = rng.gamma(t.spend_shape, t.spend_mean / t.spend_shape, k) * mult
    pop.potential[rows] = np.exp(rng.normal(0.0, t.potential_sd, k) - t.potential_sd**2 / 2)
    pop.responsiveness[rows] = rng.beta(2.0, 2.0 * (1 - t.responsiveness_mean) / max(t.responsiveness_mean, 1e-6), k)
    pop.sleeping_dog[rows] = rng.random(k) < t.sleeping_dog_share
    pop.patience[rows] = rng.gamma(2.0, t.patience_minutes / 2.0, k)
    pop.preferred_channel[rows] = rng.integers(0, len(CONTACT_CHANNELS), k)
    dislike = rng.integers(0, len(CONTACT_CHANNELS), k)
    pop.disliked_channel[rows] = np.where(rng.random(k) < t.channel_dislike_share, dislike, -1)
    u_consent = rng.random((len(CONTACT_CHANNELS), k))
    channel_codes = np.arange(len(CONTACT_CHANNELS))[:, None]
    p_consent = np.where(pop.disliked_channel[rows][None, :] == channel_codes, DISLIKED_CONSENT, t.channel_consent_share)
    pop.consent[rows] = ((u_consent < p_consent) << channel_codes).sum(axis=0).astype(np.int8)
    pop.service_channel[rows] = rng.choice(len(SERVICE_CHANNELS), size=k,
                                           p=[world.service.channel_shares[c] for c in SERVICE_CHANNELS])
    pop.uplift_noise[rows] = rng.standard_normal(k)
    c = world.community
    contributor = rng.random(k) < c.contributor_share
    # Pareto rates: a few contributors post most ideas (participation is uneven).
    pop.idea_rate[rows] = np.where(contributor, np.minimum(c.idea_rate * (rng.pareto(1.5, k) + 1) / 3, 1.0), 0.0)
    ct = world.contracts
    kind = rng.choice(3, size=k, p=[ct.month_to_month_share, ct.one_year_share, ct.two_year_share] if ct.enabled else [1, 0, 0])
    pop.contract[rows] = np.where(ct.enabled, kind + 1, 0)
    pop.monthly_fee[rows] = np.where(ct.enabled, rng.gamma(4.0, ct.monthly_fee_mean / 4.0, k) * mult, 0.0)
    b = world.btyd
    if b.enabled:
        pop.purchase_rate[rows] = rng.gamma(b.r, 1.0 / b.alpha, k)
        pop.dropout_p[rows] = rng.beta(b.a, b.b, k)
    # word-of-mouth network: newcomers know some people, and some people come to know them
    if pop.degree:
        pop.friends[rows] = rng.integers(0, max(rows.stop, 1), (k, pop.degree))
        if rows.start > 0:
            knowers = rng.integers(0, rows.start, k * pop.degree)
            slots = rng.integers(0, pop.degree, k * pop.degree)
            pop.friends[knowers, slots] = np.repeat(np.arange(rows.start, rows.stop, dtype=np.int32), pop.degree)
    return rows
