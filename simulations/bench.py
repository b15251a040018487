"""Throughput and peak-memory benchmark: figures to print, not a timed test.

Each measurement runs in a fresh subprocess so that its peak resident memory (``ru_maxrss``)
belongs to that run alone. Implementations register a runner below: the vectorized engine and the
readable object-per-customer reference model. Their speed ratio at equal population size is the
price of readability (the issue's target: the engine at least 30x faster at 10,000 customers).
Throughput is customer-weeks per second (people at the start x weeks, set-up included), so runs
of different lengths compare.
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

from simulations.i18n import N_, _
from simulations.i18n.columns import display_width, pad

#: implementation name -> "module:function" taking (scenario, customers, weeks, seed).
IMPLEMENTATIONS: dict[str, str] = {
    "vectorized": "simulations.bench:run_vectorized",
    "reference": "simulations.bench:run_reference",
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

    model = CustomerLifecycleModel(scenario, customers=customers, seed=seed, weeks=weeks)
    model.run(weeks)


def run_reference(scenario: str, customers: int, weeks: int, seed: int) -> None:
    """Run the object-per-customer reference model (KPIs collected each week, as the engine)."""
    from simulations.reference import ReferenceModel

    model = ReferenceModel(scenario, customers=customers, seed=seed)
    model.run(weeks)


def speedups(rows: list[Measurement], fast: str = "vectorized", slow: str = "reference") -> dict[int, float]:
    """Customers -> how many times more customer-weeks per second ``fast`` ran than ``slow``.

    Only population sizes at which both ran count (same scenario). Runs over the same number of
    weeks are compared where they exist (later weeks hold more active customers and cost more);
    otherwise the rates per customer-week of different horizons are compared.
    """
    out: dict[int, float] = {}
    for m in rows:
        if m.implementation != fast:
            continue
        peers = [s for s in rows if s.implementation == slow and s.scenario == m.scenario and s.customers == m.customers]
        same = [s for s in peers if s.weeks == m.weeks]
        if same or (peers and m.customers not in out):
            other = (same or peers)[-1]
            out[m.customers] = round(m.customer_weeks_per_second / other.customer_weeks_per_second, 1)
    return dict(sorted(out.items()))


def format_speedups(ratios: dict[int, float], fast: str = "vectorized", slow: str = "reference") -> str:
    """A plain-text table of speed ratios by population size."""
    customers = pad(_("customers"), 10, ">")
    head = f"{customers} {fast + ' / ' + slow:>26}"
    return "\n".join([head, "-" * display_width(head), *(f"{n:>10,} {r:>25.1f}x" for n, r in ratios.items())])


def _resolve(name: str) -> Callable[[str, int, int, int], None]:
    if name not in IMPLEMENTATIONS:
        raise ValueError(f"unknown implementation {name!r}; known: {', '.join(IMPLEMENTATIONS)}")
    module, func = IMPLEMENTATIONS[name].split(":")
    return getattr(importlib.import_module(module), func)


def _worker(implementation: str, scenario: str, customers: int, weeks: int, seed: int) -> dict:
    runner = _resolve(implementation)
    runner(scenario, 10, 1, seed)  # warm-up: imports and scenario loading are not the engine's speed
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
    head = " ".join(pad(_(text), width, align) for text, width, align in (
        (N_("implementation"), 14, "<"), (N_("scenario"), 20, "<"), (N_("customers"), 10, ">"), (N_("weeks"), 6, ">"),
        (N_("seconds"), 9, ">"), (N_("cust-weeks/s"), 14, ">"), (N_("peak MiB"), 9, ">")))
    lines = [head, "-" * display_width(head)]
    for m in rows:
        lines.append(f"{m.implementation:<14} {m.scenario:<20} {m.customers:>10,} {m.weeks:>6} {m.seconds:>9.2f} "
                     f"{m.customer_weeks_per_second:>14,} {m.peak_memory_mib:>9.0f}")
    return "\n".join(lines)


if __name__ == "__main__":
    impl, scen, n, w, s = sys.argv[1:6]
    print(json.dumps(_worker(impl, scen, int(n), int(w), int(s))))
