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
# **Concepts (docs/COURSE.md §3, §4, §6):** customer 360° view (客户360度视图), one consistent view across
# channels (多渠道统一视图), data quality of scattered records (the 盐城铁通 case), operational vs
# analytical CRM (运营型/分析型CRM).
#
# Time: about 75 minutes. Prerequisites: L01; pandas string methods; a little SQL.

# %% [markdown] lang="zh"
# # L02 统一的客户视图
#
# **情境。** 一家地区电信运营商的客户不断流失，却说不清是谁走了、去了哪里、为什么走：计费、客服和市场部门各自保存一套记录，录入格式各不相同，也没有共同的键。你们企业也处在同样的境地。在做任何流失分析或价值分析之前，你必须先弄清楚“谁是谁”。
#
# **学习目标**
# 1. 剖析杂乱的源系统数据表：缺失字段、格式不一致、重复记录。
# 2. 标准化电话号码和电子邮箱；把记录关联到客户主数据（先用 ID 对照表，再用键匹配）。
# 3. 用 DuckDB 以 SQL 完成同样的关联。
# 4. 根据质量评判一次匹配的好坏，并说明剩余的错误会造成什么代价。
#
# **概念（docs/COURSE.zh.md §3、§4、§6）：** 客户360度视图；多渠道统一视图；分散记录的数据质量（盐城铁通案例）；运营型CRM 与分析型CRM。
#
# 时间：约 75 分钟。先修要求：L01；pandas 字符串方法；一点 SQL。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

# %%
import duckdb
import matplotlib.pyplot as plt
import pandas as pd

from graders import Lab
from simulations.labs import helpers

lab = Lab("L02", data=DATASET, lang=LANG)
helpers.use_language_fonts()
data = lab.data
billing, service, leads = data.billing_accounts, data.service_contacts, data.marketing_leads
customers, crosswalk = data.customers, data.crosswalk
print({name: len(data[name]) for name in ["customers", "billing_accounts", "service_contacts", "marketing_leads", "crosswalk"]})

# %% [markdown]
# ## 1. Profile the sources
# How much is missing, and how many different ways are phones written?

# %% [markdown] lang="zh"
# ## 1. 剖析源系统
# 缺失了多少？电话号码又有多少种不同的写法？

# %%
missing = pd.DataFrame({name: frame[["phone", "email"]].isna().mean()
                        for name, frame in [("billing", billing), ("service", service), ("marketing", leads),
                                            ("customers", customers)]}).T
ax = missing.rename(columns={"phone": "phone", "email": "e-mail"}).plot.bar(figsize=(6, 3), title="share missing", rot=0)
ax.set_ylabel("share of records")
plt.show()
pattern = billing["phone"].dropna().str.replace(r"\d", "9", regex=True)
pattern.value_counts().head(8)

# %% lang="zh"
missing = pd.DataFrame({name: frame[["phone", "email"]].isna().mean()
                        for name, frame in [("账单", billing), ("服务", service), ("营销", leads),
                                            ("客户", customers)]}).T
ax = missing.rename(columns={"phone": "电话", "email": "电子邮件"}).plot.bar(figsize=(6, 3), title="缺失比例", rot=0)
ax.set_ylabel("记录占比")
plt.show()
pattern = billing["phone"].dropna().str.replace(r"\d", "9", regex=True)
pattern.value_counts().head(8)

# %% [markdown]
# A phone is not a person: some customers give their household's shared landline, so the same number
# belongs to two customers (look at the names and towns below). Keep that in mind for every match
# and every count on the phone.

# %% [markdown] lang="zh"
# 一个电话号码不等于一个人：有些客户留的是家里共用的座机，所以同一个号码属于两位客户（看看下面的姓名和城市）。凡是按电话号码做匹配或计数，都要记住这一点。

# %%
shared_phone = customers["phone"].duplicated(keep=False)
customers.loc[shared_phone, ["customer_id", "name", "city", "phone"]].sort_values("phone").head(6)


# %% [markdown]
# ## 2. Standardise
# Trim and lower-case e-mails; reduce phones to their last ten digits. Look at what changes.

