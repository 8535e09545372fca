"""io.kestra.plugin.slack.app.chats.Post (formerly io.kestra.plugin.slack.chats.Post): a
message posted with a Slack app's bot token through the Web API's chat.postMessage, the
bot-token counterpart of the incoming webhooks."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, ClassVar

from podium.sdk import Example, PodiumError, RunContext, Task, TaskFailure
from podium.sdk.guarded_http import mask_secret, post_json
from podium_notifications._webhook import parse_json
from podium_notifications.slack import text_message

# Slack's Web API. Kestra has no property for it either (its tests redirect the client);
# Podium's tests point this at a loopback receiver.
API_URL = "https://slack.com/api"
TIMEOUT = 30.0

# chat.postMessage arguments Kestra passes on from the JSON message (the others are dropped)
MESSAGE_KEYS = ("channel", "thread_ts", "icon_emoji", "icon_url", "username", "text",
                "blocks", "attachments", "reply_broadcast", "unfurl_links", "unfurl_media",
                "mrkdwn", "metadata")
SLACK_TS = re.compile(r"^\d+(\.\d+)?$")


class Post(Task):
    """Posts a message to a channel with a bot token (`chat:write` scope): the message is
    `payload` (Slack's chat.postMessage JSON, a template) or `messageText` (JSON as is, else
    text whose Markdown bold, italic and links become mrkdwn). `channel`, `timestamp` (the
    thread to reply in), `username`, `iconUrl`, `iconEmoji` apply unless the message sets
    them. Output `timestamp`: the posted message's `ts`. Slack's `ok: false` fails the task
    with Slack's error code."""

    TYPE: ClassVar[str] = "io.kestra.plugin.slack.app.chats.Post"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.slack.chats.Post",)
    EXAMPLES = (Example(title="Post a message and reply to it in its thread", code="""
id: slack_post_message
namespace: company.team

tasks:
  - id: post_message
    type: io.kestra.plugin.slack.app.chats.Post
    token: "{{ secret('SLACK_TOKEN') }}"
    channel: "#general"
    messageText: "Task **completed** successfully"

  - id: reply
    type: io.kestra.plugin.slack.app.chats.Post
    token: "{{ secret('SLACK_TOKEN') }}"
    channel: "#general"
    timestamp: "{{ outputs.post_message.timestamp }}"
    payload: |
      {"text": "Details", "blocks": [{"type": "section",
        "text": {"type": "mrkdwn", "text": "*Flow* {{ flow.id }}"}}]}
"""),)

    token: str
    payload: str | None = None
    message_text: str | None = None
    channel: str | None = None
    timestamp: str | None = None
    username: str | None = None
    icon_url: str | None = None
    icon_emoji: str | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        token = ctx.render(self.token).strip()
        if not token:
            raise TaskFailure("token: the Slack token is empty")
        mask_secret(ctx, token)
        request = self.message(ctx)
        if not request.get("channel"):
            raise TaskFailure("channel: required (or a `channel` in the message)")
        answer = call(ctx, "chat.postMessage", token, request)
        ctx.log("INFO", f"Slack message posted to {answer.get('channel', request['channel'])} "
                        f"(ts {answer.get('ts')})")
        return {"timestamp": answer.get("ts")}

    def message(self, ctx: RunContext) -> dict[str, Any]:
        """The chat.postMessage arguments: the message's own, then the task's defaults."""
        if self.payload is not None:
            built = parse_json(ctx.render(self.payload), "payload")
        elif self.message_text is not None:
            built = text_message(ctx.render(self.message_text))
        else:
            raise TaskFailure("Either 'messageText' or 'payload' must be provided")
        if not isinstance(built, dict):
            raise TaskFailure("payload: a JSON object (Slack's chat.postMessage arguments)")
        request = {key: built[key] for key in MESSAGE_KEYS if key in built}
        defaults = {"channel": self.channel, "username": self.username,
                    "icon_url": self.icon_url, "icon_emoji": self.icon_emoji}
        for key, value in defaults.items():
            if key not in request and value is not None:
                request[key] = ctx.render(value)
        if "thread_ts" not in request and self.timestamp is not None:
            request["thread_ts"] = slack_ts(ctx.render(self.timestamp))
        return request


def call(ctx: RunContext, method: str, token: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One Web API call (JSON body, bearer token) through the worker's SSRF guard; Slack's
    answer, or TaskFailure for a refused host, an HTTP error or `ok: false`."""
    url = f"{API_URL.rstrip('/')}/{method}"
    try:
        response = post_json(ctx, url, arguments, timeout=TIMEOUT,
                             headers={"Authorization": f"Bearer {token}",
                                      "Content-Type": "application/json; charset=utf-8"})
    except TaskFailure:
        raise
    except PodiumError as exc:  # the guard refused the host
        raise TaskFailure(f"Slack {method}: {exc}") from None
    body = response.body
    if not isinstance(body, dict):
        raise TaskFailure(f"Slack {method} answered {response.status}: "
                          f"{response.text[:300] or '(empty)'}")
    if body.get("warning"):
        ctx.log("WARN", f"Slack {method}: {body['warning']}")
    if body.get("ok") is not True:
        # Slack answers errors as 200 with ok:false and a code (channel_not_found, ...)
        raise TaskFailure(f"Slack {method} failed: {body.get('error') or 'ok is not true'}"
                          + (f" (HTTP {response.status})" if response.status != 200 else ""))
    return body


def slack_ts(value: str) -> str:
    """A thread's `ts`: Slack's own `seconds.micros` text as is; an ISO date (Kestra's newer
    Instant property) converted to it."""
    text = value.strip()
    if SLACK_TS.match(text):
        return text
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TaskFailure(f"timestamp: {value!r} is neither a Slack ts nor an ISO date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds = int(moment.timestamp())
    return f"{seconds}.{moment.microsecond:06d}" if moment.microsecond else str(seconds)

