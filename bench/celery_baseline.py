"""The raw-Celery reference of the benchmark: one trivial task on the same Redis.

Imported twice: by `bench.run` (the producer side) and by the worker it starts,
``python -m celery -A bench.celery_baseline worker ...``. Both read their configuration
from the environment, so both build the same app:

* ``BENCH_CELERY_BROKER``: the Redis URL (default ``redis://127.0.0.1:6379/0``);
* ``BENCH_CELERY_PREFIX``: a key prefix (kombu's ``global_keyprefix``) unique to one run;
* ``BENCH_CELERY_READY_FILE``: touched by the worker once it consumes (readiness probe);
* ``BENCH_CELERY_BACKEND``: a Redis result backend URL, only for the chord of
  `bench.throughput` (a chord's join counts its parts in the backend); its keys take the
  same prefix. Unset: no backend, as in Podium's transport.

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

from podium.common.transport.celery_transport import DELIVERY_CONFIG

BROKER = os.environ.get("BENCH_CELERY_BROKER", "redis://127.0.0.1:6379/0")
PREFIX = os.environ.get("BENCH_CELERY_PREFIX", "podium_bench_celery:")
QUEUE = "bench.celery"

app = Celery("bench_celery", set_as_current=False)
app.conf.update(
    broker_url=BROKER,
    broker_transport_options={"global_keyprefix": PREFIX, "visibility_timeout": 12 * 3600},
    broker_connection_retry_on_startup=True,
    task_default_queue=QUEUE,
    **DELIVERY_CONFIG,
)
BACKEND = os.environ.get("BENCH_CELERY_BACKEND")
if BACKEND:
    app.conf.update(result_backend=BACKEND,
                    result_backend_transport_options={"global_keyprefix": PREFIX})

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


@app.task(name="bench.part", ignore_result=False, acks_late=True, reject_on_worker_lost=True)
def part() -> None:
    """One task of the chord's header: trivial, but its result is stored (the join counts
    the parts in the result backend)."""


def _touch_ready(**_: object) -> None:
    path = os.environ.get("BENCH_CELERY_READY_FILE")
    if path:
        Path(path).write_text(str(os.getpid()))


worker_ready.connect(_touch_ready, weak=False)
