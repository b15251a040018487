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
# # Demo lab: buyers, concentration, churn and value
#
# Answer each question with `lab.answer(...)`, check the form of your answers with `lab.check()` (a public check: it says whether an answer is well-formed for your data, not whether it is right), and finish with `lab.submit()`, which writes `submission.json` next to this notebook.

# %%
import math

import pandas as pd

from graders import Lab

lab = Lab("DEMO")
orders = lab.data["orders"].assign(order_ts=lambda f: pd.to_datetime(f["order_ts"]))
customers = lab.data["customers"]
end = pd.Timestamp(lab.data.metadata["end_date"]) + pd.Timedelta(days=1)  # the day after the last day
print(lab.dataset_id, len(customers), 'customers', len(orders), 'orders')

# %% [markdown]
# **1.** How many distinct customers placed at least one order?

# %%
lab.answer("ordering_customers", orders["customer_id"].nunique())

# %% [markdown]
# **2.** Which share of revenue comes from the top 20% of ordering customers by revenue (20% rounded up to whole customers)? Answer as a fraction.

# %%
revenue = orders.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
top = revenue.head(math.ceil(0.2 * len(revenue)))
lab.answer("top20_share", top.sum() / revenue.sum())

# %% [markdown]
# **3.** Flag the customers you believe have churned or are about to churn by the end of the data. A simple rule: they ordered before, but not in the last 26 weeks.

# %%
last = orders.groupby("customer_id")["order_ts"].max()
lab.answer("churned", list(last[last < end - pd.Timedelta(weeks=26)].index))

# %% [markdown]
# **4.** Give every customer a value that ranks them by expected future value. Recent spend (last 26 weeks) is a reasonable start.

# %%
recent = orders[orders["order_ts"] >= end - pd.Timedelta(weeks=26)]
value = recent.groupby("customer_id")["amount"].sum().reindex(customers["customer_id"], fill_value=0.0)
lab.answer("clv_ranking", value)

# %% [markdown]
# **5.** Keeping an existing customer costs roughly what share of winning a new one? (one of `5%`, `25%`, `100%`, `500%`)

# %%
lab.answer("retention_cost", "25%")

# %%
lab.check()
lab.submit()
