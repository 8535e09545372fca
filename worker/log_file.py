"""`logToFile: true` (Kestra's RunContextLogger FileAppender): an attempt's log lines go to
a text file instead of the log store; when the attempt ends the file is stored as an output
of its task run (`log-<random>.txt`) and its URI recorded on the attempt (`logFile`).

One line per log call, as Kestra's pattern `%d{ISO8601} %-5.5level %-12.36thread
%-12.36logger{36} %msg%n` lays it out: `2025-01-31 10:00:00,123 INFO  podium-task-hello
flow.hello.<execution>.<task run> Hello World!` (UTC; the logger name is not abbreviated).
Lines arrive masked (RunContext.log masks before any sink).
"""

from __future__ import annotations

import secrets
import string
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

Sink = Callable[[str, str], None]  # (level, message)
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


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
        now = datetime.now(timezone.utc)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S,") + f"{now.microsecond // 1000:03d}"
        thread = threading.current_thread().name
        line = f"{stamp} {level:<5.5} {thread:<12.36} {self.logger_name:<12} {message}\n"
        with self._lock:
            if not self._stream.closed:
                self._stream.write(line)

    def close(self) -> None:
        with self._lock:
            self._stream.close()

    @staticmethod
    def stored_name() -> str:
        """Kestra's `log-<5 random lower-case alphanumerics>.txt`."""
        return "log-" + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5)) + ".txt"


def logger_name(context: dict) -> str:
    """Kestra's logger name for a task run: flow.<flow>.<execution>.<task run>."""
    flow = (context.get("flow") or {}).get("id", "")
    execution = (context.get("execution") or {}).get("id", "")
    taskrun = (context.get("taskrun") or {}).get("id")
    return f"flow.{flow}.{execution}" + (f".{taskrun}" if taskrun else "")

