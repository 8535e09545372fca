"""The lines of a `logToFile` file (Kestra's RunContextLogger FileAppender), shared by the
worker (a task attempt's file) and the scheduler (a polling trigger's file).

One line per log call, as Kestra's pattern `%d{ISO8601} %-5.5level %-12.36thread
%-12.36logger{36} %msg%n` lays it out: `2025-01-31 10:00:00,123 INFO  podium-task-hello
flow.hello.<execution>.<task run> Hello World!` (UTC; the logger name is not abbreviated).
The stored file is named as Kestra names it: `log-<5 random lower-case alphanumerics>.txt`.
"""

from __future__ import annotations

import secrets
import string
import threading
from datetime import datetime, timezone

_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def log_line(level: str, logger_name: str, message: str) -> str:
    """One line of a log file, stamped now, with the calling thread's name."""
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S,") + f"{now.microsecond // 1000:03d}"
    thread = threading.current_thread().name
    return f"{stamp} {level:<5.5} {thread:<12.36} {logger_name:<12} {message}\n"


def log_file_name() -> str:
    """Kestra's `log-<5 random lower-case alphanumerics>.txt`."""
    return "log-" + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5)) + ".txt"
