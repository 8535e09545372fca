"""What the executor renders itself (runIf, If conditions, flow outputs, subflow inputs)
reaches read(), kv() and secret() as a worker's renders do."""

from __future__ import annotations

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.secrets import encode_base64
from podium.common.storage.uploads import Upload
from podium.runtime import Runtime

FLOW = """
id: decides
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: remember
    type: io.kestra.plugin.core.kv.Set
    key: mode
    value: fast
  - id: by_file
    type: io.kestra.plugin.core.flow.If
    condition: "{{ read(inputs.file) | trim == 'go' }}"
    then:
      - id: went
        type: io.kestra.plugin.core.debug.Return
        format: went
  - id: by_kv
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ kv('mode') == 'fast' }}"
    format: fast
  - id: by_secret
    type: io.kestra.plugin.core.debug.Return
    runIf: "{{ secret('GATE') == 'open' }}"
    format: open
outputs:
  - id: size
    type: INT
    value: "{{ fileSize(inputs.file) }}"
"""


def test_the_executor_renders_with_files_kv_and_secrets(tmp_path):
    with Runtime.embedded(tmp_path, environ={"SECRET_GATE": encode_base64("open")}) as rt:
        rt.deploy(parse_flow(FLOW))
        execution = rt.submit("company.team", "decides", {"file": Upload("g.txt", data=b"go\n")})
        done = rt.wait(execution.id, 30)
        states = {run.task_id: run.state for run in rt.task_runs(done.id)}
    assert done.state is State.SUCCESS, states
    assert states["went"] is State.SUCCESS
    assert states["by_kv"] is State.SUCCESS and states["by_secret"] is State.SUCCESS
    assert done.outputs == {"size": 3}


CHILD = """
id: guarded
namespace: company.team
inputs:
  - id: token
    type: SECRET
tasks:
  - id: use
    type: io.kestra.plugin.core.log.Log
    message: "token {{ inputs.token }}"
"""

PARENT = """
id: caller
namespace: company.team
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: company.team
    flowId: guarded
    inputs:
      token: s3cr3t-value
"""


def test_a_subflow_gets_its_secret_input_encrypted_and_masked(tmp_path):
    with Runtime.embedded(tmp_path) as rt:
        rt.deploy(parse_flow(CHILD))
        rt.deploy(parse_flow(PARENT))
        done = rt.wait(rt.submit("company.team", "caller").id, 30)
        assert done.state is State.SUCCESS
        [call] = rt.task_runs(done.id)
        child = rt.get(call.outputs["executionId"])
        logs = [log.message for log in rt.logs(child.id)]
    assert child.state is State.SUCCESS
    assert "s3cr3t-value" not in str(child.inputs)
    assert any(message.startswith("token ") for message in logs)
    assert not any("s3cr3t-value" in message for message in logs)
