# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # L09 The idea community (CRM 2.0)
#
# **The situation.** Two years ago the appliance maker opened an online idea community: customers post
# ideas for better washing machines and fridges, other members vote, and the firm answers and adopts
# the best. Today the community manager asks for more staff "to answer every idea, because customers
# whose ideas get answers post far more ideas". The finance director asks a different question: when
# does the community pay for itself, if it ever does? You have the community's records and the
# simulator the firm's analysts built of this market.
#
# **Learning objectives**
# 1. Measure participation inequality (the "90-9-1 rule") from community records, lurkers included.
# 2. Recognise self-selection: why contributors who got answers are not comparable with the others.
# 3. Measure an effect by experiment on the model, with paired seeds.
# 4. Find the payback week of a CRM programme from a paired on/off simulation.
#
# **Concepts (docs/COURSE.md §5, §6):** crowdsourcing (众包模式下的客户关系管理, CRM 2.0), virtual
# community (虚拟社区), participation inequality, lurkers and contributors, rewards (奖励) for adopted
# ideas, self-selection, a control group (对照组) and the uplift (增量效果) of an action, payback.
#
# Time: about 80 minutes. Prerequisites: L01, L05.

# %% [markdown] lang="zh"
# # L09 创意社区（众包模式下的客户关系管理）
#
# **情境。** 两年前，这家家电企业开设了一个在线创意社区：客户发布改进洗衣机、冰箱的创意，其他成员投票，企业作出回应并采纳其中最好的创意。今天，社区经理要求增加人手，“把每个创意都回复到，因为创意得到回复的客户发的创意要多得多”。财务总监关心的是另一个问题：这个社区什么时候能收回成本？会不会根本收不回来？你手里有社区的记录，还有企业分析师为这个市场搭建的模拟器。
#
# **学习目标**
# 1. 根据社区记录（包括潜水者）测量参与的不均衡程度（“90-9-1 规则”）。
# 2. 识别自我选择：为什么得到回复的贡献者不能直接和其他人相比。
# 3. 用配对种子在模型上做实验，以此测量一项措施的效果。
# 4. 通过成对的“开设社区／不开设社区”模拟，找出一项客户关系管理计划的回本周。
#
# **概念（docs/COURSE.zh.md §5、§6）：** 众包模式下的客户关系管理（CRM 2.0）；虚拟社区；参与不均衡；潜水者与贡献者；对被采纳创意的奖励；自我选择；对照组与一项行动的增量效果；投资回收期。
#
# 时间：约 80 分钟。先修要求：L01、L05。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from graders import Lab
from simulations.config import load_scenario
from simulations.labs import helpers
from simulations.model import CustomerLifecycleModel

lab = Lab("L09", data=DATASET, lang=LANG)
helpers.use_language_fonts()
customers = lab.data.customers
ideas = lab.data.community_ideas
votes = lab.data.community_votes
SEED = int(lab.dataset_id[:6], 16)
ideas.head()

# %% [markdown]
# ## 1. Who takes part?
# A member is a customer with a `community_join_date`. The ideas and votes tables only show what
# members *did*; a member who only reads leaves no row there. Count each member's ideas and votes
# and sort the members into four groups.

# %% [markdown] lang="zh"
# ## 1. 谁在参与？
# 社区成员是客户表中有 `community_join_date`（加入社区日期）的客户。创意表和投票表只记录成员*做了*什么；只看不说的成员在那里不会留下任何一行。请统计每位成员发布的创意数和投票数，并把成员分成四组。

# %%
members = customers.loc[customers["community_join_date"].notna(), "customer_id"]
per_member = pd.DataFrame({
    "ideas": ideas["author_id"].value_counts().reindex(members, fill_value=0),
    "votes": votes["voter_id"].value_counts().reindex(members, fill_value=0),
})
group = np.select([per_member["ideas"] >= 5, per_member["ideas"] >= 1, per_member["votes"] >= 1],
                  ["heavy poster (5+ ideas)", "poster (1-4 ideas)", "votes only"], "silent reader")
pyramid = per_member.groupby(group).agg(members=("ideas", "size"), ideas=("ideas", "sum"), votes=("votes", "sum"))
pyramid = pyramid.reindex(["silent reader", "votes only", "poster (1-4 ideas)", "heavy poster (5+ ideas)"], fill_value=0)
pyramid["share_of_members"] = pyramid["members"] / len(per_member)
pyramid["share_of_ideas"] = pyramid["ideas"] / pyramid["ideas"].sum()
print(f"{len(customers):,} customers, {len(per_member):,} members, {len(ideas):,} ideas, {len(votes):,} votes")
pyramid.round(3)

