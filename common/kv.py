"""The namespace KV store: Kestra's typed values, TTLs and key rules over the SQL store.

Values are kept JSON-native so they travel unchanged in messages and outputs:

| type | Python value | from a string (`kvType`, CLI `--type`) |
|---|---|---|
| STRING | str | as is |
| NUMBER | int or float | a JSON number (`42`, `4.2`, `1e3`) |
| BOOLEAN | bool | `true` / `false`, any case (Kestra reads anything else as false; we refuse it) |
| DATETIME | ISO-8601 text in UTC, `2024-05-01T12:00:00Z` | an ISO date-time; without an offset it is UTC; a date alone is its midnight UTC |
| DATE | `2024-05-01` | an ISO date, or a date-time (its UTC date). Kestra parses DATE as an instant, so `2024-05-01` fails there |
| DURATION | ISO-8601 as Java prints it, `PT24H` | an ISO-8601 duration |
| JSON | dict, list or null | any JSON text |

Without a type a value keeps the type it has (Kestra's `KVType.from`): a string is STRING,
a number NUMBER, a map or list JSON. A `ttl` sets the expiration; an expired key reads as
absent everywhere. Keys match `[a-zA-Z0-9][a-zA-Z0-9._-]*`.
"""

from __future__ import annotations

import builtins
import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from typing import Any, Callable

from podium.common.durations import format_duration, parse_duration
from podium.common.errors import KVError
from podium.common.store import (
    KVRow,
    delete_expired_kv,
    delete_kv,
    delete_kv_keys,
    get_kv,
    list_all_kv,
    list_kv,
    namespace_in_use,
    put_kv,
)
from podium.common.store.types import utcnow

KEY_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
MAX_KEY_LENGTH = 255


class KVType(str, Enum):
    STRING = "STRING"
    NUMBER = "NUMBER"
    BOOLEAN = "BOOLEAN"
    DATETIME = "DATETIME"
    DATE = "DATE"
    DURATION = "DURATION"
    JSON = "JSON"


@dataclass(frozen=True)
class KVValue:
    type: KVType
    value: Any


@dataclass(frozen=True)
class KVEntry:
    """A live entry as the store returns it."""

    namespace: str
    key: str
    type: KVType
    value: Any
    created: datetime
    updated: datetime
    expires: datetime | None


def check_key(key: Any) -> str:
    """The key if valid; KVError with Kestra's explanation otherwise."""
    if not isinstance(key, str) or not key:
        raise KVError("Key cannot be null or empty")
    if not KEY_PATTERN.fullmatch(key):
        raise KVError(f"Invalid key '{key}': it must start with an alphanumeric character "
                      f"(uppercase or lowercase) and can contain alphanumeric characters "
                      f"(uppercase or lowercase), dots (.), underscores (_), and hyphens (-) "
                      f"only.")
    if len(key) > MAX_KEY_LENGTH:
        raise KVError(f"Invalid key '{key[:40]}...': longer than {MAX_KEY_LENGTH} characters")
    return key


# ------------------------------------------------------------------------------ values

def typed_value(value: Any, kv_type: KVType | str | None = None) -> KVValue:
    """Kestra's kv.Set: a string is parsed as `kv_type` when one is given; any other
    value keeps its own type. Raises KVError when the string does not parse."""
    if kv_type is not None and isinstance(value, str):
        return parse_as(value, KVType(kv_type))
    return infer(value)


def infer(value: Any) -> KVValue:
    """The type a value has (None is a STRING, as in Kestra)."""
    if value is None or isinstance(value, str):
        return KVValue(KVType.STRING, value)
    if isinstance(value, bool):
        return KVValue(KVType.BOOLEAN, value)
    if isinstance(value, (int, float)):
        return KVValue(KVType.NUMBER, value)
    if isinstance(value, datetime):
        return KVValue(KVType.DATETIME, _iso_datetime(value))
    if isinstance(value, date):
        return KVValue(KVType.DATE, value.isoformat())
    if isinstance(value, timedelta):
        return KVValue(KVType.DURATION, format_duration(value))
    if isinstance(value, (dict, list, tuple)):
        return KVValue(KVType.JSON, json.loads(json.dumps(value, default=str)))
    return KVValue(KVType.STRING, str(value))


def parse_as(text: str, kv_type: KVType) -> KVValue:
    try:
        return KVValue(kv_type, _PARSERS[kv_type](text))
    except (ValueError, TypeError, OverflowError) as exc:
        raise KVError(f"Invalid {kv_type.value} value '{_short(text)}': {exc}") from None


