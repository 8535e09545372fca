"""/api/v1/triggers over the scheduler's rows, and the embedded scheduler firing a
per-second schedule."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from podium.common.flow.loader import parse_flow
from podium.common.store import (
    TriggerState,
    ensure_trigger,
    get_trigger,
    list_executions,
    save_trigger,
)
from podium.runtime import Runtime
from tests.api.conftest import deploy
from tests.waiting import wait_for

SCHEDULED = """\
id: ticking
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.log.Log
    message: tick
triggers:
  - id: every-second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
"""
KEY = ("company.team", "ticking", "every-second")
BODY = {"namespace": KEY[0], "flowId": KEY[1], "triggerId": KEY[2]}
NEXT = datetime(2030, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def row(client, runtime):
    """The flow deployed and its trigger row as a scheduler would create it (no scheduler
    runs here, so nothing fires)."""
    deploy(client, SCHEDULED)
    with runtime.db.begin() as conn:
        ensure_trigger(conn, TriggerState(*KEY, fingerprint="f", next_date=NEXT))
    return KEY


def test_search_and_flow_triggers(client, row):
    found = client.get("/api/v1/triggers/search", params={"namespace": "company"}).json()
    assert found["total"] == 1
    result = found["results"][0]
    assert result["abstractTrigger"]["id"] == "every-second"
    context = result["triggerContext"]
    assert {k: context[k] for k in ("namespace", "flowId", "triggerId", "disabled",
                                    "backfill", "nextExecutionDate")} == {
        **BODY, "disabled": False, "backfill": None, "nextExecutionDate": "2030-01-01T00:00:00Z"}
    assert client.get("/api/v1/triggers/search", params={"namespace": "other"}
                      ).json() == {"results": [], "total": 0}
    assert client.get("/api/v1/triggers/search", params={"q": "second"}).json()["total"] == 1
    assert client.get("/api/v1/triggers/search", params={"page": 2}).json()["results"] == []
    per_flow = client.get("/api/v1/triggers/company.team/ticking").json()
    assert per_flow["total"] == 1 and per_flow["results"][0]["triggerId"] == "every-second"


def test_disable_enable_and_bulk(client, runtime, row):
    disabled = client.put("/api/v1/triggers", json={**BODY, "disabled": True})
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    with runtime.db.read() as conn:
        assert get_trigger(conn, KEY).disabled
    enabled = client.post("/api/v1/triggers/set-disabled/by-triggers", json={
        "triggers": [BODY, {**BODY, "triggerId": "nope"}], "disabled": False})
    assert enabled.json() == {"count": 1}
    with runtime.db.read() as conn:
        assert not get_trigger(conn, KEY).disabled
    missing = client.put("/api/v1/triggers", json={**BODY, "triggerId": "nope",
                                                   "disabled": True})
    assert missing.status_code == 404


def test_backfill_start_pause_unpause_delete(client, runtime, row):
    assert client.put("/api/v1/triggers/backfill/pause", json=BODY).status_code == 400
    started = client.put("/api/v1/triggers", json={**BODY, "backfill": {
        "start": "2025-01-01T00:00:00Z", "end": "2025-01-01T00:00:05Z",
        "labels": [{"key": "why", "value": "rerun"}]}}).json()
    assert started["backfill"]["start"] == "2025-01-01T00:00:00Z"
    assert started["backfill"]["labels"] == [{"key": "why", "value": "rerun"}]
    with runtime.db.read() as conn:
        assert get_trigger(conn, KEY).backfill["labels"] == {"why": "rerun"}
    paused = client.put("/api/v1/triggers/backfill/pause", json=BODY).json()
    assert paused["backfill"]["paused"] is True
    assert client.put("/api/v1/triggers/backfill/unpause", json=BODY
                      ).json()["backfill"]["paused"] is False
    assert client.post("/api/v1/triggers/backfill/delete", json=BODY).json()["backfill"] is None
    assert client.post("/api/v1/triggers/backfill/delete", json=BODY).status_code == 400
    backwards = client.put("/api/v1/triggers", json={**BODY, "backfill": {
        "start": "2025-01-02T00:00:00Z", "end": "2025-01-01T00:00:00Z"}})
    assert backwards.status_code == 400


def test_unlock(client, runtime, row):
    url = "/api/v1/triggers/company.team/ticking/every-second/unlock"
    assert client.post(url).status_code == 400  # not locked
    with runtime.db.begin() as conn:
        save_trigger(conn, get_trigger(conn, KEY).but(execution_id="stuck"))
    unlocked = client.post(url)
    assert unlocked.status_code == 200 and unlocked.json()["executionId"] is None
    assert client.post("/api/v1/triggers/company.team/ticking/nope/unlock").status_code == 404


def test_embedded_scheduler_fires_a_per_second_schedule(tmp_path):
    with Runtime.embedded(tmp_path, workers=2, environ={}, scheduler=True) as runtime:
        runtime.deploy(parse_flow(SCHEDULED))
        def succeeded() -> list:
            with runtime.db.read() as conn:
                return [e for e in list_executions(conn, flow_id="ticking")
                        if e.state.value == "SUCCESS"]

        done = wait_for(lambda: len(succeeded()) >= 2 and succeeded(), 10,
                        "two scheduled executions to succeed")
        assert len(done) >= 2
        assert all(e.trigger and e.trigger["id"] == "every-second" for e in done)
