"""Kestra's alerting pattern (docs: how-to-guides/alerting, "`errors` property"): a failing
flow whose `errors` sends `SlackExecution` and `MailExecution`, with the webhook URL and
the SMTP host and credentials from secrets, run on the embedded runtime and on real
executor + worker processes (PostgreSQL store, Redis broker). The loopback receivers get
Kestra's execution summary: the Slack message of its slack-template.peb, the mail of its
mail-template (text and HTML).

Kestra's docs have no single flow with both tasks: the `errors` block is the alerting
page's SlackExecution snippet with MailExecution beside it, its properties those of
MailExecution's own example (plain SMTP here, as the receiver speaks no TLS)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.settings import HttpSettings
from podium.runtime import Runtime
from podium.worker.run_context import RunContext
from tests.integration.conftest import deployment, finish, start_runtime, stop_runtime
from tests.plugins.email import smtp_server

__all__ = ["deployment"]  # the fixture, imported for pytest

FLOW = """
id: unreliable_flow
namespace: company.team

tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail

errors:
  - id: alert
    type: io.kestra.plugin.slack.SlackExecution
    channel: "#general"
    url: "{{ secret('SLACK_WEBHOOK') }}"
  - id: mail_alert
    type: io.kestra.plugin.email.MailExecution
    to: hello@kestra.io
    from: hello@kestra.io
    subject: "The workflow execution {{ execution.id }} failed for the flow {{ flow.id }} in the namespace {{ flow.namespace }}"
    host: "{{ secret('SMTP_HOST') }}"
    port: "{{ secret('SMTP_PORT') }}"
    transportStrategy: SMTP
    username: "{{ secret('EMAIL_USERNAME') }}"
    password: "{{ secret('EMAIL_PASSWORD') }}"
"""


def secrets(receiver: Any, smtp_port: int) -> dict[str, str]:
    plain = {"SLACK_WEBHOOK": receiver.url(), "SMTP_HOST": "127.0.0.1",
             "SMTP_PORT": str(smtp_port), "EMAIL_USERNAME": "alerts",
             "EMAIL_PASSWORD": "s3cret-pass"}
    return {f"SECRET_{name}": base64.b64encode(value.encode()).decode()
            for name, value in plain.items()}


@pytest.fixture
def smtp() -> Iterator[tuple[Any, Any]]:
    controller, handler = smtp_server.start(user="alerts", password="s3cret-pass")
    yield controller, handler
    controller.stop()


def check_what_was_sent(execution_id: str, receiver: Any, handler: Any) -> None:
    [request] = receiver.requests
    body = request["json"]
    # slack-template.peb: text, a section block repeating it, one attachment of fields
    assert set(body) == {"channel", "text", "blocks", "attachments"}
    assert body["channel"] == "#general"
    assert body["text"].startswith("*[company.team] unreliable_flow ➛ RUNNING*\n"
                                   "> Failed on task `fail` after ")
    assert body["blocks"] == [{"type": "section",
                               "text": {"type": "mrkdwn", "text": body["text"]}}]
    [attachment] = body["attachments"]
    assert attachment["color"] == "danger" and isinstance(attachment["ts"], int)
    assert [(f["title"], f["value"], f["short"]) for f in attachment["fields"]] == [
        ("Namespace", "company.team", True), ("Flow ID", "unreliable_flow", True),
        ("Execution ID", execution_id, True), ("Execution Status", "RUNNING", True),
        ("Final task ID", "fail", True)]
    [mail] = handler.received
    assert mail.sender == "hello@kestra.io" and mail.recipients == ["hello@kestra.io"]
    assert mail.message["Subject"] == (f"The workflow execution {execution_id} failed for "
                                       "the flow unreliable_flow in the namespace company.team")
    text = mail.message.get_body(("plain",)).get_content()
    assert "Namespace: company.team" in text and "Flow: unreliable_flow" in text
    # the last task run before the mail's own is the Slack alert of the same `errors`
    assert f"Execution: {execution_id}" in text and "Final task ID: alert" in text
    assert "Failed on task fail" in text
    assert execution_id in mail.message.get_body(("html",)).get_content()


def test_alerting_example_on_the_embedded_runtime(tmp_path, monkeypatch, receiver, smtp):
    controller, handler = smtp
    monkeypatch.setattr(RunContext, "http", HttpSettings(allow_hosts=["127.0.0.1"]))
    with Runtime.embedded(tmp_path / "data", workers=1,
                          environ=secrets(receiver, controller.port)) as runtime:
        runtime.deploy(parse_flow(FLOW))
        started = runtime.submit("company.team", "unreliable_flow", None)
        final = runtime.wait(started.id, timeout=60)
        runs = {run.task_id: run for run in runtime.task_runs(final.id)}
        assert final.state is State.FAILED
        assert runs["alert"].state is State.SUCCESS and runs["mail_alert"].state is State.SUCCESS
        logs = [entry.message for entry in runtime.logs(final.id)]
    assert not any("s3cret-pass" in line for line in logs)
    check_what_was_sent(final.id, receiver, handler)


@pytest.mark.service
def test_alerting_example_on_a_distributed_fleet(deployment, receiver, smtp):  # noqa: F811
    controller, handler = smtp
    fleet, _ = start_runtime(deployment, "alerting:", PODIUM_HTTP__ALLOW_HOSTS="127.0.0.1",
                             **secrets(receiver, controller.port))
    try:
        fleet.deploy(parse_flow(FLOW))
        started = fleet.submit("company.team", "unreliable_flow", None)
        final = finish(fleet, started.id, 60)
        runs = {run.task_id: run for run in fleet.task_runs(final.id)}
        assert final.state is State.FAILED
        assert runs["alert"].state is State.SUCCESS, fleet.logs(final.id)
        assert runs["mail_alert"].state is State.SUCCESS, fleet.logs(final.id)
    finally:
        stop_runtime(deployment, fleet)
    check_what_was_sent(final.id, receiver, handler)
