"""The Celery consumer `CeleryTransport.consume` runs: Celery's, made to survive broker
restarts, and to say whether it still consumes.

Celery's consumer reconnects when a read on its connection fails. Three things kept it
from consuming again after a Redis restart:

* a consumer whose slots were all busy had no BRPOP outstanding, so nothing failed: it
  never reconnected, and the acks of its running handlers failed on the dead connection,
  leaving their deliveries counted as held: its prefetch stayed full for good. Now a
  check in its event loop compares the `BrokerWatch` generation it connected at with the
  current one, and raises a connection error when the broker came back since, which
  makes Celery reconnect;
* reconnecting closes the old channel, and kombu then puts every message it delivered
  back on its queue (``restore_at_shutdown``): the handlers still running would run a
  second time. The old channels are told not to (`_keep_unacked`): a running handler
  acknowledges through its old channel, which opens a new Redis connection for that (an
  ack is an HDEL on Redis); a handler that cannot is covered by the visibility timeout;
* Celery retried connecting 100 times, with waits growing to 30 s, then stopped the worker.
  Now it retries for as long as the broker is away, at most `RECONNECT_MAX_SECONDS` apart.

The same check sends `consuming` (observability turns it into the liveness beat) while the
consumer can take messages: connected, and either below its prefetch or busy with as many
live handlers as it holds messages; each failed reconnection attempt sends it too (the
broker is away: restarting the process would not help). A consumer that hangs or holds
deliveries no handler will ever acknowledge stops sending it, and /healthz fails.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Iterator

from celery.utils.dispatch import Signal
from celery.worker import state as worker_state
from celery.worker.consumer import Consumer
from redis.exceptions import ConnectionError as RedisConnectionError

from podium.common.transport.celery_watch import BrokerWatch

log = logging.getLogger("podium.transport")

CHECK_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 5.0

#: Sent (sender: the consumer) about once a second while the consumer can take messages,
#: and at each attempt to reconnect.
consuming = Signal(name="podium_consuming")


def consumer_class(watch: BrokerWatch) -> type[Consumer]:
    """A Celery consumer class bound to `watch` (one per `consume`)."""
    return type("PodiumConsumer", (_PodiumConsumer,), {"watch": watch})


class _PodiumConsumer(Consumer):
    watch: BrokerWatch
    connected_generation = -1

    def ensure_connected(self, conn: Any) -> Any:
        def on_error(exc: Exception, interval: float, *_: Any) -> None:
            log.warning("broker unreachable (%s): consumer reconnects in %.1f s", exc, interval)
            # Waiting for the broker is not being stuck: a restart by the orchestrator
            # would only kill the handlers still running.
            consuming.send(sender=self)

        conn = conn.ensure_connection(on_error, None, interval_start=0.5, interval_step=1.0,
                                      interval_max=RECONNECT_MAX_SECONDS,
                                      callback=worker_state.maybe_shutdown)
        self.first_connection_attempt = False
        self.broker_connection_retry_attempt = 0
        # Connected: the restarts the watch saw so far are behind this connection.
        self.connected_generation = self.watch.generation
        return conn

    def register_with_event_loop(self, hub: Any) -> None:
        super().register_with_event_loop(hub)
        # Registered at each (re)connection; Celery cancels it with the connection.
        hub.call_repeatedly(CHECK_SECONDS, self._check)

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        _keep_unacked(self.connection)
        super().on_connection_error_after_connected(exc)

    def _check(self) -> None:
        if self.watch.generation != self.connected_generation:
            log.warning("the broker restarted since this consumer connected: reconnecting")
            raise RedisConnectionError("broker restarted")
        if self.can_take_messages():
            consuming.send(sender=self)

    def can_take_messages(self) -> bool:
        """False when its prefetch is full of deliveries no live handler holds."""
        qos = getattr(getattr(self.task_consumer, "channel", None), "qos", None)
        if qos is None or qos.can_consume():
            return qos is not None
        held = len(qos._delivered) - len(qos._dirty)
        live = len(worker_state.active_requests | worker_state.reserved_requests)
        return held <= live


def _keep_unacked(connection: Any) -> None:
    """Prepare the channels of a broken connection for Celery closing them: closing must
    not requeue what they delivered, and the handlers still running must still be able to
    acknowledge through them (see the module doc)."""
    transport = getattr(connection, "transport", None) if connection is not None else None
    for channel in list(getattr(transport, "channels", None) or []):
        channel.do_restore = False
        _ack_through_own_client(channel)


def _ack_through_own_client(channel: Any) -> None:
    """Closing a kombu Redis channel drops its connection pool, and an ack through it then
    fails (and, from the event loop, stops the worker). The channel's QoS gets its
    Redis clients from `conn_or_acquire`: from now on, one client kept aside for it, whose
    pool reconnects when the broker is back."""
    try:
        client = channel._create_client()
    except Exception:  # noqa: BLE001 - not a kombu Redis channel: nothing to keep
        return

    @contextmanager
    def conn_or_acquire(given: Any = None) -> Iterator[Any]:
        yield given or client

    channel.conn_or_acquire = conn_or_acquire
