"""Schedule conditions evaluated against a candidate date (scheduler/conditions.py)."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.scheduler.conditions import ConditionError, all_hold

C = "io.kestra.plugin.core.condition."


def conditions(yaml: str):
    flow = parse_flow("id: f\nnamespace: n\ntasks:\n  - id: t\n"
                      "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
                      "triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n"
                      "    cron: '0 * * * *'\n    conditions:\n" + yaml).flow
    return flow.triggers[0].conditions


def holds(yaml: str, date: str) -> bool:
    return all_hold(conditions(yaml), {"date": date})


def test_day_week_and_weekend():
    monday = "2025-06-02T10:00:00+02:00"
    assert holds(f"      - type: {C}DayWeek\n        dayOfWeek: MONDAY\n", monday)
    assert not holds(f"      - type: {C}DayWeek\n        dayOfWeek: TUESDAY\n", monday)
    assert not holds(f"      - type: {C}Weekend\n", monday)
    assert holds(f"      - type: {C}Weekend\n", "2025-06-07T23:30:00+02:00")
    # the local date counts: Monday 00:30+02:00 is Monday although still Sunday in UTC
    assert not holds(f"      - type: {C}Weekend\n", "2025-06-09T00:30:00+02:00")


def test_day_week_in_month():
    first_monday = "2025-06-02T10:00:00Z"
    last_monday = "2025-06-30T10:00:00Z"
    cond = f"      - type: {C}DayWeekInMonth\n        dayOfWeek: MONDAY\n        dayInMonth: "
    assert holds(cond + "FIRST\n", first_monday)
    assert not holds(cond + "SECOND\n", first_monday)
    assert holds(cond + "LAST\n", last_monday)
    assert not holds(cond + "LAST\n", "2025-06-23T10:00:00Z")
    assert holds(cond + "FOURTH\n", "2025-06-23T10:00:00Z")


def test_date_time_between_is_exclusive():
    cond = (f"      - type: {C}DateTimeBetween\n        after: 2025-06-01T00:00:00Z\n"
            "        before: 2025-07-01T00:00:00Z\n")
    assert holds(cond, "2025-06-15T00:00:00+02:00")
    assert not holds(cond, "2025-06-01T00:00:00Z")
    assert not holds(cond, "2025-07-02T00:00:00Z")


def test_time_between_compares_instants_of_the_day():
    cond = (f"      - type: {C}TimeBetween\n        after: \"08:00:00+02:00\"\n"
            "        before: \"18:00:00+02:00\"\n")
    assert holds(cond, "2025-06-02T10:00:00+02:00")
    assert holds(cond, "2025-06-02T10:00:00Z")  # 12:00 in +02:00
    assert not holds(cond, "2025-06-02T07:00:00+02:00")


def test_not_and_or():
    either = (f"      - type: {C}Or\n        conditions:\n"
              f"          - type: {C}DayWeek\n            dayOfWeek: MONDAY\n"
              f"          - type: {C}Weekend\n")
    assert holds(either, "2025-06-02T10:00:00Z")
    assert holds(either, "2025-06-08T10:00:00Z")
    assert not holds(either, "2025-06-03T10:00:00Z")
    neither = either.replace(f"{C}Or", f"{C}Not", 1)
    assert holds(neither, "2025-06-03T10:00:00Z")


def test_public_holiday():
    cond = f"      - type: {C}PublicHoliday\n        country: FR\n"
    assert holds(cond, "2025-07-14T10:00:00+02:00")
    assert not holds(cond, "2025-07-15T10:00:00+02:00")
    with pytest.raises(ConditionError):
        holds(f"      - type: {C}PublicHoliday\n", "2025-07-14T10:00:00+02:00")


def test_expression_and_a_custom_date():
    assert holds(f"      - type: {C}Expression\n        expression: \"{{{{ trigger.date is "
                 f"defined }}}}\"\n", "2025-06-02T10:00:00Z")
    next_is_tuesday = conditions(f"      - type: {C}DayWeek\n        dayOfWeek: TUESDAY\n"
                                 "        date: \"{{ trigger.next }}\"\n")
    assert all_hold(next_is_tuesday, {"date": "2025-06-02T10:00:00Z",
                                      "next": "2025-06-03T10:00:00Z"})
    with pytest.raises(ConditionError):  # a date that does not render
        all_hold(next_is_tuesday, {"date": "2025-06-02T10:00:00Z"})
