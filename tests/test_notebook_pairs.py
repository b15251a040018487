"""Every shipped notebook has a jupytext py:percent twin with the same cells (reviews read the .py)."""

from __future__ import annotations

import jupytext
import pytest

from .conftest import REPO

SHIPPED = sorted(
    p for folder in ("labs", "cases", "graders", "instructor") for p in (REPO / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)


def _cells(path):
    nb = jupytext.read(path)
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_there_are_shipped_notebooks():
    assert len(SHIPPED) >= 8


@pytest.mark.parametrize("notebook", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_notebook_and_its_py_twin_have_the_same_cells(notebook):
    twin = notebook.with_suffix(".py")
    assert twin.exists(), f"{notebook.relative_to(REPO)} has no jupytext .py twin"
    assert _cells(notebook) == _cells(twin), f"{twin.relative_to(REPO)} is out of sync (run jupytext --sync)"
