"""The experiment report: plots of each metric against each factor, paired differences, best points.

Written as PNG files, CSV tables and one ``index.html`` that links them, into a staging folder
moved into place only when complete (``DIR/report/`` by default). Every number comes from
:mod:`simulations.experiments.analysis`, so a notebook can reproduce any figure.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from simulations.experiments.analysis import (  # noqa: E402
    METHOD,
    best_points,
    choose_reference,
    differences_over_time,
    end_values,
    failures,
    metric_columns,
    paired_differences,
    point_summary,
    settled_ahead_week,
    t_interval,
    varying_factors,
)
from simulations.experiments.design import Experiment  # noqa: E402
from simulations.experiments.runner import read_experiment_record  # noqa: E402
from simulations.i18n import N_, _, text_language  # noqa: E402
from simulations.i18n.fonts import use_cjk_font  # noqa: E402
from simulations.outputs import staged_folder  # noqa: E402

#: Lines per plot before the other factors are averaged out (marginal means) instead of drawn apart.
MAX_LINES = 6
#: How the report says which direction of a metric is better (English; translated where shown).
GOAL_WORDS = {"max": N_("higher is better"), "min": N_("lower is better"),
              "none": N_("neither higher nor lower is better in itself (effort or volume): no best point; "
                         "differences are from the first design point unless the file names a reference")}
#: How the report says when metrics were recorded (``every`` of the experiment file).
RECORDED_WORDS = {"week": N_("{metrics} (every week)"), "end": N_("{metrics} (every end)")}
#: Design points drawn over time before only the reference and the best few are shown.
MAX_TIME_POINTS = 8


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _short(factor: str) -> str:
    return factor.rsplit(".", 1)[-1]


def _levels_in_order(ends: pd.DataFrame, column: str) -> list[Any]:
    return list(dict.fromkeys(ends.sort_values("point")[column]))


def plot_metric_vs_factor(results: pd.DataFrame, metric: str, factor: str, path: Path, confidence: float = 0.95) -> None:
    """Mean end value of ``metric`` at each level of ``factor`` with t intervals over replications.

    Other varying factors draw separate lines when they make at most ``MAX_LINES`` combinations;
    otherwise they are averaged within each replication first (a marginal mean that keeps the pairing).
    """
    use_cjk_font()
    ends = end_values(results)
    others = [f for f in varying_factors(results) if f != factor]
    combos = ends[others].drop_duplicates() if others else pd.DataFrame(index=[0])
    split = others and len(combos) <= MAX_LINES
    groups = others if split else []
    x_levels = _levels_in_order(ends, factor)
    numeric = all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in x_levels)
    xs = {v: (v if numeric else i) for i, v in enumerate(x_levels)}
    per_rep = ends.groupby([*groups, factor, "replication"], sort=False)[metric].mean().reset_index()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    keyed = per_rep.groupby(groups, sort=False) if groups else [((), per_rep)]
    for key, g in keyed:
        stats_ = [(xs[level], *t_interval(v[metric], confidence)[:3]) for level, v in g.groupby(factor, sort=False)]
        stats_.sort(key=lambda s: s[0])
        x, mean, low, high = (np.array(col, dtype=float) for col in zip(*stats_, strict=True))
        label = ", ".join(f"{_short(f)}={k}" for f, k in zip(groups, key if isinstance(key, tuple) else (key,),
                                                                strict=True)) or None
        err = np.vstack([mean - low, high - mean])
        ax.errorbar(x, mean, yerr=np.nan_to_num(err), marker="o", capsize=3, label=label)
    if not numeric:
        ax.set_xticks(range(len(x_levels)), [str(v) for v in x_levels], rotation=20 if len(x_levels) > 4 else 0)
    title = _("{metric} by {factor}").format(metric=metric, factor=_short(factor))
    if others and not split:
        title = _("{title} (mean over {factors})").format(title=title, factors=", ".join(_short(o) for o in others))
    ax.set(xlabel=factor, ylabel=metric, title=title)
    ax.text(0.99, 0.01, _("mean and {level} t interval over replications").format(level=f"{confidence:.0%}"),
            transform=ax.transAxes,
            ha="right", va="bottom", fontsize=7, color="#555555")
    if split:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def _shown_points(ends: pd.DataFrame, metric: str, reference: int, goal: str) -> list[int]:
    means = ends.groupby("point")[metric].mean()
    if len(means) <= MAX_TIME_POINTS:
        return [int(p) for p in means.index]
    best = means.sort_values(ascending=(goal == "min")).index[: MAX_TIME_POINTS - 1]
    return sorted({reference, *(int(p) for p in best)})


def plot_over_time(results: pd.DataFrame, metric: str, reference: int, goal: str, path: Path,
                   confidence: float = 0.95) -> pd.DataFrame:
    """Two panels: the metric over weeks per design point, and its paired difference from the reference."""
    use_cjk_font()
    ends = end_values(results)
    labels = dict(zip(ends["point"], ends["point_label"], strict=False))
    shown = _shown_points(ends, metric, reference, goal)
    ok = results[results["error"].isna() & results["point"].isin(shown)]
    diffs = differences_over_time(results, metric, reference, confidence)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    for point in shown:
        rows = [(w, *t_interval(g[metric], confidence)[:3]) for w, g in ok[ok["point"] == point].groupby("week")]
        w, mean, low, high = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
        line = top.plot(w, mean, label=labels[point], lw=2.2 if point == reference else 1.2)[0]
        top.fill_between(w, low, high, color=line.get_color(), alpha=0.15)
        if point != reference:
            d = diffs[diffs["point"] == point]
            bottom.plot(d["week"], d["mean_difference"], color=line.get_color())
            bottom.fill_between(d["week"], d["ci_low"], d["ci_high"], color=line.get_color(), alpha=0.2)
    bottom.axhline(0, color="black", lw=0.8)
    level = f"{confidence:.0%}"
    top.set(ylabel=metric, title=_("{metric} over time (mean, {level} t band)").format(metric=metric, level=level))
    bottom.set(xlabel=_("week"), ylabel=_("difference from\n{reference}").format(reference=labels[reference]),
               title=_("paired difference from the reference ({level} paired t band)").format(level=level))
    top.legend(fontsize=7, loc="best")
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return diffs


def _number(v: float) -> str:
    """Money in whole units with thousands separators, shares and p-values with four significant digits."""
    if abs(v) >= 1e4:
        return f"{v:,.0f}"
    return f"{v:,.2f}" if abs(v) >= 10 else f"{v:.4g}"


def _table(df: pd.DataFrame, max_rows: int = 60) -> str:
    shown = df.head(max_rows)
    text = shown.to_html(index=False, float_format=_number, na_rep="", border=0, classes="t")
    if len(df) > max_rows:
        text += "<p>" + html.escape(_("(first {shown} of {rows} rows; all rows in the CSV file)").format(
            shown=max_rows, rows=len(df))) + "</p>"
    return text


def write_report(folder: str | Path, out: str | Path | None = None, confidence: float = 0.95) -> list[Path]:
    """Write ``index.html``, PNG plots and CSV tables for the sweep in ``folder``; return the files.

    The reference for paired differences is the experiment's ``reference`` if it names one,
    otherwise the best design point of each metric.
    """
    from simulations.experiments.analysis import load_results

    folder = Path(folder)
    experiment = read_experiment_record(folder)
    results = load_results(folder)
    target = Path(out) if out is not None else folder / "report"
    with staged_folder(target, replace=True) as stage:
        _write(stage, folder, experiment, results, confidence)
    return sorted(p for p in target.iterdir() if p.is_file())


def _write(stage: Path, folder: Path, exp: Experiment, results: pd.DataFrame, confidence: float) -> None:
    metrics = [m for m in metric_columns(results) if m in exp.metrics] or metric_columns(results)
    goals = {m: exp.goal(m) for m in metrics}
    factors = varying_factors(results)
    ends = end_values(results)
    sections: list[str] = []
    all_diffs, all_summaries = [], []
    best = best_points(results, metrics, goals, confidence) if not ends.empty else pd.DataFrame()
    for metric in metrics if not ends.empty else []:
        summary = point_summary(results, metric, confidence)
        summary.insert(0, "metric", metric)
        all_summaries.append(summary)
        ref = choose_reference(results, metric, exp.reference, goals[metric])
        diffs = paired_differences(results, metric, ref, confidence=confidence)
        images = []
        for factor in factors:
            name = f"{_slug(metric)}__by__{_slug(_short(factor))}.png"
            plot_metric_vs_factor(results, metric, factor, stage / name, confidence)
            images.append(name)
        if exp.every == "week" and ends["point"].nunique() > 1 and goals[metric] != "none":
            name = f"{_slug(metric)}__over_time.png"
            over = plot_over_time(results, metric, ref, goals[metric], stage / name, confidence)
            images.append(name)
            settled = settled_ahead_week(over, goals[metric])
            diffs = diffs.merge(settled.rename_axis("point").reset_index(), on="point", how="left")
        all_diffs.append(diffs)
        ref_label = diffs["reference_label"].iloc[0]
        shown = diffs.drop(columns=["metric", "reference", "reference_label"])
        heading = html.escape(_("Paired differences from {reference}").format(reference=ref_label))
        sections.append(
            f"<h2 id='{_slug(metric)}'>{html.escape(metric)} <small>({html.escape(_(GOAL_WORDS[goals[metric]]))})</small></h2>"
            + "".join(f"<img src='{html.escape(i)}' alt='{html.escape(i)}'>" for i in images)
            + f"<h3>{heading}</h3>" + _table(shown)
        )
    if all_diffs:
        pd.concat(all_diffs, ignore_index=True).to_csv(stage / "paired_differences.csv", index=False)
        pd.concat(all_summaries, ignore_index=True).to_csv(stage / "point_summary.csv", index=False)
        best.to_csv(stage / "best_points.csv", index=False)
    failed = failures(results)
    failed.to_csv(stage / "failures.csv", index=False)
    (stage / "index.html").write_text(_page(exp, results, best, sections, failed, confidence), encoding="utf-8")


def _page(exp: Experiment, results: pd.DataFrame, best: pd.DataFrame, sections: list[str], failed: pd.DataFrame,
          confidence: float) -> str:
    n_runs = results["run_id"].nunique()
    limit = _("{weeks} weeks").format(weeks=exp.weeks)
    if exp.stop:
        limit = _("{limit}, stop when {rule}").format(limit=limit, rule=exp.stop)
    design = [
        (_("base scenario"), results["scenario"].iloc[0]),
        (_("factors"), "; ".join(f"{k}: {v}" for k, v in exp.factors.items()) or _("(none)")),
        (_("design points x replications"), _("{points} x {replications} = {runs} runs ({failed} failed)").format(
            points=results["point"].nunique(), replications=results["replication"].nunique(), runs=n_runs,
            failed=len(failed))),
        (_("time limit"), limit),
        (_("metrics recorded"), _(RECORDED_WORDS[exp.every]).format(metrics=", ".join(exp.metrics))),
        (_("root seed"), str(exp.seed)),
        (_("package version"), ", ".join(sorted(set(results["version"])))),
    ]
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in design)
    toc = " · ".join(f"<a href='#{_slug(m)}'>{html.escape(m)}</a>" for m in exp.metrics)
    no_failure, no_success = html.escape(_("No run failed.")), html.escape(_("No successful run."))
    fail_html = _table(failed) if len(failed) else f"<p>{no_failure}</p>"
    best_html = _table(best) if len(best) else f"<p>{no_success}</p>"
    method = html.escape(_(METHOD).format(level=f"{confidence:.0%}"))
    words = {key: html.escape(text, quote=False) for key, text in (
        ("title", _("Experiment {name}").format(name=exp.name)),
        ("heading", _("Experiment: {name}").format(name=exp.name)),
        ("method", _("Method")), ("best", _("Best design point per metric")), ("metrics", _("Metrics:")),
        ("failed", _("Failed runs")))}
    return f"""<!doctype html>
<html lang="{text_language()}"><head><meta charset="utf-8"><title>{words["title"]}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
img{{max-width:100%;margin:.5em 0;display:block}}table.t,table.d{{border-collapse:collapse;font-size:.85em}}
.t td,.t th,.d td,.d th{{border-bottom:1px solid #ddd;padding:2px 8px;text-align:right}}.d th{{text-align:left}}
small{{color:#666;font-weight:normal}}</style></head><body>
<h1>{words["heading"]}</h1>
<p>{html.escape(exp.description)}</p>
<table class="d">{rows}</table>
<h2>{words["method"]}</h2><p>{method}</p>
<h2>{words["best"]}</h2>{best_html}
<p>{words["metrics"]} {toc}</p>
{''.join(sections)}
<h2>{words["failed"]}</h2>{fail_html}
</body></html>
"""
