"""A readable reference implementation: one ``mesa.Agent`` per customer and one for the firm.

Why: students learn agent-based modelling by reading how ONE customer decides each week;
researchers need a million customers. The vectorized engine (``simulations.model``) serves the
second; this package serves the first, and the two check each other: for every built-in scenario
their weekly stage counts, revenue and terminations agree statistically
(``tests/test_reference_equivalence.py``).
"""

from simulations.reference.customer import Customer
from simulations.reference.firm import Firm
from simulations.reference.model import REFERENCE_KPIS, ReferenceModel

__all__ = ["REFERENCE_KPIS", "Customer", "Firm", "ReferenceModel"]
