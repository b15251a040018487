"""Stage A: run one untrusted submission in a sandbox and bring back only its declared answers as JSON.

Why a separate process with namespaces: a notebook can monkeypatch anything in its own process
and read anything its user can read. So the notebook runs in a child process
(``graders.sandbox_child``) inside fresh network, mount, PID, IPC and UTS namespaces, made by
bubblewrap where it is installed or by the built-in ``unshare`` backend
(``graders.sandbox_backends``): no network but its own loopback, no host UNIX socket, private
size-limited ``/tmp`` (its home and working folder ``/tmp/work``), ``/dev/shm``, ``/run`` and SysV
IPC that vanish with it; answer keys, other students' folders and instructor files out of reach;
a uid of its own per concurrent sandbox when the grader runs as root, so its process limit is
its own; limits on address space, CPU, file size and output; a wall-clock limit that kills the
whole PID namespace. Nothing but ``submission.json`` (size-capped, parsed as JSON, every value
validated by ``graders.answers``) crosses back, on a pipe the student's kernel never holds.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import simulations
from graders import answers, intake, sandbox_backends
from graders.sandbox_child import WORKDIR
from simulations.errors import UserError

GRADERS = Path(__file__).resolve().parent
SIMULATIONS = Path(simulations.__file__).resolve().parent
#: instructor-side code and data hidden from the notebook, even when the package is visible: specs hold reference
#: methods and choice answers; the repository's keys/ (and its git history) hold the committed datasets' truth
INSTRUCTOR_PATHS = (GRADERS / "specs", GRADERS / "scoring", GRADERS / "keys.py", GRADERS / "validate.py",
                    GRADERS.parent / "instructor", GRADERS.parent / "keys", GRADERS.parent / ".git")
MAX_SUBMISSION_BYTES = answers.MAX_SUBMISSION_BYTES
MAX_NOTEBOOK_BYTES = intake.MAX_FILE_BYTES
#: sandbox uids (root only): one per concurrent run, so RLIMIT_NPROC is counted per sandbox, not for all of them
UID_BASE = 1_900_000_000
#: seconds the parent waits beyond the child's own wall-clock limit before killing the whole sandbox
GRACE = 15


@dataclass(frozen=True)
class Limits:
    """Per-submission limits: wall clock (s), address space, private /tmp and /dev/shm (MiB), output, file size, processes."""

    timeout: int = 600
    memory_mib: int = 2048
    output_cap: int = 1 << 20
    file_mib: int = 64
    processes: int = 512
    disk_mib: int = 512
    shm_mib: int = 64


DEFAULT_LIMITS = Limits()


@dataclass
class RunResult:
    """How stage A ended for one submission and the answers it produced (JSON data only)."""

    status: str  # ok | crashed | timeout | huge_output | no_submission | invalid_json | not_a_notebook | sandbox_error
    reason: str
    answers: dict | None = None
    dataset_id: str | None = None
    lang: str | None = None  # the language recorded in the submission (feedback is written in it)
    seconds: float = 0.0
    log: str = field(default="", repr=False)
    cpu_seconds: float = 0.0  # CPU time of the runner and its kernel inside the sandbox, as the runner reported it


def isolation_available(backend: str = "auto") -> tuple[bool, str]:
    """Whether a sandbox backend (``auto``, ``bwrap``, ``builtin``) can make its namespaces here; what it gives or why not."""
    name, why = sandbox_backends.choose(backend)
    return name is not None, why


def require_isolation(mode: str) -> str | bool:
    """The backend to isolate with, or False for ``none``.

    ``required``: the best available (bubblewrap, else built-in), refusing to start without one;
    ``bwrap`` / ``builtin``: that backend or refuse; ``none``: no sandbox.
    """
    if mode == "none":
        return False
    if mode not in ("required", *sandbox_backends.BACKENDS):
        raise UserError(f"--isolation {mode!r}: expected required, bwrap, builtin or none")
    backend = "auto" if mode == "required" else mode
    ok, why = isolation_available(backend)
    if not ok:
        raise UserError(f"isolation was requested but is not available here ({why}); refusing to grade. "
                        f"Use --isolation none to grade WITHOUT a sandbox (students' code could read keys and the network)")
    return sandbox_backends.choose(backend)[0] or False


_free_uids: queue.SimpleQueue[int] = queue.SimpleQueue()
_uid_lock = threading.Lock()
_uids_made = 0


@contextmanager
def _sandbox_uid() -> Iterator[int]:
    """A uid no other running sandbox of this grader has (root only; -1 otherwise), returned to the pool after."""
    global _uids_made
    if os.geteuid() != 0:
        yield -1
        return
    try:
        uid = _free_uids.get_nowait()
    except queue.Empty:
        with _uid_lock:
            uid = UID_BASE + (os.getpid() % 100_000) * 64 + _uids_made % 64
            _uids_made += 1
    try:
        yield uid
    finally:
        _free_uids.put(uid)


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
    return RunResult("ok", "", answers=cleaned, dataset_id=dataset_id, lang=answers.language(doc))


def notebook_language(raw: bytes) -> str | None:
    """The language a released notebook is in (its metadata ``language``, written by ``labs release``), if known.

    Why: a notebook that crashes before ``lab.submit()`` leaves no submission to say the student's
    language, yet the feedback explaining the crash should be in it.
    """
    try:
        metadata = json.loads(raw.decode("utf-8")).get("metadata", {})
        return answers.language({"lang": metadata.get("language")}) if isinstance(metadata, dict) else None
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None


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
           "USER": "student", "LOGNAME": "student", "CRM_DATASET": str(data), "IPYTHONDIR": str(workdir / ".ipython"),
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(workdir / ".matplotlib"), "JUPYTER_RUNTIME_DIR": str(workdir / ".jupyter"),
           "JUPYTER_PLATFORM_DIRS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "TMPDIR": "/tmp",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(GRADERS.parent)}
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = "1"
    return env


def run_notebook(notebook: Path, dataset: Path, questions: dict[str, str], *, limits: Limits = DEFAULT_LIMITS,
                 isolate: bool | str = True, hide: tuple[Path, ...] = (), scratch: Path | None = None) -> RunResult:
    """Execute ``notebook`` on ``dataset`` (read-only) in a fresh sandbox; return the answers it submitted.

    ``isolate``: a backend name (``bwrap``, ``builtin``), True for the best available, False for
    none. ``questions`` maps the lab's question ids to kinds (anything else in submission.json is
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
    lang = notebook_language(raw)
    backend = (sandbox_backends.choose()[0] or "builtin") if isolate is True else isolate or None
    own_scratch = scratch is None
    scratch = Path(scratch) if scratch else Path(tempfile.mkdtemp(prefix="crm-grade-"))
    os.chmod(scratch, 0o711)
    base = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))
    os.chmod(base, 0o711)
    name = notebook.name if intake.SAFE_NAME.fullmatch(notebook.name) else "notebook.ipynb"
    try:
        with _sandbox_uid() as uid:
            result = _run(name, raw, dataset, questions, limits, backend, hide, scratch, base, uid)
        result.seconds = time.monotonic() - started
        result.lang = result.lang or lang  # the submission's own language first, else the notebook's
        return result
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)


