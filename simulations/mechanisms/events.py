"""Events: shocks declared in a scenario or injected while the model runs (the live classroom).

An event does not act directly on customers; it changes this week's modifiers, which the other
mechanisms read. This keeps every mechanism's draws unchanged by events (paired comparisons).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from simulations.config import Event


@dataclass
class Modifiers:
    """Multipliers and shifts that this week's events impose on the mechanisms."""

    service_capacity: float = 1.0
    service_need: float = 1.0
    competitor_pull: float = 1.0
    acquisition_reach: float = 1.0
    acquisition_conversion: float = 1.0
    satisfaction_shock: float = 0.0
    referral: float = 1.0


def active(events: Iterable[Event], week: int) -> list[Event]:
    """Events acting in ``week``."""
    return [e for e in events if e.week <= week < e.week + e.duration]


def modifiers(events: Iterable[Event], week: int) -> Modifiers:
    """Combine the events acting this week into one set of modifiers."""
    m = Modifiers()
    for e in active(events, week):
        x = e.intensity
        first = e.week == week
        if e.kind == "service_outage":
            m.service_capacity *= 1.0 - 0.9 * x
            m.service_need *= 1.0 + 2.0 * x
        elif e.kind == "price_war":
            m.competitor_pull *= 1.0 + 3.0 * x
            m.acquisition_conversion *= 1.0 - 0.5 * x
        elif e.kind == "product_defect":
            m.service_need *= 1.0 + 3.0 * x
            m.satisfaction_shock -= 0.12 * x if first else 0.02 * x
        elif e.kind == "viral_campaign":
            m.acquisition_reach *= 1.0 + 2.0 * x
            m.referral *= 1.0 + 2.0 * x
        elif e.kind == "viral_complaint":
            m.acquisition_conversion *= 1.0 - 0.6 * x
            m.satisfaction_shock -= 0.06 * x if first else 0.0
            m.referral *= 1.0 - 0.5 * x
    return m
