"""The consumer's liveness check: a consumer whose prefetch is full of deliveries no live
handler holds (acks that failed while Redis was away) cannot take messages any more, and
must stop beating; one full of live handlers is only busy."""

from __future__ import annotations

from types import SimpleNamespace

from celery.worker import state as worker_state
from kombu.transport.virtual.base import QoS

from podium.common.transport.celery_consumer import _PodiumConsumer


class Request:  # what Celery's request sets hold (weakly)
    pass


def consumer_with(qos: QoS) -> SimpleNamespace:
    return SimpleNamespace(task_consumer=SimpleNamespace(channel=SimpleNamespace(qos=qos)))


def test_full_prefetch_without_live_handlers_cannot_take_messages():
    qos = QoS(channel=SimpleNamespace(do_restore=False), prefetch_count=2)
    assert _PodiumConsumer.can_take_messages(consumer_with(qos))
    qos.append("message-1", "tag-1")
    qos.append("message-2", "tag-2")
    assert not _PodiumConsumer.can_take_messages(consumer_with(qos))
    handlers = [Request(), Request()]
    worker_state.active_requests.update(handlers)
    try:
        assert _PodiumConsumer.can_take_messages(consumer_with(qos))  # busy, not stuck
    finally:
        worker_state.active_requests.difference_update(handlers)


def test_a_consumer_not_connected_cannot_take_messages():
    assert not _PodiumConsumer.can_take_messages(SimpleNamespace(task_consumer=None))
