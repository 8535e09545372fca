"""Attempts whose messages the broker lost, found and sent again.

A RunTask or TaskResult can vanish with a consumer killed at the wrong moment: kombu's
Redis transport takes a message off its queue (BRPOP) before it records the delivery, so
a process killed in between takes the message with it, and neither the visibility
timeout nor the heartbeat resubmission (which knows only the attempts a worker said it
started) brings it back. The attempt would stay RUNNING forever.

So after a consumer is declared dead, the executor that claimed it looks for such
attempts (`find_lost_attempts`): every RUNNING attempt of a worker task whose RunTask is
not waiting in the outbox, and whose RunTask and TaskResult are both absent from the
broker (`Transport.locate`), twice, a moment apart (a message a live consumer is taking
is briefly in neither place), and which is still open in the store afterwards. Each is
resubmitted as the next attempt (`ResubmitAttempt(lost=True)`); if the attempt was not
lost after all, its late result is stale and ignored, so the task's outcome is still
recorded once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from common.messages import attempt_marks
from common.store import Database, get_task_run
from common.store.outbox import pending_payloads
from common.store.task_runs import running_task_runs
from common.transport.base import EXECUTOR_QUEUE, WORKER_QUEUE, Transport, message_mark, \
    worker_group_queue
from executor.flow_cache import FlowCache, FlowNotFound

# Long enough for a consumer to record a message it has just taken off a queue.
CONFIRM_AFTER_SECONDS = 1.0


@dataclass(frozen=True)
class OpenAttempt:
    execution_id: str
    task_run_id: str
    attempt: int
    queue: str  # the worker queue its RunTask was sent to

    @property
    def marks(self) -> tuple[str, str]:
        return attempt_marks(self.task_run_id, self.attempt)


def find_lost_attempts(db: Database, transport: Transport, flows: FlowCache,
                       confirm_after: float = CONFIRM_AFTER_SECONDS,
                       sleep: Callable[[float], None] = time.sleep) -> list[OpenAttempt]:
    """The open worker attempts no message stands for any more (see the module doc)."""
    with db.read() as conn:
        candidates = _open_worker_attempts(conn, flows)
        # Read after the attempts: a row gone since was published before it was deleted.
        unsent = {message_mark(payload) for payload in pending_payloads(conn)}
    suspects = _absent_from_broker(transport, [a for a in candidates if a.marks[0] not in unsent])
    if suspects:
        sleep(confirm_after)
        suspects = _absent_from_broker(transport, suspects)
    if not suspects:
        return []
    with db.read() as conn:
        return [a for a in suspects if _still_open(conn, a)]


def _open_worker_attempts(conn, flows: FlowCache) -> list[OpenAttempt]:
    found = []
    for namespace, flow_id, revision, run in running_task_runs(conn):
        if not run.attempts or not run.runs_attempt(run.attempts[-1].number):
            continue
        try:
            task = flows.get(conn, namespace, flow_id, revision).task_index().get(run.task_id)
        except FlowNotFound:
            continue
        if task is None or not task.runs_on_worker():
            continue
        group = task.worker_group.key if task.worker_group and task.worker_group.key else None
        found.append(OpenAttempt(run.execution_id, run.id, run.attempts[-1].number,
                                 worker_group_queue(group) if group else WORKER_QUEUE))
    return found


def _absent_from_broker(transport: Transport, attempts: list[OpenAttempt]) -> list[OpenAttempt]:
    if not attempts:
        return []
    queues = sorted({a.queue for a in attempts} | {EXECUTOR_QUEUE})
    held = transport.locate(queues, [mark for a in attempts for mark in a.marks])
    return [a for a in attempts if not held.intersection(a.marks)]


def _still_open(conn, attempt: OpenAttempt) -> bool:
    run = get_task_run(conn, attempt.task_run_id)
    return run is not None and run.runs_attempt(attempt.attempt)
