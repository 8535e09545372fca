from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from podium.common.errors import InputError
from podium.common.inputs import parse_input_value
from podium.common.inputs.regexes import MAX_VALIDATED_LENGTH

from .conftest import declare


def parse(raw, **fields):
    fields.setdefault("id", "x")
    return parse_input_value(declare(**fields), raw)


def fails(raw, *fragments, **fields):
    with pytest.raises(InputError) as info:
        parse(raw, **fields)
    message = str(info.value)
    assert info.value.input_id == fields.get("id", "x")
    assert "`" + fields.get("id", "x") + "`" in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# ------------------------------------------------------------------ STRING / SECRET

def test_string_as_is():
    assert parse("hello", type="STRING") == "hello"
    assert parse("", type="STRING") == ""


def test_string_typed_values_become_text():
    assert parse(12, type="STRING") == "12"
    assert parse(True, type="STRING") == "true"


def test_string_validator_full_match():
    assert parse("A12", type="STRING", validator=r"A\d+") == "A12"
    fails("xA12", "it must match the pattern `A\\d+`", "but received `xA12`",
          type="STRING", validator=r"A\d+")
    fails("A12x", "must match the pattern", type="STRING", validator=r"A\d+")


def test_string_validator_caps_value_length():
    fails("A" * (MAX_VALIDATED_LENGTH + 1), "limited to", type="STRING", validator="A+")


def test_secret_validator_and_masked_value():
    assert parse("s3cret", type="SECRET") == "s3cret"
    message = fails("nope", "must match the pattern", type="SECRET", validator="[0-9]+")
    assert "nope" not in message and "******" in message


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize("raw, expected", [("5", 5), ("-12", -12), ("+3", 3), (7, 7),
                                           ("2147483647", 2**31 - 1), ("-2147483648", -2**31)])
def test_int_valid(raw, expected):
    assert parse(raw, type="INT") == expected


@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", " 5", "1_000", "", "٣", 1.5, True, [1]])
def test_int_invalid(raw):
    fails(raw, "expected INT but received", type="INT")


@pytest.mark.parametrize("raw", ["2147483648", "-2147483649", 2**31, "9" * 40])
def test_int_out_of_int32(raw):
    fails(raw, "out of the INT range", type="INT")


def test_int_min_max():
    assert parse("10", type="INT", min=10, max=20) == 10
    fails("9", "it must be more than `10`", "but received `9`", type="INT", min=10, max=20)
    fails("21", "it must be less than `20`", type="INT", min=10, max=20)


@pytest.mark.parametrize("raw, expected", [("1.5", 1.5), ("2", 2.0), (3, 3.0), ("1e3", 1000.0),
                                           ("1.5f", 1.5), (" 2.5 ", 2.5), (".5", 0.5)])
def test_float_valid(raw, expected):
    value = parse(raw, type="FLOAT")
    assert isinstance(value, float) and value == expected


@pytest.mark.parametrize("raw", ["abc", "1,5", "inf", "1_0", True, ""])
def test_float_invalid(raw):
    fails(raw, "expected FLOAT", type="FLOAT")


def test_float_min_max():
    assert parse("0.2", type="FLOAT", min=0.1, max=0.5) == 0.2
    fails("0.6", "it must be less than `0.5`", type="FLOAT", min=0.1, max=0.5)
    fails("0.0", "it must be more than `0.1`", type="FLOAT", min=0.1, max=0.5)
    fails("NaN", "NaN is not a number an input can hold", type="FLOAT", max=0.5)


# ------------------------------------------------------------------ booleans

@pytest.mark.parametrize("type_", ["BOOLEAN", "BOOL"])
@pytest.mark.parametrize("raw, expected", [("true", True), ("TRUE", True), ("True", True),
                                           ("false", False), ("FALSE", False),
                                           (True, True), (False, False)])
def test_boolean(type_, raw, expected):
    assert parse(raw, type=type_) is expected


@pytest.mark.parametrize("type_", ["BOOLEAN", "BOOL"])
@pytest.mark.parametrize("raw", ["yes", "1", "", "tru"])
def test_boolean_refuses_other_text(type_, raw):
    # Kestra's Boolean.valueOf reads these as false; refused here (docs/security.md)
    fails(raw, f"expected {type_}", "use true or false", type=type_)


def test_boolean_rejects_non_string_non_bool():
    fails(1, "expected BOOLEAN", type="BOOLEAN")


# ------------------------------------------------------------------ dates and times

