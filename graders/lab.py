"""The student side: ``Lab("L03")`` finds your data, records answers, checks their form, writes ``submission.json``.

Why so small: it runs inside the student's notebook, where anything it can reach, the student can
reach. So it holds no expected values, imports no scoring code and never opens an answer-key
folder; its checks are the public ones (``graders.public_checks``) against the student's own data.
The one exception is practice: on a committed practice dataset, whose keys are public anyway,
``check`` also says right or wrong with the grader's hints (``graders.practice``); on an issued
per-student dataset it stays a check of form.
Grading happens later, elsewhere, from ``submission.json`` alone: patching this class changes
nothing but the student's own messages.

Language: ``Lab("L01", lang="zh")`` (a Chinese notebook's ``LANG`` parameter) makes the notebook
Chinese: check messages here, and the plot labels and tables of ``simulations.labs.helpers``
(through :func:`simulations.i18n.set_language`). The language is recorded in ``submission.json``
so the grader writes the student's feedback and hints in it; the answers themselves are the same
in every language, so the score is too.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from graders import datasets, public_checks
from simulations import __version__
from simulations.errors import UserError
from simulations.i18n import current_language, gettext, normalise_language, set_language


def public_questions(lab_id: str) -> dict:
    """The lab's public manifest (kind, prompt, public checks of each question; no answers)."""
    name = f"{lab_id.upper()}.json"
    try:
        text = resources.files("graders.questions").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        known = sorted(p.name[:-5] for p in resources.files("graders.questions").iterdir() if p.name.endswith(".json"))
        raise UserError(f"lab {lab_id!r}: unknown (known labs: {', '.join(known)})") from None
    return json.loads(text)


def find_dataset(default: str | None, data: str | os.PathLike | None = None) -> Path:
    """Where this student's data is.

    Order: ``data=``, then ``$CRM_DATASET``, then ``./data/`` or ``./metadata.json``, then the lab's default.
    """
    for candidate in (data, os.environ.get("CRM_DATASET") or None):
        if candidate:
            return datasets.resolve(candidate)
    here = Path.cwd()
    if (here / "data" / "metadata.json").is_file():
        return here / "data"
    if (here / "metadata.json").is_file():
        return here
    if default:
        return datasets.resolve(default)
    raise UserError(gettext("no dataset found: set CRM_DATASET, put your data in ./data/, or pass Lab(..., data=PATH)"))


class Lab:
    """One lab's answers for one student and one dataset.

    ``lab.data`` holds the tables (``lab.data.orders``), ``lab.dataset_id`` the fingerprint that
    ties the submission to this data (each student may have different data), ``lab.lang`` the
    language of its messages (``lang=`` sets it for the whole notebook; default ``$CRM_LANG``, else English).
    """

    def __init__(self, lab_id: str, data: str | os.PathLike | None = None, lang: str | None = None) -> None:
        if lang is not None:
            set_language(normalise_language(lang, "Lab(lang=...)"))
        self.lang = current_language()
        self.lab_id = lab_id.upper()
        self.manifest = public_questions(self.lab_id)
        self.questions: dict[str, dict] = self.manifest["questions"]
        self.folder = find_dataset(self.manifest.get("default_dataset"), data)
        self.data = datasets.load(self.folder)
        self.dataset_id = self.data.dataset_id
        self.answers: dict[str, dict] = {}

    def _question(self, qid: str) -> dict:
        if qid not in self.questions:
            raise UserError(gettext("{lab} has no question {qid}; questions: {known}", self.lang).format(
                lab=self.lab_id, qid=repr(qid), known=", ".join(self.questions)))
        return self.questions[qid]

    def answer(self, qid: str, value: Any, se: float | None = None, ci: tuple[float, float] | None = None) -> dict:
        """Record (or replace) the answer to ``qid``; returns its JSON form. A wrong type raises at once."""
        question = self._question(qid)
        try:
            self.answers[qid] = public_checks.normalize(question["kind"], value, se=se, ci=ci, qid=qid, lang=self.lang)
        except public_checks.AnswerError as err:
            raise UserError(str(err)) from None
        return self.answers[qid]

    @property
    def practice(self) -> dict | None:
        """The grader's feedback for this lab when your data is a committed practice dataset (public keys), else None."""
        if not hasattr(self, "_practice"):
            from graders import practice

            self._practice = practice.load(self.lab_id, self.dataset_id)
        return self._practice

    def check(self, qid: str | None = None) -> bool:
        """Run the PUBLIC checks (type, range, ids exist, coverage) and print what to fix; True if all pass.

        On an issued (per-student) dataset, passing says the answer is well-formed for your data, not
        that it is right. On a committed practice dataset (``datasets/``, whose keys are public) a
        well-formed answer is also judged as the grader would: right, partly right or wrong, with the
        points and the same hints; then True only if every checked answer is right.
        """
        ok = True
        sep = gettext("; ", self.lang)
        for q in [qid] if qid else list(self.questions):
            self._question(q)
            if q not in self.answers:
                print(gettext("{qid}: not answered yet", self.lang).format(qid=q))
                ok = False
                continue
            problems = public_checks.check(self.questions[q], self.answers[q], self.data, lang=self.lang)
            ok = ok and not problems
            verdict = gettext("well-formed", self.lang) if not problems else sep.join(problems)
            entry = (self.practice or {}).get("questions", {}).get(q) if not problems else None
            if entry is not None:
                verdict = self._practice_verdict(entry, self.answers[q])
                ok = ok and verdict[1]
                verdict = verdict[0]
            print(gettext("{qid}: {verdict}", self.lang).format(qid=q, verdict=verdict))
        return ok

    def _practice_verdict(self, entry: dict, answer: dict) -> tuple[str, bool]:
        from graders import practice

        points, most, message = practice.judge(entry, answer, self.lang)
        word = (gettext("right", self.lang) if points >= most else
                gettext("partly right", self.lang) if points > 0 else gettext("wrong", self.lang))
        text = gettext("{verdict} ({points} of {max_points} points, practice data): {message}", self.lang).format(
            verdict=word, points=f"{points:g}", max_points=f"{most:g}", message=message)
        return text, points >= most

    def submission(self) -> dict:
        """The JSON document ``submit`` writes (``lang``: the language the grader's feedback should use)."""
        return {"lab": self.lab_id, "dataset_id": self.dataset_id, "written_by": __version__, "lang": self.lang,
                "answers": {q: self.answers[q] for q in self.questions if q in self.answers}}

    def submit(self, path: str | os.PathLike = "submission.json") -> Path:
        """Write ``submission.json`` next to the notebook (the current folder); returns its path."""
        target = Path(path)
        target.write_text(json.dumps(self.submission(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
        missing = [q for q in self.questions if q not in self.answers]
        message = gettext("wrote {file} with {n} answer(s)", self.lang).format(file=target, n=len(self.answers))
        if missing:
            message += gettext("; unanswered: {qids}", self.lang).format(qids=", ".join(missing))
        print(message)
        return target
