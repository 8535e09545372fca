"""`InProcessTransport`: the transport contract in memory, with threads.

The embedded mode runs executor and workers in one process over this transport, and unit
tests of services use it, so it honours the same contract as `CeleryTransport` (the same
contract tests run on both), like dramatiq's StubBroker:

* payloads are JSON-encoded at publish and decoded per delivery, so a handler never shares
  (or mutates) the publisher's objects and non-JSON payloads fail exactly as on Redis;
* a message is removed for good only when its handler returns; an exception puts it back
  at the end of its queue, and the `max_failures`-th failure moves it to `<queue>.dead`;
* broadcast subscribers each get a thread, as they would on a real broker;
* claims expire as on Redis (`_Claims`), and a handler sees `is_redelivery()` for a message
  published again (`redelivery=True`) or handled before (its handler raised).

What it cannot honour: nothing survives the process (no durability), so "a consumer process
dies" means the whole embedded system dies with its queues.
"""

from __future__ import annotations

import logging
import queue as queue_mod
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from podium.common.transport.base import (
    DEAD_LETTER_SUFFIX,
    LAPSED,
    RESENT,
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
    next_delivery,
)

if TYPE_CHECKING:
    from podium.common.settings import Settings

log = logging.getLogger("podium.transport")


@dataclass(eq=False)
class _Envelope:
    queue: str
    text: str
    failures: int = 0
    mark: str | None = None
    outages: int = 0  # failures because the store was unavailable (not counted above)
    redelivered: str | None = None  # LAPSED, RESENT: may have been handled before


class InProcessTransport(Transport):
    def __init__(self, *, max_failures: int = 5, retry_backoff_seconds: float = 0.0,
                 max_outage_retries: int = 360) -> None:
        if max_failures < 1:
            raise ValueError("max_failures must be >= 1")
        self.max_failures = max_failures
        self.retry_backoff_seconds = retry_backoff_seconds
        self.max_outage_retries = max_outage_retries
        # One condition for every queue: a consumer of several queues waits on one thing,
        # and publish wakes it whatever queue the message went to.
        self._cond = threading.Condition()
        self._queues: dict[str, deque[_Envelope]] = defaultdict(deque)
        self._taken: set[_Envelope] = set()  # being handled: not acknowledged yet
        self._subs_lock = threading.Lock()
        self._subscriptions: dict[str, list[_Subscription]] = defaultdict(list)
        self._claims = _Claims()

    @classmethod
    def from_settings(cls, settings: Settings) -> InProcessTransport:
        return cls(max_failures=settings.broker.max_failures,
                   retry_backoff_seconds=settings.broker.retry_backoff_seconds,
                   max_outage_retries=settings.broker.max_outage_retries)

    # -- producer side -------------------------------------------------------------------

    def _publish_encoded(self, queue: str, text: str, mark: str | None = None,
                         redelivery: bool = False) -> None:
        self._put(_Envelope(queue, text, mark=mark, redelivered=RESENT if redelivery else None))

    def claim(self, name: str, holder: str, ttl_seconds: float, *,
              replacing: str | None = None) -> str | None:
        return self._claims.claim(name, holder, ttl_seconds, replacing)

    def release(self, name: str, holder: str) -> None:
        self._claims.release(name, holder)

    def _put(self, envelope: _Envelope, *, front: bool = False) -> None:
        with self._cond:
            q = self._queues[envelope.queue]
            q.appendleft(envelope) if front else q.append(envelope)
            self._cond.notify_all()

    def locate(self, queues: Iterable[str], marks: Iterable[str]) -> set[str]:
        wanted, names = set(marks), set(queues)
        with self._cond:
            held = [e for name in names for e in self._queues.get(name, ())]
            held += self._taken
        return {e.mark for e in held if e.mark in wanted}

    def pending(self, queue: str) -> int:
        """Messages waiting in `queue` (not counting those being handled). For tests."""
        with self._cond:
            return len(self._queues.get(queue, ()))

    def busy(self) -> dict[str, int]:
        """Messages queued or being handled, per queue (dead-letter queues left out: no
        one consumes them). Empty when every message published was handled. For tests."""
        with self._cond:
            held = [e.queue for q in self._queues.values() for e in q]
            held += [e.queue for e in self._taken]
        counts: dict[str, int] = {}
        for name in held:
            if not name.endswith(DEAD_LETTER_SUFFIX):
                counts[name] = counts.get(name, 0) + 1
        return counts

    # -- consumer side -------------------------------------------------------------------

    def consume(self, queues: list[str], handler: Handler, *, concurrency: int = 1,
                stop: threading.Event, claim: TakeClaim | None = None) -> None:
        # `claim` is not made at take here: a handler's own claim costs no round trip.
        names = [check_queue_name(q) for q in queues]
        if not names:
            raise TransportError("consume needs at least one queue")
        if concurrency < 1:
            raise TransportError("concurrency must be >= 1")
        threads = [threading.Thread(target=self._run, args=(names, handler, stop, i),
                                    name=f"podium-consumer-{names[0]}-{i}", daemon=True)
                   for i in range(concurrency)]
        for t in threads:
            t.start()
        stop.wait()
        with self._cond:  # wake idle threads so they see `stop`
            self._cond.notify_all()
        for t in threads:  # warm shutdown: running handlers finish and are acknowledged
            t.join()

    def _run(self, queues: list[str], handler: Handler, stop: threading.Event, index: int) -> None:
        turn = index  # threads start their scan on different queues: no queue starves
        while True:
            with self._cond:
                envelope = None
                while not stop.is_set():
                    envelope = self._take(queues, turn)
                    if envelope is not None:
                        break
                    # Checked and waited under the lock: a notify sent after stop.set()
                    # cannot slip between the check and the wait.
                    self._cond.wait()
                if envelope is None:
                    return
            turn += 1
            self._deliver(envelope, handler, stop)

    def _take(self, queues: list[str], turn: int) -> _Envelope | None:
        for i in range(len(queues)):
            q = self._queues.get(queues[(turn + i) % len(queues)])
            if q:
                envelope = q.popleft()
                self._taken.add(envelope)
                return envelope
        return None

    def _deliver(self, envelope: _Envelope, handler: Handler, stop: threading.Event) -> None:
        token = handling_redelivery(envelope.redelivered or
                                    (RESENT if envelope.failures or envelope.outages else None))
        try:
            handler(decode_payload(envelope.text))
        except Exception as exc:  # noqa: BLE001 - any handler error means "not acknowledged"
            self._on_failure(envelope, exc, stop)
        except BaseException:
            # The thread is going away mid-handler (like a dying process): the message was
            # never acknowledged, so it goes back where it was.
            envelope.redelivered = LAPSED
            self._put(envelope, front=True)
            raise
        finally:
            token.var.reset(token)
            with self._cond:
                self._taken.discard(envelope)

    def _on_failure(self, envelope: _Envelope, exc: Exception, stop: threading.Event) -> None:
        then = next_delivery(exc, envelope.failures, envelope.outages,
                             max_failures=self.max_failures, backoff=self.retry_backoff_seconds,
                             max_outages=self.max_outage_retries)
        error = f"{type(exc).__name__}: {exc}"
        if then.dead:
            log.error("message on %s failed %d times, dead-lettered: %s", envelope.queue,
                      then.failures, error, exc_info=exc)
            dead = dead_letter_envelope(envelope.queue, decode_payload(envelope.text), error,
                                        then.failures)
            self._put(_Envelope(dead_letter_queue(envelope.queue), encode_payload(dead)))
            return
        log.warning("message on %s failed (%d/%d, outages %d), redelivering: %s",
                    envelope.queue, then.failures, self.max_failures, then.outages, error)
        stop.wait(then.delay)
        self._put(_Envelope(envelope.queue, envelope.text, then.failures, envelope.mark,
                            then.outages))

    # -- broadcast -----------------------------------------------------------------------

    def broadcast(self, channel: str, payload: Payload) -> None:
        text = encode_payload(payload)
        with self._subs_lock:
            subs = list(self._subscriptions.get(check_queue_name(channel), ()))
        for sub in subs:
            sub.inbox.put(text)

    def subscribe_broadcast(self, channel: str, handler: Handler) -> StopSubscription:
        sub = _Subscription(check_queue_name(channel), handler)
        with self._subs_lock:
            self._subscriptions[channel].append(sub)
        sub.thread.start()

        def stop_subscription() -> None:
            with self._subs_lock:
                if sub in self._subscriptions[channel]:
                    self._subscriptions[channel].remove(sub)
            sub.stop()

        return stop_subscription

    def close(self) -> None:
        with self._subs_lock:
            subs = [s for group in self._subscriptions.values() for s in group]
            self._subscriptions.clear()
        for sub in subs:
            sub.stop()


