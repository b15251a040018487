"""The firm's churn model: a logistic regression on its own records, refitted on observed outcomes.

Why this model: it is what most CRM teams run (a scorecard-style logistic model on recency,
frequency, tenure, service history and contract dates), it is cheap to refit every quarter on a
million customers, and its coefficients can be shown to students. The label is what the firm can
observe ``horizon`` weeks after a snapshot of features: the customer lapsed, gave notice or ended
their contract. Until the first outcomes are in, the firm uses a rule of thumb (a fixed scorecard
that grows with overdue buying and complaints), as firms do before they have a model.
"""

from __future__ import annotations

import numpy as np

#: names of the features, in the order of the design matrix's columns (after the intercept)
FEATURES: tuple[str, ...] = (
    "overdue", "log_orders", "log_tenure", "complaints", "tickets", "contacts", "term_left", "loyalty_member",
)
#: rule-of-thumb scorecard before the first fit (intercept first; chosen, not fitted): a customer a full
#: usual gap overdue, or with a recent complaint, scores about 0.4; a long contract term left lowers it
PRIOR_COEF = np.array([-2.0, 1.5, -0.3, -0.1, 1.5, 0.2, 0.1, -1.0, -0.3])
RIDGE = 1.0
MAX_FIT_ROWS = 30_000  # ample for nine coefficients; thinning keeps a quarterly refit cheap at a million
IRLS_STEPS = 12
#: largest change of any coefficient in one Newton step (keeps early steps from overshooting)
MAX_STEP = 2.0


def design(features: np.ndarray) -> np.ndarray:
    """Design matrix with an intercept column (float64 for a stable fit)."""
    return np.column_stack([np.ones(features.shape[0]), features.astype(np.float64)])


def fit_logistic(features: np.ndarray, label: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Ridge-penalised logistic regression by Newton steps (iteratively reweighted least squares).

    The ridge keeps coefficients finite when a feature separates the classes perfectly (it can:
    lapsing is defined by silence, and silence is a feature).

    Rows beyond ``MAX_FIT_ROWS`` are thinned by a fixed stride (deterministic, no random draws).
    Returns the coefficients, intercept first; with no positives or no negatives, the start values.
    """
    fallback = PRIOR_COEF.copy() if start is None else start.copy()
    if label.size == 0 or label.all() or not label.any():
        return fallback
    stride = max(1, -(-label.size // MAX_FIT_ROWS))
    x, y = design(features[::stride]), label[::stride].astype(np.float64)
    penalty = RIDGE * np.eye(x.shape[1])
    penalty[0, 0] = 0.0

    beta = fallback
    for _ in range(IRLS_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        w = np.maximum(p * (1 - p), 1e-6)
        grad = x.T @ (y - p) - penalty @ beta
        step = np.linalg.solve((x * w[:, None]).T @ x + penalty, grad)
        largest = np.abs(step).max()
        if largest > MAX_STEP:  # a trust region instead of a line search: no extra passes over the data
            step = step * (MAX_STEP / largest)
        beta = beta + step
        if largest < 1e-4:
            break
    return beta


def predict(coef: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Probability of churning within the horizon, per row of ``features``."""
    z = features @ coef[1:].astype(np.float32) + np.float32(coef[0])
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (rank formula; ties share ranks). NaN without both classes."""
    label = label.astype(bool)
    pos, neg = int(label.sum()), int((~label).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    # a positive's mid-rank is (number below + number at or below + 1) / 2; mid-ranks are half-integers,
    # so their sum is exact in any order (the same value as ranking everyone, at the cost of one sort)
    ordered = np.sort(score)
    hit = score[label]
    ranks = (np.searchsorted(ordered, hit, "left") + np.searchsorted(ordered, hit, "right") + 1) / 2.0
    return float((ranks.sum() - pos * (pos + 1) / 2) / (pos * neg))
