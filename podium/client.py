"""A small client of Podium's REST API (api/), used by the CLI's `--server` mode.

Errors come back as `ApiClientError` carrying the server's message and details, so the CLI
prints them as it prints the store's own errors. Kestra-shaped JSON is turned back into
our models where the CLI's printers want them (`execution_from_api`, ...).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from podium.common.errors import PodiumError
from podium.common.models.execution import Attempt, Execution, TaskRun
from podium.common.models.state import State, StateEntry, StateHistory
from podium.common.store.logs import LogRecord


class ApiClientError(PodiumError):
    """The server answered with an error (or could not be reached)."""

    def __init__(self, message: str, status: int | None = None,
                 details: list | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.details = details or []


class ApiClient:
    """One server: `url` (http://host:port), basic `user`/`password` or a bearer `token`."""

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None,
                 token: str | None = None, timeout: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        auth = httpx.BasicAuth(user, password or "") if user and not token else None
        self.http = httpx.Client(base_url=url.rstrip("/"), headers=headers, auth=auth,
                                 timeout=timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def request(self, method: str, path: str, *, ok: tuple[int, ...] = (),
                **kwargs: Any) -> httpx.Response:
        """The response; ApiClientError for a status >= 400 not in `ok`."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiClientError(f"cannot reach {self.http.base_url}: {exc}") from None
        if response.status_code >= 400 and response.status_code not in ok:
            self._raise(response)
        return response

    @staticmethod
    def _raise(response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            body = {}
        message = body.get("message") if isinstance(body, dict) else None
        raise ApiClientError(message or f"HTTP {response.status_code}", response.status_code,
                             body.get("details") if isinstance(body, dict) else None)

    # ------------------------------------------------------------------ flows
    def get_flow(self, namespace: str, flow_id: str) -> dict | None:
        response = self.request("GET", f"/api/v1/flows/{namespace}/{flow_id}",
                                params={"source": "true"}, ok=(404,))
        return None if response.status_code == 404 else response.json()

    def deploy(self, namespace: str, flow_id: str, source: str) -> tuple[dict, bool]:
        """Create or update a flow; returns its JSON and whether a revision was written."""
        current = self.get_flow(namespace, flow_id)
        headers = {"Content-Type": "application/x-yaml"}
        if current is None:
            saved = self.request("POST", "/api/v1/flows", content=source, headers=headers)
        else:
            saved = self.request("PUT", f"/api/v1/flows/{namespace}/{flow_id}",
                                 content=source, headers=headers)
        body = saved.json()
        return body, current is None or body["revision"] != current["revision"]

    def validate(self, source: str) -> list[dict]:
        return self.request("POST", "/api/v1/flows/validate", content=source,
                            headers={"Content-Type": "application/x-yaml"}).json()

    # ------------------------------------------------------------------ executions
    def create_execution(self, namespace: str, flow_id: str, inputs: dict[str, Any],
                         labels: dict[str, str] | None = None) -> dict:
        """Inputs given as a local `Path` are uploaded as files."""
        fields = {k: (None, str(v)) for k, v in inputs.items() if not isinstance(v, Path)}
        opened = {k: v.open("rb") for k, v in inputs.items() if isinstance(v, Path)}
        try:
            files = {**fields, **{k: (inputs[k].name, handle) for k, handle in opened.items()}}
            return self.request(
                "POST", f"/api/v1/executions/{namespace}/{flow_id}",
                params={"labels": [f"{k}:{v}" for k, v in (labels or {}).items()]},
                files=files or None).json()
        finally:
            for handle in opened.values():
                handle.close()

    def execution(self, execution_id: str) -> dict:
        return self.request("GET", f"/api/v1/executions/{execution_id}").json()

    def search_executions(self, **params: Any) -> dict:
        return self.request("GET", "/api/v1/executions/search",
                            params={k: v for k, v in params.items() if v is not None}).json()

    def logs(self, execution_id: str, min_level: str | None = None) -> list[dict]:
        params = {"minLevel": min_level} if min_level else {}
        return self.request("GET", f"/api/v1/logs/{execution_id}", params=params).json()

    def kill(self, execution_id: str) -> None:
        self.request("DELETE", f"/api/v1/executions/{execution_id}/kill")

    def restart(self, execution_id: str) -> dict:
        return self.request("POST", f"/api/v1/executions/{execution_id}/restart").json()

    def replay(self, execution_id: str, task_run_id: str | None = None) -> dict:
        """The new execution (or `{id, originalId}` when the executor has not created it
        yet)."""
        params = {"taskRunId": task_run_id} if task_run_id else {}
        return self.request("POST", f"/api/v1/executions/{execution_id}/replay",
                            params=params).json()

    def set_state(self, execution_id: str, task_run_id: str, state: str) -> dict:
        return self.request("POST", f"/api/v1/executions/{execution_id}/state",
                            json={"taskRunId": task_run_id, "state": state}).json()

    def resume(self, execution_id: str, inputs: dict[str, str]) -> None:
        """Inputs go as multipart form fields, as the UI sends them."""
        self.request("POST", f"/api/v1/executions/{execution_id}/resume",
                     files={k: (None, v) for k, v in inputs.items()} or None)

    def review(self, execution_id: str, decision: str, comment: str | None,
               inputs: dict[str, str], task_run_id: str | None) -> dict:
        body = {"decision": decision, "comment": comment, "inputs": inputs or None,
                "taskRunId": task_run_id}
        return self.request("POST", f"/api/v1/executions/{execution_id}/actions/review",
                            json=body).json()

    def execution_files(self, execution_id: str) -> list[dict]:
        return self.request("GET", f"/api/v1/executions/{execution_id}/files").json()

    def download(self, execution_id: str, uri: str, sink: Any) -> None:
        """Stream the execution's stored file `uri` into the binary file object `sink`."""
        try:
            with self.http.stream("GET", f"/api/v1/executions/{execution_id}/file",
                                  params={"path": uri}) as response:
                if response.status_code >= 400:
                    response.read()
                    self._raise(response)
                for block in response.iter_bytes():
                    sink.write(block)
        except httpx.HTTPError as exc:
            raise ApiClientError(f"cannot reach {self.http.base_url}: {exc}") from None

    # ------------------------------------------------------------------ triggers
    def triggers(self, namespace: str | None = None, flow_id: str | None = None) -> list[dict]:
        """Every trigger context matching (all pages)."""
        found: list[dict] = []
        page = 1
        while True:
            body = self.request("GET", "/api/v1/triggers/search", params={
                k: v for k, v in {"namespace": namespace, "flowId": flow_id, "page": page,
                                  "size": 100}.items() if v is not None}).json()
            found += [item["triggerContext"] for item in body["results"]]
            if not body["results"] or len(found) >= body["total"]:
                return found
            page += 1

    def update_trigger(self, body: dict) -> dict:
        return self.request("PUT", "/api/v1/triggers", json=body).json()

    def trigger_action(self, method: str, path: str, key: tuple[str, str, str]) -> dict:
        """One of the backfill routes (`/backfill/pause`...) with the trigger as body."""
        namespace, flow_id, trigger_id = key
        return self.request(method, f"/api/v1/triggers{path}", json={
            "namespace": namespace, "flowId": flow_id, "triggerId": trigger_id}).json()

    def unlock_trigger(self, key: tuple[str, str, str]) -> dict:
        return self.request("POST", "/api/v1/triggers/{}/{}/{}/unlock".format(*key)).json()

    # ------------------------------------------------------------------ kv
    def kv_get(self, namespace: str, key: str) -> dict | None:
        response = self.request("GET", f"/api/v1/namespaces/{namespace}/kv/{key}", ok=(404,))
        return None if response.status_code == 404 else response.json()

    def kv_set(self, namespace: str, key: str, text: str, *, kv_type: str | None = None,
               ttl: str | None = None, overwrite: bool = True) -> None:
        headers = {"Content-Type": "text/plain", "overwrite": str(overwrite).lower()}
        if kv_type:
            headers["type"] = kv_type.upper()
        if ttl:
            headers["ttl"] = ttl
        self.request("PUT", f"/api/v1/namespaces/{namespace}/kv/{key}",
                     content=text.encode(), headers=headers)

    def kv_list(self, namespace: str) -> list[dict]:
        return self.request("GET", f"/api/v1/namespaces/{namespace}/kv").json()

    def kv_delete(self, namespace: str, key: str) -> bool:
        return bool(self.request("DELETE", f"/api/v1/namespaces/{namespace}/kv/{key}").json())


# ---------------------------------------------------------------------- API JSON -> models

def _date(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def _history(state: dict) -> StateHistory:
    entries = tuple(StateEntry(state=State(h["state"]), date=_date(h["date"]))
                    for h in state.get("histories") or [])
    return StateHistory(current=State(state["current"]), histories=entries)


def task_run_from_api(body: dict) -> TaskRun:
    return TaskRun(id=body["id"], execution_id=body["executionId"], task_id=body["taskId"],
                   parent_task_run_id=body.get("parentTaskRunId"), value=body.get("value"),
                   iteration=body.get("iteration"), outputs=body.get("outputs"),
                   history=_history(body["state"]),
                   attempts=[Attempt(number=n, state=State(a["state"]["current"]),
                                     started=_date(a["state"].get("startDate")),
                                     ended=_date(a["state"].get("endDate")))
                             for n, a in enumerate(body.get("attempts") or [], start=1)])


def execution_from_api(body: dict) -> tuple[Execution, list[TaskRun]]:
    execution = Execution(
        id=body["id"], namespace=body["namespace"], flow_id=body["flowId"],
        flow_revision=body["flowRevision"], history=_history(body["state"]),
        inputs=body.get("inputs") or {}, outputs=body.get("outputs"),
        labels=body.get("labels") or [], parent_id=body.get("parentId"),
        trigger=body.get("trigger"), schedule_date=_date(body.get("scheduleDate")),
        attempt_number=(body.get("metadata") or {}).get("attemptNumber", 1))
    runs = [task_run_from_api(run) for run in body.get("taskRunList") or []]
    return execution, runs


def log_from_api(body: dict, number: int = 0) -> LogRecord:
    return LogRecord(id=number, execution_id=body["executionId"],
                     task_run_id=body.get("taskRunId"), task_id=body.get("taskId"),
                     attempt=body.get("attemptNumber"), level=body["level"],
                     message=body["message"], timestamp=_date(body["timestamp"]),
                     namespace=body.get("namespace"), flow_id=body.get("flowId"))


def api_shape(body: dict) -> dict:
    """An execution's API JSON as `Execution.to_api` gives it (without the server's `url`),
    so `--output json` prints the same document either way."""
    return {k: v for k, v in body.items() if k != "url"}


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)
