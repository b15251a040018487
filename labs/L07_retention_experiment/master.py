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
# # L07 A retention experiment
#
# **The situation.** Every two weeks the retailer's CRM system flags the customers it believes are
# drifting away and e-mails them a 12% coupon. Last year the marketing director tried something
# unusual: in every wave, a coin decided which flagged customers got the coupon and which got nothing.
# Now the finance team asks whether the coupons are worth their cost at all, the campaign team points
# proudly at its response rate, and a consultant offers to "target by uplift". You have the
# experiment's records and are asked for a recommendation.
#
# **Learning objectives**
# 1. Read a randomised experiment: treatment and control group, and why a coin makes them comparable.
# 2. Estimate a campaign's average effect with its standard error and confidence interval.
# 3. Tell a response model (who uses the coupon) from an uplift model (whose behaviour the offer changes).
# 4. Choose a targeting policy and test it by simulation against the current risk targeting.
#
# **Concepts:** retention (维系) of customers at risk, the stage strategy of the lifecycle
# (docs/COURSE.md §1); why keeping customers pays (§3); response models in analytical CRM (§6);
# control group (对照组), uplift (增量效果), offer (优惠), campaign (营销活动).
#
# Time: about 80 minutes. Prerequisites: L01, L04.

# %% [markdown] lang="zh"
# # L07 客户维系实验
#
# **情境。** 这家零售商的 CRM 系统每两周标记一次它认为正在流失的客户，并给他们发一张 八八折（减 12%）的电子邮件优惠券。去年市场总监做了一件不寻常的事：在每一批次中，用“抛硬币”决定哪些被标记的客户收到优惠券、哪些什么也收不到。现在财务部门质疑这些优惠券到底值不值它的成本，活动团队则骄傲地展示他们的响应率，还有一位顾问建议“按增量效果定位目标客户”。你手里有这次实验的记录，需要给出建议。
#
# **学习目标**
# 1. 读懂随机实验：处理组和对照组，以及为什么随机分组能让两组可以比较。
# 2. 估计营销活动的平均效果，并给出标准误和置信区间。
# 3. 区分响应模型（谁会使用优惠券）和增量效果模型（谁的行为因优惠而改变）。
# 4. 选择一种目标客户定位策略，并通过模拟把它与现行的按风险定位相比较。
#
# **概念：** 对有流失风险的客户进行维系，这是客户生命周期中的阶段策略（docs/COURSE.zh.md §1）；为什么留住客户是划算的（§3）；分析型 CRM 中的响应模型（§6）；对照组、增量效果、优惠、营销活动。
#
# 时间：约 80 分钟。先修要求：L01、L04。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

# %%
import numpy as np
import pandas as pd

from graders import Lab
from simulations.config import load_scenario, with_overrides
from simulations.labs import helpers
from simulations.model import CustomerLifecycleModel

lab = Lab("L07", data=DATASET, lang=LANG)
helpers.use_language_fonts()
contacts = lab.data.marketing_contacts
campaigns = lab.data.campaigns
orders = lab.data.orders.assign(order_ts=lambda f: pd.to_datetime(f["order_ts"]))
END = pd.Timestamp(lab.data.metadata["end_date"]) + pd.Timedelta(days=1)
SEED = int(lab.dataset_id[:6], 16)
campaigns.groupby(["campaign_type", "is_experiment"]).agg(waves=("campaign_id", "size"), contacts=("contacts", "sum"))

# %% [markdown]
# ## 1. The experiment
# The retention waves marked `is_experiment` split the customers the firm flagged as at risk at random:
# `assignment` is `treatment` (the coupon was sent) or `control` (nothing was sent, the row records the
# draw). A treated customer who orders with the coupon within its validity is a *response*
# (`responded`). The outcome we care about is broader: did the customer order at all in the 13 weeks
# (91 days) from the contact date? Keep only contacts whose 13 weeks end inside the data.

