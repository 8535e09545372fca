"""What a webhook call answers once it started an execution, as Kestra's Webhook trigger
builds it: pure functions over the trigger, the execution and a render of `responseCode`.

- without `wait`: at once, the created execution;
- with `wait`: when the execution ends, with `returnOutputs` its flow outputs, else the
  ended execution;
- status: `responseCode` (an integer, or an expression rendered against the execution: its
  task outputs once it ended), else 500 when the ended execution FAILED, else 200; a code
  that cannot be rendered answers 500 (the execution runs all the same);
- `responseContentType: text/plain` sends the body as text (a string as it is, anything
  else as JSON); any other value is the content type of the JSON body.

Kestra 2.1 applies `responseCode` and `responseContentType` to the immediate answer too (in
2.0 they needed `wait` / `returnOutputs`); Podium follows 2.1 there. 2.1's `responseHeaders`
and `responseBody` are not supported.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from podium.common.plugins.triggers import Webhook

JSON = "application/json"
TEXT = "text/plain"


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: bytes
    media_type: str | None


def status_of(trigger: Webhook, default: int, render: Callable[[str], str]) -> int:
    """`responseCode` as an HTTP status, else `default`. Raises ValueError when the code
    is not an integer from 100 to 599 once rendered (`render` may raise too)."""
    code = trigger.response_code
    if code is None:
        return default
    if isinstance(code, str):
        text = render(code).strip()
        if not text.lstrip("-").isdigit():
            raise ValueError(f"responseCode rendered to '{text}', not an integer")
        code = int(text)
    if not 100 <= code <= 599:
        raise ValueError(f"responseCode {code} is not an HTTP status (100 to 599)")
    return code


def created_answer(trigger: Webhook, execution_body: Mapping[str, Any],
                   status: int) -> WebhookAnswer:
    """The immediate answer of a webhook without `wait`: the created execution."""
    return _answer(status, execution_body, trigger.response_content_type)


def ended_answer(trigger: Webhook, outputs: Any, execution_body: Mapping[str, Any],
                 status: int) -> WebhookAnswer:
    """The answer to a waiting webhook call: `execution_body` is the ended execution's API
    JSON, `outputs` its flow outputs (None when the flow has none)."""
    if not trigger.return_outputs:
        return _answer(status, execution_body, trigger.response_content_type)
    if outputs is None and trigger.response_content_type != TEXT:  # Kestra sends no body
        return WebhookAnswer(status, b"", trigger.response_content_type)
    return _answer(status, outputs, trigger.response_content_type)


def ended_status(state: str) -> int:
    return 500 if state == "FAILED" else 200


def _answer(status: int, body: Any, content_type: str | None) -> WebhookAnswer:
    if content_type == TEXT:
        text = body if isinstance(body, str) else _json(body).decode()
        return WebhookAnswer(status, text.encode(), TEXT)
    return WebhookAnswer(status, _json(body), content_type or JSON)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()
