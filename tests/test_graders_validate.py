"""``grade validate``: the DEMO spec passes its reference solution and fails its wrong methods over 20 seeds.

The lab specs L01-L05 are validated the same way, with the same generated datasets, in
tests/test_labs_notebooks.py (beside their notebooks), so they are not validated twice here.
"""

from __future__ import annotations

import pytest

from graders import validate
from graders.specs import get
from simulations.cli import main
from tests.conftest import INNER_WORKERS

SEEDS, CUSTOMERS, WEEKS = 20, 400, 104  # 20 as the labs' validation in the suite (tests/test_labs_notebooks.py)


@pytest.mark.slow
def test_demo_spec_passes_reference_and_fails_wrong_methods(tmp_path_factory):
    cache = tmp_path_factory.getbasetemp() / "lab-validation"  # the same datasets the lab specs' validation uses
    result = validate.validate(get("DEMO"), SEEDS, customers=CUSTOMERS, weeks=WEEKS, workers=INNER_WORKERS, cache=cache)
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
