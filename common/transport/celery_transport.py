"""`CeleryTransport`: the transport contract on Celery + Redis.

Celery is used as a transport and a worker pool, nothing more: one generic task,
``podium.handle(queue, body, failures)``, carries every message; ``body`` is the payload's
strict JSON text (so kombu's JSON extensions never alter it). The task looks up the handler
the service registered for ``queue`` in `consume` and calls it. No chains, chords, ETA,
countdown or result backend: workflow logic (retries, timers) lives in the executor's store.

Delivery guarantees, and which setting gives each:

* acknowledged after the handler returns: ``task_acks_late``;
* worker process killed mid-handler (OOM, SIGKILL of a pool child): ``task_reject_on_worker_lost``
  requeues the message at once;
* whole worker killed (host lost, SIGKILL of the main process): the message stays in Redis's
  ``unacked`` hash and is restored by another consumer's sweep (every
  ``broker.restore_interval_seconds``) once ``broker.visibility_timeout_seconds`` passed
  since its holder last renewed it. A live worker renews every message it holds
  (`celery_leases.LeaseKeeper`), so a long task is never handed to a second worker;
* a handler learns that its message is such a redelivery from `is_redelivery()`, as it
  does for a message published again (`redelivery=True`, carried as the task's `resent`
  argument) and for a message whose handler raised before (`failures` > 0);
* claims are Redis keys under the key prefix (`common/transport/redis_claims.py`);
* handler raised: the task itself republishes the message with ``failures + 1`` (after a
  back-off; an outage of the store counts in ``outages`` instead, see
  `common.transport.base.next_delivery`) or, at ``broker.max_failures``, publishes a
  dead-letter envelope to
  ``<queue>.dead``; then it returns, so the original is acknowledged. A crash between the two
  steps means a duplicate, never a loss;
* one task reserved per pool process at a time: ``worker_prefetch_multiplier=1``, so a slow
  task never holds others hostage in a prefetch buffer.

Shutdown: `consume` runs a Celery ``WorkController`` in the calling thread. Setting the
``stop`` event, or SIGTERM/SIGINT when `consume` runs in the main thread, sets Celery's
``should_stop`` flag: a warm shutdown. The worker stops taking messages, waits for running
handlers to finish and acknowledges them; reserved but unstarted messages are given back to
Redis when the channel closes (kombu's ``restore_at_shutdown``). A second signal asks for a
cold shutdown (running handlers terminated, their messages requeued). SIGKILL skips all
that, and the visibility timeout covers it.

Broadcast uses a kombu fanout exchange (`kombu.common.Broadcast`), which kombu maps to Redis
PUBLISH/SUBSCRIBE: each subscriber gets an exclusive, auto-deleted queue, so subscribers
connected at publish time each get a copy, and nothing is stored for absent ones.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from celery import Celery, signals
from celery.app.trace import setup_worker_optimizations
from celery.exceptions import Reject
from celery.worker import state as worker_state

from podium.common.settings import Settings
from podium.common.transport.base import (
    LAPSED,
    RESENT,
    BatchHandler,
    Handler,
    Payload,
    StopSubscription,
    TakeClaim,
    Transport,
    TransportError,
    check_queue_name,
    dead_letter_envelope,
    dead_letter_queue,
    decode_payload,
    encode_payload,
    handling_redelivery,
    message_mark,
    next_delivery,
)
from podium.common.transport.celery_batches import HeldTags, Sweeper, run_consumers
from podium.common.transport.celery_broadcast import Subscriber, fanout
from podium.common.transport.celery_consumer import consumer_class
from podium.common.transport.celery_leases import LeaseKeeper, locate_marks, marked_task_id
from podium.common.transport.celery_pool import run_pool
from podium.common.transport.celery_watch import BrokerWatch
from podium.common.transport.celery_wire import TASK_NAME, Wire
from podium.common.transport.redis_claims import RedisClaims

log = logging.getLogger("podium.transport")

# How Podium uses Celery, shared with the raw-Celery baseline of bench/ so the comparison
# is fair: transport and worker pool only.
DELIVERY_CONFIG = dict(
    # Delivery: ack after the handler, requeue when the pool process died, one at a time.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    # Our task only raises Reject (requeue) when it cannot republish; anything else would
    # be a bug in it, and then the message is acknowledged rather than looping forever.
    task_acks_on_failure_or_timeout=True,
    # JSON only, both ways.
    task_serializer="json",
    accept_content=["json"],
    event_serializer="json",
    # No results: outcomes travel as messages to the executor, never through a backend.
    result_backend=None,
    task_ignore_result=True,
    task_store_errors_even_if_ignored=False,
    task_track_started=False,
    # No monitoring chatter on the broker; remote control is not part of the contract.
    worker_send_task_events=False,
    task_send_sent_event=False,
    worker_enable_remote_control=False,
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
)

# Pauses between publish attempts while the broker is unreachable (see `send_many`). Short:
# a worker's result held back by an outage must reach the broker soon after it is back,
# before the executor's look for lost messages (a second, 1 s after the first, once the
# broker watch saw it back) takes its attempt for lost and resubmits it.
PUBLISH_RETRY_FIRST = 0.1
PUBLISH_RETRY_MAX = 0.5


class _Dispatch:
    """The per-process state of the generic task: handlers by queue, failure policy.

    Handlers are registered by `consume` before the worker (and its pool processes, which
    inherit them by fork) starts, so no dotted-path import is ever needed to find them.
    """

    def __init__(self, app: Celery, max_failures: int, backoff: float,
                 max_outages: int = 360) -> None:
        self.app = app
        self.handlers: dict[str, Handler] = {}
        self.max_failures = max_failures
        self.backoff = backoff
        self.max_outages = max_outages

    def handle(self, queue: str, body: str, failures: int, redelivered: str | None = None,
               outages: int = 0) -> None:
        token = handling_redelivery(redelivered or (RESENT if failures or outages else None))
        try:
            handler = self.handlers.get(queue)
            if handler is None:
                raise TransportError(f"no handler registered for queue {queue!r} in this process")
            handler(decode_payload(body))
        except Exception as exc:  # noqa: BLE001 - any error means "not done": redeliver
            try:
                self.on_failure(queue, body, failures, outages, exc)
            except TransportError as publish_error:
                # Could not republish (Redis gone?): hand the original back unacknowledged
                # rather than let Celery acknowledge a failed task. If even the reject
                # cannot reach Redis, the visibility timeout restores the message.
                raise Reject(str(publish_error), requeue=True) from publish_error
        finally:
            token.var.reset(token)

    def on_failure(self, queue: str, body: str, failures: int, outages: int,
                   exc: BaseException) -> None:
        """After `exc` from the handler: publish the message again, or dead-letter it."""
        then = next_delivery(exc, failures, outages, max_failures=self.max_failures,
                             backoff=self.backoff, max_outages=self.max_outages)
        error = f"{type(exc).__name__}: {exc}"
        if then.dead:
            log.error("message on %s failed %d times, dead-lettered: %s", queue, then.failures,
                      error, exc_info=exc)
            dead = dead_letter_envelope(queue, decode_payload(body), error, then.failures)
            send(self.app, dead_letter_queue(queue), encode_payload(dead))
            return
        log.warning("message on %s failed (%d/%d, outages %d), redelivering: %s", queue,
                    then.failures, self.max_failures, then.outages, error)
        # A sleep, not a countdown: Celery's ETA messages sit in worker memory, outside the
        # visibility-timeout guarantees. The back-off is short and capped.
        time.sleep(then.delay)
        send(self.app, queue, body, then.failures, message_mark(decode_payload(body)),
             outages=then.outages)


def make_celery_app(settings: Settings, *, name: str = "podium") -> Celery:
    """A Celery app configured for Podium's contract. One per process, built at startup."""
    broker = settings.broker
    app = Celery(name, set_as_current=False)
    transport_options: dict[str, Any] = {
        "visibility_timeout": broker.visibility_timeout_seconds,
        # Sweep for abandoned messages every restore_interval seconds; the default throttle
        # (10) would make that 10x slower than configured.
        "unacked_restore_interval": broker.restore_interval_seconds,
        "unacked_restore_throttle": 1,
        # The sweep runs under a Redis lock that expires after this; kombu's 5 minutes
        # would let one consumer killed mid-sweep stop every restore for that long.
        # (Restoring is transactional per message: overlapping sweeps restore once.)
        "unacked_mutex_expire": max(10, int(3 * broker.restore_interval_seconds)),
        # A broker host that vanished (no refusal, no reset) must not hold a connect, or
        # an idle connection, forever: consumers reconnect with backoff instead.
        "socket_connect_timeout": 5,
        "socket_keepalive": True,
    }
    if broker.key_prefix:
        transport_options["global_keyprefix"] = broker.key_prefix
    app.conf.update(
        broker_url=broker.url,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        # Unknown queue names become queues on demand: `podium.worker.<group>` is not
        # known in advance.
        task_create_missing_queues=True,
        task_default_queue="podium.executor",
        # On Redis an ack is an HDEL that works from any connection, so a task outliving a
        # broken connection can still be acknowledged; cancelling it would only waste work.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        # Reconnect for as long as the broker is away (celery_consumer.py); Celery's
        # default gives up after 100 tries and stops the worker.
        broker_connection_max_retries=None,
        **DELIVERY_CONFIG,
    )
    dispatch = _Dispatch(app, broker.max_failures, broker.retry_backoff_seconds,
                         broker.max_outage_retries)

    # shared=False: a shared task would be bound to every app in the process, and the first
    # app's closure (its handlers) would serve them all.
    @app.task(name=TASK_NAME, shared=False, ignore_result=True, acks_late=True,
              reject_on_worker_lost=True, bind=True)
    def handle(task: Any, queue: str, body: str, failures: int = 0, outages: int = 0,
               resent: bool = False) -> None:
        # kombu marks a message it put back (dead holder, lost pool process) as redelivered.
        lapsed = bool((task.request.delivery_info or {}).get("redelivered"))
        dispatch.handle(queue, body, failures, LAPSED if lapsed else RESENT if resent else None,
                        outages)

    app.podium_dispatch = dispatch
    app.podium_publish_patience = broker.publish_patience_seconds
    app.podium_watch = BrokerWatch(broker.url, broker.key_prefix)
    app.podium_wire = Wire(broker.url, broker.key_prefix)
    return app


