"""BG/NBD "buy till you die" model of repeat buying (Fader, Hardie & Lee 2005).

Why it is here: in non-contractual retail the firm never sees a customer leave, only silence.
The BG/NBD model separates "buys rarely" from "has gone": while alive a customer buys as a
Poisson process with rate lambda ~ Gamma(r, alpha); after every repeat purchase they drop out with
probability p ~ Beta(a, b). Labs fit it to an RFM summary (see :mod:`simulations.analytics.rfm`)
to estimate who is still alive and how much each customer will buy; the realism tests fit it to
the sandbox's ``retail-btyd`` scenario and must recover the parameters the data were made with.

Reference: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "'Counting your customers' the easy
way: an alternative to the Pareto/NBD model", Marketing Science 24(2), 275-284. Their CDNOW fit,
time in weeks: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (log-likelihood -9582.4).

The likelihood is the paper's closed form, written with ``gammaln`` and evaluated in
logs; it needs no hypergeometric function. Predictions over a future window do, and
use ``scipy.special.hyp2f1``. The fitter follows the scikit-learn idiom: settings in
``__init__``, ``fit`` returns ``self``, learned state ends in ``_``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from simulations.analytics._checks import as_float_array, require_columns, same_length

PARAM_NAMES: tuple[str, ...] = ("r", "alpha", "a", "b")
#: The CDNOW estimates of Fader, Hardie & Lee (2005), time unit one week.
CDNOW_PARAMS: dict[str, float] = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def check_rfm(frequency: object, recency: object, T: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: N803
    """Validate an RFM summary: whole repeat counts, 0 <= recency <= T, recency 0 without repeats.

    Why strict: a recency larger than T or a repeat count with no recency are the usual traces of
    a wrong time origin; fitting them anyway gives plausible-looking but meaningless parameters.
    """
    x = as_float_array(frequency, "frequency", minimum=0)
    t_x = as_float_array(recency, "recency", minimum=0)
    big_t = as_float_array(T, "T", minimum=0, strict=True)
    same_length(frequency=x, recency=t_x, T=big_t)
    if np.any(x != np.round(x)):
        raise ValueError("frequency: expected whole numbers of repeat purchases")
    tol = 1e-9 * np.maximum(big_t, 1.0)
    if np.any(t_x > big_t + tol):
        i = int(np.flatnonzero(t_x > big_t + tol)[0])
        raise ValueError(f"recency must not exceed T (row {i}: recency={t_x[i]}, T={big_t[i]})")
    if np.any((x == 0) & (t_x > 0)):
        i = int(np.flatnonzero((x == 0) & (t_x > 0))[0])
        raise ValueError(f"recency must be 0 for customers without repeat purchases (row {i}: recency={t_x[i]})")
    return x, t_x, big_t


def log_likelihood(params: dict[str, float] | pd.Series, frequency: object, recency: object, T: object) -> np.ndarray:  # noqa: N803
    """Per-customer BG/NBD log-likelihood (the closed form of Fader, Hardie & Lee 2005)."""
    x, t_x, big_t = check_rfm(frequency, recency, T)
    return _loglik(np.array([params[k] for k in PARAM_NAMES], dtype=float), x, t_x, big_t)


def _loglik(
    theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, last: np.ndarray | None = None
) -> np.ndarray:
    r, alpha, a, b = theta
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + big_t)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    xr = x[repeat]
    if last is None:
        # P(drop out right after the last purchase) / P(alive after x purchases) = a / (b + x - 1)
        drop = np.log(a) - np.log(b + xr - 1)
    else:
        # dropout takes effect at the end of the last purchase period, after its k purchases:
        # E[(1-p)^(x-k) (1 - (1-p)^k)] / E[(1-p)^x] = B(a, b+x-k) / B(a, b+x) - 1
        k = last[repeat]
        log_ratio = betaln(a, b + xr - k) - betaln(a, b + xr)
        drop = log_ratio + np.log1p(-np.exp(-log_ratio))
    a4[repeat] = drop - (r + xr) * np.log(alpha + t_x[repeat])
    return a1 + a2 + np.logaddexp(a3, a4)


def _log_odds_dead(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    """Log of delta * a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x): odds that a customer has dropped out."""
    r, alpha, a, b = theta
    out = np.full_like(x, -np.inf)
    rep = x > 0
    xr = x[rep]
    out[rep] = np.log(a) - np.log(b + xr - 1) + (r + xr) * (np.log(alpha + big_t[rep]) - np.log(alpha + t_x[rep]))
    return out


def sample_customers(
    n: int,
    T: float | np.ndarray,  # noqa: N803
    params: dict[str, float] | None = None,
    *,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Draw ``n`` customers from the BG/NBD model and summarise them (frequency, recency, T).

    Why: known-truth data for teaching ("fit this and see if you get the parameters back") and
    for testing the fitter. Time is continuous; the first purchase is at time 0. ``rng`` is
    required so that no global random state is used.
    """
    p = {**CDNOW_PARAMS, **(params or {})}
    horizon = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(p["r"], 1.0 / p["alpha"], n)
    drop = rng.beta(p["a"], p["b"], n)
    now = np.zeros(n)
    last = np.zeros(n)
    freq = np.zeros(n, dtype=np.int64)
    live = np.ones(n, dtype=bool)
    while live.any():
        idx = np.flatnonzero(live)
        now[idx] += rng.exponential(1.0, idx.size) / np.maximum(lam[idx], 1e-300)
        bought = now[idx] < horizon[idx]
        hit = idx[bought]
        freq[hit] += 1
        last[hit] = now[hit]
        dies = rng.random(hit.size) < drop[hit]
        live[idx[~bought]] = False
        live[hit[dies]] = False
    return pd.DataFrame({"frequency": freq, "recency": last, "T": horizon})


