"""``bench``: customer-weeks per second and peak memory of each engine, printed (never asserted).

The default run measures, in one go, the reference model at 1k, 10k and 100k customers and the
vectorized engine at 1k, 10k, 100k and 1M (156 and 260 weeks), and prints the speed ratio at each
size both ran. Ratios compare equal horizons (later weeks hold more active customers and cost
more), so the vectorized engine also runs the reference's short 100k horizon.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from simulations.bench import IMPLEMENTATIONS, Measurement, format_speedups, format_table, measure, speedups
from simulations.errors import UserError
from simulations.i18n import _

#: implementation -> (customers, weeks) measured by default.
DEFAULT_PLAN: dict[str, tuple[tuple[int, int], ...]] = {
    "reference": ((1_000, 156), (10_000, 156), (100_000, 13)),
    "vectorized": ((1_000, 156), (10_000, 156), (100_000, 13), (100_000, 156), (1_000_000, 156), (1_000_000, 260)),
}
#: small sizes for a smoke run (tests, a first look on a laptop).
QUICK_PLAN: dict[str, tuple[tuple[int, int], ...]] = {
    "reference": ((500, 6), (2_000, 6)),
    "vectorized": ((500, 6), (2_000, 6)),
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``bench`` sub-command."""
    p = sub.add_parser("bench", help=_("print throughput and peak memory of the simulation engines, and their speed ratio"))
    p.add_argument("--scenario", default="retail", help=_("built-in name or YAML file (default: retail)"))
    p.add_argument("--size", action="append", metavar="CUSTOMERSxWEEKS",
                   help=_("a size to run with every chosen engine, e.g. 10000x156 (repeatable; default: reference at "
                          "1k, 10k x 156 and 100k x 13 weeks, vectorized at the same sizes plus 100k x 156, 1M x 156 "
                          "and 1M x 260)"))
    p.add_argument("--implementation", action="append", choices=sorted(IMPLEMENTATIONS),
                   help=_("engine(s) to measure (default: all)"))
    p.add_argument("--quick", action="store_true", help=_("small sizes only (500 and 2,000 customers x 6 weeks)"))
    p.add_argument("--seed", type=int, default=0, help=_("random seed (default: 0)"))
    p.add_argument("--json", action="store_true",
                   help=_("print a JSON list of measurements; vectorized rows carry speedup_vs_reference"))
    p.set_defaults(func=cmd_bench)


def parse_size(text: str) -> tuple[int, int]:
    """'10000x156' -> (10000, 156)."""
    try:
        n, w = text.lower().split("x")
        size = int(n.replace("_", "")), int(w)
    except ValueError:
        raise UserError(_("--size {value}: expected CUSTOMERSxWEEKS, e.g. 10000x156").format(value=repr(text))) from None
    if size[0] < 10 or size[1] < 1:
        raise UserError(_("--size {value}: need at least 10 customers and 1 week").format(value=repr(text)))
    return size


def plan(args: argparse.Namespace) -> list[tuple[str, int, int]]:
    """(implementation, customers, weeks) to measure, in order."""
    impls = args.implementation or sorted(IMPLEMENTATIONS)
    if args.size and args.quick:
        raise UserError(_("--size and --quick exclude each other"))
    if args.size:
        sizes = [parse_size(s) for s in args.size]
        return [(impl, n, w) for impl in impls for n, w in sizes]
    table = QUICK_PLAN if args.quick else DEFAULT_PLAN
    return [(impl, n, w) for impl in impls for n, w in table[impl]]


def cmd_bench(args: argparse.Namespace) -> int:
    """Measure each implementation at each size, then compare their speeds."""
    rows: list[Measurement] = []
    for impl, n, w in plan(args):
        rows.append(measure(impl, args.scenario, n, w, seed=args.seed))
        if not args.json:
            print(format_table(rows[-1:]).splitlines()[-1], flush=True)
    ratios = speedups(rows)
    if args.json:
        out = []
        for r in rows:
            row = asdict(r)
            if r.implementation == "vectorized":
                row["speedup_vs_reference"] = ratios.get(r.customers)
            out.append(row)
        print(json.dumps(out, indent=2))
        return 0
    print()
    print(format_table(rows))
    if ratios:
        print()
        print(format_speedups(ratios))
        print(_("(ratios compare equal horizons where both engines ran one; otherwise rates per customer-week)"))
    return 0
