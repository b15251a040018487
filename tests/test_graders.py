"""Student API, public checks and stage-B scoring of the graders (no notebooks executed here)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from graders import Lab, copying, datasets, keys, reports, scoring
from graders.scoring.modes import as_answer
from graders.specs import LabSpec, Question, get
from graders.specs.base import MODES
from simulations.errors import UserError
from tests.conftest import REPO
from tests.test_graders_support import generate_pair

#: One worker sets up this module's expensive module-scoped fixture once (pyproject: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("test_graders")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small generated dataset + key, and DEMO prepared on it."""
    data_dir, keys_dir = generate_pair(tmp_path_factory.mktemp("demo"), seed=7)
    spec = get("DEMO")
    data = datasets.load(data_dir)
    prepared = scoring.prepare(spec, data, keys.load(keys_dir))
    return spec, data_dir, keys_dir, data, prepared


def answers_of(spec, raw: dict) -> dict:
    return {q: as_answer(spec.question(q).kind, v) for q, v in raw.items()}


# --- the student side ------------------------------------------------------------------------
def test_import_graders_loads_no_scoring_and_no_truth():
    code = ("import sys; from graders import Lab; "
            "bad = [m for m in sys.modules if m.startswith(('graders.scoring', 'graders.specs', 'graders.keys', "
            "'graders.batch', 'graders.sandbox', 'graders.validate', 'graders.copying', 'graders.reports'))]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"
    for name in ("lab.py", "public_checks.py", "datasets.py"):
        tree = ast.parse((REPO / "graders" / name).read_text(encoding="utf-8"))
        imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in imported if m.startswith(("graders.keys", "graders.scoring", "graders.specs"))}, name


