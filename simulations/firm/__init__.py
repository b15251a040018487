"""The firm's view: what the firm knows about its customers, built only from its own records.

Why a package of its own: a CRM course is about the gap between what a firm records and what its
customers feel. Everything the firm decides (whom to call, with what offer, which desk answers)
reads this view, and this view is built from the week's recorded events (orders, tickets,
contacts, notices, contract dates, sign-ups) and nothing else. ``tests/test_firm_wall.py`` proves
the wall by what these modules import and by scrambling hidden state without changing a decision.
"""

from simulations.firm.records import CustomerRecords
from simulations.firm.view import FirmView

__all__ = ["CustomerRecords", "FirmView"]