# %% [markdown] lang="zh"
# ## 2. 标准化
# 去掉电子邮箱首尾的空格并转为小写；电话号码只保留最后十位数字。看看有哪些变化。

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

# %% [markdown] lang="zh"
# **第 1 题。** 标准化之后，有多少个不同的电子邮箱地址出现在不止一条源记录中？

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
# reduced to its last ten digits, equals a customer's phone reduced the same way? Count accounts:
# a JOIN returns one row per matching customer, and a shared household phone matches more than one.

# %% [markdown] lang="zh"
# ## 3. 用 SQL 做同样的关联
# DuckDB 可以直接按名称查询 pandas DataFrame。**第 2 题。** 有多少个计费账户的电话号码在只保留最后十位数字之后，与某位客户按同样方式处理后的电话号码相同？要数的是账户：JOIN 会为每位匹配上的客户各返回一行，而一家人共用的电话会匹配到不止一位客户。

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
# a customer whose key is unique (a shared phone identifies nobody). **Q3** (graded against the true
# links): give every record (key `system:id`) a customer_id or a label of your own. **Q4:** every
# record belongs to a customer of the customers table, but not every customer is in the source systems
# (billing knows only customers who were billed, the service desk only those who contacted it): how
# many distinct customers appear in the three systems?

# %% [markdown] lang="zh"
# ## 4. 把每条记录关联到一位客户
# 在 ID 对照表（`crosswalk`）已知答案的地方使用它；否则先按标准化后的电子邮箱、再按电话号码，匹配到该键唯一对应的客户（共用的电话号码识别不了任何人）。**第 3 题**（按真实关联计分）：为每条记录（键为 `system:id`）给出一个 customer_id，或者你自己定义的标签。**第 4 题：** 每条记录都属于客户表中的某位客户，但并不是每位客户都出现在源系统中（计费系统只知道被开过账单的客户，客服系统只知道联系过客服的客户）：这三个系统中一共出现了多少位不同的客户？

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

# %% lang="zh"
# BEGIN SOLUTION
cust = customers.assign(email_std=std_email(customers["email"]), phone_std=std_phone(customers["phone"]))
by_email = cust.dropna(subset=["email_std"]).drop_duplicates("email_std", keep=False).set_index("email_std")["customer_id"]
by_phone = cust.dropna(subset=["phone_std"]).drop_duplicates("phone_std", keep=False).set_index("phone_std")["customer_id"]
known = dict(zip(crosswalk["source_system"] + ":" + crosswalk["source_id"], crosswalk["customer_id"], strict=True))
records["customer_id"] = records["key"].map(known).fillna(records["email"].map(by_email)).fillna(records["phone"].map(by_phone))
links = dict(zip(records["key"], records["customer_id"].fillna("unlinked:" + records["key"]), strict=True))
people = records["customer_id"].nunique()  # 每条记录都属于某位客户：数一数我们找到的客户
print(f"已关联 {records['customer_id'].notna().mean():.1%} 的记录")
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

# %% [markdown] lang="zh"
# **第 5 题。** 在电信案例中，最初是什么让流失分析根本无法进行？从 `"prices too high"`（价格太高）、`"scattered records"`（记录分散）、`"too few call-centre agents"`（呼叫中心坐席太少）、`"no loyalty programme"`（没有会员忠诚计划）中选一个，答案写英文代码。

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

# %% [markdown] lang="zh"
# ## 5. 反思（不自动计分）
# 有些记录始终无法关联；而精确匹配也可能把共用一个家庭电话的两个人合并成一个。对于 (a) 一次客户维系营销活动、(b) 一张账单，哪种错误更糟糕？你会在 CRM 中增加什么规则，让这个问题不再出现？
#
# <!-- BEGIN SOLUTION -->
# 错误合并会把一个人的账单或优惠发给另一个人（涉及隐私和信任）；漏掉关联只会造成重复联系。账单需要高精确度，营销可以容忍少量遗漏。应在每个触点采集经过核实的客户编号，并在录入时就统一格式。
# <!-- END SOLUTION -->

# %%
lab.submit()
