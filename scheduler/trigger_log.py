"""`logToFile: true` on a polling trigger (Kestra's AbstractTrigger.logToFile and
TriggerService.generateExecution): the lines the poll logged are stored as a file of the
execution it starts, under ``executions/<id>/trigger/<trigger id>/log-<random>.txt``, and
the file's URI is the execution's `trigger.logFile`.

As in Kestra, only a poll that starts an execution keeps its file (a poll whose condition
does not hold has nowhere to put it), the lines use the logger name
``flow.<flow id>.<trigger id>`` and every level down to TRACE unless the trigger's
`logLevel` says otherwise. Schedule, Flow and Webhook triggers log nothing to a file in
Kestra either (their executions carry no logFile).
"""

from __future__ import annotations

from podium.common.errors import StorageError
from podium.common.log_lines import log_file_name, log_line
from podium.common.storage import Storage, trigger_file_uri

_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


class TriggerLog:
    """The lines of one poll, kept in memory (a poll logs a handful)."""

    def __init__(self, flow_id: str, trigger_id: str, min_level: str | None = None) -> None:
        self.logger_name = f"flow.{flow_id}.{trigger_id}"
        self.trigger_id = trigger_id
        self.min_rank = _LEVELS.index(min_level) if min_level in _LEVELS else 0
        self.lines: list[str] = []

    def log(self, level: str, message: str) -> None:
        if _LEVELS.index(level) >= self.min_rank:
            self.lines.append(log_line(level, self.logger_name, message))

    def store(self, storage: Storage, namespace: str, flow_id: str,
              execution_id: str) -> str:
        """Store the lines as a file of the execution about to start; its URI. Raises
        StorageError."""
        uri = trigger_file_uri(namespace, flow_id, execution_id, self.trigger_id,
                               log_file_name())
        return storage.put(uri, "".join(self.lines).encode())


def store_or_warn(log: TriggerLog, storage: Storage | None, namespace: str, flow_id: str,
                  execution_id: str, warn) -> str | None:
    """`log.store`, or None after `warn(message)` when there is no storage or it fails:
    a missing log file must not stop the execution from starting."""
    if storage is None:
        warn("logToFile needs the internal storage, which this scheduler has not")
        return None
    try:
        return log.store(storage, namespace, flow_id, execution_id)
    except StorageError as exc:
        warn(f"cannot store the trigger's log file: {exc}")
        return None
