"""Template tests: Pebble's defined/empty/even/odd/iterable/map/null, and Kestra's json."""

from __future__ import annotations

from typing import Any

from jinja2 import Undefined

from ._util import fail, is_missing, type_name
from .collections import is_empty
from .json_yaml import is_json


def defined(value: Any) -> bool:
    """Pebble: not null (and, in Podium, not undefined)."""
    return not is_missing(value)


def empty(value: Any) -> bool:
    """Pebble EmptyTest: null/undefined, blank string, empty list or map."""
    return is_empty(value)


def null(value: Any) -> bool:
    return is_missing(value)


def _int(value: Any, name: Any) -> int:
    if is_missing(value):
        fail(f'Can not pass null value to "{name}" test.')
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        fail(f'The "{name}" test expects an integer, got {type_name(value)}')
    return value


def even(value: Any) -> bool:
    return _int(value, "even") % 2 == 0


def odd(value: Any) -> bool:
    return _int(value, "odd") % 2 != 0


def iterable(value: Any) -> bool:
    """Java Iterable or array: lists (not strings, not maps)."""
    return isinstance(value, (list, tuple, set, frozenset)) and not isinstance(value, Undefined)


def is_map(value: Any) -> bool:
    return isinstance(value, dict)


TESTS = {"defined": defined, "empty": empty, "null": null, "none": null, "even": even, "odd": odd,
         "iterable": iterable, "map": is_map, "json": is_json}
