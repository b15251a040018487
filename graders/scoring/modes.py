"""Check modes: what is computed once per dataset (``prepare``) and how one answer is judged (``judge``).

Why split: the expensive part (reference method, truth, baseline, wrong methods on a student's
dataset) is done once per dataset and reused for every submission on it, so stage B is cheap.
Messages describe the answer's quality and the likely mistake; they never contain an expected
value or a tolerance from which one could be recovered. They are written in English inside
``gettext`` and come in the student's language (``lang``); a spec's hints carry their own
translations (``Misconception.hint_zh``), since specs are instructor files outside the catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from graders.public_checks import normalize
from graders.scoring import metrics
from graders.scoring.compare import close, same
from graders.specs.base import Question
from simulations.i18n import DEFAULT_LANGUAGE, current_language, gettext


def as_answer(kind: str, result: Any) -> dict:
    """A method's return value in the JSON answer form (``{"value", "se", "ci"}`` dicts pass their parts)."""
    if isinstance(result, Mapping) and "value" in result and set(result) <= {"value", "se", "ci"}:
        return normalize(kind, result["value"], se=result.get("se"), ci=result.get("ci"))
    return normalize(kind, result)


def _truth_object(question: Question, raw: Any) -> Any:
    """Truth in the form the relative metric needs: a set of ids, or a Series id -> value/label."""
    if question.kind == "idset":
        return {str(x) for x in raw}
    series = pd.Series(raw.to_dict() if hasattr(raw, "to_dict") else dict(raw))
    series.index = series.index.astype(str)
    return series if question.kind == "partition" else series.astype(float)


def relative_metric(question: Question, value: Any, truth: Any, population: int | None = None) -> float:
    """The quality metric of an answer against the truth (higher is better).

    An id set is scored by F1, or by Youden's J with ``params["metric"] == "youden"`` (then
    ``population`` is how many ids could be flagged).
    """
    kind, metric = question.kind, question.params.get("metric")
    if kind == "idset":
        if metric == "youden":
            return metrics.youden(set(value), truth, int(population or 0))
        return metrics.precision_recall_f1(set(value), truth)[2]
    mine = pd.Series(value, dtype=object if kind == "partition" else float).reindex(truth.index)
    if kind == "partition":
        return metrics.adjusted_rand(mine.fillna("__missing__").astype(str).to_numpy(), truth.astype(str).to_numpy())
    filled = mine.fillna(mine.min() - 1 if mine.notna().any() else 0.0).to_numpy(float)
    if kind == "predictions":
        labels = truth.to_numpy() > 0.5
        if metric == "brier":
            return -metrics.brier(np.clip(filled, 0, 1), labels)
        return metrics.auc(filled, labels)
    return metrics.spearman(filled, truth.to_numpy(float))


def prepare(question: Question, data: Any, keys: Any) -> dict:
    """Everything judging needs for this question on one dataset (reference, truth, baseline, wrong methods)."""
    prepared: dict[str, Any] = {"reference": None, "truth": None, "wrong": []}
    if question.mode == "simulate":  # the benchmark's runs on the grader's seeds, not an answer
        prepared["reference"] = dict(question.reference(data))
    elif question.reference is not None:
        prepared["reference"] = as_answer(question.kind, question.reference(data))
    if question.truth is not None:
        raw = question.truth(keys, data)
        if question.mode == "exact":  # the accepted choices on this dataset
            prepared["truth"] = sorted(str(x) for x in raw)
        else:
            prepared["truth"] = _truth_object(question, raw) if question.mode == "relative" else float(raw)
    if question.mode == "relative":
        if question.kind == "idset" and question.params.get("metric") == "youden":
            prepared["population"] = len(set(data[question.checks.get("ids", "customers")]["customer_id"].astype(str)))
        population = prepared.get("population")
        ref_value = prepared["reference"]["value"]
        prepared["metric_ref"] = relative_metric(question, ref_value, prepared["truth"], population)
        prepared["metric_base"] = (relative_metric(question, as_answer(question.kind, question.baseline(data))["value"],
                                                   prepared["truth"], population) if question.baseline else
                                   float(question.params.get("baseline_metric", 0.0)))
        if question.kind == "values" and question.params.get("bias_tolerance") is not None:
            prepared["truth_mean"] = float(prepared["truth"].mean())
    for wrong in question.misconceptions:
        try:
            wrong_answer = as_answer(question.kind, wrong.method(data))
            prepared["wrong"].append((wrong.hints(), wrong_answer["se"] if wrong.on == "se" else wrong_answer["value"],
                                      wrong.on))
        except (ValueError, KeyError, ZeroDivisionError):
            continue  # a wrong method that cannot be computed on this dataset detects nothing here
    return prepared


