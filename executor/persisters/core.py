"""How the engine's core commands are written in the deciding transaction: a RunTask in
the outbox, a timer row, loop values, a file, a task-cache entry, a new execution, a kill
broadcast. Each function is one command type's persister (listed in executor/wiring.py)."""

from __future__ import annotations

from podium.common.messages import KillTask, RunTask, StartExecution
from podium.common.store import (
    add_timer,
    delete_timers,
    get_execution,
    insert_execution,
    insert_task_runs,
)
from podium.common.store.loop_values import copy_loop_values, store_loop_values
from podium.common.store.task_cache import put_task_cache
from podium.common.transport.base import EXECUTOR_QUEUE
from podium.executor.engine.commands import (
    CancelTimers,
    CreateExecution,
    DispatchTask,
    KillRunningTasks,
    ScheduleTimer,
    StoreLoopValues,
    StoreTaskCache,
    WriteFile,
)
from podium.executor.outgoing import Outgoing


def run_task_message(execution, command: DispatchTask) -> tuple[str, dict]:
    message = RunTask(execution_id=execution.id, task_run_id=command.task_run.id,
                      attempt=command.attempt, task=command.task, context=command.context,
                      namespace=execution.namespace, flow_id=execution.flow_id,
                      flow_revision=execution.flow_revision)
    return command.queue, message.encode()


def send_run_task(conn, execution, command: DispatchTask, out: Outgoing) -> None:
    out.messages.append(run_task_message(execution, command))


def save_timer(conn, execution, command: ScheduleTimer, out: Outgoing) -> None:
    add_timer(conn, execution.id, command.fire_at, command.kind,
              {"task_run_id": command.task_run_id}, timer_id=command.timer_id)
    out.timers_due.append(command.fire_at)


def delete_timers_of_kind(conn, execution, command: CancelTimers, out: Outgoing) -> None:
    delete_timers(conn, execution.id, command.kind)


def save_loop_values(conn, execution, command: StoreLoopValues, out: Outgoing) -> None:
    store_loop_values(conn, execution.id, command.task_run_id, command.values)


def write_file(conn, execution, command: WriteFile, out: Outgoing) -> None:
    # Before the commit: a rolled back decision leaves an unreferenced file, never a
    # reference to a missing one.
    out.config.write_file(command.uri, command.content)


def save_task_cache(conn, execution, command: StoreTaskCache, out: Outgoing) -> None:
    put_task_cache(conn, execution.namespace, execution.flow_id, command.task_id, command.key,
                   command.outputs, command.created)


def create_execution(conn, execution, command: CreateExecution, out: Outgoing) -> None:
    if get_execution(conn, command.execution.id) is not None:
        return  # a redelivered message (e.g. a replay) already created it
    insert_execution(conn, command.execution)
    insert_task_runs(conn, list(command.task_runs))
    for source_run_id, copy_run_id in command.loop_values_from:
        copy_loop_values(conn, source_run_id, copy_run_id, command.execution.id)
    out.messages.append((EXECUTOR_QUEUE, StartExecution(execution_id=command.execution.id).encode()))


def broadcast_kill_tasks(conn, execution, command: KillRunningTasks, out: Outgoing) -> None:
    out.broadcasts.extend(KillTask(execution_id=execution.id, task_run_id=run_id,
                                   attempt=attempt).encode()
                          for run_id, attempt in command.attempts)
