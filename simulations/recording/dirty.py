"""The dirty variant: one person, several source systems, no shared key (docs/COURSE.md §3, 盐城铁通).

Why: the telecom case lost customers because records were scattered across systems and never
matched. Here billing, service and marketing each keep their own records of the same customers,
under their own ids, with duplicates, inconsistent name/phone/e-mail formats, typos and missing
fields; a crosswalk links only part of the records. Students must deduplicate; the complete
mapping goes to the answer keys. Everything is vectorised over records (a million customers).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from simulations.recording import chinese
from simulations.recording.observable import P_DIRTY, Context, Identities, _nullable, arrow, generator
from simulations.recording.recorder import Recorder

#: (system, table, share of the customers it knows that it holds, duplicate rate, crosswalk coverage)
SYSTEMS: tuple[tuple[str, str, float, float, float], ...] = (
    ("billing", "billing_accounts", 1.0, 0.12, 0.7),
    ("service", "service_contacts", 0.6, 0.25, 0.4),
    ("marketing", "marketing_leads", 1.0, 0.2, 0.25),
)
LEAD_SOURCES = ("web form", "event", "purchased list", "referral", "store sign-up")
#: share of customers who give their household's shared phone (a landline) instead of one of their own
HOUSEHOLD_SHARE = 0.12
#: acquisition channels whose customers came in as marketing leads (others are in the lead system only sometimes)
LEAD_CHANNELS = ("search", "social", "direct_mail")
LEAD_SHARE_OTHERS = 0.15
P_HOUSEHOLD = 206  # generator purpose of the household draws (apart from the other dirty draws)


def share_household_phones(who: Identities, seed: int) -> Identities:
    """Households: some customers live with another customer and give the household's phone and town.

    Why: in real records a landline is shared by a household, so a phone is not a person. A join of
    source records to customers on the phone then matches several customers (and counts a record
    once per match), and counting distinct phones undercounts people. The customer master and every
    source-system copy carry the shared phone. Drawn from a generator of its own, so that the other
    identity and dirty-data draws stay as they were.
    """
    k = who.phone_digits.size
    if k < 2:
        return who
    rng = generator(seed, P_HOUSEHOLD)
    joiner = rng.random(k) < HOUSEHOLD_SHARE
    heads = np.flatnonzero(~joiner)
    if heads.size == 0 or not joiner.any():
        return who
    head = np.arange(k)
    head[joiner] = heads[rng.integers(0, heads.size, int(joiner.sum()))]
    fields = {"phone_digits": who.phone_digits[head], "phone": who.phone[head], "city": who.city[head]}
    if who.area_code is not None:
        fields["area_code"] = who.area_code[head]
    if who.landline is not None:
        fields["landline"] = who.landline[head]
    return replace(who, **fields)


def presence(ctx: Context, rec: Recorder, channel: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Which customers each source system can know (one flag per customer row of the dataset).

    Billing opens an account at the first bill (a first order, or a contract); the service system
    knows customers who contacted service; the marketing lead system holds those who came in through
    a marketing channel (``channel``: each customer's acquisition channel) and some of the others
    (later sign-ups to offers). So a customer who never ordered, never contacted service and never
    answered marketing is in none of them, and the number of people in the source systems is not
    simply the size of the customer table.
    """
    def seen(kind: str, count: str | None = None) -> np.ndarray:
        c = rec.columns(kind, ("customer",) + ((count,) if count else ()))
        who = c["customer"].astype(np.int64)
        if count:
            who = who[c[count] > 0]
        flag = np.zeros(ctx.n_people, bool)
        flag[who] = True
        return flag[ctx.customers]

    lead = np.isin(np.asarray(channel).astype(str), LEAD_CHANNELS) | (rng.random(ctx.customers.size) < LEAD_SHARE_OTHERS)
    billing = np.ones(ctx.customers.size, bool) if ctx.contracts else seen("orders", "orders")
    return {"billing": billing, "service": seen("tickets"), "marketing": lead}