# %% [markdown] lang="zh"
# ## 1. 这次实验
# 标记为 `is_experiment` 的维系活动批次，会把企业标记为有流失风险的客户随机分成两组：`assignment` 为 `treatment`（处理组，寄出了优惠券）或 `control`（对照组，什么也没寄，这一行只记录抽签结果）。处理组客户在优惠券有效期内用它下单，就算一次*响应*（`responded`）。我们真正关心的结果更宽：客户在接触日期起的 13 周（91 天）内有没有下过任何订单？只保留 13 周窗口在数据范围内结束的接触记录。

# %%
exp = contacts.merge(campaigns[["campaign_id", "campaign_type", "is_experiment"]], on="campaign_id")
exp = exp[(exp["campaign_type"] == "retention") & exp["is_experiment"] & exp["assignment"].isin(["treatment", "control"])]
exp = exp.assign(contact_date=pd.to_datetime(exp["contact_date"]), treated=exp["assignment"] == "treatment")
pairs = exp[["contact_id", "customer_id", "contact_date"]].merge(orders, on="customer_id")
days = (pairs["order_ts"] - pairs["contact_date"]).dt.days
exp = exp.set_index("contact_id")
exp["ordered"] = pairs[(days >= 0) & (days < 91)].groupby("contact_id").size().reindex(exp.index).fillna(0) > 0
exp["orders_before"] = pairs[(days < 0) & (days >= -182)].groupby("contact_id").size().reindex(exp.index).fillna(0)
exp["complete"] = exp["contact_date"] + pd.Timedelta(days=91) <= END
done = exp[exp["complete"]]
done.groupby("assignment").agg(contacts=("customer_id", "size"), customers=("customer_id", "nunique"),
                               orders_before=("orders_before", "mean"), responded=("responded", "mean"),
                               ordered=("ordered", "mean"))

# %% [markdown]
# Before the coupon went out, the two groups had bought about as often (`orders_before`: orders in
# the 26 weeks before the contact): this is what the coin buys us. Any later difference in ordering
# is the coupon's doing, up to chance. Note also what the control group cannot have: a response.
#
# **Q1.** Estimate the average effect of the offer on ordering: the share of treatment contacts with an
# order in the 13 weeks minus the share of control contacts, with its standard error
# $\sqrt{p_1(1-p_1)/n_1 + p_0(1-p_0)/n_0}$. Print a 95% confidence interval too.

# %% [markdown] lang="zh"
# 在寄出优惠券之前，两组客户的购买频率差不多（`orders_before`：接触前 26 周内的订单数）：这正是随机分组带给我们的好处。此后两组在下单上的任何差异，除了偶然因素，都归功于优惠券。还要注意对照组不可能有的东西：响应。
#
# **第 1 题。** 估计优惠对下单的平均效果：处理组中 13 周内有订单的接触所占比例，减去对照组中的这一比例，并给出其标准误 $\sqrt{p_1(1-p_1)/n_1 + p_0(1-p_0)/n_0}$。同时输出 95% 置信区间。

# %%
# BEGIN SOLUTION
treat, control = done[done["treated"]], done[~done["treated"]]
p1, p0 = treat["ordered"].mean(), control["ordered"].mean()
effect = float(p1 - p0)
effect_se = float(np.sqrt(p1 * (1 - p1) / len(treat) + p0 * (1 - p0) / len(control)))
print(f"effect {effect:.3f}, SE {effect_se:.3f}, 95% CI [{effect - 1.96 * effect_se:.3f}, {effect + 1.96 * effect_se:.3f}]")
# END SOLUTION

# %% lang="zh"
# BEGIN SOLUTION
treat, control = done[done["treated"]], done[~done["treated"]]
p1, p0 = treat["ordered"].mean(), control["ordered"].mean()
effect = float(p1 - p0)
effect_se = float(np.sqrt(p1 * (1 - p1) / len(treat) + p0 * (1 - p0) / len(control)))
print(f"效果 {effect:.3f}，标准误 {effect_se:.3f}，95% 置信区间 [{effect - 1.96 * effect_se:.3f}, {effect + 1.96 * effect_se:.3f}]")
# END SOLUTION

