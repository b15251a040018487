"""L07 A retention experiment: the campaign's average effect, uplift by segment, and a targeting policy.

Why these questions: docs/COURSE.md sec. 3 asks a retention campaign to be judged by what it
changes, not by who answers it. The data come from a randomised retention experiment (every wave,
the customers the firm flags as at risk are split at random into treatment and control), so a plain
difference in means estimates the offer's effect. Students estimate the average effect on ordering
within 13 weeks with its standard error (the take-up of the coupon and the comparison of responders
with everyone else are the known mistakes), rank segments by uplift (a ranking by response rate is
the classic confusion of responders with persuadables), and choose a targeting rule.

The rule is graded by simulation, not by a fixed answer: the grader runs the student's world (the
dataset's scenario and overrides) under every rule offered and under risk targeting on hidden paired
seeds, and accepts every rule whose profit is not below risk targeting's by more than twice the
standard error of the paired differences. The hidden seeds are drawn, by the dataset id, from a
fixed pool, so one grading batch (or one 50-seed validation) simulates each (rule, seed) once.
No truth table is needed: the keys are not read, and ``grade validate`` generates its datasets
without the counterfactual runs.
"""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question

from .common import observation_end as _end
from .common import orders as _orders
from .common import sim_seed

WINDOW_DAYS = 91  # 13 weeks after the contact
HISTORY_DAYS = 182  # segments count the customer's orders in the 26 weeks before the contact
SEGMENTS = ("none", "one", "several")
EXPERIMENT = {"policies.marketing.retention.targeting": "random"}

RULES = ("none", "all", "top_k", "uplift")
RISK_RULE = "top_k"
SIM_CUSTOMERS = 2_000
SIM_WEEKS = 52
HIDDEN = 6  # hidden seeds per student
#: the pool the hidden seeds are drawn from (instructor-side constants; a student cannot know which they get)
POOL = (731_447, 190_223, 655_081, 402_977, 868_351, 277_619, 514_003, 939_211, 123_457, 360_559)
MARGIN_SE = 2.0


_LAST: list[tuple[object, pd.DataFrame]] = []  # the last dataset's experiment table (see ``experiment``)


def experiment(data) -> pd.DataFrame:
    """The experiment table of ``data`` (a copy), built once per dataset.

    Why cached: the reference, the solution and every wrong method start from this table, and grading
    (or a 50-seed validation) calls them one after another on the same dataset object.
    """
    if not (_LAST and _LAST[0][0] is data):
        _LAST[:] = [(data, _experiment(data))]
    return _LAST[0][1].copy()


def _experiment(data) -> pd.DataFrame:
    """The retention experiment's contacts whose 13-week window lies inside the data, with their outcome.

    One row per contact (treatment or control of a randomised retention wave): ``treated``,
    ``responded``, ``ordered`` (any order in the 91 days from the contact date), ``orders_before``
    (the customer's orders in the 182 days before the contact date), and ``complete`` (the whole
    window is observed).
    """
    contacts = data["marketing_contacts"].merge(data["campaigns"][["campaign_id", "campaign_type", "is_experiment"]],
                                                on="campaign_id")
    exp = contacts[(contacts["campaign_type"] == "retention") & contacts["is_experiment"].astype(bool)
                   & contacts["assignment"].isin(["treatment", "control"])].copy()
    exp["customer_id"] = exp["customer_id"].astype(str)
    exp["contact_date"] = pd.to_datetime(exp["contact_date"])
    o = _orders(data)
    pairs = exp[["contact_id", "customer_id", "contact_date"]].merge(o, on="customer_id", how="inner")
    after = (pairs["order_ts"] >= pairs["contact_date"]) & (
        pairs["order_ts"] < pairs["contact_date"] + pd.Timedelta(days=WINDOW_DAYS))
    before = (pairs["order_ts"] < pairs["contact_date"]) & (
        pairs["order_ts"] >= pairs["contact_date"] - pd.Timedelta(days=HISTORY_DAYS))
    exp = exp.set_index("contact_id")
    exp["ordered"] = pairs[after].groupby("contact_id").size().reindex(exp.index).fillna(0).gt(0)
    exp["orders_before"] = pairs[before].groupby("contact_id").size().reindex(exp.index).fillna(0).astype(int)
    exp["treated"] = exp["assignment"] == "treatment"
    exp["responded"] = exp["responded"].astype(bool)
    exp["complete"] = exp["contact_date"] + pd.Timedelta(days=WINDOW_DAYS) <= _end(data)
    return exp


