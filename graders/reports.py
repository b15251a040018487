"""Grading outputs: gradebook CSV, Canvas-importable CSV, Gradescope-style results.json, feedback pages.

Why one module: every output is built from the same ``SubmissionScore`` list, and all of them
show messages only; expected values and tolerances never reach a file a student receives
(feedback and results.json). Copy flags go only to the instructor's ``copy_flags.csv``.

Everything a student controls (exception messages, ids echoed in a message, folder names) is
untrusted text: it is stripped of control characters everywhere, escaped for HTML and Markdown,
and a CSV cell starting with ``= + - @`` gets a leading ``'`` so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from graders.copying import CopyFlag
from graders.scoring import SubmissionScore
from graders.specs.base import LabSpec
from simulations.i18n import DEFAULT_LANGUAGE, N_, translator

#: ANSI escape sequences (colours, cursor moves) and every other control character but none of the text
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: inline Markdown punctuation (text is never at a line start, so list and heading markers need no escape)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#|~])")


#: Why a run did not end with a clean submission, as stage A and the batch write it (in English, for
#: the instructor's gradebook); a student's feedback shows it in the student's language. The values
#: in braces (an exception, a limit) stay as they were.
REASONS = (
    N_("a cell raised {error}"),
    N_("the notebook's kernel died (memory limit, os._exit or a crash)"),
    N_("a cell ran longer than {seconds} s"),
    N_("the notebook printed more than {size} KiB of output"),
    N_("the notebook did not finish within {seconds} s"),
    N_("the notebook used more than {seconds} s of CPU"),
    N_("the notebook's runner stopped unexpectedly (exit status {code})"),
    N_("the notebook did not write submission.json (call lab.submit() at the end)"),
    N_("{name} is not a valid Jupyter notebook ({error})"),
    N_("{name} cannot be read ({error})"),
    N_("no notebook (.ipynb) or submission.json found in the submission"),
    N_("submission.json cannot be read ({error})"),
    N_("no dataset found for this student"),
    N_("the grader could not run this submission ({error})"),
    N_("no answer key or dataset found for this student"),
    N_("could not be scored ({error})"),
)
_REASON_PATTERNS = [(re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(t)) + r"\Z", re.S), t) for t in REASONS]


def student_reason(reason: str, lang: str) -> str:
    """``reason`` in ``lang`` when it is one of :data:`REASONS` (or two joined by "; "), else as it is.

    Why matched here and not translated where written: the gradebook keeps the instructor's
    English, and the sandbox child that writes some of these holds no catalog.
    """
    if lang == DEFAULT_LANGUAGE or not reason:
        return reason
    _ = translator(lang)

    def one(text: str) -> str | None:
        for pattern, template in _REASON_PATTERNS:
            match = pattern.match(text)
            if match:
                return _(template).format(**match.groupdict())
        return None

    parts = reason.split("; ")
    for i in range(len(parts) - 1, 0, -1):  # "<how the run ended>; <why there are no answers>" first
        first, second = one("; ".join(parts[:i])), one("; ".join(parts[i:]))
        if first is not None and second is not None:
            return first + _("; ") + second
    whole = one(reason)
    return reason if whole is None else whole


def _points(x: float) -> str:
    return f"{x:g}"


def plain(text: object) -> str:
    """Student-controlled text as one safe line: ANSI codes, control and bidi-override characters removed."""
    return _CONTROL.sub(" ", _ANSI.sub("", str(text))).strip()


def cell(text: object) -> str:
    """A CSV cell a spreadsheet will not run: plain text, and a leading ``= + - @`` made literal with ``'``."""
    value = plain(text)
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def md(text: object) -> str:
    """Plain text that Markdown renders literally: HTML escaped, Markdown punctuation backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(plain(text), quote=True))


def _html(text: object) -> str:
    return html.escape(plain(text), quote=True)


def gradebook(path: Path, spec: LabSpec, scores: dict[str, SubmissionScore], statuses: dict[str, str]) -> None:
    """``student, <qid>..., total, max_total, status, reason``: one row per student."""
    qids = [q.qid for q in spec.questions]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *qids, "total", "max_total", "status", "reason"])
        for student, s in sorted(scores.items()):
            by = {q.qid: q.points for q in s.questions}
            w.writerow([cell(student), *[_points(by.get(q, 0.0)) for q in qids], _points(s.total), _points(s.max_total),
                        cell(statuses.get(student, "")), cell(s.reason)])


def canvas(path: Path, spec: LabSpec, scores: dict[str, SubmissionScore]) -> None:
    """Canvas gradebook import: the standard leading columns, a "Points Possible" row, one assignment column."""
    column = f"{spec.lab_id} {spec.title}"
    max_total = sum(q.points for q in spec.questions)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
        w.writerow(["    Points Possible", "", "", "", "", _points(max_total)])
        for student, s in sorted(scores.items()):
            w.writerow([cell(student), "", cell(student), cell(student), "", _points(s.total)])


def results_json(s: SubmissionScore, status: str) -> dict:
    """Gradescope's autograder ``results.json`` shape: score, output, one test per question."""
    _ = translator(s.lang)
    return {"score": s.total, "output": plain(student_reason(s.reason, s.lang)) or _("graded"), "output_format": "text",
            "extra_data": {"lab": s.lab, "run_status": status},
            "tests": [{"name": q.qid, "score": q.points, "max_score": q.max_points, "output": plain(q.message),
                       "status": "passed" if q.status == "correct" else "failed", "visibility": "visible"}
                      for q in s.questions]}


