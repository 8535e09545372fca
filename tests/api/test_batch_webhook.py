"""BatchWebhook (Kestra's core trigger) through the webhook URL and the scheduler: calls are
buffered and one execution starts per batch, with `trigger.uri` (ION rows) and
`trigger.count`."""

from __future__ import annotations

import httpx

from tests.api.conftest import BEARER, deploy
from tests.waiting import wait_for, wait_rounds

BATCH = """\
id: batch
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.count }}: {{ fromIon(read(trigger.uri), allRows=true) | jq('.[].body.n') | join(',') }}"
triggers:
  - id: webhook
    type: io.kestra.plugin.core.trigger.BatchWebhook
    key: batchKey
    eventsCount: 2
    eventFilter: "{{ trigger.body.n != 0 }}"
"""


def executions(live: str) -> list[dict]:
    found = httpx.get(f"{live}/api/v1/executions/search", headers=BEARER,
                      params={"flowId": "batch"}).json()
    return found["results"]


def test_one_execution_per_full_batch_and_filtered_calls_dropped(client, live, runtime):
    runtime.start_scheduler()
    deploy(client, BATCH)
    url = f"{live}/api/v1/executions/webhook/company.team/batch/batchKey"
    first = httpx.post(url, json={"n": 1})
    assert first.status_code == 202
    assert first.json() == {"status": "buffered", "eventsBuffered": 1}
    assert httpx.post(url, json={"n": 0}).status_code == 204  # eventFilter drops it
    assert httpx.post(url, json={"n": 2}).json()["eventsBuffered"] == 2  # the batch is full
    assert httpx.post(url, json={"n": 3}).json()["eventsBuffered"] == 1  # the next one opens
    done = wait_for(lambda: [e for e in executions(live)
                             if e["state"]["current"] in ("SUCCESS", "FAILED")],
                    what="the full batch to be released")
    assert len(done) == 1 and done[0]["state"]["current"] == "SUCCESS"
    logs = httpx.get(f"{live}/api/v1/logs/{done[0]['id']}", headers=BEARER).json()
    assert [line["message"] for line in logs if line["taskId"] == "log"] == ["2: 1,2"]
    trigger = done[0]["trigger"]
    assert trigger["type"] == "io.kestra.plugin.core.trigger.BatchWebhook"
    assert trigger["variables"]["uri"].endswith("/trigger/webhook/events.ion")
    # the third call waits for a second one (no count, no interval): rounds of the
    # scheduler after the first batch, and all they started handled, release nothing more
    wait_rounds(runtime.scheduler)
    runtime.wait_idle()
    assert len(executions(live)) == 1


def test_a_wrong_key_is_404_and_a_polling_interval_releases_a_partial_batch(
        client, live, runtime):
    runtime.start_scheduler()
    deploy(client, BATCH.replace("eventsCount: 2", "pollingInterval: PT1S"))
    url = f"{live}/api/v1/executions/webhook/company.team/batch/"
    assert httpx.post(url + "nope", json={"n": 1}).status_code == 404
    assert httpx.post(url + "batchKey", json={"n": 7}).status_code == 202
    done = wait_for(lambda: [e for e in executions(live)
                             if e["state"]["current"] == "SUCCESS"],
                    what="the interval to release the batch")
    logs = httpx.get(f"{live}/api/v1/logs/{done[0]['id']}", headers=BEARER).json()
    assert [line["message"] for line in logs if line["taskId"] == "log"] == ["1: 7"]
