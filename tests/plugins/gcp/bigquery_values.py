"""DuckDB types and values as the BigQuery REST API writes them (schemas and `f`/`v` rows),
and BigQuery schemas as DuckDB column types: the encoding half of the local BigQuery server."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

_SCALARS = {
    "BIGINT": "INTEGER", "INTEGER": "INTEGER", "SMALLINT": "INTEGER", "TINYINT": "INTEGER",
    "HUGEINT": "INTEGER", "UBIGINT": "INTEGER", "UINTEGER": "INTEGER", "USMALLINT": "INTEGER",
    "UTINYINT": "INTEGER", "DOUBLE": "FLOAT", "FLOAT": "FLOAT", "REAL": "FLOAT",
    "VARCHAR": "STRING", "BOOLEAN": "BOOLEAN", "DATE": "DATE", "TIMESTAMP": "DATETIME",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "TIME": "TIME", "BLOB": "BYTES", "JSON": "JSON",
    "INTERVAL": "INTERVAL", "UUID": "STRING", '"NULL"': "INTEGER", "NULL": "INTEGER"}

_TO_DUCKDB = {"INTEGER": "BIGINT", "INT64": "BIGINT", "FLOAT": "DOUBLE", "FLOAT64": "DOUBLE",
              "NUMERIC": "DECIMAL(38,9)", "BIGNUMERIC": "DECIMAL(38,9)", "STRING": "VARCHAR",
              "BOOLEAN": "BOOLEAN", "BOOL": "BOOLEAN", "DATE": "DATE", "DATETIME": "TIMESTAMP",
              "TIMESTAMP": "TIMESTAMPTZ", "TIME": "TIME", "BYTES": "BLOB", "JSON": "JSON",
              "GEOGRAPHY": "VARCHAR", "INTERVAL": "INTERVAL"}


def field_of(name: str, duck_type: str) -> dict[str, Any]:
    """The BigQuery schema field of a DuckDB column."""
    if duck_type.endswith("[]"):
        return {**field_of(name, duck_type[:-2]), "mode": "REPEATED"}
    if duck_type.startswith("STRUCT("):
        return {"name": name, "type": "RECORD", "mode": "NULLABLE",
                "fields": [field_of(n, t) for n, t in _struct_members(duck_type[7:-1])]}
    if duck_type.startswith("DECIMAL"):
        return {"name": name, "type": "NUMERIC", "mode": "NULLABLE"}
    return {"name": name, "type": _SCALARS.get(duck_type, "STRING"), "mode": "NULLABLE"}


def _struct_members(inner: str) -> list[tuple[str, str]]:
    members, depth, start = [], 0, 0
    for i, ch in enumerate(inner + ","):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            name, _, kind = inner[start:i].strip().partition(" ")
            members.append((name.strip('"'), kind.strip()))
            start = i + 1
    return members


def duck_column(field: dict[str, Any]) -> str:
    """The DuckDB column type of a BigQuery schema field."""
    kind = str(field.get("type", "STRING")).upper()
    if kind in ("RECORD", "STRUCT"):
        members = ", ".join(f'"{f["name"]}" {duck_column(f)}' for f in field.get("fields", []))
        duck = f"STRUCT({members})"
    else:
        duck = _TO_DUCKDB.get(kind)
        if duck is None:
            raise ValueError(f"Invalid value for type: {kind} is not a valid value")
    return duck + "[]" if str(field.get("mode", "")).upper() == "REPEATED" else duck


def cell(value: Any, field: dict[str, Any]) -> Any:
    """A value as the `v` of a row cell of `field`."""
    if value is None:
        return None
    if field.get("mode") == "REPEATED":
        scalar = {**field, "mode": "NULLABLE"}
        return [{"v": cell(item, scalar)} for item in value]
    kind = field["type"]
    if kind == "RECORD":
        return {"f": [{"v": cell(value.get(f["name"]), f)} for f in field["fields"]]}
    if kind == "BOOLEAN":
        return "true" if value else "false"
    if kind == "TIMESTAMP":  # the client asks for int64 microseconds since the epoch
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        return str(delta // dt.timedelta(microseconds=1))
    if kind == "DATETIME":
        return value.isoformat()
    if kind == "BYTES":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    if kind == "JSON" and not isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def row(values: tuple[Any, ...], schema: list[dict[str, Any]]) -> dict[str, Any]:
    return {"f": [{"v": cell(v, f)} for v, f in zip(values, schema)]}


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_name(kind: str, name: str) -> None:
    """BigQuery's rule for dataset and table ids (letters, digits, underscores)."""
    if not _IDENT.match(name.replace("-", "_").split("$")[0]):
        raise ValueError(f"Invalid {kind} ID \"{name}\". {kind.capitalize()} IDs must be "
                         "alphanumeric (plus underscores) and must be at most 1024 characters "
                         "long.")
