"""Generated datasets: truth stays out, same seed gives the same bytes, dirty data, locales, loader checks."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulations.cli import main
from simulations.data import load
from simulations.errors import UserError
from simulations.recording import generate_dataset
from simulations.recording.dictionary import TRUTH

from .conftest import REPO

#: One worker sets up this module's expensive module-scoped fixture once (pyproject: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_datasets")

EXPERIMENT = {"policies.marketing.retention.targeting": "random"}
HIDDEN_NAMES = {c.name for t in TRUTH for c in t.columns} - {"customer_id", "contact_id", "campaign_id", "week",
                                                               "source_system", "source_id", "treated"}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("gen")
    generate_dataset("retail", 600, 30, 11, root / "ds", root / "keys", overrides=EXPERIMENT, clv_runs=1)
    return root / "ds", root / "keys"


def test_observable_tables_hold_no_truth(made: tuple[Path, Path]) -> None:
    ds, keys = made
    data = load(ds)
    truth = pq.read_table(keys / "truth_customers.parquet").to_pandas().set_index("customer_id")
    for name, df in data.tables.items():
        leaked = HIDDEN_NAMES & set(df.columns)
        assert not leaked, f"{name} has truth columns {leaked}"
    cust = data.customers.set_index("customer_id").loc[truth.index]
    for tcol in ("satisfaction", "trust", "commitment", "clv", "true_stage", "segment", "churn_cause", "churn_date"):
        for ocol in cust.columns:
            a, b = truth[tcol], cust[ocol]
            same = (a.astype(str) == b.astype(str)) & a.notna()
            assert same.mean() < 0.5, f"customers.{ocol} reveals truth column {tcol}"
    assert not any(p.name.startswith("truth_") for p in ds.iterdir())
    assert json.loads((keys / "metadata.json").read_text())["dataset_id"] == data.metadata["dataset_id"]


def test_every_table_in_three_formats(made: tuple[Path, Path]) -> None:
    ds, _ = made
    meta = json.loads((ds / "metadata.json").read_text())
    con = duckdb.connect(str(ds / "crm.duckdb"), read_only=True)
    for name in meta["tables"]:
        parquet = pq.read_table(ds / f"{name}.parquet")
        csv = pd.read_csv(ds / f"{name}.csv")
        assert list(csv.columns) == parquet.column_names and len(csv) == parquet.num_rows
        assert con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == parquet.num_rows
    con.close()
    assert meta["tables"][:2] == ["customers", "orders"] and meta["dirty"] is True


def test_same_seed_same_bytes_and_other_seed_differs(made: tuple[Path, Path], tmp_path: Path) -> None:
    ds, keys = made
    generate_dataset("retail", 600, 30, 11, tmp_path / "again", tmp_path / "again-keys", overrides=EXPERIMENT, clv_runs=1)
    for f in sorted(ds.glob("*.parquet")) + sorted(ds.glob("*.csv")) + [ds / "metadata.json"]:
        assert filecmp.cmp(f, tmp_path / "again" / f.name, shallow=False), f.name
    for f in sorted(keys.glob("*.parquet")):
        assert filecmp.cmp(f, tmp_path / "again-keys" / f.name, shallow=False), f.name
    generate_dataset("retail", 600, 30, 12, tmp_path / "other", overrides=EXPERIMENT)
    assert not filecmp.cmp(ds / "orders.parquet", tmp_path / "other" / "orders.parquet", shallow=False)


def test_dirty_variant_has_duplicates_and_partial_crosswalk(made: tuple[Path, Path]) -> None:
    ds, keys = made
    data = load(ds)
    full = pq.read_table(keys / "truth_crosswalk.parquet").to_pandas()
    billing = full[full.source_system == "billing"]
    assert billing.customer_id.duplicated().any(), "some customers must have several billing accounts"
    assert 0.1 < len(data.crosswalk) / len(full) < 0.9
    merged = data.crosswalk.merge(full, on=["source_system", "source_id"], suffixes=("", "_true"))
    assert len(merged) == len(data.crosswalk) and (merged.customer_id == merged.customer_id_true).all()
    ids = set(data.billing_accounts.account_id) | set(data.service_contacts.contact_ref) | set(data.marketing_leads.lead_id)
    assert ids == set(full.source_id)
    # formats are inconsistent: the same person's phone is written in more than one way
    assert data.billing_accounts.phone.dropna().str.contains(r"^\(").any() and data.billing_accounts.phone.dropna().str.match(
        r"^\d+$").any()


def test_clean_chinese_locale(tmp_path: Path) -> None:
    generate_dataset("telecom", 150, 8, 3, tmp_path / "zh", dirty=False, locale="zh_CN")
    data = load(tmp_path / "zh")
    assert "billing_accounts" not in data.tables and "contracts" in data.tables
    assert data.customers.name.str.contains(r"[\u4e00-\u9fff]").all()
    assert data.customers.phone.str.startswith("+86").all()


def test_loader_names_file_and_missing_column(made: tuple[Path, Path], tmp_path: Path) -> None:
    ds, _ = made
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in ds.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    pq.write_table(pq.read_table(ds / "orders.parquet").drop_columns(["amount"]), broken / "orders.parquet")
    with pytest.raises(UserError, match=r"orders\.parquet: missing column 'amount'"):
        load(broken)
    (broken / "orders.parquet").write_bytes((ds / "orders.parquet").read_bytes())
    csv = pd.read_csv(ds / "surveys.csv").drop(columns=["score"])
    csv.to_csv(broken / "surveys.csv", index=False)
    with pytest.raises(UserError, match=r"surveys\.csv: missing column 'score'"):
        load(broken)
    (broken / "surveys.csv").write_bytes((ds / "surveys.csv").read_bytes())
    t = pq.read_table(ds / "customers.parquet").to_pandas()
    pd.concat([t, t.head(1)]).to_parquet(broken / "customers.parquet", index=False)
    with pytest.raises(UserError, match=r"customers\.parquet: column 'customer_id' must be unique"):
        load(broken)


def test_surveys_nonresponse_depends_on_hidden_satisfaction(made: tuple[Path, Path]) -> None:
    ds, keys = made
    s = load(ds).surveys
    assert set(s.kind) <= {"nps", "csat"} and s.score[~s.responded].isna().all()
    assert s.score[s.responded & (s.kind == "csat")].between(1, 5).all()
    truth = pq.read_table(keys / "truth_customers.parquet").to_pandas()
    m = s.merge(truth[["customer_id", "satisfaction"]], on="customer_id")
    assert m.responded.any() and (~m.responded).any()


def test_cli_bad_input_exits_2_and_keeps_existing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ds"
    assert main(["generate", "--customers", "50", "--weeks", "2", "--out", str(out), "--no-progress"]) == 0
    before = (out / "metadata.json").read_bytes()
    assert main(["generate", "--customers", "50", "--weeks", "2", "--out", str(out), "--no-progress"]) == 2
    assert "already exists; use --force" in capsys.readouterr().err
    assert main(["generate", "--customers", "50", "--out", str(tmp_path / "x"), "--locale", "fr_FR"]) == 2
    assert "unknown locale 'fr_FR'" in capsys.readouterr().err
    assert main(["generate", "--out", str(out), "--keys", str(out / "keys"), "--force"]) == 2
    assert "must not be inside the dataset folder" in capsys.readouterr().err
    assert (out / "metadata.json").read_bytes() == before
    assert main(["generate", "--customers", "50", "--weeks", "2", "--seed", "1", "--out", str(out), "--force",
                 "--no-progress"]) == 0
    assert (out / "metadata.json").read_bytes() != before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left behind"


@pytest.mark.parametrize("name", ["retail-default", "telecom-default", "appliance-community", "bank-students-default"])
def test_committed_datasets_regenerate_identically(name: str, tmp_path: Path) -> None:
    folder = REPO / "datasets" / name
    meta = json.loads((folder / "metadata.json").read_text())
    generate_dataset(meta["scenario"], meta["customers"], meta["weeks"], meta["seed"], tmp_path / name, tmp_path / "keys",
                     meta["dirty"], meta["locale"], overrides=meta["overrides"])
    for f in sorted(folder.iterdir()):
        if f.suffix in (".parquet", ".csv", ".json", ".md"):
            assert filecmp.cmp(f, tmp_path / name / f.name, shallow=False), f"{name}/{f.name} is not current"
    # DuckDB files are not byte-stable between writes: compare their table contents instead
    a = duckdb.connect(str(folder / "crm.duckdb"), read_only=True)
    b = duckdb.connect(str(tmp_path / name / "crm.duckdb"), read_only=True)
    for table in meta["tables"]:
        assert a.execute(f"SELECT * FROM {table}").fetchall() == b.execute(f"SELECT * FROM {table}").fetchall(), table
    for f in sorted((REPO / "keys" / name).glob("*.parquet")):
        assert filecmp.cmp(f, tmp_path / "keys" / f.name, shallow=False), f"keys/{name}/{f.name} is not current"
    assert np.isclose(load(name).metadata["customers"], meta["customers"])
