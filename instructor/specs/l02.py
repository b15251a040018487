"""L02 One view of the customer: integrate the dirty source systems into a customer 360 view.

Why these questions: the telecom case of docs/COURSE.md sec. 3 lost customers because records were
scattered across systems. Students standardise e-mails and phones, link billing, service and
marketing records to the customer master (crosswalk first, then exact matches on standardised
keys), count the distinct people, and are judged against the complete crosswalk in the answer key:
the links as a partition (adjusted Rand index, between "crosswalk only" and the reference linkage),
the head count within 3% of the truth. Two reproduce questions check the standardisation itself.
The data make the classic mistakes visible: households share a landline (so a phone is not a
person, and a JOIN on the phone counts an account once per matching customer), and customers who
never ordered, called or answered marketing are in no source system (so the head count is not the
size of the customer table).
"""

from __future__ import annotations

import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question

SOURCES = (("billing", "billing_accounts", "account_id"), ("service", "service_contacts", "contact_ref"),
           ("marketing", "marketing_leads", "lead_id"))


def std_email(values: pd.Series) -> pd.Series:
    """Trimmed, lower-case e-mail (missing stays missing)."""
    return values.astype("string").str.strip().str.lower()


def std_phone(values: pd.Series) -> pd.Series:
    """Digits only, the last ten (drops +1, brackets, dots and spaces); missing or short numbers stay missing."""
    digits = values.astype("string").str.replace(r"\D", "", regex=True).str[-10:]
    return digits.where(digits.str.len() == 10)


def records(data) -> pd.DataFrame:
    """All source-system records: key ``system:id``, standardised e-mail and phone."""
    parts = []
    for system, table, id_col in SOURCES:
        frame = data[table]
        parts.append(pd.DataFrame({"key": system + ":" + frame[id_col].astype(str), "source_system": system,
                                   "source_id": frame[id_col].astype(str), "email": std_email(frame["email"]),
                                   "phone": std_phone(frame["phone"])}))
    return pd.concat(parts, ignore_index=True)


def _lookup(customers: pd.DataFrame, column: str, std) -> pd.Series:
    keys = pd.DataFrame({"k": std(customers[column]), "c": customers["customer_id"].astype(str)}).dropna()
    return keys.drop_duplicates("k", keep=False).set_index("k")["c"]


def link(data) -> pd.Series:
    """Reference linkage: crosswalk, then exact standardised e-mail, then exact standardised phone."""
    rec = records(data)
    xw = data["crosswalk"].astype(str)
    known = pd.Series(xw["customer_id"].to_numpy(), index=xw["source_system"] + ":" + xw["source_id"])
    customers = data["customers"]
    linked = rec["key"].map(known)
    linked = linked.fillna(rec["email"].map(_lookup(customers, "email", std_email)))
    linked = linked.fillna(rec["phone"].map(_lookup(customers, "phone", std_phone)))
    return pd.Series(linked.fillna("unlinked:" + rec["key"]).to_numpy(), index=rec["key"].to_numpy())


def crosswalk_only(data) -> pd.Series:
    """Naive baseline: only the links the partial crosswalk already has; every other record stands alone."""
    rec = records(data)
    xw = data["crosswalk"].astype(str)
    known = pd.Series(xw["customer_id"].to_numpy(), index=xw["source_system"] + ":" + xw["source_id"])
    return pd.Series(rec["key"].map(known).fillna("unlinked:" + rec["key"]).to_numpy(), index=rec["key"].to_numpy())


def raw_email_link(data) -> pd.Series:
    """Wrong: e-mails matched as typed (no trimming or lower-casing), no crosswalk."""
    rec = records(data)
    raw = pd.concat([data[t]["email"].astype("string") for _, t, _ in SOURCES], ignore_index=True)
    lookup = data["customers"].drop_duplicates("email").set_index("email")["customer_id"].astype(str)
    return pd.Series(raw.map(lookup).fillna("unlinked:" + rec["key"]).to_numpy(), index=rec["key"].to_numpy())


def distinct_people(data) -> int:
    """Customers found in the source systems: distinct customer ids among the linked records."""
    links = link(data)
    return int(links[~links.str.startswith("unlinked:")].nunique())


def crosswalk_people(data) -> int:
    """Wrong: only the customers the partial crosswalk already names."""
    return int(data["crosswalk"]["customer_id"].nunique())


def record_count(data) -> int:
    """Wrong: one person per record."""
    return int(sum(len(data[t]) for _, t, _ in SOURCES))


