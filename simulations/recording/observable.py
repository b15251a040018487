"""The observable writer: the only code that builds student-facing tables.

Why separate from truth: students must see what a firm's CRM systems would record (orders,
contacts, tickets, survey answers, identities) and nothing of the hidden state that produced it.
Observation happens in two places, both here: weekly hooks that must look at the hidden state of
that week (survey non-response and scores depend on latent satisfaction; voters are members of
that week), drawing from the model's ``recording`` stream; and builders that turn the recorder's
buffers into tables, chunk by chunk, with their own seeded generators (never global state).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from faker import Faker

from simulations.config import ACQUISITION_CHANNELS, CONTACT_CHANNELS, CONTRACT_TYPES, SERVICE_CHANNELS, TIERS
from simulations.mechanisms.community import IDEA_CATEGORIES
from simulations.mechanisms.marketing import CAMPAIGN_TYPES
from simulations.mechanisms.service import REASONS
from simulations.recording import chinese
from simulations.recording.dictionary import TABLES
from simulations.recording.recorder import Recorder
from simulations.stages import ACTIVE_STAGES
from simulations.weeklog import WeekLog

if TYPE_CHECKING:
    from simulations.recording.contracts import ContractHistory

LOCALES: tuple[str, ...] = ("en_US", "zh_CN")
CHUNK_ROWS = 250_000
NPS_EVERY_WEEKS = 13
NPS_INVITE_SHARE = 0.04
CSAT_SURVEY_SHARE = 0.6
RETAIL_CATEGORIES = ("grocery", "fashion", "electronics", "home", "beauty", "sports", "toys", "books")
TELECOM_CATEGORIES = ("data add-on", "device", "accessories", "roaming", "streaming", "insurance", "cloud", "international")
SALES_CHANNELS = ("web", "app", "store", "phone")
LOYALTY_TIERS = ("basic", "silver", "gold")
ACQ_NAMES = (*ACQUISITION_CHANNELS, "referral", "initial_base")
#: Largest delay in days between a ticket and its CSAT invitation (sent the same day or a few days later).
CSAT_DELAY_DAYS = 3
# purposes of the write-time generators (children of the dataset seed)
P_IDENTITY, P_ORDERS, P_CONTACTS, P_TICKETS, P_LOYALTY, P_IDEAS, P_DIRTY, P_SURVEYS, P_SIGNUP, P_CONTRACTS = range(10)


def generator(seed: int, purpose: int) -> np.random.Generator:
    """A generator for one write-time purpose, derived from the dataset seed (never global state)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=(0x0B5, purpose))))


def ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Formatted ids such as ``C0000123`` for an integer array (vectorised)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.size == 0:
        return np.empty(0, dtype=np.str_)
    digits = np.strings.zfill(numbers.astype(np.str_), width)
    return np.strings.add(prefix, digits)


def customer_width(n: int) -> int:
    """Digits of customer ids: at least 7 (``C0000123``), more for huge populations."""
    return max(7, len(str(n)))


# ---------------------------------------------------------------------------------- weekly hooks
def observe_week(model: object, log: WeekLog, rec: Recorder) -> None:
    """Draw this week's observations that depend on the hidden state of this week.

    CSAT after tickets: answered tickets are surveyed; whether a customer answers, and what, depends
    on latent satisfaction and on how the contact went. NPS: a quarterly relationship survey of a
    random share of active customers; happier customers answer more often (non-response bias).
    Voters: members active this week. Every week draws the same number of values per person.
    """
    pop, rng, week = model.population, rec.rng, log.week
    sat = pop.satisfaction
    t = log.tables.get("tickets")
    if t is not None:
        c = t["customer"]
        k = c.size
        u_survey, u_resp, z = rng.random(k), rng.random(k), rng.standard_normal(k)
        surveyed = ~t["abandoned"] & (u_survey < CSAT_SURVEY_SHARE)
        s = sat[c].astype(np.float64)
        p_resp = np.clip(0.15 + 0.35 * (1.0 - s) + 0.15 * t["complaint"], 0.0, 1.0)
        responded = surveyed & (u_resp < p_resp)
        quality = np.where(t["first_contact_resolution"], 1.0, np.where(t["resolved"], 0.6, 0.0)) - 0.4 * t["complaint"]
        score = np.clip(np.rint(1.0 + 4.0 * (0.55 * s + 0.45 * np.clip(quality, 0, 1)) + 0.6 * z), 1, 5).astype(np.int8)
        rec.add("csat", week, surveyed=surveyed, responded=responded, score=score)
    n = pop.n
    u_invite, u_resp, z = rng.random(n), rng.random(n), rng.standard_normal(n)
    if week % NPS_EVERY_WEEKS == 0:
        # customers of this very week have no relationship to rate yet: only earlier signups are invited
        active = np.isin(pop.stage, ACTIVE_STAGES) & (pop.signup_week < week)
        invited = np.flatnonzero(active & (u_invite < NPS_INVITE_SHARE))
        s = sat[invited].astype(np.float64)
        responded = u_resp[invited] < np.clip(0.04 + 0.4 * s, 0.0, 1.0)
        score = np.clip(np.rint(11.0 * s - 0.5 + 1.3 * z[invited]), 0, 10).astype(np.int8)
        rec.add("nps", week, customer=invited.astype(np.int32), responded=responded, score=score)
    ideas = log.tables.get("ideas")
    if ideas is not None and ideas["votes"].size:
        members = np.flatnonzero(pop.community_member & np.isin(pop.stage, ACTIVE_STAGES))
        votes = ideas["votes"].astype(np.int64)
        first = rec.rows("ideas") - votes.size
        idea_row = np.repeat(np.arange(first, first + votes.size), votes)
        voter = members[rng.integers(0, max(members.size, 1), idea_row.size)] if members.size else idea_row[:0]
        rec.add("votes", week, idea_row=idea_row[: voter.size], voter=voter.astype(np.int32))


