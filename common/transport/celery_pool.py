"""`CeleryTransport.consume(pool="threads")`: Celery's messages run on a thread pool of
Podium's own.

A worker runs each attempt in a thread (the default `worker.pool`). Celery's consumer
costs about 1 ms of CPU per message on the way there (the BRPOP read, kombu's message and
unacked record, Celery's request, strategy and tracer, the ack), about as much as a short
task itself. This consumer reads the same messages on the same queues, records them as
taken in kombu's structures (celery_wire.py) and hands each to a pool thread:

* it takes only as many messages as it has free threads (Celery's prefetch of one per
  slot): what waits in the queue stays there for another worker;
* with free threads it takes what waits (one Lua call per queue, each message recorded as
  taken in the same step); with none waiting it blocks on BRPOP over its queues, which
  hands each message to one waiting consumer;
* a handler learns a redelivery from `redelivery()` as with Celery: LAPSED when a restore
  put the message back (kombu marks it), RESENT when it was published again or its
  handler raised before; given a `TakeClaim`, each message's mark is claimed as it is
  taken, and its handler reads the outcome with `claimed_at_take()`;
* a message is acknowledged after its handler returns; a handler that raises has its
  message republished with its failure count, or dead-lettered (`_Dispatch.on_failure`),
  then acknowledged; if that cannot reach Redis, the message stays recorded as taken and
  comes back after its visibility timeout;
* held messages are renewed by the lease keeper, abandoned ones swept back by kombu's
  restore (celery_batches.py `Sweeper`), `consuming` sent about once a second and at each
  attempt to reach an unreachable broker, `worker_ready` once it runs;
* a stop (event, SIGTERM, SIGINT) takes nothing more and returns once the running
  handlers finished and were acknowledged (warm shutdown). Nothing waits unstarted.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from celery import Celery, signals

from podium.common.transport.base import (
    LAPSED,
    RESENT,
    Handler,
    TakeClaim,
    TransportError,
    decode_payload,
    handling_redelivery,
    handling_taken_claim,
)
from podium.common.transport.celery_batches import WAIT_SECONDS, HeldTags, Rounds, republish_failed
from podium.common.transport.celery_wire import TASK_NAME, MalformedMessage, Taken, Wire, parse

log = logging.getLogger("podium.transport")


class PoolConsumer:
    def __init__(self, app: Celery, wire: Wire, queues: list[str], handler: Handler, *,
                 concurrency: int, stop: threading.Event, held: HeldTags,
                 claim: TakeClaim | None = None) -> None:
        self.app, self.wire, self.queues, self.handler = app, wire, queues, handler
        self.concurrency, self.stop, self.held = concurrency, stop, held
        self.claim = claim
        self._dispatch = app.podium_dispatch
        self._free = threading.Semaphore(concurrency)
        self._first = 0  # the queue taken from first, in turn: none starves the others
        self._rounds = Rounds(self, "consumer", stop)

    def run(self) -> None:
        """Take and run messages until `stop`; then wait for the running handlers."""
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="podium-handler")
        signals.worker_ready.send(sender=self)
        try:
            self._rounds.run(lambda: self._round(pool))
        finally:
            pool.shutdown(wait=True)  # warm: the running handlers finish and are acknowledged

    def _round(self, pool: ThreadPoolExecutor) -> None:
        self._rounds.beat()
        if not self._free.acquire(timeout=WAIT_SECONDS):
            return  # every thread busy: beat, look at the stop event, wait again
        free = 1
        while free < self.concurrency and self._free.acquire(blocking=False):
            free += 1
        try:
            taken = self._take(free)
            if not taken and not self.stop.is_set():
                popped = self.wire.pop(self.queues, WAIT_SECONDS, self.claim)
                taken = [popped] if popped else []
        except BaseException:
            for _ in range(free):
                self._free.release()
            raise
        for _ in range(free - len(taken)):
            self._free.release()
        if taken:
            self.held.add([message.tag for message in taken])
        for message in taken:
            pool.submit(self._run, message)

    def _take(self, most: int) -> list[Taken]:
        taken: list[Taken] = []
        order = self.queues[self._first:] + self.queues[:self._first]
        self._first = (self._first + 1) % len(self.queues)
        for queue in order:
            if len(taken) >= most:
                break
            taken += self.wire.take(queue, most - len(taken), self.claim)
        return taken

    def _run(self, message: Taken) -> None:
        tag = message.tag
        try:
            if self._handle(message):
                self.wire.ack([tag])
        except Exception:  # noqa: BLE001 - a pool thread must never die with its slot
            log.exception("could not finish a message: it comes back after the visibility "
                          "timeout")
        finally:
            self.held.remove([tag])
            self._free.release()

    def _handle(self, message: Taken) -> bool:
        """Run the message's handler; True when it may be acknowledged."""
        try:
            delivery = parse(message.tag, message.raw)
        except MalformedMessage as exc:
            log.error("discarded a message: %s", exc)
            return True
        # Celery's words, which operators grep for.
        log.info("Task %s[%s] received", TASK_NAME, delivery.task_id)
        why = LAPSED if delivery.lapsed else \
            RESENT if delivery.failures or delivery.outages or delivery.resent else None
        token = handling_redelivery(why)
        claimed = handling_taken_claim(message.claim)
        try:
            self.handler(decode_payload(delivery.body))
            return True
        except Exception as exc:  # noqa: BLE001 - any error means "not done": redeliver
            return republish_failed(self._dispatch, delivery, exc)
        finally:
            claimed.var.reset(claimed)
            token.var.reset(token)


def run_pool(app: Celery, wire: Wire, queues: list[str], handler: Handler, *,
             concurrency: int, stop: threading.Event, held: HeldTags,
             claim: TakeClaim | None = None) -> None:
    consumer = PoolConsumer(app, wire, queues, handler, concurrency=concurrency, stop=stop,
                            held=held, claim=claim)
    try:
        consumer.run()
    except Exception as exc:
        raise TransportError(f"consumer of {queues} failed: {exc}") from exc