def _settings(name: str, limits: Limits, backend: str | None, base: Path, uid: int) -> dict:
    """The child's settings; without a sandbox the notebook runs in a folder of ``base`` on a copy of the data."""
    workdir = WORKDIR if backend else base / "work"
    return {"notebook": str(workdir / name), "workdir": str(workdir), "setup": backend or "none",
            "uid": uid if backend else -1, "timeout": limits.timeout, "memory_mib": limits.memory_mib,
            "file_mib": limits.file_mib, "output_cap": limits.output_cap, "disk_mib": limits.disk_mib,
            "shm_mib": limits.shm_mib, "processes": limits.processes if uid >= 0 and backend else 0}


def _pipe_with(data: bytes) -> int:
    """The read end of a pipe already holding ``data`` (small: settings, arguments) and closed for writing."""
    read_fd, write_fd = os.pipe()
    os.write(write_fd, data)
    os.close(write_fd)
    return read_fd


def _run(name: str, raw: bytes, dataset: Path, questions: dict[str, str], limits: Limits, backend: str | None,
         hide: tuple[Path, ...], scratch: Path, base: Path, uid: int) -> RunResult:
    cfg = _settings(name, limits, backend, base, uid)
    inbox = base / "in"
    inbox.mkdir(mode=0o755)
    (inbox / name).write_bytes(raw)
    os.chmod(inbox / name, 0o644)
    if backend is None:
        Path(cfg["workdir"]).mkdir()
        shutil.copytree(dataset, Path(cfg["workdir"]) / "data")
        (Path(cfg["workdir"]) / name).write_bytes(raw)
    keep = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), GRADERS, SIMULATIONS]
    hidden = [Path(p).resolve() for p in (*hide, *INSTRUCTOR_PATHS) if Path(p).exists()]
    broad = [p for p in (*sandbox_backends.BROAD_PATHS, str(scratch)) if Path(p).is_dir()]
    cfg.update(dataset=str(Path(dataset).resolve()), inbox_notebook=str(inbox / name), keep=[str(p) for p in keep],
               hide=[str(p) for p in hidden], hide_broad=broad)
    report_read, report_write = os.pipe()
    cfg["report_fd"] = report_write
    args = sandbox_backends.bwrap_args(cfg, keep, hidden, Path(dataset).resolve(), inbox / name) if backend == "bwrap" else []
    cfg_fd, args_fd = _pipe_with(json.dumps(cfg).encode()), _pipe_with(b"".join(a.encode() + b"\0" for a in args))
    cmd = sandbox_backends.command(backend, cfg_fd, args_fd)
    env = _env(Path(cfg["workdir"]), Path(cfg["workdir"]) / "data")
    received: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(report_read, received), daemon=True)
    reader.start()
    log_path = base / "log.txt"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                pass_fds=(report_write, cfg_fd, args_fd), env=env, cwd=base, start_new_session=True)
        for fd in (report_write, cfg_fd, args_fd):
            os.close(fd)
        killed = False
        try:
            proc.wait(timeout=limits.timeout + GRACE)
        except subprocess.TimeoutExpired:
            killed = True
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    reader.join(timeout=30)
    with open(log_path, "rb") as f:
        log_text = f.read(16384).decode(errors="replace")
    status, reason, submission, cpu = _outcome(b"".join(received), proc.returncode, killed, limits)
    if status == "sandbox_error":
        return RunResult(status, reason, log=log_text, cpu_seconds=cpu)
    if not submission:
        why = "the notebook did not write submission.json (call lab.submit() at the end)"
        return RunResult(status if status != "ok" else "no_submission", f"{reason}; {why}" if status != "ok" else why,
                         log=log_text, cpu_seconds=cpu)
    result = answers_from_bytes(submission, questions)
    if result.status == "ok":
        result.status, result.reason = status, reason if status != "ok" else ""
    result.log, result.cpu_seconds = log_text, cpu
    return result


