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
# # L06 Who is leaving, and why
#
# **The situation.** The telecom operator's retention team can call about one customer in ten each
# half-year with a retention offer. The marketing director wants "the list of customers who are about
# to leave", the finance director wants to know what a wrong list costs, and the CEO asks the question
# the course's telecom case left unanswered: who leaves, when, and why?
#
# **Learning objectives**
# 1. Build a churn model the honest way: features from a snapshot of the records at a date, the label
#    from what happened after it, trained on the past and judged on a later period.
# 2. Evaluate a churn list by AUC and top-decile lift, and price its mistakes (a confusion matrix with costs).
# 3. Read the records for the reasons and the moment of churn, and see what they cannot tell: in a
#    simulation you run, compare the stage the firm's CRM perceives with the true stage (a confusion
#    matrix, and what its mistakes cost).
# 4. Run the same analysis on a real customer dataset (CDNOW), where the truth is simply the future.
#
# **Concepts (docs/COURSE.md §1, §3, §6, §7):** churn (客户流失) and churn analysis (流失分析: who left,
# when, where to and why); retention (维系); the at-risk and terminating stages of the customer
# lifecycle; the contractual setting, where the firm sees the moment a customer leaves; response and
# churn models in analytical CRM; the course's "simulation → virtual → real" progression.
#
# Time: about 90 minutes. Prerequisites: L01, L04.

# %% [markdown] lang="zh"
# # L06 谁在流失，为什么
#
# **情境。** 电信运营商的维系团队每半年大约能给十分之一的客户打电话，提供挽留优惠。市场总监想要一份“即将离开的客户名单”；财务总监想知道名单出错要付出多大代价；总经理提出了课程电信案例中一直没有回答的问题：谁在离开？什么时候离开？为什么离开？
#
# **学习目标**
# 1. 用正确的方法建立流失模型：特征取自某一日期的记录快照，标签取自该日期之后发生的事情；用过去训练，在之后的时期检验。
# 2. 用 AUC 和前 10% 的提升度评价一份流失名单，并为它的错误定价（带成本的混淆矩阵）。
# 3. 从记录中读出客户流失的原因和时机，并认识到记录无法告诉我们什么：在你自己运行的模拟中，把企业 CRM 感知的阶段与真实阶段比较（混淆矩阵，以及其中错误的代价）。
# 4. 在一份真实的客户数据集（CDNOW）上做同样的分析：在真实数据中，真相就是未来。
#
# **概念（docs/COURSE.zh.md §1、§3、§6、§7）：** 客户流失与流失分析（谁走了、什么时候走的、去了哪里、为什么走）；维系；客户关系生命周期中的危险期和解约期；契约型情境（企业能看到客户离开的那一刻）；分析型CRM 中的响应模型和流失模型；课程“模拟 → 虚拟 → 真实”的递进式教学。
#
# 时间：约 90 分钟。先修要求：L01、L04。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

# %%
import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from graders import Lab
from simulations.config import load_scenario
from simulations.firm.churn_model import auc, fit_logistic, predict
from simulations.labs import helpers
from simulations.model import CustomerLifecycleModel
from simulations.stages import Stage

lab = Lab("L06", data=DATASET, lang=LANG)
helpers.use_language_fonts()
meta = lab.data.metadata
SEED = int(lab.dataset_id[:6], 16)
START = pd.Timestamp(meta["start_date"])
CUTOFF = START + pd.Timedelta(weeks=int(meta["weeks"]) - 26)
TRAIN_AT = CUTOFF - pd.Timedelta(weeks=26)
contracts = lab.data.contracts.assign(start_date=lambda f: pd.to_datetime(f["start_date"]),
                                      end_date=lambda f: pd.to_datetime(f["end_date"]),
                                      notice_date=lambda f: pd.to_datetime(f["notice_date"]))
customers = lab.data.customers
tickets = lab.data.service_tickets.assign(opened=lambda f: pd.to_datetime(f["opened_ts"]))
pd.Series({"start": START.date(), "training snapshot": TRAIN_AT.date(), "cutoff": CUTOFF.date(),
           "end": pd.Timestamp(meta["end_date"]).date()})

