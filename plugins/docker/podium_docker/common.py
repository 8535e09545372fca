"""Properties Build and Run share (Kestra's AbstractDocker) and rendering helpers."""

from __future__ import annotations

import json
import re
from typing import Any

from podium.sdk import RunContext, StrictModel, TaskFailure
from podium.sdk.guarded_http import mask_secret

DOCKER_HUB_HOSTS = {"registry-1.docker.io", "index.docker.io", "docker.io"}


class Credentials(StrictModel):
    """Kestra's registry credentials (io.kestra.plugin.scripts.runner.docker.Credentials)."""

    registry: str | None = None
    username: str | None = None
    password: str | None = None
    registry_token: str | None = None
    identity_token: str | None = None
    auth: str | None = None


class DockerProperties(StrictModel):
    host: str | None = None
    # A Docker config.json (text or map) with registry credentials: its `auths` entries are
    # used for the registry of the image when `credentials` is not given.
    config: str | dict[str, Any] | None = None
    credentials: Credentials | None = None

    def rendered_credentials(self, ctx: RunContext, image: str) -> dict[str, str | None] | None:
        """The credentials for `image`'s registry, rendered and masked."""
        found: dict[str, str | None] | None
        if self.credentials is not None:
            found = {key: _text(ctx, value) for key, value in
                     self.credentials.model_dump(by_alias=True).items()}
        else:
            found = self._from_config(ctx, image)
        for key in ("password", "registryToken", "identityToken", "auth"):
            mask_secret(ctx, (found or {}).get(key))
        return found

    def _from_config(self, ctx: RunContext, image: str) -> dict[str, str | None] | None:
        if self.config is None:
            return None
        raw = ctx.render_value(self.config) if isinstance(self.config, dict) else ctx.render(
            self.config)
        try:
            config = raw if isinstance(raw, dict) else json.loads(str(raw))
        except ValueError:
            raise TaskFailure("config: not a JSON Docker configuration") from None
        registry = registry_of(image)
        for server, entry in (config.get("auths") or {}).items():
            host = server.split("://")[-1].split("/")[0]
            if host == registry or (registry is None and host in DOCKER_HUB_HOSTS):
                return {"registry": server, "auth": (entry or {}).get("auth"),
                        "username": (entry or {}).get("username"),
                        "password": (entry or {}).get("password")}
        return None


def _text(ctx: RunContext, value: Any) -> str | None:
    if value is None:
        return None
    return str(ctx.render(value)) or None


def registry_of(image: str) -> str | None:
    """The registry host of an image reference (None: Docker Hub)."""
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return None if first in DOCKER_HUB_HOSTS else first
    return None


def registry_host_for_prefix(registry: str | None) -> str | None:
    """Kestra's AbstractDocker.registryHostForImagePrefix: the bare host[:port] of a
    registry URL, None for Docker Hub."""
    if not registry or not registry.strip():
        return None
    if "://" in registry:
        host = registry.split("://", 1)[1].split("/", 1)[0]
    else:
        host = registry.split("/", 1)[0]
    return None if not host or host in DOCKER_HUB_HOSTS else host


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.I)


def byte_size(value: str | int | None, prop: str) -> int | None:
    """`512m`, `1g`, `1048576` -> bytes (the docker CLI's units, powers of 1024)."""
    if value is None or value == "":
        return None
    match = _SIZE.match(str(value))
    if not match:
        raise TaskFailure(f"{prop}: '{value}' is not a size (e.g. 512m, 1g)")
    power = " kmgt".index(match.group(2).lower() or " ")
    return int(float(match.group(1)) * 1024 ** power)


def rendered_list(ctx: RunContext, value: Any, prop: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(ctx.render(item)) for item in value]
    rendered = ctx.render_typed(value)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered) if rendered.strip().startswith("[") else [rendered]
        except ValueError:
            raise TaskFailure(f"{prop}: '{rendered}' is not a list") from None
    if not isinstance(rendered, list):
        raise TaskFailure(f"{prop}: expected a list, got {type(rendered).__name__}")
    return [str(item) for item in rendered]


def rendered_map(ctx: RunContext, value: Any, prop: str) -> dict[str, str]:
    if value is None:
        return {}
    rendered = ctx.render_value(value) if isinstance(value, dict) else ctx.render_typed(value)
    if isinstance(rendered, str):
        try:
            rendered = json.loads(rendered)
        except ValueError:
            rendered = None
    if not isinstance(rendered, dict):
        raise TaskFailure(f"{prop}: expected a map")
    return {str(k): "" if v is None else str(v) for k, v in rendered.items()}
