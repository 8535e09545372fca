"""One container's life for docker.Run: image present (pull policy), create, copy the
working directory in, start, follow its logs, wait, copy the working directory back,
remove. A kill or the task's timeout kills and removes the container."""

from __future__ import annotations

import io
import shutil
import tarfile
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from podium.sdk import RunContext, TaskFailure
from podium_docker.engine import Engine, quoted, registry_auth

LineSink = Callable[[str, bool], None]


@dataclass(frozen=True)
class ContainerResult:
    container_id: str
    exit_code: int


def run_container(ctx: RunContext, engine: Engine, image: str, spec: dict[str, Any], *,
                  pull_policy: str, credentials: dict[str, Any] | None, wait: bool,
                  on_line: LineSink, copy_back: bool) -> ContainerResult:
    ensure_image(ctx, engine, image, pull_policy, credentials)
    container = engine.request("POST", "/containers/create", body=spec)["Id"]
    keep = False
    try:
        engine.request("PUT", f"/containers/{container}/archive", params={"path": "/"},
                       content=workdir_tar(ctx.working_dir.resolve()),
                       headers={"Content-Type": "application/x-tar"})
        engine.request("POST", f"/containers/{container}/start")
        if not wait:
            keep = True
            ctx.log("INFO", f"Container {container[:12]} started; not waiting for it")
            return ContainerResult(container, 0)
        follow_logs(ctx, engine, container, on_line)
        status = engine.request("POST", f"/containers/{container}/wait") or {}
        if copy_back:  # kept on failure too, as Kestra downloads them before failing
            copy_out(engine, container, ctx.working_dir.resolve())
        return ContainerResult(container, int(status.get("StatusCode", -1)))
    finally:
        if not keep:
            # force: kills it first when a kill, the timeout or an error stopped the run
            engine.request("DELETE", f"/containers/{container}", params={"force": "1"},
                           missing_ok=True)


def split_image(image: str) -> tuple[str, str]:
    """(repository, tag) of a reference; a digest stays whole in the repository."""
    if "@" in image:
        return image, ""
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:  # `host:5000/app`: a port, not a tag
        return image, "latest"
    return name, tag


def ensure_image(ctx: RunContext, engine: Engine, image: str, policy: str,
                 credentials: dict[str, Any] | None) -> None:
    if policy == "NEVER":
        return
    if policy == "IF_NOT_PRESENT" and engine.request(
            "GET", f"/images/{quoted(image)}/json", missing_ok=True) is not None:
        return
    name, tag = split_image(image)
    ctx.log("INFO", f"Pulling image {image}")
    params = {"fromImage": name, **({"tag": tag} if tag else {})}
    headers = {"X-Registry-Auth": registry_auth(credentials) or "e30="}
    with engine.stream("POST", "/images/create", params=params, headers=headers) as response:
        for item in engine.json_lines(response):
            ctx.check_killed()
            if item.get("error"):
                raise TaskFailure(f"Unable to pull image {image}: {item['error']}")


def workdir_tar(root: Path) -> bytes:
    """The working directory at its own absolute path (the container's working
    directory), as a tar to extract at `/`."""
    buffer = io.BytesIO()
    prefix = root.as_posix().lstrip("/")
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(root, arcname=prefix, recursive=False)
        for path in sorted(root.rglob("*")):
            tar.add(path, arcname=f"{prefix}/{path.relative_to(root).as_posix()}",
                    recursive=False)
    return buffer.getvalue()


def copy_out(engine: Engine, container: str, root: Path) -> None:
    """The container's working directory copied back over the local one: regular files
    only, inside it (no links, no absolute or parent paths)."""
    with tempfile.TemporaryFile() as spool:
        with engine.stream("GET", f"/containers/{container}/archive",
                           params={"path": root.as_posix()}) as response:
            for chunk in response.iter_bytes():
                spool.write(chunk)
        spool.seek(0)
        with tarfile.open(fileobj=spool, mode="r:") as tar:
            for member in tar:
                parts = PurePosixPath(member.name).parts[1:]  # drop the folder's own name
                if not member.isfile() or not parts or ".." in parts:
                    continue
                target = root.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                if source is not None:
                    with source, open(target, "wb") as out:
                        shutil.copyfileobj(source, out)


def follow_logs(ctx: RunContext, engine: Engine, container: str, on_line: LineSink) -> None:
    """Logs followed by a thread (its own connection) until the container ends; this
    thread checks for a kill or the timeout meanwhile."""
    failure: list[BaseException] = []

    def follow() -> None:
        client = engine.new_client()
        try:
            with engine.stream("GET", f"/containers/{container}/logs", client=client,
                               params={"follow": "1", "stdout": "1", "stderr": "1"}) as answer:
                demux(answer.iter_bytes(), on_line)
        except BaseException as exc:  # reported by the caller's thread
            failure.append(exc)
        finally:
            client.close()

    thread = threading.Thread(target=follow, name=f"docker-logs-{container[:12]}",
                              daemon=True)
    thread.start()
    while thread.is_alive():
        ctx.check_killed()
        thread.join(0.25)
    if failure:
        raise failure[0]


def demux(chunks: Any, on_line: LineSink) -> None:
    """The Engine's multiplexed stream (no TTY): frames of an 8-byte header (stream type,
    0 0 0, big-endian size) and a payload; lines are cut per stream."""
    buffer = b""
    pending = {1: b"", 2: b""}
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= 8:
            size = int.from_bytes(buffer[4:8], "big")
            if len(buffer) < 8 + size:
                break
            kind = 2 if buffer[0] == 2 else 1
            pending[kind] += buffer[8:8 + size]
            buffer = buffer[8 + size:]
            *lines, pending[kind] = pending[kind].split(b"\n")
            for line in lines:
                on_line(line.decode("utf-8", "replace").rstrip("\r"), kind == 2)
    for kind, rest in pending.items():
        if rest:
            on_line(rest.decode("utf-8", "replace").rstrip("\r"), kind == 2)
