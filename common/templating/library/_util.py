"""Small helpers shared by the template library: errors, Java-like string forms, bounds."""

from __future__ import annotations

import datetime as _dt
import math
from decimal import Decimal
from typing import Any, NoReturn

from jinja2 import Undefined

from podium.common.errors import TemplateError

MAX_DEPTH = 200  # nesting depth accepted by recursive filters
MAX_ITEMS = 1_000_000  # elements a filter may produce
MAX_TEXT = 10_000_000  # characters a filter may produce


def fail(message: str) -> NoReturn:
    raise TemplateError(message)


def is_missing(value: Any) -> bool:
    """True for None and for any Jinja Undefined (Pebble's null or undefined)."""
    return value is None or isinstance(value, Undefined)


def type_name(value: Any) -> str:
    """A user-facing type name (never a Python internal class path)."""
    from .numbers import java_class_name

    if isinstance(value, Undefined):
        return "undefined"
    return java_class_name(value) or "null"


def java_double(x: float) -> str:
    """Java's Double.toString (JDK 19+ shortest repr)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    a = abs(x)
    if 1e-3 <= a < 1e7:
        r = repr(x)
        if "e" in r or "E" in r:
            r = format(Decimal(r), "f")
        return r if "." in r else r + ".0"
    _, dig, e = Decimal(repr(a)).as_tuple()
    s = "".join(map(str, dig)).rstrip("0") or "0"
    exp10 = len(dig) - 1 + int(e)  # an int: NaN and infinities returned above
    body = s[0] + "." + (s[1:] or "0")
    return ("-" if x < 0 else "") + f"{body}E{exp10}"


def java_str(value: Any) -> str:
    """Java's toString() of a value as Pebble would print it inside strings."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(java_str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{java_str(k)}={java_str(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        from .java_dates import iso_string

        return iso_string(value)
    if isinstance(value, Undefined):
        fail("Cannot use an undefined value here")
    return str(value)


def require_str(value: Any, what: str) -> str:
    if not isinstance(value, str):
        fail(f"{what} expects a string, got {type_name(value)}")
    return value


def require_int(value: Any, what: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            fail(f"{what} must be an integer, got {type_name(value)}")
    number: int = value
    if lo is not None and number < lo:
        fail(f"{what} must be >= {lo}, got {number}")
    if hi is not None and number > hi:
        fail(f"{what} must be <= {hi}, got {number}")
    return number


def check_depth(depth: int, what: str) -> None:
    if depth > MAX_DEPTH:
        fail(f"'{what}' got a structure nested deeper than {MAX_DEPTH} levels")