# %% lang="zh"
members = customers.loc[customers["community_join_date"].notna(), "customer_id"]
per_member = pd.DataFrame({
    "ideas": ideas["author_id"].value_counts().reindex(members, fill_value=0),
    "votes": votes["voter_id"].value_counts().reindex(members, fill_value=0),
})
group = np.select([per_member["ideas"] >= 5, per_member["ideas"] >= 1, per_member["votes"] >= 1],
                  ["重度发帖者（5 个以上创意）", "发帖者（1–4 个创意）", "只投票"], "沉默的读者")
pyramid = per_member.groupby(group).agg(members=("ideas", "size"), ideas=("ideas", "sum"), votes=("votes", "sum"))
pyramid = pyramid.reindex(["沉默的读者", "只投票", "发帖者（1–4 个创意）", "重度发帖者（5 个以上创意）"], fill_value=0)
pyramid["share_of_members"] = pyramid["members"] / len(per_member)
pyramid["share_of_ideas"] = pyramid["ideas"] / pyramid["ideas"].sum()
print(f"{len(customers):,} 位客户，{len(per_member):,} 位社区成员，{len(ideas):,} 个创意，{len(votes):,} 次投票")
pyramid.round(3)

# %% [markdown]
# The "90-9-1 rule" (Nielsen, 2006) says that in most online communities about 90% of members only
# read, 9% contribute now and then, and 1% write most of the content. For posting ideas, compare
# your table with it. Voting is cheap (one click): in this community most members vote now and then,
# so "taking part" depends on what you count as a contribution.
#
# **Q1.** What share of the community's members never posted an idea?

# %% [markdown] lang="zh"
# “90-9-1 规则”（Nielsen，2006）说，在大多数在线社区里，约 90% 的成员只看不说，9% 偶尔贡献内容，1% 贡献了大部分内容。就发布创意而言，请把你的表格和这一规则作比较。投票的成本很低（点一下就行）：在这个社区里，大多数成员都偶尔投票，所以“参与”的程度取决于你把什么算作贡献。
#
# **第 1 题。** 社区成员中从未发布过创意的人占多大比例？

# %%
# BEGIN SOLUTION
lurkers = float((per_member["ideas"] == 0).mean())
# END SOLUTION

# %% tags=["answer"]
lurker_share = lurkers
lab.answer("lurker_share", lurker_share)
lab.check("lurker_share")

# %% [markdown]
# How concentrated are the ideas? The curve below sorts the members from the most to the least
# active and shows which share of all ideas the top x% of members posted.

# %% [markdown] lang="zh"
# 创意有多集中？下面的曲线把成员从最活跃到最不活跃排序，显示最活跃的前 x% 成员发布了全部创意中的多大比例。

# %%
ranked = per_member["ideas"].sort_values(ascending=False).to_numpy()
top_members = np.arange(1, len(ranked) + 1) / len(ranked)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(100 * top_members, 100 * ranked.cumsum() / ranked.sum())
ax.set_xscale("log")
ax.set_xlabel("most active members (%)")
ax.set_ylabel("share of all ideas (%)")
ax.set_title("concentration of ideas")
plt.show()

# %% lang="zh"
ranked = per_member["ideas"].sort_values(ascending=False).to_numpy()
top_members = np.arange(1, len(ranked) + 1) / len(ranked)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(100 * top_members, 100 * ranked.cumsum() / ranked.sum())
ax.set_xscale("log")
ax.set_xlabel("最活跃的成员（%）")
ax.set_ylabel("占全部创意的比例（%）")
ax.set_title("创意的集中程度")
plt.show()

# %% [markdown]
# **Q2.** Which share of all ideas did the most active 1% of members post? Rank all members by ideas
# posted (those without ideas included) and take the top ⌈1% of members⌉ people.

# %% [markdown] lang="zh"
# **第 2 题。** 最活跃的 1% 成员发布了全部创意中的多大比例？请把所有成员（包括没有发布创意的成员）按发布的创意数排序，取前 ⌈成员数的 1%⌉ 人。

# %%
# BEGIN SOLUTION
k = math.ceil(0.01 * len(per_member))
top1 = float(per_member["ideas"].nlargest(k).sum() / per_member["ideas"].sum())
# END SOLUTION

# %% tags=["answer"]
top1_share = top1
lab.answer("top1_share", top1_share)
lab.check("top1_share")

# %% [markdown]
# ## 2. Do answers make contributors post more?
# The community manager's figure compares authors who ever got an answer with those who never did.

