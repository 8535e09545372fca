"""io.kestra.plugin.googleworkspace.chat.GoogleChatIncomingWebhook and GoogleChatExecution
(formerly io.kestra.plugin.notifications.google.*): Google Chat incoming webhooks."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example, RunContext
from podium_notifications._webhook import ExecutionFields, WebhookTask, last_task_id, outcome, title

LEGACY = "io.kestra.plugin.notifications.google."


class GoogleChatIncomingWebhook(WebhookTask):
    """Sends a Google Chat message: `payload` is the JSON message (a template)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.googleworkspace.chat.GoogleChatIncomingWebhook"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "GoogleChatIncomingWebhook",)
    SERVICE: ClassVar[str] = "Google Chat"
    EXAMPLES = (Example(title="Send a Google Chat message", code="""
id: google_incoming_webhook
namespace: company.team

tasks:
  - id: send_google_chat_message
    type: io.kestra.plugin.notifications.google.GoogleChatIncomingWebhook
    url: "{{ secret('GOOGLE_WEBHOOK') }}"
    payload: |
      {
        "text": "Google Chat Hello from the workflow {{ flow.id }}"
      }
"""),)


class GoogleChatExecution(ExecutionFields, GoogleChatIncomingWebhook):
    """Sends Kestra's execution summary to Google Chat as one `text`; `text` replaces it."""

    TYPE: ClassVar[str] = "io.kestra.plugin.googleworkspace.chat.GoogleChatExecution"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "GoogleChatExecution",)
    EXAMPLES = (Example(title="Send a Google Chat notification on a failed flow execution",
                        code="""
id: failure_alert
namespace: company.team

tasks:
  - id: send_alert
    type: io.kestra.plugin.notifications.google.GoogleChatExecution
    url: "{{ secret('GOOGLE_WEBHOOK') }}"
    executionId: "{{ trigger.executionId }}"

triggers:
  - id: failed_prod_workflows
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in:
          - FAILED
          - WARNING
"""),)

    text: str | None = None

    def run(self, ctx: RunContext) -> None:
        if self.text is not None:
            self.send(ctx, {"text": ctx.render(self.text)})
            return
        summary = self.summary(ctx)
        execution = summary["execution"]
        text = (f"Kestra Google notification: Namespace {execution['namespace']}, Flow ID "
                f"{execution['flowId']}, Execution ID {execution['id']}, Execution Status "
                f"{execution['state']['current']}, Final task ID {last_task_id(summary)}. "
                f"*{title(summary)}*\n> {outcome(summary)}")
        self.send(ctx, {"text": text})
