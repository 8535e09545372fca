"""The transport port: how services exchange messages, whatever carries them.

Two implementations honour the same contract and run the same contract tests:
`InProcessTransport` (embedded mode, unit tests) and `CeleryTransport` (Celery on Redis).

Contract
--------
* Payloads are JSON objects (``dict``). Anything `json.dumps` refuses (and NaN/Infinity,
  which are not JSON) is rejected at publish with `InvalidPayloadError`, before anything is
  sent. The consumer receives a fresh decoded copy, never the publisher's object.
* Delivery is at-least-once. A message is acknowledged only after its handler returns.
  If the handler raises, the message goes back to the end of its queue (after a back-off of
  ``retry_backoff_seconds * 2**(failures-1)``, capped at 30 s); after ``max_failures``
  failures it is dead-lettered instead: published to ``<queue>.dead`` as a `dead_letter`
  envelope (see `dead_letter_envelope`) and logged at ERROR. A failure because the store
  was unavailable (`common.outage.is_outage`: PostgreSQL restarting, connections
  terminated) does not count: it is retried at least every 5 s, up to ``max_outages``
  times (`next_delivery`). If the consuming process dies
  mid-handler, the message is redelivered to another consumer (Celery:
  `task_reject_on_worker_lost`, or, when the whole worker died, the Redis visibility
  timeout: a live consumer renews its hold on every message it has taken, so only a dead
  one's messages come back, however long a handler runs). A handler can tell such a
  redelivery (`is_redelivery()`): the work may already have been done. So can it a message
  published again by its sender (`publish(..., redelivery=True)`: the outbox sweeper, a
  worker giving an attempt back) and a message whose handler raised before.
* Claims (`claim`, `release`): a short named lock on the broker with an expiry, for a
  consumer to make sure two copies of one message (a true duplicate delivery) are not
  handled at once by two consumers. A consumer may ask for the claim of each message's
  mark as the message is taken (`consume(..., claim=TakeClaim(...))`); its handler reads
  the outcome with `claimed_at_take()` (None where the transport did not claim).
* Handlers must therefore be idempotent; `common.messages` gives each message an
  idempotency key for that.
* A message about one execution or one task attempt (its payload has ``kind`` and
  ``execution_id``, or ``task_run_id`` and ``attempt``) carries a mark (`message_mark`), and
  `locate` says which marks the broker holds: queued, or taken by a consumer and not
  acknowledged. The executor uses it after a consumer died to find the messages that died
  with it (see `Transport.locate`).
* Order: one consumer with concurrency 1 receives a queue's messages in publish order
  (FIFO). A redelivered message loses its place. Several consumers, or concurrency > 1,
  give no order guarantee.
* Broadcast is fire-and-forget, at-most-once: every subscriber connected at publish time
  gets the message, a subscriber connected later does not. It carries kill requests; the
  executor's stored state stays the truth.
"""

from __future__ import annotations

import contextvars
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from podium.common.errors import PodiumError
from podium.common.outage import is_outage

EXECUTOR_QUEUE = "podium.executor"
WORKER_QUEUE = "podium.worker"
KILL_CHANNEL = "podium.kill"
DEAD_LETTER_SUFFIX = ".dead"
DEAD_LETTER_KIND = "dead_letter"

Payload = dict[str, Any]
Handler = Callable[[Payload], None]
#: Handles messages that waited together; returns each one's outcome, in order: None when
#: handled, else the exception that stands for its handler raising.
BatchHandler = Callable[[list[Payload]], list[BaseException | None]]
StopSubscription = Callable[[], None]


# Why a message may have been handled before (`redelivery()`):
LAPSED = "lapsed"  # the broker gave it back: the consumer holding it died or froze
RESENT = "resent"  # published again by its sender, or after its handler raised

_REDELIVERY: contextvars.ContextVar[str | None] = contextvars.ContextVar("podium_redelivery",
                                                                         default=None)


def redelivery() -> str | None:
    """Inside a handler: LAPSED, RESENT, or None for a first delivery. Either way the
    message may have been handled, in part or whole; only after LAPSED is its last
    holder known to have stopped holding it."""
    return _REDELIVERY.get()


def is_redelivery() -> bool:
    return _REDELIVERY.get() is not None


def handling_redelivery(why: str | None) -> contextvars.Token[str | None]:
    """Set what `redelivery` answers for the handler about to run (transports only);
    returns the token that restores it."""
    return _REDELIVERY.set(why)


@dataclass(frozen=True)
class TakeClaim:
    """What a consumer claims as it takes each message: the mark (`message_mark`) of a
    message of `kind`, for `holder`, for `ttl_seconds`, with `claim`'s rules. Taking and
    claiming in one step saves the handler its own round trip to the broker."""

    holder: str
    ttl_seconds: float
    kind: str


@dataclass(frozen=True)
class TakenClaim:
    """The outcome of a `TakeClaim` for the message being handled: `name` (its mark)
    claimed for `claimant`; `holder` is None when the claimant now holds it, else who
    held it already (the claim was left as it was)."""

    name: str
    claimant: str
    holder: str | None


