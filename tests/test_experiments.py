"""Experiments: design expansion, validation, paired seeds, failure rows, resume, report, CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulations.cli import main
from simulations.experiments import (
    ExperimentError,
    expand,
    experiment_from_dict,
    load_experiment,
    replication_seeds,
    run_experiment,
)
from simulations.experiments.analysis import (
    best_points,
    choose_reference,
    differences_over_time,
    end_values,
    load_results,
    paired_differences,
    settled_ahead_week,
)
from simulations.experiments.report import write_report
from simulations.experiments.stopping import StopCondition
from tests.conftest import REPO

TINY = {"world.market.customers": 300}


def tiny(**fields):
    data = {"name": "tiny", "scenario": "retail", "replications": 2, "weeks": 5, "seed": 11,
            "metrics": ["profit", "cumulative_profit", "customers_active"], **fields}
    data["factors"] = {**TINY, **fields.get("factors", {})}
    return experiment_from_dict(data)


# ------------------------------------------------------------------------------ expansion
def test_lists_cross_in_file_order_ranges_expand_and_scalars_stay_fixed():
    exp = tiny(factors={
        "policies.marketing.retention.targeting": ["top_k", "uplift"],
        "policies.service.capacity.phone": {"start": 60, "stop": 240, "step": 60},
        "policies.service.recovery_effort": {"start": 0.1, "stop": 0.3, "step": 0.1},
    })
    points = expand(exp)
    assert len(points) == 2 * 4 * 3
    assert [p.index for p in points] == list(range(24))
    # first factor varies slowest, like itertools.product
    assert [p.values["policies.marketing.retention.targeting"] for p in points[:12]] == ["top_k"] * 12
    assert [p.values["policies.service.capacity.phone"] for p in points[:12:3]] == [60, 120, 180, 240]
    assert [p.values["policies.service.recovery_effort"] for p in points[:3]] == [0.1, 0.2, 0.3]
    assert all(p.overrides["world.market.customers"] == 300 for p in points)
    assert "world.market.customers" not in points[0].values
    assert points[5].label == "targeting=top_k, phone=120, recovery_effort=0.3"
    assert exp.varying() == ["policies.marketing.retention.targeting", "policies.service.capacity.phone",
                             "policies.service.recovery_effort"]


def test_range_stops_on_the_grid_and_a_mapping_that_is_not_a_range_is_a_fixed_value():
    assert [p.values["policies.marketing.retention.k"] for p in expand(
        {"policies.marketing.retention.k": {"start": 1, "stop": 10, "step": 4}})] == [1, 5, 9]
    assert len(expand({"policies.marketing.retention.k": {"start": 3, "stop": 5}})) == 3  # step defaults to 1
    capacity = {"phone": 100, "email": 80, "chat": 60}
    points = expand({"policies.service.capacity": capacity})
    assert len(points) == 1 and points[0].fixed == {"policies.service.capacity": capacity}
    assert len(expand({})) == 1


@pytest.mark.parametrize(("factors", "expected"), [
    ({"policies.servce.capacity.phone": [1, 2]}, "factor 'policies.servce.capacity.phone': unknown field 'policies.servce'"),
    ({"policies.service.capacity.phone.x": [1]}, "'policies.service.capacity.phone' is a single value"),
    ({"policies.service.key_account_capacity": {"start": 0, "stop": 10, "step": 0}}, "range step must be > 0"),
    ({"policies.service.key_account_capacity": {"start": 10, "stop": 0}}, "stop (0) is below start (10)"),
    ({"policies.marketing.retention.k": []}, "empty list of levels"),
])
def test_invalid_factors_are_named_in_the_error(factors, expected):
    with pytest.raises(ExperimentError) as err:
        tiny(factors=factors)
    assert expected in str(err.value)


def test_invalid_fields_metrics_and_stop_conditions_are_named(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"scenario": "retail", "metrics": ["profit", "proft"], "replicatons": 3}))
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    text = str(err.value)
    assert str(path) in text and "replicatons" in text and "unknown metric 'proft'" in text
    with pytest.raises(ExperimentError, match="unknown scenario 'retial'"):
        tiny(scenario="retial")
    with pytest.raises(ExperimentError, match="field stop.*Call is not allowed"):
        tiny(stop="__import__('os').system('true')")
    with pytest.raises(ExperimentError, match="unknown name 'custmers'"):
        tiny(stop="custmers < 10")
    with pytest.raises(ExperimentError, match="reference.*not one of its levels"):
        tiny(factors={"policies.marketing.retention.k": [1, 2]}, reference={"policies.marketing.retention.k": 3})


def test_stop_condition_is_a_safe_expression_over_kpis():
    cond = StopCondition("customers_active < 100 or (week >= 10 and not profit > -5 * 2)")
    assert cond({"customers_active": 99, "week": 1, "profit": 0})
    assert not cond({"customers_active": 150, "week": 3, "profit": -20})
    assert cond({"customers_active": 150, "week": 10, "profit": -20})
    assert not StopCondition("profit / customers_active > 1")({"profit": 5, "customers_active": 0})
    for bad in ("profit.real > 0", "[1][0] > 0", "(lambda: 1)() > 0", "'a' < 'b'", "profit if week else 0"):
        with pytest.raises(ValueError, match="not allowed|only numbers"):
            StopCondition(bad)


def test_example_experiments_in_the_repository_are_valid():
    files = sorted((REPO / "experiments").glob("*.yaml"))
    assert {f.stem for f in files} >= {"uplift-vs-risk", "service-capacity-profit-curve", "community-payback"}
    for f in files:
        exp = load_experiment(f)
        assert exp.name == f.stem and exp.description and len(expand(exp)) > 1


# ---------------------------------------------------------------------------- runs & pairing
def test_replication_r_of_every_point_shares_its_seed_and_no_effect_factors_differ_by_exactly_zero(tmp_path):
    exp = tiny(factors={"policies.marketing.retention.targeting": ["none", "top_k"],
                        # the community is disabled in retail: its reward changes nothing but the label
                        "policies.community.reward": [100, 300]}, replications=3, every="week")
    summary = run_experiment(exp, tmp_path / "out", workers=1)
    assert (summary.runs, summary.executed, summary.failed) == (12, 12, 0)
    results = load_results(tmp_path / "out")
    seeds = results.groupby("replication")["seed"].unique()
    assert [list(s) for s in seeds] == [[s] for s in replication_seeds(11, 3)]
    assert (results["root_seed"] == 11).all() and (results["version"] == "0.1.0").all()
    assert len(results) == 4 * 3 * 6  # points x replications x weeks 0..5

    ends = end_values(results)
    assert len(ends) == 12 and set(ends["week"]) == {5}
    diffs = paired_differences(results, "cumulative_profit", reference=0)
    by_point = diffs.set_index("point")
    # point 1 = same targeting as point 0, other reward: identical random numbers, identical results
    assert by_point.loc[1, ["mean_difference", "ci_low", "ci_high", "sd"]].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert by_point.loc[0, "mean_difference"] == 0.0 and by_point.loc[0, "n_pairs"] == 3
    # retention contacts to the top k cost money: a real difference, so the test above can fail
    assert by_point.loc[2, "mean_difference"] != 0.0
    assert by_point.loc[2, "ci_low"] <= by_point.loc[2, "mean_difference"] <= by_point.loc[2, "ci_high"]

    # cumulative metrics are the running sums of the weekly KPI (weeks 1..t)
    run0 = results[results["run_id"] == "p00000-r00000"].sort_values("week")
    np.testing.assert_allclose(run0["cumulative_profit"].to_numpy(), np.cumsum(run0["profit"].where(run0["week"] > 0, 0)))
    over = differences_over_time(results, "cumulative_profit", reference=2)
    assert set(over["week"]) == set(range(6))
    assert settled_ahead_week(over, "max").index.tolist() == [0, 1, 2, 3]


def test_same_file_gives_byte_identical_results_and_more_replications_reuse_finished_runs(tmp_path):
    exp = tiny(factors={"policies.marketing.retention.k": [50, 400]})
    run_experiment(exp, tmp_path / "a", workers=1)
    run_experiment(exp, tmp_path / "b", workers=1)
    assert (tmp_path / "a/results.parquet").read_bytes() == (tmp_path / "b/results.parquet").read_bytes()

    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "a/runs").glob("*.parquet")}
    more = tiny(factors={"policies.marketing.retention.k": [50, 400]}, replications=3)
    summary = run_experiment(more, tmp_path / "a", workers=1)
    assert (summary.skipped, summary.executed) == (4, 2)
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "a/runs").glob("*.parquet") if p.name in before} == before

    with pytest.raises(ExperimentError, match="holds runs of a different experiment"):
        run_experiment(tiny(factors={"policies.marketing.retention.k": [50, 401]}), tmp_path / "a", workers=1)


def test_a_failing_design_point_becomes_error_rows_and_the_sweep_goes_on(tmp_path):
    exp = tiny(factors={"policies.service.capacity.phone": [100, -5]}, stop="week >= 3", weeks=8, every="week")
    summary = run_experiment(exp, tmp_path / "out", workers=1)
    assert (summary.runs, summary.failed) == (4, 2)
    results = load_results(tmp_path / "out")
    bad = results[results["policies.service.capacity.phone"] == -5]
    assert len(bad) == 2 and bad["week"].isna().all() and bad["profit"].isna().all()
    assert bad["error"].str.contains("policies.service.capacity.phone: must be >= 0").all()
    good = results[results["policies.service.capacity.phone"] == 100]
    assert good["error"].isna().all()
    # the stop condition ended the good runs after week 3
    assert good.groupby("run_id")["week"].max().tolist() == [3, 3] and good["stopped"].all()
    # failed runs stay failed on resume unless asked to retry
    again = run_experiment(exp, tmp_path / "out", workers=1)
    assert (again.executed, again.failed) == (0, 2)
    assert run_experiment(exp, tmp_path / "out", workers=1, retry_failed=True).executed == 2


def test_resume_after_a_killed_sweep_redoes_no_finished_run(tmp_path):
    data = {"name": "killed", "scenario": "retail", "replications": 5, "weeks": 40, "seed": 3,
            "factors": {"world.market.customers": 2000, "policies.marketing.retention.targeting": ["top_k", "uplift"]},
            "metrics": ["cumulative_profit", "customers_active"]}
    file = tmp_path / "killed.yaml"
    file.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "simulations.cli", "experiment", "run", str(file), "--out", str(out),
                             "--workers", "1", "--no-progress"], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "runs").glob("*.parquet"))) < 2 and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "runs").glob("*.parquet")}
    assert 2 <= len(finished) < 10, "the sweep should have been killed part-way"
    assert not (out / "results.parquet").exists()

    summary = run_experiment(load_experiment(file), out, workers=1)
    assert (summary.skipped, summary.executed) == (len(finished), 10 - len(finished))
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "runs").glob("*.parquet")}
    assert {k: after[k] for k in finished} == finished and len(after) == 10
    assert not list((out / "runs").glob(".*"))  # no half-written temporary file left

    run_experiment(load_experiment(file), tmp_path / "whole", workers=1)
    pd.testing.assert_frame_equal(load_results(out), load_results(tmp_path / "whole"))


# ------------------------------------------------------------------------------ report & CLI
def test_effort_metrics_have_no_best_point_and_the_report_says_neither_direction_is_better(tmp_path):
    from simulations.experiments.design import default_goal

    assert default_goal("cumulative_contacts_retention") == "none" and default_goal("cumulative_profit") == "max"
    assert default_goal("cumulative_terminations") == "min"
    exp = tiny(factors={"policies.marketing.retention.k": [50, 200]}, replications=2,
               metrics=["cumulative_profit", "cumulative_contacts_retention"])
    run_experiment(exp, tmp_path / "out", workers=1)
    results = load_results(tmp_path / "out")
    assert list(best_points(results, exp.metrics)["metric"]) == ["cumulative_profit"]
    assert choose_reference(results, "cumulative_contacts_retention") == 0  # not the point with most contacts
    write_report(tmp_path / "out")
    page = (tmp_path / "out/report/index.html").read_text()
    assert "cumulative_contacts_retention <small>(neither higher nor lower is better" in page
    with_goal = tiny(factors={"policies.marketing.retention.k": [50, 200]}, goals={"cumulative_contacts_retention": "min"},
                     metrics=["cumulative_contacts_retention"])
    assert with_goal.goal("cumulative_contacts_retention") == "min"


def test_report_has_plots_per_metric_and_factor_paired_tables_and_best_points(tmp_path):
    exp = tiny(factors={"policies.marketing.retention.targeting": ["none", "top_k"],
                        "policies.service.capacity.phone": [40, 200]}, replications=3,
               metrics=["cumulative_profit", "cumulative_cost_marketing"], every="week")
    run_experiment(exp, tmp_path / "out", workers=1)
    files = {p.name for p in write_report(tmp_path / "out")}
    for metric in ("cumulative_profit", "cumulative_cost_marketing"):
        assert {f"{metric}__by__targeting.png", f"{metric}__by__phone.png", f"{metric}__over_time.png"} <= files
    html = (tmp_path / "out/report/index.html").read_text()
    assert "paired Student t interval" in html and "Best design point per metric" in html
    assert all(f"src='{f}'" in html for f in files if f.endswith(".png"))
    best = pd.read_csv(tmp_path / "out/report/best_points.csv").set_index("metric")
    # contacting nobody spends less on marketing than contacting everyone flagged: 'min' is the goal for costs
    assert best.loc["cumulative_cost_marketing", "goal"] == "min"
    assert best.loc["cumulative_cost_marketing", "best"].startswith("targeting=none")
    pd.testing.assert_frame_equal(
        best.reset_index(),
        best_points(load_results(tmp_path / "out"), ["cumulative_profit", "cumulative_cost_marketing"],
                    {"cumulative_profit": "max", "cumulative_cost_marketing": "min"}),
        check_dtype=False,
    )


def test_cli_runs_reports_and_exits_2_with_a_message_on_bad_input(tmp_path, capsys):
    file = tmp_path / "e.yaml"
    file.write_text(yaml.safe_dump({"scenario": "retail", "replications": 2, "weeks": 3, "metrics": ["profit"],
                                    "factors": {"world.market.customers": 200,
                                                "policies.marketing.retention.k": [10, 20]}}))
    assert main(["experiment", "run", str(file), "--out", str(tmp_path / "out"), "--workers", "1", "--no-progress"]) == 0
    assert "4 runs (0 reused, 4 run now, 0 failed)" in capsys.readouterr().out
    assert main(["experiment", "report", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out/report/index.html").exists()

    file.write_text(yaml.safe_dump({"factors": {"policies.service.capcity": [1, 2]}}))
    assert main(["experiment", "run", str(file), "--out", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "e.yaml" in err and "unknown field 'policies.service.capcity'" in err and "Traceback" not in err
    assert main(["experiment", "report", str(tmp_path / "nothing")]) == 2
    assert "not an experiment output folder" in capsys.readouterr().err
    assert main(["experiment", "bench", str(file), "--replications", "0"]) == 2
    assert "--replications must be at least 1, got 0" in capsys.readouterr().err


def test_runs_of_another_engine_are_neither_mixed_in_nor_resumed(tmp_path, monkeypatch):
    import simulations.experiments.design as design
    import simulations.experiments.runner as runner

    exp = tiny(factors={"policies.marketing.retention.k": [50, 400]})
    real = runner.run_one

    def other_engine(task):
        frame = real(task)
        frame["engine"] = "0123456789ab"
        return frame

    monkeypatch.setattr(runner, "run_one", other_engine)
    with pytest.raises(ExperimentError, match="a worker ran engine 0123456789ab"):
        run_experiment(exp, tmp_path / "out", workers=1)
    assert not list((tmp_path / "out/runs").glob("*.parquet"))
    monkeypatch.setattr(runner, "run_one", real)
    run_experiment(exp, tmp_path / "out", workers=1)
    assert set(load_results(tmp_path / "out")["engine"]) == {design.ENGINE}

    monkeypatch.setattr(design, "ENGINE", "fedcba987654")  # the simulation code changed since
    with pytest.raises(ExperimentError, match="holds runs of a different experiment"):
        run_experiment(exp, tmp_path / "out", workers=1)


def test_the_engine_hash_covers_every_module_a_run_loads():
    """A change to any rule the model runs (the firm's targeting included) must not reuse cached or resumed runs."""
    from simulations.experiments import design

    code = ("import sys, simulations.model; print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
            "if n.startswith('simulations') and getattr(m, '__file__', None)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    hashed = {p.resolve() for p in design.engine_files()}
    # messages and the package's own __init__ files hold no rule
    unhashed = [f for f in loaded if Path(f).resolve() not in hashed
                and not (Path(f).name == "__init__.py" or Path(f).stem == "errors" or "/i18n/" in f)]
    assert unhashed == []
    assert any(p.name == "view.py" and p.parent.name == "firm" for p in hashed)
