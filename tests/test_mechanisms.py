"""Each mechanism moves its outcome in the expected direction on the same seed (paired runs)."""

import numpy as np
import pytest

from simulations import Stage
from simulations.model import CustomerLifecycleModel

N, WEEKS = 4000, 60


def run(scenario="retail", weeks=WEEKS, seed=11, **kw):
    m = CustomerLifecycleModel(scenario, customers=N, seed=seed, **kw)
    m.run(weeks)
    return m


def total(m, col, start=1):
    return float(m.kpi_frame()[col].iloc[start:].sum())


def test_more_service_capacity_shortens_waits():
    low = run(policies__service__capacity={"phone": 20.0, "email": 20.0, "chat": 10.0})
    high = run(policies__service__capacity={"phone": 400.0, "email": 200.0, "chat": 200.0})
    assert high.kpi_frame()["mean_wait_minutes"].mean() < low.kpi_frame()["mean_wait_minutes"].mean()
    assert high.kpi_frame()["service_level"].iloc[1:].mean() > low.kpi_frame()["service_level"].iloc[1:].mean()


def test_retention_offers_reduce_terminations():
    none = run("telecom", weeks=104, policies__marketing__retention__targeting="none")
    offers = run("telecom", weeks=104, policies__marketing__retention__targeting="all")
    assert total(offers, "terminations") < total(none, "terminations")


def test_no_community_means_no_ideas():
    off = run("appliance-community", policies__community__enabled=False)
    on = run("appliance-community")
    assert total(off, "ideas") == 0
    assert total(on, "ideas") > 0


def test_acquisition_budget_brings_more_customers():
    low = run(policies__acquisition__budget={"search": 0.0, "social": 0.0, "tv": 0.0, "direct_mail": 0.0})
    high = run(policies__acquisition__budget={"search": 8000.0, "social": 8000.0, "tv": 8000.0, "direct_mail": 0.0})
    assert total(high, "acquisitions") > total(low, "acquisitions")
    assert total(high, "cost_acquisition") > total(low, "cost_acquisition")


def test_word_of_mouth_brings_customers_without_any_marketing():
    m = run(policies__acquisition__budget={"search": 0.0, "social": 0.0, "tv": 0.0, "direct_mail": 0.0})
    assert total(m, "acquisitions_referral") > 0
    assert total(m, "acquisitions") == total(m, "acquisitions_referral")


def test_loyalty_programme_raises_buying_and_costs_rewards():
    off = run(policies__loyalty__enabled=False)
    on = run(policies__loyalty__enabled=True)
    assert total(on, "revenue") > total(off, "revenue")
    assert total(on, "cost_loyalty") > 0 == total(off, "cost_loyalty")


def test_service_outage_lowers_service_level_in_its_weeks():
    base = run(weeks=20)
    hit = CustomerLifecycleModel("retail", customers=N, seed=11)
    hit.run(9)
    hit.inject_event("service_outage", intensity=0.9, duration=3)
    hit.run(11)
    a, b = base.kpi_frame(), hit.kpi_frame()
    assert b["service_level"].iloc[10:13].mean() < a["service_level"].iloc[10:13].mean()
    assert b["tickets"].iloc[10:13].sum() > a["tickets"].iloc[10:13].sum()


def test_price_war_raises_terminations():
    calm = run("telecom", weeks=52)
    war = run("telecom", weeks=52, events=[{"kind": "price_war", "week": 5, "duration": 40, "intensity": 1.0}])
    assert total(war, "notices") > total(calm, "notices")


def test_an_events_size_is_a_world_field():
    """A researcher who believes outages hurt less (``world.event_effects``) sees a milder outage; none at 0."""
    def outage(**effects):
        m = CustomerLifecycleModel("retail", customers=N, seed=11, **effects)
        m.run(9)
        m.inject_event("service_outage", intensity=0.9, duration=3)
        m.run(3)
        return m.kpi_frame()["service_level"].iloc[10:13].mean()

    calm = run(weeks=12).kpi_frame()["service_level"].iloc[10:13].mean()
    harmless = outage(world__event_effects__service_outage={"capacity_loss": 0.0, "need_rise": 0.0})
    mild = outage(world__event_effects__service_outage={"capacity_loss": 0.3, "need_rise": 0.5})
    full = outage()
    assert harmless == pytest.approx(calm)
    assert full < mild < calm


def test_price_war_pull_follows_its_world_field():
    war = [{"kind": "price_war", "week": 5, "duration": 40, "intensity": 1.0}]
    mild = run("telecom", weeks=52, events=war, world__event_effects__price_war={"competitor_pull_rise": 0.5})
    full = run("telecom", weeks=52, events=war)
    assert total(full, "notices") > total(mild, "notices")


