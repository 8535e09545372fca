"""`CeleryTransport.consume_batches`: a queue's messages taken several at a time.

The executor's handler decides many messages in one transaction (group commit). Fed by
Celery's consumer it got them one at a time, through a pool thread each, and paid
Celery's delivery work per message (BRPOP, the unacked record, the request object, the
ack): about half of its CPU under load. Here each consumer thread takes what its queue
holds, up to `most`, in one Lua call that also records them as taken (celery_wire.py),
hands them to the handler as one list, and acknowledges them in one round trip.

What stays as with Celery's consumer:

* a message is acknowledged only after its handler's outcome is known; a message whose
  handler failed is republished with its failure count (or dead-lettered) by the same
  policy (`_Dispatch.on_failure`), then acknowledged; if even that cannot reach Redis, it
  stays recorded as taken and comes back when its visibility timeout passes;
* taken messages are kombu's (``unacked``/``unacked_index``): the lease keeper renews the
  ones held, this consumer sweeps abandoned ones back to their queues as Celery's does
  (`broker.restore_interval_seconds`), and `locate` sees them;
* `consuming` is sent about once a second while the consumer can take messages and at
  each attempt to reach an unreachable broker (readiness and liveness), `worker_ready`
  once it starts;
* a stop (event, SIGTERM, SIGINT) lets the batch in hand finish, then returns. Nothing is
  taken after it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import Celery, signals

from podium.common.transport.base import Payload, TransportError, decode_payload
from podium.common.transport.celery_consumer import RECONNECT_MAX_SECONDS, consuming
from podium.common.transport.celery_wire import Delivery, MalformedMessage, Taken, Wire, parse

log = logging.getLogger("podium.transport")

#: Outcome of each payload of a batch, in order: None when handled, else what it raised.
BatchHandler = Callable[[list[Payload]], list[BaseException | None]]

WAIT_SECONDS = 1.0  # the longest a blocked wait lasts: how soon a stop is noticed
BEAT_SECONDS = 1.0


class HeldTags:
    """Delivery tags this process's own consumers (batch or thread pool) hold: the lease
    keeper renews them."""

    def __init__(self) -> None:
        self._tags: set[str] = set()
        self._lock = threading.Lock()

    def add(self, tags: list[str]) -> None:
        with self._lock:
            self._tags.update(tags)

    def remove(self, tags: list[str]) -> None:
        with self._lock:
            self._tags.difference_update(tags)

    def __call__(self) -> list[str]:
        with self._lock:
            return sorted(self._tags)


class Rounds:
    """The loop of Podium's own consumers: rounds until `stop` is set, an unreachable
    broker tried again with growing pauses, and `consuming` sent about once a second (and
    at each attempt to reach the broker: waiting for it is not being stuck)."""

    def __init__(self, sender: Any, what: str, stop: threading.Event) -> None:
        self.sender, self.what, self.stop = sender, what, stop
        self._beaten = 0.0

    def run(self, one_round: Callable[[], None]) -> None:
        pause = 0.5
        while not self.stop.is_set():
            try:
                one_round()
                pause = 0.5
            except Exception as exc:  # noqa: BLE001 - redis-py's ConnectionError & co.
                if not unreachable(exc):
                    raise
                log.warning("broker unreachable (%s): %s tries again in %.1f s",
                            exc, self.what, pause)
                consuming.send(sender=self.sender)
                self.stop.wait(pause)
                pause = min(pause * 2, RECONNECT_MAX_SECONDS)

    def beat(self) -> None:
        now = time.monotonic()
        if now - self._beaten >= BEAT_SECONDS:
            self._beaten = now
            consuming.send(sender=self.sender)


class BatchConsumer:
    def __init__(self, app: Celery, wire: Wire, queue: str, handler: BatchHandler, *,
                 most: int, stop: threading.Event, held: HeldTags) -> None:
        self.app, self.wire, self.queue, self.handler = app, wire, queue, handler
        self.most, self.stop, self.held = most, stop, held
        self._dispatch = app.podium_dispatch
        self._rounds = Rounds(self, "batch consumer", stop)

    def run(self) -> None:
        """Take, handle and acknowledge batches until `stop` is set."""
        self._rounds.run(self._round)

    def _round(self) -> None:
        self._rounds.beat()
        taken = self.wire.take(self.queue, self.most)
        if not taken:
            self.wire.wait(self.queue, WAIT_SECONDS)
            return
        log.info("took %d message(s) from %s", len(taken), self.queue)
        self.held.add([message.tag for message in taken])
        try:
            self._handle(taken)
        finally:
            self.held.remove([message.tag for message in taken])

    def _handle(self, taken: list[Taken]) -> None:
        deliveries: list[Delivery] = []
        payloads: list[Payload] = []
        done: list[str] = []
        for tag, raw, _ in taken:
            try:
                delivery = parse(tag, raw)
                payload = decode_payload(delivery.body)
            except MalformedMessage as exc:
                log.error("discarded a message on %s: %s", self.queue, exc)
                done.append(tag)
                continue
            except (ValueError, TransportError) as exc:  # a body that is no JSON object
                if republish_failed(self._dispatch, delivery, exc):
                    done.append(tag)
                continue
            deliveries.append(delivery)
            payloads.append(payload)
        outcomes = self._outcomes(payloads)
        for delivery, error in zip(deliveries, outcomes):
            if error is None or republish_failed(self._dispatch, delivery, error):
                done.append(delivery.tag)
        self.wire.ack(done)

    def _outcomes(self, payloads: list[Payload]) -> list[BaseException | None]:
        if not payloads:
            return []
        try:
            outcomes = self.handler(payloads)
        except Exception as exc:  # noqa: BLE001 - the batch's handler itself failed
            return [exc] * len(payloads)
        if len(outcomes) != len(payloads):
            error = TransportError(f"batch handler gave {len(outcomes)} outcomes for "
                                   f"{len(payloads)} messages")
            return [error] * len(payloads)
        return outcomes



def republish_failed(dispatch: Any, delivery: Delivery, error: BaseException) -> bool:
    """Republish or dead-letter a message whose handler raised (`_Dispatch.on_failure`);
    True when it may be acknowledged (the copy is on the broker)."""
    try:
        dispatch.on_failure(delivery.queue, delivery.body, delivery.failures,
                            delivery.outages, error)
        return True
    except TransportError as publish_error:
        log.warning("could not republish a failed message on %s (%s): it comes back "
                    "after the visibility timeout", delivery.queue, publish_error)
        return False


class Sweeper:
    """Puts messages whose holder stopped renewing them back on their queues, as a Celery
    consumer's event loop does (kombu's `restore_visible`, under its Redis mutex)."""

    def __init__(self, app: Celery, every: float, stop: threading.Event) -> None:
        self.app, self.every, self.stop = app, every, stop

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._loop, name="podium-restore", daemon=True)
        thread.start()
        return thread

    def _loop(self) -> None:
        while not self.stop.wait(self.every):
            try:
                self.sweep()
            except Exception as exc:  # noqa: BLE001 - Redis away: the next round tries
                log.debug("restore sweep skipped: %s", exc)

    def sweep(self) -> None:
        with self.app.connection_for_write() as connection:
            channel: Any = connection.default_channel
            channel.qos.restore_visible(num=channel.unacked_restore_limit, interval=1)


def run_consumers(app: Celery, wire: Wire, queue: str, handler: BatchHandler, *,
                  concurrency: int, most: int, stop: threading.Event,
                  held: HeldTags) -> None:
    """`concurrency` batch consumers of `queue`, each in its own thread, until `stop`."""
    consumers = [BatchConsumer(app, wire, queue, handler, most=most, stop=stop, held=held)
                 for _ in range(concurrency)]
    failures: list[BaseException] = []

    def run(consumer: BatchConsumer) -> None:
        try:
            consumer.run()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller's thread
            failures.append(exc)
            stop.set()

    threads = [threading.Thread(target=run, args=(c,), name=f"podium-batches-{i}",
                                daemon=True) for i, c in enumerate(consumers)]
    for thread in threads:
        thread.start()
    signals.worker_ready.send(sender=consumers[0])
    for thread in threads:
        thread.join()
    if failures:
        raise TransportError(f"batch consumer of {queue} failed: {failures[0]}") \
            from failures[0]


def unreachable(exc: BaseException) -> bool:
    import redis

    return isinstance(exc, (redis.ConnectionError, redis.TimeoutError, ConnectionError,
                            OSError))
