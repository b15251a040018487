"""L10 Capstone: a CRM strategy, written as a policy and graded by simulating it against the benchmark.

Why graded this way: docs/COURSE.md sec. 7 treats CRM strategy as choices about whom to win, keep
and serve at what cost, judged by what they do to profit and to the value of the customer base
(sec. 2, 3). A strategy has no answer key: the grader runs the student's policy table and the
scenario's own policy (the benchmark) on hidden paired seeds and scores the gain in profit over
two years plus customer equity at the end, with its standard error (``graders.scoring.modes``,
mode ``simulate``; the simulation code is ``simulations.labs.strategy``, the same the notebook
uses). Full marks beyond the noise, half when indistinguishable, none when worse. The known
wrong strategies are the ones the calibrated telecom world shows to lose: cutting service to the
bone, switching retention off, a price rise that books profit while it releases contract
customers, and stopping acquisition.

Cost: the grader's seeds for a dataset are 4 of a pool of 6 hidden seeds per scenario (chosen
from the dataset id; 15 possible draws), so 50-seed validation runs each policy on at most 6
worlds (cached runs of 2,000 customers x 104 weeks, about 0.2 s each) and a class of any size
costs one benchmark run per pool seed plus 4 runs per student. The committed practice datasets,
whose keys and practice feedback are public, draw from a public pool of their own.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from graders.specs.base import LabSpec, Misconception, Question
from simulations.labs import strategy

SIM_CUSTOMERS = 2_000
SIM_WEEKS = 104
POOL = 6
SEEDS = 4
#: Instructor-only: change it each term so that last term's seeds say nothing about this term's.
SALT = "l10-capstone-2026"
#: The committed practice datasets' keys are public, and so is what lab.check() says on them (their
#: practice file holds the seeds it simulates): they draw from a pool of their own, so that the
#: practice file gives away none of the hidden pool that every issued dataset draws from.
PUBLIC_SALT = "l10-practice"


def _hash(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:6], "big")


@lru_cache(maxsize=1)
def _practice_ids() -> frozenset[str]:
    """Ids of the committed practice datasets (``datasets/*/metadata.json``; none in an installed wheel)."""
    from simulations.data import DATASETS_DIR

    return frozenset(json.loads(m.read_text(encoding="utf-8"))["dataset_id"] for m in DATASETS_DIR.glob("*/metadata.json"))


def hidden_seeds(data) -> list[int]:
    """The grader's paired seeds for this dataset: ``SEEDS`` of the scenario's pool, chosen by the dataset id.

    The pool is the hidden one (``SALT``) for every dataset but the committed practice datasets.
    """
    scenario, dataset_id = str(data.metadata["scenario"]), str(data.metadata["dataset_id"])
    salt = PUBLIC_SALT if dataset_id in _practice_ids() else SALT
    pool = sorted(range(POOL), key=lambda i: _hash(salt, dataset_id, i))[:SEEDS]
    return [_hash(salt, scenario, i) % 2**31 for i in sorted(pool)]


def benchmark(data) -> dict:
    """The benchmark (the scenario's own policy) on the hidden seeds: profit and customer equity per seed."""
    scenario = str(data.metadata["scenario"])
    seeds = hidden_seeds(data)
    runs = [strategy.run(scenario, (), s, SIM_CUSTOMERS, SIM_WEEKS) for s in seeds]
    return {"scenario": scenario, "seeds": seeds, "customers": SIM_CUSTOMERS, "weeks": SIM_WEEKS,
            "profit": [r[0] for r in runs], "equity": [r[1] for r in runs]}


def _policies(data):
    from simulations.config import load_scenario

    return load_scenario(str(data.metadata["scenario"])).policies


def _budgets(data, factor: float) -> dict:
    budget = _policies(data).acquisition.budget
    return {f"acquisition.budget.{c}": float(min(5000.0, v * factor)) for c, v in budget.items()}


def solution(data) -> dict:
    """The model answer as the master reaches it: the levers that won on the student's own seeds, together."""
    pol = _policies(data)
    policy = {**_budgets(data, 2.0),
              "loyalty.enabled": True,
              "marketing.retention.offer": min(0.5, 2 * pol.marketing.retention.offer),
              "service.recovery_effort": 1.0}
    status = data["contracts"]["status"]
    return {"left_share": float(((status == "terminated") | (status == "notice_given")).mean()),
            "strategy": strategy.table(policy),
            "why_equity": "profit alone rewards milking the customer base",
            "why_paired": "the same seeds give both policies the same luck"}


def left_share(data) -> float:
    """Share of contracts the subscriber ended or gave notice on (status terminated or notice_given)."""
    status = data["contracts"]["status"].astype(str)
    return float(status.isin(["terminated", "notice_given"]).mean())


def not_active_share(data) -> float:
    """Wrong: every contract that is not active counted as lost (renewed and expired terms included)."""
    return float((data["contracts"]["status"].astype(str) != "active").mean())


def cut_service(data):
    """Wrong: every service capacity cut to a quarter (costs saved now, customers lost later)."""
    caps = _policies(data).service.capacity
    return strategy.table({f"service.capacity.{c}": float(v * 0.25) for c, v in caps.items()})


def retention_off(data):
    """Wrong: the retention campaign switched off."""
    return strategy.table({"marketing.retention.enabled": False})


def price_up(data):
    """Wrong: a 15% price rise (profit now, customers released from their contracts and equity lost)."""
    return strategy.table({"pricing.price_index": 1.15})


def no_acquisition(data):
    """Wrong: no paid acquisition (the base shrinks)."""
    return strategy.table(_budgets(data, 0.0))


EQUITY_CHOICES = ["profit alone rewards milking the customer base", "equity is easier to measure than profit",
                  "profit is not affected by CRM decisions", "customer equity counts only new customers"]
PAIRED_CHOICES = ["the same seeds give both policies the same luck", "more seeds always favour the new policy",
                  "seeds make the simulation faster", "the benchmark needs no seeds"]

SPEC = LabSpec(
    lab_id="L10",
    title="L10 Capstone: a CRM strategy",
    title_zh="L10 综合实验：制定客户关系管理战略",
    default_dataset="telecom-default",
    scenario="telecom",
    questions=(
        Question("left_share", "scalar",
                 "Diagnosis: which share of all contracts in the contracts table did the subscriber end or give "
                 "notice on (status terminated or notice_given)?",
                 mode="reproduce", checks={"range": [0, 1]}, reference=left_share, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("not_active", not_active_share,
                                               "a renewed or expired term is not a subscriber leaving: count only "
                                               "contracts ended or under notice",
                                               "续约或到期的合同并不表示用户离开：只统计已解约或处于解约通知期的合同"),)),
        Question("strategy", "table",
                 "Your strategy: a policy table with columns field and value, changing only fields of "
                 "simulations.labs.strategy.FIELDS within their ranges (fields not listed keep the benchmark's "
                 f"values). Scored by simulating it and the benchmark on hidden paired seeds ({SIM_CUSTOMERS:,} "
                 f"customers x {SIM_WEEKS} weeks): profit over the run plus customer equity at its end. Full points "
                 "when it beats the benchmark beyond 2 standard errors (and by at least 1% of the benchmark's "
                 "value), half when the two cannot be told apart, none when it is worse.",
                 mode="simulate", points=6.0, checks={"columns": ["field", "value"]}, reference=benchmark,
                 params={"z": 2.0, "min_gain": 0.01, "partial": 0.5,
                         "hint_match": {"subset": True, "key": "field", "rtol": 0.1, "atol": 1e-6}},
                 misconceptions=(
                     Misconception("cut_service", cut_service,
                                   "service capacity cut far down saves its cost, but waiting and unresolved "
                                   "customers become endangered and leave: look at customer equity",
                                   "把服务能力大幅削减能省下成本，但长时间等待、问题得不到解决的客户会变得有流失风险"
                                   "并最终离开：请看客户资产的变化"),
                     Misconception("retention_off", retention_off,
                                   "without the retention campaign the customers at risk are left to leave",
                                   "关掉维系活动后，有流失风险的客户就无人挽留了"),
                     Misconception("price_up", price_up,
                                   "a price rise books profit now, but lets contract customers leave without penalty "
                                   "and lowers satisfaction: customer equity falls by more than profit rises",
                                   "涨价能立即带来利润，但合同客户可以无违约金解约，满意度也会下降：客户资产的减少"
                                   "超过了利润的增加"),
                     Misconception("no_acquisition", no_acquisition,
                                   "without paid acquisition the customer base shrinks: the budget saved is less "
                                   "than the customer equity lost",
                                   "停掉付费获客后客户基础会萎缩：省下的预算少于损失的客户资产"))),
        Question("why_equity", "choice", "Why is the strategy scored on customer equity as well as on profit?",
                 mode="exact", checks={"choices": EQUITY_CHOICES},
                 params={"correct": "profit alone rewards milking the customer base"}),
        Question("why_paired", "choice",
                 "Why are your policy and the benchmark run on the same (paired) seeds?",
                 mode="exact", checks={"choices": PAIRED_CHOICES},
                 params={"correct": "the same seeds give both policies the same luck"}),
    ),
    solution=solution,
    wrong_methods={
        "left_not_active": ("left_share", not_active_share),
        "cut_service": ("strategy", cut_service),
        "retention_off": ("strategy", retention_off),
        "price_up": ("strategy", price_up),
        "no_acquisition": ("strategy", no_acquisition),
        "equity_easier": ("why_equity", lambda data: "equity is easier to measure than profit"),
    },
)