@pytest.mark.parametrize("raw, expected", [
    ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ("2024-01-01T02:00:00+02:00", datetime(2024, 1, 1, tzinfo=timezone.utc)),
    ("2024-01-01T00:00:00.123456789Z", datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=timezone.utc)),
    (datetime(2024, 1, 1), datetime(2024, 1, 1, tzinfo=timezone.utc)),
])
def test_datetime_valid(raw, expected):
    value = parse(raw, type="DATETIME")
    assert value == expected and value.tzinfo is not None


@pytest.mark.parametrize("raw", ["2024-01-01", "2024-01-01T00:00:00", "2024-13-01T00:00:00Z",
                                 "2024-01-01 00:00:00Z", "yesterday", "2024-01-01T00:00Z"])
def test_datetime_invalid(raw):
    fails(raw, "expected DATETIME", type="DATETIME")


def test_datetime_after_before():
    fields = dict(type="DATETIME", after="2023-01-01T00:00:00Z", before="2023-12-31T23:59:59Z")
    assert parse("2023-06-01T00:00:00Z", **fields)
    fails("2022-06-01T00:00:00Z", "it must be after `2023-01-01T00:00:00Z`", **fields)
    fails("2024-06-01T00:00:00Z", "it must be before `2023-12-31T23:59:59Z`", **fields)


def test_date():
    assert parse("2024-02-29", type="DATE") == date(2024, 2, 29)
    assert parse(date(2024, 1, 1), type="DATE") == date(2024, 1, 1)
    fails("2023-02-29", "expected DATE", type="DATE")
    fails("2024/01/01", "expected DATE", "yyyy-MM-dd", type="DATE")
    fields = dict(type="DATE", after="2023-01-01", before="2023-12-31")
    fails("2024-01-01", "it must be before `2023-12-31`", **fields)
    fails("2022-12-31", "it must be after `2023-01-01`", **fields)


def test_time():
    assert parse("10:15", type="TIME") == time(10, 15)
    assert parse("10:15:30", type="TIME") == time(10, 15, 30)
    assert parse("10:15:30.5", type="TIME") == time(10, 15, 30, 500000)
    fails("25:00", "expected TIME", type="TIME")
    fails("10h15", "expected TIME", type="TIME")
    fields = dict(type="TIME", after="01:00:00", before="11:59:59")
    fails("00:30", "it must be after `01:00`", **fields)
    fails("12:00", "it must be before `11:59:59`", **fields)


def test_duration():
    assert parse("PT5M", type="DURATION") == timedelta(minutes=5)
    assert parse("P1DT2H", type="DURATION") == timedelta(days=1, hours=2)
    fails("5 minutes", "expected DURATION", type="DURATION")
    fields = dict(type="DURATION", min="PT10S", max="PT20S")
    fails("PT5S", "it must be more than `PT10S`", **fields)
    fails("PT1M", "it must be less than `PT20S`", **fields)
    assert parse("PT15S", **fields) == timedelta(seconds=15)


# ------------------------------------------------------------------ FILE

def test_file_kestra_uri_kept():
    uri = "kestra:///ns/flow/executions/1/inputs/f/a.txt"
    assert parse(uri, type="FILE") == uri


@pytest.mark.parametrize("uri", ["nsfile:///data/in.csv", "nsfile://other.ns/in.csv",
                                 "file:///srv/shared/in.csv"])
def test_file_namespace_and_host_uris_are_kept_for_the_task_to_read(uri):
    # FlowInputOutput.parseType: URIFetcher.supports(uri) -> the URI itself, nothing copied
    def store(input_id, value):
        raise AssertionError("a file URI must not be stored again")
    assert parse_input_value(declare(id="f", type="FILE"), uri, store_file=store) == uri


def test_file_other_values_go_through_store_file():
    calls = []

    def store(input_id, value):
        calls.append((input_id, value))
        return "kestra:///stored/" + value

    decl = declare(id="f", type="FILE")
    assert parse_input_value(decl, "local.txt", store_file=store) == "kestra:///stored/local.txt"
    assert calls == [("f", "local.txt")]


def test_file_without_store_file_fails():
    fails("/tmp/a.txt", "expected FILE", "kestra://", type="FILE")


def test_file_store_error_becomes_input_error():
    def store(input_id, value):
        raise OSError("no such file")

    with pytest.raises(InputError, match="no such file"):
        parse_input_value(declare(id="f", type="FILE"), "a.txt", store_file=store)


