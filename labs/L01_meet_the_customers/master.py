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
# **Concepts (DOMAIN.md §1, §7):** customer relationship lifecycle (客户关系生命周期); prospect (开拓期),
# new customer (社会化期), growth (成长期), maturity (成熟期), at-risk (危险期), terminating (解约期),
# dormant (中断期), won back (恢复期); simulation → virtual → real (递进式教学).
#
# Time: about 60 minutes. Prerequisites: Python and pandas basics.

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default

# %%
import inspect

import matplotlib.pyplot as plt

from graders import Lab
from simulations.config import load_scenario
from simulations.labs import helpers
from simulations.model import CustomerLifecycleModel
from simulations.reference import Customer
from simulations.stages import Stage

lab = Lab("L01", data=DATASET)
meta = lab.data.metadata
SEED = int(lab.dataset_id[:6], 16)  # your lab seed: every student has their own
print(f"dataset {lab.dataset_id} ({meta['scenario']}), lab seed {SEED}")

# %% [markdown]
# ## 1. Run a scenario
# A scenario keeps the **world** (market, customer traits, costs) apart from the firm's **policies**.
# We run your dataset's scenario with 1,000 people for 52 weeks on your lab seed.

# %%
scenario = load_scenario(meta["scenario"])
model = CustomerLifecycleModel(scenario, customers=1_000, seed=SEED)
model.run(52)
kpis = model.kpi_frame()
kpis[["week", "customers_active", "acquisitions", "revenue", "profit"]].tail()

# %% [markdown]
# ## 2. Stages over time and flows between them
# A picture says more than the table: how do the stages fill up during the year?

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 5))
helpers.plot_stages(kpis, ax=axes[0])
helpers.plot_flows(model.flows, ax=axes[1])
plt.tight_layout()
plt.show()

# %%
helpers.flow_frame(model.flows)  # rows: stage moved FROM, columns: stage moved TO

# %% [markdown]
# ## 3. How one customer decides
# The vectorized engine handles everyone at once. The reference model tells the same story one
# customer at a time. Read a customer's week:

# %%
print(inspect.getsource(Customer.live_the_week))

# %% [markdown]
# ## 4. Graded questions
# **Q1.** How many customers are active (`customers_active`) in the last week of your run?

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

# %%
capacity = dict(scenario.policies.service.capacity)
print("phone capacity per week:", capacity["phone"])

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
# (`acquisition_channel` other than `initial_base`) came through a referral? (DOMAIN.md §3 quotes about 60%.)

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

# %%
lab.submit()
