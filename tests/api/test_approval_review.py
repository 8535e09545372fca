"""POST /api/v1/executions/{id}/actions/review: deciding an Approval task over the API,
on an embedded runtime (Kestra's review action)."""

from __future__ import annotations

from tests.api.conftest import deploy
from tests.api.test_executions import wait_state

APPROVAL = """\
id: approval
namespace: company.team
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    commentRequired: ON_DENY
    inputs:
      - id: reason
        type: STRING
        required: false
    onWait:
      - id: notify
        type: io.kestra.plugin.core.log.Log
        message: Approval requested
    onApprove:
      - id: approved
        type: io.kestra.plugin.core.log.Log
        message: "Approved: {{ outputs.approval.inputs.reason }} by {{ outputs.approval.by }}"
    onDeny:
      - id: denied
        type: io.kestra.plugin.core.log.Log
        message: Denied
  - id: last
    type: io.kestra.plugin.core.log.Log
    message: done
"""


def paused(client) -> str:
    deploy(client, APPROVAL)
    started = client.post("/api/v1/executions/company.team/approval").json()
    wait_state(client, started["id"], "PAUSED")
    return started["id"]


def review(client, execution_id: str, **body):
    return client.post(f"/api/v1/executions/{execution_id}/actions/review", json=body)


def test_approve_with_inputs_runs_on_approve(client, runtime):
    execution_id = paused(client)
    answer = review(client, execution_id, decision="APPROVE", inputs={"reason": "urgent fix"})
    assert answer.status_code == 202, answer.text
    done = wait_state(client, execution_id, "SUCCESS", "FAILED", "CANCELLED")
    assert done["state"]["current"] == "SUCCESS"
    runs = {run.task_id: run for run in runtime.task_runs(execution_id)}
    assert runs["approval"].outputs["decision"] == "APPROVED"
    assert runs["approval"].outputs["inputs"] == {"reason": "urgent fix"}
    assert answer.json()["taskRunId"] == runs["approval"].id
    assert set(runs) == {"approval", "notify", "approved", "last"}


def test_a_denial_without_the_required_comment_is_refused(client):
    execution_id = paused(client)
    refused = review(client, execution_id, decision="DENIED")
    assert refused.status_code == 400
    assert "requires a comment (commentRequired: ON_DENY)" in refused.json()["message"]
    assert review(client, execution_id, decision="DENIED", comment="no").status_code == 202
    done = wait_state(client, execution_id, "CANCELLED", "SUCCESS", "FAILED")
    assert done["state"]["current"] == "CANCELLED"


def test_bad_decisions_and_a_second_decision_are_refused(client):
    execution_id = paused(client)
    bad = review(client, execution_id, decision="MAYBE")
    assert bad.status_code == 400 and "APPROVED or DENIED" in bad.json()["message"]
    assert review(client, execution_id, decision="APPROVED").status_code == 202
    wait_state(client, execution_id, "SUCCESS")
    again = review(client, execution_id, decision="DENIED", comment="changed my mind")
    assert again.status_code == 400 and "no Approval" in again.json()["message"]
    assert review(client, "nope", decision="APPROVED").status_code == 404


def test_podium_execution_review_against_the_server(cli, client, runtime):
    execution_id = paused(client)
    missing = cli("execution", "review", execution_id)
    assert missing.exit_code == 2 and "--approve or --deny" in missing.output
    denied = cli("execution", "review", execution_id, "--deny")
    assert denied.exit_code == 1 and "requires a comment" in denied.output
    approved = cli("execution", "review", execution_id, "--approve", "-i", "reason=ship it")
    assert approved.exit_code == 0 and approved.output.startswith("approved: task run ")
    wait_state(client, execution_id, "SUCCESS")
    run = next(r for r in runtime.task_runs(execution_id) if r.task_id == "approval")
    assert run.outputs["inputs"] == {"reason": "ship it"}
