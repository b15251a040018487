"""``grade``: batch-grade a lab's submissions in a sandbox; ``grade validate``: check a lab spec over many seeds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulations.errors import UserError
from simulations.extras import require_extra
from simulations.i18n import N_, _

SPEC_HELP = N_("instructor folder with one <lab>.py spec per lab (reference solutions, wrong methods, tolerances; "
               "default: the repository's instructor/specs)")


def _use_spec(args: argparse.Namespace) -> None:
    """Point the spec loader at ``--spec`` when given (specs are instructor files, not part of the package)."""
    from graders import specs

    if getattr(args, "spec", None) is not None:
        specs.use(args.spec)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``grade`` sub-command (and ``grade validate``)."""
    p = sub.add_parser("grade", help=_("grade submissions against the hidden truth (sandboxed), or validate a lab spec"),
                       description=_("Grade: crm-sandbox grade --lab ID --submissions DIR --keys DIR --out DIR. "
                                   "Validate a spec: crm-sandbox grade validate ID [--seeds 50]."))
    p.add_argument("--lab", help=_("lab id, e.g. DEMO or L03"))
    p.add_argument("--spec", type=Path, help=_(SPEC_HELP))
    p.add_argument("--submissions", type=Path, help=_("folder with one sub-folder per student (notebook or submission.json)"))
    p.add_argument("--keys", type=Path, help=_("answer keys: KEYS/<student>/ per student, or one keys folder for everyone"))
    p.add_argument("--out", type=Path, help=_("output folder (gradebook, Canvas CSV, results.json, feedback)"))
    p.add_argument("--datasets", type=Path, help=_("datasets: DIR/<student>/ or one dataset folder (default: the lab's)"))
    p.add_argument("--workers", type=int, default=2, help=_("submissions run in parallel (default 2)"))
    p.add_argument("--timeout", type=int, default=600, help=_("wall-clock seconds per notebook (default 600)"))
    p.add_argument("--memory", type=int, default=2048, help=_("MiB of address space per notebook (default 2048)"))
    p.add_argument("--isolation", choices=("required", "bwrap", "builtin", "none"), default="required",
                   help=_("required (default): sandbox every notebook with bubblewrap if installed, else the built-in "
                        "unshare backend, and refuse to grade without either; bwrap / builtin: that backend only; "
                        "none: run notebooks without a sandbox (a warning is printed)"))
    p.set_defaults(func=cmd_grade)
    actions = p.add_subparsers(dest="grade_action", metavar="{validate,bench}")
    v = actions.add_parser("validate", help=_("run the reference solution and known wrong methods over many seeds"))
    v.add_argument("lab_id", help=_("lab id, e.g. DEMO or L03"))
    v.add_argument("--spec", type=Path, help=_(SPEC_HELP))
    v.add_argument("--seeds", type=int, default=50, help=_("generated datasets to validate on (default 50)"))
    v.add_argument("--customers", type=int, default=800, help=_("people in each generated dataset (default 800)"))
    v.add_argument("--weeks", type=int, default=104, help=_("weeks of each generated dataset (default 104)"))
    v.add_argument("--workers", type=int, default=2, dest="validate_workers",
                   help=_("seeds validated in parallel (default 2)"))
    v.set_defaults(func=cmd_validate)
    b = actions.add_parser("bench", help=_("time grading N copies of a lab notebook; print wall time and CPU per notebook"),
                           description=_("Grade --copies copies of one notebook as 'crm-sandbox grade' would and print "
                                       "the wall time, the CPU per notebook and the fixed CPU cost per notebook."))
    b.add_argument("--lab", default="DEMO", help=_("lab id (default DEMO)"))
    b.add_argument("--spec", type=Path, help=_(SPEC_HELP))
    b.add_argument("--notebook", type=Path, help=_("a solved notebook of the lab (default for DEMO: its worked example)"))
    b.add_argument("--copies", type=int, default=100, help=_("copies graded (default 100)"))
    b.add_argument("--workers", type=int, default=2, help=_("submissions run in parallel (default 2)"))
    b.add_argument("--datasets", type=Path, help=_("dataset folder (default: the lab's)"))
    b.add_argument("--keys", type=Path, help=_("its answer key (default: the repository's keys/<dataset>)"))
    b.add_argument("--isolation", choices=("required", "bwrap", "builtin", "none"), default="required",
                   help=_("sandbox of each notebook, as for `crm-sandbox grade` (default: required)"))
    b.add_argument("--fixed-runs", type=int, default=3, help=_("runs of an empty notebook for the fixed cost (default 3)"))
    b.set_defaults(func=cmd_bench)


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade every submission; print a one-line summary per status and where the reports are."""
    require_extra("labs", _("`crm-sandbox grade` (it runs notebooks)"), ("nbclient", "nbformat", "ipykernel"))
    from graders import batch, sandbox
    from simulations.cli.progress import bar
    from simulations.i18n import current_language

    _use_spec(args)
    missing = [f"--{n}" for n in ("lab", "submissions", "keys", "out") if getattr(args, n) is None]
    if missing:
        raise UserError(_("grade: missing {options} (or use: crm-sandbox grade validate LAB)").format(
            options=", ".join(missing)))
    if args.workers < 1 or args.timeout < 1 or args.memory < 256:
        raise UserError(_("--workers and --timeout must be >= 1 and --memory >= 256 (MiB)"))
    if args.isolation == "none":
        print(_("crm-sandbox: warning: --isolation none: notebooks run WITHOUT a sandbox; their code can reach the "
                "network and any file this user can read"), file=sys.stderr)
    limits = sandbox.Limits(timeout=args.timeout, memory_mib=args.memory)
    bars = []

    def progress(total: int):
        bars.append(bar(total, _("grading {lab}").format(lab=args.lab), unit=_("submission")))
        return lambda: bars[0].update(1)

    try:
        run = batch.grade(args.lab, args.submissions, args.keys, args.out, data_root=args.datasets, workers=args.workers,
                          limits=limits, isolation=args.isolation, progress=progress)
    finally:
        for b in bars:
            b.close()
    statuses: dict[str, int] = {}
    for r in run.runs.values():
        statuses[r.status] = statuses.get(r.status, 0) + 1
    print(_("graded {n} submission(s): {statuses}").format(
        n=len(run.scores), statuses=", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))))
    print(_("stage A {a} s, stage B {b} s; {flags} copy flag(s); reports in {out}").format(
        a=f"{run.timings['stage_a_s']:.1f}", b=f"{run.timings['stage_b_s']:.2f}", flags=len(run.flags), out=args.out))
    print(_("feedback is written in each student's language (the lang of their submission or notebook, else {lang})")
          .format(lang=current_language()))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Print pass/fail rates; exit 1 when a target is missed."""
    from graders import specs, validate

    _use_spec(args)
    if args.seeds < 1:
        raise UserError(_("--seeds must be >= 1"))
    result = validate.validate(specs.get(args.lab_id), args.seeds, customers=args.customers, weeks=args.weeks,
                               workers=args.validate_workers)
    print(result.table())
    return 0 if result.ok else 1


def cmd_bench(args: argparse.Namespace) -> int:
    """Print the grading benchmark's figures."""
    from graders import bench

    _use_spec(args)
    result = bench.run(args.lab, copies=args.copies, workers=args.workers, notebook=args.notebook, data=args.datasets,
                       keys=args.keys, isolation=args.isolation, fixed_runs=args.fixed_runs)
    print("\n".join(result.lines()))
    return 0
