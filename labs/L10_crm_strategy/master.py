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
# # L10 Capstone: a CRM strategy
#
# **The situation.** A retail bank courts university students: it opens their accounts, issues their
# cards and runs a points programme for them, although a student's balances and fees are small today.
# The bank's bet is what they will be worth after graduation. The student business has a new head. She
# inherits a unit that runs on habit: last year's acquisition budgets (mostly social media), last
# year's call-centre staffing, retention and cross-selling campaigns nobody has questioned. She asks
# you (or your team) for the CRM strategy of the next two years, written as a policy the bank can run,
# with a one-page memo that justifies it. You have analysed a retailer, a telecom operator and an
# appliance maker's community, but never this bank: its records and its customers are new to you. Her
# condition: "Show me it beats what we do now, and by more than luck."
#
# **Learning objectives**
# 1. Diagnose a firm from the records it holds: where it wins, keeps, grows and loses customers.
# 2. Turn a diagnosis into decisions: a policy of budgets, capacities, campaigns and prices.
# 3. Test decisions by paired simulation (the same seeds for both policies) and read the gain
#    against its standard error, in profit and in customer equity.
# 4. Defend a strategy in a memo: what it trades off, what it risks, what it assumes.
#
# **Concepts (docs/COURSE.md §2, §3, §4, §7):** current and potential customer value, customer lifetime
# value (客户终身价值); the value of the whole customer base (customer equity, 客户资产); acquisition (获取),
# retention (维系) and win-back (恢复); customer service capacity (服务能力) and service recovery
# (服务补救); cross-selling (拓展); the loyalty programme (会员忠诚计划); CRM strategy (chapter 7).
#
# Time: about 120 minutes (a team may take a week for the memo). Prerequisites: L01–L05.

# %% [markdown] lang="zh"
# # L10 综合实验：制定客户关系管理战略
#
# **情境。** 一家零售银行在争取大学生客户：为他们开户、发卡，并为他们开设积分计划，尽管学生今天的存款和手续费都很少。银行押注的是他们毕业以后的价值。学生业务来了一位新的负责人。她接手的部门一直按惯例运转：沿用去年的获取预算（大部分投在社交媒体上）、去年的呼叫中心人员配置，以及从没人质疑过的维系活动和交叉销售活动。她请你（或你的团队）制定未来两年的客户关系管理战略：写成银行可以直接执行的策略，并附一页备忘录说明理由。你分析过一家零售商、一家电信运营商和一家家电企业的社区，但从未分析过这家银行：它的记录和它的客户对你来说都是新的。她的要求是：“证明它比我们现在的做法更好，而且不是靠运气。”
#
# **学习目标**
# 1. 从企业掌握的记录诊断企业：它在哪里获得、留住、培养和失去客户。
# 2. 把诊断变成决策：由预算、服务能力、营销活动和价格组成的策略。
# 3. 用配对模拟（两种策略使用相同的种子）检验决策，并对照标准误解读利润和客户资产的增量。
# 4. 在备忘录中为战略辩护：它权衡了什么、有什么风险、基于哪些假设。
#
# **概念（docs/COURSE.zh.md §2、§3、§4、§7）：** 客户的当前价值与潜在价值、客户终身价值；整个客户群的价值（客户资产）；获取、维系与恢复（赢回）；客户服务能力与服务补救；交叉销售（拓展）；会员忠诚计划；客户关系管理战略（第 7 章）。
#
# 时间：约 120 分钟（团队撰写备忘录可用一周）。先修要求：L01–L05。

# %% tags=["parameters"]
DATASET = None  # None: your dataset ($CRM_DATASET, ./data) or the lab's default
LANG = "en"  # language of messages and plots

# %% tags=["parameters"] lang="zh"
DATASET = None  # None：使用你自己的数据集（$CRM_DATASET 或 ./data），否则使用本实验的默认数据集
LANG = "zh"  # 提示信息和图表的语言

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from graders import Lab
from simulations.config import load_scenario
from simulations.labs import helpers, strategy

lab = Lab("L10", data=DATASET, lang=LANG)
helpers.use_language_fonts()
customers = lab.data.customers
orders = lab.data.orders
tickets = lab.data.service_tickets
contacts = lab.data.marketing_contacts
campaigns = lab.data.campaigns
scenario = load_scenario(lab.data.metadata["scenario"])
SEED = int(lab.dataset_id[:6], 16)
lab.data.metadata["scenario"], len(customers)

