"""Executions and task runs as plain, serialisable records (Kestra's shapes, snake_case).

The executor changes them only through `common.models.state.transition`; workers never
write them. `to_api()` gives Kestra's API JSON shape for CLI and REST output.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from podium.common.models.engine_state import EngineState, from_legacy_variables
from podium.common.models.flowable_state import FlowableState
from podium.common.models.state import State, StateHistory, transition

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


_ID_LENGTH = 22
_ID_SPACE = 62 ** _ID_LENGTH
# Numbers below this map onto the id space evenly (whole multiples of it): drawing again
# above it keeps every id equally likely.
_ID_DRAW_LIMIT = (2 ** 136 // _ID_SPACE) * _ID_SPACE


def new_id() -> str:
    """A 22-character base62 random id, like Kestra's IdUtils.create(). One read of the
    system's randomness per id (an executor makes one per task run it creates), rather than
    one per character."""
    number = int.from_bytes(secrets.token_bytes(17), "big")
    while number >= _ID_DRAW_LIMIT:
        number = int.from_bytes(secrets.token_bytes(17), "big")
    number %= _ID_SPACE
    digits = []
    for _ in range(_ID_LENGTH):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(digits)


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=False)


class Attempt(Record):
    """One run of a task run on a worker. `number` starts at 1."""

    number: int
    state: State = State.CREATED
    started: datetime | None = None
    ended: datetime | None = None
    log_file: str | None = None  # logToFile: the stored file of its log lines (Kestra's logFile)
    assets: dict[str, Any] | None = None  # the task's `assets` as rendered for this attempt
    # Closed because the worker running it fell silent (executor/engine/features/resubmit.py).
    worker_lost: bool = False


class TaskRun(Record):
    id: str = Field(default_factory=new_id)
    execution_id: str
    task_id: str
    parent_task_run_id: str | None = None
    value: str | None = None  # loop value of the enclosing ForEach iteration
    iteration: int | None = None  # WaitFor / LoopUntil iteration, ForEachItem batch
    history: StateHistory
    attempts: list[Attempt] = Field(default_factory=list)
    outputs: dict[str, Any] | None = None
    # Executor bookkeeping for flowables (common/models/flowable_state.py).
    flowable: FlowableState = Field(default_factory=FlowableState)
    seq: int = 0  # creation order within the execution
    # Counted by its loop: out of the executor's working set (executor/engine/loops.py).
    folded: bool = False

    @field_serializer("flowable", when_used="json")
    def _stored_flowable(self, flowable: FlowableState) -> dict[str, Any]:
        return flowable.stored()

    @property
    def state(self) -> State:
        return self.history.current

    def with_flowable(self, **changes: Any) -> "TaskRun":
        """A copy whose flowable state has `changes` (FlowableState fields) applied."""
        return self.model_copy(update={"flowable": self.flowable.model_copy(update=changes)})

    def runs_attempt(self, number: int) -> bool:
        """Attempt `number` is the one this run is waiting for: the run RUNNING, its last
        attempt that number and not ended. Anything else about that attempt is stale."""
        last = self.attempts[-1] if self.attempts else None
        return self.state is State.RUNNING and last is not None and last.number == number \
            and not last.state.is_terminated

    def moved_to(self, target: State, at: datetime) -> "TaskRun":
        return self.model_copy(update={"history": transition(self.history, target, at)})

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id, "executionId": self.execution_id, "taskId": self.task_id,
            "parentTaskRunId": self.parent_task_run_id, "value": self.value,
            "iteration": self.iteration, "outputs": self.outputs,
            "state": _state_api(self.history),
            "attempts": [_attempt_api(a) for a in self.attempts] or None,
            "assets": self.assets(),
        }

    def assets(self) -> dict[str, Any] | None:
        """Kestra's TaskRun.assets: the declaration as its last attempt rendered it."""
        return next((a.assets for a in reversed(self.attempts) if a.assets), None)


class Execution(Record):
    id: str = Field(default_factory=new_id)
    namespace: str
    flow_id: str
    flow_revision: int
    history: StateHistory
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    labels: list[dict[str, Any]] = Field(default_factory=list)
    # The user's execution variables: `vars` as SetVariables/UnsetVariables left them.
    variables: dict[str, Any] | None = None
    # The executor's own bookkeeping (common/models/engine_state.py); never shown.
    engine: EngineState = Field(default_factory=EngineState)
    parent_id: str | None = None
    original_id: str | None = None
    trigger: dict[str, Any] | None = None
    attempt_number: int = 1
    original_created_date: datetime | None = None
    schedule_date: datetime | None = None
    error: str | None = None  # why the execution failed outside any task (e.g. bad outputs)
    # Row version in the store, bumped by every write; lets an executor trust its cache of
    # the task runs when nobody else touched the execution since.
    version: int = 0

    @model_validator(mode="before")
    @classmethod
    def _engine_out_of_variables(cls, data: Any) -> Any:
        """An execution an earlier version wrote kept its bookkeeping in `variables`."""
        if not isinstance(data, dict):
            return data
        if data.get("engine") is None:
            data = {k: v for k, v in data.items() if k != "engine"}
        variables = data.get("variables")
        if isinstance(variables, dict):
            kept, legacy = from_legacy_variables(variables)
            if legacy:
                engine = data.get("engine")
                current = engine.model_dump(exclude_defaults=True) \
                    if isinstance(engine, EngineState) else engine or {}
                data = {**data, "variables": kept or None, "engine": {**legacy, **current}}
        return data

    def with_engine(self, **changes: Any) -> "Execution":
        """A copy whose engine state has `changes` (EngineState fields) applied."""
        return self.model_copy(update={"engine": self.engine.model_copy(update=changes)})

    @property
    def state(self) -> State:
        return self.history.current

    def moved_to(self, target: State, at: datetime) -> "Execution":
        return self.model_copy(update={"history": transition(self.history, target, at)})

    def label_map(self) -> dict[str, Any]:
        return {label["key"]: label["value"] for label in self.labels}

    def to_api(self, task_runs: list[TaskRun] | None = None) -> dict[str, Any]:
        return {
            "id": self.id, "namespace": self.namespace, "flowId": self.flow_id,
            "flowRevision": self.flow_revision, "state": _state_api(self.history),
            "taskRunList": [t.to_api() for t in task_runs] if task_runs is not None else None,
            "inputs": self.inputs, "outputs": self.outputs, "labels": self.labels,
            "parentId": self.parent_id, "originalId": self.original_id or self.id,
            "trigger": self.trigger,
            "metadata": {"attemptNumber": self.attempt_number,
                         "originalCreatedDate": _iso(self.original_created_date)},
            "scheduleDate": _iso(self.schedule_date),
        }


def _attempt_api(attempt: Attempt) -> dict[str, Any]:
    shown: dict[str, Any] = {"state": {"current": attempt.state.value,
                                       "startDate": _iso(attempt.started),
                                       "endDate": _iso(attempt.ended)}}
    if attempt.log_file:
        shown["logFile"] = attempt.log_file
    return shown


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _state_api(history: StateHistory) -> dict[str, Any]:
    start, end = history.start_date, history.end_date
    duration = (end - start).total_seconds() if start and end else None
    return {"current": history.current.value,
            "histories": [{"state": h.state.value, "date": _iso(h.date)} for h in history.histories],
            "startDate": _iso(start), "endDate": _iso(end), "duration": duration}
