"""io.kestra.plugin.openai.ChatCompletion: OpenAI's Chat Completions API, as JSON over
the worker's guarded HTTP client (podium.sdk.guarded_http)."""

from __future__ import annotations

from typing import Any, ClassVar

from podium.sdk import Dyn, Example, RunContext, Task, TaskFailure
from podium.sdk.guarded_http import mask_secret, post_json
from podium_openai._request import (
    ChatFunction,
    ChatMessage,
    dynamic,
    message,
    response_format,
    tool,
    tool_choice,
)

OPENAI_URL = "https://api.openai.com/v1"


class ChatCompletion(Task):
    """Sends `prompt` (a user message) or `messages` to OpenAI's Chat Completions API, with
    optional `functions` as tools and a `jsonResponseSchema` for structured output. Outputs
    Kestra's: `id`, `object`, `model`, `choices` (as the API returns them:
    `choices[0].message.content`, `...tool_calls`) and `usage`. `baseUrl` (a Podium
    addition; default OpenAI's) points it at any OpenAI-compatible server."""

    TYPE: ClassVar[str] = "io.kestra.plugin.openai.ChatCompletion"
    EXAMPLES = (
        Example(title="Based on a prompt input, generate a completion response and pass it "
                "to a downstream task.", code="""
id: openai_chat
namespace: company.team

inputs:
  - id: prompt
    type: STRING
    defaults: What is data orchestration?

tasks:
  - id: completion
    type: io.kestra.plugin.openai.ChatCompletion
    apiKey: "{{ secret('OPENAI_API_KEY') }}"
    model: gpt-4o
    prompt: "{{ inputs.prompt }}"

  - id: log_output
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.completion.choices[0].message.content }}"
"""),
        Example(title="Send a prompt to OpenAI's ChatCompletion API.", code="""
id: openai_chat
namespace: company.team

tasks:
  - id: prompt
    type: io.kestra.plugin.openai.ChatCompletion
    apiKey: "{{ secret('OPENAI_API_KEY') }}"
    model: gpt-4o
    prompt: Explain in one sentence why data engineers build data pipelines

  - id: use_output
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.prompt.choices | jq('.[].message.content') | first }}"
"""),
        Example(title="Ask OpenAI to call a function that decides how urgently to respond "
                "to a customer's review, with a suggested response.", code="""
id: openai_chat
namespace: company.team

inputs:
  - id: prompt
    type: STRING
    defaults: I love your product and would purchase it again!

tasks:
  - id: prioritize_response
    type: io.kestra.plugin.openai.ChatCompletion
    apiKey: "{{ secret('OPENAI_API_KEY') }}"
    model: gpt-4o
    messages:
      - role: user
        content: "{{ inputs.prompt }}"
    functions:
      - name: respond_to_review
        description: Given the customer product review provided as input, determines how urgently a reply is required and then provides suggested response text.
        parameters:
          - name: response_urgency
            type: string
            description: How urgently this customer review needs a reply. Bad reviews
                         must be addressed immediately before anyone sees them. Good reviews can
                         wait until later.
            required: true
            enumValues:
              - reply_immediately
              - reply_later
          - name: response_text
            type: string
            description: The text to post online in response to this review.
            required: true

  - id: response_urgency
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.prioritize_response | jq('.choices[0].message.tool_calls[0].function.arguments | fromjson | .response_urgency') | first }}"

  - id: response_text
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.prioritize_response | jq('.choices[0].message.tool_calls[0].function.arguments | fromjson | .response_text') | first }}"
"""),
    )

    api_key: str
    model: str
    messages: Dyn[list[ChatMessage]] | None = None
    prompt: str | None = None
    functions: Dyn[list[ChatFunction]] | None = None
    function_call: str = "auto"
    temperature: Dyn[float] | None = 1.0
    top_p: Dyn[float] | None = None
    n: Dyn[int] = 1
    stop: Dyn[list[str]] | None = None
    max_tokens: Dyn[int] | None = None
    presence_penalty: Dyn[float] | None = None
    frequency_penalty: Dyn[float] | None = None
    logit_bias: Dyn[dict[str, int]] | None = None
    json_response_schema: str | None = None
    prompt_caching: Dyn[bool] | None = None
    user: str | None = None
    client_timeout: Dyn[int] = 10
    base_url: str | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        key = ctx.render(self.api_key)
        mask_secret(ctx, key)
        base = (ctx.render(self.base_url) if self.base_url else OPENAI_URL).rstrip("/")
        url = f"{base}/chat/completions"
        response = post_json(ctx, url, self._body(ctx),
                             headers={"Authorization": f"Bearer {key}"})
        body = response.body
        if response.status >= 400:
            raise TaskFailure(f"OpenAI request to {url} failed with status {response.status}"
                              f": {_error_message(body, response.text)}")
        if not isinstance(body, dict):
            raise TaskFailure(f"OpenAI answered {url} with a body that is not a JSON object: "
                              f"{response.text[:300]!r}")
        usage = body.get("usage")
        for name, field in (("prompt", "prompt_tokens"), ("completion", "completion_tokens"),
                            ("total", "total_tokens")):
            if isinstance(usage, dict) and usage.get(field) is not None:
                ctx.metric({"name": f"usage.{name}.tokens", "type": "counter",
                            "value": usage[field], "tags": {}})
        return {"id": body.get("id"), "object": body.get("object"),
                "model": body.get("model"), "choices": body.get("choices") or [],
                "usage": usage}

    def _body(self, ctx: RunContext) -> dict[str, Any]:
        if self.messages is None and self.prompt is None:
            raise TaskFailure("Either `messages` or `prompt` must be set")
        given = dynamic(ctx, self.messages, list[ChatMessage], "messages") or []
        messages = [message(m.role, ctx.render(m.content) if m.content else m.content)
                    for m in given]
        if self.prompt is not None:
            messages.append(message("user", ctx.render(self.prompt)))
        body: dict[str, Any] = {"model": ctx.render(self.model), "messages": messages,
                                "n": self.n}
        for key, value in (("temperature", self.temperature), ("top_p", self.top_p),
                           ("max_completion_tokens", self.max_tokens),
                           ("presence_penalty", self.presence_penalty),
                           ("frequency_penalty", self.frequency_penalty)):
            if value is not None:
                body[key] = value
        functions = dynamic(ctx, self.functions, list[ChatFunction], "functions") or []
        tools = [tool(ctx, f) for f in functions if f.parameters]
        if tools:
            body["tools"] = tools
        choice = tool_choice(ctx.render(self.function_call), tools)
        if choice is not None:
            body["tool_choice"] = choice
        if self.json_response_schema:
            body["response_format"] = response_format(ctx.render(self.json_response_schema))
        if self.prompt_caching:
            body["prompt_cache_retention"] = "24h"
        if self.user:
            body["user"] = ctx.render(self.user)
        stop = dynamic(ctx, self.stop, list[str], "stop")
        if stop:
            body["stop"] = [ctx.render(s) for s in stop]
        logit_bias = dynamic(ctx, self.logit_bias, dict[str, int], "logitBias")
        if logit_bias:
            body["logit_bias"] = logit_bias
        return body


def _error_message(body: Any, text: str) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if body.get("message"):
            return str(body["message"])
    return text[:500] or "(empty body)"
