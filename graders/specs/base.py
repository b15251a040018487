"""The declarative vocabulary of a lab spec: ``Question``, ``Misconception``, ``LabSpec``.

Why declarative: a spec says WHAT is asked and HOW it is judged (kind, check mode, tolerances,
reference method, truth column, known wrong methods); the scoring code in ``graders.scoring``
does the judging the same way for every lab, and ``graders.validate`` can run every spec's
reference solution and wrong methods over many seeds. Specs are instructor-side: the only part a
student ever sees is ``LabSpec.public_manifest()`` (kinds, prompts, public checks), committed as
``graders/questions/<LAB>.json``.

Methods in a spec are plain functions of the student's dataset (``graders.datasets.Tables``:
``data.orders``, ``data.metadata``); ``truth`` functions also get the answer-key tables
(``keys.truth_customers``). A method returns the answer in the question's kind, as a student
would pass it to ``lab.answer`` (a number; a list of ids; a dict or Series id -> value; a
DataFrame; a str), or a dict ``{"value": ..., "se": ..., "ci": ...}`` for estimates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graders.public_checks import KINDS

Method = Callable[..., Any]

#: Check modes and the kinds they apply to (see graders/README.md for what each means).
MODES: dict[str, tuple[str, ...]] = {
    "exact": ("choice",),
    "reproduce": ("scalar", "estimate", "idset", "values", "table"),
    "close_to_truth": ("scalar", "estimate"),
    "within_se": ("estimate",),
    "ci_covers": ("estimate",),
    "relative": ("idset", "values", "predictions", "partition"),
    "simulate": ("table",),
}


@dataclass(frozen=True)
class Misconception:
    """A known wrong method: when a wrong answer matches it on the student's data, ``hint`` is shown.

    The hint names the likely mistake, never the expected value. ``hint_zh`` is the same hint in
    Chinese, shown to students who work in Chinese. ``on="se"`` matches the standard error of an
    estimate instead of its value (the method returns ``{"value", "se"}``), e.g. a standard
    deviation given as the standard error. Why a field and not the gettext catalog: specs
    are instructor files (``instructor/specs``, or a course folder given with ``--spec``) that the
    catalog never sees, and a hint is edited together with its wrong method.
    """

    name: str
    method: Method
    hint: str
    hint_zh: str = ""
    on: str = "value"  # what the mistake shows in: "value", or "se" (an estimate's standard error)

    def hints(self) -> dict[str, str]:
        """The hint per language (``en`` always; ``zh`` when written)."""
        return {"en": self.hint, **({"zh": self.hint_zh} if self.hint_zh else {})}


@dataclass(frozen=True)
class Question:
    """One question: its public face (kind, prompt, checks) and how it is judged (mode, methods, params).

    ``reference(data)``: the reference method on the student's own data (modes reproduce,
    within_se, ci_covers and relative, where it sets the bar for full marks); in mode ``simulate``
    the benchmark's runs the answer (a policy table) is compared with: ``{"scenario", "seeds",
    "customers", "weeks", "profit", "equity"}`` (see ``simulations.labs.strategy``).
    ``truth(keys, data)``: the true value (close_to_truth, within_se, ci_covers) or the true
    object a relative answer is compared with (a set of ids, id -> value, id -> 0/1, id -> label);
    in mode exact, instead of a fixed ``params["correct"]``, the choices that earn the points on this
    student's data (e.g. the policies that hold up when the grader simulates them on the student's world).
    ``baseline(data)``: the naive method that earns nothing (relative mode; default: metric 0).
    ``params``: tolerances and settings, e.g. ``atol``, ``rtol``, ``k``, ``full_at``, ``metric``,
    ``correct`` (choice), ``key`` (table), ``bias_tolerance`` (values), ``se_check`` (an estimate's
    standard error must reproduce the reference method's within ``{"rtol": ...}``; it is worth
    ``se_weight`` of the points, default 0.5).
    """

    qid: str
    kind: str
    prompt: str
    mode: str
    points: float = 1.0
    checks: Mapping[str, Any] = field(default_factory=dict)
    reference: Method | None = None
    truth: Method | None = None
    baseline: Method | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    misconceptions: tuple[Misconception, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"question {self.qid}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.kind not in MODES.get(self.mode, ()):
            raise ValueError(f"question {self.qid}: mode {self.mode!r} does not apply to kind {self.kind!r}")
        if self.mode == "exact" and "correct" not in self.params and self.truth is None:
            raise ValueError(f"question {self.qid}: mode 'exact' needs params['correct'] or a truth function")
        if self.mode in ("reproduce", "within_se", "ci_covers", "relative", "simulate") and self.reference is None:
            raise ValueError(f"question {self.qid}: mode {self.mode!r} needs a reference method")
        if self.mode in ("close_to_truth", "within_se", "ci_covers", "relative") and self.truth is None:
            raise ValueError(f"question {self.qid}: mode {self.mode!r} needs a truth function")

    def public(self) -> dict:
        """What a student may see: kind, prompt, points and public checks."""
        return {"kind": self.kind, "prompt": self.prompt, "points": self.points, "checks": dict(self.checks)}


@dataclass(frozen=True)
class LabSpec:
    """A lab: its questions, the reference solution a student could write, and a bank of wrong methods.

    ``solution(data) -> {qid: answer}`` must earn full marks on (almost) every seed, and each
    ``wrong_methods[name] = (qid, method)`` must fail its question on (almost) every seed:
    ``crm-sandbox grade validate LAB`` measures both.
    """

    lab_id: str
    title: str
    default_dataset: str
    questions: tuple[Question, ...]
    solution: Callable[[Any], dict[str, Any]]
    wrong_methods: Mapping[str, tuple[str, Method]] = field(default_factory=dict)
    keys_needed: tuple[str, ...] = ("truth_customers",)
    scenario: str = "retail"  # the scenario ``grade validate`` generates datasets from
    dirty: bool = False  # whether those datasets include the dirty source-system tables
    title_zh: str = ""  # the title in Chinese (feedback of students who work in Chinese)
    #: scenario overrides of the datasets ``grade validate`` generates, so they resemble the lab's data
    #: (e.g. ``{"policies.marketing.retention.targeting": "random"}`` for a randomised experiment)
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` (English when no translation is written)."""
        return self.title_zh if lang == "zh" and self.title_zh else self.title

    def __post_init__(self) -> None:
        qids = [q.qid for q in self.questions]
        if len(set(qids)) != len(qids):
            raise ValueError(f"lab {self.lab_id}: duplicate question ids")
        for name, (qid, _) in self.wrong_methods.items():
            if qid not in qids:
                raise ValueError(f"lab {self.lab_id}: wrong method {name!r} names unknown question {qid!r}")

    def question(self, qid: str) -> Question:
        """The question with id ``qid``."""
        for q in self.questions:
            if q.qid == qid:
                return q
        raise KeyError(qid)

    def public_manifest(self) -> dict:
        """The student-visible manifest written to ``graders/questions/<LAB>.json``."""
        return {"lab": self.lab_id, "title": self.title, "default_dataset": self.default_dataset,
                "questions": {q.qid: q.public() for q in self.questions}}
