"""Serving the pages: one Voila server over ``cases/app/`` with a generated config file.

Why each setting (CLASSROOM_NOTES.md): XSRF checks off for Voila and idle culling on, because
the shutdown beacon of a closed tab is otherwise rejected and kernels leak (pages poll the store, so
a kernel is never idle while its page lives; a page stops polling after a class's length so a kernel
left behind by a vanished tab is still culled); ``iopub_timeout``
120 s, because the 4 s default drops outputs under load (blank pages); ``ipc`` transport, because
TCP port collisions froze the server under a burst of pages; no preheat, because preheated
kernels render before the request exists and never see the join code in the URL. Dict-valued
settings go into a config file (the command line form is deprecated). The server is
:mod:`simulations.classroom.voila_app`: Voila with a gate that refuses a page without a valid code
before a kernel starts, without notebook listings, and with the export download route. The session's SQLite file
lives outside the served folder; kernels find it through an environment variable.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from simulations.classroom.case import CASES_DIR
from simulations.classroom.store import SESSION_ENV, Store
from simulations.errors import UserError

APP_DIR = CASES_DIR / "app"
CONFIG_DIR = "voila-config"
#: Seconds Voila waits for a page's outputs before rendering it without them (a blank page). 30 s
#: was enough for a few pages; a burst of 30 pages opened one a second on 2 busy cores blanked 28.
IOPUB_TIMEOUT = 120
#: Kernels of closed tabs are shut down after this many idle seconds.
CULL_IDLE_SECONDS = 600


def voila_config(host: str, port: int) -> dict:
    """The Voila configuration of a classroom server."""
    return {
        "Voila": {"ip": host, "port": port, "open_browser": False,
                  "tornado_settings": {"xsrf_cookies": False, "disable_check_xsrf": True}},
        "VoilaConfiguration": {"preheat_kernel": False, "show_tracebacks": False},
        "VoilaExecutor": {"iopub_timeout": IOPUB_TIMEOUT},
        "MappingKernelManager": {"cull_idle_timeout": CULL_IDLE_SECONDS, "cull_interval": 60, "cull_connected": False},
        "KernelManager": {"transport": "ipc"},
    }


def kernel_spec() -> dict:
    """The kernelspec the classroom server gives the notebooks' ``python3`` (see ``simulations.classroom.kernel``)."""
    return {"argv": [sys.executable, "-m", "simulations.classroom.kernel", "-f", "{connection_file}",
                     "--HistoryManager.enabled=False"],
            "display_name": "Python 3 (classroom)", "language": "python", "metadata": {"debugger": False}}


def free_port(host: str) -> int:
    """A port that is free now on ``host`` (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def check_outside_app(folder: Path) -> None:
    """Refuse a session folder inside the served tree (its SQLite file would be exposed)."""
    folder, app = folder.resolve(), APP_DIR.resolve()
    if folder == app or app in folder.parents:
        raise UserError(f"{folder}: the session folder must not be inside {app} (it would be served)")


def links(host: str, port: int, store: Store, instructor_token: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The instructor link and (team name and role, join code, link) per member.

    Each member gets the link of their team and role: the code in it is what the server checks
    before it starts a kernel, and what binds the page to one role's private brief.
    """
    base = f"http://{host}:{port}/voila/render"
    members = [(f"{m.name} {m.role}".strip(), m.code, f"{base}/team.ipynb?code={m.code}")
               for m in store.members(instructor_token)]
    return f"{base}/instructor.ipynb?key={instructor_token}", members


def start_server(folder: Path, host: str, port: int, log: Path | None = None) -> subprocess.Popen:
    """Write the config and start Voila (a child process); returns once the port answers."""
    folder = folder.resolve()
    check_outside_app(folder)
    config = folder / CONFIG_DIR
    config.mkdir(exist_ok=True)
    (config / "voila.json").write_text(json.dumps(voila_config(host, port), indent=2), encoding="utf-8")
    spec = config / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps(kernel_spec(), indent=2), encoding="utf-8")
    env = {**os.environ, SESSION_ENV: str(folder),
           "JUPYTER_PATH": os.pathsep.join(filter(None, [str(config), os.environ.get("JUPYTER_PATH", "")])),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(CASES_DIR.parent), os.environ.get("PYTHONPATH", "")]))}
    out = open(log or folder / "server.log", "ab")  # noqa: SIM115 - the child keeps it open
    command = [sys.executable, "-m", "simulations.classroom.voila_app", str(APP_DIR), "--no-browser"]
    proc = subprocess.Popen(command, cwd=config, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise UserError(f"the Voila server stopped at start (exit {proc.returncode}); see {folder / 'server.log'}")
        try:
            with socket.create_connection((host, port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise UserError(f"the Voila server did not answer on {host}:{port} within 60 s; see {folder / 'server.log'}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(folder: Path, host: str, port: int | None, instructor_token: str, say: Callable[[str], None] = print) -> int:
    """Start the server, print the links, and wait until it stops (Ctrl-C stops it)."""
    port = port or free_port(host)
    store = Store(folder)
    proc = start_server(folder, host, port)
    instructor, teams = links(host, port, store, instructor_token)
    info = store.info()
    say(f"Classroom session {folder} ({info.case_name}, {info.n_teams} teams) is served at http://{host}:{port}/")
    say(f"Instructor page (keep the key secret): {instructor}")
    for name, code, link in teams:
        say(f"{name:<20} join code {code}  {link}")
    say(f"If the server stops, restart it with: crm-sandbox classroom resume {folder}")
    signal.signal(signal.SIGTERM, _interrupt)  # a plain `kill` stops Voila too, like Ctrl-C
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