def test_lab_check_never_opens_key_files(demo, tmp_path):
    """Every file the student API opens is recorded by an audit hook: none is an answer key."""
    spec, data_dir, keys_dir, *_ = demo
    script = f"""
import sys
opened = []
sys.addaudithook(lambda ev, args: opened.append(str(args[0])) if ev == "open" and args and isinstance(args[0], str) else None)
from graders import Lab
lab = Lab("DEMO", data={str(data_dir)!r})
lab.answer("ordering_customers", 3)
lab.answer("top20_share", 0.5)
lab.check()
lab.submit()
import os
print("OPENED", [p for p in opened if os.path.basename(p).startswith("truth_") or p.startswith({str(keys_dir)!r})])
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert "OPENED []" in out.stdout
    doc = json.loads((tmp_path / "submission.json").read_text())
    assert doc["lab"] == "DEMO" and doc["dataset_id"] == datasets.load(data_dir).dataset_id
    assert set(doc["answers"]) == {"ordering_customers", "top20_share"}


def test_lab_finds_data_from_env_and_checks_form(demo, tmp_path, monkeypatch, capsys):
    spec, data_dir, _, data, _ = demo
    monkeypatch.setenv("CRM_DATASET", str(data_dir))
    monkeypatch.chdir(tmp_path)
    lab = Lab("demo")
    assert lab.dataset_id == data.dataset_id and len(lab.data["orders"]) == len(data["orders"])
    lab.answer("top20_share", 65.0)  # a percentage, not a fraction
    lab.answer("ordering_customers", 12.5)
    lab.answer("churned", ["C0000001", "NOPE"])
    lab.answer("clv_ranking", pd.Series({"C0000001": 1.0}))
    lab.answer("retention_cost", "half")
    assert lab.check() is False
    out = capsys.readouterr().out
    assert "fraction, not a percentage" in out and "whole number" in out
    assert "not in your customers table" in out and "have no value" in out and "expected one of" in out
    lab.answer("top20_share", np.float64(0.6))
    lab.answer("ordering_customers", np.int64(12))
    assert lab.check("top20_share") and lab.check("ordering_customers")
    assert lab.answers["ordering_customers"]["value"] == 12


def test_lab_rejects_wrong_types_with_clear_message(demo):
    lab = Lab("DEMO", data=demo[1])
    with pytest.raises(UserError, match="expected a number"):
        lab.answer("top20_share", "sixty")
    with pytest.raises(UserError, match="no question 'q9'"):
        lab.answer("q9", 1)
    with pytest.raises(UserError, match="unknown"):
        Lab("NOPE", data=demo[1])


def test_public_manifest_matches_spec():
    for path in (REPO / "graders" / "questions").glob("*.json"):
        spec = get(path.stem)
        assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(spec.public_manifest())), (
            f"{path.name} is stale: run graders.specs.export_public(get({path.stem!r}))")


def test_public_manifest_holds_no_answers():
    text = (REPO / "graders" / "questions" / "DEMO.json").read_text(encoding="utf-8")
    assert "correct" not in text and "reference" not in text and "params" not in text


# --- stage B ----------------------------------------------------------------------------------
def test_solution_scores_full_and_wrong_methods_get_hints(demo):
    spec, _, _, data, prepared = demo
    full = scoring.score(spec, answers_of(spec, spec.solution(data)), prepared, data)
    assert full.total == full.max_total == 7
    by = {q.qid: q for q in scoring.score(spec, answers_of(spec, {
        "ordering_customers": len(data["orders"]),
        "top20_share": spec.wrong_methods["share_over_all_customers"][1](data),
        "churned": spec.wrong_methods["flag_recent_buyers"][1](data)}), prepared, data).questions}
    assert by["ordering_customers"].points == 0 and "counted orders" in by["ordering_customers"].message
    assert "including those who never ordered" in by["top20_share"].message
    assert by["churned"].points == 0 and "recency works the other way" in by["churned"].message
    assert by["clv_ranking"].status == "missing" and by["retention_cost"].message == "no answer submitted"


def test_messages_never_reveal_expected_values(demo):
    spec, _, _, data, prepared = demo
    wrong = answers_of(spec, {"ordering_customers": 1, "top20_share": 0.01, "churned": ["C0000001"],
                              "clv_ranking": {c: 0.0 for c in data["customers"]["customer_id"]}, "retention_cost": "5%"})
    result = scoring.score(spec, wrong, prepared, data)
    text = json.dumps(result.to_dict())
    expected = [str(prepared["ordering_customers"]["reference"]["value"]),
                f"{prepared['top20_share']['reference']['value']:.3f}"[:5], "25%"]
    for value in expected:
        assert value not in text
    md = reports.feedback_markdown(spec, "s1", result)
    assert all(v not in md for v in expected)


def test_invalid_and_mistyped_answers_score_zero_with_reason(demo):
    spec, _, _, data, prepared = demo
    result = scoring.score(spec, {"ordering_customers": {"kind": "scalar", "value": "NaN"},
                                  "top20_share": {"kind": "choice", "value": "0.5"},
                                  "churned": "C1"}, prepared, data)
    by = {q.qid: q for q in result.questions}
    assert by["ordering_customers"].status == "invalid" and "number" in by["ordering_customers"].message
    assert by["top20_share"].status == "invalid" and by["churned"].status == "invalid"


def test_relative_scoring_gives_partial_credit_between_baseline_and_reference(demo):
    spec, _, _, data, prepared = demo
    q = spec.question("churned")
    ref = set(prepared["churned"]["reference"]["value"])
    truth = prepared["churned"]["truth"]
    # the reference's set diluted with more and more customers who did not lapse: credit falls from full to none
    negatives = sorted(set(data["customers"]["customer_id"]) - truth)
    shares, messages = [], []
    for k in range(0, len(negatives) + 1, max(1, len(negatives) // 200)):
        share, message = scoring.modes.judge(q, as_answer("idset", sorted(ref) + negatives[:k]), prepared["churned"])
        shares.append(share)
        messages.append(message)
    assert shares[0] == 1 and shares[-1] == 0 and shares == sorted(shares, reverse=True)
    partial = [m for s, m in zip(shares, messages, strict=True) if 0 < s < 1]
    assert partial and all("short of the reference" in m and "had not churned" in m for m in partial)


def _tiny_spec(question: Question) -> LabSpec:
    return LabSpec("TINY", "tiny", "retail-default", (question,), solution=lambda d: {})


def test_estimate_modes_within_se_and_ci_cover_the_truth():
    truth_fn = lambda k, d: 0.30  # noqa: E731
    ref = lambda d: {"value": 0.31, "se": 0.02, "ci": [0.27, 0.35]}  # noqa: E731
    q_se = Question("rate", "estimate", "p?", mode="within_se", reference=ref, truth=truth_fn, params={"k": 2})
    spec = _tiny_spec(q_se)
    prep = scoring.prepare(spec, None, None)
    score = lambda s, a: scoring.score(s, {"rate": a}, prep).questions[0]  # noqa: E731
    assert score(spec, {"kind": "estimate", "value": 0.33, "se": 0.02}).points == 1
    assert score(spec, {"kind": "estimate", "value": 0.40, "se": 0.02}).points == 0
    gamed = score(spec, {"kind": "estimate", "value": 0.9, "se": 0.5})  # a huge se to cover anything
    assert gamed.points == 0 and "much larger" in gamed.message
    q_ci = Question("rate", "estimate", "p?", mode="ci_covers", reference=ref, truth=truth_fn)
    spec = _tiny_spec(q_ci)
    prep = scoring.prepare(spec, None, None)
    assert score(spec, {"kind": "estimate", "value": 0.32, "ci": [0.28, 0.36]}).points == 1
    assert score(spec, {"kind": "estimate", "value": 0.40, "ci": [0.36, 0.44]}).points == 0
    assert "much wider" in score(spec, {"kind": "estimate", "value": 0.5, "ci": [0.0, 1.0]}).message


def test_partition_scoring_ignores_label_names_and_predictions_use_auc():
    ids = [f"C{i}" for i in range(60)]
    true_seg = {c: ("a" if i < 20 else "b" if i < 40 else "c") for i, c in enumerate(ids)}
    q = Question("seg", "partition", "segments", mode="relative", reference=lambda d: true_seg,
                 truth=lambda k, d: true_seg, params={"full_at": 0.9})
    spec = _tiny_spec(q)
    prep = scoring.prepare(spec, None, None)
    renamed = {c: {"a": "gold", "b": "silver", "c": "bronze"}[v] for c, v in true_seg.items()}
    assert scoring.score(spec, {"seg": {"kind": "partition", "value": renamed}}, prep).total == 1
    rng = np.random.default_rng(0)
    shuffled = dict(zip(ids, rng.permutation(list(true_seg.values())), strict=True))
    assert scoring.score(spec, {"seg": {"kind": "partition", "value": shuffled}}, prep).total < 0.5

    churn = {c: int(i % 3 == 0) for i, c in enumerate(ids)}
    model = {c: 0.8 * churn[c] + 0.2 * ((i * 7) % 10) / 10 for i, c in enumerate(ids)}
    qp = Question("p", "predictions", "churn probability", mode="relative", reference=lambda d: model,
                  truth=lambda k, d: churn, params={"baseline_metric": 0.5, "metric": "auc"})
    spec = _tiny_spec(qp)
    prep = scoring.prepare(spec, None, None)
    assert scoring.score(spec, {"p": {"kind": "predictions", "value": model}}, prep).total == 1
    coin = {c: 0.5 for c in ids}
    assert scoring.score(spec, {"p": {"kind": "predictions", "value": coin}}, prep).total == 0


def test_values_bias_is_penalised_when_asked():
    ids = [f"C{i}" for i in range(50)]
    clv = {c: float(i) for i, c in enumerate(ids)}
    q = Question("clv", "values", "clv", mode="relative", reference=lambda d: clv, truth=lambda k, d: clv,
                 params={"bias_tolerance": 0.5, "bias_weight": 0.5})
    spec = _tiny_spec(q)
    prep = scoring.prepare(spec, None, None)
    assert scoring.score(spec, {"clv": {"kind": "values", "value": clv}}, prep).total == 1
    tenfold = scoring.score(spec, {"clv": {"kind": "values", "value": {c: v * 10 for c, v in clv.items()}}}, prep)
    assert tenfold.total == 0.5 and "level of your values" in tenfold.questions[0].message


def test_spec_declarations_are_checked():
    with pytest.raises(ValueError, match="needs a reference"):
        Question("x", "scalar", "x?", mode="reproduce")
    with pytest.raises(ValueError, match="does not apply"):
        Question("x", "choice", "x?", mode="within_se", reference=len, truth=len)
    assert set(MODES) == {"exact", "reproduce", "close_to_truth", "within_se", "ci_covers", "relative", "simulate"}
    with pytest.raises(ValueError, match="needs a reference"):
        Question("x", "table", "a policy?", mode="simulate")


def test_copy_detection_flags_answers_fitting_another_dataset(tmp_path):
    spec = get("DEMO")
    prepared, data = {}, {}
    for seed in (1, 2):
        d, k = generate_pair(tmp_path / f"s{seed}", seed=seed)
        data[seed] = datasets.load(d)
        prepared[data[seed].dataset_id] = scoring.prepare(spec, data[seed], keys.load(k))
    honest = answers_of(spec, spec.solution(data[1]))
    copied = answers_of(spec, spec.solution(data[1]))  # student 2 hands in student 1's numbers
    flags = copying.detect(spec, {"s1": honest, "s2": copied},
                           {"s1": data[1].dataset_id, "s2": data[2].dataset_id}, prepared)
    assert [(f.student, f.fits_student) for f in flags] == [("s2", "s1")]


def test_stage_b_speed_benchmark(demo):
    """Printed, not asserted: submissions scored per second on one prepared dataset."""
    spec, _, _, data, prepared = demo
    subs = [answers_of(spec, spec.solution(data)) for _ in range(3)]
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < 1.0:
        scoring.score(spec, subs[n % 3], prepared, data)
        n += 1
    rate = n / (time.perf_counter() - start)
    print(f"\nstage B: {rate:.0f} submissions/s ({len(data['customers'])} customers)")
    assert rate > 0


def test_reports_are_written_and_canvas_has_points_possible(demo, tmp_path):
    spec, _, _, data, prepared = demo
    scores = {"s1": scoring.score(spec, answers_of(spec, spec.solution(data)), prepared, data),
              "s2": scoring.score(spec, {}, prepared, data, reason="the notebook did not finish within 5 s")}
    reports.write_all(tmp_path, spec, scores, {"s1": "ok", "s2": "timeout"}, [], {"lab": "DEMO"})
    book = pd.read_csv(tmp_path / "gradebook.csv")
    assert list(book["total"]) == [7, 0] and "did not finish" in book.loc[1, "reason"]
    canvas = pd.read_csv(tmp_path / "canvas.csv")
    assert canvas.iloc[0, 0].strip() == "Points Possible" and float(canvas.iloc[0, 5]) == 7
    res = json.loads((tmp_path / "students" / "s1" / "results.json").read_text())
    assert res["score"] == 7 and {t["name"] for t in res["tests"]} == {q.qid for q in spec.questions}
    assert "<table>" in (tmp_path / "students" / "s2" / "feedback.html").read_text()
    assert os.path.exists(tmp_path / "copy_flags.csv")


def test_readme_grading_snippet_runs(tmp_path, monkeypatch):
    """The student snippet in README "Grading" works on the committed default dataset."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Grading", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRM_DATASET", raising=False)
    exec(compile(code, "README.md", "exec"), {})
    doc = json.loads((tmp_path / "submission.json").read_text(encoding="utf-8"))
    assert doc["answers"]["ordering_customers"]["value"] > 0


