"""Which task types this build can run: flowables the executor resolves, runnables the
worker implements. The conformance runner skips flows that need anything else."""

from __future__ import annotations

from podium.common.plugins.registry import registry
from podium.executor.wiring import ENGINE
from podium.worker.runnables import RUNNABLES


def supported_task_types() -> set[str]:
    classes = set(ENGINE.resolvers) | set(RUNNABLES)
    names = set()
    for name, cls in registry.classes("task").items():
        if cls in classes:
            names.add(name)
            names.update(cls.ALIASES)
    return names


def unsupported_task_types(type_names: list[str]) -> list[str]:
    supported = supported_task_types()
    known_tasks = set(registry.all_names("task"))
    return [name for name in type_names if name in known_tasks and name not in supported]
