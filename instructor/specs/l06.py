"""L06 Who is leaving, and why: a churn model on the firm's records, judged against the truth.

Why these questions: docs/COURSE.md sec. 3 and sec. 5 treat churn management as prediction (who is
about to leave), evaluation (how good is the list a retention team gets) and diagnosis (why they
leave). In the telecom scenario a contract ends with a notice, so the firm observes churn: students
take a snapshot of the records at a cutoff 26 weeks before the end, train a logistic churn model on
an earlier snapshot (features 26 weeks before the cutoff, label: a notice in the 26 weeks after it),
and score the customers at the cutoff. The scores are graded by AUC against the truth the firm
never sees (who truly churned after the cutoff or is terminating at the end); the
out-of-time AUC and the top-decile lift the student reports are reproduce questions whose classic
mistakes are detected: the in-sample AUC of the training snapshot, a lift that is only the top
decile's churn rate, ranking by tenure alone, and a model fitted on the holdout's own notices
(leakage). Then the firm's mistakes are priced (missed churners, wasted offers) for a flag on the
top decile, and the records are asked why and when customers leave: how many notices followed a
complaint (few), and whether customers leave while bound by a term (rarely: they leave once out of
contract). Where they go, the records cannot say. In this telecom world the truth of who churned
after the cutoff matches the notices the firm sees; the customers who are truly at risk but have
given no notice are what no record shows. The dataset holds no true stage, and no record feature
but tenure ranks the truly at-risk better than chance, so the student's own at-risk labels are not
graded against truth (that would grade noise). Instead the student runs the dataset's scenario on
the lab seed (2,000 customers x 104 weeks, as L01 and L05 run the model), where both views exist:
the firm's perceived stage (``model.firm.perceived(model.week)``) and the true stage
(``model.population.stage``). The confusion matrix of perceived (rows) by true stage (columns) for
the customers the firm counts as current (new, growth, maturity, won back) or at risk gives two
reproduce questions the grader reruns on the same seed: the share of truly at-risk customers the CRM
sees as current (the complement of the at-risk flag's recall: about 0.8-0.95), and the cost of the
CRM's mistakes priced from the scenario's own numbers (a missed at-risk customer: a year of the
mean monthly fee; a flag on a customer who is truly fine: one retention call plus the retention
offer). Detected mistakes: the matrix read along a row instead of down the at-risk column (the share
of perceived-current customers who are truly at risk, read as a precision is), the flag's recall
given instead of its complement, truly terminating customers (whose notice the CRM has) counted as
missed, the two prices swapped, and the wasted offers left out. The reflection takes up what this
means for a retention list built from notices.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from graders.specs.base import LabSpec, Misconception, Question
from simulations.stages import AT_RISK, GROWTH, MATURITY, NEW, TERMINATING, WON_BACK, Stage

from .common import sim_seed

HOLDOUT_WEEKS = 26  # the prediction window after the cutoff, and the gap between training and cutoff snapshots
FEATURES = ("month_to_month", "weeks_left", "tenure")  # the model's inputs, in this order
TOP_SHARE = 0.10
OFFER_COST = 60.0  # a retention offer to a flagged customer who would have stayed (wasted)
MISSED_MONTHS = 12  # a missed churner costs a year of their monthly fee
COMPLAINT_WEEKS = 13  # a complaint counts as a notice's trigger when opened this many weeks before it
SIM_CUSTOMERS = 2_000  # the stage comparison's run: the dataset's scenario on the lab seed
SIM_WEEKS = 104
CURRENT = (NEW, GROWTH, MATURITY, WON_BACK)  # stages the firm counts as current (FirmView.active)


def stage_prices(scenario_name: str = "telecom") -> tuple[float, float]:
    """The CRM's two mistakes priced from the scenario's own numbers: (missed at-risk customer, false flag).

    A truly at-risk customer the CRM sees as current costs a year of the mean monthly fee
    (``world.contracts.monthly_fee_mean`` x 12, as a missed churner above); an at-risk flag on a customer
    who is truly fine costs one retention contact (``world.costs.contact_cost`` of the retention
    channel) plus the retention offer (``policies.marketing.retention.offer`` x the mean monthly fee).
    """
    from simulations.config import load_scenario

    s = load_scenario(scenario_name)
    fee = float(s.world.contracts.monthly_fee_mean)
    retention = s.policies.marketing.retention
    return MISSED_MONTHS * fee, float(s.world.costs.contact_cost[retention.channel]) + retention.offer * fee


MISSED_AT_RISK_COST, FALSE_FLAG_COST = stage_prices()  # 780 and 12.25 in the telecom scenario


def cutoff(data) -> pd.Timestamp:
    """The snapshot date: 26 weeks before the end of the data (the first day of the holdout)."""
    start = pd.Timestamp(data.metadata["start_date"])
    return start + pd.Timedelta(weeks=int(data.metadata["weeks"]) - HOLDOUT_WEEKS)


def _contracts(data) -> pd.DataFrame:
    """Contract terms with string ids and parsed dates (a student's data may come as CSV strings)."""
    c = data["contracts"].copy()
    c["customer_id"] = c["customer_id"].astype(str)
    for col in ("start_date", "end_date", "notice_date"):
        c[col] = pd.to_datetime(c[col])
    return c


def snapshot(data, when: pd.Timestamp) -> pd.DataFrame:
    """One row per customer whose contract runs on ``when`` with no notice given before it, from the contracts table.

    Columns: ``month_to_month`` (1/0), ``weeks_left`` in a fixed term (0 on month-to-month), ``tenure`` in
    years since signup, and ``fee`` (monthly fee, not a model input: it prices a missed churner). Only
    the term running on ``when`` is read, never the customer table's LATEST contract (that would leak
    notices given after ``when``).
    """
    c = _contracts(data)
    running = c[(c["start_date"] <= when) & (c["end_date"].isna() | (c["end_date"] >= when))
                & (c["notice_date"].isna() | (c["notice_date"] >= when))]
    running = running.sort_values(["customer_id", "start_date"]).groupby("customer_id").tail(1).set_index("customer_id")
    fixed = running["contract_type"] != "month-to-month"
    signup = data["customers"].assign(customer_id=lambda f: f["customer_id"].astype(str)).set_index("customer_id")
    signup = pd.to_datetime(signup["signup_date"]).reindex(running.index)
    x = pd.DataFrame({
        "month_to_month": (~fixed).astype(float),
        "weeks_left": ((running["end_date"] - when).dt.days / 7).clip(lower=0).where(fixed, 0.0).fillna(0.0),
        "tenure": (when - signup).dt.days / 364.0,
        "fee": running["monthly_fee"].astype(float),
    })
    x.index.name = "customer_id"
    return x.sort_index()


def noticed(data, when: pd.Timestamp, ids: pd.Index) -> np.ndarray:
    """True for each of ``ids`` who gave a notice in the 26 weeks from ``when`` (observed in the records)."""
    c = _contracts(data)
    hit = c[(c["notice_date"] >= when) & (c["notice_date"] < when + pd.Timedelta(weeks=HOLDOUT_WEEKS))]
    return ids.isin(set(hit["customer_id"]))


_CACHE: dict[str, dict] = {}


def _fit(x: pd.DataFrame, label: np.ndarray) -> np.ndarray:
    """The ridge logistic churn model (the simulated firm's own, started at zero) on a snapshot and its label."""
    from simulations.firm.churn_model import fit_logistic

    return fit_logistic(x[list(FEATURES)].to_numpy(), label, start=np.zeros(len(FEATURES) + 1))


def _predict(coef: np.ndarray, x: pd.DataFrame) -> pd.Series:
    """The model's probabilities by customer id (the firm's own ``predict``, so float32 ties match the student's)."""
    from simulations.firm.churn_model import predict

    return pd.Series(predict(coef, x[list(FEATURES)].to_numpy()).astype(float), index=x.index)


def _state(data) -> dict:
    """Both snapshots, their labels, the model and the cutoff scores of one dataset, computed once.

    Why cached: the reference, the truth and eight wrong methods all start from the same two
    snapshots and one fit; keyed by the dataset's fingerprint (a few datasets kept).
    """
    key = str(data.metadata["dataset_id"])
    if key not in _CACHE:
        cut = cutoff(data)
        train_at = cut - pd.Timedelta(weeks=HOLDOUT_WEEKS)
        x_train, x_cut = snapshot(data, train_at), snapshot(data, cut)
        y_train, y_cut = noticed(data, train_at, x_train.index), noticed(data, cut, x_cut.index)
        coef = _fit(x_train, y_train)
        if len(_CACHE) >= 8:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = {"cut": cut, "x_train": x_train, "y_train": y_train, "x_cut": x_cut, "y_cut": y_cut,
                       "coef": coef, "scores": _predict(coef, x_cut)}
    return _CACHE[key]


def churn_scores(data) -> pd.Series:
    """Churn probability of every customer at the cutoff, from the model trained 26 weeks earlier."""
    return _state(data)["scores"].copy()


def scores_inverted(data) -> pd.Series:
    """Wrong: the probability of staying given as the probability of leaving."""
    return 1.0 - churn_scores(data)


def scores_tenure(data) -> pd.Series:
    """Wrong: ranking by tenure alone (the newest customers first)."""
    return 1.0 / (1.0 + _state(data)["x_cut"]["tenure"])


def _auc(scores: pd.Series, label: np.ndarray) -> float:
    """AUC by the function the notebook names, so a student's value reproduces the reference's exactly."""
    from simulations.firm.churn_model import auc

    return float(auc(scores.to_numpy(), label))


def holdout_auc(data) -> float:
    """AUC of the cutoff scores against the notices of the 26 weeks after the cutoff (out of time)."""
    st = _state(data)
    return _auc(st["scores"], st["y_cut"])


def training_auc(data) -> float:
    """Wrong: the AUC on the training snapshot the model was fitted to (in-sample)."""
    st = _state(data)
    return _auc(_predict(st["coef"], st["x_train"]), st["y_train"])


def same_period_auc(data) -> float:
    """Wrong: model fitted on the cutoff snapshot with the holdout's own notices, then scored on them (leakage)."""
    st = _state(data)
    return _auc(_predict(_fit(st["x_cut"], st["y_cut"]), st["x_cut"]), st["y_cut"])


def latest_contract_auc(data) -> float:
    """Wrong: the cutoff's contract features read from the customer table (the LATEST contract, as at the end).

    A notice given after the cutoff shortens or ends that contract, so the holdout leaks into the features.
    """
    st = _state(data)
    x = st["x_cut"].copy()
    cust = data["customers"].assign(customer_id=lambda f: f["customer_id"].astype(str)).set_index("customer_id")
    fixed = (cust["contract_type"].reindex(x.index) != "month-to-month").to_numpy()
    end = pd.to_datetime(cust["contract_end"]).reindex(x.index)
    x["month_to_month"] = (~fixed).astype(float)
    x["weeks_left"] = np.where(fixed, ((end - st["cut"]).dt.days / 7).clip(lower=0).fillna(0.0), 0.0)
    return _auc(_predict(st["coef"], x), st["y_cut"])


def tenure_auc(data) -> float:
    """Wrong: the holdout AUC of a list ranked by tenure alone."""
    return _auc(scores_tenure(data), _state(data)["y_cut"])


def _top(scores: pd.Series) -> np.ndarray:
    """The top decile: scores at or above their 90th percentile (ties all in, whatever the sort order)."""
    return (scores >= scores.quantile(1 - TOP_SHARE)).to_numpy()


def _lift(scores: pd.Series, label: np.ndarray) -> float:
    """Top-decile rate over the base rate (0 when nobody gave notice: no list can do better than none)."""
    return float(label[_top(scores)].mean() / label.mean()) if label.any() else 0.0


def top_decile_lift(data) -> float:
    """Notice rate in the top decile of the cutoff scores divided by the notice rate of everyone scored."""
    st = _state(data)
    return _lift(st["scores"], st["y_cut"])


def top_decile_rate(data) -> float:
    """Wrong: the top decile's notice rate itself (not divided by the base rate)."""
    st = _state(data)
    return float(st["y_cut"][_top(st["scores"])].mean())


def tenure_lift(data) -> float:
    """Wrong: the lift of a list ranked by tenure alone."""
    return _lift(scores_tenure(data), _state(data)["y_cut"])


def _costs(data) -> tuple[float, float]:
    """The top-decile flag's two mistakes priced separately: (wasted offers, missed churners' lost fees)."""
    st = _state(data)
    flagged, left = _top(st["scores"]), st["y_cut"]
    wasted = float(np.count_nonzero(flagged & ~left) * OFFER_COST)
    missed = float(st["x_cut"]["fee"].to_numpy()[left & ~flagged].sum() * MISSED_MONTHS)
    return wasted, missed


def mistakes_cost(data) -> float:
    """Cost of the top-decile flag's mistakes: wasted offers (flagged, stayed) + a year's fee of each missed churner."""
    wasted, missed = _costs(data)
    return wasted + missed


def mistakes_offers_only(data) -> float:
    """Wrong: only the false alarms priced; the churners the flag missed cost nothing."""
    return _costs(data)[0]


def _pairs(data) -> pd.DataFrame:
    """Every notice beside every service ticket of the same customer (contract_id, gap in days, complaint), once per dataset."""
    st = _state(data)
    if "pairs" not in st:
        c = _contracts(data)
        notices = c.loc[c["notice_date"].notna(), ["contract_id", "customer_id", "notice_date"]]
        t = data["service_tickets"]
        t = pd.DataFrame({"customer_id": t["customer_id"].astype(str), "opened": pd.to_datetime(t["opened_ts"]),
                          "complaint": t["complaint"].astype(bool)})
        m = notices.merge(t, on="customer_id", how="left")
        st["pairs"] = pd.DataFrame({"contract_id": m["contract_id"], "ticket": m["opened"].notna(),
                                    "complaint": m["complaint"].fillna(False).astype(bool),
                                    "before": (m["opened"] < m["notice_date"])
                                    & (m["opened"] >= m["notice_date"] - pd.Timedelta(weeks=COMPLAINT_WEEKS))})
    return st["pairs"]


def _share(data, hit: str, window: bool) -> float:
    """Share of notices with a ticket of kind ``hit`` (``ticket`` or ``complaint``), within the window or at any time."""
    m = _pairs(data)
    if m.empty:
        return 0.0
    found = m[hit] & m["before"] if window else m[hit]
    return float(found.groupby(m["contract_id"]).any().mean())


def complaint_share(data) -> float:
    """Share of all notices in the data given within 13 weeks after a complaint ticket of the same customer."""
    return _share(data, "complaint", window=True)


def complaint_share_any_ticket(data) -> float:
    """Wrong: any service ticket counted as a complaint."""
    return _share(data, "ticket", window=True)


def complaint_share_any_time(data) -> float:
    """Wrong: a complaint at any time, even after the notice, counted as its trigger."""
    return _share(data, "complaint", window=False)


@lru_cache(maxsize=16)
def _stage_run(scenario_name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Perceived and true stage of everyone after the stage comparison's run (the model itself is not kept)."""
    from simulations.model import CustomerLifecycleModel

    model = CustomerLifecycleModel(scenario_name, customers=SIM_CUSTOMERS, seed=seed)
    model.run(SIM_WEEKS)
    n = model.population.n  # the people; the firm's arrays hold the same rows (records grow with them)
    return model.firm.perceived(model.week)[:n].copy(), model.population.stage[:n].copy()


def stage_views(data) -> tuple[np.ndarray, np.ndarray]:
    """(perceived, true) stage of the customers the firm counts as current or at risk at the end of the run.

    Cached: the grader asks both stage questions, and their wrong methods, of the same run.
    """
    seen, true = _stage_run(str(data.metadata["scenario"]), sim_seed(data))
    counted = np.isin(seen, (*CURRENT, AT_RISK))
    return seen[counted], true[counted]


def _stage_counts(data) -> dict[str, int]:
    seen, true = stage_views(data)
    current, flagged, at_risk = np.isin(seen, CURRENT), seen == AT_RISK, true == AT_RISK
    full = _stage_run(str(data.metadata["scenario"]), sim_seed(data))[1]
    return {"at_risk": int(np.count_nonzero(at_risk)),
            "missed": int(np.count_nonzero(at_risk & current)),
            "caught": int(np.count_nonzero(at_risk & flagged)),
            "false_flags": int(np.count_nonzero(flagged & np.isin(true, CURRENT))),
            "current": int(np.count_nonzero(current)),
            "terminating": int(np.count_nonzero(full == TERMINATING))}


def at_risk_seen_as_current(data) -> float:
    """Share of the truly at-risk customers the CRM sees as current (new, growth, maturity, won back)."""
    c = _stage_counts(data)
    return c["missed"] / c["at_risk"] if c["at_risk"] else 0.0


def at_risk_precision_read(data) -> float:
    """Wrong: the matrix read along the row: the share of perceived-current customers who are truly at risk."""
    c = _stage_counts(data)
    return c["missed"] / c["current"] if c["current"] else 0.0


def at_risk_flagged_share(data) -> float:
    """Wrong: the at-risk flag's recall (the share of the truly at-risk it flags), not its complement."""
    c = _stage_counts(data)
    return c["caught"] / c["at_risk"] if c["at_risk"] else 0.0


def at_risk_with_terminating(data) -> float:
    """Wrong: truly terminating customers (whose notice the CRM has) counted as missed, in both counts."""
    c = _stage_counts(data)
    total = c["at_risk"] + c["terminating"]
    return (c["missed"] + c["terminating"]) / total if total else 0.0


def stage_mistakes_cost(data) -> float:
    """Missed at-risk customers x the year's fee + at-risk flags on truly fine customers x (call + offer)."""
    c = _stage_counts(data)
    return c["missed"] * MISSED_AT_RISK_COST + c["false_flags"] * FALSE_FLAG_COST


def stage_cost_with_terminating(data) -> float:
    """Wrong: truly terminating customers priced as missed at-risk customers too."""
    c = _stage_counts(data)
    return stage_mistakes_cost(data) + c["terminating"] * MISSED_AT_RISK_COST


def stage_cost_swapped(data) -> float:
    """Wrong: the two prices swapped (a miss priced as an offer, a false flag as a lost year)."""
    c = _stage_counts(data)
    return c["missed"] * FALSE_FLAG_COST + c["false_flags"] * MISSED_AT_RISK_COST


def stage_cost_missed_only(data) -> float:
    """Wrong: only the missed at-risk customers priced; the offers wasted on false flags left out."""
    return _stage_counts(data)["missed"] * MISSED_AT_RISK_COST


def solution(data) -> dict:
    """The model answer as the master computes it."""
    from simulations.firm.churn_model import auc, fit_logistic, predict

    start = pd.Timestamp(data.metadata["start_date"])
    cut = start + pd.Timedelta(weeks=int(data.metadata["weeks"]) - 26)
    train_at = cut - pd.Timedelta(weeks=26)
    contracts = data["contracts"].assign(**{c: lambda f, c=c: pd.to_datetime(f[c])
                                            for c in ("start_date", "end_date", "notice_date")})
    signup = pd.to_datetime(data["customers"].set_index("customer_id")["signup_date"])

    def table(when: pd.Timestamp) -> pd.DataFrame:
        run = contracts[(contracts["start_date"] <= when) & ~(contracts["end_date"] < when)
                        & ~(contracts["notice_date"] < when)]
        run = run.sort_values("start_date").drop_duplicates("customer_id", keep="last").set_index("customer_id").sort_index()
        fixed = run["contract_type"] != "month-to-month"
        t = pd.DataFrame({"month_to_month": (~fixed).astype(float),
                          "weeks_left": np.where(fixed, ((run["end_date"] - when).dt.days / 7).clip(lower=0), 0.0),
                          "tenure": (when - signup.reindex(run.index)).dt.days / 364.0,
                          "fee": run["monthly_fee"]})
        n = contracts[(contracts["notice_date"] >= when) & (contracts["notice_date"] < when + pd.Timedelta(weeks=26))]
        t["left"] = t.index.isin(n["customer_id"])
        return t

    cols = ["month_to_month", "weeks_left", "tenure"]
    train, now = table(train_at), table(cut)
    coef = fit_logistic(train[cols].to_numpy(), train["left"].to_numpy(), start=np.zeros(4))
    now["score"] = predict(coef, now[cols].to_numpy()).astype(float)
    top = now["score"] >= now["score"].quantile(0.9)
    left = now["left"]
    tickets = data["service_tickets"].assign(opened=lambda f: pd.to_datetime(f["opened_ts"]))
    complaints = tickets.loc[tickets["complaint"], ["customer_id", "opened"]]
    notices = contracts[contracts["notice_date"].notna()]
    pairs = notices.merge(complaints, on="customer_id", how="left")
    before = (pairs["opened"] < pairs["notice_date"]) & (pairs["opened"] >= pairs["notice_date"] - pd.Timedelta(weeks=13))
    # the master's run (2,000 customers x 104 weeks of the dataset's scenario on the lab seed) is the
    # grader's own cached run: its two stage arrays, read as the master reads them (labels, crosstab)
    seen, true = _stage_run(str(data.metadata["scenario"]), sim_seed(data))
    labels = np.array([s.label for s in Stage])
    counted = np.isin(labels[seen], ["new", "growth", "maturity", "won back", "at-risk"])
    matrix = pd.crosstab(pd.Series(labels[seen[counted]], name="perceived"), pd.Series(labels[true[counted]], name="true"))
    at_risk = matrix["at-risk"] if "at-risk" in matrix else pd.Series(0, index=matrix.index)
    missed = int(at_risk.drop("at-risk", errors="ignore").sum())
    fine = [c for c in ("new", "growth", "maturity", "won back") if c in matrix]
    false_flags = int(matrix.loc["at-risk", fine].sum()) if "at-risk" in matrix.index else 0
    return {
        "churn_scores": now["score"],
        "holdout_auc": float(auc(now["score"].to_numpy(), left.to_numpy())),
        "top_decile_lift": float(left[top].mean() / left.mean()) if left.any() else 0.0,
        "mistakes_cost": float((top & ~left).sum() * 60.0 + now.loc[left & ~top, "fee"].sum() * 12),
        "complaint_share": float(before.groupby(pairs["contract_id"]).any().mean()) if len(notices) else 0.0,
        "when_they_leave": "out of contract",
        "at_risk_seen_as_current": float(missed / at_risk.sum()) if at_risk.sum() else 0.0,
        "stage_mistakes_cost": float(missed * 12 * 65.0 + false_flags * (2.5 + 0.15 * 65.0)),
    }


def _truth_churn(keys, data) -> pd.Series:
    """1 for a customer scored at the cutoff whose relationship truly ended after it, or who is terminating at the end."""
    t = keys["truth_customers"].assign(customer_id=lambda f: f["customer_id"].astype(str)).set_index("customer_id")
    ids = _state(data)["x_cut"].index
    week = int(data.metadata["weeks"]) - HOLDOUT_WEEKS
    weekly = keys["truth_weekly_stage"]
    last = weekly[weekly["week"] == weekly["week"].max()].assign(customer_id=lambda f: f["customer_id"].astype(str))
    terminating = set(last.loc[last["stage"] == "terminating", "customer_id"])
    ended = t["churn_week"].reindex(ids) > week
    return (ended | ids.isin(terminating)).astype(float)


WHEN_CHOICES = ["after a complaint", "out of contract", "in their first months", "at a price rise"]

SPEC = LabSpec(
    lab_id="L06",
    title="L06 Who is leaving, and why",
    title_zh="L06 谁在流失，为什么",
    default_dataset="telecom-default",
    scenario="telecom",
    keys_needed=("truth_customers", "truth_weekly_stage"),
    questions=(
        Question("churn_scores", "predictions",
                 "Cutoff = the data start + (weeks - 26) weeks. For every customer whose contract runs at the cutoff with "
                 "no notice given before it, the probability of leaving: the ridge logistic model "
                 "(simulations.firm.churn_model.fit_logistic, start zeros) on month_to_month, weeks_left, tenure (years), "
                 "fitted on the snapshot 26 weeks before the cutoff with its next 26 weeks' notices as the label. "
                 "Graded by AUC against who truly churned after the cutoff (or is terminating at the end).",
                 mode="relative", points=2.0, checks={"ids": "customers", "range": [0, 1]}, reference=churn_scores,
                 truth=_truth_churn, params={"full_at": 0.9, "baseline_metric": 0.5,
                                             "hint_match": {"rank_only": True, "min_rho": 0.95}},
                 misconceptions=(Misconception("inverted", scores_inverted,
                                               "your scores seem to be the probability of staying, not of leaving",
                                               "你的得分似乎是留下的概率，而不是流失的概率"),
                                 Misconception("tenure", scores_tenure,
                                               "this ranks by tenure alone; the contract (month-to-month, weeks left in "
                                               "the term) says more about who is free to leave",
                                               "这只是按关系时长排序；合同信息（是否按月合同、合同期还剩几周）更能说明"
                                               "谁可以自由离开"))),
        Question("holdout_auc", "scalar",
                 "The AUC of your cutoff scores against the notices given in the 26 weeks after the cutoff "
                 "(simulations.firm.churn_model.auc).",
                 mode="reproduce", checks={"range": [0, 1]}, reference=holdout_auc, params={"atol": 1e-4, "rtol": 0.0},
                 misconceptions=(Misconception("training", training_auc,
                                               "this looks like the AUC on the training snapshot the model was fitted "
                                               "to: judge a model on a later period it has not seen",
                                               "这看起来是模型在其训练快照上的 AUC：评价模型要用它没有见过的后一个时期"),
                                 Misconception("same_period", same_period_auc,
                                               "this model seems to have been fitted on the holdout's own notices "
                                               "(leakage): fit on the earlier snapshot, score at the cutoff",
                                               "这个模型似乎用检验期本身的解约通知拟合过（信息泄漏）：应在较早的快照上"
                                               "拟合，在截止日打分"),
                                 Misconception("latest_contract", latest_contract_auc,
                                               "your cutoff features seem to come from the customer table, which holds "
                                               "the LATEST contract, changed by the very notices you predict (leakage): "
                                               "read the term running at the cutoff",
                                               "你在截止日的特征似乎取自客户主数据表，而它记录的是最新的合同，已经被你要"
                                               "预测的解约通知改变了（信息泄漏）：请读取截止日当天正在履行的合同期"),
                                 Misconception("tenure", tenure_auc,
                                               "this looks like the AUC of a list ranked by tenure alone: score with "
                                               "the model",
                                               "这看起来是只按关系时长排序的名单的 AUC：请用模型打分"))),
        Question("top_decile_lift", "scalar",
                 "Top-decile lift: the notice rate among the customers whose cutoff score is at or above the scores' "
                 "90th percentile, divided by the notice rate of all scored customers (26 weeks after the cutoff).",
                 mode="reproduce", checks={"range": [0, None]}, reference=top_decile_lift,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("rate", top_decile_rate,
                                               "this looks like the top decile's churn rate: lift divides it by the "
                                               "churn rate of everyone scored",
                                               "这看起来是前 10% 客户的流失率：提升度还要再除以全部被打分客户的流失率"),
                                 Misconception("tenure", tenure_lift,
                                               "this looks like the lift of a list ranked by tenure alone: use the "
                                               "model's scores",
                                               "这看起来是只按关系时长排序的名单的提升度：请使用模型的得分"))),
        Question("mistakes_cost", "scalar",
                 f"The firm flags the top decile of your cutoff scores (at or above the 90th percentile) and makes each "
                 f"an offer. Price the flag's mistakes over the 26 weeks after the cutoff: {OFFER_COST:.0f} for each "
                 f"flagged customer who gave no notice (a wasted offer) plus {MISSED_MONTHS} monthly fees of each "
                 f"customer who gave notice without being flagged (a missed churner).",
                 mode="reproduce", checks={"range": [0, None]}, reference=mistakes_cost,
                 params={"atol": 0.01, "rtol": 1e-6},
                 misconceptions=(Misconception("offers_only", mistakes_offers_only,
                                               "you priced only the wasted offers: a churner the list missed is a "
                                               "mistake too, and the dearer one",
                                               "你只计算了浪费的挽留优惠：名单漏掉的流失客户也是错误，而且代价更高"),)),
        Question("complaint_share", "scalar",
                 "Which share of all notices in the data came within 13 weeks after a complaint ticket of the same "
                 "customer (opened before the notice date, at most 13 weeks before)?",
                 mode="reproduce", checks={"range": [0, 1]}, reference=complaint_share, params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("any_ticket", complaint_share_any_ticket,
                                               "you seem to count every service ticket: only tickets logged as a "
                                               "complaint count",
                                               "你似乎把所有服务工单都算上了：只有登记为投诉的工单才算"),
                                 Misconception("any_time", complaint_share_any_time,
                                               "you seem to count complaints at any time, even after the notice: a "
                                               "trigger comes before it",
                                               "你似乎把任何时候的投诉都算上了，包括解约通知之后的：诱因必须发生在通知之前"))),
        Question("when_they_leave", "choice",
                 "When do most of the customers who give notice leave, by the records?",
                 mode="exact", checks={"choices": WHEN_CHOICES}, params={"correct": "out of contract"}),
        Question("at_risk_seen_as_current", "scalar",
                 f"Run your dataset's scenario with {SIM_CUSTOMERS:,} customers for {SIM_WEEKS} weeks on your lab seed. "
                 "At the end, take the customers the firm's CRM counts as current (perceived new, growth, maturity "
                 "or won back) or at risk (model.firm.perceived(model.week)), and cross their perceived stage "
                 "(rows) with their true stage (model.population.stage, columns). Which share of the truly at-risk "
                 "customers does the CRM see as current?",
                 mode="reproduce", checks={"range": [0, 1]}, reference=at_risk_seen_as_current,
                 params={"atol": 1e-6, "rtol": 1e-6},
                 misconceptions=(Misconception("precision", at_risk_precision_read,
                                               "you read the matrix along a row: this is the share of the customers "
                                               "the CRM sees as current who are truly at risk. Start from the truly "
                                               "at-risk customers (the column) and ask how many the CRM sees as current",
                                               "你沿着行读了矩阵：这是 CRM 看作正常客户的人中真正处于危险期的比例。"
                                               "应从真正处于危险期的客户（列）出发，看其中有多少被 CRM 看作正常客户"),
                                 Misconception("flagged", at_risk_flagged_share,
                                               "this is the share of the truly at-risk customers the CRM flags as at "
                                               "risk (its recall): the question asks for those it sees as current",
                                               "这是真正处于危险期的客户中被 CRM 标记为危险期的比例（召回率）：题目问的是"
                                               "被它看作正常客户的比例"),
                                 Misconception("terminating", at_risk_with_terminating,
                                               "you seem to count truly terminating customers as missed: their notice "
                                               "is in and the CRM sees them as terminating; only the truly at-risk "
                                               "count",
                                               "你似乎把真正处于解约期的客户也算作漏掉的客户：他们已经提出解约，CRM "
                                               "也把他们看作解约期；只统计真正处于危险期的客户"))),
        Question("stage_mistakes_cost", "scalar",
                 f"Price the CRM's mistakes in the same matrix with the scenario's own numbers: each truly at-risk "
                 f"customer it sees as current costs a year of the mean monthly fee ({MISSED_MONTHS} x "
                 f"world.contracts.monthly_fee_mean = {MISSED_AT_RISK_COST:g}); each customer it flags as at risk who is "
                 f"truly current (new, growth, maturity or won back) costs a retention phone call plus the retention "
                 f"offer (world.costs.contact_cost['phone'] + policies.marketing.retention.offer x the mean monthly "
                 f"fee = {FALSE_FLAG_COST:g}). What is the total?",
                 mode="reproduce", checks={"range": [0, None]}, reference=stage_mistakes_cost,
                 params={"atol": 0.01, "rtol": 1e-6},
                 misconceptions=(Misconception("terminating", stage_cost_with_terminating,
                                               "you seem to price truly terminating customers as missed: the CRM has "
                                               "their notice and sees them as terminating",
                                               "你似乎把真正处于解约期的客户也当作漏掉的客户计价：CRM 已经收到他们的"
                                               "解约通知，并把他们看作解约期"),
                                 Misconception("swapped", stage_cost_swapped,
                                               "the prices seem swapped: a missed at-risk customer costs the year's "
                                               "fees, a flag on a customer who is fine costs the call and the offer",
                                               "两个价格似乎用反了：漏掉一位危险期客户损失一年的月费，误标一位正常客户"
                                               "损失一次电话和一份优惠"),
                                 Misconception("missed_only", stage_cost_missed_only,
                                               "you priced only the missed at-risk customers: an at-risk flag on a "
                                               "customer who is truly fine wastes a call and an offer too",
                                               "你只计算了漏掉的危险期客户：把真正正常的客户标为危险期，也会浪费一次"
                                               "电话和一份优惠"))),
    ),
    solution=solution,
    wrong_methods={
        "scores_inverted": ("churn_scores", scores_inverted),
        "auc_training_snapshot": ("holdout_auc", training_auc),
        "auc_tenure_only": ("holdout_auc", tenure_auc),
        "lift_as_rate": ("top_decile_lift", top_decile_rate),
        "cost_offers_only": ("mistakes_cost", mistakes_offers_only),
        "complaint_any_ticket": ("complaint_share", complaint_share_any_ticket),
        "complaint_any_time": ("complaint_share", complaint_share_any_time),
        "when_after_complaint": ("when_they_leave", lambda data: "after a complaint"),
        "stage_precision_read": ("at_risk_seen_as_current", at_risk_precision_read),
        "stage_recall_not_complement": ("at_risk_seen_as_current", at_risk_flagged_share),
        "stage_terminating_missed": ("at_risk_seen_as_current", at_risk_with_terminating),
        "stage_cost_terminating_missed": ("stage_mistakes_cost", stage_cost_with_terminating),
        "stage_cost_prices_swapped": ("stage_mistakes_cost", stage_cost_swapped),
        "stage_cost_missed_only": ("stage_mistakes_cost", stage_cost_missed_only),
    },
    # Hints without a place in the validated bank: ranking by tenure alone (scores, lift), fitting on the
    # holdout's own notices, and the customer table's latest contract as cutoff features give the
    # reference's very ranking or catch on some 400-customer datasets (about 8 notices in a holdout), so
    # they fail only 72-92% of 50 seeds; their hints still show whenever a student's answer matches them.
)
