"""L09 The idea community (CRM 2.0): participation inequality, self-selection, and two experiments on the model.

Why these questions: docs/COURSE.md sec. 5 says participation in a community is voluntary and uneven and
that the firm must answer contributions. Students first measure the unevenness from the community
tables (who never posts, how much the most active 1% write): these are "reproduce" questions, and
the known mistakes are to count only the people who show up in the activity tables (lurkers who never
vote are invisible there) or to take 1% of the authors instead of 1% of the members. They then meet
self-selection: authors with an answered idea post far more ideas, because prolific authors collect
more answers; the comparison that holds is the one where the answer was left to chance (the firm's
response to an author's FIRST idea). Finally two questions are answered by experiment on the model,
with paired seeds derived from the student's dataset id (every student has different numbers): the
effect of the firm's response rate on contributions per member, and the payback week of the
community against no community. The grader reruns the same small runs (cached, and shared by the two
questions, the reference solution and the wrong methods), so it checks exactly what the student did.

What the model does (simulations/mechanisms/community.py): an author's posting rate is a trait, so
the response rate hardly changes how many ideas arrive; answers move the authors' commitment, and
only answered ideas can be adopted, which improves the product for everyone. The experiment shows
this, the naive comparison in the data suggests the opposite.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question

from .common import sim_seed  # the first of the lab's two seeds (SEED, SEED + 1)

SIM_CUSTOMERS = 2_000
SIM_WEEKS = 156  # the scenario's own horizon: a community takes two to three years to pay back
REPLICATIONS = 2  # paired seeds SEED and SEED + 1 (each replication costs three 156-week runs per dataset)
LOW_RESPONSE, HIGH_RESPONSE = 0.3, 0.9
NEVER = SIM_WEEKS + 1  # the payback answer when the community has not paid back within the run
TOP_SHARE = 0.01


# ------------------------------------------------------------------------------ participation (data)
def _members(data) -> pd.Index:
    """Customer ids of community members (a join date in the customer table)."""
    c = data["customers"]
    return pd.Index(c.loc[c["community_join_date"].notna(), "customer_id"].astype(str).unique())


def _ideas_per_member(data) -> pd.Series:
    """Ideas posted by every member, zeros included (a lurker is a member with no idea)."""
    authors = data["community_ideas"]["author_id"].astype(str).value_counts()
    return authors.reindex(_members(data), fill_value=0)


def lurker_share(data) -> float:
    """Share of community members who never posted an idea."""
    per_member = _ideas_per_member(data)
    return float((per_member == 0).mean())


def lurker_share_visible_only(data) -> float:
    """Wrong: the population taken from the activity tables (authors and voters), so silent members vanish."""
    authors = set(data["community_ideas"]["author_id"].astype(str))
    seen = authors | set(data["community_votes"]["voter_id"].astype(str))
    return float(1 - len(authors) / len(seen)) if seen else 0.0


def lurker_share_all_customers(data) -> float:
    """Wrong: every customer in the denominator, members or not."""
    authors = set(data["community_ideas"]["author_id"].astype(str))
    customers = set(data["customers"]["customer_id"].astype(str))
    return float(1 - len(authors & customers) / len(customers))


def _top_share(counts: pd.Series, people: int) -> float:
    k = max(1, math.ceil(TOP_SHARE * people))
    total = counts.sum()
    return float(counts.sort_values(ascending=False).head(k).sum() / total) if total else 0.0


def top1_share(data) -> float:
    """Share of all ideas posted by the most active 1% of members (ceil(1% of members) people)."""
    per_member = _ideas_per_member(data)
    return _top_share(per_member, len(per_member))


def top1_of_authors(data) -> float:
    """Wrong: 1% of the AUTHORS (people who posted), not of the members."""
    per_author = data["community_ideas"]["author_id"].astype(str).value_counts()
    return _top_share(per_author, len(per_author))


def top1_of_customers(data) -> float:
    """Wrong: 1% of all customers."""
    per_author = data["community_ideas"]["author_id"].astype(str).value_counts()
    return _top_share(per_author, data["customers"]["customer_id"].nunique())


# ------------------------------------------------------------------------------ self-selection (data)
def _authors(data) -> pd.DataFrame:
    """One row per author: ideas posted, whether the first idea was answered, whether any idea was."""
    ideas = data["community_ideas"].assign(author_id=lambda f: f["author_id"].astype(str))
    ideas = ideas.sort_values(["posted_date", "idea_id"])
    by_author = ideas.groupby("author_id")
    return pd.DataFrame({"ideas": by_author.size(),
                         "first_answered": by_author["firm_response"].first().astype(bool),
                         "ever_answered": by_author["firm_response"].any().astype(bool)})


def _gap(values: pd.Series, group: pd.Series) -> float:
    means = values.groupby(group).mean()
    return float(means[True] - means[False]) if {True, False} <= set(means.index) else 0.0


def answered_first_gap(data) -> float:
    """Mean ideas posted AFTER the first, authors whose first idea was answered minus the others (0 if a group is empty).

    The firm's answer to a first idea does not depend on the author, so the two groups are alike
    apart from that answer: a fair comparison inside the data.
    """
    a = _authors(data)
    return _gap(a["ideas"] - 1, a["first_answered"])


def ever_answered_gap(data) -> float:
    """Wrong (self-selection): all ideas of authors with ANY answered idea minus those never answered."""
    a = _authors(data)
    return _gap(a["ideas"].astype(float), a["ever_answered"])


def answered_vs_members_gap(data) -> float:
    """Wrong (self-selection): ideas of members with an answered idea minus those of all other members, lurkers included."""
    per_member = _ideas_per_member(data).astype(float)
    a = _authors(data)
    answered = per_member.index.isin(a.index[a["ever_answered"]])
    return _gap(per_member, pd.Series(answered, index=per_member.index))


# ------------------------------------------------------------------------------ experiments (the model)
@lru_cache(maxsize=64)
def _run(scenario_name: str, seed: int, response_rate: float | None) -> pd.DataFrame:
    """Weekly ideas, members, profit and gross margin of one run (response_rate None: community off).

    Cached: both experiment questions, the reference solution and the wrong methods read the same
    few runs, so a dataset costs 3 x REPLICATIONS simulations whatever is asked of them.
    """
    from simulations.config import load_scenario
    from simulations.model import CustomerLifecycleModel

    scenario = load_scenario(scenario_name)
    change = ({"policies__community__enabled": False} if response_rate is None
              else {"policies__community__response_rate": response_rate})
    model = CustomerLifecycleModel(scenario, customers=SIM_CUSTOMERS, seed=seed, **change)
    model.run(SIM_WEEKS)
    return model.kpi_frame()[["ideas", "community_members", "profit", "gross_margin"]].copy()


def _runs(data, response_rate: float | None) -> list[pd.DataFrame]:
    seed = sim_seed(data)
    return [_run(str(data.metadata["scenario"]), seed + r, response_rate) for r in range(REPLICATIONS)]


def _ideas_rate(kpis: pd.DataFrame) -> float:
    """Ideas per 100 member-weeks of one run."""
    return float(100 * kpis["ideas"].sum() / kpis["community_members"].sum())


def response_effect(data) -> float:
    """Mean over the paired seeds of ideas per 100 member-weeks at the high minus the low response rate."""
    high, low = _runs(data, HIGH_RESPONSE), _runs(data, LOW_RESPONSE)
    return float(np.mean([_ideas_rate(h) - _ideas_rate(lo) for h, lo in zip(high, low, strict=True)]))


def response_effect_one_seed(data) -> float:
    """Wrong: one replication only (the first seed)."""
    return _ideas_rate(_runs(data, HIGH_RESPONSE)[0]) - _ideas_rate(_runs(data, LOW_RESPONSE)[0])


def response_level(data) -> float:
    """Wrong: the contribution rate at the high response rate (a level, not a difference)."""
    return float(np.mean([_ideas_rate(h) for h in _runs(data, HIGH_RESPONSE)]))


def response_effect_total_ideas(data) -> float:
    """Wrong: the difference in total ideas, which mixes the effect on posting with that on membership."""
    high, low = _runs(data, HIGH_RESPONSE), _runs(data, LOW_RESPONSE)
    return float(np.mean([h["ideas"].sum() - lo["ideas"].sum() for h, lo in zip(high, low, strict=True)]))


def _first_positive(running: np.ndarray) -> int:
    weeks = np.flatnonzero(running > 0)
    return int(weeks[0]) + 1 if weeks.size else NEVER


def _mean_difference(data, column: str) -> np.ndarray:
    on, off = _runs(data, HIGH_RESPONSE), _runs(data, None)
    return np.mean([a[column].to_numpy() - b[column].to_numpy() for a, b in zip(on, off, strict=True)], axis=0)


def payback_week(data) -> int:
    """First week in which the cumulative mean weekly profit difference (community at the high rate minus none) is > 0."""
    return _first_positive(np.cumsum(_mean_difference(data, "profit")))


def payback_margin_only(data) -> int:
    """Wrong: the benefit counted as gross margin, the community's costs left out."""
    return _first_positive(np.cumsum(_mean_difference(data, "gross_margin")))


