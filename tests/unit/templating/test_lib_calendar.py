"""Calendar functions, rendered by the engine. Oracles: Kestra's IsWeekendFunctionTest,
IsLastWorkingDayFunctionTest, IsDateBetweenFunctionTest, DayOfWeekFunction (local date of
the value, no UTC normalisation), HourOfDayFunction, IsDayWeekInMonthFunction,
IsDateAfterFunction (naive values read as UTC)."""

import datetime as dt

import pytest

from podium.common.errors import TemplateError
from podium.common.templating import render


@pytest.mark.parametrize("template,expected", [
    # IsWeekendFunctionTest
    ("{{ isWeekend('2025-01-04') }}", "true"),
    ("{{ isWeekend('2025-01-05') }}", "true"),
    ("{{ isWeekend('2025-01-06') }}", "false"),
    ("{{ isWeekend('2025-01-04T15:30:00+05:00') }}", "true"),
    # IsLastWorkingDayFunctionTest
    ("{{ isLastWorkingDay('2025-11-28') }}", "true"),
    ("{{ isLastWorkingDay('2025-11-29') }}", "false"),
    ("{{ isLastWorkingDay('2025-11-30') }}", "false"),
    ("{{ isLastWorkingDay('2025-01-31') }}", "true"),
    ("{{ isLastWorkingDay('2025-01-30') }}", "false"),
    ("{{ isLastWorkingDay('2025-09-30') }}", "true"),
    ("{{ isLastWorkingDay('2025-01-31T09:00:00+05:30') }}", "true"),
    ("{{ isLastWorkingDay('2025-01-30', 'MONDAY,TUESDAY,WEDNESDAY,THURSDAY') }}", "true"),
    ("{{ isLastWorkingDay('2025-01-31', 'MONDAY,TUESDAY,WEDNESDAY,THURSDAY') }}", "false"),
    ("{{ isLastWorkingDay('2025-12-31') }}", "true"),  # December: the year wraps
    # IsDateBetweenFunctionTest: exclusive bounds, compared as instants
    ("{{ isDateBetween('2026-03-01T00:00:00Z', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}",
     "true"),
    ("{{ isDateBetween('2025-12-31T23:59:59Z', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}",
     "false"),
    ("{{ isDateBetween('2026-06-30T23:59:59Z', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}",
     "false"),
    ("{{ isDateBetween('2026-01-01T00:00:00-03:00', '2026-01-01T02:00:00Z', '2026-01-01T04:00:00Z') }}",
     "true"),
    ("{% if isDateBetween('2026-03-01T00:00:00Z', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') %}"
     "yes{% else %}no{% endif %}", "yes"),
    # the local date written in the value, not its UTC date
    ("{{ dayOfWeek('2025-01-06T00:30:00+02:00') }}", "MONDAY"),
    ("{{ dayOfWeek('2025-01-05') }}", "SUNDAY"),
    ("{{ dayOfMonth('2025-01-31T23:00:00-05:00') }}", "31"),
    ("{{ monthOfYear('2025-02-01') }}", "2"),
    ("{{ hourOfDay('2025-01-06T14:30:00+02:00') }}", "14"),
    ("{{ hourOfDay('2025-01-06T14:30:00') }}", "14"),
    ("{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIRST') }}", "true"),
    ("{{ isDayWeekInMonth('2025-01-13', 'monday', 'SECOND') }}", "true"),
    ("{{ isDayWeekInMonth('2025-01-27', 'MONDAY', 'LAST') }}", "true"),
    ("{{ isDayWeekInMonth('2025-01-20', 'MONDAY', 'LAST') }}", "false"),
    ("{{ isDayWeekInMonth('2025-01-07', 'MONDAY', 'FIRST') }}", "false"),
    ("{{ isDateAfter('2025-01-02', '2025-01-01T23:00:00Z') }}", "true"),
    ("{{ isDateBefore('2025-01-01T00:00:00+01:00', '2025-01-01') }}", "true"),
    ("{{ isPublicHoliday('2025-12-25', 'FR') }}", "true"),
    ("{{ isPublicHoliday('2025-12-23', 'FR') }}", "false"),
    ("{{ isPublicHoliday('2025-01-06', 'DE', 'BY') }}", "true"),  # Epiphany, Bavaria
    ("{{ isPublicHoliday('2025-01-06', 'DE') }}", "false"),
])
def test_calendar_functions(template, expected):
    assert render(template, {}) == expected


def test_dates_from_the_context_are_accepted():
    # IsDateBetweenFunctionTest.acceptsZonedDateTimeAsInsideScheduleWhenCondition
    paris = dt.timezone(dt.timedelta(hours=1))
    context = {"trigger": {"date": dt.datetime(2026, 3, 1, 10, tzinfo=paris)},
               "start": "2026-03-01T10:00:00.123Z"}
    assert render("{{ isDateBetween(trigger.date, '2025-12-31T23:59:59Z', "
                  "'2026-06-30T23:59:59Z') }}", context) == "true"
    assert render("{{ dayOfWeek(start) }} {{ hourOfDay(start) }}", context) == "SUNDAY 10"


@pytest.mark.parametrize("template,message", [
    ("{{ isDateBetween('2026-03-01T00:00:00', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}",
     "could not parse 'date'"),
    ("{{ isDateBetween('2026-03-01T00:00:00Z', '2025-12-31T23:59:59Z') }}",
     "expects a 'before' argument"),
    ("{{ isDateBetween('2026-03-01T00:00:00Z', 'not-a-date', '2026-06-30T23:59:59Z') }}",
     "could not parse 'after'"),
    ("{{ isWeekend() }}", "expects a 'date' argument"),
    ("{{ isWeekend('not-a-date') }}", "could not parse 'date'"),
    ("{{ isLastWorkingDay('2025-01-31', 'MONDAY,BLURSDAY') }}", "invalid 'workingDays'"),
    ("{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIFTH') }}", "invalid 'position'"),
    ("{{ hourOfDay('2025-01-06') }}", "has no time"),
    ("{{ isPublicHoliday('2025-12-25', 'XX') }}", "Unknown country code 'XX'"),
    ("{{ isPublicHoliday('2025-12-25') }}", "expects a 'countryCode' argument"),
])
def test_calendar_errors(template, message):
    with pytest.raises(TemplateError, match=message):
        render(template, {})
