"""Input `prefill` (Kestra 0.23+): the value a form starts with, which the user may clear.
Checked like `defaults`, refused together with them, never applied when an execution is
created."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from podium.common.errors import InputError
from podium.common.inputs import resolve_inputs

from .conftest import ADAPTER, declare


def errors_of(*inputs):
    with pytest.raises(ValidationError) as info:
        ADAPTER.validate_python(list(inputs))
    return [e["msg"] for e in info.value.errors()]


def test_prefill_is_read_and_typed_like_defaults():
    assert declare(id="n", type="INT", prefill=5, required=False).prefill == 5
    assert declare(id="d", type="DATETIME", prefill="{{ now() }}").prefill == "{{ now() }}"
    (message,) = errors_of({"id": "n", "type": "INT", "prefill": "ten"})
    assert "invalid `prefill` for input `n`" in message and "expected INT" in message
    (message,) = errors_of({"id": "n", "type": "INT", "max": 3, "prefill": 4})
    assert "invalid `prefill` for input `n`" in message


def test_prefill_and_defaults_together_are_refused():
    (message,) = errors_of({"id": "s", "type": "STRING", "defaults": "a", "prefill": "b"})
    assert "input `s`: `defaults` and `prefill` cannot be used together" in message


def test_file_prefill_is_a_file_or_nsfile_uri():
    assert any("only support `prefill`" in m
               for m in errors_of({"id": "f", "type": "FILE", "prefill": "data.csv"}))
    assert declare(id="f", type="FILE", prefill="nsfile:///a.txt").prefill == "nsfile:///a.txt"


def test_prefill_is_not_applied_when_no_value_is_given():
    optional = ADAPTER.validate_python([{"id": "s", "type": "STRING", "required": False,
                                         "prefill": "hint"}])
    assert resolve_inputs(optional, {}) == {"s": None}
    assert resolve_inputs(optional, {"s": "given"}) == {"s": "given"}
    required = ADAPTER.validate_python([{"id": "s", "type": "STRING", "prefill": "hint"}])
    with pytest.raises(InputError, match="missing required input"):
        resolve_inputs(required, {})