# %% [markdown]
# ## 1. Diagnose the firm from its records
# Start where a consultant starts: who stays, who grows, how well the bank serves, what its campaigns do.
# (`SEED`, your lab seed, is for your own simulations in section 3.) A student has no contract to end: the
# bank sees leaving only as silence, and growth only in the amounts on the accounts. The records call each
# card or account transaction an order. Split them at 52 weeks after the data's start (`start_date` in
# the metadata) and see who bought in which year, and how much:

# %% [markdown] lang="zh"
# ## 1. 从企业的记录诊断企业
# 像咨询顾问那样开始：谁留了下来、谁在成长、银行服务得怎么样、营销活动起了什么作用。（`SEED` 是你的实验种子，供第 3 节你自己的模拟使用。）学生没有可以解除的合同：银行只能从“沉默”中看到客户离开，只能从账户上的金额看到客户成长。记录把每笔银行卡或账户交易称为一笔订单（order）。以数据起始日期（元数据中的 `start_date`）之后第 52 周为界把订单分成两年，看看谁在哪一年有交易、金额多少：

# %%
cut = pd.Timestamp(lab.data.metadata["start_date"]) + pd.Timedelta(weeks=52)
year = np.where(orders["order_ts"] >= cut, "year_2", "year_1")
years = orders.assign(year=year).pivot_table(index="customer_id", columns="year", values="amount", aggfunc="sum")
seen = years.notna().replace({True: "bought", False: "silent"}).add_prefix("in_")
years.join(seen).groupby(["in_year_1", "in_year_2"]).agg(
    customers=("year_1", "size"), amount_year_1=("year_1", "mean"), amount_year_2=("year_2", "mean")).round(1)

# %% [markdown]
# **Q1.** How much more did the students who stayed spend in the second year? Over the customers with
# at least one order in each year, divide the total amount of year 2 by the total amount of year 1.
# (The bank's whole amount grows also because it signs up new students: that is not a student spending more.)

# %% [markdown] lang="zh"
# **第 1 题。** 留下来的学生在第二年多花了多少？在两年都至少有一笔订单的客户中，用第 2 年的总金额除以第 1 年的总金额。（银行的总金额增长也来自新签约的学生：那并不是学生花得更多。）

# %%
# BEGIN SOLUTION
stayed = years.dropna()
growth = float(stayed["year_2"].sum() / stayed["year_1"].sum())
# END SOLUTION

# %% tags=["answer"]
spend_growth = growth
lab.answer("spend_growth", spend_growth)
lab.check("spend_growth")

# %% [markdown]
# Service: compute, as you did in L05, the share of phone calls answered within 3 minutes (abandoned
# calls count as failures) and the complaints per ticket, and from the loyalty ledger the share of
# points earned that were redeemed; then see what the bank spends on each kind of campaign and how
# customers respond:

# %% [markdown] lang="zh"
# 服务：像在 L05 中那样，自己计算 3 分钟内接听的电话所占比例（放弃的来电算作未达标）以及每张工单的投诉率，并从会员积分记录中算出已赚取的积分有多大比例被兑换；再看银行在每类营销活动上的投入以及客户的响应：

# %%
# BEGIN SOLUTION
phone = tickets[tickets["channel"] == "phone"]
points = lab.data.loyalty_ledger.groupby("kind")["points"].sum()
redeemed = -points.get("redeem", 0.0) / points.get("earn", 1.0)
print(f"phone service level {((~phone['abandoned']) & (phone['wait_minutes'] <= 3)).mean():.1%}, "
      f"complaints per ticket {tickets['complaint'].mean():.1%}, points redeemed {redeemed:.0%} of those earned")
# END SOLUTION
by_type = contacts.merge(campaigns[["campaign_id", "campaign_type"]], on="campaign_id")
by_type.groupby("campaign_type").agg(contacts=("contact_id", "size"), offer=("offer", "mean"),
                                     cost=("cost", "sum"), response_rate=("responded", "mean")).round(3)

