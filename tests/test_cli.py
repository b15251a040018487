import re
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
    assert "Profit (currency units)" in capsys.readouterr().out
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
        main(["simulate", "--customers", "200", "--weeks", "5", "--out", str(out), "--no-progress", "--force"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_scenarios_and_show(capsys):
    assert main(["scenarios"]) == 0
    assert "telecom" in capsys.readouterr().out
    assert main(["scenario", "show", "telecom"]) == 0
    assert "notice_weeks: 4" in capsys.readouterr().out


def test_simulate_refuses_an_earlier_run_without_force_and_replaces_it_with_force(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["simulate", "--customers", "200", "--weeks", "3", "--out", str(out), "--no-progress"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert main(["simulate", "--customers", "200", "--weeks", "5", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{out}: output folder exists and is not empty" in err and "--force" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert main(["simulate", "--customers", "200", "--weeks", "5", "--out", str(out), "--no-progress", "--force"]) == 0
    assert len(pd.read_parquet(out / "kpis.parquet")) == 6
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["simulate", "--customers", "200", "--weeks", "2", "--out", str(empty), "--no-progress"]) == 0


def test_an_output_path_through_a_file_names_the_file(tmp_path, capsys):
    (tmp_path / "afile.txt").write_text("notes")
    assert main(["simulate", "--out", str(tmp_path / "afile.txt" / "sub"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"inside {tmp_path / 'afile.txt'}, which is a file" in err and "File exists" not in err
    assert (tmp_path / "afile.txt").read_text() == "notes"


def test_scenario_show_keeps_every_source_comment_beside_its_field_and_reads_back_equal(tmp_path, capsys):
    from simulations.config import BUILTIN_DIR, builtin_names, load_scenario

    for name in builtin_names():
        assert main(["scenario", "show", name]) == 0
        shown = capsys.readouterr().out
        source = (BUILTIN_DIR / f"{name}.yaml").read_text(encoding="utf-8")
        comments = [line.strip() for line in source.splitlines() if line.strip().startswith("#")]
        assert comments, name
        for comment in comments:
            assert comment in shown, (name, comment)
        copy = tmp_path / f"{name}.yaml"
        copy.write_text(shown, encoding="utf-8")
        assert load_scenario(copy) == load_scenario(name)
    assert main(["scenario", "show", "telecom"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("    lock_in_strength: 0.99")
    assert lines[at - 1].strip().startswith("# a running one- or two-year contract is almost never broken early")


def test_scenario_show_of_an_edited_copy_keeps_its_comments_and_places_inline_ones(tmp_path, capsys):
    mine = tmp_path / "mine.yaml"
    mine.write_text("# my variant of retail\nname: mine\nevents:\n  - kind: price_war\n    # competitor's spring campaign\n"
                    "    week: 10\npolicies:\n  pricing:\n    price_index: 1.1  # +10%, cf. memo\n")
    assert main(["scenario", "show", str(mine)]) == 0
    out = capsys.readouterr().out
    assert "    price_index: 1.1  # +10%, cf. memo" in out
    lines = out.splitlines()
    assert lines[lines.index("  week: 10") - 1] == "  # competitor's spring campaign"
    assert lines.index("# my variant of retail") < lines.index("name: mine")


def test_scenario_fields_shows_defaults_as_written_in_yaml(capsys):
    assert main(["scenario", "fields"]) == 0
    out = capsys.readouterr().out
    assert "datetime" not in out and "2024-01-01" in out
    assert re.search(r"^world\.contracts\.enabled\s+false\s", out, re.M)
    assert re.search(r"^policies\.service\.capacity\s+\{phone: 120\.0, email: 80\.0, chat: 60\.0\}", out, re.M)


@pytest.mark.parametrize("command", ["simulate", "scenarios", "scenario", "generate", "experiment", "classroom", "grade",
                                     "labs", "bench", "datasets"])
def test_every_command_has_help_text(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    usage, _, rest = out.partition("\n\n")
    assert rest.strip() and not rest.lstrip().startswith(("options:", "positional arguments:")), out[:500]


def _wait_until_loaded(pid: int, library: str, timeout: float = 60.0) -> bool:
    """Poll the process's memory map until a shared library whose path contains ``library`` is loaded."""
    import time
    from pathlib import Path

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if library in Path(f"/proc/{pid}/maps").read_text():
                return True
        except OSError:
            return False
        time.sleep(0.002)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/maps")
@pytest.mark.parametrize("library", ["pydantic_core", "_multiarray_umath", "pyarrow", "ft2font"])
def test_ctrl_c_during_start_up_says_one_line_not_a_traceback(tmp_path, library):
    """Interrupt while the command parses its arguments (pydantic), then imports numpy, pyarrow, matplotlib."""
    import signal

    # a terminal delivers Ctrl-C to a process whose SIGINT is at its default; a background job (CI started
    # with `&`) would hand the command an ignored SIGINT, so the child restores the default first
    proc = subprocess.Popen([sys.executable, "-m", "simulations.cli", "simulate", "--out", str(tmp_path / "o"),
                             "--no-progress"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert _wait_until_loaded(proc.pid, library), f"{library} never loaded"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert proc.returncode == 130 and "crm-sandbox: interrupted" in err, (proc.returncode, err)
    assert not (tmp_path / "o").exists()


def test_ctrl_c_inside_a_c_extensions_initialisation_is_an_interrupt_too(monkeypatch, capsys):
    import simulations.cli.simulate as simulate_cli

    def interrupted_import(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as ctrl_c:
            raise ImportError("initialization failed") from ctrl_c

    monkeypatch.setattr(simulate_cli, "cmd_simulate", interrupted_import)
    assert main(["simulate", "--no-progress"]) == 130
    assert "interrupted" in capsys.readouterr().err
    monkeypatch.setattr(simulate_cli, "cmd_simulate", lambda args: __import__("no_such_module_here"))
    with pytest.raises(ImportError):
        main(["simulate", "--no-progress"])
