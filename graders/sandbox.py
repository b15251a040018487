"""Stage A: run one untrusted submission in a sandbox and bring back only its declared answers as JSON.

Why a separate process with namespaces: a notebook can monkeypatch anything in its own process
and read anything its user can read. So the notebook runs in a child process
(``graders.sandbox_child``) inside fresh network, mount and PID namespaces (``unshare``): no
network but its own loopback, answer keys / other students' folders / instructor specs hidden
under empty mounts, an unprivileged uid when the grader runs as root, resource limits (address
space, CPU, file size, processes), a wall-clock limit that kills the whole PID namespace, and an
output cap. Nothing but ``submission.json`` (size-capped, parsed as JSON, filtered to the lab's
declared question ids and kinds) crosses back; no pickle, no objects.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import simulations
from graders import answers, intake
from simulations.errors import UserError

NOBODY = 65534
GRADERS = Path(__file__).resolve().parent
SIMULATIONS = Path(simulations.__file__).resolve().parent
#: instructor-side code and data hidden from the notebook, even when the package is visible: specs hold reference
#: methods and choice answers; the repository's keys/ (and its git history) hold the committed datasets' truth
INSTRUCTOR_PATHS = (GRADERS / "specs", GRADERS / "scoring", GRADERS / "keys.py", GRADERS / "validate.py",
                    GRADERS.parent / "keys", GRADERS.parent / ".git")
MAX_SUBMISSION_BYTES = answers.MAX_SUBMISSION_BYTES
MAX_NOTEBOOK_BYTES = 64 << 20
#: where stray files (other datasets' keys, other users' data) usually are; hidden whole, except what the run needs
BROAD_PATHS = ("/tmp", "/var/tmp", "/dev/shm", "/home", "/root", "/mnt", "/media", "/srv", "/work", "/opt")


@dataclass(frozen=True)
class Limits:
    """Per-submission limits: wall-clock seconds, memory (MiB of address space), output bytes, file size, processes."""

    timeout: int = 600
    memory_mib: int = 2048
    output_cap: int = 1 << 20
    file_mib: int = 64
    processes: int = 512


DEFAULT_LIMITS = Limits()


@dataclass
class RunResult:
    """How stage A ended for one submission and the answers it produced (JSON data only)."""

    status: str  # ok | crashed | timeout | huge_output | no_submission | invalid_json | not_a_notebook | sandbox_error
    reason: str
    answers: dict | None = None
    dataset_id: str | None = None
    seconds: float = 0.0
    log: str = field(default="", repr=False)


def isolation_available() -> tuple[bool, str]:
    """Whether network/mount/PID namespaces can be made here (as root, or through a user namespace)."""
    if shutil.which("unshare") is None or shutil.which("mount") is None or shutil.which("ip") is None:
        return False, "unshare, mount and ip (util-linux, iproute2) are needed for isolation"
    cmd = ["unshare", *_unshare_flags(), "true"]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as err:
        return False, f"{' '.join(cmd)} failed: {err}"
    if done.returncode:
        return False, f"{' '.join(cmd)} failed: {done.stderr.decode(errors='replace').strip()}"
    return True, "network, mount and PID namespaces" + (", uid nobody" if os.geteuid() == 0 else ", user namespace")


def _unshare_flags() -> list[str]:
    flags = ["--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc"]
    return flags if os.geteuid() == 0 else ["--user", "--map-root-user", *flags]


def require_isolation(mode: str) -> bool:
    """``required``: refuse to start without isolation; ``none``: run without it. Returns whether to isolate."""
    if mode == "none":
        return False
    if mode != "required":
        raise UserError(f"--isolation {mode!r}: expected 'required' or 'none'")
    ok, why = isolation_available()
    if not ok:
        raise UserError(f"isolation was requested but is not available here ({why}); refusing to grade. "
                        f"Use --isolation none to grade WITHOUT a sandbox (students' code could read keys and the network)")
    return True


def find_entry(folder: Path) -> Path | None:
    """The submission in a student's folder: the notebook (``*.ipynb``), else ``submission.json``."""
    notebooks = sorted(folder.glob("*.ipynb"))
    if notebooks:
        return notebooks[0]
    json_file = folder / "submission.json"
    return json_file if json_file.is_file() else None


def read_answers(path: Path, questions: dict[str, str]) -> RunResult:
    """Parse a ``submission.json`` (never through a symlink) and keep only declared questions, each validated."""
    try:
        raw = intake.read_plain(path, MAX_SUBMISSION_BYTES)
    except OSError as err:
        return RunResult("invalid_json", f"submission.json cannot be read ({err.strerror or err})")
    return answers_from_bytes(raw, questions)


def answers_from_bytes(raw: bytes, questions: dict[str, str]) -> RunResult:
    """The run result of a submission document's bytes: its cleaned answers, or ``invalid_json`` with the reason."""
    try:
        doc = answers.parse(raw)
    except answers.SubmissionError as err:
        return RunResult("invalid_json", str(err))
    cleaned, dataset_id = answers.clean(doc, questions)
    return RunResult("ok", "", answers=cleaned, dataset_id=dataset_id)


def _check_notebook(raw: bytes, name: str) -> str | None:
    """Why the bytes of notebook ``name`` are not a runnable notebook, or None."""
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as err:  # nbformat raises many types for bad files
        return f"{name} is not a valid Jupyter notebook ({type(err).__name__})"
    return None


