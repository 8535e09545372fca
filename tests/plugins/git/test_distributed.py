"""SyncFlows and PushFlows on real executor and worker processes, the store on PostgreSQL
and the broker on Redis: the worker process writes flow definitions (never execution
state) with the same code as the embedded mode."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.store import list_flows
from tests.integration.conftest import deployment, finish, start_runtime, stop_runtime
from tests.plugins.git.conftest import Remote
from tests.plugins.git.flows import rows

pytestmark = pytest.mark.service

__all__ = ["deployment"]  # the fixture, imported for pytest

SYNC_THEN_PUSH = """
id: roundtrip
namespace: it.git
inputs:
  - id: url
    type: STRING
tasks:
  - id: sync
    type: io.kestra.plugin.git.SyncFlows
    url: "{{ inputs.url }}"
    targetNamespace: it.git.prod
    gitDirectory: flows
  - id: push
    type: io.kestra.plugin.git.PushFlows
    url: "{{ inputs.url }}"
    sourceNamespace: it.git.prod
    gitDirectory: deployed
    commitMessage: deployed flows
"""


@pytest.fixture(scope="module")
def fleet(deployment):
    runtime, _ = start_runtime(deployment, "git:", executors=1, workers=1)
    yield runtime
    stop_runtime(deployment, runtime)


def test_sync_then_push_on_a_distributed_fleet(fleet, tmp_path):
    remote = Remote(tmp_path)
    remote.commit({"flows/hello.yml": "id: hello\nnamespace: dev\ntasks:\n  - id: log\n"
                                      "    type: io.kestra.plugin.core.log.Log\n"
                                      "    message: hi\n"})
    fleet.deploy(parse_flow(SYNC_THEN_PUSH))
    execution = finish(fleet, fleet.submit("it.git", "roundtrip", {"url": remote.url}).id, 60)
    assert execution.state is State.SUCCESS, execution.error
    with fleet.db.read() as conn:
        assert [(f.namespace, f.id, f.revision) for f in list_flows(conn, "it.git.prod")] == \
            [("it.git.prod", "hello", 1)]
    runs = {run.task_id: run for run in fleet.task_runs(execution.id)}
    assert rows(fleet, runs["sync"].outputs["flows"])[0]["syncState"] == "ADDED"
    assert remote.log() == ["deployed flows", "seed"]
    assert "namespace: it.git.prod\n" in remote.show("deployed/hello.yml")
