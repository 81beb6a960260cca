"""sphinx-needs filter strings over plain need records, without ``eval()``.

In a build, sphinx-needs evaluates filter strings itself. The command line reads a
``needs.json`` with neither Sphinx nor sphinx-needs, so it understands the part of
the language filters are written in: ``and``/``or``/``not``, comparisons
(``==``, ``!=``, ``<``..., ``in``, ``not in``), field names, literals, lists, the
string methods ``startswith``, ``endswith``, ``lower``, ``upper``, ``strip`` and
``search(pattern, field)``. The expression is parsed with :mod:`ast` and walked
over a whitelist; anything else is a ``ValueError`` naming it.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Mapping[str, Any]], bool]

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_METHODS = frozenset({"startswith", "endswith", "lower", "upper", "strip"})


def _search(pattern: Any, value: Any) -> bool:
    return bool(re.search(str(pattern), "" if value is None else str(value)))


#: Deepest expression a filter may be (``not not x`` is 3 levels; real filters are
#: under 10). Evaluation recurses once per level, so a deeper one (thousands of
#: ``not`` or chained ``.lower()``) is refused here, as bad input, rather than
#: exhausting Python's stack when the first need is tested.
MAX_DEPTH = 100


def compile_filter(text: str) -> Predicate:
    """A predicate over need records, or ValueError for what is not understood."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"filter {_shown(text)} is not an expression: {exc.msg}") from None
    except (RecursionError, MemoryError):  # the parser's own stack, on thousands of levels
        raise ValueError(f"filter {_shown(text)} is nested too deeply (the limit is "
                         f"{MAX_DEPTH} levels)") from None
    _check_depth(tree.body, text)
    _check(tree.body, text)

    def predicate(need: Mapping[str, Any]) -> bool:
        try:
            return bool(_eval(tree.body, need))
        except (TypeError, re.error):
            return False  # as a failed comparison: the need does not pass

    return predicate


def _shown(text: str, limit: int = 80) -> str:
    """The filter as quoted in a message, shortened: a hostile one may be megabytes."""
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _check_depth(root: ast.AST, text: str) -> None:
    """ValueError when the tree is deeper than :data:`MAX_DEPTH` (walked without recursion)."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"filter {_shown(text)} is nested too deeply (the limit is "
                             f"{MAX_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check(node: ast.AST, text: str) -> None:
    allowed = (ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare, ast.Name,
               ast.Load, ast.Constant, ast.List, ast.Tuple, ast.Set, ast.Call, ast.Attribute,
               *_COMPARE)
    for child in ast.walk(node):
        if not isinstance(child, allowed):
            raise ValueError(f"filter {text!r}: {type(child).__name__} is not supported here")
        if isinstance(child, ast.Call):
            func = child.func
            ok = (isinstance(func, ast.Name) and func.id == "search") or (
                isinstance(func, ast.Attribute) and func.attr in _METHODS)
            if not ok or child.keywords:
                raise ValueError(f"filter {text!r}: only search() and the string methods "
                                 f"{', '.join(sorted(_METHODS))} can be called")
        elif isinstance(child, ast.Attribute) and child.attr not in _METHODS:
            raise ValueError(f"filter {text!r}: .{child.attr} is not supported")


def _eval(node: ast.AST, need: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, need) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp):  # only ``not`` passes _check
        return not _eval(node.operand, need)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, need)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, need)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        return need.get(node.id)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [_eval(e, need) for e in node.elts]
    if isinstance(node, ast.Call):
        args = [_eval(a, need) for a in node.args]
        if isinstance(node.func, ast.Name):
            return _search(*args)
        assert isinstance(node.func, ast.Attribute)
        receiver = _eval(node.func.value, need)
        return getattr("" if receiver is None else str(receiver), node.func.attr)(*args)
    # A method named but not called (``id.lower``): no value a filter can use.
    raise TypeError(f"{type(node).__name__} cannot be evaluated")
