"""Lab tooling: release (solutions out, answers blank, nothing else touched), pairing, helpers, CLI."""

from __future__ import annotations

import json

import jupytext
import nbformat
import numpy as np
import pandas as pd
import pytest

from graders import specs
from simulations.cli import main
from simulations.errors import UserError
from simulations.labs import execute, helpers, release

LABS = release.list_labs()


def _nb(*cells: tuple[str, str, list[str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source, tags in cells:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    return nb


def test_labs_in_order_with_titles():
    ids = [lab.lab_id for lab in LABS]
    assert ids[:5] == ["L01", "L02", "L03", "L04", "L05"]
    assert ids == [f"L{i:02d}" for i in range(1, len(ids) + 1)]  # no gap in the course's numbering
    assert all(lab.title.startswith(lab.lab_id) for lab in LABS)


def test_solution_blocks_become_placeholders_keeping_indentation():
    nb = _nb(("code", "x = 1\nif x:\n    # BEGIN SOLUTION\n    y = secret()\n    # END SOLUTION\nprint(x)", []),
             ("markdown", "Why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->", []))
    student = release.student_notebook(nb)
    assert student.cells[0].source == "x = 1\nif x:\n    # your code here\nprint(x)"
    assert student.cells[1].source == "Why?\n*Your answer here.*"


def test_answer_cell_is_blanked_and_guarded():
    nb = _nb(("code", 'est, se = 3.5, 0.2\nlab.answer("q1", est, se=se)\nlab.check("q1")', ["answer"]))
    source = release.student_notebook(nb).cells[0].source
    assert "3.5" not in source
    assert source.splitlines() == ["est, se = None, None  # your answer", "if est is not None:",
                                   '    lab.answer("q1", est, se=se)', 'lab.check("q1")']


def test_blank_answer_cell_runs_and_records_nothing():
    source = release.blank_answer_cell('v = 42\nlab.answer("q", v)', "test")
    recorded = []

    class FakeLab:
        def answer(self, qid, value):
            recorded.append(qid)

    exec(compile(source, "cell", "exec"), {"lab": FakeLab()})  # noqa: S102 - our own generated code
    assert recorded == []


@pytest.mark.parametrize("source, message", [
    ("x = compute()\nprint(x)", "only assignments"),
    ('lab.answer("q", 3)', "as a variable"),
    ("a.b = 1", "plain names"),
])
def test_bad_answer_cells_name_the_problem(source, message):
    with pytest.raises(UserError, match=message):
        release.student_notebook(_nb(("code", source, ["answer"])), "labs/LX/master.py")


@pytest.mark.parametrize("source", ["# BEGIN SOLUTION\nx = 1", "x = 1\n# END SOLUTION",
                                    "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION"])
def test_unbalanced_markers_are_refused(source):
    with pytest.raises(UserError, match="cell 1"):
        release.student_notebook(_nb(("code", source, [])), "m")


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.lab_id)
def test_master_is_complete_and_released_student_version_hides_solutions(lab):
    master = release.read_master(lab.master)
    assert master.metadata["kernelspec"]["name"] == "python3"
    assert "parameters" in master.cells[1].metadata.get("tags", []) or any(
        "parameters" in c.metadata.get("tags", []) for c in master.cells)
    spec = specs.get(lab.lab_id)
    assert sorted(release.answered_questions(master)) == sorted(q.qid for q in spec.questions)
    assert len(spec.questions) >= 4
    text = "\n".join(c.source for c in master.cells if c.cell_type == "markdown")
    assert "Learning objectives" in text and "Reflection" in text and "COURSE.md" in text
    student = release.student_notebook(master)
    body = "\n".join(c.source for c in student.cells)
    assert "BEGIN SOLUTION" not in body and "END SOLUTION" not in body
    assert body.count("# your answer") >= len(release.answered_questions(master)) - 1
    for cell in student.cells:  # every answer variable is blank: no literal answer survives
        if "answer" in cell.metadata.get("tags", []):
            assignments = [line for line in cell.source.splitlines() if " = " in line and not line.startswith(" ")]
            assert all(line.split(" = ", 1)[1].startswith("None") for line in assignments), cell.source
    assert "lab.submit()" in body


def test_master_pairs_are_in_sync():
    assert release.sync(check=True) == []


def test_release_writes_student_and_instructor_folders(tmp_path):
    files = release.release(tmp_path, ["L03"])
    student = tmp_path / "student" / "L03_customer_value"
    instructor = tmp_path / "instructor" / "L03_customer_value"
    assert sorted(p.name for p in student.iterdir()) == ["L03_customer_value.ipynb", "L03_customer_value.py"]
    assert {p.name for p in instructor.iterdir()} == {"master.ipynb", "grading_spec.json"}
    assert set(files) >= {student / "L03_customer_value.ipynb", instructor / "grading_spec.json"}
    spec = json.loads((instructor / "grading_spec.json").read_text())
    assert spec["lab"] == "L03" and len(spec["questions"]) >= 4
    paired = jupytext.read(student / "L03_customer_value.py")
    assert release.cell_contents(paired) == release.cell_contents(jupytext.read(student / "L03_customer_value.ipynb"))
    with pytest.raises(UserError, match="already exists"):
        release.release(tmp_path, ["L03"])


def test_release_refuses_an_unknown_lab_without_writing(tmp_path):
    with pytest.raises(UserError, match="L99"):
        release.release(tmp_path / "out", ["L99"])
    assert not (tmp_path / "out").exists()


def test_cli_list_release_and_errors(tmp_path, capsys):
    assert main(["labs", "list"]) == 0
    assert "L05" in capsys.readouterr().out
    assert main(["labs", "release", "--lab", "L01", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "student" / "L01_meet_the_customers" / "L01_meet_the_customers.ipynb").is_file()
    assert main(["labs", "release", "--lab", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "no such lab" in capsys.readouterr().err
    assert main(["labs", "sync", "--check"]) == 0


def test_inject_parameters_goes_after_the_parameters_cell():
    nb = _nb(("code", "A = 1", ["parameters"]), ("code", "print(A)", []))
    out = execute.inject_parameters(nb, {"A": 2, "NAME": "x"})
    assert out.cells[1].source.endswith("A = 2\nNAME = 'x'")
    with pytest.raises(UserError, match="parameters"):
        execute.inject_parameters(_nb(("code", "A = 1", [])), {"A": 2})


def test_pareto_curve_sorts_biggest_first():
    curve = helpers.pareto_curve(pd.Series([1.0, 5.0, 4.0]))
    assert np.allclose(curve["value_share"], [0.5, 0.9, 1.0])
    with pytest.raises(ValueError):
        helpers.pareto_curve([])


def test_flow_frame_rows_are_from_stage():
    flows = np.zeros((9, 9), int)
    flows[2, 3] = 7
    frame = helpers.flow_frame(flows)
    assert frame.loc["growth", "maturity"] == 7 and frame.loc["maturity", "growth"] == 0



def test_plot_stage_confusion_keeps_rows_perceived_in_lifecycle_order():
    matrix = pd.DataFrame([[40, 3], [900, 5]], index=["at-risk", "maturity"], columns=["maturity", "at-risk"])
    ax = helpers.plot_stage_confusion(matrix)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["maturity", "at-risk"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["maturity", "at-risk"]
    # rows and columns both in lifecycle order: perceived at-risk and truly at-risk (3) is row 1, column 1
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(0, 0): "900", (0, 1): "5", (1, 0): "40", (1, 1): "3"}
    with pytest.raises(ValueError, match="not stage labels"):
        helpers.plot_stage_confusion(pd.DataFrame([[1]], index=["risky"], columns=["maturity"]))

def test_cohort_activity_first_period_is_everyone():
    orders = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
                           "order_ts": pd.to_datetime(["2024-01-02", "2024-02-15", "2024-01-03", "2024-02-01"])})
    triangle = helpers.cohort_activity(orders, "2024-01-01")
    assert triangle[0].tolist() == [1.0, 1.0]
    assert triangle.loc[0, 1] == 0.5


def test_value_matrix_counts_everyone():
    current = pd.Series(np.arange(9.0), index=list("abcdefghi"))
    matrix = helpers.value_matrix(current, pd.Series(current.to_numpy()[::-1], index=current.index))
    assert matrix.to_numpy().sum() == 9 and matrix.loc["high", "low"] == 3
