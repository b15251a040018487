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
# # L01 Meet the customers
#
# **The situation.** You have just joined the CRM team of a mid-sized retailer. The head of
# marketing says: "We have ten thousand people on file, but I have no idea how many of them are
# really our customers, how many are drifting away, or what would change if we answered the phone
# faster." Before touching real data, you will watch a simulated customer base live for a year.
#
# **Learning objectives**
# 1. Name the stages of the customer relationship lifecycle and say what the firm should do in each.
# 2. Read stage counts over time and the flows between stages from a simulation.
# 3. Read how ONE simulated customer decides each week (the reference model).
# 4. Compare two policies fairly: same world, same seed (common random numbers).
#
# **Concepts (docs/COURSE.md §1, §7):** customer relationship lifecycle (客户关系生命周期); prospect (开拓期),
# new customer (社会化期), growth (成长期), maturity (成熟期), at-risk (危险期), terminating (解约期),
# dormant (中断期), won back (恢复期); simulation → virtual → real (递进式教学).
#
# Time: about 60 minutes. Prerequisites: Python and pandas basics.

# %% [markdown] lang="zh"
# # L01 认识我们的客户
#
# **情境。** 你刚加入一家中型零售企业的 CRM 团队。市场部负责人说：“我们的档案里有一万人，可我完全不知道其中有多少是真正的客户、有多少正在悄悄流失，也不知道如果接电话再快一点会带来什么变化。”在接触真实数据之前，你先来观察一个模拟的客户群体如何度过一年。
#
# **学习目标**
# 1. 说出客户关系生命周期的各个阶段，以及企业在每个阶段应该做什么。
# 2. 从模拟结果中读懂各阶段客户数随时间的变化，以及阶段之间的迁移。
# 3. 读懂一位模拟客户每周如何做决定（参考模型）。
# 4. 公平地比较两种策略：同一个世界、同一个随机种子（公共随机数）。
#
# **概念（docs/COURSE.zh.md §1、§7）：** 客户关系生命周期；开拓期、社会化期（新客户）、成长期、成熟期、危险期、解约期、中断期、恢复期；模拟 → 虚拟 → 真实（递进式教学）。
#
# 时间：约 60 分钟。先修要求：Python 与 pandas 基础。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

# %%
import inspect

import matplotlib.pyplot as plt

from graders import Lab
from simulations.config import load_scenario
from simulations.labs import helpers
from simulations.model import CustomerLifecycleModel
from simulations.reference import Customer
from simulations.stages import Stage

# %%
lab = Lab("L01", data=DATASET, lang=LANG)
helpers.use_language_fonts()  # a Chinese font for plots when LANG is zh (before any figure is made)
meta = lab.data.metadata
SEED = int(lab.dataset_id[:6], 16)  # your lab seed: every student has their own
print(f"dataset {lab.dataset_id} ({meta['scenario']}), lab seed {SEED}")

# %% lang="zh"
lab = Lab("L01", data=DATASET, lang=LANG)
helpers.use_language_fonts()  # LANG 为 zh 时为图表设置中文字体（须在创建任何图表之前）
meta = lab.data.metadata
SEED = int(lab.dataset_id[:6], 16)  # 你的实验种子：每位同学各不相同
print(f"数据集 {lab.dataset_id}（情景 {meta['scenario']}），实验种子 {SEED}")

# %% [markdown]
# ## 1. Run a scenario
# A scenario keeps the **world** (market, customer traits, costs) apart from the firm's **policies**.
# We run your dataset's scenario with 1,000 people for 52 weeks on your lab seed.

# %% [markdown] lang="zh"
# ## 1. 运行一个情景
# 情景把**世界**（市场、客户特征、成本）和企业的**策略**分开。我们用你的实验种子，按你的数据集所属的情景，让 1,000 人运行 52 周。

# %%
scenario = load_scenario(meta["scenario"])
model = CustomerLifecycleModel(scenario, customers=1_000, seed=SEED)
model.run(52)
kpis = model.kpi_frame()
kpis[["week", "customers_active", "acquisitions", "revenue", "profit"]].tail()

# %% [markdown]
# ## 2. Stages over time and flows between them
# A picture says more than the table: how do the stages fill up during the year?

# %% [markdown] lang="zh"
# ## 2. 各阶段随时间的变化与阶段之间的迁移
# 一张图胜过一张表：一年当中，各个阶段是怎样逐渐“填满”的？

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 5))
helpers.plot_stages(kpis, ax=axes[0])
helpers.plot_flows(model.flows, ax=axes[1])
plt.tight_layout()
plt.show()

# %%
helpers.flow_frame(model.flows)  # rows: stage moved FROM, columns: stage moved TO

# %% lang="zh"
helpers.flow_frame(model.flows)  # 行：迁出的阶段；列：迁入的阶段

# %% [markdown]
# ## 3. How one customer decides
# The vectorized engine handles everyone at once. The reference model tells the same story one
# customer at a time. Read a customer's week:

# %% [markdown] lang="zh"
# ## 3. 一位客户如何做决定
# 向量化引擎一次处理所有客户；参考模型则一位客户一位客户地讲述同一个故事。下面是一位客户一周的 Python 源代码（文档字符串为英文），读的时候可以对照这份说明：
#
# - 满意度（`satisfaction`）向目标值（客户的基准满意度 `baseline` 加上企业的产品质量 `product_quality`）靠拢，速度由 `satisfaction_inertia` 决定；本周的经历（`shock`，例如一次很长的等待）会让它跳动。
# - 信任（`trust`）慢慢跟上满意度；处在社会化期到成熟期之间的客户，承诺（`commitment`）每周增加一点。
# - 除开拓期的客户外，关系随后可能改变阶段：任何活跃阶段的客户都可能进入危险期，危险期的客户或者稳定下来、或者离开，中断期的客户可能回来（`move_stage`）；社会化期和恢复期的客户度过适应期后进入成长期，购买趋于饱和时成长期转为成熟期（`socialize_and_grow`）。最后企业把这位客户计入本周的统计，合同客户在此时计费（`census`）。

