"""The firm's view of each customer: perceived lifecycle stage and scores, from its records only.

Why these rules: they are the ones CRM teams write down. A customer is *new* for some weeks after
signing up (or coming back), *lapsed* (dormant) when silent for several times their own usual gap
between orders, *lost* after a long silence, *terminating* while a recorded notice runs, and *at
risk* when the odds of the churn model's score are several times the odds of the churn rate the
firm has observed (a lift rule that works whatever the base rate);
otherwise growing early in the tenure and mature later. The true stage (hidden) often differs:
the truth keys hold both every week, so a lab can show the confusion matrix and what
misclassification costs.

The churn model is refitted every ``refit_weeks`` on a snapshot of features taken ``horizon_weeks``
earlier, labelled with what the firm has since observed (lapse, notice, contract end). Uplift: when
the firm has run randomised retention waves, it fits one churn model on treated and one on control
customers of those waves (a two-model uplift estimate); before that, it ranks by risk times the
customer's recorded rate of taking save offers, shrunk toward the firm's rate (empirical Bayes).
Either way a customer whose notice runs comes first (the record says they leave without an offer;
none of the models' features holds the notice), and customers an offer cannot reach or move come
last (no consent to the channel; bought ahead on their last retention offer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulations.arrays import log1p_whole, select
from simulations.config import CrmRules
from simulations.firm import churn_model, habit
from simulations.firm.records import NEVER, CustomerRecords
from simulations.stages import AT_RISK, DORMANT, GROWTH, LOST, MATURITY, NEW, PROSPECT, TERMINATING, WON_BACK
from simulations.weeklog import WeekLog

#: weight of the firm-wide typical gap in each customer's own gap estimate (in orders)
GAP_PRIOR_ORDERS = 1.0
DEFAULT_GAP_WEEKS = 13.0
#: churn rate over the horizon the firm assumes before it has observed one
DEFAULT_BASE_RATE = 0.1
ENDED_STAGES = (TERMINATING, DORMANT, LOST)
#: stage codes as int8 scalars, so that selects between them stay int8
_PROSPECT, _NEW, _GROWTH, _MATURITY, _AT_RISK, _TERMINATING, _DORMANT, _WON_BACK, _LOST = (
    np.int8(s) for s in (PROSPECT, NEW, GROWTH, MATURITY, AT_RISK, TERMINATING, DORMANT, WON_BACK, LOST))


@dataclass
class Snapshot:
    """Features of customers the firm saw as active in one week, kept until their outcome is known."""

    week: int
    ids: np.ndarray
    features: np.ndarray
    treated: np.ndarray | None = None  # for experiment waves: assignment of each id


class FirmView:
    """Records, perceived stages and scores of every customer the firm has recorded."""

    def __init__(self, rules: CrmRules, contracts: bool, capacity: int = 0) -> None:
        self.rules = rules
        self.contracts = contracts
        self.records = CustomerRecords(capacity)
        self.coef = churn_model.PRIOR_COEF.copy()
        self.uplift_coef: tuple[np.ndarray, np.ndarray] | None = None
        self.typical_gap = DEFAULT_GAP_WEEKS
        self._gap = np.empty(max(capacity, 16), dtype=np.float32)
        self._lapse = np.empty(self._gap.size, dtype=np.int32)
        self._gap_n = 0
        self.base_rate = DEFAULT_BASE_RATE
        self.snapshots: list[Snapshot] = []
        self.experiments: list[Snapshot] = []
        self.experiment_outcomes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # features, churned, treated
        self.fits: list[dict[str, float]] = []
        self._cache: dict[tuple[str, int], Any] = {}
        self.week = 0

    # ---------------------------------------------------------------------------- recording
    def open_books(self, base: dict[str, np.ndarray], n_people: int) -> None:
        """Load the migrated customer base (sign-up dates, contracts, last order) at the start."""
        self.records.ensure(n_people)
        self.records.open_accounts(base, 0)
        self._refresh_gap(slice(None))
        self._cache.clear()

    def sign_up(self, log: WeekLog, n_people: int) -> None:
        """Open the accounts of this week's new customers as they sign up (the form is a record)."""
        self.records.ensure(n_people)
        rows = log.tables.get("acquisitions")
        if rows is not None:
            self.records.open_accounts(rows, log.week)
        self._cache.clear()

    def record(self, log: WeekLog, n_people: int) -> None:
        """Fold the week's recorded events in; refit the churn model when it is due."""
        rec = self.records
        rec.ensure(n_people)
        orders = log.tables.get("orders")
        returning = np.empty(0, dtype=np.int64)
        if orders is not None and not self.contracts:
            c = orders["customer"].astype(np.int64)
            c = c[c < rec.n]
            returning = c[rec.known[c] & (rec.n_orders[c] > 0) & (log.week - rec.last_order_week[c] > self._lapse_weeks()[c])]
        rec.record(log, n_people, self.contracts)
        rec.returned_week[returning] = log.week
        if orders is not None:
            self._refresh_gap(orders["customer"].astype(np.int64))
        self.week = log.week + 1
        self._cache.clear()
        if self.week % self.rules.refit_weeks == 0:
            self._refit(self.week)

    def note_experiment(self, week: int, treated: np.ndarray, control: np.ndarray) -> None:
        """Remember a randomised retention wave's assignment (the firm's own decision record)."""
        ids = np.concatenate([treated, control]).astype(np.int64)
        flag = np.concatenate([np.ones(treated.size, bool), np.zeros(control.size, bool)])
        self.experiments.append(Snapshot(week, ids, self.features(week, ids), flag))

    # ------------------------------------------------------------------------------ reading
    def gap(self, ids: np.ndarray | slice) -> np.ndarray:
        """Each customer's usual weeks between orders, shrunk toward the firm-wide typical gap.

        Kept for everyone and refreshed only for the week's buyers (and for all when the firm's
        typical gap changes at a refit), so reading it costs no pass over the whole base.
        """
        self._grow_gap()
        return self._gap[: self.records.n][ids]

    def _grow_gap(self) -> None:
        """Give newcomers the typical gap (in a buffer with spare room: no copy of everyone each week)."""
        n, old = self.records.n, self._gap_n
        if n <= old:
            return
        if self._gap.size < n:
            size = max(int(self._gap.size * 1.5), n)
            self._gap = np.concatenate([self._gap[:old], np.empty(size - old, np.float32)])
            self._lapse = np.concatenate([self._lapse[:old], np.empty(size - old, np.int32)])
        self._gap[old:n] = self.typical_gap
        self._gap_n = n
        self._set_lapse(slice(old, n))

    def _set_lapse(self, ids: np.ndarray | slice) -> None:
        # silence is a whole number of weeks, so ``silent > lapse_after`` is ``silent > floor(lapse_after)``
        self._lapse[: self.records.n][ids] = np.floor(self.lapse_after(ids)).astype(np.int32)

    def _refresh_gap(self, ids: np.ndarray | slice) -> None:
        r = self.records
        n = r.n_orders[ids].astype(np.float32)
        span = np.where(n >= 2, r.last_order_week[ids] - r.first_order_week[ids], 0).astype(np.float32)
        self._grow_gap()  # make room for newcomers
        gaps = self._gap[: r.n]
        gaps[ids] = (span + np.float32(GAP_PRIOR_ORDERS * self.typical_gap)) / (
            np.maximum(n - 1, 0) + np.float32(GAP_PRIOR_ORDERS))
        self._set_lapse(ids)

    def lapse_after(self, ids: np.ndarray | slice) -> np.ndarray:
        """Weeks of silence after which the firm calls a non-contract customer lapsed (dormant)."""
        rules = self.rules
        return np.clip(rules.lapse_multiple * self.gap(ids), rules.min_lapse_weeks, rules.max_lapse_weeks)

    def _lapse_weeks(self) -> np.ndarray:
        """``floor(lapse_after)`` of everyone, kept with the gaps (an integer compare in the weekly pass)."""
        self._grow_gap()
        return self._lapse[: self.records.n]

    def customers(self) -> np.ndarray:
        """Ids of everyone the firm has recorded (cached until the records change)."""
        if "customers" not in self._cache:
            self._cache["customers"] = np.flatnonzero(self.records.known)
        return self._cache["customers"]

    def base_stage(self, week: int) -> np.ndarray:
        """Perceived stage of everyone by the record rules, before the churn score is consulted.

        Computed over every row at once and masked by ``known`` (not gathered by id): the rules are
        per row, and contiguous branch-free passes cost less than gathering half of them.
        """
        key = ("base", week)
        if key in self._cache:
            return self._cache[key]
        r, rules = self.records, self.rules
        tenure = week - r.signup_week
        st = select(tenure < rules.new_weeks, _NEW, select(tenure < rules.growth_weeks, _GROWTH, _MATURITY))
        returned = r.returned_week
        st = select((returned >= 0) & (week - returned < rules.new_weeks), _WON_BACK, st)
        contract = r.contract > 0
        silent = week - r.last_order_week
        lapsed = ~contract & (silent > self._lapse_weeks())
        st = select(lapsed, select(silent > rules.lost_weeks, _LOST, _DORMANT), st)
        st = select(contract & (r.notice_week >= 0), _TERMINATING, st)
        ended = r.ended_week
        gone = contract & (ended >= 0)
        st = select(gone, select(week - ended > rules.lost_weeks, _LOST, _DORMANT), st)
        stage = select(r.known, st, _PROSPECT)
        self._cache[key] = stage
        return stage

    def active(self, week: int) -> np.ndarray:
        """Ids of customers the firm sees as current (not prospect, terminating, lapsed or lost)."""
        s = self.base_stage(week)
        return np.flatnonzero((s == NEW) | (s == GROWTH) | (s == MATURITY) | (s == WON_BACK))

    def features(self, week: int, ids: np.ndarray) -> np.ndarray:
        """The churn model's inputs for ``ids`` at ``week`` (columns: ``churn_model.FEATURES``).

        Counts of tickets, complaints and contacts are as of the last recorded week (``week - 1``).
        """
        r = self.records
        x = np.empty((ids.size, len(churn_model.FEATURES)), dtype=np.float32)
        silent = week - r.last_order_week[ids]
        x[:, 0] = np.clip(silent / self.gap(ids) - 1.0, 0.0, 10.0)
        x[:, 1] = log1p_whole(r.n_orders[ids])
        x[:, 2] = log1p_whole(np.maximum(week - r.signup_week[ids], 0))
        x[:, 3] = r.recent("complaints", ids, week - 1)
        x[:, 4] = r.recent("tickets", ids, week - 1)
        x[:, 5] = r.recent("contacts", ids, week - 1)
        fixed = r.contract[ids] >= 2
        x[:, 6] = select(fixed, np.clip(r.contract_end_week[ids] - week, 0, 104) / 52.0, 0.0) if fixed.any() else 0.0
        x[:, 7] = r.loyalty_member[ids]
        return x

    def risk(self, week: int, ids: np.ndarray) -> np.ndarray:
        """Churn-risk score (probability of lapsing or giving notice within the horizon) of ``ids``.

        Scores of every current or terminating customer are computed once per week and cached:
        the perceived stage and the retention ranking both read them.
        """
        return self._scores(week)[2][ids]

    def _scores(self, week: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scored ids, their scores, and the scores spread over everyone (0 for the unscored), cached per week."""
        key = ("risk", week)
        if key not in self._cache:
            s = self.base_stage(week)
            scored = np.flatnonzero((s != PROSPECT) & (s != DORMANT) & (s != LOST))
            score = churn_model.predict(self.coef, self.features(week, scored))
            everyone = np.zeros(self.records.n, dtype=np.float32)
            everyone[scored] = score
            self._cache[key] = (scored, score, everyone)
        return self._cache[key]

    def retention_risk(self, week: int, ids: np.ndarray) -> np.ndarray:
        """Churn risk as a retention ranking reads it: a running notice is certain risk."""
        return select(self.perceived(week)[ids] == TERMINATING, 1.0, self.risk(week, ids))

    def uplift(self, week: int, ids: np.ndarray, channel: int | None = None) -> np.ndarray:
        """Estimated fall in churn risk if ``ids`` get a retention offer (higher: better to call).

        A running notice ranks first, ordered by the estimate: without an offer such a customer leaves
        for certain, so no estimate can say the offer changes less for them. (Ranking by the models
        alone called subscribers with a notice late, and lost to risk targeting, which calls them first.)
        Two kinds of customer an offer cannot move rank last, whatever their risk: those who did not
        consent to the campaign's ``channel`` (the call is not placed, or it is a breach that annoys),
        and those whose latest order redeemed a retention offer and who have given no notice since
        (they bought ahead on it and have nothing to order on another coupon until they order again
        of their own accord; a notice says their situation changed, and it ranks first like any other).
        """
        if self.uplift_coef is not None:
            x = self.features(week, ids)
            treated, control = self.uplift_coef
            estimate = churn_model.predict(control, x) - churn_model.predict(treated, x)
        else:
            estimate = self.retention_risk(week, ids) * self.offer_habit(week, ids)
        notice = self.perceived(week)[ids] == TERMINATING
        estimate = select(notice, 2.0 + estimate, estimate)
        r = self.records
        saved = r.last_save_week[ids]
        movable = notice | (saved == NEVER) | (saved != r.last_order_week[ids])
        if channel is not None:
            movable &= ((r.consent[ids] >> channel) & 1) == 1
        return select(movable, estimate, estimate - 10.0).astype(np.float32)

    def offer_habit(self, week: int, ids: np.ndarray) -> np.ndarray:
        """Each customer's recorded rate of taking save offers, shrunk toward the firm's (empirical Bayes).

        The prior is refitted once per week from everyone's counts (:mod:`simulations.firm.habit`);
        before any save offer was taken, every customer has the same rate (1: risk alone ranks).
        """
        r = self.records
        key = ("habit", week)
        if key not in self._cache:
            self._cache[key] = habit.beta_binomial_prior(r.save_offers_used, r.save_offers)
        rate, strength = self._cache[key]
        if rate <= 0:
            return np.ones(ids.size, dtype=np.float32)
        return habit.shrunk_rate(r.save_offers_used[ids], r.save_offers[ids], rate, strength)

    def perceived(self, week: int) -> np.ndarray:
        """Perceived lifecycle stage of everyone at ``week``: the record rules plus the at-risk flag."""
        key = ("perceived", week)
        if key in self._cache:
            return self._cache[key]
        stage = self.base_stage(week).copy()
        scored, score, _ = self._scores(week)
        st = stage[scored]
        live = (st == GROWTH) | (st == MATURITY)  # new and returning customers belong to onboarding
        if live.any():
            base_odds = self.base_rate / (1.0 - self.base_rate)
            odds = score.astype(np.float64)
            odds = odds / np.maximum(1.0 - odds, 1e-9)
            stage[np.compress(live & (odds > self.rules.at_risk_lift * base_odds), scored)] = AT_RISK
        self._cache[key] = stage
        return stage

    # ------------------------------------------------------------------------------ learning
    def _refit(self, week: int) -> None:
        """Label old snapshots with what happened since, refit the models, take a new snapshot."""
        r, horizon = self.records, self.rules.horizon_weeks
        several = np.flatnonzero(r.n_orders >= 2)
        if several.size:
            gaps = (r.last_order_week[several] - r.first_order_week[several]) / (r.n_orders[several] - 1)
            self.typical_gap = float(max(np.median(gaps), 1.0))
            self._refresh_gap(slice(None))
        now = self.base_stage(week)
        ended = (now == ENDED_STAGES[0]) | (now == ENDED_STAGES[1]) | (now == ENDED_STAGES[2])  # isin, without its sort
        due = [s for s in self.snapshots if week - s.week >= horizon]
        if due:
            snap = due[-1]
            label = ended[snap.ids]
            self.coef = churn_model.fit_logistic(snap.features, label, start=self.coef)
            churned = int(np.count_nonzero(label))  # count / size: the very division ``label.mean()`` makes
            if churned:
                self.base_rate = churned / label.size
            fitted = churn_model.predict(self.coef, snap.features)
            self.fits.append({"week": week, "snapshot_week": snap.week, "customers": int(snap.ids.size),
                              "churn_rate": churned / label.size if label.size else float("nan"),
                              "auc_in_sample": churn_model.auc(fitted, label)})
        self.snapshots = [s for s in self.snapshots if week - s.week < horizon]
        ids = self.active(week)
        self.snapshots.append(Snapshot(week, ids, self.features(week, ids)))
        matured = [s for s in self.experiments if week - s.week >= horizon]
        self.experiments = [s for s in self.experiments if week - s.week < horizon]
        self.experiment_outcomes += [(s.features, ended[s.ids], s.treated) for s in matured]
        if matured:
            x = np.concatenate([o[0] for o in self.experiment_outcomes])
            y = np.concatenate([o[1] for o in self.experiment_outcomes])
            t = np.concatenate([o[2] for o in self.experiment_outcomes])
            if t.any() and (~t).any():
                self.uplift_coef = (churn_model.fit_logistic(x[t], y[t], start=self.coef),
                                    churn_model.fit_logistic(x[~t], y[~t], start=self.coef))
