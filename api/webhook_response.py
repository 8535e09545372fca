"""What a webhook call with `wait: true` answers once its execution has ended, as Kestra's
Webhook trigger builds it: pure functions over the trigger and the ended execution.

- status: the trigger's `responseCode`, else 500 when the execution FAILED, else 200;
- body: with `returnOutputs`, the execution's flow outputs, else the execution itself;
- `responseContentType: text/plain` sends the outputs as text (a string as it is, anything
  else as JSON); any other value is the content type of the JSON body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from common.plugins.triggers import Webhook

JSON = "application/json"
TEXT = "text/plain"


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: bytes
    media_type: str | None


def status_of(trigger: Webhook, state: str) -> int:
    if trigger.response_code is not None:
        return trigger.response_code
    return 500 if state == "FAILED" else 200


def ended_answer(trigger: Webhook, state: str, outputs: Any,
                 execution_body: dict[str, Any]) -> WebhookAnswer:
    """The answer to a waiting webhook call: `execution_body` is the execution's API JSON,
    `outputs` its flow outputs (None when the flow has none)."""
    status = status_of(trigger, state)
    if not trigger.return_outputs:
        return WebhookAnswer(status, _json(execution_body), JSON)
    if trigger.response_content_type == TEXT:
        text = outputs if isinstance(outputs, str) else _json(outputs).decode()
        return WebhookAnswer(status, text.encode(), TEXT)
    if outputs is None:  # Kestra sends no body then
        return WebhookAnswer(status, b"", trigger.response_content_type)
    return WebhookAnswer(status, _json(outputs), trigger.response_content_type or JSON)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()
