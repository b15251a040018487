"""Stage A, inside the sandbox: execute one student notebook and report how it ended.

Why a separate program: everything here runs with the student's code next to it, so it must
hold nothing worth stealing. The trusted parent (``graders.sandbox``) starts it inside fresh
namespaces (``graders.sandbox_backends``: bubblewrap, or the built-in ``unshare`` backend) and
hands it its settings as JSON on a file descriptor, so its command line (``/proc/1/cmdline``)
names no host path. While still (namespace-)root it finishes the set-up the backend left to it
(with the built-in backend: loopback, hiding folders, the private ``/tmp``, ``/run`` and
``/dev/shm``), caps SysV shared memory, sets resource limits, drops to the sandbox's own uid and
runs the notebook with nbclient in ``/tmp/work``. Answers leave only through the report
descriptor, which the kernel does not inherit: one JSON line saying how the run ended, then the
bytes of the ``submission.json`` the notebook wrote (read without following links, size-capped).

Exit codes (read by the parent): 0 ran to the end, 10 a cell raised, 11 the kernel died,
12 output cap exceeded, 13 set-up of the sandbox failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import stat
import subprocess
import sys
import threading
from pathlib import Path

OK, CELL_ERROR, DEAD_KERNEL, OUTPUT_FLOOD, SETUP_FAILED = 0, 10, 11, 12, 13
#: the notebook's folder inside the sandbox, on the size-limited private /tmp
WORKDIR = Path("/tmp/work")
MAX_SUBMISSION_BYTES = 16 << 20


def _report(fd: int, status: str, reason: str, submission: bytes = b"") -> None:
    """Write the result line, then the submission's bytes, to the parent's private pipe."""
    if fd < 0:
        return
    used = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(u.ru_utime + u.ru_stime for u in used)  # the runner and the kernels it waited for
    line = json.dumps({"status": status, "reason": reason[:2000], "submission_bytes": len(submission),
                       "cpu_seconds": round(cpu, 3)}) + "\n"
    try:
        os.write(fd, line.encode())
        view = memoryview(submission)
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        pass


def _mount(*args: str) -> None:
    """Run ``mount``; a failure is fatal because isolation was asked for."""
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _bind_fd(fd: int, target: Path, read_only: bool = False) -> None:
    """Bind-mount the file or folder open as ``fd`` (O_PATH) onto ``target``, even when its old path is now hidden."""
    source = f"/proc/self/fd/{fd}"
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.touch(exist_ok=True)
    subprocess.run(["mount", "--no-canonicalize", "--bind", source, str(target)], check=True, capture_output=True,
                   pass_fds=(fd,))
    if read_only:
        _mount("-o", "remount,bind,ro", str(target))


def _tmpfs(path: str, size: str, mode: str) -> None:
    """A fresh, empty, size-capped tmpfs on ``path``."""
    _mount("-t", "tmpfs", "-o", f"size={size},mode={mode},nosuid,nodev", "tmpfs", path)


def _hide(paths: list[str], keep: list[str], private: dict[str, tuple[str, str]] | None = None) -> None:
    """Cover each existing path with an empty root-owned tmpfs (folders) or /dev/null (files).

    ``private`` gives the size and mode of the tmpfs for paths the notebook may write to (/tmp,
    /dev/shm, /run); ``keep`` folders inside a hidden one (the Python installation, the package)
    are opened first and mounted back at the same place afterwards.
    """
    held = [(Path(raw), os.open(raw, os.O_PATH | os.O_DIRECTORY)) for raw in keep if Path(raw).is_dir()]
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not path.is_symlink():
            _tmpfs(str(path), *(private or {}).get(raw, ("64k", "0755")))
        elif path.exists() and not path.is_symlink():
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


def _builtin_setup(cfg: dict) -> None:
    """What bubblewrap would have done: loopback, hidden folders, private /tmp /run /dev/shm, the notebook and data."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, capture_output=True)
    data = os.open(cfg["dataset"], os.O_PATH | os.O_DIRECTORY)
    notebook = os.open(cfg["inbox_notebook"], os.O_PATH | os.O_NOFOLLOW)
    private = {"/tmp": (f"{cfg['disk_mib']}m", "1777"), "/dev/shm": (f"{cfg['shm_mib']}m", "1777"), "/run": ("1m", "0755")}
    _hide([*private, *cfg["hide_broad"]], cfg["keep"], private)
    _hide(cfg["hide"], [])  # inside kept folders too (keys/ and specs/ inside the repository)
    os.mkdir("/run/lock", 0o1777)
    WORKDIR.mkdir()
    _bind_fd(data, WORKDIR / "data", read_only=True)
    _bind_fd(notebook, Path(cfg["notebook"]), read_only=True)
    os.close(data)
    os.close(notebook)
    if cfg["uid"] >= 0:
        _expose_python()


