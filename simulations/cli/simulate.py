"""``simulate``, ``scenarios`` and ``scenario show``."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulations.cli.progress import bar
from simulations.config import builtin_names, describe_fields, load_scenario, scenario_path
from simulations.errors import UserError
from simulations.i18n import _, text_language
from simulations.outputs import check_not_clobbering
from simulations.scenario_descriptions import shown_description


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sub-commands of this module (texts in the language chosen before the parser is built)."""
    p = sub.add_parser(
        "simulate", help=_("run a scenario and write weekly KPIs and a report"),
        description=_("Run a scenario (built-in name or YAML file) and write kpis.parquet, kpis.csv, three plots "
                      "and report.html into --out; print a yearly summary and the biggest changes. "
                      "An existing non-empty --out is refused unless --force."))
    p.add_argument("--scenario", default="retail", help=_("built-in name or YAML file (default: retail)"))
    p.add_argument("--customers", type=int, default=None, help=_("people at the start (default: the scenario's)"))
    p.add_argument("--weeks", type=int, default=None, help=_("weeks to simulate (default: the scenario's)"))
    p.add_argument("--seed", type=int, default=0, help=_("random seed (default: 0)"))
    p.add_argument("--out", type=Path, default=Path("runs/default"), help=_("output folder (default: runs/default)"))
    p.add_argument("--force", action="store_true", help=_("replace the files of an earlier run in --out"))
    p.add_argument("--no-progress", action="store_true", help=_("hide the progress bar"))
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("scenarios", help=_("list the built-in scenarios"),
                       description=_("List the built-in scenarios, one per line with its description. "
                                     "Show one with `crm-sandbox scenario show NAME`."))
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("scenario", help=_("show a scenario or document its fields"),
                       description=_("Print a scenario as YAML, or list every scenario field."))
    ssub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = ssub.add_parser("show", help=_("print a scenario as YAML (defaults filled in, source comments kept)"),
                           description=_("Print a scenario as YAML with every field filled in and the comments of its "
                                         "file kept beside their fields; redirect it to a file to start an edited copy."))
    show.add_argument("name", help=_("built-in name or YAML file"))
    show.set_defaults(func=cmd_scenario_show)
    fields = ssub.add_parser("fields", help=_("list every scenario field with default, range and meaning"),
                             description=_("List every scenario field: dotted path, default (as YAML), range, meaning."))
    fields.set_defaults(func=cmd_scenario_fields)


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run one scenario and write KPIs (Parquet, CSV) and a report."""
    import pandas as pd

    from simulations.report_tables import biggest_changes
    from simulations.simulate import simulate_to_folder

    if args.customers is not None and args.customers < 10:
        raise UserError(_("--customers must be at least 10, got {value}").format(value=args.customers))
    if args.weeks is not None and args.weeks < 1:
        raise UserError(_("--weeks must be at least 1, got {value}").format(value=args.weeks))
    if text_language() == "zh":  # a Chinese report needs a Chinese font: say so before the run, not after it
        from simulations.i18n.fonts import require_cjk_font

        require_cjk_font()
    scenario = load_scenario(args.scenario)
    check_not_clobbering(args.out, args.force)  # before the progress bar starts
    weeks = args.weeks or scenario.world.market.weeks
    with bar(weeks, _("simulating {scenario}").format(scenario=scenario.name),
             disable=True if args.no_progress else None) as b:
        result = simulate_to_folder(scenario, out=args.out, customers=args.customers, weeks=weeks,
                                    seed=args.seed, progress=b.update, force=args.force)
    print(_("{scenario}: {weeks} weeks, seed {seed}").format(scenario=scenario.name, weeks=f"{weeks:,}", seed=args.seed)
          + "\n")
    with pd.option_context("display.unicode.east_asian_width", True):  # Chinese labels are two columns wide
        print(result.summary.to_string())
    changes = biggest_changes(result.kpis)
    if changes:
        print("\n" + _("What changed most:") + "\n" + "\n".join(f"  - {c}" for c in changes))
    print("\n" + _("wrote {files} to {folder}").format(files=", ".join(sorted(p.name for p in result.files)),
                                                      folder=args.out))
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List built-in scenarios with their one-line descriptions."""
    for name in builtin_names():
        print(f"{name:<22} {shown_description(load_scenario(name).description)}")
    return 0


def cmd_scenario_show(args: argparse.Namespace) -> int:
    """Print a scenario, defaults filled in, as YAML with its file's comments."""
    from simulations.scenario_text import commented_yaml

    path = scenario_path(args.name)
    scenario = load_scenario(args.name)
    print(commented_yaml(scenario, path.read_text(encoding="utf-8"), path.name), end="")
    return 0


def cmd_scenario_fields(args: argparse.Namespace) -> int:
    """Document every field from the schema itself."""
    for path, default, bounds, meaning in describe_fields():
        print(f"{path:<48} {default:<14} {bounds:<18} {meaning}")
    return 0
