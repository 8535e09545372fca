"""Kestra date filters and the now() function (AbstractDate, DateFilter, DateAddFilter, ...)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from ._util import fail, is_missing, require_int, type_name
from .java_date_parse import parse_date
from .java_dates import Zone, format_date, parse_zone

UTC = dt.timezone.utc


def _utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


clock = _utcnow  # tests may replace this


def _english(locale: Any) -> bool:
    if locale is None:
        return True
    if not isinstance(locale, str):
        fail(f"locale must be a string, got {type_name(locale)}")
    return locale.replace("-", "_").split("_")[0].lower() in ("en", "")


def convert(value: Any, zone: Zone, existing_format: str | None = None) -> dt.datetime:
    """AbstractDate.convert: any supported input to an aware datetime."""
    try:
        return _convert(value, zone, existing_format)
    except (OverflowError, ValueError):
        fail("Date out of the supported range (years 1 to 9999)")


def _convert(value: Any, zone: Zone, existing_format: str | None) -> dt.datetime:
    if isinstance(value, bool):
        fail("The date filters cannot be applied to a boolean")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:  # LocalDateTime
            return value.replace(tzinfo=zone.tz).astimezone(UTC).astimezone(zone.tz)
        return value
    if isinstance(value, dt.date):  # LocalDate: noon
        return dt.datetime.combine(value, dt.time(12), zone.tz)
    if isinstance(value, (int, float, Decimal)):  # epoch seconds
        try:
            return dt.datetime.fromtimestamp(float(value), UTC).astimezone(zone.tz)
        except (OverflowError, ValueError, OSError):
            fail(f"Epoch seconds out of range: {value}")
    if isinstance(value, str):
        if existing_format is not None and not isinstance(existing_format, str):
            fail("existingFormat must be a string")
        return parse_date(value, zone, existing_format)
    fail(f"Unable to convert a {type_name(value)} to a date")


def _format(d: dt.datetime, format: Any, timeZone: Any, locale: Any) -> str:
    if format is None:
        format = "iso"
    if not isinstance(format, str):
        fail(f"The date format must be a string, got {type_name(format)}")
    zone = parse_zone(timeZone)
    try:
        target = d.astimezone(zone.tz)
    except (OverflowError, ValueError):
        fail("Date out of range")
    return format_date(format, target, zone, _english(locale))


def date(value: Any, format: Any = "iso", timeZone: Any = None, existingFormat: Any = None, locale: Any = None) -> Any:
    """`date` filter: format a date, a date string or epoch seconds."""
    if is_missing(value):
        return None
    return _format(convert(value, parse_zone(timeZone), existingFormat), format, timeZone, locale)


_TIME_UNITS = {"NANOS": 1e-9, "MICROS": 1e-6, "MILLIS": 1e-3, "SECONDS": 1, "MINUTES": 60,
               "HOURS": 3600, "HALF_DAYS": 43200}
_DATE_UNITS = {"DAYS": ("days", 1), "WEEKS": ("days", 7), "MONTHS": ("months", 1),
               "YEARS": ("years", 1), "DECADES": ("years", 10), "CENTURIES": ("years", 100),
               "MILLENNIA": ("years", 1000)}


def add(d: dt.datetime, amount: Any, unit: Any) -> dt.datetime:
    amount = require_int(amount, "The 'dateAdd' amount", -(10**12), 10**12)
    if not isinstance(unit, str):
        fail("The 'dateAdd' unit must be a string such as 'DAYS' or 'HOURS'")
    u = unit.upper()
    try:
        if u in _TIME_UNITS:
            if u in ("NANOS", "MICROS"):
                delta = dt.timedelta(microseconds=amount // 1000 if u == "NANOS" else amount)
            else:
                delta = dt.timedelta(seconds=amount * _TIME_UNITS[u])
            return (d.astimezone(UTC) + delta).astimezone(d.tzinfo)
        if u in _DATE_UNITS:
            name, mult = _DATE_UNITS[u]
            local = d.replace(tzinfo=None) + relativedelta(**{name: amount * mult})
            return local.replace(tzinfo=d.tzinfo).astimezone(UTC).astimezone(d.tzinfo)
    except (OverflowError, ValueError):
        fail(f"dateAdd({amount}, '{unit}') is out of the supported date range")
    fail(f"Unknown time unit '{unit}' (use NANOS, MICROS, MILLIS, SECONDS, MINUTES, HOURS, "
         "HALF_DAYS, DAYS, WEEKS, MONTHS, YEARS, DECADES, CENTURIES or MILLENNIA)")


def date_add(value: Any, amount: Any = None, unit: Any = None, format: Any = "iso", timeZone: Any = None, existingFormat: Any = None, locale: Any = None) -> Any:
    """`dateAdd` filter."""
    if is_missing(value):
        return None
    if amount is None or unit is None:
        fail("The 'dateAdd' filter expects the arguments 'amount' and 'unit'")
    d = convert(value, parse_zone(timeZone), existingFormat)
    return _format(add(d, amount, unit), format, timeZone, locale)


def _epoch(value: Any, timeZone: Any, existingFormat: Any) -> tuple[int, int]:
    d = convert(value, parse_zone(timeZone), existingFormat)
    delta = d.astimezone(UTC) - dt.datetime(1970, 1, 1, tzinfo=UTC)
    seconds = delta.days * 86400 + delta.seconds
    return seconds, delta.microseconds * 1000


def timestamp(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """`timestamp` filter: epoch seconds (a number)."""
    if is_missing(value):
        return None
    return _epoch(value, timeZone, existingFormat)[0]


def timestamp_milli(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """`timestampMilli`: epoch milliseconds (a number, as Kestra's Long)."""
    if is_missing(value):
        return None
    seconds, nanos = _epoch(value, timeZone, existingFormat)
    return seconds * 1000 + nanos // 10**6


def timestamp_micro(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """`timestampMicro`: Kestra computes seconds-as-nanos + micros (a string); we match it."""
    if is_missing(value):
        return None
    seconds, nanos = _epoch(value, timeZone, existingFormat)
    return str(seconds * 10**9 + nanos // 1000)


def timestamp_nano(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """`timestampNano`: epoch nanoseconds (a string)."""
    if is_missing(value):
        return None
    seconds, nanos = _epoch(value, timeZone, existingFormat)
    return str(seconds * 10**9 + nanos)


def now(format: Any = "iso", timeZone: Any = None, locale: Any = None) -> Any:
    """`now()` function: the current time formatted like `date`."""
    return _format(clock(), format, timeZone, locale)


FILTERS = {"date": date, "dateAdd": date_add, "timestamp": timestamp,
           "timestampMilli": timestamp_milli, "timestampMicro": timestamp_micro,
           "timestampNano": timestamp_nano}
FUNCTIONS = {"now": now}