# %% [markdown] lang="zh"
# ## 2. 企业的回复会让贡献者发更多创意吗？
# 社区经理的数字，是把“曾经得到过回复”的作者和“从未得到回复”的作者相比较。

# %%
ideas_in_order = ideas.sort_values(["posted_date", "idea_id"])
authors = ideas_in_order.groupby("author_id").agg(ideas=("idea_id", "size"),
                                                  first_answered=("firm_response", "first"),
                                                  ever_answered=("firm_response", "any"))
authors.groupby("ever_answered")["ideas"].agg(["size", "mean"])

# %% [markdown]
# An author with ten ideas has ten chances of an answer; an author with one idea has one. So "ever
# answered" picks out the prolific authors: they selected themselves into the answered group, and
# the gap says nothing about what an answer does. The firm's answer to an author's **first** idea,
# though, did not depend on how prolific the author was.
#
# **Q3.** Among authors, the mean number of ideas posted *after* the first one, for authors whose first
# idea got a firm response, minus the same mean for authors whose first idea did not (0 if one group
# is empty).

# %% [markdown] lang="zh"
# 发了十个创意的作者有十次得到回复的机会，只发了一个创意的作者只有一次。因此，“曾经得到回复”这一组挑出的正是发帖多的作者：他们是自己选择进入“得到回复”这一组的，这个差距说明不了回复本身有什么作用。但企业对作者**第一个**创意的回复，与这位作者发帖多不多无关。
#
# **第 3 题。** 在作者中，第一个创意得到企业回复的作者在第一个创意*之后*平均又发布了多少个创意，减去第一个创意没有得到回复的作者的同一平均数（若其中一组为空，答 0）。

# %%
# BEGIN SOLUTION
later = (authors["ideas"] - 1).groupby(authors["first_answered"]).mean()
first_gap = float(later[True] - later[False]) if len(later) == 2 else 0.0
# END SOLUTION

# %% tags=["answer"]
answered_first_gap = first_gap
lab.answer("answered_first_gap", answered_first_gap)
lab.check("answered_first_gap")

# %% [markdown]
# ## 3. An experiment on the model: the response rate
# Your data come from one community with one response rate, so they cannot say what another rate
# would do. The simulator can: run the same market twice on the same seed, once with the firm
# answering 90% of ideas and once 30%, and compare. Using the same seed in both runs (paired seeds,
# common random numbers) means the same customers meet the same luck, so the difference is the policy's.
# The function below runs one simulation (2,000 customers, 156 weeks, the scenario's own horizon) and
# keeps its weekly figures; summed over the weeks, `community_members` counts member-weeks.

# %% [markdown] lang="zh"
# ## 3. 在模型上做实验：回复率
# 你的数据来自一个回复率固定的社区，无法告诉你换一个回复率会怎样。模拟器可以：用同一个种子把同一个市场运行两次，一次企业回复 90% 的创意，一次回复 30%，然后比较。两次运行使用同一个种子（配对种子，即共同随机数）意味着同样的客户遇到同样的运气，因此两者的差别就是政策带来的差别。下面的函数运行一次模拟（2,000 位客户、156 周，即该情景本身的时间长度），并保存每周的数据；把 `community_members`（社区成员数）逐周相加，得到的就是成员周数。

# %%
scenario = load_scenario(lab.data.metadata["scenario"])
runs = {}


def simulate(seed, response_rate):
    """Weekly KPIs of one run; response_rate None switches the community off."""
    if (seed, response_rate) not in runs:
        change = ({"policies__community__enabled": False} if response_rate is None
                  else {"policies__community__response_rate": response_rate})
        model = CustomerLifecycleModel(scenario, customers=2_000, seed=seed, **change)
        model.run(156)
        runs[seed, response_rate] = model.kpi_frame()
    return runs[seed, response_rate]


def ideas_rate(kpis):
    """Ideas per 100 member-weeks."""
    return 100 * kpis["ideas"].sum() / kpis["community_members"].sum()


one = pd.DataFrame({rate: simulate(SEED, rate)[["ideas", "ideas_adopted", "community_members", "profit"]].sum()
                    for rate in (0.3, 0.9)})
one.loc["ideas per 100 member-weeks"] = [ideas_rate(simulate(SEED, rate)) for rate in (0.3, 0.9)]
one.round(2)

# %% lang="zh"
scenario = load_scenario(lab.data.metadata["scenario"])
runs = {}