def send(app: Celery, queue: str, body: str, failures: int = 0, mark: str | None = None, *,
         outages: int = 0, resent: bool = False) -> None:
    """Publish one already encoded message (`send_many`)."""
    send_many(app, [(queue, body, mark)], failures=failures, outages=outages, resent=resent)


def send_many(app: Celery, messages: list[tuple[str, str, str | None]], *, failures: int = 0,
              outages: int = 0, resent: bool = False) -> None:
    """Publish already encoded messages, (queue, body, mark) each, in order and in one
    round trip, as the `podium.handle` calls `send_task` would send (celery_wire.py).
    Never with eta/countdown/expires. A marked message's Celery task id starts with its
    mark, which is what `locate` looks for.

    While the broker is unreachable, tries again with growing pauses for up to
    ``broker.publish_patience_seconds``: a worker's result outlives a Redis restart
    instead of failing its handler, which would run its task again."""
    wire = app.podium_wire
    # Trailing arguments only when set: most messages keep the task's shortest form.
    tail = [failures, outages, True] if resent else [failures, outages] if outages \
        else [failures]
    texts = [(queue, wire.envelope(queue, [queue, body, *tail],
                                   marked_task_id(mark) if mark else None))
             for queue, body, mark in messages]
    deadline = time.monotonic() + app.podium_publish_patience
    pause = PUBLISH_RETRY_FIRST
    while True:
        try:
            wire.push(texts)
            return
        except Exception as exc:  # redis-py's ConnectionError & co.: Redis unreachable
            where = ", ".join(sorted({queue for queue, _ in texts}))
            if time.monotonic() + pause > deadline:
                raise TransportError(f"could not publish to {where}: {exc}") from exc
            log.warning("could not publish to %s (%s): trying again in %.1f s", where, exc,
                        pause)
            time.sleep(pause)
            pause = min(pause * 2, PUBLISH_RETRY_MAX)


