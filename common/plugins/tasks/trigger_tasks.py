"""io.kestra.plugin.core.trigger.Toggle: the only task of the trigger package."""

from __future__ import annotations

from typing import ClassVar

from podium.common.plugins.base import Task


class Toggle(Task):
    """Enables or disables a trigger of a flow (the current flow by default)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.trigger.Toggle"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.trigger.Toggle",)

    namespace: str | None = None
    flow_id: str | None = None
    trigger: str
    enabled: bool = False
