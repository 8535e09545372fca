"""The IncomingWebhook types of each service: the payload arrives as written (rendered), a
non-2xx answer fails the task clearly, the guard refuses hosts the worker does not allow, and
the webhook URL (a credential) never reaches the logs."""

from __future__ import annotations

import pytest

from podium.common.models.state import State
from podium.common.settings import HttpSettings
from podium.worker.run_context import RunContext
from tests.plugins.notifications.flows import messages, run

PAYLOADS = {
    "slack.SlackIncomingWebhook": '{"text": "Hello from {{ flow.id }}", '
                                  '"blocks": [{"type": "section", "text": {"type": "mrkdwn", '
                                  '"text": "Hello from *{{ flow.id }}*"}}]}',
    "teams.TeamsIncomingWebhook": '{"@type": "MessageCard", "@context": '
                                  '"http://schema.org/extensions", "themeColor": "0076D7", '
                                  '"summary": "Hello from {{ flow.id }}"}',
    "discord.DiscordIncomingWebhook": '{"username": "bot", "content": "Hello from {{ flow.id }}"}',
    "google.GoogleChatIncomingWebhook": '{"text": "Hello from {{ flow.id }}"}',
    "zulip.ZulipIncomingWebhook": '{"text": "Hello from {{ flow.id }}"}',
    "squadcast.SquadcastIncomingWebhook": '{"message": "Hello from {{ flow.id }}", '
                                          '"status": "trigger"}',
    "whatsapp.WhatsAppIncomingWebhook": '{"textBody": "Hello from {{ flow.id }}"}',
}
CURRENT = {"slack.SlackIncomingWebhook": "io.kestra.plugin.slack.SlackIncomingWebhook",
           "teams.TeamsIncomingWebhook":
               "io.kestra.plugin.microsoft365.teams.TeamsIncomingWebhook",
           "discord.DiscordIncomingWebhook": "io.kestra.plugin.discord.DiscordIncomingWebhook",
           "google.GoogleChatIncomingWebhook":
               "io.kestra.plugin.googleworkspace.chat.GoogleChatIncomingWebhook",
           "zulip.ZulipIncomingWebhook": "io.kestra.plugin.zulip.ZulipIncomingWebhook",
           "squadcast.SquadcastIncomingWebhook":
               "io.kestra.plugin.squadcast.SquadcastIncomingWebhook",
           "whatsapp.WhatsAppIncomingWebhook":
               "io.kestra.plugin.meta.whatsapp.WhatsAppIncomingWebhook"}


def flow(tasks: str, flow_id: str = "hello") -> str:
    return f"id: {flow_id}\nnamespace: company.team\ntasks:\n{tasks}"


def webhook_task(task_id: str, type_name: str, url: str, payload: str) -> str:
    return (f"  - id: {task_id}\n    type: {type_name}\n    url: \"{url}\"\n"
            f"    payload: '{payload}'\n")


