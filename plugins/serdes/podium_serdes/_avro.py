"""Kestra's AbstractAvroConverter, shared by IonToAvro and IonToParquet: the properties, the
Avro schema (given, or inferred from the first rows), and each ION record converted to the
schema's types (text from CSV parsed as numbers, booleans, dates... as Kestra does)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO, Callable, Iterator

from pydantic import Field

from podium.sdk import RunContext, StrictModel, TaskFailure
from podium.sdk.ion import read_ion

from ._base import OnBadLines
from ._java_parse import parse
from ._text import java_string, zone

KEY = "podium.key"  # an inferred field's ION key, when it is not a valid Avro name
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class AvroProperties(StrictModel):
    schema_: str | None = Field(None, alias="schema")
    number_of_rows_to_scan: int = 100
    true_values: list[str] = ["t", "true", "enabled", "1", "on", "yes"]
    false_values: list[str] = ["f", "false", "disabled", "0", "off", "no", ""]
    null_values: list[str] = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN",
                              "1.#IND", "1.#QNAN", "NA", "n/a", "nan", "null"]
    date_format: str = "yyyy-MM-dd[XXX]"
    time_format: str = "HH:mm[:ss][.SSSSSS][XXX]"
    datetime_format: str = "yyyy-MM-dd'T'HH:mm[:ss][.SSSSSS][XXX]"
    decimal_separator: str = "."
    strict_schema: bool = False
    infer_all_fields: bool = False
    time_zone_id: str | None = None
    on_bad_lines: OnBadLines = "ERROR"


def load_schema(ctx: RunContext, props: Any, rows: Callable[[], BinaryIO]) -> dict[str, Any]:
    """The `schema` property parsed, else one inferred from the first rows of the file."""
    if props.schema_:
        try:
            schema = json.loads(str(ctx.render(props.schema_)))
        except json.JSONDecodeError as exc:
            raise TaskFailure(f"schema: invalid Avro schema (not JSON): {exc}") from None
        if not isinstance(schema, dict) or schema.get("type") != "record":
            raise TaskFailure("schema: the Avro schema must be a record")
        return schema
    limit = None if props.infer_all_fields else props.number_of_rows_to_scan
    with rows() as stream:
        return infer(_first(read_ion(stream), limit))


def _first(values: Iterator[Any], limit: int | None) -> Iterator[Any]:
    for index, value in enumerate(values):
        if limit is not None and index >= limit:
            return
        yield value


# ---------------------------------------------------------------- inference

def infer(rows: Iterator[Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for row in rows:
        if isinstance(row, dict):
            for key, value in row.items():
                fields[key] = _merge(fields.get(key), _type_of(value, key))
    return _record("root", fields)


def _record(name: str, fields: dict[str, Any]) -> dict[str, Any]:
    out = []
    for key, kind in fields.items():
        field: dict[str, Any] = {"name": _avro_name(key), "type": _nullable(kind),
                                 "default": None}
        if field["name"] != key:
            field[KEY] = key
        out.append(field)
    return {"type": "record", "name": _avro_name(name), "fields": out}


def _avro_name(key: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", str(key)) or "_"
    return name if _NAME.fullmatch(name) else "_" + name


def _nullable(kind: Any) -> Any:
    if kind is None or kind == "null":
        return "null"
    return ["null", kind]


def _type_of(value: Any, key: str) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, (float, Decimal)):
        return "double"
    if isinstance(value, dt.datetime):
        return {"type": "long", "logicalType": "timestamp-millis"}
    if isinstance(value, dt.date):
        return {"type": "int", "logicalType": "date"}
    if isinstance(value, (bytes, bytearray)):
        return "bytes"
    if isinstance(value, dict):
        nested: dict[str, Any] = {}
        for k, v in value.items():
            nested[k] = _merge(nested.get(k), _type_of(v, k))
        return {"record": nested, "name": key}
    if isinstance(value, list):
        item = None
        for v in value:
            item = _merge(item, _type_of(v, key + "_item"))
        return {"array": item}
    return "string"


def _merge(a: Any, b: Any) -> Any:
    if a is None:
        return _finish(b)
    if b is None:
        return a
    b = _finish(b)
    if a == b:
        return a
    if {json.dumps(a), json.dumps(b)} == {'"long"', '"double"'}:
        return "double"
    return "string"  # mixed kinds: the text of each value


def _finish(kind: Any) -> Any:
    if isinstance(kind, dict) and "record" in kind:
        return _record(kind["name"], kind["record"])
    if isinstance(kind, dict) and "array" in kind:
        return {"type": "array", "items": _nullable(kind["array"])}
    return kind


# ---------------------------------------------------------------- conversion

class Converter:
    """ION values to the Python values fastavro / pyarrow write for a schema."""

    def __init__(self, ctx: RunContext, props: Any) -> None:
        self.props = props
        self.tz = zone(ctx, props.time_zone_id).tz
        self.true = set(props.true_values)
        self.false = set(props.false_values)
        self.nulls = set(props.null_values)
        self.date_format = str(ctx.render(props.date_format))
        self.time_format = str(ctx.render(props.time_format))
        self.datetime_format = str(ctx.render(props.datetime_format))
        self.decimal_separator = props.decimal_separator

    def row(self, schema: dict[str, Any], row: Any) -> dict[str, Any]:
        if isinstance(row, list):
            names = [f["name"] for f in schema["fields"]]
            if len(names) == 1 and _base(schema["fields"][0]["type"]) == "array":
                row = {names[0]: row}
            else:
                row = dict(zip(names, row))
        if not isinstance(row, dict):
            raise ValueError(f"a record must be a struct, not {java_string(row)}")
        return self.record(schema, row, "")

    def record(self, schema: dict[str, Any], row: dict[str, Any], path: str) -> dict[str, Any]:
        out, known = {}, set()
        for field in schema["fields"]:
            key = field.get(KEY, field["name"])
            known.add(key)
            value = row.get(key, field.get("default"))
            out[field["name"]] = self.value(field["type"], value, path + field["name"])
        if self.props.strict_schema and set(row) - known:
            extra = ", ".join(sorted(set(map(str, row)) - known))
            raise ValueError(f"fields not in the schema: {extra}")
        return out

    def value(self, kind: Any, value: Any, path: str) -> Any:
        if isinstance(kind, list):
            return self.union(kind, value, path)
        if isinstance(value, str) and value in self.nulls and _base(kind) != "string":
            value = None
        name = _base(kind)
        logical = kind.get("logicalType") if isinstance(kind, dict) else None
        if value is None:
            if name == "null":
                return None
            raise ValueError(f"field '{path}': null value for a non-nullable {name}")
        try:
            return self._typed(kind, name, logical, value, path)
        except (ValueError, TypeError, InvalidOperation, ArithmeticError) as exc:
            raise ValueError(f"field '{path}': cannot convert {java_string(value)!r} to "
                             f"{logical or name}: {exc}") from None

    def union(self, kinds: list[Any], value: Any, path: str) -> Any:
        if "null" in kinds and (value is None or (isinstance(value, str) and value in self.nulls)):
            return None  # Kestra: a null value of a nullable field, text included
        errors = []
        for kind in kinds:
            if kind == "null":
                continue
            try:
                return self.value(kind, value, path)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0] if errors else f"field '{path}': no type of the union fits")

    def _typed(self, kind: Any, name: str, logical: str | None, value: Any, path: str) -> Any:
        if logical == "date":
            return self._date(value)
        if logical in ("time-millis", "time-micros"):
            return self._time(value)
        if logical in ("timestamp-millis", "timestamp-micros", "local-timestamp-millis",
                       "local-timestamp-micros"):
            return self._datetime(value, local=logical.startswith("local"))
        if logical == "decimal":
            return self._decimal(value).quantize(Decimal(1).scaleb(-int(kind.get("scale", 0))))
        if logical == "uuid":
            return str(value)
        return self._plain(kind, name, value, path)

    def _plain(self, kind: Any, name: str, value: Any, path: str) -> Any:
        if name == "boolean":
            return self._bool(value)
        if name in ("int", "long"):
            if isinstance(value, bool):
                raise ValueError("a boolean is not a number")
            if isinstance(value, str):
                return int(value.strip())
            if isinstance(value, (float, Decimal)) and value != int(value):
                raise ValueError("not a whole number")
            return int(value)
        if name in ("float", "double"):
            if isinstance(value, str):
                return float(value.strip().replace(self.decimal_separator, "."))
            if isinstance(value, bool):
                raise ValueError("a boolean is not a number")
            return float(value)
        if name == "string":
            return value if isinstance(value, str) else java_string(value)
        if name in ("bytes", "fixed"):
            return value if isinstance(value, (bytes, bytearray)) else str(value).encode()
        if name == "enum":
            if str(value) not in kind["symbols"]:
                raise ValueError(f"not one of {kind['symbols']}")
            return str(value)
        if name == "array":
            return [self.value(kind["items"], v, f"{path}[{i}]") for i, v in enumerate(value)]
        if name == "map":
            return {str(k): self.value(kind["values"], v, f"{path}.{k}") for k, v in value.items()}
        if name == "record":
            if not isinstance(value, dict):
                raise ValueError("expected a struct")
            return self.record(kind, value, path + ".")
        raise ValueError(f"unsupported Avro type {name}")

    def _bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = java_string(value).strip()
        if text in self.true:
            return True
        if text in self.false:
            return False
        raise ValueError("not one of trueValues or falseValues")

    def _decimal(self, value: Any) -> Decimal:
        if isinstance(value, str):
            return Decimal(value.strip().replace(self.decimal_separator, "."))
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)

    def _date(self, value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        parsed = parse(str(value), self.date_format, self.tz)
        return parsed.date() if isinstance(parsed, dt.datetime) else parsed

    def _time(self, value: Any) -> dt.time:
        if isinstance(value, dt.time):
            return value.replace(tzinfo=None)
        parsed = parse(str(value), self.time_format, self.tz)
        return (parsed.time() if isinstance(parsed, dt.datetime) else parsed).replace(tzinfo=None)

    def _datetime(self, value: Any, local: bool) -> dt.datetime:
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime.combine(value, dt.time())
        else:
            moment = parse(str(value), self.datetime_format, self.tz)
            if not isinstance(moment, dt.datetime):
                raise ValueError("not a date-time")
        if local:
            return moment.replace(tzinfo=None)
        return moment if moment.tzinfo else moment.replace(tzinfo=self.tz)


def _base(kind: Any) -> str:
    if isinstance(kind, dict):
        return str(kind.get("type"))
    if isinstance(kind, list):
        return "union"
    return str(kind)


def converted(ctx: RunContext, props: Any, schema: dict[str, Any], rows: Iterator[Any],
              mode: str) -> Iterator[dict[str, Any]]:
    """Each row converted; a row that does not fit fails the task, or is skipped (onBadLines)."""
    converter = Converter(ctx, props)
    for index, row in enumerate(rows):
        try:
            yield converter.row(schema, row)
        except ValueError as exc:
            message = f"record {index + 1}: {exc}"
            if mode == "ERROR":
                raise TaskFailure(message) from None
            if mode == "WARN":
                ctx.log("WARN", f"Bad record skipped (onBadLines=WARN): {message}")
