"""Finding and opening a student's dataset folder (observable tables only, never answer keys).

Why its own module: both the student-side ``Lab`` and the trusted grader open datasets, and
neither may pull the other's code in. Loading and schema validation are the dataset generator's
(``simulations.data.load``); this module adds the mapping interface and the fingerprint.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from simulations import data as generator_data


class Tables(Mapping):
    """A dataset as ``{name: DataFrame}`` with ``.metadata``; ``ds.orders`` and ``ds["orders"]`` both work."""

    def __init__(self, tables: Mapping[str, pd.DataFrame], metadata: Mapping[str, Any] | None = None,
                 folder: Path | None = None) -> None:
        self.tables = dict(tables)
        self.metadata = dict(metadata or {})
        self.folder = folder

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; tables: {', '.join(sorted(self.tables))}") from None

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name in ("tables", "metadata", "folder"):
            raise AttributeError(name)
        try:
            return self.tables[name]
        except KeyError:
            raise AttributeError(name) from None

    def __iter__(self):
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)

    @property
    def dataset_id(self) -> str:
        """The dataset's fingerprint from ``metadata.json`` (ties a submission to its data)."""
        return str(self.metadata.get("dataset_id", ""))


def resolve(name_or_path: str | Path) -> Path:
    """A dataset folder: a path to a folder, or a name under the repository's ``datasets/``."""
    return generator_data.resolve(name_or_path)


def load(name_or_path: str | Path) -> Tables:
    """Open and validate a dataset folder (missing or extra columns, duplicate ids raise ``UserError``)."""
    folder = resolve(name_or_path)
    ds = generator_data.load(folder)
    return Tables(ds.tables, ds.metadata, folder)