def simulate(seed, response_rate):
    """一次运行的每周关键指标；response_rate 为 None 表示关闭社区。"""
    if (seed, response_rate) not in runs:
        change = ({"policies__community__enabled": False} if response_rate is None
                  else {"policies__community__response_rate": response_rate})
        model = CustomerLifecycleModel(scenario, customers=2_000, seed=seed, **change)
        model.run(156)
        runs[seed, response_rate] = model.kpi_frame()
    return runs[seed, response_rate]


def ideas_rate(kpis):
    """每 100 个成员周的创意数。"""
    return 100 * kpis["ideas"].sum() / kpis["community_members"].sum()


one = pd.DataFrame({rate: simulate(SEED, rate)[["ideas", "ideas_adopted", "community_members", "profit"]].sum()
                    for rate in (0.3, 0.9)})
one.loc["每 100 个成员周的创意数"] = [ideas_rate(simulate(SEED, rate)) for rate in (0.3, 0.9)]
one.round(2)

# %% [markdown]
# One pair of runs is one draw of luck. **Q4.** Repeat the pair on two paired seeds, `SEED` and
# `SEED + 1`, and answer the mean over the seeds of (ideas per 100 member-weeks at 90%
# minus the same at 30%). Do not round: the grader reruns the same experiment.

# %% [markdown] lang="zh"
# 一对运行只是一次运气的抽样。**第 4 题。** 在两个配对种子 `SEED` 和 `SEED + 1` 上重复这对运行，回答各种子上（回复率 90% 时每 100 个成员周的创意数减去回复率 30% 时的同一指标）的平均值。不要四舍五入：评分程序会重新运行同样的实验。

# %%
# BEGIN SOLUTION
paired = pd.Series({seed: ideas_rate(simulate(seed, 0.9)) - ideas_rate(simulate(seed, 0.3))
                    for seed in (SEED, SEED + 1)})
effect = float(paired.mean())
paired.round(4)
# END SOLUTION

# %% tags=["answer"]
response_effect = effect
lab.answer("response_effect", response_effect)
lab.check("response_effect")

# %% [markdown]
# Why pair? Compare each 90% run with the 30% run of *another* seed: the unpaired differences swing
# much more than the paired ones, because they mix the policy with the luck of two different worlds.

# %% [markdown] lang="zh"
# 为什么要配对？把每次 90% 的运行和*另一个*种子的 30% 运行相比：不配对的差值比配对的差值波动大得多，因为它把政策的效果和两个不同世界的运气混在了一起。

# %%
seeds = [SEED, SEED + 1]
shifted = seeds[1:] + seeds[:1]
spread = pd.DataFrame({
    "paired": [ideas_rate(simulate(s, 0.9)) - ideas_rate(simulate(s, 0.3)) for s in seeds],
    "unpaired": [ideas_rate(simulate(s, 0.9)) - ideas_rate(simulate(t, 0.3)) for s, t in zip(seeds, shifted, strict=True)],
}, index=seeds)
spread.round(4)

# %% [markdown]
# In this model an author's posting habit is a trait: answering more ideas hardly changes how many
# ideas arrive. What answers do change is how authors feel about the firm (answered authors grow more
# committed, ignored ones are disappointed), and only an answered idea can be adopted and improve the
# product for every customer. Look at `ideas_adopted` and `profit` in the table above.
#
# ## 4. When does the community pay back?
# The community costs money every week (platform and moderation) plus a reward (奖励) for every adopted
# idea. Its benefits arrive slowly: adopted ideas, more committed members, referrals by members. The
# plot shows, for the first seed, the cumulative weekly profit of the firm with the community
# (answering 90% of ideas) minus that of the same firm without it.

# %% [markdown] lang="zh"
# 在这个模型里，作者的发帖习惯是一种个人特征：回复更多的创意几乎不会改变收到的创意数量。回复真正改变的是作者对企业的感受（得到回复的作者投入度提高，被忽视的作者感到失望），而且只有得到回复的创意才可能被采纳，从而为每一位客户改进产品。请看上表中的 `ideas_adopted`（被采纳的创意）和 `profit`（利润）。
#
# ## 4. 社区什么时候回本？
# 社区每周都要花钱（平台与运营管理），每采纳一个创意还要支付一笔奖励。它的收益来得很慢：被采纳的创意、投入度更高的成员、成员推荐来的新客户。下图显示第一个种子上，开设社区（回复 90% 的创意）的企业与不开设社区的同一企业相比，每周利润之差的累计值。

# %%
first_seed = simulate(SEED, 0.9)["profit"] - simulate(SEED, None)["profit"]
ax = first_seed.cumsum().reset_index(drop=True).plot(figsize=(7, 3.5), title="cumulative profit difference, one seed")
ax.axhline(0, color="grey", lw=1)
ax.set_xlabel("week")
ax.set_ylabel("with community minus without")
plt.show()

