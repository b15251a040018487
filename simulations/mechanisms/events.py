"""Events: shocks declared in a scenario or injected while the model runs (the live classroom).

An event does not act directly on customers; it changes this week's modifiers, which the other
mechanisms read. This keeps every mechanism's draws unchanged by events (paired comparisons).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from simulations.config import Event, EventEffects


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


def modifiers(events: Iterable[Event], week: int, fx: EventEffects) -> Modifiers:
    """Combine the events acting this week into one set of modifiers.

    ``fx`` (``world.event_effects``) says how strongly each kind of event acts at intensity 1.
    """
    m = Modifiers()
    for e in active(events, week):
        x = e.intensity
        first = e.week == week
        if e.kind == "service_outage":
            m.service_capacity *= 1.0 - fx.service_outage.capacity_loss * x
            m.service_need *= 1.0 + fx.service_outage.need_rise * x
        elif e.kind == "price_war":
            m.competitor_pull *= 1.0 + fx.price_war.competitor_pull_rise * x
            m.acquisition_conversion *= 1.0 - fx.price_war.conversion_loss * x
        elif e.kind == "product_defect":
            d = fx.product_defect
            m.service_need *= 1.0 + d.need_rise * x
            m.satisfaction_shock -= d.first_shock * x if first else d.weekly_shock * x
        elif e.kind == "viral_campaign":
            m.acquisition_reach *= 1.0 + fx.viral_campaign.reach_rise * x
            m.referral *= 1.0 + fx.viral_campaign.referral_rise * x
        elif e.kind == "viral_complaint":
            v = fx.viral_complaint
            m.acquisition_conversion *= 1.0 - v.conversion_loss * x
            m.satisfaction_shock -= v.first_shock * x if first else 0.0
            m.referral *= 1.0 - v.referral_loss * x
    return m
