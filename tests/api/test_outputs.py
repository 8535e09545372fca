"""/api/v1/outputs (Kestra 2.0's OutputController): flow and task run outputs apart from the
execution, as the 2.0 migration guide tells API clients to read them."""

from __future__ import annotations

from tests.api.conftest import deploy

FLOW = """\
id: outs
namespace: company.team
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: hi
  - id: quiet
    type: io.kestra.plugin.core.log.Log
    message: nothing to output
outputs:
  - id: greeting
    type: STRING
    value: "{{ outputs.hello.value }} there"
"""


def test_flow_and_task_run_outputs(client):
    deploy(client, FLOW)
    done = client.post("/api/v1/executions/company.team/outs", params={"wait": True}).json()
    assert done["state"]["current"] == "SUCCESS"
    execution_id = done["id"]
    assert client.get(f"/api/v1/outputs/executions/{execution_id}").json() == \
        {"greeting": "hi there"}
    [info] = client.get(f"/api/v1/outputs/tasks/{execution_id}").json()
    hello = next(run for run in done["taskRunList"] if run["taskId"] == "hello")
    assert info == {"taskId": "hello", "taskRunId": hello["id"], "value": None,
                    "iteration": None, "inline": True}
    got = client.get(f"/api/v1/outputs/tasks/{execution_id}/{hello['id']}")
    assert got.status_code == 200 and got.json() == {"value": "hi"}
    assert client.get(f"/api/v1/outputs/tasks/{execution_id}/nope").status_code == 404
    assert client.get("/api/v1/outputs/executions/nope").status_code == 404
