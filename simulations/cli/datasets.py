"""``generate`` (one dataset and its keys) and ``datasets issue`` (one dataset per student)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from simulations.cli.progress import bar
from simulations.config import load_scenario
from simulations.errors import UserError
from simulations.i18n import _


def _overrides(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UserError(_("--set {value}: expected FIELD=VALUE, e.g. policies.marketing.retention.targeting=random")
                            .format(value=repr(pair)))
        out[key] = yaml.safe_load(value)
    return out


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="retail", help=_("built-in name or YAML file (default: retail)"))
    p.add_argument("--customers", type=int, default=None, help=_("people at the start (default: the scenario's)"))
    p.add_argument("--weeks", type=int, default=None, help=_("weeks to simulate (default: the scenario's)"))
    p.add_argument("--keys", type=Path, default=None, help=_("answer-key folder (instructors only)"))
    clean = p.add_mutually_exclusive_group()
    clean.add_argument("--dirty", dest="dirty", action="store_true", default=True,
                       help=_("add source systems with duplicates and a partial crosswalk (default)"))
    clean.add_argument("--clean", dest="dirty", action="store_false", help=_("one clean customer table only"))
    p.add_argument("--locale", default="en_US", help=_("identities: en_US (default) or zh_CN"))
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="FIELD=VALUE",
                   help=_("scenario override, repeatable (e.g. policies.marketing.retention.targeting=random)"))
    p.add_argument("--force", action="store_true", help=_("replace existing output folders"))
    p.add_argument("--no-progress", action="store_true", help=_("hide the progress bar"))


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``generate`` and ``datasets issue``."""
    p = sub.add_parser("generate", help=_("generate a synthetic CRM dataset (and optionally its answer keys)"))
    _common(p)
    p.add_argument("--seed", type=int, default=0, help=_("random seed (default: 0)"))
    p.add_argument("--out", type=Path, required=True, help=_("dataset folder (student-facing)"))
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("datasets", help=_("per-student datasets"))
    dsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    issue = dsub.add_parser("issue", help=_("one dataset per student, seeded by an HMAC of the course secret"))
    _common(issue)
    issue.add_argument("--roster", type=Path, required=True, help=_("CSV with a student_id column"))
    issue.add_argument("--secret-file", type=Path, required=True, help=_("file holding the course secret"))
    issue.add_argument("--assignment", default="default", help=_("assignment name (part of every seed)"))
    issue.add_argument("--out", type=Path, required=True, help=_("folder of the students' datasets"))
    issue.set_defaults(func=cmd_issue)


def cmd_generate(args: argparse.Namespace) -> int:
    """Generate one dataset."""
    from simulations.recording import generate_dataset

    scenario = load_scenario(args.scenario)
    weeks = args.weeks or scenario.world.market.weeks
    with bar(weeks, _("generating {scenario}").format(scenario=scenario.name), disable=True if args.no_progress else None) as b:
        result = generate_dataset(scenario, args.customers, args.weeks, args.seed, args.out, args.keys, args.dirty,
                                  args.locale, args.force, b.update, overrides=_overrides(args.overrides))
    meta = result.metadata
    print(_("dataset {dataset}: {n} tables in {folder}").format(dataset=meta["dataset_id"], n=len(meta["tables"]),
                                                               folder=args.out)
          + (_("; answer keys in {folder}").format(folder=args.keys) if args.keys else ""))
    return 0


def cmd_issue(args: argparse.Namespace) -> int:
    """Generate every student's dataset."""
    from simulations.recording.issue import issue_datasets

    def announce(student: str) -> None:
        print(_("generating {student}").format(student=student), flush=True)

    made = issue_datasets(args.roster, args.secret_file, args.scenario, args.out, assignment=args.assignment,
                          keys=args.keys, customers=args.customers, weeks=args.weeks, force=args.force,
                          dirty=args.dirty, locale=args.locale, overrides=_overrides(args.overrides),
                          progress=None if args.no_progress else announce)
    keys = made[0].keys.parent if made and made[0].keys else None
    print(_("{n} datasets in {folder}; answer keys in {keys}").format(n=len(made), folder=args.out, keys=keys))
    return 0
