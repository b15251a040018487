"""The HTML page of a run's report: what happened (biggest changes in words), the yearly summary,
every stage, the plots, the run's settings and what each KPI means. No plotting here.
"""

from __future__ import annotations

import html

import pandas as pd

from simulations.i18n import _, text_language
from simulations.report_tables import KPIS, biggest_changes, formatted_summary, stage_table

STYLE = """body{font-family:system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{padding:.2rem .6rem;border-bottom:1px solid #ddd}
td{text-align:right;font-variant-numeric:tabular-nums}th{text-align:left;vertical-align:bottom}
table.params td{text-align:left}table.summary th{font-weight:normal}
table.summary thead th{font-weight:600;text-align:right}table.summary thead th:first-child{text-align:left}
img{max-width:100%}dt{font-weight:600}dd{margin:0 0 .4rem 1.2rem}
.note{color:#555;font-size:.92rem}"""


def _table(frame: pd.DataFrame, css: str) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [frame.index.name or "", *frame.columns])
    rows = "".join(
        "<tr><th>" + html.escape(str(idx)) + "</th>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for idx, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def render_page(name: str, description: str, kpis: pd.DataFrame, params: list[tuple[str, str, str]],
                margin_rate: float) -> str:
    """The whole ``report.html`` as a string (images are the PNGs beside it), in the current language."""
    weeks = int(kpis["week"].iloc[-1])
    e = html.escape

    def t(text: str) -> str:  # element text: quotes stay as written ("This run's settings")
        return html.escape(text, quote=False)

    title = _("Scenario {name}: {weeks} weeks").format(name=name, weeks=f"{weeks:,}")
    nothing = _("nothing changed")
    changes = "".join(f"<li>{e(s)}</li>" for s in biggest_changes(kpis) or [nothing])
    params_rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td><td class='note'>{e(m)}</td></tr>" for k, v, m in params)
    defs = "".join(f"<dt>{e(k.header)}</dt><dd>{e(k.shown_meaning)}</dd>" for k in KPIS.values())
    summary_note = _("New customers, relationships ended and money are totals over each year; active customers, "
                     "satisfaction and service level are read in the year's last week. Profit = gross margin − costs, "
                     "and gross margin is {rate} of revenue in this scenario.").format(rate=f"{margin_rate:.0%}")
    stages_note = _("Prospects (people who are not customers yet) and lost people are part of the market the scenario "
                    "models; dormant people have ended their relationship but may still come back.")
    settings_note = t(_("The run's own settings, then every scenario field that differs from its default "
                      "({command} prints them all).")).format(command=f"<code>crm-sandbox scenario show {e(name)}</code>")
    h_changes = t(_("What changed most"))
    h_summary = t(_("Summary by year"))
    h_stages = t(_("Every lifecycle stage"))
    alt_stages = e(_("people by lifecycle stage over time: the whole market, then customers by stage"))
    h_flows = t(_("Flows between stages"))
    alt_flows = e(_("moves between stages over the whole run"))
    h_money = t(_("Money per week"))
    alt_money = e(_("weekly revenue, gross margin, costs and profit"))
    h_settings = t(_("This run's settings"))
    h_meanings = t(_("What the figures mean"))
    return f"""<!doctype html>
<html lang="{text_language()}"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{STYLE}</style>
</head><body>
<h1>{e(title)}</h1>
<p>{e(description)}</p>
<h2>{h_changes}</h2><ul>{changes}</ul>
<h2>{h_summary}</h2>
<p class="note">{t(summary_note)}</p>
{_table(formatted_summary(kpis), "summary")}
<h2>{h_stages}</h2>
<p class="note">{t(stages_note)}</p>
{_table(stage_table(kpis), "stages")}
<img src="stages.png" alt="{alt_stages}">
<h2>{h_flows}</h2><img src="flows.png" alt="{alt_flows}">
<h2>{h_money}</h2><img src="money.png" alt="{alt_money}">
<h2>{h_settings}</h2>
<p class="note">{settings_note}</p>
<table class="params"><tbody>{params_rows}</tbody></table>
<h2>{h_meanings}</h2><dl>{defs}</dl>
</body></html>
"""
