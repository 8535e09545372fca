"""BigQuery result rows as Kestra's Query outputs them (its convertCell): DATE and TIME as
ISO text, DATETIME as ISO text with a `Z`, TIMESTAMP as an instant, NUMERIC and FLOAT as
numbers, GEOGRAPHY points as `[x, y]`, JSON parsed, RECORD as a map, REPEATED as a list.

`json_row` gives the values outputs hold (JSON types); `ion_row` the values of a stored ION
file (dates and instants as ION timestamps, BIGNUMERIC as a decimal, BYTES as a blob).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the rows come from a job, which imported BigQuery's library
    from google.cloud.bigquery import SchemaField

_POINT = re.compile(r"^POINT\(([-0-9.]+) ([-0-9.]+)\)$")


def json_row(row: Any, schema: list[SchemaField]) -> dict[str, Any]:
    return {f.name: _cell(row[f.name], f, for_ion=False) for f in schema}


def ion_row(row: Any, schema: list[SchemaField]) -> dict[str, Any]:
    return {f.name: _cell(row[f.name], f, for_ion=True) for f in schema}


def _cell(value: Any, field: SchemaField, *, for_ion: bool, in_list: bool = False) -> Any:
    if field.mode == "REPEATED" and not in_list:
        return [_cell(v, field, for_ion=for_ion, in_list=True) for v in value or []]
    if value is None:
        return None
    kind = field.field_type
    if kind in ("RECORD", "STRUCT"):
        return {sub.name: _cell(value.get(sub.name), sub, for_ion=for_ion)
                for sub in field.fields}
    if kind in ("FLOAT", "FLOAT64", "NUMERIC"):
        return float(value)
    if kind == "BIGNUMERIC":
        return value if for_ion else str(value)
    if kind in ("INTEGER", "INT64"):
        return int(value)
    if kind == "BYTES":
        return value if for_ion else base64.b64encode(value).decode()
    if kind == "DATE":
        return value if for_ion else value.isoformat()
    if kind == "DATETIME":
        return value.isoformat() + "Z"
    if kind == "TIMESTAMP":
        return value if for_ion else _instant(value)
    if kind == "TIME":
        return value.isoformat()
    if kind == "GEOGRAPHY":
        match = _POINT.match(str(value))
        if not match:
            raise ValueError(f"Couldn't match '{value}'")
        return [float(match.group(1)), float(match.group(2))]
    if kind == "JSON":
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(value, Decimal):
        return float(value)
    return value


def _instant(value: dt.datetime) -> str:
    value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat() + "Z"
