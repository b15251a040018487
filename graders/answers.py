"""Reading a ``submission.json`` written by untrusted code: every value checked before stage B sees it.

Why its own module: a submission is the one thing that crosses from a student's sandbox into the
trusted grader, so nothing in it may be able to stop the batch. A 400-digit integer (which
``float()`` cannot hold), a million-deep list (which recursion cannot walk), a ten-million-id
set or a non-finite number must each become "this answer is invalid, because ..." for that
student alone. ``parse`` bounds the document (size, nesting the decoder follows); ``clean`` walks
only the structure a lab declares and bounds every answer in it (type, size, finiteness), giving
the JSON form the scorer expects, or an invalid marker that carries the reason.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_SUBMISSION_BYTES = 16 << 20
MAX_ITEMS = 200_000  # ids in a set, entries in a mapping, rows in a table
MAX_COLUMNS = 100
MAX_TEXT = 1_000  # characters of a choice, an id, a label, a table cell
#: the largest magnitude accepted as a number (beyond it, float() overflows or loses all meaning)
MAX_MAGNITUDE = 1e300


class SubmissionError(ValueError):
    """A submission document that cannot be graded at all; the message is the student's reason."""


def parse(raw: bytes) -> dict:
    """The submission document from its bytes; ``SubmissionError`` when it is too big, too deep or not JSON."""
    if len(raw) > MAX_SUBMISSION_BYTES:
        raise SubmissionError(f"submission.json is larger than {MAX_SUBMISSION_BYTES >> 20} MiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError("submission.json is not valid JSON (not UTF-8 text)") from None
    try:
        doc = json.loads(text)  # the C decoder raises RecursionError (safely) past the interpreter's limit
    except RecursionError:
        raise SubmissionError("submission.json is not valid JSON for a lab (nested far too deeply)") from None
    except ValueError as err:  # also ints longer than Python's digit limit
        raise SubmissionError(f"submission.json is not valid JSON ({type(err).__name__})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), dict):
        raise SubmissionError("submission.json has no 'answers' object (write it with lab.submit())")
    return doc


def _number(value: Any, what: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what}: expected a number, got {type(value).__name__}")
    if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{what}: the number is too large to be an answer")
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{what}: expected a finite number")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what}: expected text, got {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{what}: text longer than {MAX_TEXT} characters")
    return value


def _cell(value: Any, what: str) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text(value, what)
    return _number(value, what)


def _sized(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise ValueError(f"{what}: expected a {'list' if kind is list else 'mapping'}, got {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        raise ValueError(f"{what}: more than {MAX_ITEMS} entries")
    return value


def _value(kind: str, value: Any) -> Any:
    """The value of one answer of ``kind``, checked for type, size and finiteness."""
    if kind in ("scalar", "estimate"):
        return _number(value, "value")
    if kind == "choice":
        return _text(value, "value")
    if kind == "idset":
        return [_text(v, "id") for v in _sized(value, list, "value")]
    if kind in ("values", "predictions"):
        return {_text(k, "id"): _number(v, f"value of {k[:40]!r}") for k, v in _sized(value, dict, "value").items()}
    if kind == "partition":
        return {_text(k, "id"): _text(v, "label") for k, v in _sized(value, dict, "value").items()}
    if kind == "table":
        rows = []
        for i, row in enumerate(_sized(value, list, "value")):
            if not isinstance(row, dict) or len(row) > MAX_COLUMNS:
                raise ValueError(f"row {i}: expected a record of at most {MAX_COLUMNS} columns")
            rows.append({_text(k, "column"): _cell(v, f"row {i}") for k, v in row.items()})
        return rows
    raise ValueError(f"unknown kind {kind!r}")


def clean_answer(kind: str, raw: Any) -> dict:
    """One answer as ``{kind, value, se, ci}``, or ``{kind, invalid: reason}`` when any part is malformed."""
    try:
        if not isinstance(raw, dict):
            raise ValueError(f"expected an answer record, got {type(raw).__name__}")
        if raw.get("kind") != kind:
            raise ValueError(f"expected a {kind} answer")
        se, ci = raw.get("se"), raw.get("ci")
        if ci is not None and (not isinstance(ci, list) or len(ci) != 2):
            raise ValueError("ci: expected [low, high]")
        return {"kind": kind, "value": _value(kind, raw.get("value")),
                "se": None if se is None else _number(se, "se"),
                "ci": None if ci is None else [_number(ci[0], "ci low"), _number(ci[1], "ci high")]}
    except ValueError as err:
        return {"kind": kind, "invalid": str(err)}


def clean(doc: dict, questions: dict[str, str]) -> tuple[dict[str, dict], str | None]:
    """The declared questions' answers (each cleaned) and the claimed dataset id; anything else is dropped."""
    answers = {qid: clean_answer(questions[qid], raw) for qid, raw in doc["answers"].items() if qid in questions}
    claimed = doc.get("dataset_id")
    return answers, claimed if isinstance(claimed, str) and len(claimed) <= MAX_TEXT else None


def language(doc: dict) -> str | None:
    """The language the student worked in (``lang`` of the submission), when it is a known one.

    Why lenient: the language only chooses the words of the feedback; an unknown or missing value
    (an older submission, a hand-edited file) falls back to the grader's language instead of
    failing the submission.
    """
    from simulations.i18n import LANGUAGES

    lang = doc.get("lang")
    return lang if isinstance(lang, str) and lang in LANGUAGES else None
