"""Finding installed plugins: every ``podium.plugins`` entry point names a ``Plugin``.

A third-party distribution declares, in its pyproject.toml::

    [project.entry-points."podium.plugins"]
    acme = "podium_acme:plugin"

and ``podium_acme.plugin`` is a ``podium.sdk.Plugin`` listing its classes. A plugin that
fails to load (missing dependency, broken import) is reported, not fatal: the services start
and a flow naming one of its types gets an error saying the plugin could not be loaded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from importlib import metadata

from podium.common.plugins.plugin import Plugin

ENTRY_POINT_GROUP = "podium.plugins"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BrokenPlugin:
    """An entry point that could not be loaded, and why."""

    name: str
    distribution: str
    error: str


def discover() -> tuple[list[Plugin], list[BrokenPlugin]]:
    """The plugins of every installed distribution, sorted by entry-point name."""
    found: list[Plugin] = []
    broken: list[BrokenPlugin] = []
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = entry.dist
        dist_name = dist.metadata["Name"] if dist is not None else ""
        version = dist.version if dist is not None else ""
        try:
            loaded = entry.load()
            plugin = loaded() if callable(loaded) and not isinstance(loaded, Plugin) else loaded
            if not isinstance(plugin, Plugin):
                raise TypeError(f"{entry.value} is a {type(plugin).__name__}, not a Plugin")
        except Exception as exc:  # a plugin's own failure must not stop the service
            log.warning("plugin %s (%s) could not be loaded: %s", entry.name, dist_name, exc)
            broken.append(BrokenPlugin(entry.name, dist_name, f"{type(exc).__name__}: {exc}"))
            continue
        found.append(replace(plugin, distribution=dist_name, version=version))
    return found, broken
