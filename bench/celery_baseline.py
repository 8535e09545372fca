"""The raw-Celery reference of the benchmark: one trivial task on the same Redis.

Imported twice: by `bench.run` (the producer side) and by the worker it starts,
``python -m celery -A bench.celery_baseline worker ...``. Both read their configuration
from the environment, so both build the same app:

* ``BENCH_CELERY_BROKER``: the Redis URL (default ``redis://127.0.0.1:6379/0``);
* ``BENCH_CELERY_PREFIX``: a key prefix (kombu's ``global_keyprefix``) unique to one run;
* ``BENCH_CELERY_READY_FILE``: touched by the worker once it consumes (readiness probe).

The app copies the delivery settings of Podium's transport
(`common.transport.celery_transport.make_celery_app`): JSON only, acks late, requeue when
the worker is lost, prefetch 1, no result backend, no events, no remote control. The tasks
write their timestamps straight into Redis (``time.time()``, the machine's wall clock, the
same clock Podium's store timestamps come from).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import redis
from celery import Celery
from celery.signals import worker_ready

BROKER = os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("BENCH_CELERY_PREFIX", "podium_bench_celery:")
QUEUE = "bench.celery"

app = Celery("bench_celery", set_as_current=False)
app.conf.update(
    broker_url=BROKER,
    broker_transport_options={"global_keyprefix": PREFIX, "visibility_timeout": 12 * 3600},
    broker_connection_retry_on_startup=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_acks_on_failure_or_timeout=True,
    task_serializer="json",
    accept_content=["json"],
    event_serializer="json",
    result_backend=None,
    task_ignore_result=True,
    task_store_errors_even_if_ignored=False,
    task_track_started=False,
    task_default_queue=QUEUE,
    worker_send_task_events=False,
    task_send_sent_event=False,
    worker_enable_remote_control=False,
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
)

_redis: redis.Redis | None = None


def _client() -> redis.Redis:
    global _redis
    if _redis is None:
        _redis = redis.Redis.from_url(BROKER)
    return _redis


@app.task(name="bench.step", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def step(done_key: str | None = None) -> None:
    """One link of the chain. Trivial; the last link reports the time it ran."""
    if done_key:
        _client().rpush(done_key, repr(time.time()))


@app.task(name="bench.mark", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def mark(started_key: str) -> None:
    """Report the moment the task body starts (the submit-to-start probe)."""
    _client().rpush(started_key, repr(time.time()))


def _touch_ready(**_: object) -> None:
    path = os.environ.get("BENCH_CELERY_READY_FILE")
    if path:
        Path(path).write_text(str(os.getpid()))


worker_ready.connect(_touch_ready, weak=False)
