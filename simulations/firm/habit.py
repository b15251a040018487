"""How much a customer's own record of taking offers says about them: an empirical-Bayes rate.

Why: the firm's uplift score needs each customer's chance of being moved by an offer, and the only
evidence is how often they took the save offers (retention and win-back) they were sent. A raw
rate says too much about a customer with two offers and too little about one with thirty, and a
fixed prior ranks everyone with few offers above long-standing customers. The firm therefore
shrinks each customer's rate toward the rate of all its customers, with a prior strength read from
how much the rates differ between customers beyond chance: the beta-binomial model fitted by the
method of moments (Kleinman 1973), the textbook empirical-Bayes estimate for many small
proportions. Where customers do not differ, the prior is strong and every customer's rate is the
firm's; where they do, a few redemptions move a customer's rate a lot.
"""

from __future__ import annotations

import numpy as np

#: bounds of the intra-customer correlation rho = 1 / (1 + strength): a prior worth 1 to 10,000 offers
RHO_MIN, RHO_MAX = 1e-4, 0.5


def beta_binomial_prior(used: np.ndarray, offered: np.ndarray) -> tuple[float, float]:
    """Firm-wide take rate and prior strength (in offers) from per-customer counts.

    Only customers with at least one offer count. Returns ``(rate, strength)``; with no offers at all
    the rate is 0 and the strength 1 (then every customer's estimate is the same).
    """
    sent = offered > 0
    n = offered[sent].astype(np.float64)
    x = used[sent].astype(np.float64)
    total = n.sum()
    if n.size < 2:
        return 0.0, 1.0
    rate = float(x.sum() / total)
    spread = rate * (1.0 - rate)
    if spread == 0:
        return rate, 1.0 / RHO_MIN - 1.0
    # E[sum n (x/n - p)^2] = p(1-p) [(k - 1) + rho (N - sum n^2 / N)] for beta-binomial counts
    between = float((n * (x / n - rate) ** 2).sum()) / spread - (n.size - 1)
    rho = between / max(total - float((n * n).sum()) / total, 1e-9)
    rho = min(max(rho, RHO_MIN), RHO_MAX)
    return rate, 1.0 / rho - 1.0


def shrunk_rate(used: np.ndarray, offered: np.ndarray, rate: float, strength: float) -> np.ndarray:
    """Each customer's take rate, shrunk toward ``rate`` with a prior worth ``strength`` offers."""
    return ((used + strength * rate) / (offered + strength)).astype(np.float32)
