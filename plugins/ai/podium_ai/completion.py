"""io.kestra.plugin.ai.completion.ChatCompletion: one chat turn with a provider."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import field_validator

from podium.sdk import Dyn, Example, RunContext, Task
from podium_ai._unsupported import refuse
from podium_ai.configuration import (
    ChatConfiguration,
    ChatMessage,
    conversation,
    dynamic_list,
    outputs,
)
from podium_ai.providers import Provider


class ChatCompletion(Task):
    """Runs a chat turn from a message list (at most one SYSTEM message; the last one must be
    USER) with the configured `provider` (`type: io.kestra.plugin.ai.provider.OpenAI`,
    `GoogleGemini` or `MistralAI`; OpenAI's `baseUrl` can name any OpenAI-compatible
    server). Outputs Kestra's: `textOutput` (or `jsonOutput` with
    `configuration.responseFormat.type: JSON`), `tokenUsage`, `finishReason`,
    `requestDuration`, and the deprecated `aiResponse`. Tools, guardrails and observability
    are refused when the flow is saved."""

    TYPE: ClassVar[str] = "io.kestra.plugin.ai.completion.ChatCompletion"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.langchain4j.ChatCompletion",
                                          "io.kestra.plugin.langchain4j.completion.ChatCompletion")
    EXAMPLES = (
        Example(title="Chat completion with Google Gemini", code="""
id: chat_completion
namespace: company.ai

inputs:
  - id: prompt
    type: STRING

tasks:
  - id: chat_completion
    type: io.kestra.plugin.ai.completion.ChatCompletion
    provider:
      type: io.kestra.plugin.ai.provider.GoogleGemini
      apiKey: "{{ secret('GOOGLE_API_KEY') }}"
      modelName: gemini-2.5-flash
    messages:
      - type: SYSTEM
        content: You are a helpful assistant, answer concisely, avoid overly casual language or unnecessary verbosity.
      - type: USER
        content: "{{ inputs.prompt }}"
"""),
        Example(title="Chat completion with OpenAI", code="""
id: chat_completion
namespace: company.ai

inputs:
  - id: prompt
    type: STRING

tasks:
  - id: chat_completion
    type: io.kestra.plugin.ai.completion.ChatCompletion
    provider:
      type: io.kestra.plugin.ai.provider.OpenAI
      apiKey: "{{ secret('OPENAI_API_KEY') }}"
      modelName: gpt-5-mini
    messages:
      - type: SYSTEM
        content: You are a helpful assistant, answer concisely, avoid overly casual language or unnecessary verbosity.
      - type: USER
        content: "{{ inputs.prompt }}"
"""),
        Example(title="Extract structured outputs with a JSON schema", code="""
id: structured-output
namespace: company.ai

inputs:
  - id: prompt
    type: STRING
    defaults: |
      Hello, my name is John. I was born on January 1, 2000.

tasks:
  - id: ai-agent
    type: io.kestra.plugin.ai.completion.ChatCompletion
    provider:
      type: io.kestra.plugin.ai.provider.GoogleGemini
      modelName: gemini-2.5-flash
      apiKey: "{{ secret('GEMINI_API_KEY') }}"
    configuration:
      responseFormat:
        type: JSON
        jsonSchema:
          type: object
          properties:
            name:
              type: string
            birth:
              type: string
    messages:
      - type: USER
        content: "{{ inputs.prompt }}"
"""),
    )

    messages: Dyn[list[ChatMessage]]
    provider: Provider
    configuration: ChatConfiguration = ChatConfiguration()
    tools: list[dict[str, Any]] | None = None
    guardrails: dict[str, Any] | None = None
    observability: dict[str, Any] | None = None

    @field_validator("tools", "guardrails", "observability")
    @classmethod
    def _unsupported(cls, value: Any, info: Any) -> Any:
        return refuse(info.field_name, value)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        messages = conversation(ctx, dynamic_list(ctx, self.messages, ChatMessage,
                                                  "messages"))
        reply = self.provider.chat(ctx, messages, self.configuration)
        ctx.metric({"name": "ai.provider.calls", "type": "counter", "value": 1,
                    "tags": {"provider": type(self.provider).__name__}})
        result = outputs(ctx, reply, self.configuration)
        if "textOutput" in result:
            result["aiResponse"] = result["textOutput"]  # Kestra's deprecated name
        return result
