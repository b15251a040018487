"""The recorder: an observer that keeps what happened each week, as compact column buffers.

Why: datasets must be written from what the simulation did as it ran, never invented afterwards.
The recorder subscribes to ``model.observers`` and, after every week, appends the week's event
arrays (orders, contacts, tickets ...) plus the true stage of everyone, and lets observation hooks
(surveys, which depend on the satisfaction of that very week) add rows. It holds numbers only: no
strings, no tables, so a million customers over three years fit in a few hundred megabytes; the
observable and truth writers turn the buffers into tables later, chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from simulations.weeklog import WeekLog

Hook = Callable[[Any, WeekLog, "Recorder"], None]


class Recorder:
    """Accumulates every week's event tables, true stages and KPIs of one model run.

    Args:
        hooks: called as ``hook(model, log, recorder)`` after the week is buffered; they may add
            observation rows with :meth:`add` (drawing from ``recorder.rng``).
        rng: generator for observation noise (the model's ``recording`` stream).
    """

    def __init__(self, rng: np.random.Generator, hooks: tuple[Hook, ...] = ()) -> None:
        self.rng = rng
        self.hooks = hooks
        self._buffers: dict[str, dict[str, list[np.ndarray]]] = {}
        self.stages: list[np.ndarray] = []
        self.perceived: list[np.ndarray] = []
        self.kpis: list[dict[str, float]] = []
        self.weeks: list[int] = []

    def __call__(self, model: Any, log: WeekLog) -> None:
        """Buffer one week (the model calls this after every step)."""
        for kind, table in log.tables.items():
            self.add(kind, log.week, **table)
        self.stages.append(model.population.stage.copy())
        # what the firm believes at the end of the week (its records through this week): it acts on it next week
        self.perceived.append(model.firm.perceived(log.week + 1).copy())
        self.kpis.append(dict(model.kpi))
        self.weeks.append(log.week)
        for hook in self.hooks:
            hook(model, log, self)

    def add(self, kind: str, week: int, **columns: np.ndarray) -> None:
        """Append rows of ``kind`` observed in ``week`` (a ``week`` column is added)."""
        cols = {k: np.asarray(v) for k, v in columns.items()}
        rows = len(next(iter(cols.values()))) if cols else 0
        buf = self._buffers.setdefault(kind, {})
        for k, v in {"week": np.full(rows, week, dtype=np.int32), **cols}.items():
            buf.setdefault(k, []).append(v)

    def rows(self, kind: str) -> int:
        """Rows buffered for ``kind``."""
        buf = self._buffers.get(kind)
        return sum(a.size for a in buf["week"]) if buf else 0

    def columns(self, kind: str, names: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
        """All buffered rows of ``kind`` as concatenated arrays (empty arrays of ``names`` if none)."""
        buf = self._buffers.get(kind)
        if not buf:
            return {name: np.empty(0) for name in ("week", *names)}
        return {k: np.concatenate(v) for k, v in buf.items()}

    def kinds(self) -> list[str]:
        """Event kinds seen so far."""
        return sorted(self._buffers)

    def nbytes(self) -> int:
        """Memory held by the buffers (for the benchmark report)."""
        total = sum(a.nbytes for buf in self._buffers.values() for arrs in buf.values() for a in arrs)
        return total + sum(s.nbytes for s in self.stages) + sum(s.nbytes for s in self.perceived)
