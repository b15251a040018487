"""The firm acts only on its records, and what customers do in response shows up in the records (issue 12)."""

from __future__ import annotations

import ast
import inspect
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulations.cli import main
from simulations.config import load_scenario, scenario_from_dict
from simulations.errors import UserError
from simulations.mechanisms import marketing
from simulations.model import CustomerLifecycleModel
from simulations.population import Population
from simulations.recording import audit, generate_dataset
from simulations.stages import Stage

pytestmark = pytest.mark.xdist_group("test_firm_view")

FIRM = Path(__file__).resolve().parents[1] / "simulations" / "firm"
#: modules that hold or compute customers' latent state
LATENT = ("simulations.population", "simulations.mechanisms", "simulations.model", "simulations.reference")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_firms_modules_import_nothing_that_holds_latent_state():
    files = sorted(FIRM.glob("*.py"))
    assert len(files) >= 4
    for path in files:
        leaks = [m for m in imported_modules(path) if m.startswith(LATENT)]
        assert not leaks, f"{path.name} imports {leaks}"


def test_targeting_functions_take_the_firms_view_not_the_people():
    for fn in (marketing.select_retention, marketing.wave_targets):
        kinds = {p.annotation for p in inspect.signature(fn).parameters.values()}
        assert "FirmView" in kinds and "Population" not in kinds and Population not in kinds, fn.__name__


@pytest.mark.parametrize("scenario", ["retail", "telecom"])
def test_scrambling_hidden_state_changes_no_targeting_decision(scenario):
    """Who is contacted (and who is a control) must not move when feelings and true stages are shuffled."""
    model = CustomerLifecycleModel(scenario, customers=3_000, seed=4, collect=False,
                                   policies__marketing__retention__targeting="random",
                                   policies__marketing__retention__every_weeks=1)
    model.run(39)
    twin = pickle.loads(pickle.dumps(model))
    pop, rng = twin.population, np.random.default_rng(0)
    for name in ("satisfaction", "trust", "commitment", "responsiveness", "sleeping_dog", "purchase_rate", "tier",
                 "disliked_channel", "complaints"):
        rng.shuffle(getattr(pop, name))
    customers = np.flatnonzero(pop.stage != Stage.PROSPECT)  # true stages shuffled among customers (a prospect
    pop.stage[customers] = rng.permutation(pop.stage[customers])  # made a customer would sign up again: a record)
    model.step()
    twin.step()
    a, b = model.last_log.tables["contacts"], twin.last_log.tables["contacts"]
    for col in ("customer", "campaign", "treated", "channel"):
        np.testing.assert_array_equal(a[col], b[col])
    assert a["customer"].size > 50 and (~a["treated"]).any(), "the week had a randomised retention wave"


