"""Flow concurrency: when an execution that held a slot ends, start the oldest QUEUED
executions of its flow, as many as there are free slots.

Slots are counted from execution states (`common.store.slots`), never from counters, so
an execution that dies or is killed cannot leak one. Under the flow's slot lock, each
released execution goes QUEUED -> CREATED and gets a StartExecution; its start counts the
slots again (`executor.service.slots_taken`), and one that finds none goes back to QUEUED,
keeping its place (the queue is ordered by creation).
"""

from __future__ import annotations

from podium.common.messages import StartExecution
from podium.common.models.execution import Execution
from podium.common.models.state import State
from podium.common.store.slots import (
    count_released,
    count_slots_taken,
    lock_flow_slots,
    oldest_queued,
    release_queued,
)
from podium.common.store.types import utcnow
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.executor.engine.commands import ExecutionEnded
from podium.executor.outgoing import Outgoing


def start_queued_executions(conn, execution: Execution, command: ExecutionEnded,
                            out: Outgoing) -> None:
    ended = command.execution
    if _was_queued(ended):
        return  # killed while waiting in the queue: it freed nothing (and its row is locked)
    flow = out.flows.get(conn, ended.namespace, ended.flow_id, ended.flow_revision)
    if flow.concurrency is None:
        return
    now = utcnow()
    lock_flow_slots(conn, ended.namespace, ended.flow_id)
    free = (flow.concurrency.limit - count_slots_taken(conn, ended.namespace, ended.flow_id)
            - count_released(conn, ended.namespace, ended.flow_id, now))
    if free <= 0:
        return
    for queued_id in oldest_queued(conn, ended.namespace, ended.flow_id, free):
        if release_queued(conn, queued_id, now) is not None:
            out.messages.append((EXECUTOR_QUEUE,
                                 StartExecution(execution_id=queued_id).encode()))


def _was_queued(ended: Execution) -> bool:
    before = [entry.state for entry in ended.history.histories
              if not entry.state.is_terminated and entry.state is not State.KILLING]
    return bool(before) and before[-1] is State.QUEUED
