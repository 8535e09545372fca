"""The payload-only incoming webhooks of Kestra's notifications plugin:
io.kestra.plugin.zulip.ZulipIncomingWebhook, io.kestra.plugin.squadcast.SquadcastIncomingWebhook
and io.kestra.plugin.meta.whatsapp.WhatsAppIncomingWebhook (each also under its former
io.kestra.plugin.notifications.* name). `payload` is the service's JSON message."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_notifications._webhook import WebhookTask

LEGACY = "io.kestra.plugin.notifications."


def _example(type_name: str, secret: str, payload: str) -> tuple[Example, ...]:
    return (Example(title=f"Send a message with {type_name.rsplit('.', 1)[-1]}", code=f"""
id: incoming_webhook
namespace: company.team

tasks:
  - id: send
    type: {type_name}
    url: "{{{{ secret('{secret}') }}}}"
    payload: |
      {payload}
"""),)


class ZulipIncomingWebhook(WebhookTask):
    """Sends a Zulip message through an incoming webhook (`payload`: `{"text": ...}`)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.zulip.ZulipIncomingWebhook"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "zulip.ZulipIncomingWebhook",)
    SERVICE: ClassVar[str] = "Zulip"
    EXAMPLES = _example(LEGACY + "zulip.ZulipIncomingWebhook", "ZULIP_WEBHOOK",
                        '{"text": "Hello from the workflow {{ flow.id }}"}')


class SquadcastIncomingWebhook(WebhookTask):
    """Sends a Squadcast incident event through its incoming webhook (`payload`: the event,
    e.g. `message`, `description`, `status`, `event_id`)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.squadcast.SquadcastIncomingWebhook"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "squadcast.SquadcastIncomingWebhook",)
    SERVICE: ClassVar[str] = "Squadcast"
    EXAMPLES = _example(LEGACY + "squadcast.SquadcastIncomingWebhook", "SQUADCAST_WEBHOOK",
                        '{"message": "Flow {{ flow.id }} failed", "status": "trigger", '
                        '"event_id": "{{ execution.id }}"}')


class WhatsAppIncomingWebhook(WebhookTask):
    """Sends a WhatsApp message through a webhook (`payload`: the message JSON)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.meta.whatsapp.WhatsAppIncomingWebhook"
    ALIASES: ClassVar[tuple[str, ...]] = (LEGACY + "whatsapp.WhatsAppIncomingWebhook",)
    SERVICE: ClassVar[str] = "WhatsApp"
    EXAMPLES = _example(LEGACY + "whatsapp.WhatsAppIncomingWebhook", "WHATSAPP_WEBHOOK",
                        '{"profileName": "MyProfile", "whatsAppIds": ["some waId"], '
                        '"from": 380999999999, "messageId": "wamIdHash3", '
                        '"textBody": "Hello from {{ flow.id }}"}')
