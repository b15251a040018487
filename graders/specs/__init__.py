"""Lab specifications: the vocabulary lives here, the specs themselves in the instructor's folder.

Why outside the package: a spec holds the reference methods (the solution code), the known wrong
methods and the tolerances, and anything in the installable package is on every student's
machine. So ``graders.specs`` keeps only ``base`` (``LabSpec``, ``Question``, ``Misconception``) and
this loader; one module per lab (``demo.py``, ``l01.py``, ...; shared helpers in ``common.py``)
lives in an instructor folder: the repository's ``instructor/specs/`` (not in the wheel, not in
what ``crm-sandbox labs release`` gives students), or a course folder given with
``crm-sandbox grade --spec DIR`` (also ``$CRM_INSTRUCTOR_SPECS``). The folder is loaded as a
private package, so its modules import each other relatively (``from .common import orders``).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import types
from pathlib import Path

from graders.specs.base import LabSpec, Misconception, Question
from simulations.errors import UserError

#: lab id -> module file (without .py) in the instructor folder; a lab not listed is looked up as ``<id lowercased>.py``
REGISTRY: dict[str, str] = {
    "DEMO": "demo",
    **{f"L0{i}": f"l0{i}" for i in range(1, 6)},  # labs L01-L05 (labs/)
}

QUESTIONS_DIR = Path(__file__).resolve().parents[1] / "questions"
#: the instructor folder of a repository checkout (absent from an installed wheel)
REPO_SPECS = Path(__file__).resolve().parents[2] / "instructor" / "specs"
ENV = "CRM_INSTRUCTOR_SPECS"


def use(folder: str | os.PathLike) -> Path:
    """Read specs from ``folder`` from now on (in this process and in the worker processes it starts)."""
    path = Path(folder).resolve()
    if not path.is_dir():
        raise UserError(f"--spec {folder}: not a folder (expected a course folder with one <lab>.py spec per lab)")
    os.environ[ENV] = str(path)
    return path


def folder() -> Path:
    """Where the specs are: ``$CRM_INSTRUCTOR_SPECS`` (set by ``--spec``), else the repository's ``instructor/specs``."""
    chosen = os.environ.get(ENV)
    if chosen:
        return Path(chosen)
    if REPO_SPECS.is_dir():
        return REPO_SPECS
    raise UserError("no grading specs here: they are instructor files, not part of the package; "
                    "pass --spec COURSE_FOLDER (or set CRM_INSTRUCTOR_SPECS) to the folder holding <lab>.py specs")


def _package(path: Path) -> str:
    """A private package whose modules are the files of ``path`` (one name per folder, so two folders never mix)."""
    name = "crm_instructor_specs_" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
    if name not in sys.modules:
        package = types.ModuleType(name, f"instructor specs from {path}")
        package.__path__ = [str(path)]
        sys.modules[name] = package
    return name


def known(path: Path | None = None) -> list[str]:
    """The lab ids with a spec file in the instructor folder."""
    path = path or folder()
    stems = {p.stem for p in path.glob("*.py")}
    return sorted({lab for lab, module in REGISTRY.items() if module in stems}
                  | {s.upper() for s in stems if s not in REGISTRY.values() and s not in ("common", "__init__")})


def module_name(lab_id: str) -> str:
    """The spec module's file name (without ``.py``) for ``lab_id``."""
    return REGISTRY.get(lab_id.upper(), lab_id.lower())


def get(lab_id: str) -> LabSpec:
    """The spec of ``lab_id`` (case-insensitive) from the instructor folder; a clear error for an unknown lab."""
    path = folder()
    name = module_name(lab_id)
    if not name.isidentifier() or not (path / f"{name}.py").is_file():
        raise UserError(f"lab {lab_id!r}: no grading spec in {path} (known: {', '.join(known(path)) or 'none'})")
    return importlib.import_module(f"{_package(path)}.{name}").SPEC


def export_public(spec: LabSpec, folder: Path = QUESTIONS_DIR, practice: bool = True) -> Path:
    """Write the lab's public manifest where ``graders.Lab`` reads it (run after editing a spec).

    With ``practice`` (default) and the lab's default dataset and its public key committed in this
    checkout (``datasets/<name>``, ``keys/<name>``), also write its practice feedback
    (``questions/practice/<LAB>.json``, see ``graders.practice``) so ``lab.check()`` can say right or
    wrong on that dataset.
    """
    path = Path(folder) / f"{spec.lab_id}.json"
    path.write_text(json.dumps(spec.public_manifest(), indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    root = REPO_SPECS.parents[1]
    data_dir, keys_dir = root / "datasets" / spec.default_dataset, root / "keys" / spec.default_dataset
    if practice and data_dir.is_dir() and keys_dir.is_dir():
        from graders import datasets, keys
        from graders import practice as feedback

        feedback.export_practice(spec, datasets.load(data_dir), keys.load(keys_dir, spec.keys_needed),
                                Path(folder) / "practice")
    return path


__all__ = ["LabSpec", "Misconception", "Question", "REGISTRY", "export_public", "folder", "get", "known", "use"]
