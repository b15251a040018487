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
# # L02 One view of the customer
#
# **The situation.** A regional telecom operator kept losing customers and could not say who left,
# where to, or why: billing, the service desk and marketing each kept their own records, typed
# differently, with no common key. Your firm is in the same place. Before any churn or value
# analysis, you must know who is who.
#
# **Learning objectives**
# 1. Profile messy source-system tables: missing fields, inconsistent formats, duplicates.
# 2. Standardise phones and e-mails; link records to the customer master (crosswalk first, then keys).
# 3. Do the same linking in SQL with DuckDB.
# 4. Judge a matching by its quality and say what the remaining errors cost.
#
# **Concepts (DOMAIN.md §3, §4, §6):** customer 360° view (客户360度视图), one consistent view across
# channels (多渠道统一视图), data quality of scattered records (the 盐城铁通 case), operational vs
# analytical CRM (运营型/分析型CRM).
#
# Time: about 75 minutes. Prerequisites: L01; pandas string methods; a little SQL.

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default

# %%
import duckdb
import matplotlib.pyplot as plt
import pandas as pd

from graders import Lab

lab = Lab("L02", data=DATASET)
data = lab.data
billing, service, leads = data.billing_accounts, data.service_contacts, data.marketing_leads
customers, crosswalk = data.customers, data.crosswalk
print({name: len(data[name]) for name in ["customers", "billing_accounts", "service_contacts", "marketing_leads", "crosswalk"]})

# %% [markdown]
# ## 1. Profile the sources
# How much is missing, and how many different ways are phones written?

# %%
missing = pd.DataFrame({name: frame[["phone", "email"]].isna().mean()
                        for name, frame in [("billing", billing), ("service", service), ("marketing", leads),
                                            ("customers", customers)]}).T
missing.plot.bar(figsize=(6, 3), title="share missing")
plt.show()
pattern = billing["phone"].dropna().str.replace(r"\d", "9", regex=True)
pattern.value_counts().head(8)

# %% [markdown]
# ## 2. Standardise
# Trim and lower-case e-mails; reduce phones to their last ten digits. Look at what changes.

# %%
def std_email(values):
    return values.astype("string").str.strip().str.lower()


def std_phone(values):
    digits = values.astype("string").str.replace(r"\D", "", regex=True).str[-10:]
    return digits.where(digits.str.len() == 10)


frames = []
for system, frame, id_col in [("billing", billing, "account_id"), ("service", service, "contact_ref"),
                              ("marketing", leads, "lead_id")]:
    frames.append(pd.DataFrame({"key": system + ":" + frame[id_col], "system": system,
                                "email": std_email(frame["email"]), "phone": std_phone(frame["phone"])}))
records = pd.concat(frames, ignore_index=True)
records.head()

# %% [markdown]
# **Q1.** After standardising, how many distinct e-mail addresses occur in more than one source record?

# %%
# BEGIN SOLUTION
shared = int((records["email"].value_counts() > 1).sum())
# END SOLUTION

# %% tags=["answer"]
shared_emails = shared
lab.answer("shared_emails", shared_emails)
lab.check("shared_emails")

# %% [markdown]
# ## 3. The same join in SQL
# DuckDB queries pandas DataFrames by name. **Q2.** How many billing accounts have a phone that,
# reduced to its last ten digits, equals a customer's phone reduced the same way?

# %%
# BEGIN SOLUTION
matches = duckdb.sql("""
    WITH b AS (SELECT right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) AS p FROM billing WHERE phone IS NOT NULL),
         c AS (SELECT DISTINCT right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) AS p FROM customers WHERE phone IS NOT NULL)
    SELECT count(*) FROM b WHERE length(p) = 10 AND p IN (SELECT p FROM c WHERE length(p) = 10)
""").fetchall()[0][0]
# END SOLUTION

# %% tags=["answer"]
billing_phone_matches = matches
lab.answer("billing_phone_matches", billing_phone_matches)
lab.check("billing_phone_matches")

# %% [markdown]
# ## 4. Link every record to a customer
# Use the crosswalk where it knows the answer; otherwise match standardised e-mail, then phone, to
# a customer whose key is unique. **Q3** (graded against the true links): give every record
# (key `system:id`) a customer_id or a label of your own. **Q4:** every record belongs to a customer of
# the customers table: how many distinct customers appear in the three systems?

# %%
# BEGIN SOLUTION
cust = customers.assign(email_std=std_email(customers["email"]), phone_std=std_phone(customers["phone"]))
by_email = cust.dropna(subset=["email_std"]).drop_duplicates("email_std", keep=False).set_index("email_std")["customer_id"]
by_phone = cust.dropna(subset=["phone_std"]).drop_duplicates("phone_std", keep=False).set_index("phone_std")["customer_id"]
known = dict(zip(crosswalk["source_system"] + ":" + crosswalk["source_id"], crosswalk["customer_id"], strict=True))
records["customer_id"] = records["key"].map(known).fillna(records["email"].map(by_email)).fillna(records["phone"].map(by_phone))
links = dict(zip(records["key"], records["customer_id"].fillna("unlinked:" + records["key"]), strict=True))
people = records["customer_id"].nunique()  # every record belongs to some customer: count the ones we found
print(f"linked {records['customer_id'].notna().mean():.1%} of records")
# END SOLUTION

# %% tags=["answer"]
record_links = links
distinct_people = int(people)
lab.answer("record_links", record_links)
lab.answer("distinct_people", distinct_people)
lab.check("record_links")

# %% [markdown]
# **Q5.** In the telecom case, what made churn impossible to analyse in the first place? Choose one of
# `"prices too high"`, `"scattered records"`, `"too few call-centre agents"`, `"no loyalty programme"`.

# %% tags=["answer"]
root_cause = "scattered records"
lab.answer("root_cause", root_cause)
lab.check("root_cause")

# %% [markdown]
# ## 5. Reflection (not auto-graded)
# Some records stay unlinked, and an exact match can still join two different people who share a
# family phone. Which error is worse for (a) a retention campaign, (b) a bill? What rule would you add
# to the CRM so that the problem does not come back?
#
# <!-- BEGIN SOLUTION -->
# A false merge sends one person's bill or offer to another (privacy, trust); a missed link only
# duplicates contacts. Billing needs precision, marketing tolerates some misses. Capture a verified
# customer id at every touchpoint and standardise formats at entry.
# <!-- END SOLUTION -->

# %%
lab.submit()
