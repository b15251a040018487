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
# # L04 Lifetime and CLV
#
# **The situation.** The retailer's CFO asks: "How much is our customer base worth, and who is still
# with us?" Nobody ever cancels a retail "contract": customers simply go quiet. Is a customer who has
# not bought for two months gone, or just between purchases?
#
# **Learning objectives**
# 1. Build cohort retention curves and explain why the youngest cohorts look different.
# 2. Estimate survival by tenure with Kaplan-Meier and handle censoring.
# 3. Fit BG/NBD (repeat buying and dropout) and Gamma-Gamma (spend per order); compute P(alive) and CLV.
# 4. Report a CLV estimate with its uncertainty.
#
# **Concepts (docs/COURSE.md §1, §2, §6):** customer lifetime value (客户终身价值, CLV) as the net present value
# of future profit; retention (维系) and churn (流失); customer lifecycle (客户关系生命周期); churn analysis.
#
# Time: about 90 minutes. Prerequisites: L03.

# %% [markdown] lang="zh"
# # L04 客户生命期与客户终身价值
#
# **情境。** 零售企业的首席财务官问：“我们的客户群值多少钱？哪些客户还留在我们这里？”零售业里从来没有人去解除“合同”：客户只是悄无声息地不再出现。一位两个月没有购买的客户，是已经离开了，还是只是处在两次购买之间？
#
# **学习目标**
# 1. 构建同期群留存曲线，并解释为什么最新的同期群看起来与众不同。
# 2. 用 Kaplan-Meier 方法按关系时长估计生存曲线，并正确处理删失。
# 3. 拟合 BG/NBD 模型（重复购买与流失）和 Gamma-Gamma 模型（每笔订单的消费额）；计算存活概率（P(alive)）和客户终身价值。
# 4. 报告客户终身价值的估计值及其不确定性。
#
# **概念（docs/COURSE.zh.md §1、§2、§6）：** 客户终身价值（CLV）即未来利润的净现值；维系与客户流失；客户关系生命周期；流失分析。
#
# 时间：约 90 分钟。先修要求：L03。

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
from simulations.analytics import BetaGeoFitter, GammaGammaFitter, KaplanMeierFitter, summary_from_orders
from simulations.config import load_scenario
from simulations.labs import helpers

lab = Lab("L04", data=DATASET, lang=LANG)
helpers.use_language_fonts()
meta = lab.data.metadata
START = pd.Timestamp(meta["start_date"])
END = pd.Timestamp(meta["end_date"]) + pd.Timedelta(days=1)
WEEKS = int(meta["weeks"])
orders = lab.data.orders.assign(order_ts=lambda f: pd.to_datetime(f["order_ts"]))
customers = lab.data.customers

# %% [markdown]
# ## 1. Cohort retention
# Customers grouped by the 4-week period of their first order: which share orders again k periods later?

# %% [markdown] lang="zh"
# ## 1. 同期群留存
# 按首次下单所在的 4 周周期把客户分组：k 个周期之后，每组中还有多大比例的客户再次下单？

# %%
triangle = helpers.cohort_activity(orders, START)
helpers.plot_cohorts(triangle)
plt.show()

# %% [markdown]
# ## 2. Survival by tenure (Kaplan-Meier)
# Take the customers new in the data (signup on or after the start). Call a customer *lapsed* 13 weeks
# after an order that is not followed by another within 13 weeks (whole weeks since the start). A
# customer still inside that window at the end is *censored*: we do not know yet.
# **Q1.** Which share is still not lapsed at 26 weeks of tenure (Kaplan-Meier)?

# %% [markdown] lang="zh"
# ## 2. 按关系时长的生存分析（Kaplan-Meier）
# 只看数据期内新加入的客户（注册日期不早于数据起始日）。如果一位客户下单后 13 周内没有再下单，就把他记为在该订单 13 周后*失效*（以距数据起始日的整周数计）。到数据结束时仍处在这 13 周窗口内的客户是*删失*的：我们还不知道结果。
#
# **第 1 题。** 按 Kaplan-Meier 估计，关系时长达到 26 周时，还有多大比例的客户尚未失效？

