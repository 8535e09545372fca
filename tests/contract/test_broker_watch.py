"""`BrokerWatch` on a real Redis: data loss told by the marker key, once per loss.

The shared Redis is never flushed here: a loss is the watch's own marker key deleted
(under a key prefix of the test's own), which is what an emptied Redis looks like to it.
A restart (a new run_id) is covered by tests/integration/test_broker_restart.py.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
import redis

sys.path.insert(0, str(Path(__file__).parent))
from test_transport_support import REDIS_URL, redis_up  # noqa: E402

from podium.common.transport import celery_watch  # noqa: E402
from podium.common.transport.celery_watch import BrokerWatch  # noqa: E402

pytestmark = pytest.mark.service


@pytest.fixture
def watch(monkeypatch):
    if not redis_up():
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    monkeypatch.setattr(celery_watch, "DATA_LOSS_SETTLE_SECONDS", 0.0)
    watch = BrokerWatch(REDIS_URL, f"podium-watch-{uuid.uuid4().hex[:8]}:")
    yield watch
    redis.Redis.from_url(REDIS_URL).delete(watch.marker)
    watch.stop()


def test_a_missing_marker_means_data_loss_once(watch):
    losses = []
    watch._on_data_loss.append(lambda: losses.append(1))  # no thread: rounds by hand
    watch.check()
    assert losses == [1]  # a first start cannot tell: looked for once
    watch.check()
    assert losses == [1]
    redis.Redis.from_url(REDIS_URL).delete(watch.marker)  # the broker came back empty
    watch.check()
    watch.check()
    assert losses == [1, 1]
    assert watch.generation == 0  # the broker itself never went away


def test_a_failing_callback_does_not_stop_the_watch(watch):
    def fail() -> None:
        raise RuntimeError("store down")

    watch._on_data_loss.append(fail)
    watch.check()  # logged, not raised
    assert watch.reachable
