"""The truth writer: answer keys for instructors, never written into a dataset folder.

Why separate from the observable writer: graders need the hidden state (true stages, latent
satisfaction, churn causes, value, CLV, the dedup mapping, individual treatment effects), and
keeping it in its own module and folder makes the wall between what students see and what the
simulation knows easy to audit. Counterfactuals come from the engine itself: CLV continues copies
of the end state with fresh random streams; treatment effects replay an experiment wave from a
snapshot twice (everyone treated / nobody treated) on the same random numbers (paired).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulations.config import CAMPAIGN_TYPES
from simulations.mechanisms import economics
from simulations.population import CAUSES
from simulations.recording.dictionary import TABLES
from simulations.recording.observable import Context, arrow
from simulations.rng import Streams
from simulations.stages import ACTIVE_STAGES, STAGE_LABELS, Stage
from simulations.weeklog import WeekLog

CLV_HORIZON_WEEKS = 104
CLV_RUNS = 3
ANNUAL_DISCOUNT_RATE = 0.10
EFFECT_WINDOW_WEEKS = 13
RETENTION = CAMPAIGN_TYPES.index("retention")
VALUE_TYPES = (("laggard", "cost-comparer", "far-sighted"),
               ("nostalgic", "pragmatic", "early adopter"),
               ("status-seeker", "value-seeker", "perfectionist"))
ENDED = (Stage.TERMINATING, Stage.DORMANT, Stage.LOST)


def _snapshot(model: Any) -> bytes:
    observers, model.observers = model.observers, []
    try:
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        model.observers = observers


def weekly_margin(model: Any) -> np.ndarray:
    """Gross margin each person brought this week: orders plus recurring fees."""
    pop, world = model.population, model.world
    revenue = pop.week_spend.astype(np.float64)
    if world.contracts.enabled:
        billed = np.isin(pop.stage, ACTIVE_STAGES)
        revenue = revenue + np.where(billed, economics.weekly_fee(pop.monthly_fee, model.policies), 0.0)
    return revenue * economics.margin_rate(world, model.policies)


@dataclass
class ExperimentReplayer:
    """Observer that, before each randomized retention wave, replays it treated and untreated.

    From a snapshot at the end of week ``w - 1`` the same model runs week ``w`` twice: once with
    every flagged customer treated, once with none, and both continue ``window`` weeks with no
    further retention contacts. All mechanisms draw the same numbers in both replays, so each
    customer's difference is their individual treatment effect on churn and spend.
    """

    horizon: int
    window: int = EFFECT_WINDOW_WEEKS
    waves: list[dict[str, np.ndarray]] = field(default_factory=list)

    def __call__(self, model: Any, log: WeekLog) -> None:
        """Replay the next week if it is an experiment wave."""
        r = model.policies.marketing.retention
        nxt = log.week + 1
        if not (r.enabled and r.targeting == "random" and nxt % r.every_weeks == 0 and nxt <= self.horizon):
            return
        snap = _snapshot(model)
        _, churn_t, spend_t = self._replay(snap, 1.0)
        flagged, churn_u, spend_u = self._replay(snap, 0.0)  # with nobody treated, every flagged customer is a control
        self.waves.append({"week": np.full(flagged.size, nxt, np.int32), "customer": flagged, "churn_t": churn_t[flagged],
                           "churn_u": churn_u[flagged], "spend_t": spend_t[flagged], "spend_u": spend_u[flagged]})

    def _replay(self, snap: bytes, share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flagged customers of the replayed week, and churn and spend of everyone present in that week.

        People who enter the market and sign up during the replayed week can be flagged too, so the
        outcomes cover the population after that week (arrivals do not depend on the policy, so both
        replays have the same people).
        """
        clone = pickle.loads(snap)
        clone.set_policies({"marketing.retention.treat_share": share})
        start_spend = clone.population.total_spend.copy()
        clone.step()
        n = clone.population.n
        c = clone.last_log.tables.get("contacts")
        flagged = np.sort(c["customer"][c["campaign"] == RETENTION].astype(np.int64)) if c else np.empty(0, np.int64)
        clone.set_policies({"marketing.retention.targeting": "none"})
        clone.run(self.window - 1)
        pop = clone.population
        before = np.zeros(n)
        before[: start_spend.size] = start_spend
        return flagged, np.isin(pop.stage[:n], ENDED), pop.total_spend[:n] - before

    def frame(self) -> dict[str, np.ndarray]:
        """All replayed waves as concatenated arrays."""
        keys = ("week", "customer", "churn_t", "churn_u", "spend_t", "spend_u")
        if not self.waves:
            return {k: np.empty(0) for k in keys}
        return {k: np.concatenate([w[k] for w in self.waves]) for k in keys}


