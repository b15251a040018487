"""The run report is read by people: money adds up, every stage is there, numbers are formatted,
the run's settings and KPI definitions are printed, and the biggest changes are said in words."""

import re

import pandas as pd
import pytest

from simulations.cli import main
from simulations.model import STAGE_COLUMNS
from simulations.report_tables import KPIS, biggest_changes, format_value, formatted_summary, stage_table
from simulations.stages import Stage

#: One worker sets up this module's expensive module-scoped fixture once (pyproject: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_report")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    assert main(["simulate", "--scenario", "telecom", "--customers", "1500", "--weeks", "110", "--seed", "3",
                 "--out", str(out), "--no-progress"]) == 0
    return out, pd.read_parquet(out / "kpis.parquet"), (out / "report.html").read_text(encoding="utf-8")


def _number(cell: str) -> float:
    return float(cell.replace(",", "").replace("−", "-"))


def test_profit_is_gross_margin_minus_costs_in_every_year_of_the_table(run):
    _, kpis, page = run
    table = formatted_summary(kpis)
    gm, costs, profit = (table.loc[KPIS[k].header] for k in ("gross_margin", "cost_total", "profit"))
    for year in table.columns:
        assert abs(_number(gm[year]) - _number(costs[year]) - _number(profit[year])) <= 1, year  # rounding only
    assert "Gross margin (currency units)" in page and "profit = gross margin − costs" in page.lower()


def test_every_stage_including_prospects_and_lost_is_reported_and_adds_up_to_the_market(run):
    _, kpis, page = run
    stages = stage_table(kpis)
    assert [s.label for s in Stage] == list(stages.index[:-1])
    start = stages.iloc[:, 0]
    assert _number(start.iloc[-1]) == sum(_number(v) for v in start.iloc[:-1]) == 1500
    for stage in ("prospect", "lost", "dormant"):
        assert f"<th>{stage}</th>" in page


def test_cells_are_formatted_for_people_not_pandas(run):
    _, kpis, page = run
    table = formatted_summary(kpis)
    assert all("(" in h and ")" in h for h in table.index), "every row says its unit"
    assert not any("_" in h for h in table.index), "no snake_case labels"
    cells = [c for col in table.columns for c in table[col]]
    assert not [c for c in cells if re.fullmatch(r"-?\d+\.0", c)], "counts are integers, not 1065.0"
    assert any("," in c for c in cells), "thousands separators"
    assert list(table.columns) == ["Year 1", "Year 2", "Year 3 (weeks 105-110)"]  # a partial year says so
    assert format_value(1017901.551, "money") == "1,017,902" and format_value(0.843, "share") == "84.3%"
    assert format_value(-1234.4, "money") == "−1,234"


def test_the_page_states_the_runs_settings_and_defines_every_kpi_it_shows(run):
    _, _, page = run
    settings = page.split("This run's settings", 1)[1]
    for expected in ("<th>scenario</th><td>telecom</td>", "<th>people at the start</th><td>1,500</td>",
                     "<th>weeks simulated</th><td>110</td>", "<th>seed</th><td>3</td>",
                     "<th>world.contracts.enabled</th><td>True</td><td class='note'>customers hold contracts"):
        assert expected in settings, expected
    definitions = page.split("What the figures mean", 1)[1]
    for kpi in KPIS.values():
        assert f"<dt>{kpi.header}</dt>" in definitions


def test_the_biggest_changes_are_named_in_words_largest_first():
    weeks = list(range(0, 105))
    kpis = pd.DataFrame({"week": weeks, **{c: [100] * len(weeks) for c in STAGE_COLUMNS}})
    for col in ("acquisitions", "terminations", "revenue", "gross_margin", "cost_total", "profit"):
        kpis[col] = 10.0
    kpis.loc[kpis["week"] > 52, "profit"] = 40.0  # profit per year x4
    kpis["customers_active"] = [1000 + 5 * w for w in weeks]  # +52%
    kpis["mean_satisfaction"], kpis["service_level"] = 0.7, 0.9
    changes = biggest_changes(kpis)
    assert changes[0] == "Profit per year rose from 520 in year 1 to 2,080 in year 2 (+300%)."
    assert changes[1] == "Active customers rose from 1,000 in week 0 to 1,520 in week 104 (+52%)."
    assert len(changes) == 2  # nothing else changed


def test_the_console_summary_matches_the_report(run, tmp_path, capsys):
    assert main(["simulate", "--customers", "300", "--weeks", "60", "--out", str(tmp_path / "r"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Profit (currency units)" in out and "What changed most:" in out
    assert not re.search(r"\d{3,}\.\d(?!\d*%)", out.split("What changed most")[0]), "counts and money are whole numbers"
