"""Podium's notifications plugin: Kestra's chat webhook notification tasks."""

from podium.sdk import Plugin
from podium_notifications.discord import DiscordExecution, DiscordIncomingWebhook
from podium_notifications.google_chat import GoogleChatExecution, GoogleChatIncomingWebhook
from podium_notifications.others import (
    SquadcastIncomingWebhook,
    WhatsAppIncomingWebhook,
    ZulipIncomingWebhook,
)
from podium_notifications.slack import SlackExecution, SlackIncomingWebhook
from podium_notifications.slack_app import Post as SlackPost
from podium_notifications.teams import TeamsExecution, TeamsIncomingWebhook

plugin = Plugin(
    name="notifications", title="Notifications",
    description="Slack, Microsoft Teams, Discord and Google Chat incoming webhooks and "
                "Kestra's execution summaries for them; Slack's bot-token chat.postMessage; "
                "Zulip, Squadcast and WhatsApp incoming webhooks.",
    tasks=(SlackIncomingWebhook, SlackExecution, TeamsIncomingWebhook,
           TeamsExecution, DiscordIncomingWebhook, DiscordExecution,
           GoogleChatIncomingWebhook, GoogleChatExecution, ZulipIncomingWebhook,
           SquadcastIncomingWebhook, WhatsAppIncomingWebhook, SlackPost))