# %% tags=["answer"]
ate_order, ate_order_se = effect, effect_se
lab.answer("ate_order", ate_order, se=ate_order_se)
lab.check("ate_order")

# %% [markdown]
# Compare your effect with the campaign team's response rate (the `responded` column above) and with
# what you get by comparing customers who used the coupon with everyone else. Neither is the effect:
# many who used the coupon would have ordered anyway, and those who used it chose to.
#
# The standard error treats contacts as independent, though one customer can be drawn in several
# waves; a more careful analysis would cluster by customer. It also measures the short-run effect on
# ordering only: the coupon's cost and the customers it keeps for longer are what the simulation in
# section 3 adds.

# %% [markdown] lang="zh"
# 把你算出的效果与活动团队的响应率（上表中的 `responded` 列）相比，再与“用了优惠券的客户对比其他所有人”得到的结果相比。这两者都不是效果：很多使用优惠券的人本来就会下单，而且用不用优惠券是他们自己选择的。
#
# 这个标准误把每次接触当作相互独立，但同一位客户可能在多个批次中被抽到；更严谨的分析应按客户做聚类。它也只衡量了对下单的短期效果：优惠券的成本以及它让客户留得更久的作用，要靠第 3 节的模拟来补充。

# %% [markdown]
# ## 2. Who does the offer move? Uplift by segment
# A response model ranks customers by how likely they are to use the coupon; an uplift model ranks
# them by how much the coupon changes what they do. With a control group you can measure the second
# directly. Segment the contacts by the customer's orders in the 26 weeks before the contact:
# none (0), one (1), several (2 or more).

# %% [markdown] lang="zh"
# ## 2. 优惠打动了谁？按细分计算增量效果
# 响应模型按客户使用优惠券的可能性给客户排序；增量效果模型则按优惠券在多大程度上改变客户的行为来排序。有了对照组，就可以直接衡量后者。按客户在接触前 26 周内的订单数给接触记录分组：none（0 单）、one（1 单）、several（2 单及以上）。

# %%
segment = pd.cut(done["orders_before"], [-1, 0, 1, np.inf], labels=["none", "one", "several"]).astype(str)
done = done.assign(segment=segment)
response = done[done["treated"]].groupby("segment")["responded"].mean().rename("response_rate")
pd.concat([done.groupby(["segment", "assignment"]).size().unstack(), response], axis=1)

# %% [markdown]
# **Q2.** For each segment with contacts in both groups: the 13-week order rate of treatment minus
# that of control, as `{segment: uplift}`. Which segment would a response model target first, and
# which one does the offer actually move?

# %% [markdown] lang="zh"
# **第 2 题。** 对每个两组都有接触记录的细分：处理组 13 周内的下单率减去对照组的下单率，写成 `{细分: 增量效果}` 的形式（细分名称用英文代码）。响应模型会首先选中哪个细分？优惠真正打动的又是哪个细分？

# %%
# BEGIN SOLUTION
rates = done.groupby(["segment", "treated"])["ordered"].mean().unstack().dropna()
uplift = (rates[True] - rates[False]).to_dict()
pd.DataFrame({"uplift": uplift, "response_rate": response})
# END SOLUTION

# %% tags=["answer"]
uplift_by_segment = uplift
lab.answer("uplift_by_segment", uplift_by_segment)
lab.check("uplift_by_segment")

