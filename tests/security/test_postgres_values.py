"""Values PostgreSQL cannot store, refused where they enter (422), not at the INSERT (500).

PostgreSQL keeps no NUL character in text or JSON; SQLite does, so the rest of the suite,
on the embedded SQLite runtime, cannot see this class of failure. These cases run the API
over a runtime whose store is a throwaway PostgreSQL database (marked `service`: they skip
without a server, and fail instead under CI=true)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from podium.api import create_app
from podium.common.storage.local import LocalStorage
from podium.common.store.database import Database
from podium.common.store.migrate import upgrade_database
from podium.common.transport.memory import InProcessTransport
from podium.runtime import Runtime
from tests.api.conftest import BEARER, HELLO, api_settings
from tests.contract.conftest import POSTGRES_URL, PostgresServer
from tests.security.conftest import stored

pytestmark = pytest.mark.service

HOOKED = HELLO.replace("id: hello", "id: hooked") + """\
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: key
"""
KV = "/api/v1/namespaces/company.team/kv/k"
HOOK = "/api/v1/executions/webhook/company.team/hooked/key"
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def postgres_runtime():
    server = PostgresServer(POSTGRES_URL)
    try:
        with server.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}: {exc}")
    db = Database(server.create_database())
    upgrade_database(db)
    runtime = Runtime(db, InProcessTransport(), LocalStorage(Path(tempfile.mkdtemp()) / "s"))
    runtime.start_executor()
    runtime.start_worker(concurrency=1)
    yield runtime
    runtime.close()
    db.dispose()
    server.drop_all()


@pytest.fixture(scope="module")
def client(postgres_runtime):
    with TestClient(create_app(postgres_runtime, api_settings()), headers=BEARER,
                    raise_server_exceptions=False) as client:
        response = client.post("/api/v1/flows", content=HOOKED,
                               headers={"Content-Type": "application/x-yaml"})
        assert response.status_code == 200, response.text
        yield client


@pytest.mark.parametrize("method, path, content, headers, message", [
    ("PUT", KV, b'{"a": "x\\u0000y"}', {**JSON, "type": "JSON"},
     "Invalid value for key 'k': a NUL character (\\u0000) at `a` cannot be stored"),
    ("PUT", KV, b'"x\\u0000y"', JSON,
     "Invalid value for key 'k': a NUL character (\\u0000) cannot be stored"),
    ("PUT", KV, b'{"a": [1, {"b\\u0000": 2}]}', {**JSON, "type": "JSON"},
     "a NUL character (\\u0000) at `a[1].<key>` cannot be stored"),
    ("POST", HOOK, b'{"a": "x\\u0000"}', JSON,
     "Invalid webhook body: a NUL character (\\u0000) at `a` cannot be stored"),
    ("POST", HOOK, b"a\x00b", {"Content-Type": "text/plain"},
     "Invalid webhook body: a NUL character (\\u0000) cannot be stored"),
    ("PUT", "/api/v1/namespaces/" + "n" * 151 + "/kv/k", b'"v"', JSON,
     "longer than 150 characters"),
    ("PUT", HOOK, b'["x", "\\u0000"]', JSON,
     "Invalid webhook body: a NUL character (\\u0000) at `[1]` cannot be stored"),
], ids=["kv-json-field", "kv-string", "kv-nested-key", "webhook-json", "webhook-text",
        "kv-namespace-too-long", "webhook-put-array"])
def test_a_nul_is_refused_where_it_enters(client, postgres_runtime, method, path, content,
                                          headers, message):
    before = stored(postgres_runtime)
    response = client.request(method, path, content=content, headers=headers)
    assert response.status_code == 422, response.text
    assert message in response.json()["message"]
    assert stored(postgres_runtime) == before


def test_the_same_values_without_the_nul_are_stored(client, postgres_runtime):
    before = stored(postgres_runtime)["rows"]
    assert client.put(KV, content=b'{"a": "xy"}', headers={**JSON, "type": "JSON"}) \
        .status_code == 204
    assert client.post(HOOK, content=b'{"a": "x"}', headers=JSON).status_code == 200
    after = stored(postgres_runtime)["rows"]
    assert after["kv_entries"] == before["kv_entries"] + 1
    assert after["executions"] == before["executions"] + 1


SCRIPTED = r'''
id: scripted
namespace: company.team
inputs:
  - id: output
    type: BOOLEAN
    defaults: false
tasks:
  - id: sh
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - printf 'before \000 after\n'
      - if [ "{{ inputs.output }}" = "true" ]; then printf '::{"outputs":{"a":"x\\u0000y"}}::\n'; fi
'''


def _run(runtime, **inputs):
    from podium.common.flow.loader import parse_flow

    runtime.deploy(parse_flow(SCRIPTED))
    execution = runtime.submit("company.team", "scripted", inputs)
    return runtime.wait(execution.id, timeout=60)


def test_a_script_printing_a_nul_logs_it_as_a_symbol(postgres_runtime):
    execution = _run(postgres_runtime)
    assert execution.state.value == "SUCCESS"
    messages = [entry.message for entry in postgres_runtime.logs(execution.id)]
    assert "before \u2400 after" in messages, messages


def test_a_task_output_holding_a_nul_fails_the_task_naming_it(postgres_runtime):
    execution = _run(postgres_runtime, output=True)
    assert execution.state.value == "FAILED"
    errors = [entry.message for entry in postgres_runtime.logs(execution.id)
              if entry.level == "ERROR"]
    assert any("Task output: a NUL character (\\u0000) at `vars.a` cannot be stored" in text
               for text in errors), errors
