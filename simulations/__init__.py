"""CRM Lifecycle Sandbox: an agent-based model of customers moving through the relationship lifecycle."""

from simulations.config import Event, Scenario, ScenarioError, builtin_names, load_scenario, with_overrides
from simulations.stages import Stage

__version__ = "0.1.0"

__all__ = [
    "CustomerLifecycleModel",
    "Event",
    "Scenario",
    "ScenarioError",
    "Stage",
    "__version__",
    "builtin_names",
    "load_scenario",
    "with_overrides",
]


def __getattr__(name: str):  # lazy: importing the config must not import mesa
    if name == "CustomerLifecycleModel":
        from simulations.model import CustomerLifecycleModel

        return CustomerLifecycleModel
    raise AttributeError(name)
