"""The fleet test of issue 7: one API, two executors, one scheduler and three workers, as
separate processes on loopback, on PostgreSQL, Redis and S3 (moto's server). 500
executions are submitted through the API (each with a FILE input stored in S3) while
workers are added, drained with SIGTERM and killed with SIGKILL; a per-second schedule
runs beside them. Every execution must end in its expected state with exactly one run of
each task, and the metrics endpoints must report the same totals as the store.
"""

from __future__ import annotations

import secrets
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from common.store import upgrade
from common.store.schema import executions
from podium.fleet import Fleet
from podium.runtime import Runtime
from tests.integration.conftest import free_port, settings_from, wait_for

pytestmark = pytest.mark.service

TOTAL = 500
FAILING = {n for n in range(TOTAL) if n % 25 == 7}  # 20 executions fail on purpose

FLOW = """
id: fleet
namespace: it.fleet
inputs:
  - id: n
    type: INT
  - id: data
    type: FILE
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.n }}: {{ read(inputs.data) }}"
  - id: size
    type: io.kestra.plugin.core.storage.Size
    uri: "{{ inputs.data }}"
  - id: value
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.size.size }}"
  - id: check
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.n % 25 == 7 }}"
  - id: bye
    type: io.kestra.plugin.core.output.OutputValues
    values:
      n: "{{ inputs.n }}"
"""

TICKS = """
id: ticks
namespace: it.fleet.schedule
tasks:
  - id: tick
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: every_second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
"""

TYPES = {"hello": "io.kestra.plugin.core.log.Log", "size": "io.kestra.plugin.core.storage.Size",
         "value": "io.kestra.plugin.core.debug.Return",
         "check": "io.kestra.plugin.core.execution.Fail",
         "bye": "io.kestra.plugin.core.output.OutputValues",
         "tick": "io.kestra.plugin.core.log.Log"}


class Cluster:
    """The fleet, each process with its own management port, and the API's address."""

    def __init__(self, env: dict[str, str]) -> None:
        self.fleet = Fleet(env)
        self.ports: dict[int, tuple[str, int]] = {}  # pid -> (role, management port)
        self.api_port = free_port()

    def add(self, role: str, concurrency: int = 0) -> object:
        port = free_port()
        options = ["--host", "127.0.0.1", "--port", str(self.api_port)] \
            if role == "webserver" else None
        process = self.fleet.add(role, concurrency, env={"PODIUM_MANAGEMENT__PORT": str(port)},
                                 options=options)
        self.ports[process.pid] = (role, port)
        return process

    def metrics_urls(self, role: str) -> list[str]:
        live = {p.pid for p in self.fleet.running(role)}
        return [f"http://127.0.0.1:{port}/metrics" for pid, (kind, port) in self.ports.items()
                if kind == role and pid in live]


@pytest.fixture(scope="module")
def cluster(deployment, s3_endpoint):
    env = deployment.env(
        "fleet:", PODIUM_API__AUTH="false", PODIUM_STORAGE__KIND="s3",
        PODIUM_STORAGE__S3__BUCKET=s3_endpoint.bucket,
        PODIUM_STORAGE__S3__ENDPOINT_URL=s3_endpoint.url, PODIUM_STORAGE__S3__REGION="us-east-1",
        PODIUM_STORAGE__S3__PATH_STYLE="true",
        PODIUM_STORAGE__S3__PREFIX=f"fleet-{secrets.token_hex(4)}",
        PODIUM_STORAGE__S3__ACCESS_KEY_ID=s3_endpoint.access_key_id or "",
        PODIUM_STORAGE__S3__SECRET_ACCESS_KEY=s3_endpoint.secret_access_key or "",
        PODIUM_WORKER__HEARTBEAT_SECONDS="1", PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS="5",
        PODIUM_WORKER__SHUTDOWN_GRACE_SECONDS="10",
        # A message a SIGKILLed worker had received but not started is not in its heartbeat:
        # the broker gives it back after this (the tasks here take milliseconds).
        PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS="20",
        PODIUM_BROKER__RESTORE_INTERVAL_SECONDS="2")
    upgrade(env["PODIUM_DATABASE__URL"])  # what `podium db upgrade` does in a deployment
    cluster = Cluster(env)
    for role, concurrency in [("executor", 2), ("executor", 2), ("scheduler", 0),
                              ("worker", 4), ("worker", 4), ("worker", 4), ("webserver", 0)]:
        cluster.add(role, concurrency)
    runtime = Runtime.connect(settings_from(env))
    try:
        cluster.fleet.wait_ready(90)
        yield cluster, runtime
    finally:
        cluster.fleet.stop(30)
        runtime.close()
        runtime.transport.close()


