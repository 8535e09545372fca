"""Messages the broker lost with a dead consumer, found from the store and sent again.

kombu's Redis transport takes a message off its queue (BRPOP) before it records the
delivery: a consumer killed in between (the reply unread in its socket, or held back while
its prefetch is full) takes the message with it, and neither the visibility timeout nor
the heartbeat resubmission (which knows only the attempts a worker said it started)
brings it back. So after a worker or executor is declared dead, the executor that claimed
it looks for what the store waits on and no message stands for any more:

* a RUNNING attempt of a worker task whose RunTask and TaskResult are both gone: it is
  resubmitted as the next attempt (`ResubmitAttempt(lost=True)`); if it was not lost after
  all, its late result is stale and ignored, so the outcome is still recorded once;
* a CREATED execution, due and waiting on no timer, whose StartExecution is gone: it is
  sent again (a second one finds the execution started and changes nothing).

"Gone" means: not in the outbox (read after the store rows, so a row deleted since was
published first), and absent from the broker (`Transport.locate`) twice, a moment apart (a
message a live consumer is taking is briefly in neither place); the store is read again
before sending, and what moved on meanwhile is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from common.messages import attempt_marks
from common.store import Database, get_execution, get_task_run
from common.store.executions import startable_created_ids
from common.store.outbox import pending_payloads
from common.store.task_runs import running_task_runs
from common.store.types import utcnow
from common.models.state import State
from common.transport.base import EXECUTOR_QUEUE, WORKER_QUEUE, Transport, execution_mark, \
    message_mark, worker_group_queue
from executor.flow_cache import FlowCache, FlowNotFound

# Long enough for a consumer to record a message it has just taken off a queue.
CONFIRM_AFTER_SECONDS = 1.0
START = "start_execution"


@dataclass(frozen=True)
class OpenAttempt:
    execution_id: str
    task_run_id: str
    attempt: int
    queue: str  # the worker queue its RunTask was sent to

    @property
    def marks(self) -> tuple[str, str]:
        return attempt_marks(self.task_run_id, self.attempt)


@dataclass(frozen=True)
class LostMessages:
    attempts: list[OpenAttempt]
    unstarted: list[str]  # execution ids


def find_lost_messages(db: Database, transport: Transport, flows: FlowCache,
                       confirm_after: float = CONFIRM_AFTER_SECONDS,
                       sleep: Callable[[float], None] = time.sleep) -> LostMessages:
    with db.read() as conn:
        attempts = _open_worker_attempts(conn, flows)
        created = startable_created_ids(conn, utcnow())
        unsent = {message_mark(payload) for payload in pending_payloads(conn)}
    suspects = [*(a for a in attempts if a.marks[0] not in unsent),
                *(i for i in created if execution_mark(START, i) not in unsent)]
    suspects = _absent(transport, suspects)
    if suspects:
        sleep(confirm_after)
        suspects = _absent(transport, suspects)
    with db.read() as conn:
        return LostMessages(
            attempts=[a for a in suspects if isinstance(a, OpenAttempt) and _open(conn, a)],
            unstarted=[i for i in suspects if isinstance(i, str) and _unstarted(conn, i)])


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


def _marks(item: OpenAttempt | str) -> Iterable[str]:
    return item.marks if isinstance(item, OpenAttempt) else (execution_mark(START, item),)


def _absent(transport: Transport, items: list) -> list:
    """The items none of whose messages the broker holds."""
    if not items:
        return []
    queues = {a.queue for a in items if isinstance(a, OpenAttempt)} | {EXECUTOR_QUEUE}
    held = transport.locate(sorted(queues), [mark for item in items for mark in _marks(item)])
    return [item for item in items if not held.intersection(_marks(item))]


def _open(conn, attempt: OpenAttempt) -> bool:
    run = get_task_run(conn, attempt.task_run_id)
    return run is not None and run.runs_attempt(attempt.attempt)


def _unstarted(conn, execution_id: str) -> bool:
    execution = get_execution(conn, execution_id)
    return execution is not None and execution.state is State.CREATED
