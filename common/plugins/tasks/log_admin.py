"""io.kestra.plugin.core.log.Fetch and PurgeLogs: tasks that read or delete logs."""

from __future__ import annotations

from typing import ClassVar

from podium.common.plugins.base import LogLevel, Task


class Fetch(Task):
    """Writes the logs of an execution (the current one by default) to an ION file."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.log.Fetch"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.core.tasks.log.Fetch",)

    namespace: str | None = None
    flow_id: str | None = None
    execution_id: str | None = None
    tasks_id: list[str] | None = None
    level: LogLevel = LogLevel.INFO


class PurgeLogs(Task):
    """Deletes logs older than `endDate`, for all flows, a namespace or one flow."""

    TYPE: ClassVar[str] = "io.kestra.plugin.core.log.PurgeLogs"

    namespace: str | None = None
    flow_id: str | None = None
    log_levels: list[LogLevel] | None = None
    start_date: str | None = None
    end_date: str
