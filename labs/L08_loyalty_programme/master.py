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
# # L08 Is the loyalty programme worth it?
#
# **The situation.** Two years ago the retailer launched a loyalty club: shoppers are invited to join
# at the checkout, earn a point per unit spent and swap 500 points for a reward. The marketing
# director's slide says members spend several times more each week than non-members, "so the club
# pays for itself many times over". The CFO is not convinced: frequent shoppers are the ones standing
# at the till most often, so they are also the first to be asked. She also wants to know what the
# unredeemed points on the books are worth. You are asked for the club's real contribution.
#
# **Learning objectives**
# 1. See why a naive member/non-member comparison measures self-selection, not the programme.
# 2. Estimate the effect of joining with a difference-in-differences against a comparable control group.
# 3. Value the points liability from the loyalty ledger.
# 4. Measure the programme's ROI by simulating the same world with and without it (paired seeds).
#
# **Concepts (docs/COURSE.md §5, §3):** loyalty programme (会员忠诚计划), points (积分) and rewards (奖励),
# loyalty (忠诚) and retention (维系); uplift (增量效果) measured against a control group (对照组); why
# keeping customers pays.
#
# Time: about 80 minutes. Prerequisites: L01, L03, L04.

# %% [markdown] lang="zh"
# # L08 会员忠诚计划值得吗？
#
# **情境。** 两年前，这家零售企业推出了会员俱乐部：顾客在收银台结账时被邀请入会，每消费一个货币单位积 1 分，攒满 500 分可以兑换一份奖励。市场总监的幻灯片上写着：会员每周的消费是非会员的好几倍，“所以俱乐部早就赚回了成本，而且是好几倍”。首席财务官并不信服：购物最频繁的顾客最常站在收银台前，所以他们也最先被邀请入会。她还想知道账上尚未兑换的积分值多少钱。你的任务是算清楚会员俱乐部真正的贡献。
#
# **学习目标**
# 1. 理解为什么简单比较会员与非会员衡量的是自选择，而不是会员计划本身的效果。
# 2. 用双重差分法，以可比的对照组估计入会的效果。
# 3. 根据积分流水估算积分负债。
# 4. 在同一个模拟世界中分别运行有、无会员计划两种情况（配对种子），测算会员计划的投资回报率（ROI）。
#
# **概念（docs/COURSE.zh.md §5、§3）：** 会员忠诚计划；积分与奖励；忠诚与维系；以对照组衡量的增量效果；为什么留住客户是划算的。
#
# 时间：约 80 分钟。先修要求：L01、L03、L04。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from graders import Lab
from simulations.config import load_scenario
from simulations.labs import helpers
from simulations.model import CustomerLifecycleModel

