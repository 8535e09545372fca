"""The `provider` of ChatCompletion and AIAgent: Kestra's ModelProvider types, selected by
`type` (a discriminated union, as the core's nested typed models), each speaking its own
HTTP API as plain JSON through the worker's SSRF guard (podium.sdk.guarded_http).

- OpenAI: the Chat Completions API at `baseUrl` (default OpenAI's), so any
  OpenAI-compatible server (vLLM, llama.cpp, Ollama's /v1, LocalAI...) works too;
- MistralAI: Mistral's chat completions API (OpenAI's shape, `random_seed`);
- GoogleGemini: Gemini's generateContent REST API.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import Field

from podium.sdk import RunContext, StrictModel, TaskFailure
from podium.sdk.guarded_http import JsonResponse, mask_secret, post_json

OPENAI_URL = "https://api.openai.com/v1"
MISTRAL_URL = "https://api.mistral.ai/v1"
GEMINI_URL = "https://generativelanguage.googleapis.com/v1beta"
# Kestra's provider timeout when the task sets none; a task `timeout` caps it (post_json).
DEFAULT_TIMEOUT = 120.0

# langchain4j's FinishReason, as Kestra's outputs name it.
_OPENAI_FINISH = {"stop": "STOP", "length": "LENGTH", "model_length": "LENGTH",
                  "tool_calls": "TOOL_EXECUTION", "function_call": "TOOL_EXECUTION",
                  "content_filter": "CONTENT_FILTER"}
_GEMINI_FINISH = {"STOP": "STOP", "MAX_TOKENS": "LENGTH", "SAFETY": "CONTENT_FILTER",
                  "RECITATION": "CONTENT_FILTER", "BLOCKLIST": "CONTENT_FILTER",
                  "PROHIBITED_CONTENT": "CONTENT_FILTER", "SPII": "CONTENT_FILTER"}


@dataclass
class Reply:
    text: str
    finish_reason: str | None
    token_usage: dict[str, int | None]
    duration_ms: int
    response_id: str | None = None
    thinking: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class _Provider(StrictModel):
    """ModelProvider's common properties."""

    model_name: str
    base_url: str | None = None
    client_pem: str | None = None
    ca_pem: str | None = None
    api_key: str | None = None

    label: ClassVar[str] = ""  # for messages
    DEFAULT_URL: ClassVar[str] = OPENAI_URL

    def _common(self, ctx: RunContext) -> tuple[str, str | None]:
        if self.client_pem or self.ca_pem:
            raise TaskFailure("provider: clientPem/caPem (mTLS) are not supported by Podium "
                              "yet; use an apiKey")
        key = ctx.render(self.api_key) if self.api_key else None
        mask_secret(ctx, key)
        return ctx.render(self.model_name), key

    def _post(self, ctx: RunContext, url: str, body: dict[str, Any],
              headers: dict[str, str], configuration: Any) -> tuple[JsonResponse, int]:
        if configuration.log_requests:
            ctx.log("INFO", f"{self.label} request to {url}: {body}")
        started = time.monotonic()
        response = post_json(ctx, url, body, headers=headers, timeout=DEFAULT_TIMEOUT)
        elapsed = int((time.monotonic() - started) * 1000)
        if configuration.log_responses:
            ctx.log("INFO", f"{self.label} response ({response.status}): {response.text}")
        if response.status >= 400:
            raise TaskFailure(f"{self.label} request to {url} failed with status "
                              f"{response.status}: {_error_message(response)}")
        if not isinstance(response.body, dict):
            raise TaskFailure(f"{self.label} answered {url} with a body that is not a JSON "
                              f"object: {response.text[:300]!r}")
        return response, elapsed


class _OpenAICompatible(_Provider):
    def chat(self, ctx: RunContext, messages: list[tuple[str, str]],
             configuration: Any) -> Reply:
        model, key = self._common(ctx)
        base = (ctx.render(self.base_url) if self.base_url else self.DEFAULT_URL).rstrip("/")
        body: dict[str, Any] = {"model": model, "messages": [
            {"role": {"AI": "assistant"}.get(kind, kind.lower()), "content": text}
            for kind, text in messages]}
        self._sampling(body, configuration)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response, elapsed = self._post(ctx, f"{base}/chat/completions", body, headers,
                                       configuration)
        return _openai_reply(response.body, elapsed)

    def _sampling(self, body: dict[str, Any], configuration: Any) -> None:
        for key, value in (("temperature", configuration.temperature),
                           ("top_p", configuration.top_p), ("seed", configuration.seed),
                           ("max_completion_tokens", configuration.max_token)):
            if value is not None:
                body[key] = value
        response_format = _openai_response_format(configuration)
        if response_format:
            body["response_format"] = response_format


class OpenAI(_OpenAICompatible):
    """`io.kestra.plugin.ai.provider.OpenAI`: OpenAI, or any OpenAI-compatible server at
    `baseUrl`."""

    type: Literal["io.kestra.plugin.ai.provider.OpenAI",
                  "io.kestra.plugin.langchain4j.provider.OpenAI"]
    base_url: str | None = OPENAI_URL
    label: ClassVar[str] = "OpenAI"


