"""WaitFor / LoopUntil: run the children again and again until a condition holds.

Each round's children carry the round number in `iteration`. After a round, the condition
is rendered (truthy: done); otherwise the next round starts after `checkFrequency.interval`,
through an executor timer, until `maxIterations` or `maxDuration` is reached (then SUCCESS,
or FAILED with `failOnMaxReached`). A failed child stops the loop. The task run's output
`iterationCount` counts finished rounds and is visible to the children.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from podium.common.durations import parse_duration
from podium.common.models.execution import TaskRun
from podium.common.models.state import State
from podium.common.plugins.fields import is_expression
from podium.common.plugins.tasks.flow_loops import CheckFrequency, WaitFor
from podium.common.templating import is_truthy
from podium.executor.engine.branches import Scope, resolve_scope
from podium.executor.engine.commands import ScheduleTimer
from podium.executor.engine.context import EngineConfig
from podium.executor.engine.flowables import StartRun, _render
from podium.executor.engine.view import ExecutionTx


def resolve_wait_for(tx: ExecutionTx, config: EngineConfig, task: WaitFor, run: TaskRun,
                     start: StartRun) -> State | None:
    round_ = run.flowable.round
    if round_ is None:
        round_ = 0
        run = tx.put_run(run.with_flowable(round=round_, since=tx.now).model_copy(
            update={"outputs": {"iterationCount": 0}}))
    waiting_until = run.flowable.next
    if waiting_until:
        if tx.now < waiting_until:
            return None
        round_ += 1
        run = _update(tx, run, round=round_, next=None)
    scope = Scope(run, task.tasks or [], task.errors or [], task.finally_ or [],
                  iteration=round_)
    state = resolve_scope(tx, scope, start)
    if state is None:
        return None
    if state in (State.FAILED, State.KILLED):
        return state
    run = tx.put_run(tx.require_run(run.id).model_copy(update={"outputs": {"iterationCount": round_ + 1}}))
    rendered = _render(tx, config, task, run, str(task.condition))
    if rendered is None:
        return State.FAILED
    if is_truthy(rendered.strip()):
        return state
    frequency = task.check_frequency
    if _limit_reached(tx.now, run, frequency, round_ + 1):
        tx.log(run.id, "WARN", f"{task.id}: maximum iterations or duration reached")
        return State.FAILED if task.fail_on_max_reached is True else state
    interval = _duration(frequency.interval) or timedelta(0)
    next_at = tx.now + interval
    _update(tx, run, next=next_at)
    tx.emit(ScheduleTimer(timer_id=f"waitfor:{run.id}:{round_}", fire_at=next_at,
                          kind="waitfor", task_run_id=run.id))
    return None


def _update(tx: ExecutionTx, run: TaskRun, **values: Any) -> TaskRun:
    return tx.put_run(run.with_flowable(**values))


def _limit_reached(now: datetime, run: TaskRun, frequency: CheckFrequency, rounds: int) -> bool:
    max_iterations = frequency.max_iterations
    if isinstance(max_iterations, int) and rounds >= max_iterations:
        return True
    max_duration = _duration(frequency.max_duration)
    since = run.flowable.since
    return bool(max_duration and since is not None and now - since >= max_duration)


def _duration(text: str | None) -> timedelta | None:
    if not text or is_expression(text):
        return None
    return parse_duration(text)
