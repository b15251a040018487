"""``experiment run|report|show|bench``: sweeps for researchers (see README "Experiments")."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulations.errors import UserError
from simulations.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``experiment`` and its actions."""
    p = sub.add_parser("experiment", help=_("run a declared experiment (factorial design x replications) and report it"))
    esub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    run = esub.add_parser("run", help=_("run or resume an experiment file's sweep into a folder"))
    run.add_argument("file", type=Path, help=_("experiment YAML file"))
    run.add_argument("--out", type=Path, required=True, help=_("output folder (runs/, results.parquet, experiment.json)"))
    run.add_argument("--workers", type=int, default=None, help=_("local worker processes (default: all cores; 1: in-process)"))
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help=_("run on a Dask cluster, e.g. tcp://host:8786 (then --workers is ignored)"))
    run.add_argument("--keep-worker-malloc", action="store_true",
                     help=_("with --scheduler: leave the workers' malloc settings as Dask set them (runs about 9%% slower)"))
    run.add_argument("--retry-failed", action="store_true", help=_("run again the runs that ended with an error"))
    run.add_argument("--no-progress", action="store_true", help=_("hide the progress bar"))
    run.set_defaults(func=cmd_run)

    rep = esub.add_parser("report", help=_("write an HTML/PNG report with paired differences and intervals"))
    rep.add_argument("folder", type=Path, help=_("output folder of `experiment run`"))
    rep.add_argument("--out", type=Path, default=None, help=_("report folder (default: FOLDER/report)"))
    rep.add_argument("--confidence", type=float, default=0.95, help=_("confidence level of intervals (default: 0.95)"))
    rep.set_defaults(func=cmd_report)

    bench = esub.add_parser("bench", help=_("time one sweep on local processes and on a loopback Dask cluster"))
    bench.add_argument("file", type=Path, help=_("experiment YAML file"))
    bench.add_argument("--workers", type=int, default=2, help=_("local processes, and Dask workers (default: 2)"))
    bench.add_argument("--replications", type=int, default=None, help=_("override the file's replications (quicker bench)"))
    bench.add_argument("--keep-worker-malloc", action="store_true", help=_("time Dask workers as Dask starts them"))
    bench.add_argument("--json", action="store_true", help=_("print the figures as JSON"))
    bench.set_defaults(func=cmd_bench)

    show = esub.add_parser("show", help=_("validate an experiment file and list its design points"))
    show.add_argument("file", type=Path, help=_("experiment YAML file"))
    show.set_defaults(func=cmd_show)


def cmd_run(args: argparse.Namespace) -> int:
    """Run the pending runs of a sweep; Ctrl-C keeps finished runs for a later resume."""
    from simulations.cli.progress import bar
    from simulations.experiments import load_experiment, prepare_sweep

    if args.workers is not None and args.workers < 1:
        raise UserError(_("--workers must be at least 1, got {value}").format(value=args.workers))
    experiment = load_experiment(args.file)
    sweep = prepare_sweep(experiment, args.out, retry_failed=args.retry_failed)
    done = len(sweep.tasks) - len(sweep.pending)
    if args.scheduler:
        where = _("Dask at {address}").format(address=args.scheduler)
    elif args.workers:
        where = _("{n} local worker(s)").format(n=args.workers)
    else:
        where = _("all local workers")
    print(_("{experiment}: {runs} runs, {done} already done, {pending} to run on {where}").format(
        experiment=experiment.name, runs=len(sweep.tasks), done=done, pending=len(sweep.pending), where=where),
        file=sys.stderr)
    try:
        with bar(len(sweep.pending), experiment.name, unit=_("run"), disable=True if args.no_progress else None) as b:
            summary = sweep.run(args.workers, args.scheduler, progress=b.update,
                                tune_workers=not args.keep_worker_malloc)
    except KeyboardInterrupt:
        print(_("crm-sandbox: interrupted; finished runs are kept in {folder}: run the same command again to resume")
              .format(folder=sweep.runs_folder), file=sys.stderr)
        return 130
    print(_("{runs} runs ({reused} reused, {executed} run now, {failed} failed); wrote {results}").format(
        runs=summary.runs, reused=summary.skipped, executed=summary.executed, failed=summary.failed,
        results=summary.results))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the report of a finished (or partly finished and combined) sweep."""
    from simulations.experiments.report import write_report

    if not 0 < args.confidence < 1:
        raise UserError(_("--confidence must be between 0 and 1, got {value}").format(value=args.confidence))
    files = write_report(args.folder, args.out, confidence=args.confidence)
    index = next(f for f in files if f.name == "index.html")
    print(_("wrote {n} files; open {index}").format(n=len(files), index=index))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print the design: points, replications, seeds."""
    from simulations.experiments import expand, load_experiment, replication_seeds

    exp = load_experiment(args.file)
    points = expand(exp)
    print(_("{experiment}: base scenario {scenario}, {points} design points x {replications} replications = "
            "{runs} runs of {weeks} weeks").format(
        experiment=exp.name, scenario=repr(exp.base_scenario().name), points=len(points), replications=exp.replications,
        runs=len(points) * exp.replications, weeks=exp.weeks)
          + (_(" (stop when {rule})").format(rule=exp.stop) if exp.stop else ""))
    fixed = points[0].fixed if points else {}
    for name, value in fixed.items():
        print("  " + _("fixed {name} = {value}").format(name=name, value=repr(value)))
    for p in points:
        print("  " + _("point {index}: {label}").format(index=f"{p.index:>4}", label=p.label))
    seeds = replication_seeds(exp.seed, exp.replications)
    shown = ", ".join(map(str, seeds[:3])) + (", ..." if len(seeds) > 3 else "")
    print("  " + _("seeds (root {root}): {seeds}").format(root=exp.seed, seeds=shown))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Time the same sweep on both executors and print the Dask overhead."""
    from simulations.extras import require_extra

    require_extra("experiments", "`crm-sandbox experiment bench`")
    from simulations.cli.progress import bar
    from simulations.experiments import load_experiment
    from simulations.experiments.bench import bench_executors, format_bench

    if args.workers < 1:
        raise UserError(_("--workers must be at least 1, got {value}").format(value=args.workers))
    if args.replications is not None and args.replications < 1:
        raise UserError(_("--replications must be at least 1, got {value}").format(value=args.replications))
    experiment = load_experiment(args.file)
    if args.replications is not None:
        experiment = experiment.model_copy(update={"replications": args.replications})
    print(_("{experiment}: timing local processes, then a loopback Dask cluster ...").format(experiment=experiment.name),
          file=sys.stderr)
    result = bench_executors(experiment, args.workers, tune_workers=not args.keep_worker_malloc,
                             progress=lambda label, total: bar(total, label, unit=_("run")))
    print(json.dumps(result.as_dict(), indent=2) if args.json else format_bench(result))
    return 0 if result.identical else 1
