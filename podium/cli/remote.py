"""`--server URL`: the flow, execution, trigger and kv commands as clients of a Podium API
(podium/client.py) instead of the store. Each function here prints what its store-side
twin prints, so scripts see the same output either way.

The server and credentials also come from PODIUM_SERVER, PODIUM_SERVER_USER,
PODIUM_SERVER_PASSWORD and PODIUM_SERVER_TOKEN.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import click

from common.errors import FlowValidationError, PodiumError
from common.flow.loader import parse_flow
from common.flow.source_text import decode_source
from common.models.state import State
from podium.cli.output import print_execution
from podium.client import (
    ApiClient,
    ApiClientError,
    api_shape,
    dumps,
    execution_from_api,
    log_from_api,
)


def remote_options(command: Callable) -> Callable:
    """Add --server/--user/--password/--token; the command gets `remote`: an ApiClient when
    a server is given, else None (the store-side path)."""

    @click.option("--server", envvar="PODIUM_SERVER", default=None, metavar="URL",
                  help="Call this Podium API instead of the store (env PODIUM_SERVER).")
    @click.option("--user", envvar="PODIUM_SERVER_USER", default=None,
                  help="Basic-auth user for --server.")
    @click.option("--password", envvar="PODIUM_SERVER_PASSWORD", default=None,
                  help="Basic-auth password for --server.")
    @click.option("--token", envvar="PODIUM_SERVER_TOKEN", default=None,
                  help="Bearer API token for --server.")
    @functools.wraps(command)
    def wrapper(*args: Any, server: str | None, user: str | None, password: str | None,
                token: str | None, **kwargs: Any) -> Any:
        if not server:
            return command(*args, remote=None, **kwargs)
        with ApiClient(server, user=user, password=password, token=token) as client:
            try:
                return command(*args, remote=client, **kwargs)
            except PodiumError as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(1)
    return wrapper


# ---------------------------------------------------------------------- flows

def validate_files(client: ApiClient, files: list[Path]) -> list[dict]:
    """Results shaped as `flow validate` builds them locally."""
    results = []
    for path in files:
        try:
            # Decoded here, strictly: a replaced byte would be validated as another flow.
            text = decode_source(path.read_bytes(), str(path))
        except FlowValidationError as exc:
            results.append({"file": str(path), "valid": False,
                            "problems": [p.as_dict() for p in exc.problems]})
            continue
        checked = client.validate(text)
        first = checked[0] if checked else {"constraints": "empty document", "problems": []}
        if first["constraints"] is None:
            results.append({"file": str(path), "valid": True, "namespace": first["namespace"],
                            "id": first["flow"], "problems": []})
            if first.get("warnings"):
                results[-1]["warnings"] = list(first["warnings"])
        else:
            problems = first.get("problems") or [{"message": first["constraints"], "path": "",
                                                  "line": None, "column": None}]
            results.append({"file": str(path), "valid": False, "problems": problems})
    return results


def deploy_files(client: ApiClient, files: list[Path]) -> None:
    sources = []
    for path in files:  # nothing is sent unless every file is valid, as locally
        try:
            loaded = parse_flow(path.read_bytes(), name=str(path))
        except FlowValidationError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        sources.append((path, loaded.flow, loaded.source))
    for path, flow, source in sources:
        saved, created = client.deploy(flow.namespace, flow.id, source)
        status = "created" if created else "unchanged"
        click.echo(f"{flow.namespace}.{flow.id} revision {saved['revision']} ({status})  {path}")
        for warning in saved.get("warnings") or []:
            click.echo(f"warning  {path}: {warning}")


# ---------------------------------------------------------------------- executions

def run_execution(client: ApiClient, namespace: str, flow_id: str, inputs: dict[str, str],
                  labels: dict[str, str], wait: bool, output_format: str,
                  timeout: float | None) -> None:
    from podium.cli.run_command import with_files

    current = client.get_flow(namespace, flow_id)
    if current is None:
        raise PodiumError(f"flow {namespace}.{flow_id} is not deployed")
    given = with_files(parse_flow(current["source"]).flow, inputs)
    created = client.create_execution(namespace, flow_id, given, labels)
    if not wait:
        emit(client, created["id"], output_format, short=True)
        return
    final = follow(client, created["id"], timeout)
    emit(client, final["id"], output_format)
    sys.exit(0 if final["state"]["current"] in ("SUCCESS", "WARNING") else 1)


def follow(client: ApiClient, execution_id: str, timeout: float | None) -> dict:
    deadline = time.monotonic() + timeout if timeout else None
    while True:
        body = client.execution(execution_id)
        state = State(body["state"]["current"])
        if state.is_terminated or state is State.PAUSED:
            return body
        if deadline and time.monotonic() > deadline:
            raise PodiumError(f"execution {execution_id} still {state.value}")
        time.sleep(0.2)


def emit(client: ApiClient, execution_id: str, output_format: str, short: bool = False) -> None:
    body = client.execution(execution_id)
    if output_format == "json":
        click.echo(dumps(api_shape(body)))
    elif short:
        click.echo(f"{body['id']} {body['state']['current']}")
    else:
        execution, runs = execution_from_api(body)
        logs = [log_from_api(entry, n) for n, entry in enumerate(client.logs(execution_id))]
        print_execution(execution, runs, logs)


def list_executions(client: ApiClient, namespace: str | None, flow_id: str | None,
                    states: tuple[str, ...], limit: int) -> None:
    found = client.search_executions(namespace=namespace, flowId=flow_id,
                                     state=[s.upper() for s in states] or None, size=limit)
    for item in found["results"]:
        execution, _ = execution_from_api(item)
        start = execution.history.start_date
        click.echo(f"{execution.id}  {execution.namespace}.{execution.flow_id}  "
                   f"{execution.state.value:<9}  {start:%Y-%m-%d %H:%M:%S}")


def print_logs(client: ApiClient, execution_id: str, follow_logs: bool,
               level: str | None) -> None:
    shown = 0
    while True:
        entries = client.logs(execution_id, level)
        for entry in entries[shown:]:
            record = log_from_api(entry)
            click.echo(f"{record.timestamp:%H:%M:%S.%f} {record.level:<5} "
                       f"{record.task_id or 'execution'}: {record.message}")
        shown = max(shown, len(entries))
        state = State(client.execution(execution_id)["state"]["current"])
        if not follow_logs or state.is_terminated:
            return
        time.sleep(0.3)


def kill(client: ApiClient, execution_id: str) -> None:
    client.kill(execution_id)
    click.echo(f"kill requested for {execution_id}")


# ---------------------------------------------------------------------- kv

def _iso(text: str | None) -> str | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat() if text else None


def kv_entry_json(namespace: str, meta: dict, value: Any) -> dict:
    """The document `kv get|list --output json` prints locally."""
    return {"namespace": namespace, "key": meta["key"], "type": meta["type"], "value": value,
            "created": _iso(meta["creationDate"]), "updated": _iso(meta["updateDate"]),
            "expires": _iso(meta["expirationDate"])}


def kv_set(client: ApiClient, namespace: str, key: str, value: str, kv_type: str | None,
           ttl: str | None, overwrite: bool) -> None:
    client.kv_set(namespace, key, value, kv_type=kv_type, ttl=ttl, overwrite=overwrite)
    stored = client.kv_get(namespace, key)
    click.echo(f"{namespace}/{key} set ({stored['type'] if stored else kv_type})")


def kv_get(client: ApiClient, namespace: str, key: str, output_format: str) -> None:
    found = client.kv_get(namespace, key)
    if found is None:
        click.echo(f"error: no value for key '{key}' in namespace '{namespace}'", err=True)
        sys.exit(1)
    if output_format == "json":
        meta = next((m for m in client.kv_list(namespace) if m["key"] == key), None)
        meta = meta or {"key": key, "type": found["type"], "creationDate": None,
                        "updateDate": None, "expirationDate": None}
        click.echo(json.dumps(kv_entry_json(namespace, meta, found["value"])))
        return
    value = found["value"]
    click.echo(value if isinstance(value, str) else json.dumps(value))


def kv_list(client: ApiClient, namespace: str, prefix: str | None, output_format: str) -> None:
    entries = [m for m in client.kv_list(namespace) if not prefix or m["key"].startswith(prefix)]
    if output_format == "json":
        documents = [kv_entry_json(namespace, m, (client.kv_get(namespace, m["key"]) or {})
                                   .get("value")) for m in entries]
        click.echo(json.dumps(documents))
        return
    for meta in entries:
        expires = _iso(meta["expirationDate"])
        suffix = f"  expires {datetime.fromisoformat(expires):%Y-%m-%d %H:%M:%S}Z" \
            if expires else ""
        click.echo(f"{meta['key']}  {meta['type']}{suffix}")


def kv_delete(client: ApiClient, namespace: str, key: str) -> None:
    if not client.kv_delete(namespace, key):
        click.echo(f"error: no key '{key}' in namespace '{namespace}'", err=True)
        sys.exit(1)
    click.echo(f"{namespace}/{key} deleted")


# ---------------------------------------------------------------------- execution control

def resume(client: ApiClient, execution_id: str, inputs: dict[str, str]) -> None:
    client.resume(execution_id, inputs)
    click.echo(f"resume requested for {execution_id}")


def review(client: ApiClient, execution_id: str, decision: str, comment: str | None,
           inputs: dict[str, str], task_run_id: str | None) -> None:
    decided = client.review(execution_id, decision, comment, inputs, task_run_id)
    click.echo(f"{decision.lower()}: task run {decided['taskRunId']} of {execution_id}")


def restart(client: ApiClient, execution_id: str) -> None:
    client.restart(execution_id)
    click.echo(f"restart requested for {execution_id}")


def replay(client: ApiClient, execution_id: str, task_run_id: str | None) -> None:
    click.echo(client.replay(execution_id, task_run_id)["id"])


def set_state(client: ApiClient, execution_id: str, task_run_id: str, state: str) -> None:
    client.set_state(execution_id, task_run_id, state)
    click.echo(f"task run {task_run_id} set to {state} in {execution_id}")


# ---------------------------------------------------------------------- execution files

def files(client: ApiClient, execution_id: str, output_format: str) -> None:
    entries = client.execution_files(execution_id)
    if output_format == "json":
        click.echo(json.dumps([{**e, "modified": _iso(e["modified"])} for e in entries],
                              indent=2))
        return
    for entry in entries:
        click.echo(f"{entry['uri']}  {entry['size']}")


def execution_ids_of(uri: str) -> list[str]:
    """The execution ids a stored file's URI may name (`.../<flow>/executions/<id>/...`),
    most likely first: the API serves a file through its execution."""
    segments = uri.removeprefix("kestra:///").split("/")
    return [segments[i + 1] for i in range(2, len(segments) - 1)
            if segments[i] == "executions"]


def download(client: ApiClient, uri: str, target: Path | None) -> None:
    """`execution download` through GET /api/v1/executions/{id}/file, streamed; a local
    file is written beside the target and renamed at the end, as locally."""
    candidates = execution_ids_of(uri)
    if not candidates:
        raise PodiumError(f"{uri} is not a file of an execution")
    for number, execution_id in enumerate(candidates, start=1):
        try:
            if target is None:
                client.download(execution_id, uri, sys.stdout.buffer)
                sys.stdout.buffer.flush()
                return
            written = _download_to(client, execution_id, uri, target)
            click.echo(f"{uri} -> {written}", err=True)
            return
        except ApiClientError as exc:
            if exc.status not in (404, 422) or number == len(candidates):
                raise


def _download_to(client: ApiClient, execution_id: str, uri: str, target: Path) -> Path:
    if target.is_dir():
        target = target / uri.rsplit("/", 1)[-1]
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".podium-download-")
    try:
        with os.fdopen(fd, "wb") as out:
            client.download(execution_id, uri, out)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
