"""Fire times of cron expressions in a zone, across the DST transitions of Europe/Paris in
2025 (30 March: 02:00 -> 03:00; 26 October: 03:00 -> 02:00). The rule is documented in
scheduler/fire_times.py and docs/architecture.md ("Scheduler")."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from podium.common.plugins.cron import parse_cron
from podium.scheduler.fire_times import fire_times, next_fire, previous_fire

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc


def times(cron: str, start: datetime, end: datetime, zone=PARIS, seconds=False) -> list[str]:
    return [t.isoformat() for t in fire_times(parse_cron(cron, seconds), start, end, zone)]


SPRING = (datetime(2025, 3, 29, 22, tzinfo=PARIS), datetime(2025, 3, 30, 5, tzinfo=PARIS))
AUTUMN = (datetime(2025, 10, 25, 22, tzinfo=PARIS), datetime(2025, 10, 26, 5, tzinfo=PARIS))


def test_spring_forward_a_missing_local_time_fires_once_shifted_by_the_gap():
    assert times("0 2 * * *", *SPRING) == ["2025-03-30T03:00:00+02:00"]
    assert times("30 2 * * *", *SPRING) == ["2025-03-30T03:30:00+02:00"]


def test_spring_forward_hourly_has_no_extra_run():
    assert times("0 * * * *", *SPRING) == [
        "2025-03-29T23:00:00+01:00", "2025-03-30T00:00:00+01:00", "2025-03-30T01:00:00+01:00",
        "2025-03-30T03:00:00+02:00", "2025-03-30T04:00:00+02:00", "2025-03-30T05:00:00+02:00"]


def test_fall_back_a_fixed_time_fires_once_on_its_first_occurrence():
    assert times("0 2 * * *", *AUTUMN) == ["2025-10-26T02:00:00+02:00"]
    assert times("30 2 * * *", *AUTUMN) == ["2025-10-26T02:30:00+02:00"]


def test_fall_back_hourly_fires_every_real_hour_including_the_repeated_one():
    assert times("0 * * * *", *AUTUMN) == [
        "2025-10-25T23:00:00+02:00", "2025-10-26T00:00:00+02:00", "2025-10-26T01:00:00+02:00",
        "2025-10-26T02:00:00+02:00", "2025-10-26T02:00:00+01:00", "2025-10-26T03:00:00+01:00",
        "2025-10-26T04:00:00+01:00", "2025-10-26T05:00:00+01:00"]


def test_daily_schedule_keeps_its_wall_clock_time_across_transitions():
    start = datetime(2025, 3, 28, 12, tzinfo=PARIS)
    end = datetime(2025, 4, 1, 12, tzinfo=PARIS)
    assert times("0 9 * * *", start, end) == [
        "2025-03-29T09:00:00+01:00", "2025-03-30T09:00:00+02:00", "2025-03-31T09:00:00+02:00",
        "2025-04-01T09:00:00+02:00"]


def test_previous_fire_in_and_around_the_transitions():
    hourly = parse_cron("0 * * * *")
    second_two_oclock = datetime(2025, 10, 26, 2, 10, tzinfo=PARIS, fold=1)
    assert previous_fire(hourly, second_two_oclock, PARIS).isoformat() == \
        "2025-10-26T02:00:00+01:00"
    first_two_oclock = datetime(2025, 10, 26, 2, 10, tzinfo=PARIS)
    assert next_fire(hourly, first_two_oclock, PARIS).isoformat() == "2025-10-26T02:00:00+01:00"
    assert previous_fire(parse_cron("30 2 * * *"), datetime(2025, 3, 30, 4, tzinfo=PARIS),
                         PARIS).isoformat() == "2025-03-30T03:30:00+02:00"


def test_per_second_schedules_with_seconds():
    start = datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC)
    result = times("* * * * * *", start, datetime(2025, 1, 1, 0, 0, 3, tzinfo=UTC), UTC, True)
    assert result == ["2025-01-01T00:00:01+00:00", "2025-01-01T00:00:02+00:00",
                      "2025-01-01T00:00:03+00:00"]
    assert times("*/20 0 0 * * *", start, datetime(2025, 1, 1, 0, 1, tzinfo=UTC), UTC, True) == [
        "2025-01-01T00:00:20+00:00", "2025-01-01T00:00:40+00:00"]


@pytest.mark.parametrize("nickname, expected", [
    ("@hourly", "2025-01-15T11:00:00+00:00"),
    ("@daily", "2025-01-16T00:00:00+00:00"),
    ("@midnight", "2025-01-16T00:00:00+00:00"),
    ("@weekly", "2025-01-19T00:00:00+00:00"),  # a Sunday
    ("@monthly", "2025-02-01T00:00:00+00:00"),
    ("@yearly", "2026-01-01T00:00:00+00:00"),
    ("@annually", "2026-01-01T00:00:00+00:00"),
])
def test_nicknames(nickname, expected):
    at = datetime(2025, 1, 15, 10, 30, tzinfo=UTC)
    assert next_fire(parse_cron(nickname), at, UTC).isoformat() == expected
    assert next_fire(parse_cron(nickname, True), at, UTC).isoformat() == expected


def test_day_of_month_and_day_of_week_combine_with_or_when_both_are_restricted():
    start = datetime(2025, 5, 31, tzinfo=UTC)
    end = datetime(2025, 6, 16, tzinfo=UTC)
    # the 1st and the 15th, plus every Friday
    assert [t.day for t in fire_times(parse_cron("0 0 1,15 * 5"), start, end, UTC)] == \
        [1, 6, 13, 15]
    # only Fridays when the day of month is `*`
    assert [t.day for t in fire_times(parse_cron("0 0 * * FRI"), start, end, UTC)] == [6, 13]


def test_impossible_dates_never_fire_and_rare_ones_are_found():
    at = datetime(2025, 1, 1, tzinfo=UTC)
    assert next_fire(parse_cron("0 0 30 2 *"), at, UTC) is None
    assert next_fire(parse_cron("0 0 29 2 *"), at, UTC).isoformat() == "2028-02-29T00:00:00+00:00"
    assert previous_fire(parse_cron("0 0 29 2 *"), at, UTC).isoformat() == \
        "2024-02-29T00:00:00+00:00"


def test_results_are_in_the_schedule_zone_whatever_the_zone_of_the_input():
    at = datetime(2025, 6, 1, 10, tzinfo=UTC)
    assert next_fire(parse_cron("0 * * * *"), at, PARIS).isoformat() == "2025-06-01T13:00:00+02:00"
