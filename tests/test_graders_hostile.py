"""A hostile class, without running notebooks: malformed submissions, non-plain files, report injection, resume.

Each submission here is a bare ``submission.json`` (read, never executed) or a folder entry that
must be refused, so the whole batch runs in seconds with ``--isolation none``. The notebook
attacks (IPC, /run, sockets, process limits) are in ``test_graders_isolation.py``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil

import pytest

from graders import answers, batch, datasets, intake, reports, sandbox
from graders.journal import folder_for
from graders.scoring.modes import as_answer
from graders.specs import get
from tests.conftest import INNER_WORKERS, REPO
from tests.test_graders_support import generate_pair

FIXTURES = REPO / "tests" / "fixtures" / "submissions"
JSON_FIXTURES = ("huge_integer", "deep_nesting", "report_injection")

#: student -> (run status, total points, text the reason or a message must contain)
EXPECTED = {
    "huge_integer": ("ok", 1, "too large"),
    "deep_nesting": ("invalid_json", 0, "nested far too deeply"),
    "report_injection": ("ok", 1, "not in your customers table"),
    "passes_json": ("ok", 7, ""),
    "linked_folder": ("refused", 0, "symbolic link"),
    "linked_file": ("refused", 0, "submission.json is a symbolic link"),
    "fifo": ("refused", 0, "not a plain file"),
    "oversize": ("refused", 0, "larger than 64 MiB"),
    "stray.txt": ("refused", 0, "expected a folder"),
    "wrong_key": ("grading_error", 0, "different generations"),
}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return generate_pair(tmp_path_factory.mktemp("hostile"), seed=7)


def _class(root, data_dir, keys_dir):
    """A submissions folder holding every hostile entry, and per-student keys (one of them from another generation)."""
    subs, keys_root = root / "subs", root / "keys"
    subs.mkdir()
    for name in JSON_FIXTURES:
        shutil.copytree(FIXTURES / name, subs / name)
    spec = get("DEMO")
    model = {q: as_answer(spec.question(q).kind, v) for q, v in spec.solution(datasets.load(data_dir)).items()}
    good = json.dumps({"lab": "DEMO", "answers": model})
    for sid in ("passes_json", "wrong_key", "=cmd|' calc'!A0"):
        (subs / sid).mkdir()
        (subs / sid / "submission.json").write_text(good, encoding="utf-8")
    (subs / "linked_folder").symlink_to(subs / "passes_json")
    (subs / "linked_file").mkdir()
    (subs / "linked_file" / "submission.json").symlink_to(subs / "passes_json" / "submission.json")
    (subs / "fifo").mkdir()
    os.mkfifo(subs / "fifo" / "submission.json")
    (subs / "oversize").mkdir()
    with open(subs / "oversize" / "submission.json", "wb") as f:
        f.truncate((64 << 20) + 1)  # sparse: costs no disk
    (subs / "stray.txt").write_text("not a student", encoding="utf-8")
    for entry in intake.scan(subs):
        shutil.copytree(keys_dir, keys_root / entry.sid)
    meta = keys_root / "wrong_key" / "metadata.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "dataset_id": "another-generation"}), encoding="utf-8")
    return subs, keys_root


@pytest.fixture(scope="module")
def graded(pair, tmp_path_factory):
    data_dir, keys_dir = pair
    root = tmp_path_factory.mktemp("class")
    subs, keys_root = _class(root, data_dir, keys_dir)
    run = batch.grade("DEMO", subs, keys_root, root / "out", data_root=data_dir, workers=INNER_WORKERS, isolation="none")
    return run, root / "out"


@pytest.mark.parametrize("sid", list(EXPECTED))
def test_every_hostile_entry_gets_its_row_and_reason(graded, sid):
    run, out = graded
    status, total, text = EXPECTED[sid]
    score = run.scores[sid]
    assert run.runs[sid].status == status, run.runs[sid].reason
    assert score.total == total, [(q.qid, q.points, q.message) for q in score.questions]
    assert text in score.reason + " " + " ".join(q.message for q in score.questions)
    rows = {r["student"]: r for r in csv.DictReader(open(out / "gradebook.csv", encoding="utf-8"))}
    assert rows[sid]["status"] == status and float(rows[sid]["total"]) == total


def test_the_batch_survives_all_of_them_and_leaves_no_journal(graded):
    run, out = graded
    assert len(run.scores) == len(EXPECTED) + 1  # and the student with a formula for a name
    assert not folder_for(out).exists()


def test_reports_neutralise_student_text(graded):
    run, out = graded
    book = (out / "gradebook.csv").read_text(encoding="utf-8")
    for row in csv.reader(book.splitlines()):
        assert all(not c.startswith(("=", "+", "-", "@")) for c in row), row
    assert "\x1b" not in book
    flags = list(csv.reader((out / "copy_flags.csv").read_text(encoding="utf-8").splitlines()))
    detail = [r for r in flags if r[0] == "report_injection"][0][-1]
    assert "=cmd" in detail and not detail.startswith("=")
    page = (out / "students" / "report_injection" / "feedback.html").read_text(encoding="utf-8")
    assert "<img" not in page and "&lt;img" in page
    markdown = (out / "students" / "report_injection" / "feedback.md").read_text(encoding="utf-8")
    assert "<img" not in markdown and "](javascript" not in markdown and "\x1b" not in markdown
    assert not any(p.name.startswith("=") for p in (out / "students").iterdir())


def test_an_interrupted_batch_resumes_without_rerunning_finished_students(pair, tmp_path, monkeypatch):
    data_dir, keys_dir = pair
    subs, keys_root = _class(tmp_path, data_dir, keys_dir)
    real, calls = sandbox.run_submission, []

    def interrupted(folder, *args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(folder.name)
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(sandbox, "run_submission", interrupted)
    with pytest.raises(KeyboardInterrupt):
        batch.grade("DEMO", subs, keys_root, tmp_path / "out", data_root=data_dir, workers=1, isolation="none")
    assert not (tmp_path / "out").exists() and folder_for(tmp_path / "out").is_dir()
    first = list(calls)
    calls.clear()
    monkeypatch.setattr(sandbox, "run_submission", lambda folder, *a, **k: calls.append(folder.name) or real(folder, *a, **k))
    run = batch.grade("DEMO", subs, keys_root, tmp_path / "out", data_root=data_dir, workers=1, isolation="none")
    assert set(first).isdisjoint(calls) and calls
    assert run.scores["passes_json"].total == 7 and run.runs["deep_nesting"].status == "invalid_json"
    assert not folder_for(tmp_path / "out").exists()


def test_a_changed_submission_is_run_again_on_resume(pair, tmp_path):
    from graders.journal import Journal, fingerprint

    folder = tmp_path / "s1"
    folder.mkdir()
    (folder / "submission.json").write_text("{}", encoding="utf-8")
    journal, limits = Journal(tmp_path / "j"), sandbox.DEFAULT_LIMITS
    journal.put("s1", fingerprint("DEMO", folder, pair[0], limits, True), sandbox.RunResult("ok", "", answers={}))
    assert journal.get("s1", fingerprint("DEMO", folder, pair[0], limits, True)).status == "ok"
    (folder / "submission.json").write_text('{"answers": {}}', encoding="utf-8")
    assert journal.get("s1", fingerprint("DEMO", folder, pair[0], limits, True)) is None


@pytest.mark.parametrize(("kind", "value", "why"), [
    ("scalar", 10 ** 400, "too large"),
    ("scalar", True, "expected a number"),
    ("estimate", "1.5", "expected a number"),
    ("idset", ["ok", {"nested": [1]}], "expected text"),
    ("idset", "abc", "expected a list"),
    ("values", {"c1": 1e308 * 10}, "finite"),
    ("partition", {"c1": ["a"]}, "expected text"),
    ("choice", "x" * 5000, "longer than"),
    ("table", [{"a": [1, 2]}], "expected a number"),
    ("idset", ["x"] * (answers.MAX_ITEMS + 1), "more than"),
])
def test_malformed_values_become_invalid_answers_with_a_reason(kind, value, why):
    cleaned = answers.clean_answer(kind, {"kind": kind, "value": value})
    assert why in cleaned["invalid"]


def test_csv_cells_and_markdown_are_neutralised():
    assert reports.cell("=1+1") == "'=1+1" and reports.cell("@SUM(A1)") == "'@SUM(A1)"
    assert reports.cell("\x1b[31m-2\x1b[0m") == "'-2" and reports.cell("a\rb\x00c") == "a b c"
    assert reports.md("<b>x</b> | *y*") == "&lt;b&gt;x&lt;/b&gt; \\| \\*y\\*"
