"""Plugin types of the flow language.

The registry fills itself on first use (common/plugins/loading.py): the core plugin
(common/plugins/core.py), then every installed plugin distribution. Importing a module
registers nothing.
"""

from podium.common.plugins.base import (
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
from podium.common.plugins.registry import registry

__all__ = ["AnyCondition", "AnyTask", "AnyTaskRunner", "AnyTrigger", "Condition", "FlowableTask",
           "PluginModel", "Task", "TaskKind", "TaskRunner", "Trigger", "registry"]
