# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
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
# **Concepts (DOMAIN.md §2, §3):** customer value (客户价值): historical (历史价值), current (当前价值),
# potential (潜在价值) value; customer pyramid (客户金字塔); customer lifetime value (客户终身价值, CLV);
# "about 80% of sales come from existing customers".
#
# Time: about 75 minutes. Prerequisites: L01; pandas groupby.

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %%
import math

import matplotlib.pyplot as plt
import pandas as pd

from graders import Lab
from simulations.analytics import BetaGeoFitter, GammaGammaFitter, rfm_scores, summary_from_orders
from simulations.labs import helpers

# %%
lab = Lab("L03", data=DATASET, lang=LANG)
orders = lab.data.orders.assign(order_ts=lambda f: pd.to_datetime(f["order_ts"]))
customers = lab.data.customers
END = pd.Timestamp(lab.data.metadata["end_date"]) + pd.Timedelta(days=1)
revenue = orders.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
print(f"{len(orders):,} orders from {len(revenue):,} of {len(customers):,} customers")

# %% [markdown]
# ## 1. Concentration: the Pareto curve

# %%
helpers.plot_pareto(revenue)
plt.show()

# %% [markdown]
# **Q1.** Which share of revenue comes from the top 20% of ordering customers (20% rounded up)?
# **Q2.** How many customers (biggest first) bring at least half of all revenue?

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

# %%
rank = revenue.rank(ascending=False, method="first") / len(revenue)
tier = pd.cut(rank, [0, 0.01, 0.05, 0.2, 1.0], labels=["top 1%", "next 4%", "next 15%", "other 80%"])
pyramid = pd.DataFrame({"customers": tier.value_counts(), "revenue": revenue.groupby(tier, observed=True).sum()})
pyramid["revenue share"] = pyramid["revenue"] / pyramid["revenue"].sum()
pyramid.loc["no orders"] = [len(customers) - len(revenue), 0.0, 0.0]
pyramid.round(3)

# %% [markdown]
# ## 3. RFM
# `summary_from_orders` gives recency, frequency and monetary value; `rfm_scores` turns them into
# quintile scores. **Q3.** Give every ordering customer the number R*100 + F*10 + M.

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
# Current value: spend of the last 52 weeks. Potential value: what we expect in the future. Here a
# BG/NBD + Gamma-Gamma model (L04 explains it) gives expected discounted spend over 104 weeks.

# %%
ids = customers["customer_id"]
current = orders[orders["order_ts"] >= END - pd.Timedelta(weeks=52)].groupby("customer_id")["amount"].sum()
current = current.reindex(ids, fill_value=0.0)
historical = orders[orders["order_ts"] < END - pd.Timedelta(weeks=52)].groupby("customer_id")["amount"].sum()
bg = BetaGeoFitter(penalizer_coef=0.001).fit(summary["frequency"], summary["recency"], summary["T"])
repeat = summary[summary["frequency"] > 0]
gg = GammaGammaFitter(penalizer_coef=0.001).fit(repeat["frequency"], repeat["monetary_value"])
potential = gg.customer_lifetime_value(bg, summary, horizon=104, step=4, discount_rate=1.1 ** (4 / 52) - 1)
potential = potential.fillna(0.0).reindex(ids, fill_value=0.0)  # NaN: the fit saw no dropout at all
helpers.value_matrix(current, potential)

# %% [markdown]
# **Q4.** Label every customer with one of nine types (current tercile × potential tercile).

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

# %%
lab.submit()
