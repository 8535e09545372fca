"""Every Prometheus metric of Podium, in one place.

Names are `podium_` prefixed, in base units, counters end in `_total`; label values are
always bounded (namespaces, task types, states, message kinds, route templates; never an
execution or task run id). A deploy dashboard is built on these exact names: change them
only with it.

The metric objects are created on first `get()`, not at import: in multiprocess mode
(the prefork worker, `enable_multiprocess`) prometheus_client must know where its files
live before the first value exists, and a metric without labels creates its value when it
is constructed.
"""

from __future__ import annotations

import logging
import os
import platform
import threading
from typing import Any, Callable, Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from podium.common.transport.base import EXECUTOR_QUEUE, WORKER_QUEUE
from podium.common.version import podium_version

log = logging.getLogger(__name__)

# Management port of each service when settings.management.port is None.
DEFAULT_PORTS = {"executor": 9101, "worker": 9102, "scheduler": 9103, "webserver": 9104}

# Seconds. Executions and task runs last from milliseconds to days.
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800,
                    3600, 7200, 21600, 86400)
MESSAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)


class Metrics:
    """The metric objects; one instance per process (`get()`)."""

    def __init__(self, registry: CollectorRegistry | None = REGISTRY) -> None:
        self.build_info = Gauge(
            "podium_build_info", "1, labelled with the service, Podium version and Python "
            "version of this process.", ["service", "version", "python"],
            multiprocess_mode="max", registry=registry)
        # executor
        self.executions_started = Counter(
            "podium_executions_started_total", "Executions that entered RUNNING for the "
            "first time.", ["namespace"], registry=registry)
        self.executions_ended = Counter(
            "podium_executions_ended_total", "Executions that reached a terminal state.",
            ["namespace", "state"], registry=registry)
        self.execution_duration = Histogram(
            "podium_execution_duration_seconds", "From an execution's first state date to "
            "its terminal state.", ["namespace", "state"], buckets=DURATION_BUCKETS, registry=registry)
        self.task_runs_ended = Counter(
            "podium_task_runs_ended_total", "Task runs that reached a terminal state, by "
            "task type.", ["type", "state"], registry=registry)
        self.task_run_duration = Histogram(
            "podium_task_run_duration_seconds", "From a task run's first state date to its "
            "terminal state.", ["type", "state"], buckets=DURATION_BUCKETS, registry=registry)
        self.executor_messages = Counter(
            "podium_executor_messages_total", "Executor messages handled and committed.",
            ["kind"], registry=registry)
        self.executor_messages_ignored = Counter(
            "podium_executor_messages_ignored_total", "Executor messages that changed "
            "nothing (duplicate, stale, unknown execution) and were rolled back.",
            ["kind"], registry=registry)
        self.executor_message_duration = Histogram(
            "podium_executor_message_duration_seconds", "Time to handle one executor "
            "message (lock, decide, persist, commit, publish).", ["kind"],
            buckets=MESSAGE_BUCKETS, registry=registry)
        # worker
        self.worker_slots = Gauge(
            "podium_worker_slots", "Task attempt slots of this worker, busy or free.",
            ["state"], multiprocess_mode="livesum", registry=registry)
        self.worker_attempts = Counter(
            "podium_worker_attempts_total", "Task attempts run by this worker.",
            ["type", "state"], registry=registry)
        self.worker_attempt_duration = Histogram(
            "podium_worker_attempt_duration_seconds", "Duration of one task attempt on a "
            "worker.", ["type", "state"], buckets=DURATION_BUCKETS, registry=registry)
        self.worker_attempts_resubmitted = Counter(
            "podium_worker_attempts_resubmitted_total", "Attempts of lost workers, or "
            "whose messages were lost with a dead consumer, resubmitted.", registry=registry)
        self.workers_lost = Counter(
            "podium_workers_lost_total", "Workers considered dead (heartbeat timed out).", registry=registry)
        # scheduler
        self.scheduler_lag = Histogram(
            "podium_scheduler_lag_seconds", "How late a scheduled date, poll slot or "
            "debounce burst fired compared with when it was due.", ["kind"],
            buckets=LAG_BUCKETS, registry=registry)
        self.scheduler_rounds = Counter(
            "podium_scheduler_rounds_total", "Evaluation rounds the scheduler ended (every "
            "trigger due at a round's start was evaluated by its end).", registry=registry)
        self.scheduler_executions = Counter(
            "podium_scheduler_executions_total", "Executions the scheduler created.",
            ["namespace", "kind"], registry=registry)
        # webserver
        self.http_requests = Counter(
            "podium_http_requests_total", "REST API requests, by route template.",
            ["method", "route", "status"], registry=registry)
        self.http_request_duration = Histogram(
            "podium_http_request_duration_seconds", "REST API request duration, by route "
            "template.", ["method", "route"], buckets=MESSAGE_BUCKETS, registry=registry)


