"""CRM Lifecycle Sandbox: an agent-based model of customers moving through the relationship lifecycle.

Every name below is imported on first use: ``crm-sandbox`` imports this package before anything
else, so keeping it empty keeps the CLI's start-up short (and Ctrl-C during it answered by the
CLI's own handler, not a traceback); ``import simulations.config`` or ``simulations.model`` as needed.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_LAZY: dict[str, str] = {
    "CustomerLifecycleModel": "simulations.model",
    "Event": "simulations.config",
    "Scenario": "simulations.config",
    "ScenarioError": "simulations.config",
    "builtin_names": "simulations.config",
    "load_scenario": "simulations.config",
    "with_overrides": "simulations.config",
    "Stage": "simulations.stages",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'simulations' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
