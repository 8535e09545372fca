"""Base classes of every plugin type a flow can name: tasks, triggers, conditions, task runners.

A plugin type is one pydantic class with a ``TYPE`` (its Kestra name) and optional ``ALIASES``
(legacy names). Defining the class registers nothing: a ``Plugin`` lists it (common/plugins/
core.py for the core types, an installed distribution's entry point for the others). Fields use snake_case in Python and
Kestra's camelCase in YAML (``allow_failure`` <-> ``allowFailure``); unknown properties are
rejected, as Kestra does.

Fields that point at other plugins use the ``AnyTask`` / ``AnyTrigger`` / ``AnyCondition`` /
``AnyTaskRunner`` annotations: their schema is a tagged union over the registry, built
lazily on first validation (every model sets ``defer_build``), so a type module can refer
to types defined in modules imported after it.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, Literal, TypeAlias, Union

from pydantic import AliasChoices, BaseModel, Field, model_validator
from pydantic_core import core_schema
from typing_extensions import Annotated

from podium.common.durations import parse_duration
from podium.common.plugins.assets import AssetsDeclaration

# Re-exported: the shared field types and StrictModel live in common.plugins.fields.
from podium.common.plugins.fields import (  # noqa: F401
    TASK_ID_MAX_LENGTH,
    TASK_ID_PATTERN,
    DurationStr,
    Dyn,
    Expr,
    Labels,
    StrictModel,
    is_expression,
)
from podium.common.plugins.registry import registry


class TaskKind(str, Enum):
    RUNNABLE = "runnable"  # runs on a worker
    FLOWABLE = "flowable"  # resolved by the executor from its children
    EXECUTABLE = "executable"  # creates child executions (Subflow, ForEachItem)
    EXECUTION_UPDATING = "execution_updating"  # changes the execution in the executor (Labels)


class LogLevel(str, Enum):
    TRACE = "TRACE"
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


class _PluginUnion:
    """Schema of "any registered plugin of one category", dispatched on the `type` key."""

    category: ClassVar[str]

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        category = cls.category
        choices = {name: handler.generate_schema(plugin)
                   for name, plugin in registry.classes(category).items()}

        def discriminate(value: Any) -> str | None:
            if isinstance(value, BaseModel):
                return getattr(value, "TYPE", None)
            if isinstance(value, dict):
                type_name = value.get("type")
                return registry.canonical(category, type_name) or (
                    type_name if isinstance(type_name, str) else None)
            return None

        return core_schema.tagged_union_schema(
            choices, discriminator=discriminate,
            custom_error_type=f"unknown_{category}_type",
            custom_error_message=f"unknown {category.replace('_', ' ')} type",
        )


if TYPE_CHECKING:
    # What validation yields is an instance of the category's base class, so that is what
    # the type checker sees; at runtime the names are the union schemas below.
    AnyTask: TypeAlias = "Task"
    AnyTrigger: TypeAlias = "Trigger"
    AnyCondition: TypeAlias = "Condition"
    AnyTaskRunner: TypeAlias = "TaskRunner"
else:
    class AnyTask(_PluginUnion):
        category = "task"

    class AnyTrigger(_PluginUnion):
        category = "trigger"

    class AnyCondition(_PluginUnion):
        category = "condition"

    class AnyTaskRunner(_PluginUnion):
        category = "task_runner"


# Child task lists of flowable tasks.
Tasks = list[AnyTask]
NonEmptyTasks = Annotated[list[AnyTask], Field(min_length=1)]


class PluginModel(StrictModel):
    """A class that a flow names with `type:`. Subclasses set TYPE to register."""

    CATEGORY: ClassVar[str] = ""
    TYPE: ClassVar[str] = ""
    ALIASES: ClassVar[tuple[str, ...]] = ()
    DEPRECATED: ClassVar[bool] = False
    # common.plugins.plugin.Example values: flows that use the type (docs, plugin API).
    EXAMPLES: ClassVar[tuple[Any, ...]] = ()

    type: str


# ---------------------------------------------------------------- common task properties

class _RetryBase(StrictModel):
    """What every retry type shares (Kestra's AbstractRetry). The attempt count is spelled
    `maxAttempts` in Kestra's current docs and `maxAttempt` in older flows: both are read,
    one at a time."""

    max_attempt: int | None = Field(
        None, ge=1, validation_alias=AliasChoices("maxAttempts", "maxAttempt", "max_attempt"),
        serialization_alias="maxAttempts")
    max_duration: DurationStr | None = None
    behavior: Literal["RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"] = "RETRY_FAILED_TASK"
    warning_on_retry: bool = False

    @model_validator(mode="before")
    @classmethod
    def _one_attempt_count(cls, data: Any) -> Any:
        if isinstance(data, dict) and "maxAttempts" in data and "maxAttempt" in data:
            raise ValueError("give either maxAttempts or maxAttempt (its older spelling), "
                             "not both")
        return data


class ConstantRetry(_RetryBase):
    type: Literal["constant"]
    interval: DurationStr

    @model_validator(mode="after")
    def _interval_below_max_duration(self) -> "ConstantRetry":
        _check_below(self.interval, self.max_duration, "interval", "maxDuration")
        return self


class ExponentialRetry(_RetryBase):
    type: Literal["exponential"]
    interval: DurationStr
    max_interval: DurationStr
    delay_factor: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ExponentialRetry":
        _check_below(self.interval, self.max_interval, "interval", "maxInterval")
        _check_below(self.interval, self.max_duration, "interval", "maxDuration")
        return self


class RandomRetry(_RetryBase):
    type: Literal["random"]
    min_interval: DurationStr
    max_interval: DurationStr

    @model_validator(mode="after")
    def _ordered(self) -> "RandomRetry":
        _check_below(self.min_interval, self.max_interval, "minInterval", "maxInterval")
        _check_below(self.max_interval, self.max_duration, "maxInterval", "maxDuration")
        return self


def _check_below(low: str | None, high: str | None, low_name: str, high_name: str) -> None:
    if low is None or high is None or is_expression(low) or is_expression(high):
        return
    if parse_duration(low) >= parse_duration(high):
        raise ValueError(f"{low_name} ({low}) must be shorter than {high_name} ({high})")


Retry = Annotated[Union[ConstantRetry, ExponentialRetry, RandomRetry], Field(discriminator="type")]


class WorkerGroup(StrictModel):
    key: Annotated[str, Field(pattern=TASK_ID_PATTERN)] | Expr | None = None
    fallback: Literal["FAIL", "WAIT", "CANCEL"] = "WAIT"


class TaskCache(StrictModel):
    """Kestra's `taskCache`: a runnable task's outputs kept `ttl` (None: without limit) and
    reused by a later run whose rendered task is the same (common/task_cache.py)."""

    enabled: bool
    ttl: DurationStr | None = None


# ---------------------------------------------------------------- tasks

class Task(PluginModel):
    """A task of a flow. Subclasses set KIND; flowable tasks hold child task lists."""

    CATEGORY: ClassVar[str] = "task"
    KIND: ClassVar[TaskKind] = TaskKind.RUNNABLE

    id: Annotated[str, Field(pattern=TASK_ID_PATTERN, max_length=TASK_ID_MAX_LENGTH)]
    description: str | None = None
    assets: AssetsDeclaration | Expr | None = None  # rendered by the worker (plugins/assets.py)
    # Kestra 0.22+: the plugin version to run (LATEST, OLDEST or a number). Podium ships one
    # version of each core type, so it is read and has no effect.
    version: str | None = None
    retry: Retry | None = None
    timeout: DurationStr | None = None
    disabled: bool = False
    log_level: LogLevel | None = None
    allow_failure: bool = False
    allow_warning: bool = False
    # Kestra 2.0 renamed runIf to `when` and keeps runIf as a deprecated alias: both read.
    run_if: str | bool | None = Field(
        None, validation_alias=AliasChoices("when", "runIf", "run_if"),
        serialization_alias="runIf")
    worker_group: WorkerGroup | None = None
    log_to_file: bool = False
    task_cache: TaskCache | None = None  # runnable tasks only, as Kestra (else ignored)

    @model_validator(mode="before")
    @classmethod
    def _one_condition(cls, data: Any) -> Any:
        if isinstance(data, dict) and "when" in data and "runIf" in data:
            raise ValueError("`when` and `runIf` are one property (`runIf` is its name before "
                             "Kestra 2.0): give only one")
        return data

    # WorkingDirectory is flowable yet runs whole on one worker: it sets this to True.
    RUNS_ON_WORKER: ClassVar[bool | None] = None

    @classmethod
    def runs_on_worker(cls) -> bool:
        """True when a worker runs this task; False when the executor resolves it."""
        if cls.RUNS_ON_WORKER is not None:
            return cls.RUNS_ON_WORKER
        return cls.KIND is TaskKind.RUNNABLE

    def child_tasks(self) -> Iterator["Task"]:
        """Every task nested directly in this one: main branches first, then `errors`
        and `finally`, as Kestra orders them."""
        for name in branch_field_order(type(self)):
            yield from _tasks_in(getattr(self, name))

    def called_flow(self) -> tuple[str, str] | None:
        """(namespace, flowId) of the flow this task starts, for Subflow-like tasks."""
        return None


_TRAILING_BRANCHES = ("errors", "finally_")


def branch_field_order(cls: type[BaseModel]) -> list[str]:
    """Field names of a model with the `errors`/`finally` branches moved last (base classes
    declare `errors`, so pydantic would otherwise list it before the subclass's `tasks`)."""
    return sorted(cls.model_fields, key=lambda name: name in _TRAILING_BRANCHES)


def _tasks_in(value: Any) -> Iterator[Task]:
    if isinstance(value, Task):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tasks_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tasks_in(item)
    elif isinstance(value, BaseModel) and not isinstance(value, PluginModel):
        for name in type(value).model_fields:
            yield from _tasks_in(getattr(value, name))


class FlowableTask(Task):
    """A task the executor resolves from its children; never sent to a worker."""

    KIND: ClassVar[TaskKind] = TaskKind.FLOWABLE

    errors: Tasks | None = None
    finally_: Tasks | None = Field(None, alias="finally")  # run after the children, always


# ---------------------------------------------------------------- triggers, conditions, runners

class Condition(PluginModel):
    CATEGORY: ClassVar[str] = "condition"
    # True for conditions that can be evaluated against a schedule date (Kestra's
    # ScheduleCondition); only those are allowed on a Schedule trigger.
    SCHEDULE_CONDITION: ClassVar[bool] = False


class Trigger(PluginModel):
    CATEGORY: ClassVar[str] = "trigger"

    id: Annotated[str, Field(pattern=TASK_ID_PATTERN, max_length=TASK_ID_MAX_LENGTH)]
    description: str | None = None
    version: str | None = None  # the plugin version (read; one version of each core type)
    # A polling trigger whose evaluation fails starts a FAILED execution saying why
    # (scheduler/service.py), instead of only logging it.
    fail_on_trigger_error: bool = False
    # Kestra 1.2: lineage of the executions it starts (Enterprise inventory); read, checked.
    assets: AssetsDeclaration | Expr | None = None
    conditions: list[AnyCondition] | None = None
    disabled: bool = False
    worker_group: WorkerGroup | None = None
    # `minLogLevel` is the older name Kestra still reads.
    log_level: LogLevel | None = Field(
        None, validation_alias=AliasChoices("logLevel", "minLogLevel", "log_level"))
    log_to_file: bool = False
    labels: Labels | None = None
    stop_after: list[str] | None = None


class TaskRunner(PluginModel):
    CATEGORY: ClassVar[str] = "task_runner"
