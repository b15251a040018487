"""The grading tools L07 added: a choice judged by a truth function (its simulation-graded targeting rule),
an estimate's standard error checked in reproduce mode, and validation datasets with a spec's overrides.

Cheap on purpose (no simulation, no dataset generation): the lab itself is covered by the tests that
pick up every lab (tests/test_labs_notebooks.py, tests/test_labs_zh.py, tests/test_practice_feedback.py).
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from graders import scoring, specs, validate
from graders.specs.base import LabSpec, Question


def _tiny(question: Question) -> LabSpec:
    return LabSpec("TINY", "tiny", "retail-default", (question,), solution=lambda d: {})


def _score(spec: LabSpec, answer: dict) -> scoring.QuestionScore:
    return scoring.score(spec, {spec.questions[0].qid: answer}, scoring.prepare(spec, None, None)).questions[0]


def test_L07_exact_choice_accepts_what_the_truth_function_accepts():
    q = Question("policy", "choice", "rule?", mode="exact", checks={"choices": ["a", "b", "c"]},
                 truth=lambda keys, data: ["b", "A"])
    spec = _tiny(q)
    assert _score(spec, {"kind": "choice", "value": "a"}).points == 1
    assert _score(spec, {"kind": "choice", "value": "B"}).points == 1
    assert _score(spec, {"kind": "choice", "value": "c"}).points == 0
    with pytest.raises(ValueError, match="correct"):
        Question("policy", "choice", "rule?", mode="exact")


def test_L07_reproduce_checks_an_estimates_standard_error_when_asked():
    q = Question("ate", "estimate", "effect?", mode="reproduce", reference=lambda d: {"value": 0.03, "se": 0.011},
                 params={"atol": 1e-6, "rtol": 0, "se_check": {"atol": 0, "rtol": 0.02}})
    spec = _tiny(q)
    assert _score(spec, {"kind": "estimate", "value": 0.03, "se": 0.0111}).points == 1
    sd = _score(spec, {"kind": "estimate", "value": 0.03, "se": 0.45})
    assert sd.points == 0.5 and "standard error" in sd.message
    assert _score(spec, {"kind": "estimate", "value": 0.03}).points < 1
    assert _score(spec, {"kind": "estimate", "value": 0.04, "se": 0.011}).points == 0.5  # the SE part alone


def test_L07_validation_datasets_carry_the_specs_overrides(tmp_path, monkeypatch):
    made = []

    def fake_generate(scenario, **kwargs):
        made.append(kwargs)
        Path(kwargs["out"]).mkdir(parents=True)
        (Path(kwargs["out"]) / "metadata.json").write_text("{}")

    fake = types.ModuleType("fake_recording")
    fake.generate_dataset = fake_generate
    monkeypatch.setitem(sys.modules, "simulations.recording", fake)
    overrides = specs.get("L07").overrides
    data, keys = validate._generate("retail", 3, 400, 104, False, tmp_path, dict(overrides), truth=False)
    assert made[0]["overrides"] == {"policies.marketing.retention.targeting": "random"} and made[0]["keys"] is None
    assert json.loads((keys / "metadata.json").read_text()) == {}  # keys.load needs only the metadata
    plain, _ = validate._generate("retail", 3, 400, 104, False, tmp_path)
    assert plain.parent != data.parent and made[1]["overrides"] is None and made[1]["keys"] is not None
    validate._generate("retail", 3, 400, 104, False, tmp_path, dict(overrides), truth=False)
    assert len(made) == 2  # the cached folder is reused
