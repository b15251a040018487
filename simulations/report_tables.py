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
from simulations.i18n import N_, _, text_language
from simulations.stages import Stage

Kind = Literal["count", "money", "share", "score"]


@dataclass(frozen=True)
class Kpi:
    """How one KPI is shown: label in words, unit, one-sentence meaning, and how to format it.

    The words are kept in English (marked for the catalog) and translated where shown, so the
    table follows the language chosen at run time, not the one in force when it was imported.
    """

    label: str
    unit: str
    meaning: str
    kind: Kind

    @property
    def shown_label(self) -> str:
        """The label in the current language."""
        return _(self.label)

    @property
    def shown_meaning(self) -> str:
        """The one-sentence meaning in the current language."""
        return _(self.meaning)

    @property
    def header(self) -> str:
        """Column header: the label with its unit, in the current language."""
        return _("{label} ({unit})").format(label=_(self.label), unit=_(self.unit))


#: The KPIs the report shows, in reading order (definitions are printed in the report).
KPIS: dict[str, Kpi] = {
    "acquisitions": Kpi(N_("New customers"), N_("people"), N_("prospects who became customers during the period"), "count"),
    "terminations": Kpi(N_("Relationships ended"), N_("people"),
                        N_("customers whose relationship ended (notice ran out, or buying faded); they become dormant"),
                        "count"),
    "revenue": Kpi(N_("Revenue"), N_("currency units"), N_("sales plus recurring fees billed during the period"), "money"),
    "gross_margin": Kpi(N_("Gross margin"), N_("currency units"),
                        N_("revenue times the scenario's gross margin rate: what sales leave after the cost of goods"),
                        "money"),
    "cost_total": Kpi(N_("Costs"), N_("currency units"),
                      N_("acquisition, marketing, service, loyalty programme and community costs, and fixed overheads"), "money"),
    "profit": Kpi(N_("Profit"), N_("currency units"), N_("gross margin minus costs"), "money"),
    "customers_active": Kpi(N_("Active customers"), N_("people"),
                            N_("people in an active stage (new, growth, maturity, at-risk, terminating, won back)"), "count"),
    "mean_satisfaction": Kpi(N_("Mean satisfaction"), N_("0 to 1"),
                             N_("average latent satisfaction of active customers (hidden truth: the firm only sees surveys)"),
                             "score"),
    "service_level": Kpi(N_("Service level"), N_("% of live contacts"),
                         N_("share of phone, chat and key-desk contacts answered within the target wait"), "share"),
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


def stage_name(stage: Stage) -> str:
    """A stage's name in the current language: the course's Chinese term (``Stage.label_zh``) or the English label."""
    return stage.label_zh if text_language() == "zh" else stage.label


def _year_weeks(kpis: pd.DataFrame) -> pd.DataFrame:
    """First and last week (columns ``min``, ``max``) of every year of the run, week 0 left out."""
    weekly = kpis[kpis["week"] > 0]
    return weekly.groupby((weekly["week"] - 1) // 52 + 1)["week"].agg(["min", "max"])


def _is_full(first: int, last: int) -> bool:
    return last - first == 51


def summary_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per-year totals of flows and end-of-year levels, as numbers (columns are KPI names, index the year).

    A last, partial year is labelled with its weeks (``"3 (weeks 105-110)"``) so it is not read as a full year.
    """
    weekly = kpis[kpis["week"] > 0].copy()
    weekly["year"] = (weekly["week"] - 1) // 52 + 1
    sums = weekly.groupby("year")[list(FLOW_KPIS)].sum()
    ends = weekly.groupby("year")[list(LEVEL_KPIS)].last()
    table = sums.join(ends)
    table.index = [str(y) if _is_full(lo, hi) else _("{year} (weeks {first}-{last})").format(year=y, first=lo, last=hi)
                   for y, (lo, hi) in _year_weeks(kpis).iterrows()]
    table.index.name = _("year")
    return table


def formatted_summary(kpis: pd.DataFrame) -> pd.DataFrame:
    """:func:`summary_table` for people: one row per KPI (label with unit), one column per year, cells formatted.

    Why KPIs as rows: nine labelled columns do not fit a terminal or a page; three years do.
    """
    table = summary_table(kpis)
    years = [_("Year {year}").format(year=y) if _is_full(lo, hi)
             else _("Year {year} (weeks {first}-{last})").format(year=y, first=lo, last=hi)
             for y, (lo, hi) in _year_weeks(kpis).iterrows()]
    shown = pd.DataFrame({year: [format_value(table.at[label, c], KPIS[c].kind) for c in table.columns]
                          for year, label in zip(years, table.index, strict=True)},
                         index=[KPIS[c].header for c in table.columns])
    shown.index.name = _("KPI")
    return shown


def stage_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """People in every lifecycle stage, prospects and lost included, at the start and the end of the run."""
    first, last = kpis.iloc[0], kpis.iloc[-1]
    rows = []
    for stage in Stage:
        col = f"n_{stage.name.lower()}"
        rows.append((stage_name(stage), int(first[col]), int(last[col])))
    frame = pd.DataFrame(rows, columns=["Stage", "start", "end"])
    total = pd.DataFrame([(_("all people in the market"), int(frame["start"].sum()), int(frame["end"].sum()))],
                         columns=frame.columns)
    frame = pd.concat([frame, total], ignore_index=True)
    start_week, end_week = int(first["week"]), int(last["week"])
    stage_header = _("Stage")
    frame.columns = [stage_header, _("Week {week} (people)").format(week=start_week),
                     _("Week {week} (people)").format(week=end_week)]
    for col in frame.columns[1:]:
        frame[col] = [format_value(v, "count") for v in frame[col]]
    return frame.set_index(stage_header)


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
    rows = [(_("scenario"), scenario.name, _("built-in name or file")),
            (_("people at the start"), f"{people:,}", _("customers and prospects in week 0")),
            (_("weeks simulated"), f"{weeks:,}", ""), (_("seed"), str(seed), _("the same seed gives the same run")),
            (_("start date (week 0)"), scenario.world.market.start_date.isoformat(), ""),
            (_("crm-sandbox version"), version, "")]
    meanings = {path: meaning for path, _default, _bounds, meaning in describe_fields()}
    defaults = _flatten(Scenario().model_dump(mode="json"))
    for path, value in _flatten(scenario.model_dump(mode="json")).items():
        if path in ("name", "description") or defaults.get(path) == value:
            continue
        shown = ", ".join(f"{e}" for e in value) if isinstance(value, list) else str(value)
        field = path if path in meanings else path.rsplit(".", 1)[0]  # open mappings: policies.service.capacity.phone
        rows.append((path, shown, meanings.get(field, "")))
    return rows


def biggest_changes(kpis: pd.DataFrame, n: int = 3) -> list[str]:
    """The ``n`` largest relative changes, as sentences in the current language.

    Candidates: active customers and the customer stages from the first to the last week, and yearly
    flows (new customers, relationships ended, revenue, gross margin, costs, profit) from the first
    to the last full year. A figure that starts at zero (nobody is dormant or lost in week 0) has no
    relative change and is left to the stage table.
    """
    candidates: list[tuple[float, str]] = []
    first, last = kpis.iloc[0], kpis.iloc[-1]
    wk0, wk1 = int(first["week"]), int(last["week"])
    when0, when1 = _("week {week}").format(week=wk0), _("week {week}").format(week=wk1)
    levels = [("customers_active", KPIS["customers_active"].shown_label.lower())]
    levels += [(f"n_{s.name.lower()}", _("customers in the {stage} stage").format(stage=stage_name(s)))
               for s in Stage if s is not Stage.PROSPECT]
    for col, what in levels:
        a, b = float(first[col]), float(last[col])
        if a >= 20 and a != b:
            candidates.append((abs(b - a) / a, _sentence(what, a, b, when0, when1, "count")))
    table = summary_table(kpis)
    full = [label for label, (lo, hi) in zip(table.index, _year_weeks(kpis).itertuples(index=False), strict=True)
            if _is_full(lo, hi)]
    if len(full) >= 2:
        y0, y1 = full[0], full[-1]
        year0, year1 = _("year {year}").format(year=y0), _("year {year}").format(year=y1)
        for col in FLOW_KPIS:
            a, b = float(table.at[y0, col]), float(table.at[y1, col])
            if abs(a) > 0 and a != b:
                what = _("{kpi} per year").format(kpi=KPIS[col].shown_label)
                candidates.append((abs(b - a) / abs(a), _sentence(what, a, b, year0, year1, KPIS[col].kind)))
    candidates.sort(key=lambda c: -c[0])
    return [text for _score, text in candidates[:n]]


def _sentence(what: str, a: float, b: float, when_a: str, when_b: str, kind: Kind) -> str:
    """One change in words; ``a`` is never zero (callers leave figures that start at zero out)."""
    template = (_("{what} rose from {a} in {when_a} to {b} in {when_b} ({change}).") if b > a
                else _("{what} fell from {a} in {when_a} to {b} in {when_b} ({change})."))
    change = f"{(b - a) / abs(a):+.0%}".replace("-", "−")
    return template.format(what=what[0].upper() + what[1:], a=format_value(a, kind), when_a=when_a,
                           b=format_value(b, kind), when_b=when_b, change=change)
