"""Customer-base analytics that labs and the realism tests share.

Why a package of its own: students fit the same models to the sandbox's data that the tests use
to check that data against published figures, so both must be the same small, documented code:

* :mod:`~simulations.analytics.rfm`: orders table -> frequency / recency / T / monetary value, RFM scores;
* :mod:`~simulations.analytics.btyd`: BG/NBD repeat-buying model (:class:`BetaGeoFitter`);
* :mod:`~simulations.analytics.gamma_gamma`: spend per transaction (:class:`GammaGammaFitter`), CLV;
* :mod:`~simulations.analytics.survival`: Kaplan-Meier and tenure-interval hazards for contracts.

Estimators follow the scikit-learn idiom (settings in ``__init__``, ``fit`` returns ``self``,
learned state ends in ``_``) and return pandas objects. Nothing here imports the simulation.
"""

from simulations.analytics.btyd import BetaGeoFitter
from simulations.analytics.gamma_gamma import GammaGammaFitter
from simulations.analytics.rfm import revenue_concentration, rfm_scores, summary_from_orders
from simulations.analytics.survival import KaplanMeierFitter, interval_hazards

__all__ = [
    "BetaGeoFitter",
    "GammaGammaFitter",
    "KaplanMeierFitter",
    "interval_hazards",
    "revenue_concentration",
    "rfm_scores",
    "summary_from_orders",
]
