"""common/inputs/preview.py: what a run form shows for each input, following the engine's
resolution (resolve_inputs) without ever raising for a value."""

from __future__ import annotations

import pytest

from podium.common.errors import InputError
from podium.common.flow.loader import parse_flow
from podium.common.inputs import resolve_inputs
from podium.common.inputs.preview import preview_inputs
from podium.common.submission import input_renderer

FLOW = """\
id: f
namespace: n
inputs:
  - {id: cloud, type: SELECT, values: [aws, gcp]}
  - id: region
    type: SELECT
    dependsOn: {inputs: [cloud]}
    expression: "{{ inputs.cloud == 'aws' ? ['us', 'eu'] : ['asia'] }}"
  - id: account
    type: INT
    dependsOn: {inputs: [cloud], condition: "{{ inputs.cloud == 'aws' }}"}
  - id: alias
    type: STRING
    required: false
    dependsOn: {inputs: [account]}
  - {id: day, type: DATE, defaults: "{{ '2024-01-0' ~ 2 }}"}
  - {id: hint, type: STRING, prefill: try me}
  - {id: doc, type: FILE, required: false}
tasks:
  - {id: t, type: io.kestra.plugin.core.log.Log, message: x}
"""


def preview(provided):
    flow = parse_flow(FLOW).flow
    shown = preview_inputs(flow.inputs, provided, render_typed=input_renderer(flow, 1, None))
    return {p.declaration.id: p for p in shown}


def test_a_new_form_shows_defaults_rendered_and_prefills():
    shown = preview(None)
    assert shown["day"].value == "2024-01-02" and shown["day"].is_default
    assert shown["hint"].value == "try me" and not shown["hint"].is_default
    assert not shown["account"].enabled and not shown["alias"].enabled  # no cloud yet
    assert shown["region"].enabled and shown["region"].declaration.values == ["asia"]
    assert all(p.error is None for p in shown.values())


def test_a_prefill_is_not_put_back_once_the_form_was_sent():
    assert preview({"cloud": "aws"})["hint"].value is None


def test_dependents_follow_their_sources_as_the_engine_does():
    shown = preview({"cloud": "aws", "account": "12"})
    assert shown["region"].declaration.values == ["us", "eu"]
    assert shown["account"].enabled and shown["alias"].enabled
    assert not preview({"cloud": "gcp", "account": "12"})["account"].enabled
    flow = parse_flow(FLOW).flow
    resolved = resolve_inputs(flow.inputs, {"cloud": "gcp", "region": "asia", "hint": "h",
                                            "account": "12"},
                              render_typed=input_renderer(flow, 1, None))
    assert "account" not in resolved and "alias" not in resolved  # hidden = ignored


def test_a_bad_value_stays_on_its_input_and_hides_its_dependents():
    shown = preview({"cloud": "aws", "account": "twelve", "region": "asia"})
    assert "expected INT" in shown["account"].error
    assert "must match the values `[us, eu]`" in shown["region"].error
    assert not shown["alias"].enabled
    assert shown["doc"].error is None  # a file is not read before the execution exists


def test_an_expression_that_fails_is_the_inputs_error():
    flow = parse_flow(FLOW.replace("['asia']", "inputs.nope.x")).flow
    shown = preview_inputs(flow.inputs, {"cloud": "gcp"},
                           render_typed=input_renderer(flow, 1, None))
    assert "Cannot render 'expression'" in shown[1].error
    with pytest.raises(InputError):
        resolve_inputs(flow.inputs, {"cloud": "gcp"}, render_typed=input_renderer(flow, 1, None))
