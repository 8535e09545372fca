"""Plugin types of the flow language. Importing this package registers every core type."""

from common.plugins import conditions as _conditions  # noqa: F401
from common.plugins import dynamic as _dynamic
from common.plugins import runners as _runners  # noqa: F401
from common.plugins import tasks as _tasks  # noqa: F401  (registers the task types)
from common.plugins import trigger_batch as _trigger_batch  # noqa: F401
from common.plugins import trigger_mcp as _trigger_mcp  # noqa: F401
from common.plugins import triggers as _triggers  # noqa: F401
from common.plugins.base import (
    AnyCondition,
    AnyTask,
    AnyTaskRunner,
    AnyTrigger,
    Condition,
    FlowableTask,
    PluginModel,
    Task,
    TaskKind,
    TaskRunner,
    Trigger,
)
from common.plugins.discovery import discover
from common.plugins.registry import registry

# Installed plugin distributions (entry-point group `podium.plugins`) after the core types,
# so that their classes are in the registry before the first flow is validated.
_found, registry.broken = discover()
for _plugin in _found:
    registry.add_plugin(_plugin)

# Typed properties of worker-run tasks also take expressions, rendered and checked at run
# time (common/plugins/dynamic.py); every plugin class is known once the modules are loaded.
_dynamic.install([cls for category in ("task", "trigger", "condition", "task_runner")
                  for cls in registry.classes(category).values()])

__all__ = ["AnyCondition", "AnyTask", "AnyTaskRunner", "AnyTrigger", "Condition", "FlowableTask",
           "PluginModel", "Task", "TaskKind", "TaskRunner", "Trigger", "registry"]
