"""Policy tables of the capstone lab (L10): field checks, paired comparison, and the grader's ``simulate`` mode.

Tiny worlds (300 customers x 8 weeks) keep these tests under a second or two; the spec's own 50-seed
validation (tests/test_labs_notebooks.py) measures the real grading size.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from graders.scoring import compare, modes
from simulations.labs import strategy

SMALL = {"customers": 300, "weeks": 8}


@pytest.mark.parametrize("policy, words", [
    ({"pricing.price": 1.0}, ("pricing.price", "strategy.FIELDS")),
    ({"pricing.price_index": 2.0}, ("pricing.price_index", "2.0", "[0.8, 1.25]")),
    ({"marketing.retention.k": 10.5}, ("marketing.retention.k", "10.5", "whole number")),
    ({"loyalty.enabled": "yes"}, ("loyalty.enabled", "'yes'", "True / False")),
    ({"marketing.retention.targeting": "all"}, ("marketing.retention.targeting", "top_k, uplift")),
    ([{"field": "loyalty.enabled", "value": True}, {"field": "loyalty.enabled", "value": False}], ("given twice",)),
    ([{"field": "loyalty.enabled"}], ("field and value",)),
])
def test_a_bad_policy_is_refused_naming_field_value_and_range(policy, words):
    with pytest.raises(strategy.PolicyError) as err:
        strategy.overrides(policy)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_row_order_does_not_matter_and_numpy_values_are_plain():
    a = strategy.table({"loyalty.enabled": True, "marketing.retention.k": 300})
    b = pd.DataFrame({"field": ["marketing.retention.k", "loyalty.enabled"], "value": [300, True]})
    assert strategy.overrides(a) == strategy.overrides(b) == (("policies.loyalty.enabled", True),
                                                             ("policies.marketing.retention.k", 300))


def test_the_benchmark_against_itself_is_indistinguishable_and_a_change_is_paired():
    same = strategy.compare("telecom", {}, [1, 2], **SMALL)
    assert same.gain == 0 and same.gain_se == 0 and same.verdict() == "same"
    dearer = strategy.compare("telecom", {"pricing.price_index": 1.25}, [1, 2], **SMALL)
    assert dearer.profit != 0 and dearer.seeds == 2


def _question(**params):
    return SimpleNamespace(kind="table", mode="simulate", points=6.0,
                           params={"z": 2.0, "min_gain": 0.01, "partial": 0.5, **params})


def test_simulate_mode_gives_half_for_the_benchmark_and_nothing_for_a_policy_that_cannot_run():
    seeds = [3, 4]
    runs = [strategy.run("telecom", (), s, SMALL["customers"], SMALL["weeks"]) for s in seeds]
    prepared = {"reference": {"scenario": "telecom", "seeds": seeds, **SMALL, "profit": [r[0] for r in runs],
                              "equity": [r[1] for r in runs]}, "wrong": []}
    share, message = modes.judge(_question(), {"value": []}, prepared, "en")
    assert share == 0.5 and message.startswith("cannot be told apart from the benchmark")
    share, message = modes.judge(_question(), {"value": [{"field": "pricing.price_index", "value": 9}]}, prepared, "zh")
    assert share == 0.0 and "pricing.price_index" in message and "超出允许范围" in message


def test_a_policy_containing_a_known_wrong_decision_matches_it_as_a_subset():
    params = {"subset": True, "key": "field", "rtol": 0.1, "atol": 1e-6}
    wrong = [{"field": "marketing.retention.enabled", "value": False}]
    mine = [{"field": "loyalty.enabled", "value": True}, {"field": "marketing.retention.enabled", "value": False}]
    assert compare.same("table", mine, wrong, params)
    assert not compare.same("table", [{"field": "loyalty.enabled", "value": True}], wrong, params)
    assert not compare.same("table", [{"field": "marketing.retention.enabled", "value": True}], wrong, params)
    price = [{"field": "pricing.price_index", "value": 1.15}]
    assert compare.same("table", [{"field": "pricing.price_index", "value": 1.2}], price, params)
    assert not compare.same("table", [{"field": "pricing.price_index", "value": 0.95}], price, params)


def test_a_policy_file_reads_into_the_answer_table(tmp_path):
    good = tmp_path / "policy.yaml"
    good.write_text("loyalty.enabled: true\nmarketing.retention.offer: 0.3\n", encoding="utf-8")
    assert strategy.overrides(strategy.read(good)) == (("policies.loyalty.enabled", True),
                                                       ("policies.marketing.retention.offer", 0.3))
    bad = tmp_path / "bad.yaml"
    bad.write_text("- loyalty.enabled\n", encoding="utf-8")
    with pytest.raises(strategy.PolicyError, match="bad.yaml"):
        strategy.read(bad)
