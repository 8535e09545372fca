"""The answer of a webhook call with `wait: true` (api/webhook_response.py), and the
Webhook trigger's properties for it."""

from __future__ import annotations

import json

import pytest

from api.webhook_response import ended_answer
from common.errors import FlowValidationError
from common.flow.loader import parse_flow


def webhook(extra: str = ""):
    flow = parse_flow("id: f\nnamespace: n\ntasks:\n  - id: t\n"
                      "    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
                      "triggers:\n  - id: w\n    type: io.kestra.plugin.core.trigger.Webhook\n"
                      "    key: k\n" + extra).flow
    return flow.triggers[0]


EXECUTION = {"id": "e1", "state": {"current": "SUCCESS"}}


def test_wait_without_return_outputs_answers_the_execution():
    answer = ended_answer(webhook("    wait: true\n"), "SUCCESS", {"a": 1}, EXECUTION)
    assert answer.status == 200 and json.loads(answer.body) == EXECUTION
    assert answer.media_type == "application/json"


def test_return_outputs_answers_the_outputs_and_500_when_failed():
    trigger = webhook("    wait: true\n    returnOutputs: true\n")
    assert json.loads(ended_answer(trigger, "SUCCESS", {"a": 1}, EXECUTION).body) == {"a": 1}
    assert ended_answer(trigger, "FAILED", {"a": 1}, EXECUTION).status == 500
    assert ended_answer(trigger, "KILLED", None, EXECUTION).status == 200
    assert ended_answer(trigger, "SUCCESS", None, EXECUTION).body == b""


def test_text_plain_sends_a_string_as_is_and_anything_else_as_json_text():
    trigger = webhook("    wait: true\n    returnOutputs: true\n"
                      "    responseContentType: text/plain\n")
    assert ended_answer(trigger, "SUCCESS", "tok", EXECUTION).body == b"tok"
    answer = ended_answer(trigger, "SUCCESS", {"response": "tok"}, EXECUTION)
    assert answer.body == b'{"response":"tok"}' and answer.media_type == "text/plain"


def test_response_code_replaces_the_default_status():
    trigger = webhook("    wait: true\n    returnOutputs: true\n    responseCode: 201\n")
    assert ended_answer(trigger, "FAILED", {}, EXECUTION).status == 201


def test_wait_with_debounce_is_refused_naming_both():
    with pytest.raises(FlowValidationError, match="wait.*debounce"):
        webhook("    wait: true\n    debounce:\n      quiet: PT1S\n")


def test_defaults_are_kestra_s():
    trigger = webhook()
    assert (trigger.wait, trigger.return_outputs, trigger.response_content_type) == (
        False, False, None)
