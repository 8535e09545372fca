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
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select, text

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.store import upgrade
from podium.common.store.schema import executions
from podium.runtime import Runtime
from podium.testing.fleet import Fleet
from tests.integration.conftest import explain_stuck, own_database, settings_from, wait_for
from tests.integration.scrape import by, get, scrape, series_names
from tests.support.servers import free_port
from tests.waiting import poll_until

pytestmark = pytest.mark.service

TOTAL = 500
FAILING = {n for n in range(TOTAL) if n % 25 == 7}  # 20 executions fail on purpose
CHURN_PATIENCE = 600.0  # seconds a churn step waits for its share of the submissions

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

# task id -> Kestra type, from the flows themselves (task ids are unique across both)
TYPES = {task_id: type(task).TYPE for source in (FLOW, TICKS)
         for task_id, task in parse_flow(source).flow.task_index().items()}
ENDED = [state.value for state in State if state.is_terminated]


class Cluster:
    """The fleet (each process on its own management port) and the API's address."""

    def __init__(self, env: dict[str, str]) -> None:
        self.fleet = Fleet(env)  # PODIUM_MANAGEMENT__PORT=0: each process picks a free one
        self.api_port = free_port()

    def add(self, role: str, concurrency: int = 0) -> object:
        options = ["--host", "127.0.0.1", "--port", str(self.api_port)] \
            if role == "webserver" else None
        return self.fleet.add(role, concurrency, options=options)

    def management(self, role: str) -> list[str]:
        """The management URLs of the running processes of `role` (once each is ready)."""
        self.fleet.wait_ready(60)
        live = {process.pid for process in self.fleet.running(role)}
        processes = [process for name, process, _ in self.fleet.processes if name == role]
        return [url for process, url in zip(processes, self.fleet.management_urls(role))
                if process.pid in live]


@pytest.fixture(scope="module")
def database(deployment):
    with own_database() as url:
        yield url


@pytest.fixture(scope="module")
def cluster(deployment, database, s3_endpoint):
    env = deployment.env(
        "fleet:", PODIUM_API__AUTH="false", PODIUM_STORAGE__KIND="s3",
        PODIUM_STORAGE__S3__BUCKET=s3_endpoint.bucket,
        PODIUM_STORAGE__S3__ENDPOINT_URL=s3_endpoint.url, PODIUM_STORAGE__S3__REGION="us-east-1",
        PODIUM_STORAGE__S3__PATH_STYLE="true",
        PODIUM_STORAGE__S3__PREFIX=f"fleet-{secrets.token_hex(4)}",
        PODIUM_STORAGE__S3__ACCESS_KEY_ID=s3_endpoint.access_key_id or "",
        PODIUM_STORAGE__S3__SECRET_ACCESS_KEY=s3_endpoint.secret_access_key or "",
        # A timeout of several beats: a loaded CI machine must not make a live worker
        # look dead (the test counts exactly one lost worker).
        PODIUM_WORKER__HEARTBEAT_SECONDS="1", PODIUM_WORKER__HEARTBEAT_TIMEOUT_SECONDS="10",
        PODIUM_WORKER__SHUTDOWN_GRACE_SECONDS="10",
        # A message a SIGKILLed worker had received but not started is not in its heartbeat:
        # the broker gives it back after this (the tasks here take milliseconds).
        PODIUM_BROKER__VISIBILITY_TIMEOUT_SECONDS="20",
        PODIUM_BROKER__RESTORE_INTERVAL_SECONDS="2", PODIUM_DATABASE__URL=database)
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
    """Add, drain and kill workers as the submissions progress: the worker killed is
    never the one draining (a drained worker deregisters; a killed one must be found)."""
    steps = [(100, "add"), (200, "drain"), (300, "kill"), (400, "add")]
    happened, drained = [], None
    for threshold, action in steps:
        poll_until(lambda: submitted["n"] >= threshold or done.is_set(), CHURN_PATIENCE)
        workers = [w for w in cluster.fleet.running("worker") if w is not drained]
        if action == "add":
            cluster.add("worker", 4)
        elif action == "drain":
            drained = workers[0]
            drained.send_signal(signal.SIGTERM)
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
    check_series_during_the_run(cluster)
    assert api.delete("/api/v1/flows/it.fleet.schedule/ticks").status_code == 204

    try:
        wait_for(lambda: not unfinished_ids(runtime), 300, "every execution to end", poll=0.5)
    except BaseException:
        ids = unfinished_ids(runtime)
        print(f"{len(ids)} unfinished:\n{explain_stuck(runtime, ids, cluster.fleet)}")
        raise
    check_executions(runtime, ids)
    check_metrics(cluster, runtime)


