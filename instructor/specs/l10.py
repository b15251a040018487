"""L10 Capstone: a CRM strategy, written as a policy and graded by simulating it against the benchmark.

Why graded this way: docs/COURSE.md sec. 7 treats CRM strategy as choices about whom to win, keep
and serve at what cost, judged by what they do to profit and to the value of the customer base
(sec. 2, 3). A strategy has no answer key: the grader runs the student's policy table and the
scenario's own policy (the benchmark) on hidden paired seeds and scores the gain in profit over
two years plus customer equity at the end, with its standard error (``graders.scoring.modes``,
mode ``simulate``; the simulation code is ``simulations.labs.strategy``, the same the notebook
uses). Full marks beyond the noise, half when indistinguishable, none when worse.

Why the bank (``bank-students``): the capstone asks for a strategy in a world the student has not
analysed, and it is the one built-in scenario no other lab uses (retail in L01-L04, L07, L08;
telecom in L05, L06; appliance-community in L09). The role-play case ``cases/bank-students`` plays
the same bank: a course that wants the capstone's world new to its students runs that case after
L10 (labs/README.md says so). It is also the world where potential value dominates current value
(docs/COURSE.md sec. 2): a student brings little today, so a strategy judged on this year's profit
alone starves the base that pays later. The diagnosis question is one the bank's own records
answer: how much the spend of the students who stayed grew from the first year to the second,
against the tempting total-amount ratio that counts the new customers as growth.

The known wrong strategies are the ones the bank world shows to lose on paired seeds (measured on
the 6 pool seeds and on seeds 1-6, 2,000 customers x 104 weeks): cutting service to the bone, a
price rise (students buy less and fewer sign up: the margin per order does not make up for it),
stopping acquisition (the students signed now are the bank's future), and stopping cross-selling
(a student's relationship grows through further products), and switching the retention calls off.
Until the third calibration round the bank world could not tell the last from the benchmark (gain
+1,509 +- 1,779 on seeds 1-6): leavers faded away with nothing on record. Since students close
accounts on record and an adviser calls them, it loses (gain -29,884 +- 10,391 on seeds 1-6, 2,000 x
104). On 4 grader seeds it was indistinguishable from the benchmark in 6 of the public pool's 15 draws,
so it was not graded; on 5 seeds it loses beyond the noise in every draw of the hidden pool and in 5
of the public pool's 6 (2026-12-05), so it is graded as wrong (an indistinguishable draw earns half).

Cost: the grader's seeds for a dataset are 5 of a pool of 6 hidden seeds per scenario (chosen
from the dataset id; 6 possible draws), so 50-seed validation runs each policy on at most 6
worlds (cached runs of 2,000 customers x 104 weeks, about 0.2 s each) and a class of any size
costs one benchmark run per pool seed plus 5 runs per student. Why 5 and not 4 (until 2026-12-05):
the master's strategy gains on every seed of both pools (+37,066 to +262,399 on the public pool),
but a draw of 4 that holds the public pool's outlier seed (+262,399) has so wide a standard error
that a policy better on all 4 seeds "could not be told apart" from the benchmark (1 draw of 15);
with 5 of 6 every draw of both pools passes, and a 4-seed mean was too fragile for a grade. The committed practice datasets,
whose keys and practice feedback are public, draw from a public pool of their own.

Since the bank's eleventh calibration round (2026-12-06: a new student costs 80 on top of the media
budget, an adviser's call 7.5) doubling acquisition costs more profit in two years, and the master's
strategy gains about -9,000 to +71,000 on the hidden pool's seeds and +37,000 to +271,000 on the
public pool's; every draw of 5 of either pool still passes. At 120 a new student it lost 18,000 on one
hidden seed and fell within 2 SE in 3 of the 6 hidden draws, so the bank's signing cost was kept lower.
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
SEEDS = 5
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
              "marketing.retention.offer": min(0.5, 2 * pol.marketing.retention.offer)}
    return {"spend_growth": spend_growth(data),
            "strategy": strategy.table(policy),
            "why_equity": "profit alone rewards milking the customer base",
            "why_paired": "the same seeds give both policies the same luck"}


def _yearly_amounts(data):
    """Amount ordered per customer in the first 52 weeks and in the weeks after (from ``metadata['start_date']``)."""
    import pandas as pd

    orders = data["orders"]
    cut = pd.Timestamp(str(data.metadata["start_date"])) + pd.Timedelta(weeks=52)
    second = pd.to_datetime(orders["order_ts"]) >= cut
    return (orders.loc[~second].groupby("customer_id")["amount"].sum(),
            orders.loc[second].groupby("customer_id")["amount"].sum())


def spend_growth(data) -> float:
    """Amount ordered in year 2 over year 1, summed over the customers with orders in both years."""
    first, second = _yearly_amounts(data)
    both = first.index.intersection(second.index)
    return float(second[both].sum() / first[both].sum())


def total_growth(data) -> float:
    """Wrong: the bank's whole amount in year 2 over year 1 (new customers counted as students spending more)."""
    first, second = _yearly_amounts(data)
    return float(second.sum() / first.sum())