# %%
print(inspect.getsource(Customer.live_the_week))

# %% [markdown]
# ## 4. Graded questions
# **Q1.** How many customers are active (`customers_active`) in the last week of your run?

# %% [markdown] lang="zh"
# ## 4. 计分题
# **第 1 题。** 在你这次运行的最后一周，有多少客户处于活跃状态（`customers_active`）？

# %%
# BEGIN SOLUTION
active_last_week = int(kpis["customers_active"].iloc[-1])
# END SOLUTION

# %% tags=["answer"]
active_end = active_last_week
lab.answer("active_end", active_end)
lab.check("active_end")

# %% [markdown]
# **Q2.** How many moves from *growth* to *maturity* happened over the whole run?

# %% [markdown] lang="zh"
# **第 2 题。** 整个运行期间，从*成长期*迁移到*成熟期*的次数一共是多少？

# %%
# BEGIN SOLUTION
moves = int(model.flows[Stage.GROWTH, Stage.MATURITY])
# END SOLUTION

# %% tags=["answer"]
growth_to_maturity = moves
lab.answer("growth_to_maturity", growth_to_maturity)
lab.check("growth_to_maturity")

# %% [markdown]
# **Q3.** Halve the phone capacity (`policies.service.capacity`) and run again **on the same seed**.
# By how much does total profit change (halved minus original)? Why must the seed be the same?

# %% [markdown] lang="zh"
# **第 3 题。** 把电话服务能力（`policies.service.capacity`）减半，**用同一个种子**再运行一次。总利润变化了多少（减半后减去原来的）？为什么种子必须相同？

# %%
capacity = dict(scenario.policies.service.capacity)
print("phone capacity per week:", capacity["phone"])

# %% lang="zh"
capacity = dict(scenario.policies.service.capacity)
print("每周电话服务能力：", capacity["phone"])

# %%
# BEGIN SOLUTION
halved = {**capacity, "phone": capacity["phone"] * 0.5}
changed = CustomerLifecycleModel(scenario, customers=1_000, seed=SEED, policies__service__capacity=halved)
changed.run(52)
kpis_changed = changed.kpi_frame()
difference = float(kpis_changed["profit"].sum() - kpis["profit"].sum())
# END SOLUTION

# %% tags=["answer"]
profit_change = difference
lab.answer("profit_change", profit_change)
lab.check("profit_change")

# %% [markdown]
# **Q4.** Back to the firm's records: which share of the customers acquired during the data period
# (`acquisition_channel` other than `initial_base`) came through a referral? (docs/COURSE.md §3 quotes about 60%.)

# %% [markdown] lang="zh"
# **第 4 题。** 回到企业的档案：在数据期内获取的客户（`acquisition_channel` 不是 `initial_base` 的客户）中，通过推荐（老客户推荐，`referral`）获取的占多大比例？（docs/COURSE.zh.md §3 引用的数字约为 60%。）

# %%
customers = lab.data.customers
customers["acquisition_channel"].value_counts()

# %%
# BEGIN SOLUTION
acquired = customers[customers["acquisition_channel"] != "initial_base"]
share_referral = float((acquired["acquisition_channel"] == "referral").mean())
# END SOLUTION

# %% tags=["answer"]
referral_share = share_referral
lab.answer("referral_share", referral_share)
lab.check("referral_share")

# %% [markdown]
# **Q5.** Which stage can a customer enter from ANY other active stage? Choose one of
# `"growth"`, `"maturity"`, `"at-risk"`, `"dormant"`.

# %% [markdown] lang="zh"
# **第 5 题。** 客户可以从其他**任何**活跃阶段进入哪一个阶段？从 `"growth"`（成长期）、`"maturity"`（成熟期）、`"at-risk"`（危险期）、`"dormant"`（中断期）中选一个，答案写英文代码。

# %% tags=["answer"]
any_stage = "at-risk"
lab.answer("any_stage", any_stage)
lab.check("any_stage")

# %% [markdown]
# ## 5. Reflection (not auto-graded)
# The policy change in Q3 saved money this year. Look at `mean_wait_minutes` in both runs and at the
# at-risk counts. Would you recommend halving the phone team? What would you want to simulate before
# deciding (horizon, events, other seeds)?
#
# <!-- BEGIN SOLUTION -->
# A year is short: waiting erodes satisfaction slowly, so the cost saving shows up at once while the
# churn it causes arrives later. Run a longer horizon, several seeds (paired), and a service outage
# event before deciding; compare customer equity, not only this year's profit.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 5. 反思（不自动计分）
# 第 3 题中的策略调整在今年省了钱。看看两次运行中的 `mean_wait_minutes`（平均等待分钟数）以及危险期的客户数。你会建议把电话团队减半吗？做决定之前，你还想模拟什么（时间范围、突发事件、其他种子）？
#
# <!-- BEGIN SOLUTION -->
# 一年太短：等待会慢慢侵蚀满意度，所以节省的成本立刻可见，而由此引起的客户流失要晚些才到来。做决定之前，应当模拟更长的时间范围、多个（成对比较的）种子，以及一次服务中断事件；比较的是客户资产，而不只是今年的利润。
# <!-- END SOLUTION -->

# %%
lab.submit()
