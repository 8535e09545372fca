"""The base of every notification task: a webhook `url` (a credential, never logged), an
optional JSON `payload` (a template), Kestra's `options.headers`, and the POST itself."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field

from podium.sdk import RunContext, Task, TaskFailure
from podium.sdk.durations import parse_duration
from podium.sdk.executions import execution_summary
from podium.sdk.webhooks import DEFAULT_TIMEOUT, post_json


class WebhookTask(Task):
    SERVICE: ClassVar[str] = "webhook"

    url: str
    payload: str | None = None
    # Kestra's HTTP options: `headers` and `readTimeout` are used, the others accepted
    options: dict[str, Any] | None = None

    def send(self, ctx: RunContext, message: Any) -> None:
        url = ctx.render(self.url).strip()
        if not url:
            raise TaskFailure("url: the webhook URL is empty")
        options = ctx.render_value(self.options or {})
        headers = options.get("headers") or {}
        if not isinstance(headers, dict):
            raise TaskFailure("options.headers: a map of header names to values")
        ctx.log("DEBUG", f"Send {self.SERVICE} webhook: {json.dumps(message)}")
        post_json(ctx, url, message, headers={str(k): str(v) for k, v in headers.items()},
                  timeout=_seconds(options.get("readTimeout")))

    def rendered_payload(self, ctx: RunContext) -> Any:
        return parse_json(ctx.render(self.payload), "payload")

    def run(self, ctx: RunContext) -> None:
        if self.payload is None:
            raise TaskFailure("payload: required")
        self.send(ctx, self.rendered_payload(ctx))


class ExecutionFields(Task):
    """The properties every `*Execution` task shares (Kestra's ExecutionInterface)."""

    execution_id: str = Field(default="{{ execution.id }}")
    custom_fields: dict[str, Any] | None = None
    custom_message: str | None = None

    def summary(self, ctx: RunContext) -> dict[str, Any]:
        execution_id = ctx.render(self.execution_id).strip()
        if not execution_id:
            raise TaskFailure("executionId: rendered to an empty string")
        found = execution_summary(ctx, execution_id)
        if self.custom_message is not None:
            found["customMessage"] = ctx.render(self.custom_message)
        fields = ctx.render_value(self.custom_fields or {})
        if fields:
            found["customFields"] = fields
        return found


def _seconds(value: Any) -> float:
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        return parse_duration(str(value)).total_seconds()
    except ValueError as exc:
        raise TaskFailure(f"options.readTimeout: {exc}") from None


def parse_json(text: str, field: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaskFailure(f"{field}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno})") from None


def outcome(summary: dict[str, Any]) -> str:
    """`Succeeded` or `Failed on task `x`` + ` after <duration>`, as Kestra's templates."""
    failed = summary.get("firstFailed")
    head = f"Failed on task `{failed['taskId']}`" if failed else "Succeeded"
    return f"{head} after {summary['duration']}"


def title(summary: dict[str, Any]) -> str:
    execution = summary["execution"]
    return (f"[{execution['namespace']}] {execution['flowId']} ➛ "
            f"{execution['state']['current']}")


def last_task_id(summary: dict[str, Any]) -> str | None:
    return (summary.get("lastTask") or {}).get("taskId")
