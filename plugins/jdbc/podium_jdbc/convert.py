"""Database values as Kestra's cell converters give them, then as outputs or ION.

A driver's value first becomes a *cell* (``cell()``), Kestra's Java value in Python dress:

=====================  ==========================================================
database value         cell
=====================  ==========================================================
timestamp              naive ``datetime`` (LocalDateTime)
timestamptz            aware ``datetime`` in the task's `timeZoneId` (ZonedDateTime)
date / time            ``date`` / ``time`` (LocalDate / LocalTime)
numeric / decimal      ``Decimal`` (BigDecimal)
interval               ISO-8601 text ``P0Y0M1DT2H3M4S`` (as Kestra's PostgreSQL converter)
uuid, inet, ...        text
json / jsonb / arrays  dicts and lists of cells
bytea / blob           ``bytes``
=====================  ==========================================================

``output_value()`` turns a cell into what a task output holds (JSON: dates as ISO text the
way Jackson writes them, decimals as numbers, bytes as base64); ``ion_line()`` writes a row
of cells as one line of an ION file (timestamps and decimals keep their ION types).
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from podium.sdk.ion import java_iso, to_ion


def iso_interval(value: dt.timedelta) -> str:
    """A duration as Kestra's PostgreSQL converter writes an interval (years and months are
    folded into days by the driver, so they stay 0)."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"P0Y0M{sign}{days}DT{sign}{hours}H{sign}{minutes}M{sign}{secs}S"


def cell(value: Any, zone: dt.tzinfo) -> Any:
    """The Kestra value of one database value (see the module's table)."""
    if value is None or isinstance(value, (bool, int, float, str, Decimal)):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(zone) if value.tzinfo is not None else value
    if isinstance(value, (dt.date, dt.time)):
        return value
    if isinstance(value, dt.timedelta):
        return iso_interval(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, Mapping):
        return {str(k): cell(v, zone) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [cell(v, zone) for v in value]
    if isinstance(value, (uuid.UUID, ipaddress._BaseAddress, ipaddress._BaseNetwork)):
        return str(value)
    return str(value)  # an exotic type (range, geometry...): its text form


def output_value(value: Any) -> Any:
    """A cell as a task output holds it (JSON types only)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and value.as_tuple().exponent >= 0:  # type: ignore[operator]
            return int(value)
        return float(value)
    if isinstance(value, (dt.date, dt.time)):
        return java_iso(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: output_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [output_value(v) for v in value]
    return str(value)


def output_row(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {k: output_value(v) for k, v in row.items()}


def ion_line(row: Mapping[str, Any]) -> str:
    """One row of cells as a line of an ION file, as Kestra's FileSerde writes it."""
    return to_ion(dict(row)) + "\n"


def zone_of(time_zone_id: str | None) -> dt.tzinfo:
    """The task's `timeZoneId` (default: the worker's own zone, as Kestra)."""
    if not time_zone_id:
        local = dt.datetime.now().astimezone().tzinfo
        return local if local is not None else dt.timezone.utc
    try:
        return ZoneInfo(time_zone_id)
    except (KeyError, ValueError):
        raise ValueError(f"`timeZoneId` is not a known time zone: {time_zone_id!r}") from None
