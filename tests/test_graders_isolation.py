"""Each notebook runs alone, on both sandbox backends: the attacks of a hostile class, as fixture notebooks.

One batch per backend (bubblewrap and the built-in ``unshare`` backend) grades: a notebook that
leaves answers in /run/lock, /dev/shm, /tmp, its home, SysV and POSIX shared memory, and one
that looks for them; one that tries every UNIX socket it can find (the test listens on /run,
/tmp and an abstract name on the host; the notebook also reads /proc/net/unix); one that
collects every command line and environment in its /proc; one that forks up to its process
limit and holds it while another needs processes; one that fills its disk. The same batch holds
the hand-made submission files (a 400-digit answer, 100,000 nested lists, HTML and formulas in
ids), a symlinked folder and a FIFO, so the whole class of attacks goes through one run. The
host's /run/lock, /dev/shm and ``ipcs`` must hold nothing new after it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from graders import batch, sandbox, sandbox_backends
from tests.conftest import IN_CI, INNER_WORKERS, REPO
from tests.test_graders_support import generate_pair

#: One worker builds the fixture below once per backend (pyproject: --dist loadgroup); it is session-scoped, since a
#: module-scoped one was built again (about 40 s) after xdist ran another module's test on the same worker.
pytestmark = pytest.mark.xdist_group("test_graders_isolation")

FIXTURES = REPO / "tests" / "fixtures" / "submissions"
ATTACKS = ("leaves_traces", "reads_traces", "reaches_sockets", "reads_cmdlines", "holds_processes", "needs_processes",
           "fills_disk", "passes_all")
LIMITS = sandbox.Limits(timeout=90, processes=96, disk_mib=128)
#: entries never executed, added to the same batch: student -> (status, total)
FILES = {"huge_integer": ("ok", 1), "deep_nesting": ("invalid_json", 0), "report_injection": ("ok", 1),
         "linked_folder": ("refused", 0), "fifo": ("refused", 0)}


def _host_state() -> dict[str, set[str]]:
    """What a notebook could leave on the host: /run/lock, /dev/shm (without other programs' semaphores), SysV IPC."""
    ipcs = subprocess.run(["ipcs"], capture_output=True, text=True, check=True).stdout
    return {"/run/lock": {p.name for p in Path("/run/lock").iterdir()},
            "/dev/shm": {p.name for p in Path("/dev/shm").iterdir() if not p.name.startswith("sem.mp-")},
            "ipcs": {" ".join(line.split()[:3]) for line in ipcs.splitlines() if line.startswith("0x")}}


@pytest.fixture(scope="session", params=sandbox_backends.BACKENDS)
def graded(request, tmp_path_factory):
    backend = request.param
    ok, why = sandbox.isolation_available(backend)
    if not ok:
        if IN_CI:
            pytest.fail(f"sandbox backend {backend} unavailable in CI: {why}")
        pytest.skip(why)
    root = tmp_path_factory.mktemp(f"isolation-{backend}")
    data, keys = generate_pair(root / "gen", seed=11)
    subs = root / "submissions"
    for name in (*ATTACKS, "huge_integer", "deep_nesting", "report_injection"):
        shutil.copytree(FIXTURES / name, subs / name)
    (subs / "linked_folder").symlink_to(subs / "passes_all")
    (subs / "fifo").mkdir()
    os.mkfifo(subs / "fifo" / "submission.json")
    # host sockets for reaches_sockets to find (names unique to this run: other test workers may run a batch too)
    tag = f"crm-grader-test-{os.getpid()}-{backend}"
    paths = [Path(f"/run/{tag}.sock"), Path(f"/tmp/{tag}.sock")]
    listeners = []
    for address in (*map(str, paths), f"\0{tag}"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(address)
        s.listen()
        listeners.append(s)
    scratch = root / "tmp"  # the batch's own temporary folders go here, to be checked afterwards
    scratch.mkdir()
    before = _host_state()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(tempfile, "tempdir", str(scratch))
            run = batch.grade("DEMO", subs, keys, root / "out", data_root=data, workers=INNER_WORKERS, limits=LIMITS,
                              isolation=backend)
    finally:
        for s in listeners:
            s.close()
        for path in paths:
            path.unlink(missing_ok=True)
    return run, before, _host_state(), root


@pytest.mark.slow
@pytest.mark.parametrize("name", ATTACKS)
def test_attack_is_contained_and_gets_its_honest_mark(graded, name):
    run, *_ = graded
    result, score = run.runs[name], run.scores[name]
    expected = 5 if name == "reads_cmdlines" else 7  # it hands in what it saw instead of the churn answer
    assert result.status == "ok", result.reason + result.log[-2000:]
    assert score.total == expected, [(q.qid, q.points, q.message) for q in score.questions]


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FILES))
def test_hostile_files_in_the_same_batch_get_their_rows(graded, name):
    run, *_ = graded
    status, total = FILES[name]
    assert (run.runs[name].status, run.scores[name].total) == (status, total), run.runs[name].reason
    assert len(run.scores) == len(ATTACKS) + len(FILES)


@pytest.mark.slow
def test_nothing_is_left_on_the_host(graded):
    _, before, after, root = graded
    assert {place: after[place] - before[place] for place in before} == {place: set() for place in before}
    assert not list((root / "tmp").iterdir())  # the batch's scratch and run folders are gone too


@pytest.mark.slow
def test_no_host_path_appears_in_any_command_line_or_environment(graded):
    run, _, _, root = graded
    seen = run.runs["reads_cmdlines"].answers["churned"]["value"]
    assert any("graders.sandbox_child" in s for s in seen), seen  # it did see the runner's own command line
    leaked = [s for s in seen if str(root) in s or "crm-grade-" in s or "/keys" in s or "submissions" in s]
    assert not leaked


def test_backend_choice_prefers_bubblewrap_and_refuses_an_unknown_one(monkeypatch):
    monkeypatch.setattr(sandbox_backends, "available", lambda name: (name == "bwrap", name))
    assert sandbox_backends.choose() == ("bwrap", "bwrap")
    monkeypatch.setattr(sandbox_backends, "available", lambda name: (name == "builtin", f"{name} here"))
    assert sandbox_backends.choose() == ("builtin", "builtin here")
    assert sandbox_backends.choose("bwrap") == (None, "bwrap here")
    assert sandbox_backends.choose("docker")[0] is None