def payback_weekly(data) -> int:
    """Wrong: the first week whose own profit difference is positive (not the cumulative one)."""
    return _first_positive(_mean_difference(data, "profit"))


def _truth_response_effect(keys, data) -> float:
    return response_effect(data)


def _truth_payback(keys, data) -> float:
    return float(payback_week(data))


# ------------------------------------------------------------------------------ the model answer
SELECTION_CHOICES = ["answering makes contributors post more", "prolific authors collect more answers",
                     "answered ideas are better ideas", "voters reward answered authors"]


def solution(data) -> dict:
    """The model answer as the master computes it (the experiments reuse the grader's cached runs)."""
    customers, ideas = data["customers"], data["community_ideas"]
    members = customers.loc[customers["community_join_date"].notna(), "customer_id"]
    posted = ideas["author_id"].value_counts().reindex(members, fill_value=0)
    k = math.ceil(0.01 * len(members))
    first = ideas.sort_values(["posted_date", "idea_id"]).groupby("author_id").agg(
        ideas=("idea_id", "size"), first_answered=("firm_response", "first"))
    later = (first["ideas"] - 1).groupby(first["first_answered"]).mean()
    return {
        "lurker_share": float((posted == 0).mean()),
        "top1_share": float(posted.sort_values(ascending=False).head(k).sum() / posted.sum()),
        "answered_first_gap": float(later[True] - later[False]) if len(later) == 2 else 0.0,
        "response_effect": response_effect(data),
        "payback_week": payback_week(data),
        "self_selection": "prolific authors collect more answers",
    }


