"""L01 Meet the customers: run the simulator, read the lifecycle, change one policy on the same seed.

Why these questions: the lab's point is that the lifecycle is a process (counts over time, flows
between stages) and that a policy comparison is only fair on the same random numbers (common random
numbers). The simulation questions are "reproduce" questions: the grader reruns the very model the
student was asked to run (scenario and a seed derived from the student's dataset id, small size), so
every student gets different but checkable numbers; the referral question is read from the
student's own ``customers`` table; the stage question is a concept check (docs/COURSE.md sec. 1).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question
from simulations.stages import Stage

from .common import sim_seed

SIM_CUSTOMERS = 1_000
SIM_WEEKS = 52
CAPACITY_FACTOR = 0.5  # the policy change: half the phone capacity


@lru_cache(maxsize=16)
def _run(scenario_name: str, seed: int, phone_factor: float):
    from simulations.config import load_scenario
    from simulations.model import CustomerLifecycleModel

    scenario = load_scenario(scenario_name)
    capacity = dict(scenario.policies.service.capacity)
    capacity["phone"] = capacity["phone"] * phone_factor
    model = CustomerLifecycleModel(scenario, customers=SIM_CUSTOMERS, seed=seed, policies__service__capacity=capacity)
    model.run(SIM_WEEKS)
    return model


def run_model(data, seed: int | None = None, phone_factor: float = 1.0):
    """The model the lab asks for (dataset scenario, small size), optionally with scaled phone capacity.

    Cached: the grader asks several questions of the same run.
    """
    return _run(str(data.metadata["scenario"]), sim_seed(data) if seed is None else seed, phone_factor)


def active_at_end(data) -> int:
    """Active customers (KPI ``customers_active``) in the last week."""
    return int(run_model(data).kpi_frame()["customers_active"].iloc[-1])


def growth_to_maturity(data) -> int:
    """Moves from growth to maturity over the whole run (the model's cumulative flow matrix)."""
    return int(run_model(data).flows[Stage.GROWTH, Stage.MATURITY])


def maturity_to_growth(data) -> int:
    """Wrong: the flow read the other way round (row = from, column = to)."""
    return int(run_model(data).flows[Stage.MATURITY, Stage.GROWTH])


def profit_change(data) -> float:
    """Total profit with half the phone capacity minus total profit as is, same seed."""
    base = run_model(data).kpi_frame()["profit"].sum()
    half = run_model(data, phone_factor=CAPACITY_FACTOR).kpi_frame()["profit"].sum()
    return float(half - base)


def profit_change_other_seed(data) -> float:
    """Wrong: the changed policy run on a different seed, so luck is mixed with the policy's effect."""
    base = run_model(data).kpi_frame()["profit"].sum()
    half = run_model(data, seed=sim_seed(data) + 1, phone_factor=CAPACITY_FACTOR).kpi_frame()["profit"].sum()
    return float(half - base)


def active_including_prospects(data) -> int:
    """Wrong: counts everyone who is not lost, prospects and dormant included."""
    frame = run_model(data).kpi_frame().iloc[-1]
    return int(frame["customers_active"] + frame["n_prospect"] + frame["n_dormant"])


def referral_share(data) -> float:
    """Share of referrals among customers acquired during the data (initial base excluded)."""
    channel = data["customers"]["acquisition_channel"].astype(str)
    new = channel[channel != "initial_base"]
    return float((new == "referral").mean())


def referral_share_all(data) -> float:
    """Wrong: the initial base (acquired before the data) left in the denominator."""
    return float((data["customers"]["acquisition_channel"].astype(str) == "referral").mean())


def solution(data) -> dict:
    """The model answer, as the master notebook computes it from the two runs it makes.

    The two runs (the student's seed at full and at half phone capacity) are the grader's own
    cached runs: the notebook builds the very same models (``tests/test_labs_notebooks.py`` runs
    the master against these answers), so validation over many seeds need not simulate them twice.
    """
    base = run_model(data)
    changed = run_model(data, phone_factor=CAPACITY_FACTOR)
    kpis, kpis2 = base.kpi_frame(), changed.kpi_frame()
    customers = pd.DataFrame(data["customers"])
    new = customers[customers["acquisition_channel"] != "initial_base"]
    return {
        "active_end": int(kpis["customers_active"].iloc[-1]),
        "growth_to_maturity": int(base.flows[Stage.GROWTH, Stage.MATURITY]),
        "profit_change": float(kpis2["profit"].sum() - kpis["profit"].sum()),
        "referral_share": float(np.mean(new["acquisition_channel"] == "referral")),
        "any_stage": "at-risk",
    }


SPEC = LabSpec(
    lab_id="L01",
    title="L01 Meet the customers",
    title_zh="L01 认识我们的客户",
    default_dataset="retail-default",
    questions=(
        Question("active_end", "scalar",
                 f"Run your dataset's scenario with {SIM_CUSTOMERS:,} customers for {SIM_WEEKS} weeks on your lab seed. "
                 "How many customers are active (KPI customers_active) in the last week?",
                 mode="reproduce", checks={"range": [0, None], "integer": True}, reference=active_at_end,
                 params={"atol": 0.5, "rtol": 0.0},
                 misconceptions=(Misconception("with_prospects", active_including_prospects,
                                               "you seem to count prospects or dormant customers as active",
                                               "你似乎把开拓期（潜在客户）或中断期的客户也算作了活跃客户"),)),
        Question("growth_to_maturity", "scalar",
                 "In the same run, how many moves from growth to maturity happened in total (model.flows)?",
                 mode="reproduce", checks={"range": [0, None], "integer": True}, reference=growth_to_maturity,
                 params={"atol": 0.5, "rtol": 0.0},
                 misconceptions=(Misconception("transposed", maturity_to_growth,
                                               "rows of the flow matrix are the stage moved FROM, columns the stage moved TO",
                                               "迁移矩阵的行是迁出的阶段，列是迁入的阶段"),)),
        Question("profit_change", "scalar",
                 "Halve the phone capacity and run again on the same seed. By how much does total profit over the run "
                 "change (halved minus original; negative if it falls)?",
                 mode="reproduce", points=2.0, reference=profit_change, params={"atol": 0.5, "rtol": 1e-6},
                 misconceptions=(Misconception("other_seed", profit_change_other_seed,
                                               "compare both policies on the SAME seed, or luck is mixed into the difference",
                                               "两种策略必须用同一个种子比较，否则运气会混进差值里"),)),
        Question("referral_share", "scalar",
                 "In your dataset's customers table: which share of the customers acquired during the data period "
                 "(acquisition_channel other than initial_base) came through a referral? Answer as a fraction.",
                 mode="reproduce", checks={"range": [0, 1]}, reference=referral_share, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("with_initial_base", referral_share_all,
                                               "the initial base joined before the data: leave it out of the denominator",
                                               "初始客户群（initial_base）在数据期之前就已加入：分母中应把它排除"),)),
        Question("any_stage", "choice",
                 "Which stage can a customer enter from ANY other active stage (DOMAIN: 危险期)?",
                 mode="exact", checks={"choices": ["growth", "maturity", "at-risk", "dormant"]},
                 params={"correct": "at-risk"}),
    ),
    solution=solution,
    wrong_methods={
        "active_with_prospects": ("active_end", active_including_prospects),
        "flow_transposed": ("growth_to_maturity", maturity_to_growth),
        "profit_other_seed": ("profit_change", profit_change_other_seed),
        "referral_with_initial_base": ("referral_share", referral_share_all),
        "any_stage_dormant": ("any_stage", lambda data: "dormant"),
    },
)
