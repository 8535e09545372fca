"""io.kestra.plugin.core.flow.*: tasks that start other flows (Subflow, ForEachItem)."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Literal

from pydantic import BeforeValidator, Field, PrivateAttr, field_validator
from typing_extensions import Annotated

from podium.common.plugins.base import Task, TaskKind, Tasks
from podium.common.plugins.fields import (
    SYSTEM_LABEL_PREFIX,
    Dyn,
    Label,
    NonEmptyStr,
    StrictModel,
    is_expression,
)

_OLD = "io.kestra.core.tasks.flows."


def _labels_as_list(value: Any) -> Any:
    # Kestra reads labels as a list of {key, value} or as a map of scalar values.
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None or not isinstance(item, (str, int, float, bool)):
                raise ValueError(f"label '{key}' must have a string, number or boolean value")
        return [{"key": key, "value": item} for key, item in value.items()]
    return value


def _no_system_labels(labels: list[Label] | None) -> list[Label] | None:
    for label in labels or ():
        if label.key.startswith(SYSTEM_LABEL_PREFIX):
            raise ValueError(f"system labels can only be set by the engine: '{label.key}'")
    return labels


# Labels passed to a child execution, normalised to a list of {key, value}.
ChildLabels = Annotated[list[Label], BeforeValidator(_labels_as_list)]


class _ChildFlow(Task):
    """Properties Kestra's ChildFlowInterface tasks share."""

    KIND: ClassVar[TaskKind] = TaskKind.EXECUTABLE

    namespace: NonEmptyStr
    flow_id: NonEmptyStr
    revision: Dyn[Annotated[int, Field(ge=1)]] | None = None  # None = latest revision
    inputs: dict[str, Any] | None = None
    labels: ChildLabels | None = None
    wait: bool = True  # wait for the child execution to end
    transmit_failed: bool = True  # a failed child fails this task (when waiting)
    inherit_labels: bool = False  # copy this execution's labels to the child
    schedule_date: str | None = None  # ISO date-time or an expression rendering to one

    @field_validator("labels")
    @classmethod
    def _check_labels(cls, labels: list[Label] | None) -> list[Label] | None:
        return _no_system_labels(labels)

    def called_flow(self) -> tuple[str, str] | None:
        if is_expression(self.namespace) or is_expression(self.flow_id):
            return None
        return (self.namespace, self.flow_id)


class Subflow(_ChildFlow):
    """Starts an execution of another flow and, by default, waits for it to end."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Subflow"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Subflow", _OLD + "Flow")

    # Deprecated since 0.15 in favour of the child flow's own `outputs`.
    outputs: dict[str, Any] | None = None
    # Newer Kestra: what a restart of this execution does to the child.
    restart_behavior: Literal["NEW_EXECUTION", "RETRY_FAILED"] | None = None


class Batch(StrictModel):
    """How ForEachItem splits its items file; Kestra uses bytes, then partitions, then rows."""

    rows: Dyn[Annotated[int, Field(ge=1)]] | None = 1
    bytes: str | None = None  # a size such as "10MB"
    partitions: Dyn[Annotated[int, Field(ge=1)]] | None = None
    separator: str = "\n"


class ForEachItem(_ChildFlow):
    """Splits a storage file into batches and starts one subflow execution per batch."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.ForEachItem"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "ForEachItem",)

    # A kestra:// URI, usually an expression such as "{{ outputs.extract.uri }}".
    items: NonEmptyStr
    batch: Batch = Field(default_factory=Batch)
    errors: Tasks | None = None

    _subtasks: list[Task] | None = PrivateAttr(default=None)

    def subtasks(self) -> list[Task]:
        """Kestra runs a ForEachItem as three tasks, `<id>_split` (a worker cuts the file
        into batches), `<id>_items` (one child execution per batch) and `<id>_merge` (a
        worker gathers the children's outputs), in this order."""
        if self._subtasks is None:
            child_flow = {name: getattr(self, name) for name in _ChildFlow.model_fields
                          if name in _CHILD_FLOW_FIELDS}
            self._subtasks = [
                ForEachItemSplit(id=f"{self.id}_split", type=ForEachItemSplit.TYPE,
                                 items=self.items, batch=self.batch),
                ForEachItemExecutable(id=f"{self.id}_items", type=ForEachItemExecutable.TYPE,
                                      **child_flow),
                ForEachItemMergeOutputs(id=f"{self.id}_merge",
                                        type=ForEachItemMergeOutputs.TYPE)]
        return self._subtasks

    def child_tasks(self) -> Iterator[Task]:
        yield from self.subtasks()
        yield from super().child_tasks()


_CHILD_FLOW_FIELDS = ("namespace", "flow_id", "revision", "inputs", "labels", "wait",
                      "transmit_failed", "inherit_labels", "schedule_date")
_INTERNAL = "io.kestra.plugin.core.flow.ForEachItem$"


class ForEachItemSplit(Task):
    """Internal to ForEachItem: cuts the items file into batch files (worker)."""

    TYPE: ClassVar[str] = _INTERNAL + "ForEachItemSplit"

    items: NonEmptyStr
    batch: Batch = Field(default_factory=Batch)


class ForEachItemExecutable(_ChildFlow):
    """Internal to ForEachItem: one child execution per batch (executor)."""

    TYPE: ClassVar[str] = _INTERNAL + "ForEachItemExecutable"


class ForEachItemMergeOutputs(Task):
    """Internal to ForEachItem: the children's flow outputs in one ION file (worker)."""

    TYPE: ClassVar[str] = _INTERNAL + "ForEachItemMergeOutputs"
