"""The plugin as Podium sees it: its entry point, its types in order, both names of each,
and every example flow valid."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.plugins.discovery import discover
from podium_notifications import plugin

SERVICES = {"slack": ("io.kestra.plugin.slack", "Slack"),
            "teams": ("io.kestra.plugin.microsoft365.teams", "Teams"),
            "discord": ("io.kestra.plugin.discord", "Discord"),
            "google": ("io.kestra.plugin.googleworkspace.chat", "GoogleChat")}


def test_the_plugin_is_found_through_its_entry_point():
    found, broken = discover()
    notifications = next(p for p in found if p.name == "notifications")
    assert notifications.distribution == "podium-plugin-notifications"
    expected = [f"{package}.{prefix}{kind}" for package, prefix in SERVICES.values()
                for kind in ("IncomingWebhook", "Execution")]
    expected += ["io.kestra.plugin.zulip.ZulipIncomingWebhook",
                 "io.kestra.plugin.squadcast.SquadcastIncomingWebhook",
                 "io.kestra.plugin.meta.whatsapp.WhatsAppIncomingWebhook",
                 "io.kestra.plugin.slack.app.chats.Post"]
    assert [cls.TYPE for cls in notifications.tasks] == expected
    assert not [b for b in broken if b.name == "notifications"]


def test_every_type_keeps_its_legacy_name():
    legacy = {alias for cls in plugin.tasks for alias in cls.ALIASES}
    assert legacy == {f"io.kestra.plugin.notifications.{service}.{prefix}{kind}"
                      for service, (_, prefix) in SERVICES.items()
                      for kind in ("IncomingWebhook", "Execution")} | {
        "io.kestra.plugin.notifications.zulip.ZulipIncomingWebhook",
        "io.kestra.plugin.notifications.squadcast.SquadcastIncomingWebhook",
        "io.kestra.plugin.notifications.whatsapp.WhatsAppIncomingWebhook",
        # plugin-slack's later packages
        "io.kestra.plugin.slack.notifications.SlackIncomingWebhook",
        "io.kestra.plugin.slack.notifications.SlackExecution",
        "io.kestra.plugin.slack.chats.Post"}


@pytest.mark.parametrize("example", [(cls, e) for cls in plugin.tasks for e in cls.EXAMPLES],
                         ids=lambda item: item[0].TYPE)
def test_every_example_flow_validates(example):
    cls, entry = example
    loaded = parse_flow(entry.code)
    assert any(name in entry.code for name in (cls.TYPE, *cls.ALIASES)) and loaded.flow.id