lab = Lab("L08", data=DATASET, lang=LANG)
helpers.use_language_fonts()
meta = lab.data.metadata
START = pd.Timestamp(meta["start_date"])
WEEKS = int(meta["weeks"])
SEED = int(lab.dataset_id[:6], 16)
customers = lab.data.customers
orders = lab.data.orders.assign(week=lambda f: (pd.to_datetime(f["order_ts"]) - START).dt.days // 7 + 1)
ledger = lab.data.loyalty_ledger
ledger.head()

# %% [markdown]
# ## 1. The director's comparison
# Build a table of weekly spend (one row per customer, one column per week of data) and the week each
# customer joined the club (never: infinity). A customer's weeks count from their sign-up; the weeks
# from the join week on are member weeks.

# %% [markdown] lang="zh"
# ## 1. 市场总监的比较
# 构建每周消费表（每位客户一行，数据中的每一周一列），以及每位客户加入俱乐部的那一周（从未入会：记为无穷大）。每位客户的周数从其注册开始计算；从入会那一周起的各周是会员周。

# %%
spend = (orders.pivot_table(index="customer_id", columns="week", values="amount", aggfunc="sum", fill_value=0.0)
         .reindex(index=customers["customer_id"], columns=range(1, WEEKS + 1), fill_value=0.0))
join_week = ((pd.to_datetime(customers["loyalty_join_date"]) - START).dt.days // 7 + 1).fillna(np.inf).to_numpy()
signup_week = ((pd.to_datetime(customers["signup_date"]) - START).dt.days // 7 + 1).clip(lower=1).to_numpy()
weeks = np.arange(1, WEEKS + 1)[None, :]
member_week = weeks >= join_week[:, None]
customer_week = weeks >= signup_week[:, None]
naive = pd.Series({"member weeks": spend.to_numpy()[member_week].mean(),
                   "non-member weeks": spend.to_numpy()[customer_week & ~member_week].mean()})
naive.round(2)

# %% lang="zh"
spend = (orders.pivot_table(index="customer_id", columns="week", values="amount", aggfunc="sum", fill_value=0.0)
         .reindex(index=customers["customer_id"], columns=range(1, WEEKS + 1), fill_value=0.0))
join_week = ((pd.to_datetime(customers["loyalty_join_date"]) - START).dt.days // 7 + 1).fillna(np.inf).to_numpy()
signup_week = ((pd.to_datetime(customers["signup_date"]) - START).dt.days // 7 + 1).clip(lower=1).to_numpy()
weeks = np.arange(1, WEEKS + 1)[None, :]
member_week = weeks >= join_week[:, None]
customer_week = weeks >= signup_week[:, None]
naive = pd.Series({"会员周": spend.to_numpy()[member_week].mean(),
                   "非会员周": spend.to_numpy()[customer_week & ~member_week].mean()})
naive.round(2)

# %% [markdown]
# That is the slide's number: members spend several times more per week. But were they different
# before they joined? Compare the spending in the first half year of the data of three groups: those
# who joined in weeks 1–13, those who joined later, and those who never joined.

# %% [markdown] lang="zh"
# 这就是幻灯片上的数字：会员每周的消费是非会员的好几倍。但他们在入会之前就和别人不一样吗？比较三组客户在数据前半年（第 1–26 周）的消费：在第 1–13 周入会的客户、之后才入会的客户，以及从未入会的客户。

# %%
first_half = spend.iloc[:, :26].sum(axis=1).to_numpy()
group = np.select([join_week <= 13, np.isfinite(join_week)], ["joined weeks 1-13", "joined later"], "never joined")
known = signup_week <= 1
pd.Series(first_half[known]).groupby(group[known]).mean().plot.bar(
    title="spend in weeks 1-26 of customers signed up before the data", rot=0, ylabel="mean spend per customer")
plt.show()

# %% lang="zh"
first_half = spend.iloc[:, :26].sum(axis=1).to_numpy()
group = np.select([join_week <= 13, np.isfinite(join_week)], ["第 1-13 周入会", "较晚入会"], "从未入会")
known = signup_week <= 1
pd.Series(first_half[known]).groupby(group[known]).mean().plot.bar(
    title="数据开始前已注册的客户在第 1-26 周的消费", rot=0, ylabel="每位客户的平均消费")
plt.show()

# %% [markdown]
# The early joiners were already the heaviest buyers (their first half year includes weeks before
# they joined). **Q1.** Why does the naive member/non-member comparison overstate the club's effect?
# Choose one of: `"frequent buyers join first"`, `"the programme makes members buy several times more"`,
# `"members are chosen at random"`, `"non-members never buy"`.

# %% [markdown] lang="zh"
# 最早入会的客户本来就是购买最多的客户（他们的前半年里也包括入会之前的几周）。**第 1 题。** 为什么简单比较会员与非会员会高估俱乐部的效果？从以下选项中选一个（答案写英文代码）：`"frequent buyers join first"`（购买频繁的客户最先入会）、`"the programme makes members buy several times more"`（会员计划让会员的购买量增加了好几倍）、`"members are chosen at random"`（会员是随机挑选的）、`"non-members never buy"`（非会员从不购买）。

# %% tags=["answer"]
self_selection = "frequent buyers join first"
lab.answer("self_selection", self_selection)
lab.check("self_selection")

# %% [markdown]
# ## 2. A credible comparison: difference-in-differences around the checkout week
# Members are asked to join at the checkout, and not everyone who is asked says yes. So in any week
# t, among the customers who bought that week and were not members yet, those who joined and those
# who declined look alike in what brought them to the till. Use the decliners as the control group
# (对照组): compare each group's spend in the 26 weeks after week t with its spend in the 26 weeks
# before, and take the difference of the two changes (the "difference in differences"); the change
# common to both groups (season, ageing of the relationship) cancels out.
#
# **Q2.** For every week t with 26 weeks of data before and after it (t = 27, ..., WEEKS − 26), take the
# customers who bought in week t and were not members before t; treated: joined in week t, control: did
# not. For each such (customer, t) compute spend in weeks t+1..t+26 minus spend in weeks t−26..t−1. The
# answer is the treated mean minus the control mean, divided by 26: the effect of joining in currency
# per customer and week.

# %% [markdown] lang="zh"
# ## 2. 可信的比较：围绕结账周的双重差分
# 会员是在结账时被邀请入会的，而并非每个被邀请的人都会答应。因此在任意一周 t，在那一周有购买、而且当时还不是会员的客户中，入会者和拒绝者在“为什么会来到收银台”这一点上是相似的。把拒绝入会的客户作为对照组：分别比较两组在第 t 周之后 26 周的消费与之前 26 周的消费，再取两组变化之差（即“差异中的差异”，双重差分）；两组共有的变化（季节、客户关系的自然老化）就此相互抵消。
#
# **第 2 题。** 对每一个前后都有 26 周数据的周 t（t = 27, ..., WEEKS − 26），取在第 t 周有购买、且在 t 之前还不是会员的客户；处理组：在第 t 周入会，对照组：没有入会。对每个这样的（客户，t）计算第 t+1..t+26 周的消费减去第 t−26..t−1 周的消费。答案是处理组的平均值减去对照组的平均值，再除以 26：入会的效果，单位是每位客户每周的货币金额。

# %%
# BEGIN SOLUTION
H = 26
values = spend.to_numpy()
cum = np.hstack([np.zeros((len(values), 1)), values.cumsum(axis=1)])
events = []
for t in range(H + 1, WEEKS - H + 1):
    rows = np.flatnonzero((values[:, t - 1] > 0) & (join_week >= t))
    events.append(pd.DataFrame({"week": t, "joined": join_week[rows] == t,
                                "before": cum[rows, t - 1] - cum[rows, t - 1 - H],
                                "after": cum[rows, t + H] - cum[rows, t]}))
events = pd.concat(events, ignore_index=True)
groups = events.groupby("joined")[["before", "after"]].mean()
groups["change"] = groups["after"] - groups["before"]
effect = float((groups.loc[True, "change"] - groups.loc[False, "change"]) / H)
groups.round(1)
# END SOLUTION

# %% tags=["answer"]
did_effect = effect
lab.answer("did_effect", did_effect)
lab.check("did_effect")

# %% [markdown]
# Compare your estimate with the director's gap above. Both groups' spending rises after week t
# (they were at the till that week, and customers who buy once tend to buy again): without the
# control group that rise would be credited to the club. How many joiners does your estimate rest
# on, and how precise can it be?
#
# **Q3.** The standard error of your estimate, treating the (customer, t) rows as independent:
# √(s²_T / n_T + s²_C / n_C) / 26, with s² the sample variance (`ddof=1`) of the after-minus-before
# changes and n the number of rows of the treated (T) and control (C) groups. A customer who declines
# in several weeks appears several times, so this standard error is, if anything, a little optimistic.

# %% [markdown] lang="zh"
# 把你的估计与上面市场总监算出的差距作比较。两组在第 t 周之后的消费都会上升（他们那一周都来过收银台，买过一次的客户往往还会再买）：没有对照组的话，这部分上升就会被算成俱乐部的功劳。你的估计建立在多少位入会者之上？它能有多精确？
#
# **第 3 题。** 把各个（客户，t）行看作相互独立，计算你的估计的标准误：√(s²_T / n_T + s²_C / n_C) / 26，其中 s² 是“之后减之前”变化量的样本方差（`ddof=1`），n 是处理组（T）和对照组（C）的行数。一位客户如果在好几周都拒绝入会，就会出现好几次，所以这个标准误多半略微偏乐观。

# %%
# BEGIN SOLUTION
change = (events["after"] - events["before"]).groupby(events["joined"])
se = float(np.sqrt((change.var() / change.size()).sum()) / H)
print(f"effect {effect:.2f} a week, 95% interval {effect - 1.96 * se:.2f} to {effect + 1.96 * se:.2f}")
# END SOLUTION

# %% lang="zh"
# BEGIN SOLUTION
change = (events["after"] - events["before"]).groupby(events["joined"])
se = float(np.sqrt((change.var() / change.size()).sum()) / H)
print(f"每周效果 {effect:.2f}，95% 置信区间 {effect - 1.96 * se:.2f} 至 {effect + 1.96 * se:.2f}")
# END SOLUTION

# %% tags=["answer"]
did_se = se
lab.answer("did_se", did_se)
lab.check("did_se")

# %% [markdown]
# ## 3. The points liability
# Unredeemed points are a promise: each 500 points will cost the firm one reward. The ledger books
# earned points as positive and redeemed points as negative entries.

# %% [markdown] lang="zh"
# ## 3. 积分负债
# 尚未兑换的积分是一种承诺：每 500 分将来都要让企业付出一份奖励的成本。积分流水把获得的积分记为正数，把兑换的积分记为负数。

# %%
policy = load_scenario(meta["scenario"]).policies.loyalty
print(policy.redemption_points, policy.reward_value)
ledger.groupby("kind")["points"].agg(["size", "sum"]).round(0)

# %% [markdown]
# **Q4.** Points liability at the end of the data: outstanding points (all points earned minus all
# points redeemed) × reward value / points needed for one reward (`policy.reward_value`,
# `policy.redemption_points`), in currency.

# %% [markdown] lang="zh"
# **第 4 题。** 数据期末的积分负债：未兑换积分（获得的全部积分减去已兑换的全部积分）× 奖励价值 / 兑换一份奖励所需的积分（`policy.reward_value`、`policy.redemption_points`），以货币金额表示。

# %%
# BEGIN SOLUTION
liability = float(ledger["points"].sum() * policy.reward_value / policy.redemption_points)
# END SOLUTION

# %% tags=["answer"]
points_liability = liability
lab.answer("points_liability", points_liability)
lab.check("points_liability")

# %% [markdown]
# ## 4. The return on the programme, by simulation
# The data cannot show what members would have bought without the club. The simulator can: run the
# same world (same scenario, same seed, so the same customers meet the same chances) with and without
# the programme, and the difference is the programme's effect. First see why the seed must be the same:
# three runs without the programme, on three seeds, differ by chance alone.

# %% [markdown] lang="zh"
# ## 4. 用模拟测算会员计划的回报
# 数据无法告诉我们，如果没有俱乐部，会员本来会买多少。模拟器可以：在同一个世界里（同一个情景、同一个种子，于是同样的客户遇到同样的随机机会）分别运行有和没有会员计划的情况，两者之差就是会员计划的效果。先看看为什么种子必须相同：没有会员计划的三次运行，只因种子不同，结果就会有差异。

# %%
scenario = load_scenario(meta["scenario"])
chance = {}
for seed in (SEED, SEED + 1, SEED + 2):
    run = CustomerLifecycleModel(scenario, customers=2_000, seed=seed, policies__loyalty__enabled=False)
    run.run(26)
    chance[seed] = run.kpi_frame()["gross_margin"].sum()
pd.Series(chance, name="gross margin without the programme").round(0)

# %% lang="zh"
scenario = load_scenario(meta["scenario"])
chance = {}
for seed in (SEED, SEED + 1, SEED + 2):
    run = CustomerLifecycleModel(scenario, customers=2_000, seed=seed, policies__loyalty__enabled=False)
    run.run(26)
    chance[seed] = run.kpi_frame()["gross_margin"].sum()
pd.Series(chance, name="没有会员计划时的毛利").round(0)

# %% [markdown]
# **Q5.** Run your scenario with 2,000 customers for 26 weeks on your lab seed `SEED`, once with the
# loyalty programme (`policies__loyalty__enabled=True`) and once without (`False`). ROI = (gross margin
# with − gross margin without) / loyalty programme cost (`cost_loyalty`) of the run with the programme.

# %% [markdown] lang="zh"
# **第 5 题。** 用你的实验种子 `SEED`，让你的情景以 2,000 位客户运行 26 周：一次实行会员计划（`policies__loyalty__enabled=True`），一次不实行（`False`）。投资回报率 ROI =（有会员计划时的毛利 − 没有会员计划时的毛利）/ 有会员计划那次运行中的会员计划成本（`cost_loyalty`）。

# %%
# BEGIN SOLUTION
runs = {}
for enabled in (True, False):
    sim = CustomerLifecycleModel(scenario, customers=2_000, seed=SEED, policies__loyalty__enabled=enabled)
    sim.run(26)
    runs[enabled] = sim.kpi_frame()[["revenue", "gross_margin", "cost_loyalty"]].sum()
runs = pd.DataFrame(runs)
roi_value = float((runs.loc["gross_margin", True] - runs.loc["gross_margin", False]) / runs.loc["cost_loyalty", True])
runs.round(0)
# END SOLUTION

# %% tags=["answer"]
roi = roi_value
lab.answer("roi", roi)
lab.check("roi")

# %% [markdown]
# ## 5. Reflection (not auto-graded)
# Your difference-in-differences measures what joining changes in the next half year for a customer at
# the till; the simulation measures the whole programme against no programme. Why can the two tell
# different stories, and what would you advise the CFO: keep, cut or redesign the club? How could the
# firm measure the effect in the real world, where it cannot rerun the same year?
#
# <!-- BEGIN SOLUTION -->
# The difference-in-differences rests on a few hundred joiners and a spend that is zero most weeks, so
# it is noisy: its 95% interval is wide enough to hold both zero and the extra spend per member-week the
# simulation finds (about 1 a week in the default world). Its control group also joins later (many decliners say yes at their next purchase),
# which dilutes the contrast, and it misses effects that take longer than 26 weeks (tiers, customers
# kept from leaving). The simulation compares the same world with and without the programme, with the
# same random numbers, so it captures the whole effect with little noise, but only in the model's world.
# The naive gap is no guide at all. Advice: keep the club while its ROI stays clearly above 1, book the
# points liability, and redesign rewards towards customers whose behaviour changes rather than paying
# the heaviest buyers for what they would buy anyway. In the real world, randomise: invite a random
# share of shoppers (or hold out some stores or regions) and compare, the way the retention contacts
# are randomised.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 5. 反思（不自动计分）
# 你的双重差分衡量的是：一位站在收银台前的客户入会后，未来半年会有什么变化；模拟衡量的是整个会员计划与没有会员计划相比的差别。为什么两者可能讲出不同的故事？你会给首席财务官什么建议：保留、取消还是重新设计俱乐部？在现实世界中企业无法把同一年重来一遍，它可以怎样衡量会员计划的效果？
#
# <!-- BEGIN SOLUTION -->
# 双重差分只建立在几百位入会者之上，而且大多数周的消费都是零，所以估计的噪声很大：它的 95% 置信区间宽到既包含零，也包含模拟得出的每个会员周的额外消费（在默认世界中大约每周 1 个货币单位）。它的对照组之后也会入会（很多拒绝者在下一次购买时就答应了），这会冲淡两组之间的差别；它也捕捉不到需要超过 26 周才显现的效果（会员等级、被留住而没有流失的客户）。模拟在同样的随机数下比较有和没有会员计划的同一个世界，因此能以很小的噪声捕捉全部效果，但这只是模型中的世界。简单比较会员与非会员则完全不能作为依据。建议：只要投资回报率明显高于 1 就保留俱乐部，把积分负债记入账目，并把奖励重新设计为面向那些行为会因此改变的客户，而不是奖励本来就会购买的大客户。在现实世界中应当做随机化：随机邀请一部分顾客入会（或留出一些门店、地区作为对照），再进行比较，就像保留接触是随机分配的那样。
# <!-- END SOLUTION -->

# %%
lab.submit()
