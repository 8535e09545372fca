from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from podium.common.errors import InputError
from podium.common.inputs import InputType, parse_input_value, to_json_value

from .conftest import declare

_JSONISH = (dict, list, str, int, float, bool, type(None))
EXPECTED = {
    InputType.STRING: str, InputType.ENUM: str, InputType.SELECT: str, InputType.EMAIL: str,
    InputType.URI: str, InputType.SECRET: str, InputType.FILE: str,
    InputType.MULTISELECT: list, InputType.ARRAY: list,
    InputType.INT: int, InputType.FLOAT: float, InputType.BOOLEAN: bool, InputType.BOOL: bool,
    InputType.DATETIME: datetime, InputType.DATE: date, InputType.TIME: time,
    InputType.DURATION: timedelta, InputType.JSON: _JSONISH, InputType.YAML: _JSONISH,
}

DECLARATIONS = {
    InputType.ENUM: dict(values=["a", "b"]),
    InputType.SELECT: dict(values=["a", "b"]),
    InputType.MULTISELECT: dict(values=["a", "b"]),
    InputType.ARRAY: dict(itemType="INT"),
    InputType.STRING: dict(validator=r"[a-z]+(-[a-z]+)*"),
    InputType.INT: dict(min=-5, max=1000),
}

TEXT = st.one_of(
    st.text(max_size=60),
    st.from_regex(r"-?[0-9]{1,12}(\.[0-9]+)?", fullmatch=True),
    st.sampled_from(["true", "TRUE", "", "PT5M", "P1D", "2024-01-01", "2024-01-01T00:00:00Z",
                     "10:00", "[1, 2]", '["a"]', '{"a": 1}', "a: 1", "kestra:///x",
                     "https://kestra.io", "a@b.c", "NaN", "[", "- a\n- b", "&a [*a, *a]"]),
)


@pytest.mark.parametrize("type_", list(InputType))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=TEXT)
def test_any_text_gives_a_typed_value_or_an_input_error(type_, raw):
    decl = declare(id="x", type=type_.value, **DECLARATIONS.get(type_, {}))
    try:
        value = parse_input_value(decl, raw)
    except InputError as exc:
        assert exc.input_id == "x" and "`x`" in str(exc)
        return
    assert isinstance(value, EXPECTED[type_]), (type_, raw, value)
    if type_ in (InputType.INT,):
        assert -5 <= value <= 1000 and not isinstance(value, bool)
    if type_ is InputType.ARRAY:
        assert all(isinstance(v, int) for v in value)
    to_json_value(value)  # always printable


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=30))
def test_boolean_is_true_or_false_only(raw):
    decl = declare(id="b", type="BOOLEAN")
    if raw.lower() not in ("true", "false"):
        with pytest.raises(InputError, match="use true or false"):
            parse_input_value(decl, raw)
    else:
        assert parse_input_value(decl, raw) is (raw.lower() == "true")
