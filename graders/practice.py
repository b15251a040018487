"""Instant feedback while practising: right or wrong, with the grader's hints, on the committed practice datasets.

Why only there: the practice datasets (``datasets/retail-default``, ``datasets/telecom-default``,
``datasets/bank-students-default`` and the others committed) come with public answer keys (``keys/``;
anyone can regenerate them from their seed), so what the grader would say about an answer on them is
no secret. For each lab, ``export_practice`` (run with
``graders.specs.export_public`` by whoever changes a spec or regenerates the datasets) writes what
stage B computes once per dataset (``graders.scoring.prepare``: the reference method's answer,
the truth, the known wrong methods' answers and their hints) together with each question's check
mode and tolerances to ``graders/questions/practice/<LAB>.json``. ``lab.check()`` judges an answer
with the grader's own functions against that file, but only when the student's ``dataset_id`` is
the one it was made for; on an issued per-student dataset there is no such file, so ``lab.check()``
stays a check of form.

The file is public and says only what the public keys already say about the practice data; it holds
no method (the specs stay in the instructor's folder), and a per-student dataset has different
values, so it cannot be used to answer a graded lab.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

PRACTICE_PACKAGE = "graders.questions.practice"


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.Series):
        return {"__series__": {str(k): _jsonable(v) for k, v in value.items()}}
    if isinstance(value, set | frozenset):
        return {"__set__": sorted(str(v) for v in value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _restore(value: Any, kind: str) -> Any:
    if isinstance(value, dict) and set(value) == {"__set__"}:
        return set(value["__set__"])
    if isinstance(value, dict) and set(value) == {"__series__"}:
        series = pd.Series(value["__series__"], dtype=object if kind == "partition" else float)
        series.index = series.index.astype(str)
        return series
    return value


def export_practice(spec: Any, data: Any, keys: Any, folder: Path | None = None) -> Path:
    """Write the practice feedback of ``spec`` on its default dataset (``data``, with its public ``keys``)."""
    from graders import scoring  # instructor side: runs the spec's methods

    prepared = scoring.prepare(spec, data, keys)
    doc = {"lab": spec.lab_id, "dataset_id": data.dataset_id, "questions": {}}
    for q in spec.questions:
        p = prepared[q.qid]
        doc["questions"][q.qid] = {
            "kind": q.kind, "mode": q.mode, "points": q.points, "params": _jsonable(dict(q.params)),
            "prepared": {k: _jsonable(v) for k, v in p.items() if k != "wrong"},
            "wrong": [{"hints": texts, "value": _jsonable(value), "on": on[0] if on else "value"}
                      for texts, value, *on in p["wrong"]],
        }
    folder = Path(folder) if folder else Path(__file__).resolve().parent / "questions" / "practice"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{spec.lab_id}.json"
    path.write_text(json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


def load(lab_id: str, dataset_id: str) -> dict | None:
    """The practice feedback of ``lab_id`` if it was made for ``dataset_id`` (a practice dataset), else None."""
    try:
        text = resources.files(PRACTICE_PACKAGE).joinpath(f"{lab_id.upper()}.json").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError, ModuleNotFoundError):
        return None
    doc = json.loads(text)
    return doc if doc.get("dataset_id") == dataset_id else None


def judge(entry: dict, answer: dict, lang: str | None = None) -> tuple[float, float, str]:
    """(points, max points, message with the grader's hint) for one well-formed answer, as the grader scores it."""
    from graders.scoring import modes, rounded_points
    from simulations.i18n import gettext

    question = SimpleNamespace(kind=entry["kind"], mode=entry["mode"], params=entry["params"], points=entry["points"])
    prepared = {k: _restore(v, entry["kind"]) for k, v in entry["prepared"].items()}
    prepared["wrong"] = [(w["hints"], _restore(w["value"], entry["kind"]), w["on"]) for w in entry["wrong"]]
    share, message = modes.judge(question, answer, prepared, lang)
    if share < 1.0:
        tip = modes.hint(question, answer, prepared, lang)
        if tip:
            message += gettext(". Hint: {hint}", lang).format(hint=tip)
    return rounded_points(entry["points"], share), float(entry["points"]), message
