"""Finding and opening a student's dataset folder (observable tables only, never answer keys).

Why its own module: both the student-side ``Lab`` and the trusted grader open datasets, and
neither may pull the other's code in. The dataset generator's loader
(``simulations.data.load``, which also validates the schema) is used when it is installed; until
then a folder is read as the dataset contract describes it: ``metadata.json`` plus one
``<table>.parquet`` per table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from simulations.errors import UserError

REPO = Path(__file__).resolve().parents[1]


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
    path = Path(name_or_path)
    if path.is_dir():
        return path
    named = REPO / "datasets" / str(name_or_path)
    if named.is_dir():
        return named
    raise UserError(f"dataset {name_or_path!r}: no such folder (expected a folder with metadata.json, "
                    f"or a name under datasets/)")


def _read_metadata(folder: Path) -> dict:
    meta = folder / "metadata.json"
    if not meta.is_file():
        raise UserError(f"{meta}: missing (a dataset folder must contain metadata.json)")
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UserError(f"{meta}: not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise UserError(f"{meta}: expected a JSON object")
    return data


def load(name_or_path: str | Path) -> Tables:
    """Open a dataset folder; use the generator's validating loader when it exists."""
    folder = resolve(name_or_path)
    try:
        from simulations.data import load as generator_load  # the dataset generator's own loader
    except ImportError:
        generator_load = None
    if generator_load is not None:
        ds = generator_load(folder)
        return Tables(ds.tables, ds.metadata, folder)
    metadata = _read_metadata(folder)
    names = metadata.get("tables") or sorted(p.stem for p in folder.glob("*.parquet"))
    tables = {}
    for name in names:
        file = folder / f"{name}.parquet"
        if not file.is_file():
            raise UserError(f"{file}: missing (metadata.json lists table {name!r})")
        tables[name] = pd.read_parquet(file)
    return Tables(tables, metadata, folder)
