"""io.kestra.plugin.discord.DiscordIncomingWebhook and DiscordExecution (formerly
io.kestra.plugin.notifications.discord.*): Discord incoming webhooks."""

from __future__ import annotations

from typing import Any, ClassVar

from podium.sdk import Example, RunContext
from podium_notifications._webhook import ExecutionFields, WebhookTask, last_task_id, outcome

LEGACY = "io.kestra.plugin.notifications.discord."


class DiscordIncomingWebhook(WebhookTask):
    """Sends a Discord message: `payload` is the JSON message (a template)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.discord.DiscordIncomingWebhook"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "DiscordIncomingWebhook",)
    SERVICE: ClassVar[str] = "Discord"
    EXAMPLES = (Example(title="Send a Discord message", code="""
id: discord_incoming_webhook
namespace: company.team

tasks:
  - id: send_discord_message
    type: io.kestra.plugin.notifications.discord.DiscordIncomingWebhook
    url: "{{ secret('DISCORD_WEBHOOK') }}"
    payload: |
      {
        "username": "MyUsername",
        "content": "Hello from the workflow {{ flow.id }}"
      }
"""),)


class DiscordExecution(ExecutionFields, DiscordIncomingWebhook):
    """Sends Kestra's execution summary to Discord: an embed whose description lists the
    namespace, flow, execution id, state and final task id, and whose footer says how it
    ended. `username`, `avatarUrl`, `content` (followed by the execution id)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.discord.DiscordExecution"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "DiscordExecution",)
    EXAMPLES = (Example(title="Send a Discord notification on a failed flow execution", code="""
id: failure_alert
namespace: company.team

tasks:
  - id: send_alert
    type: io.kestra.plugin.notifications.discord.DiscordExecution
    url: "{{ secret('DISCORD_WEBHOOK') }}"
    username: "MyUsername"
    content: "Failed execution"
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

    username: str | None = None
    avatar_url: str | None = None
    content: str | None = None

    def run(self, ctx: RunContext) -> None:
        summary = self.summary(ctx)
        execution = summary["execution"]
        message: dict[str, Any] = {}
        if self.username is not None:
            message["username"] = ctx.render(self.username)
        if self.avatar_url is not None:
            message["avatar_url"] = ctx.render(self.avatar_url)
        if self.content is not None:
            message["content"] = f"{ctx.render(self.content)} {execution['id']}"
        description = (f"Namespace: {execution['namespace']}\nFlow ID: {execution['flowId']}\n"
                       f"Execution ID: {execution['id']}\nExecution Status: "
                       f"{execution['state']['current']} \nFinal task ID: "
                       f"{last_task_id(summary)} ")
        message["embeds"] = [{"description": description,
                              "footer": {"text": outcome(summary)}}]
        self.send(ctx, message)