@pytest.fixture(scope="module", params=["retail", "telecom"])
def made(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp(request.param)
    generate_dataset(request.param, 4_000, 104, 3, root / "ds", root / "keys", dirty=False, clv_runs=1,
                     overrides={"policies.marketing.retention.targeting": "random"})
    return root / "ds", root / "keys"


def test_contacts_do_not_predict_hidden_survival_better_than_behaviour(made):
    leak = audit.alive_leak(*made)
    print(f"\nalive-at-end hold-out AUC: contacts {leak['auc_contacts']:.3f}, behaviour {leak['auc_behaviour']:.3f}")
    assert leak["auc_contacts"] <= leak["auc_behaviour"] + 0.02


def test_every_response_is_an_order_that_used_the_offer(made):
    data, _ = made
    table = audit.responses_with_orders(data)
    assert {"onboarding", "cross_sell", "retention"} <= set(table.index)
    assert (table["with_order"] >= 0.8).all(), table
    orders = pd.read_parquet(data / "orders.parquet")
    used = orders.dropna(subset=["campaign_id"])
    assert (used["discount"] >= 0).all() and (orders.loc[orders["campaign_id"].isna(), "discount"] == 0).all()
    contacts = pd.read_parquet(data / "marketing_contacts.parquet")
    assert not contacts.loc[contacts["assignment"] == "control", "responded"].any(), "controls get no offer to use"


def test_onboarding_is_measured_not_assumed(made):
    data, _ = made
    c = pd.read_parquet(data / "marketing_contacts.parquet").merge(
        pd.read_parquet(data / "campaigns.parquet")[["campaign_id", "campaign_type"]], on="campaign_id")
    rate = c.loc[c["campaign_type"] == "onboarding", "responded"].mean()
    assert 0.01 < rate < 0.6, f"onboarding response {rate:.1%} should be a measured second purchase, not a flag"


def test_keys_hold_perceived_and_true_stage_every_week(made):
    _, keys = made
    weekly = pd.read_parquet(keys / "truth_weekly_stage.parquet")
    labels = {s.label for s in Stage}
    assert set(weekly["perceived_stage"]) <= labels and set(weekly["stage"]) <= labels
    table = audit.stage_confusion(keys)
    assert table.to_numpy().sum() == (weekly["week"] == weekly["week"].max()).sum()
    agree = np.trace(table.reindex(index=table.index, columns=table.index, fill_value=0).to_numpy()) / table.to_numpy().sum()
    assert 0.3 < agree < 0.98, f"the firm's view should be informative but imperfect (agreement {agree:.0%})"


def test_generate_keys_with_a_randomised_retention_experiment_does_not_crash(tmp_path):
    """Regression: someone who joined during a replayed experiment week was flagged (IndexError)."""
    rc = main(["generate", "--scenario", "retail", "--customers", "1500", "--weeks", "30", "--seed", "2", "--out",
               str(tmp_path / "ds"), "--keys", str(tmp_path / "k"), "--no-progress", "--set",
               "policies.marketing.retention.targeting=random", "--set", "policies.marketing.retention.every_weeks=1"])
    assert rc == 0
    effects = pd.read_parquet(tmp_path / "k" / "truth_treatment_effects.parquet")
    assert len(effects) > 0


def test_a_customer_trait_under_policies_is_refused_with_its_new_place(tmp_path, capsys):
    bad = tmp_path / "old.yaml"
    bad.write_text("name: old\npolicies:\n  pricing:\n    price_sensitivity: 1.5\n", encoding="utf-8")
    assert main(["simulate", "--scenario", str(bad), "--weeks", "1", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "policies.pricing.price_sensitivity" in err and "world.traits.price_sensitivity" in err
    assert "Traceback" not in err
    with pytest.raises(UserError, match="world.community.referral_lift"):
        scenario_from_dict({"policies": {"community": {"referral_lift": 1.0}}}, "x")


def test_population_arrays_are_sized_once_for_the_scenarios_inflow():
    model = CustomerLifecycleModel("telecom", customers=5_000, seed=1, collect=False)
    capacity = model.population.capacity
    model.run(load_scenario("telecom").world.market.weeks)
    assert model.population.capacity == capacity, "the population grew past its reservation and was copied"


def test_contacts_go_only_to_channels_the_customer_consented_to(made):
    data, _ = made
    contacts = pd.read_parquet(data / "marketing_contacts.parquet")
    customers = pd.read_parquet(data / "customers.parquet").set_index("customer_id")
    sent = contacts[contacts["assignment"] != "control"]
    consent = customers.reindex(sent["customer_id"])
    ok = np.array([consent[f"{ch}_consent"].iloc[i] for i, ch in enumerate(sent["channel"])], dtype=bool)
    assert len(sent) > 100 and ok.all(), f"{(~ok).sum()} contacts on channels without consent"


def test_the_churn_model_recovers_known_coefficients_and_stays_finite_when_a_feature_separates():
    from simulations.firm.churn_model import FEATURES, auc, fit_logistic, predict

    rng = np.random.default_rng(7)
    x = rng.standard_normal((20_000, len(FEATURES))).astype(np.float32)
    truth = np.array([-1.5, 1.0, -0.5, 0.0, 0.8, 0.0, 0.0, 0.3, 0.0])
    y = rng.random(20_000) < 1 / (1 + np.exp(-(truth[0] + x @ truth[1:])))
    coef = fit_logistic(x, y, start=np.zeros(len(FEATURES) + 1))
    np.testing.assert_allclose(coef, truth, atol=0.08)
    assert auc(predict(coef, x), y) > 0.75
    separable = x[:, 0] > 0.5  # lapsing is defined by silence, and silence is a feature
    coef = fit_logistic(x, separable, start=np.zeros(len(FEATURES) + 1))
    assert np.isfinite(coef).all() and np.abs(coef).max() < 100
    assert auc(predict(coef, x), separable) > 0.99


def _uplift_firm(stages, risk, **fields):
    """A stand-in for the firm's view with just the records ``FirmView.uplift`` reads."""
    from types import SimpleNamespace

    from simulations.firm.records import NEVER
    from simulations.firm.view import FirmView

    n = len(stages)
    base = {"save_offers_used": np.zeros(n, np.int32), "save_offers": np.zeros(n, np.int32),
            "last_save_week": np.full(n, NEVER, np.int32), "last_order_week": np.full(n, 5, np.int32),
            "consent": np.full(n, 0b1111, np.int8)}
    records = SimpleNamespace(**{**base, **fields})
    firm = SimpleNamespace(uplift_coef=None, records=records, perceived=lambda week: np.asarray(stages), _cache={},
                           retention_risk=lambda week, ids: np.asarray(risk, np.float32)[ids])
    firm.offer_habit = lambda week, ids: FirmView.offer_habit(firm, week, ids)
    return firm, FirmView.uplift


def test_uplift_ranking_calls_a_customer_whose_notice_runs_first():
    """A recorded notice means the customer leaves without an offer: no estimate ranks anyone above them."""
    firm, uplift = _uplift_firm([Stage.MATURITY, Stage.GROWTH, Stage.TERMINATING, Stage.AT_RISK], [0.9, 0.8, 1.0, 0.95],
                                save_offers_used=np.array([3, 0, 0, 0]), save_offers=np.array([4, 4, 0, 0]))
    score = uplift(firm, 10, np.arange(4))
    assert int(np.argmax(score)) == 2  # the notice first, though a customer who took 3 of 4 save offers scores high
    # among the others, risk times the shrunk rate of taking save offers: who took them, who was never
    # asked (the firm's rate), who turned down every one
    assert score[0] > score[3] > score[1]


def test_uplift_ranks_customers_an_offer_cannot_move_last():
    """No consent on the channel, or just bought ahead on a retention coupon: the call changes nothing."""
    stages = [Stage.AT_RISK, Stage.AT_RISK, Stage.AT_RISK, Stage.GROWTH, Stage.TERMINATING]
    firm, uplift = _uplift_firm(stages, [0.9, 0.9, 0.9, 0.1, 1.0],
                                consent=np.array([0b0000, 0b1111, 0b1111, 0b1111, 0b1111], np.int8),
                                last_save_week=np.array([-1, 5, 3, -1, 5], np.int32))
    score = uplift(firm, 10, np.arange(5), channel=1)
    order = list(np.argsort(-score, kind="stable"))
    # the notice (bought ahead, but its notice says things changed), then the movable, then who cannot be moved
    assert order[:3] == [4, 2, 3] and set(order[3:]) == {0, 1}
    assert uplift(firm, 10, np.arange(5))[0] > score[3]  # without a channel, consent is not asked


def test_the_firms_offer_habit_shrinks_few_offers_and_learns_the_prior_from_the_spread():
    from simulations.firm.habit import beta_binomial_prior, shrunk_rate

    rng = np.random.default_rng(3)
    offers = rng.integers(1, 30, 40_000)
    p = rng.beta(2.0, 18.0, offers.size)  # rate 0.1, prior worth 20 offers
    used = rng.binomial(offers, p)
    rate, strength = beta_binomial_prior(used, offers)
    assert abs(rate - 0.1) < 0.005 and 15 < strength < 26
    same = rng.binomial(offers, 0.1)  # nobody differs: the prior is strong, every rate is the firm's
    assert beta_binomial_prior(same, offers)[1] > 500
    est = shrunk_rate(np.array([0, 1, 10]), np.array([0, 1, 20]), rate, strength)
    assert abs(est[0] - rate) < 1e-6  # no offers yet: the firm's rate
    assert rate < est[1] < 0.2 and 0.25 < est[2] < 0.5  # one take moves a little, ten of twenty a lot
    assert beta_binomial_prior(np.zeros(3), np.zeros(3)) == (0.0, 1.0)


def test_retention_lists_hold_only_customers_who_consented_to_the_channel():
    """k is the number of calls: the list is drawn from those the firm may call (a suppression list)."""
    from simulations.config import CONTACT_CHANNELS

    for targeting in ("top_k", "uplift"):
        model = CustomerLifecycleModel("telecom", customers=3_000, seed=2, collect=False,
                                       policies__marketing__retention__targeting=targeting)
        model.run(30)
        r = model.policies.marketing.retention
        week = model.week - model.week % r.every_weeks + r.every_weeks
        model.run(week - model.week)
        u = np.zeros(model.population.n, np.float32)
        treated, _ = marketing.select_retention(model.firm, model.policies, model.world, week, u)
        channel = CONTACT_CHANNELS.index(r.channel)
        assert treated.size == marketing.scaled_k(r.k, model.world), targeting
        assert ((model.firm.records.consent[treated] >> channel) & 1 == 1).all(), targeting
