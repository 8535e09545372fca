"""List and map filters: Kestra's (chunk, distinct, keys, values, flatten) and Pebble's
built-ins (default, first, last, length, join, merge, reverse, sort, rsort, slice)."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Undefined

from podium.common.templating.sizes import check_printed_size

from ._util import MAX_ITEMS, MAX_TEXT, fail, is_missing, java_str, require_int, type_name


def chunk(value: Any, size: Any = None) -> Any:
    """Split a list into sub-lists of `size` (Guava Lists.partition)."""
    if is_missing(value):
        return None
    if size is None:
        fail("'chunk' filter expects an argument 'size'.")
    if not isinstance(value, (list, tuple)):
        fail(f"'chunk' filter can only be applied to List. Actual type was: {type_name(value)}")
    n = require_int(size, "'chunk' filter argument 'size'", 1)
    return [list(value[i:i + n]) for i in range(0, len(value), n)]


def distinct(value: Any) -> Any:
    """The list without its repeated elements, first occurrence kept (Java's
    Stream.distinct: `equals`, so 1, 1.0 and true stay three different elements)."""
    if is_missing(value):
        return "null"  # Kestra returns the text "null" here, not null
    if not isinstance(value, (list, tuple)):
        fail(f"Input must be a list, but received : {type_name(value)}")
    seen, out = set(), []
    for item in value:
        key = _identity(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _identity(item: Any) -> tuple[Any, ...]:
    """What Java's equals compares: the type family and the value (maps and lists by
    content, in a canonical JSON form)."""
    if isinstance(item, (dict, list, tuple)):
        return ("json", json.dumps(item, sort_keys=True, default=str))
    return (type(item).__name__, item)


def keys(value: Any) -> Any:
    """Map keys, or the indexes of a list."""
    if is_missing(value):
        return None
    if isinstance(value, dict):
        return list(value.keys())
    if isinstance(value, (list, tuple)):
        return list(range(len(value)))
    fail(f"'keys' filter can only be applied to List, Map, Array. Actual type was: {type_name(value)}")


def values(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, dict):
        return list(value.values())
    fail(f"'values' filter can only be applied to Map. Actual type was: {type_name(value)}")


def flatten(value: Any) -> Any:
    """Flatten one level of a list of lists."""
    if is_missing(value):
        return None
    if not isinstance(value, (list, tuple)):
        fail("The 'flatten' filter can only be applied to lists.")
    out: list[Any] = []
    for item in value:
        if isinstance(item, (list, tuple)):
            out.extend(item)
        else:
            out.append(item)
    return out


def is_empty(value: Any) -> bool:
    """Pebble's EmptyTest: null/undefined, blank string, empty collection or map."""
    if is_missing(value):
        return True
    if isinstance(value, str):
        return value.strip(" \t\n\r\x0b\x0c" + "".join(chr(i) for i in range(32))) == ""
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value) == 0
    return False


def default(value: Any, default: Any = None) -> Any:
    """Pebble `default`: the default when the value is null, undefined, blank or empty."""
    return default if is_empty(value) else value


def first(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, str):
        if not value:
            fail("The 'first' filter cannot be applied to an empty string")
        return value[0]
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    fail(f"The 'first' filter expects a list or a string, got {type_name(value)}")


def last(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, str):
        if not value:
            fail("The 'last' filter cannot be applied to an empty string")
        return value[-1]
    if isinstance(value, (list, tuple)):
        return value[-1] if value else None
    fail(f"The 'last' filter expects a list or a string, got {type_name(value)}")


def length(value: Any) -> Any:
    """Pebble: length of strings, lists and maps; 0 for null and anything else."""
    if isinstance(value, Undefined) or value is None:
        return 0
    if isinstance(value, (str, list, tuple, dict, set, frozenset)):
        return len(value)
    return 0


def join(value: Any, separator: Any = None) -> Any:
    if is_missing(value):
        return None
    if not isinstance(value, (list, tuple, set, frozenset)):
        fail("The 'join' filter expects that the input is either a collection or an array.")
    glue = "" if separator is None else java_str(separator)
    # the glue repeats between every two items: bound it before building the text
    if len(glue) * max(len(value) - 1, 0) > MAX_TEXT:
        fail(f"The 'join' result is too large: more than {MAX_TEXT} characters")
    check_printed_size(value, "The 'join' result", MAX_TEXT)
    return glue.join(java_str(v) for v in value)


def merge(value: Any, items: Any = None) -> Any:
    """Pebble `merge`: the left-hand side defines the result type (map or list)."""
    if is_missing(value):
        if is_missing(items):
            fail("The two arguments to be merged are null")
        return items
    if is_missing(items):
        return value
    if isinstance(value, dict):
        out = dict(value)
        if isinstance(items, dict):
            out.update(items)
        elif isinstance(items, (list, tuple)):
            for o in items:
                try:
                    out[o] = o
                except TypeError:
                    fail("Only scalar list items can be merged into a map")
        else:
            fail(f"Currently, only Maps and Lists can be merged with a Map. Arg2: {type_name(items)}")
        return out
    if isinstance(value, (list, tuple)):
        if isinstance(items, dict):
            extra = [{k: v} for k, v in items.items()]
        elif isinstance(items, (list, tuple)):
            extra = list(items)
        else:
            fail(f"Currently, only Maps and Lists can be merged with a List. Arg2: {type_name(items)}")
        if len(value) + len(extra) > MAX_ITEMS:
            fail("The 'merge' result is too large")
        return list(value) + extra
    fail("The object being filtered is not a Map/List/Array")


def reverse(value: Any) -> Any:
    if is_missing(value):
        return None
    if isinstance(value, (list, tuple)):
        return list(reversed(value))
    if isinstance(value, str):
        return value[::-1]
    fail(f"The 'reverse' filter expects a list, got {type_name(value)}")


def _sorted(value: Any, name: Any, rev: Any) -> Any:
    if is_missing(value):
        return None
    if not isinstance(value, (list, tuple)):
        fail(f"Unsupported input type for {name} filter: {type_name(value)}")
    if any(v is None for v in value):
        fail(f"The '{name}' filter cannot sort a list containing null")
    try:
        return sorted(value, reverse=rev)
    except TypeError:
        fail(f"The '{name}' filter can only sort values of comparable types")


def sort(value: Any) -> Any:
    return _sorted(value, "sort", False)


def rsort(value: Any) -> Any:
    return _sorted(value, "rsort", True)


def slice_(value: Any, fromIndex: Any = None, toIndex: Any = None) -> Any:
    """Pebble `slice(fromIndex, toIndex)` on strings and lists."""
    if is_missing(value):
        return None
    start = 0 if fromIndex is None else require_int(fromIndex, "Argument fromIndex")
    if start < 0:
        fail("fromIndex must be greater than 0")
    if not isinstance(value, (str, list, tuple)):
        fail(f"Slice filter can only be applied to String, List and array inputs. Actual type was: {type_name(value)}")
    size = len(value)
    end = size
    if toIndex is not None:
        end = require_int(toIndex, "Argument toIndex")
        if end > size:
            fail(f"toIndex must be smaller than input size: {size}")
        if start >= end:
            fail("toIndex must be greater than fromIndex")
    elif start > size:
        fail(f"fromIndex must be smaller than input size: {size}")
    out = value[start:end]
    return list(out) if isinstance(out, tuple) else out


FILTERS = {
    "chunk": chunk, "distinct": distinct, "keys": keys, "values": values, "flatten": flatten, "default": default,
    "first": first, "last": last, "length": length, "join": join, "merge": merge,
    "reverse": reverse, "sort": sort, "rsort": rsort, "slice": slice_,
}
