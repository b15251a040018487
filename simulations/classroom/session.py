"""Reading a session without the simulation engine: its case, a round's events, weekly figures.

Why a module of its own: a team page must be interactive within seconds of opening, and each
page is a fresh kernel. These helpers import no model code (Mesa and the mechanisms take about
a second and a half to import) and no pandas (with pyarrow about 100 MiB per kernel), so a team
page does not pay, in time or memory, for what it never runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulations.classroom.case import Case, load_case
from simulations.classroom.store import BENCHMARK, Store


def session_case(store: Store) -> Case:
    """The case a session plays (from the folder recorded at creation, else by name)."""
    info = store.info()
    folder = Path(info.case_dir)
    return load_case(folder if (folder / "case.yaml").is_file() else info.case_name)


def round_events(store: Store, case: Case, round_no: int, lang: str | None = None) -> list[dict[str, Any]]:
    """Events acting in a round: the case's scheduled ones, then those the instructor injected.

    Headlines are in ``lang`` (default: the language in force). The store keeps an injected
    event's English headline; the case supplies it in the page's language by the event's id, so
    a page in Chinese shows Chinese news whichever page injected it.
    """
    scheduled = [{"event_id": e.id, "kind": e.kind, "headline": e.headline.get(lang), "intensity": e.intensity,
                  "duration": e.duration, "source": "case"} for e in case.scheduled_events if e.round == round_no]
    injected = []
    for row in store.events(round_no):
        spec = case.event(row["event_id"])
        injected.append({**row, "headline": spec.headline.get(lang)} if spec is not None else row)
    return scheduled + injected


def weekly_records(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Weekly KPIs of result rows (each row's ``weekly`` JSON bytes) as dicts with the team."""
    return [{"team": row["team"], **week} for row in rows for week in json.loads(row["weekly"])]


def weekly_frame(rows: list[dict[str, Any]]) -> Any:
    """The same as a pandas DataFrame (pandas is imported here only: team pages never call this)."""
    import pandas as pd

    return pd.DataFrame(weekly_records(rows))


def counted_rounds(store: Store, case: Case) -> list[int]:
    """Closed rounds that count for the score (1..), in order."""
    played = {r["round"] for r in store.results() if r["team"] == BENCHMARK}
    return [r for r in range(1, case.rounds.count + 1) if r in played]
