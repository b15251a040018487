"""A run's report for people: plots of stages over time, flows between stages, money; an HTML page.

Kept apart from the model so that the core never imports matplotlib or touches files.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from simulations import __version__  # noqa: E402
from simulations.i18n import _  # noqa: E402
from simulations.i18n.fonts import use_cjk_font  # noqa: E402
from simulations.model import STAGE_COLUMNS, CustomerLifecycleModel  # noqa: E402
from simulations.report_html import render_page  # noqa: E402
from simulations.report_tables import run_parameters, stage_name  # noqa: E402
from simulations.scenario_descriptions import shown_description  # noqa: E402
from simulations.stages import Stage  # noqa: E402

STAGE_COLORS = ["#c7c7c7", "#9ecae1", "#31a354", "#006d2c", "#fd8d3c", "#e6550d", "#8c6d31", "#756bb1", "#636363"]


def plot_stages(kpis: pd.DataFrame, path: Path) -> None:
    """Two stacked areas: everyone in the market (prospects, customers, dormant, lost), then customers by stage.

    Why two panels: prospects and lost people outnumber customers, so one stack would flatten the
    stages a manager acts on; the top panel still shows every person the scenario models.
    """
    use_cjk_font()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True, height_ratios=[1, 1.3])
    active = [s for s in Stage if s not in (Stage.PROSPECT, Stage.DORMANT, Stage.LOST)]
    customers = sum(kpis[STAGE_COLUMNS[s]] for s in active)
    market = [(kpis[STAGE_COLUMNS[Stage.PROSPECT]], _("prospects"), STAGE_COLORS[Stage.PROSPECT]),
              (customers, _("customers (active stages, below)"), "#3182bd"),
              (kpis[STAGE_COLUMNS[Stage.DORMANT]], _("dormant"), STAGE_COLORS[Stage.DORMANT]),
              (kpis[STAGE_COLUMNS[Stage.LOST]], _("lost"), STAGE_COLORS[Stage.LOST])]
    top.stackplot(kpis["week"], [m[0] for m in market], labels=[m[1] for m in market], colors=[m[2] for m in market])
    top.set(ylabel=_("people"), title=_("Everyone in the market"))
    top.legend(loc="upper left", fontsize=8, ncol=4)
    bottom.stackplot(kpis["week"], [kpis[STAGE_COLUMNS[s]] for s in active],
                     labels=[stage_name(s) for s in active], colors=[STAGE_COLORS[s] for s in active])
    bottom.set(xlabel=_("week"), ylabel=_("customers (people)"), title=_("Customers by lifecycle stage"))
    bottom.legend(loc="upper left", fontsize=8, ncol=6)
    for ax in (top, bottom):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.margins(x=0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_flows(flows: np.ndarray, path: Path) -> None:
    """Heat map of moves between stages over the whole run (row: from, column: to)."""
    use_cjk_font()
    labels = [stage_name(s) for s in Stage]
    fig, ax = plt.subplots(figsize=(7, 6))
    shown = np.log10(flows + 1)
    ax.imshow(shown, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if flows[i, j]:
                ax.text(j, i, f"{flows[i, j]:,}", ha="center", va="center", fontsize=7,
                        color="white" if shown[i, j] > shown.max() * 0.6 else "black")
    ax.set(xlabel=_("to stage"), ylabel=_("from stage"), title=_("Flows between stages (whole run)"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_money(kpis: pd.DataFrame, path: Path, margin_rate: float) -> None:
    """Weekly revenue, gross margin, costs and profit, drawn so that profit = gross margin − costs is visible.

    Why gross margin is drawn: profit is not revenue minus costs but gross margin minus costs, so a
    plot without it does not add up (the shaded band between gross margin and profit is the costs).
    """
    use_cjk_font()
    weekly = kpis[kpis["week"] > 0]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot(weekly["week"], weekly["revenue"], color="#9ecae1", lw=1,
            label=_("revenue (gross margin is {rate} of it)").format(rate=f"{margin_rate:.0%}"))
    ax.plot(weekly["week"], weekly["gross_margin"], color="#3182bd", label=_("gross margin"))
    ax.fill_between(weekly["week"], weekly["profit"], weekly["gross_margin"], color="#e6550d", alpha=0.25, lw=0,
                    label=_("costs (gross margin − profit)"))
    ax.plot(weekly["week"], weekly["profit"], color="#31a354", label=_("profit = gross margin − costs"))
    ax.axhline(0, color="grey", lw=0.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.margins(x=0)
    ax.set(xlabel=_("week"), ylabel=_("currency units per week"), title=_("Money per week: profit = gross margin − costs"))
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(model: CustomerLifecycleModel, kpis: pd.DataFrame, folder: Path) -> Path:
    """Write the PNG plots and ``report.html`` into ``folder``, in the current language; return the HTML path.

    Each plot first registers the shipped Chinese font (:func:`use_cjk_font`, once per process), so
    Chinese labels never come out as empty boxes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    margin_rate = model.world.costs.gross_margin
    plot_stages(kpis, folder / "stages.png")
    plot_flows(model.flows, folder / "flows.png")
    plot_money(kpis, folder / "money.png", margin_rate)
    weeks = int(kpis["week"].iloc[-1])
    people = int(kpis.loc[kpis.index[0], list(STAGE_COLUMNS)].sum())
    params = run_parameters(model.spec, people=people, weeks=weeks, seed=model.seed_value, version=__version__)
    page = render_page(model.spec.name, shown_description(model.spec.description), kpis, params, margin_rate)
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