def _relative(question: Question, answer: dict, prepared: dict, lang: str | None = None) -> tuple[float, str]:
    def _(text: str) -> str:
        return gettext(text, lang)

    p = question.params
    m = relative_metric(question, answer["value"], prepared["truth"], prepared.get("population"))
    ref, base = prepared["metric_ref"], prepared["metric_base"]
    if ref > base + 1e-9:
        frac = (m - base) / (ref - base)
    else:
        frac = 1.0 if m >= ref - 1e-9 else 0.0
    share = float(np.clip(frac / p.get("full_at", 0.9), 0.0, 1.0))
    if share >= 1.0:
        message = _("as good as the reference analysis")
    elif share > 0:
        message = _("better than a naive baseline, but clearly short of the reference analysis")
    else:
        message = _("no better than a naive baseline")
    if question.kind == "idset" and share < 1.0:
        precision, recall, _f1 = metrics.precision_recall_f1(set(answer["value"]), prepared["truth"])
        message += (_("; many of the customers you flagged had not churned") if precision < recall else
                    _("; your set misses many of the customers it should contain"))
    if "truth_mean" in prepared:
        tol = p["bias_tolerance"]
        values = np.array(list(answer["value"].values()), float)
        mean = float(values.mean()) if len(values) else 0.0
        ratio = mean / prepared["truth_mean"] if prepared["truth_mean"] else 1.0
        if not 1 / (1 + tol) <= ratio <= 1 + tol:
            share *= 1 - p.get("bias_weight", 0.25)
            message += _("; the level of your values is far off (check units, horizon and discounting)")
    return share, message


def _with_se(answer: dict, prepared: dict, p: Any, share: float, message: str, lang: str | None) -> tuple[float, str]:
    """Fold the standard error's check into an estimate's share: it is worth ``se_weight`` of the points."""
    weight = float(p.get("se_weight", 0.5))
    se, ref_se = answer.get("se"), (prepared["reference"] or {}).get("se")
    if se is None:
        return share * (1 - weight), message + gettext("; no standard error given", lang)
    if ref_se is not None and close(float(se), float(ref_se), p["se_check"]):
        return share * (1 - weight) + weight, message + gettext("; your standard error fits your data", lang)
    return share * (1 - weight), message + gettext("; your standard error does not fit your data", lang)


def _simulate(question: Question, answer: dict, prepared: dict, lang: str | None = None) -> tuple[float, str]:
    """A policy table run against the benchmark on the grader's paired seeds (``simulations.labs.strategy``).

    Full points when it beats the benchmark beyond ``z`` standard errors of the paired gain (profit
    plus customer equity) and by at least ``min_gain`` of the benchmark's value; ``partial`` of the
    points when the two cannot be told apart; nothing when it loses beyond the noise or cannot run.
    The message reports the policy's own gains, which give away nothing about another policy.
    """
    from simulations.labs import strategy

    def _(text: str) -> str:
        return gettext(text, lang)

    p, bench = question.params, prepared["reference"]
    try:
        c = strategy.compare(bench["scenario"], answer["value"], bench["seeds"], bench["customers"], bench["weeks"],
                             benchmark=bench, lang=lang)
    except strategy.PolicyError as err:
        return 0.0, _("the policy cannot be run: {error}").format(error=err)
    figures = _("on {n} hidden seeds: profit {profit} (SE {profit_se}), customer equity {equity} (SE {equity_se}) "
                "against the benchmark").format(n=c.seeds, profit=f"{c.profit:+,.0f}", profit_se=f"{c.profit_se:,.0f}",
                                                equity=f"{c.equity:+,.0f}", equity_se=f"{c.equity_se:,.0f}")
    verdict = c.verdict(p.get("z", 2.0), p.get("min_gain", 0.01))
    if verdict == "better":
        return 1.0, _("beats the benchmark by more than the noise") + _("; ") + figures
    if verdict == "worse":
        return 0.0, _("worse than the benchmark beyond the noise") + _("; ") + figures
    return float(p.get("partial", 0.5)), _("cannot be told apart from the benchmark") + _("; ") + figures