# %% [markdown]
# ## 1. Churn you can see
# In a contract business a customer who leaves gives notice (`contracts.notice_date`): unlike the
# retailer of L04, the firm sees churn happen. Each row of `contracts` is one term; a fixed term
# (one or two years) that runs out without a renewal becomes a month-to-month contract. A product
# added to the bill during a term (a second line, broadband) ends the row as `amended`: the term goes
# on in the next row, with the same type and end, at the new fee.

# %% [markdown] lang="zh"
# ## 1. 看得见的流失
# 在契约型情境中，要离开的客户会提出解约通知（`contracts.notice_date`）：与 L04 的零售企业不同，企业能看到客户流失的发生。`contracts` 的每一行是一个合同期；固定期限合同（一年或两年）到期而没有续约，就变为按月合同（month-to-month）。合同期内在账单上增加一项产品（第二条线路、宽带）会使这一行以 `amended`（变更）结束：合同期在下一行继续，类型和结束日期不变，月费为新的月费。

# %%
notices = contracts.dropna(subset=["notice_date"])
by_quarter = notices.groupby([notices["notice_date"].dt.to_period("Q"), "contract_type"]).size().unstack(fill_value=0)
ax = by_quarter.rename(columns={"month-to-month": "month-to-month", "one-year": "one-year", "two-year": "two-year"}).plot.bar(
    stacked=True, figsize=(9, 3.5), title="notices per quarter, by the type of the contract ended")
ax.set_xlabel("quarter of the notice")
ax.set_ylabel("notices")
ax.legend(title="contract ended", loc="upper left", bbox_to_anchor=(1.0, 1.0))
ax.set_ylim(0, 1.1 * by_quarter.sum(axis=1).max())
plt.tight_layout()
plt.show()

# %% lang="zh"
notices = contracts.dropna(subset=["notice_date"])
by_quarter = notices.groupby([notices["notice_date"].dt.to_period("Q"), "contract_type"]).size().unstack(fill_value=0)
ax = by_quarter.rename(columns={"month-to-month": "按月", "one-year": "一年期", "two-year": "两年期"}).plot.bar(
    stacked=True, figsize=(9, 3.5), title="每季度的解约通知数（按被解除合同的类型）")
ax.set_xlabel("通知所在季度")
ax.set_ylabel("解约通知数")
ax.legend(title="被解除的合同", loc="upper left", bbox_to_anchor=(1.0, 1.0))
ax.set_ylim(0, 1.1 * by_quarter.sum(axis=1).max())
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 2. A snapshot of the records at a date
# A churn model answers "who will give notice in the next 26 weeks?" at a given date. Everything it
# uses must be known on that date. `snapshot(when)` keeps the customers whose contract runs on `when`
# with no notice given before it, and describes each from the term running on that date (never from
# the customer table, which holds the LATEST contract, as at the end of the data):
# `month_to_month` (1 if out of a fixed term), `weeks_left` in a fixed term, `tenure` in years, the
# monthly `fee`, and the label `left`: a notice in the 26 weeks from `when`.
#
# The **cutoff** is 26 weeks before the end of your data: the weeks after it are the *holdout*, the
# future we pretend not to know. The model is trained on the snapshot 26 weeks *before* the cutoff,
# whose 26-week outcome is complete by the cutoff.

# %% [markdown] lang="zh"
# ## 2. 某一日期的记录快照
# 流失模型回答的是：在某一日期，“谁会在接下来的 26 周内提出解约？”它用到的一切信息都必须在那一天已经知道。`snapshot(when)` 保留在 `when` 当天合同仍在履行、且此前没有提出解约的客户，并用当天正在履行的那个合同期来描述每位客户（绝不使用客户主数据表，因为那里记录的是截至数据结束时的**最新**合同）：`month_to_month`（已不在固定期限内则为 1）、固定期限合同还剩的周数 `weeks_left`、以年计的关系时长 `tenure`、月费 `fee`，以及标签 `left`：从 `when` 起 26 周内是否提出了解约。
#
# **截止日**设在数据结束前 26 周：截止日之后的几周是*检验期*，即我们假装不知道的未来。模型在截止日*之前* 26 周的快照上训练，这个快照 26 周内的结果在截止日时已经完整。

