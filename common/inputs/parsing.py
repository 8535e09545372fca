"""Parsing raw values (strings from a form, or typed values from a subflow / defaults) into
typed input values, and validating them against their declaration (Kestra's
``FlowInputOutput.parseType`` and each ``Input.validate``). No I/O: FILE uploads go through
an injected ``store_file(input_id, value) -> uri`` callable.

Python types of parsed values: STRING, ENUM, SELECT, EMAIL, URI, SECRET, FILE -> str;
INT -> int; FLOAT -> float; BOOLEAN, BOOL -> bool; DATETIME -> aware datetime (UTC);
DATE -> date; TIME -> time; DURATION -> timedelta; ARRAY, MULTISELECT -> list;
JSON, YAML -> any JSON data (dict, list, str, int, float, bool, None).
SECRET values are returned in clear: encrypting them is the caller's job.

Hostile values (docs/security.md, "Secrets and inputs"): a text value longer than
MAX_TEXT_CHARS, a NUL character anywhere in a value (PostgreSQL cannot store it in JSON),
NaN or an infinite FLOAT (not JSON), a BOOLEAN other than true/false and an ENUM or SELECT
value outside `values` (optional ones included) are refused; an error quotes at most
MAX_SHOWN characters of a value, never a SECRET, never an uploaded file's bytes.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable

from podium.common.durations import parse_duration
from podium.common.errors import InputError, OutputError, PodiumError, UnsafePathError
from podium.common.inputs.regexes import MAX_VALIDATED_LENGTH, UnsafeRegexError, full_match
from podium.common.inputs.types import InputType
from podium.common.inputs.values import java_text
from podium.common.nul import first_nul
from podium.common.storage.local_paths import is_file_uri

StoreFile = Callable[[str, Any], str]

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
MAX_YAML_LENGTH = 256 * 1024
MAX_SHOWN = 200  # characters of a received value quoted in an error message
# A text input value (a form field, a --input) is at most this long: larger data is a FILE
# input. The value is stored in the execution row and copied into every task's context.
MAX_TEXT_CHARS = 1024 * 1024
_MAX_NAME_SHOWN = 100  # characters of an uploaded file's name quoted in an error message

# Java regexes use ASCII digits here; Python's \d and int() also accept other scripts,
# underscores and surrounding spaces, so every number is matched explicitly first.
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)[fFdD]?")
_INSTANT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?"
    r"(?:([Zz])|([+-])([0-9]{2})(?::([0-9]{2})(?::([0-9]{2}))?)?)")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?")
# Kestra's FlowInputOutput.URI_PATTERN and EmailInput.EMAIL_PATTERN, verbatim.
_URI = re.compile(r"^[a-z]+:\/\/(?:www\.)?[-a-zA-Z0-9@:%._\+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b"
                  r"(?:[-a-zA-Z0-9()@:%_\+.~#?&\/=]*)$")
_EMAIL = re.compile(r"^$|^[a-zA-Z0-9_!#$%&\u2019*+/=?`{|}~^.-]+@[a-zA-Z0-9.-]+$")


class Invalid(ValueError):
    """A value does not parse or validate; the message is shown to the user as-is."""


def shown(value: Any, secret: bool = False) -> str:
    """A value as quoted in messages: Java-like text, truncated; secrets masked; a file
    (an upload, a local path, bytes) by its name or size, never its content."""
    if secret:
        return "******"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"{len(value)} bytes"
    if not isinstance(value, (str, int, float, bool, dict, list, tuple, date, time, timedelta)):
        name = getattr(value, "name", None)
        return f"a file named {file_name_shown(name)}" if isinstance(name, str) else "a file"
    text = java_text(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


def file_name_shown(name: str) -> str:
    """A user-given file name as quoted in messages: JSON-quoted (control characters
    escaped, no Python repr) and truncated."""
    cut = name if len(name) <= _MAX_NAME_SHOWN else name[:_MAX_NAME_SHOWN] + "..."
    return json.dumps(cut, ensure_ascii=False)


# ---------------------------------------------------------------- parsing by type

def parse_value(type_: InputType, raw: Any, *, item_type: InputType | None = None,
                ident: str = "", store_file: StoreFile | None = None,
                secret: bool = False) -> Any:
    """Parse a non-null raw value as `type_`. Raises Invalid."""
    type_ = InputType(type_)

    def fail(detail: str = "") -> Invalid:
        return Invalid(f"expected {type_.value} but received `{shown(raw, secret)}`"
                       + (f": {detail}" if detail else ""))

    if raw is None:
        raise fail()
    if isinstance(raw, str) and len(raw) > MAX_TEXT_CHARS:
        raise Invalid(f"the value is {len(raw)} characters long; input values are limited to "
                      f"{MAX_TEXT_CHARS} characters (use a FILE input for larger data)")
    parser = _PARSERS[type_]
    if type_ in (InputType.ARRAY, InputType.MULTISELECT):
        return parser(raw, fail, item_type=item_type, ident=ident, store_file=store_file)
    if type_ is InputType.FILE:
        return parser(raw, fail, ident=ident, store_file=store_file)
    return parser(raw, fail)


def _string(raw: Any, fail: Callable[..., Invalid]) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, (bool, int, float, dict, list, tuple, datetime, date, time, timedelta)):
        return java_text(raw)  # a typed value from a subflow or a default, kept as its text
    raise fail()


def _int(raw: Any, fail: Callable[..., Invalid]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise fail()  # Kestra: a non-string non-Integer (a long, a float) fails
    if isinstance(raw, str):
        if not _INT.fullmatch(raw):
            raise fail()
        if len(raw.lstrip("+-0")) > 10:  # no int() on huge digit strings
            raise fail(f"out of the INT range [{INT_MIN}, {INT_MAX}]")
    number = int(raw)
    if not INT_MIN <= number <= INT_MAX:
        raise fail(f"out of the INT range [{INT_MIN}, {INT_MAX}]")
    return number


def _float(raw: Any, fail: Callable[..., Invalid]) -> float:
    if isinstance(raw, bool):
        raise fail()
    if isinstance(raw, (int, float)):
        return _finite(float(raw), fail)
    if not isinstance(raw, str):
        raise fail()
    text = raw.strip(" \t\n\r\x0b\x0c\x00")  # Java's trim()
    if len(text) > 1000 or not _FLOAT.fullmatch(text):
        raise fail()
    if text[-1] in "fFdD" and not text.endswith("Infinity"):
        text = text[:-1]
    try:
        value = float(text)
    except (ValueError, OverflowError):  # pragma: no cover - the regex admits only floats
        raise fail() from None
    return _finite(value, fail)


def _finite(value: float, fail: Callable[..., Invalid]) -> float:
    """Java reads NaN, Infinity and 1e400 (as Infinity); none of them is JSON, which is how
    inputs are stored and returned, so they are refused here."""
    if math.isnan(value):
        raise fail("NaN is not a number an input can hold")
    if math.isinf(value):
        raise fail("out of the FLOAT range (infinite values are refused)")
    return value


def _boolean(raw: Any, fail: Callable[..., Invalid]) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        # Kestra's Boolean.valueOf reads anything but "true" as false; `yes` or `1` silently
        # turning into false hides a caller's mistake, so they are refused instead.
        return raw.lower() == "true"
    raise fail("use true or false")


def _datetime(raw: Any, fail: Callable[..., Invalid]) -> datetime:
    if isinstance(raw, datetime):
        return raw.astimezone(timezone.utc) if raw.tzinfo else raw.replace(tzinfo=timezone.utc)
    if not isinstance(raw, str):
        raise fail()
    match = _INSTANT.fullmatch(raw)
    if not match:
        raise fail("use an ISO-8601 instant such as 2024-01-01T00:00:00Z")
    y, mo, d, h, mi, s, frac, z, sign, oh, om, os_ = match.groups()
    try:
        offset = timedelta(0)
        if not z:
            offset = timedelta(hours=int(oh), minutes=int(om or 0), seconds=int(os_ or 0))
            if offset > timedelta(hours=18):
                raise ValueError("offset out of range")
            offset = -offset if sign == "-" else offset
        micro = int((frac or "0").ljust(6, "0")[:6])
        value = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro,
                         tzinfo=timezone(offset))
        return value.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise fail(str(exc)) from None


def _date(raw: Any, fail: Callable[..., Invalid]) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    match = _DATE.fullmatch(raw) if isinstance(raw, str) else None
    if not match:
        raise fail("use yyyy-MM-dd")
    try:
        return date(*map(int, match.groups()))
    except ValueError as exc:
        raise fail(str(exc)) from None


def _time(raw: Any, fail: Callable[..., Invalid]) -> time:
    if isinstance(raw, time):
        return raw.replace(tzinfo=None)
    match = _TIME.fullmatch(raw) if isinstance(raw, str) else None
    if not match:
        raise fail("use HH:mm or HH:mm:ss")
    h, m, s, frac = match.groups()
    try:
        return time(int(h), int(m), int(s or 0), int((frac or "0").ljust(6, "0")[:6]))
    except ValueError as exc:
        raise fail(str(exc)) from None


def _duration(raw: Any, fail: Callable[..., Invalid]) -> timedelta:
    if isinstance(raw, timedelta):
        return raw
    if not isinstance(raw, str) or len(raw) > 200:
        raise fail()
    try:
        return parse_duration(raw)
    except (ValueError, OverflowError):
        raise fail("use an ISO-8601 duration such as PT5M") from None


def _file(raw: Any, fail: Callable[..., Invalid], *, ident: str,
          store_file: StoreFile | None) -> str:
    if is_file_uri(raw):
        # A kestra://, nsfile:// or file:// URI names its file already: kept as-is, read
        # where a task reads it (Kestra's URIFetcher.supports), never copied here.
        return raw
    if raw is None or raw == "" or isinstance(raw, (bool, int, float, dict, list)):
        raise fail()
    # Anything else (a path, bytes, an upload) is the store_file's to accept or refuse.
    if store_file is None:
        raise fail("a file must be uploaded, or given as a kestra://, nsfile:// or file:// "
                   "URI")
    try:
        uri = store_file(ident, raw)
    except UnsafePathError as exc:  # its message quotes the name as a Python repr
        raise fail(f"the file name {file_name_shown(str(exc.name))} is refused "
                   f"({exc.reason})") from None
    except (PodiumError, OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    return str(uri)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json(raw: Any, fail: Callable[..., Invalid]) -> Any:
    # Kestra only accepts a string here (a YAML map default fails with a ClassCastException);
    # we keep JSON data given already parsed (defaults, subflow inputs) as-is, deliberately.
    if isinstance(raw, (dict, list, int, float, bool)):
        return raw
    if not isinstance(raw, str):
        raise fail()
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise fail("the JSON is nested too deeply") from None
    except ValueError as exc:
        raise fail(str(exc)[:200]) from None


def _yaml(raw: Any, fail: Callable[..., Invalid]) -> Any:
    if isinstance(raw, (dict, list, int, float, bool)):
        return raw  # same deliberate leniency as JSON
    if not isinstance(raw, str):
        raise fail()
    from podium.common.flow.yaml_source import load_yaml  # safe loader: no tags, bounded size

    if len(raw) > MAX_YAML_LENGTH:
        raise fail(f"a YAML input is limited to {MAX_YAML_LENGTH} characters")
    try:
        _reject_aliases(raw)
        return load_yaml(raw).data
    except Exception as exc:  # noqa: BLE001 - any loader failure is a bad value
        raise fail(str(exc).splitlines()[0][:200] if str(exc) else "") from None


def _reject_aliases(text: str) -> None:
    """Anchors and aliases are refused in YAML inputs: a self-referencing alias such as
    ``&a [*a]`` builds a cyclic value that nothing downstream (JSON, rendering) can handle."""
    from ruamel.yaml import YAML
    from ruamel.yaml.events import AliasEvent

    for event in YAML(typ="safe", pure=True).parse(text):
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise ValueError("anchors and aliases (& and *) are not allowed in a YAML input")


def _uri(raw: Any, fail: Callable[..., Invalid]) -> str:
    if not isinstance(raw, str) or len(raw) > MAX_VALIDATED_LENGTH or not _URI.fullmatch(raw):
        raise fail()
    return raw


def _email(raw: Any, fail: Callable[..., Invalid]) -> str:
    if not isinstance(raw, str):
        raise fail()
    if len(raw) > MAX_VALIDATED_LENGTH or not _EMAIL.fullmatch(raw):
        raise fail("the input must be a valid email")
    return raw


def _list(raw: Any, fail: Callable[..., Invalid], *, item_type: InputType | None,
          ident: str, store_file: StoreFile | None) -> list[Any]:
    if isinstance(raw, (list, tuple)):
        items = list(raw)
    elif isinstance(raw, str):
        try:
            items = json.loads(raw, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            raise fail("use a JSON array such as [\"a\", \"b\"]") from None
        if not isinstance(items, list):
            raise fail("use a JSON array such as [\"a\", \"b\"]")
    else:
        raise fail()
    if item_type is None:
        return items
    parsed = []
    for item in items:
        try:
            parsed.append(parse_value(item_type, item, ident=ident, store_file=store_file))
        except Invalid:
            raise Invalid(f"Unable to parse array element as `{item_type.value}` on "
                          f"`{shown(item)}`") from None
    return parsed


_PARSERS: dict[InputType, Callable[..., Any]] = {
    InputType.STRING: _string, InputType.ENUM: _string, InputType.SELECT: _string,
    InputType.SECRET: _string, InputType.EMAIL: _email, InputType.URI: _uri,
    InputType.INT: _int, InputType.FLOAT: _float,
    InputType.BOOLEAN: _boolean, InputType.BOOL: _boolean,
    InputType.DATETIME: _datetime, InputType.DATE: _date, InputType.TIME: _time,
    InputType.DURATION: _duration, InputType.FILE: _file,
    InputType.JSON: _json, InputType.YAML: _yaml,
    InputType.ARRAY: _list, InputType.MULTISELECT: _list,
}
assert set(_PARSERS) == set(InputType)


# ---------------------------------------------------------------- validation by declaration

def validate_value(decl: Any, value: Any) -> None:
    """Run the declaration's checks on a parsed value (Kestra's ``Input.validate``).
    Raises Invalid with a reason such as "it must be more than `10`"."""
    t = InputType(decl.type)
    if t in (InputType.STRING, InputType.SECRET) and decl.validator is not None:
        try:
            ok = full_match(decl.validator, value)
        except UnsafeRegexError as exc:
            raise Invalid(str(exc)) from None
        if not ok:
            raise Invalid(f"it must match the pattern `{decl.validator}`")
    elif t is InputType.ENUM:
        # Kestra checks membership only when the input is required, so an optional ENUM
        # or SELECT took any value a caller sent; a given value is always checked here.
        if value not in decl.values:
            raise Invalid(f"it must match the values `{_java_list(decl.values)}`")
    elif t is InputType.SELECT:
        # `values` is None when it comes from an `expression` that was not rendered:
        # nothing to check against.
        if (decl.values is not None and value not in decl.values
                and not decl.allow_custom_value):
            raise Invalid(f"it must match the values `{_java_list(decl.values)}`")
    elif t is InputType.MULTISELECT:
        allowed = decl.values if decl.values is not None else decl.options
        if not decl.allow_custom_value and allowed is not None:
            for item in value:
                if java_text(item) not in allowed:
                    raise Invalid(f"it must match the values `{_java_list(allowed)}`")
    elif t in (InputType.INT, InputType.FLOAT, InputType.DURATION):
        nan = isinstance(value, float) and math.isnan(value)  # Java: NaN is above everything
        if decl.min is not None and (value < decl.min and not nan):
            raise Invalid(f"it must be more than `{java_text(decl.min)}`")
        if decl.max is not None and (nan or value > decl.max):
            raise Invalid(f"it must be less than `{java_text(decl.max)}`")
    elif t in (InputType.DATETIME, InputType.DATE, InputType.TIME):
        if decl.after is not None and value < decl.after:
            raise Invalid(f"it must be after `{java_text(decl.after)}`")
        if decl.before is not None and value > decl.before:
            raise Invalid(f"it must be before `{java_text(decl.before)}`")


def _java_list(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def parse_and_validate(decl: Any, raw: Any, *, store_file: StoreFile | None = None) -> Any:
    """Parse a non-null raw value and validate it. Raises Invalid (message without the id)."""
    secret = InputType(decl.type) is InputType.SECRET
    value = parse_value(decl.type, raw, item_type=_item_type(decl), ident=decl.id or "",
                        store_file=store_file, secret=secret)
    _refuse_nul(value)
    try:
        validate_value(decl, value)
    except Invalid as exc:
        raise Invalid(f"{exc}, but received `{shown(raw, secret)}`") from None
    return value


def _refuse_nul(value: Any) -> None:
    """NUL characters are refused anywhere in a value (JSON and arrays included): PostgreSQL
    cannot store them in JSON, and no text a flow works on needs one."""
    found = first_nul(value)
    if found:
        text = found[1]
        raise Invalid(f"a NUL character (\\u0000) is not allowed in an input value "
                      f"(at character {text.index(chr(0)) + 1})")


def _item_type(decl: Any) -> InputType | None:
    t = InputType(decl.type)
    if t is InputType.ARRAY:
        item_type: InputType | None = decl.item_type
        return item_type
    if t is InputType.MULTISELECT:
        return decl.item_type or InputType.STRING
    return None


def parse_input_value(declaration: Any, raw: Any, *, store_file: StoreFile | None = None) -> Any:
    """Parse and validate one raw value against an input declaration.

    A null value is "missing required input" when the input is required, else None. Raises
    InputError(declaration.id, reason).
    """
    if raw is None:
        if declaration.required:
            raise InputError(declaration.id, "missing required input")
        return None
    try:
        return parse_and_validate(declaration, raw, store_file=store_file)
    except Invalid as exc:
        raise InputError(declaration.id, str(exc)) from None


def coerce_output(output_type: InputType | str, value: Any, output_id: str, *,
                  store_file: StoreFile | None = None) -> Any:
    """Coerce a flow output (rendered as a string first) to its declared type.

    None stays None. ARRAY/MULTISELECT items are not parsed (outputs have no itemType).
    A SECRET is returned in clear (the caller encrypts it). Raises OutputError.
    """
    if value is None:
        return None
    try:
        type_ = InputType(output_type)
    except ValueError:
        raise OutputError(output_id, f"unknown output type '{output_type}'") from None
    try:
        return parse_value(type_, value, ident=output_id, store_file=store_file,
                           secret=type_ is InputType.SECRET)
    except Invalid as exc:
        raise OutputError(output_id, str(exc)) from None
