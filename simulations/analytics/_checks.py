"""Input checks shared by the analytics helpers.

Why a module: students call these helpers on tables they built themselves, so a wrong column or a
negative recency must fail with a message that says which input is wrong and what was expected,
not with a numpy traceback from deep inside an optimiser.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str = "table") -> None:
    """Raise ``ValueError`` naming every missing column and the columns that are there."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what}: missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"columns present: {', '.join(map(str, frame.columns)) or '(none)'}"
        )


def as_float_array(values: object, name: str, *, minimum: float | None = None, strict: bool = False) -> np.ndarray:
    """A 1-d float array with finite values (and a lower bound), or ``ValueError`` naming ``name``."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional sequence of numbers, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains missing or infinite values")
    if minimum is not None:
        bad = arr <= minimum if strict else arr < minimum
        if bad.any():
            rule = ">" if strict else ">="
            raise ValueError(f"{name}: every value must be {rule} {minimum}; found {arr[bad][0]!r}")
    return arr


def same_length(**arrays: np.ndarray) -> int:
    """The common length of named arrays, or ``ValueError`` listing each length."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k}={n}" for k, n in lengths.items())
        raise ValueError(f"inputs must have the same length, got {shown}")
    return next(iter(lengths.values()), 0)
