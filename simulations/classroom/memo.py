"""Checking the numbers in a team memo against what the team's world really produced.

Why: the written report is part of case teaching (docs/COURSE.md §7), and a memo that quotes figures
wrongly should be caught without an instructor re-reading every table. The memo template asks
for one claim per line, ``- metric round N: number`` or ``- metric total: number``; each is
compared with the team's observable results within a tolerance that allows sensible rounding.

The course is taught in Chinese, so a memo may be written from the Chinese template
(``memo_template.zh.md``): claims read ``- 利润 第 1 轮：1000`` or ``- 利润 合计：800``, with the
metric's Chinese name (:data:`METRIC_NAMES_ZH`) or its English key, full-width colons and units
such as 元. Headings and prose in either language are ignored; only claim lines are checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from simulations.errors import UserError
from simulations.i18n import current_language, normalise_language, translator

#: Figures that add up over weeks (``total`` = sum over the counted rounds).
FLOWS: frozenset[str] = frozenset({
    "revenue", "gross_margin", "profit", "cost_total", "cost_acquisition", "cost_marketing", "cost_service",
    "cost_loyalty", "cost_community", "acquisitions", "acquisitions_referral", "notices", "tickets", "complaints",
    "contacts_retention", "ideas", "ideas_adopted",
})
#: Figures read at a point in time or averaged over a round (no ``total``).
LEVELS: dict[str, float] = {
    "survey_satisfaction": 0.05, "service_level": 0.01, "mean_wait_minutes": 0.1, "buyers": 1.0,
    "loyalty_members": 1.0, "community_members": 1.0,
}
#: The Chinese name of each metric, as the Chinese memo template writes it (either name is accepted).
METRIC_NAMES_ZH: dict[str, str] = {
    "revenue": "收入", "gross_margin": "毛利", "profit": "利润", "cost_total": "总成本",
    "cost_acquisition": "获客成本", "cost_marketing": "营销成本", "cost_service": "服务成本",
    "cost_loyalty": "会员计划成本", "cost_community": "社区成本", "acquisitions": "新客户数",
    "acquisitions_referral": "推荐新客户数", "notices": "解约通知数", "tickets": "服务工单数", "complaints": "投诉数",
    "contacts_retention": "维系联系次数", "ideas": "创意数", "ideas_adopted": "采纳创意数",
    "survey_satisfaction": "调查满意度", "service_level": "服务水平", "mean_wait_minutes": "平均等待分钟数",
    "buyers": "购买客户数", "loyalty_members": "会员人数", "community_members": "社区成员数",
}
_BY_NAME: dict[str, str] = {**{k: k for k in (*FLOWS, *LEVELS)}, **{v: k for k, v in METRIC_NAMES_ZH.items()}}
RELATIVE_TOLERANCE = 0.02
_CLAIM = re.compile(
    r"^\s*[-*•]\s*(?:(?P<metric>[A-Za-z_]+)\s+|(?P<metric_zh>[\u4e00-\u9fff]+?)\s*)"
    r"(?:round\s*(?P<round>\d+)|第\s*(?P<round_zh>\d+)\s*轮|(?P<total>total|合计|总计))"
    r"\s*[:：]\s*(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^[-+]?\d[\d,\s]*(\.\d+)?%?$|^[-+]?\.\d+%?$")
#: Currency signs and Chinese units a number may carry (元 yuan, 人 people, 个/次/件/条/名 counters, 分 points).
_UNITS = ("CNY", "RMB", "¥", "￥", "元", "人", "个", "次", "件", "条", "名", "分")


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict on one claimed figure."""

    line: int
    metric: str
    scope: str
    claimed: float | None
    actual: float | None
    ok: bool
    message: str


def _parse_number(text: str) -> float | None:
    clean = text.strip().rstrip(".。").replace("％", "%").replace("，", ",").strip()
    for unit in _UNITS:
        clean = clean.replace(unit, "")
    clean = clean.strip()
    if not clean or not _NUMBER.match(clean):
        return None
    percent = clean.endswith("%")
    value = float(clean.rstrip("%").replace(",", "").replace(" ", ""))
    return value / 100 if percent else value


