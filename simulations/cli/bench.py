"""``bench``: customer-weeks per second and peak memory, printed (never asserted)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from simulations.bench import IMPLEMENTATIONS, format_table, measure
from simulations.errors import UserError

DEFAULT_SIZES = ((10_000, 156), (100_000, 156), (1_000_000, 260))


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``bench`` sub-command."""
    p = sub.add_parser("bench", help="print throughput and peak memory of the simulation engines")
    p.add_argument("--scenario", default="retail")
    p.add_argument("--size", action="append", metavar="CUSTOMERSxWEEKS",
                   help="a size to run, e.g. 10000x156 (repeatable; default: 10k x 156, 100k x 156, 1M x 260)")
    p.add_argument("--implementation", action="append", choices=sorted(IMPLEMENTATIONS),
                   help="engine(s) to measure (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_bench)


def parse_size(text: str) -> tuple[int, int]:
    """'10000x156' -> (10000, 156)."""
    try:
        n, w = text.lower().split("x")
        return int(n.replace("_", "")), int(w)
    except ValueError:
        raise UserError(f"--size {text!r}: expected CUSTOMERSxWEEKS, e.g. 10000x156") from None


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure each implementation at each size."""
    sizes = [parse_size(s) for s in args.size] if args.size else list(DEFAULT_SIZES)
    impls = args.implementation or sorted(IMPLEMENTATIONS)
    rows = []
    for impl in impls:
        for n, w in sizes:
            rows.append(measure(impl, args.scenario, n, w))
            if not args.json:
                print(format_table(rows[-1:]).splitlines()[-1], flush=True)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
    else:
        print()
        print(format_table(rows))
    return 0
