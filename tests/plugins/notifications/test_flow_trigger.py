"""Kestra's alerting pattern from its Flow trigger docs, the flow copied unchanged
(tests/realworld/flows/workflow-components-triggers-flow-trigger/alert.yaml): a failed
execution in `company.*` starts `system.alert`, whose SlackExecution reports the failed
execution (`{{ trigger.executionId }}`) to the webhook given as secret('SLACK_WEBHOOK')."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.settings import HttpSettings
from podium.common.store import list_executions
from podium.runtime import Runtime
from podium.worker.run_context import RunContext
from tests.plugins.notifications.flows import messages
from tests.waiting import wait_for

ALERT = Path(__file__).parents[2] / "realworld" / "flows" / \
    "workflow-components-triggers-flow-trigger" / "alert.yaml"

FAILING = """
id: nightly
namespace: company.team
tasks:
  - id: extract
    type: io.kestra.plugin.core.log.Log
    message: extracting
  - id: load
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: the warehouse is down
"""


@pytest.fixture
def alerting(tmp_path, monkeypatch, receiver):
    monkeypatch.setattr(RunContext, "http", HttpSettings(allow_hosts=["127.0.0.1"]))
    secret = base64.b64encode(receiver.url().encode()).decode()
    with Runtime.embedded(tmp_path / "data", workers=1,
                          environ={"SECRET_SLACK_WEBHOOK": secret}) as running:
        yield running


def test_a_failed_execution_is_reported_by_the_flow_triggered_alert(alerting, receiver):
    alerting.deploy(parse_flow(ALERT.read_text()))
    alerting.deploy(parse_flow(FAILING))
    failed = alerting.wait(alerting.submit("company.team", "nightly").id, timeout=60)
    assert failed.state is State.FAILED
    wait_for(lambda: receiver.requests, timeout=60, what="the alert")
    [request] = receiver.requests
    body = request["json"]
    assert body["channel"] == "#general"
    assert body["text"].startswith("*[company.team] nightly ➛ FAILED*\n"
                                   "> Failed on task `load` after ")
    [attachment] = body["attachments"]
    assert attachment["color"] == "danger"
    fields = {f["title"]: f["value"] for f in attachment["fields"]}
    assert fields == {"Namespace": "company.team", "Flow ID": "nightly",
                      "Execution ID": failed.id, "Execution Status": "FAILED",
                      "Final task ID": "load"}
    alert = alerting.wait(_alert_execution(alerting), timeout=30)
    assert alert.state is State.SUCCESS
    assert not any("B000/secret" in line for line in messages(alerting, alert.id))


def _alert_execution(runtime) -> str:
    with runtime.db.read() as conn:
        [execution] = list_executions(conn, namespace="system", flow_id="alert")
    return execution.id
