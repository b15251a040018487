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