# %%
signup = pd.to_datetime(customers.set_index("customer_id")["signup_date"])


def snapshot(when):
    run = contracts[(contracts["start_date"] <= when) & ~(contracts["end_date"] < when) & ~(contracts["notice_date"] < when)]
    run = run.sort_values("start_date").drop_duplicates("customer_id", keep="last").set_index("customer_id").sort_index()
    fixed = run["contract_type"] != "month-to-month"
    table = pd.DataFrame({"month_to_month": (~fixed).astype(float),
                          "weeks_left": np.where(fixed, ((run["end_date"] - when).dt.days / 7).clip(lower=0), 0.0),
                          "tenure": (when - signup.reindex(run.index)).dt.days / 364.0,
                          "fee": run["monthly_fee"]})
    ahead = contracts[(contracts["notice_date"] >= when) & (contracts["notice_date"] < when + pd.Timedelta(weeks=26))]
    table["left"] = table.index.isin(ahead["customer_id"])
    return table


train, now = snapshot(TRAIN_AT), snapshot(CUTOFF)
FEATURES = ["month_to_month", "weeks_left", "tenure"]
train.groupby("month_to_month")[["left", "weeks_left", "tenure", "fee"]].mean().round(3)

# %% [markdown]
# **Q1.** Fit the ridge logistic regression the simulated firm itself uses,
# `fit_logistic(X, y, start=np.zeros(4))`, on the training snapshot (`X` = the three `FEATURES`,
# `y` = `left`), and give every customer of the cutoff snapshot a probability of leaving:
# `predict(coef, X_now)`. It is graded by AUC against who **truly** churned after your cutoff.

# %% [markdown] lang="zh"
# **第 1 题。** 用模拟企业自己使用的岭回归逻辑模型 `fit_logistic(X, y, start=np.zeros(4))` 在训练快照上拟合（`X` 为三个特征 `FEATURES`，`y` 为 `left`），然后给截止日快照中的每位客户一个流失概率：`predict(coef, X_now)`。本题按 AUC 与截止日之后**真正**流失的客户比较来评分。

# %%
# BEGIN SOLUTION
coef = fit_logistic(train[FEATURES].to_numpy(), train["left"].to_numpy(), start=np.zeros(4))
now["score"] = predict(coef, now[FEATURES].to_numpy()).astype(float)
pd.Series(coef, index=["intercept", *FEATURES]).round(3)
# END SOLUTION

# %% tags=["answer"]
churn_scores = now["score"]
lab.answer("churn_scores", churn_scores)
lab.check("churn_scores")

# %% [markdown]
# ## 3. Judge a model on a period it has not seen
# The firm cannot wait for the truth; it can wait 26 weeks and see who gave notice. **Q2.** What is
# the AUC of your cutoff scores against the notices given in the 26 weeks after the cutoff
# (`auc(scores, labels)`)? Compare it with the AUC on the training snapshot: which one would you
# report to the marketing director, and why?

# %% [markdown] lang="zh"
# ## 3. 在模型没有见过的时期上评价模型
# 企业等不到真相，但可以等上 26 周，看看谁提出了解约。**第 2 题。** 你在截止日给出的得分，与截止日之后 26 周内提出的解约通知相比，AUC 是多少（`auc(scores, labels)`）？再与训练快照上的 AUC 比较：你会向市场总监报告哪一个？为什么？

# %%
# BEGIN SOLUTION
out_of_time = float(auc(now["score"].to_numpy(), now["left"].to_numpy()))
in_sample = float(auc(predict(coef, train[FEATURES].to_numpy()), train["left"].to_numpy()))
round(out_of_time, 3), round(in_sample, 3)
# END SOLUTION