# ---------------------------------------------------------------------------------- the builders
@dataclass
class Context:
    """What every builder needs: dates, id widths, the seed, and the customers of the dataset.

    Events are simulated by the week, but records carry days. Each person gets one signup day
    within the signup week, drawn once from the dataset seed (``signup_offset``), and every builder
    dates events through :meth:`event_day` or :meth:`not_before_signup`, so nothing in the signup
    week is dated before the signup day.
    """

    start: dt.date
    weeks: int
    seed: int
    n_people: int
    customers: np.ndarray  # population rows that are customers in the dataset (ever signed up)
    contracts: bool
    categories: int
    signup_week: np.ndarray  # signup week of every population row (the engine's, -1 for prospects)
    signup_offset: np.ndarray = dataclasses.field(init=False)  # day (0-6) of the signup within the signup week, per row

    def __post_init__(self) -> None:
        self.signup_offset = generator(self.seed, P_SIGNUP).integers(0, 7, self.n_people)

    @property
    def width(self) -> int:
        """Digits of customer ids."""
        return customer_width(self.n_people)

    def cid(self, rows: np.ndarray) -> np.ndarray:
        """Customer ids of population rows."""
        return ids("C", np.asarray(rows) + 1, self.width)

    def day(self, week: np.ndarray, offset: np.ndarray | int = 0) -> np.ndarray:
        """Calendar day of a day ``offset`` (0-6) within simulated week ``week`` (1 = first week)."""
        base = np.datetime64(self.start, "D")
        return base + (7 * (np.asarray(week, dtype=np.int64) - 1) + np.asarray(offset, dtype=np.int64)).astype("timedelta64[D]")

    def first_offset(self, week: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Earliest day (0-6) an event of population ``rows`` may have in ``week``: the signup day in the signup week."""
        rows = np.asarray(rows, dtype=np.int64)
        return np.where(np.asarray(week) == self.signup_week[rows], self.signup_offset[rows], 0)

    def signup_day(self, rows: np.ndarray) -> np.ndarray:
        """Signup day of population ``rows`` (as the engine knows it)."""
        rows = np.asarray(rows, dtype=np.int64)
        return self.day(self.signup_week[rows], self.signup_offset[rows])

    def event_day(self, week: np.ndarray, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A random day in ``week`` for events of ``rows``, never before the signup day (one draw per event)."""
        return self.day(week, rng.integers(self.first_offset(week, rows), 7))

    def not_before_signup(self, week: np.ndarray, rows: np.ndarray, offset: np.ndarray | int) -> np.ndarray:
        """Day ``offset`` of ``week``, moved to the signup day if that is later (fixed-day events such as mailings)."""
        return self.day(week, np.maximum(offset, self.first_offset(week, rows)))


def arrow(name: str, data: dict[str, object]) -> pa.Table:
    """Cast columns to the declared schema of table ``name`` (and check the declaration is met)."""
    schema = TABLES[name].schema()
    if list(data) != schema.names:
        raise RuntimeError(f"{name}: built columns {list(data)} differ from the declaration {schema.names}")
    arrays = []
    for field in schema:
        value = data[field.name]
        if isinstance(value, np.ndarray) and value.dtype.kind == "M" and field.type == pa.date32():
            value = value.astype("datetime64[D]")
        arrays.append(pa.array(value, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def _nullable(values: np.ndarray, mask: np.ndarray) -> pa.Array:
    return pa.array(values, mask=~np.asarray(mask, dtype=bool))


@dataclass
class Identities:
    """Names, phones and e-mails of the customers (shared with the dirty source systems)."""

    first: np.ndarray
    last: np.ndarray
    name: np.ndarray
    phone_digits: np.ndarray
    phone: np.ndarray
    email: np.ndarray
    city: np.ndarray
    gender: np.ndarray
    area_code: np.ndarray | None = None  # zh_CN: telephone area code of the city (dirty copies use it)
    landline: np.ndarray | None = None  # zh_CN: the phone is a landline (area code + local number)


def identities(k: int, locale: str, seed: int) -> Identities:
    """Faker identities for ``k`` customers, vectorised from pools.

    Faker is slow per call (tens of microseconds), so a seeded instance draws pools of first names,
    last names, cities and e-mail domains once, and numpy combines them per customer: a million
    identities take seconds, and the same seed gives the same people. Chinese identities come from
    :mod:`simulations.recording.chinese` instead (real cities, pinyin e-mails, domestic formats).
    """
    rng = generator(seed, P_IDENTITY)
    if locale == "zh_CN":
        zh = chinese.chinese_identities(k, rng)
        return Identities(zh.first, zh.last, np.strings.add(zh.last, zh.first), zh.phone_digits, zh.phone, zh.email,
                          zh.city, zh.gender, zh.area_code, zh.landline)
    fake = Faker(locale)
    fake.seed_instance(int(np.random.SeedSequence(entropy=seed, spawn_key=(0x0B5, 99)).generate_state(1)[0]))
    pool = 600
    female = np.array([fake.first_name_female() for _ in range(pool)])
    male = np.array([fake.first_name_male() for _ in range(pool)])
    lasts = np.array([fake.last_name() for _ in range(pool)])
    cities = np.array([fake.city() for _ in range(300)])
    domains = np.array(sorted({fake.free_email_domain() for _ in range(40)}))
    gender = np.where(rng.random(k) < 0.5, "female", "male")
    fi = rng.integers(0, pool, k)
    first = np.where(gender == "female", female[fi], male[fi])
    last = lasts[rng.integers(0, pool, k)]
    name = np.strings.add(np.strings.add(first, " "), last)
    local = np.strings.add(np.strings.add(np.strings.lower(first), "."), np.strings.lower(last))
    local = np.strings.replace(np.strings.replace(local, " ", ""), "'", "")
    local = np.where(rng.random(k) < 0.5, np.strings.add(local, rng.integers(1, 99, k).astype(np.str_)), local)
    digits = np.strings.add(rng.integers(201, 990, k).astype(np.str_), np.strings.zfill(
        rng.integers(0, 10**7, k).astype(np.str_), 7))
    phone = np.strings.add("+1 ", np.strings.add(np.strings.add(np.strings.slice(digits, 0, 3), "-"), np.strings.add(
        np.strings.add(np.strings.slice(digits, 3, 6), "-"), np.strings.slice(digits, 6, 10))))
    email = np.strings.add(np.strings.add(local, "@"), domains[rng.integers(0, domains.size, k)])
    city = cities[rng.integers(0, cities.size, k)]
    return Identities(first, last, name, digits, phone, email, city, gender)


def regions_for(cities: np.ndarray, locale: str, seed: int) -> np.ndarray:
    """A state/province per city (each city name always in the same region).

    Chinese cities come from the packaged table, so each gets its true province; Faker's US cities
    are invented, so a seeded draw of states stands in for a real lookup.
    """
    if locale == "zh_CN":
        return chinese.cities().province_of(np.asarray(cities))
    fake = Faker(locale)
    fake.seed_instance(int(np.random.SeedSequence(entropy=seed, spawn_key=(0x0B5, 98)).generate_state(1)[0]))
    regions = np.array([fake.state() for _ in range(40)])
    uniq, inverse = np.unique(cities, return_inverse=True)
    return regions[np.arange(uniq.size) % regions.size][inverse]


def first_week(rec: Recorder, kind: str, n: int) -> np.ndarray:
    """First week each population row appears in event ``kind`` (-1: never)."""
    c = rec.columns(kind, ("customer",))
    out = np.full(n, np.iinfo(np.int32).max, dtype=np.int64)
    np.minimum.at(out, c["customer"].astype(np.int64), c["week"].astype(np.int64))
    return np.where(out == np.iinfo(np.int32).max, -1, out)


def birth_years(signup: np.ndarray, min_age: int, rng: np.random.Generator) -> np.ndarray:
    """Stated birth years: age at signup about 42 +- 14, never below ``min_age`` whatever the birthday.

    Age is drawn at signup (not at the end of the data), so customers of the initial base who signed
    up years earlier were adults then too. Ages below the minimum are redrawn by reflection, which
    avoids a spike at the youngest age that clipping would make.
    """
    k = signup.size
    young = min_age + 1  # the birthday may come late in the signup year
    age = rng.normal(42.0, 14.0, k)
    age = np.where(age < young, 2 * young - age, age)
    age = np.clip(np.rint(age), young, max(90, young)).astype(np.int64)
    return signup.astype("datetime64[Y]").astype(np.int64) + 1970 - age


def build_customers(ctx: Context, pop: object, rec: Recorder, who: Identities, locale: str, min_age: int,
                    contracts: ContractHistory) -> pa.Table:
    """The customer master table, one row per customer of the dataset.

    The signup date is the engine's signup day, or the start of the first contract if that is
    earlier (an initial-base customer whose running fixed term began before the engine's tenure).
    Contract columns repeat the customer's latest contract term.
    """
    rows = ctx.customers
    rng = generator(ctx.seed, P_IDENTITY + 100)
    first = contracts.first_start(rows)
    signup = ctx.signup_day(rows)
    signup = np.where(np.isnat(first), signup, np.minimum(signup, first))
    birth = birth_years(signup, min_age, rng)
    acq = pop.acquisition_channel[rows]
    ref = pop.referred_by[rows]
    contract, c_start, c_end = contracts.latest(rows)
    consent = [(pop.consent[rows] >> CONTACT_CHANNELS.index(ch)) & 1 == 1 for ch in ("email", "phone", "sms", "app")]
    loyal = first_week(rec, "loyalty_joins", pop.n)[rows]
    community = first_week(rec, "community_joins", pop.n)[rows]
    return arrow("customers", {
        "customer_id": ctx.cid(rows),
        "name": who.name, "gender": who.gender, "birth_year": birth, "city": who.city,
        "region": regions_for(who.city, locale, ctx.seed), "phone": who.phone, "email": who.email,
        "signup_date": signup,
        "acquisition_channel": np.array(ACQ_NAMES)[np.clip(acq, 0, len(ACQ_NAMES) - 1)],
        "referred_by": _nullable(ctx.cid(np.maximum(ref, 0)), ref >= 0),
        "tier": np.array(TIERS)[pop.tier[rows]],
        "contract_type": np.array(CONTRACT_TYPES)[contract],
        "contract_start": c_start, "contract_end": c_end,
        "preferred_channel": np.array(CONTACT_CHANNELS)[pop.preferred_channel[rows]],
        "email_consent": consent[0], "phone_consent": consent[1], "sms_consent": consent[2],
        "app_consent": consent[3],
        "loyalty_join_date": _nullable(ctx.not_before_signup(np.maximum(loyal, 1), rows, 0), loyal >= 0),
        "community_join_date": _nullable(ctx.not_before_signup(np.maximum(community, 1), rows, 3), community >= 0),
    })


@dataclass
class Redemptions:
    """Offers used on orders, keyed by (customer, week of the contact, campaign type): the responses.

    Filled by :func:`build_orders` and read by :func:`build_contacts`, so a contact's ``responded``
    and ``response_date`` are the order that used its offer, never a separate flag.
    """

    keys: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0, np.int64))
    day: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0, "datetime64[D]"))
    discount: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0))

    @staticmethod
    def key(customer: np.ndarray, offer_week: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """One integer per (customer, contact week, campaign type)."""
        return (np.asarray(customer, np.int64) * 8 + np.asarray(kind, np.int64)) * 100_000 + np.asarray(offer_week, np.int64)

    def add(self, keys: np.ndarray, day: np.ndarray, discount: np.ndarray) -> None:
        """Append the redeeming orders of one chunk."""
        self.keys = np.concatenate([self.keys, keys])
        self.day = np.concatenate([self.day, day.astype("datetime64[D]")])
        self.discount = np.concatenate([self.discount, discount])

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(found, first response day, total discount) for each key."""
        order = np.lexsort((self.day, self.keys))
        k, d = self.keys[order], self.day[order]
        uniq, first = np.unique(k, return_index=True)
        total = (np.bincount(np.searchsorted(uniq, k), weights=self.discount[order], minlength=uniq.size) if k.size
                 else np.empty(0))
        pos = np.clip(np.searchsorted(uniq, keys), 0, max(uniq.size - 1, 0))
        found = (uniq[pos] == keys) if uniq.size else np.zeros(keys.size, bool)
        day = d[first][pos] if uniq.size else np.full(keys.size, np.datetime64("NaT"), "datetime64[D]")
        return found, day, np.where(found, total[pos] if uniq.size else 0.0, 0.0)


def build_orders(ctx: Context, rec: Recorder, camp: Campaigns, redemptions: Redemptions) -> Iterator[pa.Table]:
    """Orders, split from each customer-week's order count and spend, in chunks.

    A customer-week that used an offer carries its discount on its first order lines (up to their
    amounts) and the offer's ``campaign_id``; an accepted cross-sell's first line is in the newly
    opened category. Redeeming orders are noted in ``redemptions`` for the contacts table.
    """
    o = rec.columns("orders", ("customer", "orders", "amount", "categories", "campaign", "offer_week", "discount",
                               "new_category"))
    rng = generator(ctx.seed, P_ORDERS)
    names = np.array((TELECOM_CATEGORIES if ctx.contracts else RETAIL_CATEGORIES)[: ctx.categories])
    next_id = 0
    for lo in range(0, max(o["week"].size, 1), CHUNK_ROWS):
        sl = slice(lo, lo + CHUNK_ROWS)
        week, cust, count = o["week"][sl], o["customer"][sl].astype(np.int64), o["orders"][sl].astype(np.int64)
        spend, cats = o["amount"][sl].astype(np.float64), np.maximum(o["categories"][sl].astype(np.int64), 1)
        kind, disc_row = o["campaign"][sl].astype(np.int64), o["discount"][sl].astype(np.float64)
        grp = np.repeat(np.arange(week.size), count)
        m = grp.size
        w = rng.gamma(2.0, 1.0, m)
        share = w / np.bincount(grp, weights=w, minlength=week.size)[grp]
        amount = np.round(spend[grp] * share, 2)
        first_of = np.r_[True, grp[1:] != grp[:-1]] if m else np.zeros(0, bool)
        before = np.cumsum(amount) - amount
        before = before - (before[np.flatnonzero(first_of)][np.cumsum(first_of) - 1] if m else 0.0)
        discount = np.round(np.clip(disc_row[grp] - before, 0.0, amount), 2)
        pick = rng.integers(0, 1 << 20, m) % cats[grp]
        pick = np.where(first_of & o["new_category"][sl].astype(bool)[grp], cats[grp] - 1, pick)
        category = names[((cust[grp] * 40503) % names.size + pick) % names.size]
        ts = (ctx.event_day(week[grp], cust[grp], rng).astype("datetime64[s]")
              + rng.integers(8 * 3600, 22 * 3600, m).astype("timedelta64[s]"))
        used = kind[grp] >= 0
        wave = camp.wave(o["offer_week"][sl].astype(np.int64)[grp][used], kind[grp][used])
        campaign = np.full(m, "", dtype=object)
        campaign[used] = wave
        redemptions.add(Redemptions.key(cust[grp][used], o["offer_week"][sl][grp][used], kind[grp][used]),
                        ts[used], discount[used])
        yield arrow("orders", {
            "order_id": ids("O", np.arange(next_id, next_id + m) + 1, 9),
            "customer_id": ctx.cid(cust[grp]), "order_ts": ts, "category": category,
            "quantity": 1 + rng.poisson(0.5, m), "amount": np.round(amount - discount, 2), "discount": discount,
            "campaign_id": _nullable(campaign.astype(str), used),
            "channel": np.array(SALES_CHANNELS)[rng.choice(4, m, p=[0.45, 0.25, 0.25, 0.05])],
        })
        next_id += m


@dataclass
class Campaigns:
    """The campaign table and, for each contact row, its campaign number."""

    table: pa.Table
    contact_campaign: np.ndarray
    wave_ids: np.ndarray  # campaign_id of each (week, campaign type) wave, in the order of wave_keys
    wave_keys: np.ndarray  # week * 8 + campaign type of each wave, sorted

    def wave(self, week: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """campaign_id of the waves of (contact week, campaign type) pairs."""
        key = np.asarray(week, np.int64) * 8 + np.asarray(kind, np.int64)
        pos = np.searchsorted(self.wave_keys, key)
        if key.size and (pos.max() >= self.wave_keys.size or (self.wave_keys[pos] != key).any()):
            raise RuntimeError("an order used an offer from a campaign wave with no contacts")
        return self.wave_ids[pos]


def build_campaigns(ctx: Context, rec: Recorder, policies: object, size_scale: float = 1.0) -> Campaigns:
    """Stage-campaign waves (one per week and type) and quarterly acquisition campaigns."""
    c = rec.columns("contacts", ("customer", "campaign", "channel", "offer", "treated", "randomised"))
    wave_key = c["week"].astype(np.int64) * 8 + c["campaign"].astype(np.int64)
    waves, inverse = np.unique(wave_key, return_inverse=True)
    w_week, w_type = waves // 8, waves % 8
    treated = c["treated"].astype(bool)
    first_treated = np.full(waves.size, -1)
    np.maximum.at(first_treated, inverse[treated], np.flatnonzero(treated))
    any_row = np.zeros(waves.size, dtype=np.int64)
    np.maximum.at(any_row, inverse, np.arange(inverse.size))
    ref = np.where(first_treated >= 0, first_treated, any_row)
    control = np.bincount(inverse[c["randomised"].astype(bool)], minlength=waves.size) > 0  # randomised waves
    contacts = np.bincount(inverse[treated], minlength=waves.size)
    # what the firm spent at this market size (budgets are stated for the scenario's reference size)
    budget = {ch: float(policies.acquisition.budget.get(ch, 0.0)) * size_scale for ch in ACQUISITION_CHANNELS}
    quarters = np.arange(1, ctx.weeks + 1, 13)
    acq = [(q, ch) for q in quarters for ch in ACQUISITION_CHANNELS if budget[ch] > 0]
    a_week = np.array([q for q, _ in acq], dtype=np.int64)
    a_len = np.minimum(13, ctx.weeks - a_week + 1)
    start = np.concatenate([a_week, w_week])
    kind = np.concatenate([np.zeros(a_week.size, np.int64), w_type])
    order = np.lexsort((kind, start))
    number = np.empty(order.size, dtype=np.int64)
    number[order] = np.arange(order.size) + 1
    cid = ids("CMP", number, 5)
    window = np.array([1] + [getattr(policies.marketing, t).response_weeks for t in CAMPAIGN_TYPES[1:]])
    end = np.concatenate([ctx.day(a_week + a_len - 1, 6), ctx.day(w_week + window[w_type] - 1, 6)])
    table = arrow("campaigns", {
        "campaign_id": cid[order],
        "campaign_type": np.array(CAMPAIGN_TYPES)[kind][order],
        "channel": np.concatenate([np.array([ch for _, ch in acq], dtype=str).reshape(-1),
                                   np.array(CONTACT_CHANNELS)[c["channel"][ref].astype(np.int64)] if waves.size
                                   else np.empty(0, str)])[order],
        "start_date": ctx.day(start)[order], "end_date": end[order],
        "offer": np.concatenate([np.zeros(a_week.size), c["offer"][ref].astype(np.float64) if waves.size
                                 else np.empty(0)])[order].round(4),
        "is_experiment": np.concatenate([np.zeros(a_week.size, bool), control])[order],
        "budget": _nullable(np.concatenate([np.array([budget[ch] for _, ch in acq]) * a_len, np.zeros(waves.size)])[order],
                            np.concatenate([np.ones(a_week.size, bool), np.zeros(waves.size, bool)])[order]),
        "contacts": np.concatenate([np.zeros(a_week.size, np.int64), contacts])[order],
    })
    return Campaigns(table, cid[a_week.size:][inverse] if inverse.size else np.empty(0, str), cid[a_week.size:], waves)


def contact_ids(rec: Recorder) -> np.ndarray:
    """contact_id of every buffered contact row (shared with the truth writer)."""
    return ids("M", np.arange(rec.rows("contacts")) + 1, 9)


def build_contacts(ctx: Context, rec: Recorder, camp: Campaigns, contact_cost: dict[str, float],
                   redemptions: Redemptions) -> Iterator[pa.Table]:
    """Marketing contacts: one row per customer and wave, experiment controls included.

    ``responded`` is true when an order used the contact's offer within the campaign's response
    window; ``response_date`` is that order's day and ``cost`` adds the discount it used.
    """
    c = rec.columns("contacts", ("customer", "campaign", "channel", "offer", "treated", "randomised"))
    all_ids = contact_ids(rec)
    unit = np.array([contact_cost.get(ch, 0.0) for ch in CONTACT_CHANNELS])
    experiment = c["randomised"].astype(bool)  # the firm's own record of which waves it randomised
    for lo in range(0, max(c["week"].size, 1), CHUNK_ROWS):
        sl = slice(lo, lo + CHUNK_ROWS)
        week, treated = c["week"][sl], c["treated"][sl].astype(bool)
        channel = c["channel"][sl].astype(np.int64)
        found, day, used = redemptions.lookup(Redemptions.key(c["customer"][sl], week, c["campaign"][sl]))
        responded = found & treated
        contact_day = ctx.not_before_signup(week, c["customer"][sl], 0)
        yield arrow("marketing_contacts", {
            "contact_id": all_ids[sl], "campaign_id": camp.contact_campaign[sl],
            "customer_id": ctx.cid(c["customer"][sl]), "contact_date": contact_day,
            "channel": np.array(CONTACT_CHANNELS)[channel], "offer": c["offer"][sl].astype(np.float64).round(4),
            "cost": np.round(np.where(treated, unit[channel], 0.0) + np.where(responded, used, 0.0), 2),
            "assignment": np.where(experiment[sl], np.where(treated, "treatment", "control"), "targeted"),
            "responded": responded,
            "response_date": _nullable(day.astype("datetime64[D]"), responded),
        })


def ticket_days(ctx: Context, rec: Recorder) -> np.ndarray:
    """Day each buffered ticket was opened: shared by the tickets and their CSAT invitations."""
    t = rec.columns("tickets", ("customer",))
    return ctx.event_day(t["week"], t["customer"], generator(ctx.seed, P_TICKETS + 100))


def build_tickets(ctx: Context, rec: Recorder) -> Iterator[pa.Table]:
    """Service tickets with the CSAT answer of the follow-up survey where there is one."""
    t = rec.columns("tickets", ("customer", "channel", "reason", "wait_minutes", "abandoned", "resolved",
                                "first_contact_resolution", "handling_minutes", "complaint", "key_account_desk"))
    s = rec.columns("csat", ("surveyed", "responded", "score"))
    if s["week"].size != t["week"].size:
        raise RuntimeError("csat observations are not aligned with tickets")
    rng = generator(ctx.seed, P_TICKETS)
    days = ticket_days(ctx, rec)
    for lo in range(0, max(t["week"].size, 1), CHUNK_ROWS):
        sl = slice(lo, lo + CHUNK_ROWS)
        week = t["week"][sl]
        m = week.size
        ts = (days[sl].astype("datetime64[s]")
              + rng.integers(7 * 3600, 21 * 3600, m).astype("timedelta64[s]"))
        answered = s["responded"][sl].astype(bool)
        yield arrow("service_tickets", {
            "ticket_id": ids("T", np.arange(lo, lo + m) + 1, 9), "customer_id": ctx.cid(t["customer"][sl]),
            "opened_ts": ts, "channel": np.array(SERVICE_CHANNELS)[t["channel"][sl].astype(np.int64)],
            "reason": np.array(REASONS)[t["reason"][sl].astype(np.int64)],
            "wait_minutes": np.round(t["wait_minutes"][sl].astype(np.float64), 2), "abandoned": t["abandoned"][sl],
            "resolved": t["resolved"][sl], "first_contact_resolution": t["first_contact_resolution"][sl],
            "handling_minutes": np.round(t["handling_minutes"][sl].astype(np.float64), 2),
            "complaint": t["complaint"][sl], "key_account_desk": t["key_account_desk"][sl],
            "csat": _nullable(s["score"][sl].astype(np.int64), answered),
        })


def build_surveys(ctx: Context, rec: Recorder) -> pa.Table:
    """Survey invitations: quarterly NPS and CSAT after tickets, answered or not.

    A CSAT invitation goes out on the day of its ticket or up to ``CSAT_DELAY_DAYS`` later; NPS
    invitations go out on the first day of the survey week (to customers who signed up earlier).
    """
    nps = rec.columns("nps", ("customer", "responded", "score"))
    s = rec.columns("csat", ("surveyed", "responded", "score"))
    t = rec.columns("tickets", ("customer",))
    rows = np.flatnonzero(s["surveyed"].astype(bool)) if s["week"].size else np.empty(0, np.int64)
    week = np.concatenate([nps["week"], t["week"][rows] if rows.size else np.empty(0)]).astype(np.int64)
    cust = np.concatenate([nps["customer"], t["customer"][rows] if rows.size else np.empty(0)]).astype(np.int64)
    kind = np.concatenate([np.full(nps["week"].size, "nps"), np.full(rows.size, "csat")])
    responded = np.concatenate([nps["responded"], s["responded"][rows] if rows.size else np.empty(0)]).astype(bool)
    score = np.concatenate([nps["score"], s["score"][rows] if rows.size else np.empty(0)]).astype(np.int64)
    ticket = np.concatenate([np.full(nps["week"].size, ""), ids("T", rows + 1, 9)])
    rng = generator(ctx.seed, P_SURVEYS)
    opened = ticket_days(ctx, rec)[rows] if rows.size else np.empty(0, "datetime64[D]")
    delay = rng.integers(0, CSAT_DELAY_DAYS + 1, rows.size).astype("timedelta64[D]")
    date = np.concatenate([ctx.not_before_signup(nps["week"], nps["customer"], 0), opened + delay]).astype("datetime64[D]")
    order = np.argsort(date, kind="stable")
    return arrow("surveys", {
        "survey_id": ids("S", np.arange(week.size) + 1, 8), "customer_id": ctx.cid(cust[order]),
        "survey_date": date[order], "kind": kind[order],
        "score": _nullable(score[order], responded[order]), "responded": responded[order],
        "ticket_id": _nullable(ticket[order], (kind == "csat")[order]),
    })


_IDEA_WORDS = {
    "product": (("Add", "Improve", "Offer", "Bring back"), ("a family size", "recyclable packaging", "a lighter model",
                                                          "more colours", "a starter kit")),
    "service": (("Extend", "Speed up", "Simplify", "Add"), ("opening hours", "returns", "callback booking",
                                                          "live chat", "delivery slots")),
    "pricing": (("Introduce", "Lower", "Reward", "Bundle"), ("student prices", "shipping fees", "loyal customers",
                                                           "family plans", "annual billing")),
    "app": (("Add", "Fix", "Redesign", "Show"), ("order tracking", "dark mode", "the checkout", "stock levels",
                                               "a points balance")),
    "sustainability": (("Use", "Offer", "Reduce", "Start"), ("refill stations", "plastic", "repair service",
                                                           "take-back scheme", "local suppliers")),
}


def build_ideas(ctx: Context, rec: Recorder) -> tuple[pa.Table, pa.Table]:
    """Community ideas (quality stays hidden) and one row per vote."""
    i = rec.columns("ideas", ("author", "category", "votes", "responded", "adopted", "reward"))
    rng = generator(ctx.seed, P_IDEAS)
    k = i["week"].size
    cat = i["category"].astype(np.int64)
    verbs = np.array([_IDEA_WORDS[c][0] for c in IDEA_CATEGORIES])
    objs = np.array([_IDEA_WORDS[c][1] for c in IDEA_CATEGORIES])
    title = np.strings.add(np.strings.add(verbs[cat, rng.integers(0, 4, k)], " "), objs[cat, rng.integers(0, 5, k)])
    adopted, responded = i["adopted"].astype(bool), i["responded"].astype(bool)
    idea_ids = ids("I", np.arange(k) + 1, 7)
    ideas = arrow("community_ideas", {
        "idea_id": idea_ids, "author_id": ctx.cid(i["author"]), "posted_date": ctx.event_day(i["week"], i["author"], rng),
        "category": np.array(IDEA_CATEGORIES)[cat], "title": title, "votes": i["votes"].astype(np.int64),
        "status": np.where(adopted, "adopted", np.where(responded, "answered", "open")), "firm_response": responded,
        "reward": i["reward"].astype(np.float64),
    })
    v = rec.columns("votes", ("idea_row", "voter"))
    m = v["week"].size
    votes = arrow("community_votes", {
        "vote_id": ids("V", np.arange(m) + 1, 8), "idea_id": idea_ids[v["idea_row"].astype(np.int64)] if m else
        np.empty(0, str), "voter_id": ctx.cid(v["voter"]), "vote_date": ctx.day(v["week"], 6),
    })
    return ideas, votes


def build_loyalty(ctx: Context, rec: Recorder) -> Iterator[pa.Table]:
    """The points ledger: earn, redeem and tier-change entries."""
    lo_ = rec.columns("loyalty", ("customer", "earned", "redeemed", "tier_before", "tier_after"))
    tiers = np.array(LOYALTY_TIERS)
    next_id = 0
    for lo in range(0, max(lo_["week"].size, 1), CHUNK_ROWS):
        sl = slice(lo, lo + CHUNK_ROWS)
        week, cust = lo_["week"][sl], lo_["customer"][sl]
        earned, redeemed = lo_["earned"][sl].astype(np.float64), lo_["redeemed"][sl].astype(np.float64)
        before, after = lo_["tier_before"][sl].astype(np.int64), lo_["tier_after"][sl].astype(np.int64)
        flags = np.stack([earned > 0, redeemed > 0, before != after], axis=1)
        src, kind = np.nonzero(flags)
        m = src.size
        points = np.select([kind == 0, kind == 1], [earned[src], -redeemed[src]], 0.0)
        yield arrow("loyalty_ledger", {
            "entry_id": ids("L", np.arange(next_id, next_id + m) + 1, 9), "customer_id": ctx.cid(cust[src]),
            "entry_date": ctx.day(week[src], 6), "kind": np.array(["earn", "redeem", "tier_change"])[kind],
            "points": np.round(points, 2), "tier": tiers[after[src]],
        })
        next_id += m
