"""Customer records: the firm's per-customer ledger, updated from each week's recorded events.

Why: a real CRM keeps an append-only event log and derives per-customer fields from it (recency,
frequency, tenure, tickets, notices). This module is that derivation. Its only input is a
:class:`~simulations.weeklog.WeekLog` (what the firm's systems recorded that week); it never reads
the population's arrays, so nothing latent (satisfaction, true stage, responsiveness) can leak in.
"""

from __future__ import annotations

import numpy as np

from simulations.config import CAMPAIGN_TYPES
from simulations.weeklog import WeekLog

#: weekly decay of the firm's running counts of tickets, complaints and contacts (about a quarter's memory);
#: counts are kept as sums of DECAY ** -week (float64 holds them for about 6,000 weeks)
DECAY = 0.9

#: codes of the retention and win-back campaigns in the log's ``campaign`` column
RETENTION_CAMPAIGN, WIN_BACK_CAMPAIGN = CAMPAIGN_TYPES.index("retention"), CAMPAIGN_TYPES.index("win_back")

#: "never" for week fields that can legitimately be negative (history before week 0)
NEVER = -(10**6)

#: name -> (dtype, fill) of each recorded field
FIELDS: dict[str, tuple[str, float]] = {
    "known": ("bool", False),  # the customer exists in the firm's records (signed up)
    "signup_week": ("int32", -1),
    "tier": ("int8", 0),
    "contract": ("int8", 0),  # contract type code (config.CONTRACT_TYPES), 0: no contract
    "contract_end_week": ("int32", -1),  # scheduled end of the running fixed term (-1: none)
    "consent": ("int8", 0),  # bit mask over config.CONTACT_CHANNELS
    "first_order_week": ("int32", NEVER),
    "last_order_week": ("int32", NEVER),
    "n_orders": ("int32", 0),
    "spend_total": ("float64", 0.0),
    "categories_bought": ("int8", 0),
    # decayed counts, stored as sums of DECAY ** -week so that no weekly pass over everyone is needed
    "tickets_weighted": ("float64", 0.0),
    "complaints_weighted": ("float64", 0.0),
    "contacts_weighted": ("float64", 0.0),
    "notice_week": ("int32", -1),  # a running termination notice (-1: none)
    "ended_week": ("int32", -1),  # the contract's service ended (termination processed)
    "returned_week": ("int32", -1),  # came back after a recorded end or a long silence
    "offers": ("int32", 0),  # offers received
    "offers_used": ("int32", 0),  # offers redeemed on an order
    "save_offers": ("int32", 0),  # retention and win-back offers received
    "save_offers_used": ("int32", 0),  # retention and win-back offers redeemed on an order
    "last_save_week": ("int32", NEVER),  # week of the latest order that redeemed a retention offer
    "loyalty_member": ("bool", False),
}


def _filled(size: int, fill: float, dtype: str) -> np.ndarray:
    """A buffer of ``fill``; zeros come from the allocator untouched, so rows the firm never records
    (prospects who never sign up, spare capacity) take no memory until written.
    """
    return np.zeros(size, dtype=dtype) if fill == 0 else np.full(size, fill, dtype=dtype)


