"""``crm-sandbox bench`` measures both implementations and reports their speed ratio (tiny sizes)."""

from __future__ import annotations

import json

from simulations.bench import IMPLEMENTATIONS, Measurement, speedups
from simulations.cli import main


def test_reference_is_a_registered_implementation():
    assert {"vectorized", "reference"} <= set(IMPLEMENTATIONS)


def test_quick_json_run_measures_both_engines_with_their_ratio(capsys):
    assert main(["bench", "--quick", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {(r["implementation"], r["customers"]) for r in rows} == {
        (impl, n) for impl in ("reference", "vectorized") for n in (500, 2_000)}
    for r in rows:
        assert r["customer_weeks_per_second"] > 0 and r["peak_memory_mib"] > 0
    vec = [r for r in rows if r["implementation"] == "vectorized"]
    ref = {r["customers"]: r["customer_weeks_per_second"] for r in rows if r["implementation"] == "reference"}
    for r in vec:
        assert r["speedup_vs_reference"] == round(r["customer_weeks_per_second"] / ref[r["customers"]], 1)


def test_table_output_names_the_ratio(capsys):
    assert main(["bench", "--size", "300x2"]) == 0
    out = capsys.readouterr().out
    assert "vectorized / reference" in out and "reference" in out.split("vectorized / reference")[0]


def test_ratio_is_per_customer_week_and_only_where_both_ran():
    rows = [
        Measurement("reference", "retail", 1000, 13, 1.0, 13_000, 100.0),
        Measurement("vectorized", "retail", 1000, 156, 1.0, 650_000, 120.0),
        Measurement("vectorized", "retail", 1_000_000, 156, 60.0, 2_600_000, 900.0),
    ]
    assert speedups(rows) == {1000: 50.0}


def test_bad_sizes_and_conflicting_flags_exit_2(capsys):
    assert main(["bench", "--size", "tenxfive"]) == 2
    assert "expected CUSTOMERSxWEEKS" in capsys.readouterr().err
    assert main(["bench", "--size", "500x5", "--quick"]) == 2
    assert "exclude each other" in capsys.readouterr().err