_TAKEN_CLAIM: contextvars.ContextVar[TakenClaim | None] = contextvars.ContextVar(
    "podium_taken_claim", default=None)


def claimed_at_take() -> TakenClaim | None:
    """Inside a handler: the claim its transport made as it took the message, or None
    when it made none (no `TakeClaim`, another kind of message, a transport that cannot)."""
    return _TAKEN_CLAIM.get()


def handling_taken_claim(claim: TakenClaim | None) -> contextvars.Token[TakenClaim | None]:
    """Set what `claimed_at_take` answers for the handler about to run (transports only);
    returns the token that restores it."""
    return _TAKEN_CLAIM.set(claim)


def attempt_mark(kind: str, task_run_id: str, attempt: int) -> str:
    """The mark of a message about one task attempt (`Transport.locate` finds it)."""
    return f"{kind}:{task_run_id}:{attempt}"


def execution_mark(kind: str, execution_id: str) -> str:
    """The mark of a message about one execution (several may share it)."""
    return f"{kind}:{execution_id}"


def message_mark(payload: Payload) -> str | None:
    """The mark a payload travels with: its attempt's, its execution's, or None."""
    kind, execution, run, attempt = (payload.get(k) for k in
                                     ("kind", "execution_id", "task_run_id", "attempt"))
    if not isinstance(kind, str):
        return None
    if isinstance(run, str) and isinstance(attempt, int):
        return attempt_mark(kind, run, attempt)
    return execution_mark(kind, execution) if isinstance(execution, str) else None


# The workerGroup -> queue rule lives here only: the executor dispatching (and resending) an
# attempt, the worker giving one back at shutdown and a worker choosing what to consume all
# call `task_queue` or `worker_queue`, so they can never disagree on a name.

def worker_group_queue(group: str) -> str:
    """Queue of the workers of one workerGroup (Kestra's `workerGroup.key`)."""
    if not group or not group.strip():
        raise ValueError("worker group key must not be empty")
    return f"{WORKER_QUEUE}.{group}"


def worker_queue(group: str | None) -> str:
    """Where a task runs: its workerGroup's queue, or the default workers' without one."""
    return worker_group_queue(group) if group else WORKER_QUEUE


def task_queue(task: Any) -> str:
    """The queue a task's attempts go to. `task` is the task model (`task.worker_group`)
    or its JSON form as a RunTask carries it (`task["workerGroup"]`)."""
    group = task.get("workerGroup") if isinstance(task, Mapping) else \
        getattr(task, "worker_group", None)
    key = group.get("key") if isinstance(group, Mapping) else getattr(group, "key", None)
    return worker_queue(key if isinstance(key, str) else None)


def dead_letter_queue(queue: str) -> str:
    return queue + DEAD_LETTER_SUFFIX


def dead_letter_envelope(queue: str, payload: Payload, error: str, failures: int) -> Payload:
    """What lands in `<queue>.dead`: the original payload plus why it was given up."""
    return {"kind": DEAD_LETTER_KIND, "queue": queue, "payload": payload, "error": error,
            "failures": failures}


def backoff_seconds(base: float, failures: int) -> float:
    """Pause before redelivery number `failures` (1-based): exponential, capped at 30 s."""
    if base <= 0:
        return 0.0
    return min(base * 2.0 ** (failures - 1), 30.0)


# A message that failed for an outage is retried at least this often (seconds), so it goes
# on within seconds of the dependency coming back.
OUTAGE_BACKOFF_CAP = 5.0


@dataclass(frozen=True)
class Redelivery:
    """What to do with a message whose handler raised: dead-letter it, or send it again
    with these counts after `delay` seconds."""

    dead: bool
    failures: int
    outages: int
    delay: float


def next_delivery(error: BaseException, failures: int, outages: int, *, max_failures: int,
                  backoff: float, max_outages: int) -> Redelivery:
    """`failures` and `outages`: the message's counts before this failure. A failure
    because the store was unavailable (`is_outage`) counts as an outage, retried every
    `OUTAGE_BACKOFF_CAP` seconds at most, up to `max_outages` times; any other counts
    toward `max_failures`, the last one dead-letters."""
    if is_outage(error) and outages < max_outages:
        return Redelivery(False, failures, outages + 1,
                          min(backoff_seconds(backoff, outages + 1), OUTAGE_BACKOFF_CAP))
    failures += 1
    if failures >= max_failures:
        return Redelivery(True, failures, outages, 0.0)
    return Redelivery(False, failures, outages, backoff_seconds(backoff, failures))


class TransportError(PodiumError):
    """The transport could not do what was asked (bad payload, bad queue name, broker down)."""


class InvalidPayloadError(TransportError, TypeError):
    """A payload is not a JSON object. Raised at publish, so nothing half-sent exists."""


