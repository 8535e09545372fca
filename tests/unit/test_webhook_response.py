"""The answer of a webhook call with `wait: true` (api/webhook_response.py), and the
Webhook trigger's properties for it."""

from __future__ import annotations

import json

import pytest

from podium.api.webhook_response import created_answer, ended_answer, ended_status, status_of
from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow


def webhook(extra: str = ""):
    flow = parse_flow("id: f\nnamespace: n\ntasks:\n  - id: t\n"
                      "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
                      "triggers:\n  - id: w\n    type: io.kestra.plugin.core.trigger.Webhook\n"
                      "    key: k\n" + extra).flow
    return flow.triggers[0]


EXECUTION = {"id": "e1", "state": {"current": "SUCCESS"}}


def no_render(text: str) -> str:
    raise AssertionError("nothing to render")


def test_wait_without_return_outputs_answers_the_execution():
    answer = ended_answer(webhook("    wait: true\n"), {"a": 1}, EXECUTION, 200)
    assert answer.status == 200 and json.loads(answer.body) == EXECUTION
    assert answer.media_type == "application/json"


def test_return_outputs_answers_the_outputs_and_no_body_without_outputs():
    trigger = webhook("    wait: true\n    returnOutputs: true\n")
    assert json.loads(ended_answer(trigger, {"a": 1}, EXECUTION, 200).body) == {"a": 1}
    assert ended_answer(trigger, None, EXECUTION, 200).body == b""


def test_the_status_is_500_for_a_failed_execution_unless_response_code_says():
    assert (ended_status("FAILED"), ended_status("KILLED"), ended_status("SUCCESS")) == (
        500, 200, 200)
    assert status_of(webhook(), 500, no_render) == 500
    assert status_of(webhook("    responseCode: 201\n"), 500, no_render) == 201


def test_an_expression_response_code_is_rendered_and_checked():
    trigger = webhook("    responseCode: \"{{ outputs.check.code }}\"\n")
    assert status_of(trigger, 200, lambda text: "418") == 418
    with pytest.raises(ValueError, match="not an integer"):
        status_of(trigger, 200, lambda text: "soon")
    with pytest.raises(ValueError, match="not an HTTP status"):
        status_of(trigger, 200, lambda text: "1000")
    with pytest.raises(FlowValidationError):
        webhook("    responseCode: 42\n")


def test_text_plain_sends_a_string_as_is_and_anything_else_as_json_text():
    trigger = webhook("    wait: true\n    returnOutputs: true\n"
                      "    responseContentType: text/plain\n")
    assert ended_answer(trigger, "tok", EXECUTION, 200).body == b"tok"
    answer = ended_answer(trigger, {"response": "tok"}, EXECUTION, 200)
    assert answer.body == b'{"response":"tok"}' and answer.media_type == "text/plain"


def test_the_immediate_answer_is_the_created_execution_in_the_content_type():
    answer = created_answer(webhook("    responseContentType: text/plain\n"), EXECUTION, 202)
    assert (answer.status, answer.media_type) == (202, "text/plain")
    assert json.loads(answer.body) == EXECUTION


def test_wait_with_debounce_is_refused_naming_both():
    with pytest.raises(FlowValidationError, match="wait.*debounce"):
        webhook("    wait: true\n    debounce:\n      quiet: PT1S\n")


def test_defaults_are_kestra_s():
    trigger = webhook()
    assert (trigger.wait, trigger.return_outputs, trigger.response_content_type,
            trigger.response_code) == (False, False, None, None)