def _diff(e: pd.DataFrame) -> tuple[float, float]:
    t, c = e.loc[e["treated"], "ordered"].astype(float), e.loc[~e["treated"], "ordered"].astype(float)
    p1, p0 = t.mean(), c.mean()
    return float(p1 - p0), float(np.sqrt(p1 * (1 - p1) / len(t) + p0 * (1 - p0) / len(c)))


def ate(data) -> dict:
    """Difference in 13-week order rates, treatment minus control, complete windows; SE sqrt(p1q1/n1 + p0q0/n0)."""
    value, se = _diff(experiment(data).query("complete"))
    return {"value": value, "se": se}


def ate_incomplete_windows(data) -> dict:
    """Wrong: contacts of the last 13 weeks kept, though their window is cut short by the end of the data."""
    value, se = _diff(experiment(data))
    return {"value": value, "se": se}


def ate_response_rate(data) -> dict:
    """Wrong: the coupon take-up of the treatment group read as the effect (controls get no coupon)."""
    e = experiment(data).query("complete")
    r = e.loc[e["treated"], "responded"].astype(float)
    return {"value": float(r.mean()), "se": float(r.std() / np.sqrt(len(r)))}


def ate_responders_vs_rest(data) -> dict:
    """Wrong: the order rate of contacts who used the coupon minus that of everyone else (self-selected groups)."""
    e = experiment(data).query("complete")
    yes, no = e.loc[e["responded"], "ordered"].astype(float), e.loc[~e["responded"], "ordered"].astype(float)
    return {"value": float(yes.mean() - no.mean()), "se": float(np.sqrt(yes.var() / len(yes) + no.var() / len(no)))}


def ate_sd_as_se(data) -> dict:
    """Wrong standard error: the standard deviation of the outcome instead of the SE of the difference."""
    e = experiment(data).query("complete")
    value, _ = _diff(e)
    return {"value": value, "se": float(e["ordered"].astype(float).std())}


def segment(e: pd.DataFrame) -> pd.Series:
    """Orders in the 26 weeks before the contact: none, one, several (2 or more)."""
    n = e["orders_before"]
    return pd.Series(np.where(n == 0, "none", np.where(n == 1, "one", "several")), index=e.index)


def _by_segment(data, column: str, rule) -> dict[str, float]:
    """``rule`` per segment, for the segments with contacts in both groups (an uplift needs both)."""
    e = experiment(data).query("complete")
    seg = segment(e)
    both = [s for s in SEGMENTS if e.loc[seg == s, "treated"].nunique() == 2]
    return {s: float(rule(e[seg == s], column)) for s in both}


def uplift_by_segment(data) -> dict[str, float]:
    """Per segment: 13-week order rate of treatment minus that of control (complete windows)."""
    return _by_segment(data, "ordered", lambda g, c: g.loc[g["treated"], c].mean() - g.loc[~g["treated"], c].mean())


def response_by_segment(data) -> dict[str, float]:
    """Wrong: the coupon take-up per segment (a response model, not an uplift model)."""
    return _by_segment(data, "responded", lambda g, c: g.loc[g["treated"], c].mean())


def treated_rate_by_segment(data) -> dict[str, float]:
    """Wrong: the treatment group's order rate per segment, without the control group's baseline."""
    return _by_segment(data, "ordered", lambda g, c: g.loc[g["treated"], c].mean())


def hidden_seeds(data) -> tuple[int, ...]:
    """The grader's paired seeds for this student: ``HIDDEN`` of ``POOL``, chosen by the dataset id."""
    rng = np.random.default_rng(sim_seed(data))
    return tuple(int(s) for s in sorted(rng.choice(POOL, HIDDEN, replace=False)))


def world(data) -> tuple[str, str]:
    """The student's world as a cache key: the dataset's scenario and its overrides (as sorted JSON)."""
    return str(data.metadata["scenario"]), json.dumps(data.metadata.get("overrides") or {}, sort_keys=True)