def submit(api: httpx.Client, n: int) -> str:
    response = api.post("/api/v1/executions/it.fleet/fleet", data={"n": str(n)},
                        files={"data": (f"item-{n}.txt", f"payload {n}\n".encode())})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def churn(cluster: Cluster, submitted: Counter, done: threading.Event) -> list[str]:
    """Add, drain and kill workers as the submissions progress."""
    steps = [(100, "add"), (200, "drain"), (300, "kill"), (400, "add")]
    happened = []
    for threshold, action in steps:
        while submitted["n"] < threshold and not done.is_set():
            time.sleep(0.05)
        workers = cluster.fleet.running("worker")
        if action == "add":
            cluster.add("worker", 4)
        elif action == "drain":
            workers[0].send_signal(signal.SIGTERM)
        else:
            workers[0].send_signal(signal.SIGKILL)
        happened.append(action)
    return happened


def test_fleet_runs_500_executions_while_workers_come_and_go(cluster):
    cluster, runtime = cluster
    api = httpx.Client(base_url=f"http://127.0.0.1:{cluster.api_port}", timeout=60)
    for source in (FLOW, TICKS):
        response = api.post("/api/v1/flows", content=source,
                            headers={"Content-Type": "application/x-yaml"})
        assert response.status_code == 200, response.text
    submitted, done = Counter(), threading.Event()
    with ThreadPoolExecutor(8) as pool:
        churning = pool.submit(churn, cluster, submitted, done)

        def one(n: int) -> tuple[int, str]:
            execution_id = submit(api, n)
            submitted["n"] += 1
            return n, execution_id

        ids = dict(pool.map(one, range(TOTAL)))
        done.set()
        assert churning.result() == ["add", "drain", "kill", "add"]
    assert api.delete("/api/v1/flows/it.fleet.schedule/ticks").status_code == 204

    def all_ended() -> bool:
        with runtime.db.read() as conn:
            return conn.execute(select(func.count()).select_from(executions).where(
                executions.c.state.not_in(["SUCCESS", "FAILED", "WARNING", "KILLED"]))
            ).scalar() == 0
    try:
        wait_for(all_ended, 300, "every execution to end", poll=0.5)
    except BaseException:
        print(cluster.fleet.log_tail(60))
        raise
    check_executions(runtime, ids)


def check_executions(runtime: Runtime, ids: dict[int, str]) -> None:
    for n, execution_id in ids.items():
        execution = runtime.get(execution_id)
        expected = "FAILED" if n in FAILING else "SUCCESS"
        assert execution.state.value == expected, (n, execution_id, execution.state)
        runs = Counter(run.task_id for run in runtime.task_runs(execution_id))
        wanted = {"hello", "size", "value", "check"} | ({"bye"} if n not in FAILING else set())
        assert runs == Counter(wanted), (n, execution_id, runs)
        if n not in FAILING:
            bye = next(r for r in runtime.task_runs(execution_id) if r.task_id == "bye")
            assert bye.outputs == {"values": {"n": n}} or bye.outputs == {"values": {"n": str(n)}}
