"""Generating a dataset: run the model with a recorder, then write the student folder and the keys.

Why one function: the CLI, the per-student issuer, the committed datasets and the tests must all
produce datasets the same way. Everything is checked before the (long) simulation starts, and both
folders are written through :func:`simulations.outputs.staged_folder`, so a failure or Ctrl-C never
leaves a half-written dataset and an existing one is replaced only by a complete new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulations import __version__
from simulations.config import Scenario, load_scenario, with_overrides
from simulations.errors import UserError
from simulations.i18n import _
from simulations.outputs import staged_folder
from simulations.recording import contracts as contracts_mod
from simulations.recording import dirty as dirty_mod
from simulations.recording import observable as obs
from simulations.recording import truth
from simulations.recording.dictionary import CONTRACT_TABLES, DIRTY_TABLES, OBSERVABLE, TABLES, data_dictionary, keys_dictionary
from simulations.recording.recorder import Recorder
from simulations.stages import Stage

DUCKDB_FILE = "crm.duckdb"


@dataclass
class GeneratedDataset:
    """Where a dataset and its keys went, and its fingerprint."""

    out: Path
    keys: Path | None
    metadata: dict[str, Any]


def dataset_fingerprint(scenario: Scenario, seed: int, customers: int, weeks: int, locale: str, dirty: bool,
                        assignment: str | None) -> str:
    """16-hex id of a dataset: a hash of everything that determines it (nothing derived from truth)."""
    spec = json.dumps({"scenario": scenario.model_dump(mode="json"), "seed": seed, "customers": customers, "weeks": weeks,
                       "locale": locale, "dirty": dirty, "assignment": assignment, "version": __version__},
                      sort_keys=True, default=str)
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def _inside(a: Path, b: Path) -> bool:
    a, b = a.resolve(), b.resolve()
    return a == b or b in a.parents


def check_request(out: Path, keys: Path | None, locale: str, customers: int | None, weeks: int | None,
                  seed: int, force: bool) -> None:
    """Refuse bad requests before any work, naming the option and what was expected."""
    if locale not in obs.LOCALES:
        raise UserError(_("--locale: unknown locale {locale}; expected one of {locales}").format(
            locale=repr(locale), locales=", ".join(obs.LOCALES)))
    if customers is not None and customers < 10:
        raise UserError(_("--customers must be at least 10, got {value}").format(value=customers))
    if weeks is not None and weeks < 1:
        raise UserError(_("--weeks must be at least 1, got {value}").format(value=weeks))
    if seed < 0:
        raise UserError(_("--seed must be >= 0, got {value}").format(value=seed))
    if keys is not None and (_inside(keys, out) or _inside(out, keys)):
        raise UserError(_("--keys {keys}: answer keys must not be inside the dataset folder {out} (or contain it)").format(
            keys=keys, out=out))
    for folder, option in ((out, "--out"), (keys, "--keys")):
        if folder is not None and folder.exists() and (not folder.is_dir() or any(folder.iterdir())) and not force:
            raise UserError(_("{option} {folder}: already exists; use --force to replace it").format(
                option=option, folder=folder))


def write_table(folder: Path, name: str, parts: pa.Table | Iterable[pa.Table]) -> int:
    """Write ``name``.parquet (in row groups as the parts come) and return the rows written."""
    schema = TABLES[name].schema()
    rows = 0
    with pq.ParquetWriter(folder / f"{name}.parquet", schema) as writer:
        for part in [parts] if isinstance(parts, pa.Table) else parts:
            writer.write_table(part)
            rows += part.num_rows
    return rows


def export_csv_duckdb(folder: Path, names: list[str]) -> None:
    """CSV copies and one DuckDB database of the Parquet tables (streamed by DuckDB, order kept)."""
    con = duckdb.connect(str(folder / DUCKDB_FILE))
    try:
        con.execute("SET threads TO 1")
        con.execute("SET preserve_insertion_order TO true")
        for name in names:
            src = str(folder / f"{name}.parquet").replace("'", "''")
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet('{src}')")
            dst = str(folder / f"{name}.csv").replace("'", "''")
            con.execute(f"COPY {name} TO '{dst}' (HEADER, DELIMITER ',')")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _staged(folder: Path | None) -> contextlib.AbstractContextManager[Path | None]:
    return staged_folder(folder, replace=True) if folder is not None else contextlib.nullcontext(None)


def generate_dataset(
    scenario: Scenario | str = "retail",
    customers: int | None = None,
    weeks: int | None = None,
    seed: int = 0,
    out: Path | str = Path("datasets/custom"),
    keys: Path | str | None = None,
    dirty: bool = True,
    locale: str = "en_US",
    force: bool = False,
    progress: Callable[[int], None] | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    assignment: str | None = None,
    public_seed: bool = True,
    clv_runs: int = truth.CLV_RUNS,
) -> GeneratedDataset:
    """Simulate a scenario and write a student dataset to ``out`` and (optionally) answer keys to ``keys``.

    Args:
        scenario: a :class:`Scenario`, a built-in name or a YAML path.
        customers: people at the start (default: the scenario's).
        weeks: simulated weeks (default: the scenario's).
        seed: root seed; the same arguments give byte-identical Parquet and CSV files.
        out: dataset folder (student-facing, observable tables only).
        keys: answer-key folder (instructors); ``None`` writes no keys and skips the counterfactual runs.
        dirty: add the source-system tables with duplicates and a partial crosswalk.
        locale: ``en_US`` or ``zh_CN`` identities.
        force: replace existing folders (always atomically).
        progress: called with 1 after every simulated week.
        overrides: dotted scenario overrides, e.g. ``{"policies.marketing.retention.targeting": "random"}``.
        assignment: assignment name recorded in the metadata (per-student datasets).
        public_seed: write the seed into the dataset's metadata (False for per-student datasets, whose
            seed is secret: the keys' metadata keeps it).
        clv_runs: continuations averaged for the expected CLV.
    """
    out = Path(out)
    keys = Path(keys) if keys is not None else None
    check_request(out, keys, locale, customers, weeks, seed, force)
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if overrides:
        spec = with_overrides(spec, overrides)
    from simulations.model import CustomerLifecycleModel

    model = CustomerLifecycleModel(spec, customers=customers, seed=seed, collect=False, weeks=weeks)
    spec = model.spec
    n_start, horizon = spec.world.market.customers, weeks or spec.world.market.weeks
    rec = Recorder(model.streams.recording, hooks=(obs.observe_week,))
    contracts_mod.observe_start(model, rec)
    model.observers.append(rec)
    replayer = truth.ExperimentReplayer(horizon=horizon) if keys is not None else None
    if replayer is not None:
        model.observers.append(replayer)
    model.run(horizon, progress=progress)
    model.observers.clear()

    pop = model.population
    start = spec.world.market.start_date
    ever = np.flatnonzero(pop.stage != Stage.PROSPECT)
    ctx = obs.Context(start=start, weeks=horizon, seed=seed, n_people=pop.n, customers=ever,
                      contracts=spec.world.contracts.enabled, categories=spec.world.traits.categories,
                      signup_week=pop.signup_week[: pop.n].copy())
    dataset_id = dataset_fingerprint(spec, seed, n_start, horizon, locale, dirty, assignment)
    names = [t.name for t in OBSERVABLE if (dirty or t.name not in DIRTY_TABLES)
             and (ctx.contracts or t.name not in CONTRACT_TABLES)]
    metadata = {
        "dataset_id": dataset_id, "scenario": spec.name, "seed": seed if public_seed else None, "customers": n_start,
        "weeks": horizon, "start_date": start.isoformat(), "end_date": str(ctx.day(horizon, 6)), "locale": locale,
        "dirty": dirty, "assignment": assignment, "package_version": __version__, "tables": names,
        "overrides": {k.replace("__", "."): v for k, v in (overrides or {}).items()},
    }
    with _staged(out) as ds, _staged(keys) as ks:
        for folder in (ds, ks):
            if folder is not None:
                folder.chmod(0o755)  # staging folders are private; the result should read like any folder
        who = dirty_mod.share_household_phones(obs.identities(ctx.customers.size, locale, seed), seed)
        history = contracts_mod.contract_history(ctx, pop, rec, spec.world.contracts.notice_weeks)
        customers_t = obs.build_customers(ctx, pop, rec, who, locale, spec.world.traits.min_age, history)
        write_table(ds, "customers", customers_t)
        camp = obs.build_campaigns(ctx, rec, model.policies, model.world.market.size_scale)
        redemptions = obs.Redemptions()
        write_table(ds, "orders", obs.build_orders(ctx, rec, camp, redemptions))
        write_table(ds, "campaigns", camp.table)
        write_table(ds, "marketing_contacts", obs.build_contacts(ctx, rec, camp, spec.world.costs.contact_cost,
                                                                 redemptions))
        write_table(ds, "service_tickets", obs.build_tickets(ctx, rec))
        write_table(ds, "surveys", obs.build_surveys(ctx, rec))
        ideas, votes = obs.build_ideas(ctx, rec)
        write_table(ds, "community_ideas", ideas)
        write_table(ds, "community_votes", votes)
        write_table(ds, "loyalty_ledger", obs.build_loyalty(ctx, rec))
        if ctx.contracts:
            write_table(ds, "contracts", contracts_mod.build_contracts(ctx, pop, history))
        messy = None
        if dirty:
            signup = customers_t.column("signup_date").to_numpy().astype("datetime64[D]")
            channel = customers_t.column("acquisition_channel").to_numpy(zero_copy_only=False)
            known = dirty_mod.presence(ctx, rec, channel, obs.generator(seed, dirty_mod.P_HOUSEHOLD + 1))
            messy = dirty_mod.build_dirty(ctx, who, signup, locale, known)
            for name, table in messy.tables.items():
                write_table(ds, name, table)
            write_table(ds, "crosswalk", messy.crosswalk)
        export_csv_duckdb(ds, names)
        (ds / "DATA_DICTIONARY.md").write_text(data_dictionary(names), encoding="utf-8")
        (ds / "metadata.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if ks is not None:
            _write_keys(ks, ctx, model, rec, replayer, camp, messy, metadata, seed, clv_runs)
    return GeneratedDataset(out, keys, metadata)


def _write_keys(ks: Path, ctx: obs.Context, model: Any, rec: Recorder, replayer: truth.ExperimentReplayer | None,
                camp: obs.Campaigns, messy: dirty_mod.DirtyData | None, metadata: dict[str, Any], seed: int,
                clv_runs: int) -> None:
    clv = truth.expected_clv(model, seed, runs=clv_runs)
    pq.write_table(truth.build_truth_customers(ctx, model, rec, clv), ks / "truth_customers.parquet")
    truth.write_weekly_stage(ks / "truth_weekly_stage.parquet", ctx, rec)
    cross = messy.truth_crosswalk if messy is not None else obs.arrow(
        "truth_crosswalk", {"source_system": np.empty(0, str), "source_id": np.empty(0, str), "customer_id": np.empty(0, str)})
    pq.write_table(cross, ks / "truth_crosswalk.parquet")
    effects = truth.build_treatment_effects(replayer, rec, obs.contact_ids(rec), camp.contact_campaign, ctx)
    pq.write_table(effects, ks / "truth_treatment_effects.parquet")
    pq.write_table(pa.Table.from_pandas(truth.kpi_frame(rec, ctx), preserve_index=False), ks / "truth_kpis.parquet")
    (ks / "KEYS_DICTIONARY.md").write_text(keys_dictionary(), encoding="utf-8")
    meta = {"dataset_id": metadata["dataset_id"], "scenario": metadata["scenario"], "seed": seed,
            "assignment": metadata["assignment"], "clv_horizon_weeks": truth.CLV_HORIZON_WEEKS, "clv_runs": clv_runs,
            "discount_rate": truth.ANNUAL_DISCOUNT_RATE, "effect_window_weeks": truth.EFFECT_WINDOW_WEEKS,
            "package_version": metadata["package_version"]}
    (ks / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

