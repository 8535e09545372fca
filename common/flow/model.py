"""The flow document: every property of a Kestra flow, typed.

Rules that span several parts of the flow (unique task ids, self-calling subflows, input
dependencies) live in `common.flow.rules`; this module holds the shape of each property.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Literal

from pydantic import AliasChoices, Field, PrivateAttr, field_validator, model_validator
from typing_extensions import Annotated

from podium.common.inputs import AnyInput, InputType
from podium.common.labels import label_limit_problems
from podium.common.plugins.base import AnyCondition, AnyTask, AnyTrigger, Retry, Task
from podium.common.plugins.fields import DurationStr, StrictModel

FLOW_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$"
# Kestra's pattern is ^[a-z0-9][a-z0-9._-]*; we also refuse empty segments ("a..b", "a."),
# which Kestra accepts but which no namespace tree, folder or prefix query can represent.
NAMESPACE_PATTERN = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9_-]+)*$"
OUTPUT_ID_PATTERN = r"^[a-zA-Z0-9][.a-zA-Z0-9_-]*$"
# Flow labels may not use the reserved `system.` prefix, except this one.
ALLOWED_SYSTEM_LABELS = {"system.readOnly"}


class Label(StrictModel):
    key: str
    value: Any


class Output(StrictModel):
    """A flow output: rendered when the execution ends, then coerced to `type`."""

    id: Annotated[str, Field(pattern=OUTPUT_ID_PATTERN)]
    type: InputType
    value: Any = Field(...)
    description: str | None = None
    display_name: Annotated[str, Field(max_length=64)] | None = None

    @field_validator("value")
    @classmethod
    def _present(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("an output needs a value")
        return value


class PluginDefault(StrictModel):
    type: str
    forced: bool = False
    values: dict[str, Any]

    @field_validator("values")
    @classmethod
    def _no_null_values(cls, values: dict[str, Any]) -> dict[str, Any]:
        nulls = [k for k, v in values.items() if v is None]
        if nulls:
            raise ValueError(f"default values may not be null: {', '.join(nulls)}")
        return values


class Concurrency(StrictModel):
    limit: Annotated[int, Field(gt=0)]
    behavior: Literal["QUEUE", "CANCEL", "FAIL"] = "QUEUE"


class Sla(StrictModel):
    """A service-level assertion on executions of the flow (Kestra's beta `sla`)."""

    id: Annotated[str, Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")]
    type: Literal["MAX_DURATION", "EXECUTION_ASSERTION"]
    behavior: Literal["FAIL", "CANCEL", "NONE"]
    labels: dict[str, Any] | list[Label] | None = None
    duration: DurationStr | None = None
    assert_: str | None = Field(None, alias="assert")

    @field_validator("assert_")
    @classmethod
    def _assert_is_text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("`assert` may not be blank")
        return value

    @model_validator(mode="after")
    def _has_what_its_type_needs(self) -> "Sla":
        if self.type == "MAX_DURATION" and self.duration is None:
            raise ValueError("a MAX_DURATION SLA needs a `duration`")
        if self.type == "EXECUTION_ASSERTION" and self.assert_ is None:
            raise ValueError("an EXECUTION_ASSERTION SLA needs an `assert` expression")
        return self


class Check(StrictModel):
    """A condition on the inputs evaluated before an execution is created (Kestra 1.2
    `checks`); when false, `behavior` decides: BLOCK_EXECUTION refuses the execution,
    FAIL_EXECUTION creates it FAILED, CREATE_EXECUTION creates it anyway. `style` is how a
    form would show `message`. Kestra's development line renames `condition` to `when`:
    both are read (common/checks.py evaluates them)."""

    condition: Annotated[str, Field(min_length=1)] = Field(
        validation_alias=AliasChoices("condition", "when"))
    message: Annotated[str, Field(min_length=1)] | None = None
    style: Literal["ERROR", "SUCCESS", "WARNING", "INFO"] = "INFO"
    behavior: Literal["BLOCK_EXECUTION", "FAIL_EXECUTION", "CREATE_EXECUTION"] = \
        "BLOCK_EXECUTION"

    @model_validator(mode="before")
    @classmethod
    def _one_condition(cls, data: Any) -> Any:
        if isinstance(data, dict) and "condition" in data and "when" in data:
            raise ValueError("give either `condition` or `when` (its newer name), not both")
        return data


class Listener(StrictModel):
    """Deprecated in Kestra: tasks run after the execution ends, when the conditions hold."""

    description: str | None = None
    conditions: list[AnyCondition] | None = None
    tasks: Annotated[list[AnyTask], Field(min_length=1)]


class Flow(StrictModel):
    id: Annotated[str, Field(pattern=FLOW_ID_PATTERN, min_length=1, max_length=100)]
    namespace: Annotated[str, Field(min_length=1, max_length=150)]
    revision: Annotated[int, Field(ge=1)] | None = None
    description: str | None = None
    labels: dict[str, Any] | list[Label] | None = None
    inputs: list[AnyInput] | None = None
    outputs: list[Output] | None = None
    variables: dict[str, Any] | None = None
    tasks: Annotated[list[AnyTask], Field(min_length=1)]
    errors: list[AnyTask] | None = None
    finally_: list[AnyTask] | None = Field(None, alias="finally")
    after_execution: list[AnyTask] | None = None
    listeners: list[Listener] | None = None
    triggers: list[AnyTrigger] | None = None
    plugin_defaults: list[PluginDefault] | None = None
    task_defaults: list[PluginDefault] | None = None
    retry: Retry | None = None
    sla: list[Sla] | None = None
    checks: list[Check] | None = None
    # Podium addition (Kestra has none): an ISO-8601 duration after which a running
    # execution FAILS and its running tasks are killed (executor/engine/features/sla.py).
    timeout: DurationStr | None = None
    concurrency: Concurrency | None = None
    disabled: bool = False
    deleted: bool = False
    tenant_id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")] | None = None

    _task_index: dict[str, Task] | None = PrivateAttr(default=None)
    _task_parents: dict[str, str | None] | None = PrivateAttr(default=None)

    @field_validator("namespace")
    @classmethod
    def _namespace_shape(cls, namespace: str) -> str:
        problem = namespace_problem(namespace)
        if problem:
            raise ValueError(problem)
        return namespace

    @field_validator("labels")
    @classmethod
    def _no_system_labels(cls, labels: Any) -> Any:
        keys = labels.keys() if isinstance(labels, dict) else [lb.key for lb in labels or []]
        reserved = [k for k in keys if k.startswith("system.") and k not in ALLOWED_SYSTEM_LABELS]
        if reserved:
            raise ValueError(f"label keys starting with `system.` are reserved: {', '.join(reserved)}")
        pairs = labels.items() if isinstance(labels, dict) else \
            [(lb.key, lb.value) for lb in labels or []]
        too_big = label_limit_problems(pairs)
        if too_big:
            raise ValueError("; ".join(too_big))
        return labels

    def label_map(self) -> dict[str, Any]:
        if isinstance(self.labels, dict):
            return dict(self.labels)
        return {label.key: label.value for label in self.labels or []}

    def top_level_branches(self) -> dict[str, list[Task]]:
        """Each top-level task list by its YAML name."""
        branches = {"tasks": self.tasks, "errors": self.errors or [],
                    "finally": self.finally_ or [], "afterExecution": self.after_execution or []}
        for i, listener in enumerate(self.listeners or []):
            branches[f"listeners[{i}].tasks"] = listener.tasks
        return branches

    def all_tasks(self) -> Iterator[Task]:
        """Every task of the flow, depth first, including nested and error branches."""
        for tasks in self.top_level_branches().values():
            for task in tasks:
                yield from _walk(task)

    def task_index(self) -> dict[str, Task]:
        """Every task by id, computed once per parsed flow (flows are never mutated)."""
        if self._task_index is None:
            self._task_index = {task.id: task for task in self.all_tasks()}
        return self._task_index

    def task_parents(self) -> dict[str, str | None]:
        """The id of the task enclosing each task (None at the top level), computed once."""
        if self._task_parents is None:
            parents: dict[str, str | None] = {}
            for tasks in self.top_level_branches().values():
                for task in tasks:
                    _note_parents(task, None, parents)
            self._task_parents = parents
        return self._task_parents


def namespace_problem(namespace: str) -> str | None:
    """Why `namespace` is not a valid namespace, or None when it is."""
    if re.fullmatch(NAMESPACE_PATTERN, namespace):
        return None
    shown = namespace if len(namespace) <= 60 else namespace[:57] + "..."
    bad = sorted(set(re.sub(r"[a-z0-9._-]", "", namespace)))
    if bad:
        return (f"namespace '{shown}' contains {', '.join(repr(c) for c in bad[:5])}: only "
                "lowercase letters, digits, '.', '_' and '-' are allowed")
    if namespace.startswith(".") or namespace.endswith(".") or ".." in namespace:
        return (f"namespace '{shown}' has an empty segment: it may not start or end with a "
                "dot or contain two dots in a row")
    return f"namespace '{shown}' must start with a lowercase letter or a digit"


def _note_parents(task: Task, parent: str | None, parents: dict[str, str | None]) -> None:
    parents[task.id] = parent
    for child in task.child_tasks():
        _note_parents(child, task.id, parents)


def _walk(task: Task) -> Iterator[Task]:
    yield task
    for child in task.child_tasks():
        yield from _walk(child)
