"""/api/v1/executions and /api/v1/logs on an embedded runtime."""

from __future__ import annotations

import json

from tests.api.conftest import deploy
from tests.waiting import wait_for

FILE_FLOW = """\
id: files
namespace: company.team
inputs:
  - id: doc
    type: FILE
tasks:
  - id: read
    type: io.kestra.plugin.core.log.Log
    message: "{{ read(inputs.doc) }}"
"""

SLEEPY = """\
id: sleepy
namespace: company.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
"""

FAILING = """\
id: failing
namespace: company.team
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
"""


def wait_state(client, execution_id: str, *states: str, timeout: float = 20) -> dict:
    def reached() -> dict | None:
        body = client.get(f"/api/v1/executions/{execution_id}").json()
        return body if body["state"]["current"] in states else None

    return wait_for(reached, timeout, f"{execution_id} in {states}")


def wait_restarted_and_ended(client, execution_id: str, timeout: float = 20) -> dict:
    def ended_after_restart() -> dict | None:
        state = client.get(f"/api/v1/executions/{execution_id}").json()["state"]
        restarted = any(h["state"] == "RESTARTED" for h in state["histories"])
        ended = state["current"] in ("FAILED", "SUCCESS", "WARNING", "KILLED")
        return state if restarted and ended else None

    return wait_for(ended_after_restart, timeout, f"{execution_id} restarted and ended")


