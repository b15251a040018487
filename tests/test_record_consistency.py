"""Generated records never contradict themselves (issue 12, point 3).

Why: a student who finds an order placed before the customer signed up, a one-year contract that
ran for 29 months, or a satisfaction survey sent before the complaint it follows up, stops
trusting the data, or worse, learns to "clean" away facts. Every built-in scenario is generated at
a small size with two seeds, and each invariant is counted as defects: the test names the defect
and shows examples, and :func:`defects` gives the same counts for any dataset folder.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import pickle
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulations.config import CONTRACT_TYPES, builtin_names, load_scenario
from simulations.data import Dataset, load
from simulations.model import CustomerLifecycleModel
from simulations.recording import generate_dataset
from simulations.recording.contracts import as_dates, contract_history
from simulations.recording.dictionary import TABLES
from simulations.recording.observable import CSAT_DELAY_DAYS, Context
from simulations.recording.recorder import Recorder
from simulations.recording.truth import ExperimentReplayer, _snapshot
from simulations.stages import Stage

CUSTOMERS, WEEKS, SEEDS = 1_500, 60, (3, 4)
#: Declared length of fixed terms, in calendar months.
TERM_MONTHS = {"one-year": 12, "two-year": 24}
#: Dated columns that must not precede the customer's signup (table -> (customer column, date column)).
DATED: dict[str, tuple[str, str]] = {
    "orders": ("customer_id", "order_ts"),
    "marketing_contacts": ("customer_id", "contact_date"),
    "service_tickets": ("customer_id", "opened_ts"),
    "surveys": ("customer_id", "survey_date"),
    "loyalty_ledger": ("customer_id", "entry_date"),
    "community_ideas": ("author_id", "posted_date"),
    "community_votes": ("voter_id", "vote_date"),
    "contracts": ("customer_id", "start_date"),
}


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.normalize()


def _signup(data: Dataset) -> pd.Series:
    return _day(data.customers.set_index("customer_id")["signup_date"])


def before_signup(data: Dataset) -> dict[str, pd.DataFrame]:
    """Rows dated before their customer's signup day, per table (and the customers' join dates)."""
    signup = _signup(data)
    out: dict[str, pd.DataFrame] = {}
    for name, (who, when) in DATED.items():
        if name not in data.tables:
            continue
        df = data[name]
        out[name] = df[_day(df[when]).to_numpy() < signup.reindex(df[who]).to_numpy()]
    c = data.customers
    for col in ("loyalty_join_date", "community_join_date", "contract_start"):
        out[f"customers.{col}"] = c[_day(c[col]) < _day(c["signup_date"])]
    return out


def contract_defects(data: Dataset, notice_weeks: int) -> dict[str, pd.DataFrame]:
    """Contracts that end before they start, run longer or shorter than their term, or break the notice period.

    A fixed term ends the day before its 12- or 24-month anniversary; only a termination may end
    it earlier, and a notice given late in the term keeps the service running until the notice
    period is over (never longer).
    """
    k = data["contracts"].copy()
    start, end, notice = _day(k.start_date), _day(k.end_date), _day(k.notice_date)
    months = k.contract_type.map(TERM_MONTHS)
    fixed = months.notna()
    # a term amended when a product was added goes on in the next row: the term began in its first row
    amended = k.status.eq("amended")
    goes_on = amended.shift(1, fill_value=False) & k.customer_id.eq(k.customer_id.shift(1))
    term_start = start.groupby((~goes_on).cumsum()).transform("first")
    term_end = pd.Series(pd.NaT, index=k.index, dtype="datetime64[ns]")
    term_end[fixed] = [s + pd.DateOffset(months=int(m)) - pd.Timedelta(days=1)
                       for s, m in zip(term_start[fixed], months[fixed], strict=True)]
    noticed = k.status.isin(["terminated", "notice_given"])
    period = pd.Timedelta(days=7 * notice_weeks)
    gap = (end - notice).dt.days
    same = k.customer_id.eq(k.customer_id.shift(-1))
    nxt = _day(k.start_date.shift(-1))
    return {
        "end_before_start": k[end < start],
        "term_not_as_declared": k[fixed & ~noticed & ~amended & (end != term_end)],
        "amended_after_term_end": k[fixed & amended & (end >= term_end)],
        "amendment_changes_type_or_not_next_day": k[amended & ~(same & (nxt == end + pd.Timedelta(days=1))
                                                               & k.contract_type.eq(k.contract_type.shift(-1)))],
        "term_overrun": k[fixed & noticed & (end > term_end) & (end > notice + period + pd.Timedelta(days=6))],
        "fixed_without_end": k[fixed & end.isna()],
        "ended_without_end_date": k[noticed & end.isna()],
        "notice_not_before_end": k[notice.notna() & end.notna() & (notice >= end)],
        "notice_before_start": k[notice < start],
        "notice_period_too_short": k[noticed & (gap < 7 * notice_weeks)],
        "termination_without_notice": k[noticed & notice.isna()],
        "notice_on_running_term": k[notice.notna() & ~noticed],
        "terms_overlap": k[same & (nxt <= end)],
        "renewal_not_next_day": k[k.status.isin(["renewed", "expired"]) & ~(same & (nxt == end + pd.Timedelta(days=1)))],
        "term_after_running_term": k[same & k.status.isin(["active", "notice_given"])],
    }


def survey_defects(data: Dataset) -> dict[str, pd.DataFrame]:
    """CSAT invitations before their ticket or long after it; NPS invitations to people not (or no longer) customers."""
    s = data.surveys
    t = data.service_tickets.set_index("ticket_id")
    csat = s[s.kind == "csat"]
    days = (_day(csat.survey_date).to_numpy() - _day(t.opened_ts.reindex(csat.ticket_id)).to_numpy()) / np.timedelta64(1, "D")
    nps = s[s.kind == "nps"]
    out = {"csat_before_ticket": csat[days < 0], "csat_late": csat[days > CSAT_DELAY_DAYS],
           "csat_without_ticket": csat[~csat.ticket_id.isin(t.index)]}
    if "contracts" in data.tables:
        # a contract customer whose every contract is terminated is no longer a customer after the last end
        k = data.contracts
        gone = k.groupby("customer_id").agg(all_ended=("status", lambda x: (x == "terminated").all()),
                                            last_end=("end_date", "max"))
        gone = _day(gone.last_end[gone.all_ended])
        out["nps_after_contract_end"] = nps[_day(nps.survey_date).to_numpy() > gone.reindex(nps.customer_id).to_numpy()]
    return out


def age_defects(data: Dataset, min_age: int) -> pd.DataFrame:
    """Customers who may have been younger than ``min_age`` at signup (birth year only: assume a late birthday)."""
    c = data.customers
    return c[_day(c.signup_date).dt.year - c.birth_year - 1 < min_age]


def undocumented_values(data: Dataset) -> dict[str, set[str]]:
    """Values of categorical columns (those whose dictionary entry lists its values) missing from the list."""
    out: dict[str, set[str]] = {}
    for name, df in data.tables.items():
        for col in TABLES[name].columns:
            if getattr(col, "values", ()):
                extra = set(df[col.name].dropna().astype(str)) - set(col.values)
                if extra:
                    out[f"{name}.{col.name}"] = extra
    return out


def defects(folder: Path | str, scenario: str) -> dict[str, int]:
    """Counts of every defect in a dataset folder (zero everywhere when the records are consistent)."""
    spec = load_scenario(scenario)
    data = load(folder)
    counts = {f"before_signup.{k}": len(v) for k, v in before_signup(data).items()}
    if "contracts" in data.tables:
        counts |= {f"contracts.{k}": len(v) for k, v in contract_defects(data, spec.world.contracts.notice_weeks).items()}
        k = data.contracts[data.contracts.status == "terminated"]
        counts["contracts.distinct_notice_to_end_days"] = (_day(k.end_date) - _day(k.notice_date)).dt.days.nunique()
    counts |= {f"surveys.{k}": len(v) for k, v in survey_defects(data).items()}
    min_age = getattr(spec.world.traits, "min_age", 16)
    counts["customers.under_min_age"] = len(age_defects(data, min_age))
    counts["dictionary.undocumented_values"] = sum(len(v) for v in undocumented_values(data).values())
    return counts


CASES = [(name, seed) for name in builtin_names() for seed in SEEDS]


@pytest.fixture(scope="module", params=CASES, ids=[f"{n}-{s}" for n, s in CASES])
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Dataset]]:
    name, seed = request.param
    folder = tmp_path_factory.mktemp(f"{name}-{seed}") / "ds"
    generate_dataset(name, CUSTOMERS, WEEKS, seed, folder)
    yield name, load(folder)


def _show(bad: dict[str, pd.DataFrame]) -> str:
    return "; ".join(f"{k}: {len(v)} rows, e.g. {v.head(2).to_dict('records')}" for k, v in bad.items() if len(v))


def test_nothing_dated_before_signup(case: tuple[str, Dataset]) -> None:
    _, data = case
    bad = before_signup(data)
    assert not any(len(v) for v in bad.values()), _show(bad)
    assert data.orders.shape[0] and data.service_tickets.shape[0], "the check must see orders and tickets"


def test_contracts_keep_their_terms_and_notice_periods(case: tuple[str, Dataset]) -> None:
    name, data = case
    spec = load_scenario(name)
    if not spec.world.contracts.enabled:
        assert "contracts" not in data.tables
        return
    bad = contract_defects(data, spec.world.contracts.notice_weeks)
    assert not any(len(v) for v in bad.values()), _show(bad)
    k = data.contracts
    ended = k[(k.status == "terminated") & k.notice_date.notna()]
    gap = (_day(ended.end_date) - _day(ended.notice_date)).dt.days
    assert len(ended) >= 10 and gap.nunique() >= 4, f"days from notice to end should vary, got {gap.value_counts().to_dict()}"
    fixed_terms = spec.world.contracts.one_year_share + spec.world.contracts.two_year_share > 0
    # only a fixed term renews (the bank's accounts all run month to month)
    assert set(k.status) >= ({"active", "terminated", "renewed"} if fixed_terms else {"active", "terminated"})
    assert fixed_terms or set(k.contract_type) == {"month-to-month"}
    latest = k.groupby("customer_id").tail(1).set_index("customer_id")
    c = data.customers.set_index("customer_id").loc[latest.index]
    assert (c.contract_type == latest.contract_type).all() and (_day(c.contract_start) == _day(latest.start_date)).all()
    # a product added to the bill: the term goes on at a fee raised by the scenario's lift
    lift = spec.world.contracts.category_fee_lift
    after = k.shift(-1)
    amended = k[k.status.eq("amended")]
    assert (len(amended) >= 10) == (lift > 0), f"{len(amended)} amended terms with a fee lift of {lift}"
    ratio = after.loc[amended.index, "monthly_fee"] / amended.monthly_fee
    assert np.allclose(ratio, 1 + lift, atol=0.01), ratio.describe()


def test_surveys_follow_their_trigger(case: tuple[str, Dataset]) -> None:
    _, data = case
    bad = survey_defects(data)
    assert not any(len(v) for v in bad.values()), _show(bad)


def test_customers_are_old_enough_at_signup(case: tuple[str, Dataset]) -> None:
    name, data = case
    min_age = load_scenario(name).world.traits.min_age
    young = age_defects(data, min_age)
    assert young.empty, f"{len(young)} customers younger than {min_age} at signup, e.g. {young.head(3).to_dict('records')}"
    age = _day(data.customers.signup_date).dt.year - data.customers.birth_year
    assert age.max() <= 100 and age.std() > 5


def test_every_categorical_value_is_documented(case: tuple[str, Dataset]) -> None:
    _, data = case
    listed = [f"{t}.{c.name}" for t in data.tables for c in TABLES[t].columns if c.values]
    assert len(listed) >= 15, "the dictionary should list the values of the categorical columns"
    assert undocumented_values(data) == {}


def test_contract_terms_are_replayed_from_what_happened() -> None:
    """The replay rules on a hand-made history: overrun by a late notice, renewal, return, expiry, pending notice,
    a product added to the bill in mid-term."""
    weeks, nw = 60, 4
    one, two, m2m = (CONTRACT_TYPES.index(t) for t in ("one-year", "two-year", "month-to-month"))
    rec = Recorder(np.random.default_rng(0))
    stage = np.full((weeks + 1, 5), int(Stage.MATURITY), np.int8)
    stage[58:, 0] = Stage.DORMANT
    stage[14:20, 2] = Stage.DORMANT
    stage[20:, 2] = Stage.WON_BACK

    def signed(week: int, customer: int, kind: int, start: int, end: int, renewal: bool = False, fee: float = 30.0) -> None:
        rec.add("contract_terms", week, customer=np.array([customer]), contract=np.array([kind]),
                start_week=np.array([start]), end_week=np.array([end]), renewal=np.array([renewal]),
                monthly_fee=np.array([fee]))

    signed(0, 3, one, -40, 12)  # initial base: a one-year term that began 40 weeks before the data
    signed(2, 0, one, 2, 54)
    signed(2, 1, one, 2, 54)
    signed(3, 2, m2m, 3, -1)
    signed(5, 4, two, 5, 109)
    rec.add("fee_changes", 20, customer=np.array([1]), monthly_fee=np.array([37.5]))  # a second line on the bill
    signed(54, 1, one, 54, 106, renewal=True, fee=37.5)
    signed(30, 2, one, 30, 82, renewal=True)  # the engine rolls on an ended contract: not a contract of the records
    for week, customer in ((54, 0), (10, 2), (11, 3), (58, 4)):
        rec.add("notices", week, customer=np.array([customer]))
    for week, customer in ((58, 0), (14, 2)):
        rec.add("terminations", week, customer=np.array([customer]))
    # the population grows: customer 2 (signed in week 3) is not in the stages of weeks 1 and 2
    rec.stages, rec.weeks = [stage[w][: 2 if w < 3 else 5] for w in range(1, weeks + 1)], list(range(1, weeks + 1))
    pop = SimpleNamespace(n=5, contract=np.array([one, one, m2m, one, two]), stage=stage[weeks].copy(),
                          notice_week=np.array([-1, -1, -1, -1, 58]), monthly_fee=np.array([30, 37.5, 30, 30, 30.0]))
    pop.stage[4] = Stage.TERMINATING
    ctx = Context(start=dt.date(2024, 1, 1), weeks=weeks, seed=1, n_people=5, customers=np.arange(5), contracts=True,
                  categories=5, signup_week=np.array([2, 2, 3, -60, 5]))
    h = contract_history(ctx, pop, rec, nw)
    rows = pd.DataFrame({"customer": h.customer, "kind": h.contract, "status": h.status, "start": as_dates(h.start),
                         "end": as_dates(h.end), "notice": as_dates(h.notice), "fee": h.fee})
    by = {c: g.reset_index(drop=True) for c, g in rows.groupby("customer")}
    year = pd.DateOffset(years=1)
    # a notice in the renewal week: no renewal, service runs past the term until the notice period is over
    (late,) = by[0].itertuples()
    assert late.status == "terminated" and late.end > late.start + year - pd.Timedelta(days=1)
    assert 28 <= (late.end - late.notice).days <= 34 and late.start == ctx.signup_day(np.array([0]))[0]
    # a product added in week 20: the term goes on at the new fee in a row of its own, same type, same end;
    # a renewal starts the day after the term it renews
    assert list(by[1].status) == ["amended", "renewed", "active"] and list(by[1].fee) == [30.0, 37.5, 37.5]
    assert by[1].start[1] == by[1].end[0] + pd.Timedelta(days=1) and set(by[1].kind) == {one}
    assert by[1].end[1] == by[1].start[0] + year - pd.Timedelta(days=1)
    assert abs((by[1].start[1] - by[1].start[0]).days - 18 * 7) <= 6  # signed in week 2, amended in week 20
    assert by[1].start[2] == by[1].end[1] + pd.Timedelta(days=1)
    assert by[1].end[2] == by[1].start[2] + year - pd.Timedelta(days=1)
    # a return after a termination: a new month-to-month contract, after the old one ended
    assert list(by[2].status) == ["terminated", "active"] and list(by[2].kind) == [m2m, m2m]
    assert by[2].start[1] > by[2].end[0] and pd.isna(by[2].end[1])
    # the initial base's term ran out while a notice was pending; the notice was withdrawn: expired, then month-to-month
    assert list(by[3].status) == ["expired", "active"] and by[3].notice.isna().all() and by[3].kind[1] == m2m
    assert by[3].start[0] < pd.Timestamp(ctx.start) and by[3].start[1] == by[3].end[0] + pd.Timedelta(days=1)
    # a notice still running at the end of the data: the planned last day of service, the notice period later
    (pending,) = by[4].itertuples()
    assert pending.status == "notice_given" and (pending.end - pending.notice).days == 7 * nw


def test_answer_keys_use_documented_values(tmp_path: Path) -> None:
    """Instructors read the keys' categories (true stage, churn cause, segment) against the keys dictionary too."""
    generate_dataset("telecom", CUSTOMERS, WEEKS, SEEDS[0], tmp_path / "ds", tmp_path / "keys", dirty=False, clv_runs=1)
    for name in ("truth_customers", "truth_weekly_stage"):
        df = pq.read_table(tmp_path / "keys" / f"{name}.parquet").to_pandas()
        for col in TABLES[name].columns:
            if col.values:
                seen = set(df[col.name].dropna().astype(str))
                assert seen and seen <= set(col.values), f"{name}.{col.name}: {seen - set(col.values)} undocumented"