class MistralAI(_OpenAICompatible):
    """`io.kestra.plugin.ai.provider.MistralAI`: Mistral's chat completions API."""

    type: Literal["io.kestra.plugin.ai.provider.MistralAI",
                  "io.kestra.plugin.langchain4j.provider.MistralAI"]
    label: ClassVar[str] = "MistralAI"
    DEFAULT_URL: ClassVar[str] = MISTRAL_URL

    def _sampling(self, body: dict[str, Any], configuration: Any) -> None:
        super()._sampling(body, configuration)
        if "seed" in body:  # Mistral names it random_seed
            body["random_seed"] = body.pop("seed")
        if "max_completion_tokens" in body:
            body["max_tokens"] = body.pop("max_completion_tokens")


class GoogleGemini(_Provider):
    """`io.kestra.plugin.ai.provider.GoogleGemini`: Gemini's generateContent API."""

    type: Literal["io.kestra.plugin.ai.provider.GoogleGemini",
                  "io.kestra.plugin.langchain4j.provider.GoogleGemini"]
    embedding_model_configuration: dict[str, Any] | None = None
    label: ClassVar[str] = "GoogleGemini"

    def chat(self, ctx: RunContext, messages: list[tuple[str, str]],
             configuration: Any) -> Reply:
        model, key = self._common(ctx)
        if not key:
            raise TaskFailure("provider: GoogleGemini requires an `apiKey`")
        base = (ctx.render(self.base_url) if self.base_url else GEMINI_URL).rstrip("/")
        body: dict[str, Any] = {"contents": [
            {"role": "model" if kind == "AI" else "user", "parts": [{"text": text}]}
            for kind, text in messages if kind != "SYSTEM"]}
        system = [text for kind, text in messages if kind == "SYSTEM"]
        if system:
            body["systemInstruction"] = {"parts": [{"text": system[0]}]}
        body["generationConfig"] = _gemini_generation(configuration)
        response, elapsed = self._post(ctx, f"{base}/models/{model}:generateContent", body,
                                       {"x-goog-api-key": key}, configuration)
        return _gemini_reply(response.body, elapsed)


Provider = Annotated[Union[OpenAI, GoogleGemini, MistralAI], Field(discriminator="type")]


def _error_message(response: JsonResponse) -> str:
    body = response.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
        for key in ("message", "detail"):
            if body.get(key):
                return str(body[key])
    return response.text[:500] or "(empty body)"


def _openai_response_format(configuration: Any) -> dict[str, Any] | None:
    fmt = configuration.response_format
    if fmt is None or fmt.type != "JSON":
        return None
    if fmt.json_schema is None:
        return {"type": "json_object"}
    schema = {"name": "output", "schema": fmt.json_schema, "strict": bool(fmt.strict_json)}
    if fmt.json_schema_description:
        schema["description"] = fmt.json_schema_description
    return {"type": "json_schema", "json_schema": schema}


def _openai_reply(body: dict[str, Any], elapsed: int) -> Reply:
    choices = body.get("choices") or []
    if not choices:
        raise TaskFailure(f"the model's answer has no choices: {str(body)[:300]}")
    message = choices[0].get("message") or {}
    usage = body.get("usage") or {}
    return Reply(
        text=message.get("content") or "",
        finish_reason=_OPENAI_FINISH.get(choices[0].get("finish_reason") or "", "OTHER"),
        token_usage={"inputTokenCount": usage.get("prompt_tokens"),
                     "outputTokenCount": usage.get("completion_tokens"),
                     "totalTokenCount": usage.get("total_tokens")},
        duration_ms=elapsed, response_id=body.get("id"),
        thinking=message.get("reasoning_content"), raw=body)


def _gemini_generation(configuration: Any) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, value in (("temperature", configuration.temperature),
                       ("topK", configuration.top_k), ("topP", configuration.top_p),
                       ("seed", configuration.seed),
                       ("maxOutputTokens", configuration.max_token)):
        if value is not None:
            config[key] = value
    # Kestra's default: thinking off (budget 0) unless asked for.
    budget = configuration.thinking_budget_tokens
    enabled = bool(configuration.thinking_enabled)
    config["thinkingConfig"] = {"includeThoughts": enabled,
                                "thinkingBudget": 0 if budget is None and not enabled
                                else budget}
    if config["thinkingConfig"]["thinkingBudget"] is None:
        del config["thinkingConfig"]["thinkingBudget"]
    fmt = configuration.response_format
    if fmt is not None and fmt.type == "JSON":
        config["responseMimeType"] = "application/json"
        if fmt.json_schema is not None:
            config["responseSchema"] = fmt.json_schema
    return config


def _gemini_reply(body: dict[str, Any], elapsed: int) -> Reply:
    candidates = body.get("candidates") or []
    if not candidates:
        feedback = body.get("promptFeedback") or {}
        raise TaskFailure("GoogleGemini returned no candidate"
                          + (f" (blocked: {feedback['blockReason']})"
                             if feedback.get("blockReason") else ""))
    parts = (candidates[0].get("content") or {}).get("parts") or []
    text = "".join(p.get("text", "") for p in parts if not p.get("thought"))
    thinking = "".join(p.get("text", "") for p in parts if p.get("thought")) or None
    usage = body.get("usageMetadata") or {}
    return Reply(
        text=text,
        finish_reason=_GEMINI_FINISH.get(candidates[0].get("finishReason") or "", "OTHER"),
        token_usage={"inputTokenCount": usage.get("promptTokenCount"),
                     "outputTokenCount": usage.get("candidatesTokenCount"),
                     "totalTokenCount": usage.get("totalTokenCount")},
        duration_ms=elapsed, response_id=body.get("responseId"), thinking=thinking,
        raw=body)
