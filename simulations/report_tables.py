"""The words and numbers of a run's report: KPI definitions, formatted tables, the run's settings and
the biggest changes, as plain data (no plotting), so the console summary and ``report.html`` agree.

Why a module of its own: a report is read by students and managers, not by pandas. Counts are
people (integers with thousands separators), money is whole currency units, shares are percent,
and every column says what it is in words with its unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from simulations.config import Scenario, describe_fields
from simulations.stages import Stage

Kind = Literal["count", "money", "share", "score"]


@dataclass(frozen=True)
class Kpi:
    """How one KPI is shown: label in words, unit, one-sentence meaning, and how to format it."""

    label: str
    unit: str
    meaning: str
    kind: Kind

    @property
    def header(self) -> str:
        """Column header: the label with its unit."""
        return f"{self.label} ({self.unit})"


#: The KPIs the report shows, in reading order (definitions are printed in the report).
KPIS: dict[str, Kpi] = {
    "acquisitions": Kpi("New customers", "people", "prospects who became customers during the period", "count"),
    "terminations": Kpi("Relationships ended", "people",
                        "customers whose relationship ended (notice ran out, or buying faded); they become dormant",
                        "count"),
    "revenue": Kpi("Revenue", "currency units", "sales plus recurring fees billed during the period", "money"),
    "gross_margin": Kpi("Gross margin", "currency units",
                        "revenue times the scenario's gross margin rate: what sales leave after the cost of goods",
                        "money"),
    "cost_total": Kpi("Costs", "currency units",
                      "acquisition, marketing, service, loyalty programme and community costs", "money"),
    "profit": Kpi("Profit", "currency units", "gross margin minus costs", "money"),
    "customers_active": Kpi("Active customers", "people",
                            "people in an active stage (new, growth, maturity, at-risk, terminating, won back)", "count"),
    "mean_satisfaction": Kpi("Mean satisfaction", "0 to 1",
                             "average latent satisfaction of active customers (hidden truth: the firm only sees surveys)",
                             "score"),
    "service_level": Kpi("Service level", "% of live contacts",
                         "share of phone, chat and key-desk contacts answered within the target wait", "share"),
}
#: KPIs summed over a year in the summary table; the others are read at the year's last week.
FLOW_KPIS: tuple[str, ...] = ("acquisitions", "terminations", "revenue", "gross_margin", "cost_total", "profit")
LEVEL_KPIS: tuple[str, ...] = ("customers_active", "mean_satisfaction", "service_level")


def format_value(value: float, kind: Kind) -> str:
    """One cell as people read it: ``12,345`` for counts and money, ``87.5%`` for shares, ``0.68`` for scores."""
    if pd.isna(value):
        return "–"
    if kind in ("count", "money"):
        return f"{round(float(value)):,}".replace("-", "−")
    if kind == "share":
        return f"{100 * float(value):.1f}%"
    return f"{float(value):.2f}"


def summary_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per-year totals of flows and end-of-year levels, as numbers (columns are KPI names, index the year).

    A last, partial year is labelled with its weeks (``"3 (weeks 105-110)"``) so it is not read as a full year.
    """
    weekly = kpis[kpis["week"] > 0].copy()
    weekly["year"] = (weekly["week"] - 1) // 52 + 1
    sums = weekly.groupby("year")[list(FLOW_KPIS)].sum()
    ends = weekly.groupby("year")[list(LEVEL_KPIS)].last()
    table = sums.join(ends)
    weeks = weekly.groupby("year")["week"].agg(["min", "max"])
    table.index = [str(y) if hi - lo == 51 else f"{y} (weeks {lo}-{hi})" for y, (lo, hi) in weeks.iterrows()]
    table.index.name = "year"
    return table


def formatted_summary(kpis: pd.DataFrame) -> pd.DataFrame:
    """:func:`summary_table` for people: one row per KPI (label with unit), one column per year, cells formatted.

    Why KPIs as rows: nine labelled columns do not fit a terminal or a page; three years do.
    """
    table = summary_table(kpis)
    shown = pd.DataFrame({f"Year {y}": [format_value(table.at[y, c], KPIS[c].kind) for c in table.columns]
                          for y in table.index}, index=[KPIS[c].header for c in table.columns])
    shown.index.name = "KPI"
    return shown


