"""Checks of docker-compose.yml beyond its JSON schema: what makes the stack start in the
right order, scale, and shut workers down gracefully."""

from __future__ import annotations

import re

import jsonschema

# The Podium services and the command each runs (the image's entrypoint is `podium`).
PODIUM_COMMANDS = {
    "migrate": ["db", "upgrade"],
    "executor": ["executor"],
    "worker": ["worker"],
    "scheduler": ["scheduler"],
    "webserver": ["webserver", "--host", "0.0.0.0", "--port", "8080"],
}


def schema_errors(compose: dict, schema: dict) -> list[str]:
    """The compose-spec schema's complaints (Draft 7, as `docker compose config` checks)."""
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(compose)]


def seconds(duration: str) -> float:
    """A compose duration ('90s', '1m30s', '500ms') in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a duration: {duration!r}")
    return sum(float(n) * units[u] for n, u in parts)


def dependency_problems(services: dict) -> list[str]:
    """depends_on entries naming no service, or waiting on a health no healthcheck gives."""
    found = []
    for name, service in services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            if target not in services:
                found.append(f"{name} depends on unknown service {target}")
            elif spec["condition"] == "service_healthy" and "healthcheck" not in services[target]:
                found.append(f"{name} waits for {target} healthy, which has no healthcheck")
    return found
