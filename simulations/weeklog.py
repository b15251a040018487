"""What happened in one simulated week, as arrays: the only thing recorders read from mechanisms.

Why: the core must not know about files, but datasets must be written as the simulation runs
(no post-hoc invention). Each mechanism notes its events here; recorders subscribed to the model
turn them into tables after every week. Keys of each table are documented where they are set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class WeekLog:
    """Event arrays of one week, keyed by kind (``acquisitions``, ``orders``, ``contacts`` ...)."""

    week: int
    tables: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    costs: dict[str, float] = field(default_factory=dict)
    counts: dict[str, float] = field(default_factory=dict)

    def add(self, kind: str, **columns: np.ndarray) -> None:
        """Append rows of event ``kind``; several calls for one kind are concatenated."""
        table = self.tables.get(kind)
        if table is None:
            self.tables[kind] = {k: np.asarray(v) for k, v in columns.items()}
        else:
            for k, v in columns.items():
                table[k] = np.concatenate([table[k], np.asarray(v)])

    def cost(self, function: str, amount: float) -> None:
        """Book a cost of a business function (acquisition, marketing, service, loyalty, community, overhead)."""
        self.costs[function] = self.costs.get(function, 0.0) + float(amount)

    def count(self, name: str, value: float = 1.0) -> None:
        """Add to a weekly counter (acquisitions, terminations ...)."""
        self.counts[name] = self.counts.get(name, 0.0) + float(value)