@lru_cache(maxsize=1024)
def simulated_profit(scenario: str, overrides: str, seed: int, rule: str,
                     customers: int = SIM_CUSTOMERS, weeks: int = SIM_WEEKS) -> float:
    """Total profit of ``weeks`` weeks of the world under retention targeting ``rule`` (cached per world, seed, rule)."""
    from simulations.config import load_scenario, with_overrides
    from simulations.model import CustomerLifecycleModel

    spec = with_overrides(load_scenario(scenario), {**json.loads(overrides),
                                                    "policies.marketing.retention.targeting": rule})
    model = CustomerLifecycleModel(spec, customers=customers, seed=seed)
    model.run(weeks)
    return float(model.kpi_frame()["profit"].sum())


def profit_gaps(data) -> dict[str, tuple[float, float]]:
    """Per rule: mean paired profit difference to risk targeting over the hidden seeds, and its standard error."""
    scenario, overrides = world(data)
    seeds = hidden_seeds(data)
    risk = np.array([simulated_profit(scenario, overrides, s, RISK_RULE) for s in seeds])
    gaps = {}
    for rule in RULES:
        d = np.array([simulated_profit(scenario, overrides, s, rule) for s in seeds]) - risk
        gaps[rule] = (float(d.mean()), float(d.std(ddof=1) / np.sqrt(d.size)))
    return gaps


def accepted_rules(keys, data) -> list[str]:
    """The rules whose simulated profit is not below risk targeting's by more than 2 SE (risk targeting itself included)."""
    return [rule for rule, (gap, se) in profit_gaps(data).items() if gap >= -MARGIN_SE * se]


def solution(data) -> dict:
    """The model answer as the master computes it."""
    e = experiment(data).query("complete")
    t, c = e[e["treated"]], e[~e["treated"]]
    p1, p0 = t["ordered"].mean(), c["ordered"].mean()
    e = e.assign(segment=segment(e))
    rates = e.groupby(["segment", "treated"])["ordered"].mean().unstack().dropna()
    return {
        "ate_order": {"value": float(p1 - p0),
                      "se": float(np.sqrt(p1 * (1 - p1) / len(t) + p0 * (1 - p0) / len(c)))},
        "uplift_by_segment": (rates[True] - rates[False]).to_dict(),
        # the experiment's treatment arm is "offer every flagged customer": it raised ordering, and in the
        # master's own paired simulation it earns at least what risk targeting earns
        "policy": "all",
        "target_whom": TARGET_CORRECT,
    }


TARGET_CHOICES = ["the customers most likely to churn", "the customers most likely to use the coupon",
                  "the customers whose behaviour the offer changes most", "every customer, to be safe"]
TARGET_CORRECT = "the customers whose behaviour the offer changes most"

