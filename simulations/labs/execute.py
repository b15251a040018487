"""Running a lab notebook top to bottom with chosen parameters (CI, release checks, instructors).

Why: every master must run against the committed dataset and every released student notebook
must run to the end; CI runs them small by overriding the ``parameters`` cell, the way papermill
does, with an injected cell placed right after it, so the notebook's own defaults stay visible.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jupytext
import nbformat
from nbclient import NotebookClient

from simulations.errors import UserError


def inject_parameters(nb: nbformat.NotebookNode, parameters: Mapping[str, Any]) -> nbformat.NotebookNode:
    """A copy of ``nb`` with a cell setting ``parameters`` after the (last) cell tagged ``parameters``.

    The last: a bilingual master has the parameters cell and its Chinese twin, and the injected
    values must come after both.
    """
    nb = copy.deepcopy(nb)
    if not parameters:
        return nb
    where = next((i for i, c in reversed(list(enumerate(nb.cells))) if "parameters" in c.metadata.get("tags", [])), None)
    if where is None:
        raise UserError("the notebook has no cell tagged 'parameters' to override")
    source = "# injected parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(where + 1, cell)
    return nb


def execute(notebook: nbformat.NotebookNode | str | os.PathLike, cwd: str | os.PathLike,
            parameters: Mapping[str, Any] | None = None, timeout: int = 600,
            env: Mapping[str, str] | None = None) -> nbformat.NotebookNode:
    """Execute a notebook (object, ``.ipynb`` or ``.py`` path) in ``cwd``; returns it with outputs.

    A failing cell raises ``nbclient.exceptions.CellExecutionError`` naming the cell and the error.
    ``env`` entries are set in the kernel's environment (e.g. ``CRM_DATASET``).
    """
    nb = notebook if isinstance(notebook, nbformat.NotebookNode) else jupytext.read(Path(notebook))
    nb = inject_parameters(nb, parameters or {})
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    if env:
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            return client.execute()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return client.execute()
