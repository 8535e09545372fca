"""What one task attempt gets on a worker: its render context, services, log sink, working
directory, kill signal and deadline. Pure: the broker and database are only handles the
worker service may set (``store``, ``publish``) for the admin tasks.

The caller builds the render context with ``common.templating.build_context`` and streams
what ``on_log(level, message)`` receives to the store. Every message goes through the secret
masker first. ``on_log`` may be called from several threads at once (a script's stdout and
stderr readers) and must be thread-safe; after the attempt ends it is never called again.

Stopping is cooperative: ``killed`` is set by the caller (a KillTask arrived), ``deadline``
is a ``time.monotonic()`` instant set from the task ``timeout``. Implementations call
``check_killed()`` between steps and ``sleep()`` to wait; both raise ``Killed`` or
``TimedOut``.

Files: with a ``storage``, ``put_file`` / ``put_stream`` store a file of the attempt as an
output of its task run and ``open_file`` / ``download`` / ``delete_file`` reach one,
restricted to what the execution may read (``common.storage.access.FileScope``); the
``read()`` and ``fileSize()`` functions of its renders go through the same rule.
``delete_execution_files`` purges the execution's own files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO, Callable, Mapping

from podium.common import http_expression
from podium.common.durations import format_duration
from podium.common.error_logs import stored_error_logs
from podium.common.errors import PodiumError, StorageError
from podium.common.settings import HttpSettings
from podium.common.storage import Storage, execution_prefix, task_output_uri
from podium.common.storage.access import (
    FileScope,
    FileSources,
    file_empty,
    file_exists,
    file_size,
    read_text,
)
from podium.common.storage.base import CHUNK_SIZE
from podium.common.storage.local_paths import LocalFiles
from podium.common.templating import RenderServices, render, render_typed, render_value
from podium.worker.storage_retry import DEFAULT_OUTAGE_SECONDS, through_outage

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
_RANK = {name: rank for rank, name in enumerate(LEVELS)}
_LEVEL_ALIASES = {"WARNING": "WARN"}


class Killed(Exception):
    """The attempt was killed (ctx.killed was set)."""


class TimedOut(Exception):
    """The attempt ran past its deadline."""


def normalize_level(level: Any) -> str:
    """'INFO', LogLevel.INFO, 'warning' -> a name of LEVELS; unknown names raise ValueError."""
    name = str(getattr(level, "value", level)).upper()
    name = _LEVEL_ALIASES.get(name, name)
    if name not in _RANK:
        raise ValueError(f"Invalid log level '{level}'")
    return name


class RunContext:
    """One attempt's view of the world. Create one per attempt; ``close()`` (or run_attempt,
    which calls it) removes the working directory and silences late log calls."""

    # The worker's common.settings.HttpSettings for the http tasks (allowed hosts, body
    # sizes), set by whoever builds the context; None: the defaults (public hosts only).
    http: Any = None
    # The worker's worker.script_envs.ScriptEnvironments (where script tasks' Python
    # environments are cached), set by whoever builds the context; None: the default one
    # under ~/.podium.
    script_envs: Any = None
    # The worker's worker.sandbox.Sandbox (how script processes are isolated) and its
    # worker.script_limits.Limits (the default limits of script processes), set by whoever
    # builds the context; None: the `auto` sandbox and no limits.
    sandbox: Any = None
    script_limits: Any = None
    # The host directories file:// URIs may reach (PODIUM_LOCAL_FILES__ALLOWED_PATHS), set
    # by the worker; the default refuses every file:// URI.
    local_files: LocalFiles = LocalFiles()
    # How long an upload or download waits out an unreachable storage before failing the
    # attempt (worker/storage_retry.py), set by the worker from its settings.
    storage_outage_seconds: float = DEFAULT_OUTAGE_SECONDS

    def __init__(
        self,
        context: Mapping[str, Any],
        services: RenderServices | None = None,
        on_log: Callable[[str, str], None] | None = None,
        *,
        killed: threading.Event | None = None,
        deadline: float | None = None,
        min_level: Any = None,
        on_metric: Callable[[dict[str, Any]], None] | None = None,
        temp_root: str | os.PathLike | None = None,
        storage: Storage | None = None,
    ) -> None:
        self.context: dict[str, Any] = dict(context)
        self.services = services if services is not None else RenderServices()
        self.storage = storage
        if storage is not None:  # the expressions of this attempt read through the scope
            self.services.read = self.services.read or self.read_text
            self.services.file_size = self.services.file_size or self.file_size
            self.services.file_exists = self.services.file_exists or self.file_exists
            self.services.file_empty = self.services.file_empty or self.file_empty
        # http() in this attempt's expressions: the http tasks' guard and settings.
        self.services.http = self.services.http or self.http_expression
        self.services.error_logs = self.services.error_logs or self.error_logs
        self.on_log = on_log
        self.on_metric = on_metric
        self.killed = killed if killed is not None else threading.Event()
        self.deadline = deadline
        self.timeout: timedelta | None = None  # set with deadline by run_attempt, for messages
        self.min_level = normalize_level(min_level) if min_level is not None else None
        self.metrics: list[dict[str, Any]] = []
        self._temp_root = temp_root
        self._root: Path | None = None
        self._owns_root = True  # False for a child sharing its parent's directory
        # (task_run_id, task_id) -> a log sink for that task run: set by the worker service
        # so the children of a WorkingDirectory log under their own task runs.
        self.log_sink_for: Callable[[str, str], Callable[[str, str], None]] | None = None
        # Set by the worker service for the admin tasks (execution.Count, Resume,
        # PurgeExecutions, log.PurgeLogs): the store's Database (read, and delete admin data;
        # never write live execution state) and publish(queue, payload) to the broker.
        self.store: Any = None
        self.publish: Callable[[str, dict[str, Any]], None] | None = None
        self._closed = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ logs and metrics
    @property
    def masker(self):
        return self.services.masker

    def mask(self, text: str) -> str:
        return self.services.masker.mask(text) if isinstance(text, str) else text

    def log(self, level: Any, message: Any) -> None:
        """Mask `message` and hand it to the sink, unless below the task's log level."""
        name = normalize_level(level)
        if self._closed or self.on_log is None:
            return
        if self.min_level is not None and _RANK[name] < _RANK[self.min_level]:
            return
        self.on_log(name, self.mask("" if message is None else str(message)))

    def metric(self, entry: dict[str, Any]) -> None:
        """Record a metric entry ({name, type, value, tags}); tags are masked."""
        if self._closed:
            return
        entry = dict(entry)
        if isinstance(entry.get("tags"), dict):
            entry["tags"] = {k: self.mask(v) if isinstance(v, str) else v
                             for k, v in entry["tags"].items()}
        self.metrics.append(entry)
        if self.on_metric is not None:
            self.on_metric(entry)

    # ------------------------------------------------------------------ rendering
    def _variables(self, extra: Mapping[str, Any] | None) -> Mapping[str, Any]:
        return {**self.context, **extra} if extra else self.context

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """Render a string template (None and non-strings are returned as is)."""
        if not isinstance(value, str):
            return value
        return render(value, self._variables(extra), self.services)

    def render_typed(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """A lone `{{ expr }}` gives its native value; other strings render to text."""
        if not isinstance(value, str):
            return value
        return render_typed(value, self._variables(extra), self.services)

    def render_value(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """Render every string inside dicts and lists (a Kestra dynamic property)."""
        return render_value(value, self._variables(extra), self.services)

    def render_bool(self, value: Any, extra: Mapping[str, Any] | None = None) -> bool:
        """A Dyn[bool] property: a bool, or an expression rendering to true/false."""
        rendered = self.render_typed(value, extra)
        if isinstance(rendered, bool):
            return rendered
        text = str(rendered).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise ValueError(f"'{rendered}' is not a boolean")

    # ------------------------------------------------------------------ stopping
    def remaining(self) -> float | None:
        """Seconds until the deadline (may be negative), None without a deadline."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def timed_out(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def timeout_message(self) -> str:
        return f"Timeout after {format_duration(self.timeout)}" if self.timeout else "Timeout"

    def check_killed(self) -> None:
        """Raise Killed when killed, TimedOut when past the deadline."""
        if self.killed.is_set():
            raise Killed()
        if self.timed_out():
            raise TimedOut(self.timeout_message())

    def sleep(self, seconds: float) -> None:
        """Wait `seconds`, waking at once on kill; raises Killed / TimedOut when stopped."""
        end = time.monotonic() + max(seconds, 0.0)
        while True:
            self.check_killed()
            now = time.monotonic()
            if now >= end:
                return
            wait = end - now
            left = self.remaining()
            if left is not None:
                wait = min(wait, max(left, 0.0))
            self.killed.wait(wait)

    # ------------------------------------------------------------------ files
    def _ensure_root(self) -> Path:
        with self._lock:
            if self._root is None:
                if self._closed:
                    raise RuntimeError("the attempt is over: its working directory is gone")
                self._root = Path(tempfile.mkdtemp(prefix="podium-attempt-", dir=self._temp_root))
                (self._root / "work").mkdir()
                (self._root / "private").mkdir()
            return self._root

    @property
    def working_dir(self) -> Path:
        """The attempt's working directory (created on first use): the scripts' cwd."""
        return self._ensure_root() / "work"

    @property
    def private_dir(self) -> Path:
        """A directory next to the working one for the worker's own helper files."""
        return self._ensure_root() / "private"

    @property
    def closed(self) -> bool:
        return self._closed

    def child(self, context: Mapping[str, Any],
              on_log: Callable[[str, str], None] | None = None) -> "RunContext":
        """A context for a task run inside this one (a WorkingDirectory child): same working
        directory (its close() leaves it in place), services, kill signal and deadline."""
        root = self._ensure_root()
        sub = RunContext(context, self.services, on_log if on_log is not None else self.on_log,
                         killed=self.killed, deadline=self.deadline, on_metric=self.on_metric,
                         temp_root=self._temp_root)
        sub._root, sub._owns_root = root, False
        sub.timeout, sub.log_sink_for = self.timeout, self.log_sink_for
        sub.store, sub.publish, sub.storage = self.store, self.publish, self.storage
        sub.http, sub.script_envs = self.http, self.script_envs
        sub.sandbox, sub.script_limits = self.sandbox, self.script_limits
        sub.local_files = self.local_files
        sub.storage_outage_seconds = self.storage_outage_seconds
        return sub

    # ------------------------------------------------------------------ stored files
    @property
    def file_scope(self) -> FileScope:
        return FileScope.from_context(self.context)

    def require_storage(self) -> Storage:
        """The internal storage; StorageError on a worker that has none."""
        if self.storage is None:
            raise StorageError("this worker has no internal storage")
        return self.storage

    def output_uri(self, name: str, *, nested: bool = False) -> str:
        """The URI `name` gets as an output file of this task run. Raises UnsafePathError
        for a name that is not one safe path segment (with `nested`: a safe relative
        path, such as ``out/a.csv``)."""
        flow, execution = self.context.get("flow") or {}, self.context.get("execution") or {}
        task, taskrun = self.context.get("task") or {}, self.context.get("taskrun") or {}
        return task_output_uri(flow.get("namespace", ""), flow.get("id", ""),
                               execution.get("id", ""), task.get("id", ""),
                               taskrun.get("id", ""), name, nested=nested)

    def put_file(self, local_path: str | os.PathLike, name: str | None = None) -> str:
        """Store a local file (streamed) as an output of this task run; returns its
        kestra:// URI. `name` defaults to the file's own name."""
        path = Path(local_path)
        uri = self.output_uri(name if name is not None else path.name)
        storage = self.require_storage()

        def put() -> str:
            with open(path, "rb") as stream:
                return storage.put(uri, stream)
        return self.through_outage(put, f"the upload of {uri}")

    def through_outage(self, call: Callable[[], Any], what: str) -> Any:
        """`call()` (a storage call that can be made again), waiting out a storage outage
        of up to `storage_outage_seconds`; a kill or the timeout ends the wait."""
        return through_outage(call, what, bound=self.storage_outage_seconds,
                              sleep=self.sleep, warn=lambda text: self.log("WARN", text))

    def put_stream(self, stream: BinaryIO, path: str) -> str:
        """Store a binary stream (read in chunks, not closed) as an output of this task
        run at `path`, a relative path (``out/a.csv``); returns its kestra:// URI."""
        return self.require_storage().put(self.output_uri(path, nested=True), stream)

    def open_file(self, uri: str) -> BinaryIO:
        """A stream of a stored file this execution may read (FileAccessError otherwise)."""
        return self.require_storage().get(self.file_scope.check(uri))

    @property
    def file_sources(self) -> FileSources:
        """Kestra's URIFetcher for this attempt: kestra:// and nsfile:// URIs from storage,
        file:// ones from the allowed host paths or the attempt's working directory."""
        return FileSources(self.storage, self.file_scope, self.local_files,
                           (self.working_dir,))

    def fetch(self, uri: str) -> BinaryIO:
        """A stream of the file a kestra://, nsfile:// or file:// URI names, if this
        attempt may read it (what `inputFiles` and FILE inputs take)."""
        return self.file_sources.open(uri)

    def download(self, uri: str, target: str | os.PathLike) -> Path:
        """Copy the file `uri` names (see `fetch`) to `target`, in chunks."""
        target = Path(target)

        def copy() -> Path:
            with self.fetch(uri) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK_SIZE)
            return target
        return self.through_outage(copy, f"the download of {uri}")

    def delete_file(self, uri: str) -> bool:
        """Delete a stored file this execution may read; True if it existed."""
        return self.require_storage().delete(self.file_scope.check(uri))

    def delete_execution_files(self) -> list[str]:
        """Delete every stored file of this execution; returns their URIs (listed first:
        a file stored meanwhile by a parallel task run is deleted but not listed)."""
        flow, execution = self.context.get("flow") or {}, self.context.get("execution") or {}
        prefix = execution_prefix(flow.get("namespace", ""), flow.get("id", ""),
                                  execution.get("id", ""))
        storage = self.require_storage()
        uris = [entry.uri for entry in storage.list(prefix)]
        storage.delete_prefix(prefix)
        return uris

    def read_text(self, path: str) -> str:
        """`read(path)` of the expressions: see common.storage.access.read_text."""
        return read_text(self.storage, self.file_scope, path, local_files=self.local_files,
                         also=(self.working_dir,))

    def file_size(self, uri: str) -> int:
        return file_size(self.storage, self.file_scope, uri, local_files=self.local_files,
                         also=(self.working_dir,))

    def file_exists(self, path: str) -> bool:
        return file_exists(self.storage, self.file_scope, path, local_files=self.local_files,
                           also=(self.working_dir,))

    def file_empty(self, path: str) -> bool:
        return file_empty(self.storage, self.file_scope, path, local_files=self.local_files,
                          also=(self.working_dir,))

    # ------------------------------------------------------------------ expression services
    def http_expression(self, call: dict[str, Any], timeout: float) -> Any:
        """`http()` of the expressions: the request through the same guard and settings
        as the http tasks of this attempt (common/http_expression.py)."""
        settings = self.http if self.http is not None else HttpSettings()
        left = self.remaining()
        return http_expression.fetch(call, settings, timeout if left is None
                                     else max(min(timeout, left), 0.001))

    def error_logs(self) -> list[dict[str, Any]]:
        """`errorLogs()`: the execution's ERROR lines from the store (the worker service
        sets `store`)."""
        execution = self.context.get("execution") or {}
        if self.store is None or not execution.get("id"):
            raise PodiumError("The 'errorLogs' function needs the execution's logs, which "
                              "this worker cannot read")
        return stored_error_logs(self.store, execution["id"])

    def close(self) -> None:
        """End the attempt: drop later log calls and remove the directories."""
        with self._lock:
            self._closed = True
            root, self._root = self._root, None
        if root is not None and self._owns_root:
            shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> "RunContext":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