def expected_clv(model: Any, seed: int, horizon: int = CLV_HORIZON_WEEKS, runs: int = CLV_RUNS,
                 rate: float = ANNUAL_DISCOUNT_RATE) -> np.ndarray:
    """Expected discounted gross margin per person, continuing the end state ``runs`` times.

    Each continuation is a copy of the finished model with fresh random streams (children of the
    dataset seed), run for ``horizon`` weeks under the same policies; the mean over runs estimates
    the expectation. Weekly discounting at ``(1 + rate) ** (1/52)``.
    """
    snap = _snapshot(model)
    n = model.population.n
    total = np.zeros(n)
    weekly = (1.0 + rate) ** (1.0 / 52.0)
    for r in range(runs):
        clone = pickle.loads(snap)
        clone.streams = Streams(np.random.SeedSequence(entropy=seed, spawn_key=(0xC1F, r)))
        for t in range(1, horizon + 1):
            clone.step()
            total += weekly_margin(clone)[:n] / weekly**t
    return total / max(runs, 1)


def _terciles(x: np.ndarray) -> np.ndarray:
    if x.size == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = np.quantile(x, [1 / 3, 2 / 3])
    return np.where(x > hi, 2, np.where(x > lo, 1, 0))


def build_truth_customers(ctx: Context, model: Any, rec: Any, clv: np.ndarray) -> pa.Table:
    """The hidden state of every customer of the dataset at the end of the data."""
    pop, rows = model.population, ctx.customers
    margin = economics.margin_rate(model.world, model.policies)  # at the price in force at the end of the data
    o = rec.columns("orders", ("customer", "amount"))
    recent = o["week"] > ctx.weeks - 52
    spend_recent = np.bincount(o["customer"][recent], weights=o["amount"][recent], minlength=pop.n)[rows]
    spend_all = np.bincount(o["customer"], weights=o["amount"], minlength=pop.n)[rows] if o["week"].size else 0 * rows
    fee_recent = fee_all = np.zeros(rows.size)
    if model.world.contracts.enabled:
        fee = economics.weekly_fee(pop.monthly_fee[rows], model.policies)
        active_weeks = np.zeros(rows.size)
        active_recent = np.zeros(rows.size)
        for w, stage in zip(rec.weeks, rec.stages, strict=True):
            known = rows < stage.size  # people who had not entered the market yet were not billed
            a = np.zeros(rows.size, dtype=bool)
            a[known] = np.isin(stage[rows[known]], ACTIVE_STAGES)
            active_weeks += a
            if w > ctx.weeks - 52:
                active_recent += a
        fee_recent, fee_all = fee * active_recent, fee * active_weeks
    current = margin * (spend_recent + fee_recent)
    historical = margin * (spend_all + fee_all) - current
    potential = clv[rows]
    stage = pop.stage[rows]
    alive = np.isin(stage, ACTIVE_STAGES)
    sat = pop.satisfaction[rows].astype(np.float64)
    high_value = current >= (np.median(current[alive]) if alive.any() else 0.0)
    happy = sat >= model.world.relationship.at_risk_threshold + 0.1
    segment = np.where(~alive, "churned", np.where(high_value, np.where(happy, "star", "vulnerable"),
                                                    np.where(happy, "steady", "drifting")))
    value_type = np.array(VALUE_TYPES)[_terciles(current), _terciles(potential)]
    churn_week = pop.churn_week[rows].astype(np.int64)
    churned = churn_week >= 0
    labels = np.array([STAGE_LABELS[s][0] for s in Stage])
    labels_zh = np.array([STAGE_LABELS[s][1] for s in Stage])
    return arrow("truth_customers", {
        "customer_id": ctx.cid(rows), "true_stage": labels[stage], "true_stage_zh": labels_zh[stage],
        "satisfaction": sat.round(4), "trust": pop.trust[rows].astype(np.float64).round(4),
        "commitment": pop.commitment[rows].astype(np.float64).round(4), "churned": churned,
        "churn_week": pa.array(churn_week, mask=~churned), "churn_date": pa.array(
            ctx.day(np.maximum(churn_week, 1), 6).astype("datetime64[D]"), mask=~churned),
        "churn_cause": pa.array(np.array(CAUSES)[pop.churn_cause[rows]], mask=~churned), "alive": alive,
        "segment": segment, "value_type": value_type, "historical_value": historical.round(2),
        "current_value": current.round(2), "potential_value": potential.round(2), "clv": potential.round(2),
        "sleeping_dog": pop.sleeping_dog[rows], "responsiveness": pop.responsiveness[rows].astype(np.float64).round(4),
    })


