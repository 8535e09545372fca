"""io.kestra.plugin.core.flow.*: pausing, sleeping, working directories, templates.

Branching types live in flow_branching.py, loops in flow_loops.py, subflows in
flow_subflows.py. The small property types they share are defined here.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator
from typing_extensions import Annotated

from common.inputs.definitions import AnyInput
from common.plugins.base import (AnyTask, DurationStr, Expr, FlowableTask, StrictModel, Task,
                                 TaskKind)

_OLD = "io.kestra.core.tasks.flows."


def _scalar_to_str(value: Any) -> Any:
    # Jackson reads a YAML scalar into a String property as its text (`true` -> "true").
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


# A string property that, like Kestra's, also takes a YAML number or boolean as text.
ScalarStr = Annotated[str, BeforeValidator(_scalar_to_str)]
NonEmptyStr = Annotated[str, Field(min_length=1)]
Tasks = list[AnyTask]
NonEmptyTasks = Annotated[list[AnyTask], Field(min_length=1)]


class NamespaceFiles(StrictModel):
    """Which namespace files to copy into a working directory."""

    enabled: bool | Expr = True  # Kestra: true as soon as the block is present
    include: list[str] | None = None
    exclude: list[str] | None = None
    # Newer Kestra: files of several namespaces, one folder each, and a conflict rule.
    namespaces: list[str] | Expr | None = None
    folder_per_namespace: bool | Expr | None = None
    if_exists: Literal["OVERWRITE", "FAIL", "WARN", "IGNORE"] | Expr | None = None


# `inputFiles`: file name -> content, or an expression rendering to such a JSON map.
InputFiles = dict[str, ScalarStr] | str
OutputFiles = list[str] | Expr


class Pause(FlowableTask):
    """Pauses the execution until it is resumed, or until `delay` / `timeout` elapses."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Pause"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Pause",)

    # delay: resume (SUCCESS) after it; timeout (the common Task property): FAIL after it.
    delay: DurationStr | None = None
    # Newer Kestra spells `delay` as pauseDuration and lets `behavior` pick the outcome.
    pause_duration: DurationStr | None = None
    behavior: Literal["RESUME", "WARN", "CANCEL", "FAIL"] | None = None
    # Inputs (declared like flow inputs) whose values are asked for when resuming.
    on_resume: list[AnyInput] | None = None
    tasks: Tasks | None = None  # deprecated: run after the pause


class Sleep(Task):
    """Waits for `duration` on a worker."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Sleep"

    duration: DurationStr


class Cache(StrictModel):
    """Files of a WorkingDirectory kept between executions."""

    patterns: list[str]
    ttl: DurationStr | None = None


class WorkingDirectory(FlowableTask):
    """Runs its runnable children on one worker, sharing one local directory."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.WorkingDirectory"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "WorkingDirectory", _OLD + "Worker")
    # Flowable in shape, but the executor hands the whole task to a single worker.
    RUNS_ON_WORKER: ClassVar[bool | None] = True

    tasks: NonEmptyTasks
    cache: Cache | None = None
    namespace_files: NamespaceFiles | None = None
    input_files: InputFiles | None = None
    output_files: OutputFiles | None = None

    @model_validator(mode="after")
    def _children_run_on_this_worker(self) -> "WorkingDirectory":
        for task in self.tasks:
            if type(task).KIND is not TaskKind.RUNNABLE:
                raise ValueError(f"only runnable tasks can run in a WorkingDirectory; "
                                 f"'{task.id}' is {type(task).KIND.value}")
            if task.worker_group is not None:
                raise ValueError(f"task '{task.id}' sets workerGroup; set it on the "
                                 f"WorkingDirectory instead")
        return self


class Template(FlowableTask):
    """Includes the tasks of a stored template (deprecated in Kestra for subflows)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Template"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Template",)
    DEPRECATED: ClassVar[bool] = True

    namespace: str
    template_id: str
    args: dict[str, ScalarStr] | None = None
