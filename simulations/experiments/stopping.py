"""Stop conditions: a tiny, safe expression language over this week's KPIs.

Why not ``eval``: experiment files are shared between researchers and run on clusters; a stop
condition must not be able to run code. The text is parsed with :mod:`ast` and only a whitelist
of nodes is accepted (numbers, KPI names, arithmetic, comparisons, ``and``/``or``/``not``); the
tree is then interpreted here, never compiled.

Names are the KPI columns of ``CustomerLifecycleModel.kpi_frame()`` (``week``, ``profit``,
``customers_active``, ...) and ``cumulative_<kpi>``: the sum of a KPI over the weeks so far.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from simulations.i18n import _
from simulations.model import KPI_COLUMNS

CUMULATIVE = "cumulative_"

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


def known_names() -> frozenset[str]:
    """Names a metric or a stop condition may use."""
    base = list(KPI_COLUMNS)
    return frozenset([*base, *(CUMULATIVE + c for c in base if c != "week")])


class StopCondition:
    """A parsed stop condition; ``condition(values)`` is True when the run should stop.

    Raises ``ValueError`` (naming the offending part) for syntax errors, unknown names and any
    construct outside the whitelist (calls, attributes, subscripts, lambdas, ...).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as err:
            raise ValueError(_("stop condition {text}: not an expression ({reason})").format(
                text=repr(text), reason=err.msg)) from None
        self._tree = tree.body
        self.names: set[str] = set()
        self._check(self._tree)

    def _check(self, node: ast.AST) -> None:
        allowed = known_names()
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ValueError(_("stop condition {text}: only numbers are allowed as constants, got {value}").format(
                    text=repr(self.text), value=repr(node.value)))
        elif isinstance(node, ast.Name):
            if node.id not in allowed:
                raise ValueError(_("stop condition {text}: unknown name {name}; use KPI names such as "
                                   "customers_active, profit, week or cumulative_profit").format(
                    text=repr(self.text), name=repr(node.id)))
            self.names.add(node.id)
        elif isinstance(node, ast.Compare) and all(type(op) in _COMPARE for op in node.ops):
            for child in (node.left, *node.comparators):
                self._check(child)
        elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            self._check(node.operand)
        elif isinstance(node, ast.BoolOp):
            for child in node.values:
                self._check(child)
        else:
            raise ValueError(_("stop condition {text}: {construct} is not allowed "
                               "(use numbers, KPI names, + - * /, comparisons, and, or, not)").format(
                text=repr(self.text), construct=type(node).__name__))

    def __call__(self, values: Mapping[str, float]) -> bool:
        """Evaluate on this week's values (a division by zero counts as 'do not stop')."""
        try:
            return bool(self._eval(self._tree, values))
        except ZeroDivisionError:
            return False

    def _eval(self, node: ast.AST, values: Mapping[str, float]) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, values)
            for op, right_node in zip(node.ops, node.comparators, strict=True):
                right = self._eval(right_node, values)
                if not _COMPARE[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](self._eval(node.left, values), self._eval(node.right, values))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](self._eval(node.operand, values))
        if isinstance(node, ast.BoolOp):
            results = (self._eval(v, values) for v in node.values)
            return all(results) if isinstance(node.op, ast.And) else any(results)
        raise AssertionError(f"unchecked node {type(node).__name__}")  # pragma: no cover - _check rejects it

    def __repr__(self) -> str:
        return f"StopCondition({self.text!r})"
