"""A run's report for people: plots of stages over time, flows between stages, money; a small HTML page.

Kept apart from the model so that the core never imports matplotlib or touches files.
"""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from simulations.model import STAGE_COLUMNS, CustomerLifecycleModel  # noqa: E402
from simulations.stages import Stage  # noqa: E402

STAGE_COLORS = ["#c7c7c7", "#9ecae1", "#31a354", "#006d2c", "#fd8d3c", "#e6550d", "#8c6d31", "#756bb1", "#636363"]


def summary_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per-year totals and end-of-year levels: what a manager reads first."""
    weekly = kpis[kpis["week"] > 0].copy()
    weekly["year"] = (weekly["week"] - 1) // 52 + 1
    sums = weekly.groupby("year")[["acquisitions", "terminations", "revenue", "cost_total", "profit"]].sum()
    ends = weekly.groupby("year")[["customers_active", "mean_satisfaction", "service_level"]].last()
    return sums.join(ends).round(3)


def plot_stages(kpis: pd.DataFrame, path: Path) -> None:
    """Stacked area of customers per lifecycle stage (prospects and lost left out)."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    shown = [s for s in Stage if s not in (Stage.PROSPECT, Stage.LOST)]
    ax.stackplot(kpis["week"], [kpis[STAGE_COLUMNS[s]] for s in shown],
                 labels=[s.label for s in shown], colors=[STAGE_COLORS[s] for s in shown])
    ax.set(xlabel="week", ylabel="customers", title="Customers by lifecycle stage")
    ax.legend(loc="upper left", fontsize=8, ncol=4)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_flows(flows: np.ndarray, path: Path) -> None:
    """Heat map of moves between stages over the whole run (row: from, column: to)."""
    labels = [s.label for s in Stage]
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
    ax.set(xlabel="to stage", ylabel="from stage", title="Flows between stages (whole run)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_money(kpis: pd.DataFrame, path: Path) -> None:
    """Weekly revenue, total cost and profit."""
    weekly = kpis[kpis["week"] > 0]
    fig, ax = plt.subplots(figsize=(9, 4))
    for col, color in (("revenue", "#3182bd"), ("cost_total", "#e6550d"), ("profit", "#31a354")):
        ax.plot(weekly["week"], weekly[col], label=col.replace("_", " "), color=color)
    ax.axhline(0, color="grey", lw=0.5)
    ax.set(xlabel="week", ylabel="currency units per week", title="Revenue, cost and profit")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(model: CustomerLifecycleModel, kpis: pd.DataFrame, folder: Path) -> Path:
    """Write the PNG plots and ``report.html`` into ``folder``; return the HTML path."""
    folder.mkdir(parents=True, exist_ok=True)
    plot_stages(kpis, folder / "stages.png")
    plot_flows(model.flows, folder / "flows.png")
    plot_money(kpis, folder / "money.png")
    table = summary_table(kpis).to_html(classes="summary", border=0)
    title = f"Scenario {model.spec.name}: {len(kpis) - 1} weeks, seed {model.seed_value}"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto}}
table.summary td,th{{padding:0 .6rem;text-align:right}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(model.spec.description)}</p>
<h2>Summary by year</h2>{table}
<h2>Customers by lifecycle stage</h2><img src="stages.png" alt="customers by stage over time">
<h2>Flows between stages</h2><img src="flows.png" alt="flows between stages">
<h2>Revenue, cost and profit</h2><img src="money.png" alt="revenue, cost and profit per week">
</body></html>
"""
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
