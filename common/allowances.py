"""allowFailure and allowWarning: the one rule that folds a task's own tolerance into the
state its task run ends in.

Kestra applies it in two places, and so do we: the worker to an attempt's outcome
(worker/runnables/attempt.py) and the executor to a task run it resolves itself, a flowable
or a finished attempt (executor/engine/advance.py, results.py). Both call `fold_allowances`,
so they cannot disagree on the order: allowFailure first (FAILED -> WARNING), then
allowWarning (WARNING -> SUCCESS), so a task with both turns a failure into SUCCESS.
"""

from __future__ import annotations

from podium.common.models.state import State


def fold_allowances(state: State, *, allow_failure: bool, allow_warning: bool,
                    retry_left: bool = False) -> State:
    """The state a task run ends in once its `allowFailure` / `allowWarning` apply.
    `retry_left`: another attempt would follow a failure, so allowFailure waits for the
    last one (a FAILED attempt stays FAILED and is retried)."""
    if allow_failure and state is State.FAILED and not retry_left:
        state = State.WARNING
    if allow_warning and state is State.WARNING:
        state = State.SUCCESS
    return state
