"""Per-student datasets: different per student, reproducible from the secret, not without it."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from simulations.cli import main
from simulations.recording.issue import issue_datasets, student_seed

SMALL = {"customers": 120, "weeks": 6}


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns001,Ann\ns002,Bo\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("correct horse battery staple\n")
    return roster, secret


def test_each_student_differs_and_secret_reproduces(course: tuple[Path, Path], tmp_path: Path) -> None:
    roster, secret = course
    issue_datasets(roster, secret, "retail", tmp_path / "hw1", assignment="hw1", **SMALL)
    a, b = tmp_path / "hw1" / "s001", tmp_path / "hw1" / "s002"
    meta_a = json.loads((a / "metadata.json").read_text())
    meta_b = json.loads((b / "metadata.json").read_text())
    assert meta_a["dataset_id"] != meta_b["dataset_id"] and meta_a["assignment"] == "hw1"
    assert meta_a["seed"] is None, "a student's seed must not be in their dataset"
    assert not filecmp.cmp(a / "orders.parquet", b / "orders.parquet", shallow=False)
    keys = tmp_path / "hw1-keys" / "s001"
    assert json.loads((keys / "metadata.json").read_text())["dataset_id"] == meta_a["dataset_id"]
    assert not (a / "truth_customers.parquet").exists()
    # the instructor regenerates from the secret; a guessed secret gives other data
    issue_datasets(roster, secret, "retail", tmp_path / "again", assignment="hw1", **SMALL)
    assert filecmp.cmp(a / "orders.parquet", tmp_path / "again" / "s001" / "orders.parquet", shallow=False)
    assert filecmp.cmp(keys / "truth_customers.parquet", tmp_path / "again-keys" / "s001" / "truth_customers.parquet",
                       shallow=False)
    other = tmp_path / "other.txt"
    other.write_text("guess")
    issue_datasets(roster, other, "retail", tmp_path / "guess", assignment="hw1", **SMALL)
    assert not filecmp.cmp(a / "orders.parquet", tmp_path / "guess" / "s001" / "orders.parquet", shallow=False)
    assert student_seed(b"k", "hw1", "s001") != student_seed(b"k", "hw2", "s001")


@pytest.mark.parametrize(("roster_text", "secret_text", "message"), [
    ("student_id\ns1\ns1\n", "k", "duplicate student_id 's1'"),
    ("student_id\ns1\n\"\"\n", "k", "empty student_id"),
    ("student_id\ns1\n", "  \n", "the secret is empty"),
    ("name\nAnn\n", "k", "needs a column 'student_id'"),
])
def test_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], roster_text: str, secret_text: str,
                          message: str) -> None:
    roster, secret = tmp_path / "r.csv", tmp_path / "s.txt"
    roster.write_text(roster_text)
    secret.write_text(secret_text)
    code = main(["datasets", "issue", "--roster", str(roster), "--secret-file", str(secret), "--scenario", "retail",
                 "--out", str(tmp_path / "out"), "--customers", "50", "--weeks", "2"])
    assert code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_secret_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("student_id\ns1\n")
    code = main(["datasets", "issue", "--roster", str(roster), "--secret-file", str(tmp_path / "nope"),
                 "--scenario", "retail", "--out", str(tmp_path / "out")])
    assert code == 2 and "file not found" in capsys.readouterr().err