# %% lang="zh"
first_seed = simulate(SEED, 0.9)["profit"] - simulate(SEED, None)["profit"]
ax = first_seed.cumsum().reset_index(drop=True).plot(figsize=(7, 3.5), title="利润之差的累计值（一个种子）")
ax.axhline(0, color="grey", lw=1)
ax.set_xlabel("周")
ax.set_ylabel("有社区减无社区")
plt.show()

# %% [markdown]
# **Q5.** On the two paired seeds, average the weekly profit difference (community at 90% minus no
# community, `policies__community__enabled=False`) over the seeds, cumulate it, and answer the first
# week (1 to 156) in which the cumulative difference is above 0 (157 if it never is).

# %% [markdown] lang="zh"
# **第 5 题。** 在两个配对种子上，先对各种子每周的利润之差（回复率 90% 的社区减去不开设社区，即 `policies__community__enabled=False`）取平均，再逐周累加，回答累计差值第一次大于 0 的那一周（1 到 156；如果始终没有大于 0，答 157）。

# %%
# BEGIN SOLUTION
weekly = np.mean([simulate(s, 0.9)["profit"].to_numpy() - simulate(s, None)["profit"].to_numpy() for s in seeds], axis=0)
positive = np.flatnonzero(np.cumsum(weekly) > 0)
payback = int(positive[0]) + 1 if positive.size else 157
# END SOLUTION

# %% tags=["answer"]
payback_week = payback
lab.answer("payback_week", payback_week)
lab.check("payback_week")

# %% [markdown]
# **Q6.** In the data, authors with an answered idea post many more ideas than the others, yet the
# experiment shows little effect of the response rate on contributions. Why? Choose one of:
# `"answering makes contributors post more"`, `"prolific authors collect more answers"`,
# `"answered ideas are better ideas"`, `"voters reward answered authors"`.

# %% [markdown] lang="zh"
# **第 6 题。** 在数据中，有创意得到回复的作者比其他作者发的创意多得多，但实验显示回复率对贡献几乎没有影响。为什么？从以下选项中选一个（答案写英文代码）：`"answering makes contributors post more"`（回复让贡献者发更多创意）、`"prolific authors collect more answers"`（发帖多的作者收集到更多回复）、`"answered ideas are better ideas"`（得到回复的创意本来就更好）、`"voters reward answered authors"`（投票者奖励得到回复的作者）。

# %% tags=["answer"]
self_selection = "prolific authors collect more answers"
lab.answer("self_selection", self_selection)
lab.check("self_selection")

# %% [markdown]
# ## 5. Reflection (not auto-graded)
# The community manager wants staff to answer every idea; the finance director wants the payback
# week. Write a short recommendation. In this model, answering did not make members post more: would
# you expect the same in a real community, and how could the firm find out in its own community
# without a simulator?
#
# <!-- BEGIN SOLUTION -->
# Answering is still worth it, but not for the reason given: in the model it raises contributors'
# commitment and lets good ideas be adopted, which improves the product for all customers, while the
# number of ideas barely moves. The community is a slow investment that pays back after about two to
# three years, so it should be judged on cumulative profit against a no-community baseline, not on
# activity counts. In a real community, answers may well encourage posting; the firm can find out by
# randomising: answer a random half of first ideas (or vary the response rate between comparable
# sub-forums) and compare the later activity and loyalty of the two groups, as Q3 did with chance.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 5. 反思（不自动计分）
# 社区经理希望安排人手回复每一个创意；财务总监想知道回本周。请写一段简短的建议。在这个模型里，回复并没有让成员发更多创意：你认为在真实的社区里也会这样吗？没有模拟器的话，企业怎样才能在自己的社区里弄清楚？
#
# <!-- BEGIN SOLUTION -->
# 回复仍然值得做，但理由不是社区经理说的那个：在模型中，回复提高了贡献者的投入度，也让好的创意有机会被采纳，从而为所有客户改进产品，而创意数量几乎没有变化。社区是一项见效慢的投资，大约两到三年才能回本，因此应当用相对于“不开设社区”的累计利润来评价它，而不是看活跃度数字。在真实的社区里，回复很可能确实会鼓励发帖；企业可以用随机化的办法弄清楚：随机回复一半的首个创意（或在相似的子版块之间设置不同的回复率），然后比较两组成员之后的活跃度和忠诚度，就像第 3 题借助随机性所做的那样。
# <!-- END SOLUTION -->

# %%
lab.submit()
