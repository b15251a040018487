"""Validation of a lab spec: the reference solution must pass and known wrong methods must fail, over many seeds.

Why: a tolerance that is too tight fails good students on unlucky data; one that is too loose
passes a wrong method. Running the spec's ``solution`` and every ``wrong_methods`` entry on
freshly generated datasets (default 50 seeds) measures both: the pass rate of the solution
(question by seed) must be at least 99% and the fail rate of wrong methods at least 95%.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from graders import datasets, keys, scoring, specs
from graders.scoring.modes import as_answer
from graders.specs.base import LabSpec

PASS_TARGET, FAIL_TARGET = 0.99, 0.95


@dataclass
class Validation:
    """Pass and fail counts of one spec over the seeds it was validated on."""

    lab: str
    seeds: int
    solution_pass: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    wrong_fail: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)

    @property
    def pass_rate(self) -> float:
        """Share of (seed, question) pairs where the reference solution earned full points."""
        total = self.seeds * max(1, len(self.solution_pass))
        return sum(self.solution_pass.values()) / total if total else 0.0

    @property
    def fail_rate(self) -> float:
        """Share of (seed, wrong method) pairs where the wrong method did NOT earn full points."""
        total = self.seeds * max(1, len(self.wrong_fail))
        return sum(self.wrong_fail.values()) / total if total else 1.0

    @property
    def ok(self) -> bool:
        """Both targets met."""
        return self.pass_rate >= PASS_TARGET and self.fail_rate >= FAIL_TARGET

    def table(self) -> str:
        """A plain-text report in the current language: overall rates, then per question and per wrong method."""
        from simulations.i18n import _

        lines = [_("{lab}: {seeds} seeds").format(lab=self.lab, seeds=self.seeds),
                 _("reference solution pass rate {rate} (target >= {target})").format(
                     rate=f"{self.pass_rate:.1%}", target=f"{PASS_TARGET:.0%}"),
                 _("wrong methods fail rate {rate} (target >= {target})").format(
                     rate=f"{self.fail_rate:.1%}", target=f"{FAIL_TARGET:.0%}"), ""]
        lines += ["  " + _("pass") + f"  {q:<28} {n}/{self.seeds}" for q, n in self.solution_pass.items()]
        lines += ["  " + _("fail") + f"  {w:<28} {n}/{self.seeds}" for w, n in self.wrong_fail.items()]
        lines += ["  " + _("error") + f" {e}" for e in self.errors[:10]]
        lines.append(_("OK") if self.ok else _("NOT OK: tighten or loosen the spec"))
        return "\n".join(lines)


def _generate(scenario: str, seed: int, customers: int, weeks: int, dirty: bool, folder: Path,
              overrides: dict | None = None, truth: bool = True) -> tuple[Path, Path]:
    """One dataset + key for ``seed`` in ``folder`` (reused when an earlier validation made it).

    Datasets with scenario ``overrides`` get their own folder (named by a digest of the overrides),
    so labs on the plain scenario keep sharing theirs. Without ``truth`` (a spec that needs no truth
    table) the key folder holds only the metadata: the counterfactual runs behind the truth tables
    (expected CLV, replays of every experiment wave) are most of a generation's time.
    """
    from simulations.recording import generate_dataset

    tag = "" if truth else "-notruth"
    if overrides:
        tag = "-" + hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:8] + tag
    home = Path(folder) / f"{scenario}-{customers}x{weeks}-{'dirty' if dirty else 'clean'}{tag}-s{seed}"
    out, key = home / "data", home / "keys"
    if not ((out / "metadata.json").is_file() and (key / "metadata.json").is_file()):
        generate_dataset(scenario, customers=customers, weeks=weeks, seed=seed, out=out, keys=key if truth else None,
                         dirty=dirty, force=True, overrides=dict(overrides) if overrides else None)
        if not truth:
            key.mkdir(parents=True, exist_ok=True)
            (key / "metadata.json").write_text((out / "metadata.json").read_text(encoding="utf-8"), encoding="utf-8")
    return out, key


def _seed_job(job: tuple[str, int, int, int, str]) -> Validation:
    """Generate (or reuse) one seed's dataset and check the registered spec on it (runs in a worker process)."""
    lab_id, seed, customers, weeks, folder = job
    spec = specs.get(lab_id)
    data_dir, keys_dir = _generate(spec.scenario, seed, customers, weeks, spec.dirty, Path(folder), dict(spec.overrides),
                                   truth=bool(spec.keys_needed))
    result = Validation(lab_id, 1)
    check_one(spec, data_dir, keys_dir, result)
    return result


def check_one(spec: LabSpec, data_dir: Path, keys_dir: Path, result: Validation) -> None:
    """Score the solution and every wrong method on one dataset; add the outcomes to ``result``."""
    data = datasets.load(data_dir)
    key = keys.load(keys_dir, spec.keys_needed)
    prepared = scoring.prepare(spec, data, key)
    solution = spec.solution(data)
    answers = {q: as_answer(spec.question(q).kind, v) for q, v in solution.items()}
    for qs in scoring.score(spec, answers, prepared).questions:
        result.solution_pass[qs.qid] += qs.points >= qs.max_points
        if qs.points < qs.max_points:
            result.errors.append(f"seed {data.metadata.get('seed')}: solution lost points on {qs.qid}: {qs.message}")
    for name, (qid, method) in spec.wrong_methods.items():
        try:
            answer = as_answer(spec.question(qid).kind, method(data))
        except Exception as err:  # a wrong method that cannot even produce an answer fails
            result.wrong_fail[name] += 1
            result.errors.append(f"wrong method {name} raised {type(err).__name__}")
            continue
        qs = next(x for x in scoring.score(spec, {qid: answer}, prepared).questions if x.qid == qid)
        result.wrong_fail[name] += qs.points < qs.max_points


def validate(spec: LabSpec, seeds: int = 50, *, customers: int = 800, weeks: int = 104, workers: int = 2,
             cache: Path | None = None) -> Validation:
    """Run the spec's solution and wrong methods over ``seeds`` generated datasets (seeds 1..N), ``workers`` at a time.

    The spec must be in the instructor folder (``graders.specs.folder()``): worker processes look it up by id.
    Datasets are generated from ``spec.scenario`` with ``spec.overrides`` (dirty variant when ``spec.dirty``) and cached
    in ``cache`` (default: a temporary folder removed afterwards).
    """
    result = Validation(spec.lab_id, seeds)
    for q in spec.questions:
        result.solution_pass[q.qid] += 0
    for name in spec.wrong_methods:
        result.wrong_fail[name] += 0
    with tempfile.TemporaryDirectory(prefix="crm-validate-") as tmp:
        jobs = [(spec.lab_id, seed, customers, weeks, str(cache or tmp)) for seed in range(1, seeds + 1)]
        if workers <= 1:
            parts = [_seed_job(j) for j in jobs]
        else:
            with ProcessPoolExecutor(workers) as pool:
                parts = list(pool.map(_seed_job, jobs))
    for part in parts:
        for q, n in part.solution_pass.items():
            result.solution_pass[q] += n
        for w, n in part.wrong_fail.items():
            result.wrong_fail[w] += n
        result.errors.extend(part.errors)
    return result
