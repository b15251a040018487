"""L05 Satisfaction and service: service level, survey non-response bias, recovery, and a capacity decision.

Why these questions: docs/COURSE.md sec. 4 treats service capability as a managed capacity measured by
a service level, and satisfaction measurement as a tool with its own traps. Students compute the
service level (abandoned calls are failures, not missing data), compute the Net Promoter Score
(% promoters minus % detractors, not a mean score) corrected for non-response by reweighting
response cells to the invited population, measure service recovery,
and finally take a capacity decision by running the simulator for a change the notebook has not
simulated (a tariff that raises service needs by 60%): the grader runs the same small grid on the
student's scenario and seed with that change and accepts the cheapest capacity that meets the
target; the look-up in the notebook's own sweep of today's needs gets a hint.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question

from .common import sim_seed

TARGET_WAIT = 3.0
SIM_CUSTOMERS = 2_000
SIM_WEEKS = 26
GRID = tuple(range(20, 161, 20))
SERVICE_TARGET = 0.85
DEMAND_GROWTH = 1.6  # the planned change: a new tariff raises service needs by 60% (world.traits.service_need_rate)


def service_level(data) -> float:
    """Share of phone tickets answered within 3 minutes; abandoned calls count as not answered in time."""
    t = data["service_tickets"]
    phone = t[t["channel"] == "phone"]
    return float(((~phone["abandoned"].astype(bool)) & (phone["wait_minutes"] <= TARGET_WAIT)).mean())


def service_level_answered_only(data) -> float:
    """Wrong: abandoned calls dropped from the denominator."""
    t = data["service_tickets"]
    phone = t[(t["channel"] == "phone") & ~t["abandoned"].astype(bool)]
    return float((phone["wait_minutes"] <= TARGET_WAIT).mean())


def _nps(data) -> pd.DataFrame:
    s = data["surveys"]
    s = s[s["kind"] == "nps"].copy()
    s["survey_date"] = pd.to_datetime(s["survey_date"])
    tickets = data["service_tickets"]
    complaints = tickets[tickets["complaint"].astype(bool)].assign(opened=lambda f: pd.to_datetime(f["opened_ts"]))
    first = complaints.groupby("customer_id")["opened"].min()
    s["complained"] = s["customer_id"].map(first).lt(s["survey_date"]).fillna(False).astype(bool)
    tier = data["customers"].set_index("customer_id")["tier"]
    s["tier"] = s["customer_id"].map(tier).astype(str)
    return s


def _cells(s: pd.DataFrame) -> pd.DataFrame:
    answered = s["score"].notna()
    s = s.assign(promoter=(s["score"] >= 9).where(answered), detractor=(s["score"] <= 6).where(answered))
    cells = s.groupby(["tier", "complained"]).agg(invited=("responded", "size"), promoters=("promoter", "mean"),
                                                  detractors=("detractor", "mean"), mean=("score", "mean"))
    return cells.dropna(subset=["mean"])


def nps_weighted(data) -> float:
    """Net Promoter Score (% promoters 9-10 minus % detractors 0-6, -100..100), non-response-aware.

    Each cell tier x complained-before is weighted by its number of invitations.
    """
    cells = _cells(_nps(data))
    net = 100.0 * (cells["promoters"] - cells["detractors"])
    return float((net * cells["invited"]).sum() / cells["invited"].sum())


def nps_naive(data) -> float:
    """Wrong: the NPS of the answers as they came (non-response ignored)."""
    score = _nps(data)["score"].dropna()
    return float(100.0 * ((score >= 9).mean() - (score <= 6).mean()))


def nps_mean_score(data) -> float:
    """Wrong: the reweighted mean score (0-10), which is not a Net Promoter Score."""
    cells = _cells(_nps(data))
    return float((cells["mean"] * cells["invited"]).sum() / cells["invited"].sum())


def recovery_gap(data) -> float:
    """Mean CSAT of tickets resolved in the first contact minus that of the others (answered surveys only)."""
    t = data["service_tickets"].dropna(subset=["csat"])
    means = t.groupby(t["first_contact_resolution"].astype(bool))["csat"].mean()
    return float(means.get(True, np.nan) - means.get(False, np.nan))


def recovery_gap_missing_as_zero(data) -> float:
    """Wrong: tickets without a survey answer counted as CSAT 0."""
    t = data["service_tickets"]
    csat = t["csat"].fillna(0)
    means = csat.groupby(t["first_contact_resolution"].astype(bool)).mean()
    return float(means.get(True, np.nan) - means.get(False, np.nan))


@lru_cache(maxsize=512)
def _service(scenario_name: str, seed: int, phone: float, growth: float = 1.0) -> float:
    from simulations.config import load_scenario
    from simulations.model import CustomerLifecycleModel

    scenario = load_scenario(scenario_name)
    capacity = dict(scenario.policies.service.capacity)
    capacity["phone"] = float(phone)
    # the grid's capacities are contacts a week for the simulated firm itself (its own reference size)
    model = CustomerLifecycleModel(scenario, customers=SIM_CUSTOMERS, seed=seed, policies__service__capacity=capacity,
                                   world__market__reference_customers=SIM_CUSTOMERS,
                                   world__traits__service_need_rate=scenario.world.traits.service_need_rate * growth)
    model.run(SIM_WEEKS)
    return float(model.kpi_frame()["service_level"].mean())


def grid_levels(data, growth: float = DEMAND_GROWTH) -> dict[int, float]:
    """Mean weekly service level for every capacity on the grid (the grader's simulation), after the change."""
    return {c: _service(str(data.metadata["scenario"]), sim_seed(data), c, growth) for c in GRID}


def _cheapest(levels: dict[int, float]) -> int:
    meeting = [c for c in GRID if levels[c] >= SERVICE_TARGET]
    return int(meeting[0] if meeting else GRID[-1])


def cheapest_capacity(data) -> int:
    """Smallest grid capacity meeting the target once service needs have grown (the largest if none does)."""
    return _cheapest(grid_levels(data))


def capacity_today(data) -> int:
    """Wrong: the look-up in today's sweep (service needs as they are now, the change not simulated)."""
    return _cheapest(grid_levels(data, 1.0))


def best_service_capacity(data) -> int:
    """Wrong: the capacity with the best service, whatever it costs."""
    return int(GRID[-1])


def _truth_capacity(keys, data) -> float:
    return float(cheapest_capacity(data))


def solution(data) -> dict:
    """The model answer as the master computes it."""
    tickets = data["service_tickets"]
    phone = tickets[tickets["channel"] == "phone"]
    in_time = (~phone["abandoned"]) & (phone["wait_minutes"] <= 3)
    nps = _nps(data)
    nps["net"] = (nps["score"] >= 9).astype(float) - (nps["score"] <= 6).astype(float)
    nps.loc[nps["score"].isna(), "net"] = float("nan")
    cells = nps.groupby(["tier", "complained"]).agg(invited=("responded", "size"), net=("net", "mean")).dropna()
    answered = tickets[tickets["csat"].notna()]
    by_fcr = answered.groupby("first_contact_resolution")["csat"].mean()
    # the master's second sweep (2,000 customers x 26 weeks on the lab seed, service needs x 1.6,
    # capacities 20..160) is the grader's own grid: reuse its cached runs instead of simulating the same
    # 8 worlds twice per dataset (the master notebook itself is run and graded by tests/test_labs_notebooks.py)
    levels = grid_levels(data)
    meeting = [c for c, level in levels.items() if level >= 0.85]
    return {
        "service_level": float(in_time.mean()),
        "nps_weighted": float(100 * (cells["net"] * cells["invited"]).sum() / cells["invited"].sum()),
        "recovery_gap": float(by_fcr[True] - by_fcr[False]),
        "capacity": int(min(meeting) if meeting else 160),
        "recovery_paradox": "resolved complaints can leave customers happier than before",
    }


RECOVERY_CHOICES = ["complaints should be discouraged", "resolved complaints can leave customers happier than before",
                    "satisfaction cannot be measured", "waiting time does not matter"]

SPEC = LabSpec(
    lab_id="L05",
    title="L05 Satisfaction and service",
    title_zh="L05 客户满意度与客户服务",
    default_dataset="telecom-default",
    scenario="telecom",
    questions=(
        Question("service_level", "scalar",
                 "Which share of phone tickets was answered within 3 minutes? Abandoned calls count as NOT answered in time.",
                 mode="reproduce", checks={"range": [0, 1]}, reference=service_level, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("answered_only", service_level_answered_only,
                                               "callers who gave up are failures of the service level, not missing data",
                                               "中途放弃的来电属于未达到服务水平，而不是缺失数据"),)),
        Question("nps_weighted", "scalar",
                 "Non-response-aware Net Promoter Score: split the NPS invitations into cells tier x (had a complaint "
                 "ticket opened before the survey date); in each cell, NPS = % promoters (9-10) - % detractors (0-6) "
                 "among the answers; weight each cell's NPS by the cell's number of INVITATIONS (-100 to 100).",
                 mode="reproduce", points=2.0, checks={"range": [-100, 100]}, reference=nps_weighted,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("naive", nps_naive,
                                               "the NPS of the answers as they came ignores who did not answer: reweight the "
                                               "cells",
                                               "直接用答复计算的净推荐值忽略了没有回答的客户：请对各单元格重新加权"),
                                 Misconception("mean_score", nps_mean_score,
                                               "this looks like a mean score (0-10); the Net Promoter Score is the % of "
                                               "promoters (9-10) minus the % of detractors (0-6)",
                                               "这看起来是平均分（0–10）；净推荐值是推荐者（9–10 分）的百分比减去贬损者"
                                               "（0–6 分）的百分比"))),
        Question("recovery_gap", "scalar",
                 "Mean CSAT of tickets resolved in the first contact minus that of the other tickets (answered surveys only).",
                 mode="reproduce", checks={"range": [-4, 4]}, reference=recovery_gap, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("missing_as_zero", recovery_gap_missing_as_zero,
                                               "a ticket without a survey answer has no score: it is not a zero",
                                               "没有调查答复的工单没有得分，不能当作 0 分"),)),
        Question("capacity", "scalar",
                 f"Capacity decision: a new tariff will raise customers' service needs by "
                 f"{round(100 * (DEMAND_GROWTH - 1))}% (world.traits.service_need_rate x {DEMAND_GROWTH}). Simulate your "
                 f"scenario with that change, {SIM_CUSTOMERS:,} customers for {SIM_WEEKS} weeks on your lab seed, for phone "
                 f"capacities {GRID[0]}, {GRID[1]}, ..., {GRID[-1]}, and recommend the cheapest capacity whose mean weekly "
                 f"service level is at least {SERVICE_TARGET}. Scored by simulating the grid.",
                 mode="close_to_truth", points=2.0, checks={"range": [GRID[0], GRID[-1]]}, truth=_truth_capacity,
                 params={"atol": 1.0, "rtol": 0.0},
                 misconceptions=(Misconception("max", best_service_capacity,
                                               "the best service level is not the goal: the cheapest capacity meeting it is",
                                               "目标不是最高的服务水平，而是达到要求的成本最低的服务能力"),
                                 Misconception("today", capacity_today,
                                               "this is the capacity for today's service needs: simulate the change "
                                               "(more service needs) and decide on that sweep",
                                               "这是按目前服务需求得出的服务能力：请模拟这一变化（服务需求增加），"
                                               "再根据新的结果做决定"))),
        Question("recovery_paradox", "choice", "What does the service-recovery idea say?",
                 mode="exact", checks={"choices": RECOVERY_CHOICES},
                 params={"correct": "resolved complaints can leave customers happier than before"}),
    ),
    solution=solution,
    wrong_methods={
        "service_level_answered_only": ("service_level", service_level_answered_only),
        "nps_naive": ("nps_weighted", nps_naive),
        "nps_mean_score": ("nps_weighted", nps_mean_score),
        "recovery_missing_as_zero": ("recovery_gap", recovery_gap_missing_as_zero),
        "capacity_max": ("capacity", best_service_capacity),
        "capacity_today": ("capacity", capacity_today),
        "recovery_discourage": ("recovery_paradox", lambda data: "complaints should be discouraged"),
    },
)