SPEC = LabSpec(
    lab_id="L07",
    title="L07 A retention experiment",
    title_zh="L07 客户维系实验",
    default_dataset="retail-default",
    scenario="retail",
    overrides=EXPERIMENT,
    keys_needed=(),
    questions=(
        Question("ate_order", "estimate",
                 "Average effect of the retention offer on ordering: among the contacts of the randomised retention "
                 "waves (campaign_type retention, is_experiment) whose 13-week window (91 days from the contact date) "
                 "ends inside the data, the share of treatment contacts with at least one order in that window minus "
                 "the share of control contacts; with its standard error sqrt(p1(1-p1)/n1 + p0(1-p0)/n0).",
                 mode="reproduce", points=2.0, checks={"range": [-1, 1]}, reference=ate,
                 params={"atol": 1e-6, "rtol": 1e-6, "se_check": {"atol": 1e-6, "rtol": 0.02}},
                 misconceptions=(
                     Misconception("response_rate", ate_response_rate,
                                   "this is the share who used the coupon: many of them would have ordered anyway, and "
                                   "the effect is the difference to the control group",
                                   "这是使用了优惠券的比例：其中很多人本来就会下单，效果应是与对照组的差"),
                     Misconception("responders_vs_rest", ate_responders_vs_rest,
                                   "customers who used the coupon chose to: comparing them with everyone else measures "
                                   "who they are, not what the offer did; compare the randomised groups",
                                   "使用优惠券的客户是自己选择的：拿他们与其他人比较，量出的是他们是谁，而不是优惠的作用；"
                                   "请比较随机分出的两组"),
                     Misconception("incomplete_windows", ate_incomplete_windows,
                                   "contacts near the end of the data have not had 13 weeks to order yet: keep only "
                                   "contacts whose whole window is observed",
                                   "临近数据结束的接触还没有满 13 周的下单时间：只保留整个窗口都能观察到的接触"),
                     Misconception("sd_as_se", ate_sd_as_se,
                                   "this is the standard deviation of the outcome, not the standard error of the "
                                   "difference in means",
                                   "这是结果变量的标准差，不是均值之差的标准误", on="se"))),
        Question("uplift_by_segment", "values",
                 "Uplift by segment (same contacts as ate_order): segment each contact by the customer's orders in the "
                 "26 weeks (182 days) before the contact date - none (0), one (1), several (2 or more) - and give, for "
                 "each segment with contacts in both groups, the 13-week order rate of treatment minus that of control, "
                 "as {segment: uplift}.",
                 mode="reproduce", points=2.0, checks={"range": [-1, 1]}, reference=uplift_by_segment,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(
                     Misconception("response_model", response_by_segment,
                                   "these look like coupon take-up rates: a response model finds who answers, an uplift "
                                   "model finds whose behaviour changes (treatment minus control)",
                                   "这看起来是优惠券使用率：响应模型找出谁会回应，增量效果模型找出谁的行为被改变"
                                   "（处理组减对照组）"),
                     Misconception("no_baseline", treated_rate_by_segment,
                                   "these are the treatment group's order rates: subtract the control group's rate in "
                                   "the same segment",
                                   "这些是处理组的下单率：还要减去同一细分中对照组的下单率"))),
        Question("policy", "choice",
                 f"Targeting policy for the next year: which retention targeting rule should the firm run "
                 f"({', '.join(RULES)})? Graded by simulation: the grader runs your world (your dataset's scenario "
                 f"and settings), {SIM_CUSTOMERS:,} customers for {SIM_WEEKS} weeks, under your rule and under risk "
                 f"targeting (top_k) on {HIDDEN} hidden paired seeds; full points when your rule's profit is not "
                 f"below risk targeting's by more than {MARGIN_SE:g} standard errors of the paired differences.",
                 mode="exact", points=2.0, checks={"choices": list(RULES)}, truth=accepted_rules,
                 misconceptions=(
                     Misconception("stop", lambda data: "none",
                                   "an effect that looks small on average is not zero, and the offer also keeps "
                                   "customers who would have left: simulate stopping against risk targeting",
                                   "平均效果看起来小并不等于零，优惠还留住了本会离开的客户：请把停止活动与按风险定位"
                                   "放在一起模拟比较"),)),
        Question("target_whom", "choice", "Whom should a retention offer be sent to?",
                 mode="exact", checks={"choices": TARGET_CHOICES}, params={"correct": TARGET_CORRECT},
                 misconceptions=(
                     Misconception("risk", lambda data: TARGET_CHOICES[0],
                                   "the most endangered customers may be lost whatever we do, and some of them resent "
                                   "being contacted (sleeping dogs)",
                                   "风险最高的客户可能无论如何都会流失，有些人还反感被联系（“沉睡的狗”）"),
                     Misconception("response", lambda data: TARGET_CHOICES[1],
                                   "customers who use the coupon often would have ordered anyway: the coupon then only "
                                   "subsidises a purchase",
                                   "使用优惠券的客户往往本来就会下单：这时优惠券只是补贴了一次购买"))),
    ),
    solution=solution,
    wrong_methods={
        "ate_response_rate": ("ate_order", ate_response_rate),
        "ate_responders_vs_rest": ("ate_order", ate_responders_vs_rest),
        "ate_incomplete_windows": ("ate_order", ate_incomplete_windows),
        "ate_sd_as_se": ("ate_order", ate_sd_as_se),
        "uplift_response_model": ("uplift_by_segment", response_by_segment),
        "uplift_no_baseline": ("uplift_by_segment", treated_rate_by_segment),
        "policy_stop": ("policy", lambda data: "none"),
        "target_risk": ("target_whom", lambda data: TARGET_CHOICES[0]),
        "target_response": ("target_whom", lambda data: TARGET_CHOICES[1]),
    },
)