# %% lang="zh"
# BEGIN SOLUTION
phone = tickets[tickets["channel"] == "phone"]
points = lab.data.loyalty_ledger.groupby("kind")["points"].sum()
redeemed = -points.get("redeem", 0.0) / points.get("earn", 1.0)
print(f"电话服务水平 {((~phone['abandoned']) & (phone['wait_minutes'] <= 3)).mean():.1%}，"
      f"每张工单的投诉率 {tickets['complaint'].mean():.1%}，已兑换积分占已赚取积分的 {redeemed:.0%}")
# END SOLUTION
by_type = contacts.merge(campaigns[["campaign_id", "campaign_type"]], on="campaign_id")
by_type.groupby("campaign_type").agg(contacts=("contact_id", "size"), offer=("offer", "mean"),
                                     cost=("cost", "sum"), response_rate=("responded", "mean")).round(3)

# %% [markdown]
# ## 2. The decisions you may change
# A strategy here is a **policy table**: rows `(field, value)` for the decisions you change; every
# decision you do not list keeps the bank's current value (the **benchmark**). Budgets, capacities and
# `k` are stated for a market of 10,000 people, as in the scenario file (they scale with the market); a
# budget may not exceed 5,000 a week.
# A value outside its range, an unknown field or a field given twice is refused with a message naming
# it (`strategy.table(...)` checks a policy the way the grader does).

# %% [markdown] lang="zh"
# ## 2. 你可以修改的决策
# 在这里，战略就是一张**策略表**：你要修改的每项决策写成一行 `(field, value)`；没有列出的决策保持银行现在的取值（**基准策略**）。预算、服务能力和 `k` 都是按 10,000 人的市场规模给出的，和情景文件中一样（它们随市场规模按比例缩放）；每项预算每周不得超过 5,000。超出范围的取值、未知的字段或重复给出的字段都会被拒绝，并在提示中指出是哪一项（`strategy.table(...)` 像评分程序一样检查策略）。

# %%
strategy.fields_table(scenario)

# %% [markdown]
# ## 3. Test one lever at a time, on paired seeds
# How do you know a change helps? Run the benchmark and the changed policy on the **same** seeds
# (2,000 customers; your own seeds `SEED`, `SEED + 1`) and look at the difference: the gain in profit
# over the run and in **customer equity** at its end (the expected discounted margin of the customers
# then held, over three more years: docs/COURSE.md §2). `gain` is their sum and `z` the gain over its
# standard error. This is a quick screen: one year (52 weeks) and two seeds give a rough picture; the
# combination you choose is confirmed over two years in section 4, as the grader runs it.

# %% [markdown] lang="zh"
# ## 3. 每次检验一个杠杆，使用配对种子
# 怎样知道一项改变是否有用？在**相同的**种子上（2,000 位客户；你自己的种子 `SEED`、`SEED + 1`）分别运行基准策略和修改后的策略，看两者之差：运行期间利润的增量，以及期末**客户资产**的增量（期末所持有客户在今后三年预期边际贡献的折现值：docs/COURSE.zh.md §2）。`gain` 是两者之和，`z` 是增量除以其标准误。这只是一次快速筛选：一年（52 周）、两个种子只能给出大致的情况；你选定的组合将在第 4 节按评分程序的方式用两年的模拟来确认。

# %%
pol = scenario.policies
candidates = {
    "retention offer x2": {"marketing.retention.offer": 2 * pol.marketing.retention.offer},
    "full recovery effort": {"service.recovery_effort": 1.0},
    "acquisition budget x2": {f"acquisition.budget.{c}": min(5000.0, 2 * v) for c, v in pol.acquisition.budget.items()},
    "service capacity x0.5": {f"service.capacity.{c}": 0.5 * v for c, v in pol.service.capacity.items()},
    "price +5%": {"pricing.price_index": 1.05},
    "loyalty programme off": {"loyalty.enabled": False},
    "cross-selling off": {"marketing.cross_sell.enabled": False},
}
gains = strategy.levers(scenario, weeks=52, seeds=[SEED, SEED + 1], candidates=candidates)
ax = gains[["profit", "equity"]].rename(columns={"profit": "profit", "equity": "customer equity"}).plot.barh(
    stacked=True, figsize=(8, 4), title="gain over the benchmark (52 weeks, 2 paired seeds)")
ax.set_xlabel("gain over the benchmark (profit over the run + customer equity at its end)")
ax.set_ylabel("")
plt.axvline(0, c="grey", lw=0.8)
plt.show()
gains.round(1)

