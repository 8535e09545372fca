"""Serialization filters and parsing functions: toJson/json, toIon, yaml, jq; fromJson/json,
fromIon, yaml(); and the `json` test."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from decimal import Decimal
from typing import Any

from jinja2 import Undefined

from podium.common.templating.sizes import check_printed_size

from ._util import (
    MAX_ITEMS,
    MAX_TEXT,
    check_depth,
    fail,
    is_missing,
    java_double,
    require_str,
    type_name,
)
from .ion import ion_rows as _ion_rows
from .ion import to_ion as _to_ion
from .java_dates import iso_string

MAX_INPUT = 50_000_000


def jsonable(value: Any, depth: int = 0, _count: list[Any] | None = None) -> Any:
    """Plain JSON data for a template value (dates as ISO strings), bounded in size."""
    check_depth(depth, "toJson")
    if _count is not None:
        _count[0] += 1
        if _count[0] > MAX_ITEMS:
            fail("Value is too large to serialize")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, dict):
        return {(k if isinstance(k, str) else _key(k)): jsonable(v, depth + 1, _count) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, depth + 1, _count) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return iso_string(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Undefined):
        fail("Cannot serialize an undefined value")
    fail(f"Unable to serialize a value of type {type_name(value)}")


def _key(k: Any) -> str:
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    return java_double(k) if isinstance(k, float) else str(k)


def _dump_json(v: Any, out: list[Any]) -> None:
    if isinstance(v, dict):
        out.append("{")
        for i, (k, x) in enumerate(v.items()):
            out.append(("," if i else "") + json.dumps(k, ensure_ascii=False) + ":")
            _dump_json(x, out)
        out.append("}")
    elif isinstance(v, list):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _dump_json(x, out)
        out.append("]")
    elif isinstance(v, float):
        out.append(java_double(v))
    elif isinstance(v, Decimal):
        out.append(str(v) if v.is_finite() else "null")
    else:
        out.append(json.dumps(v, ensure_ascii=False))


def dumps(value: Any) -> str:
    """Compact JSON like Jackson: {"a":1}, doubles as Java prints them."""
    out: list[Any] = []
    check_printed_size(value, "JSON result")
    _dump_json(jsonable(value, 0, [0]), out)
    text = "".join(out)
    if len(text) > MAX_TEXT:
        fail("JSON result is too large")
    return text


def to_json(value: Any) -> Any:
    """`toJson` (and the deprecated `json` filter): null -> "null"."""
    if is_missing(value):
        return "null"
    return dumps(value)


def to_ion(value: Any) -> Any:
    if is_missing(value):
        return "null"
    return _to_ion(jsonable(value, 0, [0]) if not isinstance(value, (dt.date, dt.datetime)) else value)


# ---------------------------------------------------------------- YAML writer (Jackson style)

_PLAIN = re.compile(r"[A-Za-z_/.][A-Za-z0-9_ ./@()-]*")
_RESERVED = {"true", "false", "yes", "no", "y", "n", "on", "off", "null", "~", ""}


def _yaml_str(s: str) -> str:
    if (_PLAIN.fullmatch(s) and s.lower() not in _RESERVED and not s.endswith(" ")
            and not re.fullmatch(r"[-+]?(\.\d+|\d[\d_]*(\.\d*)?)([eE][-+]?\d+)?|\.(inf|nan)", s, re.I)):
        return s
    return json.dumps(s, ensure_ascii=False)


def _yaml_scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True or v is False:
        return "true" if v else "false"
    if isinstance(v, float):
        return java_double(v)
    if isinstance(v, (int, Decimal)):
        return str(v)
    return _yaml_str(v)


def _yaml(v: Any, indent: int, out: list[Any], depth: int = 0) -> None:
    check_depth(depth, "yaml")
    pad = " " * indent
    if isinstance(v, dict):
        if not v:
            out.append(pad + "{}\n")
        for k, x in v.items():
            key = _yaml_str(k)
            if isinstance(x, (dict, list)) and x:
                out.append(f"{pad}{key}:\n")
                _yaml(x, indent + 2 if isinstance(x, dict) else indent, out, depth + 1)
            else:
                out.append(f"{pad}{key}: {_yaml_inline(x)}\n")
    elif isinstance(v, list):
        if not v:
            out.append(pad + "[]\n")
        for x in v:
            if isinstance(x, (dict, list)) and x:
                sub: list[Any] = []
                _yaml(x, indent + 3, sub, depth + 1)
                first = sub[0]
                sub[0] = f"{pad} - " + first[indent + 3:]
                out.extend(sub)
            else:
                out.append(f"{pad} - {_yaml_inline(x)}\n")
    else:
        out.append(pad + _yaml_scalar(v) + "\n")


def _yaml_inline(x: Any) -> str:
    if isinstance(x, dict):
        return "{}"
    if isinstance(x, list):
        return "[]"
    return _yaml_scalar(x)


def to_yaml(value: Any) -> Any:
    """`yaml` filter: Jackson YAML (minimized quotes, indented arrays, no document marker)."""
    if is_missing(value):
        return "null"
    out: list[Any] = []
    _yaml(jsonable(value, 0, [0]), 0, out)
    text = "".join(out)
    if len(text) > MAX_TEXT:
        fail("YAML result is too large")
    return text


# ---------------------------------------------------------------- parsing functions

def _no_constant(name: Any) -> None:
    fail(f"Invalid json: non-standard token '{name}'")


def loads(text: str) -> Any:
    if len(text) > MAX_INPUT:
        fail("JSON input is too large")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        fail(f"Invalid json: {e.msg} at line {e.lineno}, column {e.colno}")
    except RecursionError:
        fail("Invalid json: nested too deeply")
    except ValueError as e:  # e.g. integer string too long
        fail(f"Invalid json: {str(e).split(';')[0]}")


_ABSENT = object()


def from_json(json: Any = _ABSENT) -> Any:
    """`fromJson(json)` (and the deprecated `json()` function): parse JSON, null stays null."""
    if json is _ABSENT:
        fail("The 'fromJson' function expects an argument 'json'.")
    if is_missing(json):
        return None
    if not isinstance(json, str):
        fail("The 'fromJson' function expects an argument 'json' with type string.")
    return loads(json)


def from_ion(ion: Any = _ABSENT, allRows: Any = False) -> Any:  # noqa: N803 (Kestra's argument name)
    """Kestra's FromIonFunction: the first row of the ION text, or with `allRows` the list
    of every row."""
    if ion is _ABSENT:
        fail("The 'fromIon' function expects an argument 'ion'.")
    if is_missing(ion):
        return None
    if not isinstance(ion, str):
        fail("The 'fromIon' function expects an argument 'ion' with type string.")
    if len(ion) > MAX_INPUT:
        fail("Ion input is too large")
    try:
        if allRows:
            return _ion_rows(ion)
        rows = _ion_rows(ion, limit=1)
        return rows[0] if rows else None
    except RecursionError:
        fail("Invalid ion: nested too deeply")


def _plain_yaml(v: Any, budget: list[Any]) -> Any:
    """ruamel objects to plain data; dates become ISO strings like Jackson; aliases bounded."""
    budget[0] += 1
    if budget[0] > MAX_ITEMS:
        fail("Invalid yaml: the document expands to too many values (aliases?)")
    if isinstance(v, dict):
        return {(_plain_yaml(k, budget) if not isinstance(k, str) else k): _plain_yaml(x, budget)
                for k, x in v.items()}
    if isinstance(v, list):
        return [_plain_yaml(x, budget) for x in v]
    if isinstance(v, (dt.date, dt.datetime)):
        return iso_string(v)
    return v


def from_yaml(yaml: Any = None) -> Any:
    """`yaml(yaml)` function: parse YAML."""
    if not isinstance(yaml, str):
        fail("The 'yaml' function expects an argument 'yaml' with type string.")
    if len(yaml) > MAX_INPUT:
        fail("YAML input is too large")
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    loader = YAML(typ="safe", pure=True)
    try:
        data = loader.load(io.StringIO(yaml))
    except YAMLError as e:
        fail("Invalid yaml: " + " ".join(str(e).split())[:300])
    except RecursionError:
        fail("Invalid yaml: nested too deeply")
    try:
        return _plain_yaml(data, [0])
    except RecursionError:
        fail("Invalid yaml: nested too deeply")


# ---------------------------------------------------------------- jq

def jq_filter(value: Any, expression: Any = None) -> Any:
    """`jq(expression)`: always a list of results; a JSON string input is parsed first."""
    if is_missing(value):
        return None
    if expression is None:
        fail("The 'jq' filter expects an argument 'expression'.")
    require_str(expression, "The 'jq' expression")
    import jq as _jq

    data = loads(value) if isinstance(value, str) else jsonable(value, 0, [0])
    try:
        program = _jq.compile(expression)
    except ValueError as e:
        fail(f"Invalid jq expression '{expression}': {str(e).splitlines()[0][:200]}")
    out = []
    try:
        for item in program.input_value(json.loads(json.dumps(data, default=str))):
            out.append(item)
            if len(out) > MAX_ITEMS:
                fail("The jq expression produced too many results")
    except ValueError as e:
        fail(f"Failed to resolve JQ expression '{expression}': {str(e).splitlines()[0][:200]}")
    return out


def is_json(value: Any) -> bool:
    """`json` test: true if the string parses as JSON."""
    if not isinstance(value, str):
        return False
    try:
        json.loads(value, parse_constant=_no_constant)
        return True
    except Exception:
        return False


FILTERS = {"toJson": to_json, "json": to_json, "toIon": to_ion, "yaml": to_yaml, "jq": jq_filter}
FUNCTIONS = {"fromJson": from_json, "json": from_json, "fromIon": from_ion, "yaml": from_yaml}
TESTS = {"json": is_json}
