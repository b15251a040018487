"""Batch grading: stage A (sandboxed runs, in parallel) then stage B (scoring in this trusted process).

Why this order: every submission is first reduced to plain JSON answers by a sandbox that cannot
see keys; only then are the keys opened, once per dataset, and the answers scored. A submission
that hangs, crashes, floods output or is malformed gets its points (usually none) and a reason,
and the batch goes on.

Layout: ``SUBMISSIONS/<student>/`` holds a notebook or a ``submission.json``; ``KEYS/<student>/``
(per-student keys, as ``crm-sandbox datasets issue`` writes them) or ``KEYS/`` itself (one key for
everyone); the same for ``DATASETS`` (default: the lab's default dataset).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from graders import copying, datasets, intake, keys, reports, sandbox, scoring, specs
from graders.journal import Journal, fingerprint
from graders.journal import folder_for as journal_folder
from graders.sandbox import Limits, RunResult
from simulations.errors import UserError
from simulations.outputs import check_writable, staged_folder


@dataclass
class Student:
    """One student's submission folder and the data and key that belong to it."""

    sid: str
    folder: Path
    dataset: Path | None
    keys: Path | None
    refused: str = ""  # why the submission folder is not accepted (a symlink, a device, an oversize file...)


@dataclass
class GradeRun:
    """What a batch produced: scores, run results, copy flags and timings."""

    scores: dict[str, scoring.SubmissionScore]
    runs: dict[str, RunResult]
    flags: list[copying.CopyFlag]
    timings: dict[str, float] = field(default_factory=dict)


def _per_student(root: Path | None, sid: str) -> Path | None:
    """``root/<sid>/`` if it is a folder with metadata.json, else ``root`` itself if it is one, else None."""
    if root is None:
        return None
    if (root / sid / "metadata.json").is_file():
        return root / sid
    if (root / "metadata.json").is_file():
        return root
    return None


def find_students(submissions: Path, data_root: Path | None, keys_root: Path) -> list[Student]:
    """Every entry under ``submissions`` (plain folders accepted, anything else refused), with its data and key."""
    if not submissions.is_dir():
        raise UserError(f"--submissions {submissions}: not a folder (expected SUBMISSIONS/<student_id>/...)")
    if not keys_root.is_dir():
        raise UserError(f"--keys {keys_root}: not a folder (expected KEYS/<student_id>/ or one keys folder)")
    entries = intake.scan(submissions)
    if not entries:
        raise UserError(f"--submissions {submissions}: no student folders (expected SUBMISSIONS/<student_id>/...)")
    return [Student(e.sid, e.folder, _per_student(data_root, e.sid), _per_student(keys_root, e.sid), e.refused)
            for e in entries]


