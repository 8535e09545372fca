"""Streams task logs to the store in small batches while tasks run.

Lines are buffered in memory and written every `interval` seconds (or when the buffer is
large) by a background thread. When an attempt ends, `take()` hands its execution's lines
not written yet to the caller, after any write in progress, so they can travel with the
result (the executor stores them with it: no line is lost, none is stored twice, and the
order holds); `flush()` writes synchronously.
"""

from __future__ import annotations

import logging
import threading

from podium.common.messages import RunTask
from podium.common.store import Database, append_logs
from podium.common.store.logs import LogEntry
from podium.common.store.types import utcnow

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
                try:
                    with self.db.begin() as conn:
                        append_logs(conn, entries)
                except Exception:
                    # The store is down: put them back, first (order holds), to be written
                    # by the next round or taken with their attempt's result.
                    with self._lock:
                        self._buffer[:0] = entries
                    raise

    def take(self, execution_id: str) -> list[LogEntry]:
        """Remove and return the buffered lines of this execution. Waits for a write in
        progress, so every older line of the execution is stored before these."""
        with self._write_lock, self._lock:
            taken = [e for e in self._buffer if e.execution_id == execution_id]
            if taken:
                self._buffer = [e for e in self._buffer if e.execution_id != execution_id]
            return taken

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
