"""Batch grading end to end: the fixture submissions run in the sandbox on generated per-student data.

Each fixture under tests/fixtures/submissions/ is named after what it does; the table below is
its expected score (of 7) and the reason the report must give.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from graders import batch, datasets, sandbox, sandbox_backends
from graders.scoring.modes import as_answer
from graders.specs import get
from simulations.cli import main
from tests.conftest import IN_CI, INNER_WORKERS, REPO
from tests.test_graders_support import generate_pair

#: One worker sets up this module's expensive fixture once per backend (pyproject: --dist loadgroup). It is
#: session-scoped: a module-scoped one was torn down and built again (40 s) whenever xdist ran another
#: module's test on this worker in between.
pytestmark = pytest.mark.xdist_group("test_graders_sandbox")

FIXTURES = REPO / "tests" / "fixtures" / "submissions"
#: The hanging fixture waits this long under each backend; the others finish in about 3 s each (5x margin).
TIMEOUT = 15

#: fixture -> (total points, run status, text the reason or a message must contain)
EXPECTED = {
    "passes_all": (7, "ok", ""),
    "fails_q2": (6, "ok", "does not match"),
    "wrong_method_q3": (5, "ok", "recency works the other way"),
    "hangs": (0, "timeout", f"did not finish within {TIMEOUT} s"),
    "crashes": (0, "crashed", "ZeroDivisionError"),
    "huge_output": (0, "huge_output", "more than"),
    "reads_keys": (3, "ok", ""),  # the keys were not found: only the questions answerable without them count
    "patches_grader": (0, "ok", ""),  # patching the checker inside the notebook changes nothing in stage B
    "eats_memory": (0, "crashed", "MemoryError"),  # beyond the 2 GiB address-space limit
    "checks_network": (7, "ok", ""),  # passes only where the only network interface is loopback
    "invalid_json": (0, "invalid_json", "not valid JSON"),
    "not_a_notebook": (0, "not_a_notebook", "not a valid Jupyter notebook"),
}


def _build_module():
    spec = importlib.util.spec_from_file_location("fixture_build", FIXTURES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session", params=sandbox_backends.BACKENDS)
def graded(request, tmp_path_factory):
    """Grade every fixture (plus a copier) once per sandbox backend, two at a time."""
    ok, why = sandbox.isolation_available(request.param)
    if not ok:
        if IN_CI:
            pytest.fail(f"isolation ({request.param}) unavailable in CI: {why}")
        pytest.skip(why)
    root = tmp_path_factory.mktemp(f"grading-{request.param}")
    own_data, own_keys = generate_pair(root / "gen-a", seed=11)
    other_data, other_keys = generate_pair(root / "gen-b", seed=12)
    subs, data_root, keys_root = root / "submissions", root / "datasets", root / "keys"
    for name in EXPECTED:
        if (FIXTURES / name).is_dir():
            shutil.copytree(FIXTURES / name, subs / name)
    _build_module().not_a_notebook(subs)
    # the copier hands in the model answers computed on another student's data (dataset B is theirs)
    spec = get("DEMO")
    theirs = datasets.load(own_data)
    answers = {q: as_answer(spec.question(q).kind, v) for q, v in spec.solution(theirs).items()}
    (subs / "copier").mkdir()
    (subs / "copier" / "submission.json").write_text(json.dumps({"lab": "DEMO", "answers": answers}), encoding="utf-8")
    for sid in [*EXPECTED, "copier"]:
        src_data, src_keys = (other_data, other_keys) if sid == "copier" else (own_data, own_keys)
        shutil.copytree(src_data, data_root / sid)
        shutil.copytree(src_keys, keys_root / sid)
    out = root / "out"
    run = batch.grade("DEMO", subs, keys_root, out, data_root=data_root, workers=INNER_WORKERS,
                      limits=sandbox.Limits(timeout=TIMEOUT), isolation=request.param)
    print(f"\nstage A {run.timings['stage_a_s']:.1f} s for {len(run.runs)} submissions, stage B {run.timings['stage_b_s']:.2f} s")
    return run, out, root


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EXPECTED))
def test_fixture_gets_expected_score_and_reason(graded, name):
    run, out, _ = graded
    total, status, text = EXPECTED[name]
    score, result = run.scores[name], run.runs[name]
    assert result.status == status, result.reason + result.log[-2000:]
    assert score.total == total, [(q.qid, q.points, q.message) for q in score.questions]
    everything = score.reason + " " + " ".join(q.message for q in score.questions)
    assert text in everything
    book = pd.read_csv(out / "gradebook.csv", dtype={"student": str}).set_index("student")
    assert book.loc[name, "total"] == total and book.loc[name, "status"] == status
    feedback = (out / "students" / name / "feedback.md").read_text(encoding="utf-8")
    assert f"{total:g} / 7" in feedback


@pytest.mark.slow
def test_reads_keys_found_nothing_in_the_sandbox(graded):
    run, _, _ = graded
    assert {"churned", "clv_ranking"}.isdisjoint(run.runs["reads_keys"].answers)
    assert set(run.runs["reads_keys"].answers) == {"ordering_customers", "top20_share", "retention_cost"}


@pytest.mark.slow
def test_reads_keys_does_find_keys_without_the_sandbox(graded, tmp_path):
    """The same fixture without isolation reaches a key: so the isolated result above is the sandbox's doing."""
    _, _, root = graded
    questions = {q.qid: q.kind for q in get("DEMO").questions}
    result = sandbox.run_submission(FIXTURES / "reads_keys", root / "datasets" / "reads_keys", questions,
                                    limits=sandbox.Limits(timeout=TIMEOUT), isolate=False)
    assert result.status == "ok", result.reason
    assert "churned" in result.answers


