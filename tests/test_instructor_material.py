"""Instructor material stays with instructors: the wheel and the student release hold no solution.

What counts as solution code: every spec module in ``instructor/specs/`` (reference methods, known
wrong methods, tolerances) and every line between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` in a
lab's master. The wheel is built from this checkout and the student release is made with
``crm-sandbox labs release``; both are searched for all of it.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from graders import specs
from simulations.cli import main
from simulations.errors import UserError
from simulations.labs.release import BEGIN_CODE, END_CODE, list_labs
from tests.conftest import REPO

SPEC_DIR = REPO / "instructor" / "specs"


def _normal(text: str) -> str:
    """Code with indentation and blank lines removed, so a function reads the same in a module and in a notebook."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _spec_functions() -> set[str]:
    """The source of every top-level function of the instructor specs, except helpers the masters hand to students."""
    handed_out = _normal("\n".join(_strip_solutions(lab.master.read_text(encoding="utf-8")) for lab in list_labs()))
    bodies = set()
    for path in SPEC_DIR.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef):
                body = _normal(ast.get_source_segment(text, node))
                if body not in handed_out:
                    bodies.add(body)
    return bodies


def _strip_solutions(text: str) -> str:
    out, inside = [], False
    for line in text.splitlines():
        if line.strip() in (BEGIN_CODE, END_CODE):
            inside = line.strip() == BEGIN_CODE
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _solution_lines() -> set[str]:
    """Every substantial line inside a master's solution blocks."""
    lines: set[str] = set()
    for lab in list_labs():
        inside = False
        for line in lab.master.read_text(encoding="utf-8").splitlines():
            marker = line.strip()
            if marker in (BEGIN_CODE, END_CODE):
                inside = marker == BEGIN_CODE
            elif inside and len(marker) > 25 and not marker.startswith("#"):
                lines.add(marker)
    return lines


def _leaks(texts: dict[str, str], needles: set[str]) -> list[tuple[str, str]]:
    normal = {name: _normal(text) for name, text in texts.items()}
    return [(name, needle[:80]) for name, text in normal.items() for needle in needles if needle in text]


def test_the_searched_material_is_real():
    """The needles are not empty: a search for nothing would pass whatever the wheel holds."""
    functions = _spec_functions()
    labs = list(SPEC_DIR.glob("l[0-9][0-9].py"))
    assert len(functions) > 30 and sum(f.startswith("def solution(") for f in functions) == len(labs) + 1  # + demo
    assert len(_solution_lines()) > 20


@pytest.mark.slow
def test_wheel_holds_no_spec_and_no_solution(tmp_path):
    # from a clean copy: setuptools would package stale files left in an old build/ folder of the checkout
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", "runs",
                                                                 ".venv", ".pytest_cache", ".ruff_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("crm_sandbox-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        texts = {n: z.read(n).decode("utf-8", errors="replace") for n in names if n.endswith((".py", ".json", ".ipynb"))}
    assert any(n.startswith("graders/scoring/") for n in names) and "graders/questions/L03.json" in names
    assert not [n for n in names if n.startswith("instructor/") or re.search(r"/specs/l\d\d\.py$", n) or "demo_lab" in n]
    assert not _leaks(texts, _spec_functions() | _solution_lines())


@pytest.mark.slow
def test_student_release_holds_no_spec_and_no_solution(tmp_path):
    assert main(["labs", "release", "--out", str(tmp_path)]) == 0
    student = {str(p): p.read_text(encoding="utf-8") for p in (tmp_path / "student").rglob("*") if p.is_file()}
    assert len(student) >= 2 * len(list_labs())
    assert not _leaks(student, _spec_functions() | _solution_lines())
    assert (tmp_path / "instructor").is_dir()  # the grading files go to the instructor's half only


def test_specs_load_from_a_course_folder_and_say_where_they_are_missing(tmp_path, monkeypatch):
    course = tmp_path / "course"
    course.mkdir()
    (course / "common.py").write_text((SPEC_DIR / "common.py").read_text(encoding="utf-8"), encoding="utf-8")
    (course / "demo.py").write_text((SPEC_DIR / "demo.py").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(specs.ENV, "")  # restored after the test: specs.use sets it for the process
    specs.use(course)
    assert specs.get("demo").lab_id == "DEMO" and specs.known() == ["DEMO"]
    with pytest.raises(UserError, match="no grading spec"):
        specs.get("L03")
    monkeypatch.setenv(specs.ENV, "")
    monkeypatch.setattr(specs, "REPO_SPECS", tmp_path / "absent")
    with pytest.raises(UserError, match="--spec COURSE_FOLDER"):
        specs.get("DEMO")


def test_plain_python_cannot_print_a_solution_from_the_package():
    code = "import graders.specs as s, sys; print(hasattr(s, 'l03'), [m for m in sys.modules if m.startswith('graders.specs.l')])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO / "tests")
    assert out.stdout.strip() == "False []"
    assert not (REPO / "graders" / "specs" / "l03.py").exists()