class _NotStorable(ValueError):
    """JSON that parses in Python but cannot be a KV value (it would not print back)."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotStorable(f"the number {_short(text)} is out of range")
    return number


def _no_constant(name: str) -> Any:
    raise _NotStorable(f"{name} is not a JSON number")


def _loads(text: str) -> Any:
    """json.loads, with what it raises beyond JSONDecodeError (a number of more than 4300
    digits or out of range, NaN / Infinity, nesting past the recursion limit) as
    ValueErrors in our words."""
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except (json.JSONDecodeError, _NotStorable):
        raise
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except ValueError:
        raise ValueError("a number with too many digits (more than 4300)") from None


def _number(text: str) -> int | float:
    try:
        value = _loads(text.strip())
    except json.JSONDecodeError:
        value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("expected a number")
    return value


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise ValueError("expected true or false")
    return lowered == "true"


def _datetime(text: str) -> str:
    return _iso_datetime(_parse_datetime(text))


def _date(text: str) -> str:
    stripped = text.strip()
    try:
        return date.fromisoformat(stripped).isoformat()
    except ValueError:
        return _parse_datetime(stripped).astimezone(timezone.utc).date().isoformat()


def _duration(text: str) -> str:
    return format_duration(parse_duration(text))


def _json(text: str) -> Any:
    try:
        return _loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None


_PARSERS: dict[KVType, Callable[[str], Any]] = {
    KVType.STRING: lambda text: text, KVType.NUMBER: _number, KVType.BOOLEAN: _boolean,
    KVType.DATETIME: _datetime, KVType.DATE: _date, KVType.DURATION: _duration,
    KVType.JSON: _json,
}


def _parse_datetime(text: str) -> datetime:
    stripped = text.strip()
    if len(stripped) == 10:  # a date alone: its midnight
        return datetime.combine(date.fromisoformat(stripped), time(), timezone.utc)
    parsed = datetime.fromisoformat(stripped)  # Python 3.11+: takes `Z` and `T`/space
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def _iso_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    text = value.astimezone(timezone.utc).replace(tzinfo=None).isoformat()
    return text + "Z"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def guess_value(text: str) -> KVValue:
    """A value typed on a command line (Kestra's `kv update` without `--type`): JSON when it
    parses as JSON (`42`, `true`, `{"a": 1}`, `"quoted"`), else an ISO date-time, date or
    duration, else the text as a STRING."""
    try:
        return infer(_loads(text))
    except json.JSONDecodeError:
        pass
    except ValueError as exc:
        raise KVError(f"Invalid value: {exc}") from None
    stripped = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
        return parse_as(stripped, KVType.DATE)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*", stripped):
        try:
            return parse_as(stripped, KVType.DATETIME)
        except KVError:
            pass
    if re.fullmatch(r"[-+]?P[0-9TWDHMS.,]+", stripped, re.IGNORECASE):
        try:
            return parse_as(stripped, KVType.DURATION)
        except KVError:
            pass
    return KVValue(KVType.STRING, text)


def expiration(ttl: str | timedelta | None, now: datetime) -> datetime | None:
    """When an entry written at `now` with `ttl` (ISO-8601 or timedelta) expires."""
    if ttl is None:
        return None
    try:
        delta = parse_duration(ttl) if isinstance(ttl, str) else ttl
    except ValueError as exc:
        raise KVError(f"Invalid ttl: {exc}") from None
    if delta < timedelta(0):
        raise KVError("ttl cannot be negative")
    try:
        return now + delta
    except OverflowError:
        raise KVError("Invalid ttl: the expiration would be after the year 9999") from None


def patched_value(current: Any, update: Any) -> Any:
    """kv.Put's new value: a list of `{key, value}` entries sets those fields (dotted keys
    reach nested maps) of the current JSON map, a single `{value}` entry replaces it, a map
    deep-merges into a current map, anything else replaces the value. KVError for entries
    that mix both forms or patch a value that is not a map."""
    if isinstance(update, list) and update and all(_is_entry(item) for item in update):
        return _patched_fields(current, update)
    if isinstance(current, dict) and isinstance(update, dict):
        return _deep_merge(current, update)
    return update


def _is_entry(item: Any) -> bool:
    return isinstance(item, dict) and "value" in item and set(item) <= {"key", "value"}


def _patched_fields(current: Any, entries: list[dict[str, Any]]) -> Any:
    keyed = [entry for entry in entries if "key" in entry and entry["key"] is not None]
    if len(keyed) != len(entries):
        if len(entries) > 1:
            raise KVError("`value` entries without `key` can only be used as a single "
                          "replacement item.")
        return entries[0]["value"]
    fields: dict[str, Any] = {}
    for entry in keyed:
        if not isinstance(entry["key"], str) or not entry["key"].strip():
            raise KVError("Each keyed `value` entry must have a non-empty string `key`.")
        nested: dict[str, Any] = fields
        *parents, last = entry["key"].split(".")
        for part in parents:
            child = nested.get(part)
            if not isinstance(child, dict):
                child = nested[part] = {}
            nested = child
        nested[last] = entry["value"]
    if current is None:
        return fields
    if not isinstance(current, dict):
        raise KVError("Cannot apply keyed `value` updates to a non-JSON existing KV value.")
    return _deep_merge(current, fields)


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        current = merged.get(key)
        merged[key] = _deep_merge(current, value) \
            if isinstance(current, dict) and isinstance(value, dict) else value
    return merged


# ------------------------------------------------------------------------------ the store

class KVStore:
    """The namespace KV store over the SQL store; each call is one short transaction.

    `from_namespace` is the namespace of the flow asking. As in Kestra, reaching another
    namespace's store needs that namespace to be the caller's own, a parent of it, one
    with flows, or one that already holds entries; otherwise KVError.
    """

    def __init__(self, db: Any, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self.clock = clock

    def get(self, namespace: str, key: str, *, from_namespace: str | None = None
            ) -> KVEntry | None:
        check_key(key)
        now = self.clock()
        with self.db.read() as conn:
            self._check_access(conn, namespace, from_namespace, now)
            row = get_kv(conn, namespace, key, now)
        return _entry(row) if row is not None else None

    def value(self, namespace: str, key: str, *, from_namespace: str | None = None) -> Any:
        """The stored value, None when missing or expired."""
        entry = self.get(namespace, key, from_namespace=from_namespace)
        return entry.value if entry is not None else None

    def lookup_for(self, from_namespace: str) -> Callable[[str, str, bool], Any]:
        """The `kv()` expression service of a flow in `from_namespace`: (namespace, key,
        errorOnMissing) -> the stored value; a missing or expired key raises LookupError,
        so a key holding null stays distinct from an absent one."""
        def lookup(namespace: str, key: str, _error_on_missing: bool) -> Any:
            entry = self.get(namespace, key, from_namespace=from_namespace)
            if entry is None:
                raise LookupError(key)
            return entry.value
        return lookup

    def put(self, namespace: str, key: str, value: KVValue, *,
            ttl: str | timedelta | None = None, overwrite: bool = True,
            from_namespace: str | None = None, expires: datetime | None = None) -> None:
        """Raises KVError for a bad key or ttl, or when the key exists and not `overwrite`.
        `expires`: an expiration date kept as is (kv.Put keeps the entry's), without `ttl`."""
        check_key(key)
        now = self.clock()
        expires = expiration(ttl, now) if ttl is not None else expires
        with self.db.begin() as conn:
            self._check_access(conn, namespace, from_namespace, now)
            delete_expired_kv(conn, namespace, now)
            written = put_kv(conn, namespace, key, value.type.value, value.value, now=now,
                             expires=expires, overwrite=overwrite)
        if not written:
            raise KVError(f"Cannot set value for key '{key}'. Key already exists and "
                          f"`overwrite` is set to `false`.")

    def delete(self, namespace: str, key: str, *, from_namespace: str | None = None) -> bool:
        """True when a live entry was deleted."""
        check_key(key)
        now = self.clock()
        with self.db.begin() as conn:
            self._check_access(conn, namespace, from_namespace, now)
            return delete_kv(conn, namespace, key, now)

    def list(self, namespace: str, prefix: str | None = None, *,
             from_namespace: str | None = None) -> list[KVEntry]:
        now = self.clock()
        with self.db.read() as conn:
            self._check_access(conn, namespace, from_namespace, now)
            return [_entry(row) for row in list_kv(conn, namespace, now, prefix)]

    def purge(self, namespace: str,
              choose: Callable[[builtins.list[KVEntry], datetime], builtins.list[str]]) -> int:
        """Delete the keys `choose(entries, now)` picks among every entry of the namespace
        (expired ones included), in one transaction; returns how many went. No access rule:
        the purge tasks may reach every namespace, as in Kestra OSS."""
        now = self.clock()
        with self.db.begin() as conn:
            entries = [_entry(row) for row in list_all_kv(conn, namespace)]
            return delete_kv_keys(conn, namespace, choose(entries, now))

    @staticmethod
    def _check_access(conn: Any, namespace: str, from_namespace: str | None,
                      now: datetime) -> None:
        if not namespace:
            raise KVError("The namespace of the KV store cannot be empty")
        if from_namespace is None or namespace == from_namespace \
                or from_namespace.startswith(namespace + "."):
            return
        if not namespace_in_use(conn, namespace, now):
            raise KVError(f"Cannot access the KV store. The namespace '{namespace}' does not "
                          f"exist.")


def _entry(row: KVRow) -> KVEntry:
    return KVEntry(namespace=row.namespace, key=row.key, type=KVType(row.type), value=row.value,
                   created=row.created, updated=row.updated, expires=row.expires)
