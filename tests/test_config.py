import pytest
from pydantic import ValidationError

from simulations.config import (
    Scenario,
    ScenarioError,
    builtin_names,
    describe_fields,
    load_scenario,
    scenario_to_yaml,
    with_overrides,
)


def test_required_builtin_scenarios_exist():
    assert {"retail", "telecom", "bank-students", "appliance-community"} <= set(builtin_names())


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenario_roundtrips_through_yaml(name, tmp_path):
    sc = load_scenario(name)
    path = tmp_path / "s.yaml"
    path.write_text(scenario_to_yaml(sc))
    assert load_scenario(path) == sc


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ScenarioError) as e:
        load_scenario("retial")
    assert "retail" in str(e.value) and "telecom" in str(e.value)


def test_invalid_field_message_names_file_field_value_and_rule(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("world:\n  market:\n    customers: -5\n    colour: red\n")
    with pytest.raises(ScenarioError) as e:
        load_scenario(path)
    msg = str(e.value)
    assert str(path) in msg
    assert "world.market.customers = -5" in msg and "greater than or equal to 10" in msg
    assert "world.market.colour" in msg and "Extra inputs" in msg


def test_wrong_type_and_malformed_yaml(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text("policies:\n  loyalty:\n    enabled: maybe\n")
    with pytest.raises(ScenarioError, match="policies.loyalty.enabled"):
        load_scenario(p)
    p.write_text("world: [\n")
    with pytest.raises(ScenarioError, match="malformed YAML"):
        load_scenario(p)


def test_unknown_channel_is_rejected():
    with pytest.raises(ScenarioError, match="unknown channel 'fax'"):
        with_overrides(Scenario(), {"policies.service.capacity": {"fax": 3.0}})


def test_contract_shares_must_sum_to_one():
    with pytest.raises(ScenarioError, match="sum to 1"):
        with_overrides(load_scenario("telecom"), {"world.contracts.one_year_share": 0.5})


def test_overrides_derive_without_mutation():
    base = load_scenario("retail")
    other = with_overrides(base, {"policies__service__key_account_desk": False})
    assert base.policies.service.key_account_desk is True
    assert other.policies.service.key_account_desk is False
    with pytest.raises(ScenarioError, match="unknown field"):
        with_overrides(base, {"policies.service.nonsense": 1})


def test_scenario_is_frozen():
    sc = Scenario()
    with pytest.raises(ValidationError):
        sc.name = "x"


def test_every_field_is_documented():
    rows = describe_fields()
    assert len(rows) > 80
    missing = [path for path, _, _, meaning in rows if not meaning]
    assert missing == []


def test_a_campaign_block_naming_one_field_keeps_that_campaigns_other_defaults():
    from simulations.config import Marketing

    m = Marketing.model_validate({"win_back": {"offer": 0.3}, "cross_sell": {"channel": "sms"}})
    assert (m.win_back.every_weeks, m.win_back.offer) == (Marketing().win_back.every_weeks, 0.3)
    assert (m.cross_sell.every_weeks, m.cross_sell.offer) == (Marketing().cross_sell.every_weeks, Marketing().cross_sell.offer)
    assert m.onboarding == Marketing().onboarding
