"""io.kestra.plugin.core.state.*: the (legacy) per-flow state store."""

from __future__ import annotations

from typing import Any, ClassVar

from podium.common.plugins.base import Task

_OLD = "io.kestra.core.tasks.states."


class _StateTask(Task):
    # Kestra marks namespace/taskrunValue dynamic, but they are Booleans, so only literals parse.
    name: str = "default"
    namespace: bool = False
    taskrun_value: bool = True


class Set(_StateTask):
    """Merges `data` into a named state."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.state.Set"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Set",)

    data: dict[str, Any] | None = None


class Get(_StateTask):
    """Outputs the data of a named state."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.state.Get"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Get",)

    error_on_missing: bool = False


class Delete(_StateTask):
    """Deletes a named state."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.state.Delete"
    ALIASES: ClassVar[tuple[str, ...]] = (_OLD + "Delete",)

    error_on_missing: bool = False
