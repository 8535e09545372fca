"""Resubmitting the attempt of a worker that fell silent (Kestra's worker-job resubmit).

An executor that finds a worker's heartbeat older than the timeout marks the worker DEAD
and sends one ResubmitAttempt per attempt the worker said it was running
(executor/liveness.py `Liveness.resubmit_silent_workers`). Here, under the execution's
lock: if that attempt is still the task run's running one, it is closed as KILLED and the
task goes to the workers again as the next attempt. Otherwise (its result arrived meanwhile, the
execution was killed, a duplicate message) nothing changes. A late result of the lost
attempt is stale from then on, so the task's outcome is still recorded once. The same
message (`lost=True`) resends an attempt whose RunTask or TaskResult the broker lost with
a dead consumer (executor/lost_messages.py). A task that does not run on a worker (a
Subflow waiting on its child) is never resubmitted.

A task that kills its worker (a poison task) would be resubmitted forever, taking the
fleet down one worker at a time: an attempt closed because its worker fell silent is
marked `worker_lost`, and when `EngineConfig.max_lost_attempts` attempts in a row were
lost so, the task run ends FAILED instead, with the reason logged; the execution then
follows its failure path (`errors`, `allowFailure`; no `retry`, which would only lose
more workers). A message lost with a dead consumer (`lost=True`) is not the task's doing
and does not count.
"""

from __future__ import annotations

from podium.common.messages import ResubmitAttempt
from podium.common.models.execution import Attempt, TaskRun
from podium.common.models.state import State
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.dispatch import redispatch_attempt
from podium.executor.engine.results import final_state
from podium.executor.engine.view import ExecutionTx


def resubmit(tx: ExecutionTx, message: ResubmitAttempt, config: EngineConfig) -> str | None:
    run = tx.run(message.task_run_id)
    if run is None:
        return f"unknown task run {message.task_run_id}"
    if not run.runs_attempt(message.attempt):
        return f"attempt {message.attempt} of task run {run.id} is no longer running"
    if not tx.task(run.task_id).runs_on_worker():  # a Subflow's attempt waits on its child
        return f"task run {run.id} does not run on a worker"
    last = run.attempts[-1]
    cause = ("its message was lost with a consumer that died (it is in no queue and no "
             "worker has it)" if message.lost else
             f"worker {message.worker_id or '?'} stopped sending heartbeats while running it")
    lost = 0 if message.lost else 1 + _lost_in_a_row(run.attempts[:-1])
    if lost >= config.max_lost_attempts:
        _give_up(tx, run, lost, cause)
        return None
    closed = last.model_copy(update={"state": State.KILLED, "ended": tx.now,
                                     "worker_lost": not message.lost})
    run = tx.put_run(run.model_copy(update={"attempts": [*run.attempts[:-1], closed]}))
    tx.log(run.id, "WARNING", f"attempt {last.number} of task '{run.task_id}': {cause}; "
           f"resubmitted as attempt {last.number + 1}")
    redispatch_attempt(tx, run, config)
    return None


def _lost_in_a_row(attempts: list[Attempt]) -> int:
    """How many of the last attempts were closed because their worker fell silent."""
    count = 0
    for attempt in reversed(attempts):
        if not (attempt.worker_lost and attempt.state is State.KILLED):
            break
        count += 1
    return count


def _give_up(tx: ExecutionTx, run: TaskRun, lost: int, cause: str) -> None:
    """The last attempt closed FAILED (a later restart counts its losses afresh), the run
    ended as a failed attempt ends it."""
    last = run.attempts[-1]
    closed = last.model_copy(update={"state": State.FAILED, "ended": tx.now,
                                     "worker_lost": True})
    run = tx.put_run(run.model_copy(update={"attempts": [*run.attempts[:-1], closed]}))
    first = last.number - lost + 1
    tx.log(run.id, "ERROR", f"task '{run.task_id}': the worker running it died {lost} times in "
           f"a row (attempts {first}-{last.number}; last: {cause}): giving up, the task "
           "may be killing its worker")
    tx.move_run(run, final_state(tx, run, State.FAILED))
    return None
