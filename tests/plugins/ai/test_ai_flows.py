"""ChatCompletion and AIAgent through whole flows against the model server on loopback:
the request bodies each provider's API expects, Kestra's outputs reachable by the next
task, a provider's error as a clear task failure, and the key never in the logs."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium_ai.completion import ChatCompletion
from tests.plugins.ai.flows import run
from tests.plugins.ai.llm_server import API_KEY

OPENAI_CHAT = """
id: chat
namespace: company.ai
inputs:
  - id: url
    type: STRING
  - id: model
    type: STRING
    defaults: local-model
tasks:
  - id: chat
    type: io.kestra.plugin.ai.completion.ChatCompletion
    provider:
      type: io.kestra.plugin.ai.provider.OpenAI
      apiKey: "{{ secret('OPENAI_API_KEY') }}"
      modelName: "{{ inputs.model }}"
      baseUrl: "{{ inputs.url }}/v1"
    configuration:
      temperature: 0.2
      seed: 42
      maxToken: 50
    messages:
      - type: SYSTEM
        content: You are a helpful assistant.
      - type: USER
        content: What is Kestra?
  - id: answer
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.chat.textOutput }} ({{ outputs.chat.tokenUsage.totalTokenCount }})"
"""


def test_chat_completion_over_an_openai_compatible_server(runtime, llm):
    final, runs, logs = run(runtime, OPENAI_CHAT, {"url": llm.url})
    assert final.state is State.SUCCESS, logs
    outputs = runs["chat"].outputs
    assert outputs["textOutput"] == outputs["aiResponse"] == "echo: What is Kestra?"
    assert outputs["finishReason"] == "STOP"
    assert outputs["tokenUsage"] == {"inputTokenCount": 8, "outputTokenCount": 4,
                                     "totalTokenCount": 12}
    assert runs["answer"].outputs["value"] == "echo: What is Kestra? (12)"
    [request] = llm.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.body == {
        "model": "local-model", "temperature": 0.2, "seed": 42, "max_completion_tokens": 50,
        "messages": [{"role": "system", "content": "You are a helpful assistant."},
                     {"role": "user", "content": "What is Kestra?"}]}
    assert not any(API_KEY in line for line in logs)


def test_a_server_error_fails_the_task_with_the_status_and_the_providers_message(
        runtime, llm):
    final, runs, logs = run(runtime, OPENAI_CHAT, {"url": llm.url, "model": "fail-500"})
    assert final.state is State.FAILED
    assert any("failed with status 500" in line and "the model server is down" in line
               for line in logs), logs
    assert "answer" not in runs


WRONG_KEY = """
id: wrong_key
namespace: company.ai
inputs:
  - id: url
    type: STRING
tasks:
  - id: agent
    type: io.kestra.plugin.ai.agent.AIAgent
    provider:
      type: io.kestra.plugin.ai.provider.OpenAI
      apiKey: sk-wrong-key-4242
      modelName: gpt-4o-mini
      baseUrl: "{{ inputs.url }}/v1"
    configuration:
      logRequests: true
      logResponses: true
    prompt: Hello
"""


def test_a_rejected_key_fails_the_task_and_the_key_stays_masked(runtime, llm):
    final, _, logs = run(runtime, WRONG_KEY, {"url": llm.url})
    assert final.state is State.FAILED
    assert any("failed with status 401" in line and "Incorrect API key provided" in line
               for line in logs), logs
    assert llm.requests[0].headers["Authorization"] == "Bearer sk-wrong-key-4242"
    assert not any("sk-wrong-key-4242" in line for line in logs), logs


MISTRAL_AGENT = """
id: classify
namespace: company.ai
inputs:
  - id: url
    type: STRING
tasks:
  - id: support_agent
    type: io.kestra.plugin.ai.agent.AIAgent
    provider:
      type: io.kestra.plugin.ai.provider.MistralAI
      apiKey: "{{ secret('MISTRAL_API_KEY') }}"
      modelName: open-mistral-7b
      baseUrl: "{{ inputs.url }}/mistral/v1"
    systemMessage: You are a classifier that returns ONLY valid JSON.
    configuration:
      seed: 7
      responseFormat:
        type: JSON
        jsonSchema:
          type: object
          required: ["category", "priority"]
          properties:
            category:
              type: string
            priority:
              type: string
    prompt: "Classify: I can't log in"
  - id: priority
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.support_agent.jsonOutput.priority }}"
"""


def test_an_agent_with_mistral_and_a_json_response_format(runtime, llm):
    final, runs, logs = run(runtime, MISTRAL_AGENT, {"url": llm.url})
    assert final.state is State.SUCCESS, logs
    assert runs["support_agent"].outputs["jsonOutput"] == {"category": "ACCOUNT",
                                                           "priority": "HIGH"}
    assert "textOutput" not in runs["support_agent"].outputs
    assert runs["priority"].outputs["value"] == "HIGH"
    [request] = llm.requests
    assert request.path == "/mistral/v1/chat/completions"
    assert request.body["random_seed"] == 7 and "seed" not in request.body
    assert request.body["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "output", "strict": False, "schema": {
            "type": "object", "required": ["category", "priority"],
            "properties": {"category": {"type": "string"}, "priority": {"type": "string"}}}}}
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]


GEMINI_AGENT = """
id: gemini
namespace: company.ai
inputs:
  - id: url
    type: STRING
