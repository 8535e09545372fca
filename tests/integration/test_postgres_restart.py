"""PostgreSQL restarted, or its connections terminated, under running executions.

The fleet's store is a PostgreSQL cluster of this module's own (tests/support/servers.py),
so it may be crashed (`pg_ctl stop -m immediate`) and started again,
or have every backend terminated (`pg_terminate_backend`), while executions are in flight:
task attempts running on the worker, results on their way, pause timers pending. Every
service must reconnect and go on: every execution ends SUCCESS, each task attempt runs
once, and no live service is declared dead, although the outage outlasts the heartbeat
timeout (every heartbeat failed, but so did the executor's own look at the store).
"""

from __future__ import annotations

import time

import pytest

from podium.common.models.state import State
from podium.common.outage import is_outage
from podium.common.store import list_executions, list_services
from podium.common.store.types import utcnow
from tests.integration.conftest import deploy, explain_stuck, start_runtime, stop_runtime, wait_for
from tests.support.servers import PostgresServer, postgres_unavailable
from tests.waiting import poll_until

pytestmark = pytest.mark.service

# Twice the default heartbeat timeout (10 s): a naive liveness check would declare
# every worker dead when the store comes back.
OUTAGE_SECONDS = 20
# From the store's return to the last execution's end: recovery (30 s at most) plus what
# is left of the executions' own work (a few seconds).
RECOVERY_SECONDS = 45

FLOW = """
id: pgrestart
namespace: it.pgrestart
tasks:
  - id: first
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - sleep 2
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    delay: PT2S
  - id: middle
    type: io.kestra.plugin.core.debug.Return
    format: "{{ execution.id }}"
  - id: last
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - sleep 1
"""

# The scheduler must go on too: an execution every 5 s.
TICKER = """
id: ticker
namespace: it.pgrestart
tasks:
  - id: hello
    type: io.kestra.plugin.core.debug.Return
    format: "tick"
triggers:
  - id: every_five_seconds
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/5 * * * * *"
    withSeconds: true
    recoverMissedSchedules: NONE
"""


@pytest.fixture(scope="module")
def postgres():
    reason = postgres_unavailable()
    if reason:
        pytest.skip(f"no private PostgreSQL cluster: {reason}")
    cluster = PostgresServer().init()
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def runtime(deployment, postgres):
    # Default liveness and delivery settings: what a deployment gets.
    runtime, _ = start_runtime(deployment, "pgrestart:", executors=1, workers=1,
                               worker_concurrency=4, PODIUM_DATABASE__URL=postgres.server_url)
    deploy(runtime, FLOW)
    deploy(runtime, TICKER)
    runtime.fleet.add("scheduler", 0)
    runtime.fleet.wait_ready(60)
    yield runtime
    stop_runtime(deployment, runtime)


def _read(read, default=None):
    """A read of this process's own store connection, which the outage breaks too."""
    try:
        return read()
    except Exception as exc:  # noqa: BLE001
        if is_outage(exc):
            return default
        raise


def _states(runtime, ids: list[str]) -> dict[str, State]:
    return {execution_id: _read(lambda: runtime.get(execution_id).state)
            for execution_id in ids}


def _in_flight(runtime, count: int) -> list[str]:
    """`count` executions submitted a little apart, returned once all have started."""
    ids = []
    for _ in range(count):
        ids.append(runtime.submit("it.pgrestart", "pgrestart").id)
        time.sleep(0.3)
    wait_for(lambda: all(state is not State.CREATED
                         for state in _states(runtime, ids).values()), 30,
             "every execution to start")
    return ids


def _all_succeed(runtime, ids: list[str], timeout: float) -> float:
    """Wait until every execution ended; fail unless all SUCCESS with one attempt per
    task run. Returns how long it took."""
    began = time.monotonic()

    def ended() -> dict[str, State] | None:
        states = _states(runtime, ids)
        done = all(state is not None and state.is_terminated for state in states.values())
        return states if done else None

    states = poll_until(ended, timeout, poll=0.2)
    if states is None:
        states = _states(runtime, ids)
        pytest.fail(f"not ended {timeout}s after the store came back: "
                    f"{ {i: s and s.value for i, s in states.items()} }\n"
                    f"{explain_stuck(runtime, ids, runtime.fleet)}")
    took = time.monotonic() - began
    assert set(states.values()) == {State.SUCCESS}, explain_stuck(runtime, ids, runtime.fleet)
    for execution_id in ids:
        attempts = [(run.task_id, [a.number for a in run.attempts])
                    for run in runtime.task_runs(execution_id) if run.attempts]
        assert all(numbers == [1] for _, numbers in attempts), (execution_id, attempts)
    return took


def _scheduled_since(runtime, since) -> bool:
    """A scheduled execution created after `since` ended SUCCESS."""
    def read():
        with runtime.db.read() as conn:
            found = list_executions(conn, "it.pgrestart", "ticker", since=since)
        return any(execution.state is State.SUCCESS for execution in found)
    return _read(read, False)


def _no_service_declared_dead(runtime) -> None:
    with runtime.db.read() as conn:
        rows = list_services(conn, include_dead=True)
    assert {row.kind for row in rows} >= {"executor", "worker"}
    assert [row.id for row in rows if row.state == "DEAD"] == []


def test_executions_in_flight_survive_a_postgres_crash_and_restart(runtime, postgres):
    ids = _in_flight(runtime, 6)
    postgres.stop("immediate")
    time.sleep(OUTAGE_SECONDS)  # the fault itself: the store is down this long
    postgres.start()
    back = utcnow()
    took = _all_succeed(runtime, ids, RECOVERY_SECONDS)
    print(f"every execution ended {took:.1f}s after PostgreSQL came back")
    wait_for(lambda: _scheduled_since(runtime, back), 30,
             "the scheduler to start an execution after the restart")
    _no_service_declared_dead(runtime)


def test_executions_in_flight_survive_their_connections_terminated(runtime, postgres):
    ids = _in_flight(runtime, 6)
    terminated = 0
    for _ in range(3):  # a few times, so some land mid-transaction
        terminated += postgres.terminate_backends()
        time.sleep(0.7)
    assert terminated > 0
    took = _all_succeed(runtime, ids, RECOVERY_SECONDS)
    print(f"every execution ended {took:.1f}s after {terminated} backends were terminated")
    _no_service_declared_dead(runtime)