class CustomerRecords:
    """One row per person id; only rows of people the firm has recorded carry information."""

    def __init__(self, capacity: int = 0) -> None:
        self.n = 0
        self._buf: dict[str, np.ndarray] = {name: _filled(max(capacity, 16), fill, dtype)
                                            for name, (dtype, fill) in FIELDS.items()}
        self._tally = np.zeros(0, dtype=np.int32)
        self._reslice()

    def _reslice(self) -> None:
        for name, buf in self._buf.items():
            setattr(self, name, buf[: self.n])

    def ensure(self, n: int) -> None:
        """Make room for person ids below ``n`` (amortised: buffers grow by half when full)."""
        if n <= self.n:
            return
        cap = next(iter(self._buf.values())).size
        if n > cap:
            new_cap = max(int(cap * 1.5), n)
            for name, (dtype, fill) in FIELDS.items():
                buf = _filled(new_cap, fill, dtype)
                buf[: self.n] = self._buf[name][: self.n]
                self._buf[name] = buf
        self.n = n
        self._reslice()

    def _times(self, ids: np.ndarray) -> np.ndarray:
        """How often each entry's id occurs in ``ids``, per entry (a tally over a scratch row, no sort)."""
        if self._tally.size < self.n:
            self._tally = np.zeros(next(iter(self._buf.values())).size, dtype=np.int32)
        np.add.at(self._tally, ids, np.int32(1))  # a typed one keeps add.at on its fast path
        times = self._tally[ids]
        self._tally[ids] = 0
        return times

    # ---------------------------------------------------------------------------- updating
    def open_accounts(self, rows: dict[str, np.ndarray], week: int) -> None:
        """Sign-ups recorded this week (or the migrated customer base at the start)."""
        c = rows["customer"].astype(np.int64)
        if c.size == 0:
            return
        self.ensure(int(c.max()) + 1)
        self.known[c] = True
        self.signup_week[c] = rows.get("signup_week", np.full(c.size, week))
        self.tier[c] = rows["tier"]
        self.contract[c] = rows["contract"]
        self.contract_end_week[c] = rows["contract_end_week"]
        self.consent[c] = rows["consent"]
        if "last_order_week" in rows:  # migrated history of the initial base: one order known
            last = rows["last_order_week"]
            self.last_order_week[c] = last
            self.first_order_week[c] = last
            self.n_orders[c] = np.where(last > NEVER, 1, 0)

    def recent(self, name: str, ids: np.ndarray, week: int) -> np.ndarray:
        """Decayed count of ``tickets``, ``complaints`` or ``contacts`` of ``ids`` as of the end of ``week``.

        Each event weighs ``DECAY ** (week - event week)``: about a quarter's memory.
        """
        return (getattr(self, f"{name}_weighted")[ids] * DECAY ** float(week)).astype(np.float32)

    def record(self, log: WeekLog, n_people: int, contracts: bool = True) -> None:
        """Fold one week's recorded events into the ledger (sign-ups are opened as they happen)."""
        week = log.week
        self.ensure(n_people)
        t = log.tables
        weight = DECAY ** -float(week)
        if "orders" in t:
            o = t["orders"]
            c = o["customer"].astype(np.int64)
            self.first_order_week[c] = np.where(self.first_order_week[c] == NEVER, week, self.first_order_week[c])
            self.last_order_week[c] = week
            self.n_orders[c] += o["orders"]
            self.spend_total[c] += o["amount"]
            self.categories_bought[c] = np.maximum(self.categories_bought[c], o["categories"])
            used = o["campaign"] >= 0
            self.offers_used[c[used]] += 1
            retention = o["campaign"] == RETENTION_CAMPAIGN
            self.save_offers_used[c[retention | (o["campaign"] == WIN_BACK_CAMPAIGN)]] += 1
            self.last_save_week[c[retention]] = week
        if "tickets" in t:
            c = t["tickets"]["customer"].astype(np.int64)
            self.tickets_weighted[c] += weight  # one ticket per customer and week: plain indexing adds once each
            self.complaints_weighted[c] += weight * t["tickets"]["complaint"]
        if "contacts" in t:
            k = t["contacts"]
            reached = k["treated"].astype(bool)
            c = k["customer"][reached].astype(np.int64)
            # a customer can be in several waves of a week: one addition of weight x count per customer
            # (a repeated id writes the same value again), touching only those reached
            self.contacts_weighted[c] = self.contacts_weighted[c] + weight * self._times(c)
            offered = k["offer"][reached] > 0
            campaign = k["campaign"][reached][offered]
            c = c[offered]
            self.offers[c] = self.offers[c] + self._times(c)
            c = c[(campaign == RETENTION_CAMPAIGN) | (campaign == WIN_BACK_CAMPAIGN)]
            self.save_offers[c] = self.save_offers[c] + self._times(c)
        if "notices" in t:
            self.notice_week[t["notices"]["customer"].astype(np.int64)] = week
        if "notice_withdrawals" in t:
            self.notice_week[t["notice_withdrawals"]["customer"].astype(np.int64)] = -1
        if "terminations" in t:
            # only a contract's end is an event in the firm's systems; a retail customer's silence is not
            c = t["terminations"]["customer"].astype(np.int64)
            c = c[self.contract[c] > 0]
            self.ended_week[c] = week
            self.notice_week[c] = -1
        if "reactivations" in t:
            r = t["reactivations"]
            c = r["customer"].astype(np.int64)
            self.returned_week[c] = week
            self.ended_week[c] = -1
            self.contract_end_week[c] = r["contract_end_week"]
        if "loyalty_joins" in t:
            self.loyalty_member[t["loyalty_joins"]["customer"].astype(np.int64)] = True
        # a fixed term that ran out without a notice renewed itself (the billing system rolls it on)
        if not contracts:
            return
        rolled = ((self.contract >= 2) & (self.contract_end_week >= 0) & (self.contract_end_week <= week)
                  & (self.ended_week < 0) & (self.notice_week < 0))
        if rolled.any():
            term = np.where(self.contract[rolled] == 2, 52, 104).astype(np.int32)
            self.contract_end_week[rolled] += term
