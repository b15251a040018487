"""``grade validate``: every registered lab spec passes its reference solution and fails its wrong methods over 50 seeds."""

from __future__ import annotations

import importlib.util

import pytest

from graders import validate
from graders.specs import REGISTRY, get
from simulations.cli import main

SEEDS, CUSTOMERS, WEEKS = 50, 400, 104


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """Generated datasets shared by every spec's validation (same scenario, seeds and size)."""
    return tmp_path_factory.mktemp("validate-cache")


@pytest.mark.slow
@pytest.mark.parametrize("lab", sorted(REGISTRY))
def test_spec_passes_reference_and_fails_wrong_methods(lab, cache):
    if importlib.util.find_spec(REGISTRY[lab]) is None:
        pytest.skip(f"{REGISTRY[lab]} is registered but not written yet")
    result = validate.validate(get(lab), SEEDS, customers=CUSTOMERS, weeks=WEEKS, workers=2, cache=cache)
    print("\n" + result.table())
    assert result.seeds == SEEDS
    assert result.pass_rate >= validate.PASS_TARGET, result.table()
    assert result.fail_rate >= validate.FAIL_TARGET, result.table()


def test_validate_cli_prints_both_rates(monkeypatch, capsys):
    calls = {}

    def fake(spec, seeds, **kwargs):
        calls.update(seeds=seeds, **kwargs)
        result = validate.Validation(spec.lab_id, seeds)
        for q in spec.questions:
            result.solution_pass[q.qid] = seeds
        for name in spec.wrong_methods:
            result.wrong_fail[name] = seeds - 1 if name == "flat_value" else seeds
        return result

    monkeypatch.setattr(validate, "validate", fake)
    assert main(["grade", "validate", "DEMO", "--seeds", "20"]) == 0
    out = capsys.readouterr().out
    assert calls["seeds"] == 20 and "pass rate 100.0%" in out and "fail rate" in out and "flat_value" in out
    assert main(["grade", "validate", "DEMO", "--seeds", "0"]) == 2
