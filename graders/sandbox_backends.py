"""How the sandbox is made: bubblewrap where it is installed, else the built-in ``unshare`` backend.

Why two: bubblewrap (``bwrap``, the Debian package Flatpak relies on) builds the sandbox's file
system from nothing, binding in only what a notebook needs (``/usr``, ``/etc``, the Python
installation, the ``graders`` and ``simulations`` packages, the student's notebook and data,
read-only), so a host file nobody thought of is simply absent. The built-in backend needs only
util-linux and iproute2: it starts from the host's file system and covers the places where
files usually are (``/home``, ``/root``, ``/work``, ``/srv``, ...) with empty mounts. Both give
the notebook new network, mount, PID, IPC and UTS namespaces, a size-limited private ``/tmp``
(its folder and home is ``/tmp/work``), private ``/dev/shm`` and ``/run``, and hide the
instructor paths; ``tests/test_graders_isolation.py`` runs the same attacks on both.

Each backend is started with its settings on file descriptors (``bwrap --args FD``,
``sandbox_child --config-fd FD``), so no host path appears on a command line inside the sandbox.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

BACKENDS = ("bwrap", "builtin")
#: top-level system folders bound read-only into a bubblewrap sandbox (symlinks such as /lib -> usr/lib are copied)
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
#: what the built-in backend covers with empty mounts (bubblewrap never binds them in)
BROAD_PATHS = ("/var/tmp", "/home", "/root", "/mnt", "/media", "/srv", "/work", "/opt")
CHILD = ["-m", "graders.sandbox_child"]
NAMESPACES = ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try")


def _probe(cmd: list[str]) -> tuple[bool, str]:
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"{cmd[0]} failed: {err}"
    if done.returncode:
        return False, f"{' '.join(cmd[:3])} ... failed: {done.stderr.decode(errors='replace').strip()}"
    return True, ""


def unshare_flags() -> list[str]:
    """Namespaces of the built-in backend (through a user namespace when not root)."""
    flags = ["--net", "--mount", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc"]
    return flags if os.geteuid() == 0 else ["--user", "--map-root-user", *flags]


def _system_binds() -> list[str]:
    args: list[str] = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def available(backend: str) -> tuple[bool, str]:
    """Whether ``backend`` can make its namespaces here, and what it gives (or why not)."""
    drop = ", a uid of its own per sandbox" if os.geteuid() == 0 else ", user namespace"
    if backend == "bwrap":
        if shutil.which("bwrap") is None:
            return False, "bubblewrap (bwrap) is not installed"
        ok, why = _probe(["bwrap", *NAMESPACES, *(["--unshare-user"] if os.geteuid() else []), "--die-with-parent",
                          *_system_binds(), "--proc", "/proc", "--dev", "/dev", "--", "true"])
        return ok, why or "bubblewrap: network, mount, PID, IPC and UTS namespaces" + drop
    if shutil.which("unshare") is None or shutil.which("mount") is None or shutil.which("ip") is None:
        return False, "unshare, mount and ip (util-linux, iproute2) are needed for isolation"
    ok, why = _probe(["unshare", *unshare_flags(), "true"])
    return ok, why or "unshare: network, mount, PID, IPC and UTS namespaces" + drop


def choose(backend: str = "auto") -> tuple[str | None, str]:
    """The backend to use (``auto``: bubblewrap if it works, else built-in) and a description, or None and why not."""
    if backend not in ("auto", *BACKENDS):
        return None, f"unknown sandbox backend {backend!r} (expected auto, {', '.join(BACKENDS)})"
    reasons = []
    for name in BACKENDS if backend == "auto" else (backend,):
        ok, why = available(name)
        if ok:
            return name, why
        reasons.append(why)
    return None, "; ".join(reasons)


def bwrap_args(cfg: dict, keep: list[Path], hide: list[Path], dataset: Path, notebook: Path) -> list[str]:
    """The bubblewrap arguments (passed on ``--args FD``) that build the sandbox for one run."""
    # each namespace by name: --unshare-all would add a user namespace, where root could not hand out sandbox uids
    args = [*NAMESPACES, "--die-with-parent", "--new-session", "--hostname", "sandbox", *_system_binds()]
    if os.geteuid() == 0:  # the child needs these to finish set-up, then drops them with its uid
        args += ["--cap-drop", "ALL", *[a for c in ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_SYS_RESOURCE")
                                        for a in ("--cap-add", c)]]
    else:
        args += ["--unshare-user"]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(cfg["disk_mib"] << 20), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(cfg["shm_mib"] << 20), "--tmpfs", "/dev/shm",
             "--size", str(1 << 20), "--tmpfs", "/run", "--perms", "1777", "--dir", "/run/lock"]
    # kept folders after the private /tmp: a Python or a checkout under /tmp (a venv in /tmp/venv) stays visible
    made: set[str] = set()
    for path in sorted({str(p) for p in keep}):
        if not any(path == s or path.startswith(s + "/") for s in SYSTEM):
            for parent in reversed(Path(path).parents[:-1]):  # bwrap would make them 0700: the sandbox user must pass
                if str(parent) not in made:
                    made.add(str(parent))
                    args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", path, path]
    for path in hide:  # instructor files inside a bound folder (graders/specs, graders/scoring, ...)
        if any(str(path).startswith(str(k) + "/") or path == k for k in keep):
            args += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
    args += ["--dir", cfg["workdir"], "--ro-bind", str(dataset), f"{cfg['workdir']}/data",
             "--ro-bind", str(notebook), cfg["notebook"], "--chdir", cfg["workdir"]]
    return args


def command(backend: str | None, cfg_fd: int, args_fd: int) -> list[str]:
    """The host command that starts ``graders.sandbox_child`` (settings on ``cfg_fd``) in ``backend``'s sandbox."""
    child = [sys.executable, *CHILD, "--config-fd", str(cfg_fd)]
    if backend == "bwrap":
        return ["bwrap", "--args", str(args_fd), "--", *child]
    if backend == "builtin":
        return ["unshare", *unshare_flags(), *child]
    return child