def test_key_account_desk_shortens_key_account_waits():
    def key_waits(desk):
        m = CustomerLifecycleModel("telecom", customers=N, seed=5, policies__service__key_account_desk=desk,
                                   policies__service__capacity={"phone": 60.0, "email": 40.0, "chat": 30.0})
        waits = []
        m.observers.append(lambda model, log: waits.append(
            log.tables["tickets"]["wait_minutes"][model.population.tier[log.tables["tickets"]["customer"]] == 2]))
        m.run(40)
        return np.concatenate(waits).mean()
    assert key_waits(True) < key_waits(False)


def test_month_to_month_contracts_churn_most():
    m = run("telecom", weeks=104)
    pop = m.population
    ever = pop.signup_week > -10**9
    churned = pop.churn_week >= 0
    rates = [churned[ever & (pop.contract == c)].mean() for c in (1, 2, 3)]
    assert rates[0] > rates[1] > rates[2]


def test_at_risk_can_be_entered_from_every_active_stage():
    m = CustomerLifecycleModel("retail", customers=N, seed=2)
    sources = set()
    m.observers.append(lambda model, log: sources.update(
        log.tables["transitions"]["from_stage"][log.tables["transitions"]["to_stage"] == Stage.AT_RISK].tolist()))
    m.run(80)
    assert {Stage.NEW, Stage.GROWTH, Stage.MATURITY} <= sources


def test_lifecycle_is_traversed():
    m = run(weeks=104)
    assert m.flows[Stage.PROSPECT, Stage.NEW] > 0
    assert m.flows[Stage.NEW, Stage.GROWTH] > 0
    assert m.flows[Stage.GROWTH, Stage.MATURITY] > 0
    assert m.flows[Stage.AT_RISK, Stage.TERMINATING] > 0
    assert m.flows[Stage.TERMINATING, Stage.DORMANT] > 0
    assert m.flows[Stage.DORMANT, Stage.WON_BACK] > 0


def test_btyd_mode_buyers_only_die_after_a_repeat_purchase():
    m = run(world__btyd__enabled=True, weeks=52)
    pop = m.population
    dead = (pop.stage == Stage.LOST) & (pop.signup_week >= 1)  # acquired during the run
    assert dead.any()
    assert (pop.n_orders[dead] >= 2).all()


def test_customer_view_is_readable():
    m = run(weeks=5)
    c = m.customer(0)
    assert c["stage"] in {s.label for s in Stage} and c["stage_zh"]
    assert 0 <= c["satisfaction"] <= 1


def test_a_longer_subscriber_deal_costs_more_and_changes_nothing_else():
    """Retention and win-back deals of several months are billed every month they run (marketing cost)."""
    one = run("telecom", weeks=52, policies__marketing__retention__offer_months=1,
              policies__marketing__win_back__offer_months=1)
    year = run("telecom", weeks=52, policies__marketing__retention__offer_months=12,
               policies__marketing__win_back__offer_months=12)
    for col in ("terminations", "revenue", "acquisitions", "winbacks"):
        assert total(year, col) == total(one, col)  # customers react to the offer's depth, not its length
    assert total(year, "cost_marketing") > total(one, "cost_marketing") * 1.2


def test_a_signup_cost_is_booked_per_new_customer():
    plain = run("telecom", weeks=26, world__costs__signup_cost=0.0)
    costly = run("telecom", weeks=26, world__costs__signup_cost=100.0)
    assert total(costly, "acquisitions") == total(plain, "acquisitions")
    extra = total(costly, "cost_acquisition") - total(plain, "cost_acquisition")
    assert extra == 100.0 * total(plain, "acquisitions")


def test_how_ignored_idea_authors_react_is_a_world_parameter():
    """A researcher can make ignored authors turn away harder (``world.community``): members end less committed."""
    base = run("appliance-community")
    harsh = run("appliance-community", world__community__ignored_commitment_loss=0.5)

    def members_commitment(m):
        p = m.population
        return float(p.commitment[: p.n][p.community_member[: p.n]].mean())

    assert members_commitment(harsh) < members_commitment(base) - 0.01


def test_a_lower_promoter_threshold_brings_more_referrals():
    """Who recommends the firm is the world's ``promoter_satisfaction``, not a constant in the acquisition code."""
    strict = run(world__relationship__promoter_satisfaction=0.8)
    usual = run()
    assert total(strict, "acquisitions_referral") < total(usual, "acquisitions_referral")


def test_cross_buying_is_a_world_parameter():
    """Without unasked cross-buying or the cross-sell campaign, growing customers stay in their categories."""
    none = run(world__traits__cross_buy_rate=0.0, policies__marketing__cross_sell__enabled=False)
    some = run(policies__marketing__cross_sell__enabled=False)

    def categories(m):
        p = m.population
        return int(p.categories[: p.n].sum())

    assert categories(none) < categories(some)
    revenue = total(run(), "revenue")
    assert total(run(world__traits__category_spend_lift=0.0), "revenue") < revenue
    assert total(run(world__traits__category_purchase_lift=0.0), "revenue") < revenue


