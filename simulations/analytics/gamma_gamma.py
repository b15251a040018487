"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Colombo & Jiang 1999).

Why: customer lifetime value needs "how much per purchase" next to "how many purchases". A
customer's transaction values scatter around their own mean; the Gamma-Gamma model lets a
customer with few purchases borrow strength from everyone (shrinkage): with x repeat purchases of
mean m, the expected mean spend is a weighted average of the population mean and m, the weight
on m growing with x. Each transaction value ~ Gamma(p, nu), and nu ~ Gamma(q, gamma) across
customers. The model assumes spend is independent of purchase frequency; check it (correlation
of frequency and monetary value near 0) before using it.

Reference: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "RFM and CLV: using iso-value
curves for customer base analysis", Journal of Marketing Research 42(4), 415-430; the note
"The Gamma-Gamma model of monetary value" (Fader & Hardie, 2013). Their CDNOW estimates:
p = 6.25, q = 3.74, gamma = 15.44.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln

from simulations.analytics._checks import as_float_array, require_columns, same_length

PARAM_NAMES: tuple[str, ...] = ("p", "q", "gamma")


def _check(frequency: object, monetary_value: object) -> tuple[np.ndarray, np.ndarray]:
    x = as_float_array(frequency, "frequency", minimum=0, strict=True)
    m = as_float_array(monetary_value, "monetary_value", minimum=0, strict=True)
    same_length(frequency=x, monetary_value=m)
    return x, m


def _loglik(theta: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    p, q, g = theta
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(g + m * x))


def sample_customers(frequency: object, params: dict[str, float], *, rng: np.random.Generator) -> pd.DataFrame:
    """Draw each customer's mean transaction value given their repeat count (known-truth data)."""
    x = as_float_array(frequency, "frequency", minimum=0, strict=True)
    nu = rng.gamma(params["q"], 1.0 / params["gamma"], x.size)
    mean = rng.gamma(params["p"] * x, 1.0 / (nu * x))
    return pd.DataFrame({"frequency": x.astype(np.int64), "monetary_value": mean})


class GammaGammaFitter:
    """Maximum-likelihood Gamma-Gamma spend model.

    Args:
        penalizer_coef: L2 penalty on the parameters (0: plain maximum likelihood).

    Attributes (after :meth:`fit`):
        params_: ``Series`` indexed p, q, gamma.
        log_likelihood_: total log-likelihood at the estimates.
    """

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        if penalizer_coef < 0:
            raise ValueError(f"penalizer_coef: must be >= 0, got {penalizer_coef}")
        self.penalizer_coef = penalizer_coef

    def fit(self, frequency: object, monetary_value: object) -> GammaGammaFitter:
        """Estimate p, q, gamma from repeat customers' counts and mean repeat-transaction values.

        Only customers with at least one repeat purchase carry information: pass
        ``summary[summary.frequency > 0]`` (the check says so when zeros are passed).
        """
        x, m = _check(frequency, monetary_value)
        total = x.size

        def objective(log_theta: np.ndarray) -> float:
            theta = np.exp(log_theta)
            ll = float(_loglik(theta, x, m).sum())
            return -(ll - self.penalizer_coef * float(np.sum(theta**2))) / total

        best = minimize(objective, np.zeros(3), method="Nelder-Mead",
                        options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000})
        best = minimize(objective, best.x, method="L-BFGS-B", options={"ftol": 1e-14, "gtol": 1e-9})
        if not np.all(np.isfinite(best.x)):
            raise RuntimeError("Gamma-Gamma fit did not converge; check the inputs or set penalizer_coef")
        theta = np.exp(best.x)
        self.params_ = pd.Series(theta, index=list(PARAM_NAMES), name="estimate")
        self.log_likelihood_ = float(_loglik(theta, x, m).sum())
        return self

    def _theta(self) -> np.ndarray:
        if not hasattr(self, "params_"):
            raise RuntimeError("this GammaGammaFitter is not fitted yet: call fit(frequency, monetary_value) first")
        return self.params_.to_numpy(dtype=float)

    def population_mean_spend(self) -> float:
        """Mean transaction value across customers, p * gamma / (q - 1) (infinite if q <= 1)."""
        p, q, g = self._theta()
        return float(p * g / (q - 1)) if q > 1 else float("inf")

    def conditional_expected_average_profit(self, frequency: object, monetary_value: object) -> np.ndarray:
        """Expected mean transaction value of each customer given x purchases of mean m.

        A customer without repeat purchases (x = 0) gets the population mean.
        """
        x = as_float_array(frequency, "frequency", minimum=0)
        m = as_float_array(monetary_value, "monetary_value", minimum=0)
        same_length(frequency=x, monetary_value=m)
        p, q, g = self._theta()
        if q <= 1:
            raise ValueError(f"q = {q:.3f} <= 1: the fitted population mean spend is infinite")
        return p * (g + m * x) / (p * x + q - 1)

    def customer_lifetime_value(
        self,
        transaction_model: object,
        summary: pd.DataFrame,
        *,
        horizon: float = 52.0,
        step: float = 4.0,
        discount_rate: float = 0.01,
        margin: float = 1.0,
    ) -> pd.Series:
        """Discounted expected value over ``horizon`` time units, in steps of ``step`` (CLV).

        Args:
            transaction_model: a fitted :class:`~simulations.analytics.btyd.BetaGeoFitter`.
            summary: RFM summary with frequency, recency, T, monetary_value.
            horizon: how far ahead to count, in the summary's time unit (default 52 weeks).
            step: length of one discounting period in the same unit (default 4 weeks).
            discount_rate: per ``step`` (e.g. monthly when steps are 4 weeks).
            margin: share of spend that is profit.
        """
        require_columns(summary, ("frequency", "recency", "T", "monetary_value"), "customer_lifetime_value: summary")
        if step <= 0 or horizon <= 0:
            raise ValueError("horizon and step must be > 0")
        args = (summary["frequency"], summary["recency"], summary["T"])
        spend = self.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"])
        value = np.zeros(len(summary))
        before = np.zeros(len(summary))
        edges = np.arange(step, horizon + 1e-9, step)
        for i, edge in enumerate(edges, start=1):
            upto = transaction_model.conditional_expected_number_of_purchases_up_to_time(edge, *args)
            value += (upto - before) * spend * margin / (1.0 + discount_rate) ** i
            before = upto
        return pd.Series(value, index=summary.index, name="clv")
