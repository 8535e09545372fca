"""How long a value's printed text would be, known before it is printed.

Operators bound the texts and lists they build (arithmetic.py), but a list may hold the same
long text a million times: `[("x" * 10000000)] * 1000000` is one list of 1,000,000 items
and 10 MB of memory, yet its JSON is 10 TB. Printing (`{{ }}`, `~`, `toJson`, `join`)
checks the size first: each distinct list or map is measured once (a shared one counts as
many times as it appears), so the check costs what the value's memory does, never what its
text would, and it stops as soon as the total passes the budget.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping

from podium.common.errors import TemplateError

MAX_PRINTED_CHARS = 10 * 1024 * 1024  # the render's output budget
_PLAIN_CONTAINERS = (dict, list, tuple)
_MAX_DEPTH = 200  # as the library's recursive filters (library/_util.MAX_DEPTH)
_SMALL_SCALAR = 24  # a number, boolean, date... printed: a generous upper estimate


def check_printed_size(value: t.Any, what: str, limit: int = MAX_PRINTED_CHARS) -> None:
    """Raise a TemplateError naming `what` when printing `value` would take more than
    `limit` characters. Each distinct list or map is measured once, so the cost follows
    the memory the value takes, not the length of its text."""
    if isinstance(value, str) or not _is_container(value):
        return  # a scalar's text is as long as the value itself
    sizes: dict[int, int] = {}
    if _size(value, sizes, limit, 0) > limit:
        raise TemplateError(f"{what} is too large: more than {limit} characters, "
                            "the template budget")


def _is_container(value: t.Any) -> bool:
    return type(value) in _PLAIN_CONTAINERS or \
        isinstance(value, (Mapping, list, tuple, set, frozenset))


def _size(value: t.Any, sizes: dict[int, int], limit: int, depth: int) -> int:
    """Printed characters of `value` (an upper estimate), or anything past `limit` as soon
    as it is known to be larger. Plain texts, numbers and values already measured are
    counted inline: this loop runs once per item of every distinct list or map."""
    if not _is_container(value):
        return _scalar_size(value)
    if depth > _MAX_DEPTH:
        return 0  # the printers refuse nesting this deep with their own error
    known = sizes.get(id(value))
    if known is not None:
        return known
    sizes[id(value)] = limit + 1  # a value containing itself never prints
    items = [*value.keys(), *value.values()] if isinstance(value, Mapping) else value
    total = 2 + 2 * len(value)
    for item in items:
        kind = type(item)
        if kind is str:
            total += len(item) + 2
        elif kind is int or kind is float or kind is bool or item is None:
            total += _SMALL_SCALAR if kind is not int else item.bit_length() // 3 + 2
        else:
            known = sizes.get(id(item))
            total += known if known is not None else _size(item, sizes, limit, depth + 1)
        if total > limit:
            return total
    sizes[id(value)] = total
    return total


def _scalar_size(value: t.Any) -> int:
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 2  # a decimal digit holds more than 3 bits
    return _SMALL_SCALAR