def _scope(round_no: int | None, lang: str) -> str:
    """``round N`` or ``total`` as the report in ``lang`` names it: the words the claims use in that language.

    Why not the catalog: these words are part of the claim grammar above (合计, 第 N 轮), so they
    are fixed here with it rather than left to a translation that could drift from what is parsed.
    """
    if lang == "zh":
        return "合计" if round_no is None else f"第 {round_no} 轮"
    return "total" if round_no is None else f"round {round_no}"


def check_memo(text: str, results: list[dict[str, Any]], counted_rounds: list[int],
               lang: str | None = None) -> list[ClaimCheck]:
    """Check every claim line of a memo (English or Chinese) against a team's result rows (``round`` and ``metrics``).

    Lines that are not claims are ignored; a claim with an unknown metric, an unplayed round or a
    value that is not a number is reported as failed with the reason, in ``lang`` (default: the
    language in force).
    """
    lang = normalise_language(lang) if lang is not None else current_language()
    _ = translator(lang)
    by_round = {r["round"]: r["metrics"] for r in results}
    checks: list[ClaimCheck] = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = _CLAIM.match(line)
        if m is None:
            continue
        written, value_text = m.group("metric") or m.group("metric_zh"), m.group("value")
        round_text = m.group("round") or m.group("round_zh")
        total = m.group("total") is not None
        metric = _BY_NAME.get(written.lower(), _BY_NAME.get(written, written.lower()))
        scope = _scope(None if total else int(round_text), lang)

        def verdict(ok: bool, msg: str, claimed: float | None = None, actual: float | None = None,
                    metric: str = metric, scope: str = scope, i: int = i) -> ClaimCheck:
            return ClaimCheck(i, metric, scope, claimed, actual, ok, msg)

        if metric not in FLOWS and metric not in LEVELS:
            checks.append(verdict(False, _("unknown metric {metric}").format(metric=repr(written))))
            continue
        claimed = _parse_number(value_text)
        if claimed is None:
            checks.append(verdict(False, _("no number given") if not value_text
                                  else _("not a number: {value}").format(value=repr(value_text))))
            continue
        if total:
            if metric not in FLOWS:
                checks.append(verdict(False, _("{metric} has no total; give a round").format(metric=written), claimed))
                continue
            missing = [r for r in counted_rounds if r not in by_round]
            if missing or not counted_rounds:
                checks.append(verdict(False, _("not all rounds have been played"), claimed))
                continue
            actual = float(sum(by_round[r][metric] for r in counted_rounds))
        else:
            r = int(round_text)
            if r not in by_round or r not in counted_rounds:
                checks.append(verdict(False, _("round {n} has not been played").format(n=r), claimed))
                continue
            actual = float(by_round[r][metric])
        tolerance = max(RELATIVE_TOLERANCE * abs(actual), LEVELS.get(metric, 1.0))
        ok = abs(claimed - actual) <= tolerance
        msg = _("matches") if ok else _("the results show {actual}").format(actual=f"{actual:,.2f}")
        checks.append(verdict(ok, msg, claimed, actual))
    return checks


def memo_report(checks: list[ClaimCheck], lang: str | None = None) -> str:
    """A short plain-text report of the checks (for the team page and the export), in ``lang``."""
    lang = normalise_language(lang) if lang is not None else current_language()
    _ = translator(lang)
    if not checks:
        raise UserError(_("the memo has no claim lines (`- metric round N: number` or `- metric total: number`)"))
    lines = [_("{ok} of {n} figures match the results").format(ok=sum(c.ok for c in checks), n=len(checks))]
    for c in checks:
        name = METRIC_NAMES_ZH.get(c.metric, c.metric) if lang == "zh" else c.metric
        line = _("ok  line {line}: {metric} {scope}: {message}") if c.ok else _("NO  line {line}: {metric} {scope}: {message}")
        lines.append("  " + line.format(line=c.line, metric=name, scope=c.scope, message=c.message))
    return "\n".join(lines)
