"""Executions in flight survive a Redis restart, with its data kept or lost.

Real `podium executor` / `podium worker` processes run on a Redis server of the test's own
(a free port), which the test stops and starts again while attempts run on the worker
(every slot busy: no BRPOP outstanding), others wait in the queue and some finish while
Redis is away (their results wait to be published). With the data kept (AOF), every
service reconnects and carries on; with it lost, the executor notices the missing broker
marker and sends again what the store still waits on, except what the worker still runs.
Either way every execution ends SUCCESS, a new one submitted afterwards too, and every
process's /healthz answers 200 again (its consumer beats).
"""

from __future__ import annotations

import shutil
import time
import urllib.request
from collections.abc import Iterator

import pytest

from podium.common.models.state import State
from tests.integration.conftest import (
    deploy,
    explain_stuck,
    own_database,
    start_runtime,
    stop_runtime,
    wait_for,
)
from tests.integration.scrape import by, scrape
from tests.support.servers import RedisServer
from tests.waiting import poll_until

pytestmark = [pytest.mark.service,
              pytest.mark.skipif(shutil.which("redis-server") is None,
                                 reason="`redis-server` is not installed")]

FLOW = """
id: restart
namespace: it.broker
description: a nap on the worker, then a step on the executor's side of the broker
labels:
  fault: redis-restart
tasks:
  - id: nap
    type: io.kestra.plugin.core.flow.Sleep
    duration: PT2S
  - id: done
    type: io.kestra.plugin.core.debug.Return
    format: done
"""
IN_FLIGHT = 6
WORKER_SLOTS = 2
OUTAGE_SECONDS = 4.0  # longer than the nap: some attempts end while Redis is away
# After Redis is back: reconnection (< 30 s), then the queued naps, 2 at a time.
RECOVERY_SECONDS = 90.0


@pytest.fixture(params=["kept", "lost"])
def broker(request) -> Iterator[RedisServer]:
    server = RedisServer(keep_data=request.param == "kept")  # a folder of its own
    server.start()
    yield server
    server.close()


def busy_slots(runtime) -> float:
    workers = scrape(runtime.fleet.management_urls("worker"))
    return by(workers, "podium_worker_slots", "state").get(("busy",), 0.0)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:  # urllib's HTTPError (503) included
        return False


def test_executions_in_flight_end_after_a_redis_restart(deployment, broker):
    with own_database() as url:
        runtime, _ = start_runtime(deployment, f"broker-{broker.port}:", executors=1,
                                   workers=1, worker_concurrency=WORKER_SLOTS,
                                   PODIUM_DATABASE__URL=url, PODIUM_BROKER__URL=broker.url)
        try:
            deploy(runtime, FLOW)
            ids = [runtime.submit("it.broker", "restart", {}).id for _ in range(IN_FLIGHT)]
            running = lambda: sum(1 for i in ids for run in runtime.task_runs(i)  # noqa: E731
                                  if run.task_id == "nap" and run.state is State.RUNNING)
            wait_for(lambda: running() == IN_FLIGHT, 30, "every nap dispatched")
            wait_for(lambda: busy_slots(runtime) == WORKER_SLOTS, 30,
                     "the worker's slots to take their first naps")
            broker.stop()
            time.sleep(OUTAGE_SECONDS)
            broker.start()
            back = time.monotonic()

            def ended() -> bool:
                return all(runtime.get(i).state.is_terminated for i in ids)

            if not poll_until(ended, back + RECOVERY_SECONDS - time.monotonic(), poll=0.2):
                pytest.fail(f"executions still running {RECOVERY_SECONDS}s after Redis came "
                            f"back:\n{explain_stuck(runtime, ids, runtime.fleet)}")
            assert [runtime.get(i).state for i in ids] == [State.SUCCESS] * IN_FLIGHT
            naps = [run for i in ids for run in runtime.task_runs(i) if run.task_id == "nap"]
            rerun = sum(len(run.attempts) > 1 for run in naps)
            # Kept: nothing runs twice. Lost: at most the naps that waited in the queue;
            # those the worker was running (its heartbeat row lists them) are not resent.
            assert rerun <= (0 if broker.keep_data else IN_FLIGHT - WORKER_SLOTS), \
                [(run.id, [(a.number, a.state.value) for a in run.attempts]) for run in naps]
            later = runtime.submit("it.broker", "restart", {}).id  # publishing works again
            wait_for(lambda: runtime.get(later).state.is_terminated, 30, "a later execution")
            assert runtime.get(later).state is State.SUCCESS
            for management in runtime.fleet.management_urls():
                wait_for(lambda: healthy(management), 40, f"{management}/healthz to be 200")
        finally:
            stop_runtime(deployment, runtime)
