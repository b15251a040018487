"""Pictures and small data preparations the labs share, so notebooks stay readable content.

Why here and not in the notebooks: each is used by more than one lab or is easy to get subtly
wrong (a Pareto curve needs customers sorted biggest first, a flow heatmap needs rows = from), and
a function can be tested; the notebooks call these and keep the analysis itself visible.
Nothing here computes a graded answer.

Labels, titles and legends are written in English inside ``_()`` and follow the notebook's language
(``Lab(..., lang="zh")`` or ``CRM_LANG``), so a Chinese notebook shows Chinese plots; stage names
come from ``Stage.label`` / ``Stage.label_zh``, the course's terms.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulations.i18n import _, current_language
from simulations.stages import Stage

STAGE_COLUMNS = tuple(f"n_{s.name.lower()}" for s in Stage)


def stage_counts(kpis: pd.DataFrame, include_prospects: bool = False) -> pd.DataFrame:
    """Weekly customers per stage from a KPI frame (``model.kpi_frame()``), columns named by stage label."""
    cols = [c for c in STAGE_COLUMNS if include_prospects or c != "n_prospect"]
    missing = [c for c in cols if c not in kpis.columns]
    if missing:
        raise ValueError(f"stage_counts: KPI frame lacks {', '.join(missing)} (pass model.kpi_frame())")
    labels = {f"n_{s.name.lower()}": stage_label(s) for s in Stage}
    frame = kpis.set_index("week")[cols] if "week" in kpis.columns else kpis[cols]
    return frame.rename(columns=labels)


_font_note_shown = False


def use_language_fonts() -> list[str]:
    """Give matplotlib a Chinese font when the language is Chinese (:func:`simulations.i18n.fonts.use_cjk_font`).

    Why: matplotlib's default font (DejaVu Sans) has no Chinese glyphs, so Chinese labels would show
    as empty boxes. The project ships Noto Sans SC; a system CJK font serves when it is missing.
    Returns the font used. Without any, the labels stay boxes: instead of one English warning per
    missing glyph, the student reads once (in Chinese) which font to install.
    """
    global _font_note_shown
    if current_language() != "zh":
        return []
    from simulations.i18n.fonts import use_cjk_font

    family = use_cjk_font()  # the font the project installs (Noto Sans SC), else a system one
    if family is not None:
        plt.rcParams["axes.unicode_minus"] = False  # the CJK fonts lack the Unicode minus sign
        return [family]
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
    if not _font_note_shown:
        _font_note_shown = True
        print(_("Note: no Chinese font found, so Chinese text in plots shows as boxes. Install one "
                "(Linux: fonts-noto-cjk; Windows and macOS have one) and restart the kernel."))
    return []


def _axes(ax: plt.Axes | None, figsize: tuple[float, float]) -> plt.Axes:
    """``ax``, or a new figure's axes, with the language's fonts in place."""
    use_language_fonts()
    return ax or plt.subplots(figsize=figsize)[1]


def stage_label(stage: Stage) -> str:
    """The stage's name in the current language (the course's Chinese term in Chinese)."""
    return stage.label_zh if current_language() == "zh" else stage.label


def plot_stages(kpis: pd.DataFrame, ax: plt.Axes | None = None, title: str | None = None) -> plt.Axes:
    """Stacked area of customers per stage over the weeks (prospects left out: they dwarf the rest)."""
    counts = stage_counts(kpis)
    ax = _axes(ax, (8, 4))
    ax.stackplot(counts.index, counts.T.to_numpy(), labels=counts.columns)
    ax.set(xlabel=_("week"), ylabel=_("number of customers"), title=title or _("Customers by lifecycle stage"))
    ax.legend(loc="upper left", fontsize="small", ncol=2)
    return ax


def flow_frame(flows: np.ndarray) -> pd.DataFrame:
    """The model's cumulative transition counts as a labelled table: rows = from stage, columns = to stage."""
    labels = [stage_label(s) for s in Stage]
    flows = np.asarray(flows)
    if flows.shape != (len(labels), len(labels)):
        raise ValueError(f"flow_frame: expected a {len(labels)}x{len(labels)} matrix, got {flows.shape}")
    return pd.DataFrame(flows, index=pd.Index(labels, name=_("from stage")), columns=pd.Index(labels, name=_("to stage")))


