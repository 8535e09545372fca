"""Webhook triggers over real HTTP: no credentials, the key selects the trigger, conditions
filter, and the request becomes `trigger.body|headers|parameters`."""

from __future__ import annotations

import json

import httpx

from tests.api.conftest import BEARER, deploy
from tests.waiting import wait_for

HOOKED = """\
id: hooked
namespace: company.team
labels:
  origin: flow
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.body.name ?? trigger.body }} {{ trigger.parameters.p[0] ?? '-' }} {{ trigger.headers['x-extra'][0] ?? '-' }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: s3cretKey
  - id: picky
    type: io.kestra.plugin.core.trigger.Webhook
    key: pickyKey
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{ trigger.body.go == true }}"
  - id: odd
    type: io.kestra.plugin.core.trigger.Webhook
    key: oddKey
    conditions:
      - type: io.kestra.plugin.core.condition.Weekend
"""


def _finished(live: str, execution_id: str) -> dict:
    def ended() -> dict | None:
        body = httpx.get(f"{live}/api/v1/executions/{execution_id}", headers=BEARER).json()
        return body if body["state"]["current"] in ("SUCCESS", "FAILED") else None

    return wait_for(ended, 20, f"{execution_id} to end")


def _messages(live: str, execution_id: str) -> list[str]:
    logs = httpx.get(f"{live}/api/v1/logs/{execution_id}", params={"taskId": "show"},
                     headers=BEARER).json()
    return [entry["message"] for entry in logs]


def test_valid_key_starts_an_execution_with_the_body(client, live):
    deploy(client, HOOKED)
    url = f"{live}/api/v1/executions/webhook/company.team/hooked/s3cretKey"
    response = httpx.post(url, json={"name": "ada"}, params={"p": "1"},
                          headers={"X-Extra": "yes"})
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["trigger"]["id"] == "hook"
    assert created["trigger"]["variables"]["body"] == {"name": "ada"}
    assert created["trigger"]["variables"]["parameters"] == {"p": ["1"]}
    assert {"key": "origin", "value": "flow"} in created["labels"]
    assert _finished(live, created["id"])["state"]["current"] == "SUCCESS"
    assert _messages(live, created["id"]) == ["ada 1 yes"]

    text = httpx.put(url, content=b"plain words", headers={"Content-Type": "text/plain"})
    assert text.status_code == 200
    assert text.json()["trigger"]["variables"]["body"] == "plain words"
    assert httpx.get(url).status_code == 200


def test_wrong_key_or_flow_is_404(client, live):
    deploy(client, HOOKED)
    base = f"{live}/api/v1/executions/webhook/company.team"
    for path in ("hooked/wrongKey", "nosuchflow/s3cretKey", "hooked/S3CRETKEY"):
        response = httpx.post(f"{base}/{path}", json={})
        assert response.status_code == 404, path
        assert response.json()["message"] in ("Webhook not found", "Flow not found")
    listing = httpx.get(f"{live}/api/v1/executions/search", headers=BEARER).json()
    assert listing["total"] == 0


def test_conditions_filter(client, live):
    deploy(client, HOOKED)
    url = f"{live}/api/v1/executions/webhook/company.team/hooked/pickyKey"
    assert httpx.post(url, json={"go": False}).status_code == 204
    assert httpx.post(url, json={"other": 1}).status_code == 204
    started = httpx.post(url, json={"go": True})
    assert started.status_code == 200 and started.json()["trigger"]["id"] == "picky"
    unsupported = httpx.post(f"{live}/api/v1/executions/webhook/company.team/hooked/oddKey")
    assert unsupported.status_code == 422
    assert "Weekend" in unsupported.json()["message"]
    listing = httpx.get(f"{live}/api/v1/executions/search", headers=BEARER).json()
    assert listing["total"] == 1


DEBOUNCED = """\
id: burst
namespace: company.team
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.size }}: {{ trigger.events | jq('.[].body.n') | join(',') }}"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: burstKey
    debounce:
      quiet: PT2S
      maxBatch: 10
"""


def test_a_debounced_webhook_folds_a_burst_into_one_execution(client, live, runtime):
    runtime.start_scheduler()
    deploy(client, DEBOUNCED)
    url = f"{live}/api/v1/executions/webhook/company.team/burst/burstKey"
    ids = {httpx.post(url, json={"n": n}).json()["id"] for n in (1, 2, 3)}
    assert len(ids) == 1  # the three calls joined one burst
    [execution_id] = ids
    # the burst's execution exists once it is flushed
    wait_for(lambda: httpx.get(f"{live}/api/v1/executions/{execution_id}",
                               headers=BEARER).status_code != 404, 20, "the burst's flush")
    body = _finished(live, execution_id)
    assert body["state"]["current"] == "SUCCESS"
    logs = httpx.get(f"{live}/api/v1/logs/{execution_id}", headers=BEARER).json()
    assert any(line["message"] == "3: 1,2,3" for line in logs)


WHEN = """\
id: filtered
namespace: company.team
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.body.environment }}"
triggers:
  - id: webhook
    type: io.kestra.plugin.core.trigger.Webhook
    key: myKey
    when: "{{ trigger.headers['x-event-type'][0] == 'deploy' and trigger.body.environment == 'production' }}"
"""


