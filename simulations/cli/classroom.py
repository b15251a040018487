"""``classroom``: start, resume, advance, export a live classroom session; list cases; case docs."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from simulations.errors import UserError
from simulations.extras import require_extra
from simulations.i18n import _


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``classroom`` sub-commands."""
    p = sub.add_parser("classroom", help=_("role-play cases played live in class (Voila pages)"))
    csub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    c = csub.add_parser("cases", help=_("list the built-in cases"))
    c.set_defaults(func=cmd_cases)

    s = csub.add_parser("start", help=_("create a session for a case and serve the team and instructor pages"))
    s.add_argument("case", help=_("built-in case name or case folder"))
    s.add_argument("--teams", type=int, required=True, help=_("number of teams"))
    s.add_argument("--host", default="127.0.0.1", help=_("address to serve on (default: 127.0.0.1)"))
    s.add_argument("--port", type=int, default=None, help=_("port (default: a free one)"))
    s.add_argument("--session-dir", type=Path, default=None,
                   help=_("folder for the session's SQLite store (default: classroom-sessions/CASE-N)"))
    s.add_argument("--customers", type=int, default=None, help=_("people in the world (default: the case's)"))
    s.add_argument("--seed", type=int, default=None, help=_("seed of the world (default: the case's)"))
    s.add_argument("--no-serve", action="store_true", help=_("create the session and print the codes, do not serve"))
    s.set_defaults(func=cmd_start)

    r = csub.add_parser("resume", help=_("serve an existing session again (after a stop or a crash)"))
    r.add_argument("session", type=Path, help=_("session folder"))
    r.add_argument("--host", default="127.0.0.1", help=_("address to serve on (default: 127.0.0.1)"))
    r.add_argument("--port", type=int, default=None, help=_("port (default: a free one)"))
    r.set_defaults(func=cmd_resume)

    a = csub.add_parser("advance", help=_("close the open round and run it (as the instructor page does)"))
    a.add_argument("session", type=Path, help=_("session folder"))
    a.set_defaults(func=cmd_advance)

    e = csub.add_parser("export", help=_("export decisions, results and each team's world"))
    e.add_argument("session", type=Path, help=_("session folder"))
    e.add_argument("--out", type=Path, required=True, help=_("output folder"))
    e.set_defaults(func=cmd_export)

    d = csub.add_parser("docs", help=_("write cases/README.md from the case schema (or --check it is current)"))
    d.add_argument("--check", action="store_true", help=_("exit 1 if cases/README.md is out of date"))
    d.set_defaults(func=cmd_docs)

    b = csub.add_parser("bench", help=_("time round advances and measure memory"))
    b.add_argument("--case", default="telecom-churn", help=_("case (default: telecom-churn)"))
    b.add_argument("--teams", type=int, default=30, help=_("teams (default: 30)"))
    b.add_argument("--customers", type=int, default=10_000, help=_("people in the world (default: 10000)"))
    b.add_argument("--rounds", type=int, default=3, help=_("rounds to advance (default: 3)"))
    b.add_argument("--reports", action="store_true",
                   help=_("teams submit random decisions every round, and the round reports' why is timed after "
                          "each advance (the work of the background worker)"))
    b.add_argument("--browser", action="store_true",
                   help=_("serve the session and drive one page per team in headless Chromium: p95 time to an "
                          "interactive page, memory of the server and kernels, advance time seen on the pages"))
    b.add_argument("--arrival", type=float, default=0.5,
                   help=_("with --browser: seconds between two teams opening their page (default: 0.5; 0 = all at once)"))
    b.set_defaults(func=cmd_bench)


def _default_folder(case: str) -> Path:
    root = Path("classroom-sessions")
    name = Path(case).name
    n = 1
    while (root / f"{name}-{n}").exists():
        n += 1
    return root / f"{name}-{n}"


