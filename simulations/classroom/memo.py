"""Checking the numbers in a team memo against what the team's world really produced.

Why: the written report is part of case teaching (DOMAIN.md §7), and a memo that quotes figures
wrongly should be caught without an instructor re-reading every table. The memo template asks
for one claim per line, ``- metric round N: number`` or ``- metric total: number``; each is
compared with the team's observable results within a tolerance that allows sensible rounding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from simulations.errors import UserError

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
RELATIVE_TOLERANCE = 0.02
_CLAIM = re.compile(r"^\s*[-*]\s*([A-Za-z_]+)\s+(?:round\s+(\d+)|(total))\s*:\s*(.*?)\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"^[-+]?\d[\d,\s]*(\.\d+)?%?$|^[-+]?\.\d+%?$")


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
    clean = text.strip().rstrip(".").replace("CNY", "").replace("¥", "").strip()
    if not clean or not _NUMBER.match(clean):
        return None
    percent = clean.endswith("%")
    value = float(clean.rstrip("%").replace(",", "").replace(" ", ""))
    return value / 100 if percent else value


def check_memo(text: str, results: list[dict[str, Any]], counted_rounds: list[int]) -> list[ClaimCheck]:
    """Check every claim line of a memo against a team's result rows (``round`` and ``metrics``).

    Lines that are not claims are ignored; a claim with an unknown metric, an unplayed round or a
    value that is not a number is reported as failed with the reason.
    """
    by_round = {r["round"]: r["metrics"] for r in results}
    checks: list[ClaimCheck] = []
    for i, line in enumerate(text.splitlines(), start=1):
        m = _CLAIM.match(line)
        if m is None:
            continue
        metric, round_text, total, value_text = m.group(1).lower(), m.group(2), m.group(3), m.group(4)
        scope = "total" if total else f"round {round_text}"

        def verdict(ok: bool, msg: str, claimed: float | None = None, actual: float | None = None,
                    metric: str = metric, scope: str = scope, i: int = i) -> ClaimCheck:
            return ClaimCheck(i, metric, scope, claimed, actual, ok, msg)

        if metric not in FLOWS and metric not in LEVELS:
            checks.append(verdict(False, f"unknown metric {metric!r}"))
            continue
        claimed = _parse_number(value_text)
        if claimed is None:
            checks.append(verdict(False, "no number given" if not value_text else f"not a number: {value_text!r}"))
            continue
        if total:
            if metric not in FLOWS:
                checks.append(verdict(False, f"{metric} has no total; give a round", claimed))
                continue
            missing = [r for r in counted_rounds if r not in by_round]
            if missing or not counted_rounds:
                checks.append(verdict(False, "not all rounds have been played", claimed))
                continue
            actual = float(sum(by_round[r][metric] for r in counted_rounds))
        else:
            r = int(round_text)
            if r not in by_round or r not in counted_rounds:
                checks.append(verdict(False, f"round {r} has not been played", claimed))
                continue
            actual = float(by_round[r][metric])
        tolerance = max(RELATIVE_TOLERANCE * abs(actual), LEVELS.get(metric, 1.0))
        ok = abs(claimed - actual) <= tolerance
        msg = "matches" if ok else f"the results show {actual:,.2f}"
        checks.append(verdict(ok, msg, claimed, actual))
    return checks


def memo_report(checks: list[ClaimCheck]) -> str:
    """A short plain-text report of the checks (for the team page and the export)."""
    if not checks:
        raise UserError("the memo has no claim lines (`- metric round N: number` or `- metric total: number`)")
    lines = [f"{sum(c.ok for c in checks)} of {len(checks)} figures match the results"]
    for c in checks:
        mark = "ok " if c.ok else "NO "
        lines.append(f"  {mark} line {c.line}: {c.metric} {c.scope}: {c.message}")
    return "\n".join(lines)