class _Claims:
    """Named claims with an expiry, as `CeleryTransport` keeps them in Redis."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}  # name -> (holder, expires at)
        self._until_purge = 1000

    def claim(self, name: str, holder: str, ttl: float, replacing: str | None) -> str | None:
        if not holder:
            raise TransportError("a claim needs a non-empty holder")
        now = self._clock()
        with self._lock:
            self._purge(now)
            current, expires = self._held.get(name, (None, 0.0))
            if current is not None and expires > now and current != replacing:
                return current
            self._held[name] = (holder, now + ttl)
            return None

    def release(self, name: str, holder: str) -> None:
        with self._lock:
            if self._held.get(name, (None, 0.0))[0] == holder:
                del self._held[name]

    def _purge(self, now: float) -> None:
        """Forget expired claims now and then: memory follows the claims alive."""
        self._until_purge -= 1
        if self._until_purge > 0:
            return
        self._until_purge = max(1000, len(self._held))
        self._held = {name: held for name, held in self._held.items() if held[1] > now}


_STOP = object()


class _Subscription:
    def __init__(self, channel: str, handler: Handler) -> None:
        self.channel = channel
        self.handler = handler
        self.inbox: queue_mod.Queue[object] = queue_mod.Queue()
        self.thread = threading.Thread(target=self._run, name=f"podium-broadcast-{channel}",
                                       daemon=True)

    def _run(self) -> None:
        while (item := self.inbox.get()) is not _STOP:
            try:
                self.handler(decode_payload(item))  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - one bad broadcast must not end the subscription
                log.exception("broadcast handler on %s failed", self.channel)

    def stop(self) -> None:
        self.inbox.put(_STOP)
        if self.thread is not threading.current_thread():
            self.thread.join()
