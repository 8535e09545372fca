"""What a plugin distribution declares: its plugin classes, listed, in order.

A distribution registers one ``Plugin`` under the ``podium.plugins`` entry-point group
(common/plugins/discovery.py); Podium's core types are declared the same way. Nothing is
registered by importing a module: a class reaches the registry because a ``Plugin`` lists it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from podium.common.plugins.base import PluginModel


@dataclass(frozen=True)
class Example:
    """A flow showing a type in use (Kestra's @Example): shown by the plugin API and docs,
    and validated by the plugin's tests."""

    title: str
    code: str  # a whole flow, YAML
    full: bool = True  # False: `code` is only the task's properties


@dataclass(frozen=True)
class Plugin:
    """One family of plugin types (Kestra's plugin group), e.g. ``jdbc`` or ``serdes``."""

    name: str
    title: str = ""
    description: str = ""
    tasks: tuple[type[PluginModel], ...] = ()
    triggers: tuple[type[PluginModel], ...] = ()
    conditions: tuple[type[PluginModel], ...] = ()
    task_runners: tuple[type[PluginModel], ...] = ()
    # Set by discovery from the distribution that declared the entry point.
    distribution: str = field(default="", compare=False)
    version: str = field(default="", compare=False)

    def by_category(self) -> dict[str, tuple[type[PluginModel], ...]]:
        return {"task": self.tasks, "trigger": self.triggers, "condition": self.conditions,
                "task_runner": self.task_runners}
