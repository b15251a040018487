"""Contract records (contract scenarios): every contract term as the billing system would hold it.

Why a history rather than the end state: the engine keeps one contract per customer and moves its
end week on at each renewal, so a table derived from the state at the end of the run showed
contracts starting before the customer existed, ending before they started, and one-year terms of
-29 to 30 months. Here the table is replayed from what happened, week by week: the engine logs
every signing and renewal (``contract_terms``), notices and terminations; the recorder notes the
contracts the initial base holds when the data start (:func:`observe_start`); returns after a
termination are read from the weekly stages. Days inside a week come from the dataset seed.

One row per contract term. A fixed term runs 12 or 24 calendar months from its start (the engine's
52 or 104 weeks); a renewal starts the day after the previous term ends. A notice ends the service
``notice_weeks`` weeks (plus the days to the end of the engine's week) after it is given: early for
a fixed term broken before its end, late when the notice came in the term's last weeks (the service
then runs until the notice period is over). When a term ran out while a notice was pending and the
customer withdrew the notice, the term is ``expired`` and a month-to-month contract follows; a
customer won back after a termination signs a new term of their contract type (logged as a
signing); a return without a logged signing continues month-to-month. Withdrawn notices are not
shown. Each row carries the fee its term was billed at: a product added during a term (a new line on
the bill, logged as ``fee_changes``) ends the row as ``amended`` the day before, and a row of the same
type, with the same end, runs on at the new fee.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from simulations.config import CONTRACT_TYPES
from simulations.recording.observable import P_CONTRACTS, Context, arrow, generator, ids
from simulations.recording.recorder import Recorder
from simulations.stages import Stage

MONTH_TO_MONTH = CONTRACT_TYPES.index("month-to-month")
#: Calendar months of each fixed-term contract type (index in CONTRACT_TYPES).
TERM_MONTHS: dict[int, int] = {CONTRACT_TYPES.index("one-year"): 12, CONTRACT_TYPES.index("two-year"): 24}
#: Engine weeks of each fixed term (as in ``mechanisms.relationship.CONTRACT_TERM_WEEKS``).
TERM_WEEKS: dict[int, int] = {CONTRACT_TYPES.index("one-year"): 52, CONTRACT_TYPES.index("two-year"): 104}
#: Day number meaning "no date" (day numbers count from 1970-01-01 and may be negative).
NO_DAY = int(np.iinfo(np.int64).min)
_EPOCH = dt.date(1970, 1, 1)


def observe_start(model: Any, rec: Recorder) -> None:
    """Note the contracts the initial base holds when the data start (as ``contract_terms`` of week 0).

    Call before the first simulated week. A fixed term ending in week ``e`` began ``e - term``
    weeks earlier; a month-to-month contract began at the customer's signup.
    """
    pop = model.population
    rows = np.flatnonzero((pop.stage != Stage.PROSPECT) & (pop.contract > 0))
    kind, end = pop.contract[rows], pop.contract_end_week[rows]
    term = np.array([TERM_WEEKS.get(k, 0) for k in range(len(CONTRACT_TYPES))])[kind]
    start = np.where((term > 0) & (end >= 0), end - term, pop.signup_week[rows])
    rec.add("contract_terms", 0, customer=rows.astype(np.int32), contract=kind.copy(), start_week=start.astype(np.int32),
            end_week=np.where(term > 0, end, -1).astype(np.int32), renewal=np.zeros(rows.size, bool),
            monthly_fee=pop.monthly_fee[rows].copy())


def add_months(day: int, months: int) -> int:
    """Day number (days since 1970-01-01) ``months`` calendar months after ``day`` (clamped to the month's end)."""
    d = _EPOCH + dt.timedelta(days=day)
    m = d.month - 1 + months
    year, month = d.year + m // 12, m % 12 + 1
    return (dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1])) - _EPOCH).days


