"""Public checks: is an answer well-formed and consistent with the student's OWN data?

Why separate and tiny: students run these as often as they like (``lab.check``), so they may use
only the answer, the question's public declaration (kind, range, id domain, choices, columns) and
the student's own dataset. Nothing here reads answer keys or knows an expected value, so passing
a public check says "well-formed", never "right". The same functions normalise answers into the
JSON types that ``submission.json`` carries.

Messages come in the student's language (``lang``; default: the current one), written in English
inside ``gettext`` and translated in the catalog (``simulations/i18n/zh.po``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from simulations.i18n import gettext

KINDS = ("scalar", "estimate", "choice", "idset", "values", "predictions", "partition", "table")


class AnswerError(ValueError):
    """An answer that cannot be turned into the question's JSON type; the message says what was expected."""


def _number(value: Any, what: str, lang: str | None = None) -> float:
    if isinstance(value, bool):
        raise AnswerError(gettext("{what}: expected a number, got a bool", lang).format(what=what))
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int too large for a float
        raise AnswerError(gettext("{what}: expected a number, got {type}", lang).format(
            what=what, type=type(value).__name__)) from None
    if not math.isfinite(number):
        raise AnswerError(gettext("{what}: expected a finite number, got {number}", lang).format(what=what, number=number))
    return int(number) if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iu") else number


def _plain(value: Any) -> Any:
    """numpy/pandas scalars -> Python scalars (JSON-serialisable); NaN -> None."""
    if hasattr(value, "item") and not isinstance(value, list | dict | str):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _mapping(value: Any, what: str, lang: str | None = None) -> dict:
    if hasattr(value, "to_dict") and not hasattr(value, "columns"):  # pandas Series
        value = value.to_dict()
    if not isinstance(value, Mapping):
        raise AnswerError(gettext("{what}: expected a dict (or pandas Series) customer_id -> value, got {type}", lang)
                          .format(what=what, type=type(value).__name__))
    return {str(_plain(k)): _plain(v) for k, v in value.items()}


def normalize(kind: str, value: Any, se: Any = None, ci: Any = None, qid: str = "answer", lang: str | None = None) -> dict:
    """The JSON form ``{kind, value, se, ci}`` of an answer, or ``AnswerError`` naming what was expected (in ``lang``)."""
    def _(text: str) -> str:
        return gettext(text, lang)

    if kind not in KINDS:
        raise AnswerError(_("{qid}: unknown kind {kind}").format(qid=qid, kind=repr(kind)))
    out: dict[str, Any] = {"kind": kind, "value": None, "se": None, "ci": None}
    if kind in ("scalar", "estimate"):
        out["value"] = _number(value, qid, lang)
        if se is not None:
            out["se"] = _number(se, f"{qid} se", lang)
        if ci is not None:
            if not isinstance(ci, list | tuple) or len(ci) != 2:
                raise AnswerError(_("{qid} ci: expected (low, high)").format(qid=qid))
            out["ci"] = [_number(ci[0], f"{qid} ci low", lang), _number(ci[1], f"{qid} ci high", lang)]
        if kind == "estimate" and out["se"] is None and out["ci"] is None:
            raise AnswerError(_("{qid}: an estimate needs se= or ci=").format(qid=qid))
    elif kind == "choice":
        if not isinstance(value, str):
            raise AnswerError(_("{qid}: expected one of the choices as a str, got {type}").format(
                qid=qid, type=type(value).__name__))
        out["value"] = value.strip()
    elif kind == "idset":
        if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
            raise AnswerError(_("{qid}: expected a list (or set, Series) of customer ids").format(qid=qid))
        out["value"] = sorted({str(_plain(v)) for v in value})
    elif kind in ("values", "predictions"):
        mapping = _mapping(value, qid, lang)
        out["value"] = {k: _number(v, f"{qid}[{k}]", lang) for k, v in mapping.items()}
    elif kind == "partition":
        out["value"] = {k: str(v) for k, v in _mapping(value, qid, lang).items()}
    elif kind == "table":
        if hasattr(value, "to_dict") and hasattr(value, "columns"):
            value = value.to_dict(orient="records")
        if not isinstance(value, list) or not all(isinstance(r, Mapping) for r in value):
            raise AnswerError(_("{qid}: expected a DataFrame or a list of records (dicts)").format(qid=qid))
        out["value"] = [{str(k): _plain(v) for k, v in r.items()} for r in value]
    return out


def _ids(data: Mapping, table: str) -> set[str]:
    frame = data[table]
    return set(frame["customer_id"].astype(str))


def check(public: Mapping[str, Any], answer: Mapping[str, Any], data: Mapping, lang: str | None = None) -> list[str]:
    """Problems with one answer (empty when well-formed) in ``lang``, judged only against the student's own data."""
    def _(text: str) -> str:
        return gettext(text, lang)

    kind, value, checks = public["kind"], answer.get("value"), public.get("checks", {})
    problems: list[str] = []
    if answer.get("kind") != kind:
        return [_("expected a {kind} answer, got {got}").format(kind=kind, got=repr(answer.get("kind")))]
    lo, hi = checks.get("range", (None, None))
    numbers = []
    if kind in ("scalar", "estimate"):
        numbers = [value]
        if checks.get("integer") and float(value) != int(value):
            problems.append(_("expected a whole number (a count)"))
        if answer.get("ci") is not None:
            low, high = answer["ci"]
            if not low <= value <= high:
                problems.append(_("the confidence interval should contain your estimate"))
        if answer.get("se") is not None and answer["se"] < 0:
            problems.append(_("a standard error cannot be negative"))
    elif kind in ("values", "predictions"):
        numbers = list(value.values())
    for n in numbers:
        if lo is not None and n < lo or hi is not None and n > hi:
            problems.append(_("values must lie in [{lo}, {hi}]").format(lo=lo, hi=hi) + (
                _(" (a share is a fraction, not a percentage)") if (lo, hi) == (0, 1) else ""))
            break
    if kind == "choice" and value not in checks.get("choices", [value]):
        problems.append(_("expected one of: {choices}").format(choices=", ".join(checks["choices"])))
    if kind in ("idset", "values", "predictions", "partition") and "ids" in checks:
        known = _ids(data, checks["ids"])
        given = set(value) if kind == "idset" else set(value.keys())
        unknown = given - known
        if unknown:
            problems.append(_("{n} id(s) are not in your {table} table, e.g. {example}").format(
                n=len(unknown), table=checks["ids"], example=sorted(unknown)[0]))
        if checks.get("all") and known - given:
            problems.append(_("{n} customer(s) of your {table} table have no value").format(
                n=len(known - given), table=checks["ids"]))
    if kind == "idset" and checks.get("nonempty") and not value:
        problems.append(_("the set is empty"))
    if kind == "partition" and "max_labels" in checks and len(set(value.values())) > checks["max_labels"]:
        problems.append(_("use at most {n} segments").format(n=checks["max_labels"]))
    if kind == "table" and "columns" in checks:
        for i, row in enumerate(value):
            if set(row) != set(checks["columns"]):
                problems.append(_("row {i}: expected columns {columns}").format(i=i, columns=", ".join(checks["columns"])))
                break
    return problems
