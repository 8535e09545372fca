"""io.kestra.plugin.core.execution.*: tasks that read or change executions."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import BeforeValidator, model_validator
from typing_extensions import Annotated

from podium.common.plugins.base import Task, TaskKind
from podium.common.plugins.fields import (
    SYSTEM_LABEL_PREFIX,
    Dyn,
    Expr,
    Label,
    NonEmptyStr,
    ScalarStr,
    StateType,
    StrictModel,
    is_expression,
)


class FlowRef(StrictModel):
    namespace: str
    flow_id: str


class Assert(Task):
    """Renders each condition; fails listing how many were falsy (each one logged)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.Assert"

    conditions: list[ScalarStr]
    error_message: ScalarStr | None = None


class Count(Task):
    """Counts executions per flow and keeps the flows for which `expression` is true."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.Count"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.executions.Counts",)

    flows: list[FlowRef] | None = None
    namespaces: list[str] | None = None
    states: list[StateType] | None = None
    start_date: str  # ISO date-time, usually an expression
    end_date: str | None = None
    expression: str  # e.g. "{{ count >= 5 }}", rendered once per flow

    @model_validator(mode="after")
    def _has_a_scope(self) -> "Count":
        # Kestra fails every run without one; say so when the flow is saved.
        if self.flows is None and self.namespaces is None:
            raise ValueError("Count needs `flows` or `namespaces`")
        return self


class Exit(Task):
    """Ends the execution at once in `state`; KILLED also kills what still runs."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.Exit"
    KIND: ClassVar[TaskKind] = TaskKind.EXECUTION_UPDATING

    # Kestra's ExitState: CANCELLED since 2.0 (which dropped the CANCELED state alias); the
    # earlier spelling CANCELED is kept for flows written for 0.2x / 1.x.
    state: Dyn[Literal["SUCCESS", "WARNING", "KILLED", "FAILED", "CANCELLED",
                       "CANCELED"]] = "SUCCESS"


class Fail(Task):
    """Fails with `errorMessage`, always or only when the rendered `condition` is truthy."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.Fail"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.executions.Fail",)

    condition: ScalarStr | None = None
    error_message: ScalarStr = "Task failure"


def _check_labels(value: Any) -> Any:
    if isinstance(value, dict):
        # Kestra renders keys and values as strings; scalars are taken as their text.
        for key, item in value.items():
            if isinstance(item, (dict, list)) or item is None:
                raise ValueError(f"label '{key}' must have a string value")
        keys = [str(key) for key in value]
    elif isinstance(value, list):
        keys = [Label.model_validate(item).key for item in value]
    else:
        return value
    system = [key for key in keys if key.startswith(SYSTEM_LABEL_PREFIX)]
    if system:
        raise ValueError(f"system labels can only be set by the engine: '{system[0]}'")
    return value


class Labels(Task):
    """Adds labels to the current execution (new keys override existing ones)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.Labels"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.executions.Labels",)
    KIND: ClassVar[TaskKind] = TaskKind.EXECUTION_UPDATING
    # Podium renders the labels on a worker like any task; the executor merges the
    # labels that come back with the result into the execution.
    RUNS_ON_WORKER: ClassVar[bool] = True

    # A map, a list of {key, value}, or a string rendering to a JSON map.
    labels: Annotated[dict[ScalarStr, ScalarStr] | list[Label] | str,
                      BeforeValidator(_check_labels)]

    @model_validator(mode="after")
    def _string_is_an_expression_or_json(self) -> "Labels":
        if isinstance(self.labels, str) and not is_expression(self.labels):
            try:
                parsed = json.loads(self.labels)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise ValueError("a string `labels` must be an expression or a JSON map")
            _check_labels(parsed)
        return self


class PurgeExecutions(Task):
    """Deletes ended executions and, by default, their logs, metrics and files."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.PurgeExecutions"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.storages.Purge",
                                          "io.kestra.plugin.core.storage.Purge")

    # A namespace prefix, or with flowId the namespace of that flow (Kestra does not
    # require it alongside flowId).
    namespace: str | None = None
    flow_id: str | None = None
    start_date: str | None = None
    end_date: str  # ISO date-time, usually an expression
    states: list[StateType] | None = None  # None = any state
    purge_execution: bool = True
    purge_log: bool = True
    purge_metric: bool = True
    purge_storage: bool = True


class Resume(Task):
    """Resumes a paused execution (the current one by default) with optional inputs."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.Resume"

    namespace: NonEmptyStr | None = None
    flow_id: NonEmptyStr | None = None
    execution_id: NonEmptyStr | None = None
    inputs: dict[str, Any] | None = None


class SetVariables(Task):
    """Renders `variables` and deep-merges them into the execution's `vars`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.SetVariables"
    KIND: ClassVar[TaskKind] = TaskKind.EXECUTION_UPDATING

    # A map, or an expression rendering to a JSON map.
    variables: dict[str, Any] | Expr
    overwrite: Dyn[bool] = True


class UnsetVariables(Task):
    """Removes keys (dotted paths reach into maps) from the execution's `vars`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.execution.UnsetVariables"
    KIND: ClassVar[TaskKind] = TaskKind.EXECUTION_UPDATING

    # A list of keys, or an expression rendering to a JSON list of them.
    variables: list[ScalarStr] | Expr
    ignore_missing: Dyn[bool] = False