EXPERIMENT = (f"{SIM_CUSTOMERS:,} customers, {SIM_WEEKS} weeks, {REPLICATIONS} paired seeds SEED and SEED+1 "
              f"(SEED: the first 6 hex digits of your dataset id read as a number)")

SPEC = LabSpec(
    lab_id="L09",
    title="L09 The idea community (CRM 2.0)",
    title_zh="L09 创意社区（众包模式下的客户关系管理）",
    default_dataset="appliance-community",
    scenario="appliance-community",
    questions=(
        Question("lurker_share", "scalar",
                 "Share of community members (customers with a community_join_date) who never posted an idea.",
                 mode="reproduce", checks={"range": [0, 1]}, reference=lurker_share,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(
                     Misconception("visible_only", lurker_share_visible_only,
                                   "the ideas and votes tables only show members who did something: the silent "
                                   "members are in the customer table (community_join_date)",
                                   "创意表和投票表只记录了有所行动的成员：沉默的成员要从客户表"
                                   "（community_join_date）中找"),
                     Misconception("all_customers", lurker_share_all_customers,
                                   "a lurker is a MEMBER who never posts: customers who never joined are not in the "
                                   "denominator",
                                   "潜水者是从不发帖的社区成员：从未加入社区的客户不应计入分母"))),
        Question("top1_share", "scalar",
                 "Share of all ideas posted by the most active 1% of community members (rank members by ideas "
                 "posted, members without ideas included; take the top ceil(1% of members) people).",
                 mode="reproduce", checks={"range": [0, 1]}, reference=top1_share,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(
                     Misconception("of_authors", top1_of_authors,
                                   "this is 1% of the authors: take 1% of all MEMBERS, lurkers included",
                                   "这是作者中的 1%：应当取全部社区成员（包括潜水者）中的 1%"),
                     Misconception("of_customers", top1_of_customers,
                                   "this is 1% of all customers: take 1% of the community's MEMBERS",
                                   "这是全部客户中的 1%：应当取社区成员中的 1%"))),
        Question("answered_first_gap", "scalar",
                 "Among authors: mean number of ideas posted AFTER their first idea, for authors whose first idea "
                 "(earliest posted_date, ties by idea_id) got a firm response, minus the same mean for authors whose "
                 "first idea did not (0 if one group is empty).",
                 mode="reproduce", points=2.0, checks={"range": [-100, 100]}, reference=answered_first_gap,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(
                     Misconception("ever_answered", ever_answered_gap,
                                   "authors with ANY answered idea selected themselves: who posts more collects "
                                   "more answers. Compare by the answer to the FIRST idea, which was left to chance",
                                   "“有任何创意得到回应”的作者是自我选择出来的：发帖越多，得到的回应就越多。"
                                   "请按第一个创意是否得到回应来比较，那次回应是随机的"),
                     Misconception("answered_vs_members", answered_vs_members_gap,
                                   "members whose ideas were answered are compared with everyone else, lurkers "
                                   "included: they chose to post. Compare authors by the answer to their FIRST idea",
                                   "这是把得到回应的成员与其他所有成员（包括潜水者）相比：他们是自己选择发帖的。"
                                   "请按作者第一个创意是否得到回应来比较"))),
        Question("response_effect", "scalar",
                 f"Experiment on the model: run your scenario with the firm answering {HIGH_RESPONSE:.0%} and "
                 f"{LOW_RESPONSE:.0%} of ideas (policies.community.response_rate), {EXPERIMENT}. For each run take "
                 f"ideas per 100 member-weeks = 100 x sum of weekly ideas / sum of weekly community_members. Answer "
                 f"the mean over the seeds of (high minus low). Scored by rerunning the experiment.",
                 mode="close_to_truth", points=2.0, checks={"range": [-100, 100]}, truth=_truth_response_effect,
                 params={"atol": 1e-6, "rtol": 0.0},
                 misconceptions=(
                     Misconception("one_seed", response_effect_one_seed,
                                   "this is one replication: average the paired differences over all the seeds",
                                   "这只是一次重复：请对所有种子上的配对差值取平均"),
                     Misconception("level", response_level,
                                   "this is the contribution rate at the high response rate: the effect is the "
                                   "difference high minus low",
                                   "这是高回应率下的贡献率：效果应当是高回应率减去低回应率的差值"),
                     Misconception("total_ideas", response_effect_total_ideas,
                                   "this counts ideas: divide by member-weeks, so that a community that keeps more "
                                   "members is not mistaken for one whose members post more",
                                   "这是创意的总数：请除以成员周数，以免把留住更多成员的社区误当作成员更爱发帖的社区"))),
        Question("payback_week", "scalar",
                 f"Experiment on the model: run your scenario with the community (firm answering {HIGH_RESPONSE:.0%} "
                 f"of ideas) and without it (policies.community.enabled = False), {EXPERIMENT}. Average the weekly "
                 f"profit difference (community minus none) over the seeds, cumulate it, and answer the first week "
                 f"(1..{SIM_WEEKS}) in which the cumulative difference is above 0 ({NEVER} if it never is). Scored "
                 f"by rerunning the experiment.",
                 mode="close_to_truth", points=2.0, checks={"range": [1, NEVER], "integer": True},
                 truth=_truth_payback, params={"atol": 0.5, "rtol": 0.0},
                 misconceptions=(
                     Misconception("margin_only", payback_margin_only,
                                   "the community costs money every week (platform, moderation, rewards): compare "
                                   "profit, not gross margin",
                                   "社区每周都有成本（平台、运营管理、奖励）：请比较利润，而不是毛利"),
                     Misconception("weekly", payback_weekly,
                                   "one good week does not repay the weeks before it: cumulate the differences",
                                   "一周的盈利不能弥补此前各周的投入：请把差值逐周累加"))),
        Question("self_selection", "choice",
                 "In the data, authors with an answered idea post many more ideas than the others, yet the experiment "
                 "shows little effect of the response rate on contributions. Why?",
                 mode="exact", checks={"choices": SELECTION_CHOICES},
                 params={"correct": "prolific authors collect more answers"}),
    ),
    solution=solution,
    wrong_methods={
        "lurker_visible_only": ("lurker_share", lurker_share_visible_only),
        "lurker_all_customers": ("lurker_share", lurker_share_all_customers),
        "top1_of_authors": ("top1_share", top1_of_authors),
        "top1_of_customers": ("top1_share", top1_of_customers),
        # ever_answered_gap is a hint but not in this bank: on 400-customer validation data most authors post one
        # idea, and in a fifth of the seeds "ever answered" and "first answered" are the same grouping (same number)
        "answered_vs_members_gap": ("answered_first_gap", answered_vs_members_gap),
        "response_one_seed": ("response_effect", response_effect_one_seed),
        "response_level": ("response_effect", response_level),
        "response_total_ideas": ("response_effect", response_effect_total_ideas),
        "payback_margin_only": ("payback_week", payback_margin_only),
        "payback_weekly": ("payback_week", payback_weekly),
        "selection_causal": ("self_selection", lambda data: "answering makes contributors post more"),
    },
)
