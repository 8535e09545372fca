"""Whether a RunTask runs here: a task body never runs again without need.

One attempt's RunTask can reach workers several times: the outbox sweeper republishes a
message whose row a crashed executor had not deleted yet, the broker gives back the
messages of a consumer that died or froze, a handler that raised is retried, a publish
retried after a connection error or a faulty broker delivers twice. The checks, cheapest
first, so that the normal path costs one broker round trip and no SQL:

1. the attempt was admitted in this process and not given up: a copy, dropped (memory);
2. claim the attempt on the broker: the first claimant runs it; its claim says "done" once
   the result is published. The consumer claims it as it takes the message where the
   transport can (`take_claim`, `claimed_at_take`: no round trip of its own), else
   `Transport.claim` does (one round trip);
3. the claim is held. "done": dropped. A first delivery: a true duplicate, dropped; if its
   holder dies, the original comes back as a redelivery or the executor resubmits the
   attempt, so nothing is lost;
4. a redelivery (or any message while this worker suspects it was frozen) is checked
   against the store: dropped if the executor closed the attempt (resubmitted, killed, its
   result recorded). A message the broker gave back (its holder stopped renewing it: dead
   or frozen) is then taken over; one published again (the outbox sweeper, a retry) is
   dropped if its holder is a live worker whose heartbeat lists the attempt (it may still
   run it), else taken over.

A broker that cannot be reached for the claim does not stop the attempt: at-least-once
comes first, the check is best effort.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from podium.common.messages import RunTask
from podium.common.store import Database, get_task_run
from podium.common.store.services import DEAD, get_service
from podium.common.transport.base import (
    TakeClaim,
    Transport,
    TransportError,
    attempt_mark,
    claimed_at_take,
)

log = logging.getLogger(__name__)

DONE = "done"  # a claim's value once its attempt's result was published
# Attempts admitted here, remembered to drop copies without a round trip.
ADMITTED_MEMORY = 10_000


RUN_TASK_KIND = "run_task"  # RunTask's kind: its message's mark is its claim's name


def claim_name(message: RunTask) -> str:
    return attempt_mark(RUN_TASK_KIND, message.task_run_id, message.attempt)


class Admission:
    def __init__(self, db: Database, transport: Transport, ttl_seconds: float) -> None:
        self.db = db
        self.transport = transport
        # Long enough to outlive the attempt and its copies: duplicates travel together.
        self.ttl = ttl_seconds
        self._admitted: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, message: RunTask, me: str, *, check_store: bool,
              holder_gone: bool = False) -> bool:
        """True: run `message` here (its claim is `me`'s). `check_store`: the message may be
        stale (a redelivery, or this worker was silent): read the store before running.
        `holder_gone`: the broker gave it back, whoever held it holds it no more."""
        key = (message.task_run_id, message.attempt)
        with self._lock:
            if key in self._admitted:
                return self._drop(message, "ran or runs in this worker already")
            self._admitted[key] = None
            while len(self._admitted) > ADMITTED_MEMORY:
                self._admitted.popitem(last=False)
        try:
            admitted = self._decide(message, me, check_store, holder_gone)
        except BaseException:
            self._forget(key)
            raise
        if not admitted:
            self._forget(key)
        return admitted

    def take_claim(self, me: str) -> TakeClaim:
        """What `me`'s consumer claims as it takes each RunTask (`Transport.consume`)."""
        return TakeClaim(holder=me, ttl_seconds=self.ttl, kind=RUN_TASK_KIND)

    def done(self, message: RunTask, me: str) -> None:
        """The attempt's result is published: later copies see "done" on the claim."""
        try:
            self.transport.claim(claim_name(message), DONE, self.ttl, replacing=me)
        except TransportError as exc:
            log.warning("could not mark attempt %d of task run %s done on the broker: %s",
                        message.attempt, message.task_run_id, exc)

    def give_up(self, message: RunTask, me: str) -> None:
        """The attempt did not run to a result here (requeued, or the handler raised): its
        next delivery, here or elsewhere, must be free to run it."""
        self._forget((message.task_run_id, message.attempt))
        try:
            self.transport.release(claim_name(message), me)
        except TransportError as exc:
            log.warning("could not release the claim of attempt %d of task run %s: %s",
                        message.attempt, message.task_run_id, exc)

    def _decide(self, message: RunTask, me: str, check_store: bool, holder_gone: bool) -> bool:
        name = claim_name(message)
        holder = self._claim(message, name, me)
        if holder == DONE:
            return self._drop(message, "its result was published already")
        if holder is not None and not check_store:
            return self._drop(message, f"a copy is held by {holder}")
        if not check_store:
            return True
        why = self._stale(message, None if holder_gone else holder, me)
        if why is not None:
            return self._drop(message, why)
        if holder is None:
            return True
        try:
            taken = self.transport.claim(name, me, self.ttl, replacing=holder)
        except TransportError:
            return True  # the store said to run it; the claim is best effort
        return taken is None or self._drop(message, f"taken over by {taken} meanwhile")

    def _claim(self, message: RunTask, name: str, me: str) -> str | None:
        """Who holds the attempt's claim: None when `me` now does. The consumer's claim
        at take when it made one for this attempt and `me`, else one made here."""
        taken = claimed_at_take()
        if taken is not None and taken.name == name and taken.claimant == me:
            return taken.holder
        try:
            return self.transport.claim(name, me, self.ttl)
        except TransportError as exc:
            log.warning("could not claim attempt %d of task run %s (%s): running it anyway",
                        message.attempt, message.task_run_id, exc)
            return None

    def _stale(self, message: RunTask, holder: str | None, me: str) -> str | None:
        """Why the store says not to run this copy, or None. Only the abnormal path reads
        the store: a redelivery, or a worker that was silent."""
        with self.db.read() as conn:
            run = get_task_run(conn, message.task_run_id)
            if run is None or not run.runs_attempt(message.attempt):
                return "the executor has closed that attempt since"
            if holder is None or holder == me:
                return None
            other = get_service(conn, holder)
        if other is not None and other.state != DEAD and any(
                item.get("task_run_id") == message.task_run_id
                and item.get("attempt") == message.attempt for item in other.running):
            return f"live worker {holder} runs it"
        return None

    def _drop(self, message: RunTask, why: str) -> bool:
        log.warning("attempt %d of task run %s not run again: %s", message.attempt,
                    message.task_run_id, why)
        return False

    def _forget(self, key: tuple[str, int]) -> None:
        with self._lock:
            self._admitted.pop(key, None)
