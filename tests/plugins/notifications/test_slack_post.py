"""io.kestra.plugin.slack.app.chats.Post against a loopback server answering as Slack's Web
API: the request is chat.postMessage as Slack publishes it (POST /api/chat.postMessage, JSON
body, `Authorization: Bearer <token>`), the token never reaches the logs, Slack's
`ok: false` fails the task with Slack's error code, and the SSRF guard still applies."""

from __future__ import annotations

import base64

import pytest

from podium.common.models.state import State
from podium.common.settings import HttpSettings
from podium.runtime import Runtime
from podium.worker.run_context import RunContext
from podium_notifications import slack_app
from tests.plugins.notifications.flows import messages, run

TOKEN = "xoxb-1111-2222-secrettoken"


@pytest.fixture
def slack_api(receiver, monkeypatch):
    # Kestra's tests redirect the Slack client the same way (a test-only endpoint prefix)
    monkeypatch.setattr(slack_app, "API_URL", receiver.url("/api"))
    receiver.answer = {"ok": True, "channel": "C024BE91L", "ts": "1503435956.000247",
                       "message": {"text": "hi", "type": "message"}}
    return receiver


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    monkeypatch.setattr(RunContext, "http", HttpSettings(allow_hosts=["127.0.0.1"]))
    secret = base64.b64encode(TOKEN.encode()).decode()
    with Runtime.embedded(tmp_path / "data", workers=1,
                          environ={"SECRET_SLACK_TOKEN": secret}) as running:
        yield running


def flow(tasks: str, flow_id: str = "slack_post") -> str:
    return f"id: {flow_id}\nnamespace: company.team\ntasks:\n{tasks}"


POST_AND_REPLY = flow("""
  - id: post_message
    type: io.kestra.plugin.slack.app.chats.Post
    token: "{{ secret('SLACK_TOKEN') }}"
    channel: "#general"
    messageText: "Task **completed** in {{ flow.id }}, see [docs](https://kestra.io)"
    username: podium
    iconEmoji: ":robot_face:"
  - id: reply
    type: io.kestra.plugin.slack.chats.Post
    token: "{{ secret('SLACK_TOKEN') }}"
    channel: "#general"
    timestamp: "{{ outputs.post_message.timestamp }}"
    payload: |
      {"channel": "C0OVERRIDE", "text": "Details", "unfurl_links": false,
       "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Flow* {{ flow.id }}"}}],
       "attachments": [{"color": "good", "text": "done"}], "not_a_slack_argument": 1}
""")


def test_post_sends_chat_post_message_with_the_bearer_token(runtime, slack_api):
    final, runs = run(runtime, POST_AND_REPLY)
    assert final.state is State.SUCCESS, messages(runtime, final.id)
    assert runs["post_message"].outputs == {"timestamp": "1503435956.000247"}
    first, second = slack_api.requests
    for request in (first, second):
        assert request["path"] == "/api/chat.postMessage"
        assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
        assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert first["json"] == {
        "channel": "#general", "username": "podium", "icon_emoji": ":robot_face:",
        "text": "Task *completed* in slack_post, see <https://kestra.io|docs>"}
    # the message's own channel wins, the task's timestamp makes it a thread reply, and
    # arguments chat.postMessage does not know are dropped (as Kestra's client does)
    assert second["json"] == {
        "channel": "C0OVERRIDE", "thread_ts": "1503435956.000247", "text": "Details",
        "unfurl_links": False,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Flow* slack_post"}}],
        "attachments": [{"color": "good", "text": "done"}]}
    assert not any(TOKEN in line for line in messages(runtime, final.id))


def test_slack_ok_false_fails_with_slacks_error(runtime, slack_api):
    slack_api.answer = {"ok": False, "error": "channel_not_found"}
    final, runs = run(runtime, flow("""
  - id: post
    type: io.kestra.plugin.slack.app.chats.Post
    token: "{{ secret('SLACK_TOKEN') }}"
    channel: "#nowhere"
    messageText: hi
"""))
    assert final.state is State.FAILED
    lines = messages(runtime, final.id)
    assert any("Slack chat.postMessage failed: channel_not_found" in line for line in lines)
    assert not any(TOKEN in line for line in lines)


def test_an_iso_timestamp_becomes_a_slack_ts():
    assert slack_app.slack_ts("1503435956.000247") == "1503435956.000247"
    assert slack_app.slack_ts("2017-08-22T21:05:56.000247Z") == "1503435956.000247"
    assert slack_app.slack_ts("2017-08-22T21:05:56Z") == "1503435956"


def test_bad_input_is_named(runtime, slack_api):
    final, _ = run(runtime, flow("""
  - id: no_channel
    type: io.kestra.plugin.slack.app.chats.Post
    token: "{{ secret('SLACK_TOKEN') }}"
    messageText: hi
"""))
    assert final.state is State.FAILED
    lines = messages(runtime, final.id)
    assert any("channel: required" in line for line in lines), lines
    final, _ = run(runtime, flow("""
  - id: no_message
    type: io.kestra.plugin.slack.app.chats.Post
    token: "{{ secret('SLACK_TOKEN') }}"
    channel: "#general"
""", "no_message"))
    assert final.state is State.FAILED
    assert any("Either 'messageText' or 'payload' must be provided" in line
               for line in messages(runtime, final.id))
    assert slack_api.requests == []


def test_the_guard_refuses_loopback_when_not_allowed(runtime, slack_api, monkeypatch):
    monkeypatch.setattr(RunContext, "http", HttpSettings())
    final, _ = run(runtime, flow("""
  - id: post
    type: io.kestra.plugin.slack.app.chats.Post
    token: "{{ secret('SLACK_TOKEN') }}"
    channel: "#general"
    messageText: hi
"""))
    assert final.state is State.FAILED
    assert slack_api.requests == []
    assert any("Slack chat.postMessage:" in line for line in messages(runtime, final.id))
