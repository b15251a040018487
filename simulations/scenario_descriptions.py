"""The built-in scenarios' descriptions in the current language (``crm-sandbox scenarios``, a run's report).

Why a copy of the scenario files' text: the catalog holds the texts of the code, so the descriptions
are repeated here, marked with ``N_``. A scenario file a user writes keeps its own words;
``tests/test_i18n_report.py`` fails when a built-in file's description changes without this table.
"""

from __future__ import annotations

from simulations.i18n import N_, _

#: Built-in scenario name -> its description, whitespace folded, exactly as in its YAML file.
BUILTIN_DESCRIPTIONS: dict[str, str] = {
    "appliance-community": N_(
        "A household-appliance maker that opens an online idea community (crowdsourcing, CRM 2.0) and wins "
        "back past buyers with trade-in offers."),
    "bank-students": N_(
        "A retail bank that signs up students with low balances and fees today because of what they will be "
        "worth after graduation. Potential value dominates current value. A student who leaves asks to close "
        "the account, which takes four weeks and is on record."),
    "pizza-shop": N_(
        "A neighbourhood pizza shop with a few hundred regular households and no contracts. Service is the "
        "lever: phone and chat capacity for orders and problems, and the effort put into recovering "
        "complaints (the service recovery paradox)."),
    "retail": N_(
        "A multi-category retailer without contracts. Customers buy when they like; the firm sees churn only "
        "as silence. Loyalty club on; community off."),
    "retail-btyd": N_(
        "The retailer as a textbook customer base: every customer buys as a Poisson process with a gamma-"
        "distributed rate until a beta-distributed dropout after some purchase (BG/NBD, CDNOW parameters). A "
        "cohort of first-time buyers forms in the first weeks."),
    "telecom": N_(
        "A telecom operator with month-to-month, one-year and two-year contracts, business customers and key "
        "accounts, recurring monthly fees and a competitor that tempts customers away."),
}


def shown_description(description: str) -> str:
    """``description`` with its whitespace folded, translated when it is a built-in scenario's."""
    folded = " ".join(description.split())
    return _(folded)
