"""Stage A, inside the sandbox: execute one student notebook and report how it ended.

Why a separate program: everything here runs with the student's code next to it, so it must
hold nothing worth stealing. The trusted parent (``graders.sandbox``) starts it inside fresh
namespaces (``unshare``); this program then, while still (namespace-)root, brings up only the
loopback of its empty network namespace, hides the given folders (answer keys, other students'
work, instructor specs) under empty tmpfs mounts, sets resource limits, drops to an unprivileged
user and runs the notebook with nbclient. Answers leave only as the ``submission.json`` that the
notebook's ``lab.submit()`` wrote in the working folder; how the run ended leaves as one JSON line
on a file descriptor that the kernel does not inherit, so student code cannot forge it.

Exit codes (read by the parent): 0 ran to the end, 10 a cell raised, 11 the kernel died,
12 output cap exceeded, 13 set-up of the sandbox failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

OK, CELL_ERROR, DEAD_KERNEL, OUTPUT_FLOOD, SETUP_FAILED = 0, 10, 11, 12, 13


def _report(fd: int, status: str, reason: str) -> None:
    """Write the one-line result to the parent's private pipe."""
    if fd < 0:
        return
    try:
        os.write(fd, (json.dumps({"status": status, "reason": reason[:2000]}) + "\n").encode())
    except OSError:
        pass


def _mount(*args: str) -> None:
    """Run ``mount``; a failure is fatal because isolation was asked for."""
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _bind_fd(fd: int, target: Path) -> None:
    """Bind-mount the folder open as ``fd`` (O_PATH) onto ``target``, even when its old path is now hidden."""
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "--no-canonicalize", "--bind", f"/proc/self/fd/{fd}", str(target)],
                   check=True, capture_output=True, pass_fds=(fd,))


def _hide(paths: list[str], keep: list[str]) -> None:
    """Cover each existing path with an empty root-owned tmpfs (folders) or /dev/null (files).

    ``keep`` folders inside a hidden one (this run's working folder, the Python installation, the
    package) are opened first and mounted back at the same place afterwards.
    """
    held = [(Path(raw), os.open(raw, os.O_PATH | os.O_DIRECTORY)) for raw in keep if Path(raw).is_dir()]
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            _mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(path))
        elif path.exists():
            _mount("--bind", "/dev/null", str(path))
    for path, fd in held:
        if not path.is_dir():
            _bind_fd(fd, path)
        os.close(fd)


def _expose_python() -> None:
    """Make the interpreter's prefix reachable for the unprivileged user when a parent folder is private (mode 0700)."""
    for prefix in sorted({Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}):
        private = next((a for a in reversed(prefix.parents) if a != Path("/") and not a.stat().st_mode & 0o001), None)
        if private is not None:
            _hide([str(private)], [str(prefix)])


def _limit(memory_mib: int, cpu_seconds: int, file_mib: int, processes: int) -> None:
    """Resource limits inherited by the kernel (address space, CPU time, file size, processes, no core dumps)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_mib << 20, memory_mib << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mib << 20, file_mib << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if processes > 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def _execute(notebook: Path, workdir: Path, timeout: int, output_cap: int, fd: int) -> int:
    """Run every cell with nbclient; stop at the first error; count output bytes and stop a flood."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    class CappedClient(NotebookClient):
        """Drops outputs (only submission.json matters) and ends the run once output passes the cap."""

        seen = 0

        def output(self, outs, msg, display_id, cell_index):  # noqa: D102 (nbclient hook)
            self.seen += len(json.dumps(msg.get("content", {}), default=str))
            if self.seen > output_cap:
                _report(fd, "huge_output", f"the notebook printed more than {output_cap // 1024} KiB of output")
                os._exit(OUTPUT_FLOOD)
            return None

    nb = nbformat.read(str(notebook), as_version=4)
    client = CappedClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                          resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as err:
        lines = [ln for ln in str(err).strip().splitlines() if ln.strip()]
        last = re.sub(r"\x1b\[[0-9;]*m", "", lines[-1]) if lines else "a cell raised an error"
        _report(fd, "crashed", f"a cell raised {last}")
        return CELL_ERROR
    except DeadKernelError:
        _report(fd, "crashed", "the notebook's kernel died (memory limit, os._exit or a crash)")
        return DEAD_KERNEL
    except TimeoutError:
        _report(fd, "timeout", f"a cell ran longer than {timeout} s")
        return CELL_ERROR
    _report(fd, "ok", "the notebook ran to the end")
    return OK


def main(argv: list[str] | None = None) -> int:
    """Set up the sandbox from the command line, then execute the notebook."""
    p = argparse.ArgumentParser(prog="python -m graders.sandbox_child")
    p.add_argument("notebook", type=Path)
    p.add_argument("--workdir", type=Path, required=True)
    p.add_argument("--report-fd", type=int, default=-1)
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--memory-mib", type=int, default=2048)
    p.add_argument("--file-mib", type=int, default=64)
    p.add_argument("--output-cap", type=int, default=1 << 20)
    p.add_argument("--processes", type=int, default=0)
    p.add_argument("--isolated", action="store_true", help="inside fresh namespaces: set up loopback and mounts")
    p.add_argument("--hide", action="append", default=[])
    p.add_argument("--hide-broad", action="append", default=[],
                   help="folders hidden first (e.g. /tmp, /home); --keep paths inside them are mounted back")
    p.add_argument("--keep", action="append", default=[])
    p.add_argument("--uid", type=int, default=-1, help="drop to this uid/gid after set-up (root only)")
    args = p.parse_args(argv)
    fd = args.report_fd
    try:
        if args.isolated:
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True, capture_output=True)
            _hide(args.hide_broad, args.keep)
            _hide(args.hide, [])  # inside kept folders too (keys/ and specs/ inside the repository)
            if args.uid >= 0:
                _expose_python()
        _limit(args.memory_mib, args.timeout + 5, args.file_mib, args.processes)
        if args.uid >= 0:
            os.setgroups([])
            os.setgid(args.uid)
            os.setuid(args.uid)
        os.chdir(args.workdir)
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", b"") or b""
        _report(fd, "sandbox_error", f"sandbox set-up failed: {err} {detail.decode(errors='replace').strip()}")
        return SETUP_FAILED
    return _execute(args.notebook, args.workdir, args.timeout, args.output_cap, fd)


if __name__ == "__main__":
    sys.exit(main())