# %% lang="zh"
pol = scenario.policies
candidates = {
    "维系优惠 ×2": {"marketing.retention.offer": 2 * pol.marketing.retention.offer},
    "服务补救全力投入": {"service.recovery_effort": 1.0},
    "获取预算 ×2": {f"acquisition.budget.{c}": min(5000.0, 2 * v) for c, v in pol.acquisition.budget.items()},
    "服务能力 ×0.5": {f"service.capacity.{c}": 0.5 * v for c, v in pol.service.capacity.items()},
    "涨价 5%": {"pricing.price_index": 1.05},
    "关闭会员忠诚计划": {"loyalty.enabled": False},
    "停止交叉销售": {"marketing.cross_sell.enabled": False},
}
gains = strategy.levers(scenario, weeks=52, seeds=[SEED, SEED + 1], candidates=candidates)
ax = gains[["profit", "equity"]].rename(columns={"profit": "利润", "equity": "客户资产"}).plot.barh(
    stacked=True, figsize=(8, 4), title="相对基准策略的增量（52 周，2 个配对种子）")
ax.set_xlabel("相对基准策略的增量（运行期间的利润 + 期末的客户资产）")
ax.set_ylabel("")
plt.axvline(0, c="grey", lw=0.8)
plt.show()
gains.round(1)

# %% [markdown]
# Read the table before you choose. A price rise earns more on each transaction: what happens to how
# much students use the bank, and to customer equity? Doubling acquisition costs profit in the first
# year: what does it buy, in a business whose customers are worth more later than now? Halving service,
# closing the points programme or stopping cross-selling saves their cost: whom or what does each lose?
# Which levers win on both counts, which only on one, and which cannot be told from the benchmark on two
# seeds of one year?

# %% [markdown] lang="zh"
# 做选择之前先读懂这张表。涨价让每笔交易赚得更多：学生使用银行的程度和客户资产会怎样变化？获取预算加倍在第一年会拉低利润：在一个客户未来比现在更值钱的业务中，它换来了什么？服务能力减半、关闭积分计划或停止交叉销售都能省下成本：它们各自会让银行失去哪些客户或什么？哪些杠杆在两方面都有收益，哪些只在一方面有收益，哪些在一年、两个种子上与基准策略无法区分？

# %% [markdown]
# ## 4. Your strategy
# **Q2.** Combine the levers you trust into one policy, test the combination over two years on a few of
# your own seeds (levers need not add up: a richer retention offer and the points programme may court the
# same customers; and a lever that costs profit in the first year may pay in the second), and hand it in as a table with columns `field` and `value`. The grader runs it and the
# benchmark on hidden paired seeds of 2,000 customers × 104 weeks and scores profit plus customer equity:
# full points when your policy is better by more than 2 standard errors (and by at least 1% of the
# benchmark's value), half when the two cannot be told apart, none when it is worse. Build the table
# with `strategy.table({"loyalty.enabled": True, "service.recovery_effort": 0.8, ...})` (it refuses a
# field or value the grader would refuse), or write the policy as a file for your memo (`policy.yaml`,
# one `field: value` line per decision) and read it with `strategy.read("policy.yaml")`; test it with
# `strategy.compare(scenario.name, table, seeds=[SEED, SEED + 1, SEED + 2, SEED + 3])` (`.gain`, `.gain_se`,
# `.verdict()`; two seeds leave a standard error too wide to tell a good strategy from luck).

# %% [markdown] lang="zh"
# ## 4. 你的战略
# **第 2 题。** 把你信得过的杠杆组合成一个策略，在你自己的几个种子上检验这个组合（用两年的模拟；各个杠杆的效果不一定能简单相加：更优厚的维系优惠和积分计划可能争取的是同一批客户，而在第一年拉低利润的杠杆可能在第二年带来回报），然后把它写成包含 `field` 和 `value` 两列的表格提交。评分程序会在隐藏的配对种子上（2,000 位客户 × 104 周）运行你的策略和基准策略，按利润加客户资产计分：你的策略比基准策略好，且超出 2 个标准误（并至少高出基准价值的 1%），得全部分数；两者无法区分，得一半分数；比基准策略差，不得分。用 `strategy.table({"loyalty.enabled": True, "service.recovery_effort": 0.8, ...})` 生成策略表（评分程序会拒绝的字段或取值，它也会拒绝），也可以把策略写成附在备忘录后的文件（`policy.yaml`，每项决策一行 `field: value`），再用 `strategy.read("policy.yaml")` 读入；然后用 `strategy.compare(scenario.name, table, seeds=[SEED, SEED + 1, SEED + 2, SEED + 3])` 检验（`.gain`、`.gain_se`、`.verdict()`；只用两个种子时标准误太大，分不清好战略和运气）。

