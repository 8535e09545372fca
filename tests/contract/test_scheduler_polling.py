"""The http.Trigger polled by two scheduler replicas against a local HTTP server, on SQLite
and PostgreSQL: once per interval, Kestra's trigger variables, the SSRF guard, stopAfter and
debounce. The server is on 127.0.0.1, reachable because the test's `http` settings list it."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from podium.common.flow.loader import parse_flow
from podium.common.models.state import State
from podium.common.settings import HttpSettings, SchedulerSettings
from podium.common.storage import LocalStorage
from podium.common.store import list_triggers, save_flow
from podium.common.store.schema import executions
from podium.common.transport.memory import InProcessTransport
from podium.scheduler.polling import poll_execution_id
from podium.scheduler.service import SchedulerService

T0 = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)
ALLOW_LOCAL = HttpSettings(allow_hosts=["127.0.0.1"])
FLOW = """id: f
namespace: n
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: "{{{{ trigger.body }}}}"
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: "{url}/price?flow={{{{ flow.id }}}}"
    method: POST
    body: '{{"q": 1}}'
    headers:
      X-Token: abc
    interval: {interval}
    responseCondition: "{{{{ fromJson(response.body).price < 100 and response.statusCode == 200 }}}}"
{extra}"""


class Server:
    """A local endpoint answering {"price": N}; records each request."""

    def __init__(self) -> None:
        self.price = 42
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append({"path": self.path, "body": self.rfile.read(length),
                                        "token": self.headers.get("X-Token")})
                payload = json.dumps({"price": server.price}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    server = Server()
    yield server
    server.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def deploy(db, server: Server, interval: str = "PT10S", extra: str = "") -> None:
    with db.begin() as conn:
        save_flow(conn, parse_flow(FLOW.format(url=server.url, interval=interval, extra=extra)))


def replicas(db, clock=None, http: HttpSettings = ALLOW_LOCAL,
             storage=None) -> list[SchedulerService]:
    kwargs = {"clock": clock} if clock is not None else {}
    return [SchedulerService(db, InProcessTransport(), SchedulerSettings(timezone="UTC"),
                             http=http, storage=storage, **kwargs) for _ in range(2)]


def end_executions(db) -> None:
    with db.begin() as conn:  # no executor here: executions end at once
        conn.execute(update(executions).values(state=State.SUCCESS.value))


def rows(db) -> list:
    with db.read() as conn:
        return conn.execute(select(executions.c.id, executions.c.trigger, executions.c.created)
                            .order_by(executions.c.created)).all()


def test_two_replicas_poll_once_per_interval_and_fire_with_kestra_variables(db, server):
    deploy(db, server)
    clock = Clock(T0 + timedelta(seconds=3))
    schedulers = replicas(db, clock)
    for scheduler in schedulers:
        scheduler.tick()
    assert server.requests == []  # a new trigger first polls one interval later
    slots = []
    for tick in range(1, 21):  # 20 rounds of 2.5 s: slots of 10 s from T0+10s to T0+50s
        clock.now = T0 + timedelta(seconds=3 + tick * 2.5)
        for scheduler in (schedulers if tick % 2 else reversed(schedulers)):
            scheduler.tick()
        end_executions(db)
        slot = T0 + timedelta(seconds=(3 + tick * 2.5) // 10 * 10)
        if slot >= T0 + timedelta(seconds=10) and slot not in slots:
            slots.append(slot)
    assert len(server.requests) == len(slots) == 5
    assert server.requests[0] == {"path": "/price?flow=f", "body": b'{"q": 1}', "token": "abc"}
    found = rows(db)
    assert [row.id for row in found] == [poll_execution_id(("n", "f", "http"), s) for s in slots]
    variables = found[0].trigger["variables"]
    assert found[0].trigger["type"] == "io.kestra.plugin.core.http.Trigger"
    assert variables["code"] == 200 and json.loads(variables["body"]) == {"price": 42}
    assert variables["uri"] == f"{server.url}/price?flow=f"
    assert variables["headers"]["Content-Type"] == ["application/json"]
    assert sum(s.counters["polled"] for s in schedulers) == 5


def test_a_false_condition_polls_without_firing(db, server):
    server.price = 500
    deploy(db, server)
    clock = Clock(T0)
    schedulers = replicas(db, clock)
    for second in (0, 10, 20):
        clock.now = T0 + timedelta(seconds=second)
        for scheduler in schedulers:
            scheduler.tick()
    assert len(server.requests) == 2 and rows(db) == []


def test_the_ssrf_guard_applies_to_the_trigger(db, server):
    deploy(db, server)
    clock = Clock(T0)
    schedulers = replicas(db, clock, http=HttpSettings())  # defaults: no private addresses
    for second in (0, 10, 20):
        clock.now = T0 + timedelta(seconds=second)
        for scheduler in schedulers:
            scheduler.tick()
    assert server.requests == [] and rows(db) == []
    assert sum(s.counters["poll_errors"] for s in schedulers) == 2


def test_stop_after_disables_the_trigger_after_a_matching_execution(db, server):
    deploy(db, server, extra="    stopAfter: [SUCCESS]\n")
    clock = Clock(T0)
    schedulers = replicas(db, clock)
    for second in (0, 10, 12, 20, 30, 40):
        clock.now = T0 + timedelta(seconds=second)
        for scheduler in schedulers:
            scheduler.tick()
        if second == 12:
            end_executions(db)
    assert len(server.requests) == 1 and len(rows(db)) == 1
    with db.read() as conn:
        assert list_triggers(conn)[0].disabled


@pytest.mark.parametrize("level, lines", [(None, 2), ("INFO", 0)])
def test_log_to_file_stores_the_poll_lines_as_the_execution_trigger_log_file(
        db, server, tmp_path, level, lines):
    # Kestra: TriggerService.generateExecution puts the trigger logger's file on
    # ExecutionTrigger.logFile, stored in the trigger's storage context.
    extra = "    logToFile: true\n" + (f"    logLevel: {level}\n" if level else "")
    deploy(db, server, extra=extra)
    clock = Clock(T0)
    with LocalStorage(tmp_path) as storage:
        schedulers = replicas(db, clock, storage=storage)
        for second in (0, 10):
            clock.now = T0 + timedelta(seconds=second)
            for scheduler in schedulers:
                scheduler.tick()
        [row] = rows(db)
        uri = row.trigger["logFile"]
        assert uri.startswith(f"kestra:///n/f/executions/{row.id}/trigger/http/log-")
        content = storage.read_bytes(uri).decode().splitlines()
    assert len(content) == lines
    if lines:
        parts = content[0].split()
        assert parts[2] == "DEBUG" and parts[4] == "flow.f.http"  # level, thread, logger
        assert content[1].endswith(f"{server.url}/price?flow=f respond with status code '200'")


def test_without_log_to_file_or_storage_no_log_file_is_recorded(db, server):
    deploy(db, server, extra="    logToFile: true\n")
    clock = Clock(T0)
    schedulers = replicas(db, clock)  # no storage: the execution still starts
    for second in (0, 10):
        clock.now = T0 + timedelta(seconds=second)
        for scheduler in schedulers:
            scheduler.tick()
    [row] = rows(db)
    assert "logFile" not in row.trigger


def test_a_debounced_http_trigger_folds_its_polls(db, server):
    deploy(db, server, interval="PT1S", extra="    debounce:\n      quiet: PT1M\n"
                                               "      maxBatch: 3\n")
    clock = Clock(T0)
    schedulers = replicas(db, clock)
    for second in range(0, 8):
        clock.now = T0 + timedelta(seconds=second)
        for scheduler in schedulers:
            scheduler.tick()
        end_executions(db)  # a burst's running execution holds the trigger, as any other
    assert len(server.requests) == 7
    found = rows(db)  # two full bursts of 3; the 7th poll waits in a third burst
    assert [row.trigger["variables"]["size"] for row in found] == [3, 3]
    assert all(e["code"] == 200 for e in found[0].trigger["variables"]["events"])


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_running_replicas_poll_once_per_second(db, server):
    """Real clock, real threads: the schedulers' loops race for every slot."""
    deploy(db, server, interval="PT1S")
    stop = threading.Event()
    threads = [s.run_background(stop) for s in replicas(db)]
    started = time.monotonic()
    try:
        while time.monotonic() - started < 4.5:
            end_executions(db)
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    found = rows(db)
    assert 2 <= len(server.requests) <= 5
    assert len(found) == len(server.requests)  # one poll per slot, one execution per poll
    assert len({row.id for row in found}) == len(found)


def test_fail_on_trigger_error_starts_a_failed_execution_for_the_slot(db, server):
    deploy(db, server, extra="    failOnTriggerError: true\n")
    clock = Clock(T0)
    schedulers = replicas(db, clock, http=HttpSettings())  # the guard refuses the server
    for second in (0, 10, 20):
        clock.now = T0 + timedelta(seconds=second)
        for scheduler in schedulers:
            scheduler.tick()
    assert server.requests == []
    (row,) = rows(db)  # one slot polled: the trigger then waits for its execution
    assert row.id == poll_execution_id(("n", "f", "http"), T0 + timedelta(seconds=10))
    assert row.trigger == {"id": "http", "type": "io.kestra.plugin.core.http.Trigger"}
    with db.read() as conn:
        error = conn.execute(select(executions.c.error)).scalar_one()
    assert error.startswith("Trigger 'http' failed: HTTP request to '127.0.0.1' refused")
