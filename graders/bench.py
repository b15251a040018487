"""``crm-sandbox grade bench``: how long grading a class takes here, and what one notebook costs before student code.

Why a command and not a timed test: the figure depends on the machine and on what else runs on
it, so it is measured on demand and printed with the machine's load beside it. It grades
``copies`` copies of one lab notebook (default: the DEMO lab's worked example) exactly as
``crm-sandbox grade`` would, then runs a notebook with one empty cell a few times: the CPU that
costs (runner start, kernel start, sandbox set-up) is the fixed cost every submission pays.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import nbformat

from graders import batch, datasets, sandbox, specs
from simulations.errors import UserError

DEMO_NOTEBOOK = Path(__file__).resolve().parents[1] / "instructor" / "demo" / "demo_lab.ipynb"
REPO_KEYS = Path(__file__).resolve().parents[1] / "keys"


@dataclass
class BenchResult:
    """What one benchmark measured (seconds)."""

    lab: str
    copies: int
    workers: int
    isolation: str
    wall_s: float
    cpu_per_notebook_s: float
    grader_cpu_s: float
    fixed_cpu_s: float
    statuses: dict[str, int]
    load_before: float
    load_after: float

    def lines(self) -> list[str]:
        """The report, one figure per line."""
        from simulations.i18n import _

        return [_("grading bench: {lab}, {copies} notebook(s), --workers {workers}, isolation {isolation}, {cpus} CPU(s)")
                .format(lab=self.lab, copies=self.copies, workers=self.workers, isolation=self.isolation,
                        cpus=os.cpu_count()),
                _("wall {wall} s ({minutes} min; {each} s per notebook)").format(
                    wall=f"{self.wall_s:.1f}", minutes=f"{self.wall_s / 60:.1f}", each=f"{self.wall_s / self.copies:.2f}"),
                _("CPU {cpu} s per notebook in its sandbox, {grader} s in the grader").format(
                    cpu=f"{self.cpu_per_notebook_s:.2f}", grader=f"{self.grader_cpu_s:.1f}"),
                _("fixed CPU cost per notebook (one empty cell): {cpu} s").format(cpu=f"{self.fixed_cpu_s:.2f}"),
                _("load average {before} before, {after} after").format(before=f"{self.load_before:.2f}",
                                                                       after=f"{self.load_after:.2f}"),
                _("statuses: {statuses}").format(statuses=", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items())))]


def _class_of(notebook: Path, copies: int, root: Path) -> Path:
    subs = root / "submissions"
    for i in range(copies):
        folder = subs / f"s{i + 1:04d}"
        folder.mkdir(parents=True)
        shutil.copyfile(notebook, folder / notebook.name)
    return subs


def _empty_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    nb.cells[0].id = "empty"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def run(lab: str = "DEMO", copies: int = 100, workers: int = 2, notebook: Path | None = None,
        data: Path | None = None, keys: Path | None = None, isolation: str = "required", fixed_runs: int = 3,
        timeout: int = 600) -> BenchResult:
    """Grade ``copies`` copies of ``notebook`` and measure wall time, CPU per notebook and the fixed cost."""
    spec = specs.get(lab)
    notebook = Path(notebook) if notebook else (DEMO_NOTEBOOK if spec.lab_id == "DEMO" else None)
    if notebook is None or not notebook.is_file():
        raise UserError(f"grade bench: --notebook is needed for lab {spec.lab_id} (a solved notebook of that lab)")
    data = Path(data) if data else datasets.resolve(spec.default_dataset)
    keys = Path(keys) if keys else REPO_KEYS / data.name
    if not (keys / "metadata.json").is_file():
        raise UserError(f"grade bench: no answer key at {keys}; pass --keys (the key of the dataset given by --datasets)")
    if copies < 1 or workers < 1 or fixed_runs < 1:
        raise UserError("grade bench: --copies, --workers and --fixed-runs must be >= 1")
    backend = sandbox.require_isolation(isolation)
    limits = sandbox.Limits(timeout=timeout)
    root = Path(tempfile.mkdtemp(prefix="crm-grade-bench-"))
    try:
        subs = _class_of(notebook, copies, root)
        load_before = os.getloadavg()[0]
        cpu0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        graded = batch.grade(spec.lab_id, subs, keys, root / "out", data_root=data, workers=workers, limits=limits,
                             isolation=isolation)
        wall, cpu1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF)
        load_after = os.getloadavg()[0]
        empty = _empty_notebook(root / "empty" / "empty.ipynb")
        fixed = [sandbox.run_notebook(empty, data, {}, limits=limits, isolate=backend, scratch=root).cpu_seconds
                 for _ in range(fixed_runs)]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    runs = graded.runs.values()
    return BenchResult(spec.lab_id, copies, workers, backend or "none", wall,
                       sum(r.cpu_seconds for r in runs) / copies,
                       (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
                       sum(fixed) / len(fixed), dict(Counter(r.status for r in runs)), load_before, load_after)
