"""The template sandbox's binary operators (`+`, `-`, `*`, `/`, `%`), with size bounds.

Why bounds here and not only a clock: the render budget's time check runs between template
steps, but one step of Python's big-integer arithmetic is a single C call that neither
checks the clock nor releases the GIL. A recursive macro squaring an integer makes each
step twice as long as the last (a 40-step macro would run for hours and freeze every
thread of its worker). Pebble computes with Java longs, so Kestra never sees such numbers;
here an integer result is bounded to MAX_INTEGER_DIGITS, which keeps every later operation
on it a matter of microseconds. Texts and lists built by `+` and `*` are bounded the same
way, so no single operation can allocate more than the output budget.
"""

from __future__ import annotations

import math
import typing as t

from podium.common.errors import TemplateError

# Python itself refuses to print an integer longer than this (sys.int_info's default
# str_digits_check_threshold), so a larger one could never reach a rendered text anyway.
MAX_INTEGER_DIGITS = 4300
_MAX_INTEGER_BITS = math.ceil(MAX_INTEGER_DIGITS * math.log2(10))
MAX_TEXT_CHARS = 10 * 1024 * 1024  # the render's output budget (environment.MAX_OUTPUT_CHARS)
MAX_LIST_ITEMS = 1_000_000  # as the library's filters (library/_util.MAX_ITEMS)


def is_integer(value: t.Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def apply(operator: str, left: t.Any, right: t.Any) -> t.Any:
    """`left <operator> right` as a template computes it, or a TemplateError naming the
    bound it would break."""
    if operator == "*":
        _check_repeat(left, right)
        return _bounded_integer(left * right, operator)
    if operator == "/":
        return _divide(left, right)
    if operator == "%":
        return _modulo(left, right)
    if operator == "+":
        _check_join(left, right)
        return _bounded_integer(left + right, operator)
    if operator == "-":
        return _bounded_integer(left - right, operator)
    raise TemplateError(f"Operator `{operator}` is not supported")


def _bounded_integer(value: t.Any, operator: str) -> t.Any:
    if is_integer(value) and value.bit_length() > _MAX_INTEGER_BITS:
        raise TemplateError(f"The result of `{operator}` is too large: integers are limited "
                            f"to {MAX_INTEGER_DIGITS} digits by the template budget")
    return value


def _check_repeat(left: t.Any, right: t.Any) -> None:
    """`text * n` and `list * n` (either order) within the size budget, checked before the
    result is allocated."""
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and is_integer(count):
            _check_size(seq, len(seq) * max(count, 0), "*")


def _check_join(left: t.Any, right: t.Any) -> None:
    if isinstance(left, (str, list, tuple)) and isinstance(right, type(left)):
        _check_size(left, len(left) + len(right), "+")


def _check_size(kind: t.Any, size: int, operator: str) -> None:
    if isinstance(kind, str) and size > MAX_TEXT_CHARS:
        raise TemplateError(f"The result of `{operator}` is too large: {size} characters, "
                            f"the template budget allows {MAX_TEXT_CHARS}")
    if not isinstance(kind, str) and size > MAX_LIST_ITEMS:
        raise TemplateError(f"The result of `{operator}` is too large: {size} items, "
                            f"the template budget allows {MAX_LIST_ITEMS}")


def check_concat(size: int) -> None:
    """`~` joins texts: the same bound as `+`."""
    if size > MAX_TEXT_CHARS:
        raise TemplateError(f"The result of `~` is too large: {size} characters, "
                            f"the template budget allows {MAX_TEXT_CHARS}")


def _divide(left: t.Any, right: t.Any) -> t.Any:
    if is_integer(left) and is_integer(right):
        if right == 0:
            raise TemplateError("/ by zero")
        quotient = abs(left) // abs(right)  # Java truncates toward zero
        return quotient if (left >= 0) == (right >= 0) else -quotient
    if right == 0 and isinstance(right, (int, float)):
        return math.copysign(math.inf, left) if left else math.nan
    return left / right


def _modulo(left: t.Any, right: t.Any) -> t.Any:
    if is_integer(left) and is_integer(right):
        if right == 0:
            raise TemplateError("/ by zero")
        remainder = abs(left) % abs(right)  # Java's remainder keeps the dividend's sign
        return remainder if left >= 0 else -remainder
    return math.fmod(left, right)