class CeleryTransport(Transport):
    def __init__(self, app: Celery) -> None:
        dispatch = getattr(app, "podium_dispatch", None)
        if not isinstance(dispatch, _Dispatch):
            raise TransportError("CeleryTransport needs an app built by make_celery_app()")
        self.app = app
        self._dispatch = dispatch
        options = app.conf.broker_transport_options or {}
        self._claims = RedisClaims(app.conf.broker_url, options.get("global_keyprefix", ""))
        self.watch: BrokerWatch = app.podium_watch

    # -- producer side -------------------------------------------------------------------

    def _publish_encoded(self, queue: str, text: str, mark: str | None = None,
                         redelivery: bool = False) -> None:
        send(self.app, queue, text, mark=mark, resent=redelivery)

    def publish_many(self, messages: Iterable[tuple[str, Payload]]) -> None:
        batch = [(check_queue_name(q), encode_payload(p), message_mark(p)) for q, p in messages]
        if batch:
            send_many(self.app, batch)

    def claim(self, name: str, holder: str, ttl_seconds: float, *,
              replacing: str | None = None) -> str | None:
        return self._claims.claim(name, holder, ttl_seconds, replacing)

    def release(self, name: str, holder: str) -> None:
        self._claims.release(name, holder)

    def locate(self, queues: Iterable[str], marks: Iterable[str]) -> set[str]:
        names = [check_queue_name(q) for q in queues]
        try:
            return locate_marks(self.app, names, marks)
        except Exception as exc:  # redis-py's ConnectionError & co.
            raise TransportError(f"could not look for messages on the broker: {exc}") from exc

    # -- consumer side -------------------------------------------------------------------

    def consume(self, queues: list[str], handler: Handler, *, concurrency: int = 1,
                stop: threading.Event, claim: TakeClaim | None = None,
                pool: str = "prefork") -> None:
        """Run a Celery worker on `queues` until `stop` is set (or SIGTERM/SIGINT).

        `pool`: ``prefork`` (default; each handler in a child process, which is what task
        isolation and `task_reject_on_worker_lost` need), ``threads`` or ``solo``. With
        ``threads`` the messages are taken by Podium's own consumer and thread pool
        (celery_pool.py), not Celery's worker: the same messages, records and guarantees at
        a fraction of the CPU. `claim` is honoured on ``threads`` only (Celery's own
        consumer takes the messages of the other pools).
        """
        names = [check_queue_name(q) for q in queues]
        if not names:
            raise TransportError("consume needs at least one queue")
        if concurrency < 1:
            raise TransportError("concurrency must be >= 1")
        for name in names:
            self._dispatch.handlers[name] = handler
        if pool == "threads":
            self._consume_on_threads(names, handler, concurrency, stop, claim)
            return
        # The flags are module globals of Celery: a previous consume in this process left
        # them set, which would stop the new worker at once.
        worker_state.should_stop = None
        worker_state.should_terminate = None
        hostname = f"podium-{os.getpid()}-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        # What `celery worker` does before starting: makes this app the process's current
        # app and points the task tracer at its registry. Without it the pool looks tasks
        # up in Celery's default app, where podium.handle does not exist.
        setup_worker_optimizations(self.app, hostname)
        worker = self.app.WorkController(
            hostname=hostname, queues=names, concurrency=concurrency, pool_cls=pool,
            without_gossip=True, without_mingle=True, without_heartbeat=True,
            # `celery worker` sends worker_ready from its own subclass; a bare WorkController
            # does not, and readiness probes rely on it.
            ready_callback=lambda consumer: signals.worker_ready.send(sender=consumer),
            consumer_cls=consumer_class(self.watch.start()),
        )
        finished = threading.Event()
        watcher = threading.Thread(target=_stop_when_set, args=(stop, finished),
                                   name="podium-consume-stop", daemon=True)
        watcher.start()
        restore_signals = _install_signal_handlers(stop)
        leases = LeaseKeeper(self.app, lambda: self.watch.generation).start()
        try:
            worker.start()  # returns after a warm shutdown
        finally:
            leases.stop()
            finished.set()
            restore_signals()
            watcher.join()
        if worker.exitcode not in (None, 0):
            raise TransportError(f"Celery worker on {names} exited with code {worker.exitcode}")

    def _consume_on_threads(self, queues: list[str], handler: Handler, concurrency: int,
                            stop: threading.Event, claim: TakeClaim | None) -> None:
        """pool="threads": Podium's own consumer and thread pool (celery_pool.py)."""
        with self._own_consumer(stop) as held:
            run_pool(self.app, self.app.podium_wire, queues, handler,
                     concurrency=concurrency, stop=stop, held=held, claim=claim)

    @contextmanager
    def _own_consumer(self, stop: threading.Event) -> Iterator[HeldTags]:
        """What Podium's own consumers run beside them, as Celery's worker does: the broker
        watch, leases on the messages they hold, the restore sweep, SIGTERM/SIGINT as a
        warm shutdown. Yields the held messages' record."""
        self.watch.start()
        held = HeldTags()
        leases = LeaseKeeper(self.app, lambda: self.watch.generation, held).start()
        options = self.app.conf.broker_transport_options or {}
        sweeping = Sweeper(self.app, float(options.get("unacked_restore_interval", 10)),
                           stop).start()
        restore_signals = _install_signal_handlers(stop)
        try:
            yield held
        finally:
            stop.set()
            leases.stop()
            restore_signals()
            sweeping.join(timeout=5)

    takes_batches = True

    def consume_batches(self, queue: str, handler: BatchHandler, *, concurrency: int = 1,
                        stop: threading.Event, most: int = 32) -> None:
        """`concurrency` threads each take up to `most` waiting messages at once
        (celery_batches.py), until `stop` is set (or SIGTERM/SIGINT)."""
        name = check_queue_name(queue)
        if concurrency < 1 or most < 1:
            raise TransportError("concurrency and most must be >= 1")
        with self._own_consumer(stop) as held:
            run_consumers(self.app, self.app.podium_wire, name, handler,
                          concurrency=concurrency, most=most, stop=stop, held=held)

    def watch_data_loss(self, callback: Callable[[], None]) -> None:
        self.watch.on_data_loss(callback)

    def close(self) -> None:
        self._claims.close()
        self.app.podium_wire.close()
        self.watch.stop()
        self.app.close()  # producer and connection pools

    # -- broadcast -----------------------------------------------------------------------

    def broadcast(self, channel: str, payload: Payload) -> None:
        exchange = fanout(check_queue_name(channel))
        text = encode_payload(payload)
        try:
            with self.app.producer_or_acquire() as producer:
                producer.publish(text, exchange=exchange, routing_key="", serializer="json",
                                 declare=[exchange], retry=True)
        except Exception as exc:
            raise TransportError(f"could not broadcast on {channel}: {exc}") from exc

    def subscribe_broadcast(self, channel: str, handler: Handler) -> StopSubscription:
        sub = Subscriber(self.app, check_queue_name(channel), handler)
        return sub.start()


def _stop_when_set(stop: threading.Event, finished: threading.Event) -> None:
    while not finished.is_set():
        if stop.wait(0.2):
            # Exactly what Celery's own SIGTERM handler does: ask for a warm shutdown, which
            # the consumer loop notices on its next iteration.
            worker_state.should_stop = 0
            return


def _install_signal_handlers(stop: threading.Event) -> Callable[[], None]:
    """SIGTERM/SIGINT -> warm shutdown, when we own the main thread; returns an undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def on_signal(signum: int, _frame: Any) -> None:
        if stop.is_set():
            # Second signal: the operator will not wait. Cold shutdown terminates running
            # handlers; their messages are requeued (reject_on_worker_lost) or restored.
            log.warning("signal %s again: cold shutdown, running handlers are terminated", signum)
            worker_state.should_terminate = 1
            return
        log.info("signal %s: warm shutdown, running handlers finish first", signum)
        stop.set()
        worker_state.should_stop = 0

    for sig in previous:
        signal.signal(sig, on_signal)

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore
