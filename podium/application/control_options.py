"""What may be done to an execution now: the control actions (control.py) its state allows,
by the same checks they make (kill, restart, replay, set-state), and what a paused one
waits for (a Pause's `onResume` inputs, an Approval's review). The web UI shows an action
only when it is allowed; the action checks again when asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from podium.application.parts import Parts
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State
from podium.common.plugins.tasks.flow_approval import Approval
from podium.executor.engine.features.pause import first_paused
from podium.executor.engine.features.restart import (
    MARKABLE,
    why_not_replay,
    why_not_restart,
    why_not_set_state,
)


@dataclass(frozen=True)
class Waiting:
    """What a PAUSED execution waits for: `kind` "resume" (a Pause, or the whole execution
    paused, `run` None) or "review" (an Approval); `inputs` the declarations to ask for
    (the Pause's onResume, the Approval's inputs)."""

    kind: str
    run: TaskRun | None
    inputs: list[Any] = field(default_factory=list)
    task: Any = None


@dataclass(frozen=True)
class ControlOptions:
    kill: bool
    restart: bool
    replay: bool
    # task run id -> the states it may be set to (Kestra's "change status")
    markable: dict[str, tuple[State, ...]]
    waiting: Waiting | None


def control_options(execution: Execution, runs: list[TaskRun],
                    flow: Any = None) -> ControlOptions:
    """The actions allowed on `execution` with its task `runs`; `flow` (the revision it
    runs) is needed to say what a PAUSED execution waits for."""
    return ControlOptions(
        kill=not execution.state.is_terminated,
        restart=why_not_restart(execution, runs) is None,
        replay=why_not_replay(execution, None, None) is None,
        markable={run.id: states for run in runs
                  if (states := markable_states(execution, run))},
        waiting=waiting_for(execution, runs, flow))


def markable_states(execution: Execution, run: TaskRun) -> tuple[State, ...]:
    return tuple(state for state in MARKABLE
                 if why_not_set_state(execution, run, run.id, state) is None)


def waiting_for(execution: Execution, runs: list[TaskRun], flow: Any) -> Waiting | None:
    if execution.state is not State.PAUSED:
        return None
    run, task = first_paused(flow, runs) if flow is not None else (None, None)
    if isinstance(task, Approval):
        return Waiting("review", run, list(task.inputs or []), task)
    return Waiting("resume", run, list(getattr(task, "on_resume", None) or []), task)


def options_of(parts: Parts, execution: Execution, runs: list[TaskRun]) -> ControlOptions:
    """control_options, reading the flow revision only when the execution is PAUSED."""
    flow = None
    if execution.state is State.PAUSED:
        with parts.db.read() as conn:
            flow = parts.flows.get(conn, execution.namespace, execution.flow_id,
                                   execution.flow_revision)
    return control_options(execution, runs, flow)