class BetaGeoFitter:
    """Maximum-likelihood BG/NBD fitter.

    Args:
        penalizer_coef: L2 penalty on the parameters (0: plain maximum likelihood). A small value
            keeps estimates finite on tiny or degenerate samples.
        initial_params: starting values by name (default: all 1).

    Attributes (after :meth:`fit`):
        params_: estimates as a ``Series`` indexed r, alpha, a, b.
        summary_: ``DataFrame`` with estimate, standard error (inverse Hessian, delta method) and
            a 95% interval per parameter.
        log_likelihood_: total log-likelihood at the estimates.
        n_customers_: customers the model was fitted to.
    """

    def __init__(self, penalizer_coef: float = 0.0, initial_params: dict[str, float] | None = None) -> None:
        if penalizer_coef < 0:
            raise ValueError(f"penalizer_coef: must be >= 0, got {penalizer_coef}")
        self.penalizer_coef = penalizer_coef
        self.initial_params = initial_params

    def fit(
        self,
        frequency: object,
        recency: object,
        T: object,  # noqa: N803
        weights: object = None,
        last_period_purchases: object = None,
    ) -> BetaGeoFitter:
        """Estimate r, alpha, a, b from repeat counts, recency and age of each customer.

        Args:
            frequency: repeat purchases per customer (purchases after the first).
            recency: time of the last purchase, counted from the first purchase (0 if none).
            T: time from the first purchase to the end of observation.
            weights: customers each row stands for (aggregated data); default 1.
            last_period_purchases: for period data in which a dropout takes effect only at the
                end of a period (a customer who decides to leave still completes that period's
                orders), the repeat purchases in the last period with purchases; ``recency`` is
                then the END of that period. The likelihood stays exact for such data (the
                continuous one overstates a and b when heavy buyers place several orders in their
                last period). Default ``None``: continuous-time BG/NBD, which fits the sandbox's
                BTYD mode (there a dropout happens right after the purchase it follows).
        """
        x, t_x, big_t = check_rfm(frequency, recency, T)
        w = np.ones_like(x) if weights is None else as_float_array(weights, "weights", minimum=0)
        same_length(frequency=x, weights=w)
        last = None
        if last_period_purchases is not None:
            last = as_float_array(last_period_purchases, "last_period_purchases", minimum=0)
            same_length(frequency=x, last_period_purchases=last)
            if np.any((x > 0) & ((last < 1) | (last > x))) or np.any(last != np.round(last)):
                raise ValueError("last_period_purchases: expected whole numbers between 1 and frequency for repeat buyers")
        if w.sum() <= 0:
            raise ValueError("fit: no customers to fit (empty input or all weights 0)")
        start = np.ones(4) if self.initial_params is None else np.array([self.initial_params[k] for k in PARAM_NAMES])
        total = w.sum()

        def objective(log_theta: np.ndarray) -> float:
            theta = np.exp(log_theta)
            ll = float(np.dot(w, _loglik(theta, x, t_x, big_t, last)))
            return -(ll - self.penalizer_coef * float(np.sum(theta**2))) / total

        best = minimize(objective, np.log(start), method="Nelder-Mead",
                        options={"xatol": 1e-7, "fatol": 1e-11, "maxiter": 20_000, "maxfev": 40_000})
        best = minimize(objective, best.x, method="L-BFGS-B", options={"ftol": 1e-14, "gtol": 1e-9})
        if not np.all(np.isfinite(best.x)):
            raise RuntimeError("BG/NBD fit did not converge; check the inputs or set penalizer_coef")
        theta = np.exp(best.x)
        self.params_ = pd.Series(theta, index=list(PARAM_NAMES), name="estimate")
        self.log_likelihood_ = float(np.dot(w, _loglik(theta, x, t_x, big_t, last)))
        self.n_customers_ = float(total)
        self.summary_ = self._summary(objective, best.x, total)
        return self

    def _summary(self, objective: object, log_theta: np.ndarray, total: float) -> pd.DataFrame:
        """Standard errors from a finite-difference Hessian in log-parameters (delta method)."""
        hess = _hessian(objective, log_theta) * total
        try:
            cov_log = np.linalg.inv(hess)
            se_log = np.sqrt(np.clip(np.diag(cov_log), 0.0, None))
        except np.linalg.LinAlgError:
            se_log = np.full(4, np.nan)
        est = np.exp(log_theta)
        return pd.DataFrame(
            {"estimate": est, "se": est * se_log, "lower_95": np.exp(log_theta - 1.96 * se_log),
             "upper_95": np.exp(log_theta + 1.96 * se_log)},
            index=pd.Index(PARAM_NAMES, name="parameter"),
        )

    # ------------------------------------------------------------------------- predictions
    def _theta(self) -> np.ndarray:
        if not hasattr(self, "params_"):
            raise RuntimeError("this BetaGeoFitter is not fitted yet: call fit(frequency, recency, T) first")
        return self.params_.to_numpy(dtype=float)

    def conditional_probability_alive(self, frequency: object, recency: object, T: object) -> np.ndarray:  # noqa: N803
        """P(still alive at T | x, t_x, T): the 'is this silence churn?' answer."""
        x, t_x, big_t = check_rfm(frequency, recency, T)
        return 1.0 / (1.0 + np.exp(_log_odds_dead(self._theta(), x, t_x, big_t)))

    def conditional_expected_number_of_purchases_up_to_time(
        self, t: float | np.ndarray, frequency: object, recency: object, T: object  # noqa: N803
    ) -> np.ndarray:
        """Expected purchases in (T, T + t] of a customer with history (x, t_x, T)."""
        x, t_x, big_t = check_rfm(frequency, recency, T)
        horizon = np.broadcast_to(as_float_array(t, "t", minimum=0), x.shape)
        r, alpha, a, b = self._theta()
        z = horizon / (alpha + big_t + horizon)
        head = (a + b + x - 1) / (a - 1)
        ratio = np.exp((r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + horizon)))
        tail = 1.0 - ratio * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return head * tail / (1.0 + np.exp(_log_odds_dead(np.array([r, alpha, a, b]), x, t_x, big_t)))

    def expected_number_of_purchases_up_to_time(self, t: float | np.ndarray) -> np.ndarray:
        """Expected repeat purchases in (0, t] of a new customer."""
        horizon = as_float_array(t, "t", minimum=0)
        r, alpha, a, b = self._theta()
        z = horizon / (alpha + horizon)
        return (a + b - 1) / (a - 1) * (1.0 - (alpha / (alpha + horizon)) ** r * hyp2f1(r, b, a + b - 1, z))

    def predict(self, t: float, summary: pd.DataFrame) -> pd.DataFrame:
        """For an RFM summary (columns frequency, recency, T): P(alive) and expected purchases in t."""
        require_columns(summary, ("frequency", "recency", "T"), "predict: summary")
        args = (summary["frequency"], summary["recency"], summary["T"])
        return pd.DataFrame(
            {"p_alive": self.conditional_probability_alive(*args),
             "expected_purchases": self.conditional_expected_number_of_purchases_up_to_time(t, *args)},
            index=summary.index,
        )


def _hessian(f: object, x0: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central finite-difference Hessian of a scalar function."""
    k = x0.size
    hess = np.zeros((k, k))
    f0 = f(x0)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h
        hess[i, i] = (f(x0 + ei) - 2 * f0 + f(x0 - ei)) / h**2
        for j in range(i + 1, k):
            ej = np.zeros(k)
            ej[j] = h
            val = (f(x0 + ei + ej) - f(x0 + ei - ej) - f(x0 - ei + ej) + f(x0 - ei - ej)) / (4 * h**2)
            hess[i, j] = hess[j, i] = val
    return hess
