"""Retry policies: whether a failed attempt is retried, and when (pure).

The policy of a task is its own `retry`, else that of its nearest flowable ancestor, else
the flow's. Delays: constant = interval; exponential = interval x factor^(n-1), capped by
maxInterval (Kestra's formula is linear with an immediate first retry, a quirk we do not
copy: the first retry waits `interval`); random = uniform in [minInterval, maxInterval).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from podium.common.durations import parse_duration
from podium.common.models.execution import TaskRun
from podium.common.plugins.base import ConstantRetry, ExponentialRetry, RandomRetry, Task, TaskKind
from podium.common.plugins.fields import is_expression
from podium.executor.engine.view import ExecutionTx

RetryPolicy = ConstantRetry | ExponentialRetry | RandomRetry


def policy_for(tx: ExecutionTx, run: TaskRun) -> RetryPolicy | None:
    task = tx.task(run.task_id)
    if task.retry is not None:
        return task.retry
    for ancestor in tx.ancestors(run):
        ancestor_task = tx.task(ancestor.task_id)
        if ancestor_task.retry is not None:
            return ancestor_task.retry
    return tx.flow.retry


def next_attempt_at(policy: RetryPolicy, run: TaskRun, failed_at: datetime,
                    rng: random.Random | None = None) -> datetime | None:
    """When the next attempt should start, or None when the policy is exhausted."""
    first_start = (run.attempts[0].started if run.attempts else None) or failed_at
    return retry_at(policy, len(run.attempts), failed_at, first_start, rng)


def retry_at(policy: RetryPolicy, attempts: int, failed_at: datetime, first_start: datetime,
             rng: random.Random | None = None) -> datetime | None:
    """When attempt number `attempts + 1` should start, or None when exhausted
    (`maxAttempt` reached, or the date falls after `first_start + maxDuration`)."""
    if policy.max_attempt is not None and attempts >= policy.max_attempt:
        return None
    delay = _delay(policy, attempts, rng or random.Random())
    if delay is None:
        return None
    at = failed_at + delay
    if policy.max_duration and not is_expression(policy.max_duration):
        if at > first_start + parse_duration(policy.max_duration):
            return None
    return at


def _delay(policy: RetryPolicy, attempts: int, rng: random.Random) -> timedelta | None:
    try:
        if isinstance(policy, ConstantRetry):
            return parse_duration(policy.interval)
        if isinstance(policy, ExponentialRetry):
            base = parse_duration(policy.interval)
            factor = policy.delay_factor or 2.0
            delay = base * (factor ** max(0, attempts - 1))
            return min(delay, parse_duration(policy.max_interval))
        low, high = parse_duration(policy.min_interval), parse_duration(policy.max_interval)
        return low + (high - low) * rng.random()
    except (ValueError, OverflowError):
        return None  # an expression we cannot evaluate here: no retry rather than a crash


def is_retry_target(task: Task) -> bool:
    """Only runnable tasks (and subflows) are retried, as in Kestra."""
    return task.runs_on_worker() or task.KIND is TaskKind.EXECUTABLE
