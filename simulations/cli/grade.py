"""``grade``: batch-grade a lab's submissions in a sandbox; ``grade validate``: check a lab spec over many seeds."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulations.errors import UserError
from simulations.extras import require_extra


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``grade`` sub-command (and ``grade validate``)."""
    p = sub.add_parser("grade", help="grade submissions against the hidden truth (sandboxed), or validate a lab spec",
                       description="Grade: crm-sandbox grade --lab ID --submissions DIR --keys DIR --out DIR. "
                                   "Validate a spec: crm-sandbox grade validate ID [--seeds 50].")
    p.add_argument("--lab", help="lab id, e.g. DEMO or L03")
    p.add_argument("--submissions", type=Path, help="folder with one sub-folder per student (notebook or submission.json)")
    p.add_argument("--keys", type=Path, help="answer keys: KEYS/<student>/ per student, or one keys folder for everyone")
    p.add_argument("--out", type=Path, help="output folder (gradebook, Canvas CSV, results.json, feedback)")
    p.add_argument("--datasets", type=Path, help="datasets: DIR/<student>/ or one dataset folder (default: the lab's)")
    p.add_argument("--workers", type=int, default=2, help="submissions run in parallel (default 2)")
    p.add_argument("--timeout", type=int, default=600, help="wall-clock seconds per notebook (default 600)")
    p.add_argument("--memory", type=int, default=2048, help="MiB of address space per notebook (default 2048)")
    p.add_argument("--isolation", choices=("required", "none"), default="required",
                   help="required (default): refuse to grade without network/mount/PID namespaces; "
                        "none: run notebooks without a sandbox (a warning is printed)")
    p.set_defaults(func=cmd_grade)
    actions = p.add_subparsers(dest="grade_action", metavar="validate")
    v = actions.add_parser("validate", help="run the reference solution and known wrong methods over many seeds")
    v.add_argument("lab_id")
    v.add_argument("--seeds", type=int, default=50, help="generated datasets to validate on (default 50)")
    v.add_argument("--customers", type=int, default=800)
    v.add_argument("--weeks", type=int, default=104)
    v.add_argument("--workers", type=int, default=2, dest="validate_workers")
    v.set_defaults(func=cmd_validate)


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade every submission; print a one-line summary per status and where the reports are."""
    require_extra("labs", "`crm-sandbox grade` (it runs notebooks)", ("nbclient", "nbformat", "ipykernel"))
    from graders import batch, sandbox
    from simulations.cli.progress import bar

    missing = [f"--{n}" for n in ("lab", "submissions", "keys", "out") if getattr(args, n) is None]
    if missing:
        raise UserError(f"grade: missing {', '.join(missing)} (or use: crm-sandbox grade validate LAB)")
    if args.workers < 1 or args.timeout < 1 or args.memory < 256:
        raise UserError("--workers and --timeout must be >= 1 and --memory >= 256 (MiB)")
    if args.isolation == "none":
        print("crm-sandbox: warning: --isolation none: notebooks run WITHOUT a sandbox; their code can reach the "
              "network and any file this user can read", file=sys.stderr)
    limits = sandbox.Limits(timeout=args.timeout, memory_mib=args.memory)
    bars = []

    def progress(total: int):
        bars.append(bar(total, f"grading {args.lab}", unit="submission"))
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
    print(f"graded {len(run.scores)} submission(s): " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    print(f"stage A {run.timings['stage_a_s']:.1f} s, stage B {run.timings['stage_b_s']:.2f} s; "
          f"{len(run.flags)} copy flag(s); reports in {args.out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Print pass/fail rates; exit 1 when a target is missed."""
    from graders import specs, validate

    if args.seeds < 1:
        raise UserError("--seeds must be >= 1")
    result = validate.validate(specs.get(args.lab_id), args.seeds, customers=args.customers, weeks=args.weeks,
                               workers=args.validate_workers)
    print(result.table())
    return 0 if result.ok else 1
