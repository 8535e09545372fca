"""The alerting example on real executor and worker processes (store on PostgreSQL, broker
on Redis): the worker process reads the execution from the store for SlackExecution and
posts through its own guard, allowed loopback by PODIUM_HTTP__ALLOW_HOSTS."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from tests.integration.conftest import deployment, finish, start_runtime, stop_runtime

pytestmark = pytest.mark.service

__all__ = ["deployment"]  # the fixture, imported for pytest

ALERTING = """
id: unreliable_flow
namespace: it.notify
inputs:
  - id: url
    type: STRING
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
errors:
  - id: alert_on_failure
    type: io.kestra.plugin.notifications.slack.SlackExecution
    url: "{{ inputs.url }}"
"""


@pytest.fixture(scope="module")
def fleet(deployment):
    runtime, _ = start_runtime(deployment, "notify:", executors=1, workers=1,
                               PODIUM_HTTP__ALLOW_HOSTS="127.0.0.1")
    yield runtime
    stop_runtime(deployment, runtime)


def test_slack_execution_from_errors_on_a_distributed_fleet(fleet, receiver):
    fleet.deploy(parse_flow(ALERTING))
    started = fleet.submit("it.notify", "unreliable_flow", {"url": receiver.url()})
    execution = finish(fleet, started.id, 60)
    assert execution.state is State.FAILED
    runs = {run.task_id: run for run in fleet.task_runs(execution.id)}
    assert runs["alert_on_failure"].history.current is State.SUCCESS
    [request] = receiver.requests
    body = request["json"]
    assert body["text"].startswith("*[it.notify] unreliable_flow ➛ RUNNING*\n"
                                   "> Failed on task `fail` after ")
    fields = {f["title"]: f["value"] for f in body["attachments"][0]["fields"]}
    assert fields["Execution ID"] == execution.id and fields["Final task ID"] == "fail"
