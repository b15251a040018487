"""Stage B: pure scoring of a submission's JSON answers against the truth (trusted process only).

Why pure functions: ``score`` takes the spec, the submitted answers and what ``prepare`` computed
once for the student's dataset and keys, and returns points and messages; it never runs student
code and never touches files, so it is fast (the batch reuses one ``prepare`` per dataset) and
easy to test.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from graders.public_checks import AnswerError, check, normalize
from graders.scoring import modes
from graders.specs.base import LabSpec
from simulations.i18n import current_language, normalise_language, translator


@dataclass
class QuestionScore:
    """Points for one question and the message the student sees."""

    qid: str
    points: float
    max_points: float
    status: str  # correct | partial | wrong | missing | invalid
    message: str


@dataclass
class SubmissionScore:
    """All questions of one submission, plus a reason when the run itself failed."""

    lab: str
    questions: list[QuestionScore] = field(default_factory=list)
    reason: str = ""
    lang: str = "en"  # the language of the messages (the student's)

    @property
    def total(self) -> float:
        """Points earned."""
        return round(sum(q.points for q in self.questions), 6)

    @property
    def max_total(self) -> float:
        """Points available."""
        return round(sum(q.max_points for q in self.questions), 6)

    def to_dict(self) -> dict:
        """JSON form (for reports)."""
        return {"lab": self.lab, "total": self.total, "max_total": self.max_total, "reason": self.reason, "lang": self.lang,
                "questions": [asdict(q) for q in self.questions]}


def prepare(spec: LabSpec, data: Any, keys: Any) -> dict[str, dict]:
    """Per-question reference, truth, baseline and wrong-method answers on one dataset (do once per dataset)."""
    out = {}
    for q in spec.questions:
        try:
            out[q.qid] = modes.prepare(q, data, keys)
        except Exception as err:  # a spec bug must say which question broke
            raise RuntimeError(f"{spec.lab_id} {q.qid}: preparing the reference failed: {err!r}") from err
    return out


def rounded_points(max_points: float, share: float) -> float:
    """Points to one decimal (``1.5`` of 2, not ``1.4837``); a partial answer never rounds up to full marks,
    nor a partly right one down to nothing.
    """
    points = round(max_points * share, 1)
    if share < 1.0:
        points = min(points, round(max_points - 0.1, 1))
    if share > 0:
        points = max(points, 0.1)
    return float(points)


def _typed(kind: str, raw: Any, lang: str) -> dict:
    """Re-validate a submitted answer: only well-typed JSON of the declared kind is scored."""
    if not isinstance(raw, dict) or raw.get("kind") != kind:
        raise AnswerError(translator(lang)("expected a {kind} answer").format(kind=kind))
    if "invalid" in raw:  # graders.answers found it malformed when the submission was read
        raise AnswerError(str(raw["invalid"]))
    return normalize(kind, raw.get("value"), se=raw.get("se"), ci=raw.get("ci"), lang=lang)


def score(spec: LabSpec, answers: dict[str, Any] | None, prepared: dict[str, dict], data: Any = None,
          reason: str = "", lang: str | None = None) -> SubmissionScore:
    """Score submitted answers (``{qid: {kind, value, se, ci}}``); unknown question ids are ignored.

    ``lang`` is the language of the messages and hints (the student's, recorded in the submission;
    default: the current language). It changes words only: points never depend on it.
    """
    lang = current_language() if lang is None else normalise_language(lang)
    _ = translator(lang)
    result = SubmissionScore(spec.lab_id, reason=reason, lang=lang)
    answers = answers or {}
    for q in spec.questions:
        raw = answers.get(q.qid)
        if raw is None:
            result.questions.append(QuestionScore(q.qid, 0.0, q.points, "missing", _("no answer submitted")))
            continue
        try:
            answer = _typed(q.kind, raw, lang)
        except AnswerError as err:
            result.questions.append(QuestionScore(q.qid, 0.0, q.points, "invalid",
                                                  _("not a valid answer: {error}").format(error=err)))
            continue
        share, message = modes.judge(q, answer, prepared[q.qid], lang)
        if share < 1.0:
            if data is not None:
                problems = check(q.public(), answer, data, lang)
                if problems:
                    message += _("; ") + _("; ").join(problems)
            tip = modes.hint(q, answer, prepared[q.qid], lang)
            if tip:
                message += _(". Hint: {hint}").format(hint=tip)
        points = rounded_points(q.points, share)
        status = "correct" if points >= q.points else "partial" if points > 0 else "wrong"
        result.questions.append(QuestionScore(q.qid, points, q.points, status, message))
    return result
