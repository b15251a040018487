"""Does an answer reproduce another (the reference method's, or a known wrong method's) on the same data?

Why one function: the "reproduce" check mode and the misconception detectors ask the same
question with the same tolerances, so a hint fires exactly when the answer matches a wrong method
as tightly as a right answer would have to match the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from graders.scoring.metrics import spearman


def close(a: float, b: float, params: Mapping[str, Any]) -> bool:
    """|a - b| <= atol + rtol * |b| (defaults: atol 1e-6, rtol 1e-6)."""
    return abs(a - b) <= params.get("atol", 1e-6) + params.get("rtol", 1e-6) * abs(b)


def same(kind: str, answer: Any, other: Any, params: Mapping[str, Any]) -> bool:
    """Whether ``answer`` matches ``other`` (both JSON answer values of ``kind``) within the question's tolerance."""
    if answer is None or other is None:
        return False
    if kind in ("scalar", "estimate"):
        return close(float(answer), float(other), params)
    if kind == "choice":
        return str(answer).strip().lower() == str(other).strip().lower()
    if kind == "idset":
        a, b = set(answer), set(other)
        union = a | b
        return not union or len(a & b) / len(union) >= params.get("min_jaccard", 1.0)
    if kind in ("values", "predictions"):
        if set(answer) != set(other):
            return False
        keys = sorted(other)
        a = np.array([answer[k] for k in keys], float)
        b = np.array([other[k] for k in keys], float)
        if params.get("rank_only"):
            return spearman(a, b) >= params.get("min_rho", 0.999)
        return bool(np.all(np.abs(a - b) <= params.get("atol", 1e-6) + params.get("rtol", 1e-6) * np.abs(b)))
    if kind == "partition":
        return answer == other
    if kind == "table":
        return same_table(answer, other, params)
    return False


def same_table(rows: list[dict], ref: list[dict], params: Mapping[str, Any]) -> bool:
    """Tables match when rows pair up by ``params['key']`` and every cell matches (numbers within tolerance).

    With ``params['subset']`` it is enough that every row of ``ref`` is among ``rows``: a policy
    table "contains" a known wrong decision (e.g. the retention campaign switched off) whatever
    else it changes.
    """
    key = params.get("key")
    if params.get("subset") and key:
        index = {r.get(key): r for r in rows}
        return bool(ref) and all(index.get(r[key]) is not None and same_table([index[r[key]]], [r], {
            k: v for k, v in params.items() if k not in ("subset", "key")}) for r in ref)
    if len(rows) != len(ref):
        return False
    if key:
        index = {r.get(key): r for r in rows}
        pairs = [(index.get(r[key]), r) for r in ref]
    else:
        pairs = list(zip(rows, ref, strict=True))
    for got, want in pairs:
        if got is None or set(got) != set(want):
            return False
        for col, value in want.items():
            mine = got[col]
            if isinstance(value, int | float) and not isinstance(value, bool):
                if not isinstance(mine, int | float) or not close(float(mine), float(value), params):
                    return False
            elif mine != value:
                return False
    return True
