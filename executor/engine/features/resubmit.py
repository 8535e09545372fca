"""Resubmitting the attempt of a worker that fell silent (Kestra's worker-job resubmit).

An executor that finds a worker's heartbeat older than the timeout marks the worker DEAD
and sends one ResubmitAttempt per attempt the worker said it was running
(`ExecutorService.resubmit_silent_workers`). Here, under the execution's lock: if that
attempt is still the task run's running one, it is closed as KILLED and the task goes to
the workers again as the next attempt. Otherwise (its result arrived meanwhile, the
execution was killed, a duplicate message) nothing changes. A late result of the lost
attempt is stale from then on, so the task's outcome is still recorded once. The same
message (`lost=True`) resends an attempt whose RunTask or TaskResult the broker lost with
a dead consumer (executor/lost_messages.py). A task that does not run on a worker (a
Subflow waiting on its child) is never resubmitted.
"""

from __future__ import annotations

from common.messages import ResubmitAttempt
from common.models.state import State
from executor.engine.context import EngineConfig
from executor.engine.dispatch import redispatch_attempt
from executor.engine.process import handles
from executor.engine.view import ExecutionTx


@handles(ResubmitAttempt)
def resubmit(tx: ExecutionTx, message: ResubmitAttempt, config: EngineConfig) -> str | None:
    run = tx.run(message.task_run_id)
    if run is None:
        return f"unknown task run {message.task_run_id}"
    if not run.runs_attempt(message.attempt):
        return f"attempt {message.attempt} of task run {run.id} is no longer running"
    if not tx.task(run.task_id).runs_on_worker():  # a Subflow's attempt waits on its child
        return f"task run {run.id} does not run on a worker"
    last = run.attempts[-1]
    closed = last.model_copy(update={"state": State.KILLED, "ended": tx.now})
    run = tx.put_run(run.model_copy(update={"attempts": [*run.attempts[:-1], closed]}))
    cause = ("its message was lost with a consumer that died (it is in no queue and no "
             "worker has it)" if message.lost else
             f"worker {message.worker_id or '?'} stopped sending heartbeats while running it")
    tx.log(run.id, "WARNING", f"attempt {last.number} of task '{run.task_id}': {cause}; "
           f"resubmitted as attempt {last.number + 1}")
    redispatch_attempt(tx, run, config)
    return None