@dataclass
class ContractHistory:
    """Every contract term: population row, type (CONTRACT_TYPES index), days (since 1970; NO_DAY: none), status, fee."""

    customer: np.ndarray
    contract: np.ndarray
    start: np.ndarray
    end: np.ndarray
    notice: np.ndarray
    status: np.ndarray
    fee: np.ndarray

    def latest(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Type, start date and end date of each of the sorted ``rows``' latest contract (type 0 and NaT: none)."""
        kind, start, end = (np.zeros(rows.size, np.int64), np.full(rows.size, NO_DAY, np.int64),
                            np.full(rows.size, NO_DAY, np.int64))
        if self.customer.size:
            last = np.r_[self.customer[1:] != self.customer[:-1], True]  # rows are grouped by customer, in time order
            pos = np.searchsorted(rows, self.customer[last])
            kind[pos], start[pos], end[pos] = self.contract[last], self.start[last], self.end[last]
        return kind, as_dates(start), as_dates(end)

    def first_start(self, rows: np.ndarray) -> np.ndarray:
        """Start date of each of the sorted ``rows``' first contract (NaT: none)."""
        out = np.full(rows.size, NO_DAY, np.int64)
        if self.customer.size:
            first = np.r_[True, self.customer[1:] != self.customer[:-1]]
            out[np.searchsorted(rows, self.customer[first])] = self.start[first]
        return as_dates(out)


def _returns(rec: Recorder, customer: np.ndarray, week: np.ndarray) -> np.ndarray:
    """First week after each termination (customer, week) in which the customer is active again (-1: never)."""
    out = np.full(customer.size, -1, np.int64)
    gone = (Stage.DORMANT, Stage.LOST)
    for w, stage in zip(rec.weeks, rec.stages, strict=True):
        waiting = np.flatnonzero((out < 0) & (week < w))  # terminated earlier, so present in this week's stages
        out[waiting[~np.isin(stage[customer[waiting]], gone)]] = w
    return out


class _Timeline:
    """The contract terms of one customer, built event by event in time order."""

    def __init__(self, customer: int, out: list[tuple[int, int, int, int, int, str, float]]) -> None:
        self.customer = customer
        self.out = out
        self.kind = self.end_week = -1
        self.start = self.term_end = NO_DAY
        self.fee = 0.0
        self.open = False

    def begin(self, kind: int, start: int, end_week: int, fee: float) -> None:
        """Open a term of ``kind`` on day ``start`` at ``fee`` (``end_week``: the engine's last week of a fixed term)."""
        months = TERM_MONTHS.get(kind)
        self.kind, self.start, self.fee, self.open = kind, start, fee, True
        self.end_week = end_week if months else -1
        self.term_end = add_months(start, months) - 1 if months else NO_DAY

    def close(self, status: str, end: int, notice: int = NO_DAY) -> None:
        """Close the open term with ``status``, its last day and the notice day (NO_DAY: none)."""
        self.out.append((self.customer, self.kind, self.start, end, notice, status, self.fee))
        self.open = False

    def amend(self, week: int, day: int, fee: float) -> None:
        """A product added on ``day`` of ``week`` changes the fee: the term goes on, same type and end, in a new row."""
        self.expire_before(week)
        if not self.open or fee == self.fee:  # a term signed or renewed later in the same week starts at the new fee
            return
        day = max(day, self.start + 1)
        self.close("amended", day - 1)
        self.start, self.fee, self.open = day, fee, True

    def expire_before(self, week: int) -> None:
        """A fixed term whose last week came before ``week`` without renewal continues month-to-month."""
        if self.open and 0 <= self.end_week < week:
            follow = self.term_end + 1
            self.close("expired", self.term_end)
            self.begin(MONTH_TO_MONTH, follow, -1, self.fee)


def contract_history(ctx: Context, pop: Any, rec: Recorder, notice_weeks: int) -> ContractHistory:
    """Replay every contract term from the weeks' logs (the rules are in the module docstring)."""
    base = (ctx.start - _EPOCH).days

    def day(week: int, offset: int) -> int:
        return base + 7 * (week - 1) + offset

    terms = rec.columns("contract_terms", ("customer", "contract", "start_week", "end_week", "renewal", "monthly_fee"))
    term_c, term_w = terms["customer"].astype(np.int64).tolist(), terms["week"].astype(np.int64).tolist()
    ended = rec.columns("terminations", ("customer",))
    end_c, end_w = ended["customer"].astype(np.int64), ended["week"].astype(np.int64)
    keep = pop.contract[end_c] > 0 if end_c.size else np.zeros(0, bool)
    end_c, end_w = end_c[keep], end_w[keep]
    back_w = _returns(rec, end_c, end_w)
    notices = rec.columns("notices", ("customer",))
    lag = max(notice_weeks, 1)  # the engine ends a notice's service at least one week later
    rng = generator(ctx.seed, P_CONTRACTS)
    u_notice, u_end, u_back = rng.integers(0, 7, end_c.size), rng.random(end_c.size), rng.integers(0, 7, end_c.size)
    u_pending = rng.integers(0, 7, pop.n)
    changes = rec.columns("fee_changes", ("customer", "monthly_fee"))
    change_c, change_w = changes["customer"].astype(np.int64).tolist(), changes["week"].astype(np.int64).tolist()
    change_fee = changes["monthly_fee"].astype(np.float64).tolist()
    u_amend = rng.integers(0, 7, len(change_c)).tolist()  # drawn last: the other days do not move when fees change
    # the loop below reads Python lists: indexing numpy arrays one scalar at a time is several times slower
    t_kind, t_start, t_end = (terms[k].astype(np.int64).tolist() for k in ("contract", "start_week", "end_week"))
    t_renewal = terms["renewal"].astype(bool).tolist()
    t_fee = terms["monthly_fee"].astype(np.float64).tolist()
    u_notice_l, u_end_l, u_back_l = u_notice.tolist(), u_end.tolist(), u_back.tolist()
    signup_weeks, signup_offsets = ctx.signup_week.tolist(), ctx.signup_offset.tolist()
    pending = np.where(pop.stage == Stage.TERMINATING, pop.notice_week, -1).tolist()  # notice running at the end
    u_pending_l = u_pending.tolist()

    # one timeline per customer: (week, order, index); in a week, a termination comes before a signing,
    # and a product added comes after the signing it may amend
    events: dict[int, list[tuple[int, int, int]]] = {}
    for i, c in enumerate(term_c):
        events.setdefault(c, []).append((term_w[i], 1, i))
    for k, c in enumerate(change_c):
        events.setdefault(c, []).append((change_w[k], 3, k))
    for j, c in enumerate(end_c.tolist()):
        events.setdefault(c, []).append((int(end_w[j]), 0, j))
        if back_w[j] >= 0:
            events[c].append((int(back_w[j]), 2, j))
    notice_weeks_of: dict[int, list[int]] = {}
    for c, w in zip(notices["customer"].astype(np.int64).tolist(), notices["week"].astype(np.int64).tolist(), strict=True):
        notice_weeks_of.setdefault(c, []).append(w)
    signings = {(c, w) for c, w, r in zip(term_c, term_w, t_renewal, strict=True) if not r}

    out: list[tuple[int, int, int, int, int, str, float]] = []
    for c in sorted(events):
        t = _Timeline(c, out)
        signup_w, signup_off = signup_weeks[c], signup_offsets[c]
        for week, order, i in sorted(events[c]):
            if order == 1:  # a signing, a renewal, or a contract of the initial base
                kind, start_w, end_wk = t_kind[i], t_start[i], t_end[i]
                if t_renewal[i]:
                    # the engine also rolls on the end week of contracts that ended (dormant customers'):
                    # only a running fixed term that ends this week is renewed
                    if not (t.open and t.end_week == week):
                        continue
                    start = t.term_end + 1
                    t.close("renewed", t.term_end)
                else:
                    start = day(start_w, signup_off if (start_w == signup_w or week == 0) else 0)
                    if t.open:  # a new signing replaces the running contract
                        t.close("renewed", start - 1)
                t.begin(kind, start, end_wk, t_fee[i])
            elif order == 3:  # a product added: the running term goes on at the new fee
                t.amend(week, day(week, u_amend[i]), change_fee[i])
            elif order == 0:  # a termination: the last notice given at least the notice period before ran out
                given = [w for w in notice_weeks_of.get(c, []) if w <= week - lag]
                n_week = given[-1] if given else week - lag
                t.expire_before(n_week)
                if not t.open:
                    continue
                notice = max(day(n_week, u_notice_l[i]), t.start)
                a = min(max(notice - day(n_week, 0), 0), 6)
                b = a + int(u_end_l[i] * (7 - a))
                t.close("terminated", max(day(week, b), notice + 7 * notice_weeks), notice)
            elif (c, week) not in signings and not t.open:  # a return after a termination, with no logged signing
                t.begin(MONTH_TO_MONTH, day(week, u_back_l[i]), -1, t.fee)
        if not t.open:
            continue
        # the state at the end of the data: a notice may be running, a fixed term may have run out
        n_week = pending[c]
        t.expire_before(n_week if n_week >= 0 else ctx.weeks + 1)
        if n_week >= 0:
            notice = max(day(n_week, u_pending_l[c]), t.start)
            t.close("notice_given", notice + 7 * lag, notice)  # the planned last day of service
        else:
            t.close("active", t.term_end)

    if not out:
        empty = np.empty(0, np.int64)
        return ContractHistory(empty, empty, empty, empty, empty, np.empty(0, str), np.empty(0))
    cols = list(zip(*out, strict=True))
    return ContractHistory(*(np.array(x, dtype=np.int64) for x in cols[:5]), np.array(cols[5]),
                           np.array(cols[6], dtype=np.float64))


def as_dates(days: np.ndarray) -> np.ndarray:
    """Dates of day numbers (days since 1970-01-01), NaT (written as null) where NO_DAY."""
    return np.where(days == NO_DAY, np.datetime64("NaT"), days.astype("datetime64[D]"))


def build_contracts(ctx: Context, pop: Any, history: ContractHistory) -> pa.Table:
    """The contracts table: one row per contract term (what the billing system knows)."""
    return arrow("contracts", {
        "contract_id": ids("K", np.arange(history.customer.size) + 1, 7), "customer_id": ctx.cid(history.customer),
        "contract_type": np.array(CONTRACT_TYPES)[history.contract],
        "start_date": as_dates(history.start), "end_date": as_dates(history.end), "notice_date": as_dates(history.notice),
        "monthly_fee": np.round(history.fee, 2), "status": history.status,
    })