# %%
# BEGIN SOLUTION
policy = {**{f"acquisition.budget.{c}": min(5000.0, 2 * v) for c, v in pol.acquisition.budget.items()},
          "loyalty.enabled": True,
          "marketing.retention.offer": 2 * pol.marketing.retention.offer,
          }
mine = strategy.table(policy)
check = strategy.compare(scenario.name, mine, seeds=[SEED + i for i in range(4)])
verdicts = {"better": "better", "same": "indistinguishable", "worse": "worse"}
print(f"gain {check.gain:,.0f} (SE {check.gain_se:,.0f}): profit {check.profit:+,.0f}, "
      f"customer equity {check.equity:+,.0f}; verdict on my seeds: {verdicts[check.verdict()]}")
# END SOLUTION

# %% lang="zh"
# BEGIN SOLUTION
policy = {**{f"acquisition.budget.{c}": min(5000.0, 2 * v) for c, v in pol.acquisition.budget.items()},
          "loyalty.enabled": True,
          "marketing.retention.offer": 2 * pol.marketing.retention.offer,
          }
mine = strategy.table(policy)
check = strategy.compare(scenario.name, mine, seeds=[SEED + i for i in range(4)])
verdicts = {"better": "更好", "same": "无法区分", "worse": "更差"}
print(f"增量 {check.gain:,.0f}（标准误 {check.gain_se:,.0f}）：利润 {check.profit:+,.0f}，"
      f"客户资产 {check.equity:+,.0f}；在我的种子上的结论：{verdicts[check.verdict()]}")
# END SOLUTION

# %% tags=["answer"]
my_strategy = mine
lab.answer("strategy", my_strategy)
lab.check("strategy")

# %% [markdown]
# **Q3.** Why is the strategy scored on customer equity as well as on profit? Choose one of:
# `"profit alone rewards milking the customer base"`, `"equity is easier to measure than profit"`,
# `"profit is not affected by CRM decisions"`, `"customer equity counts only new customers"`.

# %% [markdown] lang="zh"
# **第 3 题。** 为什么战略既按利润计分，也按客户资产计分？从以下选项中选一个（答案写英文代码）：`"profit alone rewards milking the customer base"`（只看利润会奖励“榨取”客户群的做法）、`"equity is easier to measure than profit"`（客户资产比利润更容易测量）、`"profit is not affected by CRM decisions"`（利润不受客户关系管理决策的影响）、`"customer equity counts only new customers"`（客户资产只计算新客户）。

# %% tags=["answer"]
why_equity = "profit alone rewards milking the customer base"
lab.answer("why_equity", why_equity)
lab.check("why_equity")

# %% [markdown]
# **Q4.** Why are your policy and the benchmark run on the same (paired) seeds? Choose one of:
# `"the same seeds give both policies the same luck"`, `"more seeds always favour the new policy"`,
# `"seeds make the simulation faster"`, `"the benchmark needs no seeds"`.

# %% [markdown] lang="zh"
# **第 4 题。** 为什么你的策略和基准策略要在相同的（配对）种子上运行？从以下选项中选一个（答案写英文代码）：`"the same seeds give both policies the same luck"`（相同的种子让两种策略遇到同样的运气）、`"more seeds always favour the new policy"`（种子越多总是对新策略越有利）、`"seeds make the simulation faster"`（种子让模拟运行得更快）、`"the benchmark needs no seeds"`（基准策略不需要种子）。

# %% tags=["answer"]
why_paired = "the same seeds give both policies the same luck"
lab.answer("why_paired", why_paired)
lab.check("why_paired")

