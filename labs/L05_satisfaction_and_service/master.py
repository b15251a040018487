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
# # L05 Satisfaction and service
#
# **The situation.** A customer calls the telecom operator about a wrong bill, is left on hold, and
# hangs up before anyone answers (find such calls in your data below). The service director says the call centre "meets its targets"; the survey team says
# satisfaction "is excellent". You are asked to check both claims and to decide how many phone agents
# the operator needs.
#
# **Learning objectives**
# 1. Compute a service level correctly (abandoned calls included).
# 2. Relate waiting time and first-contact resolution to satisfaction (CSAT).
# 3. Recognise survey non-response bias and correct a satisfaction figure by reweighting.
# 4. Take a capacity decision by simulating alternatives on the same seed.
#
# **Concepts (docs/COURSE.md §4):** customer service (客户服务), call centre capacity, service level ("98% of
# orders within 24 h"), satisfaction measurement (满意度测评), complaint handling and service recovery;
# satisfaction drives loyalty (忠诚).
#
# Time: about 80 minutes. Prerequisites: L01, L04.

# %% [markdown] lang="zh"
# # L05 客户满意度与客户服务
#
# **情境。** 一位客户因为账单出错打电话给电信运营商，一直在线等待，还没等到人接听就挂断了电话（在下面你的数据中找找这样的来电）。客服总监说呼叫中心“达到了指标”；调查团队说客户满意度“非常好”。你需要核实这两种说法，并决定运营商需要多少名电话坐席。
#
# **学习目标**
# 1. 正确计算服务水平（把放弃呼叫也算在内）。
# 2. 把等待时间和首次解决率与客户满意度评分（CSAT）联系起来。
# 3. 识别满意度调查中的无应答偏差，并用重新加权的方法修正满意度数字。
# 4. 在同一个种子上模拟各个备选方案，据此做出服务能力决策。
#
# **概念（docs/COURSE.zh.md §4）：** 客户服务；呼叫中心的服务能力；服务水平（“98% 的订单在 24 小时内处理”）；满意度测评；投诉处理与服务补救；满意度驱动忠诚。
#
# 时间：约 80 分钟。先修要求：L01、L04。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

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

# %%
gave_up = tickets[(tickets["channel"] == "phone") & tickets["abandoned"]]
gave_up.nlargest(5, "wait_minutes")[["customer_id", "opened_ts", "reason", "wait_minutes", "abandoned"]]

# %% [markdown]
# ## 1. Service level
# **Q1.** Which share of phone tickets was answered within 3 minutes? A caller who gave up was not answered in time.

# %% [markdown] lang="zh"
# ## 1. 服务水平
# **第 1 题。** 电话工单中有多大比例在 3 分钟内得到应答？中途放弃的来电者不算及时应答。

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

# %% [markdown] lang="zh"
# ## 2. 等待、问题解决与满意度

# %%
answered = tickets.dropna(subset=["csat"])
bins = pd.cut(answered["wait_minutes"], [0, 1, 3, 10, 30, float("inf")], include_lowest=True,
              labels=["up to 1", "1-3", "3-10", "10-30", "over 30"])
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
answered.groupby(bins, observed=True)["csat"].mean().plot.bar(ax=axes[0], title="mean CSAT by wait", rot=0,
                                                               xlabel="wait (minutes)", ylabel="mean CSAT (1-5)")
resolved = answered["first_contact_resolution"].map({True: "yes", False: "no"})
answered.groupby(resolved)["csat"].mean().plot.bar(ax=axes[1], title="mean CSAT by first-contact resolution", rot=0,
                                                   xlabel="resolved at the first contact")
plt.tight_layout()
plt.show()

# %% lang="zh"
answered = tickets.dropna(subset=["csat"])
bins = pd.cut(answered["wait_minutes"], [0, 1, 3, 10, 30, float("inf")], include_lowest=True,
              labels=["不超过 1", "1-3", "3-10", "10-30", "超过 30"])
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
answered.groupby(bins, observed=True)["csat"].mean().plot.bar(ax=axes[0], title="按等待时间的平均 CSAT", rot=0,
                                                               xlabel="等待时间（分钟）", ylabel="平均 CSAT（1-5 分）")
resolved = answered["first_contact_resolution"].map({True: "是", False: "否"})
answered.groupby(resolved)["csat"].mean().plot.bar(ax=axes[1], title="按是否首次解决的平均 CSAT", rot=0,
                                                   xlabel="首次接触即解决")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Q2.** Mean CSAT of tickets resolved in the first contact minus that of the others (answered surveys only).

