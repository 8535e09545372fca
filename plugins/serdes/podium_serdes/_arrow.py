"""Avro schemas as Arrow schemas, for IonToParquet (what parquet-avro maps them to)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

_PRIMITIVES = {"boolean": pa.bool_(), "int": pa.int32(), "long": pa.int64(),
               "float": pa.float32(), "double": pa.float64(), "string": pa.string(),
               "bytes": pa.binary(), "null": pa.null(), "enum": pa.string(),
               "fixed": pa.binary()}
_LOGICAL = {"date": pa.date32(), "time-millis": pa.time32("ms"), "time-micros": pa.time64("us"),
            "timestamp-millis": pa.timestamp("ms", tz="UTC"),
            "timestamp-micros": pa.timestamp("us", tz="UTC"),
            "local-timestamp-millis": pa.timestamp("ms"),
            "local-timestamp-micros": pa.timestamp("us"), "uuid": pa.string()}


def arrow_schema(schema: dict[str, Any]) -> pa.Schema:
    return pa.schema([_field(f["name"], f["type"]) for f in schema["fields"]])


def _field(name: str, kind: Any) -> pa.Field:
    nullable = False
    if isinstance(kind, list):
        others = [k for k in kind if k != "null"]
        nullable = len(others) < len(kind)
        if len(others) != 1:
            if not others:
                return pa.field(name, pa.null())
            raise ValueError(f"field '{name}': Parquet takes no union of several types")
        kind = others[0]
    return pa.field(name, _type(name, kind), nullable=nullable)


def _type(name: str, kind: Any) -> pa.DataType:
    if isinstance(kind, str):
        if kind not in _PRIMITIVES:
            raise ValueError(f"field '{name}': unsupported Avro type '{kind}'")
        return _PRIMITIVES[kind]
    logical = kind.get("logicalType")
    if logical == "decimal":
        precision = int(kind.get("precision", 38))
        return (pa.decimal128 if precision <= 38 else pa.decimal256)(precision,
                                                                     int(kind.get("scale", 0)))
    if logical in _LOGICAL:
        return _LOGICAL[logical]
    base = kind.get("type")
    if base == "array":
        return pa.list_(_field("element", kind["items"]))
    if base == "map":
        return pa.map_(pa.string(), _field("value", kind["values"]).type)
    if base == "record":
        return pa.struct([_field(f["name"], f["type"]) for f in kind["fields"]])
    return _type(name, base)