tasks:
  - id: first
    type: io.kestra.plugin.ai.agent.AIAgent
    systemMessage: Answer briefly.
    prompt: Summarize Kestra
  - id: second
    type: io.kestra.plugin.ai.agent.AIAgent
    prompt: 'Shorter: {{ outputs.first.textOutput }}'
pluginDefaults:
  - type: io.kestra.plugin.ai.agent.AIAgent
    values:
      provider:
        type: io.kestra.plugin.ai.provider.GoogleGemini
        modelName: gemini-2.5-flash
        apiKey: "{{ secret('GEMINI_API_KEY') }}"
        baseUrl: "{{ inputs.url }}/v1beta"
"""


def test_agents_with_gemini_from_plugin_defaults(runtime, llm):
    final, runs, logs = run(runtime, GEMINI_AGENT, {"url": llm.url})
    assert final.state is State.SUCCESS, logs
    assert runs["first"].outputs["textOutput"] == "gemini: Summarize Kestra"
    assert runs["second"].outputs["textOutput"] == "gemini: Shorter: gemini: Summarize Kestra"
    assert runs["first"].outputs["tokenUsage"]["totalTokenCount"] == 5
    first = llm.requests[0]
    assert first.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert first.headers["x-goog-api-key"] == API_KEY
    assert first.body == {
        "contents": [{"role": "user", "parts": [{"text": "Summarize Kestra"}]}],
        "systemInstruction": {"parts": [{"text": "Answer briefly."}]},
        "generationConfig": {"thinkingConfig": {"includeThoughts": False,
                                                "thinkingBudget": 0}}}
    assert not any(API_KEY in line for line in logs)


def test_the_last_message_must_be_a_user_message(runtime, llm):
    flow = OPENAI_CHAT.replace("      - type: USER\n        content: What is Kestra?\n", "")
    final, _, logs = run(runtime, flow, {"url": llm.url})
    assert final.state is State.FAILED
    assert any("the last message must be a user message" in line for line in logs), logs
    assert not llm.requests


@pytest.mark.parametrize("extra, name", [
    ("    tools:\n      - type: io.kestra.plugin.ai.tool.GoogleCustomWebSearch\n"
     "        apiKey: k\n", "tools"),
    ("    memory:\n      type: io.kestra.plugin.ai.memory.KestraKVStore\n", "memory")])
def test_agent_tools_and_memory_are_refused_when_the_flow_is_saved(extra, name):
    with pytest.raises(Exception) as refused:
        parse_flow(WRONG_KEY + extra)
    assert f"`{name}` is not supported by Podium yet" in str(refused.value)


def test_an_unknown_provider_type_is_refused_naming_the_known_ones():
    flow = WRONG_KEY.replace("provider.OpenAI", "provider.Nope")
    with pytest.raises(Exception) as refused:
        parse_flow(flow)
    assert "provider" in str(refused.value) and "GoogleGemini" in str(refused.value)


DYNAMIC_MESSAGES = """
id: dynamic
namespace: company.ai
inputs:
  - id: url
    type: STRING
  - id: messages
    type: JSON
tasks:
  - id: chat
    type: io.kestra.plugin.ai.completion.ChatCompletion
    provider:
      type: io.kestra.plugin.ai.provider.OpenAI
      apiKey: "{{ secret('OPENAI_API_KEY') }}"
      modelName: local-model
      baseUrl: "{{ inputs.url }}/v1"
    messages: "{{ inputs.messages }}"
"""


def test_messages_given_as_an_expression(runtime, llm):
    messages = ('[{"type": "USER", "content": "hi"}, {"type": "AI", "content": "hello"},'
                ' {"type": "USER", "contentBlocks": [{"text": "and now?"}]}]')
    final, runs, logs = run(runtime, DYNAMIC_MESSAGES, {"url": llm.url, "messages": messages})
    assert final.state is State.SUCCESS, logs
    assert runs["chat"].outputs["textOutput"] == "echo: and now?"
    assert llm.requests[0].body["messages"] == [
        {"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "and now?"}]


def test_kestras_structured_output_example_with_gemini(runtime, llm):
    example = next(e.code for e in ChatCompletion.EXAMPLES if "jsonSchema" in e.code)
    flow = example.replace(
        "      modelName: gemini-2.5-flash\n",
        "      modelName: gemini-2.5-flash\n      baseUrl: \"{{ inputs.url }}/v1beta\"\n").replace(
        "inputs:\n", "inputs:\n  - id: url\n    type: STRING\n", 1)
    final, runs, logs = run(runtime, flow, {"url": llm.url})
    assert final.state is State.SUCCESS, logs
    assert runs["ai-agent"].outputs["jsonOutput"] == {"name": "<name>", "birth": "<birth>"}
    config = llm.requests[0].body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseSchema"] == {"type": "object", "properties": {
        "name": {"type": "string"}, "birth": {"type": "string"}}}
