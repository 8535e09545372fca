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

from podium.common.log_lines import log_file_name, log_line

Sink = Callable[[str, str], None]  # (level, message)


class LogFile:
    """The file sink of one attempt; thread-safe (a script's stdout and stderr readers log
    at once). Lines written after `close()` are dropped, as late log calls are.

    A write that fails (a full disk) must neither fail the attempt nor lose its lines: from
    then on the lines go to `fallback` (the log store), after a warning saying why; the
    lines written before stay in the file, which is still stored."""

    def __init__(self, path: Path, logger_name: str, fallback: Sink | None = None) -> None:
        self.path = path
        self.logger_name = logger_name
        self.fallback = fallback  # the sink the lines would have gone to
        # Line-buffered: a write error is met by the line being written, which then goes to
        # the fallback, rather than by a later one with a buffer of lines lost.
        self._stream = open(path, "w", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()
        self.failed: OSError | None = None  # the write error that sent lines to fallback

    def write(self, level: str, message: str) -> None:
        line = log_line(level, self.logger_name, message)
        with self._lock:
            if self._stream.closed:
                return
            if self.failed is None:
                try:
                    self._stream.write(line)
                    return
                except OSError as exc:
                    self._fail(exc)
        if self.fallback is not None:
            self.fallback(level, message)

    def _fail(self, exc: OSError) -> None:
        """Called with the lock held: later lines go to the fallback."""
        self.failed = exc
        if self.fallback is not None:
            self.fallback("WARN", f"the log file of this attempt cannot be written "
                                  f"({exc.strerror or exc}): its next lines go to the log store")

    def close(self) -> None:
        with self._lock:
            try:
                self._stream.close()
            except OSError as exc:  # the buffered lines could not be flushed
                if self.failed is None:
                    self._fail(exc)

    @staticmethod
    def stored_name() -> str:
        return log_file_name()


def logger_name(context: dict) -> str:
    """Kestra's logger name for a task run: flow.<flow>.<execution>.<task run>."""
    flow = (context.get("flow") or {}).get("id", "")
    execution = (context.get("execution") or {}).get("id", "")
    taskrun = (context.get("taskrun") or {}).get("id")
    return f"flow.{flow}.{execution}" + (f".{taskrun}" if taskrun else "")

