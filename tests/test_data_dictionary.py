"""DATA_DICTIONARY.md is complete (every table and column) and current (equal to a fresh render)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from simulations.recording.dictionary import OBSERVABLE, TABLES, data_dictionary, keys_dictionary

from .conftest import REPO


@pytest.mark.parametrize("name", ["retail-default", "telecom-default", "appliance-community", "bank-students-default"])
def test_dictionary_is_current_and_complete(name: str) -> None:
    folder = REPO / "datasets" / name
    meta = json.loads((folder / "metadata.json").read_text())
    text = (folder / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert text == data_dictionary(meta["tables"]), "regenerate the dataset: its dictionary is stale"
    for table in meta["tables"]:
        assert f"## `{table}`" in text
        for column in pq.read_schema(folder / f"{table}.parquet").names:
            assert f"| `{column}` |" in text.split(f"## `{table}`")[1].split("\n## ")[0], f"{table}.{column} undocumented"


def test_every_column_has_type_unit_meaning_and_chinese_name() -> None:
    for table in TABLES.values():
        assert table.zh and table.row
        for c in table.columns:
            assert c.type and c.unit and len(c.meaning) > 5, f"{table.name}.{c.name}"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in c.zh), f"{table.name}.{c.name} lacks a Chinese name"
    assert "## `truth_customers`" in keys_dictionary()
    assert all(f"## `{t.name}`" not in keys_dictionary() for t in OBSERVABLE), "keys and student tables are separate"
