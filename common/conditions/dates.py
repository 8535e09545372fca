"""The date and time conditions (Kestra's ScheduleCondition types), judged on one moment.

A condition's `date` property is an expression (`{{ trigger.date }}` by default); the
caller's context turns it into the moment to judge (`ConditionContext.moment`): a Schedule
renders it with the candidate date's variables, a Flow trigger reads the time of the state
change. The moment is read in its own offset, as Kestra's DateUtils does: DayWeek and
Weekend look at its local date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from podium.common.conditions.errors import ConditionError
from podium.common.plugins import conditions as kinds

if TYPE_CHECKING:
    from podium.common.conditions.evaluate import ConditionContext

_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_NTH = {"FIRST": 0, "SECOND": 1, "THIRD": 2, "FOURTH": 3}


def as_datetime(value: Any) -> datetime:
    """A rendered date (ISO text, with or without offset, or a datetime) as an aware
    datetime; UTC when it names no offset. Raises ConditionError."""
    parsed = value if isinstance(value, datetime) else _parse(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def date_time_between(cond: kinds.DateTimeBetween, ctx: ConditionContext) -> bool:
    current = ctx.moment(cond.date)
    return _between(current, cond.after and as_datetime(cond.after),
                    cond.before and as_datetime(cond.before))


def time_between(cond: kinds.TimeBetween, ctx: ConditionContext) -> bool:
    current = _utc_time_of_day(ctx.moment(cond.date))
    return _between(current, cond.after and _offset_time(cond.after),
                    cond.before and _offset_time(cond.before))


def day_week(cond: kinds.DayWeek, ctx: ConditionContext) -> bool:
    return _day(cond.date, ctx).weekday() == _WEEKDAYS.index(cond.day_of_week)


def day_week_in_month(cond: kinds.DayWeekInMonth, ctx: ConditionContext) -> bool:
    return _is_nth_weekday(_day(cond.date, ctx), cond.day_of_week, cond.day_in_month)


def weekend(cond: kinds.Weekend, ctx: ConditionContext) -> bool:
    return _day(cond.date, ctx).weekday() >= 5


def public_holiday(cond: kinds.PublicHoliday, ctx: ConditionContext) -> bool:
    day = _day(cond.date, ctx)
    return day in _calendar(cond.country, cond.sub_division, day.year)


def _parse(text: str) -> datetime:
    cleaned = text.split("[", 1)[0].strip()  # Java's [Region/Zone] suffix
    try:
        return datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        try:
            return datetime.combine(date.fromisoformat(cleaned), time(0))
        except ValueError:
            raise ConditionError(f"'{text}' is not a date-time") from None


def _day(template: str, ctx: ConditionContext) -> date:
    return ctx.moment(template).date()  # the local date in its own offset


def _between(value: Any, after: Any, before: Any) -> bool:
    if after is None and before is None:
        raise ConditionError("invalid condition with no before nor after")
    return (after is None or value > after) and (before is None or value < before)


def _utc_time_of_day(value: datetime) -> timedelta:
    # java.time.OffsetTime compares the instants on one day: the UTC time of day.
    offset = value.utcoffset() or timedelta(0)
    local = timedelta(hours=value.hour, minutes=value.minute, seconds=value.second,
                      microseconds=value.microsecond)
    return (local - offset) % timedelta(days=1)


def _offset_time(text: Any) -> timedelta:
    raw = str(text).strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = time.fromisoformat(raw)
    except ValueError:
        raise ConditionError(f"'{text}' is not a time with an offset") from None
    offset = parsed.utcoffset() or timedelta(0)
    local = timedelta(hours=parsed.hour, minutes=parsed.minute, seconds=parsed.second,
                      microseconds=parsed.microsecond)
    return (local - offset) % timedelta(days=1)


def _is_nth_weekday(day: date, weekday: str, which: str) -> bool:
    target = _WEEKDAYS.index(weekday)
    if day.weekday() != target:
        return False
    if which == "LAST":
        return (day + timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 == _NTH[which]


@lru_cache(maxsize=64)  # immutable holiday tables: safe to share across services
def _calendar(country: str | None, subdivision: str | None, year: int) -> Any:
    import holidays  # imported on first use: most flows never need it

    # Kestra (Jollyday) defaults to the JVM's locale country; we need one.
    if not country:
        raise ConditionError("PublicHoliday needs `country` (ISO 3166 code, e.g. FR)")
    try:
        return holidays.country_holidays(country.upper(), subdiv=subdivision, years=year)
    except NotImplementedError:
        raise ConditionError(f"unknown country '{country}' for PublicHoliday") from None
    except Exception as exc:  # noqa: BLE001 - e.g. an unknown subdivision
        raise ConditionError(f"PublicHoliday {country}/{subdivision}: {exc}") from None
