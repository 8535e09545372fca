"""io.kestra.plugin.core.flow.*: pausing, sleeping, working directories, templates, purging
old flow revisions.

Branching types live in flow_branching.py, loops in flow_loops.py, subflows in
flow_subflows.py. The property types they share are in common.plugins.fields (scalars),
common.plugins.base (task lists) and _files.py (working-directory files).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from podium.common.inputs.definitions import AnyInput
from podium.common.plugins.base import FlowableTask, NonEmptyTasks, Task, TaskKind, Tasks
from podium.common.plugins.fields import DurationStr, ScalarStr, StrictModel
from podium.common.plugins.tasks._files import InputFiles, NamespaceFiles, OutputFiles
from podium.common.plugins.tasks._purge import PurgeScope, VersionPurge

_OLD = "io.kestra.core.tasks.flows."


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


class Wait(Task):
    """Waits for `duration` on a worker (Kestra's flow.Wait, Sleep's twin in its core)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Wait"

    duration: DurationStr


class Cache(StrictModel):
    """Files of a WorkingDirectory kept between executions."""

    patterns: list[str]
    ttl: DurationStr | None = None
    # `patterns` leaving the directory (`../x`, `/x`) are accepted, as Kestra accepts them;
    # saving the cache then logs an ERROR naming the pattern (Kestra caches nothing).


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
    """Includes the tasks of a stored template (deprecated in Kestra for subflows).

    Kestra still accepts the task in a flow but disables templates by default
    (`kestra.templates.enabled`), so the task fails when it runs; Podium has no templates
    at all and does the same (executor/engine/features/template.py)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Template"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Template",)
    DEPRECATED: ClassVar[bool] = True

    namespace: str
    template_id: str
    args: dict[str, ScalarStr] | None = None


class PurgeFlows(Task, PurgeScope):
    """Deletes old revisions of flows (`behavior`, default: keep the newest one), those whose
    id matches `flowPattern` (a glob) when given. The latest revision always stays."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.PurgeFlows"

    flow_pattern: str | None = None
    behavior: VersionPurge | None = None  # None: {type: version, keepAmount: 1}

    @model_validator(mode="after")
    def _keeps_at_least_one(self) -> "PurgeFlows":
        if self.behavior is not None and self.behavior.keep_amount == 0:
            raise ValueError("behavior.keepAmount must be at least 1")
        return self
