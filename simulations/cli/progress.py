"""Progress bars for long work: on stderr, off when not a terminal unless forced."""

from __future__ import annotations

import sys

from tqdm import tqdm

from simulations.i18n import _


def bar(total: int, desc: str, unit: str | None = None, disable: bool | None = None) -> tqdm:
    """A tqdm bar on stderr with an estimate of the time left; ``unit`` defaults to "week" in the current language."""
    return tqdm(total=total, desc=desc, unit=_("week") if unit is None else unit, file=sys.stderr, disable=disable,
                dynamic_ncols=True, mininterval=0.5)
