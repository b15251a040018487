"""Copy detection: answers that fit another student's dataset better than the student's own.

Why it works here: every student may get a dataset of their own (``crm-sandbox datasets issue``),
so "reproduce the method on your data" answers differ between students. A submission whose
reproduce-mode answers match the reference on someone else's dataset more often than on its own
was very likely computed on that dataset. Flags go to the instructor's report, never into scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graders.scoring.compare import same
from graders.specs.base import LabSpec


@dataclass
class CopyFlag:
    """One suspicious submission: whose data its answers fit, and how well (questions matched)."""

    student: str
    fits_student: str
    own_matches: int
    other_matches: int
    detail: str


def _matches(spec: LabSpec, answers: dict[str, Any], prepared: dict[str, dict]) -> int:
    count = 0
    for q in spec.questions:
        ans, ref = answers.get(q.qid), prepared[q.qid].get("reference")
        if q.mode == "reproduce" and isinstance(ans, dict) and ref is not None:
            try:
                count += same(q.kind, ans.get("value"), ref["value"], q.params)
            except (TypeError, ValueError, ArithmeticError, KeyError):  # a malformed answer matches nothing
                continue
    return count


def detect(spec: LabSpec, answers: dict[str, dict | None], dataset_of: dict[str, str],
           prepared: dict[str, dict[str, dict]], claimed: dict[str, str | None] | None = None) -> list[CopyFlag]:
    """Flags for students whose answers fit another student's dataset better than their own.

    ``answers``: student -> submitted answers; ``dataset_of``: student -> dataset id;
    ``prepared``: dataset id -> prepared references; ``claimed``: student -> dataset id written in
    the submission (a different id than the student's own is flagged too).
    """
    flags: list[CopyFlag] = []
    owner = {}
    for student, ds in sorted(dataset_of.items()):
        owner.setdefault(ds, student)
    datasets_differ = len(prepared) >= 2
    for student in sorted(answers):
        given, own = answers[student], dataset_of.get(student)
        if not given or own not in prepared:
            continue
        claim = (claimed or {}).get(student)
        if claim and claim != own:
            other = _matches(spec, given, prepared[claim]) if claim in prepared else 0
            flags.append(CopyFlag(student, owner.get(claim, "(unknown dataset)"), _matches(spec, given, prepared[own]), other,
                                  f"submission.json names dataset {claim}, not the student's own {own}"))
            continue
        if not datasets_differ:
            continue
        own_fit = _matches(spec, given, prepared[own])
        best = max(((_matches(spec, given, prep), ds) for ds, prep in sorted(prepared.items()) if ds != own),
                   default=(0, None))
        if best[1] is not None and best[0] > own_fit:
            flags.append(CopyFlag(student, owner.get(best[1], best[1]), own_fit, best[0],
                                  "answers reproduce the reference on another student's dataset better than on their own"))
    return flags
