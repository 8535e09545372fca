"""dbt's log lines (`--log-format json`) as task log lines, as Kestra's LogService does:
`[Date: ts] [Thread: thread] [Type: name] msg` at dbt's level, `data.stats` as counters,
and any `warn` line noted (the task then ends WARNING). A line that is not dbt JSON is
logged as it is, at INFO (ERROR on stderr)."""

from __future__ import annotations

import json
import threading
from typing import Any

from podium.sdk import RunContext

_LEVELS = {"debug": "DEBUG", "info": "INFO", "warn": "WARN", "warning": "WARN"}
# What Kestra leaves out of the extra fields it appends to the message.
_KNOWN = {"category", "code", "invocation_id", "level", "log_version", "msg", "thread",
          "thread_name", "type", "name", "ts", "pid", "extra"}


class DbtLogs:
    """A line consumer for run_commands (`on_line`), thread-safe."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.warning = False
        self._lock = threading.Lock()

    def __call__(self, line: str, is_stderr: bool) -> None:
        try:
            entry = json.loads(line)
            if not isinstance(entry, dict):
                raise ValueError("not an object")
        except ValueError:
            if line.strip():  # Kestra logs these at INFO; stderr (Python's own) at ERROR
                self.ctx.log("ERROR" if is_stderr else "INFO", line.strip())
            return
        level, message = self._message(entry)
        stats = (entry.get("data") or {}).get("stats") if isinstance(entry.get("data"), dict) \
            else None
        if isinstance(stats, dict):
            for name, value in stats.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    self.ctx.metric({"name": name, "type": "counter", "value": value,
                                     "tags": {}})
        if level == "WARN":
            with self._lock:
                self.warning = True
        self.ctx.log(level, message)

    @staticmethod
    def _message(entry: dict[str, Any]) -> tuple[str, str]:
        info = entry.get("info") if isinstance(entry.get("info"), dict) else None
        if info is not None:  # dbt 1.5 and later
            level, ts, thread = info.get("level"), info.get("ts"), info.get("thread")
            kind, msg = info.get("name"), info.get("msg")
            extra = {k: v for k, v in info.items() if k not in _KNOWN}
        else:  # older dbt
            level, ts, thread = entry.get("level"), entry.get("ts"), entry.get("thread_name")
            kind, msg, extra = entry.get("type"), entry.get("msg"), {}
        text = (f"[Date: {ts}] [Thread: {thread}] [Type: {kind}] "
                f"{msg + ' ' if msg else ''}{extra if extra else ''}").rstrip()
        return _LEVELS.get(str(level), "ERROR"), text
