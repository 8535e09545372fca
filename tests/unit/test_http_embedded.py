"""An http.Request through a whole flow in the embedded mode, against a real server on
127.0.0.1: its outputs reach the next task; with the default settings the worker refuses
the loopback server."""

from __future__ import annotations

import pytest

from podium import wiring
from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.settings import HttpSettings, Settings
from podium.runtime import Runtime
from podium.worker.run_context import RunContext
from tests.unit.worker.http_server import start_server, stop_server

FLOW = """
id: http_flow
namespace: company.team
inputs:
  - id: url
    type: STRING
tasks:
  - id: req
    type: io.kestra.plugin.core.http.Request
    uri: "{{ inputs.url }}"
    method: POST
    body: '{"hello": "world"}'
  - id: code
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.req.code }}"
outputs:
  - id: code
    type: STRING
    value: "{{ outputs.code.value }}"
"""


@pytest.fixture
def server():
    local = start_server()
    yield local
    stop_server(local)


@pytest.fixture
def runtime(tmp_path):
    runtime = Runtime.embedded(tmp_path / "data", workers=2, environ={})
    runtime.deploy(parse_flow(FLOW))
    yield runtime
    runtime.close()


def test_request_then_return_of_its_code(runtime, server, monkeypatch):
    # The worker's HTTP settings, as `podium worker` / `server local` set them: the test
    # server's address, nothing else (monkeypatch puts the process default back after).
    monkeypatch.setattr(RunContext, "http", None)
    wiring.worker_http(Settings(http=HttpSettings(allow_hosts=["127.0.0.1"])))
    assert RunContext.http.allow_hosts == ["127.0.0.1"]
    execution = runtime.submit("company.team", "http_flow", {"url": server.url("/echo")})
    final = runtime.wait(execution.id, timeout=20)
    assert final.state is State.SUCCESS, runtime.logs(execution.id)
    assert final.outputs == {"code": "200"}
    assert [(r.method, r.path, r.body) for r in server.requests] == \
        [("POST", "/echo", b'{"hello": "world"}')]


def test_the_default_settings_refuse_a_loopback_server(runtime, server):
    execution = runtime.submit("company.team", "http_flow", {"url": server.url("/echo")})
    final = runtime.wait(execution.id, timeout=20)
    assert final.state is State.FAILED
    req = [run for run in runtime.task_runs(execution.id) if run.task_id == "req"][0]
    assert req.state is State.FAILED
    messages = [entry.message for entry in runtime.logs(execution.id)]
    assert any("HTTP request to '127.0.0.1' refused: 127.0.0.1 is a loopback address" in m
               for m in messages), messages
    assert server.requests == []