# What each kind of process shows on /metrics while executions run (histograms by their
# _count series; collectors evaluated at scrape time included).
EXPECTED_SERIES = {
    "executor": {"podium_build_info", "podium_executions_started_total",
                 "podium_executions_ended_total", "podium_execution_duration_seconds_count",
                 "podium_task_runs_ended_total", "podium_task_run_duration_seconds_count",
                 "podium_executor_messages_total", "podium_executor_message_duration_seconds_count",
                 "podium_outbox_backlog", "podium_queue_depth"},
    "worker": {"podium_build_info", "podium_worker_slots", "podium_worker_attempts_total",
               "podium_worker_attempt_duration_seconds_count"},
    "scheduler": {"podium_build_info", "podium_scheduler_executions_total",
                  "podium_scheduler_lag_seconds_count"},
    "webserver": {"podium_build_info", "podium_http_requests_total",
                  "podium_http_request_duration_seconds_count"},
}


def check_series_during_the_run(cluster: Cluster) -> None:
    """What `curl .../metrics` shows while the executions still run: every process its
    build info, each kind of process every series of its kind (a worker added a moment ago
    may not have run an attempt yet, so the kind's processes together). A series appears
    with its first sample: the 500 starts queued ahead of the results may hold back the
    first end for a while on a loaded machine, hence the wait."""
    for role, expected in EXPECTED_SERIES.items():
        def missing() -> set[str]:
            shown = [series_names(url) for url in cluster.management(role)]
            assert shown and all("podium_build_info" in names for names in shown), role
            return expected - set().union(*shown)

        wait_for(lambda: not missing(), 120, f"every {role} series", poll=0.5)


def store_totals(runtime: Runtime) -> tuple[dict, dict, dict]:
    """Executions by (namespace, state), started ones by namespace, task runs by
    (type, state): what the metrics must add up to."""
    with runtime.db.read() as conn:
        rows = conn.execute(text(
            "SELECT namespace, state, count(*) FROM executions "
            "WHERE namespace LIKE 'it.fleet%' GROUP BY 1, 2")).all()
        runs = conn.execute(text(
            "SELECT t.task_id, t.state, count(*) FROM task_runs t JOIN executions e "
            "ON e.id = t.execution_id WHERE e.namespace LIKE 'it.fleet%' GROUP BY 1, 2")).all()
    ended = {(ns, state): n for ns, state, n in rows}
    started: Counter = Counter()
    for ns, _, n in rows:  # every execution here was started once
        started[(ns,)] += n
    by_type: Counter = Counter()
    for task_id, state, n in runs:
        by_type[(TYPES[task_id], state)] += n
    return ended, dict(started), dict(by_type)


def check_metrics(cluster: Cluster, runtime: Runtime) -> None:
    """Every service's /metrics answers, and the totals equal the store's."""
    for role in ("executor", "worker", "scheduler", "webserver"):
        for url in cluster.management(role):
            assert get(url + "/healthz")[0] == 200, (role, url)
            assert get(url + "/readyz")[0] == 200, (role, url)
    ended, started, runs = store_totals(runtime)
    executors = cluster.management("executor")
    # the last commit's metrics are recorded just after it
    poll_until(lambda: by(scrape(executors), "podium_executions_ended_total", "namespace",
                          "state") == ended, 10, poll=0.5)
    samples = scrape(executors)
    assert by(samples, "podium_executions_ended_total", "namespace", "state") == ended
    assert by(samples, "podium_executions_started_total", "namespace") == started
    assert by(samples, "podium_task_runs_ended_total", "type", "state") == runs
    # the SIGKILLed worker, found once its heartbeat is older than the 10 s timeout
    wait_for(lambda: sum(by(scrape(executors), "podium_workers_lost_total").values()) == 1,
             30, "the killed worker to be declared dead")
    assert by(samples, "podium_queue_depth", "queue").get(("podium.worker",), 0) == 0

    api = scrape(cluster.management("webserver"))
    posts = by(api, "podium_http_requests_total", "method", "route", "status")
    submits = {key: n for key, n in posts.items()
               if key[0] == "POST" and key[1].startswith("/api/v1/executions/")}
    assert sum(submits.values()) == TOTAL and {key[2] for key in submits} == {"200"}

    ticks = by(scrape(cluster.management("scheduler")), "podium_scheduler_executions_total",
               "namespace", "kind")
    assert ticks == {("it.fleet.schedule", "schedule"): started[("it.fleet.schedule",)]}

    workers = scrape(cluster.management("worker"))
    assert by(workers, "podium_worker_slots", "state").get(("busy",), 0) == 0
    assert sum(by(workers, "podium_worker_attempts_total", "type", "state").values()) > 0


def unfinished_ids(runtime: Runtime) -> list[str]:
    with runtime.db.read() as conn:
        return list(conn.execute(select(executions.c.id).where(
            executions.c.state.not_in(ENDED))).scalars())


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
