"""io.kestra.plugin.slack.SlackIncomingWebhook and SlackExecution (formerly
io.kestra.plugin.notifications.slack.*): Slack incoming webhooks."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar

from podium.sdk import Example, RunContext, TaskFailure
from podium_notifications._webhook import (
    ExecutionFields,
    WebhookTask,
    last_task_id,
    outcome,
    parse_json,
    title,
)

LEGACY = "io.kestra.plugin.notifications.slack."
# plugin-slack's later package for the webhook types (the blueprint library uses it)
NOTIFICATIONS = "io.kestra.plugin.slack.notifications."


class SlackIncomingWebhook(WebhookTask):
    """Sends a Slack message through an incoming webhook: `payload` (a JSON message, a
    template), or `messageText` (JSON as is; else plain text whose Markdown bold, italic and
    links become Slack's mrkdwn, sent as `{"text": ...}`)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.slack.SlackIncomingWebhook"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "SlackIncomingWebhook",
                                          NOTIFICATIONS + "SlackIncomingWebhook")
    SERVICE: ClassVar[str] = "Slack"
    EXAMPLES = (Example(title="Send a Slack notification on a failed flow execution", code="""
id: unreliable_flow
namespace: company.team

tasks:
  - id: fail
    type: io.kestra.plugin.scripts.shell.Commands
    taskRunner:
      type: io.kestra.plugin.core.runner.Process
    commands:
      - exit 1

errors:
  - id: alert_on_failure
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "{{ secret('SLACK_WEBHOOK') }}"
    payload: |
      {
        "text": "Failure alert for flow {{ flow.namespace }}.{{ flow.id }} with ID {{ execution.id }}"
      }
"""), Example(title="Send a Slack message with messageText", code="""
id: slack_incoming_webhook
namespace: company.team

tasks:
  - id: send_via_slack
    type: io.kestra.plugin.slack.SlackIncomingWebhook
    url: "{{ secret('SLACK_WEBHOOK') }}"
    messageText: "Hello from **{{ flow.id }}**, see [the docs](https://kestra.io)"
"""))

    message_text: str | None = None

    def run(self, ctx: RunContext) -> None:
        if self.payload is not None:
            self.send(ctx, self.rendered_payload(ctx))
        elif self.message_text is not None:
            self.send(ctx, text_message(ctx.render(self.message_text)))
        else:
            raise TaskFailure("Either 'messageText' or 'payload' must be provided")


def text_message(text: str) -> Any:
    try:
        return parse_json(text, "messageText")
    except TaskFailure:
        return {"text": to_mrkdwn(text)}


def to_mrkdwn(text: str) -> str:
    text = re.sub(r"\*\*(.*?)\*\*", r"*\1*", text)
    text = re.sub(r"__(.*?)__", r"_\1_", text)
    return re.sub(r"\[(.*?)\]\((.*?)\)", r"<\2|\1>", text)


class SlackExecution(ExecutionFields, SlackIncomingWebhook):
    """Sends Kestra's execution summary to Slack: a `text`, a section block (after
    `customMessage` if given) and an attachment whose fields are the namespace, flow,
    execution id, state, the `customFields` and the final task id, coloured by state.
    `executionId` defaults to the current execution; from a Flow trigger, give
    `{{ trigger.executionId }}`. Legacy webhooks also take `channel`, `username`,
    `iconUrl`, `iconEmoji`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.slack.SlackExecution"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "SlackExecution",
                                          NOTIFICATIONS + "SlackExecution")
    EXAMPLES = (Example(title="Send a Slack notification on a failed flow execution", code="""
id: failure_alert
namespace: company.team

tasks:
  - id: send_alert
    type: io.kestra.plugin.notifications.slack.SlackExecution
    url: "{{ secret('SLACK_WEBHOOK') }}"
    executionId: "{{ trigger.executionId }}"

triggers:
  - id: failed_prod_workflows
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in:
          - FAILED
          - WARNING
      - type: io.kestra.plugin.core.condition.ExecutionNamespace
        namespace: prod
        prefix: true
"""),)

    channel: str | None = None
    username: str | None = None
    icon_url: str | None = None
    icon_emoji: str | None = None

    def run(self, ctx: RunContext) -> None:
        message = slack_summary(self.summary(ctx))
        for key, value in (("channel", self.channel), ("username", self.username),
                           ("icon_url", self.icon_url), ("icon_emoji", self.icon_emoji)):
            if value is not None:
                message[key] = ctx.render(value)
        self.send(ctx, message)


def slack_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """Kestra's slack-template.peb (no execution link: Podium has no UI URL setting)."""
    execution = summary["execution"]
    state = execution["state"]["current"]
    text = f"*{title(summary)}*\n> {outcome(summary)}"
    blocks: list[dict[str, Any]] = []
    if "customMessage" in summary:
        blocks.append(_section(summary["customMessage"]))
    blocks.append(_section(text))
    fields = [_field("Namespace", execution["namespace"]), _field("Flow ID", execution["flowId"]),
              _field("Execution ID", execution["id"]), _field("Execution Status", state)]
    fields += [_field(key, value) for key, value in (summary.get("customFields") or {}).items()]
    fields.append(_field("Final task ID", last_task_id(summary)))
    color = "good" if state == "SUCCESS" else "warning" if state == "WARNING" else "danger"
    return {"text": text, "blocks": blocks,
            "attachments": [{"color": color, "fields": fields,
                             "ts": _epoch(summary["startDate"])}]}


def _epoch(start: Any) -> int:
    """Slack's `ts`: the execution's start, in seconds (the summary gives it as ISO text)."""
    moment = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
    return int(moment.timestamp())


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _field(name: str, value: Any) -> dict[str, Any]:
    return {"title": name, "value": value, "short": True}
