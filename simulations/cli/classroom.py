"""``classroom``: start, resume, advance, export a live classroom session; list cases; case docs."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from simulations.errors import UserError
from simulations.extras import require_extra


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``classroom`` sub-commands."""
    p = sub.add_parser("classroom", help="role-play cases played live in class (Voila pages)")
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    c = csub.add_parser("cases", help="list the built-in cases")
    c.set_defaults(func=cmd_cases)

    s = csub.add_parser("start", help="create a session for a case and serve the team and instructor pages")
    s.add_argument("case", help="built-in case name or case folder")
    s.add_argument("--teams", type=int, required=True, help="number of teams")
    s.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    s.add_argument("--session-dir", type=Path, default=None,
                   help="folder for the session's SQLite store (default: classroom-sessions/CASE-N)")
    s.add_argument("--customers", type=int, default=None, help="people in the world (default: the case's)")
    s.add_argument("--seed", type=int, default=None, help="seed of the world (default: the case's)")
    s.add_argument("--no-serve", action="store_true", help="create the session and print the codes, do not serve")
    s.set_defaults(func=cmd_start)

    r = csub.add_parser("resume", help="serve an existing session again (after a stop or a crash)")
    r.add_argument("session", type=Path, help="session folder")
    r.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)")
    r.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    r.set_defaults(func=cmd_resume)

    a = csub.add_parser("advance", help="close the open round and run it (as the instructor page does)")
    a.add_argument("session", type=Path, help="session folder")
    a.set_defaults(func=cmd_advance)

    e = csub.add_parser("export", help="export decisions, results and each team's world")
    e.add_argument("session", type=Path, help="session folder")
    e.add_argument("--out", type=Path, required=True, help="output folder")
    e.set_defaults(func=cmd_export)

    d = csub.add_parser("docs", help="write cases/README.md from the case schema (or --check it is current)")
    d.add_argument("--check", action="store_true", help="exit 1 if cases/README.md is out of date")
    d.set_defaults(func=cmd_docs)

    b = csub.add_parser("bench", help="time round advances and measure memory")
    b.add_argument("--case", default="telecom-churn", help="case (default: telecom-churn)")
    b.add_argument("--teams", type=int, default=30, help="teams (default: 30)")
    b.add_argument("--customers", type=int, default=10_000, help="people in the world (default: 10000)")
    b.add_argument("--rounds", type=int, default=3, help="rounds to advance (default: 3)")
    b.add_argument("--browser", action="store_true",
                   help="serve the session and drive one page per team in headless Chromium: p95 time to an "
                        "interactive page, memory of the server and kernels, advance time seen on the pages")
    b.add_argument("--arrival", type=float, default=0.5,
                   help="with --browser: seconds between two teams opening their page (default: 0.5; 0 = all at once)")
    b.set_defaults(func=cmd_bench)


def _default_folder(case: str) -> Path:
    root = Path("classroom-sessions")
    name = Path(case).name
    n = 1
    while (root / f"{name}-{n}").exists():
        n += 1
    return root / f"{name}-{n}"


def cmd_cases(args: argparse.Namespace) -> int:
    """List built-in cases."""
    from simulations.classroom.case import case_names, load_case

    for name in case_names():
        print(f"{name:<22} {load_case(name).summary}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    """Create a session and serve it."""
    if not args.no_serve:  # before the session is created: nothing half-made to clean up
        require_extra("classroom", "serving the classroom pages (`classroom start` without --no-serve)")
    from simulations.classroom.rounds import create_session
    from simulations.classroom.server import check_outside_app, serve

    folder = args.session_dir or _default_folder(args.case)
    check_outside_app(folder)
    store, token = create_session(args.case, args.teams, folder, customers=args.customers, seed=args.seed)
    if args.no_serve:
        print(f"Session {folder} created ({store.info().case_name}).")
        print(f"Instructor key (keep it secret): {token}")
        for m in store.members(token):
            print(f"{m.name + ' ' + m.role:<20} join code {m.code}")
        print(f"Serve it with: crm-sandbox classroom resume {folder}")
        return 0
    return serve(folder, args.host, args.port, token)


def cmd_resume(args: argparse.Namespace) -> int:
    """Serve an existing session again."""
    require_extra("classroom", "`crm-sandbox classroom resume`")
    from simulations.classroom.server import serve
    from simulations.classroom.store import Store

    store = Store(args.session)
    return serve(args.session, args.host, args.port, store.instructor_key())


def cmd_advance(args: argparse.Namespace) -> int:
    """Close the open round from the command line."""
    from simulations.classroom.rounds import advance_round
    from simulations.classroom.store import Store

    store = Store(args.session)
    report = advance_round(store, store.instructor_key())
    print(f"round {report.round} run for {report.teams} teams ({report.submitted} submitted); "
          + ("the game is over" if report.finished else f"round {report.next_round} is open"))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export a session."""
    from simulations.classroom.export import export_session
    from simulations.classroom.store import Store

    store = Store(args.session)
    files = export_session(store, store.instructor_key(), args.out)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """Write or check cases/README.md."""
    from simulations.classroom.case import CASES_DIR, schema_markdown

    path = CASES_DIR / "README.md"
    text = schema_markdown() + "\n"
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run `crm-sandbox classroom docs`")
            return 1
        print(f"{path} is current")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Time round advances of ``--teams`` teams on a ``--customers`` world."""
    import resource
    import tempfile

    from simulations.classroom.rounds import advance_round, create_session

    if args.rounds < 1:
        raise UserError(f"--rounds must be at least 1, got {args.rounds}")
    if args.browser:
        require_extra("classroom", "`crm-sandbox classroom bench --browser`")
        from simulations.classroom.page_bench import bench_pages

        bench_pages(args.teams, args.customers, args.case, max(0.0, args.arrival))
        return 0
    with tempfile.TemporaryDirectory(prefix="crm-classroom-bench-") as tmp:
        t0 = time.perf_counter()
        store, token = create_session(args.case, args.teams, Path(tmp) / "s", customers=args.customers)
        print(f"session created (warm-up) in {time.perf_counter() - t0:.2f} s")
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            report = advance_round(store, token)
            print(f"round {report.round}: {report.teams} teams x {args.customers:,} customers x {report.weeks} weeks "
                  f"advanced in {time.perf_counter() - t0:.2f} s")
            if report.finished:
                break
        size = (Path(tmp) / "s" / "session.sqlite").stat().st_size
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process {peak:.0f} MiB; session file {size / 2**20:.0f} MiB")
    return 0
