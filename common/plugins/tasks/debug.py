"""io.kestra.plugin.core.debug.*"""

from __future__ import annotations

from typing import ClassVar

from podium.common.plugins.base import LogLevel, Task


class Return(Task):
    """Returns a rendered value as the output `value`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.debug.Return"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.debugs.Return",)

    format: str | None = None


class Echo(Task):
    """Logs a rendered message (deprecated in Kestra in favour of log.Log)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.debug.Echo"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.debugs.Echo",)
    DEPRECATED: ClassVar[bool] = True

    format: str
    level: LogLevel = LogLevel.INFO
