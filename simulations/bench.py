"""Throughput and peak-memory benchmark: figures to print, not a timed test.

Each measurement runs in a fresh subprocess so that its peak resident memory (``ru_maxrss``)
belongs to that run alone. Implementations register a runner below (the reference model adds one).
"""

from __future__ import annotations

import importlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

#: implementation name -> "module:function" taking (scenario, customers, weeks, seed).
IMPLEMENTATIONS: dict[str, str] = {
    "vectorized": "simulations.bench:run_vectorized",
}


@dataclass
class Measurement:
    """One benchmark run."""

    implementation: str
    scenario: str
    customers: int
    weeks: int
    seconds: float
    customer_weeks_per_second: float
    peak_memory_mib: float


def run_vectorized(scenario: str, customers: int, weeks: int, seed: int) -> None:
    """Run the vectorized engine without per-week data collection overhead beyond KPIs."""
    from simulations.model import CustomerLifecycleModel

    model = CustomerLifecycleModel(scenario, customers=customers, seed=seed)
    model.run(weeks)


def _resolve(name: str) -> Callable[[str, int, int, int], None]:
    if name not in IMPLEMENTATIONS:
        raise ValueError(f"unknown implementation {name!r}; known: {', '.join(IMPLEMENTATIONS)}")
    module, func = IMPLEMENTATIONS[name].split(":")
    return getattr(importlib.import_module(module), func)


def _worker(implementation: str, scenario: str, customers: int, weeks: int, seed: int) -> dict:
    runner = _resolve(implementation)
    start = time.perf_counter()
    runner(scenario, customers, weeks, seed)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return asdict(Measurement(implementation, scenario, customers, weeks, round(seconds, 3),
                              round(customers * weeks / seconds), round(peak, 1)))


def measure(implementation: str, scenario: str, customers: int, weeks: int, seed: int = 0) -> Measurement:
    """Run one configuration in a fresh process (one core) and return its figures."""
    _resolve(implementation)
    cmd = [sys.executable, "-m", "simulations.bench", implementation, scenario, str(customers), str(weeks), str(seed)]
    env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    import os

    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env}, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark run failed: {' '.join(cmd)}\n{out.stderr.strip()[-2000:]}")
    return Measurement(**json.loads(out.stdout.strip().splitlines()[-1]))


def format_table(rows: list[Measurement]) -> str:
    """A plain-text table of measurements."""
    head = (f"{'implementation':<14} {'scenario':<20} {'customers':>10} {'weeks':>6} {'seconds':>9} "
            f"{'cust-weeks/s':>14} {'peak MiB':>9}")
    lines = [head, "-" * len(head)]
    for m in rows:
        lines.append(f"{m.implementation:<14} {m.scenario:<20} {m.customers:>10,} {m.weeks:>6} {m.seconds:>9.2f} "
                     f"{m.customer_weeks_per_second:>14,} {m.peak_memory_mib:>9.0f}")
    return "\n".join(lines)


if __name__ == "__main__":
    impl, scen, n, w, s = sys.argv[1:6]
    print(json.dumps(_worker(impl, scen, int(n), int(w), int(s))))
