"""Finding and opening a student's dataset folder (observable tables only, never answer keys).

Why its own module: both the student-side ``Lab`` and the trusted grader open datasets, and
neither may pull the other's code in. Loading and schema validation are the dataset generator's
(``simulations.data.load``); this module resolves names for the student side and the grader alike.
"""

from __future__ import annotations

from pathlib import Path

from simulations import data as generator_data

#: A dataset as ``{name: DataFrame}`` with ``.metadata`` and ``.dataset_id`` (the generator's class).
Tables = generator_data.Dataset


def resolve(name_or_path: str | Path) -> Path:
    """A dataset folder: a path to a folder, or a name under the repository's ``datasets/``."""
    return generator_data.resolve(name_or_path)


def load(name_or_path: str | Path) -> Tables:
    """Open and validate a dataset folder (missing or extra columns, duplicate ids raise ``UserError``)."""
    return generator_data.load(resolve(name_or_path))
