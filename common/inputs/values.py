"""Typed input values as JSON (what is stored, printed and put in the render context)."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any


def to_json_value(value: Any) -> Any:
    """Turn a typed input value into plain JSON data, printed as Kestra's Java types print.

    datetime -> ``2024-01-01T00:00:00Z`` (Instant.toString: UTC, fraction in groups of 3),
    date -> ``2024-01-01``, time -> ``10:00`` / ``10:00:30`` (LocalTime.toString),
    timedelta -> ``PT5M`` (Duration.toString). Containers are converted recursively;
    everything else is returned unchanged.
    """
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return format_local_time(value)
    if isinstance(value, timedelta):
        return format_java_duration(value)
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value


def _fraction(micros: int) -> str:
    if micros == 0:
        return ""
    if micros % 1000 == 0:
        return f".{micros // 1000:03d}"
    return f".{micros:06d}"


def format_instant(value: datetime) -> str:
    """Java ``Instant.toString()``; a naive datetime is taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(value.microsecond) + "Z"


def format_local_time(value: time) -> str:
    """Java ``LocalTime.toString()``: seconds only when not zero."""
    out = f"{value.hour:02d}:{value.minute:02d}"
    if value.second or value.microsecond:
        out += f":{value.second:02d}" + _fraction(value.microsecond)
    return out


def format_java_duration(value: timedelta) -> str:
    """Java ``Duration.toString()``: ``PT0S``, ``PT5M``, ``PT48H``, ``PT0.5S``, ``PT-1M``."""
    micros = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    if micros == 0:
        return "PT0S"
    seconds, nanos_us = divmod(micros, 1_000_000)  # floor: nanos part is always >= 0
    hours = int(seconds / 3600) if seconds >= 0 else -((-seconds) // 3600)
    minutes = int((seconds % 3600 if seconds >= 0 else -((-seconds) % 3600)) / 60)
    secs = seconds - hours * 3600 - minutes * 60
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs == 0 and nanos_us == 0:
        return out
    if secs < 0 and nanos_us > 0:
        text = "-0" if secs == -1 else str(secs + 1)
        frac = 1_000_000 - nanos_us
    else:
        text, frac = str(secs), nanos_us
    if frac:
        text += "." + f"{frac:06d}".rstrip("0")
    return out + text + "S"


def java_text(value: Any) -> str:
    """How Java's ``toString`` (or Jackson, for containers) prints a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(to_json_value(value), ensure_ascii=False, default=str)
    converted = to_json_value(value)
    return converted if isinstance(converted, str) else str(converted)