def encode_payload(payload: Any) -> str:
    """Strict JSON text of a payload; raises `InvalidPayloadError` for anything else.

    Stricter than kombu's own JSON, which would silently turn datetimes, UUIDs and Decimals
    into strings: both transports must accept exactly the same payloads.
    """
    if not isinstance(payload, dict):
        raise InvalidPayloadError(
            f"payload must be a JSON object (dict), got {type(payload).__name__}")
    try:
        return json.dumps(payload, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:  # ValueError: NaN/Infinity or a circular reference
        raise InvalidPayloadError(f"payload is not JSON-serialisable: {exc}") from None


def decode_payload(text: str) -> Payload:
    payload: Payload = json.loads(text)
    return payload


def check_queue_name(queue: Any) -> str:
    if not isinstance(queue, str) or not queue or any(c.isspace() for c in queue):
        raise TransportError(f"invalid queue name {queue!r}: a non-empty string without spaces")
    return queue


class Transport(ABC):
    """The port services depend on. Implementations: memory (`InProcessTransport`) and Celery."""

    def publish(self, queue: str, payload: Payload, *, redelivery: bool = False) -> None:
        """Append one message to `queue`. Returns once the broker has it (durable for Redis).
        `redelivery`: this message may have been delivered (and handled) before; its
        handler then sees `is_redelivery()`."""
        self._publish_encoded(check_queue_name(queue), encode_payload(payload),
                              message_mark(payload), redelivery)

    def publish_many(self, messages: Iterable[tuple[str, Payload]]) -> None:
        """Publish several messages in order. Every payload is validated before any is sent;
        the sends themselves are not atomic (the outbox covers a crash in between)."""
        batch = list(messages)
        for queue, payload in batch:  # every one valid before any is sent
            check_queue_name(queue)
            encode_payload(payload)
        for queue, payload in batch:
            self.publish(queue, payload)

    @abstractmethod
    def _publish_encoded(self, queue: str, text: str, mark: str | None = None,
                         redelivery: bool = False) -> None:
        """Send an already validated, JSON-encoded payload, with its `message_mark`."""

    @abstractmethod
    def claim(self, name: str, holder: str, ttl_seconds: float, *,
              replacing: str | None = None) -> str | None:
        """Hold the claim `name` for `holder` (a non-empty string) for `ttl_seconds`, if
        nobody holds it, or (`replacing`) if `replacing` holds it: a takeover, or a change
        of the value a holder keeps there. Atomic across consumers and processes.
        Returns None when `holder` now holds it, else who holds it. Raises TransportError
        when the broker cannot be reached."""

    @abstractmethod
    def release(self, name: str, holder: str) -> None:
        """Drop the claim `name` if `holder` holds it (anyone else's stays)."""

    @abstractmethod
    def locate(self, queues: Iterable[str], marks: Iterable[str]) -> set[str]:
        """Which of `marks` the broker holds: a message with that mark waits in one of
        `queues`, or a consumer has taken it (from any queue) and not acknowledged it yet.

        One consistent look (a message moving between queue and consumer is seen once).
        A mark absent here whose work is not recorded either was lost: its message was
        in a consumer that died after taking it from the broker and before the broker
        noted the delivery (kombu's Redis transport pops with BRPOP, then records). Meant
        for rare reconciliations: it reads every message of `queues`.
        """

    @abstractmethod
    def broadcast(self, channel: str, payload: Payload) -> None:
        """Send `payload` to every current subscriber of `channel` (at-most-once)."""

    @abstractmethod
    def subscribe_broadcast(self, channel: str, handler: Handler) -> StopSubscription:
        """Call `handler` (in a background thread) for each broadcast on `channel`.

        Returns once the subscription is live, so a broadcast sent after this call returns
        reaches it. The returned callable stops the subscription and waits for its thread.
        A handler that raises is logged; the subscription carries on.
        """

    @abstractmethod
    def consume(self, queues: list[str], handler: Handler, *, concurrency: int = 1,
                stop: threading.Event, claim: TakeClaim | None = None) -> None:
        """Handle messages of `queues` with `concurrency` parallel handlers until `stop` is set.
        `claim`: claim each message's mark as it is taken, where the transport can
        (`claimed_at_take`); a transport that cannot leaves the handler to claim.

        Blocks. When `stop` is set, no new message is taken, handlers already running finish
        and are acknowledged, then the call returns (warm shutdown). Messages not yet handled
        stay queued for the next consumer.
        """

    #: True when `consume_batches` hands over several messages at once (else one by one).
    takes_batches = False

    def consume_batches(self, queue: str, handler: BatchHandler, *, concurrency: int = 1,
                        stop: threading.Event, most: int = 32) -> None:
        """As `consume`, one queue; `handler` gets the messages that wait together, up to
        `most`, as one list, and returns each one's outcome. A message whose outcome is an
        exception is treated as if its handler had raised it (redelivered with its failure
        count, or dead-lettered); the others are acknowledged. Handlers do not see
        `is_redelivery()`. This default hands over one message per call."""
        def one(payload: Payload) -> None:
            (error,) = handler([payload])
            if error is not None:
                raise error

        self.consume([queue], one, concurrency=concurrency, stop=stop)

    def watch_data_loss(self, callback: Callable[[], None]) -> None:  # noqa: B027 - optional
        """Call `callback` (in a background thread) when the broker comes back having lost
        its messages (a restart without persistence), and once now if it cannot tell
        whether it did (a first start). A transport that cannot lose them never calls it."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections. The transport must not be used afterwards."""