def cut_service(data):
    """Wrong: every service capacity cut to a quarter (costs saved now, customers lost later)."""
    caps = _policies(data).service.capacity
    return strategy.table({f"service.capacity.{c}": float(v * 0.25) for c, v in caps.items()})


def price_up(data):
    """Wrong: a 15% price rise (students buy less and fewer sign up; profit and customer equity both fall)."""
    return strategy.table({"pricing.price_index": 1.15})


def no_acquisition(data):
    """Wrong: no paid acquisition (the base shrinks, and with it the potential value the bank courts students for)."""
    return strategy.table(_budgets(data, 0.0))


def retention_off(data):
    """Wrong: no retention calls (students who asked to close their accounts leave without anyone calling them)."""
    return strategy.table({"marketing.retention.enabled": False})


def cross_sell_off(data):
    """Wrong: cross-selling switched off (a student's relationship grows through further products)."""
    return strategy.table({"marketing.cross_sell.enabled": False})


EQUITY_CHOICES = ["profit alone rewards milking the customer base", "equity is easier to measure than profit",
                  "profit is not affected by CRM decisions", "customer equity counts only new customers"]
PAIRED_CHOICES = ["the same seeds give both policies the same luck", "more seeds always favour the new policy",
                  "seeds make the simulation faster", "the benchmark needs no seeds"]

SPEC = LabSpec(
    lab_id="L10",
    title="L10 Capstone: a CRM strategy",
    title_zh="L10 综合实验：制定客户关系管理战略",
    default_dataset="bank-students-default",
    scenario="bank-students",
    questions=(
        Question("spend_growth", "scalar",
                 "Diagnosis: how much did the students who stayed spend more in the second year? Split the orders "
                 "at 52 weeks after the dataset's start (metadata start_date) and, over the customers with at least "
                 "one order in each year, divide the total amount of year 2 by the total amount of year 1.",
                 mode="reproduce", checks={"range": [0, 100]}, reference=spend_growth,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("total_growth", total_growth,
                                               "the bank's whole amount grows also because it signs up new students: "
                                               "compare the same customers in both years (those with orders in each)",
                                               "银行的总消费额增长也来自新签约的学生：请比较两年都有订单的同一批客户"),)),
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
                     Misconception("price_up", price_up,
                                   "a price rise earns more on each order, but students buy less and fewer sign up: "
                                   "profit and customer equity both fall",
                                   "涨价让每笔订单赚得更多，但学生买得更少、签约的人也更少：利润和客户资产都会下降"),
                     Misconception("no_acquisition", no_acquisition,
                                   "without paid acquisition the customer base shrinks: the budget saved is less "
                                   "than the customer equity lost",
                                   "停掉付费获客后客户基础会萎缩：省下的预算少于损失的客户资产"),
                     Misconception("cross_sell_off", cross_sell_off,
                                   "a student's relationship grows through further products (a savings account, a "
                                   "card): without cross-selling the spend that the potential value promises stays out "
                                   "of reach",
                                   "学生与银行的关系靠更多的产品（储蓄账户、银行卡）成长：停掉交叉销售，潜在价值所许诺的"
                                   "消费就无从实现"),
                     Misconception("retention_off", retention_off,
                                   "without the adviser's calls, students who asked to close their accounts simply "
                                   "leave: the calls and waivers saved cost less than the customer equity lost",
                                   "没有顾问的电话，申请销户的学生就直接离开了：省下的电话和费用减免，少于损失的客户资产"))),
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
        "total_growth": ("spend_growth", total_growth),
        "cut_service": ("strategy", cut_service),
        "price_up": ("strategy", price_up),
        "no_acquisition": ("strategy", no_acquisition),
        "cross_sell_off": ("strategy", cross_sell_off),
        "retention_off": ("strategy", retention_off),
        "equity_easier": ("why_equity", lambda data: "equity is easier to measure than profit"),
    },
)