# %% tags=["answer"]
holdout_auc = out_of_time
lab.answer("holdout_auc", holdout_auc)
lab.check("holdout_auc")

# %% [markdown]
# ## 4. The list, its lift and the cost of its mistakes
# The retention team calls the **top decile**: the customers whose cutoff score is at or above the
# scores' 90th percentile (`now["score"].quantile(0.9)`). **Q3.** Its lift: the notice rate in the top
# decile divided by the notice rate of all scored customers.
#
# **Q4.** Every mistake costs: an offer to a flagged customer who would have stayed is wasted (60 per
# customer); a customer who gives notice without being flagged is a missed churner (12 monthly fees,
# `fee`). Build the confusion matrix of the flag against the notices and price the mistakes.

# %% [markdown] lang="zh"
# ## 4. 名单、提升度与错误的代价
# 维系团队会给**前 10%** 的客户打电话：截止日得分不低于所有得分第 90 百分位数（`now["score"].quantile(0.9)`）的客户。**第 3 题。** 求它的提升度：前 10% 客户中的解约率，除以全部被打分客户的解约率。
#
# **第 4 题。** 每个错误都有代价：给本来会留下的被标记客户提供优惠是浪费（每人 60）；没有被标记却提出解约的客户是漏掉的流失客户（损失 12 个月的月费 `fee`）。请建立标记与解约通知的混淆矩阵，并为其中的错误定价。

# %%
# BEGIN SOLUTION
flagged = now["score"] >= now["score"].quantile(0.9)
lift = float(now.loc[flagged, "left"].mean() / now["left"].mean())
cost = float((flagged & ~now["left"]).sum() * 60 + now.loc[now["left"] & ~flagged, "fee"].sum() * 12)
pd.crosstab(flagged.rename("flagged"), now["left"], margins=True)
# END SOLUTION

# %% tags=["answer"]
top_decile_lift = lift
lab.answer("top_decile_lift", top_decile_lift)
lab.check("top_decile_lift")

# %% tags=["answer"]
mistakes_cost = cost
lab.answer("mistakes_cost", mistakes_cost)
lab.check("mistakes_cost")

# %% [markdown]
# ## 5. When and why do they leave?
# The firm's records hold two clues: the contract a notice ends, and the service tickets before it.
# First the share of notices with a ticket of each reason opened in the 13 weeks before the notice,
# then the type of the contract each notice ended.

# %% [markdown] lang="zh"
# ## 5. 客户什么时候离开？为什么离开？
# 企业的记录中有两条线索：解约通知所解除的合同，以及通知之前的服务工单。先看在解约通知前 13 周内开过各类原因工单的通知所占的比例，再看每份解约通知所解除的合同属于哪种类型。

# %%
before = notices[["contract_id", "customer_id", "notice_date"]].merge(tickets[["customer_id", "opened", "reason"]],
                                                                       on="customer_id")
before = before[(before["opened"] < before["notice_date"])
                & (before["opened"] >= before["notice_date"] - pd.Timedelta(weeks=13))]
(before.drop_duplicates(["contract_id", "reason"])["reason"].value_counts() / len(notices)).round(3)

# %%
notices["contract_type"].value_counts(normalize=True).round(3)

# %% [markdown]
# **Q5.** Which share of all notices in your data came within 13 weeks after a complaint ticket of the
# same customer (a ticket with `complaint` true, opened before the notice date and at most 13 weeks before)?

# %% [markdown] lang="zh"
# **第 5 题。** 在你的数据中，全部解约通知里有多大比例是在同一客户的一张投诉工单（`complaint` 为真、开单时间早于通知日期且不超过 13 周）之后 13 周内提出的？

# %%
# BEGIN SOLUTION
complaints = tickets.loc[tickets["complaint"], ["customer_id", "opened"]]
pairs = notices.merge(complaints, on="customer_id")
pairs = pairs[(pairs["opened"] < pairs["notice_date"]) & (pairs["opened"] >= pairs["notice_date"] - pd.Timedelta(weeks=13))]
share = float(notices["contract_id"].isin(pairs["contract_id"]).mean())
# END SOLUTION

