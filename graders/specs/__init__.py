"""Instructor-side lab specifications, one module per lab, found through ``get(lab_id)``.

Why a registry of module names: a lab's spec is imported only when that lab is graded or
validated, and the sandbox hides this folder from student code.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from graders.specs.base import LabSpec, Misconception, Question
from simulations.errors import UserError

#: lab id -> module defining ``SPEC``. Labs helpers add their line here.
REGISTRY: dict[str, str] = {
    "DEMO": "graders.specs.demo",
    **{f"L0{i}": f"graders.specs.l0{i}" for i in range(1, 6)},  # labs L01-L05 (labs/)
}

QUESTIONS_DIR = Path(__file__).resolve().parents[1] / "questions"


def get(lab_id: str) -> LabSpec:
    """The spec of ``lab_id`` (case-insensitive); a clear error for an unknown lab."""
    key = lab_id.upper()
    if key not in REGISTRY:
        raise UserError(f"lab {lab_id!r}: no grading spec (known: {', '.join(sorted(REGISTRY))})")
    return importlib.import_module(REGISTRY[key]).SPEC


def export_public(spec: LabSpec, folder: Path = QUESTIONS_DIR) -> Path:
    """Write the lab's public manifest where ``graders.Lab`` reads it (run after editing a spec)."""
    path = Path(folder) / f"{spec.lab_id}.json"
    path.write_text(json.dumps(spec.public_manifest(), indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


__all__ = ["LabSpec", "Misconception", "Question", "REGISTRY", "export_public", "get"]
