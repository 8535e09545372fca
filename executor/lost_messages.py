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
  sent again (a second one finds the execution started and changes nothing);
* a Subflow task run still waiting for a child that has ended, whose SubflowEnded is gone:
  it is built from the child again and sent.

The same look runs when the broker comes back without its data (a Redis restart without
persistence loses every queue and every record of delivered messages), and every
`LOST_SCAN_SECONDS` as a safety net. Attempts a live worker's heartbeat row lists are never
resent: that worker holds them, whatever the broker remembers.

"Gone" means: not in the outbox (read after the store rows, so a row deleted since was
published first), and absent from the broker (`Transport.locate`) twice, a moment apart (a
message a live consumer is taking is briefly in neither place); the store is read again
before sending, and what moved on meanwhile is left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from podium.common.messages import attempt_marks
from podium.common.models.execution import Execution
from podium.common.models.state import State
from podium.common.plugins.tasks.flow_subflows import Subflow
from podium.common.store import Database, get_execution, get_task_run
from podium.common.store.executions import list_children, startable_created_ids
from podium.common.store.outbox import pending_payloads
from podium.common.store.services import list_services
from podium.common.store.task_runs import running_task_runs
from podium.common.store.types import utcnow
from podium.common.transport.base import (
    EXECUTOR_QUEUE,
    Transport,
    execution_mark,
    message_mark,
    task_queue,
)
from podium.executor.flow_cache import FlowCache, FlowNotFound

# Long enough for a consumer to record a message it has just taken off a queue.
CONFIRM_AFTER_SECONDS = 1.0
# The look also runs this often as a safety net (it reads every queued message: not often).
LOST_SCAN_SECONDS = 300.0
# A ForEachItem run waits on many children and counts their ends itself: not resent here.
SUBFLOW_TYPES = frozenset({Subflow.TYPE, *Subflow.ALIASES})


@dataclass(frozen=True)
class OpenAttempt:
    """A worker attempt: its RunTask and its TaskResult are the messages that may be lost."""
    execution_id: str
    task_run_id: str
    attempt: int
    queue: str  # the worker queue its RunTask was sent to

    @property
    def marks(self) -> tuple[str, ...]:
        return attempt_marks(self.task_run_id, self.attempt)

    def still_lost(self, conn) -> bool:
        run = get_task_run(conn, self.task_run_id)
        return run is not None and run.runs_attempt(self.attempt)


@dataclass(frozen=True)
class Unstarted:
    """A CREATED execution only a StartExecution can move on."""
    execution_id: str
    queue: str = EXECUTOR_QUEUE

    @property
    def marks(self) -> tuple[str, ...]:
        return (execution_mark("start_execution", self.execution_id),)

    def still_lost(self, conn) -> bool:
        execution = get_execution(conn, self.execution_id)
        return execution is not None and execution.state is State.CREATED


@dataclass(frozen=True)
class EndedChild:
    """A child execution that ended while its parent's Subflow task run still waits."""
    parent_id: str
    task_run_id: str
    child: Execution = field(compare=False)
    queue: str = EXECUTOR_QUEUE

    @property
    def marks(self) -> tuple[str, ...]:
        return (execution_mark("subflow_ended", self.parent_id),)

    def still_lost(self, conn) -> bool:
        run = get_task_run(conn, self.task_run_id)
        return run is not None and run.state is State.RUNNING


Lost = OpenAttempt | Unstarted | EndedChild


def find_lost_messages(db: Database, transport: Transport, flows: FlowCache,
                       confirm_after: float = CONFIRM_AFTER_SECONDS,
                       sleep: Callable[[float], None] = time.sleep) -> list[Lost]:
    with db.read() as conn:
        attempts, children = _waiting_runs(conn, flows)
        held = _held_by_live_workers(conn)
        attempts = [a for a in attempts if (a.task_run_id, a.attempt) not in held]
        suspects: list[Lost] = [*attempts, *children,
                                *map(Unstarted, startable_created_ids(conn, utcnow()))]
        # Read after the rows above: an outbox row deleted since was published first.
        unsent = {message_mark(payload) for payload in pending_payloads(conn)}
    suspects = _absent(transport, [s for s in suspects if s.marks[0] not in unsent])
    if suspects:
        sleep(confirm_after)
        suspects = _absent(transport, suspects)
    if not suspects:
        return []
    with db.read() as conn:
        return [s for s in suspects if s.still_lost(conn)]


def _waiting_runs(conn, flows: FlowCache) -> tuple[list[OpenAttempt], list[EndedChild]]:
    """The open attempts of worker tasks, and the ended children of waiting Subflows."""
    attempts, children = [], []
    for namespace, flow_id, revision, run in running_task_runs(conn):
        if not run.attempts or not run.runs_attempt(run.attempts[-1].number):
            continue
        try:
            task = flows.get(conn, namespace, flow_id, revision).task_index().get(run.task_id)
        except FlowNotFound:
            continue
        if task is not None and task.runs_on_worker():
            attempts.append(OpenAttempt(run.execution_id, run.id, run.attempts[-1].number,
                                        task_queue(task)))
        elif task is not None and task.TYPE in SUBFLOW_TYPES:
            children += [EndedChild(run.execution_id, run.id, child)
                         for child in list_children(conn, run.execution_id)
                         if _ended_child_of(child, run.id)]
    return attempts, children


def _held_by_live_workers(conn) -> set[tuple[str, int]]:
    """(task run, attempt) of what live workers say they run. After the broker lost its
    data nothing records their messages any more (``unacked`` is empty too), but a worker
    running an attempt will report it: resubmitting would run it twice. A worker that
    dies meanwhile is declared dead and its attempts resubmitted from its row."""
    return {(item["task_run_id"], item["attempt"])
            for service in list_services(conn, kind="worker") for item in service.running}


def _ended_child_of(child: Execution, task_run_id: str) -> bool:
    link = child.engine.subflow
    return link is not None and link.task_run_id == task_run_id and link.wait \
        and child.state.is_terminated and child.state is not State.RETRIED


def _absent(transport: Transport, items: list[Lost]) -> list[Lost]:
    """The items none of whose messages the broker holds."""
    if not items:
        return []
    queues = sorted({item.queue for item in items} | {EXECUTOR_QUEUE})
    held = transport.locate(queues, [mark for item in items for mark in item.marks])
    return [item for item in items if not held.intersection(item.marks)]
