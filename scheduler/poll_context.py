"""The scheduler's PollContext (common/plugins/polling_trigger.py): what a plugin's polling
trigger may use while the scheduler evaluates it.

Properties render with the flow's variables (`flow.*`, `trigger.id`/`type`) and, when the
scheduler has them, the functions that need I/O (`secret()`, `kv()`...), as the inputs of
the executions it starts. Files go to the internal storage as files of the execution the
poll would start (its id is known before the poll: scheduler/polling.py), so a
`trigger.uri` stays readable by that execution's tasks.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from podium.common.errors import PodiumError
from podium.common.storage import Storage, trigger_file_uri
from podium.common.templating import RenderServices, render, render_typed, render_value
from podium.scheduler.trigger_log import TriggerLog

log = logging.getLogger("scheduler.poll")

_LEVELS = {"TRACE": logging.DEBUG, "DEBUG": logging.DEBUG, "INFO": logging.INFO,
           "WARN": logging.WARNING, "WARNING": logging.WARNING, "ERROR": logging.ERROR}


class SchedulerPollContext:
    """One evaluation of one trigger; `close()` removes its working directory."""

    def __init__(self, key: tuple[str, str, str], context: dict[str, Any], execution_id: str,
                 *, storage: Storage | None, services: RenderServices | None,
                 lines: TriggerLog) -> None:
        self.key = key
        self.context = context
        self.execution_id = execution_id
        self.storage = storage
        self.services = services
        self.lines = lines  # the poll's log lines, for logToFile
        self._workdir: Path | None = None

    # ---------------------------------------------------------------- rendering
    def _with(self, extra: Mapping[str, Any] | None) -> dict[str, Any]:
        return {**self.context, **extra} if extra else self.context

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return render(value, self._with(extra), self.services)

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return render_typed(value, self._with(extra), self.services)

    def render_value(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return render_value(value, self._with(extra), self.services)

    def mask(self, text: str) -> str:
        return self.services.masker.mask(text) if self.services is not None else text

    # ---------------------------------------------------------------- logs
    def log(self, level: Any, message: Any) -> None:
        name = str(getattr(level, "value", level)).upper()
        name = "WARN" if name == "WARNING" else name
        if name not in _LEVELS:
            name = "INFO"
        text = self.mask(str(message))
        log.log(_LEVELS[name], "trigger %s: %s", "/".join(self.key), text)
        self.lines.log(name, text)

    # ---------------------------------------------------------------- files
    @property
    def working_dir(self) -> Path:
        if self._workdir is None:
            self._workdir = Path(tempfile.mkdtemp(prefix="podium-poll-"))
        return self._workdir

    def put_file(self, local_path: str | os.PathLike[str], name: str | None = None) -> str:
        if self.storage is None:
            raise PodiumError("this trigger stores files, but the scheduler has no internal "
                              "storage configured")
        namespace, flow_id, trigger_id = self.key
        uri = trigger_file_uri(namespace, flow_id, self.execution_id, trigger_id,
                               name or Path(local_path).name)
        with open(local_path, "rb") as stream:
            return self.storage.put(uri, stream)

    def close(self) -> None:
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
