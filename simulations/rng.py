"""One SeedSequence tree: a child generator per mechanism.

Why: each mechanism draws from its own stream, and every mechanism draws the same number of
values every week whatever the policy (draw before you branch). Two policies run on the same
seed then face the same luck, so their difference is paired (common random numbers), and adding
a draw to one mechanism does not shift the draws of the others.
"""

from __future__ import annotations

import numpy as np

#: Mechanism streams, in a fixed order: appending is safe, reordering changes every result.
STREAMS: tuple[str, ...] = (
    "population",
    "acquisition",
    "purchasing",
    "service",
    "relationship",
    "marketing",
    "loyalty",
    "community",
    "events",
    "mesa",
    "recording",
)


LOGISTIC_SCALE = float(np.sqrt(3.0) / np.pi)


def unit_logistic(u: np.ndarray) -> np.ndarray:
    """Turn uniforms into logistic variates with mean 0 and variance 1.

    Why: numpy's normal sampler costs three uniform draws' time on a million customers; a
    logistic variate is one uniform and a logarithm, and noise terms only need a symmetric,
    unit-variance bell shape.
    """
    u = np.clip(u, 1e-7, 1 - 1e-7)
    return (np.log(u / (1.0 - u)) * LOGISTIC_SCALE).astype(np.float32)


def logistic_lognormal_mean(sd: float) -> float:
    """E[exp(sd * L)] for a unit logistic L (to make multiplicative noise mean-one); sd*scale < 1."""
    t = min(sd * LOGISTIC_SCALE, 0.95)
    return float(np.pi * t / np.sin(np.pi * t)) if t > 0 else 1.0


class Streams:
    """Named child generators spawned from one root seed."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.root = root
        children = root.spawn(len(STREAMS))
        self._gens = {name: np.random.Generator(np.random.PCG64(ss)) for name, ss in zip(STREAMS, children, strict=False)}

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._gens[name]

    def __getattr__(self, name: str) -> np.random.Generator:
        try:
            return self.__dict__["_gens"][name]
        except KeyError:
            raise AttributeError(name) from None
