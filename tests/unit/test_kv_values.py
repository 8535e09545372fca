"""The namespace KV store's values: Kestra's types, parsing of `kvType`, keys, TTLs."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from podium.common.errors import KVError
from podium.common.kv import (
    KVType,
    KVValue,
    check_key,
    expiration,
    guess_value,
    infer,
    parse_as,
    typed_value,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, expected", [
    ("text", KVValue(KVType.STRING, "text")),
    (None, KVValue(KVType.STRING, None)),
    (42, KVValue(KVType.NUMBER, 42)),
    (4.5, KVValue(KVType.NUMBER, 4.5)),
    (True, KVValue(KVType.BOOLEAN, True)),
    ({"a": [1, 2]}, KVValue(KVType.JSON, {"a": [1, 2]})),
    ([1, "x"], KVValue(KVType.JSON, [1, "x"])),
    (T0, KVValue(KVType.DATETIME, "2024-05-01T12:00:00Z")),
    (date(2024, 5, 1), KVValue(KVType.DATE, "2024-05-01")),
    (timedelta(days=1), KVValue(KVType.DURATION, "PT24H")),
])
def test_a_value_keeps_its_own_type(value, expected):
    assert infer(value) == expected


@pytest.mark.parametrize("text, kv_type, expected", [
    ("hello", "STRING", "hello"),
    ("42", "NUMBER", 42),
    (" 4.2 ", "NUMBER", 4.2),
    ("1e3", "NUMBER", 1000.0),
    ("TRUE", "BOOLEAN", True),
    ("false", "BOOLEAN", False),
    ("2024-05-01T14:00:00+02:00", "DATETIME", "2024-05-01T12:00:00Z"),
    ("2024-05-01T12:00:00Z", "DATETIME", "2024-05-01T12:00:00Z"),
    ("2024-05-01T12:00:00", "DATETIME", "2024-05-01T12:00:00Z"),  # no offset: UTC
    ("2024-05-01", "DATETIME", "2024-05-01T00:00:00Z"),
    ("2024-05-01", "DATE", "2024-05-01"),
    ("2024-05-01T23:30:00-02:00", "DATE", "2024-05-02"),  # the UTC date
    ("P1D", "DURATION", "PT24H"),
    ("PT90S", "DURATION", "PT1M30S"),
    ('{"a": {"b": 1}}', "JSON", {"a": {"b": 1}}),
    ("[1, 2]", "JSON", [1, 2]),
])
def test_kv_type_parses_a_string(text, kv_type, expected):
    assert typed_value(text, kv_type) == KVValue(KVType(kv_type), expected)


@pytest.mark.parametrize("text, kv_type", [
    ("abc", "NUMBER"), ("true", "NUMBER"), ("yes", "BOOLEAN"), ("noon", "DATETIME"),
    ("May 1st", "DATE"), ("1 day", "DURATION"), ("{a: 1}", "JSON"),
])
def test_a_string_that_does_not_parse_is_refused(text, kv_type):
    with pytest.raises(KVError, match=f"Invalid {kv_type} value '{text}'"):
        parse_as(text, KVType(kv_type))


def test_kv_type_only_parses_strings_as_in_kestra():
    # `value: "{{ 42 }}"` renders to a number: kvType STRING does not turn it back.
    assert typed_value(42, "STRING") == KVValue(KVType.NUMBER, 42)
    assert typed_value({"a": 1}, "NUMBER") == KVValue(KVType.JSON, {"a": 1})


@pytest.mark.parametrize("text, expected", [
    ("42", KVValue(KVType.NUMBER, 42)),
    ("true", KVValue(KVType.BOOLEAN, True)),
    ('{"a": 1}', KVValue(KVType.JSON, {"a": 1})),
    ('"quoted"', KVValue(KVType.STRING, "quoted")),
    ("plain text", KVValue(KVType.STRING, "plain text")),
    ("2024-05-01", KVValue(KVType.DATE, "2024-05-01")),
    ("2024-05-01T12:00:00Z", KVValue(KVType.DATETIME, "2024-05-01T12:00:00Z")),
    ("PT5M", KVValue(KVType.DURATION, "PT5M")),
    ("PTx", KVValue(KVType.STRING, "PTx")),
])
def test_command_line_values_are_guessed_like_kestra_cli(text, expected):
    assert guess_value(text) == expected


@pytest.mark.parametrize("key", ["k", "my_key.v1", "A-1", "0"])
def test_valid_keys(key):
    assert check_key(key) == key


@pytest.mark.parametrize("key", ["", "_k", ".k", "a b", "a/b", "ké", None, "k" * 256])
def test_invalid_keys(key):
    with pytest.raises(KVError):
        check_key(key)


def test_ttl_sets_the_expiration():
    assert expiration("PT1H", T0) == T0 + timedelta(hours=1)
    assert expiration(timedelta(days=2), T0) == T0 + timedelta(days=2)
    assert expiration(None, T0) is None


@pytest.mark.parametrize("ttl, message", [("-PT1H", "negative"), ("1 hour", "Invalid ttl")])
def test_bad_ttls_are_refused(ttl, message):
    with pytest.raises(KVError, match=message):
        expiration(ttl, T0)
