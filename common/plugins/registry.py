"""Where plugin classes (tasks, triggers, conditions, task runners) are looked up by type name.

A class is registered under its ``TYPE`` and its ``ALIASES`` (Kestra's legacy names) because a
``Plugin`` lists it. The registry loads the plugins on first use (common/plugins/loading.py),
so every lookup sees the core types and the installed plugins.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from podium.common.plugins.close_names import close_names

if TYPE_CHECKING:
    from podium.common.plugins.base import PluginModel
    from podium.common.plugins.discovery import BrokenPlugin
    from podium.common.plugins.plugin import Plugin

CATEGORIES = ("task", "trigger", "condition", "task_runner")


class PluginRegistry:
    def __init__(self) -> None:
        self._classes: dict[str, dict[str, type[PluginModel]]] = {c: {} for c in CATEGORIES}
        self._aliases: dict[str, dict[str, str]] = {c: {} for c in CATEGORIES}
        self._owners: dict[type[PluginModel], Plugin] = {}
        self._plugins: list[Plugin] = []
        self._broken: list[BrokenPlugin] = []
        self._loaded = False
        self._loading = threading.RLock()
        self._loading_now = False
        self._generation = 0  # counts the classes added and taken out

    @property
    def generation(self) -> int:
        """Changes with every class added or taken out (loading first): what caches a schema
        built over the registry (the worker's task validator) keys on it."""
        self._ensure_loaded()
        return self._generation

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        # Another thread's first lookup waits for the loading to end: a lookup meanwhile
        # would find no class (an executor's consumers parse their first flows at once).
        with self._loading:
            if self._loaded or self._loading_now:
                return  # loaded meanwhile, or a lookup made by the loading itself
            self._loading_now = True
            try:
                from podium.common.plugins.loading import load_plugins  # noqa: PLC0415

                load_plugins(self)
            finally:
                self._loaded, self._loading_now = True, False

    def add_plugin(self, plugin: Plugin) -> None:
        """Register every class a plugin lists, remembering which plugin provides it."""
        for category, classes in plugin.by_category().items():
            for cls in classes:
                self.add(category, cls)
                self._owners[cls] = plugin
        self._plugins.append(plugin)

    def add_broken(self, broken: BrokenPlugin) -> None:
        self._broken.append(broken)

    def plugins(self) -> list[Plugin]:
        """The plugins registered, core first, in the order they were added."""
        self._ensure_loaded()
        return list(self._plugins)

    def broken(self) -> list[BrokenPlugin]:
        """The installed plugins that could not be loaded, and why."""
        self._ensure_loaded()
        return list(self._broken)

    def owner(self, cls: type[PluginModel]) -> Plugin | None:
        """The plugin that lists `cls` (None for a class registered on its own)."""
        self._ensure_loaded()
        return self._owners.get(cls)

    def add(self, category: str, cls: type[PluginModel]) -> None:
        names = self._classes[category]
        if cls.TYPE in names and names[cls.TYPE] is not cls:
            raise ValueError(f"plugin type {cls.TYPE} registered twice")
        names[cls.TYPE] = cls
        self._generation += 1
        for alias in cls.ALIASES:
            self._aliases[category][alias] = cls.TYPE

    def remove(self, category: str, cls: type[PluginModel]) -> None:
        """Take out a class added with `add` (a test's temporary type); its aliases too."""
        if self._classes[category].get(cls.TYPE) is cls:
            del self._classes[category][cls.TYPE]
        for alias in cls.ALIASES:
            if self._aliases[category].get(alias) == cls.TYPE:
                del self._aliases[category][alias]
        self._owners.pop(cls, None)
        self._generation += 1

    def forget_plugin(self, plugin: Plugin) -> None:
        """Drop a plugin from the list (its classes are taken out with `remove`)."""
        self._plugins = [p for p in self._plugins if p is not plugin]

    def canonical(self, category: str, type_name: object) -> str | None:
        """The canonical type name for a name or alias, or None when unknown."""
        self._ensure_loaded()
        if not isinstance(type_name, str):
            return None
        if type_name in self._classes[category]:
            return type_name
        return self._aliases[category].get(type_name)

    def resolve(self, category: str, type_name: str) -> type[PluginModel] | None:
        canonical = self.canonical(category, type_name)
        return self._classes[category][canonical] if canonical else None

    def classes(self, category: str) -> dict[str, type[PluginModel]]:
        self._ensure_loaded()
        return dict(self._classes[category])

    def all_names(self, category: str) -> list[str]:
        self._ensure_loaded()
        return sorted([*self._classes[category], *self._aliases[category]])

    def suggest(self, category: str, type_name: str, limit: int = 3) -> list[str]:
        """The known names `type_name` is plausibly a typo of (common/plugins/close_names.py),
        closest first; none when nothing is close."""
        self._ensure_loaded()
        return close_names(type_name, list(self._classes[category]), limit)


registry = PluginRegistry()
