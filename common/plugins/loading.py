"""Filling the registry: the core plugin, then the installed ones, in that order.

Run once, by the registry itself on its first lookup. After the classes are known, their
typed properties are taught to take expressions (common/plugins/dynamic.py), which must
happen before the first flow is validated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podium.common.plugins import dynamic
from podium.common.plugins.core import CORE
from podium.common.plugins.discovery import BrokenPlugin, discover

if TYPE_CHECKING:
    from podium.common.plugins.registry import PluginRegistry

CATEGORIES = ("task", "trigger", "condition", "task_runner")


def load_plugins(registry: PluginRegistry) -> None:
    registry.add_plugin(CORE)
    found, broken = discover()
    for plugin in found:
        try:
            registry.add_plugin(plugin)
        except ValueError as exc:  # a type another plugin already registered
            registry.add_broken(BrokenPlugin(plugin.name, plugin.distribution, str(exc)))
    for item in broken:
        registry.add_broken(item)
    dynamic.install([cls for category in CATEGORIES
                     for cls in registry.classes(category).values()])
