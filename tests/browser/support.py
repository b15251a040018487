"""Starting and stopping a classroom server for the browser tests (shared by the browser test modules)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT = 90_000  # ms: a fresh kernel per page on a busy 2-core machine
#: A change made elsewhere must reach an open page within this many ms, with no click (poll 1 s).
AUTO_UPDATE = 10_000


def serve(args: list[str], log: Path) -> tuple[subprocess.Popen, str]:
    """Start `crm-sandbox classroom ...` in its own process group; return it and its printed links."""
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "simulations.cli", "classroom", *args], stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text()
        if "restart it with" in text:
            return proc, text
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {text}")
        time.sleep(0.3)
    kill(proc)
    raise AssertionError(f"server did not start in time: {log.read_text()}")


def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Stop a server started by :func:`serve` with its kernels (its process group)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    proc.wait(timeout=30)


def member_links(text: str) -> dict[tuple[int, str], str]:
    """(team, role) -> team page link, from the server's printed links."""
    return {(int(t), role): link for t, role, link in re.findall(r"Team (\d+) (\w+)\s+join code \w+\s+(\S+)", text)}


def instructor_link(text: str) -> str:
    """The instructor page link from the server's printed links."""
    return re.search(r"(http\S+instructor\.ipynb\?key=[\w-]+)", text).group(1)


def kernels(proc: subprocess.Popen) -> int:
    """Kernel processes the server (started by :func:`serve`) runs now."""
    import psutil

    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return 0
    count = 0
    for child in children:
        try:
            count += "ipykernel" in " ".join(child.cmdline())
        except psutil.Error:
            continue
    return count
