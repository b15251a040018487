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
# # L03 Customer value
#
# **The situation.** The retailer's board wants to cut the marketing budget "for customers who do not
# pay off". The finance director hands you the order history and asks three questions: how
# concentrated is our revenue, who are our best customers today, and who will be tomorrow?
#
# **Learning objectives**
# 1. Compute RFM scores and read the RFM cells.
# 2. Draw the customer pyramid and the Pareto (concentration) curve; test the "80/20" claim on your data.
# 3. Separate historical, current and potential value and build the 3×3 value matrix (nine types).
#
# **Concepts (docs/COURSE.md §2, §3):** customer value (客户价值): historical (历史价值), current (当前价值),
# potential (潜在价值) value; customer pyramid (客户金字塔); customer lifetime value (客户终身价值, CLV);
# "about 80% of sales come from existing customers".
#
# Time: about 75 minutes. Prerequisites: L01; pandas groupby.

# %% [markdown] lang="zh"
# # L03 客户价值
#
# **情境。** 零售企业的董事会想削减“花在不赚钱客户身上的”营销预算。财务总监把订单历史交给你，并提出三个问题：我们的收入有多集中？今天谁是我们最好的客户？明天又会是谁？
#
# **学习目标**
# 1. 计算 RFM 得分并解读 RFM 单元格。
# 2. 画出客户金字塔和帕累托（集中度）曲线；用你的数据检验“80/20”说法。
# 3. 区分历史价值、当前价值和潜在价值，构建 3×3 价值矩阵（九类客户）。
#
# **概念（docs/COURSE.zh.md §2、§3）：** 客户价值：历史价值、当前价值、潜在价值；客户金字塔；客户终身价值（CLV）；“约 80% 的销售额来自现有客户”。
#
# 时间：约 75 分钟。先修要求：L01；pandas 的 groupby。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

# %%
import math

import matplotlib.pyplot as plt
import pandas as pd

from graders import Lab
from simulations.analytics import rfm_scores, summary_from_orders
from simulations.labs import helpers

# %%
lab = Lab("L03", data=DATASET, lang=LANG)
helpers.use_language_fonts()  # a Chinese font for plots when LANG is zh (before any figure is made)
orders = lab.data.orders.assign(order_ts=lambda f: pd.to_datetime(f["order_ts"]))
customers = lab.data.customers
END = pd.Timestamp(lab.data.metadata["end_date"]) + pd.Timedelta(days=1)
revenue = orders.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
print(f"{len(orders):,} orders from {len(revenue):,} of {len(customers):,} customers")

# %% lang="zh"
lab = Lab("L03", data=DATASET, lang=LANG)
helpers.use_language_fonts()  # LANG 为 zh 时为图表设置中文字体（须在创建任何图表之前）
orders = lab.data.orders.assign(order_ts=lambda f: pd.to_datetime(f["order_ts"]))
customers = lab.data.customers
END = pd.Timestamp(lab.data.metadata["end_date"]) + pd.Timedelta(days=1)
revenue = orders.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
print(f"{len(orders):,} 笔订单，来自 {len(revenue):,} 位客户（客户总数 {len(customers):,}）")

# %% [markdown]
# ## 1. Concentration: the Pareto curve

# %% [markdown] lang="zh"
# ## 1. 集中度：帕累托曲线

# %%
helpers.plot_pareto(revenue)
plt.show()

# %% [markdown]
# **Q1.** Which share of revenue comes from the top 20% of ordering customers (20% rounded up)?
# **Q2.** How many customers (biggest first) bring at least half of all revenue?

# %% [markdown] lang="zh"
# **第 1 题。** 有过订单的客户中，收入排名前 20%（人数向上取整）的客户贡献了多大比例的收入？
#
# **第 2 题。** 按收入从大到小排列，至少需要多少位客户才能带来全部收入的一半？

# %%
# BEGIN SOLUTION
top = revenue.head(math.ceil(0.2 * len(revenue)))
share = float(top.sum() / revenue.sum())
curve = revenue.cumsum() / revenue.sum()
half = int((curve < 0.5).sum() + 1)
# END SOLUTION

# %% tags=["answer"]
top20_share = share
customers_for_half = half
lab.answer("top20_share", top20_share)
lab.answer("customers_for_half", customers_for_half)
lab.check()

# %% [markdown]
# ## 2. The customer pyramid
# Tiers by revenue rank: top 1%, next 4%, next 15%, the other 80%, and customers without orders.

# %% [markdown] lang="zh"
# ## 2. 客户金字塔
# 按收入排名分层：前 1%、其后 4%、再其后 15%、其余 80%，以及没有订单的客户。

# %%
rank = revenue.rank(ascending=False, method="first") / len(revenue)
tier = pd.cut(rank, [0, 0.01, 0.05, 0.2, 1.0], labels=["top 1%", "next 4%", "next 15%", "other 80%"])
pyramid = pd.DataFrame({"customers": tier.value_counts(), "revenue": revenue.groupby(tier, observed=True).sum()})
pyramid["revenue share"] = pyramid["revenue"] / pyramid["revenue"].sum()
pyramid.loc["no orders"] = [len(customers) - len(revenue), 0.0, 0.0]
pyramid.round(3)

# %% lang="zh"
rank = revenue.rank(ascending=False, method="first") / len(revenue)
tier = pd.cut(rank, [0, 0.01, 0.05, 0.2, 1.0], labels=["前 1%", "其后 4%", "再其后 15%", "其余 80%"])
pyramid = pd.DataFrame({"客户数": tier.value_counts(), "收入": revenue.groupby(tier, observed=True).sum()})
pyramid["收入占比"] = pyramid["收入"] / pyramid["收入"].sum()
pyramid.loc["无订单"] = [len(customers) - len(revenue), 0.0, 0.0]
pyramid.round(3)