# %% [markdown] lang="zh"
# **第 2 题。** 首次联系即解决的工单的平均 CSAT，减去其他工单的平均 CSAT（只看有调查答复的工单）。

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

# %% [markdown] lang="zh"
# ## 3. 谁在回答满意度调查？
# 每季度的净推荐值（NPS）调查邀请发给随机抽取的客户，但并非所有人都会回答。请比较你能看到的各组之间的应答率：客户等级（`tier`），以及客户在调查之前是否投诉过（`complained`）。

# %%
nps = surveys[surveys["kind"] == "nps"].assign(survey_date=lambda f: pd.to_datetime(f["survey_date"]))
first_complaint = (tickets[tickets["complaint"]].assign(opened=lambda f: pd.to_datetime(f["opened_ts"]))
                   .groupby("customer_id")["opened"].min())
nps["complained"] = nps["customer_id"].map(first_complaint).lt(nps["survey_date"]).fillna(False).astype(bool)
nps["tier"] = nps["customer_id"].map(customers.set_index("customer_id")["tier"])
nps.groupby(["tier", "complained"]).agg(invited=("responded", "size"), response_rate=("responded", "mean"),
                                        mean_score=("score", "mean"))

# %% [markdown]
# The Net Promoter Score is not a mean score: answers 9–10 are promoters, 0–6 detractors, and
# NPS = % promoters − % detractors, between −100 and 100. **Q3.** Reweight: compute the NPS of each
# cell's answers and weight it by the cell's number of INVITATIONS.

# %% [markdown] lang="zh"
# 净推荐值（NPS）不是平均分：回答 9–10 分的是推荐者，0–6 分的是贬损者，NPS = 推荐者百分比 − 贬损者百分比，介于 −100 和 100 之间。**第 3 题。** 重新加权：计算每个单元格中已回答者的净推荐值，并用该单元格收到的**邀请数**作为权重加权平均。

# %%
# BEGIN SOLUTION
answers = nps["score"]
nps["net"] = ((answers >= 9).astype(float) - (answers <= 6).astype(float)).where(answers.notna())
cells = nps.groupby(["tier", "complained"]).agg(invited=("responded", "size"), net=("net", "mean")).dropna()
weighted = float(100 * (cells["net"] * cells["invited"]).sum() / cells["invited"].sum())
print(f"NPS of the answers {100 * nps['net'].mean():.1f} vs reweighted {weighted:.1f}")
# END SOLUTION

# %% lang="zh"
# BEGIN SOLUTION
answers = nps["score"]
nps["net"] = ((answers >= 9).astype(float) - (answers <= 6).astype(float)).where(answers.notna())
cells = nps.groupby(["tier", "complained"]).agg(invited=("responded", "size"), net=("net", "mean")).dropna()
weighted = float(100 * (cells["net"] * cells["invited"]).sum() / cells["invited"].sum())
print(f"答复直接算出的净推荐值 {100 * nps['net'].mean():.1f}，重新加权后 {weighted:.1f}")
# END SOLUTION

# %% tags=["answer"]
nps_weighted = weighted
lab.answer("nps_weighted", nps_weighted)
lab.check("nps_weighted")

# %% [markdown]
# ## 4. A capacity decision, tested by simulation
# Run your scenario with 2,000 customers for 26 weeks on your lab seed for phone capacities of
# 20, 40, ..., 160 contacts a week (for this 2,000-customer firm): how does the service level respond
# to capacity today?

# %% [markdown] lang="zh"
# ## 4. 用模拟检验服务能力决策
# 用你的实验种子，让你的情景以 2,000 位客户运行 26 周，电话服务能力分别取每周 20、40、……、160 次联系（针对这家 2,000 位客户的企业）：目前的服务水平如何随服务能力变化？

# %%
scenario = load_scenario(lab.data.metadata["scenario"])
results = []
for capacity in range(20, 161, 20):
    caps = {**scenario.policies.service.capacity, "phone": float(capacity)}
    # the capacities are contacts a week for this 2,000-customer firm (its own reference size)
    model = CustomerLifecycleModel(scenario, customers=2_000, seed=SEED, policies__service__capacity=caps,
                                   world__market__reference_customers=2_000)
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