@pytest.mark.slow
def test_copier_is_flagged_and_passes_all_is_not(graded):
    run, out, _ = graded
    flagged = {f.student: f for f in run.flags}
    assert "copier" in flagged and flagged["copier"].fits_student != "copier"
    assert "passes_all" not in flagged
    assert "copier" in (out / "copy_flags.csv").read_text(encoding="utf-8")
    assert run.scores["copier"].total < 7


@pytest.mark.slow
def test_outputs_never_contain_expected_values(graded):
    run, out, root = graded
    spec = get("DEMO")
    from graders import keys, scoring

    prepared = scoring.prepare(spec, datasets.load(root / "datasets" / "fails_q2"), keys.load(root / "keys" / "fails_q2"))
    secret = f"{prepared['top20_share']['reference']['value']:.4f}"
    for path in (out / "students").rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(encoding="utf-8"), path
    canvas = pd.read_csv(out / "canvas.csv")
    assert canvas.shape[0] == len(run.scores) + 1


def test_cli_refuses_without_isolation(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sandbox, "isolation_available", lambda backend="auto": (False, "unshare is missing"))
    (tmp_path / "subs" / "s1").mkdir(parents=True)
    (tmp_path / "keys").mkdir()
    code = main(["grade", "--lab", "DEMO", "--submissions", str(tmp_path / "subs"), "--keys", str(tmp_path / "keys"),
                 "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "refusing to grade" in err and "unshare is missing" in err and "--isolation none" in err
    assert not (tmp_path / "out").exists()


def test_cli_reports_missing_arguments_and_unknown_lab(capsys, tmp_path):
    assert main(["grade", "--lab", "DEMO"]) == 2
    assert "missing --submissions" in capsys.readouterr().err
    assert main(["grade", "--lab", "NOPE", "--submissions", str(tmp_path), "--keys", str(tmp_path),
                 "--out", str(tmp_path / "o"), "--isolation", "none"]) == 2
    assert "no grading spec" in capsys.readouterr().err


@pytest.mark.slow
def test_grade_bench_prints_its_figures(capsys):
    assert main(["grade", "bench", "--copies", "1", "--fixed-runs", "1", "--isolation", "none"]) == 0
    out = capsys.readouterr().out
    assert "1 notebook(s), --workers 2, isolation none" in out and "statuses: 1 ok" in out
    assert "fixed CPU cost per notebook (one empty cell):" in out and "load average" in out


def test_grade_bench_and_spec_refuse_bad_input(capsys, tmp_path):
    assert main(["grade", "bench", "--copies", "0"]) == 2
    assert "--copies" in capsys.readouterr().err
    assert main(["grade", "validate", "DEMO", "--spec", str(tmp_path / "absent")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_a_python_or_checkout_under_tmp_stays_visible_inside_the_private_tmp(tmp_path):
    """A venv in /tmp/venv is a normal set-up: its bind must come after the sandbox's own /tmp."""
    cfg = {"disk_mib": 64, "shm_mib": 16, "workdir": "/tmp/work", "notebook": "/tmp/work/notebook.ipynb"}
    venv = Path("/tmp/venv-example")
    args = sandbox_backends.bwrap_args(cfg, [venv], [], tmp_path, tmp_path / "nb.ipynb")
    private_tmp = max(i for i, a in enumerate(args) if a == "/tmp" and args[i - 1] == "--tmpfs")
    bind = next(i for i, a in enumerate(args) if a == "--ro-bind" and args[i + 1] == str(venv))
    assert bind > private_tmp