# %% [markdown]
# ## 3. A targeting policy, tested by simulation
# The firm can run its retention campaign under four targeting rules
# (`policies.marketing.retention.targeting`):
#
# - `none`: no retention offers;
# - `all`: the coupon to every customer it flags as at risk, as the experiment's treatment group got it;
# - `top_k`: risk targeting, today's rule: the customers with the highest churn-risk scores, a fixed
#   number per wave (only customers who agreed to the campaign's channel are on the list);
# - `uplift`: the firm's "uplift" score, which, without a control group to learn from, is the risk
#   score times the customer's recorded rate of taking retention and win-back offers (shrunk toward
#   the firm's overall rate when a customer has had few offers). Customers who just bought ahead on a
#   retention coupon go to the end of the list.
#
# Your data answer part of the question: the offer changes ordering in the short run. Whether it pays,
# and which rule pays most, depends on costs and on what happens over months, so run your world under
# each rule. Here: your scenario and its settings, 2,000 customers for 52 weeks, on three paired seeds
# (the same seeds for every rule, so the rules meet the same customers and the same luck).

# %% [markdown] lang="zh"
# ## 3. 目标客户定位策略：用模拟来检验
# 企业可以按四种目标客户定位规则开展维系活动（`policies.marketing.retention.targeting`）：
#
# - `none`：不发维系优惠；
# - `all`：给每一位被标记为有流失风险的客户发优惠券，正如实验中处理组收到的那样；
# - `top_k`：按风险定位，也就是现行规则：每批次固定数量、流失风险评分最高的客户（名单上只有同意通过该渠道联系的客户）；
# - `uplift`：企业的“增量效果”评分；由于没有对照组可供学习，它实际上是风险评分乘以客户过去接受维系和赢回优惠的比率（客户收到的优惠不多时，该比率向全体客户的比率收缩）。刚用维系优惠券提前购买的客户排到名单末尾。
#
# 你的数据只回答了问题的一部分：优惠在短期内改变了下单行为。它是否划算、哪种规则最划算，取决于成本以及几个月中发生的事情，所以要在你的世界里把每种规则都运行一遍。这里用：你的情景及其设置，2,000 位客户，运行 52 周，使用三个配对种子（每种规则使用相同的种子，使各规则面对同样的客户和同样的运气）。

# %%
world = with_overrides(load_scenario(lab.data.metadata["scenario"]), lab.data.metadata.get("overrides") or {})
profit = {}
for rule in ["none", "all", "top_k", "uplift"]:
    for seed in (SEED, SEED + 1, SEED + 2):
        model = CustomerLifecycleModel(world, customers=2_000, seed=seed,
                                       policies__marketing__retention__targeting=rule)
        model.run(52)
        profit[rule, seed] = model.kpi_frame()["profit"].sum()
profit = pd.Series(profit).unstack()
gap = profit.sub(profit.loc["top_k"], axis=1)
comparison = pd.DataFrame({"profit": profit.mean(axis=1), "gap_to_top_k": gap.mean(axis=1),
                           "se_of_gap": gap.std(axis=1, ddof=1) / np.sqrt(gap.shape[1])})
comparison.round(0)

# %% [markdown]
# **Q3.** Which targeting rule do you recommend: `"none"`, `"all"`, `"top_k"` or `"uplift"`?
#
# **How this answer is graded (by simulation).** There is no fixed right answer. The grader runs your
# world (your dataset's scenario and settings) with 2,000 customers for 52 weeks under your rule and
# under risk targeting (`top_k`) on 6 hidden paired seeds of its own, and computes the mean profit
# difference and its standard error over the seeds. Your rule earns the points if its profit is not
# below risk targeting's by more than 2 standard errors. Three seeds in your own run are few: look at
# the standard errors before you trust a ranking.

# %% [markdown] lang="zh"
# **第 3 题。** 你推荐哪种定位规则：`"none"`、`"all"`、`"top_k"` 还是 `"uplift"`？
#
# **本题如何评分（通过模拟）。** 本题没有固定的标准答案。评分程序会用你的世界（你的数据集的情景和设置），以 2,000 位客户运行 52 周，分别在你选择的规则和按风险定位（`top_k`）下，使用它自己的 6 个隐藏配对种子进行模拟，并计算各种子上利润差的平均值及其标准误。如果你的规则的利润比按风险定位低得不超过 2 个标准误，你就得分。你自己只跑了三个种子，数量很少：在相信某个排序之前，先看看标准误。

