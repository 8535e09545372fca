"""ISO-8601 durations: the forms Kestra writes, and the bound that keeps date arithmetic
from overflowing (common/durations.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from podium.common.durations import MAX_DURATION, format_duration, parse_duration


@pytest.mark.parametrize("text, expected", [
    ("PT5M", timedelta(minutes=5)),
    ("P1DT2H", timedelta(days=1, hours=2)),
    ("PT0.5S", timedelta(seconds=0.5)),
    ("-PT5S", timedelta(seconds=-5)),   # runtime values (a DURATION input) may be negative
    ("P36525D", MAX_DURATION),
])
def test_parses(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", [
    "P36526D", "P999999999999D", "PT" + "9" * 400 + "S", "P9999999999W", "-P99999999999D",
])
def test_out_of_range_is_a_value_error_never_an_overflow(text: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_duration(text)


def test_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration("P" + "x" * 500)
    assert len(str(caught.value)) < 150


def test_format_round_trips() -> None:
    assert format_duration(parse_duration("PT1H30M")) == "PT1H30M"