def raw_email_count(data) -> int:
    """Wrong: distinct e-mails as typed (case and spaces make the same address look different; blanks ignored)."""
    return int(pd.concat([data[t]["email"] for _, t, _ in SOURCES]).dropna().nunique())


def all_customers(data) -> int:
    """Wrong: the size of the customer table (not every customer is in the source systems)."""
    return int(data["customers"]["customer_id"].nunique())


def distinct_phones(data) -> int:
    """Wrong: one person per standardised phone (households share a landline; some records have no phone)."""
    return int(records(data)["phone"].nunique())


def shared_emails(data) -> int:
    """Standardised e-mail addresses that appear in more than one source record."""
    counts = records(data)["email"].dropna().value_counts()
    return int((counts > 1).sum())


def shared_emails_raw(data) -> int:
    """Wrong: addresses compared as typed."""
    raw = pd.concat([data[t]["email"].astype("string") for _, t, _ in SOURCES]).dropna().value_counts()
    return int((raw > 1).sum())


def billing_phone_matches(data) -> int:
    """Billing accounts whose standardised phone equals the standardised phone of a customer (SQL join)."""
    billing = std_phone(data["billing_accounts"]["phone"]).dropna()
    return int(billing.isin(set(std_phone(data["customers"]["phone"]).dropna())).sum())


def billing_phone_join_rows(data) -> int:
    """Wrong: the rows of a JOIN of billing to customers on the phone (a shared household phone matches twice)."""
    billing = std_phone(data["billing_accounts"]["phone"]).dropna().to_frame("p")
    customers = std_phone(data["customers"]["phone"]).dropna().to_frame("p")
    return int(len(billing.merge(customers, on="p")))


def billing_phone_matches_raw(data) -> int:
    """Wrong: phones joined as typed."""
    return int(data["billing_accounts"]["phone"].dropna().isin(set(data["customers"]["phone"].dropna())).sum())


def solution(data) -> dict:
    """The model answer as the master notebook computes it (pandas; the SQL variant gives the same counts)."""
    def email(s):
        return s.astype("string").str.strip().str.lower()

    def phone(s):
        d = s.astype("string").str.replace(r"\D", "", regex=True).str[-10:]
        return d.where(d.str.len() == 10)

    frames = []
    for system, table, id_col in SOURCES:
        f = data[table]
        frames.append(pd.DataFrame({"key": system + ":" + f[id_col].astype(str), "email": email(f["email"]),
                                    "phone": phone(f["phone"])}))
    rec = pd.concat(frames, ignore_index=True)
    cust = data["customers"].assign(email_std=lambda f: email(f["email"]), phone_std=lambda f: phone(f["phone"]))
    by_email = cust.dropna(subset=["email_std"]).drop_duplicates("email_std", keep=False).set_index("email_std")["customer_id"]
    by_phone = cust.dropna(subset=["phone_std"]).drop_duplicates("phone_std", keep=False).set_index("phone_std")["customer_id"]
    xw = data["crosswalk"]
    known = dict(zip(xw["source_system"] + ":" + xw["source_id"], xw["customer_id"], strict=True))
    rec["customer_id"] = rec["key"].map(known).fillna(rec["email"].map(by_email)).fillna(rec["phone"].map(by_phone))
    people = rec["customer_id"].nunique()
    billing = phone(data["billing_accounts"]["phone"]).dropna()
    return {
        "distinct_people": int(people),
        "record_links": dict(zip(rec["key"], rec["customer_id"].fillna("unlinked:" + rec["key"]), strict=True)),
        "shared_emails": int((rec["email"].value_counts() > 1).sum()),
        "billing_phone_matches": int(billing.isin(set(cust["phone_std"].dropna())).sum()),
        "root_cause": "scattered records",
    }


def _truth_people(keys, data) -> float:
    return float(keys["truth_crosswalk"]["customer_id"].nunique())


def _truth_links(keys, data) -> pd.Series:
    t = keys["truth_crosswalk"].astype(str)
    return pd.Series(t["customer_id"].to_numpy(), index=(t["source_system"] + ":" + t["source_id"]).to_numpy())


