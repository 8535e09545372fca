"""io.kestra.plugin.core.log.*"""

from __future__ import annotations

from typing import ClassVar

from podium.common.plugins.base import LogLevel, Task


class Log(Task):
    """Logs a message, or each message of a list, at the given level."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.log.Log"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.log.Log",)

    message: str | list[str]
    level: LogLevel = LogLevel.INFO
