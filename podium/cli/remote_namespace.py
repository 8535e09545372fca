"""`podium namespace files ... --server URL`: the namespace-file commands as clients of the
API's `/api/v1/namespaces/{namespace}/files` routes, printing what their store-side twins
print (podium/cli/namespace_commands.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from podium.cli.file_commands import write_atomically
from podium.client import ApiClient

FILES = "/api/v1/namespaces/{}/files"


def walk(client: ApiClient, namespace: str, folder: str | None) -> list[tuple[str, int]]:
    """(path without a leading slash, size) of every file under `folder`, depth first."""
    found: list[tuple[str, int]] = []
    pending = [folder or ""]
    while pending:
        current = pending.pop()
        response = client.request("GET", FILES.format(namespace) + "/directory",
                                  params={"path": "/" + current} if current else {}, ok=(404,))
        if response.status_code == 404:
            continue
        for entry in response.json():
            path = f"{current}/{entry['fileName']}".lstrip("/")
            if entry["type"] == "Directory":
                pending.append(path)
            else:
                found.append((path, entry["size"]))
    return sorted(found)


def _chosen(client: ApiClient, namespace: str, path: str | None) -> list[tuple[str, int]]:
    """The file `path` when there is one, else the files under the folder `path`."""
    folder = (path or "").strip("/") or None
    if folder is not None:
        response = client.request("GET", FILES.format(namespace) + "/directory",
                                  params={"path": "/" + folder}, ok=(400, 404))
        if response.status_code == 400:  # a file, not a directory
            return [(folder, -1)]
    return walk(client, namespace, folder)


def list_files(client: ApiClient, namespace: str, path: str | None, output: str) -> None:
    found = walk(client, namespace, (path or "").strip("/") or None)
    if output == "json":
        click.echo(json.dumps([{"path": "/" + p, "size": size} for p, size in found], indent=2))
        return
    for file_path, size in found:
        click.echo(f"/{file_path}  {size}")


def upload(client: ApiClient, namespace: str, uploads: list[tuple[str, Path]],
           conflict: str, delete_first: bool, folder: str | None) -> None:
    if delete_first:
        existing = walk(client, namespace, folder)
        client.request("DELETE", FILES.format(namespace), params={"path": "/" + (folder or "")},
                       ok=(404,))
        click.echo(f"{len(existing)} file(s) deleted")
    present = {p for p, _ in walk(client, namespace, None)} if conflict != "overwrite" else set()
    for target, path in uploads:
        if target in present:
            if conflict == "error":
                raise click.ClickException(f"namespace file /{target} already exists")
            click.echo(f"{path} -> /{target}  (exists: skipped)")
            continue
        with open(path, "rb") as stream:
            client.request("POST", FILES.format(namespace), params={"path": "/" + target},
                           files={"fileContent": (path.name, stream)})
        click.echo(f"{path} -> /{target}")


def download(client: ApiClient, namespace: str, path: str | None, target: Path) -> None:
    chosen = _chosen(client, namespace, path)
    if not chosen:
        raise click.ClickException(f"no file {path or ''} in namespace '{namespace}'")
    for file_path, _ in chosen:
        local = target.joinpath(*file_path.split("/"))
        local.parent.mkdir(parents=True, exist_ok=True)
        with client.http.stream("GET", FILES.format(namespace),
                                params={"path": "/" + file_path}) as response:
            if response.status_code >= 400:
                response.read()
                client._raise(response)
            write_atomically(_Chunks(response.iter_bytes()), local, local.name)
        click.echo(f"/{file_path} -> {local}")


def delete(client: ApiClient, namespace: str, path: str) -> None:
    chosen = _chosen(client, namespace, path)
    if not chosen:
        raise click.ClickException(f"no file {path} in namespace '{namespace}'")
    client.request("DELETE", FILES.format(namespace), params={"path": "/" + path.strip("/")})
    for file_path, _ in chosen:
        click.echo(f"/{file_path} deleted")


class _Chunks:
    """A file-like `read(n)` over an iterator of byte chunks (for write_atomically)."""

    def __init__(self, chunks) -> None:
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
