"""The HTML page of a run's report: what happened (biggest changes in words), the yearly summary,
every stage, the plots, the run's settings and what each KPI means. No plotting here.
"""

from __future__ import annotations

import html

import pandas as pd

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
    """The whole ``report.html`` as a string (images are the PNGs beside it)."""
    weeks = int(kpis["week"].iloc[-1])
    title = f"Scenario {name}: {weeks:,} weeks"
    changes = "".join(f"<li>{html.escape(s)}</li>" for s in biggest_changes(kpis)) or "<li>nothing changed</li>"
    params_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td><td class='note'>{html.escape(m)}</td></tr>"
                          for k, v, m in params)
    defs = "".join(f"<dt>{html.escape(k.header)}</dt><dd>{html.escape(k.meaning)}</dd>" for k in KPIS.values())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(description)}</p>
<h2>What changed most</h2><ul>{changes}</ul>
<h2>Summary by year</h2>
<p class="note">New customers, relationships ended and money are totals over each year; active customers,
satisfaction and service level are read in the year's last week. Profit = gross margin − costs, and gross margin
is {margin_rate:.0%} of revenue in this scenario.</p>
{_table(formatted_summary(kpis), "summary")}
<h2>Every lifecycle stage</h2>
<p class="note">Prospects (people who are not customers yet) and lost people are part of the market the scenario
models; dormant people have ended their relationship but may still come back.</p>
{_table(stage_table(kpis), "stages")}
<img src="stages.png" alt="people by lifecycle stage over time: the whole market, then customers by stage">
<h2>Flows between stages</h2><img src="flows.png" alt="moves between stages over the whole run">
<h2>Money per week</h2><img src="money.png" alt="weekly revenue, gross margin, costs and profit">
<h2>This run's settings</h2>
<p class="note">The run's own settings, then every scenario field that differs from its default
(<code>crm-sandbox scenario show {html.escape(name)}</code> prints them all).</p>
<table class="params"><tbody>{params_rows}</tbody></table>
<h2>What the figures mean</h2><dl>{defs}</dl>
</body></html>
"""
