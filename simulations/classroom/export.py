"""Exporting a session: decisions with their history, results, round reports, memos, leaderboard, datasets.

Why a staged folder: an export interrupted half-way must not leave a mix of old and new files.
Why the split into ``datasets/`` and ``keys/``: each team's transactions (orders, tickets,
contacts ...) are observable data that later labs may hand to students; the benchmark firm, the
latent truth (stage counts, satisfaction, customer equity) and the score parts are answer keys.
No wall-clock time is written: the same session exports byte-identical files.

The parts (``README.md`` lists those present): ``decisions`` (what the engine applied) and
``decisions_history`` (every submitted version with the role that submitted it), ``results``,
``weekly``, ``events``, ``round_reports/`` (per round: every team's figures, its score, rank and
the why of its difference from the benchmark, and each team's round report as HTML), ``memos/``
(every stored memo version with its check report), ``keys/`` and ``datasets/``. A part with
nothing recorded yet is left out rather than written empty, so a later part (peer scores,
scripts) slots in as one more entry of :data:`PARTS`.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulations import __version__
from simulations.classroom.attribution import complete_reports
from simulations.classroom.case import Case
from simulations.classroom.round_report import export_reports
from simulations.classroom.rounds import load_state
from simulations.classroom.scenes import export_frames
from simulations.classroom.scoring import leaderboard
from simulations.classroom.session import counted_rounds, session_case, weekly_frame
from simulations.classroom.store import BENCHMARK, WARMUP, Store
from simulations.config import CONTRACT_TYPES, TIERS
from simulations.outputs import staged_folder

#: Customer attributes a firm holds in its own records (snapshot at the end of the game).
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "signup_week", "n_orders", "total_spend", "last_purchase_week", "tier", "contract", "acquisition_channel",
    "referred_by", "loyalty_member", "community_member",
)


def _tables(blob: bytes) -> dict[str, pd.DataFrame]:
    packed = np.load(io.BytesIO(blob), allow_pickle=False)
    grouped: dict[str, dict[str, np.ndarray]] = {}
    for key in packed.files:
        kind, col = key.split("/", 1)
        grouped.setdefault(kind, {})[col] = packed[key]
    return {kind: pd.DataFrame(cols) for kind, cols in grouped.items()}


def _customers(state: bytes) -> pd.DataFrame:
    model = load_state(state)
    pop = model.population
    frame = pd.DataFrame({"customer": np.arange(pop.n, dtype=np.int32)})
    for col in CUSTOMER_COLUMNS:
        frame[col] = np.asarray(getattr(pop, col))
    frame["tier"] = [TIERS[int(t)] for t in frame["tier"]]
    frame["contract"] = [CONTRACT_TYPES[int(c)] for c in frame["contract"]]
    return frame[frame["signup_week"] >= 0].reset_index(drop=True)


#: Top-level parts of an export, in the order the README lists them, with what each holds.
PARTS: tuple[tuple[str, str], ...] = (
    ("decisions", "decisions the engine applied per team and round (submitted or kept)"),
    ("decisions_history", "every submitted version of every team's decisions, with the submitter's role"),
    ("results", "each team's observable figures per round"),
    ("weekly", "weekly figures, warm-up included"),
    ("events", "scheduled and injected events"),
    ("round_reports", "per closed round: every team's figures, scores and ranks (`_scores`), each lever's part of "
                      "the difference from the benchmark (`_why`), and each team's round report as it saw it (HTML)"),
    ("memos", "every stored memo version with its figure check"),
    ("scripts", "every saved version of each team's scene script (role play), with the submitter's role"),
    ("peer_scores", "peer scores of the performances: every revision (raw), per team and criterion "
                    "(mean, min, max, SD), rater checks and the rubric"),
    ("keys", "benchmark, latent truth and the leaderboard: instructors only"),
    ("datasets", "each team's world as transaction tables and a customer snapshot"),
)


def export_session(store: Store, instructor_token: str, out: str | Path) -> list[Path]:
    """Write the whole session to ``out``; returns the files written (relative to ``out``)."""
    store.check_instructor(instructor_token)
    case = session_case(store)
    info = store.info()
    results = store.results()
    rounds = counted_rounds(store, case)
    written: list[Path] = []

    def save(frame: pd.DataFrame, rel: str, stage: Path, csv: bool = True) -> None:
        path = stage / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path.with_suffix(".parquet"), index=False)
        written.append(Path(rel).with_suffix(".parquet"))
        if csv:
            frame.to_csv(path.with_suffix(".csv"), index=False)
            written.append(Path(rel).with_suffix(".csv"))

    with staged_folder(Path(out), replace=True) as stage:
        applied = [{"team": t, "round": r, "practice": r == 0, "submitted": s, **d}
                   for t, r, d, s in store.all_applied() if t != BENCHMARK]
        save(pd.DataFrame(applied), "decisions", stage)
        team_rows = [r for r in results if r["team"] != BENCHMARK]
        observable = [{"team": r["team"], "round": r["round"], "practice": r["round"] == 0, **r["metrics"]}
                      for r in team_rows]
        save(pd.DataFrame(observable), "results", stage)
        save(weekly_frame([r for r in results if r["team"] != BENCHMARK or r["round"] == WARMUP]), "weekly", stage)
        events = [{"round": e.round, "event_id": e.id, "kind": e.kind, "headline": e.headline.en, "intensity": e.intensity,
                   "duration": e.duration, "source": "case"} for e in case.scheduled_events if e.round in rounds]
        events += store.events()
        for e in events:  # both languages, so a Chinese class's export reads as its pages did
            spec = case.event(e["event_id"])
            e["headline_zh"] = spec.headline.zh if spec is not None else ""
        save(pd.DataFrame(events, columns=["round", "event_id", "kind", "headline", "headline_zh", "intensity",
                                           "duration", "source"]), "events", stage)
        history = [{"seq": h["seq"], "team": h["team"], "round": h["round"], "version": h["revision"],
                    "submitted_by": h["role"], **h["decisions"]} for h in store.submission_history(instructor_token)]
        if history:
            save(pd.DataFrame(history), "decisions_history", stage)
        for r in sorted({x["round"] for x in observable}):
            save(pd.DataFrame([x for x in observable if x["round"] == r]), f"round_reports/round_{r}", stage)
        complete_reports(store)  # the why of any round whose background worker has not finished
        written += export_reports(store, instructor_token, case, stage, save)
        for m in store.memos(instructor_token):
            rel = Path("memos") / f"team_{m['team']:02d}" / f"round_{m['round']}_v{m['version']}.md"
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage / rel).write_text(f"<!-- submitted by: {m['role'] or 'team'} -->\n{m['text']}\n\n## Figure check\n\n"
                                     f"```\n{m['report']}\n```\n", encoding="utf-8")
            written.append(rel)
        for rel, part in export_frames(store, instructor_token, case).items():
            if isinstance(part, str):
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                (stage / rel).write_text(part, encoding="utf-8")
                written.append(Path(rel))
            else:
                save(part, rel, stage)
        hidden = [{"team": r["team"], "round": r["round"], **r["hidden"]} for r in results]
        save(pd.DataFrame(hidden), "keys/results_truth", stage)
        save(leaderboard(results, case, rounds), "keys/leaderboard", stage)

        for team in store.team_numbers():
            own = [r for r in results if r["team"] == team and r["round"] >= 1]
            kinds: dict[str, list[pd.DataFrame]] = {}
            for row in own:
                for kind, frame in _tables(row["tables"]).items():
                    frame.insert(0, "round", row["round"])
                    kinds.setdefault(kind, []).append(frame)
            for kind, frames in sorted(kinds.items()):
                save(pd.concat(frames, ignore_index=True), f"datasets/team_{team:02d}/{kind}", stage, csv=False)
            last = max((r["round"] for r in own), default=None)
            state = store.checkpoint(team, last) if last is not None else None
            if state is not None:
                save(_customers(state), f"datasets/team_{team:02d}/customers", stage, csv=False)
        present = {str(f).split("/")[0].split(".")[0] for f in written}
        readme = _provenance(case, info, rounds) + "\n".join(f"- `{name}`: {what}" for name, what in PARTS
                                                              if name in present) + "\n"
        (stage / "README.md").write_text(readme, encoding="utf-8")
        written.append(Path("README.md"))
    return written


def _provenance(case: Case, info: Any, rounds: list[int]) -> str:
    return "\n".join([
        f"# Classroom session export: {case.title.en} / {case.title.zh}",
        "",
        f"- case: `{case.name}`; scenario: `{case.scenario}`; customers: {info.customers}; seed: {info.seed}",
        f"- teams: {info.n_teams}; counted rounds played: {', '.join(map(str, rounds)) or 'none'}; "
        f"weeks per round: {case.rounds.weeks}",
        f"- crm-sandbox version: {__version__}",
        "",
        "## Parts",
        "",
    ])


def export_zip(store: Store, instructor_token: str, target: str | Path) -> list[str]:
    """Write the export as one zip file (for the instructor page's download); returns the parts in it.

    Why a zip built next to its target and renamed: the download route never sees half a file.
    """
    import tempfile

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="crm-export-") as tmp:
        files = export_session(store, instructor_token, Path(tmp) / "export")
        partial = target.with_suffix(".part")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for rel in sorted(files):
                zf.write(Path(tmp) / "export" / rel, str(rel))
        partial.replace(target)
    present = {str(f).split("/")[0].split(".")[0] for f in files}
    return [name for name, _what in PARTS if name in present]


def zip_manifest(data: bytes) -> dict[str, int]:
    """Names and sizes of the files in an export zip (tests and the CLI check what a download holds)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: i.file_size for i in zf.infolist()}
