"""Assertions of a test case, checked against the finished execution's context.

`value` is rendered with the flows' own sandboxed templating (a single `{{ expr }}` keeps
its type), then compared with each operator given. A number and its text are equal (`3`
and "3"), as are a boolean and "true"/"false": outputs often carry numbers as text.
A failure keeps expected and actual, and `explain()` writes them as a readable diff.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from podium.common.errors import PodiumError
from podium.common.templating.render import render_typed
from podium.flowtest.spec import Assertion

_MISSING = object()


@dataclass(frozen=True)
class AssertionResult:
    index: int  # 1-based, in the case's list
    expression: str  # the assertion's `value` as written
    operator: str
    expected: Any
    actual: Any = _MISSING  # _MISSING when `value` could not be evaluated
    passed: bool = False
    problem: str | None = None  # why `value` could not be evaluated or compared
    description: str | None = None
    case_id: str = ""
    location: str = ""  # file:line:column of the assertion in its test file

    def explain(self) -> str:
        """Why it failed, for people: the case, where the assertion is, its expression and
        operator, then expected vs actual."""
        where = f" ({self.location})" if self.location else ""
        case = f"{self.case_id}, " if self.case_id else ""
        head = f"{case}assertion {self.index}{where}: {self.expression} {self.operator}"
        if self.description:
            head += f"  ({self.description})"
        if self.problem:
            return f"{head}\n  {self.problem}"
        return f"{head}\n{_diff(self.expected, self.actual)}"


def check(index: int, assertion: Assertion, context: dict[str, Any]) -> list[AssertionResult]:
    """One result per operator of the assertion."""
    base: dict[str, Any] = {"index": index, "expression": _text(assertion.value),
                            "description": assertion.error_message or assertion.description}
    scoped, problem = _scope(assertion, context)
    if problem is None:
        try:
            actual = render_typed(assertion.value, scoped) if isinstance(assertion.value, str) \
                else assertion.value
        except PodiumError as exc:
            problem = f"cannot evaluate the value: {exc.message}"
    results = []
    for operator, expected in assertion.checks():
        if problem is not None:
            results.append(AssertionResult(operator=operator, expected=expected,
                                           problem=problem, **base))
            continue
        try:
            passed = COMPARISONS[operator](actual, expected)
            results.append(AssertionResult(operator=operator, expected=expected, actual=actual,
                                           passed=passed, **base))
        except _CannotCompare as exc:
            results.append(AssertionResult(operator=operator, expected=expected, actual=actual,
                                           problem=str(exc), **base))
    return results


def _scope(assertion: Assertion, context: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    if assertion.task_id is None:
        return context, None
    task = context["tasks"].get(assertion.task_id)
    if task is None:
        return context, f"task '{assertion.task_id}' (taskId) did not run in this execution"
    return {**context, "task": task}, None


class _CannotCompare(Exception):
    pass


def equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) != isinstance(expected, bool) and \
            not isinstance(actual, str) and not isinstance(expected, str):
        return False  # 1 is not true, whatever Python says
    if type(actual) is type(expected) or _number(actual) and _number(expected):
        return bool(actual == expected)
    if isinstance(actual, str) != isinstance(expected, str) and \
            _scalar(actual) and _scalar(expected):
        return _text(actual) == _text(expected)
    return bool(actual == expected)


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return _text(expected) in actual
    if isinstance(actual, list):
        return any(equal(item, expected) for item in actual)
    if isinstance(actual, dict):
        return _text(expected) in actual
    raise _CannotCompare(f"contains needs a text, a list or a map; the value is "
                         f"{_show(actual)}")


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def run(actual: Any, expected: Any) -> bool:
        left, right = _as_number(actual), _as_number(expected)
        if left is not None and right is not None:
            return compare(left, right)
        if isinstance(actual, str) and isinstance(expected, str):
            return compare(actual, expected)
        raise _CannotCompare(f"cannot order {_show(actual)} against {_show(expected)}")
    return run


def _one_of(actual: Any, expected: Any) -> bool:
    if not isinstance(expected, list):
        raise _CannotCompare("in / notIn need a list of values")
    return any(equal(actual, item) for item in expected)


def _matches(actual: Any, pattern: Any) -> bool:
    try:
        return re.search(str(pattern), _text(actual)) is not None
    except re.error as exc:
        raise _CannotCompare(f"matches: {pattern!r} is not a regular expression ({exc})") from None


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "equalTo": equal,
    "notEqualTo": lambda a, e: not equal(a, e),
    "contains": _contains,
    "notContains": lambda a, e: not _contains(a, e),
    "startsWith": lambda a, e: _text(a).startswith(_text(e)),
    "endsWith": lambda a, e: _text(a).endswith(_text(e)),
    "matches": _matches,
    "greaterThan": _ordered(lambda a, e: a > e),
    "greaterThanOrEqualTo": _ordered(lambda a, e: a >= e),
    "lessThan": _ordered(lambda a, e: a < e),
    "lessThanOrEqualTo": _ordered(lambda a, e: a <= e),
    "in": _one_of,
    "notIn": lambda a, e: not _one_of(a, e),
    "isNull": lambda a, e: (a is None) == bool(e),
    "isNotNull": lambda a, e: (a is not None) == bool(e),
}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def _as_number(value: Any) -> float | None:
    if _number(value):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(no value)"
    return json.dumps(value, default=str, ensure_ascii=False)


def _diff(expected: Any, actual: Any) -> str:
    """`expected:` / `actual:` on one line each; a line diff under them when either side
    spans several lines (a long text, a map, a list)."""
    shown_expected, shown_actual = _show(expected), _show(actual)
    lines = [f"  expected: {shown_expected}", f"  actual:   {shown_actual}"]
    left, right = _lines(expected), _lines(actual)
    if len(left) > 1 or len(right) > 1:
        lines.append("  diff (- expected, + actual):")
        lines += [f"    {line}" for line in difflib.ndiff(left, right)
                  if not line.startswith("?")]
    return "\n".join(lines)


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.splitlines() or [""]
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, sort_keys=True, default=str).splitlines()
    return [_show(value)]
