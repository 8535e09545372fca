"""`logToFile: true` (Kestra's RunContextLogger FileAppender): an attempt's log lines go to
a text file instead of the log store; when the attempt ends the file is stored as an output
of its task run (`log-<random>.txt`) and its URI recorded on the attempt (`logFile`).

The lines are laid out by common/log_lines.py. They arrive masked (RunContext.log masks
before any sink).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from common.log_lines import log_file_name, log_line

Sink = Callable[[str, str], None]  # (level, message)


class LogFile:
    """The file sink of one attempt; thread-safe (a script's stdout and stderr readers log
    at once). Lines written after `close()` are dropped, as late log calls are."""

    def __init__(self, path: Path, logger_name: str, fallback: Sink | None = None) -> None:
        self.path = path
        self.logger_name = logger_name
        self.fallback = fallback  # the sink the lines would have gone to
        self._stream = open(path, "w", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, level: str, message: str) -> None:
        line = log_line(level, self.logger_name, message)
        with self._lock:
            if not self._stream.closed:
                self._stream.write(line)

    def close(self) -> None:
        with self._lock:
            self._stream.close()

    @staticmethod
    def stored_name() -> str:
        return log_file_name()


def logger_name(context: dict) -> str:
    """Kestra's logger name for a task run: flow.<flow>.<execution>.<task run>."""
    flow = (context.get("flow") or {}).get("id", "")
    execution = (context.get("execution") or {}).get("id", "")
    taskrun = (context.get("taskrun") or {}).get("id")
    return f"flow.{flow}.{execution}" + (f".{taskrun}" if taskrun else "")