def _env(workdir: Path, data: Path) -> dict[str, str]:
    """A minimal environment: no keys paths, no credentials, single-threaded maths libraries."""
    bindir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(workdir), "LANG": "C.UTF-8",
           "CRM_DATASET": str(data), "IPYTHONDIR": str(workdir / ".ipython"), "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": str(workdir / ".matplotlib"), "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter"),
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(GRADERS.parent)}
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = "1"
    return env


def run_notebook(notebook: Path, dataset: Path, questions: dict[str, str], *, limits: Limits = DEFAULT_LIMITS,
                 isolate: bool = True, hide: tuple[Path, ...] = (), scratch: Path | None = None) -> RunResult:
    """Execute ``notebook`` on a copy of ``dataset`` in a fresh folder; return the answers it submitted.

    ``questions`` maps the lab's question ids to kinds (anything else in submission.json is
    dropped); ``hide`` lists folders the notebook must not see (answer keys, the submissions and
    output folders); ``scratch`` is where per-run folders are made (hidden from other runs).
    """
    started = time.monotonic()
    try:
        raw = intake.read_plain(notebook, MAX_NOTEBOOK_BYTES)
    except OSError as err:
        return RunResult("not_a_notebook", f"{notebook.name} cannot be read ({err.strerror or err})")
    problem = _check_notebook(raw, notebook.name)
    if problem:
        return RunResult("not_a_notebook", problem)
    own_scratch = scratch is None
    scratch = Path(scratch) if scratch else Path(tempfile.mkdtemp(prefix="crm-grade-"))
    os.chmod(scratch, 0o711)
    base = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
    try:
        return _run(notebook.name, raw, dataset, questions, limits, isolate, hide, scratch, base, started)
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _run(name: str, raw: bytes, dataset: Path, questions: dict[str, str], limits: Limits, isolate: bool,
         hide: tuple[Path, ...], scratch: Path, base: Path, started: float) -> RunResult:
    os.chmod(base, 0o711)
    workdir = base / "work"
    workdir.mkdir()
    shutil.copytree(dataset, workdir / "data")
    target = workdir / name
    target.write_bytes(raw)
    drop = isolate and os.geteuid() == 0
    if drop:
        for path in [workdir, *workdir.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
    read_fd, write_fd = os.pipe()
    cmd = [sys.executable, "-m", "graders.sandbox_child", str(target), "--workdir", str(workdir),
           "--report-fd", str(write_fd), "--timeout", str(limits.timeout), "--memory-mib", str(limits.memory_mib),
           "--file-mib", str(limits.file_mib), "--output-cap", str(limits.output_cap)]
    if isolate:
        keep = {workdir, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), GRADERS, SIMULATIONS}
        broad = [p for p in (*BROAD_PATHS, str(scratch)) if Path(p).is_dir()]
        cmd = ["unshare", *_unshare_flags(), *cmd, "--isolated",
               *[a for p in broad for a in ("--hide-broad", p)], *[a for p in sorted(keep) for a in ("--keep", str(p))],
               *[a for p in (*hide, *INSTRUCTOR_PATHS) if Path(p).exists() for a in ("--hide", str(Path(p).resolve()))]]
        if drop:
            cmd += ["--uid", str(NOBODY), "--processes", str(limits.processes)]
    log_path = base / "log.txt"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, pass_fds=(write_fd,),
                                env=_env(workdir, workdir / "data"), cwd=workdir, start_new_session=True)
        os.close(write_fd)
        timed_out = False
        try:
            proc.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    os.set_blocking(read_fd, False)
    try:
        report_text = os.read(read_fd, 65536).decode(errors="replace")
    except BlockingIOError:
        report_text = ""
    os.close(read_fd)
    with open(log_path, "rb") as f:
        log_text = f.read(16384).decode(errors="replace")
    status, reason = _outcome(report_text, proc.returncode, timed_out, limits)
    submission = workdir / "submission.json"
    if status == "sandbox_error":
        return RunResult(status, reason, seconds=time.monotonic() - started, log=log_text)
    if not submission.is_file() or submission.is_symlink():
        why = "the notebook did not write submission.json (call lab.submit() at the end)"
        return RunResult(status if status != "ok" else "no_submission", f"{reason}; {why}" if status != "ok" else why,
                         seconds=time.monotonic() - started, log=log_text)
    result = read_answers(submission, questions)
    if result.status == "ok":
        result.status, result.reason = status, reason if status != "ok" else ""
    result.seconds, result.log = time.monotonic() - started, log_text
    return result


def _outcome(report_text: str, returncode: int, timed_out: bool, limits: Limits) -> tuple[str, str]:
    """Status and reason from the child's private report line, its exit code and the wall clock."""
    if timed_out:
        return "timeout", f"the notebook did not finish within {limits.timeout} s"
    lines = [ln for ln in report_text.splitlines() if ln.strip()]
    if lines:
        try:
            report = json.loads(lines[-1])
            return str(report["status"]), str(report["reason"])
        except (ValueError, KeyError, TypeError):
            pass
    if returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
        return "timeout", f"the notebook used more than {limits.timeout} s of CPU"
    if returncode == 0:
        return "ok", ""
    return "crashed", f"the notebook's runner stopped unexpectedly (exit status {returncode})"


def run_submission(folder: Path, dataset: Path, questions: dict[str, str], **kwargs) -> RunResult:
    """Stage A for one student's folder: run the notebook, or read a bare ``submission.json`` (not executed)."""
    entry = find_entry(folder)
    if entry is None:
        return RunResult("not_a_notebook", "no notebook (.ipynb) or submission.json found in the submission")
    if entry.suffix == ".json":
        return read_answers(entry, questions)
    return run_notebook(entry, dataset, questions, **kwargs)
