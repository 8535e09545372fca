"""KV store, secrets and SECRET inputs end to end on the embedded runtime (SQLite, in-process
executor and worker): what a flow stores, what the logs keep masked and the outputs keep in
clear (Kestra masks logs, never task outputs)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.secrets import encode_base64
from podium.common.store.schema import executions
from podium.runtime import Runtime

TOKEN = "tok-3f9a-very-secret"
PEM = "-----BEGIN KEY-----\nMIIEabcdefgh\n-----END KEY-----"
PASSWORD = "hunter2-pw"

KV_FLOW = """
id: kv_flow
namespace: company.team
tasks:
  - id: set
    type: io.kestra.plugin.core.kv.Set
    key: counter
    value: "{{ 40 + 2 }}"
  - id: set_json
    type: io.kestra.plugin.core.kv.Set
    key: config
    value: '{"region": "eu"}'
    kvType: JSON
  - id: get
    type: io.kestra.plugin.core.kv.Get
    key: counter
  - id: render
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('counter') + 1 }} {{ kv('config').region }}"
  - id: keys
    type: io.kestra.plugin.core.kv.GetKeys
  - id: delete
    type: io.kestra.plugin.core.kv.Delete
    key: counter
"""

SECRET_FLOW = """
id: secret_flow
namespace: company.team
inputs:
  - id: password
    type: SECRET
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message:
      - "token={{ secret('api_token') }} pw={{ inputs.password }}"
      - "{{ secret('pem') | length }}"
      - "second line alone: MIIEabcdefgh"
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ secret('API_TOKEN') }}"
  - id: ret_input
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.password }}"
  - id: uses_output
    type: io.kestra.plugin.core.log.Log
    message: "downstream got {{ outputs.ret.value | length }} chars"
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "refused {{ secret('api_token') }}"
    allowFailure: true
"""


@pytest.fixture
def runtime(tmp_path):
    environ = {"SECRET_API_TOKEN": encode_base64(TOKEN), "SECRET_PEM": encode_base64(PEM)}
    with Runtime.embedded(tmp_path, workers=2, environ=environ) as rt:
        yield rt


def run(rt, source, inputs=None):
    flow = parse_flow(source)
    rt.deploy(flow)
    execution = rt.submit(flow.flow.namespace, flow.flow.id, inputs)
    return rt.wait(execution.id, timeout=30), {r.task_id: r for r in rt.task_runs(execution.id)}


def test_kv_tasks_and_the_kv_function(runtime):
    final, runs = run(runtime, KV_FLOW)
    assert final.state is State.SUCCESS
    assert runs["get"].outputs == {"value": 42}
    assert runs["render"].outputs == {"value": "43 eu"}
    assert runs["keys"].outputs == {"keys": ["config", "counter"]}
    assert runs["delete"].outputs == {"deleted": True}


def test_secrets_never_reach_logs_errors_or_the_stored_inputs(runtime, tmp_path):
    final, runs = run(runtime, SECRET_FLOW, {"password": PASSWORD})
    assert final.state is State.WARNING  # the allowed failure
    logs = [entry.message for entry in runtime.logs(final.id)]
    stored = json.dumps([logs, final.error, runs["fail"].attempts], default=str)
    for secret in (TOKEN, PASSWORD, "MIIEabcdefgh"):
        assert secret not in stored
    assert f"token={'**masked*' + '*' * (len(TOKEN) - 9)} pw=**masked**" in logs
    assert "second line alone: **masked****" in logs
    assert f"downstream got {len(TOKEN)} chars" in logs
    with runtime.db.read() as conn:
        row = conn.execute(select(executions.c.inputs).where(executions.c.id == final.id)).one()
    assert row.inputs["password"]["type"] == "io.kestra.datatype:aes_encrypted"
    assert PASSWORD not in json.dumps(row.inputs)
    assert (tmp_path / "secrets.key").exists()


def test_secret_results_and_secret_inputs_reach_task_outputs_in_clear(runtime):
    # SecretFunctionTest#getSecret and InputsTest: outputs hold the values, logs mask them
    final, runs = run(runtime, SECRET_FLOW, {"password": PASSWORD})
    assert runs["ret"].outputs == {"value": TOKEN}
    assert runs["ret_input"].outputs == {"value": PASSWORD}


def test_an_unknown_secret_fails_the_task_with_kestra_s_message(runtime):
    final, runs = run(runtime, """
id: unknown_secret
namespace: company.team
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ secret('nope') }}"
""")
    assert final.state is State.FAILED and runs["ret"].state is State.FAILED
    assert any("Cannot find secret for key 'nope'." in entry.message
               for entry in runtime.logs(final.id))


def test_a_missing_kv_key_fails_the_task_unless_error_on_missing_is_false(runtime):
    # Kestra >= 0.22: kv() defaults to errorOnMissing=true; the flow stops at the first task
    final, runs = run(runtime, """
id: kv_missing
namespace: company.team
tasks:
  - id: lenient
    type: io.kestra.plugin.core.debug.Return
    format: "[{{ kv('absent', errorOnMissing=false) }}]"
  - id: strict
    type: io.kestra.plugin.core.debug.Return
    format: "{{ kv('absent') }}"
  - id: never
    type: io.kestra.plugin.core.debug.Return
    format: unreachable
""")
    assert final.state is State.FAILED
    assert runs["lenient"].outputs == {"value": "[]"}
    assert runs["strict"].state is State.FAILED and "never" not in runs
    assert any("The key 'absent' does not exist in the namespace 'company.team'." in e.message
               for e in runtime.logs(final.id))
