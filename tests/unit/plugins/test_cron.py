"""Cron expressions as Kestra's Schedule accepts them (cron-utils, Kestra's definition)."""

from __future__ import annotations

import pytest

from podium.common.plugins.cron import CronError, never_fires_reason, parse_cron


@pytest.mark.parametrize("expression", [
    "* * * * *",
    "*/5 * * * *",
    "0 * * * *",
    "0 0 1 * *",
    "0 12 * * 1",
    "30 0 1 * *",
    "1 1 1 1 1",
    "0 9-17 * * MON-FRI",
    "0 0 1 JAN,JUL *",
    "0 0 * * sun",  # cron-utils upper-cases the expression
    "0 0 * * 7",  # 7 is Sunday too
    "0 0 * * 0-7",
    "5,10,15-20/2 * * * *",
    "10/15 * * * *",
    "0  0   *  * *",  # runs of blanks are one separator
    "@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually",
])
def test_accepts_kestra_forms(expression: str) -> None:
    parse_cron(expression)  # raises CronError when refused


def test_six_fields_need_with_seconds() -> None:
    assert parse_cron("* * * * * *", with_seconds=True).seconds == frozenset(range(60))
    with pytest.raises(CronError, match="withSeconds"):
        parse_cron("* * * * * *")
    with pytest.raises(CronError, match="5 fields but 6"):
        parse_cron("* * * * *", with_seconds=True)


def test_nickname_with_seconds_fires_at_second_zero() -> None:
    parsed = parse_cron("@hourly", with_seconds=True)
    assert parsed.seconds == {0} and parsed.minutes == {0} and len(parsed.hours) == 24


@pytest.mark.parametrize("expression, field", [
    ("60 * * * *", "minute"),
    ("* 24 * * *", "hour"),
    ("* * 0 * *", "day-of-month"),
    ("* * 32 * *", "day-of-month"),
    ("* * * 13 *", "month"),
    ("* * * * 8", "day-of-week"),
    ("* * * FOO *", "month"),
    ("* * * * MON-XYZ", "day-of-week"),
    ("5-1 * * * *", "minute"),  # strict ranges: no wrap-around
    ("*/0 * * * *", "minute"),
    ("*/60 * * * *", "minute"),
    ("1- * * * *", "minute"),
    ("-5 * * * *", "minute"),
    ("1,,2 * * * *", "minute"),
    ("* * ? * *", "day-of-month"),  # Kestra enables none of ? L W LW #
    ("* * L * *", "day-of-month"),
    ("* * 15W * *", "day-of-month"),
    ("* * * * 5L", "day-of-week"),
    ("* * * * 1#2", "day-of-week"),
    ("*/a * * * *", "minute"),
    ("61 * * * * *", "second"),
])
def test_rejects_bad_fields_naming_them(expression: str, field: str) -> None:
    with_seconds = len(expression.split()) == 6
    with pytest.raises(CronError) as err:
        parse_cron(expression, with_seconds=with_seconds)
    assert str(err.value).startswith(f"{field} field"), str(err.value)


@pytest.mark.parametrize("expression", ["", "   ", "* * * *", "* * * * * * *", "@reboot",
                                        "$ome Inv@lid Cr0n"])
def test_rejects_malformed_expressions(expression: str) -> None:
    with pytest.raises(CronError):
        parse_cron(expression)


def test_parse_gives_allowed_values() -> None:
    parsed = parse_cron("0,30 9-17/4 1,15 */6 MON-FRI")
    assert parsed.minutes == {0, 30}
    assert parsed.hours == {9, 13, 17}
    assert parsed.days_of_month == {1, 15}
    assert parsed.months == {1, 7}
    assert parsed.days_of_week == {1, 2, 3, 4, 5}
    assert parsed.day_of_month_restricted and parsed.day_of_week_restricted


def test_sunday_folds_to_zero() -> None:
    assert parse_cron("0 0 * * 7").days_of_week == {0}
    assert parse_cron("0 0 * * SUN").days_of_week == {0}
    assert parse_cron("0 0 * * FRI-SUN").days_of_week == {5, 6, 0}
    assert parse_cron("0 0 * * *").days_of_week == frozenset(range(7))
    assert not parse_cron("0 0 * * *").day_of_week_restricted


@pytest.mark.parametrize("expression, reason", [
    ("0 0 30 2 *", "day 30 does not exist in February"),
    ("0 0 31 4 *", "day 31 does not exist in April"),
    ("0 0 30,31 2 *", "day 30, 31 does not exist in February"),
    ("0 0 31 4,6 *", "day 31 does not exist in April, June"),
])
def test_a_day_no_allowed_month_has_never_fires(expression: str, reason: str) -> None:
    assert reason in never_fires_reason(parse_cron(expression))


@pytest.mark.parametrize("expression", [
    "0 0 29 2 *",      # leap years
    "0 0 31 2 MON",    # day-of-week restricted too: either one fires
    "0 0 31 4,5 *",    # May has a 31st
    "0 0 * 2 *",
    "@yearly",
])
def test_expressions_that_fire_have_no_reason(expression: str) -> None:
    assert never_fires_reason(parse_cron(expression)) is None