# %% lang="zh"
scenario = load_scenario(lab.data.metadata["scenario"])
results = []
for capacity in range(20, 161, 20):
    caps = {**scenario.policies.service.capacity, "phone": float(capacity)}
    # 服务能力是这家 2,000 位客户的企业每周可处理的联系次数（以它自身规模为参照）
    model = CustomerLifecycleModel(scenario, customers=2_000, seed=SEED, policies__service__capacity=caps,
                                   world__market__reference_customers=2_000)
    model.run(26)
    k = model.kpi_frame()
    results.append({"capacity": capacity, "service_level": k["service_level"].mean(),
                    "mean_wait": k["mean_wait_minutes"].mean(), "cost_service": k["cost_service"].sum(),
                    "profit": k["profit"].sum()})
results = pd.DataFrame(results).set_index("capacity")
results["service_level"].plot(marker="o", title="不同电话服务能力下的服务水平")
plt.axhline(0.85, ls="--", c="tab:red")
plt.show()
results.round(2)

# %% [markdown]
# **Q4. The decision.** Next quarter a new tariff will raise customers' service needs by 60%
# (`world.traits.service_need_rate` × 1.6; the model takes it as
# `world__traits__service_need_rate=...`). The director must fix the phone capacity now. Simulate
# the change on the same grid (2,000 customers, 26 weeks, your lab seed) and recommend the cheapest
# capacity whose mean weekly service level is still at least 0.85. Is it the one today's sweep suggests?

# %% [markdown] lang="zh"
# **第 4 题：做出决策。** 下个季度新的资费方案将使客户的服务需求增加 60%（`world.traits.service_need_rate` × 1.6；在模型中写作 `world__traits__service_need_rate=...`）。客服总监必须现在就确定电话服务能力。请在同样的网格上模拟这一变化（2,000 位客户、26 周、你的实验种子），推荐平均每周服务水平仍至少为 0.85 的方案中成本最低的服务能力。它和目前的模拟结果所建议的一样吗？

# %%
# BEGIN SOLUTION
need = scenario.world.traits.service_need_rate * 1.6
after = {}
for phone_capacity in range(20, 161, 20):
    sim = CustomerLifecycleModel(scenario, customers=2_000, seed=SEED, world__market__reference_customers=2_000,
                                 policies__service__capacity={**scenario.policies.service.capacity,
                                                              "phone": float(phone_capacity)},
                                 world__traits__service_need_rate=need)
    sim.run(26)
    after[phone_capacity] = sim.kpi_frame()["service_level"].mean()
after = pd.Series(after, name="service_level_x1.6")
recommended = int(after.index[after >= 0.85].min())
pd.concat([results["service_level"], after], axis=1).round(3)
# END SOLUTION

# %% tags=["answer"]
capacity = recommended
lab.answer("capacity", capacity)
lab.check("capacity")

# %% [markdown]
# **Q5.** What does the service-recovery idea say? Choose one of:
# `"complaints should be discouraged"`, `"resolved complaints can leave customers happier than before"`,
# `"satisfaction cannot be measured"`, `"waiting time does not matter"`.

# %% [markdown] lang="zh"
# **第 5 题。** 服务补救的观点说的是什么？从以下选项中选一个（答案写英文代码）：`"complaints should be discouraged"`（应当劝阻客户投诉）、`"resolved complaints can leave customers happier than before"`（投诉得到妥善解决后，客户可能比以前更满意）、`"satisfaction cannot be measured"`（满意度无法测量）、`"waiting time does not matter"`（等待时间无关紧要）。

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
# If satisfied customers answer more often, even the reweighted NPS is too high. Follow up a random
# subsample of non-respondents intensively (phone), or compare early and late respondents, and link
# survey answers to behaviour (churn, repeat purchase) to calibrate.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 5. 反思（不自动计分）
# 重新加权只用到了你能看到的信息（客户等级、投诉）。满意的客户也可能只是更愿意回答调查。这会让你的估计偏向哪个方向？企业可以怎样测量这种偏差？
#
# <!-- BEGIN SOLUTION -->
# 如果满意的客户更常回答，那么即使重新加权后的净推荐值也仍然偏高。可以随机抽取一部分未回答的客户做深入回访（例如电话回访），或比较较早回答和较晚回答的客户，并把调查答复与客户行为（流失、重复购买）联系起来进行校准。
# <!-- END SOLUTION -->

# %%
lab.submit()