def write_weekly_stage(path: Any, ctx: Context, rec: Any, weeks_per_group: int = 13) -> None:
    """Weekly true and perceived stage of every customer from signup on, streamed in row groups of weeks."""
    ids = pa.array(ctx.cid(np.arange(ctx.n_people)))
    labels = pa.array([STAGE_LABELS[s][0] for s in Stage])
    in_data = np.zeros(ctx.n_people + 1, dtype=bool)
    in_data[ctx.customers] = True
    schema = TABLES["truth_weekly_stage"].schema()
    with pq.ParquetWriter(path, schema, store_schema=False) as writer:
        for lo in range(0, len(rec.weeks), weeks_per_group):
            parts_c, parts_w, parts_s, parts_p = [], [], [], []
            sl = slice(lo, lo + weeks_per_group)
            for w, stage, seen in zip(rec.weeks[sl], rec.stages[sl], rec.perceived[sl], strict=True):
                who = np.flatnonzero((stage != Stage.PROSPECT) & in_data[: stage.size])
                parts_c.append(who)
                parts_w.append(np.full(who.size, w, np.int64))
                parts_s.append(stage[who])
                parts_p.append(seen[who])
            cust = np.concatenate(parts_c)
            table = pa.Table.from_arrays([
                pa.DictionaryArray.from_arrays(pa.array(cust.astype(np.int32)), ids).cast(pa.string()),
                pa.array(np.concatenate(parts_w)),
                pa.DictionaryArray.from_arrays(pa.array(np.concatenate(parts_s).astype(np.int32)), labels).cast(pa.string()),
                pa.DictionaryArray.from_arrays(pa.array(np.concatenate(parts_p).astype(np.int32)), labels).cast(pa.string()),
            ], schema=schema)
            writer.write_table(table)


def build_treatment_effects(replayer: ExperimentReplayer, rec: Any, contact_ids: np.ndarray,
                            contact_campaign: np.ndarray, ctx: Context) -> pa.Table:
    """Individual treatment effects of every customer in an experiment wave, joined to their contact row."""
    f = replayer.frame()
    c = rec.columns("contacts", ("customer", "campaign", "treated"))
    n = ctx.n_people + 1
    ret = np.flatnonzero(c["campaign"] == RETENTION) if c["week"].size else np.empty(0, np.int64)
    key_c = c["week"][ret].astype(np.int64) * n + c["customer"][ret]
    order = np.argsort(key_c, kind="stable")
    key_f = f["week"].astype(np.int64) * n + f["customer"].astype(np.int64)
    pos = np.searchsorted(key_c[order], key_f)
    found = (pos < key_c.size) & (key_c[order][np.minimum(pos, max(key_c.size - 1, 0))] == key_f) if key_c.size else \
        np.zeros(key_f.size, bool)
    # assigned to treatment but never contacted (channel they dislike): no contact row, no effect to grade
    f = {k: v[found] for k, v in f.items()}
    row = ret[order][pos[found]] if found.any() else np.empty(0, np.int64)
    churn_t, churn_u = f["churn_t"].astype(bool), f["churn_u"].astype(bool)
    spend_t, spend_u = f["spend_t"].astype(np.float64), f["spend_u"].astype(np.float64)
    return arrow("truth_treatment_effects", {
        "contact_id": contact_ids[row], "customer_id": ctx.cid(f["customer"]), "campaign_id": contact_campaign[row],
        "treated": c["treated"][row].astype(bool), "churn_if_treated": churn_t, "churn_if_untreated": churn_u,
        "effect_churn": churn_t.astype(np.int64) - churn_u.astype(np.int64), "spend_if_treated": spend_t.round(2),
        "spend_if_untreated": spend_u.round(2), "effect_spend": (spend_t - spend_u).round(2),
        "window_weeks": np.full(row.size, replayer.window, np.int64),
    })


def kpi_frame(rec: Any, ctx: Context) -> pd.DataFrame:
    """Weekly KPIs of the run, hidden ones included."""
    df = pd.DataFrame(rec.kpis)
    df["week"] = df["week"].astype("int64")
    df.insert(1, "date", pd.to_datetime(ctx.day(df["week"].to_numpy())))
    return df