# %% [markdown]
# ## 3. RFM
# `summary_from_orders` gives recency, frequency and monetary value; `rfm_scores` turns them into
# quintile scores. **Q3.** Give every ordering customer the number R*100 + F*10 + M.

# %% [markdown] lang="zh"
# ## 3. RFM 模型
# `summary_from_orders` 给出最近购买（recency）、购买频率（frequency）和购买金额（monetary value）；`rfm_scores` 把它们转换成五分位得分。**第 3 题。** 为每位有过订单的客户给出数值 R*100 + F*10 + M。

# %%
summary = summary_from_orders(orders, time_col="order_ts", observation_end=END)
rfm = rfm_scores(summary)
pd.crosstab(rfm["R"], rfm["F"]).style.background_gradient()

# %%
# BEGIN SOLUTION
codes = (rfm["R"] * 100 + rfm["F"] * 10 + rfm["M"]).to_dict()
# END SOLUTION

# %% tags=["answer"]
rfm_cells = codes
lab.answer("rfm_cells", rfm_cells)
lab.check("rfm_cells")

# %% [markdown]
# ## 4. Three kinds of value and nine types
# Current value: spend of the last 52 weeks. Potential value: what we expect in the future. A first,
# transparent estimate is the customer's own pace: their average spend per week since their first
# order, carried over the next 104 weeks. It assumes everyone keeps buying at their pace; L04 replaces
# it with lifetime models (BG/NBD and Gamma-Gamma) that also ask whether the customer is still there.

# %% [markdown] lang="zh"
# ## 4. 三种价值与九类客户
# 当前价值：最近 52 周的消费额。潜在价值：我们对未来的预期。一个简单透明的初步估计是客户自己的“节奏”：自首次下单以来平均每周的消费额，延续到未来 104 周。它假设每位客户都按自己的节奏继续购买；L04 会用客户生命期模型（BG/NBD 和 Gamma-Gamma）取代它，这些模型还会考虑客户是否仍然存活。

# %%
ids = customers["customer_id"]
current = orders[orders["order_ts"] >= END - pd.Timedelta(weeks=52)].groupby("customer_id")["amount"].sum()
current = current.reindex(ids, fill_value=0.0)
historical = orders[orders["order_ts"] < END - pd.Timedelta(weeks=52)].groupby("customer_id")["amount"].sum()
pace = orders.groupby("customer_id")["amount"].sum().reindex(summary.index) / (summary["T"] + 1)  # spend a week
potential = (104 * pace).reindex(ids, fill_value=0.0)  # customers who never ordered: no pace yet
helpers.value_matrix(current, potential)

# %% lang="zh"
ids = customers["customer_id"]
current = orders[orders["order_ts"] >= END - pd.Timedelta(weeks=52)].groupby("customer_id")["amount"].sum()
current = current.reindex(ids, fill_value=0.0)
historical = orders[orders["order_ts"] < END - pd.Timedelta(weeks=52)].groupby("customer_id")["amount"].sum()
pace = orders.groupby("customer_id")["amount"].sum().reindex(summary.index) / (summary["T"] + 1)  # 每周消费额
potential = (104 * pace).reindex(ids, fill_value=0.0)  # 从未下单的客户：还没有节奏可言
helpers.value_matrix(current, potential)


# %% [markdown]
# **Q4.** Label every customer with one of nine types (current tercile × potential tercile).

# %% [markdown] lang="zh"
# **第 4 题。** 给每位客户标上九类之一（当前价值三分位 × 潜在价值三分位）。

# %%
# BEGIN SOLUTION
def tercile(values):
    return pd.qcut(values.rank(method="first"), 3, labels=["low", "mid", "high"]).astype(str)


types = (tercile(current) + " current / " + tercile(potential) + " potential").to_dict()
# END SOLUTION

# %% tags=["answer"]
value_types = types
lab.answer("value_types", value_types)
lab.check("value_types")

# %% [markdown]
# **Q5.** A bank courts university students whose current value is low. Which part of customer value is
# it after? Choose `"historical"`, `"current"` or `"potential"`.

# %% [markdown] lang="zh"
# **第 5 题。** 一家银行积极争取当前价值很低的大学生客户。它看重的是客户价值中的哪一部分？从 `"historical"`（历史价值）、`"current"`（当前价值）、`"potential"`（潜在价值）中选一个，答案写英文代码。

# %% tags=["answer"]
potential_example = "potential"
lab.answer("potential_example", potential_example)
lab.check("potential_example")

# %% [markdown]
# ## 5. Reflection (not auto-graded)
# The board wants to stop marketing to the bottom 80%. Using the pyramid and the value matrix, argue
# for or against. Which customers with low current value would you protect, and why?
#
# <!-- BEGIN SOLUTION -->
# Low current but high potential value customers (new, growing) are tomorrow's top tier; cutting them
# off trades future margin for this year's savings. Cut spend on low-current, low-potential customers,
# and serve tiers differently rather than dropping them.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 5. 反思（不自动计分）
# 董事会想停止对排名靠后的 80% 客户做营销。请结合客户金字塔和价值矩阵，论证赞成还是反对。哪些当前价值低的客户你会保护，为什么？
#
# <!-- BEGIN SOLUTION -->
# 当前价值低但潜在价值高的客户（新客户、成长中的客户）就是明天的顶层客户；放弃他们，等于用今年省下的钱换掉未来的利润。应削减的是当前价值和潜在价值都低的客户的投入，并对不同层级的客户提供差异化的服务，而不是直接放弃他们。
# <!-- END SOLUTION -->

# %%
lab.submit()