SPEC = LabSpec(
    lab_id="L02",
    title="L02 One view of the customer",
    title_zh="L02 统一的客户视图",
    default_dataset="retail-default",
    dirty=True,
    keys_needed=("truth_crosswalk",),
    questions=(
        Question("distinct_people", "scalar",
                 "Every record of the three source systems (billing_accounts, service_contacts, marketing_leads) belongs "
                 "to a customer of the customers table, but not every customer is in them. How many distinct customers "
                 "appear in them? Graded against the true count (within 3%).",
                 mode="close_to_truth", points=2.0, checks={"range": [0, None], "integer": True}, truth=_truth_people,
                 params={"atol": 0.5, "rtol": 0.03},
                 misconceptions=(Misconception("records", record_count, "you seem to count records, not people",
                                                                        "你似乎数的是记录条数，而不是人数"),
                                 Misconception("crosswalk", crosswalk_people,
                                               "the crosswalk is partial: link the other records too before counting",
                                               "ID 对照表并不完整：计数之前还要把其余记录也关联起来"),
                                 Misconception("raw_emails", raw_email_count,
                                               "addresses that differ only in case or spaces belong to the same person",
                                               "只在大小写或空格上不同的邮箱地址属于同一个人"),
                                 Misconception("all_customers", all_customers,
                                               "not every customer is in the source systems: count the customers your "
                                               "records link to, not the customer table",
                                               "并不是每位客户都出现在源系统中：请数你的记录关联到的客户，而不是客户表的行数"),
                                 Misconception("phones", distinct_phones,
                                               "a phone is not a person: households share a landline, and some records "
                                               "have no phone; link records to customers and count customers",
                                               "一个电话号码不等于一个人：一家人共用一部座机，有些记录也没有电话；"
                                               "请把记录关联到客户，再数客户"))),
        Question("record_links", "partition",
                 "Link every source record (key 'system:id', e.g. 'billing:BA00000001') to the customer_id it belongs to "
                 "(or to a label of your own for records you cannot link). Graded by agreement with the true links.",
                 mode="relative", points=3.0, reference=link, baseline=crosswalk_only, truth=_truth_links,
                 params={"full_at": 0.9},
                 misconceptions=(Misconception("raw_emails", raw_email_link,
                                               "standardise e-mails (trim, lower-case) and use the crosswalk before matching",
                                               "匹配之前先标准化电子邮箱（去掉首尾空格、转为小写），并先使用 ID 对照表"),)),
        Question("shared_emails", "scalar",
                 "After standardising e-mails (trim spaces, lower-case), how many distinct addresses occur in more than "
                 "one record of the three source systems together?",
                 mode="reproduce", checks={"range": [0, None], "integer": True}, reference=shared_emails,
                 params={"atol": 0.5, "rtol": 0.0},
                 misconceptions=(Misconception("raw", shared_emails_raw, "compare standardised addresses, not as typed",
                                                                         "比较标准化之后的地址，而不是录入时的原样"),)),
        Question("billing_phone_matches", "scalar",
                 "Using SQL (DuckDB): how many billing accounts have a phone that, reduced to its last ten digits, equals "
                 "a customer's phone reduced the same way?",
                 mode="reproduce", checks={"range": [0, None], "integer": True}, reference=billing_phone_matches,
                 params={"atol": 0.5, "rtol": 0.0},
                 misconceptions=(Misconception("raw", billing_phone_matches_raw,
                                               "phones are typed in different formats: reduce both sides to digits first",
                                               "电话号码的录入格式各不相同：先把两边都化为纯数字再比较"),
                                 Misconception("join_rows", billing_phone_join_rows,
                                               "you seem to count the rows of a JOIN: a household's shared phone matches "
                                               "several customers, so an account is counted once per match; count accounts "
                                               "(IN, EXISTS or DISTINCT)",
                                               "你似乎数的是 JOIN 结果的行数：一家人共用的电话会匹配到几位客户，"
                                               "于是一个账户按匹配次数被重复计数；请数账户（用 IN、EXISTS 或 DISTINCT）"))),
        Question("root_cause", "choice",
                 "In the telecom case of the course, what made churn impossible to analyse in the first place?",
                 mode="exact", checks={"choices": ["prices too high", "scattered records", "too few call-centre agents",
                                                   "no loyalty programme"]},
                 params={"correct": "scattered records"}),
    ),
    solution=solution,
    wrong_methods={
        "count_records": ("distinct_people", record_count),
        "count_raw_emails": ("distinct_people", raw_email_count),
        "count_crosswalk_only": ("distinct_people", crosswalk_people),
        "count_all_customers": ("distinct_people", all_customers),
        "count_distinct_phones": ("distinct_people", distinct_phones),
        "crosswalk_only": ("record_links", crosswalk_only),
        "raw_email_links": ("record_links", raw_email_link),
        "shared_emails_raw": ("shared_emails", shared_emails_raw),
        "billing_phone_raw": ("billing_phone_matches", billing_phone_matches_raw),
        "billing_phone_join_rows": ("billing_phone_matches", billing_phone_join_rows),
        "root_cause_prices": ("root_cause", lambda data: "prices too high"),
    },
)
