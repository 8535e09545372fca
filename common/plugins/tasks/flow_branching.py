"""io.kestra.plugin.core.flow.*: grouping and branching (Sequential, Parallel, If, Switch, Dag)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator
from typing_extensions import Annotated

from podium.common.plugins.base import AnyTask, FlowableTask, NonEmptyTasks, Tasks
from podium.common.plugins.fields import Concurrency, NonEmptyStr, ScalarStr, StrictModel

_OLD = "io.kestra.core.tasks.flows."


class Sequential(FlowableTask):
    """Runs its children one after the other."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Sequential"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Sequential",)

    # Kestra does not require children here (a Sequential with none ends SUCCESS).
    tasks: Tasks | None = None


class AllowFailure(Sequential):
    """Runs its children in order; a failed child makes it WARNING instead of FAILED."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.AllowFailure"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "AllowFailure",)


class Parallel(FlowableTask):
    """Runs its children at the same time, at most `concurrent` at once (0 = no limit)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Parallel"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Parallel",)

    tasks: NonEmptyTasks
    concurrent: Concurrency = 0


class If(FlowableTask):
    """Runs `then` when the rendered `condition` is truthy, `else` otherwise."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.If"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "If",)

    condition: ScalarStr
    then: NonEmptyTasks
    else_: Tasks | None = Field(None, alias="else")


class Switch(FlowableTask):
    """Runs the case whose key equals the rendered `value`, or `defaults` when none does."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Switch"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Switch",)

    value: Annotated[ScalarStr, Field(min_length=1)]
    # Keys compare as strings: a YAML key `1` or `true` matches the value "1" / "true".
    cases: dict[ScalarStr, Tasks] | None = None
    defaults: Tasks | None = None

    @model_validator(mode="after")
    def _has_a_branch(self) -> "Switch":
        if not self.cases and not self.defaults:
            raise ValueError("Switch needs tasks in `cases` or in `defaults`")
        return self


class DagTask(StrictModel):
    """One node of a Dag: a task and the ids of the Dag tasks it waits for."""

    task: AnyTask
    depends_on: list[NonEmptyStr] | None = None


class Dag(FlowableTask):
    """Runs its tasks as soon as the tasks they depend on have ended."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.flow.Dag"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Dag",)

    tasks: Annotated[list[DagTask], Field(min_length=1)]
    concurrent: Concurrency = 0

    @model_validator(mode="after")
    def _dependencies_form_a_dag(self) -> "Dag":
        edges = {node.task.id: list(node.depends_on or ()) for node in self.tasks}
        missing = sorted({dep for deps in edges.values() for dep in deps} - edges.keys())
        if missing:
            raise ValueError(f"dependsOn names tasks that are not in this Dag: "
                             f"{', '.join(missing)}")
        cycle = _find_cycle(edges)
        if cycle:
            raise ValueError("dependency cycle: " + " -> ".join(cycle))
        return self


def _find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """The first cycle met walking `edges` in declaration order, as a closed path, or None."""
    done: set[str] = set()

    def walk(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for dep in edges.get(node, ()):
            found = walk(dep, path + [node])
            if found:
                return found
        done.add(node)
        return None

    for start in edges:
        found = walk(start, [])
        if found:
            return found
    return None
