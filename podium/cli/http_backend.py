"""`HttpBackend`: the CLI's operations as a client of a Podium API (`--server URL`), through
podium/client.py. The API's JSON comes back in the shapes of podium/cli/backend.py, so a
command prints the same output as on the store.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import click
import httpx

from podium.cli.backend import Deployed, TriggerKey
from podium.client import ApiClient, ApiClientError, api_shape, execution_from_api, log_from_api
from podium.common.errors import FlowValidationError, PodiumError
from podium.common.flow.loader import LoadedFlow, parse_flow
from podium.common.flow.model import Flow
from podium.common.flow.source_text import decode_source
from podium.common.models.execution import Execution, TaskRun
from podium.common.models.state import State
from podium.common.store.logs import LogRecord

FILES = "/api/v1/namespaces/{}/files"
BACKFILL_ROUTES = {"pause": ("PUT", "/backfill/pause"), "unpause": ("PUT", "/backfill/unpause"),
                   "delete": ("POST", "/backfill/delete")}


class HttpBackend:
    def __init__(self, url: str, **credentials: Any) -> None:
        self.client = ApiClient(url, **credentials)

    def __enter__(self) -> "HttpBackend":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.client.close()

    # ------------------------------------------------------------------ flows
    def validate_flow(self, path: Path) -> dict:
        """The result `flow validate` builds locally, from the server's checks."""
        try:
            # Decoded here, strictly: a replaced byte would be validated as another flow.
            text = decode_source(path.read_bytes(), str(path))
        except FlowValidationError as exc:
            return {"file": str(path), "valid": False,
                    "problems": [p.as_dict() for p in exc.problems]}
        checked = self.client.validate(text)
        first = checked[0] if checked else {"constraints": "empty document", "problems": []}
        if first["constraints"] is not None:
            problems = first.get("problems") or [{"message": first["constraints"], "path": "",
                                                  "line": None, "column": None}]
            return {"file": str(path), "valid": False, "problems": problems}
        result = {"file": str(path), "valid": True, "namespace": first["namespace"],
                  "id": first["flow"], "problems": []}
        if first.get("warnings"):
            result["warnings"] = list(first["warnings"])
        return result

    def deploy_flow(self, loaded: LoadedFlow) -> Deployed:
        flow = loaded.flow
        saved, created = self.client.deploy(flow.namespace, flow.id, loaded.source)
        return Deployed(saved["revision"], created, list(saved.get("warnings") or []))

    def loop_warnings(self, flows: list[Flow]) -> list[list[str]]:
        """None beyond those the server gave as each flow was saved."""
        return [[] for _ in flows]

    def flow(self, namespace: str, flow_id: str) -> Flow:
        current = self.client.get_flow(namespace, flow_id)
        if current is None:
            raise PodiumError(f"flow {namespace}.{flow_id} is not deployed")
        return parse_flow(current["source"]).flow

    # ------------------------------------------------------------------ executions
    def submit(self, namespace: str, flow_id: str, inputs: dict[str, Any],
               labels: dict[str, str]) -> str:
        return self.client.create_execution(namespace, flow_id, inputs, labels)["id"]

    def execution(self, execution_id: str) -> tuple[Execution, list[TaskRun]]:
        return execution_from_api(self.client.execution(execution_id))

    def execution_document(self, execution_id: str) -> dict:
        return api_shape(self.client.execution(execution_id))

    def state(self, execution_id: str) -> State | None:
        return State(self.client.execution(execution_id)["state"]["current"])

    def wait(self, execution_id: str, timeout: float | None) -> Execution:
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            current, _ = self.execution(execution_id)
            if current.state.is_terminated or current.state is State.PAUSED:
                return current
            if deadline and time.monotonic() > deadline:
                raise PodiumError(f"execution {execution_id} still {current.state.value}")
            time.sleep(0.2)

    def list_executions(self, namespace: str | None, flow_id: str | None,
                        states: list[str], limit: int) -> list[Execution]:
        found = self.client.search_executions(namespace=namespace, flowId=flow_id,
                                              state=states or None, size=limit)
        return [execution_from_api(item)[0] for item in found["results"]]

    def logs(self, execution_id: str, level: str | None = None,
             after: int | None = None) -> list[LogRecord]:
        """Every entry is read again; an entry's id is its position (the API gives none)."""
        entries = self.client.logs(execution_id, level)
        first = 0 if after is None else after + 1
        return [log_from_api(entry, n) for n, entry in enumerate(entries)][first:]

    def kill(self, execution_id: str) -> None:
        self.client.kill(execution_id)

    def resume(self, execution_id: str, inputs: dict[str, str]) -> None:
        self.client.resume(execution_id, inputs)

    def review(self, execution_id: str, decision: str, comment: str | None,
               inputs: dict[str, str], task_run_id: str | None) -> str:
        return self.client.review(execution_id, decision, comment, inputs,
                                  task_run_id)["taskRunId"]

    def restart(self, execution_id: str) -> None:
        self.client.restart(execution_id)

    def replay(self, execution_id: str, task_run_id: str | None) -> str:
        return self.client.replay(execution_id, task_run_id)["id"]

    def set_state(self, execution_id: str, task_run_id: str, state: str) -> None:
        self.client.set_state(execution_id, task_run_id, state)

    def execution_files(self, execution_id: str) -> list[dict]:
        return [{**entry, "modified": _iso(entry["modified"])}
                for entry in self.client.execution_files(execution_id)]

    @contextmanager
    def open_file(self, uri: str) -> Iterator[IO[bytes]]:
        """The stored file through GET /api/v1/executions/{id}/file: the API serves a file
        through its execution, so each execution its URI may name is tried in turn."""
        candidates = execution_ids_of(uri)
        if not candidates:
            raise PodiumError(f"{uri} is not a file of an execution")
        for number, execution_id in enumerate(candidates, start=1):
            with self._stream(f"/api/v1/executions/{execution_id}/file", {"path": uri},
                              retry_on=(404, 422) if number < len(candidates) else ()) as body:
                if body is not None:
                    yield body
                    return

    # ------------------------------------------------------------------ kv
    def kv_set(self, namespace: str, key: str, value: str, kv_type: str | None,
               ttl: str | None, overwrite: bool) -> str:
        self.client.kv_set(namespace, key, value, kv_type=kv_type, ttl=ttl,
                           overwrite=overwrite)
        stored = self.client.kv_get(namespace, key)
        return str(stored["type"] if stored else kv_type)

    def kv_entry(self, namespace: str, key: str) -> dict | None:
        found = self.client.kv_get(namespace, key)
        if found is None:
            return None
        meta = next((m for m in self.client.kv_list(namespace) if m["key"] == key), None)
        meta = meta or {"key": key, "type": found["type"], "creationDate": None,
                        "updateDate": None, "expirationDate": None}
        return _kv_document(namespace, meta, found["value"])

    def kv_entries(self, namespace: str, prefix: str | None,
                   with_values: bool) -> list[dict]:
        """With `with_values`, one more request per key (the listing has no values)."""
        entries = [m for m in self.client.kv_list(namespace)
                   if not prefix or m["key"].startswith(prefix)]
        return [_kv_document(namespace, meta, (self.client.kv_get(namespace, meta["key"])
                                               or {}).get("value") if with_values else None)
                for meta in entries]

    def kv_delete(self, namespace: str, key: str) -> bool:
        return self.client.kv_delete(namespace, key)

    # ------------------------------------------------------------------ namespace files
    def namespace_files(self, namespace: str, folder: str | None) -> list[dict]:
        return [{"path": "/" + path, "size": size}
                for path, size in self._walk(namespace, folder)]

    def chosen_namespace_files(self, namespace: str, path: str | None) -> list[str]:
        """The file `path` when there is one, else the files under the folder `path`."""
        folder = (path or "").strip("/") or None
        if folder is not None:
            response = self.client.request("GET", FILES.format(namespace) + "/directory",
                                           params={"path": "/" + folder}, ok=(400, 404))
            if response.status_code == 400:  # a file, not a directory
                return [folder]
        return [found for found, _ in self._walk(namespace, folder)]

    def delete_namespace_folder(self, namespace: str, folder: str | None) -> int:
        existing = self._walk(namespace, folder)
        self.client.request("DELETE", FILES.format(namespace),
                            params={"path": "/" + (folder or "")}, ok=(404,))
        return len(existing)

    def upload_namespace_files(self, namespace: str, uploads: list[tuple[str, Path]],
                               conflict: str) -> Iterator[tuple[str, Path, bool]]:
        present = {p for p, _ in self._walk(namespace, None)} if conflict != "overwrite" \
            else set()
        for target, path in uploads:
            if target in present:
                if conflict == "error":
                    raise click.ClickException(f"namespace file /{target} already exists")
                yield target, path, False
                continue
            with open(path, "rb") as stream:
                self.client.request("POST", FILES.format(namespace),
                                    params={"path": "/" + target},
                                    files={"fileContent": (path.name, stream)})
            yield target, path, True

    @contextmanager
    def open_namespace_file(self, namespace: str, path: str) -> Iterator[IO[bytes]]:
        with self._stream(FILES.format(namespace), {"path": "/" + path}) as body:
            yield body

    def delete_namespace_files(self, namespace: str, path: str) -> list[str]:
        chosen = self.chosen_namespace_files(namespace, path)
        if chosen:
            self.client.request("DELETE", FILES.format(namespace),
                                params={"path": "/" + path.strip("/")})
        return chosen

    def _walk(self, namespace: str, folder: str | None) -> list[tuple[str, int]]:
        """(path without a leading slash, size) of every file under `folder`."""
        found: list[tuple[str, int]] = []
        pending = [folder or ""]
        while pending:
            current = pending.pop()
            response = self.client.request("GET", FILES.format(namespace) + "/directory",
                                           params={"path": "/" + current} if current else {},
                                           ok=(404,))
            if response.status_code == 404:
                continue
            for entry in response.json():
                path = f"{current}/{entry['fileName']}".lstrip("/")
                if entry["type"] == "Directory":
                    pending.append(path)
                else:
                    found.append((path, entry["size"]))
        return sorted(found)

    @contextmanager
    def _stream(self, path: str, params: dict,
                retry_on: tuple[int, ...] = ()) -> Iterator[Any]:
        """A readable body streamed from GET `path`; None for a status in `retry_on`."""
        try:
            with self.client.http.stream("GET", path, params=params) as response:
                if response.status_code >= 400:
                    response.read()
                    if response.status_code in retry_on:
                        yield None
                        return
                    self.client._raise(response)
                yield _Chunks(response.iter_bytes())
        except httpx.HTTPError as exc:
            raise ApiClientError(f"cannot reach {self.client.http.base_url}: {exc}") from None

    # ------------------------------------------------------------------ triggers
    def triggers(self, namespace: str | None, flow_id: str | None) -> list[dict]:
        return self.client.triggers(namespace, flow_id)

    def set_trigger_disabled(self, key: TriggerKey, disabled: bool) -> dict:
        return self.client.update_trigger(_trigger_body(key, disabled=disabled))

    def unlock_trigger(self, key: TriggerKey) -> dict:
        return self.client.unlock_trigger(key)

    def start_backfill(self, key: TriggerKey, start: datetime, end: datetime | None,
                       inputs: dict[str, str], labels: dict[str, str]) -> dict:
        namespace, flow_id, trigger_id = key
        current = next((t for t in self.client.triggers(namespace, flow_id)
                        if t["namespace"] == namespace and t["triggerId"] == trigger_id), None)
        if current and current["backfill"]:  # PUT would keep it silently
            raise PodiumError("A backfill is already in progress for this trigger; "
                              "delete it first")
        return self.client.update_trigger(_trigger_body(key, backfill={
            "start": start.isoformat(), "end": end.isoformat() if end else None,
            "inputs": inputs, "labels": [{"key": k, "value": v} for k, v in labels.items()]}))

    def backfill_action(self, key: TriggerKey, action: str) -> dict:
        return self.client.trigger_action(*BACKFILL_ROUTES[action], key)

    # ------------------------------------------------------------------ plugins
    def plugins(self) -> list[dict]:
        return self.client.request("GET", "/api/v1/plugins").json()

    def broken_plugins(self) -> list[dict]:
        return self.client.request("GET", "/api/v1/plugins/broken").json()

    # ------------------------------------------------------------------ services
    def services(self, kind: str | None, include_dead: bool) -> list[dict]:
        params = {"all": str(include_dead).lower(), **({"kind": kind} if kind else {})}
        return self.client.request("GET", "/api/v1/services", params=params).json()


def execution_ids_of(uri: str) -> list[str]:
    """The execution ids a stored file's URI may name (`.../<flow>/executions/<id>/...`),
    most likely first."""
    segments = uri.removeprefix("kestra:///").split("/")
    return [segments[i + 1] for i in range(2, len(segments) - 1)
            if segments[i] == "executions"]


def _iso(text: str | None) -> str | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat() if text else None


def _kv_document(namespace: str, meta: dict, value: Any) -> dict:
    """The document the store side gives for a key (podium/cli/local_backend.py)."""
    return {"namespace": namespace, "key": meta["key"], "type": meta["type"], "value": value,
            "created": _iso(meta["creationDate"]), "updated": _iso(meta["updateDate"]),
            "expires": _iso(meta["expirationDate"])}


def _trigger_body(key: TriggerKey, **changes: Any) -> dict:
    namespace, flow_id, trigger_id = key
    return {"namespace": namespace, "flowId": flow_id, "triggerId": trigger_id, **changes}


class _Chunks:
    """A file-like `read(n)` over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._buffer = iter(chunks), b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
