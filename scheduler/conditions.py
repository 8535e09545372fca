"""Schedule conditions (Kestra's ScheduleCondition) evaluated against one candidate date.

`date` properties are expressions, `{{ trigger.date }}` by default, rendered with the
candidate's trigger variables, then read as an ISO date-time in its own offset, as Kestra's
DateUtils does. A condition type that cannot be judged from a date alone (ExecutionOutputs,
which needs an upstream execution) raises ConditionError; the service logs it and skips the
date, as Kestra does for a condition that fails to evaluate.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any

from common.errors import PodiumError
from common.plugins import conditions as kinds
from common.plugins.base import Condition
from common.templating import is_truthy, render

_DEFAULT_DATE = "{{ trigger.date }}"
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_NTH = {"FIRST": 0, "SECOND": 1, "THIRD": 2, "FOURTH": 3}


class ConditionError(PodiumError):
    """A condition could not be evaluated for a date."""


def all_hold(conditions: list[Condition], variables: dict[str, Any]) -> bool:
    """True when every schedule condition holds for the trigger variables (`date`, ...)."""
    context = {"trigger": variables, "schedule": variables}
    return all(holds(condition, context) for condition in conditions
               if condition.SCHEDULE_CONDITION)


def holds(condition: Condition, context: dict[str, Any]) -> bool:
    if isinstance(condition, kinds.Not):
        return not any(holds(c, context) for c in condition.conditions)
    if isinstance(condition, kinds.Or):
        return any(holds(c, context) for c in condition.conditions)
    if isinstance(condition, kinds.Expression):
        return is_truthy(_render(condition.expression, context))
    if isinstance(condition, kinds.DateTimeBetween):
        current = _datetime(_render(condition.date, context))
        return _between(current, condition.after and _datetime(condition.after),
                        condition.before and _datetime(condition.before))
    if isinstance(condition, kinds.TimeBetween):
        current = _utc_time_of_day(_datetime(_render(condition.date, context)))
        return _between(current, condition.after and _offset_time(condition.after),
                        condition.before and _offset_time(condition.before))
    if isinstance(condition, kinds.DayWeek):
        return _day(condition.date, context).weekday() == _WEEKDAYS.index(condition.day_of_week)
    if isinstance(condition, kinds.DayWeekInMonth):
        return _is_nth_weekday(_day(condition.date, context), condition.day_of_week,
                               condition.day_in_month)
    if isinstance(condition, kinds.Weekend):
        return _day(condition.date, context).weekday() >= 5
    if isinstance(condition, kinds.PublicHoliday):
        return _is_holiday(_day(condition.date, context), condition.country,
                           condition.sub_division)
    raise ConditionError(f"condition {condition.TYPE} cannot be evaluated by the scheduler")


def _render(template: str, context: dict[str, Any]) -> str:
    if template == _DEFAULT_DATE:  # the common case needs no template engine
        return str(context["trigger"]["date"])
    try:
        return render(template, context)
    except Exception as exc:  # noqa: BLE001 - any render failure is the condition's error
        raise ConditionError(f"cannot render '{template}': {exc}") from exc


def _datetime(text: Any) -> datetime:
    if isinstance(text, datetime):
        value = text
    else:
        value = _parse(str(text))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def _parse(text: str) -> datetime:
    cleaned = text.split("[", 1)[0].strip()  # Java's [Region/Zone] suffix
    try:
        return datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        try:
            return datetime.combine(date.fromisoformat(cleaned), time(0))
        except ValueError:
            raise ConditionError(f"'{text}' is not a date-time") from None


def _day(template: str, context: dict[str, Any]) -> date:
    return _datetime(_render(template, context)).date()  # the local date in its own offset


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


def _is_holiday(day: date, country: str | None, subdivision: str | None) -> bool:
    return day in _calendar(country, subdivision, day.year)


@lru_cache(maxsize=64)
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
