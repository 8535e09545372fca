"""The KV store, secrets and SECRET inputs through real executor and worker processes on
PostgreSQL and Redis: values set by one task are read by the next and by `kv()`, no secret
reaches the stored logs or inputs, and task outputs keep them in clear as Kestra's do."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from podium.common.kv import KVStore
from podium.common.models.state import State
from podium.common.secrets import SecretCipher, encode_base64
from podium.common.store.schema import executions
from tests.integration.conftest import deploy, finish, runs_by_task, start_runtime, stop_runtime

pytestmark = pytest.mark.service

TOKEN = "it-token-5b1e-do-not-leak"
PEM = "-----BEGIN KEY-----\nMIIEintegration\n-----END KEY-----"
PASSWORD = "it-password-77"

KV_FLOW = """
id: kv
namespace: it.kv
tasks:
  - id: set
    type: io.kestra.plugin.core.kv.Set
    key: greeting
    value: '{"text": "hello", "n": 2}'
    kvType: JSON
    ttl: P1D
  - id: get
    type: io.kestra.plugin.core.kv.Get
    key: greeting
  - id: render
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('greeting').text }} x{{ kv('greeting').n }}"
  - id: state
    type: io.kestra.plugin.core.state.Set
    data:
      seen: "{{ outputs.render.value }}"
"""

SECRET_FLOW = """
id: secrets
namespace: it.kv
inputs:
  - id: password
    type: SECRET
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "token {{ secret('api_token') }} password {{ inputs.password }}"
  - id: shell
    type: io.kestra.plugin.scripts.shell.Commands
    env:
      PEM: "{{ secret('pem') }}"
    commands:
      - echo "$PEM"
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ secret('api_token') }}"
  - id: ret_input
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.password }}"
"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _ = start_runtime(deployment, "kv:", executors=1, workers=1, **{
        "SECRET_API_TOKEN": encode_base64(TOKEN), "SECRET_PEM": encode_base64(PEM),
        "PODIUM_SECRETS__ENCRYPTION_KEY": SecretCipher.generate_key()})
    yield runtime
    stop_runtime(deployment, runtime)


def test_kv_set_then_get_and_the_kv_function(runtime):
    deploy(runtime, KV_FLOW)
    execution = finish(runtime, runtime.submit("it.kv", "kv").id)
    assert execution.state is State.SUCCESS
    runs = runs_by_task(runtime.task_runs(execution.id))
    assert runs["get"][0].outputs == {"value": {"text": "hello", "n": 2}}
    assert runs["render"][0].outputs == {"value": "hello x2"}
    store = KVStore(runtime.db)
    entry = store.get("it.kv", "greeting")
    assert entry.type.value == "JSON" and entry.expires is not None
    assert store.value("it.kv", "kv_states_tasks-states_default") == {"seen": "hello x2"}


def test_secrets_are_masked_in_stored_logs_and_clear_in_outputs(runtime):
    deploy(runtime, SECRET_FLOW)
    execution = finish(runtime, runtime.submit("it.kv", "secrets", {"password": PASSWORD}).id)
    assert execution.state is State.SUCCESS, runtime.fleet.log_tail()
    logs = [entry.message for entry in runtime.logs(execution.id)]
    runs = {task_id: same[0] for task_id, same
            in runs_by_task(runtime.task_runs(execution.id)).items()}
    for secret in (TOKEN, PASSWORD, *PEM.splitlines()):
        assert secret not in json.dumps(logs)
    # Kestra masks logs, not outputs (SecretFunctionTest, InputsTest)
    assert runs["ret"].outputs == {"value": TOKEN}
    assert runs["ret_input"].outputs == {"value": PASSWORD}
    assert any(message.startswith("token **masked*") for message in logs)
    middle = "MIIEintegration"  # the PEM's middle line, printed alone by the script
    assert "**masked*" + "*" * (len(middle) - 9) in logs
    with runtime.db.read() as conn:
        inputs = conn.execute(select(executions.c.inputs)
                              .where(executions.c.id == execution.id)).scalar_one()
    assert inputs["password"]["type"] == "io.kestra.datatype:aes_encrypted"
    assert PASSWORD not in json.dumps(inputs)
