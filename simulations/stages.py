"""Lifecycle stages of a customer relationship (Stauss 2000, see docs/COURSE.md §1).

The stage is the hidden truth of where a relationship stands; observable tables never carry it.
Stages are small integers so that millions of customers fit in one ``int8`` array.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stage(IntEnum):
    """A stage of the customer relationship lifecycle (客户关系生命周期)."""

    PROSPECT = 0
    NEW = 1
    GROWTH = 2
    MATURITY = 3
    AT_RISK = 4
    TERMINATING = 5
    DORMANT = 6
    WON_BACK = 7
    LOST = 8

    @property
    def label(self) -> str:
        """English label for tables and plots."""
        return STAGE_LABELS[self][0]

    @property
    def label_zh(self) -> str:
        """Chinese label, the field's own term."""
        return STAGE_LABELS[self][1]


#: Plain-int aliases for hot vectorized code: on Python 3.11 every ``Stage.X`` lookup goes through
#: the enum machinery, which costs more than the numpy comparison it feeds at 10,000 customers.
PROSPECT, NEW, GROWTH, MATURITY, AT_RISK, TERMINATING, DORMANT, WON_BACK, LOST = (int(s) for s in Stage)

STAGE_LABELS: dict[Stage, tuple[str, str]] = {
    Stage.PROSPECT: ("prospect", "开拓期"),
    Stage.NEW: ("new", "社会化期"),
    Stage.GROWTH: ("growth", "成长期"),
    Stage.MATURITY: ("maturity", "成熟期"),
    Stage.AT_RISK: ("at-risk", "危险期"),
    Stage.TERMINATING: ("terminating", "解约期"),
    Stage.DORMANT: ("dormant", "中断期"),
    Stage.WON_BACK: ("won back", "恢复期"),
    Stage.LOST: ("lost", "流失"),
}

N_STAGES = len(Stage)

#: Stages in which a person is a customer of the firm (buys, pays, may ask for service).
ACTIVE_STAGES: tuple[Stage, ...] = (
    Stage.NEW,
    Stage.GROWTH,
    Stage.MATURITY,
    Stage.AT_RISK,
    Stage.TERMINATING,
    Stage.WON_BACK,
)

def is_active(stage: np.ndarray) -> np.ndarray:
    """Mask of customers in an active stage (faster than ``np.isin`` on millions of int8 codes)."""
    return ((stage >= NEW) & (stage <= TERMINATING)) | (stage == WON_BACK)


#: Stages from which a relationship can become endangered (at-risk can occur at any stage).
ENDANGERABLE_STAGES: tuple[Stage, ...] = (Stage.NEW, Stage.GROWTH, Stage.MATURITY, Stage.WON_BACK)
