"""Every master notebook runs and earns full marks against the committed answer keys; every released
student notebook runs to the end and grades to zero with "no answer submitted"; every lab spec passes
validation (reference solution passes, known wrong methods fail) over 20 generated datasets, with
the targets `grade validate` applies to 50 (>= 99% pass, >= 95% fail: on 20 seeds the reference must
pass every one). Why 20 here: validation was over half of the suite's time on two cores; the 50-seed
figures of every lab, measured with `crm-sandbox grade validate`, are in labs/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graders import keys as answer_keys
from graders import specs
from graders.datasets import load
from graders.scoring import prepare, score
from graders.validate import FAIL_TARGET, PASS_TARGET, validate
from simulations.labs import execute, release
from tests.conftest import INNER_WORKERS, REPO

pytestmark = pytest.mark.slow
LABS = release.list_labs()
VALIDATION_SEEDS = 20
VALIDATION_SIZE = {"customers": 400, "weeks": 104}
#: L02 grades a head count within 3%: on 400 customers (about 200 people in the source systems) a careful
#: linkage misses up to 4% of them in a few seeds, on 800 it holds (the size `grade validate` reports).
#: L07 generates its own datasets (a randomised retention experiment, not the plain scenario the other labs
#: share): 52 weeks keep its validation near 20 s of CPU (400 x 104 validates alike: `grade validate L07`).
LAB_SIZE = {"L02": {"customers": 800}, "L07": {"weeks": 52}}


def _grade(lab_id: str, folder: Path):
    spec = specs.get(lab_id)
    data = load(spec.default_dataset)
    keys = answer_keys.load(REPO / "keys" / spec.default_dataset, spec.keys_needed)
    submission = json.loads((folder / "submission.json").read_text())
    assert submission["lab"] == lab_id and submission["dataset_id"] == data.dataset_id
    return score(spec, submission["answers"], prepare(spec, data, keys), data)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.lab_id)
def test_master_runs_and_earns_full_marks(lab, tmp_path):
    executed = execute.execute(release.read_master(lab.master), tmp_path, timeout=300)
    result = _grade(lab.lab_id, tmp_path)
    assert result.total == result.max_total, [(q.qid, q.message) for q in result.questions if q.status != "correct"]
    # a lab that draws shows its figures in the notebook (importing the helpers must not switch Jupyter's
    # inline backend to a file-only one)
    if "import matplotlib" in lab.master.with_suffix(".py").read_text(encoding="utf-8"):
        figures = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if "image/png" in o.get("data", {})]
        assert figures, f"{lab.lab_id}: the master draws but shows no figure"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.lab_id)
def test_released_student_notebook_runs_and_grades_to_zero(lab, tmp_path):
    release.release(tmp_path / "out", [lab.lab_id])
    notebook = tmp_path / "out" / "student" / lab.name / f"{lab.name}.ipynb"
    executed = execute.execute(notebook, tmp_path, timeout=300)
    outputs = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "not answered yet" in outputs  # lab.check tells the student, it does not crash
    result = _grade(lab.lab_id, tmp_path)
    assert result.total == 0
    assert {q.status for q in result.questions} == {"missing"}
    assert all(q.message == "no answer submitted" for q in result.questions)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.lab_id)
def test_spec_validates_over_generated_seeds(lab, tmp_path_factory):
    spec = specs.get(lab.lab_id)
    cache = tmp_path_factory.getbasetemp() / "lab-validation"  # shared by the labs on the same scenario
    size = {**VALIDATION_SIZE, **LAB_SIZE.get(lab.lab_id, {})}
    result = validate(spec, VALIDATION_SEEDS, cache=cache, workers=INNER_WORKERS, **size)
    print(result.table())
    assert result.pass_rate >= PASS_TARGET, result.table()
    assert result.fail_rate >= FAIL_TARGET, result.table()