def test_contract_records_are_reproducible(tmp_path: Path) -> None:
    """The replayed contracts and the dated events draw only from the dataset seed: same seed, same bytes."""
    for run in ("a", "b"):
        generate_dataset("telecom", 800, 40, SEEDS[1], tmp_path / run, dirty=False)
    for name in ("contracts", "customers", "orders", "surveys", "service_tickets"):
        assert filecmp.cmp(tmp_path / "a" / f"{name}.parquet", tmp_path / "b" / f"{name}.parquet", shallow=False), name


def test_experiment_replay_covers_customers_who_join_in_the_replayed_week() -> None:
    """``generate --keys`` crashed (IndexError) when someone who signed up in a replayed week was flagged.

    The treatment-effect replay must give an outcome to everyone present in the replayed week,
    newcomers of that week included: the outcome arrays cover the population after the week.
    """
    model = CustomerLifecycleModel("retail", customers=1500, seed=2, collect=False,
                                   policies__marketing__retention__targeting="random")
    model.run(25)  # the next week (26) is a wave, after the firm's first churn-model fit (it flags people)
    before = model.population.n
    replayer = ExperimentReplayer(horizon=52, window=2)
    flagged, churn, spend = replayer._replay(_snapshot(model), 0.0)
    after = pickle.loads(_snapshot(model))
    after.step()
    assert after.population.n > before, "people enter the market every week"
    assert churn.size == spend.size == after.population.n and flagged.size
    assert (spend[before:] >= 0).all()
