"""Reading the services' management endpoints in tests: GET a URL, scrape /metrics of
several processes and sum their samples, group samples by labels; and the positive signals
a test waits for before asserting that something did *not* happen (a result handled, the
executors drained, the schedulers' rounds)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from podium.common.observability.metrics import QueueDepth
from podium.common.store.schema import outbox
from podium.common.transport.base import EXECUTOR_QUEUE
from tests.waiting import wait_for


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def scrape(urls: list[str]) -> dict[tuple[str, tuple], float]:
    """Samples summed over processes: (name, sorted labels) -> value."""
    total: Counter = Counter()
    for url in urls:
        status, body = get(url + "/metrics")
        assert status == 200, body
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                total[(sample.name, tuple(sorted(sample.labels.items())))] += sample.value
    return dict(total)


def by(samples: dict, name: str, *labels: str) -> dict[tuple, float]:
    out: Counter = Counter()
    for (sample, sample_labels), value in samples.items():
        if sample == name and value:
            values = dict(sample_labels)
            out[tuple(values[label] for label in labels)] += value
    return dict(out)


def series_names(url: str) -> set[str]:
    """The names of every sample a process's /metrics shows (`_total`, `_bucket`, ...)."""
    status, body = get(url + "/metrics")
    assert status == 200, body
    return {sample.name for family in text_string_to_metric_families(body)
            for sample in family.samples}



def results_handled(fleet: Any) -> float:
    """Task results the fleet's executors have handled (committed, or ignored as stale),
    from their metrics. A test reads it while its attempt runs, then waits for it to grow:
    the positive signal that the attempt's late result was handled, before asserting that
    it changed *nothing*."""
    executors = scrape(fleet.management_urls("executor"))
    return sum(by(executors, name, "kind").get(("task_result",), 0.0) for name in
               ("podium_executor_messages_total", "podium_executor_messages_ignored_total"))


def wait_result_handled(fleet: Any, before: float, timeout: float = 20.0) -> None:
    """Wait until the executors have handled one more task result than `before`."""
    wait_for(lambda: results_handled(fleet) > before, timeout,
             "the executors to handle the attempt's result")


def messages_handled(fleet: Any) -> float:
    """Messages of every kind the fleet's executors have handled (committed or ignored)."""
    executors = scrape(fleet.management_urls("executor"))
    return sum(value for (name, _), value in executors.items() if name in
               ("podium_executor_messages_total", "podium_executor_messages_ignored_total"))


def executor_messages_waiting(runtime: Any) -> int:
    """Executor messages not handled yet, counted where a message goes in turn: outbox rows
    bound for the executors, the executor queue, then deliveries an executor took and has
    not acknowledged (Celery acknowledges after the handler returns: kombu's `unacked`
    hash holds [message, exchange, routing key] until then)."""
    with runtime.db.read() as conn:
        unsent = conn.execute(select(func.count()).select_from(outbox)
                              .where(outbox.c.queue == EXECUTOR_QUEUE)).scalar_one()
    env = runtime.fleet.env  # the broker the fleet's processes use
    prefix = env.get("PODIUM_BROKER__KEY_PREFIX", "")
    client = redis.Redis.from_url(env["PODIUM_BROKER__URL"])
    try:
        queued = QueueDepth(client, prefix).depths()[EXECUTOR_QUEUE]
        taken = sum(1 for raw in client.hvals(prefix + "unacked")
                    if json.loads(raw)[2] == EXECUTOR_QUEUE)
    finally:
        client.close()
    return unsent + queued + taken


def executors_drained(runtime: Any) -> bool:
    """Whether the executors have handled every message sent to them: none waiting, and
    no message handled while they were counted (one moving from a stage not yet read to one
    already read is handled in between)."""
    before = messages_handled(runtime.fleet)
    return executor_messages_waiting(runtime) == 0 and messages_handled(runtime.fleet) == before


def wait_executors_drained(runtime: Any, timeout: float = 30.0) -> None:
    """Wait until the executors are drained (`executors_drained`). Whatever the executors
    would still do about the state seen now, they have done."""
    wait_for(lambda: executors_drained(runtime), timeout,
             "the executors to handle every message sent to them")


def scheduler_rounds(url: str) -> float:
    """Evaluation rounds the scheduler at management `url` has ended."""
    return scrape([url]).get(("podium_scheduler_rounds_total", ()), 0.0)


def wait_scheduler_rounds(fleet: Any, rounds: int = 2, timeout: float = 30.0) -> None:
    """Wait until every running scheduler has ended `rounds` more rounds. The second began
    after this call: whatever a scheduler would do about the state seen now (a flow
    deleted, a date due), it has done."""
    urls = fleet.management_urls("scheduler")
    before = {url: scheduler_rounds(url) for url in urls}
    wait_for(lambda: all(scheduler_rounds(url) >= before[url] + rounds for url in urls),
             timeout, f"{rounds} more rounds of every scheduler")