def stage_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """People in every lifecycle stage, prospects and lost included, at the start and the end of the run."""
    first, last = kpis.iloc[0], kpis.iloc[-1]
    rows = []
    for stage in Stage:
        col = f"n_{stage.name.lower()}"
        rows.append((stage.label, int(first[col]), int(last[col])))
    frame = pd.DataFrame(rows, columns=["Stage", "start", "end"])
    total = pd.DataFrame([("all people in the market", int(frame["start"].sum()), int(frame["end"].sum()))],
                         columns=frame.columns)
    frame = pd.concat([frame, total], ignore_index=True)
    start_week, end_week = int(first["week"]), int(last["week"])
    frame.columns = ["Stage", f"Week {start_week} (people)", f"Week {end_week} (people)"]
    for col in frame.columns[1:]:
        frame[col] = [format_value(v, "count") for v in frame[col]]
    return frame.set_index("Stage")


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: data}


def run_parameters(scenario: Scenario, *, people: int, weeks: int, seed: int,
                   version: str) -> list[tuple[str, str, str]]:
    """(setting, value, meaning): the run's settings, then every scenario field that differs from the schema default.

    Why only the differences: the full scenario has about 150 fields; what makes this run this
    run is its scenario's choices (``crm-sandbox scenario show NAME`` prints all of them).
    """
    rows = [("scenario", scenario.name, "built-in name or file"),
            ("people at the start", f"{people:,}", "customers and prospects in week 0"),
            ("weeks simulated", f"{weeks:,}", ""), ("seed", str(seed), "the same seed gives the same run"),
            ("start date (week 0)", scenario.world.market.start_date.isoformat(), ""),
            ("crm-sandbox version", version, "")]
    meanings = {path: meaning for path, _, _, meaning in describe_fields()}
    defaults = _flatten(Scenario().model_dump(mode="json"))
    for path, value in _flatten(scenario.model_dump(mode="json")).items():
        if path in ("name", "description") or defaults.get(path) == value:
            continue
        shown = ", ".join(f"{e}" for e in value) if isinstance(value, list) else str(value)
        field = path if path in meanings else path.rsplit(".", 1)[0]  # open mappings: policies.service.capacity.phone
        rows.append((path, shown, meanings.get(field, "")))
    return rows


def biggest_changes(kpis: pd.DataFrame, n: int = 3) -> list[str]:
    """The ``n`` largest relative changes, as sentences.

    Candidates: active customers and the customer stages from the first to the last week, and yearly
    flows (new customers, relationships ended, revenue, gross margin, costs, profit) from the first
    to the last full year. A figure that starts at zero (nobody is dormant or lost in week 0) has no
    relative change and is left to the stage table.
    """
    candidates: list[tuple[float, str]] = []
    first, last = kpis.iloc[0], kpis.iloc[-1]
    wk0, wk1 = int(first["week"]), int(last["week"])
    levels = [("customers_active", KPIS["customers_active"].label.lower())]
    levels += [(f"n_{s.name.lower()}", f"customers in the {s.label} stage") for s in Stage if s is not Stage.PROSPECT]
    for col, what in levels:
        a, b = float(first[col]), float(last[col])
        if a >= 20 and a != b:
            candidates.append((abs(b - a) / a, _sentence(what, a, b, f"week {wk0}", f"week {wk1}", "count")))
    table = summary_table(kpis)
    full = [y for y in table.index if "weeks" not in y]
    if len(full) >= 2:
        y0, y1 = full[0], full[-1]
        for col in FLOW_KPIS:
            a, b = float(table.at[y0, col]), float(table.at[y1, col])
            if abs(a) > 0 and a != b:
                what = f"{KPIS[col].label} per year"
                candidates.append((abs(b - a) / abs(a), _sentence(what, a, b, f"year {y0}", f"year {y1}", KPIS[col].kind)))
    candidates.sort(key=lambda c: -c[0])
    return [text for _, text in candidates[:n]]


def _sentence(what: str, a: float, b: float, when_a: str, when_b: str, kind: Kind) -> str:
    verb = "rose" if b > a else "fell"
    change = f" ({(b - a) / abs(a):+.0%})".replace("-", "−") if a else ""
    return (f"{what[0].upper()}{what[1:]} {verb} from {format_value(a, kind)} in {when_a} "
            f"to {format_value(b, kind)} in {when_b}{change}.")
