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
# **Concepts (DOMAIN.md §1, §2, §6):** customer lifetime value (客户终身价值, CLV) as the net present value
# of future profit; retention (维系) and churn (流失); customer lifecycle (客户关系生命周期); churn analysis.
#
# Time: about 90 minutes. Prerequisites: L03.

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

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

# %%
summary = summary_from_orders(orders, time_col="order_ts", observation_end=END)
bg = BetaGeoFitter(penalizer_coef=0.001).fit(summary["frequency"], summary["recency"], summary["T"])
repeat = summary[summary["frequency"] > 0]
gg = GammaGammaFitter(penalizer_coef=0.001).fit(repeat["frequency"], repeat["monetary_value"])
summary.describe().round(2)

# %% [markdown]
# BG/NBD lets a customer drop out only right after a purchase. A simpler "silence test" asks: if this
# customer were still buying at their own rate, how likely is a silence as long as the one we see?
# With rate = (repeat purchases + 1) / (age + 1) per week, that chance is exp(-rate × weeks silent).
# Compare the two on a plot.

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

# %% [markdown]
# **Q2.** Give every ordering customer the probability that they are still alive (not dormant or lost).
# Graded by how well it ranks the truly alive above the others.

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
# ordering customer with its standard error.

# %%
margin = load_scenario(meta["scenario"]).world.costs.gross_margin
print("gross margin", margin)

# %%
# BEGIN SOLUTION
values = gg.customer_lifetime_value(bg, summary, horizon=104, step=4, discount_rate=1.1 ** (4 / 52) - 1, margin=margin)
values = values.fillna(0.0)  # NaN only when the fit saw no dropout at all (tiny samples)
mean_clv = float(values.mean())
se_clv = float(values.std() / np.sqrt(len(values)))
print(f"mean CLV {mean_clv:.2f} ± {1.96 * se_clv:.2f}")
# END SOLUTION

# %% tags=["answer"]
clv_rank = values
clv_mean, clv_se = mean_clv, se_clv
lab.answer("clv_rank", clv_rank)
lab.answer("clv_mean", clv_mean, se=clv_se)
lab.check()

# %% [markdown]
# **Q5.** In this retail business, does the firm observe the moment a customer churns? (`"yes"`/`"no"`)

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

# %%
lab.submit()
