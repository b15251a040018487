"""What a validation sweep prints and writes: the console table, plots per lever, an HTML page, JSON.

The console table and the page show the same rows: per scenario, lever × level → Δ profit with its
standard error, Δ terminations (count and %), Δ customers at the end; then every band with its
verdict. Plots show a lever's value curve: mean 4-year profit per level with ±2 SE of the paired
difference from the default around it (the interval that matters when choosing a level).
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from simulations.i18n import _
from simulations.outputs import staged_folder
from simulations.validation.bands import BANDS, BANDS_BY_ID, BandResult
from simulations.validation.levers import LEVERS_BY_ID
from simulations.validation.sweep import Settings


def _money(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+,.0f}"


def _se(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.0f}"


def lever_rows(table: pd.DataFrame, scenario: str) -> list[list[str]]:
    """Rows of the console/HTML table of one scenario."""
    rows = []
    for _i, r in table[table["scenario"] == scenario].iterrows():
        level = f"{r['level']}{' *' if r['default'] else ''}" + (_(" (clipped at the field's maximum)") if r["clipped"] else "")
        pct = r["d_terminations_pct"]
        term = f"{_money(r['d_terminations'])} ({'—' if math.isnan(pct) else f'{pct:+.1f}%'})"
        rows.append([_(LEVERS_BY_ID[r["lever"]].label), level, _money(r["d_profit"]), _se(r["se_profit"]), term,
                     _money(r["d_customers_end"])])
    return rows


def table_header() -> list[str]:
    """Column names of the lever table."""
    return [_("lever"), _("level"), _("Δ profit"), _("SE"), _("Δ terminations"), _("Δ customers at end")]


def band_rows(bands: list[BandResult], scenario: str) -> list[list[str]]:
    """Rows of the band table of one scenario."""
    return [[_(BANDS_BY_ID[b.band].title), b.subject, b.status, b.measured, _(b.target)]
            for b in bands if b.scenario == scenario]


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def format_console(table: pd.DataFrame, bands: list[BandResult], skipped: list[tuple[str, str, str]],
                   settings: Settings) -> str:
    """The whole console report."""
    out = [_("Validation: {customers:,} customers x {weeks} weeks x {seeds} paired seeds; Δ = level − default "
             "(* = default), SE over seeds of the paired differences").format(
        customers=settings.customers, weeks=settings.weeks, seeds=settings.seeds)]
    for scenario in dict.fromkeys(table["scenario"]):
        out += ["", _("== {scenario} ==").format(scenario=scenario), _text_table(table_header(), lever_rows(table, scenario))]
        for s, lever, reason in skipped:
            if s == scenario:
                out.append(_("skipped {lever}: {reason}").format(lever=lever, reason=_(reason)))
        out += ["", _text_table([_("band"), _("subject"), _("verdict"), _("measured"), _("target")],
                                band_rows(bands, scenario))]
    counts = pd.Series([b.status for b in bands]).value_counts()
    out += ["", _("bands: {summary}").format(summary=", ".join(f"{k} {v}" for k, v in counts.items()))]
    return "\n".join(out)


def as_json(table: pd.DataFrame, bands: list[BandResult], skipped: list[tuple[str, str, str]],
            settings: Settings) -> dict[str, Any]:
    """Everything the command reports, as plain JSON data."""
    return {
        "settings": asdict(settings),
        "levers": json.loads(table.to_json(orient="records")),
        "bands": [asdict(b) for b in bands],
        "skipped": [{"scenario": s, "lever": lv, "reason": r} for s, lv, r in skipped],
        "band_sources": {b.id: b.source for b in BANDS},
    }


def plot_lever(table: pd.DataFrame, scenario: str, lever: str, path: Path) -> None:
    """Value curve of one lever: mean profit per level, ±2 SE of the paired difference, default marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rows = table[(table["scenario"] == scenario) & (table["lever"] == lever)]
    x = list(range(len(rows)))
    base = float(rows["profit_default"].iloc[0])
    y = [base + d for d in rows["d_profit"]]
    err = [2 * (0 if math.isnan(s) else s) for s in rows["se_profit"]]
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.errorbar(x, y, yerr=err, marker="o", capsize=4)
    for i, is_default in enumerate(rows["default"]):
        if is_default:
            ax.axhline(y[i], color="#999", lw=0.8, ls="--")
    ax.set_xticks(x, list(rows["level"]))
    ax.set_title(f"{scenario}: {_(LEVERS_BY_ID[lever].label)}")
    ax.set_ylabel(_("cumulative profit (mean)"))
    ax.set_xlabel(_("level; bars: ±2 SE of the paired difference from the default"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td class="{html.escape(c) if c in ("PASS", "FAIL") else ""}">'
                                     f"{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}
td.PASS{color:#1a7f37;font-weight:600}td.FAIL{color:#c62828;font-weight:600}img{max-width:32rem}.note{color:#555}"""


def render_html(table: pd.DataFrame, bands: list[BandResult], skipped: list[tuple[str, str, str]],
                settings: Settings, plots: dict[tuple[str, str], str]) -> str:
    """The page: per scenario the lever table, skipped levers, bands, plots; then every band's source."""
    parts = [f"<!doctype html><meta charset='utf-8'><title>{html.escape(_('Model validation'))}</title>",
             f"<style>{STYLE}</style><h1>{html.escape(_('Model validation'))}</h1>",
             "<p class='note'>" + html.escape(format_console(table, [], [], settings).splitlines()[0]) + "</p>"]
    for scenario in dict.fromkeys(table["scenario"]):
        parts.append(f"<h2>{html.escape(scenario)}</h2>")
        parts.append(_html_table(table_header(), lever_rows(table, scenario)))
        for s, lever, reason in skipped:
            if s == scenario:
                parts.append("<p class='note'>" + html.escape(
                    _("skipped {lever}: {reason}").format(lever=lever, reason=_(reason))) + "</p>")
        parts.append(_html_table([_("band"), _("subject"), _("verdict"), _("measured"), _("target")],
                                 band_rows(bands, scenario)))
        for (s, _lever), name in plots.items():
            if s == scenario:
                parts.append(f"<img src='{html.escape(name)}' alt='{html.escape(name)}'>")
    parts.append(f"<h2>{html.escape(_('Bands and their sources'))}</h2><dl>")
    for b in BANDS:
        parts.append(f"<dt>{html.escape(_(b.title))}: {html.escape(_(b.target))}</dt><dd>{html.escape(b.source)}</dd>")
    parts.append("</dl>")
    return "\n".join(parts)


def write_outputs(out: Path, runs: pd.DataFrame, table: pd.DataFrame, bands: list[BandResult],
                  skipped: list[tuple[str, str, str]], settings: Settings) -> list[Path]:
    """Write runs.csv, levers.csv, bands.csv, validation.json, one PNG per lever and index.html into ``out``."""
    with staged_folder(Path(out)) as stage:
        runs.to_csv(stage / "runs.csv", index=False)
        table.to_csv(stage / "levers.csv", index=False)
        pd.DataFrame([asdict(b) for b in bands]).to_csv(stage / "bands.csv", index=False)
        (stage / "validation.json").write_text(json.dumps(as_json(table, bands, skipped, settings), indent=2,
                                                          ensure_ascii=False), encoding="utf-8")
        plots: dict[tuple[str, str], str] = {}
        for (scenario, lever), _rows in table.groupby(["scenario", "lever"], sort=False):
            if LEVERS_BY_ID[lever].kind == "size":
                continue
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{scenario}--{lever}") + ".png"  # a YAML path has slashes
            plot_lever(table, scenario, lever, stage / name)
            plots[(scenario, lever)] = name
        (stage / "index.html").write_text(render_html(table, bands, skipped, settings, plots), encoding="utf-8")
        files = sorted(Path(out) / p.name for p in stage.iterdir())
    return files
