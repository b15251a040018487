"""The committed student datasets (every scenario) carry no truth column and no truth file."""

from __future__ import annotations

import pytest

from simulations.data import load
from simulations.recording.dictionary import TRUTH

from .conftest import REPO

JOIN_KEYS = {"customer_id", "contact_id", "campaign_id", "week", "source_system", "source_id", "treated"}
HIDDEN = {c.name for t in TRUTH for c in t.columns} - JOIN_KEYS
COMMITTED = sorted(p.name for p in (REPO / "datasets").iterdir() if (p / "metadata.json").exists())


def test_there_are_committed_datasets_for_retail_and_telecom():
    assert {"retail-default", "telecom-default"} <= set(COMMITTED)


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_dataset_has_no_truth(name):
    data = load(name)
    for table, df in data.tables.items():
        assert not HIDDEN & set(df.columns), f"{name}/{table} has truth columns {HIDDEN & set(df.columns)}"
    files = {p.name for p in (REPO / "datasets" / name).iterdir()}
    assert not [f for f in files if f.startswith(("truth_", "KEYS"))]
    assert not {"seed_secret", "clv", "true_stage"} & set(data.metadata)
