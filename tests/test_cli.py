import subprocess
import sys

import pandas as pd
import pytest

from simulations.cli import main


def test_simulate_writes_kpis_report_and_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["simulate", "--scenario", "telecom", "--customers", "500", "--weeks", "12", "--seed", "4",
                 "--out", str(out), "--no-progress"]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"kpis.parquet", "kpis.csv", "report.html", "stages.png", "flows.png", "money.png"} <= names
    kpis = pd.read_parquet(out / "kpis.parquet")
    assert len(kpis) == 13 and kpis["week"].tolist() == list(range(13))
    assert "profit" in capsys.readouterr().out
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_simulate_is_byte_identical_for_same_seed(tmp_path):
    for d in ("a", "b"):
        main(["simulate", "--customers", "300", "--weeks", "6", "--out", str(tmp_path / d), "--no-progress"])
    assert (tmp_path / "a/kpis.csv").read_bytes() == (tmp_path / "b/kpis.csv").read_bytes()
    assert (tmp_path / "a/kpis.parquet").read_bytes() == (tmp_path / "b/kpis.parquet").read_bytes()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["simulate", "--scenario", "nope"], "built-in scenarios: appliance-community"),
        (["simulate", "--customers", "3"], "--customers must be at least 10"),
        (["simulate", "--out", "/proc/forbidden/x"], "cannot be written"),
        (["scenario", "show", "missing.yaml"], "scenario file not found"),
    ],
)
def test_user_mistakes_exit_2_with_one_clear_message(args, expected, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_invalid_yaml_file_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("policies:\n  pricing:\n    price_index: -1\n")
    r = subprocess.run([sys.executable, "-m", "simulations.cli", "simulate", "--scenario", str(bad),
                        "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert r.returncode == 2
    assert "policies.pricing.price_index = -1" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_failed_run_leaves_previous_output_untouched(tmp_path, monkeypatch):
    out = tmp_path / "run"
    main(["simulate", "--customers", "200", "--weeks", "3", "--out", str(out), "--no-progress"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    import simulations.report as report

    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "plot_money", broken)
    with pytest.raises(RuntimeError):
        main(["simulate", "--customers", "200", "--weeks", "5", "--out", str(out), "--no-progress"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_scenarios_and_show(capsys):
    assert main(["scenarios"]) == 0
    assert "telecom" in capsys.readouterr().out
    assert main(["scenario", "show", "telecom"]) == 0
    assert "notice_weeks: 4" in capsys.readouterr().out


def test_bench_prints_figures_as_json(capsys):
    assert main(["bench", "--size", "500x5", "--json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["customers"] == 500 and rows[0]["customer_weeks_per_second"] > 0
    assert rows[0]["peak_memory_mib"] > 0