def feedback_markdown(spec: LabSpec, student: str, s: SubmissionScore) -> str:
    """The student's feedback in the student's language (``s.lang``): points and messages per question (no expected values)."""
    _ = translator(s.lang)
    lines = [f"# {spec.lab_id}: {spec.title_in(s.lang)}", "", _("Student: {student}").format(student=md(student)), "",
             "**" + _("Score: {points} / {max_points}").format(points=_points(s.total), max_points=_points(s.max_total))
             + "**", ""]
    if s.reason:
        lines += [_("Note: {reason}").format(reason=md(student_reason(s.reason, s.lang))), ""]
    lines += ["| " + " | ".join((_("question"), _("points"), _("feedback"))) + " |", "|---|---|---|"]
    for q in s.questions:
        lines.append(f"| {md(q.qid)} | {_points(q.points)} / {_points(q.max_points)} | {md(q.message)} |")
    return "\n".join(lines) + "\n"


def feedback_html(spec: LabSpec, student: str, s: SubmissionScore) -> str:
    """The same feedback as a self-contained HTML page (in the student's language)."""
    _ = translator(s.lang)
    rows = "".join(f"<tr><td>{_html(q.qid)}</td><td>{_points(q.points)} / {_points(q.max_points)}</td>"
                   f"<td>{_html(q.message)}</td></tr>" for q in s.questions)
    note = "<p>" + _("Note: {reason}").format(reason=_html(student_reason(s.reason, s.lang))) + "</p>" if s.reason else ""
    score = _("Score: {points} / {max_points}").format(points=_points(s.total), max_points=_points(s.max_total))
    head = "".join(f"<th>{text}</th>" for text in (_("question"), _("points"), _("feedback")))
    title = _("feedback")
    return (f"<!doctype html><html lang='{s.lang}'><head><meta charset='utf-8'><title>{html.escape(spec.lab_id)} "
            f"{title}</title>"
            "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}td,th{border:1px solid #ccc;padding:.3em}"
            "table{border-collapse:collapse}</style></head><body>"
            f"<h1>{html.escape(spec.lab_id)}: {html.escape(spec.title_in(s.lang))}</h1><p>"
            + _("Student: {student}").format(student=_html(student)) + f"</p><p><b>{score}</b></p>{note}"
            f"<table><tr>{head}</tr>{rows}"
            "</table></body></html>\n")


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
            w.writerow([cell(v) if isinstance(v, str) else v for v in asdict(flag).values()])
    (folder / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n", encoding="utf-8")
