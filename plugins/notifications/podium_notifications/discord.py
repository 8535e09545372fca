"""io.kestra.plugin.discord.DiscordIncomingWebhook and DiscordExecution (formerly
io.kestra.plugin.notifications.discord.*): Discord incoming webhooks."""

from __future__ import annotations

from typing import Any, ClassVar

from podium.sdk import Example, RunContext, StrictModel, TaskFailure
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


class Embed(StrictModel):
    """One of Kestra's `embedList` entries: a Discord embed (every text a template)."""

    title: str | None = None
    website_url: str | None = None
    description: str | None = None
    thumbnail: str | None = None
    author_name: str | None = None
    color: list[int] | None = None  # [red, green, blue]
    footer: str | None = None

    def rendered(self, ctx: RunContext, avatar_url: str | None) -> dict[str, Any]:
        """Discord's embed object, as Kestra's Embed.getEmbedMap builds it."""
        embed: dict[str, Any] = {}
        for key, value in (("title", self.title), ("description", self.description),
                           ("url", self.website_url)):
            if value is not None:
                embed[key] = ctx.render(value)
        if self.thumbnail is not None:
            embed["thumbnail"] = {"url": ctx.render(self.thumbnail)}
        if self.author_name is not None:
            embed["author"] = {
                "name": ctx.render(self.author_name),
                "url": ctx.render(self.website_url) if self.website_url else None,
                "icon_url": ctx.render(avatar_url) if avatar_url else None}
        if self.color is not None:
            embed["color"] = _rgb(self.color)
        if self.footer is not None:
            embed["footer"] = {"text": ctx.render(self.footer)}
        return embed


def _rgb(color: list[int]) -> int:
    """Discord's colour integer from [r, g, b] (0 when fewer than three, as Kestra)."""
    if len(color) < 3:
        return 0
    if not all(0 <= part <= 255 for part in color[:3]):
        raise TaskFailure(f"embedList.color: three numbers from 0 to 255, got {color}")
    return (color[0] << 16) + (color[1] << 8) + color[2]


class DiscordExecution(ExecutionFields, DiscordIncomingWebhook):
    """Sends Kestra's execution summary to Discord: an embed whose description lists the
    namespace, flow, execution id, state and final task id, and whose footer says how it
    ended. `username`, `avatarUrl`, `content`; `embedList` gives embeds of its own, the
    first of which takes the summary's description and footer (as Kestra merges them)."""

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
    embed_list: list[Embed] | None = None

    def run(self, ctx: RunContext) -> None:
        summary = self.summary(ctx)
        execution = summary["execution"]
        message: dict[str, Any] = {}
        if self.username is not None:
            message["username"] = ctx.render(self.username)
        if self.avatar_url is not None:
            message["avatar_url"] = ctx.render(self.avatar_url)
        message["tts"] = False
        description = (f"Namespace: {execution['namespace']}\nFlow ID: {execution['flowId']}\n"
                       f"Execution ID: {execution['id']}\nExecution Status: "
                       f"{execution['state']['current']} \nFinal task ID: "
                       f"{last_task_id(summary)} ")
        embeds = [{"description": description, "footer": {"text": outcome(summary)}}]
        if self.embed_list:
            # Kestra: the listed embeds, the first overlaid with the summary's
            listed = [embed.rendered(ctx, self.avatar_url) for embed in self.embed_list]
            listed[0].update(embeds[0])
            embeds = listed
        message["embeds"] = embeds
        if self.content is not None:
            # Kestra's task sets `content` after its template: the text as given
            message["content"] = ctx.render(self.content)
        self.send(ctx, message)