# %% tags=["answer"]
complaint_share = share
lab.answer("complaint_share", complaint_share)
lab.check("complaint_share")

# %% [markdown]
# **Q6.** By the records, when do most of the customers who give notice leave? Choose one of:
# `"after a complaint"`, `"out of contract"`, `"in their first months"`, `"at a price rise"`.

# %% [markdown] lang="zh"
# **第 6 题。** 根据记录，大多数提出解约的客户是在什么时候离开的？从以下选项中选一个（答案写英文代码）：`"after a complaint"`（在一次投诉之后）、`"out of contract"`（固定合同期结束、不再受合同约束之后）、`"in their first months"`（在入网的头几个月）、`"at a price rise"`（在涨价的时候）。

# %% tags=["answer"]
when_they_leave = "out of contract"
lab.answer("when_they_leave", when_they_leave)
lab.check("when_they_leave")

# %% [markdown]
# ## 6. How the CRM sees its customers: perceived against true stage
# The firm's CRM labels a customer *terminating* once a notice is in; before that it has only the
# records, and its churn score flags a few customers as *at risk*. Your dataset holds no true stage,
# but a simulation you run holds both views: `model.firm.perceived(model.week)` is the stage the
# firm's CRM gives everyone from its records at the end of the run (`simulations/firm/view.py`), and
# `model.population.stage` is the true stage (codes of `Stage`, `simulations/stages.py`). Both have one
# entry per person, in the same order; `model.population.n` people in all, prospects included.
#
# Run your dataset's scenario with 2,000 customers for 104 weeks on your lab seed (`SEED`, from your
# dataset id as in L01 and L05), and cross the perceived stage (rows) with the true stage (columns)
# of the customers the firm counts as current (new, growth, maturity or won back) or at risk.

# %% [markdown] lang="zh"
# ## 6. CRM 如何看待它的客户：感知阶段与真实阶段
# 企业的 CRM 在收到解约通知后才把客户标记为*解约期*；在此之前它只有记录，它的流失评分会把少数客户标记为*危险期*。你的数据集中没有真实阶段，但在你自己运行的模拟中两种视角都有：`model.firm.perceived(model.week)` 是企业的 CRM 在模拟结束时根据记录给每个人判定的阶段（`simulations/firm/view.py`），`model.population.stage` 是真实阶段（`Stage` 的代码，见 `simulations/stages.py`）。两者都是每人一项、顺序相同；一共 `model.population.n` 人，包括潜在客户。
#
# 用你的实验种子（`SEED`，与 L01、L05 一样由数据集编号得出），让你的数据集的情景以 2,000 位客户运行 104 周；对企业看作正常客户（社会化期、成长期、成熟期或恢复期）或危险期的客户，把感知阶段（行）与真实阶段（列）交叉成一张表。

# %%
scenario = load_scenario(meta["scenario"])
model = CustomerLifecycleModel(scenario, customers=2_000, seed=SEED)
model.run(104)
labels = np.array([s.label for s in Stage])
seen = labels[model.firm.perceived(model.week)[: model.population.n]]
true = labels[model.population.stage]
counted = np.isin(seen, ["new", "growth", "maturity", "won back", "at-risk"])
matrix = pd.crosstab(pd.Series(seen[counted], name="perceived"), pd.Series(true[counted], name="true"))
helpers.plot_stage_confusion(matrix)
plt.tight_layout()
plt.show()
matrix.assign(total=matrix.sum(axis=1))

# %% [markdown]
# **Q7.** Which share of the truly at-risk customers (dissatisfied or tempted by a competitor, without
# a notice yet) does the CRM see as current? Start from the truly at-risk customers: the column
# `at-risk` of the matrix.

# %% [markdown] lang="zh"
# **第 7 题。** 在真正处于危险期的客户（不满或受到竞争者吸引、但还没有提出解约）中，有多大比例被 CRM 看作正常客户？请从真正处于危险期的客户出发：即矩阵中 `at-risk` 这一列。