def _cap_sysv(shm_mib: int) -> None:
    """Bound SysV shared memory in this (private) IPC namespace, which the address-space limit does not count."""
    pages = max(1, (shm_mib << 20) // resource.getpagesize())
    for name, value in (("shmall", pages), ("shmmax", shm_mib << 20), ("shmmni", 64)):
        try:
            Path(f"/proc/sys/kernel/{name}").write_text(str(value))
        except OSError:
            pass  # not permitted here (no IPC namespace of our own): the namespace's defaults stay


def _limit(memory_mib: int, cpu_seconds: int, file_mib: int, processes: int) -> None:
    """Resource limits inherited by the kernel (address space, CPU time, file size, processes, no core dumps)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_mib << 20, memory_mib << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mib << 20, file_mib << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if processes > 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def _drop(uid: int) -> None:
    """Become the sandbox's own unprivileged user (no groups); the process also becomes non-dumpable."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _read_submission(workdir: Path) -> bytes:
    """The notebook's submission.json, if it is a plain file (no symlink) of at most 16 MiB; else empty."""
    try:
        fd = os.open(workdir / "submission.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b""
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return b""
        data = f.read(MAX_SUBMISSION_BYTES + 1)
    return data if len(data) <= MAX_SUBMISSION_BYTES else b""


def _execute(notebook: Path, workdir: Path, timeout: int, output_cap: int, fd: int) -> tuple[int, str, str]:
    """Run every cell with nbclient; stop at the first error; count output bytes and stop a flood."""
    # jsonschema (imported by nbformat) loads optional format checkers at import; rfc3987_syntax alone costs about
    # 1 s of CPU per notebook and checks IRI formats that the notebook schema never uses: make it unavailable here
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    class CappedClient(NotebookClient):
        """Drops outputs (only submission.json matters) and ends the run once output passes the cap."""

        seen = 0

        def output(self, outs, msg, display_id, cell_index):  # noqa: D102 (nbclient hook)
            self.seen += len(json.dumps(msg.get("content", {}), default=str))
            if self.seen > output_cap:
                _report(fd, "huge_output", f"the notebook printed more than {output_cap // 1024} KiB of output",
                        _read_submission(workdir))
                os._exit(OUTPUT_FLOOD)
            return None

    with open(notebook, encoding="utf-8") as f:
        nb = nbformat.reads(f.read(), as_version=4, capture_validation_error={})  # the parent validated it already
    def out_of_time() -> None:  # answers submitted before the wall-clock limit still count
        _report(fd, "timeout", f"the notebook did not finish within {timeout} s", _read_submission(workdir))
        os._exit(CELL_ERROR)

    watchdog = threading.Timer(timeout, out_of_time)
    watchdog.daemon = True
    watchdog.start()
    client = CappedClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                          resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as err:
        lines = [ln for ln in str(err).strip().splitlines() if ln.strip()]
        last = re.sub(r"\x1b\[[0-9;]*m", "", lines[-1]) if lines else "a cell raised an error"
        return CELL_ERROR, "crashed", f"a cell raised {last}"
    except DeadKernelError:
        return DEAD_KERNEL, "crashed", "the notebook's kernel died (memory limit, os._exit or a crash)"
    except TimeoutError:
        return CELL_ERROR, "timeout", f"a cell ran longer than {timeout} s"
    finally:
        watchdog.cancel()
    return OK, "ok", "the notebook ran to the end"


def main(argv: list[str] | None = None) -> int:
    """Read the settings from ``--config-fd``, finish the sandbox, execute the notebook, report."""
    p = argparse.ArgumentParser(prog="python -m graders.sandbox_child")
    p.add_argument("--config-fd", type=int, required=True, help="file descriptor holding the run's settings as JSON")
    args = p.parse_args(argv)
    with os.fdopen(args.config_fd, "rb") as f:
        cfg = json.loads(f.read())
    fd = cfg["report_fd"]
    if fd >= 0:
        os.set_inheritable(fd, False)  # the kernel (student code) must never hold the report channel
    workdir = Path(cfg["workdir"])
    try:
        if cfg["setup"] == "builtin":
            _builtin_setup(cfg)
        if cfg["setup"] != "none":
            _cap_sysv(cfg["shm_mib"])
        if cfg["uid"] >= 0:
            os.chmod(workdir, 0o700)
            os.chown(workdir, cfg["uid"], cfg["uid"])
        _limit(cfg["memory_mib"], cfg["timeout"] + 5, cfg["file_mib"], cfg["processes"])
        if cfg["uid"] >= 0:
            _drop(cfg["uid"])
        os.chdir(workdir)
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", b"") or b""
        _report(fd, "sandbox_error", f"sandbox set-up failed: {err} {detail.decode(errors='replace').strip()}")
        return SETUP_FAILED
    code, status, reason = _execute(Path(cfg["notebook"]), workdir, cfg["timeout"], cfg["output_cap"], fd)
    _report(fd, status, reason, _read_submission(workdir))
    return code


if __name__ == "__main__":
    sys.exit(main())