def _drain(fd: int, into: list[bytes]) -> None:
    """Read the child's report channel to its end (capped), so the child never blocks on a full pipe."""
    total, cap = 0, MAX_SUBMISSION_BYTES + (1 << 16)
    try:
        while chunk := os.read(fd, 1 << 16):
            if total < cap:
                into.append(chunk[: cap - total])
            total += len(chunk)
    finally:
        os.close(fd)


def _outcome(report: bytes, returncode: int, killed: bool, limits: Limits) -> tuple[str, str, bytes, float]:
    """Status, reason, submission bytes and CPU seconds from the child's private report, its exit code and the clock."""
    line, _, rest = report.partition(b"\n")
    try:
        head = json.loads(line)
        size = int(head.get("submission_bytes", 0))
        return (str(head["status"]), str(head["reason"]), rest[:size] if len(rest) >= size else b"",
                float(head.get("cpu_seconds", 0.0)))
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    if killed:
        return "timeout", f"the notebook did not finish within {limits.timeout} s", b"", 0.0
    if returncode in (-signal.SIGXCPU, 128 + signal.SIGXCPU):
        return "timeout", f"the notebook used more than {limits.timeout} s of CPU", b"", 0.0
    return "crashed", f"the notebook's runner stopped unexpectedly (exit status {returncode})", b"", 0.0


def run_submission(folder: Path, dataset: Path, questions: dict[str, str], **kwargs) -> RunResult:
    """Stage A for one student's folder: run the notebook, or read a bare ``submission.json`` (not executed)."""
    entry = find_entry(folder)
    if entry is None:
        return RunResult("not_a_notebook", "no notebook (.ipynb) or submission.json found in the submission")
    if entry.suffix == ".json":
        return read_answers(entry, questions)
    return run_notebook(entry, dataset, questions, **kwargs)