# %% [markdown]
# ## 5. Reflection: the memo (not auto-graded)
# Write one page to the head of the student business: (1) the diagnosis in three findings from the records;
# (2) the policy, lever by lever, with the gain you measured and its standard error; (3) what it
# trades off (profit now against customer equity later) and what it puts at risk; (4) what your
# simulation assumes that the real firm should check before it commits (a pilot, a holdout group).
#
# <!-- BEGIN SOLUTION -->
# *Model memo.* (1) The students who stay grow: those with transactions in both years spent about 1.6
# times as much in the second year as in the first, while the bank's whole amount doubled, partly because
# it signed up new students. One year-1 customer in five fell silent in year 2. The phone desk answers
# almost every call within 3 minutes, and one ticket in twelve is a complaint. Most customers collect
# points and redeem most of them; the retention e-mails (a 15% offer) draw under 2% responses, cross-selling
# under 3%. (2) Keep the points programme (closing it lost far more customer equity than it costs), double
# acquisition within the 5,000 limit (a student signed now is worth more later than the first year shows),
# double the retention offer and put full effort into recovering complaints: over two years on four of my
# seeds the combination gained beyond two standard errors. (3) The gain is customer equity, not this
# year's profit: acquisition lowers profit in the first two years, and the business must be ready to
# defend that. A price rise, which earns more per transaction, was rejected because students then use
# the bank less and fewer sign up; cutting service and stopping cross-selling were rejected because they
# save less than they lose. (4) The model's growth of students toward their potential, their responses
# to offers and the cost of winning them are assumptions: scale acquisition in steps while watching the
# cost per new student and what the first cohorts spend after graduation, and try the richer retention
# offer on a random half of the at-risk list first (a holdout).
#
# *For the instructor.* Grade the memo on: a diagnosis drawn from the records (not from the
# simulator); each lever justified by a paired comparison with its standard error; the trade-off
# between profit and customer equity stated, with the levers rejected and why; the limits of the
# model named, with a way to test the strategy in the real firm. A policy that scores half points
# (indistinguishable from the benchmark) with an honest memo that says so deserves more credit than
# a lucky one that cannot explain itself.
# <!-- END SOLUTION -->

# %% [markdown] lang="zh"
# ## 5. 反思：备忘录（不自动计分）
# 给学生业务负责人写一页备忘录：（1）用从记录中得到的三点发现说明诊断结果；（2）逐个杠杆说明策略，写出你测得的增量及其标准误；（3）它权衡了什么（眼前的利润与未来的客户资产），有哪些风险；（4）你的模拟做了哪些假设，真实企业在全面实施之前应当检验哪些内容（试点、对照组）。
#
# <!-- BEGIN SOLUTION -->
# *参考备忘录。*（1）留下来的学生在成长：两年都有交易的学生第二年的金额约为第一年的 1.6 倍，而银行的总金额翻了一番，部分原因是签约了新学生。第一年有交易的客户中，每五人就有一人在第二年沉默了。电话客服几乎所有来电都在 3 分钟内接听，每十二张工单中有一张是投诉。大多数客户在积攒积分并兑换了其中的大部分；维系邮件（15% 的优惠）的响应率不到 2%，交叉销售不到 3%。（2）保留积分计划（关闭它损失的客户资产远多于它的成本），在每周 5,000 的上限内把获取预算加倍（现在签约的学生将来比第一年所显示的更有价值），把维系优惠加倍，并全力做好投诉的服务补救：在我的四个种子上做两年的模拟，这个组合的增量超过了 2 个标准误。（3）收益来自客户资产，而不是今年的利润：获取投入在头两年会拉低利润，业务部门必须准备好为此辩护。涨价虽然让每笔交易赚得更多，但被否决了，因为学生会更少使用银行、签约的人也会更少；削减服务和停止交叉销售也被否决，因为省下的少于失去的。（4）模型中学生向潜在价值的成长、他们对优惠的反应以及争取他们的成本都是假设：分步扩大获取投入，同时关注每位新学生的获取成本以及最早几批学生毕业后的消费；先在有流失风险名单中随机抽一半客户试行更优厚的维系优惠（保留对照组）。
#
# *给教师的说明。* 备忘录的评分要点：诊断来自企业的记录（而不是模拟器）；每个杠杆都有配对比较及其标准误作为依据；说明了利润与客户资产之间的权衡，以及哪些杠杆被否决、为什么；指出了模型的局限，并提出在真实企业中检验战略的方法。一个只得一半分数（与基准策略无法区分）但备忘录如实说明这一点的策略，比一个碰巧得分却说不清道理的策略更值得肯定。
# <!-- END SOLUTION -->

# %%
lab.submit()
