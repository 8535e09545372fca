"""http.Trigger and debounce end to end: a local HTTP server polled by two in-process
scheduler replicas (given `http` settings that allow 127.0.0.1) on the session's PostgreSQL,
the executions run by real `podium executor` / `podium worker` processes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from podium.common.settings import HttpSettings, SchedulerSettings
from podium.common.store import delete_flow
from podium.common.store.schema import executions
from podium.scheduler.service import SchedulerService
from tests.contract.test_scheduler_polling import Server
from tests.integration.conftest import deploy, start_runtime, stop_runtime, wait_for
from tests.waiting import wait_rounds

pytestmark = pytest.mark.service

FLOW = """
id: {id}
namespace: it.http
tasks:
  - id: show
    type: io.kestra.plugin.core.log.Log
    message: "{message}"
triggers:
  - id: poll
    type: io.kestra.plugin.core.http.Trigger
    uri: {url}/price
    method: POST
    interval: PT1S
    responseCondition: "{{{{ fromJson(response.body).price < 100 }}}}"
{extra}"""


@pytest.fixture(scope="module")
def runtime(deployment):
    runtime, _env = start_runtime(deployment, "httptrig", executors=1, workers=1,
                                  worker_concurrency=4)
    yield runtime
    stop_runtime(deployment, runtime)


@pytest.fixture
def server():
    server = Server()
    yield server
    server.close()


@pytest.fixture
def schedulers(runtime):
    stop = threading.Event()
    settings = SchedulerSettings(timezone="UTC", recover_missed_schedules="NONE")
    services = [SchedulerService(runtime.db, runtime.transport, settings,
                                 http=HttpSettings(allow_hosts=["127.0.0.1"]))
                for _ in range(2)]
    threads = [service.run_background(stop) for service in services]
    yield services
    stop.set()
    for thread in threads:
        thread.join(10)


def found(runtime, flow_id: str) -> list:
    with runtime.db.read() as conn:
        return conn.execute(select(executions.c.id, executions.c.state, executions.c.trigger)
                            .where(executions.c.namespace == "it.http",
                                   executions.c.flow_id == flow_id)
                            .order_by(executions.c.created)).all()


def undeploy(runtime, flow_id: str) -> None:
    with runtime.db.begin() as conn:
        delete_flow(conn, "it.http", flow_id)


def test_two_replicas_poll_once_per_interval_and_the_executions_run(runtime, server,
                                                                    schedulers):
    deploy(runtime, FLOW.format(id="price", url=server.url, extra="",
                                message="{{ fromJson(trigger.body).price }}"))
    wait_for(lambda: sum(row.state == "SUCCESS" for row in found(runtime, "price")) >= 3,
             timeout=60, what="three polls to start executions that succeed")
    undeploy(runtime, "price")
    for scheduler in schedulers:  # a poll in flight when the flow was deleted has landed
        wait_rounds(scheduler)
    rows = found(runtime, "price")
    assert len(rows) == len(server.requests)  # every poll held; one execution per poll
    assert len({row.id for row in rows}) == len(rows)
    assert all(row.trigger["variables"]["code"] == 200 for row in rows)
    assert sum(s.counters["polled"] for s in schedulers) == len(server.requests)


def test_a_burst_of_polls_becomes_one_execution_with_the_events(runtime, server, schedulers):
    deploy(runtime, FLOW.format(
        id="burst", url=server.url, message="{{ trigger.size }} {{ trigger.events | length }}",
        extra="    debounce:\n      quiet: PT1M\n      maxBatch: 3\n"))
    rows = wait_for(lambda: [r for r in found(runtime, "burst") if r.state == "SUCCESS"],
                    timeout=60, what="the burst's execution to succeed")
    undeploy(runtime, "burst")
    variables = rows[0].trigger["variables"]
    assert variables["size"] == 3 and len(variables["events"]) == 3
    assert all(event["code"] == 200 for event in variables["events"])
    assert len(server.requests) >= 3
