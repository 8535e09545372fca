"""Expressions end to end on the embedded runtime (SQLite, in-process executor and worker):
the variables and functions a flow copied from Kestra's docs relies on."""

from __future__ import annotations

import pytest

from common.flow.loader import parse_flow
from common.models.state import State
from common.secrets import encode_base64
from podium.runtime import Runtime

ENVIRON = {
    "ENV_GREETING": "hello",
    "KESTRA_OLD_STYLE": "not exposed: not the prefix",
    "SECRET_API_TOKEN": encode_base64("tok-12345"),
    "PODIUM_SOMETHING": "settings stay private",
}


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    with Runtime.embedded(tmp_path_factory.mktemp("expressions"), workers=2,
                          environ=ENVIRON) as rt:
        yield rt


def run(rt, source: str, inputs: dict | None = None):
    loaded = parse_flow(source)
    rt.deploy(loaded)
    execution = rt.submit(loaded.flow.namespace, loaded.flow.id, inputs)
    final = rt.wait(execution.id, timeout=60)
    return final, {r.task_id: r for r in rt.task_runs(execution.id)}


def logs_of(rt, execution_id: str) -> list[str]:
    return [entry.message for entry in rt.logs(execution_id)]


def test_envs_show_the_env_prefixed_variables_and_flow_tenant_is_main(runtime):
    final, runs = run(runtime, """
id: envs_flow
namespace: company.team
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ envs.greeting }} {{ envs | length }} {{ flow.tenantId }}"
""")
    assert final.state is State.SUCCESS
    assert runs["ret"].outputs == {"value": "hello 1 main"}


def test_an_empty_prefix_never_exposes_secrets_or_settings(tmp_path):
    environ = {**ENVIRON, "PODIUM_ENV_VARS_PREFIX": ""}
    with Runtime.embedded(tmp_path, workers=1, environ=environ) as rt:
        final, runs = run(rt, """
id: all_envs
namespace: company.team
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ envs | keys | sort | join(',') }}"
""")
    assert final.state is State.SUCCESS
    assert runs["ret"].outputs == {"value": "env_greeting,kestra_old_style"}


def test_env_function_and_tasks_with_state_in_an_errors_branch(runtime):
    final, runs = run(runtime, """
id: failed_tasks
namespace: company.team
tasks:
  - id: greet
    type: io.kestra.plugin.core.debug.Return
    format: "{{ env('gree' ~ 'ting') }} {{ env('missing', 'fallback') }}"
  - id: broken
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: Something went wrong
errors:
  - id: alert
    type: io.kestra.plugin.core.debug.Return
    format: "{{ tasksWithState('failed') }}"  # names no task: every state must be there
""")
    assert final.state is State.FAILED
    assert runs["greet"].outputs == {"value": "hello fallback"}
    assert runs["alert"].outputs == {"value": '[{"state":"FAILED","taskId":"broken"}]'}
