"""Streams task logs to the store in small batches while tasks run.

Lines are buffered in memory and written every `interval` seconds (or when the buffer is
large) by a background thread; `flush()` writes synchronously, so every line of an attempt
is stored before its result is reported.
"""

from __future__ import annotations

import logging
import threading

from common.messages import RunTask
from common.store import Database, append_logs
from common.store.logs import LogEntry
from common.store.types import utcnow

log = logging.getLogger(__name__)


class LogWriter:
    def __init__(self, db: Database, *, interval: float = 0.2, max_buffer: int = 500) -> None:
        self.db = db
        self.interval = interval
        self.max_buffer = max_buffer
        self._buffer: list[LogEntry] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def add(self, message: RunTask, task_id: str, level: str, text: str) -> None:
        entry = LogEntry(execution_id=message.execution_id, task_run_id=message.task_run_id,
                         task_id=task_id, attempt=message.attempt, level=level, message=text,
                         timestamp=utcnow(), namespace=message.namespace, flow_id=message.flow_id)
        with self._lock:
            self._buffer.append(entry)
            full = len(self._buffer) >= self.max_buffer
        self._ensure_thread()
        if full:
            self._wake.set()

    def flush(self) -> None:
        with self._write_lock:
            with self._lock:
                entries, self._buffer = self._buffer, []
            if entries:
                with self.db.begin() as conn:
                    append_logs(conn, entries)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self.flush()

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name="log-writer",
                                                    daemon=True)
                    self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the next round retries; a lost batch must not kill the worker
                log.exception("writing task logs failed")
