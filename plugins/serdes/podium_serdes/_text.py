"""Values as text, as Kestra's AbstractTextWriter writes them (CSV cells): date-times in the
`dateTimeFormat` (UTC), dates in `dateFormat`, times in `timeFormat`, Java's `toString`
for the rest."""

from __future__ import annotations

import base64
import datetime as dt
import math
from decimal import Decimal
from typing import Any

from podium.sdk import RunContext, StrictModel, TaskFailure  # noqa: I001
from podium.sdk.ion import Zone, format_pattern, parse_zone


class DateFormats(StrictModel):
    """Kestra's AbstractTextWriter properties (mixed into the writing tasks)."""

    date_format: str = "yyyy-MM-dd"
    time_format: str = "HH:mm:ss[XXX]"
    date_time_format: str = "yyyy-MM-dd'T'HH:mm:ss.SSS[XXX]"
    time_zone_id: str | None = None


class TextFormatter:
    def __init__(self, ctx: RunContext, props: Any) -> None:
        self.date = str(ctx.render(props.date_format))
        self.time = str(ctx.render(props.time_format))
        self.date_time = str(ctx.render(props.date_time_format))
        self.zone = zone(ctx, props.time_zone_id)
        self.utc = parse_zone("UTC")
        for name, pattern in (("dateFormat", self.date), ("timeFormat", self.time),
                              ("dateTimeFormat", self.date_time)):
            try:
                format_pattern(pattern, dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc), self.utc)
            except Exception as exc:
                raise TaskFailure(f"{name}: invalid date pattern '{pattern}': {exc}") from None

    def text(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, dt.datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
            return format_pattern(self.date_time, moment.astimezone(dt.timezone.utc), self.utc)
        if isinstance(value, dt.date):
            return format_pattern(self.date, dt.datetime.combine(value, dt.time(),
                                                                 dt.timezone.utc), self.utc)
        if isinstance(value, dt.time):
            moment = dt.datetime.combine(dt.date(2000, 1, 1), value)
            tz = value.tzinfo or self.zone.tz
            return format_pattern(self.time, moment.replace(tzinfo=tz), self.zone)
        return java_string(value)


def zone(ctx: RunContext, value: str | None) -> Zone:
    rendered = ctx.render(value) if value else None
    try:
        return parse_zone(rendered or None)
    except Exception as exc:
        raise TaskFailure(f"timeZoneId: {exc}") from None


def java_string(value: Any) -> str:
    """Java's String.valueOf of the value Kestra's ION reader gives."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    return str(value)


def java_double(x: float) -> str:
    """Double.toString: plain between 1e-3 and 1e7, else computerized scientific."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        text = repr(x)
        return text if "e" not in text else f"{x:f}".rstrip("0")
    # The shortest digits that read back as x (Python's repr, Java's algorithm too).
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    text = "".join(map(str, digits))
    power = len(text) - 1 + int(exponent)
    mantissa = text[0] + "." + (text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{power}"