def cmd_cases(args: argparse.Namespace) -> int:
    """List built-in cases, each with its title and summary in ``--lang``."""
    from simulations.classroom.case import case_names, load_case

    for name in case_names():
        case = load_case(name)
        print(f"{name:<22} {case.title.get()}")
        print(f"{'':<22} {case.summary.get()}")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    """Create a session and serve it."""
    if not args.no_serve:  # before the session is created: nothing half-made to clean up
        require_extra("classroom", _("serving the classroom pages (`classroom start` without --no-serve)"))
    from simulations.classroom.rounds import create_session
    from simulations.classroom.server import check_outside_app, serve
    from simulations.classroom.session import session_case

    folder = args.session_dir or _default_folder(args.case)
    check_outside_app(folder)
    store, token = create_session(args.case, args.teams, folder, customers=args.customers, seed=args.seed)
    if args.no_serve:
        print(_("Session {folder} created ({case}: {title}).").format(folder=folder, case=store.info().case_name,
                                                                       title=session_case(store).title.get()))
        print(_("Instructor key (keep it secret): {key}").format(key=token))
        for m in store.members(token):
            print(_("{member} join code {code}").format(member=f"{m.name + ' ' + m.role:<20}", code=m.code))
        print(_("Serve it with: {command}").format(command=f"crm-sandbox classroom resume {folder}"))
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
    print(_("round {round} run for {teams} teams ({submitted} submitted); ").format(
        round=report.round, teams=report.teams, submitted=report.submitted)
          + (_("the game is over") if report.finished else _("round {round} is open").format(round=report.next_round)))
    from simulations.classroom.attribution import complete_reports  # after the advance: open pages already show it

    started = time.perf_counter()
    teams = complete_reports(store)
    print(_("round reports written; the why of {teams} team(s) worked out in {seconds:.1f} s").format(
        teams=teams, seconds=time.perf_counter() - started))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export a session."""
    from simulations.classroom.export import export_session
    from simulations.classroom.store import Store

    store = Store(args.session)
    files = export_session(store, store.instructor_key(), args.out)
    print(_("wrote {n} files to {folder}").format(n=len(files), folder=args.out))
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """Write or check cases/README.md."""
    from simulations.classroom.case import CASES_DIR, schema_markdown

    path = CASES_DIR / "README.md"
    text = schema_markdown() + "\n"
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(_("{path} is out of date: run `crm-sandbox classroom docs`").format(path=path))
            return 1
        print(_("{path} is current").format(path=path))
        return 0
    path.write_text(text, encoding="utf-8")
    print(_("wrote {path}").format(path=path))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Time round advances of ``--teams`` teams on a ``--customers`` world."""
    import random
    import resource
    import tempfile

    from simulations.classroom.attribution import bench_reports, random_decisions
    from simulations.classroom.rounds import advance_round, create_session
    from simulations.classroom.session import session_case

    if args.rounds < 1:
        raise UserError(_("--rounds must be at least 1, got {value}").format(value=args.rounds))
    if args.browser:
        require_extra("classroom", "`crm-sandbox classroom bench --browser`")
        from simulations.classroom.page_bench import bench_pages

        bench_pages(args.teams, args.customers, args.case, max(0.0, args.arrival))
        return 0
    with tempfile.TemporaryDirectory(prefix="crm-classroom-bench-") as tmp:
        t0 = time.perf_counter()
        store, token = create_session(args.case, args.teams, Path(tmp) / "s", customers=args.customers)
        print(_("session created (warm-up) in {seconds} s").format(seconds=f"{time.perf_counter() - t0:.2f}"))
        rng = random.Random(0)
        for _round in range(args.rounds):
            if args.reports:
                case = session_case(store)
                current = store.info().current_round
                for team in store.teams(token):
                    store.submit(team.token, current, f"bench-{current}", random_decisions(case, rng))
            t0 = time.perf_counter()
            report = advance_round(store, token)
            print(_("round {round}: {teams} teams x {customers} customers x {weeks} weeks advanced in {seconds} s").format(
                round=report.round, teams=report.teams, customers=f"{args.customers:,}", weeks=report.weeks,
                seconds=f"{time.perf_counter() - t0:.2f}"))
            if args.reports:
                f = bench_reports(store, token, rng)
                print(_("  round reports: the why of {teams} teams in {total} s; per team mean {mean} s ({cpu} CPU-s), "
                        "max {max} s; {runs} replayed rounds per team on average (at most {max_runs}); load average {load}"
                        ).format(teams=report.teams, total=f"{f['total']:.2f}", mean=f"{f['mean']:.3f}",
                                 cpu=f"{f['cpu']:.3f}", max=f"{f['max']:.3f}", runs=f"{f['runs']:.1f}",
                                 max_runs=f["max_runs"], load=f"{f['load']:.1f}"))
            if report.finished:
                break
        size = (Path(tmp) / "s" / "session.sqlite").stat().st_size
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(_("peak memory of this process {peak} MiB; session file {size} MiB").format(
        peak=f"{peak:.0f}", size=f"{size / 2**20:.0f}"))
    return 0
