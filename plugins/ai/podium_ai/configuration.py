"""The properties ChatCompletion and AIAgent share with Kestra's plugin-ai: `messages`,
`configuration` (ChatConfiguration), and the outputs (AIOutput) built from a reply."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError, model_validator

from podium.sdk import Dyn, RunContext, StrictModel, TaskFailure
from podium_ai.providers import Reply


class ResponseFormat(StrictModel):
    """`configuration.responseFormat`: TEXT (default) or JSON, with a JSON Schema."""

    type: Dyn[Literal["TEXT", "JSON"]] = "TEXT"
    json_schema: dict[str, Any] | None = None
    json_schema_description: str | None = None
    strict_json: Dyn[bool] = False

    @model_validator(mode="after")
    def _schema_only_for_json(self) -> "ResponseFormat":
        if self.type == "TEXT" and self.json_schema is not None:
            raise ValueError("`jsonSchema` property is only allowed when `type` is `JSON`")
        if self.type == "TEXT" and self.strict_json is True:
            raise ValueError("`strictJson` property is only allowed when `type` is `JSON`")
        return self


class ChatConfiguration(StrictModel):
    """Kestra's ChatConfiguration: sampling and output settings sent to the provider."""

    temperature: Dyn[float] | None = None
    top_k: Dyn[int] | None = None
    top_p: Dyn[float] | None = None
    seed: Dyn[int] | None = None
    log_requests: Dyn[bool] | None = None
    log_responses: Dyn[bool] | None = None
    thinking_enabled: Dyn[bool] | None = None
    thinking_budget_tokens: Dyn[int] | None = None
    return_thinking: Dyn[bool] | None = None
    max_token: Dyn[int] | None = None
    prompt_caching: Dyn[bool] | None = None
    response_format: ResponseFormat | None = None

    @property
    def json_output(self) -> bool:
        return self.response_format is not None and self.response_format.type == "JSON"


class ContentBlock(StrictModel):
    type: Literal["TEXT", "IMAGE", "PDF"] | None = None
    text: str | None = None
    uri: str | None = None


class ChatMessage(StrictModel):
    """One message: `type` SYSTEM, AI or USER, with `content` or `contentBlocks`."""

    type: Literal["SYSTEM", "AI", "USER"]
    content: str | None = None
    content_blocks: list[ContentBlock] | None = None

    @model_validator(mode="after")
    def _one_content(self) -> "ChatMessage":
        if bool(self.content) == bool(self.content_blocks):
            raise ValueError("Exactly one of `content` or `contentBlocks` must be provided.")
        return self


def conversation(ctx: RunContext, messages: list[ChatMessage]) -> list[tuple[str, str]]:
    """(SYSTEM|AI|USER, rendered text) pairs, checked as Kestra checks them."""
    pairs = [(message.type, _text(ctx, message)) for message in messages]
    if sum(1 for kind, _ in pairs if kind == "SYSTEM") > 1:
        raise TaskFailure("messages: only one system message is allowed")
    if not pairs or pairs[-1][0] != "USER":
        raise TaskFailure("messages: the last message must be a user message")
    return pairs


def _text(ctx: RunContext, message: ChatMessage) -> str:
    if message.content:
        return ctx.render(message.content)
    parts = []
    for block in message.content_blocks or []:
        if (block.type or "TEXT") != "TEXT":
            raise TaskFailure(f"messages: {block.type} content blocks are not supported by "
                              "Podium yet (only TEXT)")
        if not block.text or not block.text.strip():
            raise TaskFailure("messages: TEXT content blocks require a non-empty `text` field.")
        parts.append(ctx.render(block.text))
    return "\n".join(parts)


def outputs(ctx: RunContext, reply: Reply, configuration: ChatConfiguration) -> dict[str, Any]:
    """Kestra's AIOutput; token counts also as Kestra's metrics."""
    usage = reply.token_usage
    for name, key in (("input", "inputTokenCount"), ("output", "outputTokenCount"),
                      ("total", "totalTokenCount")):
        if usage.get(key) is not None:
            ctx.metric({"name": f"{name}.token.count", "type": "counter",
                        "value": usage[key], "tags": {}})
    result: dict[str, Any] = {
        "tokenUsage": usage, "finishReason": reply.finish_reason, "toolExecutions": [],
        "intermediateResponses": [], "requestDuration": reply.duration_ms, "sources": [],
        "guardrailViolated": False}
    if configuration.json_output:
        try:
            result["jsonOutput"] = json.loads(reply.text or "null")
        except ValueError:
            raise TaskFailure("configuration.responseFormat: JSON was asked for, the model "
                              f"answered text that is not JSON: {reply.text[:200]!r}") from None
    else:
        result["textOutput"] = reply.text
    if reply.thinking and configuration.return_thinking:
        result["thinking"] = reply.thinking
    return result


def dynamic_list(ctx: RunContext, value: Any, model: Any, name: str) -> list[Any]:
    """A list-of-models property the flow may give as an expression (a JSON list, or the
    native list a lone `{{ expr }}` renders to), checked against `model`."""
    if value is None or isinstance(value, list):
        return value or []
    rendered = ctx.render_typed(value)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            raise TaskFailure(f"{name}: the expression did not render to a list: "
                              f"{rendered[:200]!r}") from None
    try:
        return TypeAdapter(list[model]).validate_python(rendered)
    except ValidationError as exc:
        raise TaskFailure(f"{name}: {exc.errors()[0]['msg']} at "
                          f"{'.'.join(map(str, exc.errors()[0]['loc']))}") from None
