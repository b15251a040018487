"""``validate-model``: lever sweeps on paired seeds against the acceptance bands (docs/VALIDATION.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulations.errors import UserError
from simulations.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``validate-model``."""
    from simulations.validation import CLASSROOM_SEEDS, DEFAULT_CUSTOMERS, DEFAULT_SEEDS, DEFAULT_WEEKS

    p = sub.add_parser("validate-model", help=_("sweep every lever on paired seeds and check the acceptance bands"))
    p.add_argument("--scenario", action="append", default=None, metavar="NAME",
                   help=_("scenario to validate (repeatable; default: every built-in scenario)"))
    p.add_argument("--seeds", type=int, default=None,
                   help=_("paired seeds per level (default: {n}; with --classroom: {m})").format(
                       n=DEFAULT_SEEDS, m=CLASSROOM_SEEDS))
    p.add_argument("--customers", type=int, default=None,
                   help=_("people at the start (default: {n}; with --classroom: the case's)").format(n=DEFAULT_CUSTOMERS))
    p.add_argument("--weeks", type=int, default=DEFAULT_WEEKS, help=_("weeks per run (default: {n})").format(
        n=DEFAULT_WEEKS))
    p.add_argument("--lever", action="append", default=None, metavar="ID",
                   help=_("sweep only this lever (repeatable; default: every lever)"))
    p.add_argument("--workers", type=int, default=None, help=_("local worker processes (default: all cores)"))
    p.add_argument("--cache", type=Path, default=None,
                   help=_("folder of cached runs (default: ~/.cache/crm-sandbox/validation)"))
    p.add_argument("--out", type=Path, default=None, help=_("write plots, HTML page, CSV and JSON into this folder"))
    p.add_argument("--json", action="store_true", help=_("print the results as JSON instead of tables"))
    p.add_argument("--classroom", action="store_true",
                   help=_("instead: play five strategies in every built-in case and report the score spread"))
    p.add_argument("--no-progress", action="store_true", help=_("hide the progress bar"))
    p.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    """Run the sweep (or the classroom spread), print the tables or JSON, write the outputs."""
    if args.classroom:
        return _classroom(args)
    from simulations.cli.progress import bar
    from simulations.validation import DEFAULT_CUSTOMERS, DEFAULT_SEEDS, validate_model
    from simulations.validation.report import as_json, format_console, write_outputs
    from simulations.validation.sweep import Settings, default_cache, default_scenarios

    if args.workers is not None and args.workers < 1:
        raise UserError(_("--workers must be at least 1, got {n}").format(n=args.workers))
    settings = Settings(customers=args.customers or DEFAULT_CUSTOMERS, weeks=args.weeks,
                        seeds=args.seeds or DEFAULT_SEEDS,
                        levers=tuple(args.lever) if args.lever else None)
    scenarios = args.scenario or default_scenarios()
    cache = args.cache or default_cache()
    bars = []

    def progress(total: int, cached: int):
        print(_("{total} runs to do, {cached} from the cache ({cache})").format(total=total, cached=cached,
                                                                               cache=cache), file=sys.stderr)
        b = bar(total, _("validating"), unit="run", disable=True if args.no_progress else None)
        bars.append(b)
        return b.update

    try:
        result = validate_model(scenarios, settings, cache, args.workers, progress)
    finally:
        for b in bars:
            b.close()
    if args.out is not None:
        files = write_outputs(args.out, result.runs, result.table, result.bands, result.skipped, settings)
        print(_("wrote {n} files; open {page}").format(n=len(files), page=Path(args.out) / "index.html"),
              file=sys.stderr)
    if args.json:
        print(json.dumps(as_json(result.table, result.bands, result.skipped, settings), indent=2, ensure_ascii=False))
    else:
        print(format_console(result.table, result.bands, result.skipped, settings))
    return 0


def _classroom(args: argparse.Namespace) -> int:
    """Play the five strategies in every built-in case and print scores, spread and Kendall tau."""
    from simulations.classroom.case import case_names
    from simulations.cli.progress import bar
    from simulations.validation import CLASSROOM_SEEDS
    from simulations.validation.classroom_spread import format_spread, spread_all

    seeds = args.seeds or CLASSROOM_SEEDS
    if seeds < 1:
        raise UserError(_("--seeds must be at least 1, got {n}").format(n=seeds))
    cases = case_names()
    with bar(len(cases) * seeds, _("playing strategies"), unit="session",
             disable=True if args.no_progress else None) as b:
        result = spread_all(seeds=seeds, customers=args.customers, progress=b.update)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(format_spread(result))
    return 0