def test_when_filters_calls_as_kestra_2_writes_conditions(client, live):
    # Kestra 2.0 migration guide: `conditions` on a Webhook become one `when` expression.
    deploy(client, WHEN)
    url = f"{live}/api/v1/executions/webhook/company.team/filtered/myKey"
    deploy_header = {"X-Event-Type": "deploy"}
    assert httpx.post(url, json={"environment": "staging"},
                      headers=deploy_header).status_code == 204
    assert httpx.post(url, json={"environment": "production"}).status_code == 204
    started = httpx.post(url, json={"environment": "production"}, headers=deploy_header)
    assert started.status_code == 200
    assert _finished(live, started.json()["id"])["state"]["current"] == "SUCCESS"
    assert _messages(live, started.json()["id"]) == ["production"]


WAITING = """\
id: waiting
namespace: company.team
tasks:
  - id: make
    type: io.kestra.plugin.core.debug.Return
    format: "Hello {{ trigger.parameters.name[0] ?? 'world' }}!"
  - id: maybe_fail
    type: io.kestra.plugin.core.execution.Fail
    runIf: "{{ trigger.parameters.fail is defined }}"
outputs:
  - id: greeting
    type: STRING
    value: "{{ outputs.make.value }}"
triggers:
  - id: outputs
    type: io.kestra.plugin.core.trigger.Webhook
    key: outputsKey
    wait: true
    returnOutputs: true
  - id: text
    type: io.kestra.plugin.core.trigger.Webhook
    key: textKey
    wait: true
    returnOutputs: true
    responseContentType: text/plain
  - id: whole
    type: io.kestra.plugin.core.trigger.Webhook
    key: wholeKey
    wait: true
  - id: coded
    type: io.kestra.plugin.core.trigger.Webhook
    key: codedKey
    wait: true
    returnOutputs: true
    responseCode: 202
  - id: rendered
    type: io.kestra.plugin.core.trigger.Webhook
    key: renderedKey
    wait: true
    responseCode: "{{ outputs.make.value == 'Hello teapot!' ? 418 : 201 }}"
  - id: accepted
    type: io.kestra.plugin.core.trigger.Webhook
    key: acceptedKey
    responseCode: 202
    responseContentType: text/plain
  - id: too_early
    type: io.kestra.plugin.core.trigger.Webhook
    key: earlyKey
    responseCode: "{{ outputs.make.value == 'x' ? 400 : 201 }}"
"""


def test_wait_return_outputs_answers_the_flow_outputs_once_the_execution_ends(client, live):
    deploy(client, WAITING)
    base = f"{live}/api/v1/executions/webhook/company.team/waiting"
    response = httpx.post(f"{base}/outputsKey", params={"name": "ada"}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"greeting": "Hello ada!"}

    text = httpx.get(f"{base}/textKey", timeout=30)
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == '{"greeting":"Hello world!"}'  # Kestra: a map is sent as JSON text

    coded = httpx.get(f"{base}/codedKey", timeout=30)
    assert coded.status_code == 202 and coded.json() == {"greeting": "Hello world!"}


def test_wait_answers_the_ended_execution_and_500_when_it_failed(client, live):
    deploy(client, WAITING)
    base = f"{live}/api/v1/executions/webhook/company.team/waiting"
    whole = httpx.get(f"{base}/wholeKey", timeout=30)
    assert whole.status_code == 200
    assert whole.json()["state"]["current"] == "SUCCESS"
    assert whole.json()["outputs"] == {"greeting": "Hello world!"}

    failed = httpx.get(f"{base}/wholeKey", params={"fail": "1"}, timeout=30)
    assert failed.status_code == 500
    assert failed.json()["state"]["current"] == "FAILED"
    outputs = httpx.get(f"{base}/outputsKey", params={"fail": "1"}, timeout=30)
    assert outputs.status_code == 500


def test_response_code_renders_against_the_ended_execution_and_shapes_the_immediate_answer(
        client, live):
    deploy(client, WAITING)
    base = f"{live}/api/v1/executions/webhook/company.team/waiting"
    teapot = httpx.get(f"{base}/renderedKey", params={"name": "teapot"}, timeout=30)
    assert teapot.status_code == 418 and teapot.json()["state"]["current"] == "SUCCESS"
    assert httpx.get(f"{base}/renderedKey", timeout=30).status_code == 201

    # without wait (Kestra 2.1): the code and content type apply to the immediate answer
    accepted = httpx.get(f"{base}/acceptedKey", timeout=30)
    assert accepted.status_code == 202
    assert accepted.headers["content-type"].startswith("text/plain")
    assert _finished(live, json.loads(accepted.text)["id"])["state"]["current"] == "SUCCESS"
    # a code reading outputs cannot render before any task ran: 500, the execution runs
    early = httpx.get(f"{base}/earlyKey", timeout=30)
    assert early.status_code == 500 and "responseCode" in early.json()["message"]
    assert _finished(live, early.json()["id"])["state"]["current"] == "SUCCESS"


SLOW_HOOK = """\
id: slow_hook
namespace: company.team
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT30S
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: slowKey
    wait: true
"""


def test_wait_is_bounded_by_the_server_setting_504_naming_the_execution(runtime):
    from fastapi.testclient import TestClient

    from podium.api import create_app
    from podium.api.server import ServerThread
    from tests.api.conftest import api_settings

    app = create_app(runtime, api_settings(webhook_wait_seconds=0.5))
    with TestClient(app, headers=BEARER) as client, ServerThread(app) as server:
        deploy(client, SLOW_HOOK)
        response = httpx.post(
            f"{server.url}/api/v1/executions/webhook/company.team/slow_hook/slowKey",
            timeout=30)
        assert response.status_code == 504
        execution_id = response.json()["id"]
        assert execution_id in response.json()["message"]
        assert runtime.get(execution_id).state.value == "RUNNING"
        assert client.delete(f"/api/v1/executions/{execution_id}/kill").status_code == 202
