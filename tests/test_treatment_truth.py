"""Experiments band: generic e-mail campaigns respond at 0.5-5%; true uplift is heterogeneous, some backfire."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from simulations.data import load
from simulations.recording import generate_dataset

#: One worker sets up this module's expensive module-scoped fixture once (pyproject: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_treatment_truth")


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("exp")
    generate_dataset("retail", 3000, 52, 5, root / "ds", root / "keys",
                     overrides={"policies.marketing.retention.targeting": "random"}, clv_runs=1)
    return root / "ds", root / "keys"


def test_generic_email_campaign_response_band(experiment: tuple[Path, Path]) -> None:
    data = load(experiment[0])
    contacts = data.marketing_contacts.merge(data.campaigns[["campaign_id", "campaign_type"]], on="campaign_id")
    generic = contacts[(contacts.campaign_type == "cross_sell") & (contacts.channel == "email")]
    assert len(generic) > 500
    assert 0.005 <= generic.responded.mean() <= 0.05


def test_retention_experiment_response_band(experiment: tuple[Path, Path]) -> None:
    data = load(experiment[0])
    treated = data.marketing_contacts[data.marketing_contacts.assignment == "treatment"]
    assert len(treated) > 200
    assert 0.005 <= treated.responded.mean() <= 0.05


def test_experiment_is_randomized_and_effects_are_heterogeneous(experiment: tuple[Path, Path]) -> None:
    data = load(experiment[0])
    effects = pq.read_table(experiment[1] / "truth_treatment_effects.parquet").to_pandas()
    exp = data.marketing_contacts[data.marketing_contacts.assignment.isin(["treatment", "control"])]
    assert 0.3 < (exp.assignment == "treatment").mean() < 0.7
    assert set(effects.contact_id) == set(exp.contact_id), "every experiment contact has its true effect"
    assert (effects.effect_churn == -1).any(), "some customers are saved by the offer"
    assert (effects.effect_churn == 1).any(), "for some customers the offer backfires"
    assert (effects.effect_churn == 0).mean() > 0.8, "most customers are unaffected"
    assert (effects.effect_churn == effects.churn_if_treated.astype(int) - effects.churn_if_untreated.astype(int)).all()
