"""Opening answer-key folders (instructor only) and pairing them with students' datasets.

Why its own module: only the trusted grader imports it; the student-side ``Lab`` never does
(a test checks), and the sandbox hides every keys folder from the notebook it runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from graders.datasets import Tables
from simulations.errors import UserError


def load(folder: str | Path, needed: tuple[str, ...] = ("truth_customers",)) -> Tables:
    """The truth tables of one keys folder (``metadata.json`` + ``truth_*.parquet``); ``needed`` must exist."""
    folder = Path(folder)
    meta_path = folder / "metadata.json"
    if not meta_path.is_file():
        raise UserError(f"{meta_path}: missing (an answer-key folder has metadata.json and truth_*.parquet)")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise UserError(f"{meta_path}: not valid JSON ({err})") from None
    tables = {}
    for name in needed:
        path = folder / f"{name}.parquet"
        if not path.is_file():
            raise UserError(f"{path}: missing (this lab's grading needs {name})")
        tables[name] = pd.read_parquet(path)
    return Tables(folder, metadata, tables)


def check_pair(data: Tables, keys: Tables, student: str) -> None:
    """A student's data and keys must come from the same generation (same ``dataset_id``)."""
    if data.dataset_id and keys.metadata.get("dataset_id") and data.dataset_id != keys.metadata["dataset_id"]:
        raise UserError(f"student {student}: dataset {data.dataset_id} and answer key {keys.metadata['dataset_id']} "
                        f"are from different generations")