def stage_a(spec: specs.LabSpec, students: list[Student], *, limits: Limits, isolate: bool | str, hide: tuple[Path, ...],
            workers: int, progress: Callable[[], None] | None = None, journal: Journal | None = None
            ) -> dict[str, RunResult]:
    """Run every submission in its sandbox, ``workers`` at a time; returns student -> result.

    With a ``journal``, a student whose result is journalled from the same inputs is not run
    again, and every new result is journalled as soon as it is known.
    """
    questions = {q.qid: q.kind for q in spec.questions}
    scratch = Path(tempfile.mkdtemp(prefix="crm-grade-"))
    os.chmod(scratch, 0o711)

    def run(st: Student) -> RunResult:
        if st.refused:
            return RunResult("refused", st.refused)
        if st.dataset is None:
            return RunResult("sandbox_error", "no dataset found for this student")
        digest = fingerprint(spec.lab_id, st.folder, st.dataset, limits, isolate) if journal else ""
        done = journal.get(st.sid, digest) if journal else None
        if done is not None:
            return done
        result = sandbox.run_submission(st.folder, st.dataset, questions, limits=limits, isolate=isolate,
                                        hide=hide, scratch=scratch)
        if journal:
            journal.put(st.sid, digest, result)
        return result

    def one(st: Student) -> tuple[str, RunResult]:
        try:
            return st.sid, run(st)
        except Exception as err:  # one broken submission must not stop the batch
            return st.sid, RunResult("sandbox_error", f"the grader could not run this submission ({type(err).__name__})")
        finally:
            if progress:
                progress()

    try:
        with ThreadPoolExecutor(max(1, workers)) as pool:
            return dict(pool.map(one, students))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def stage_b(spec: specs.LabSpec, students: list[Student], runs: dict[str, RunResult]
            ) -> tuple[dict[str, scoring.SubmissionScore], dict[str, dict], dict[str, str]]:
    """Score every run's answers against its key; prepares each dataset once. Returns scores, prepared, dataset ids.

    A student whose data or key cannot be opened or scored gets an empty score with the reason and
    run status ``grading_error``; the others are scored as usual.
    """
    cache: dict[tuple[str, str], tuple[datasets.Tables, dict] | Exception] = {}
    scores, dataset_of, prepared_by_id = {}, {}, {}
    for st in students:
        run = runs[st.sid]
        if st.keys is None or st.dataset is None:
            scores[st.sid] = scoring.score(spec, None, {}, reason="no answer key or dataset found for this student",
                                           lang=run.lang)
            continue
        ck = (str(st.dataset.resolve()), str(st.keys.resolve()))
        try:
            if ck not in cache:
                cache[ck] = _prepare(spec, st)
            if isinstance(cache[ck], Exception):
                raise cache[ck]
            data, prepared = cache[ck]
            scores[st.sid] = scoring.score(spec, run.answers, prepared, data, reason=run.reason, lang=run.lang)
        except Exception as err:  # one student's data, key or answers must not stop the class being graded
            cache.setdefault(ck, err)
            why = str(err) if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
            scores[st.sid] = scoring.score(spec, None, {}, reason=f"could not be scored ({why[:300]})", lang=run.lang)
            runs[st.sid] = RunResult("grading_error", scores[st.sid].reason, dataset_id=run.dataset_id, lang=run.lang)
            continue
        dataset_of[st.sid] = data.dataset_id or ck[0]
        prepared_by_id[dataset_of[st.sid]] = prepared
    return scores, prepared_by_id, dataset_of


def _prepare(spec: specs.LabSpec, st: Student) -> tuple[datasets.Tables, dict] | Exception:
    """A student's dataset and its prepared references, or the error that prevented them (cached per pair)."""
    try:
        data = datasets.load(st.dataset)
        key = keys.load(st.keys, spec.keys_needed)
        keys.check_pair(data, key, st.sid)
        return data, scoring.prepare(spec, data, key)
    except Exception as err:  # reported on each student who shares this data and key
        return err


def grade(lab_id: str, submissions: Path, keys_root: Path, out: Path, *, data_root: Path | None = None,
          workers: int = 2, limits: Limits = sandbox.DEFAULT_LIMITS, isolation: str = "required",
          progress: Callable[[int], Callable[[], None]] | None = None) -> GradeRun:
    """Grade a folder of submissions and write the reports to ``out`` (moved into place only when complete)."""
    spec = specs.get(lab_id)
    isolate = sandbox.require_isolation(isolation)
    submissions, keys_root, out = Path(submissions), Path(keys_root), Path(out)
    check_writable(out)
    if data_root is None:
        data_root = datasets.resolve(spec.default_dataset)
    students = find_students(submissions, Path(data_root), keys_root)
    journal = Journal(journal_folder(out))
    journal.open()  # made before any notebook starts, so every sandbox hides it
    hide = tuple(p.resolve() for p in (keys_root, submissions, out, Path(data_root)) if p.exists())
    hide += (journal.folder.resolve(), specs.folder().resolve())  # the course folder of --spec, wherever it is
    t0 = time.perf_counter()
    tick = progress(len(students)) if progress else None
    runs = stage_a(spec, students, limits=limits, isolate=isolate, hide=hide, workers=workers, progress=tick,
                   journal=journal)
    t1 = time.perf_counter()
    scores, prepared, dataset_of = stage_b(spec, students, runs)
    claimed = {sid: r.dataset_id for sid, r in runs.items()}
    flags = copying.detect(spec, {sid: r.answers for sid, r in runs.items()}, dataset_of, prepared, claimed)
    t2 = time.perf_counter()
    statuses = {sid: r.status for sid, r in runs.items()}
    summary = {"lab": spec.lab_id, "students": len(students), "statuses": dict(Counter(statuses.values())),
               "isolation": isolate or "off", "copy_flags": len(flags),
               "mean_total": round(sum(s.total for s in scores.values()) / max(1, len(scores)), 2)}
    with staged_folder(out) as stage:
        reports.write_all(stage, spec, scores, statuses, flags, summary)
    journal.remove()
    return GradeRun(scores, runs, flags, {"stage_a_s": t1 - t0, "stage_b_s": t2 - t1})
