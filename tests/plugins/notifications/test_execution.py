"""The *Execution types in a flow's `errors` branch: the payload each service receives is
Kestra's execution summary (its templates' shape), read from the store."""

from __future__ import annotations

from podium.common.models.state import State
from tests.plugins.notifications.flows import messages, run

FAILING = """
id: unreliable
namespace: company.team
tasks:
  - id: ok
    type: io.kestra.plugin.core.log.Log
    message: fine
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: broken
errors:
{errors}
"""


def test_slack_execution_in_errors_sends_kestras_summary(runtime, receiver):
    errors = f"""
  - id: alert
    type: io.kestra.plugin.notifications.slack.SlackExecution
    url: "{receiver.url()}"
    customMessage: "On call: *{{{{ flow.id }}}}*"
    customFields:
      Env: prod
    username: Kestra
    iconEmoji: ":rotating_light:"
"""
    final, runs = run(runtime, FAILING.format(errors=errors))
    assert final.state is State.FAILED
    assert runs["alert"].history.current is State.SUCCESS
    [request] = receiver.requests
    body = request["json"]
    assert request["path"] == "/services/T000/B000/secret"
    title = f"*[company.team] unreliable ➛ {body['attachments'][0]['fields'][3]['value']}*"
    assert body["text"].startswith(title + "\n> Failed on task `boom` after ")
    assert body["blocks"][0] == {"type": "section",
                                 "text": {"type": "mrkdwn", "text": "On call: *unreliable*"}}
    assert body["blocks"][1] == {"type": "section",
                                 "text": {"type": "mrkdwn", "text": body["text"]}}
    [attachment] = body["attachments"]
    assert attachment["color"] == "danger"
    assert isinstance(attachment["ts"], int)
    assert [(f["title"], f["value"], f["short"]) for f in attachment["fields"]] == [
        ("Namespace", "company.team", True), ("Flow ID", "unreliable", True),
        ("Execution ID", final.id, True), ("Execution Status", "RUNNING", True),
        ("Env", "prod", True), ("Final task ID", "boom", True)]
    assert body["username"] == "Kestra" and body["icon_emoji"] == ":rotating_light:"


def test_teams_discord_and_google_chat_summaries(runtime, receiver):
    errors = "".join(f"""
  - id: {name}
    type: io.kestra.plugin.notifications.{kind}
    url: "{receiver.url('/' + name)}"{extra}
""" for name, kind, extra in (
        ("teams", "teams.TeamsExecution", "\n    activityTitle: Kestra"),
        ("discord", "discord.DiscordExecution", "\n    username: bot\n    content: Failed"),
        ("chat", "google.GoogleChatExecution", "")))
    final, _ = run(runtime, FAILING.format(errors=errors))
    sent = {r["path"]: r["json"] for r in receiver.requests}
    teams = sent["/teams"]
    assert teams["@type"] == "MessageCard" and teams["themeColor"] == "0076D7"
    assert "Failed on task `boom`" in teams["summary"]
    [section] = teams["sections"]
    assert section["activityTitle"] == "Kestra"
    assert {f["name"]: f["value"] for f in section["facts"]} == {
        "Namespace": "company.team", "Flow ID": "unreliable", "Execution ID": final.id,
        "Execution Status": "RUNNING", "Final task ID": "boom"}
    discord = sent["/discord"]
    # Kestra's task sets `content` as given after its template (which would append the id)
    assert discord["username"] == "bot" and discord["content"] == "Failed"
    assert discord["tts"] is False
    [embed] = discord["embeds"]
    assert f"Execution ID: {final.id}\n" in embed["description"]
    assert embed["footer"]["text"].startswith("Failed on task `boom` after ")
    assert sent["/chat"]["text"].startswith(
        "Kestra Google notification: Namespace company.team, Flow ID unreliable, "
        f"Execution ID {final.id}, Execution Status RUNNING, Final task ID discord. ")  # the task run before it


def test_execution_id_of_another_execution(runtime, receiver):
    """As from a Flow trigger: the summary of an ended execution, its SUCCESS task runs."""
    done, _ = run(runtime, """
id: done
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hi
""")
    run(runtime, f"""
id: notifier
namespace: company.team
tasks:
  - id: alert
    type: io.kestra.plugin.slack.SlackExecution
    url: "{receiver.url()}"
    executionId: "{done.id}"
""")
    [request] = receiver.requests
    body = request["json"]
    assert body["text"].startswith("*[company.team] done ➛ SUCCESS*\n> Succeeded after ")
    [attachment] = body["attachments"]
    assert attachment["color"] == "good"
    assert attachment["fields"][2]["value"] == done.id
    assert attachment["fields"][-1] == {"title": "Final task ID", "value": "hello",
                                        "short": True}


def test_an_unknown_execution_id_fails_naming_the_property(runtime, receiver):
    final, _ = run(runtime, f"""
id: notifier
namespace: company.team
tasks:
  - id: alert
    type: io.kestra.plugin.discord.DiscordExecution
    url: "{receiver.url()}"
    executionId: nope
""")
    assert final.state is State.FAILED
    assert "Unable to find execution 'nope' (`executionId`)" in messages(runtime, final.id)
    assert receiver.requests == []


def test_discord_embed_list_is_merged_with_the_summary(runtime, receiver):
    errors = f"""
  - id: discord
    type: io.kestra.plugin.discord.DiscordExecution
    url: "{receiver.url()}"
    avatarUrl: https://example.com/a.png
    embedList:
      - title: Kestra Flow Notification
        color: [255, 0, 16]
        authorName: "{{{{ flow.id }}}}"
        websiteUrl: https://example.com/run
      - title: Second
        thumbnail: https://example.com/t.png
        footer: more
"""
    final, _ = run(runtime, FAILING.format(errors=errors))
    assert final.state is State.FAILED
    [request] = receiver.requests
    first, second = request["json"]["embeds"]
    # Kestra: the listed embeds, the first overlaid with the summary's description/footer
    assert first["title"] == "Kestra Flow Notification" and first["color"] == 0xFF0010
    assert first["url"] == "https://example.com/run"
    assert first["author"] == {"name": "unreliable", "url": "https://example.com/run",
                               "icon_url": "https://example.com/a.png"}
    assert first["description"].startswith("Namespace: company.team\nFlow ID: unreliable\n")
    assert first["footer"]["text"].startswith("Failed on task `boom` after ")
    assert second == {"title": "Second", "thumbnail": {"url": "https://example.com/t.png"},
                      "footer": {"text": "more"}}
