from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from podium.common.errors import OutputError
from podium.common.inputs import InputType, coerce_output, to_json_value


@pytest.mark.parametrize("type_, rendered, expected", [
    ("STRING", "hello", "hello"),
    ("INT", "42", 42),
    (InputType.FLOAT, "1.5", 1.5),
    ("BOOLEAN", "TRUE", True),
    ("DATETIME", "2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ("DATE", "2024-01-01", date(2024, 1, 1)),
    ("TIME", "10:00", time(10)),
    ("DURATION", "PT5M", timedelta(minutes=5)),
    ("JSON", '{"a": 1}', {"a": 1}),
    ("ARRAY", '[1, "a"]', [1, "a"]),
    ("FILE", "kestra:///a/b.txt", "kestra:///a/b.txt"),
    ("SECRET", "pw", "pw"),
])
def test_coerce_output(type_, rendered, expected):
    assert coerce_output(type_, rendered, "out") == expected


def test_coerce_output_none_kept():
    assert coerce_output("INT", None, "out") is None


@pytest.mark.parametrize("type_, rendered", [("INT", "4.5"), ("DATE", "tomorrow"),
                                             ("JSON", "{"), ("FILE", "/tmp/a"),
                                             ("URI", "nope")])
def test_coerce_output_errors(type_, rendered):
    with pytest.raises(OutputError) as info:
        coerce_output(type_, rendered, "result")
    assert info.value.output_id == "result"
    assert "Invalid output `result`" in str(info.value) and type_ in str(info.value)


def test_coerce_output_unknown_type():
    with pytest.raises(OutputError, match="unknown output type"):
        coerce_output("NUMBER", "1", "o")


def test_to_json_value():
    value = {
        "dt": datetime(2024, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))),
        "ms": datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=timezone.utc),
        "us": datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc),
        "d": date(2024, 1, 1),
        "t": time(10, 0), "ts": time(10, 0, 5),
        "durations": [timedelta(minutes=5), timedelta(0), timedelta(days=1),
                      timedelta(seconds=1.5), timedelta(minutes=-1)],
        "plain": [1, "a", None, True],
    }
    assert to_json_value(value) == {
        "dt": "2024-01-01T00:00:00Z",
        "ms": "2024-01-01T00:00:00.500Z",
        "us": "2024-01-01T00:00:00.123456Z",
        "d": "2024-01-01",
        "t": "10:00", "ts": "10:00:05",
        "durations": ["PT5M", "PT0S", "PT24H", "PT1.5S", "PT-1M"],
        "plain": [1, "a", None, True],
    }