def test_run_with_inputs_labels_and_wait(client):
    deploy(client)
    response = client.post("/api/v1/executions/company.team/hello",
                           params={"wait": "true", "labels": ["team:data", "env:test"]},
                           files={"name": (None, "api")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"]["current"] == "SUCCESS" and body["inputs"] == {"name": "api"}
    assert {"key": "team", "value": "data"} in body["labels"]
    assert body["url"].endswith(f"/company.team/hello/{body['id']}")
    logs = client.get(f"/api/v1/logs/{body['id']}", params={"taskId": "say"}).json()
    assert [entry["message"] for entry in logs] == ["hello api"]
    assert logs[0]["executionId"] == body["id"] and logs[0]["level"] == "INFO"
    assert client.get(f"/api/v1/logs/{body['id']}", params={"minLevel": "ERROR"}).json() == []
    text = client.get(f"/api/v1/logs/{body['id']}/download")
    assert text.status_code == 200 and "hello api" in text.text
    assert client.get(f"/api/v1/logs/{body['id']}", params={"minLevel": "LOUD"}).status_code \
        == 400


def test_errors_are_json_4xx(client):
    deploy(client)
    missing_flow = client.post("/api/v1/executions/company.team/nope")
    assert missing_flow.status_code == 404 and missing_flow.json()["message"]
    assert client.get("/api/v1/executions/nope").status_code == 404
    assert client.get("/api/v1/logs/nope").status_code == 404
    bad_label = client.post("/api/v1/executions/company.team/hello",
                            params={"labels": "novalue"})
    assert bad_label.status_code == 422 and bad_label.json()["details"]
    system = client.post("/api/v1/executions/company.team/hello",
                         params={"labels": "system.x:1"})
    assert system.status_code == 400


def test_file_inputs_and_file_download(client):
    deploy(client, FILE_FLOW)
    created = client.post("/api/v1/executions/company.team/files", params={"wait": True},
                          files={"doc": ("doc.txt", b"file content")}).json()
    assert created["state"]["current"] == "SUCCESS"
    uri = created["inputs"]["doc"]
    assert uri.startswith("kestra:///company/team/files/executions/")
    got = client.get(f"/api/v1/executions/{created['id']}/file", params={"path": uri})
    assert got.status_code == 200 and got.content == b"file content"
    assert 'filename="doc.txt"' in got.headers["content-disposition"]
    other = client.get(f"/api/v1/executions/{created['id']}/file",
                       params={"path": "kestra:///company/team/other/file.txt"})
    assert other.status_code == 422
    traversal = client.get(f"/api/v1/executions/{created['id']}/file",
                           params={"path": "kestra:///company/../../etc/passwd"})
    assert traversal.status_code == 422
    gone = client.get(f"/api/v1/executions/{created['id']}/file",
                      params={"path": uri + ".missing"})
    assert gone.status_code == 404
    missing_input = client.post("/api/v1/executions/company.team/files")
    assert missing_input.status_code == 422 and missing_input.json()["details"][0]["path"] \
        == "inputs.doc"


def test_a_file_input_in_the_pre_0_24_part_named_files(client):
    # Kestra 0.24 migration guide: `-F "files=@/tmp/test.txt;filename=doc"` (the part's
    # filename names the input) is deprecated but still starts the execution.
    deploy(client, FILE_FLOW)
    created = client.post("/api/v1/executions/company.team/files", params={"wait": True},
                          files={"files": ("doc", b"legacy content")}).json()
    assert created["state"]["current"] == "SUCCESS"
    got = client.get(f"/api/v1/executions/{created['id']}/file",
                     params={"path": created["inputs"]["doc"]})
    assert got.content == b"legacy content"


def test_search_by_flow_state_and_labels(client):
    deploy(client)
    deploy(client, FAILING)
    ok = client.post("/api/v1/executions/company.team/hello", params={
        "wait": True, "labels": "kind:ok"}).json()
    client.post("/api/v1/executions/company.team/failing", params={"wait": True})
    everything = client.get("/api/v1/executions/search").json()
    assert everything["total"] == 2
    by_state = client.get("/api/v1/executions/search", params={"state": "FAILED"}).json()
    assert [e["flowId"] for e in by_state["results"]] == ["failing"]
    by_label = client.get("/api/v1/executions/search", params={"labels": "kind:ok"}).json()
    assert [e["id"] for e in by_label["results"]] == [ok["id"]] and by_label["total"] == 1
    by_flow = client.get("/api/v1/executions/search", params={
        "namespace": "company.team", "flowId": "hello", "size": 1}).json()
    assert by_flow["total"] == 1
    later = client.get("/api/v1/executions/search",
                       params={"startDate": "2999-01-01T00:00:00Z"}).json()
    assert later["total"] == 0
    assert client.get("/api/v1/executions/search", params={"state": "BOGUS"}).status_code \
        == 422


def test_kill_restart_replay_labels(client):
    deploy(client, SLEEPY)
    deploy(client, FAILING)
    running = client.post("/api/v1/executions/company.team/sleepy").json()
    wait_state(client, running["id"], "RUNNING")
    assert client.delete(f"/api/v1/executions/{running['id']}/kill").status_code == 202
    wait_state(client, running["id"], "KILLED")
    assert client.delete(f"/api/v1/executions/{running['id']}/kill").status_code == 409

    failed = client.post("/api/v1/executions/company.team/failing",
                         params={"wait": True}).json()
    assert failed["state"]["current"] == "FAILED"
    restarted = client.post(f"/api/v1/executions/{failed['id']}/restart")
    assert restarted.status_code == 200 and restarted.json()["id"] == failed["id"]
    # The restart is applied by the executor after the call returns: the execution is still
    # FAILED until then, so wait for it to have restarted and failed again.
    wait_restarted_and_ended(client, failed["id"])
    replay = client.post(f"/api/v1/executions/{failed['id']}/replay")
    assert replay.status_code == 200 and replay.json()["id"] != failed["id"]
    not_paused = client.post(f"/api/v1/executions/{failed['id']}/resume")
    assert not_paused.status_code == 400 and "not paused" in not_paused.json()["message"]

    labelled = client.post(f"/api/v1/executions/{failed['id']}/labels",
                           json=[{"key": "reviewed", "value": "yes"}])
    assert labelled.status_code == 200
    assert {"key": "reviewed", "value": "yes"} in labelled.json()["labels"]
    found = client.get("/api/v1/executions/search", params={"labels": "reviewed:yes"}).json()
    assert [e["id"] for e in found["results"]] == [failed["id"]]
    system = client.post(f"/api/v1/executions/{failed['id']}/labels",
                         json=[{"key": "system.readOnly", "value": "true"}])
    assert system.status_code == 400
    assert client.post("/api/v1/executions/nope/labels", json=[]).status_code == 404


def test_follow_streams_until_the_end(client):
    deploy(client)
    created = client.post("/api/v1/executions/company.team/hello").json()
    events = []
    with client.stream("GET", f"/api/v1/executions/{created['id']}/follow") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[len("data: "):]))
    assert events[0] == {"id": created["id"]}
    assert events[-1]["state"]["current"] == "SUCCESS"
    assert client.get("/api/v1/executions/nope/follow").status_code == 404
