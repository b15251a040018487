"""One declaration of every table and column: the schema, the loader's checks and DATA_DICTIONARY.md.

Why one place: labs, graders and the loader all read these tables, so their schema is a public
interface. Declaring each column once (type, unit, meaning in English, Chinese name) lets the
writers cast to it, the loader validate against it and the data dictionary be generated from it,
so the three can never drift apart. Student tables and answer-key tables are declared separately.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

#: Declared type name -> Arrow type written to Parquet (and DuckDB / CSV from it).
ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
}


@dataclass(frozen=True)
class Column:
    """A column: name, type (a key of ARROW_TYPES), unit, meaning, Chinese name and, for categories, its values.

    ``values`` lists every value a categorical column can hold: the data dictionary shows them and
    tests check that generated data hold no other (an undocumented code is a trap for analysts).
    """

    name: str
    type: str
    unit: str
    meaning: str
    zh: str
    values: tuple[str, ...] = ()

    @property
    def described(self) -> str:
        """The meaning, followed by the list of values of a categorical column."""
        return self.meaning + (" (values: " + ", ".join(f"`{v}`" for v in self.values) + ")" if self.values else "")


@dataclass(frozen=True)
class Table:
    """A table: name, Chinese name, what one row is, its id column (unique) and its columns."""

    name: str
    zh: str
    row: str
    key: str | None
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def schema(self) -> pa.Schema:
        """The Arrow schema written to Parquet."""
        return pa.schema([(c.name, ARROW_TYPES[c.type]) for c in self.columns])


def _t(name: str, zh: str, row: str, key: str | None, *cols: tuple[Any, ...]) -> Table:
    return Table(name, zh, row, key, tuple(Column(*c) for c in cols))


#: Lifecycle stages as the answer keys write them (``stages.STAGE_LABELS``).
STAGE_NAMES = ("prospect", "new", "growth", "maturity", "at-risk", "terminating", "dormant", "won back", "lost")
CONTACT_CHANNEL_NAMES = ("email", "phone", "sms", "app")
CUSTOMER_ID = ("customer_id", "string", "-", "customer number in the CRM system, e.g. C0000123", "客户编号")

OBSERVABLE: tuple[Table, ...] = (
    _t("customers", "客户主数据", "one customer (everyone who ever bought or signed a contract)", "customer_id",
       CUSTOMER_ID,
       ("name", "string", "-", "full name as entered at sign-up", "姓名"),
       ("gender", "string", "-", "gender as stated by the customer", "性别", ("female", "male")),
       ("birth_year", "int64", "year", "year of birth, as stated (customers are at least the scenario's minimum age, "
        "16 by default, at signup)", "出生年份"),
       ("city", "string", "-", "city of the postal address", "城市"),
       ("region", "string", "-", "state or province of the postal address", "省/州"),
       ("phone", "string", "-", "phone number in the CRM's canonical format (members of one household may share "
        "a landline)", "电话"),
       ("email", "string", "-", "e-mail address", "电子邮箱"),
       ("signup_date", "date", "date", "date of the first purchase or contract (before the data start for the initial base); "
        "nothing about the customer is dated earlier", "注册日期"),
       ("acquisition_channel", "string", "-", "how the customer was won (initial_base: before the data)", "获取渠道",
        ("search", "social", "tv", "direct_mail", "referral", "initial_base")),
       ("referred_by", "string", "-", "customer_id of the recommending customer (referrals only)", "推荐人"),
       ("tier", "string", "-", "service tier", "客户等级", ("mass", "business", "key_account")),
       ("contract_type", "string", "-", "type of the latest contract (none: not a contract scenario)", "合同类型",
        ("none", "month-to-month", "one-year", "two-year")),
       ("contract_start", "date", "date", "start of the latest contract (contract scenarios; see contracts)", "合同开始日期"),
       ("contract_end", "date", "date", "end_date of the latest contract (see contracts)", "合同结束日期"),
       ("preferred_channel", "string", "-", "contact channel the customer asked for", "偏好联系渠道", CONTACT_CHANNEL_NAMES),
       ("email_consent", "bool", "-", "customer agreed to marketing e-mail", "邮件营销许可"),
       ("phone_consent", "bool", "-", "customer agreed to marketing calls", "电话营销许可"),
       ("sms_consent", "bool", "-", "customer agreed to marketing text messages", "短信营销许可"),
       ("app_consent", "bool", "-", "customer agreed to marketing notifications in the app", "应用推送许可"),
       ("loyalty_join_date", "date", "date", "date the customer joined the loyalty club (null: not a member)",
        "会员入会日期"),
       ("community_join_date", "date", "date", "date the customer joined the idea community (null: not a member)",
        "社区加入日期")),
    _t("orders", "订单", "one order", "order_id",
       ("order_id", "string", "-", "order number", "订单编号"),
       CUSTOMER_ID,
       ("order_ts", "timestamp", "date-time", "when the order was placed (local time)", "下单时间"),
       ("category", "string", "-", "product category of the order (retail or telecom catalogue)", "商品品类",
        ("grocery", "fashion", "electronics", "home", "beauty", "sports", "toys", "books", "data add-on", "device",
         "accessories", "roaming", "streaming", "insurance", "cloud", "international")),
       ("quantity", "int64", "items", "items in the order", "数量"),
       ("amount", "float64", "currency", "amount paid after discount", "订单金额"),
       ("discount", "float64", "currency", "discount granted from a marketing offer (amount + discount = list value)",
        "折扣金额"),
       ("campaign_id", "string", "-", "campaign whose offer (coupon) the order used; null: none", "使用优惠的活动编号"),
       ("channel", "string", "-", "sales channel", "销售渠道", ("web", "app", "store", "phone"))),
    _t("campaigns", "营销活动", "one campaign wave (stage campaigns) or one quarter of an acquisition channel",
       "campaign_id",
       ("campaign_id", "string", "-", "campaign number", "活动编号"),
       ("campaign_type", "string", "-", "what the campaign is for", "活动类型",
        ("acquisition", "onboarding", "cross_sell", "retention", "win_back")),
       ("channel", "string", "-", "contact channel (stage campaigns) or media channel (acquisition)", "渠道",
        ("email", "phone", "sms", "app", "search", "social", "tv", "direct_mail")),
       ("start_date", "date", "date", "first day of the campaign", "开始日期"),
       ("end_date", "date", "date", "last day of the response window: an order using the offer by then is a response "
        "(onboarding, cross-sell, retention and win-back windows are set per campaign, default 4 weeks)", "结束日期"),
       ("offer", "float64", "share", "discount or incentive as a share of a month's spend", "优惠力度"),
       ("is_experiment", "bool", "-", "contacts were randomly assigned to treatment and control", "是否随机实验"),
       ("budget", "float64", "currency", "media budget (acquisition campaigns)", "预算"),
       ("contacts", "int64", "customers", "customers contacted (treatment or targeted)", "接触人数")),
    _t("marketing_contacts", "营销接触记录", "one customer in one campaign wave (incl. experiment controls)", "contact_id",
       ("contact_id", "string", "-", "contact number", "接触编号"),
       ("campaign_id", "string", "-", "campaign of the contact", "活动编号"),
       CUSTOMER_ID,
       ("contact_date", "date", "date", "day the message or call went out (control: day of assignment)", "接触日期"),
       ("channel", "string", "-", "contact channel", "渠道", CONTACT_CHANNEL_NAMES),
       ("offer", "float64", "share", "offer made (0 for control)", "优惠力度"),
       ("cost", "float64", "currency", "contact cost plus the discount used on the responding order", "成本"),
       ("assignment", "string", "-", "treatment or control (experiments), or targeted (no experiment)", "分组",
        ("treatment", "control", "targeted")),
       ("responded", "bool", "-", "an order used this contact's offer within the campaign's response window (see "
        "orders.campaign_id); a cross-sell response opens a new category, a win-back response ends a lapse", "是否响应"),
       ("response_date", "date", "date", "day of the responding order (null: no response)", "响应日期")),
    _t("service_tickets", "服务工单", "one service contact", "ticket_id",
       ("ticket_id", "string", "-", "ticket number", "工单编号"),
       CUSTOMER_ID,
       ("opened_ts", "timestamp", "date-time", "when the customer made contact", "创建时间"),
       ("channel", "string", "-", "service channel", "服务渠道", ("phone", "email", "chat")),
       ("reason", "string", "-", "reason for the contact", "原因",
        ("billing", "product", "delivery", "technical", "account", "complaint")),
       ("wait_minutes", "float64", "minutes", "time until answered (or until the caller gave up)", "等待时长"),
       ("abandoned", "bool", "-", "customer gave up before being answered", "是否放弃"),
       ("resolved", "bool", "-", "issue resolved", "是否解决"),
       ("first_contact_resolution", "bool", "-", "resolved in the first contact", "首次解决"),
       ("handling_minutes", "float64", "minutes", "agent handling time", "处理时长"),
       ("complaint", "bool", "-", "logged as a complaint", "是否投诉"),
       ("key_account_desk", "bool", "-", "handled by the key-account desk", "大客户专席"),
       ("csat", "int64", "1-5", "satisfaction score of the follow-up survey (null: not surveyed or no answer)",
        "满意度评分")),
    _t("surveys", "调查", "one survey invitation", "survey_id",
       ("survey_id", "string", "-", "survey invitation number", "调查编号"),
       CUSTOMER_ID,
       ("survey_date", "date", "date", "day the invitation was sent (csat: the day of the ticket or up to 3 days later)",
        "调查日期"),
       ("kind", "string", "-", "nps: quarterly relationship survey of customers; csat: after a service ticket", "调查类型",
        ("nps", "csat")),
       ("score", "int64", "0-10 (nps), 1-5 (csat)", "answer (null: no response)", "评分"),
       ("responded", "bool", "-", "the customer answered", "是否回复"),
       ("ticket_id", "string", "-", "ticket the csat survey follows up", "工单编号")),
    _t("community_ideas", "社区创意", "one idea posted in the community", "idea_id",
       ("idea_id", "string", "-", "idea number", "创意编号"),
       ("author_id", "string", "-", "customer_id of the author", "作者"),
       ("posted_date", "date", "date", "day posted", "发布日期"),
       ("category", "string", "-", "topic of the idea", "类别", ("product", "service", "pricing", "app", "sustainability")),
       ("title", "string", "-", "title of the idea", "标题"),
       ("votes", "int64", "votes", "votes received in the posting week", "票数"),
       ("status", "string", "-", "what became of the idea", "状态", ("adopted", "answered", "open")),
       ("firm_response", "bool", "-", "the firm answered the idea", "企业是否回应"),
       ("reward", "float64", "currency", "reward paid to the author", "奖励")),
    _t("community_votes", "社区投票", "one vote on an idea", "vote_id",
       ("vote_id", "string", "-", "vote number", "投票编号"),
       ("idea_id", "string", "-", "idea voted for", "创意编号"),
       ("voter_id", "string", "-", "customer_id of the voter", "投票人"),
       ("vote_date", "date", "date", "day of the vote", "投票日期")),
    _t("loyalty_ledger", "积分流水", "one points movement or tier change", "entry_id",
       ("entry_id", "string", "-", "ledger entry number", "流水编号"),
       CUSTOMER_ID,
       ("entry_date", "date", "date", "booking day (end of the week)", "记账日期"),
       ("kind", "string", "-", "type of entry", "类型", ("earn", "redeem", "tier_change")),
       ("points", "float64", "points", "points earned (+) or redeemed (-); 0 for tier changes", "积分"),
       ("tier", "string", "-", "member tier after the entry", "会员等级", ("basic", "silver", "gold"))),
    _t("contracts", "合同", "one contract term of a customer (contract scenarios): a signing, a renewal, a "
       "month-to-month contract after an expired term or after a return, or the rest of a term after a product was "
       "added to the bill; a customer's terms follow each other in time",
       "contract_id",
       ("contract_id", "string", "-", "contract number", "合同编号"),
       CUSTOMER_ID,
       ("contract_type", "string", "-", "a fixed term runs 12 (one-year) or 24 (two-year) calendar months", "合同类型",
        ("month-to-month", "one-year", "two-year")),
       ("start_date", "date", "date", "first day of the term (a renewal starts the day after the previous term ended)",
        "开始日期"),
       ("end_date", "date", "date", "last day of the fixed term, or, after a notice, the last day of service (planned, "
        "for notice_given): at least the notice period after the notice, earlier than the term's end if the contract is "
        "broken, later if the notice came late in the term (null: running month-to-month)", "结束日期"),
       ("notice_date", "date", "date", "day the customer gave the notice that ends the term (null: none; withdrawn "
        "notices are not shown)", "解约通知日期"),
       ("monthly_fee", "float64", "currency/month", "recurring monthly fee of the term at list price (a product added "
        "during the term starts a new row at the new fee)", "月费"),
       ("status", "string", "-", "at the end of the data: active (running), notice_given (ends at end_date), terminated, "
        "renewed (a term of the same type follows), expired (the term ran out during a notice that was then withdrawn; "
        "a month-to-month contract follows), amended (a product was added the next day: the term goes on in the next "
        "row, same type and end, at the new fee)", "状态",
        ("active", "notice_given", "terminated", "renewed", "expired", "amended"))),
    # dirty variant: source systems with duplicates, inconsistent formats and a partial crosswalk
    _t("billing_accounts", "计费系统账户",
       "one account in the billing system (a person may have several; only customers who were ever billed have one)",
       "account_id",
       ("account_id", "string", "-", "billing account number", "账户编号"),
       ("holder_name", "string", "-", "account holder as typed by billing staff", "户主姓名"),
       ("phone", "string", "-", "phone as typed (formats vary)", "电话"),
       ("email", "string", "-", "e-mail as typed", "电子邮箱"),
       ("city", "string", "-", "billing city", "城市"),
       ("opened_date", "date", "date", "account opened", "开户日期")),
    _t("service_contacts", "服务系统联系人", "one contact record in the service system (only customers who contacted service)",
       "contact_ref",
       ("contact_ref", "string", "-", "service-system contact number", "联系人编号"),
       ("name", "string", "-", "name as given on the phone or in chat", "姓名"),
       ("phone", "string", "-", "phone as typed", "电话"),
       ("email", "string", "-", "e-mail as typed", "电子邮箱"),
       ("first_seen", "date", "date", "first service contact", "首次联系日期")),
    _t("marketing_leads", "营销线索", "one lead in the marketing system", "lead_id",
       ("lead_id", "string", "-", "lead number", "线索编号"),
       ("first_name", "string", "-", "first (given) name", "名"),
       ("last_name", "string", "-", "last (family) name", "姓"),
       ("email", "string", "-", "e-mail as typed", "电子邮箱"),
       ("phone", "string", "-", "phone as typed", "电话"),
       ("source", "string", "-", "where the lead came from", "线索来源",
        ("web form", "event", "purchased list", "referral", "store sign-up")),
       ("created_date", "date", "date", "lead created", "创建日期")),
    _t("crosswalk", "主数据映射表", "a known link from a source-system record to a customer (partial)", None,
       ("source_system", "string", "-", "source system of the record", "源系统", ("billing", "service", "marketing")),
       ("source_id", "string", "-", "record id in the source system", "源记录编号"),
       CUSTOMER_ID),
)

TRUTH: tuple[Table, ...] = (
    _t("truth_customers", "客户真实状态", "one customer: hidden state at the end of the data", "customer_id",
       CUSTOMER_ID,
       ("true_stage", "string", "-", "lifecycle stage at the end", "真实生命周期阶段", STAGE_NAMES),
       ("true_stage_zh", "string", "-", "the same stage in Chinese", "阶段(中文)"),
       ("satisfaction", "float64", "0-1", "latent satisfaction at the end", "潜在满意度"),
       ("trust", "float64", "0-1", "latent trust at the end", "信任"),
       ("commitment", "float64", "0-1", "latent commitment at the end", "承诺"),
       ("churned", "bool", "-", "the relationship ended at least once in the data period", "是否流失"),
       ("churn_week", "int64", "week", "week of the last end of the relationship (null: never)", "流失周"),
       ("churn_date", "date", "date", "date of churn_week", "流失日期"),
       ("churn_cause", "string", "-", "why the relationship ended (none: the customer was endangered before the data "
        "started, for a reason not simulated)", "流失原因",
        ("none", "service", "competitor", "price", "disengagement", "dropout")),
       ("alive", "bool", "-", "still a customer at the end (not dormant or lost)", "是否存活"),
       ("segment", "string", "-", "true segment by profitability and satisfaction (or churned)", "真实细分",
        ("star", "vulnerable", "steady", "drifting", "churned")),
       ("value_type", "string", "-", "one of nine types by current and potential value", "价值类型",
        ("laggard", "cost-comparer", "far-sighted", "nostalgic", "pragmatic", "early adopter", "status-seeker",
         "value-seeker", "perfectionist")),
       ("historical_value", "float64", "currency", "gross margin earned before the last 52 weeks", "历史价值"),
       ("current_value", "float64", "currency", "gross margin of the last 52 weeks", "当前价值"),
       ("potential_value", "float64", "currency", "expected discounted future margin (same as clv)", "潜在价值"),
       ("clv", "float64", "currency", "expected discounted gross margin over the CLV horizon, by continuing the simulation",
        "客户终身价值"),
       ("sleeping_dog", "bool", "-", "a retention contact backfires on this customer", "逆反客户"),
       ("responsiveness", "float64", "0-1", "chance an endangered customer accepts a good offer", "响应倾向")),
    _t("truth_weekly_stage", "每周真实阶段", "one customer in one week (from signup on)", None,
       CUSTOMER_ID,
       ("week", "int64", "week", "simulated week (1 = first week of data)", "周"),
       ("stage", "string", "-", "true lifecycle stage at the end of the week", "阶段", STAGE_NAMES),
       ("perceived_stage", "string", "-", "the stage the firm's CRM rules assign from its records at the end of the week "
        "(what it acts on the next week)", "企业感知阶段", STAGE_NAMES)),
    _t("truth_crosswalk", "完整映射表", "every source-system record and its true customer", None,
       ("source_system", "string", "-", "source system of the record", "源系统", ("billing", "service", "marketing")),
       ("source_id", "string", "-", "record id in the source system", "源记录编号"),
       CUSTOMER_ID),
    _t("truth_treatment_effects", "真实处理效应", "one customer in one experiment wave", None,
       ("contact_id", "string", "-", "contact row of the customer in marketing_contacts", "接触编号"),
       CUSTOMER_ID,
       ("campaign_id", "string", "-", "campaign wave", "活动编号"),
       ("treated", "bool", "-", "the customer was in the treatment group", "是否处理"),
       ("churn_if_treated", "bool", "-", "terminating, dormant or lost at window end if the wave treats everyone",
        "处理时流失"),
       ("churn_if_untreated", "bool", "-", "the same if the wave treats nobody (same random numbers)", "未处理时流失"),
       ("effect_churn", "int64", "-1/0/1", "churn_if_treated - churn_if_untreated (positive: the contact backfired)",
        "流失效应"),
       ("spend_if_treated", "float64", "currency", "spend within the response window if treated", "处理时消费"),
       ("spend_if_untreated", "float64", "currency", "spend within the window if not treated", "未处理时消费"),
       ("effect_spend", "float64", "currency", "spend_if_treated - spend_if_untreated", "消费效应"),
       ("window_weeks", "int64", "weeks", "length of the response window", "响应窗口")),
)

TABLES: dict[str, Table] = {t.name: t for t in OBSERVABLE + TRUTH}
DIRTY_TABLES: tuple[str, ...] = ("billing_accounts", "service_contacts", "marketing_leads", "crosswalk")
CONTRACT_TABLES: tuple[str, ...] = ("contracts",)


def render(tables: tuple[Table, ...], title: str, intro: str) -> str:
    """Markdown data dictionary of ``tables``: every column with type, unit, meaning and Chinese name."""
    lines = [f"# {title}", "", intro, ""]
    for t in tables:
        lines += [f"## `{t.name}` ({t.zh})", "", f"One row: {t.row}." + (f" Unique id: `{t.key}`." if t.key else ""), "",
                  "| column | 中文 | type | unit | meaning |", "|---|---|---|---|---|"]
        lines += [f"| `{c.name}` | {c.zh} | {c.type} | {c.unit} | {c.described} |" for c in t.columns]
        lines.append("")
    return "\n".join(lines)


def data_dictionary(names: list[str]) -> str:
    """DATA_DICTIONARY.md for a dataset holding the tables ``names`` (in declaration order)."""
    tables = tuple(t for t in OBSERVABLE if t.name in names)
    intro = ("Generated by `crm-sandbox generate` from the declaration in `simulations/recording/dictionary.py`. "
             "Each table is stored as `<table>.parquet`, `<table>.csv` and inside `crm.duckdb`. "
             "Dates are calendar days; `timestamp` columns are local time without time zone; null means unknown. "
             "The tables are what a firm's CRM systems record: latent satisfaction, true lifecycle stages, "
             "true churn causes and customer lifetime values are not in them.")
    return render(tables, "Data dictionary (数据字典)", intro)


def keys_dictionary() -> str:
    """KEYS_DICTIONARY.md for an answer-key folder."""
    intro = ("Answer keys (instructors only): the hidden truth behind one dataset, matched by `dataset_id` in "
             "`metadata.json`. Never hand these files to students.")
    tail = "\n`truth_kpis.parquet`: the simulation's weekly KPIs, hidden ones included.\n"
    return render(TRUTH, "Answer keys (答案)", intro) + tail
