"""What a render sees of the task runs inside Loop iterations (Kestra 2.0's scoping).

Kestra 2.0 runs each Loop iteration as its own sub-execution, so:
- inside an iteration, `outputs.<sibling>` (and `tasks.<sibling>`) is the sibling's run of
  *this* iteration, with no loop-value key (`{{ outputs.first.value }}`);
- an iteration also sees what ran before the loop, and, for a nested Loop, what its
  enclosing iterations ran;
- nothing outside an iteration sees inside it: other iterations, the tasks after the loop
  (they read the Loop's declared `outputs` instead).

An iteration here is identified by its Loop's task run and its index: the direct children
of a Loop run carry the index as their `iteration`. Pure functions over the execution view.
"""

from __future__ import annotations

from podium.common.models.execution import TaskRun
from podium.common.plugins.tasks.flow_loops import Loop
from podium.executor.engine.view import ExecutionTx

# (Loop task run id, iteration index), outermost first.
IterationPath = tuple[tuple[str, int], ...]


def has_loops(tx: ExecutionTx) -> bool:
    """Whether the flow has a Loop at all (else no scoping work is done)."""
    memo: dict[str, bool] = tx.memo.setdefault("loop_scope", {})
    if "has" not in memo:
        memo["has"] = any(isinstance(t, Loop) for t in tx.flow.task_index().values())
    return memo["has"]


def iteration_path(tx: ExecutionTx, run: TaskRun | None) -> IterationPath:
    """The Loop iterations `run` is inside, outermost first (empty outside any)."""
    if run is None:
        return ()
    return _scope(tx, run)[0]


def scoped_keys(tx: ExecutionTx, run: TaskRun) -> list[str]:
    """The loop-value keys of `run`'s outputs as seen from inside its iteration: those of
    the ForEach-like loops it is in, not the Loop iterations' own values."""
    return _scope(tx, run)[1]


def visible(here: IterationPath, there: IterationPath) -> bool:
    """A run in iterations `there` is visible from a render in iterations `here` when its
    iterations enclose the render's (the same iteration, an enclosing one, or none)."""
    return here[:len(there)] == there


def _scope(tx: ExecutionTx, run: TaskRun) -> tuple[IterationPath, list[str]]:
    memo: dict[str, tuple[IterationPath, list[str]]] = tx.memo.setdefault(
        "loop_scope_runs", {})
    if run.id not in memo:
        chain = [run, *tx.ancestors(run)]  # closest first
        path: list[tuple[str, int]] = []
        keys: list[str] = []
        for node, parent in zip(chain, [*chain[1:], None]):
            if parent is not None and node.iteration is not None and \
                    isinstance(tx.task(parent.task_id), Loop):
                path.append((parent.id, node.iteration))
            elif node.value is not None:
                keys.append(node.value)
        memo[run.id] = (tuple(reversed(path)), list(reversed(keys)))
    return memo[run.id]