def plot_flows(flows: np.ndarray, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of moves between stages (log colour scale, counts written in the cells)."""
    frame = flow_frame(flows)
    ax = _axes(ax, (6.5, 5.5))
    _count_heatmap(ax, frame.to_numpy(), list(frame.index), list(frame.columns), "Blues", fontsize=7, zeros=False,
                   light_on_dark=False)
    ax.set(xlabel=_("to stage"), ylabel=_("from stage"), title=_("Moves between stages"))
    return ax


def _count_heatmap(ax: plt.Axes, counts: np.ndarray, rows: list[str], cols: list[str], cmap: str, fontsize: int,
                   zeros: bool, light_on_dark: bool) -> None:
    """Counts as a log-shaded heatmap (a few large cells would hide the rest) with each count written in its cell."""
    shade = np.log1p(counts)
    ax.imshow(shade, cmap=cmap)
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    dark = 0.7 * shade.max() if shade.size else 0.0
    for (i, j), n in np.ndenumerate(counts):
        if n or zeros:
            colour = "white" if light_on_dark and shade[i, j] > dark else "black"
            ax.text(j, i, str(n), ha="center", va="center", fontsize=fontsize, color=colour)


def plot_stage_confusion(matrix: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of customers by perceived stage (rows, the firm's CRM) and true stage (columns).

    ``matrix`` is a count table whose index and columns are stage labels in English (``Stage.label``,
    as ``pd.crosstab`` of the labelled arrays gives it); they are shown in the notebook's language,
    in the lifecycle's order. Log colour scale: the mature customers dwarf the cells that matter.
    """
    order = {s.label: s for s in Stage}
    unknown = sorted({str(v) for v in (*matrix.index, *matrix.columns)} - set(order))
    if unknown:
        raise ValueError(f"plot_stage_confusion: not stage labels: {', '.join(unknown)} (use Stage.label)")
    rows = sorted(matrix.index, key=lambda v: order[v])
    cols = sorted(matrix.columns, key=lambda v: order[v])
    ax = _axes(ax, (6.5, 4.5))
    _count_heatmap(ax, matrix.loc[rows, cols].to_numpy(), [stage_label(order[r]) for r in rows],
                   [stage_label(order[c]) for c in cols], "Oranges", fontsize=8, zeros=True, light_on_dark=True)
    ax.set(xlabel=_("true stage"), ylabel=_("perceived stage (the firm's CRM)"),
           title=_("The CRM's stage against the true stage"))
    return ax


def pareto_curve(values: pd.Series | np.ndarray) -> pd.DataFrame:
    """Cumulative share of customers (biggest first) against cumulative share of the total."""
    v = np.sort(np.asarray(values, dtype=float))[::-1]
    if v.size == 0 or v.sum() <= 0:
        raise ValueError("pareto_curve: expected at least one positive value")
    return pd.DataFrame({"customer_share": np.arange(1, v.size + 1) / v.size, "value_share": np.cumsum(v) / v.sum()})


def plot_pareto(values: pd.Series | np.ndarray, ax: plt.Axes | None = None, mark: float = 0.2) -> plt.Axes:
    """The Pareto (concentration) curve with the top ``mark`` share of customers marked."""
    curve = pareto_curve(values)
    ax = _axes(ax, (5, 4))
    ax.plot(curve["customer_share"], curve["value_share"], label=_("customers, biggest first"))
    ax.plot([0, 1], [0, 1], ls=":", c="grey", label=_("everyone equal"))
    share = float(np.interp(mark, curve["customer_share"], curve["value_share"]))
    ax.axvline(mark, ls="--", c="tab:red")
    ax.annotate(_("top {mark}: {share}").format(mark=f"{mark:.0%}", share=f"{share:.0%}"), (mark, share),
                xytext=(mark + 0.05, share - 0.15),
                arrowprops={"arrowstyle": "->"})
    ax.set(xlabel=_("share of customers"), ylabel=_("share of revenue"), title=_("Revenue concentration"))
    ax.legend(loc="lower right")
    return ax


def cohort_activity(orders: pd.DataFrame, start: str | pd.Timestamp, period_days: int = 28) -> pd.DataFrame:
    """Share of each cohort (month-like period of first order) that orders in each later period.

    Rows: cohort (period index of the first order); columns: periods since the first order; values:
    share of the cohort with at least one order in that period. The classic retention triangle.
    """
    o = orders[["customer_id", "order_ts"]].copy()
    o["period"] = (pd.to_datetime(o["order_ts"]) - pd.Timestamp(start)).dt.days // period_days
    first = o.groupby("customer_id")["period"].transform("min")
    o["age"] = o["period"] - first
    o["cohort"] = first
    active = o.drop_duplicates(["customer_id", "age"]).groupby(["cohort", "age"])["customer_id"].nunique().unstack()
    size = o.drop_duplicates("customer_id").groupby("cohort").size()
    return active.div(size, axis=0)


def plot_cohorts(triangle: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Heatmap of a cohort activity triangle (rows = cohorts, columns = periods since first order)."""
    ax = _axes(ax, (8, 4))
    image = ax.imshow(triangle.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set(xlabel=_("periods since first order"), ylabel=_("cohort (period of first order)"), title=_("Cohort activity"))
    plt.colorbar(image, ax=ax, label=_("share active"))
    return ax


def plot_survival(survival: pd.DataFrame, ax: plt.Axes | None = None, label: str | None = None,
                  mark: float | None = None) -> plt.Axes:
    """A survival step curve with its confidence band (a ``KaplanMeierFitter.survival_function_``)."""
    ax = _axes(ax, (6, 4))
    t = survival.index.to_numpy(dtype=float)
    ax.step(t, survival["survival"], where="post", label=label or _("Kaplan-Meier"))
    if {"lower", "upper"} <= set(survival.columns):
        ax.fill_between(t, survival["lower"], survival["upper"], step="post", alpha=0.25)
    if mark is not None:
        ax.axvline(mark, ls="--", c="tab:red")
    ax.set(xlabel=_("tenure (weeks)"), ylabel=_("share not lapsed"), ylim=(0, 1.02), title=_("Survival by tenure"))
    ax.legend()
    return ax


def value_matrix(current: pd.Series, potential: pd.Series) -> pd.DataFrame:
    """Counts of customers in the 3x3 matrix of current-value and potential-value terciles (low/mid/high).

    Rows are current value (high first), columns potential value; labels are in the notebook's language.
    """
    levels = [_("low"), _("mid"), _("high")]

    def tercile(v: pd.Series) -> pd.Series:
        return pd.qcut(v.rank(method="first"), 3, labels=levels)

    rows, cols = _("current value"), _("potential value")
    frame = pd.DataFrame({rows: tercile(current), cols: tercile(potential.reindex(current.index))})
    return pd.crosstab(frame[rows], frame[cols]).reindex(index=levels[::-1])


def glossary(lang: str | None = None) -> pd.DataFrame:
    """The CRM glossary (English ↔ 中文) as a table: term, 中文, definition, 释义 (one source: simulations/glossary.yaml).

    ``lang="zh"`` sorts by the Chinese term (pinyin order is not needed to look a word up in a
    short table); the default keeps the glossary's own order, lifecycle stages first.
    """
    from simulations.glossary import terms

    frame = pd.DataFrame([{"term": t.term, "中文": t.zh, "definition": t.definition, "释义": t.definition_zh,
                           "group": t.group} for t in terms()])
    if lang not in (None, "en", "zh"):
        raise ValueError(f"glossary: lang must be 'en' or 'zh', not {lang!r}")
    return frame.sort_values("中文", ignore_index=True) if lang == "zh" else frame