# %% tags=["answer"]
policy = "all"
lab.answer("policy", policy)
lab.check("policy")

# %% [markdown]
# In two or three sentences: why this rule?
#
# <!-- BEGIN SOLUTION -->
# `all`: the experiment's treatment arm is exactly this rule, and it raised ordering among the flagged
# customers; in the paired simulation it earns at least what risk targeting earns, while stopping the
# offers (`none`) loses clearly. The firm's `uplift` score rewards a record of taking offers, which is
# what a response model finds, not what the offer changes; only a control group measures that.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# 用两三句话说明：为什么选这个规则？
#
# <!-- BEGIN SOLUTION -->
# `all`：实验中处理组接受的正是这一规则，它提高了被标记客户的下单率；在配对模拟中，它的利润至少不低于按风险定位，而停发优惠（`none`）则明显亏损。企业的 `uplift` 评分奖励的是接受优惠的记录，这是响应模型找出的东西，而不是优惠所改变的东西；只有对照组才能衡量后者。
# <!-- END SOLUTION -->

# %% [markdown]
# **Q4.** Whom should a retention offer be sent to? Choose one of:
# `"the customers most likely to churn"`, `"the customers most likely to use the coupon"`,
# `"the customers whose behaviour the offer changes most"`, `"every customer, to be safe"`.

# %% [markdown] lang="zh"
# **第 4 题。** 维系优惠应该发给谁？从以下选项中选一个（答案写英文代码）：`"the customers most likely to churn"`（最可能流失的客户）、`"the customers most likely to use the coupon"`（最可能使用优惠券的客户）、`"the customers whose behaviour the offer changes most"`（行为受优惠影响最大的客户）、`"every customer, to be safe"`（为保险起见，发给每一位客户）。

# %% tags=["answer"]
target_whom = "the customers whose behaviour the offer changes most"
lab.answer("target_whom", target_whom)
lab.check("target_whom")

# %% [markdown]
# ## 4. Reflection (not auto-graded)
# Every wave of the experiment withheld the coupon from about half of the flagged customers. What did
# this control group cost the firm, and why can it still be worth keeping one? How would you run the
# campaign next year so that the firm keeps learning whom the offer moves?
#
# <!-- BEGIN SOLUTION -->
# The control group's cost is the effect forgone: roughly the effect per contact times the number of
# controls, in orders and the customers kept, minus the coupons saved. In return the firm learns what
# the campaign really does, which a response rate cannot tell, and which customers it moves or even
# annoys (sleeping dogs). Next year: target the segments with the highest measured uplift, but hold
# out a small random share of every wave (say 10%) as a standing control group, so the uplift
# estimates stay current and a change in customers or in the offer shows up quickly.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 4. 反思（不自动计分）
# 实验的每一批次都有大约一半被标记的客户没有收到优惠券。这个对照组让企业付出了什么代价？为什么保留对照组仍然可能是值得的？明年你会怎样开展这项活动，让企业能持续了解优惠打动的是哪些客户？
#
# <!-- BEGIN SOLUTION -->
# 对照组的代价是放弃的效果：大致等于每次接触的效果乘以对照组的人数（体现在订单和留住的客户上），再减去省下的优惠券成本。作为回报，企业了解到活动真正起了什么作用（这是响应率无法告诉我们的），也了解到它打动了哪些客户，甚至惹恼了哪些客户（“沉睡的狗”，即不宜打扰的客户）。明年：把优惠发给测得增量效果最高的细分，但在每一批次中随机留出一小部分客户（例如 10%）作为常设对照组，使增量效果的估计保持更新，客户或优惠一旦发生变化也能很快被发现。
# <!-- END SOLUTION -->

# %%
lab.submit()
