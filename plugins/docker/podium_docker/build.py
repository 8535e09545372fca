"""io.kestra.plugin.docker.cli.Build (alias io.kestra.plugin.docker.Build)."""

from __future__ import annotations

import base64
import io
import json
import re
import tarfile
import tempfile
from pathlib import Path
from typing import Any, Callable, ClassVar

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

    def _params(self, ctx: RunContext, tags: list[str], dockerfile: str) -> list[tuple[str, str]]:
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


def context_tar(root: Path, dockerfile: str) -> bytes:
    """The build context: the working directory's files, paths relative to it, less those
    its `.dockerignore` excludes (the Dockerfile is always sent, as the docker CLI does)."""
    ignored = dockerignore(root)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if relative != dockerfile and ignored(relative):
                continue
            tar.add(path, arcname=relative, recursive=False)
    return buffer.getvalue()


def dockerignore(root: Path) -> Callable[[str], bool]:
    """`.dockerignore`'s rules: glob patterns on paths relative to the context (a folder's
    pattern covers what is under it), `!` re-includes, the last matching rule wins."""
    file = root / ".dockerignore"
    rules: list[tuple[bool, str]] = []
    if file.is_file():
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                keep = line.startswith("!")
                pattern = line.lstrip("!").strip().strip("/")
                rules.append((keep, pattern.removeprefix("./")))

    compiled = [(keep, _glob(pattern)) for keep, pattern in rules]

    def ignored(relative: str) -> bool:
        verdict = False
        parents = ["/".join(relative.split("/")[:n])
                   for n in range(1, relative.count("/") + 2)]
        for keep, regex in compiled:
            if any(regex.fullmatch(p) for p in parents):
                verdict = not keep
        return verdict

    return ignored


def _glob(pattern: str) -> re.Pattern[str]:
    """Go's filepath.Match plus `**` (docker's rules): `*` and `?` stay within a path
    segment, `**` crosses them."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def build(ctx: RunContext, engine: Engine, params: list[tuple[str, str]],
          credentials: dict[str, Any] | None) -> str:
    dockerfile = dict(params)["dockerfile"]
    headers = {"Content-Type": "application/x-tar"}
    if credentials and credentials.get("username"):
        server = credentials.get("registry") or "https://index.docker.io/v1/"
        config = {server: {"username": credentials["username"],
                           "password": credentials.get("password") or ""}}
        headers["X-Registry-Config"] = base64.urlsafe_b64encode(
            json.dumps(config).encode()).decode()
    image_id = None
    with engine.stream("POST", "/build", params=params, headers=headers,
                       content=context_tar(ctx.working_dir.resolve(),
                                                          dockerfile)) as response:
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
