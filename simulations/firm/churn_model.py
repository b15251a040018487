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
MAX_FIT_ROWS = 200_000
IRLS_STEPS = 12


def design(features: np.ndarray) -> np.ndarray:
    """Design matrix with an intercept column (float64 for a stable fit)."""
    return np.column_stack([np.ones(features.shape[0]), features.astype(np.float64)])


def fit_logistic(features: np.ndarray, label: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Ridge-penalised logistic regression by damped Newton steps (iteratively reweighted least squares).

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

    def objective(b: np.ndarray) -> float:  # penalised log-likelihood (to be maximised)
        z = np.clip(x @ b, -30, 30)
        return float(y @ z - np.logaddexp(0.0, z).sum() - 0.5 * b @ penalty @ b)

    beta = fallback
    best = objective(beta)
    for _ in range(IRLS_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        w = np.maximum(p * (1 - p), 1e-6)
        grad = x.T @ (y - p) - penalty @ beta
        step = np.linalg.solve((x * w[:, None]).T @ x + penalty, grad)
        for _ in range(20):  # damped Newton: halve the step until the objective improves
            value = objective(beta + step)
            if value >= best:
                break
            step = step / 2.0
        else:
            break
        beta, best = beta + step, value
        if np.abs(step).max() < 1e-6:
            break
    return beta


def predict(coef: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Probability of churning within the horizon, per row of ``features``."""
    z = design(features) @ coef
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (rank formula; ties share ranks). NaN without both classes."""
    label = label.astype(bool)
    pos, neg = int(label.sum()), int((~label).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(score.size)
    sorted_scores = score[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    mid = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(mid, counts)
    return float((ranks[label].sum() - pos * (pos + 1) / 2) / (pos * neg))