# %%
# BEGIN SOLUTION
new_ids = customers.loc[pd.to_datetime(customers["signup_date"]) >= START, "customer_id"]
o = orders[orders["customer_id"].isin(new_ids)].assign(week=lambda f: (f["order_ts"] - START).dt.days // 7)
rows = []
for cid, weeks in o.groupby("customer_id")["week"]:
    weeks = np.unique(weeks.to_numpy())
    gaps = np.flatnonzero(np.diff(np.append(weeks, np.inf)) > 13)
    lapse = weeks[gaps[0]] + 13 if gaps.size else np.inf
    rows.append((cid, min(lapse, WEEKS) - weeks[0], lapse <= WEEKS))
tenure = pd.DataFrame(rows, columns=["customer_id", "duration", "lapsed"])
km = KaplanMeierFitter().fit(tenure["duration"], tenure["lapsed"])
helpers.plot_survival(km.survival_function_, mark=26)
plt.show()
s26 = float(km.survival_function_at_times([26]).iloc[0])
# END SOLUTION

# %% tags=["answer"]
retention_26 = s26
lab.answer("retention_26", retention_26)
lab.check("retention_26")

# %% [markdown]
# ## 3. BG/NBD: buying while alive, dropping out unseen
# Each customer buys at their own rate while alive and may drop out after any purchase. From
# frequency, recency and age (T) the model estimates P(alive) and future purchases.

# %% [markdown] lang="zh"
# ## 3. BG/NBD：存活时持续购买，流失却看不见
# 每位客户在存活期间按自己的速率购买，并且可能在任何一次购买之后流失。模型根据购买频率（frequency）、最近购买（recency）和客户年龄（T）估计存活概率（P(alive)）和未来的购买次数。

# %%
summary = summary_from_orders(orders, time_col="order_ts", observation_end=END)
bg = BetaGeoFitter(penalizer_coef=0.001).fit(summary["frequency"], summary["recency"], summary["T"])
repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
gg = GammaGammaFitter(penalizer_coef=0.001).fit(repeat["frequency"], repeat["monetary_value"])
summary.describe().round(2)

# %% [markdown]
# BG/NBD lets a customer drop out only right after a purchase. A simpler "silence test" asks: if this
# customer were still buying at their own rate, how likely is a silence as long as the one we see?
# With rate = (repeat purchases + 1) / (age + 1) per week, that chance is exp(-rate × weeks silent).
# Compare the two on a plot.

# %% [markdown] lang="zh"
# BG/NBD 只允许客户在一次购买之后立即流失。一个更简单的“沉默检验”这样问：如果这位客户仍按自己的速率购买，出现我们所看到的这么长的沉默期，可能性有多大？设每周购买速率 = (重复购买次数 + 1) / (客户年龄 + 1)，这个概率就是 exp(-速率 × 沉默周数)。在图上比较两者。

# %%
bg_alive = pd.Series(bg.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"]),
                     index=summary.index)
silent = summary["T"] - summary["recency"]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
axes[0].scatter(silent, bg_alive, s=4, alpha=0.4)
axes[0].set(xlabel="weeks since last order", ylabel="probability", title="BG/NBD P(alive)")
rate = (summary["frequency"] + 1) / (summary["T"] + 1)
silence_test = np.exp(-rate * silent)
axes[1].scatter(silent, silence_test, s=4, alpha=0.4)
axes[1].set(xlabel="weeks since last order", title="silence test")
plt.show()

# %% lang="zh"
bg_alive = pd.Series(bg.conditional_probability_alive(summary["frequency"], summary["recency"], summary["T"]),
                     index=summary.index)
silent = summary["T"] - summary["recency"]
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
axes[0].scatter(silent, bg_alive, s=4, alpha=0.4)
axes[0].set(xlabel="距最后一次下单的周数", ylabel="概率", title="BG/NBD 存活概率")
rate = (summary["frequency"] + 1) / (summary["T"] + 1)
silence_test = np.exp(-rate * silent)
axes[1].scatter(silent, silence_test, s=4, alpha=0.4)
axes[1].set(xlabel="距最后一次下单的周数", title="沉默检验")
plt.show()

# %% [markdown]
# The two disagree most for customers who bought regularly and then fell silent: BG/NBD still rates many
# of them likely alive, because in its world a customer can only leave right after a purchase. In this
# business customers drift away during a silence (dissatisfaction, a competitor), so the silence test
# is the one to use here; BG/NBD stays the model for *future purchases* (and CLV, below).
#
# **Q2.** Give every ordering customer the probability that they are still alive (not dormant or lost),
# **by the silence test** above. Graded by how well it ranks the truly alive above the others (AUC);
# BG/NBD's P(alive) earns little here, with a hint saying why.

# %% [markdown] lang="zh"
# 两者分歧最大的是那些曾经规律购买、后来沉默下来的客户：BG/NBD 仍认为其中许多人很可能存活，因为在它的假设里，客户只能在一次购买之后立即离开。而在这家企业中，客户是在沉默中慢慢疏远的（因为不满，或被竞争者吸引），所以这里应该使用沉默检验；BG/NBD 仍然是预测*未来购买次数*（以及下文客户终身价值）的模型。
#
# **第 2 题。** **用上面的沉默检验**，为每位有过订单的客户给出其仍然存活（既未进入中断期，也未流失）的概率。计分依据是：它能在多大程度上把真正存活的客户排在其他客户前面（AUC）；在这里 BG/NBD 的存活概率得分很低，评分反馈会提示原因。

# %%
# BEGIN SOLUTION
alive = silence_test
# END SOLUTION

# %% tags=["answer"]
p_alive = alive
lab.answer("p_alive", p_alive)
lab.check("p_alive")

# %% [markdown]
# ## 4. CLV and its uncertainty
# CLV = expected discounted gross margin over the next 104 weeks (10% a year, 4-week steps); the margin
# is the scenario's `gross_margin`. **Q3:** every ordering customer's CLV. **Q4:** the mean CLV per
# ordering customer with its standard error. The standard error of a mean is the standard deviation
# across customers divided by √n (n customers): the standard deviation says how different customers
# are, the standard error how precisely the mean is known. Q4 scores both: the mean (1 point) and the
# standard error (1 point).

# %% [markdown] lang="zh"
# ## 4. 客户终身价值及其不确定性
# 客户终身价值 = 未来 104 周预期毛利的折现值（年折现率 10%，以 4 周为一步）；毛利率取情景中的 `gross_margin`。**第 3 题：** 每位有过订单的客户的客户终身价值。**第 4 题：** 有过订单的客户的平均客户终身价值及其标准误。均值的标准误等于客户之间的标准差除以 √n（n 为客户数）：标准差说明客户之间差异有多大，标准误说明均值估计得有多精确。第 4 题对两者都计分：均值 1 分，标准误 1 分。

# %%
margin = load_scenario(meta["scenario"]).world.costs.gross_margin
print("gross margin", margin)

# %% lang="zh"
margin = load_scenario(meta["scenario"]).world.costs.gross_margin
print("毛利率", margin)

# %%
# BEGIN SOLUTION
values = gg.customer_lifetime_value(bg, summary, horizon=104, step=4, discount_rate=1.1 ** (4 / 52) - 1, margin=margin)
values = values.fillna(0.0)  # NaN only when the fit saw no dropout at all (tiny samples)
mean_clv = float(values.mean())
se_clv = float(values.std() / np.sqrt(len(values)))
print(f"mean CLV {mean_clv:.2f} ± {1.96 * se_clv:.2f}")
# END SOLUTION

# %% lang="zh"
# BEGIN SOLUTION
values = gg.customer_lifetime_value(bg, summary, horizon=104, step=4, discount_rate=1.1 ** (4 / 52) - 1, margin=margin)
values = values.fillna(0.0)  # 只有当模型拟合时完全没有观察到流失（样本极小）才会出现 NaN
mean_clv = float(values.mean())
se_clv = float(values.std() / np.sqrt(len(values)))
print(f"平均客户终身价值 {mean_clv:.2f} ± {1.96 * se_clv:.2f}")
# END SOLUTION

# %% tags=["answer"]
clv_rank = values
clv_mean, clv_se = mean_clv, se_clv
lab.answer("clv_rank", clv_rank)
lab.answer("clv_mean", clv_mean, se=clv_se)
lab.check()

# %% [markdown]
# **Q5.** In this retail business, does the firm observe the moment a customer churns? (`"yes"`/`"no"`)

# %% [markdown] lang="zh"
# **第 5 题。** 在这家零售企业中，企业能观察到客户流失的那一刻吗？（答 `"yes"`（能）或 `"no"`（不能））

# %% tags=["answer"]
churn_observed = "no"
lab.answer("churn_observed", churn_observed)
lab.check("churn_observed")

# %% [markdown]
# ## 5. Reflection (not auto-graded)
# Your standard error covers the spread across customers. Which uncertainty does it leave out? Would
# you report the customer base's worth to the CFO as one number? And which P(alive) did you submit, and why
# might BG/NBD's assumption about WHEN customers drop out not fit this business?
#
# <!-- BEGIN SOLUTION -->
# It ignores the uncertainty of the fitted parameters and of the model itself (BG/NBD assumes constant
# buying rates and dropout only after purchases). Report a range, e.g. from a bootstrap over customers
# with refitting, and state the assumptions (horizon, margin, discount rate). BG/NBD assumes dropout
# happens only right after a purchase; customers who drift away slowly (dissatisfaction, competitors)
# are better caught by how unusual their silence is for their own buying rate.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 5. 反思（不自动计分）
# 你的标准误反映的是客户之间的差异。它遗漏了哪些不确定性？你会只用一个数字向首席财务官报告客户群的价值吗？你提交的是哪一种存活概率，为什么 BG/NBD 关于客户*何时*流失的假设可能不适合这家企业？
#
# <!-- BEGIN SOLUTION -->
# 它忽略了拟合参数的不确定性以及模型本身的不确定性（BG/NBD 假设购买速率恒定，并且只在购买之后流失）。应报告一个区间，例如对客户做自助法（bootstrap）抽样并重新拟合得到的区间，并说明所作的假设（时间范围、毛利率、折现率）。BG/NBD 假设流失只发生在一次购买之后；而因为不满或被竞争者吸引而慢慢疏远的客户，用“他的沉默对他自己的购买速率而言有多反常”更容易识别出来。
# <!-- END SOLUTION -->

# %%
lab.submit()
