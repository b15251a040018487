"""Grading outputs: gradebook CSV, Canvas-importable CSV, Gradescope-style results.json, feedback pages.

Why one module: every output is built from the same ``SubmissionScore`` list, and all of them
show messages only; expected values and tolerances never reach a file a student receives
(feedback and results.json). Copy flags go only to the instructor's ``copy_flags.csv``.
"""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from graders.copying import CopyFlag
from graders.scoring import SubmissionScore
from graders.specs.base import LabSpec


def _points(x: float) -> str:
    return f"{x:g}"


def gradebook(path: Path, spec: LabSpec, scores: dict[str, SubmissionScore], statuses: dict[str, str]) -> None:
    """``student, <qid>..., total, max_total, status, reason``: one row per student."""
    qids = [q.qid for q in spec.questions]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *qids, "total", "max_total", "status", "reason"])
        for student, s in sorted(scores.items()):
            by = {q.qid: q.points for q in s.questions}
            w.writerow([student, *[_points(by.get(q, 0.0)) for q in qids], _points(s.total), _points(s.max_total),
                        statuses.get(student, ""), s.reason])


def canvas(path: Path, spec: LabSpec, scores: dict[str, SubmissionScore]) -> None:
    """Canvas gradebook import: the standard leading columns, a "Points Possible" row, one assignment column."""
    column = f"{spec.lab_id} {spec.title}"
    max_total = sum(q.points for q in spec.questions)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
        w.writerow(["    Points Possible", "", "", "", "", _points(max_total)])
        for student, s in sorted(scores.items()):
            w.writerow([student, "", student, student, "", _points(s.total)])


def results_json(s: SubmissionScore, status: str) -> dict:
    """Gradescope's autograder ``results.json`` shape: score, output, one test per question."""
    return {"score": s.total, "output": s.reason or "graded", "extra_data": {"lab": s.lab, "run_status": status},
            "tests": [{"name": q.qid, "score": q.points, "max_score": q.max_points, "output": q.message,
                       "status": "passed" if q.status == "correct" else "failed", "visibility": "visible"}
                      for q in s.questions]}


def feedback_markdown(spec: LabSpec, student: str, s: SubmissionScore) -> str:
    """The student's feedback: points and messages per question (no expected values)."""
    lines = [f"# {spec.lab_id}: {spec.title}", "", f"Student: {student}", "",
             f"**Score: {_points(s.total)} / {_points(s.max_total)}**", ""]
    if s.reason:
        lines += [f"Note: {s.reason}", ""]
    lines += ["| question | points | feedback |", "|---|---|---|"]
    for q in s.questions:
        lines.append(f"| {q.qid} | {_points(q.points)} / {_points(q.max_points)} | {q.message.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def feedback_html(spec: LabSpec, student: str, s: SubmissionScore) -> str:
    """The same feedback as a self-contained HTML page."""
    rows = "".join(f"<tr><td>{html.escape(q.qid)}</td><td>{_points(q.points)} / {_points(q.max_points)}</td>"
                   f"<td>{html.escape(q.message)}</td></tr>" for q in s.questions)
    note = f"<p>Note: {html.escape(s.reason)}</p>" if s.reason else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(spec.lab_id)} feedback</title>"
            "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}td,th{border:1px solid #ccc;padding:.3em}"
            "table{border-collapse:collapse}</style></head><body>"
            f"<h1>{html.escape(spec.lab_id)}: {html.escape(spec.title)}</h1><p>Student: {html.escape(student)}</p>"
            f"<p><b>Score: {_points(s.total)} / {_points(s.max_total)}</b></p>{note}"
            f"<table><tr><th>question</th><th>points</th><th>feedback</th></tr>{rows}</table></body></html>\n")


def write_all(folder: Path, spec: LabSpec, scores: dict[str, SubmissionScore], statuses: dict[str, str],
              flags: Iterable[CopyFlag], summary: dict) -> None:
    """Write every output into ``folder`` (a staging folder; the caller moves it into place)."""
    folder.mkdir(parents=True, exist_ok=True)
    gradebook(folder / "gradebook.csv", spec, scores, statuses)
    canvas(folder / "canvas.csv", spec, scores)
    for student, s in sorted(scores.items()):
        sub = folder / "students" / student
        sub.mkdir(parents=True, exist_ok=True)
        (sub / "results.json").write_text(json.dumps(results_json(s, statuses.get(student, "")), indent=1) + "\n",
                                          encoding="utf-8")
        (sub / "feedback.md").write_text(feedback_markdown(spec, student, s), encoding="utf-8")
        (sub / "feedback.html").write_text(feedback_html(spec, student, s), encoding="utf-8")
    with open(folder / "copy_flags.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "fits_student", "own_matches", "other_matches", "detail"])
        for flag in flags:
            w.writerow(list(asdict(flag).values()))
    (folder / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")
