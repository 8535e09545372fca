"""`LocalBackend`: the CLI's operations in this process, on the store, broker and storage
the settings describe (PODIUM_*), or on an embedded run's folder (`--data-dir`).

An embedded folder (the SQLite default) is read and written here, but what needs its
executor (a new execution, kill, resume, ...) is refused unless a `podium executor` beats
on that store: only the process running that folder's runtime (`podium server local`)
could receive it, and when one does, backend_options calls its API instead of this
backend. A store that has no schema yet is
created (SQLite) or named as needing `podium db upgrade` (common/store/migrate.py).

A thin adapter: each method calls one public operation (the application layer's,
podium/application/, directly or through the Runtime's delegates; common.kv,
common.storage.namespace_files) and returns the shapes of podium/cli/backend.py.
What a command does not use is never opened: the Runtime (store and broker), a database
alone, or the storage.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from podium import wiring
from podium.application import executions
from podium.application import flows as flow_operations
from podium.application import logs as log_lines
from podium.application import plugins as plugin_catalog
from podium.application import services as service_rows
from podium.application import triggers as control
from podium.application.logs import LogRecord
from podium.cli.backend import Deployed, TriggerKey
from podium.common.errors import FlowValidationError, PodiumError, ServiceSetupError
from podium.common.flow.loader import LoadedFlow, load_flow_file
from podium.common.flow.model import Flow
from podium.common.heartbeat import describe
from podium.common.kv import KVEntry, KVStore, KVType, guess_value, parse_as
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State
from podium.common.settings import Settings
from podium.common.storage import (
    Storage,
    execution_prefix,
    namespace_file_uri,
    namespace_files_prefix,
)
from podium.common.storage import namespace_files as nsfiles
from podium.common.store import Database, ensure_schema, get_execution
from podium.local_server import LocalServer
from podium.runtime import Runtime


class LocalBackend:
    def __init__(self, settings: Settings | None = None,
                 served: LocalServer | None = None) -> None:
        """`served`: the process found serving the settings' embedded folder without an
        API (`podium server local --no-webserver`), named when a command needs it."""
        self.settings = settings or Settings()
        self.served = served
        self._runtime: Runtime | None = None
        self._database: Database | None = None
        self._storage: Storage | None = None

    def __enter__(self) -> "LocalBackend":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._runtime is not None:
            self._runtime.close()
        if self._storage is not None:
            self._storage.close()
        if self._database is not None:
            self._database.dispose()

    # ------------------------------------------------------------------ what is opened
    @staticmethod
    def is_embedded(settings: Settings) -> bool:
        """Whether the settings describe the embedded default (SQLite), whose executor
        is usually an embedded runtime's, reading no broker."""
        return (settings.database.url or "").startswith("sqlite")

    @property
    def runtime(self) -> Runtime:
        """A client of the deployment (store and broker), no service run here."""
        if self._runtime is None:
            runtime = Runtime.connect(self.settings)
            try:
                ensure_schema(runtime.db)
            except PodiumError:
                runtime.close()
                raise
            self._runtime = runtime
        return self._runtime

    @property
    def executor_runtime(self) -> Runtime:
        """The runtime, for an operation that sends the executor a message through the
        broker. On a SQLite store that is refused unless a `podium executor` process
        beats on it (a one-host deployment): an embedded folder's executor reads no
        broker, and a message sent there would wait for nobody."""
        if self.is_embedded(self.settings) and not self._executor_beats():
            raise ServiceSetupError(self._no_runtime())
        return self.runtime

    def _executor_beats(self) -> bool:
        return bool(service_rows.services(
            self.database, "executor",
            silent_after=self.settings.worker.heartbeat_timeout_seconds))

    def _no_runtime(self) -> str:
        folder = self.settings.data_dir
        if self.served is not None:
            return (f"the podium server local serving {folder} (pid {self.served.pid}) "
                    "has no API (--no-webserver): restart it with its API to send it "
                    "commands")
        return (f"no Podium runtime serves {folder}: start `podium server local` with "
                f"PODIUM_DATA_DIR={folder}, then try again")

    @property
    def database(self) -> Database:
        if self._database is None:
            database = wiring.database(self.settings)
            try:
                ensure_schema(database)
            except PodiumError:
                database.dispose()
                raise
            self._database = database
        return self._database

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            self._storage = wiring.storage(self.settings)
        return self._storage

    def _kv_store(self) -> KVStore:
        return KVStore(self.database)

    # ------------------------------------------------------------------ flows
    def validate_flow(self, path: Path) -> dict:
        try:
            flow = load_flow_file(path).flow
        except FlowValidationError as exc:
            return {"file": str(path), "valid": False,
                    "problems": [p.as_dict() for p in exc.problems]}
        return {"file": str(path), "valid": True, "namespace": flow.namespace, "id": flow.id,
                "problems": []}

    def deploy_flow(self, loaded: LoadedFlow) -> Deployed:
        revision = self.runtime.deploy(loaded)
        return Deployed(revision.revision, revision.created)

    def loop_warnings(self, flows: list[Flow]) -> list[list[str]]:
        """Loops the flows close with the flows stored now (theirs included)."""
        return [flow_operations.trigger_loop_warnings(self.runtime, flow) for flow in flows]

    def flow(self, namespace: str, flow_id: str) -> Flow:
        return self.runtime.flow(namespace, flow_id)

    # ------------------------------------------------------------------ executions
    def submit(self, namespace: str, flow_id: str, inputs: dict[str, Any],
               labels: dict[str, str]) -> str:
        return self.executor_runtime.submit(namespace, flow_id, inputs, labels=labels).id

    def execution(self, execution_id: str) -> tuple[Execution, list[TaskRun]]:
        current = self.runtime.get(execution_id)
        if current is None:
            raise PodiumError(f"execution {execution_id} not found")
        return current, self.runtime.task_runs(execution_id)

    def execution_document(self, execution_id: str) -> dict:
        current, runs = self.execution(execution_id)
        return current.to_api(runs)

    def state(self, execution_id: str) -> State | None:
        current = self.runtime.get(execution_id)
        return None if current is None else current.state

    def wait(self, execution_id: str, timeout: float | None) -> Execution:
        """As the API mode's: a timeout is a PodiumError (one line), not a TimeoutError."""
        try:
            return self.runtime.wait(execution_id, timeout=timeout, poll=0.2)
        except TimeoutError as exc:
            raise PodiumError(str(exc)) from None

    def list_executions(self, namespace: str | None, flow_id: str | None,
                        states: list[str], limit: int) -> list[Execution]:
        found, _ = executions.search(self.runtime, namespace=namespace, flow_id=flow_id,
                                     states=[State(s) for s in states] or None, limit=limit)
        return found

    def logs(self, execution_id: str, level: str | None = None,
             after: int | None = None) -> list[LogRecord]:
        return log_lines.lines(self.runtime, execution_id, min_level=level, after_id=after)

    def kill(self, execution_id: str) -> None:
        self.executor_runtime.kill(execution_id)

    def resume(self, execution_id: str, inputs: dict[str, str]) -> None:
        self.executor_runtime.resume(execution_id, inputs or None)

    def review(self, execution_id: str, decision: str, comment: str | None,
               inputs: dict[str, str], task_run_id: str | None) -> str:
        return self.executor_runtime.review(execution_id, decision, comment, inputs or None,
                                   task_run_id=task_run_id)

    def restart(self, execution_id: str) -> None:
        self.executor_runtime.restart(execution_id)

    def replay(self, execution_id: str, task_run_id: str | None) -> str:
        return self.executor_runtime.replay(execution_id, task_run_id)

    def set_state(self, execution_id: str, task_run_id: str, state: str) -> None:
        self.executor_runtime.set_state(execution_id, task_run_id, state)

    def execution_files(self, execution_id: str) -> list[dict]:
        with self.database.read() as conn:
            found = get_execution(conn, execution_id)
        if found is None:
            raise PodiumError(f"execution {execution_id} not found")
        entries = self.storage.list(execution_prefix(found.namespace, found.flow_id, found.id))
        return [{"uri": e.uri, "size": e.size, "modified": e.modified.isoformat()}
                for e in entries]

    def open_file(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        return self.storage.get(uri)

    # ------------------------------------------------------------------ kv
    def kv_set(self, namespace: str, key: str, value: str, kv_type: str | None,
               ttl: str | None, overwrite: bool) -> str:
        store = self._kv_store()
        typed = parse_as(value, KVType(kv_type.upper())) if kv_type else guess_value(value)
        store.put(namespace, key, typed, ttl=ttl, overwrite=overwrite)
        return typed.type.value

    def kv_entry(self, namespace: str, key: str) -> dict | None:
        entry = self._kv_store().get(namespace, key)
        return None if entry is None else _kv_document(entry)

    def kv_entries(self, namespace: str, prefix: str | None,
                   with_values: bool) -> list[dict]:
        return [_kv_document(entry) for entry in self._kv_store().list(namespace, prefix)]

    def kv_delete(self, namespace: str, key: str) -> bool:
        return self._kv_store().delete(namespace, key)

    # ------------------------------------------------------------------ namespace files
    def namespace_files(self, namespace: str, folder: str | None) -> list[dict]:
        return [{"path": "/" + f.path, "uri": f.uri, "size": f.size}
                for f in nsfiles.list_files(self.storage, namespace, folder)]

    def chosen_namespace_files(self, namespace: str, path: str | None) -> list[str]:
        return [file.path for file in self._chosen(namespace, path)]

    def delete_namespace_folder(self, namespace: str, folder: str | None) -> int:
        prefix = namespace_file_uri(namespace, folder) if folder \
            else namespace_files_prefix(namespace)
        return self.storage.delete_prefix(prefix)

    def upload_namespace_files(self, namespace: str, uploads: list[tuple[str, Path]],
                               conflict: str) -> Iterator[tuple[str, Path, bool]]:
        for target, path in uploads:
            with open(path, "rb") as stream:
                _, written = nsfiles.put_file(self.storage, namespace, target, stream,
                                              conflict.upper())  # type: ignore[arg-type]
            yield target, path, written

    def open_namespace_file(self, namespace: str,
                            path: str) -> AbstractContextManager[IO[bytes]]:
        return self.storage.get(namespace_file_uri(namespace, path))

    def delete_namespace_files(self, namespace: str, path: str) -> list[str]:
        return [file.path for file in self._chosen(namespace, path)
                if self.storage.delete(file.uri)]

    def _chosen(self, namespace: str, path: str | None) -> list[nsfiles.NamespaceFile]:
        """The file PATH when there is one, else the files under the folder PATH."""
        folder = nsfiles.folder_path(path, "PATH")
        if folder is not None:
            uri = namespace_file_uri(namespace, folder)
            if self.storage.exists(uri):
                return [nsfiles.NamespaceFile(namespace, folder, uri, self.storage.size(uri))]
        return nsfiles.list_files(self.storage, namespace, folder)

    # ------------------------------------------------------------------ triggers
    def triggers(self, namespace: str | None, flow_id: str | None) -> list[dict]:
        return [control.trigger_json(row)
                for row in control.find_triggers(self.database, namespace, flow_id)]

    def set_trigger_disabled(self, key: TriggerKey, disabled: bool) -> dict:
        return control.trigger_json(control.set_disabled(self.database, key, disabled))

    def unlock_trigger(self, key: TriggerKey) -> dict:
        return control.trigger_json(control.unlock(self.database, key))

    def start_backfill(self, key: TriggerKey, start: datetime, end: datetime | None,
                       inputs: dict[str, str], labels: dict[str, str]) -> dict:
        return control.trigger_json(control.start_backfill(
            self.database, key, start, end, inputs=inputs, labels=labels))

    def backfill_action(self, key: TriggerKey, action: str) -> dict:
        changes = {"pause": lambda: control.pause_backfill(self.database, key, True),
                   "unpause": lambda: control.pause_backfill(self.database, key, False),
                   "delete": lambda: control.delete_backfill(self.database, key)}
        return control.trigger_json(changes[action]())

    # ------------------------------------------------------------------ plugins
    def plugins(self) -> list[dict]:
        return plugin_catalog.list_plugins()

    def broken_plugins(self) -> list[dict]:
        return plugin_catalog.broken_plugins()

    # ------------------------------------------------------------------ services
    def services(self, kind: str | None, include_dead: bool) -> list[dict]:
        return [describe(row) for row in service_rows.services(
            self.database, kind, include_dead,
            silent_after=self.settings.worker.heartbeat_timeout_seconds)]


def _kv_document(entry: KVEntry) -> dict:
    return {"namespace": entry.namespace, "key": entry.key, "type": entry.type.value,
            "value": entry.value, "created": entry.created.isoformat(),
            "updated": entry.updated.isoformat(),
            "expires": entry.expires.isoformat() if entry.expires else None}