# %%
# BEGIN SOLUTION
at_risk = matrix["at-risk"]
missed = int(at_risk.drop("at-risk").sum())
seen_current = float(missed / at_risk.sum())
at_risk.to_frame().transpose()
# END SOLUTION

# %% tags=["answer"]
at_risk_seen_as_current = seen_current
lab.answer("at_risk_seen_as_current", at_risk_seen_as_current)
lab.check("at_risk_seen_as_current")

# %% [markdown]
# **Q8.** Price the CRM's mistakes with the scenario's own numbers. A truly at-risk customer the CRM
# sees as current gets no retention call: price the miss at a year of the mean monthly fee
# (12 × `scenario.world.contracts.monthly_fee_mean` = 12 × 65 = 780). An at-risk flag on a customer
# who is truly current (new, growth, maturity or won back) costs a retention phone call and the
# retention offer for nothing (`scenario.world.costs.contact_cost["phone"]` +
# `scenario.policies.marketing.retention.offer` × the mean monthly fee = 2.5 + 0.15 × 65 = 12.25).
# What do the CRM's mistakes in your matrix cost in total?

# %% [markdown] lang="zh"
# **第 8 题。** 用情景自己的数字为 CRM 的错误定价。被 CRM 看作正常客户的真正危险期客户不会接到挽留电话：把这种漏判定价为一年的平均月费（12 × `scenario.world.contracts.monthly_fee_mean` = 12 × 65 = 780）。把真正正常的客户（社会化期、成长期、成熟期或恢复期）标为危险期，就白白花掉一次挽留电话和一份挽留优惠（`scenario.world.costs.contact_cost["phone"]` + `scenario.policies.marketing.retention.offer` × 平均月费 = 2.5 + 0.15 × 65 = 12.25）。你的矩阵中 CRM 的错误一共代价多少？

# %%
# BEGIN SOLUTION
fee = scenario.world.contracts.monthly_fee_mean
retention = scenario.policies.marketing.retention
miss_price = 12 * fee
flag_price = scenario.world.costs.contact_cost[retention.channel] + retention.offer * fee
fine = matrix.columns.intersection(["new", "growth", "maturity", "won back"])
false_flags = int(matrix.loc["at-risk", fine].sum())
stage_cost = float(missed * miss_price + false_flags * flag_price)
pd.Series({"missed at-risk": missed, "false flags": false_flags, "miss price": miss_price, "flag price": flag_price,
           "cost": stage_cost})
# END SOLUTION

# %% tags=["answer"]
stage_mistakes_cost = stage_cost
lab.answer("stage_mistakes_cost", stage_mistakes_cost)
lab.check("stage_mistakes_cost")

# %% [markdown]
# ## 7. The real step: the same analysis on real customers (not graded)
# The course moves from simulation to virtual firms to real ones (docs/COURSE.md §7). **Where the data
# come from:** CDNOW, a real online CD retailer; the purchase history of the 23,570 customers who first
# bought in the first quarter of 1997, followed until the end of June 1998 (one row per customer and
# purchase day: id, date, number of CDs, dollar value). It was published by Fader and Hardie for their
# research on customer-base models and ships inside the open-source Python package `lifetimes`
# (file `datasets/CDNOW_master.txt` in the installed package; `pip install lifetimes`). We read the
# file directly, without importing the package.
#
# There are no contracts and no answer key here: the truth is simply the future. Take the same
# steps: a snapshot on 1 April 1997 trains a logistic model on (weeks since the last purchase,
# log of the number of purchase days, weeks since the first purchase) to predict a purchase in the
# next 26 weeks; the snapshot on 1 October 1997 is scored and judged by who bought in the 26 weeks
# after it. Compare its AUC and lift with your telecom model's (Q2, Q3).

