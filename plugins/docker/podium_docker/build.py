"""io.kestra.plugin.docker.cli.Build (alias io.kestra.plugin.docker.Build)."""

from __future__ import annotations

import base64
import io
import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from podium.sdk import Dyn, Expr, RunContext, Task, TaskFailure
from podium.sdk.scripts import InputFiles, NamespaceFiles, stage_files
from podium_docker.common import DockerProperties, rendered_list, rendered_map
from podium_docker.engine import Engine, connect, quoted, registry_auth
from podium_docker.examples import BUILD


class Build(DockerProperties, Task):
    """Builds an image with the Docker daemon from `dockerfile` (inline content, or the
    path of a file of the working directory) and the working directory as build context
    (`namespaceFiles` and `inputFiles` are put there first), tags it with every `tags`
    entry, and pushes each tag when `push` is true (with `credentials`, or the matching
    `config` entry). `buildArgs`, `labels`, `target`, `platforms` and `pull` (default
    true) as `docker build`'s options. Output `imageId`."""

    TYPE: ClassVar[str] = "io.kestra.plugin.docker.cli.Build"
    ALIASES: ClassVar[tuple[str, ...]] = ("io.kestra.plugin.docker.Build",)
    EXAMPLES = BUILD

    dockerfile: str
    platforms: list[str] | Expr | None = None
    push: Dyn[bool] = False
    pull: Dyn[bool] = True
    tags: list[str] | Expr
    build_args: dict[str, Any] | Expr | None = None
    labels: dict[str, Any] | Expr | None = None
    target: str | None = None
    namespace_files: NamespaceFiles | None = None
    input_files: InputFiles | None = None

    def run(self, ctx: RunContext) -> dict[str, Any]:
        tags = sorted({t.split("://", 1)[-1] for t in rendered_list(ctx, self.tags, "tags")})
        if not tags:
            raise TaskFailure("tags: at least one tag is required")
        stage_files(ctx, self.namespace_files, self.input_files)
        dockerfile = self._dockerfile(ctx)
        params = self._params(ctx, tags, dockerfile)
        credentials = self.rendered_credentials(ctx, tags[0])
        with connect(ctx, self.host) as engine:
            image_id = build(ctx, engine, params, credentials)
            if self.push:
                for tag in tags:
                    push(ctx, engine, tag, credentials)
        return {"imageId": image_id}

    def _dockerfile(self, ctx: RunContext) -> str:
        """The Dockerfile's path in the context: the file named, else the content written
        to a temporary file (Kestra's rule)."""
        text = str(ctx.render(self.dockerfile))
        root = ctx.working_dir.resolve()
        if "\n" not in text and text.strip():
            candidate = (root / text.strip()).resolve()
            if candidate.is_file() and candidate.is_relative_to(root):
                return candidate.relative_to(root).as_posix()
        with tempfile.NamedTemporaryFile("w", suffix=".dockerfile", dir=root,
                                         delete=False) as out:
            out.write(text)
        return Path(out.name).name

    def _params(self, ctx: RunContext, tags: list[str], dockerfile: str) -> list[tuple]:
        params: list[tuple[str, str]] = [("t", tag) for tag in tags]
        params += [("dockerfile", dockerfile), ("pull", "1" if self.pull else "0"),
                   ("rm", "1"), ("forcerm", "1")]
        args = rendered_map(ctx, self.build_args, "buildArgs")
        if args:
            params.append(("buildargs", json.dumps(args)))
        labels = rendered_map(ctx, self.labels, "labels")
        if labels:
            params.append(("labels", json.dumps(labels)))
        if self.target:
            params.append(("target", str(ctx.render(self.target))))
        platforms = rendered_list(ctx, self.platforms, "platforms")
        if platforms:
            params.append(("platform", ",".join(platforms)))
        return params


def context_tar(root: Path) -> bytes:
    """The build context: every file of the working directory, paths relative to it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(root.rglob("*")):
            tar.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
    return buffer.getvalue()


def build(ctx: RunContext, engine: Engine, params: list[tuple],
          credentials: dict[str, Any] | None) -> str:
    headers = {"Content-Type": "application/x-tar"}
    if credentials and credentials.get("username"):
        server = credentials.get("registry") or "https://index.docker.io/v1/"
        config = {server: {"username": credentials["username"],
                           "password": credentials.get("password") or ""}}
        headers["X-Registry-Config"] = base64.urlsafe_b64encode(
            json.dumps(config).encode()).decode()
    image_id = None
    with engine.stream("POST", "/build", params=params, headers=headers,
                       content=context_tar(ctx.working_dir.resolve())) as response:
        for item in engine.json_lines(response):
            ctx.check_killed()
            if item.get("error"):
                raise TaskFailure(f"Docker build failed: {str(item['error']).strip()}")
            text = str(item.get("stream") or "").strip()
            if text:
                ctx.log("INFO", text)
                if text.startswith("Successfully built ") and image_id is None:
                    image_id = text.split()[-1]
            aux = item.get("aux")
            if isinstance(aux, dict) and aux.get("ID"):
                image_id = aux["ID"]
    if not image_id:
        raise TaskFailure("Docker build ended without an image id")
    return image_id


def push(ctx: RunContext, engine: Engine, tag: str, credentials: dict[str, Any] | None) -> None:
    name, _, version = tag.rpartition(":")
    if not name or "/" in version:  # no tag: `host:5000/app` has a port, not a tag
        name, version = tag, "latest"
    headers = {"X-Registry-Auth": registry_auth(credentials) or "e30="}  # "{}"
    pushed = 0
    with engine.stream("POST", f"/images/{quoted(name)}/push", params={"tag": version},
                       headers=headers) as response:
        for item in engine.json_lines(response):
            ctx.check_killed()
            if item.get("error"):
                raise TaskFailure(f"Docker push of {tag} failed: {item['error']}")
            detail = item.get("progressDetail") or {}
            if item.get("status") == "Pushed" and isinstance(detail, dict):
                pushed += int(detail.get("total") or 0)
    ctx.log("INFO", f"Pushed {tag}")
    ctx.metric({"name": "bytes", "type": "counter", "value": pushed, "tags": {}})
