"""Flow `checks` through the create-execution route: a blocked execution is a 422 naming
the failed checks (nothing created), a failed one is created FAILED, a warning one runs."""

from __future__ import annotations

from tests.api.conftest import deploy

GUARDED = """\
id: guarded
namespace: company.team
inputs:
  - id: env
    type: STRING
checks:
  - message: "Only dev runs here"
    condition: "{{ inputs.env == 'dev' or inputs.env == 'broken' or inputs.env == 'warn' }}"
    style: ERROR
    behavior: BLOCK_EXECUTION
  - message: "Broken is broken"
    condition: "{{ inputs.env != 'broken' }}"
    behavior: FAIL_EXECUTION
  - message: "A warning"
    condition: "{{ inputs.env != 'warn' }}"
    style: WARNING
    behavior: CREATE_EXECUTION
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.env }}"
"""


def _run(client, env: str):
    return client.post("/api/v1/executions/company.team/guarded", params={"wait": "true"},
                       files={"env": (None, env)})


def test_a_blocking_check_refuses_with_its_message(client):
    deploy(client, GUARDED)
    response = _run(client, "prod")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message"].startswith("Flow execution blocked: one or more condition checks")
    assert "Only dev runs here" in body["message"]
    assert body["details"] == [{"message": "Only dev runs here", "path": "checks",
                                "style": "ERROR"}]
    listed = client.get("/api/v1/executions/search", params={"flowId": "guarded"}).json()
    assert listed["total"] == 0


def test_fail_and_create_behaviors(client):
    deploy(client, GUARDED)
    failed = _run(client, "broken")
    assert failed.status_code == 200, failed.text
    assert failed.json()["state"]["current"] == "FAILED"
    assert failed.json()["taskRunList"] in (None, [])
    logs = client.get(f"/api/v1/logs/{failed.json()['id']}").json()
    assert [(e["level"], e["message"]) for e in logs] == [
        ("ERROR", "Flow execution failed because one or more condition checks evaluated to "
                 "false: Broken is broken")]
    warned = _run(client, "warn")
    assert warned.json()["state"]["current"] == "SUCCESS"
    assert _run(client, "dev").json()["state"]["current"] == "SUCCESS"
