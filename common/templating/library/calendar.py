"""Calendar functions: dayOfWeek, dayOfMonth, monthOfYear, hourOfDay, isWeekend,
isPublicHoliday, isDayWeekInMonth, isLastWorkingDay, isDateBefore, isDateAfter, isDateBetween.

Kestra's rules, kept here: the day-based functions read the *local* date written in the
value (`2025-01-06T00:30:00+02:00` is a Monday, whatever it is in UTC); the comparisons
compare instants, `isDateBetween` refusing a datetime without an offset while
`isDateBefore` / `isDateAfter` read a naive datetime or a plain date as UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._util import fail, is_missing, java_str

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
POSITIONS = ("FIRST", "SECOND", "THIRD", "FOURTH", "LAST")
_ZONE_SUFFIX = re.compile(r"^(.*)\[([^\]]+)\]$")
MAX_DATE_TEXT = 100


def _required(name: str, arg: str, value: Any) -> Any:
    if is_missing(value):
        fail(f"The '{name}()' function expects a '{arg}' argument.")
    return value


def _parse(name: str, arg: str, value: Any, *, need_offset: bool = False) -> dt.datetime | dt.date:
    """A date or datetime object, or an ISO 8601 text (`[Zone/Id]` suffix allowed)."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    text = java_str(value).strip()
    try:
        if len(text) > MAX_DATE_TEXT:
            raise ValueError("too long")
        zone = None
        suffix = _ZONE_SUFFIX.match(text)
        if suffix:
            text, zone = suffix.group(1), ZoneInfo(suffix.group(2))
        parsed = dt.datetime.fromisoformat(text) if "T" in text or " " in text \
            else dt.date.fromisoformat(text)
        if zone is not None and isinstance(parsed, dt.datetime) and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
    except (ValueError, ZoneInfoNotFoundError):
        fail(f"The '{name}()' function could not parse '{arg}': Text '{text}' could not be parsed")
    if need_offset and (not isinstance(parsed, dt.datetime) or parsed.tzinfo is None):
        fail(f"The '{name}()' function could not parse '{arg}': '{text}' has no time zone offset")
    return parsed


def _local_date(name: str, value: Any) -> dt.date:
    parsed = _parse(name, "date", _required(name, "date", value))
    return parsed.date() if isinstance(parsed, dt.datetime) else parsed


def _instant(name: str, arg: str, value: Any, need_offset: bool) -> dt.datetime:
    parsed = _parse(name, arg, _required(name, arg, value), need_offset=need_offset)
    if not isinstance(parsed, dt.datetime):
        parsed = dt.datetime.combine(parsed, dt.time())
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.timezone.utc)


def _day(name: str, arg: str, value: Any) -> int:
    text = java_str(_required(name, arg, value)).strip().upper()
    if text not in DAYS:
        fail(f"The '{name}()' function received an invalid '{arg}' value: '{value}'. "
             f"Expected one of: {', '.join(DAYS)}.")
    return DAYS.index(text)


def day_of_week(date: Any = None) -> Any:
    return DAYS[_local_date("dayOfWeek", date).weekday()]


def day_of_month(date: Any = None) -> Any:
    return _local_date("dayOfMonth", date).day


def month_of_year(date: Any = None) -> Any:
    return _local_date("monthOfYear", date).month


def hour_of_day(date: Any = None) -> Any:
    """The hour written in the value (0-23); a plain date has none."""
    parsed = _parse("hourOfDay", "date", _required("hourOfDay", "date", date))
    if not isinstance(parsed, dt.datetime):
        fail(f"The 'hourOfDay()' function could not parse 'date': '{date}' has no time")
    return parsed.hour


def is_weekend(date: Any = None) -> Any:
    return _local_date("isWeekend", date).weekday() >= 5


def is_day_week_in_month(date: Any = None, dayOfWeek: Any = None, position: Any = None) -> Any:  # noqa: N803
    """True when the date is the FIRST..FOURTH or LAST such weekday of its month."""
    day = _local_date("isDayWeekInMonth", date)
    weekday = _day("isDayWeekInMonth", "dayOfWeek", dayOfWeek)
    where = java_str(_required("isDayWeekInMonth", "position", position)).strip().upper()
    if where not in POSITIONS:
        fail(f"The 'isDayWeekInMonth()' function received an invalid 'position' value: "
             f"'{position}'. Expected one of: {', '.join(POSITIONS)}.")
    if day.weekday() != weekday:
        return False
    if where == "LAST":
        return (day + dt.timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 == POSITIONS.index(where)


def is_last_working_day(date: Any = None, workingDays: Any = None) -> Any:  # noqa: N803
    """True when the date is the month's last working day (Monday to Friday unless
    `workingDays`, day names separated by commas or spaces, says otherwise)."""
    day = _local_date("isLastWorkingDay", date)
    working = set(range(5))
    if not is_missing(workingDays) and java_str(workingDays).strip():
        working = {_day("isLastWorkingDay", "workingDays", part)
                   for part in re.split(r"[,\s]+", java_str(workingDays).strip()) if part}
    if day.weekday() not in working:
        return False
    candidate = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    while candidate.weekday() not in working:
        candidate -= dt.timedelta(days=1)
    return day == candidate


def is_public_holiday(date: Any = None, countryCode: Any = None, subDivision: Any = None) -> Any:  # noqa: N803
    """True when the date is a public holiday of the country (ISO 3166-1 alpha-2), or of
    one of its subdivisions (ISO 3166-2), after the `holidays` calendars."""
    day = _local_date("isPublicHoliday", date)
    country = java_str(_required("isPublicHoliday", "countryCode", countryCode)).strip().upper()
    region = None if is_missing(subDivision) or not java_str(subDivision).strip() \
        else java_str(subDivision).strip().upper()
    return day in holiday_calendar(country, region, day.year)


@lru_cache(maxsize=64)
def holiday_calendar(country: str, subdivision: str | None, year: int) -> Any:
    import holidays  # loaded on first use: it is large and most flows never need it

    try:
        return holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError:
        fail(f"Unknown country code '{country}' for isPublicHoliday()")
    except Exception as exc:  # noqa: BLE001 - an unknown subdivision, say
        fail(f"isPublicHoliday({country}, {subdivision}): {exc}")


def is_date_before(date: Any = None, reference: Any = None) -> Any:
    return _instant("isDateBefore", "date", date, False) < \
        _instant("isDateBefore", "reference", reference, False)


def is_date_after(date: Any = None, reference: Any = None) -> Any:
    return _instant("isDateAfter", "date", date, False) > \
        _instant("isDateAfter", "reference", reference, False)


def is_date_between(date: Any = None, after: Any = None, before: Any = None) -> Any:
    """Strictly after `after` and strictly before `before`, compared as instants."""
    value = _instant("isDateBetween", "date", date, True)
    lower = _instant("isDateBetween", "after", after, True)
    upper = _instant("isDateBetween", "before", before, True)
    return lower < value < upper


FUNCTIONS = {
    "dayOfWeek": day_of_week, "dayOfMonth": day_of_month, "monthOfYear": month_of_year,
    "hourOfDay": hour_of_day, "isWeekend": is_weekend, "isDayWeekInMonth": is_day_week_in_month,
    "isLastWorkingDay": is_last_working_day, "isPublicHoliday": is_public_holiday,
    "isDateBefore": is_date_before, "isDateAfter": is_date_after,
    "isDateBetween": is_date_between,
}
