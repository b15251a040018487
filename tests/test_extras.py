"""A core install (no extras) runs the main job and datasets; commands that need an extra say which."""

import subprocess
import sys
import textwrap

import pytest

from simulations.extras import EXTRAS
from tests.conftest import REPO

#: Packages a core install does not have: every extra's, and networkx (only Mesa's optional use).
NOT_IN_CORE = sorted({m for mods in EXTRAS.values() for m in mods} | {"networkx"})

BLOCKER = textwrap.dedent(f"""
    import importlib.abc, sys
    BLOCKED = {NOT_IN_CORE!r}
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None
    sys.meta_path.insert(0, Block())
    import importlib.util
    importlib.util.find_spec = lambda name, package=None: (
        None if name.split(".")[0] in BLOCKED else importlib.machinery.PathFinder.find_spec(name))
""")


def _core_only(code: str, tmp_path) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where every extra's packages fail to import."""
    return subprocess.run([sys.executable, "-c", BLOCKER + textwrap.dedent(code)], cwd=tmp_path, capture_output=True,
                          text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}, timeout=600)


def test_the_main_job_datasets_local_sweeps_and_a_classroom_session_run_without_any_extra(tmp_path):
    result = _core_only("""
        import sys
        from simulations.cli import main
        assert main(["simulate", "--customers", "300", "--weeks", "8", "--out", "run", "--no-progress"]) == 0
        assert main(["generate", "--scenario", "retail", "--customers", "200", "--weeks", "6", "--out", "data",
                     "--keys", "keys", "--no-progress"]) == 0
        assert main(["scenarios"]) == 0
        with open("tiny.yaml", "w") as f:  # a local sweep needs no Dask
            f.write("name: tiny\\nscenario: retail\\nreplications: 2\\nweeks: 3\\nmetrics: [profit]\\n"
                    "factors:\\n  world.market.customers: 200\\n  policies.marketing.retention.k: [10, 20]\\n")
        assert main(["experiment", "run", "tiny.yaml", "--out", "sweep", "--workers", "1", "--no-progress"]) == 0
        assert main(["experiment", "report", "sweep"]) == 0
        assert main(["classroom", "start", "telecom-churn", "--teams", "2", "--customers", "300", "--no-serve",
                     "--session-dir", "session"]) == 0
        assert main(["classroom", "advance", "session"]) == 0  # with its round reports
        assert main(["classroom", "export", "session", "--out", "export"]) == 0
        loaded = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
        assert not loaded, loaded
    """, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "run" / "report.html").exists()
    assert (tmp_path / "data" / "crm.duckdb").exists()
    assert (tmp_path / "sweep" / "report" / "index.html").exists() and (tmp_path / "session").is_dir()
    assert (tmp_path / "export" / "round_reports" / "team_01_round_0.html").exists()


@pytest.mark.parametrize(("argv", "extra"), [
    (["classroom", "start", "telecom-churn", "--teams", "2", "--session-dir", "s"], "classroom"),
    (["classroom", "resume", "s"], "classroom"),
    (["labs", "release", "--out", "rel"], "labs"),
    (["grade", "--lab", "DEMO", "--submissions", "subs", "--keys", "k", "--out", "o"], "labs"),
    (["experiment", "bench", "experiments/uplift-vs-risk.yaml"], "experiments"),
])
def test_a_command_that_needs_a_missing_extra_names_it_and_exits_2(tmp_path, argv, extra):
    result = _core_only(f"""
        import sys
        from simulations.cli import main
        sys.exit(main({argv!r}))
    """, tmp_path)
    assert result.returncode == 2, result.stderr[-3000:]
    assert f"pip install 'crm-sandbox[{extra}]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [], "nothing may be written before the check"


def test_the_dask_path_of_the_library_names_the_experiments_extra(tmp_path, monkeypatch):
    import simulations.extras as extras
    from simulations.experiments import load_experiment, prepare_sweep

    monkeypatch.setattr(extras, "missing_modules", lambda extra, modules=None: ["distributed"] if extra == "experiments" else [])
    sweep = prepare_sweep(load_experiment(REPO / "experiments" / "uplift-vs-risk.yaml"), tmp_path / "out")
    with pytest.raises(extras.MissingExtra, match=r"crm-sandbox\[experiments\]"):
        sweep.run(1, "tcp://127.0.0.1:1")


def test_paths_that_do_not_simulate_do_not_import_mesa(tmp_path):
    result = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import contextlib, io, sys
        from simulations.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            for argv in (["scenarios"], ["scenario", "show", "retail"], ["scenario", "fields"]):
                assert main(argv) == 0, argv
        import simulations.data
        simulations.data.load("retail-default")
        from graders import Lab  # noqa: F401
        assert "mesa" not in sys.modules
    """)], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
