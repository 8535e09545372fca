"""io.kestra.plugin.ai.agent.AIAgent: a single-turn agent (system message and prompt)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import field_validator

from podium.sdk import Dyn, Example, RunContext, Task
from podium_ai._unsupported import refuse
from podium_ai.configuration import ChatConfiguration, outputs
from podium_ai.providers import Provider


class AIAgent(Task):
    """An AI agent answering `prompt` under `systemMessage` with the configured `provider`.
    Podium runs the agent's single turn: one model call, no tools. `tools`,
    `contentRetrievers`, `memory`, `outputFiles`, `guardrails` and `observability` are
    refused when the flow is saved. Outputs Kestra's AIOutput: `textOutput` (or `jsonOutput`
    with `configuration.responseFormat.type: JSON`), `tokenUsage`, `finishReason`,
    `requestDuration`, `toolExecutions` (empty)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.ai.agent.AIAgent"
    EXAMPLES = (
        Example(title="Summarize a text with a system message", code="""
id: simple_summarizer_agent
namespace: company.ai

inputs:
  - id: summary_length
    type: SELECT
    displayName: Summary Length
    defaults: medium
    values:
      - short
      - medium
      - long
  - id: language
    type: STRING
    defaults: en
  - id: text
    type: STRING
    defaults: Kestra is an open-source orchestration platform.

tasks:
  - id: multilingual_agent
    type: io.kestra.plugin.ai.agent.AIAgent
    systemMessage: |
      You are a precise technical assistant.
      Produce a {{ inputs.summary_length }} summary in {{ inputs.language }}.
    prompt: |
      Summarize the following content: {{ inputs.text }}

  - id: english_brevity
    type: io.kestra.plugin.ai.agent.AIAgent
    prompt: Generate exactly 1 sentence English summary of "{{ outputs.multilingual_agent.textOutput }}"

pluginDefaults:
  - type: io.kestra.plugin.ai.agent.AIAgent
    values:
      provider:
        type: io.kestra.plugin.ai.provider.GoogleGemini
        modelName: gemini-2.5-flash
        apiKey: "{{ secret('GEMINI_API_KEY') }}"
"""),
        Example(title="Classify a ticket into JSON with Mistral", code="""
id: customer_ticket_classifier
namespace: company.ai

inputs:
  - id: customer_ticket
    type: STRING
    defaults: >-
      I can't log into my account. It says my password is wrong, and the reset link never arrives.

tasks:
  - id: support_agent
    type: io.kestra.plugin.ai.agent.AIAgent
    provider:
      type: io.kestra.plugin.ai.provider.MistralAI
      apiKey: "{{ secret('MISTRAL_API_KEY') }}"
      modelName: open-mistral-7b
    systemMessage: |
      You are a classifier that returns ONLY valid JSON matching the schema.
      Do not add explanations or extra keys.
    configuration:
      responseFormat:
        type: JSON
        jsonSchema:
          type: object
          required: ["category", "priority"]
          properties:
            category:
              type: string
              enum: ["ACCOUNT", "BILLING", "TECHNICAL", "GENERAL"]
            priority:
              type: string
              enum: ["LOW", "MEDIUM", "HIGH"]
    prompt: |
      Classify the following customer message:
        {{ inputs.customer_ticket }}
"""),
    )

    prompt: str
    system_message: str | None = None
    provider: Provider
    configuration: ChatConfiguration = ChatConfiguration()
    max_sequential_tools_invocations: Dyn[int] | None = None
    tools: list[dict[str, Any]] | None = None
    content_retrievers: Any = None
    memory: dict[str, Any] | None = None
    output_files: Any = None
    guardrails: dict[str, Any] | None = None
    observability: dict[str, Any] | None = None

    @field_validator("tools", "content_retrievers", "memory", "output_files", "guardrails",
                     "observability")
    @classmethod
    def _unsupported(cls, value: Any, info: Any) -> Any:
        return refuse(info.field_name, value)

    def run(self, ctx: RunContext) -> dict[str, Any]:
        messages = []
        if self.system_message:
            messages.append(("SYSTEM", ctx.render(self.system_message)))
        messages.append(("USER", ctx.render(self.prompt)))
        reply = self.provider.chat(ctx, messages, self.configuration)
        ctx.metric({"name": "ai.provider.calls", "type": "counter", "value": 1,
                    "tags": {"provider": type(self.provider).__name__}})
        return outputs(ctx, reply, self.configuration)
