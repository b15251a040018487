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
# # L05 Satisfaction and service
#
# **The situation.** A customer calls the telecom operator about a wrong bill, waits twelve minutes,
# and hangs up. The service director says the call centre "meets its targets"; the survey team says
# satisfaction "is excellent". You are asked to check both claims and to decide how many phone agents
# the operator needs.
#
# **Learning objectives**
# 1. Compute a service level correctly (abandoned calls included).
# 2. Relate waiting time and first-contact resolution to satisfaction (CSAT).
# 3. Recognise survey non-response bias and correct a satisfaction figure by reweighting.
# 4. Take a capacity decision by simulating alternatives on the same seed.
#
# **Concepts (DOMAIN.md §4):** customer service (客户服务), call centre capacity, service level ("98% of
# orders within 24 h"), satisfaction measurement (满意度测评), complaint handling and service recovery;
# satisfaction drives loyalty (忠诚).
#
# Time: about 80 minutes. Prerequisites: L01, L04.

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %%
import matplotlib.pyplot as plt
import pandas as pd

from graders import Lab
from simulations.config import load_scenario
from simulations.labs import helpers
from simulations.model import CustomerLifecycleModel

lab = Lab("L05", data=DATASET, lang=LANG)
helpers.use_language_fonts()
tickets = lab.data.service_tickets
surveys = lab.data.surveys
customers = lab.data.customers
SEED = int(lab.dataset_id[:6], 16)
tickets.groupby("channel")[["wait_minutes", "abandoned", "first_contact_resolution"]].mean()

# %% [markdown]
# ## 1. Service level
# **Q1.** Which share of phone tickets was answered within 3 minutes? A caller who gave up was not answered in time.

# %%
# BEGIN SOLUTION
phone = tickets[tickets["channel"] == "phone"]
level = float(((~phone["abandoned"]) & (phone["wait_minutes"] <= 3)).mean())
# END SOLUTION

# %% tags=["answer"]
service_level = level
lab.answer("service_level", service_level)
lab.check("service_level")

# %% [markdown]
# ## 2. Waiting, resolution and satisfaction

# %%
answered = tickets.dropna(subset=["csat"])
bins = pd.cut(answered["wait_minutes"], [0, 1, 3, 10, 30, 1e9], include_lowest=True)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
answered.groupby(bins, observed=True)["csat"].mean().plot.bar(ax=axes[0], title="mean CSAT by wait (minutes)")
answered.groupby("first_contact_resolution")["csat"].mean().plot.bar(ax=axes[1], title="mean CSAT by first-contact resolution")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Q2.** Mean CSAT of tickets resolved in the first contact minus that of the others (answered surveys only).

# %%
# BEGIN SOLUTION
by_fcr = answered.groupby("first_contact_resolution")["csat"].mean()
gap = float(by_fcr[True] - by_fcr[False])
# END SOLUTION

# %% tags=["answer"]
recovery_gap = gap
lab.answer("recovery_gap", recovery_gap)
lab.check("recovery_gap")

# %% [markdown]
# ## 3. Who answers the survey?
# Quarterly NPS invitations go to a random sample of customers; not all answer. Compare response
# rates across groups you can see: tier, and whether the customer had complained before the survey.

# %%
nps = surveys[surveys["kind"] == "nps"].assign(survey_date=lambda f: pd.to_datetime(f["survey_date"]))
first_complaint = (tickets[tickets["complaint"]].assign(opened=lambda f: pd.to_datetime(f["opened_ts"]))
                   .groupby("customer_id")["opened"].min())
nps["complained"] = nps["customer_id"].map(first_complaint).lt(nps["survey_date"]).fillna(False).astype(bool)
nps["tier"] = nps["customer_id"].map(customers.set_index("customer_id")["tier"])
nps.groupby(["tier", "complained"]).agg(invited=("responded", "size"), response_rate=("responded", "mean"),
                                        mean_score=("score", "mean"))

# %% [markdown]
# **Q3.** Reweight: each cell's mean answered score, weighted by the cell's number of INVITATIONS.

# %%
# BEGIN SOLUTION
cells = nps.groupby(["tier", "complained"]).agg(invited=("responded", "size"), mean=("score", "mean")).dropna()
weighted = float((cells["mean"] * cells["invited"]).sum() / cells["invited"].sum())
print(f"naive {nps['score'].mean():.2f} vs reweighted {weighted:.2f}")
# END SOLUTION

# %% tags=["answer"]
nps_weighted = weighted
lab.answer("nps_weighted", nps_weighted)
lab.check("nps_weighted")

# %% [markdown]
# ## 4. A capacity decision, tested by simulation
# Run your scenario with 2,000 customers for 26 weeks on your lab seed for phone capacities
# 20, 40, ..., 160. **Q4.** Recommend the cheapest capacity whose mean weekly service level is at least 0.85.

# %%
scenario = load_scenario(lab.data.metadata["scenario"])
results = []
for capacity in range(20, 161, 20):
    caps = {**scenario.policies.service.capacity, "phone": float(capacity)}
    model = CustomerLifecycleModel(scenario, customers=2_000, seed=SEED, policies__service__capacity=caps)
    model.run(26)
    k = model.kpi_frame()
    results.append({"capacity": capacity, "service_level": k["service_level"].mean(),
                    "mean_wait": k["mean_wait_minutes"].mean(), "cost_service": k["cost_service"].sum(),
                    "profit": k["profit"].sum()})
results = pd.DataFrame(results).set_index("capacity")
results["service_level"].plot(marker="o", title="service level by phone capacity")
plt.axhline(0.85, ls="--", c="tab:red")
plt.show()
results.round(2)

# %%
# BEGIN SOLUTION
recommended = int(results.index[results["service_level"] >= 0.85].min())
# END SOLUTION

# %% tags=["answer"]
capacity = recommended
lab.answer("capacity", capacity)
lab.check("capacity")

# %% [markdown]
# **Q5.** What does the service-recovery idea say? Choose one of:
# `"complaints should be discouraged"`, `"resolved complaints can leave customers happier than before"`,
# `"satisfaction cannot be measured"`, `"waiting time does not matter"`.

# %% tags=["answer"]
recovery_paradox = "resolved complaints can leave customers happier than before"
lab.answer("recovery_paradox", recovery_paradox)
lab.check("recovery_paradox")

# %% [markdown]
# ## 5. Reflection (not auto-graded)
# The reweighting used only what you can see (tier, complaints). Happier customers may also simply be
# more willing to answer. Which way would that bias your estimate, and how could the firm measure it?
#
# <!-- BEGIN SOLUTION -->
# If satisfied customers answer more often, even the reweighted mean is too high. Follow up a random
# subsample of non-respondents intensively (phone), or compare early and late respondents, and link
# survey answers to behaviour (churn, repeat purchase) to calibrate.
# <!-- END SOLUTION -->

# %%
lab.submit()
