"""Progress bars for long work: on stderr, off when not a terminal unless forced."""

from __future__ import annotations

import sys

from tqdm import tqdm


def bar(total: int, desc: str, unit: str = "week", disable: bool | None = None) -> tqdm:
    """A tqdm bar on stderr with an estimate of the time left."""
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=disable, dynamic_ncols=True,
                mininterval=0.5)
