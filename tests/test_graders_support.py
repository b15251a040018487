"""Small generated datasets and answer keys for the grader tests, made once per test session.

Each is a real simulated dataset (``simulations.recording.generate_dataset``), small enough to
generate in a few seconds: 400 people over two years of the retail scenario, clean variant.
"""

from __future__ import annotations

from pathlib import Path

from simulations.recording import generate_dataset

CUSTOMERS, WEEKS = 400, 104


def generate_pair(folder: Path, seed: int, customers: int = CUSTOMERS, weeks: int = WEEKS) -> tuple[Path, Path]:
    """Write ``folder/data`` (student dataset) and ``folder/keys`` (answer key) for ``seed``; returns both."""
    data, keys = Path(folder) / "data", Path(folder) / "keys"
    if not (data / "metadata.json").is_file() or not (keys / "metadata.json").is_file():
        generate_dataset("retail", customers=customers, weeks=weeks, seed=seed, out=data, keys=keys, dirty=False, force=True)
    return data, keys