_metrics: Metrics | None = None
_lock = threading.Lock()
_multiprocess_dir: str | None = None


def get() -> Metrics:
    """This process's metrics, created on first call."""
    global _metrics
    if _metrics is None:
        with _lock:
            if _metrics is None:
                _metrics = Metrics()
    return _metrics


def enable_multiprocess(directory: str) -> None:
    """Use prometheus_client's multiprocess mode, files in `directory` (fresh, empty): for a
    worker whose attempts run in pool child processes. Call before the first `get()`; the
    children inherit it by fork."""
    global _multiprocess_dir
    if _metrics is not None:
        raise RuntimeError("enable_multiprocess must run before any metric is created")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    values.ValueClass = values.MultiProcessValue()
    _multiprocess_dir = directory


def multiprocess_dir() -> str | None:
    return _multiprocess_dir


def mark_dead_children(directory: str) -> None:
    """Forget the live gauges of processes that died (a pool child killed without its exit
    hook running): their `livesum` slots must not count. Cheap; run at scrape time."""
    from prometheus_client import multiprocess

    pids = set()
    for name in os.listdir(directory):
        if name.startswith("gauge_live") and name.endswith(".db"):
            try:
                pids.add(int(name.rsplit("_", 1)[1][:-3]))
            except ValueError:
                continue
    for pid in pids:
        if not _alive(pid):
            multiprocess.mark_process_dead(pid, directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def set_build_info(service: str) -> None:
    get().build_info.labels(service, podium_version(), platform.python_version()).set(1)


class OutboxBacklog(Collector):
    """`podium_outbox_backlog`: outbox rows not deleted yet, counted at scrape time."""

    def __init__(self, count: Callable[[], int]) -> None:
        self.count = count

    def collect(self) -> Iterable[Any]:
        try:
            value = self.count()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail on the store
            log.warning("outbox backlog not collected: %s", exc)
            return []
        family = GaugeMetricFamily("podium_outbox_backlog", "Outbox rows waiting to be "
                                   "published or deleted (evaluated at scrape time).")
        family.add_metric([], value)
        return [family]


# Queues always reported, even empty; worker group queues are found by scanning.
BASE_QUEUES = (EXECUTOR_QUEUE, WORKER_QUEUE)
PRIORITY_SEPARATOR = "\x06\x16"  # kombu's Redis priority queue keys: <queue>\x06\x16<n>


class QueueDepth(Collector):
    """`podium_queue_depth{queue}`: messages waiting in each broker queue (Redis lists
    `podium.executor`, `podium.worker`, `podium.worker.<group>` and their `.dead`
    dead-letter queues, under the broker key prefix), read at scrape time."""

    def __init__(self, client: Any, key_prefix: str = "") -> None:
        self.client = client
        self.key_prefix = key_prefix

    def depths(self) -> dict[str, int]:
        prefix = self.key_prefix
        depths = {name: 0 for queue in BASE_QUEUES for name in (queue, queue + ".dead")}
        pattern = _glob_escape(prefix) + "podium.*"
        for key in self.client.scan_iter(match=pattern, count=1000, _type="list"):
            name = key.decode() if isinstance(key, bytes) else key
            queue = name[len(prefix):].split(PRIORITY_SEPARATOR, 1)[0]
            if queue.startswith(BASE_QUEUES):
                depths[queue] = depths.get(queue, 0) + int(self.client.llen(key))
        return depths

    def collect(self) -> Iterable[Any]:
        try:
            depths = self.depths()
        except Exception as exc:  # noqa: BLE001 - a scrape must not fail on the broker
            log.warning("queue depth not collected: %s", exc)
            return []
        family = GaugeMetricFamily("podium_queue_depth", "Messages waiting in each broker "
                                   "queue (evaluated at scrape time).", labels=["queue"])
        for queue, depth in sorted(depths.items()):
            family.add_metric([queue], depth)
        return [family]


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