# ------------------------------------------------------------------ JSON / YAML

def test_json():
    assert parse('{"a": [1, 2]}', type="JSON") == {"a": [1, 2]}
    assert parse("[]", type="JSON") == []
    assert parse({"k": 1}, type="JSON") == {"k": 1}  # deliberate: parsed data kept
    fails("{not json", "expected JSON", type="JSON")
    fails("NaN", "expected JSON", type="JSON")


def test_yaml():
    assert parse("a: 1\nb: [x, y]", type="YAML") == {"a": 1, "b": ["x", "y"]}
    assert parse({"property": "something"}, type="YAML") == {"property": "something"}
    fails("a: [1", "expected YAML", type="YAML")
    fails("!!python/object:os.system x", "expected YAML", type="YAML")
    fails("&a [*a, *a]", "anchors and aliases", type="YAML")  # cyclic value refused


# ------------------------------------------------------------------ URI / EMAIL

def test_uri():
    assert parse("https://www.kestra.io/docs?a=1", type="URI") == "https://www.kestra.io/docs?a=1"
    fails("not a uri", "expected URI", type="URI")
    fails("http://localhost", "expected URI", type="URI")  # Kestra's pattern needs a TLD


def test_email():
    assert parse("john.doe@example.com", type="EMAIL") == "john.doe@example.com"
    assert parse("", type="EMAIL") == ""  # Kestra's pattern accepts the empty string
    fails("john@", "valid email", type="EMAIL")
    fails("john doe@example.com", "valid email", type="EMAIL")


# ------------------------------------------------------------------ ENUM / SELECT / MULTISELECT

def test_enum():
    assert parse("A", type="ENUM", values=["A", "B"]) == "A"
    fails("C", "it must match the values `[A, B]`", type="ENUM", values=["A", "B"])
    # Kestra lets an optional ENUM take any value; checked here (docs/security.md)
    fails("C", "it must match the values `[A, B]`", type="ENUM", values=["A", "B"],
          required=False)


def test_select_membership_when_required():
    assert parse("A", type="SELECT", values=["A", "B"]) == "A"
    fails("C", "it must match the values `[A, B]`", "but received `C`",
          type="SELECT", values=["A", "B"])


def test_optional_select_is_checked_too():
    # Kestra's SelectInput.validate checks membership only when required; not reproduced.
    fails("C", "it must match the values `[A, B]`", type="SELECT", values=["A", "B"],
          required=False)


def test_select_custom_value():
    assert parse("C", type="SELECT", values=["A"], allowCustomValue=True) == "C"


def test_multiselect():
    fields = dict(type="MULTISELECT", values=["A", "B", "C"])
    assert parse('["A", "C"]', **fields) == ["A", "C"]
    assert parse(["B"], **fields) == ["B"]
    assert parse("[]", **fields) == []
    fails('["A", "D"]', "it must match the values `[A, B, C]`", **fields)
    fails("A", "expected MULTISELECT", "JSON array", **fields)
    assert parse('["D"]', type="MULTISELECT", values=["A"], allowCustomValue=True) == ["D"]


def test_multiselect_deprecated_options_and_item_type():
    assert parse('["A"]', type="MULTISELECT", options=["A"]) == ["A"]
    assert parse("[1, 2]", type="MULTISELECT", values=[1, 2, 3], itemType="INT") == [1, 2]


# ------------------------------------------------------------------ ARRAY

def test_array_items_parsed_as_item_type():
    assert parse('[1, "2", 3]', type="ARRAY", itemType="INT") == [1, 2, 3]
    assert parse(["1", "2"], type="ARRAY", itemType="INT") == [1, 2]
    assert parse('["2024-01-01"]', type="ARRAY", itemType="DATE") == [date(2024, 1, 1)]
    assert parse('["a", 1]', type="ARRAY", itemType="STRING") == ["a", "1"]


def test_array_invalid():
    fails('[1, "x"]', "Unable to parse array element as `INT` on `x`", type="ARRAY", itemType="INT")
    fails('{"a": 1}', "expected ARRAY", type="ARRAY", itemType="INT")
    fails("1,2", "expected ARRAY", type="ARRAY", itemType="INT")
    fails("[null]", "Unable to parse array element", type="ARRAY", itemType="STRING")


# ------------------------------------------------------------------ null

def test_null_required_and_optional():
    fails(None, "missing required input", type="INT")
    assert parse(None, type="INT", required=False) is None
