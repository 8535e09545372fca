"""openai.ChatCompletion through whole flows against the model server on loopback (the
request body the Chat Completions API expects, `choices` as the API returns them), a
provider error as a clear task failure with the key masked, and Kestra's examples valid."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.plugins.discovery import discover
from podium.worker.run_context import RunContext
from podium_openai import plugin
from tests.plugins.ai.flows import run
from tests.plugins.ai.llm_server import API_KEY

PROMPT = """
id: openai_chat
namespace: company.team
inputs:
  - id: url
    type: STRING
tasks:
  - id: completion
    type: io.kestra.plugin.openai.ChatCompletion
    apiKey: "{{ secret('OPENAI_API_KEY') }}"
    baseUrl: "{{ inputs.url }}/v1"
    model: gpt-4o
    prompt: What is data orchestration?
    maxTokens: 100
  - id: content
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.completion.choices[0].message.content }}"
  - id: jq
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.completion.choices | jq('.[].message.content') | first }}"
"""


def test_a_prompt_and_its_choices(runtime, llm):
    final, runs, logs = run(runtime, PROMPT, {"url": llm.url})
    assert final.state is State.SUCCESS, logs
    outputs = runs["completion"].outputs
    assert (outputs["id"], outputs["object"], outputs["model"]) == (
        "chatcmpl-123", "chat.completion", "gpt-4o")
    assert outputs["usage"]["total_tokens"] == 9
    assert outputs["choices"][0]["finish_reason"] == "stop"
    assert runs["content"].outputs["value"] == "echo: What is data orchestration?"
    assert runs["jq"].outputs["value"] == "echo: What is data orchestration?"
    [request] = llm.requests
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.body == {"model": "gpt-4o", "n": 1, "temperature": 1.0,
                            "max_completion_tokens": 100, "messages": [
                                {"role": "user", "content": "What is data orchestration?"}]}


FUNCTIONS = next(e.code for e in plugin.tasks[0].EXAMPLES if "functions:" in e.code).replace(
    "apiKey: \"{{ secret('OPENAI_API_KEY') }}\"",
    "apiKey: \"{{ secret('OPENAI_API_KEY') }}\"\n    baseUrl: \"{{ inputs.url }}/v1\"").replace(
    "inputs:\n", "inputs:\n  - id: url\n    type: STRING\n", 1)


def test_kestras_function_example_gets_its_tool_call_arguments(runtime, llm):
    final, runs, logs = run(runtime, FUNCTIONS, {"url": llm.url})
    assert final.state is State.SUCCESS, logs
    assert runs["response_urgency"].outputs["value"] == "reply_immediately"
    assert runs["response_text"].outputs["value"] == "some text"
    [request] = llm.requests
    assert request.body["tool_choice"] == "auto"
    [tool] = request.body["tools"]
    assert tool["type"] == "function" and tool["function"]["name"] == "respond_to_review"
    parameters = tool["function"]["parameters"]
    assert parameters["type"] == "object"
    assert parameters["required"] == ["response_urgency", "response_text"]
    assert parameters["properties"]["response_urgency"]["enum"] == ["reply_immediately",
                                                                    "reply_later"]
    assert request.body["messages"] == [
        {"role": "user", "content": "I love your product and would purchase it again!"}]


def test_a_rejected_key_fails_naming_the_status_and_the_key_stays_masked(runtime, llm):
    flow = PROMPT.replace("\"{{ secret('OPENAI_API_KEY') }}\"", "sk-leaky-777")
    final, runs, logs = run(runtime, flow, {"url": llm.url})
    assert final.state is State.FAILED
    assert any("failed with status 401" in line and "Incorrect API key provided" in line
               for line in logs), logs
    assert not any("sk-leaky-777" in line for line in logs), logs
    assert "content" not in runs


def test_neither_messages_nor_prompt_fails_clearly(runtime, llm):
    flow = PROMPT.replace("    prompt: What is data orchestration?\n", "")
    final, _, logs = run(runtime, flow, {"url": llm.url})
    assert final.state is State.FAILED
    assert any("Either `messages` or `prompt` must be set" in line for line in logs), logs
    assert not llm.requests


def test_the_plugin_is_found_through_its_entry_point():
    found, broken = discover()
    openai = next(p for p in found if p.name == "openai")
    assert openai.distribution == "podium-plugin-openai"
    assert [cls.TYPE for cls in openai.tasks] == ["io.kestra.plugin.openai.ChatCompletion"]
    assert not [b for b in broken if b.name == "openai"]


@pytest.mark.parametrize("example", plugin.tasks[0].EXAMPLES, ids=lambda e: e.title[:30])
def test_every_example_flow_validates(example):
    assert parse_flow(example.code).flow.id == "openai_chat"


def test_the_worker_refuses_a_loopback_server_it_was_not_allowed(runtime, llm, monkeypatch):
    monkeypatch.setattr(RunContext, "http", None)  # the default settings: public hosts only
    final, _, logs = run(runtime, PROMPT, {"url": llm.url})
    assert final.state is State.FAILED
    assert any("http.allow_private" in line for line in logs), logs
    assert not llm.requests


MESSAGES_EXPRESSION = """
id: dynamic
namespace: company.team
inputs:
  - id: url
    type: STRING
  - id: messages
    type: JSON
tasks:
  - id: completion
    type: io.kestra.plugin.openai.ChatCompletion
    apiKey: "{{ secret('OPENAI_API_KEY') }}"
    baseUrl: "{{ inputs.url }}/v1"
    model: gpt-4o
    messages: "{{ inputs.messages }}"
    stop: ["END"]
"""


def test_messages_given_as_an_expression(runtime, llm):
    messages = '[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}]'
    final, runs, logs = run(runtime, MESSAGES_EXPRESSION, {"url": llm.url,
                                                           "messages": messages})
    assert final.state is State.SUCCESS, logs
    assert runs["completion"].outputs["choices"][0]["message"]["content"] == "echo: hi"
    body = llm.requests[0].body
    assert body["messages"] == [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "hi"}]
    assert body["stop"] == ["END"]


def test_a_server_that_is_not_there_fails_naming_the_url(runtime, llm):
    llm.close()  # the port is free again: nothing listens there
    final, _, logs = run(runtime, PROMPT, {"url": llm.url})
    assert final.state is State.FAILED
    assert any(f"POST {llm.url}/v1/chat/completions failed: ConnectError" in line
               for line in logs), logs