def test_an_answer_two_known_mistakes_both_give_gets_both_hints():
    """When two wrong methods give the same number on a dataset, the student cannot tell which one they made."""
    from graders.scoring.modes import hint

    q = Question("people", "scalar", "How many people?", mode="close_to_truth", params={"atol": 0.5, "rtol": 0.0},
                 truth=lambda keys, data: 1259.0)
    prepared = {"wrong": [({"en": "you counted raw e-mails", "zh": "你数的是原始邮箱"}, 1396.0, "value"),
                          ({"en": "you counted the customer table", "zh": "你数的是客户表"}, 1396.0, "value"),
                          ({"en": "you counted phones", "zh": "你数的是电话"}, 1097.0, "value")]}
    both = hint(q, {"value": 1396.0}, prepared, lang="en")
    assert "raw e-mails" in both and "customer table" in both and "phones" not in both
    zh = hint(q, {"value": 1396.0}, prepared, lang="zh")
    assert "原始邮箱" in zh and "客户表" in zh
    assert hint(q, {"value": 1097.0}, prepared, lang="en") == "you counted phones"


def test_flagging_everyone_earns_nothing_on_a_youden_idset_question():
    """F1 pays a rule that ignores the data when many are in the true set; Youden's J does not, nor a lucky guess."""
    from graders.scoring.metrics import precision_recall_f1, youden

    people = {f"C{i:04d}" for i in range(1000)}
    lapsed = {f"C{i:04d}" for i in range(300)}
    rule = {f"C{i:04d}" for i in [*range(120), *range(300, 447)]}  # 120 of the 300 lapsed, 147 false alarms
    assert precision_recall_f1(people, lapsed)[2] > precision_recall_f1(rule, lapsed)[2]  # F1 prefers everyone
    assert youden(people, lapsed, 1000) == 0.0
    assert youden(rule, lapsed, 1000) == pytest.approx(120 / 300 - 147 / 700)
    assert youden({"C0000", "C0500", "C0501"}, lapsed, 1000) == 0.0  # one hit in three: what chance gives
    q = Question("churned", "idset", "Flag the churned.", mode="relative", checks={"ids": "customers"},
                 reference=lambda data: sorted(rule), baseline=lambda data: sorted(people),
                 truth=lambda keys, data: sorted(lapsed), params={"full_at": 0.9, "metric": "youden"})
    data = {"customers": pd.DataFrame({"customer_id": sorted(people)})}
    prepared = scoring.modes.prepare(q, data, {})
    assert prepared["population"] == 1000 and prepared["metric_base"] == 0.0
    assert scoring.modes.judge(q, {"value": sorted(people)}, prepared)[0] == 0.0
    assert scoring.modes.judge(q, {"value": sorted(rule)}, prepared)[0] == 1.0
