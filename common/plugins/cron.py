"""Cron expressions as Kestra's Schedule trigger accepts them (cron-utils with Kestra's definition).

Kestra's definition (``plugin/core/trigger/Schedule.java``): minute 0-59, hour 0-23,
day-of-month 1-31, month 1-12 (or JAN-DEC), day-of-week 0-7 (or MON-SUN; 0 and 7 are
Sunday), all with strict ranges, an optional leading seconds field 0-59 when
``withSeconds`` is set, and the nicknames @yearly @annually @monthly @weekly @daily
@midnight @hourly. It enables none of cron-utils' optional special characters, so
``?``, ``L``, ``W``, ``LW`` and ``#`` are rejected, as Kestra rejects them.

``parse_cron`` returns the set of allowed values of each field, so the scheduler can
compute fire dates from the same parse that validation uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
# cron-utils maps names with Monday = 1, so SUN is 7 (then folded to 0 like the digit 7).
_DAYS = {d: i for i, d in enumerate(("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"), 1)}


class CronError(ValueError):
    """An invalid cron expression; the message names the offending field."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int] | None = None


_SECOND = _Field("second", 0, 59)
_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, _MONTHS)
_DAY_OF_WEEK = _Field("day-of-week", 0, 7, _DAYS)


@dataclass(frozen=True)
class CronExpression:
    """A parsed expression: the allowed values of each field (day-of-week 0-6, 0 = Sunday)."""

    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]
    # Whether the day fields were restricted (not `*`): schedulers need this for the
    # day-of-month / day-of-week combination rule.
    day_of_month_restricted: bool
    day_of_week_restricted: bool


def parse_cron(expression: str, with_seconds: bool = False) -> CronExpression:
    """Parse a cron expression; raise CronError naming the bad field when it is invalid."""
    if not isinstance(expression, str):
        raise CronError("cron expression must be a string")
    text = " ".join(expression.split())
    if not text:
        raise CronError("empty cron expression")
    if text.startswith("@"):
        # cron-utils upper-cases the whole expression first, so nicknames are case-insensitive.
        nickname = NICKNAMES.get(text.lower())
        if nickname is None:
            raise CronError(f"unknown cron nickname '{text}'; expected one of "
                            + ", ".join(NICKNAMES))
        text = ("0 " if with_seconds else "") + nickname
    fields = [_MINUTE, _HOUR, _DAY_OF_MONTH, _MONTH, _DAY_OF_WEEK]
    if with_seconds:
        fields.insert(0, _SECOND)
    parts = text.upper().split(" ")
    if len(parts) != len(fields):
        raise CronError(f"cron expression has {len(parts)} fields but {len(fields)} are expected"
                        + (" (withSeconds is true)" if with_seconds else
                           " (set withSeconds: true for a leading seconds field)"
                           if len(parts) == 6 else ""))
    values = {f.name: _parse_field(part, f) for part, f in zip(parts, fields)}
    dow = frozenset(0 if d == 7 else d for d in values["day-of-week"])
    return CronExpression(
        expression=expression,
        seconds=values.get("second", frozenset({0})),
        minutes=values["minute"], hours=values["hour"],
        days_of_month=values["day-of-month"], months=values["month"], days_of_week=dow,
        day_of_month_restricted=parts[-3] != "*", day_of_week_restricted=parts[-1] != "*",
    )


# The most days each month can have (February has 29 in leap years, so `0 0 29 2 *` fires).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")


def never_fires_reason(cron: CronExpression) -> str | None:
    """Why a valid expression can never fire (`0 0 30 2 *`), or None when it can.

    Only the day-of-month can make that happen: every other field's values occur each day
    or each week. When the day-of-week is restricted too, a day matching either one fires
    (Unix cron's rule), so the expression fires on those weekdays.
    """
    if not cron.day_of_month_restricted or cron.day_of_week_restricted:
        return None
    if any(day <= _MONTH_DAYS[month - 1] for month in cron.months
           for day in cron.days_of_month):
        return None
    days = ", ".join(str(d) for d in sorted(cron.days_of_month))
    months = ", ".join(_MONTH_NAMES[m - 1] for m in sorted(cron.months))
    return f"it can never fire: day {days} does not exist in {months}"


def _parse_field(text: str, field: _Field) -> frozenset[int]:
    try:
        values: set[int] = set()
        for item in text.split(","):
            values |= _parse_item(item, field)
        return frozenset(values)
    except CronError as e:
        raise CronError(f"{field.name} field '{text}': {e}") from None


def _parse_item(item: str, field: _Field) -> set[int]:
    if item == "":
        raise CronError("empty list element")
    if "/" in item:
        base, _, step_text = item.partition("/")
        if "/" in step_text:
            raise CronError(f"invalid expression '{item}'")
        if step_text == "":
            raise CronError(f"missing step in '{item}'")
        step = _number(step_text)
        if not 0 < step <= field.high - field.low:
            raise CronError(f"step {step} not in range [1, {field.high - field.low}]")
        if base in ("*", ""):
            start, end = field.low, field.high
        elif "-" in base:
            start, end = _range(base, field)
        else:
            start, end = _value(base, field), field.high
        return set(range(start, end + 1, step))
    if item == "*":
        return set(range(field.low, field.high + 1))
    if "-" in item:
        start, end = _range(item, field)
        return set(range(start, end + 1))
    return {_value(item, field)}


def _range(text: str, field: _Field) -> tuple[int, int]:
    parts = text.split("-")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise CronError(f"'{text}' is not a range (negative numbers are not allowed)")
    start, end = _value(parts[0], field), _value(parts[1], field)
    if start > end:  # Kestra's definition uses strict ranges: no wrap-around
        raise CronError(f"invalid range {start}-{end}: start is after end")
    return start, end


def _value(text: str, field: _Field) -> int:
    if field.names and text in field.names:
        value = field.names[text]
    elif re.fullmatch(r"\d+", text):
        value = int(text)
    else:
        if text in ("?", "L", "W", "LW") or "#" in text or re.fullmatch(r"\d+[LW]", text):
            raise CronError(f"special character in '{text}' is not supported")
        raise CronError(f"invalid value '{text}'")
    if not field.low <= value <= field.high:
        raise CronError(f"value {value} not in range [{field.low}, {field.high}]")
    return value


def _number(text: str) -> int:
    if not re.fullmatch(r"\d+", text):
        raise CronError(f"invalid step '{text}'")
    return int(text)