def test_buying_by_stage_is_a_world_parameter():
    """An endangered customer buys ``relationship.buying_at_risk`` of a mature one's orders: a world field, not code."""
    from simulations.mechanisms.purchasing import stage_buying
    from simulations.stages import Stage

    m = run(weeks=4)
    table = stage_buying(m.world)
    assert table[Stage.AT_RISK] == np.float32(0.6) and table[Stage.PROSPECT] == 0 and table[Stage.LOST] == 0
    assert total(run(world__relationship__buying_growth=2.0), "revenue") > total(run(), "revenue")


def test_the_competitors_hold_on_first_purchases_is_a_world_parameter():
    assert total(run(world__competitor__conversion_weight=5.0), "acquisitions") < total(run(), "acquisitions")


def test_the_initial_base_follows_the_worlds_stage_mix():
    from simulations.stages import Stage

    m = CustomerLifecycleModel("retail", customers=4000, seed=2,
                               world__market__initial_new_share=0.0, world__market__initial_growth_share=0.0,
                               world__market__initial_maturity_share=1.0, world__market__initial_at_risk_share=0.0,
                               world__market__initial_commitment_cap=0.1)
    p = m.population
    customers = p.stage[: p.n] != Stage.PROSPECT
    assert (p.stage[: p.n][customers] == Stage.MATURITY).all()
    assert p.commitment[: p.n].max() <= np.float32(0.1)


def test_initial_stage_shares_that_do_not_sum_to_one_are_refused():
    from simulations.config import ScenarioError, load_scenario, with_overrides

    with pytest.raises(ScenarioError, match="initial stage shares"):
        with_overrides(load_scenario("retail"), {"world.market.initial_at_risk_share": 0.5})


def test_the_channel_customers_seek_help_on_is_a_world_parameter():
    """Where customers turn for help (``world.service.channel_shares``) decides which desk's queue they join."""
    m = CustomerLifecycleModel("retail", customers=4000, seed=2,
                               world__service__channel_shares={"phone": 0.0, "email": 0.1, "chat": 0.9})
    chosen = np.bincount(m.population.service_channel[: m.population.n], minlength=3) / m.population.n
    assert chosen[0] == 0 and abs(chosen[2] - 0.9) < 0.03


def test_channel_shares_must_cover_every_channel_and_sum_to_one():
    from simulations.config import ScenarioError, load_scenario, with_overrides

    for shares in ({"phone": 0.5, "email": 0.5}, {"phone": 0.5, "email": 0.3, "chat": 0.3}):
        with pytest.raises(ScenarioError, match="channel_shares"):
            with_overrides(load_scenario("retail"), {"world.service.channel_shares": shares})


def test_how_votes_follow_idea_quality_is_a_world_parameter():
    """A crowd whose votes barely track quality (``world.community.vote_concentration``) spreads its votes."""
    def vote_share_of_best(**world):
        m = CustomerLifecycleModel("appliance-community", customers=N, seed=11, **world)
        ideas = []
        m.observers.append(lambda model, log: ideas.append(log.tables.get("ideas")))
        m.run(WEEKS)
        shares = []
        for week in filter(None, ideas):
            if week["votes"].sum() > 0 and week["votes"].size > 1:
                shares.append(week["votes"][np.argmax(week["quality"])] / week["votes"].sum())
        return float(np.mean(shares))

    focused = vote_share_of_best()
    even = vote_share_of_best(world__community__vote_concentration=0.0, world__community__vote_turnout_slope=100.0)
    assert focused > even + 0.1


def test_what_ideas_can_add_to_the_product_is_capped_by_the_world():
    capped = run("appliance-community", world__community__quality_gain_cap=0.0)
    assert capped.product_quality == 0.0 < run("appliance-community").product_quality


def test_a_deal_deeper_than_customers_take_in_stride_drives_them_away_and_a_shallow_one_does_not():
    """Reference prices (``world.responses.deal_price_latitude`` / ``deal_reference_loss``): households won
    back with 80% off learn to expect that price and leave more often afterwards; a 20% coupon, inside the
    latitude of price acceptance, leaves them exactly as without the mechanism."""
    def pizza(offer, loss):
        return run("pizza-shop", weeks=78, policies__marketing__win_back__offer=offer,
                   world__responses__deal_reference_loss=loss)

    assert total(pizza(0.8, 0.4), "terminations") > total(pizza(0.8, 0.0), "terminations")
    shallow, unharmed = pizza(0.2, 0.4).kpi_frame(), pizza(0.2, 0.0).kpi_frame()
    assert shallow["terminations"].sum() == unharmed["terminations"].sum()
    assert shallow["profit"].sum() == unharmed["profit"].sum()