def judge(question: Question, answer: dict, prepared: dict, lang: str | None = None) -> tuple[float, str]:
    """Share of the points (0..1) and a message in ``lang`` for one well-typed answer."""
    def _(text: str) -> str:
        return gettext(text, lang)

    mode, p, value = question.mode, question.params, answer["value"]
    if mode == "exact":
        accepted = prepared["truth"] if prepared.get("truth") is not None else [p["correct"]]
        ok = any(same("choice", value, choice, p) for choice in accepted)
        return (1.0, _("correct")) if ok else (0.0, _("not the right choice"))
    if mode == "relative":
        return _relative(question, answer, prepared, lang)
    if mode == "simulate":
        return _simulate(question, answer, prepared, lang)
    if mode == "reproduce":
        ok = same(question.kind, value, prepared["reference"]["value"], p)
        share, message = (1.0, _("matches the method asked for, applied to your data")) if ok else (
            0.0, _("does not match what the method asked for gives on your data"))
        if "se_check" in p and question.kind == "estimate":
            share, message = _with_se(answer, prepared, p, share, message, lang)
        return share, message
    truth = prepared["truth"]
    if mode == "close_to_truth":
        ok = close(float(value), truth, p)
        share, message = (1.0, _("close to the true value")) if ok else (0.0, _("too far from the true value"))
        if "se_check" in p:
            share, message = _with_se(answer, prepared, p, share, message, lang)
        return share, message
    ref = prepared["reference"]
    if mode == "within_se":
        se = answer.get("se")
        if se is None or se <= 0:
            return 0.0, _("a positive standard error is needed for this question")
        if ref.get("se") and se > p.get("se_factor", 3.0) * ref["se"]:
            return 0.0, _("your standard error is much larger than this data allows; check how you computed it")
        ok = abs(value - truth) <= p.get("k", 2.0) * se
        return (1.0, _("within the expected sampling error of the true value")) if ok else (
            0.0, _("further from the true value than your standard error allows"))
    if mode == "ci_covers":
        ci = answer.get("ci")
        if ci is None:
            return 0.0, _("a confidence interval is needed for this question")
        ref_ci = ref.get("ci")
        if ref_ci and ci[1] - ci[0] > p.get("width_factor", 3.0) * (ref_ci[1] - ref_ci[0]):
            return 0.0, _("your interval is much wider than this data allows; check how you computed it")
        ok = ci[0] <= truth <= ci[1]
        return (1.0, _("your interval covers the true value")) if ok else (
            0.0, _("your interval does not cover the true value"))
    raise ValueError(f"unknown mode {mode!r}")


def hint(question: Question, answer: dict, prepared: dict, lang: str | None = None) -> str | None:
    """The hint (in ``lang``, English when the spec has no translation) of the known wrong method the
    answer reproduces on the student's data, if any.

    Two wrong methods can give the very same number on some data (in L02, counting raw e-mail
    addresses and counting the customer table did on one practice dataset); then the student cannot
    know which mistake they made, so every hint that fits as closely is given.
    """
    lang = current_language() if lang is None else lang
    matches: list[tuple[float, int, dict]] = []
    for i, (texts, wrong_value, *part) in enumerate(prepared["wrong"]):
        if part and part[0] == "se":
            mine = answer.get("se")
            if mine is not None and wrong_value is not None and close(float(mine), float(wrong_value),
                                                                      question.params.get("se_check", {})):
                matches.append((_distance(mine, wrong_value), i, texts))
            continue
        if same(question.kind, answer["value"], wrong_value, {**question.params, **question.params.get("hint_match", {})}):
            matches.append((_distance(answer["value"], wrong_value), i, texts))
    if not matches:
        return None
    # two wrong methods can land near each other on some data: the one the answer reproduces most closely wins,
    # and methods that tie with it are named too
    best = min(m[0] for m in matches)
    tied = sorted((m for m in matches if m[0] == best), key=lambda m: m[1])
    hints = list(dict.fromkeys(t.get(lang) or t[DEFAULT_LANGUAGE] for _, _, t in tied))
    return gettext("; or: ", lang).join(hints)


def _distance(mine: object, wrong: object) -> float:
    """Relative distance of two numbers (0 for anything else, so the first listed wrong method wins)."""
    try:
        a, b = float(mine), float(wrong)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return abs(a - b) / max(abs(b), 1e-12)
