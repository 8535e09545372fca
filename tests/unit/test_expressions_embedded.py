"""Expressions end to end on the embedded runtime (SQLite, in-process executor and worker):
the variables and functions a flow copied from Kestra's docs relies on."""

from __future__ import annotations

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.secrets import encode_base64
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


ERROR_LOGS_FLOW = """
id: error_logs
namespace: company.team
tasks:
  - id: broken
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: Something went wrong, make sure to fix it asap
errors:
  - id: decide
    type: io.kestra.plugin.core.flow.If
    condition: "{{ errorLogs() | length > 0 }}"
    then:
      - id: noticed
        type: io.kestra.plugin.core.debug.Return
        format: "{{ errorLogs() | length }}"
  - id: alert
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs()[0].message }} ({{ errorLogs()[0].taskId }})"
"""


def test_error_logs_in_an_errors_branch_on_the_worker_and_in_the_executor(runtime):
    # ErrorLogsFunctionTest, and the docs' alert pattern: the errors branch reads why the
    # execution failed. `decide`'s condition renders in the executor while the failed
    # task's result (and the log lines it carries) is being handled, `alert` on a worker.
    final, runs = run(runtime, ERROR_LOGS_FLOW)
    assert final.state is State.FAILED
    assert runs["alert"].outputs == {
        "value": "Something went wrong, make sure to fix it asap (broken)"}
    assert runs["decide"].outputs == {"evaluationResult": True}
    assert runs["noticed"].state is State.SUCCESS


def test_error_logs_see_what_the_executor_logged_in_the_same_handling(runtime):
    # A flowable fails in the executor (its condition names a missing output); the errors
    # branch's first condition, rendered in that same handling, already reads that line.
    final, runs = run(runtime, """
id: executor_error_logs
namespace: company.team
tasks:
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{ outputs.nothere.value == 'x' }}"
    then:
      - id: never
        type: io.kestra.plugin.core.debug.Return
        format: never
errors:
  - id: decide
    type: io.kestra.plugin.core.flow.If
    condition: "{{ errorLogs() | length == 1 and errorLogs()[0].taskId == 'check' }}"
    then:
      - id: noticed
        type: io.kestra.plugin.core.debug.Return
        format: "{{ errorLogs()[0].message }}"
  - id: stored
    type: io.kestra.plugin.core.debug.Return
    format: "{{ errorLogs()[0].taskId }}"
""")
    assert final.state is State.FAILED
    assert runs["decide"].outputs == {"evaluationResult": True}
    assert "Unable to find `outputs.nothere`" in runs["noticed"].outputs["value"]
    # once committed, the executor's line still names its task (read by a worker here)
    assert runs["stored"].outputs == {"value": "check"}
    assert [e.task_id for e in runtime.logs(final.id) if e.level == "ERROR"][0] == "check"


INPUTS_FLOW = """
id: dynamic_inputs
namespace: company.team
inputs:
  - id: started
    type: DATETIME
    defaults: "{{ now() }}"
  - id: tags
    type: ARRAY
    itemType: STRING
    defaults: "{{ ['a', 'b'] }}"
  - id: region
    type: SELECT
    expression: "{{ [secret('API_TOKEN') | length ~ '', 'eu'] }}"
  - id: label
    type: STRING
    dependsOn:
      inputs: [region]
    defaults: "{{ inputs.region ~ '-' ~ flow.namespace }}"
tasks:
  - id: ret
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.started | date('yyyy') }} {{ inputs.tags | join }} {{ inputs.label }}"
"""


def test_input_defaults_that_are_expressions_are_rendered_at_creation(runtime):
    # Kestra 0.24+: `defaults` are dynamic; secret() works in an input `expression`
    final, runs = run(runtime, INPUTS_FLOW, {"region": "eu"})
    assert final.state is State.SUCCESS
    year = final.history.start_date.strftime("%Y")
    assert runs["ret"].outputs == {"value": f"{year} ab eu-company.team"}
    assert final.inputs["tags"] == ["a", "b"]
    assert runtime.submit("company.team", "dynamic_inputs", {"region": "9"}).inputs["region"] == "9"