def typo(values: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Swap two neighbouring characters where ``mask`` is set (works for any script)."""
    arr = np.asarray(values, dtype=np.str_)
    width = max(arr.dtype.itemsize // 4, 1)
    codes = arr.astype(f"U{width}").view(np.uint32).reshape(-1, width).copy()
    lens = np.strings.str_len(arr)
    idx = np.flatnonzero(mask & (lens >= 3))
    draws = rng.random(mask.size)
    if idx.size:
        p = (draws[idx] * (lens[idx] - 1)).astype(np.int64)
        first = codes[idx, p].copy()
        codes[idx, p] = codes[idx, p + 1]
        codes[idx, p + 1] = first
    return codes.view(f"U{width}").reshape(-1)


def phone_variants(digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same US numbers written four ways, picked at random per record (Chinese ones: :func:`chinese.phone_variants`)."""
    s = np.strings.slice
    a, b, c = s(digits, 0, 3), s(digits, 3, 6), s(digits, 6, 10)
    forms = [digits, np.strings.add(np.strings.add(np.strings.add("(", a), ") "), np.strings.add(np.strings.add(b, "-"), c)),
             np.strings.add(np.strings.add(np.strings.add(a, "."), np.strings.add(b, ".")), c),
             np.strings.add("+1", digits)]
    pick = rng.integers(0, len(forms), digits.size)
    return np.choose(pick, [np.asarray(f, dtype=object) for f in forms]).astype(np.str_)


@dataclass
class DirtyData:
    """Source-system tables, the partial crosswalk for students and the complete one for the keys."""

    tables: dict[str, pa.Table]
    crosswalk: pa.Table
    truth_crosswalk: pa.Table


def build_dirty(ctx: Context, who: Identities, signup: np.ndarray, locale: str,
                known: dict[str, np.ndarray] | None = None) -> DirtyData:
    """Scatter each customer over the source systems with duplicates, noise and gaps.

    ``known[system]`` flags the customers a system can know at all (see :func:`presence`; default:
    everyone); of those it holds the share given in :data:`SYSTEMS`.

    Chinese records get Chinese errors (homophone characters in names, Chinese phone and address
    habits, see :mod:`simulations.recording.chinese`), drawn from their own generator so that the
    English data stays exactly as before.
    """
    rng = generator(ctx.seed, P_DIRTY)
    zh = locale == "zh_CN"
    zh_rng = generator(ctx.seed, P_DIRTY + 100)
    k = ctx.customers.size
    tables: dict[str, pa.Table] = {}
    cw_sys, cw_src, cw_cust, cw_known = [], [], [], []
    for system, table, share, dup, coverage in SYSTEMS:
        present = np.flatnonzero((rng.random(k) < share) & (True if known is None else known[system]))
        copies = 1 + (rng.random(present.size) < dup) + (rng.random(present.size) < dup / 4)
        person = np.repeat(present, copies)
        m = person.size
        order = rng.permutation(m)  # source systems do not list people in our order
        person = person[order]
        src_ids = np.strings.add({"billing": "BA", "service": "SC", "marketing": "LD"}[system],
                                 np.strings.zfill(rng.choice(10**8, m, replace=False).astype(np.str_), 8))
        u = rng.random((6, m))
        first, last = who.first[person], who.last[person]
        if zh:
            first = chinese.homophone(first, u[0] < 0.06, zh_rng)
            last = chinese.homophone(last, u[1] < 0.05, zh_rng)
            phone = chinese.phone_variants(who.phone_digits[person], who.area_code[person], who.landline[person], zh_rng)
        else:
            first = typo(first, u[0] < 0.06, rng)
            last = typo(last, u[1] < 0.05, rng)
            phone = phone_variants(who.phone_digits[person], rng)
        email = who.email[person]
        email = np.where(u[2] < 0.15, np.strings.upper(email), email)
        email = typo(email, u[3] < 0.03, rng)
        if zh:
            email = chinese.email_slips(email, zh_rng)
        later = (rng.integers(0, 400, m)).astype("timedelta64[D]")
        day = (signup[person] + np.where(np.r_[False, person[1:] == person[:-1]], later, 0)).astype("datetime64[D]")
        if zh:
            full = np.strings.add(last, first)
            # some systems pad two-character names to the width of three (王 芳)
            formal = np.where((np.strings.str_len(full) == 2) & (zh_rng.random(m) < 0.3),
                              np.strings.add(np.strings.add(last, " "), first), full)
        else:
            full = np.where(u[4] < 0.2, np.strings.upper(np.strings.add(np.strings.add(first, " "), last)),
                            np.strings.add(np.strings.add(first, " "), last))
            formal = np.strings.add(np.strings.add(last, ", "), first)
        if table == "billing_accounts":
            tables[table] = arrow(table, {
                "account_id": src_ids, "holder_name": np.where(u[5] < 0.4, formal, full),
                "phone": _nullable(phone, rng.random(m) > 0.05), "email": _nullable(email, rng.random(m) > 0.2),
                "city": _nullable(chinese.city_variants(who.city[person], zh_rng) if zh else who.city[person],
                                  rng.random(m) > 0.1), "opened_date": day})
        elif table == "service_contacts":
            # a caller who gives only a surname is noted with the polite form (张先生, 王女士)
            short = first if not zh else np.strings.add(last, np.where(who.gender[person] == "female", "女士", "先生"))
            spoken = np.strings.lower(full) if not zh else full
            tables[table] = arrow(table, {
                "contact_ref": src_ids, "name": np.where(u[5] < 0.3, short, spoken),
                "phone": _nullable(phone, rng.random(m) > 0.1), "email": _nullable(email, rng.random(m) > 0.35),
                "first_seen": day})
        else:
            tables[table] = arrow(table, {
                "lead_id": src_ids, "first_name": _nullable(first, rng.random(m) > 0.05),
                "last_name": _nullable(last, rng.random(m) > 0.08), "email": _nullable(email, rng.random(m) > 0.05),
                "phone": _nullable(phone, rng.random(m) > 0.4),
                "source": np.array(LEAD_SOURCES)[rng.integers(0, len(LEAD_SOURCES), m)],
                "created_date": (day - rng.integers(0, 60, m).astype("timedelta64[D]")).astype("datetime64[D]")})
        cw_sys.append(np.full(m, system))
        cw_src.append(src_ids)
        cw_cust.append(ctx.cid(ctx.customers[person]))
        cw_known.append(rng.random(m) < coverage)
    sys_, src, cust, known = (np.concatenate(x) for x in (cw_sys, cw_src, cw_cust, cw_known))
    full_map = arrow("truth_crosswalk", {"source_system": sys_, "source_id": src, "customer_id": cust})
    partial = arrow("crosswalk", {"source_system": sys_[known], "source_id": src[known], "customer_id": cust[known]})
    return DirtyData(tables, partial, full_map)
