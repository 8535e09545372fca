"""The application layer's execution operations on an embedded runtime: the checks each
makes before it publishes, and the one kill the API and the CLI share
(both modes of the CLI: tests/api/test_cli_local.py)."""

from __future__ import annotations

import pytest

from podium.application import control, executions, flows
from podium.common.errors import ConflictError, NotFoundError, PodiumError
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.runtime import Runtime
from tests.waiting import wait_for

HELLO = """\
id: hello
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: hello
"""

PAUSED = """\
id: waits
namespace: company.team
tasks:
  - id: stop
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: resumed
"""


@pytest.fixture
def runtime(tmp_path):
    with Runtime.embedded(tmp_path, workers=1, environ={}) as runtime:
        for source in (HELLO, PAUSED):
            flows.deploy(runtime, parse_flow(source))
        yield runtime


def test_kill_stops_a_running_execution(runtime):
    paused = runtime.wait(runtime.submit("company.team", "waits").id, timeout=20)
    assert paused.state is State.PAUSED
    runtime.kill(paused.id)
    killed = wait_for(lambda: (e := executions.get(runtime, paused.id)).state.is_terminated
                      and e, what="the execution killed")
    assert killed.state is State.KILLED


def test_kill_refuses_what_is_missing_or_finished(runtime):
    with pytest.raises(NotFoundError, match="Execution 'nope' not found"):
        control.kill(runtime, "nope")
    done = runtime.wait(runtime.submit("company.team", "hello").id, timeout=20)
    with pytest.raises(ConflictError, match="already finished"):
        control.kill(runtime, done.id)


def test_labels_only_on_a_finished_execution_and_never_system_ones(runtime):
    paused = runtime.wait(runtime.submit("company.team", "waits").id, timeout=20)
    with pytest.raises(PodiumError, match="not terminated"):
        executions.set_labels(runtime, paused.id, [("team", "a")])
    done = runtime.wait(runtime.submit("company.team", "hello").id, timeout=20)
    with pytest.raises(PodiumError, match="System labels"):
        executions.set_labels(runtime, done.id, [("system.from", "me")])
    labelled = executions.set_labels(runtime, done.id, [("team", "a")])
    assert {"key": "team", "value": "a"} in labelled.labels
    assert executions.get(runtime, done.id).labels == labelled.labels


def test_flow_operations_answer_not_found_for_a_missing_flow(runtime):
    with pytest.raises(NotFoundError):
        flows.require(runtime, "company.team", "nope")
    with pytest.raises(NotFoundError):
        flows.delete(runtime, "company.team", "nope")
    with pytest.raises(NotFoundError):
        flows.revisions(runtime, "company.team", "nope")
    with pytest.raises(NotFoundError):
        flows.revision(runtime, "company.team", "hello", 2)