def test_each_service_receives_its_payload_under_both_names(runtime, receiver):
    tasks = "".join(
        webhook_task(f"legacy{i}", f"io.kestra.plugin.notifications.{short}",
                     receiver.url(f"/legacy/{short}"), payload)
        + webhook_task(f"current{i}", CURRENT[short], receiver.url(f"/current/{short}"),
                       payload)
        for i, (short, payload) in enumerate(PAYLOADS.items()))
    final, _ = run(runtime, flow(tasks))
    assert final.state is State.SUCCESS
    sent = {r["path"]: r["json"] for r in receiver.requests}
    assert sent["/legacy/slack.SlackIncomingWebhook"] == {
        "text": "Hello from hello",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello from *hello*"}}]}
    assert sent["/legacy/teams.TeamsIncomingWebhook"]["summary"] == "Hello from hello"
    assert sent["/legacy/discord.DiscordIncomingWebhook"] == {"username": "bot",
                                                              "content": "Hello from hello"}
    assert sent["/legacy/google.GoogleChatIncomingWebhook"] == {"text": "Hello from hello"}
    assert sent["/legacy/zulip.ZulipIncomingWebhook"] == {"text": "Hello from hello"}
    assert sent["/legacy/squadcast.SquadcastIncomingWebhook"] == {
        "message": "Hello from hello", "status": "trigger"}
    assert sent["/legacy/whatsapp.WhatsAppIncomingWebhook"] == {"textBody": "Hello from hello"}
    for short in PAYLOADS:
        assert sent[f"/current/{short}"] == sent[f"/legacy/{short}"]
    assert {r["headers"]["Content-Type"] for r in receiver.requests} == {"application/json"}


def test_slack_message_text_becomes_mrkdwn(runtime, receiver):
    final, _ = run(runtime, flow(f"""
  - id: text
    type: io.kestra.plugin.slack.SlackIncomingWebhook
    url: "{receiver.url()}"
    messageText: "**Done**: __{{{{ flow.id }}}}__, see [docs](https://example.com)"
  - id: json
    type: io.kestra.plugin.slack.SlackIncomingWebhook
    url: "{receiver.url()}"
    messageText: '{{"text": "raw"}}'
"""))
    assert final.state is State.SUCCESS
    assert [r["json"] for r in receiver.requests] == [
        {"text": "*Done*: _hello_, see <https://example.com|docs>"}, {"text": "raw"}]


def test_options_headers_are_sent(runtime, receiver):
    final, _ = run(runtime, flow(f"""
  - id: send
    type: io.kestra.plugin.googleworkspace.chat.GoogleChatIncomingWebhook
    url: "{receiver.url()}"
    payload: '{{"text": "hi"}}'
    options:
      readTimeout: PT5S
      headers:
        X-Flow: "{{{{ flow.id }}}}"
"""))
    assert final.state is State.SUCCESS
    assert receiver.requests[0]["headers"]["X-Flow"] == "hello"


def test_a_refused_webhook_fails_the_task_without_showing_its_url(runtime, receiver):
    receiver.status = 403
    final, runs = run(runtime, flow(webhook_task(
        "send", "io.kestra.plugin.slack.SlackIncomingWebhook", receiver.url(),
        '{"text": "hi"}')))
    assert final.state is State.FAILED
    lines = messages(runtime, final.id)
    assert any("Webhook http://127.0.0.1/*** answered 403 Forbidden: invalid_token" in line
               for line in lines), lines
    assert not any("B000/secret" in line for line in lines)


def test_bad_payload_and_missing_message_are_named(runtime, receiver):
    final, _ = run(runtime, flow(f"""
  - id: bad
    type: io.kestra.plugin.discord.DiscordIncomingWebhook
    url: "{receiver.url()}"
    payload: "not json"
"""))
    assert final.state is State.FAILED
    assert any(line.startswith("payload: not valid JSON") for line in
               messages(runtime, final.id))
    final, _ = run(runtime, flow(f"""
  - id: nothing
    type: io.kestra.plugin.slack.SlackIncomingWebhook
    url: "{receiver.url()}"
""", "nothing"))
    assert any("Either 'messageText' or 'payload' must be provided" in line
               for line in messages(runtime, final.id))
    assert receiver.requests == []


def test_the_ssrf_guard_refuses_loopback_by_default(runtime, receiver, monkeypatch):
    monkeypatch.setattr(RunContext, "http", HttpSettings())  # public hosts only
    final, _ = run(runtime, flow(webhook_task(
        "send", "io.kestra.plugin.slack.SlackIncomingWebhook", receiver.url(),
        '{"text": "hi"}')))
    assert final.state is State.FAILED
    assert receiver.requests == []
    assert not any("B000/secret" in line for line in messages(runtime, final.id))


# Kestra's State.humanDuration: DurationFormatUtils.formatDurationHMS (HH:mm:ss.SSS).
@pytest.mark.parametrize("seconds,text", [(0.0, "00:00:00.000"), (1.5, "00:00:01.500"),
                                          (62.25, "00:01:02.250"), (3600, "01:00:00.000"),
                                          (3723.0, "01:02:03.000")])
def test_human_duration_is_kestras(seconds, text):
    from podium.sdk.executions import human_duration
    assert human_duration(seconds) == text