# %% [markdown] lang="zh"
# ## 7. 走向真实：在真实客户上做同样的分析（不计分）
# 课程从模拟走向虚拟企业，再走向真实企业（docs/COURSE.zh.md §7）。**数据来源：** CDNOW 是一家真实的网上 CD 零售商；数据是 1997 年第一季度首次购买的 23,570 位客户的购买历史，一直跟踪到 1998 年 6 月底（每位客户每个购买日一行：编号、日期、CD 张数、金额（美元））。这份数据由 Fader 和 Hardie 在研究客户群模型时公开，并随开源 Python 软件包 `lifetimes` 一起发布（安装后位于软件包中的 `datasets/CDNOW_master.txt`；安装命令 `pip install lifetimes`）。我们直接读取这个文件，不导入该软件包。
#
# 这里既没有合同，也没有答案：真相就是未来。按同样的步骤做：用 1997 年 4 月 1 日的快照训练逻辑模型，特征为（距上次购买的周数、购买天数的对数、距首次购买的周数），预测接下来 26 周内是否购买；再给 1997 年 10 月 1 日的快照打分，并用此后 26 周内谁购买了来检验。把它的 AUC 和提升度与你的电信模型（第 2、3 题）比较。

# %%
found = importlib.util.find_spec("lifetimes")
cdnow_file = Path(list(found.submodule_search_locations)[0]) / "datasets" / "CDNOW_master.txt" if found else None
if cdnow_file is None or not cdnow_file.is_file():
    print("The CDNOW file was not found: install it with  pip install lifetimes")
    cdnow = None
else:
    cdnow = pd.read_csv(cdnow_file, sep=r"\s+", skiprows=1, header=None, names=["customer_id", "date", "cds", "dollars"],
                        dtype={"customer_id": str, "date": str})
    cdnow["date"] = pd.to_datetime(cdnow["date"], format="%Y%m%d")
    print(f"{len(cdnow):,} purchases of {cdnow['customer_id'].nunique():,} customers, "
          f"{cdnow['date'].min().date()} to {cdnow['date'].max().date()}")

# %% lang="zh"
found = importlib.util.find_spec("lifetimes")
cdnow_file = Path(list(found.submodule_search_locations)[0]) / "datasets" / "CDNOW_master.txt" if found else None
if cdnow_file is None or not cdnow_file.is_file():
    print("没有找到 CDNOW 数据文件：请用  pip install lifetimes  安装")
    cdnow = None
else:
    cdnow = pd.read_csv(cdnow_file, sep=r"\s+", skiprows=1, header=None, names=["customer_id", "date", "cds", "dollars"],
                        dtype={"customer_id": str, "date": str})
    cdnow["date"] = pd.to_datetime(cdnow["date"], format="%Y%m%d")
    print(f"{len(cdnow):,} 笔购买，{cdnow['customer_id'].nunique():,} 位客户，"
          f"{cdnow['date'].min().date()} 至 {cdnow['date'].max().date()}")

# %%
def cdnow_snapshot(when):
    past = cdnow[cdnow["date"] < when].groupby("customer_id")["date"]
    table = pd.DataFrame({"weeks_silent": (when - past.max()).dt.days / 7, "log_days": np.log1p(past.nunique()),
                          "weeks_known": (when - past.min()).dt.days / 7})
    ahead = cdnow[(cdnow["date"] >= when) & (cdnow["date"] < when + pd.Timedelta(weeks=26))]
    table["buys"] = table.index.isin(ahead["customer_id"])
    return table


real = None
if cdnow is not None:
    real_cols = ["weeks_silent", "log_days", "weeks_known"]
    real_train, real_now = cdnow_snapshot(pd.Timestamp("1997-04-01")), cdnow_snapshot(pd.Timestamp("1997-10-01"))
    real_coef = fit_logistic(real_train[real_cols].to_numpy(), real_train["buys"].to_numpy(), start=np.zeros(4))
    real_now["score"] = predict(real_coef, real_now[real_cols].to_numpy()).astype(float)
    real_top = real_now["score"] >= real_now["score"].quantile(0.9)
    real = pd.Series({"customers": len(real_now), "buy_rate": real_now["buys"].mean(),
                      "auc_holdout": auc(real_now["score"].to_numpy(), real_now["buys"].to_numpy()),
                      "auc_training": auc(predict(real_coef, real_train[real_cols].to_numpy()), real_train["buys"].to_numpy()),
                      "lift_top_decile": real_now.loc[real_top, "buys"].mean() / real_now["buys"].mean()})
real if real is None else real.round(3)

# %% [markdown]
# ## 8. Reflection (not auto-graded)
# Your model predicts notices, which the firm sees. The customer lifecycle has a stage before the
# notice: **at risk**, a customer dissatisfied or tempted by a competitor who has not decided yet. The
# firm's CRM labels a customer "terminating" only once the notice is in, and your simulation showed
# how it sees the truly at-risk before that (Q7) and what its mistakes cost (Q8). What does this mean
# for a retention list built from notices, which of the CRM's two mistakes should the firm work on
# first, what do the records say about *where* customers go, and what would you add to the records to
# find out *why* they leave?
#
# <!-- BEGIN SOLUTION -->
# A model trained on notices finds who is free to leave (out of a fixed term, short tenure) rather
# than who is unhappy: by the time the records show a notice, the customer has often decided, and
# the at-risk customers who have not given notice yet look like everyone else in the contract table.
# The simulation shows it: the CRM sees most of the truly at-risk (about 0.8-0.95 of them) as current
# customers, while most of its at-risk flags fall on customers who are fine. Yet the misses cost far
# more than the wasted offers (a year's fee against a call and a discount): at these prices a wider,
# cheaper flag pays better than a precise, narrow one, provided a call saves a fair share of those it
# reaches (L07 measures what an offer really changes). Few notices follow a complaint, so most leavers never told the firm anything; the records cannot
# say where they went. The firm should add what shows endangerment earlier: survey answers (NPS) and
# usage trends as features, an exit interview or a question at the notice ("where to, why": a
# competitor's offer, price, service), and win-back calls that record the reason; then check the
# perceived stage against what customers do, and time retention offers before the term runs out.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 8. 反思（不自动计分）
# 你的模型预测的是解约通知，而解约通知是企业看得见的。在客户关系生命周期中，解约之前还有一个阶段：**危险期**，即客户不满或受到竞争者吸引、但还没有做出决定。企业的 CRM 只有在收到解约通知后才会把客户标记为“解约期”；你的模拟显示了在此之前它如何看待真正处于危险期的客户（第 7 题），以及它的错误代价多少（第 8 题）。这对一份根据解约通知建立的维系名单意味着什么？企业应当先改进 CRM 的哪一种错误？记录能告诉我们客户*去了哪里*吗？为了弄清客户*为什么*离开，你会在记录中增加什么？
#
# <!-- BEGIN SOLUTION -->
# 用解约通知训练的模型找到的是“可以自由离开”的客户（已不受固定合同期约束、关系时长短），而不是“不满意”的客户：等记录中出现解约通知时，客户往往已经下定决心；而尚未提出解约的危险期客户，在合同表里看起来与其他客户没有区别。模拟正说明了这一点：CRM 把大多数真正处于危险期的客户（约 0.8–0.95）看作正常客户，而它的危险期标记大多落在本来正常的客户身上。但漏判的代价远高于浪费的优惠（一年的月费，相对于一次电话加一份折扣）：按这样的价格，一个更宽、更便宜的标记比一个精确而窄的标记更划算，前提是一次电话能挽留住相当一部分接到电话的客户（L07 会测量优惠真正改变了什么）。很少有解约发生在投诉之后，所以大多数离开的客户从未向企业说过什么；记录也无法说明他们去了哪里。企业应当补充能更早显示危险信号的信息：把调查答复（净推荐值）和使用趋势作为特征；在客户提出解约时做离别访谈或询问（“去哪里、为什么”：竞争者的优惠、价格还是服务）；在赢回电话中记录原因；然后用客户的实际行为来检验企业感知的阶段，并在合同期结束之前就提供挽留优惠。
# <!-- END SOLUTION -->

# %%
lab.submit()
